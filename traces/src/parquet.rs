//! The normalised-record cache: `mesosim trace convert` writes what the
//! text readers yield (every [`Record`], in the order a load reads them)
//! as one Parquet file, and `format = "parquet"` reads it back, row group
//! by row group, into the very same records, so that `map.rs`'s walk and
//! builder (Google lifecycles, grouping, dropping) run unchanged and a
//! replay is identical. The schema is documented in docs/traces.md.
//!
//! What is not a record (the data lines read, the lines skipped at
//! conversion, the SWF header and the source format) goes into the
//! footer's key-value metadata under [`FOOTER_KEY`], written when the
//! last row group is: only then are the counts known.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use polars::prelude::*;

use crate::map::Tally;
use crate::record::*;
use crate::{Format, TraceError};

/// Rows per row group, written and read as one batch: large enough that
/// Parquet's per-group costs vanish, small enough that one batch of
/// records (a few MiB) is all a read holds.
pub const ROWS_PER_GROUP: usize = 65_536;

/// The footer's key-value metadata key; its value is a JSON object.
pub const FOOTER_KEY: &str = "mesosim.trace";

/// Bumped when the columns or their meaning change; a file of another
/// version is refused rather than misread.
const SCHEMA_VERSION: u64 = 1;

/// The columns, in file order, with their types. Which record uses which
/// column is in docs/traces.md ("Parquet schema").
const COLUMNS: &[(&str, Ty)] = &[
    ("record", Ty::Str),
    ("time_us", Ty::I64),
    ("start_us", Ty::I64),
    ("end_us", Ty::I64),
    ("machine", Ty::Str),
    ("job", Ty::Str),
    ("task", Ty::Str),
    ("task_index", Ty::U64),
    ("user", Ty::Str),
    ("count", Ty::U64),
    ("event", Ty::Str),
    ("status", Ty::Str),
    ("priority", Ty::I64),
    ("cpus", Ty::F64),
    ("mem", Ty::F64),
    ("gpus", Ty::F64),
    ("attributes", Ty::Str),
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Str,
    I64,
    U64,
    F64,
}

impl Ty {
    fn dtype(self) -> DataType {
        match self {
            Ty::Str => DataType::String,
            Ty::I64 => DataType::Int64,
            Ty::U64 => DataType::UInt64,
            Ty::F64 => DataType::Float64,
        }
    }
}

/// What the footer says about the file.
#[derive(Clone, Debug, PartialEq)]
pub struct Footer {
    /// The format the records were read from.
    pub source_format: Format,
    /// The converted trace's path, as given to `convert`.
    pub source_path: String,
    /// Data lines, skipped lines and the SWF header of the conversion.
    pub(crate) tally: Tally,
}

