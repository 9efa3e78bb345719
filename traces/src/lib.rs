//! Streaming readers for public cluster traces, and their mapping onto a
//! scenario ([`sim::spec::Spec`]).
//!
//! One module per format ([`google2011`], [`google2019`], [`alibaba2017`],
//! [`alibaba2018`], [`alibaba_gpu2020`], [`alibaba_gpu2023`], [`swf`]),
//! each an iterator of normalised [`Record`]s over any `BufRead` that
//! holds one line at a time. [`load_workload`] turns a trace into agents,
//! frameworks and jobs; [`inspect`] says what a trace holds. The mapping is
//! documented per format in `docs/traces.md`.
//!
//! Bad lines stop with `FILE:LINE: column NAME: expected ..., found ...`,
//! or with [`OnError::Skip`] are skipped and counted by reason.

mod csv;
mod error;
mod fit;
mod map;
mod open;
#[cfg(feature = "parquet")]
pub mod parquet;
/// Without the `parquet` feature: the same entry points, each an error
/// saying how to build with it.
#[cfg(not(feature = "parquet"))]
#[path = "parquet_off.rs"]
pub mod parquet;
mod record;

pub mod alibaba2017;
pub mod alibaba2018;
pub mod alibaba_gpu2020;
pub mod alibaba_gpu2023;
pub mod google2011;
pub mod google2019;
pub mod swf;

use std::io::BufRead;
use std::path::PathBuf;

pub use csv::{TableReader, MAX_LINE};
pub use error::TraceError;
pub use fit::{fit, FitKind, FitOptions, FitReport};
pub use map::{Amounts, TraceSummary};
pub use open::{open_file, open_tar, table_files, Input};
pub use record::*;

/// What to do with a malformed line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnError {
    /// Stop at the first one (the default).
    #[default]
    Stop,
    /// Skip it and count it by reason. A broken stream (truncated gzip)
    /// still stops.
    Skip,
}

impl OnError {
    pub fn parse(s: &str) -> Option<OnError> {
        match s {
            "stop" => Some(OnError::Stop),
            "skip" => Some(OnError::Skip),
            _ => None,
        }
    }
}

/// The trace formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Google2011,
    Google2019,
    Alibaba2017,
    Alibaba2018,
    AlibabaGpu2020,
    AlibabaGpu2023,
    Swf,
    /// A trace converted by [`convert`]: the records of one of the
    /// formats above, as Parquet (the footer says which).
    Parquet,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Google2011,
        Format::Google2019,
        Format::Alibaba2017,
        Format::Alibaba2018,
        Format::AlibabaGpu2020,
        Format::AlibabaGpu2023,
        Format::Swf,
        Format::Parquet,
    ];

    /// The name used in scenarios and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Google2011 => "google-2011",
            Format::Google2019 => "google-2019",
            Format::Alibaba2017 => "alibaba-2017",
            Format::Alibaba2018 => "alibaba-2018",
            Format::AlibabaGpu2020 => "alibaba-gpu-2020",
            Format::AlibabaGpu2023 => "alibaba-gpu-2023",
            Format::Swf => "swf",
            Format::Parquet => "parquet",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == s)
    }

    /// The format's tables, machines first, in the order a load reads them.
    pub fn tables(self) -> &'static [&'static str] {
        match self {
            Format::Google2011 => &["machine_events", "job_events", "task_events", "task_usage"],
            Format::Google2019 => google2019::TABLES,
            Format::Alibaba2017 => &[
                "server_event",
                "batch_task",
                "batch_instance",
                "container_event",
            ],
            Format::Alibaba2018 => &[
                "machine_meta",
                "machine_usage",
                "batch_task",
                "batch_instance",
                "container_meta",
            ],
            Format::AlibabaGpu2020 => &[
                "pai_machine_spec",
                "pai_job_table",
                "pai_task_table",
                "pai_instance_table",
            ],
            Format::AlibabaGpu2023 => &["openb_node_list", "openb_pod_list"],
            Format::Swf => &["swf"],
            // One file, no tables: see `parquet`.
            Format::Parquet => &[],
        }
    }

    /// The tables a load (and the inspection of a folder) reads.
    pub fn load_tables(self) -> &'static [&'static str] {
        match self {
            Format::Google2011 => &["machine_events", "task_events"],
            Format::Google2019 => &["machine_events", "collection_events", "instance_events"],
            Format::Alibaba2017 => &["server_event", "batch_task"],
            Format::Alibaba2018 => &["machine_meta", "batch_task"],
            Format::AlibabaGpu2020 => &["pai_machine_spec", "pai_job_table", "pai_task_table"],
            Format::AlibabaGpu2023 => &["openb_node_list", "openb_pod_list"],
            Format::Swf => &["swf"],
            Format::Parquet => &[],
        }
    }

    /// The default scale from the trace's units to the scenario's (see
    /// docs/traces.md for why).
    pub fn default_scale(self) -> Scale {
        let (cpus, mem) = match self {
            // Normalised to the largest machine: assume 64 cores, 256 GiB.
            Format::Google2011 | Format::Google2019 => (64.0, 262_144.0),
            // Cores; memory normalised to [0, 1]: assume 1.0 = 256 GiB.
            Format::Alibaba2017 => (1.0, 262_144.0),
            // Cores; memory normalised to [0, 100]: assume 100 = 512 GiB.
            Format::Alibaba2018 => (1.0, 5_242.88),
            // Cores and GB.
            Format::AlibabaGpu2020 => (1.0, 1_024.0),
            // Cores (from millicores) and MiB.
            Format::AlibabaGpu2023 => (1.0, 1.0),
            // One processor = one cpu; memory is not mapped.
            Format::Swf => (1.0, 1.0 / 1024.0),
            // Never used: a Parquet trace takes its source format's
            // defaults (`TraceOptions::for_trace`).
            Format::Parquet => (1.0, 1.0),
        };
        Scale {
            cpus_per_unit: cpus,
            mem_mib_per_unit: mem,
            gpus_per_unit: 1.0,
        }
    }
}

