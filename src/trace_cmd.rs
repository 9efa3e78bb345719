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
}

pub fn cmd_trace(args: TraceArgs) -> Result<(), Failure> {
    match args.command {
        TraceCommand::Inspect {
            path,
            format,
            json,
            on_error,
        } => inspect(path, &format, json, &on_error),
    }
}

fn inspect(path: PathBuf, format: &str, json: bool, on_error: &str) -> Result<(), Failure> {
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