impl Footer {
    fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "schema_version": SCHEMA_VERSION,
            "mesosim_version": env!("CARGO_PKG_VERSION"),
            "source_format": self.source_format.name(),
            "source_path": self.source_path,
            "lines": self.tally.lines,
            "skipped": self.tally.skipped,
            "swf_header": self.tally.swf_header,
        })
    }

    fn from_json(file: &str, text: &str) -> Result<Footer, TraceError> {
        let bad = |what: &str| {
            TraceError::input(
                file,
                format!("footer metadata {FOOTER_KEY}: expected {what} (a file written by `mesosim trace convert`)"),
            )
        };
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| bad("a JSON object"))?;
        match v.get("schema_version").and_then(|x| x.as_u64()) {
            Some(SCHEMA_VERSION) => {}
            Some(n) => {
                return Err(TraceError::input(
                    file,
                    format!(
                        "written with schema version {n}; this mesosim reads version {SCHEMA_VERSION} (convert the trace again)"
                    ),
                ))
            }
            None => return Err(bad("a schema_version")),
        }
        let source_format = v
            .get("source_format")
            .and_then(|x| x.as_str())
            .and_then(Format::parse)
            .filter(|f| *f != Format::Parquet)
            .ok_or_else(|| bad("a source_format naming a text trace format"))?;
        let source_path = v
            .get("source_path")
            .and_then(|x| x.as_str())
            .unwrap_or_default()
            .to_string();
        let lines = v
            .get("lines")
            .and_then(|x| x.as_u64())
            .ok_or_else(|| bad("a count of lines"))?;
        let mut skipped = BTreeMap::new();
        for (k, n) in v
            .get("skipped")
            .and_then(|x| x.as_object())
            .ok_or_else(|| bad("an object of skipped lines"))?
        {
            let n = n.as_u64().ok_or_else(|| bad("counts of skipped lines"))?;
            skipped.insert(k.clone(), n);
        }
        let mut swf_header = BTreeMap::new();
        for (k, s) in v
            .get("swf_header")
            .and_then(|x| x.as_object())
            .ok_or_else(|| bad("an object of SWF header fields"))?
        {
            let s = s.as_str().ok_or_else(|| bad("SWF header values as text"))?;
            swf_header.insert(k.clone(), s.to_string());
        }
        Ok(Footer {
            source_format,
            source_path,
            tally: Tally {
                lines,
                skipped,
                swf_header,
            },
        })
    }
}

fn machine_kind_name(k: MachineEventKind) -> &'static str {
    match k {
        MachineEventKind::Add => "add",
        MachineEventKind::Remove => "remove",
        MachineEventKind::Update => "update",
        MachineEventKind::Error => "error",
    }
}

fn machine_kind_parse(s: &str) -> Option<MachineEventKind> {
    [
        MachineEventKind::Add,
        MachineEventKind::Remove,
        MachineEventKind::Update,
        MachineEventKind::Error,
    ]
    .into_iter()
    .find(|k| machine_kind_name(*k) == s)
}

const EVENT_KINDS: [TaskEventKind; 11] = [
    TaskEventKind::Submit,
    TaskEventKind::Queue,
    TaskEventKind::Enable,
    TaskEventKind::Schedule,
    TaskEventKind::Evict,
    TaskEventKind::Fail,
    TaskEventKind::Finish,
    TaskEventKind::Kill,
    TaskEventKind::Lost,
    TaskEventKind::UpdatePending,
    TaskEventKind::UpdateRunning,
];

fn event_kind_name(k: TaskEventKind) -> &'static str {
    match k {
        TaskEventKind::Submit => "submit",
        TaskEventKind::Queue => "queue",
        TaskEventKind::Enable => "enable",
        TaskEventKind::Schedule => "schedule",
        TaskEventKind::Evict => "evict",
        TaskEventKind::Fail => "fail",
        TaskEventKind::Finish => "finish",
        TaskEventKind::Kill => "kill",
        TaskEventKind::Lost => "lost",
        TaskEventKind::UpdatePending => "update_pending",
        TaskEventKind::UpdateRunning => "update_running",
    }
}

fn event_kind_parse(s: &str) -> Option<TaskEventKind> {
    EVENT_KINDS.into_iter().find(|k| event_kind_name(*k) == s)
}

const STATUSES: [TaskStatus; 9] = [
    TaskStatus::Finished,
    TaskStatus::Failed,
    TaskStatus::Killed,
    TaskStatus::Evicted,
    TaskStatus::Lost,
    TaskStatus::Running,
    TaskStatus::Waiting,
    TaskStatus::Cancelled,
    TaskStatus::Unknown,
];

fn status_parse(s: &str) -> Option<TaskStatus> {
    STATUSES.into_iter().find(|k| k.name() == s)
}

