//! Outputs of a run: the output directory contract of DESIGN.md.
//!
//! - [`summary`]: `summary.json` and the fairness figures in it.
//! - [`metrics`]: fairness, efficiency and latency metrics (docs/metrics.md).
//! - [`compare`]: `compare.csv` and `compare.md` over many runs.
//! - [`plots`]: PNG and SVG plots of one run or a comparison.
//! - [`tables`]: `tasks.csv`, `offers.csv`, `shares.csv`, `utilization.csv`.
//! - [`write_run`]: all of them into a directory, atomically: files are
//!   written into a temporary directory beside the target, which replaces
//!   the target only once everything is written.

pub mod compare;
pub mod metrics;
pub mod plots;
pub mod summary;
pub mod tables;

use std::path::{Path, PathBuf};

use sim::record::RunRecord;

/// Writing the output failed.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes every output file of `record` into `dir`, replacing `dir` as a
/// whole only after all files were written. A failure leaves any old `dir`
/// untouched and no partial directory behind.
pub fn write_run(record: &RunRecord, dir: &Path) -> Result<(), ReportError> {
    write_run_with(record, dir, &summary::Extra::default())
}

/// [`write_run`] with extra summary.json keys.
pub fn write_run_with(
    record: &RunRecord,
    dir: &Path,
    extra: &summary::Extra,
) -> Result<(), ReportError> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io_err(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".mesosim-run-")
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    write_files_with(record, tmp.path(), extra)?;
    replace_dir(tmp.keep(), dir)
}

/// Writes the files into an existing directory.
pub fn write_files(record: &RunRecord, dir: &Path) -> Result<(), ReportError> {
    write_files_with(record, dir, &summary::Extra::default())
}

/// [`write_files`] with extra summary.json keys.
pub fn write_files_with(
    record: &RunRecord,
    dir: &Path,
    extra: &summary::Extra,
) -> Result<(), ReportError> {
    let path = dir.join("summary.json");
    let text = summary::to_json_extra(record, &metrics::compute(record), extra);
    std::fs::write(&path, text + "\n").map_err(io_err(&path))?;
    tables::write_tasks(record, &dir.join("tasks.csv"))?;
    tables::write_offers(record, &dir.join("offers.csv"))?;
    tables::write_shares(record, &dir.join("shares.csv"))?;
    tables::write_utilization(record, &dir.join("utilization.csv"))?;
    Ok(())
}

/// Moves the finished directory `from` to `to`, replacing what was there.
pub fn replace_dir(from: PathBuf, to: &Path) -> Result<(), ReportError> {
    if to.exists() {
        let parent = to.parent().unwrap_or(Path::new("."));
        let old = tempfile::Builder::new()
            .prefix(".mesosim-old-")
            .tempdir_in(if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            })
            .map_err(io_err(parent))?;
        let old_path = old.path().join("previous");
        std::fs::rename(to, &old_path).map_err(io_err(to))?;
        if let Err(e) = std::fs::rename(&from, to) {
            // Put the old result back; the new one is dropped.
            let _ = std::fs::rename(&old_path, to);
            let _ = std::fs::remove_dir_all(&from);
            return Err(ReportError::Io {
                path: to.to_path_buf(),
                source: e,
            });
        }
        drop(old); // removes the previous result
        Ok(())
    } else {
        std::fs::rename(&from, to).map_err(|e| {
            let _ = std::fs::remove_dir_all(&from);
            ReportError::Io {
                path: to.to_path_buf(),
                source: e,
            }
        })
    }
}
