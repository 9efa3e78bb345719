//! Stands in for `parquet.rs` in a build without the `parquet` feature:
//! polars is most of the workspace's build time (docs/performance.md), so
//! Parquet support is built on request. Every entry point names the file
//! and says how to get a build that reads and writes Parquet.

use std::collections::BTreeMap;
use std::path::Path;

use crate::map::Tally;
use crate::{Format, Record, TraceError};

/// How to get Parquet support, in every error of this build.
pub const NOT_BUILT: &str = "this mesosim was built without Parquet support; \
     rebuild with `cargo build --release --features parquet`";

pub struct Footer {
    pub source_format: Format,
    pub source_path: String,
    /// Unread here; kept so that `convert` builds the same footer.
    #[allow(dead_code)]
    pub(crate) tally: Tally,
}

pub struct Written {
    pub records: u64,
    pub row_groups: u64,
    pub bytes: u64,
    pub lines: u64,
    pub skipped: BTreeMap<String, u64>,
}

pub(crate) struct Writer {
    label: String,
}

impl Writer {
    pub(crate) fn create(path: &Path) -> Result<Writer, TraceError> {
        Err(TraceError::input(path.display().to_string(), NOT_BUILT))
    }

    pub(crate) fn push(&mut self, _rec: Record) -> Result<(), TraceError> {
        Err(TraceError::input(&self.label, NOT_BUILT))
    }

    pub(crate) fn finish(self, _footer: &Footer) -> Result<Written, TraceError> {
        Err(TraceError::input(&self.label, NOT_BUILT))
    }
}

pub fn source_format(path: &Path) -> Result<Format, TraceError> {
    Err(TraceError::input(path.display().to_string(), NOT_BUILT))
}

pub fn footer(path: &Path) -> Result<Footer, TraceError> {
    Err(TraceError::input(path.display().to_string(), NOT_BUILT))
}

pub(crate) fn read(
    path: &Path,
    _each: &mut dyn FnMut(Record) -> Result<(), TraceError>,
) -> Result<Tally, TraceError> {
    Err(TraceError::input(path.display().to_string(), NOT_BUILT))
}