/// One row group's columns, filled record by record.
#[derive(Default)]
struct Rows {
    record: Vec<&'static str>,
    time_us: Vec<Option<i64>>,
    start_us: Vec<Option<i64>>,
    end_us: Vec<Option<i64>>,
    machine: Vec<Option<String>>,
    job: Vec<Option<String>>,
    task: Vec<Option<String>>,
    task_index: Vec<Option<u64>>,
    user: Vec<Option<String>>,
    count: Vec<Option<u64>>,
    event: Vec<Option<&'static str>>,
    status: Vec<Option<&'static str>>,
    priority: Vec<Option<i64>>,
    cpus: Vec<Option<f64>>,
    mem: Vec<Option<f64>>,
    gpus: Vec<Option<f64>>,
    attributes: Vec<Option<String>>,
}

impl Rows {
    fn len(&self) -> usize {
        self.record.len()
    }

    /// Appends one record as one row; the columns a record does not use
    /// are null.
    fn push(&mut self, rec: Record) {
        let mut row = Row::default();
        match rec {
            Record::Machine(m) => {
                row.record = "machine";
                row.time_us = Some(m.time_us);
                row.machine = Some(m.machine);
                row.event = Some(machine_kind_name(m.kind));
                row.cpus = m.cpus;
                row.mem = m.mem;
                row.gpus = m.gpus;
                // An empty list is null, and null reads back as empty.
                if !m.attributes.is_empty() {
                    row.attributes = Some(serde_json::json!(m.attributes).to_string());
                }
            }
            Record::Tasks(t) => {
                row.record = "tasks";
                row.time_us = Some(t.submit_us);
                row.start_us = t.start_us;
                row.end_us = t.end_us;
                row.job = Some(t.job);
                row.task = Some(t.task);
                row.user = t.user;
                row.count = Some(t.count);
                row.cpus = t.cpus;
                row.mem = t.mem;
                row.gpus = t.gpus;
                row.status = Some(t.status.name());
                row.priority = t.priority;
            }
            Record::TaskEvent(e) => {
                row.record = "task_event";
                row.time_us = Some(e.time_us);
                row.job = Some(e.job);
                row.task_index = Some(e.index);
                row.machine = e.machine;
                row.event = Some(event_kind_name(e.kind));
                row.user = e.user;
                row.priority = e.priority;
                row.cpus = e.cpus;
                row.mem = e.mem;
            }
            Record::JobEvent(e) => {
                row.record = "job_event";
                row.time_us = Some(e.time_us);
                row.job = Some(e.job);
                row.event = Some(event_kind_name(e.kind));
                row.user = e.user;
                row.priority = e.priority;
            }
            Record::Usage(u) => {
                row.record = "usage";
                row.time_us = Some(u.start_us);
                row.end_us = u.end_us;
                row.job = u.job;
                row.task = u.task;
                row.machine = u.machine;
                row.cpus = u.cpus;
                row.mem = u.mem;
            }
            Record::Job(j) => {
                row.record = "job";
                row.time_us = j.time_us;
                row.end_us = j.end_us;
                row.job = Some(j.job);
                row.user = j.user;
                row.status = Some(j.status.name());
            }
        }
        self.record.push(row.record);
        self.time_us.push(row.time_us);
        self.start_us.push(row.start_us);
        self.end_us.push(row.end_us);
        self.machine.push(row.machine);
        self.job.push(row.job);
        self.task.push(row.task);
        self.task_index.push(row.task_index);
        self.user.push(row.user);
        self.count.push(row.count);
        self.event.push(row.event);
        self.status.push(row.status);
        self.priority.push(row.priority);
        self.cpus.push(row.cpus);
        self.mem.push(row.mem);
        self.gpus.push(row.gpus);
        self.attributes.push(row.attributes);
    }

