//! `mesosim trace ...`: what a trace holds (`inspect`), read the same way a
//! run reads it (`--on-error skip` to skip bad lines and count them).

use std::path::{Path, PathBuf};

use crate::Failure;

#[derive(clap::Args)]
pub struct TraceArgs {
    #[command(subcommand)]
    command: TraceCommand,
}

#[derive(clap::Subcommand)]
enum TraceCommand {
    /// Machines, jobs, tasks, time span, total resources and requested
    /// resource-hours of a trace (a folder of its tables, or one table).
    Inspect {
        /// The trace folder, or one table's file (`.csv`, `.gz`, `.tar.gz`).
        path: PathBuf,
        /// google-2011, google-2019, alibaba-2017, alibaba-2018,
        /// alibaba-gpu-2020, alibaba-gpu-2023, swf, or parquet (a file
        /// written by `trace convert`).
        #[arg(long)]
        format: String,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
        /// `stop` at the first bad line (default) or `skip` and count it.
        #[arg(long, default_value = "stop")]
        on_error: String,
    },
    /// Writes the records a load of a trace reads as one Parquet file
    /// (docs/traces.md), for `[workload] trace = { format = "parquet",
    /// path = "..." }` and `trace inspect --format parquet`: the same
    /// replay, read many times faster.
    Convert {
        /// The trace folder, or one table's file.
        path: PathBuf,
        /// The trace's format (as for inspect).
        #[arg(long)]
        format: String,
        /// The Parquet file to write (replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// `stop` at the first bad line (default) or `skip` and count it
        /// (the counts go into the file and are reported by every read).
        #[arg(long, default_value = "stop")]
        on_error: String,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
    },
    /// Fits a synthetic workload model (docs/synthetic.md) to a trace and
    /// writes it as TOML, for `[workload] synthetic = { model = "..." }`.
    Fit {
        /// The trace folder, or one table's file.
        path: PathBuf,
        /// The trace format (as for inspect).
        #[arg(long)]
        format: String,
        /// The model file to write (replaced atomically).
        #[arg(long)]
        out: PathBuf,
        /// `stop` at the first bad line (default) or `skip` and count it.
        #[arg(long, default_value = "stop")]
        on_error: String,
        /// Tasks per job: `empirical` (log-spaced bins) or `lognormal`.
        #[arg(long, default_value = "empirical")]
        tasks: String,
        /// Task durations: `empirical` (log-spaced bins) or `lognormal`.
        #[arg(long, default_value = "empirical")]
        durations: String,
        /// Rows in the shape table (the last stands for the rest).
        #[arg(long, default_value_t = 64)]
        max_shapes: usize,
        /// One JSON object on one line of stdout: what the trace holds.
        #[arg(long)]
        json: bool,
    },
}

pub fn cmd_trace(args: TraceArgs) -> Result<(), Failure> {
    match args.command {
        TraceCommand::Inspect {
            path,
            format,
            json,
            on_error,
        } => inspect(path, &format, json, &on_error),
        TraceCommand::Convert {
            path,
            format,
            out,
            on_error,
            json,
        } => convert(path, &format, &out, &on_error, json),
        TraceCommand::Fit {
            path,
            format,
            out,
            on_error,
            tasks,
            durations,
            max_shapes,
            json,
        } => {
            let kind = |flag: &str, v: &str| {
                traces::FitKind::parse(v).ok_or_else(|| {
                    Failure::BadInput(format!(
                        "--{flag}: expected empirical or lognormal, found {v:?}"
                    ))
                })
            };
            if max_shapes == 0 {
                return Err(Failure::BadInput("--max-shapes must be at least 1".into()));
            }
            let fo = traces::FitOptions {
                tasks: kind("tasks", &tasks)?,
                durations: kind("durations", &durations)?,
                max_shapes,
            };
            fit(path, &format, &out, &on_error, &fo, json)
        }
    }
}

