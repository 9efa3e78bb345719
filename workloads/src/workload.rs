//! `[workload]`: a reference to a trace, returned beside the [`Spec`] by
//! [`crate::load_file_with_workload`]. This crate does not read traces
//! (the `traces` crate depends on it, not the other way round), so it only
//! checks the table's shape and resolves the path.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// A scalar `[workload]` option.
#[derive(Clone, Debug, PartialEq)]
pub enum OptionValue {
    Str(String),
    Int(i64),
    Float(f64),
}

impl OptionValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            OptionValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            OptionValue::Int(i) => Some(*i as f64),
            OptionValue::Float(f) => Some(*f),
            OptionValue::Str(_) => None,
        }
    }
}

impl fmt::Display for OptionValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionValue::Str(s) => write!(f, "{s:?}"),
            OptionValue::Int(i) => write!(f, "{i}"),
            OptionValue::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// `[workload] trace = { format = "...", path = "..." }` and its options.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadRef {
    /// The trace format's name, as written (checked by `traces`).
    pub format: String,
    /// Resolved against the scenario file's folder when relative.
    pub path: PathBuf,
    /// The other `[workload]` keys (`on_error`, `frameworks`,
    /// `cpus_per_unit`, ...), by name.
    pub options: BTreeMap<String, OptionValue>,
    /// The scenario file, as given, and the line of `[workload]`.
    pub file: String,
    pub line: usize,
}

/// What the validator found, before the path is resolved.
pub(crate) struct RawWorkload {
    pub format: String,
    pub path: String,
    pub options: BTreeMap<String, OptionValue>,
    pub line: usize,
}