    /// The rows as one single-chunk frame (one chunk = one row group),
    /// leaving the buffers empty for the next group.
    fn take_frame(&mut self) -> PolarsResult<DataFrame> {
        let r = std::mem::take(self);
        let n = r.len();
        let cols: Vec<Column> = vec![
            Series::new("record".into(), r.record).into_column(),
            Series::new("time_us".into(), r.time_us).into_column(),
            Series::new("start_us".into(), r.start_us).into_column(),
            Series::new("end_us".into(), r.end_us).into_column(),
            Series::new("machine".into(), r.machine).into_column(),
            Series::new("job".into(), r.job).into_column(),
            Series::new("task".into(), r.task).into_column(),
            Series::new("task_index".into(), r.task_index).into_column(),
            Series::new("user".into(), r.user).into_column(),
            Series::new("count".into(), r.count).into_column(),
            Series::new("event".into(), r.event).into_column(),
            Series::new("status".into(), r.status).into_column(),
            Series::new("priority".into(), r.priority).into_column(),
            Series::new("cpus".into(), r.cpus).into_column(),
            Series::new("mem".into(), r.mem).into_column(),
            Series::new("gpus".into(), r.gpus).into_column(),
            Series::new("attributes".into(), r.attributes).into_column(),
        ];
        DataFrame::new(n, cols)
    }
}

/// One record's cells before they go into the columns.
#[derive(Default)]
struct Row {
    record: &'static str,
    time_us: Option<i64>,
    start_us: Option<i64>,
    end_us: Option<i64>,
    machine: Option<String>,
    job: Option<String>,
    task: Option<String>,
    task_index: Option<u64>,
    user: Option<String>,
    count: Option<u64>,
    event: Option<&'static str>,
    status: Option<&'static str>,
    priority: Option<i64>,
    cpus: Option<f64>,
    mem: Option<f64>,
    gpus: Option<f64>,
    attributes: Option<String>,
}

fn schema() -> Schema {
    COLUMNS
        .iter()
        .map(|(name, ty)| Field::new((*name).into(), ty.dtype()))
        .collect()
}

/// What [`Writer::finish`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub records: u64,
    pub row_groups: u64,
    /// The file's size.
    pub bytes: u64,
    /// Data lines read from the source, and those skipped, by reason.
    pub lines: u64,
    pub skipped: BTreeMap<String, u64>,
}

/// Streams records into a Parquet file, one row group per
/// [`ROWS_PER_GROUP`] records.
pub(crate) struct Writer {
    label: String,
    inner: BatchedWriter<File>,
    /// A second handle on the file, to sync it once the footer is written.
    sync: File,
    rows: Rows,
    records: u64,
    row_groups: u64,
}

impl Writer {
    pub(crate) fn create(path: &Path) -> Result<Writer, TraceError> {
        let label = path.display().to_string();
        let cannot =
            |e: &dyn std::fmt::Display| TraceError::input(&label, format!("cannot write: {e}"));
        let file = File::create(path).map_err(|e| cannot(&e))?;
        let sync = file.try_clone().map_err(|e| cannot(&e))?;
        let inner = ParquetWriter::new(file)
            // One thread: the two cores are the trace reader's too, and
            // the encoding is not the slow part.
            .set_parallel(false)
            .batched(&schema())
            .map_err(|e| cannot(&e))?;
        Ok(Writer {
            label,
            inner,
            sync,
            rows: Rows::default(),
            records: 0,
            row_groups: 0,
        })
    }

    fn cannot(&self, e: impl std::fmt::Display) -> TraceError {
        TraceError::input(&self.label, format!("cannot write: {e}"))
    }

    pub(crate) fn push(&mut self, rec: Record) -> Result<(), TraceError> {
        self.rows.push(rec);
        self.records += 1;
        if self.rows.len() >= ROWS_PER_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), TraceError> {
        if self.rows.len() == 0 {
            return Ok(());
        }
        let df = self.rows.take_frame().map_err(|e| self.cannot(e))?;
        self.inner.write_batch(&df).map_err(|e| self.cannot(e))?;
        self.row_groups += 1;
        Ok(())
    }