/// The trace and the default options of its format (for a Parquet file,
/// those of the format it was converted from).
fn trace_and_options(
    path: PathBuf,
    format: &str,
    on_error: &str,
) -> Result<(traces::TraceRef, traces::TraceOptions), Failure> {
    let fmt = traces::Format::parse(format).ok_or_else(|| {
        let names: Vec<&str> = traces::Format::ALL.iter().map(|f| f.name()).collect();
        Failure::BadInput(format!(
            "--format: unknown trace format {format:?}; known: {}",
            names.join(", ")
        ))
    })?;
    let on_error = traces::OnError::parse(on_error).ok_or_else(|| {
        Failure::BadInput(format!(
            "--on-error: expected stop or skip, found {on_error:?}"
        ))
    })?;
    let trace = traces::TraceRef { format: fmt, path };
    let mut opts =
        traces::TraceOptions::for_trace(&trace).map_err(|e| Failure::BadInput(e.to_string()))?;
    opts.on_error = on_error;
    Ok((trace, opts))
}

fn fit(
    path: PathBuf,
    format: &str,
    out: &Path,
    on_error: &str,
    fo: &traces::FitOptions,
    json: bool,
) -> Result<(), Failure> {
    let (trace, opts) = trace_and_options(path.clone(), format, on_error)?;
    let fmt = trace.format;
    let (model, rep) =
        traces::fit(&trace, &opts, fo).map_err(|e| Failure::BadInput(e.to_string()))?;
    let header = format!(
        "Synthetic workload model fitted by `mesosim trace fit` (mesosim {}).\n\
         Trace: {} ({}); {} jobs (task rows), {} tasks, {} machines.\n\
         Trace means per task: duration {:.3} s, cpus {:.6}, mem {:.3} MiB.\n\
         Use it as [workload] synthetic = {{ model = \"THIS FILE\" }} (docs/synthetic.md).",
        env!("CARGO_PKG_VERSION"),
        path.display(),
        fmt.name(),
        rep.jobs,
        rep.tasks,
        rep.summary.machines,
        rep.mean_duration_s,
        rep.mean_cpus,
        rep.mean_mem,
    );
    let text = model.to_toml(&header);
    write_atomic(out, &text)?;
    if json {
        println!("{}", rep.to_json());
    } else {
        println!("wrote {}", out.display());
        println!("{:<24} {}", "jobs (task rows)", rep.jobs);
        println!("{:<24} {}", "tasks", rep.tasks);
        println!("{:<24} {:.3}", "mean duration (s)", rep.mean_duration_s);
        println!("{:<24} {:.6}", "mean cpus", rep.mean_cpus);
        println!("{:<24} {:.3}", "mean mem (MiB)", rep.mean_mem);
        println!("{:<24} {}", "machines", rep.summary.machines);
        println!("{:<24} {}", "frameworks", rep.frameworks);
    }
    Ok(())
}

/// Writes beside the target, then renames over it: a reader never sees
/// half a model, and a failure leaves the old file as it was.
fn write_atomic(out: &Path, text: &str) -> Result<(), Failure> {
    write_atomic_with(out, |tmp| {
        std::fs::write(tmp, text)
            .map_err(|e| Failure::BadInput(format!("{}: cannot write: {e}", out.display())))
    })
}

/// Runs `write` on a temporary file beside `out` (same folder, so the
/// rename cannot cross file systems), then renames it over `out`. If
/// `write` or the rename fails, the temporary file is removed and `out`
/// is left as it was: no half-written file remains under either name.
fn write_atomic_with<T>(
    out: &Path,
    write: impl FnOnce(&Path) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Failure::BadInput(format!(
                "{}: expected a file name to write, found none",
                out.display()
            ))
        })?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let done = write(&tmp).and_then(|v| {
        std::fs::rename(&tmp, out)
            .map(|()| v)
            .map_err(|e| Failure::BadInput(format!("{}: cannot write: {e}", out.display())))
    });
    if done.is_err() {
        // It may not exist (the write failed before creating it).
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

fn convert(
    path: PathBuf,
    format: &str,
    out: &Path,
    on_error: &str,
    json: bool,
) -> Result<(), Failure> {
    let (trace, opts) = trace_and_options(path, format, on_error)?;
    let started = std::time::Instant::now();
    let w = write_atomic_with(out, |tmp| {
        traces::convert(&trace, opts.on_error, tmp).map_err(|e| {
            // The message names the temporary file when writing failed:
            // name the file the user asked for.
            Failure::BadInput(
                e.to_string()
                    .replace(&tmp.display().to_string(), &out.display().to_string()),
            )
        })
    })?;
    let secs = started.elapsed().as_secs_f64();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "out": out.display().to_string(),
                "format": trace.format.name(),
                "records": w.records,
                "row_groups": w.row_groups,
                "bytes": w.bytes,
                "lines": w.lines,
                "skipped": w.skipped,
            })
        );
    } else {
        println!(
            "wrote {} ({} records in {} row groups, {} bytes) in {secs:.2} s",
            out.display(),
            w.records,
            w.row_groups,
            w.bytes
        );
        println!("{:<24} {}", "lines read", w.lines);
        println!("{:<24} {}", "skipped", w.skipped.values().sum::<u64>());
        for (reason, n) in &w.skipped {
            println!("  skipped {n}: {reason}");
        }
    }
    Ok(())
}

