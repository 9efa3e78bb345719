//! `mesosim trace ...`: what a trace holds (`inspect`), read the same way a
//! run reads it (`--on-error skip` to skip bad lines and count them).

use std::path::PathBuf;

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
        /// alibaba-gpu-2020, alibaba-gpu-2023 or swf.
        #[arg(long)]
        format: String,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
        /// `stop` at the first bad line (default) or `skip` and count it.
        #[arg(long, default_value = "stop")]
        on_error: String,
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

fn format_and_options(
    format: &str,
    on_error: &str,
) -> Result<(traces::Format, traces::TraceOptions), Failure> {
    let fmt = traces::Format::parse(format).ok_or_else(|| {
        let names: Vec<&str> = traces::Format::ALL.iter().map(|f| f.name()).collect();
        Failure::BadInput(format!(
            "--format: unknown trace format {format:?}; known: {}",
            names.join(", ")
        ))
    })?;
    let mut opts = traces::TraceOptions::new(fmt);
    opts.on_error = traces::OnError::parse(on_error).ok_or_else(|| {
        Failure::BadInput(format!(
            "--on-error: expected stop or skip, found {on_error:?}"
        ))
    })?;
    Ok((fmt, opts))
}

fn fit(
    path: PathBuf,
    format: &str,
    out: &std::path::Path,
    on_error: &str,
    fo: &traces::FitOptions,
    json: bool,
) -> Result<(), Failure> {
    let (fmt, opts) = format_and_options(format, on_error)?;
    let trace = traces::TraceRef {
        format: fmt,
        path: path.clone(),
    };
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
    write_atomic(out, &text)
        .map_err(|e| Failure::BadInput(format!("{}: cannot write: {e}", out.display())))?;
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
fn write_atomic(out: &std::path::Path, text: &str) -> std::io::Result<()> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model.toml".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, out).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn inspect(path: PathBuf, format: &str, json: bool, on_error: &str) -> Result<(), Failure> {
    let (fmt, opts) = format_and_options(format, on_error)?;
    let trace = traces::TraceRef { format: fmt, path };
    let s = traces::inspect(&trace, &opts).map_err(|e| Failure::BadInput(e.to_string()))?;
    if json {
        println!("{}", s.to_json());
        return Ok(());
    }
    let opt = |v: Option<i64>| v.map(|t| t.to_string()).unwrap_or_else(|| "-".into());
    let rows = [
        ("format", fmt.name().to_string()),
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