    /// Writes the last row group and the footer (with `footer`'s counts),
    /// and syncs the file.
    pub(crate) fn finish(mut self, footer: &Footer) -> Result<Written, TraceError> {
        self.flush()?;
        let bytes = {
            let mut w = self
                .inner
                .get_writer()
                .lock()
                .map_err(|_| self.cannot("the writer's lock is poisoned"))?;
            // Polars' own finish writes this key too: without it the
            // reader would have to guess the column types back.
            let schema_key = polars_parquet::write::schema_to_metadata_key(w.schema());
            let ours = polars_parquet::write::KeyValue {
                key: FOOTER_KEY.into(),
                value: Some(footer.to_json().to_string()),
            };
            w.end(Some(vec![schema_key, ours]))
                .map_err(|e| self.cannot(e))?
        };
        self.sync.sync_all().map_err(|e| self.cannot(e))?;
        Ok(Written {
            records: self.records,
            row_groups: self.row_groups,
            bytes,
            lines: footer.tally.lines,
            skipped: footer.tally.skipped.clone(),
        })
    }
}

/// Opens a Parquet file's metadata: the footer, the row groups, the
/// schema checked against [`COLUMNS`].
struct Opened {
    label: String,
    file: File,
    metadata: FileMetadataRef,
    footer: Footer,
}

fn open(path: &Path) -> Result<Opened, TraceError> {
    let label = path.display().to_string();
    if path.is_dir() {
        return Err(TraceError::input(
            label,
            "expected a Parquet file (from `mesosim trace convert`), found a folder",
        ));
    }
    let file = File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            TraceError::input(&label, "no such file or folder")
        } else {
            TraceError::input(&label, format!("cannot read: {e}"))
        }
    })?;
    let not_parquet = |e: &dyn std::fmt::Display| {
        TraceError::input(
            &label,
            format!("expected a Parquet file (from `mesosim trace convert`), found something else ({e})"),
        )
    };
    let mut reader = ParquetReader::new(file.try_clone().map_err(|e| not_parquet(&e))?);
    let metadata = reader.get_metadata().map_err(|e| not_parquet(&e))?.clone();
    let text = metadata
        .key_value_metadata
        .iter()
        .flatten()
        .find(|kv| kv.key == FOOTER_KEY)
        .and_then(|kv| kv.value.clone())
        .ok_or_else(|| {
            TraceError::input(
                &label,
                format!("expected the footer metadata {FOOTER_KEY} of a file written by `mesosim trace convert`, found none"),
            )
        })?;
    let footer = Footer::from_json(&label, &text)?;
    let schema = reader.schema().map_err(|e| not_parquet(&e))?;
    for (name, ty) in COLUMNS {
        let field = schema.get(name).ok_or_else(|| {
            TraceError::input(
                &label,
                format!(
                    "column {name}: expected a column of type {}, found none",
                    ty.dtype()
                ),
            )
        })?;
        let found = DataType::from_arrow_field(field);
        if found != ty.dtype() {
            return Err(TraceError::input(
                &label,
                format!("column {name}: expected type {}, found {found}", ty.dtype()),
            ));
        }
    }
    Ok(Opened {
        label,
        file,
        metadata,
        footer,
    })
}

/// The format a Parquet trace was converted from (its footer).
pub fn source_format(path: &Path) -> Result<Format, TraceError> {
    Ok(open(path)?.footer.source_format)
}

/// The footer of a Parquet trace.
pub fn footer(path: &Path) -> Result<Footer, TraceError> {
    Ok(open(path)?.footer)
}

