//! Scenario files: parsing, validation, defaults.
//!
//! [`load_file`] / [`parse_str`] turn a TOML scenario (the contract in
//! DESIGN.md, every key documented in docs/scenario.md) into a validated
//! [`sim::spec::Spec`], or a [`ScenarioError`] that names the file, line,
//! column and key path of the first problem. The crate does not depend on
//! `policies`, so the caller passes the known policy names in
//! [`LoadOptions`].

mod duration;
mod error;
mod expect;
mod names;
mod schema;
pub mod synthetic;
mod validate;
mod whatif;
mod workload;

use std::path::Path;

use sim::spec::Spec;

pub use duration::{parse_duration, parse_duration_or_forever, DurationError};
pub use error::ScenarioError;
pub use expect::{load_expectations, parse_expectations, Expect};
pub use names::{role_ancestors, validate_role};
pub use whatif::{copy_name, JobStream, Whatif, MAX_LOAD, WHATIF_KEYS};
pub use workload::{OptionValue, WorkloadRef};

/// A scenario file with everything beside its [`Spec`]: the `[workload]`
/// trace to load and the `[whatif]` transforms to apply.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub spec: Spec,
    pub workload: Option<WorkloadRef>,
    /// Empty when the file has no `[whatif]`.
    pub whatif: Whatif,
    /// `[workload] synthetic`, its model loaded and merged.
    pub synthetic: Option<synthetic::Synthetic>,
}

/// What the loader needs to know from outside this crate.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions<'a> {
    /// The policy names `[allocator] policy` may take (`mesosim policies`).
    /// An empty list skips the check.
    pub policies: &'a [&'a str],
}

/// Reads and validates a scenario file; errors are reported against the
/// path as given.
pub fn load_file(path: &Path, opts: &LoadOptions) -> Result<Spec, ScenarioError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::io(&label, e))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let off = e.utf8_error().valid_up_to();
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        ScenarioError::at(
            &label,
            &text,
            Some(off..off),
            None,
            "the file is not valid UTF-8",
        )
    })?;
    parse_str(&text, &label, opts)
}

/// Like [`load_file`], and also returns the scenario's `[workload]` (a
/// trace reference, its path resolved against the scenario's folder), for
/// the caller to load with the `traces` crate. [`load_file`] and
/// [`parse_str`] accept `[workload]` too but leave it out of the result.
pub fn load_file_with_workload(
    path: &Path,
    opts: &LoadOptions,
) -> Result<(Spec, Option<WorkloadRef>), ScenarioError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::io(&label, e))?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if std::str::from_utf8(&bytes).is_err() {
        // load_file gives the precise message.
        return load_file(path, opts).map(|s| (s, None));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    parse_str_with_workload(&text, &label, base, opts)
}

/// Like [`parse_str`], and also returns `[workload]`, its relative path
/// resolved against `base_dir`.
pub fn parse_str_with_workload(
    text: &str,
    file_label: &str,
    base_dir: &Path,
    opts: &LoadOptions,
) -> Result<(Spec, Option<WorkloadRef>), ScenarioError> {
    parse_scenario(text, file_label, base_dir, opts).map(|l| (l.spec, l.workload))
}

/// Reads and validates a scenario file with its `[workload]` (path
/// resolved against the file's folder) and `[whatif]`.
pub fn load_scenario(path: &Path, opts: &LoadOptions) -> Result<Loaded, ScenarioError> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ScenarioError::io(&label, e))?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        // load_file gives the precise message.
        return load_file(path, opts).map(|spec| Loaded {
            spec,
            workload: None,
            whatif: Whatif::default(),
            synthetic: None,
        });
    };
    let base = path.parent().unwrap_or(Path::new(""));
    parse_scenario(text, &label, base, opts)
}