/// Trace units -> scenario units (cores, MiB, GPUs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scale {
    pub cpus_per_unit: f64,
    pub mem_mib_per_unit: f64,
    pub gpus_per_unit: f64,
}

/// Which trace, where.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRef {
    pub format: Format,
    /// A folder holding the format's tables, or one table's file (for
    /// `Format::Parquet`, the `.parquet` file).
    pub path: PathBuf,
}

impl TraceRef {
    /// The format of the records: the trace's own, or for a Parquet file
    /// the format it was converted from (read from its footer).
    pub fn records_format(&self) -> Result<Format, TraceError> {
        match self.format {
            Format::Parquet => parquet::source_format(&self.path),
            f => Ok(f),
        }
    }
}

/// How to read and map a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceOptions {
    pub on_error: OnError,
    /// Alibaba: bucket jobs into this many frameworks by job id; None:
    /// one framework per job. Ignored by Google and SWF (one per user).
    pub frameworks: Option<u64>,
    pub scale: Scale,
}

impl TraceOptions {
    /// The defaults for a format.
    pub fn new(format: Format) -> TraceOptions {
        TraceOptions {
            on_error: OnError::Stop,
            frameworks: None,
            scale: format.default_scale(),
        }
    }

    /// The defaults for a trace: [`TraceOptions::new`] of its records'
    /// format, so that a Parquet conversion maps as its source does.
    pub fn for_trace(trace: &TraceRef) -> Result<TraceOptions, TraceError> {
        Ok(TraceOptions::new(trace.records_format()?))
    }
}

/// The scenario's `[workload]` options this crate understands.
pub const WORKLOAD_OPTIONS: &[&str] = &[
    "on_error",
    "frameworks",
    "cpus_per_unit",
    "mem_mib_per_unit",
    "gpus_per_unit",
];

/// Builds the trace reference and options from a scenario's `[workload]`.
pub fn from_workload(w: &workloads::WorkloadRef) -> Result<(TraceRef, TraceOptions), TraceError> {
    let at = |msg: String| TraceError::input(format!("{}:{}", w.file, w.line), msg);
    let format = Format::parse(&w.format).ok_or_else(|| {
        let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
        at(format!(
            "workload.trace.format: unknown trace format {:?}; known: {}",
            w.format,
            names.join(", ")
        ))
    })?;
    let trace = TraceRef {
        format,
        path: w.path.clone(),
    };
    let mut opts = TraceOptions::for_trace(&trace)?;
    for (k, v) in &w.options {
        let num = || v.as_f64().filter(|x| x.is_finite() && *x > 0.0);
        match k.as_str() {
            "on_error" => {
                opts.on_error = v.as_str().and_then(OnError::parse).ok_or_else(|| {
                    at(format!(
                        "workload.on_error: expected \"stop\" or \"skip\", found {v}"
                    ))
                })?
            }
            "frameworks" => {
                let n = v
                    .as_f64()
                    .filter(|x| x.fract() == 0.0 && *x >= 1.0 && *x <= 1e9)
                    .ok_or_else(|| {
                        at(format!(
                            "workload.frameworks: expected a whole number >= 1, found {v}"
                        ))
                    })?;
                opts.frameworks = Some(n as u64);
            }
            "cpus_per_unit" | "mem_mib_per_unit" | "gpus_per_unit" => {
                let x = num().ok_or_else(|| {
                    at(format!(
                        "workload.{k}: expected a positive number, found {v}"
                    ))
                })?;
                match k.as_str() {
                    "cpus_per_unit" => opts.scale.cpus_per_unit = x,
                    "mem_mib_per_unit" => opts.scale.mem_mib_per_unit = x,
                    _ => opts.scale.gpus_per_unit = x,
                }
            }
            other => {
                return Err(at(format!(
                    "workload.{other}: unknown key; allowed: trace, {}",
                    WORKLOAD_OPTIONS.join(", ")
                )))
            }
        }
    }
    Ok((trace, opts))
}