/// Reads every record back, one row group at a time, in file order, into
/// `each`; returns the footer's tally.
pub(crate) fn read(
    path: &Path,
    each: &mut dyn FnMut(Record) -> Result<(), TraceError>,
) -> Result<Tally, TraceError> {
    let o = open(path)?;
    let names: Vec<String> = COLUMNS.iter().map(|(n, _)| n.to_string()).collect();
    let mut offset = 0usize;
    let mut row = 0u64;
    for rg in &o.metadata.row_groups {
        let n = rg.num_rows();
        let handle = o
            .file
            .try_clone()
            .map_err(|e| TraceError::input(&o.label, format!("cannot read: {e}")))?;
        let mut reader = ParquetReader::new(handle)
            .with_columns(Some(names.clone()))
            .with_slice(Some((offset, n)))
            // One thread: the batch is turned into records on this one
            // anyway, and threads bought nothing measurable (2 cores).
            .read_parallel(ParallelStrategy::None);
        reader.set_metadata(Arc::clone(&o.metadata));
        let df = reader.finish().map_err(|e| {
            TraceError::input(
                &o.label,
                format!("cannot read row group at row {offset}: {e}"),
            )
        })?;
        batch(&o.label, &df, row, each)?;
        offset += n;
        row += n as u64;
    }
    Ok(o.footer.tally)
}

/// A column of one batch, checked.
fn col<'a>(label: &str, df: &'a DataFrame, name: &str) -> Result<&'a Column, TraceError> {
    df.column(name).map_err(|_| {
        TraceError::input(
            label,
            format!("column {name}: expected a column, found none"),
        )
    })
}

/// Turns one batch into records. `first` is the file row of its first
/// row (0-based), for messages.
fn batch(
    label: &str,
    df: &DataFrame,
    first: u64,
    each: &mut dyn FnMut(Record) -> Result<(), TraceError>,
) -> Result<(), TraceError> {
    let wrong =
        |name: &str, e: PolarsError| TraceError::input(label, format!("column {name}: {e}"));
    // Each column is walked by its own iterator, in step, one row at a
    // time: collecting them first would allocate (and page in) a second
    // copy of the batch.
    let s = |name: &'static str| -> Result<&StringChunked, TraceError> {
        col(label, df, name)?.str().map_err(|e| wrong(name, e))
    };
    let i = |name: &'static str| -> Result<&Int64Chunked, TraceError> {
        col(label, df, name)?.i64().map_err(|e| wrong(name, e))
    };
    let u = |name: &'static str| -> Result<&UInt64Chunked, TraceError> {
        col(label, df, name)?.u64().map_err(|e| wrong(name, e))
    };
    let f = |name: &'static str| -> Result<&Float64Chunked, TraceError> {
        col(label, df, name)?.f64().map_err(|e| wrong(name, e))
    };
    let mut record = s("record")?.iter();
    let mut time_us = i("time_us")?.iter();
    let mut start_us = i("start_us")?.iter();
    let mut end_us = i("end_us")?.iter();
    let mut machine = s("machine")?.iter();
    let mut job = s("job")?.iter();
    let mut task = s("task")?.iter();
    let mut task_index = u("task_index")?.iter();
    let mut user = s("user")?.iter();
    let mut count = u("count")?.iter();
    let mut event = s("event")?.iter();
    let mut status = s("status")?.iter();
    let mut priority = i("priority")?.iter();
    let mut cpus = f("cpus")?.iter();
    let mut mem = f("mem")?.iter();
    let mut gpus = f("gpus")?.iter();
    let mut attributes = s("attributes")?.iter();
    let owned = |v: Option<&str>| v.map(str::to_string);
    for r in 0..df.height() {
        // Every column has the batch's height.
        let kind = record.next().flatten();
        let time_us = time_us.next().flatten();
        let start_us = start_us.next().flatten();
        let end_us = end_us.next().flatten();
        let machine = machine.next().flatten();
        let job = job.next().flatten();
        let task = task.next().flatten();
        let task_index = task_index.next().flatten();
        let user = user.next().flatten();
        let count = count.next().flatten();
        let event = event.next().flatten();
        let status = status.next().flatten();
        let priority = priority.next().flatten();
        let cpus = cpus.next().flatten();
        let mem = mem.next().flatten();
        let gpus = gpus.next().flatten();
        let attributes = attributes.next().flatten();
        let at = Cell {
            label,
            // File rows are counted from 1 in messages, as lines are.
            row: first + r as u64 + 1,
            record: kind.unwrap_or("null"),
        };
        let rec = match kind {
            Some("machine") => Record::Machine(MachineRecord {
                time_us: at.need("time_us", time_us)?,
                machine: at.need("machine", owned(machine))?,
                kind: at.parse("event", event, machine_kind_parse)?,
                cpus,
                mem,
                gpus,
                attributes: match attributes {
                    // An empty list was written as null.
                    None => Vec::new(),
                    Some(text) => {
                        serde_json::from_str::<Vec<(String, String)>>(text).map_err(|_| {
                            at.bad("attributes", "a JSON list of [name, value] pairs", text)
                        })?
                    }
                },
            }),
            Some("tasks") => Record::Tasks(TaskRecord {
                submit_us: at.need("time_us", time_us)?,
                start_us,
                end_us,
                job: at.need("job", owned(job))?,
                task: at.need("task", owned(task))?,
                user: owned(user),
                count: at.need("count", count)?,
                cpus,
                mem,
                gpus,
                status: at.parse("status", status, status_parse)?,
                priority,
            }),
            Some("task_event") => Record::TaskEvent(TaskEvent {
                time_us: at.need("time_us", time_us)?,
                job: at.need("job", owned(job))?,
                index: at.need("task_index", task_index)?,
                machine: owned(machine),
                kind: at.parse("event", event, event_kind_parse)?,
                user: owned(user),
                priority,
                cpus,
                mem,
            }),
            Some("job_event") => Record::JobEvent(JobEvent {
                time_us: at.need("time_us", time_us)?,
                job: at.need("job", owned(job))?,
                kind: at.parse("event", event, event_kind_parse)?,
                user: owned(user),
                priority,
            }),
            Some("usage") => Record::Usage(UsageRecord {
                start_us: at.need("time_us", time_us)?,
                end_us,
                job: owned(job),
                task: owned(task),
                machine: owned(machine),
                cpus,
                mem,
            }),
            Some("job") => Record::Job(JobRecord {
                time_us,
                end_us,
                job: at.need("job", owned(job))?,
                user: owned(user),
                status: at.parse("status", status, status_parse)?,
            }),
            other => {
                return Err(at.bad(
                    "record",
                    "machine, tasks, task_event, job_event, usage or job",
                    other.unwrap_or("null"),
                ))
            }
        };
        each(rec)?;
    }
    Ok(())
}