/// Validates scenario text with its `[workload]` (relative path resolved
/// against `base_dir`) and `[whatif]`.
pub fn parse_scenario(
    text: &str,
    file_label: &str,
    base_dir: &Path,
    opts: &LoadOptions,
) -> Result<Loaded, ScenarioError> {
    let root = schema::parse_document(text).map_err(|e| toml_error(text, file_label, &e))?;
    let (spec, raw, whatif, synthetic) = validate::Checker::new(file_label, text, opts.policies)
        .with_base(base_dir)
        .check_with_workload(&root)?;
    let workload = raw.map(|r| {
        let p = std::path::PathBuf::from(&r.path);
        WorkloadRef {
            format: r.format,
            path: if p.is_absolute() { p } else { base_dir.join(p) },
            options: r.options,
            file: file_label.to_string(),
            line: r.line,
        }
    });
    Ok(Loaded {
        spec,
        workload,
        whatif,
        synthetic,
    })
}

/// Reads a synthetic model file's text (the format `mesosim trace fit`
/// writes; docs/synthetic.md); `file_label` names it in errors.
pub fn parse_model(text: &str, file_label: &str) -> Result<synthetic::Synthetic, ScenarioError> {
    let root = schema::parse_document(text).map_err(|e| toml_error(text, file_label, &e))?;
    validate::Checker::new(file_label, text, &[]).model_root(&root)
}

/// `--whatif KEY=VALUE` arguments, in order (a later one replaces an
/// earlier one's key). VALUE is a TOML value (`1.5`, `["1h", "3h"]`,
/// `{ cpus = 2 }`); KEY may be dotted (`machine_scale.cpus=2`). A VALUE
/// that is not TOML is taken as a string, so that `load=abc` is reported
/// as "expected a number". Errors name the flag and the key:
/// `--whatif load: must be greater than 0 ... (got -1)`.
pub fn parse_whatif_args(args: &[String]) -> Result<Whatif, String> {
    let mut out = Whatif::default();
    for arg in args {
        let Some((key, value)) = arg.split_once('=') else {
            return Err(format!(
                "--whatif {arg}: expected KEY=VALUE, like load=1.5 (keys: {})",
                WHATIF_KEYS.join(", ")
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let top = key.split('.').next().unwrap_or("");
        if !WHATIF_KEYS.contains(&top) {
            return Err(format!(
                "--whatif {key}: unknown key; allowed: {}",
                WHATIF_KEYS.join(", ")
            ));
        }
        let quoted = toml::Value::String(value.to_string()).to_string();
        let (text, root) = match schema::parse_document(&format!("{key} = {value}\n")) {
            Ok(root) => (format!("{key} = {value}\n"), root),
            Err(_) => {
                let text = format!("{key} = {quoted}\n");
                match schema::parse_document(&text) {
                    Ok(root) => (text, root),
                    Err(_) => return Err(format!("--whatif {key}: not a valid key")),
                }
            }
        };
        let w = validate::Checker::new("--whatif", &text, &[])
            .whatif_root(&root)
            .map_err(|e| format!("--whatif {}: {}", e.key().unwrap_or(key), e.message()))?;
        out.merge(&w);
    }
    Ok(out)
}

/// Validates scenario text; `file_label` names it in errors (and gives the
/// scenario its default name: `sc.toml` -> `sc`).
pub fn parse_str(text: &str, file_label: &str, opts: &LoadOptions) -> Result<Spec, ScenarioError> {
    let root = schema::parse_document(text).map_err(|e| toml_error(text, file_label, &e))?;
    validate::Checker::new(file_label, text, opts.policies).check(&root)
}

/// toml's own errors (syntax, duplicate keys) in our format: its message
/// is multi-line with a source excerpt in Display, so only `message()` and
/// the span are kept.
pub(crate) fn toml_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let msg: Vec<&str> = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let span = e.span().or(Some(0..0));
    // toml leaves the message empty for a key with no value (`a = `).
    let msg = if msg.is_empty() {
        vec!["expected a value"]
    } else {
        msg
    };
    ScenarioError::at(
        file,
        text,
        span,
        None,
        format!("invalid TOML: {}", msg.join("; ")),
    )
}