/// Describes one header-less (or headed) text table.
pub struct TableSpec {
    pub name: &'static str,
    pub(crate) def: csv::TableDef,
    pub(crate) parse: csv::ParseFn<Record>,
}

impl TableSpec {
    /// The column names, in order.
    pub fn columns(&self) -> &'static [&'static str] {
        self.def.cols
    }
}

pub(crate) fn table_reader<R: BufRead>(
    tables: &'static [TableSpec],
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    let t = tables.iter().find(|t| t.name == table)?;
    Some(TableReader::new(r, file, &t.def, t.parse, on_error))
}

/// Appends the trace's workload to `spec`: its machines as agents when the
/// scenario defines none, frameworks, and jobs (identical tasks grouped),
/// with times in µs from the trace's first submission. See docs/traces.md.
pub fn load_workload(
    trace: &TraceRef,
    spec: &mut sim::spec::Spec,
    opts: &TraceOptions,
) -> Result<TraceSummary, TraceError> {
    let mut b = map::Builder::new(trace.records_format()?, opts.clone(), true);
    map::walk(trace, opts.on_error, &mut b)?;
    b.finish(spec)
}

/// [`load_workload`] with `[whatif]` job transforms, applied to each job
/// as the trace is read (`stream` goes on numbering jobs from where the
/// scenario's own jobs left it). Agents are not transformed here: the
/// caller applies [`workloads::Whatif::apply_cluster`] to the whole
/// scenario afterwards.
pub fn load_workload_with(
    trace: &TraceRef,
    spec: &mut sim::spec::Spec,
    opts: &TraceOptions,
    stream: &mut workloads::JobStream,
) -> Result<TraceSummary, TraceError> {
    let mut b = map::Builder::new(trace.records_format()?, opts.clone(), true);
    b.stream = Some(stream.clone());
    map::walk(trace, opts.on_error, &mut b)?;
    let sum = b.finish(spec)?;
    if let Some(s) = b.stream.take() {
        *stream = s;
    }
    Ok(sum)
}

/// What a trace holds (the `mesosim trace inspect` figures), streaming.
pub fn inspect(trace: &TraceRef, opts: &TraceOptions) -> Result<TraceSummary, TraceError> {
    let mut b = map::Builder::new(trace.records_format()?, opts.clone(), false);
    map::walk(trace, opts.on_error, &mut b)?;
    Ok(b.summary())
}

/// Every record of one table file of a format (any table the format
/// knows, by name), for callers that want the raw records.
pub fn records(
    format: Format,
    table: &str,
    input: Input,
    file: &str,
    on_error: OnError,
) -> Option<Box<dyn Iterator<Item = Result<Record, TraceError>> + Send>> {
    map::source(format, table, input, file, on_error)
        .map(|s| s as Box<dyn Iterator<Item = _> + Send>)
}

/// Writes the records a load of `trace` reads (every table, in load
/// order, exactly as the readers yield them) to `out` as Parquet, with
/// the lines read and skipped in its footer (see [`parquet`] and
/// docs/traces.md). `out` is written in place: the caller writes to a
/// temporary name and renames it.
pub fn convert(
    trace: &TraceRef,
    on_error: OnError,
    out: &std::path::Path,
) -> Result<parquet::Written, TraceError> {
    if trace.format == Format::Parquet {
        return Err(TraceError::input(
            trace.path.display().to_string(),
            "already a Parquet trace: convert its source instead",
        ));
    }
    let mut w = parquet::Writer::create(out)?;
    let tally = map::text_records(trace, on_error, &mut |rec| w.push(rec))?;
    w.finish(&parquet::Footer {
        source_format: trace.format,
        source_path: trace.path.display().to_string(),
        tally,
    })
}