/// Where a cell is, for messages: `FILE: row N: column C: expected ...`.
struct Cell<'a> {
    label: &'a str,
    row: u64,
    record: &'a str,
}

impl Cell<'_> {
    fn bad(&self, column: &str, expected: &str, found: &str) -> TraceError {
        TraceError::input(
            self.label,
            format!(
                "row {}: column {column}: expected {expected}, found {found:?}",
                self.row
            ),
        )
    }

    /// A cell the record needs.
    fn need<T>(&self, column: &str, v: Option<T>) -> Result<T, TraceError> {
        v.ok_or_else(|| {
            TraceError::input(
                self.label,
                format!(
                    "row {}: column {column}: expected a value in a {} record, found null",
                    self.row, self.record
                ),
            )
        })
    }

    /// A needed cell holding one of a fixed set of words.
    fn parse<T>(
        &self,
        column: &str,
        v: Option<&str>,
        parse: fn(&str) -> Option<T>,
    ) -> Result<T, TraceError> {
        let text = self.need(column, v)?;
        parse(text).ok_or_else(|| self.bad(column, "a known word (docs/traces.md)", text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record kind, with every optional field both set and not,
    /// and values a text round trip would lose (the last bits of a
    /// double, i64 extremes, quotes and commas, non-ASCII).
    fn samples() -> Vec<Record> {
        vec![
            Record::Machine(MachineRecord {
                time_us: -1_078_000_000,
                machine: "m,\"1\"".into(),
                kind: MachineEventKind::Add,
                cpus: Some(64.0),
                mem: Some(0.1 + 0.2),
                gpus: None,
                attributes: vec![("rack".into(), "r1".into()), ("é".into(), "".into())],
            }),
            Record::Machine(MachineRecord {
                time_us: 0,
                machine: "".into(),
                kind: MachineEventKind::Error,
                cpus: None,
                mem: None,
                gpus: Some(8.0),
                attributes: Vec::new(),
            }),
            Record::Tasks(TaskRecord {
                submit_us: i64::MIN,
                start_us: Some(i64::MAX),
                end_us: None,
                job: "j".into(),
                task: "M1_2".into(),
                user: Some("u".into()),
                count: u64::MAX,
                cpus: Some(0.5),
                mem: None,
                gpus: Some(0.25),
                status: TaskStatus::Cancelled,
                priority: Some(-3),
            }),
            Record::Tasks(TaskRecord {
                submit_us: 5,
                start_us: None,
                end_us: Some(7),
                job: "".into(),
                task: "".into(),
                user: None,
                count: 0,
                cpus: None,
                mem: Some(1e-300),
                gpus: None,
                status: TaskStatus::Unknown,
                priority: None,
            }),
            Record::TaskEvent(TaskEvent {
                time_us: 600_000_000,
                job: "3418309".into(),
                index: 7,
                machine: Some("4155527081".into()),
                kind: TaskEventKind::UpdateRunning,
                user: None,
                priority: Some(9),
                cpus: Some(0.125),
                mem: None,
            }),
            Record::JobEvent(JobEvent {
                time_us: 1,
                job: "c".into(),
                kind: TaskEventKind::Queue,
                user: Some("70s3v5qRyCO/1PCdI6fVXnrW8FU/w+5CKRSa72xgcIo=".into()),
                priority: None,
            }),
            Record::Usage(UsageRecord {
                start_us: 2,
                end_us: None,
                job: None,
                task: Some("t".into()),
                machine: None,
                cpus: Some(0.001562),
                mem: None,
            }),
            Record::Job(JobRecord {
                time_us: None,
                end_us: Some(9),
                job: "pai".into(),
                user: None,
                status: TaskStatus::Evicted,
            }),
        ]
    }

    #[test]
    fn every_record_reads_back_exactly_and_in_order_across_row_groups() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.parquet");
        // Enough rows for three row groups, the samples in each.
        let mut all = Vec::new();
        let n = 2 * ROWS_PER_GROUP + 10;
        for k in 0..n {
            let mut r = samples()[k % samples().len()].clone();
            if let Record::Tasks(t) = &mut r {
                t.count = k as u64;
            }
            all.push(r);
        }
        let mut w = Writer::create(&path).unwrap();
        for r in &all {
            w.push(r.clone()).unwrap();
        }
        let footer = Footer {
            source_format: Format::Google2019,
            source_path: "p".into(),
            tally: Tally {
                lines: 3,
                skipped: [("a: expected b".to_string(), 2)].into(),
                swf_header: [("MaxNodes".to_string(), " 4".to_string())].into(),
            },
        };
        let written = w.finish(&footer).unwrap();
        assert_eq!((written.records, written.row_groups), (n as u64, 3));
        let mut back = Vec::new();
        let tally = read(&path, &mut |r| {
            back.push(r);
            Ok(())
        })
        .unwrap();
        assert_eq!(tally, footer.tally);
        assert_eq!(self::footer(&path).unwrap(), footer);
        assert_eq!(back.len(), all.len());
        assert!(back == all, "records differ after the round trip");
    }

    #[test]
    fn every_word_parses_back() {
        for k in EVENT_KINDS {
            assert_eq!(event_kind_parse(event_kind_name(k)), Some(k));
        }
        for s in STATUSES {
            assert_eq!(status_parse(s.name()), Some(s));
        }
        assert_eq!(machine_kind_parse("nope"), None);
    }
}
