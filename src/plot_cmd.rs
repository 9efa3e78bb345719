//! `mesosim plot RUN_DIR`: the single-run plots (PNG and SVG) of any
//! output directory, read back from its CSV files into `RUN_DIR/plots/`.

use std::path::{Path, PathBuf};

use crate::Failure;

#[derive(clap::Args)]
pub struct PlotArgs {
    /// An output directory of `mesosim run` (or `compare`'s `runs/*`).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
}

pub fn cmd_plot(args: PlotArgs) -> Result<(), Failure> {
    for d in &args.dirs {
        make(d, false)?;
    }
    Ok(())
}

/// Plots one directory; `quiet` prints nothing. A directory that is not
/// an output directory is bad input (exit 2).
pub fn make(dir: &Path, quiet: bool) -> Result<(), Failure> {
    if !dir.join("summary.json").is_file() {
        return Err(Failure::BadInput(format!(
            "{}: not an output directory (no summary.json)",
            dir.display()
        )));
    }
    let files = reports::plots::run_plots(dir).map_err(|e| match e {
        reports::plots::PlotError::Input { .. } => Failure::BadInput(e.to_string()),
        _ => Failure::Failed(e.to_string()),
    })?;
    if !quiet {
        for f in files {
            println!("wrote {}", f.display());
        }
    }
    Ok(())
}