fn inspect(path: PathBuf, format: &str, json: bool, on_error: &str) -> Result<(), Failure> {
    let (trace, opts) = trace_and_options(path, format, on_error)?;
    let s = traces::inspect(&trace, &opts).map_err(|e| Failure::BadInput(e.to_string()))?;
    if json {
        println!("{}", s.to_json());
        return Ok(());
    }
    let opt = |v: Option<i64>| v.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
    let rows = [
        ("format", s.format.name().to_string()),
        ("machines", s.machines.to_string()),
        ("jobs", s.jobs.to_string()),
        ("tasks", s.tasks.to_string()),
        ("task rows", s.task_rows.to_string()),
        ("first_time_us", opt(s.first_time_us)),
        ("last_time_us", opt(s.last_time_us)),
        ("total cpus", format!("{}", s.total.cpus)),
        ("total mem (MiB)", format!("{}", s.total.mem)),
        ("total gpus", format!("{}", s.total.gpus)),
        (
            "requested cpu-hours",
            format!("{:.3}", s.requested_hours.cpus),
        ),
        (
            "requested mem MiB-hours",
            format!("{:.3}", s.requested_hours.mem),
        ),
        (
            "requested gpu-hours",
            format!("{:.3}", s.requested_hours.gpus),
        ),
        ("skipped", s.skipped.values().sum::<u64>().to_string()),
    ];
    for (k, v) in rows {
        println!("{k:<24} {v}");
    }
    for (reason, n) in &s.skipped {
        println!("  skipped {n}: {reason}");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn write_atomic_with_leaves_nothing_on_failure() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("t.parquet");
        // The writer gets half way, then fails: the temporary file goes.
        let r: Result<(), Failure> = write_atomic_with(&out, |t| {
            std::fs::write(t, "half").unwrap();
            Err(Failure::BadInput("broke".into()))
        });
        assert!(matches!(r, Err(Failure::BadInput(m)) if m == "broke"));
        assert_eq!(entries(tmp.path()), Vec::<String>::new());
        // An old file stays as it was after a failure...
        std::fs::write(&out, "old").unwrap();
        let r: Result<(), Failure> = write_atomic_with(&out, |t| {
            std::fs::write(t, "half").unwrap();
            Err(Failure::BadInput("broke".into()))
        });
        assert!(r.is_err());
        assert_eq!(entries(tmp.path()), ["t.parquet"]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "old");
        // ...and is replaced whole after a success.
        let n = write_atomic_with(&out, |t| {
            std::fs::write(t, "new").unwrap();
            Ok(3)
        });
        assert!(matches!(n, Ok(3)));
        assert_eq!(entries(tmp.path()), ["t.parquet"]);
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "new");
    }

    #[test]
    fn write_atomic_into_a_missing_folder_fails_cleanly() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("no/t.toml");
        let Err(Failure::BadInput(m)) = write_atomic(&out, "x") else {
            panic!("expected a failure");
        };
        assert!(
            m.starts_with(&format!("{}: cannot write: ", out.display())),
            "{m}"
        );
        assert_eq!(entries(tmp.path()), Vec::<String>::new());
    }
}
