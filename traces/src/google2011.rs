//! Google ClusterData 2011 (v2.1): header-less CSV shards
//! (`part-NNNNN-of-MMMMM.csv.gz`), times in µs, resources normalised to
//! the largest machine (1.0). Each table is sorted by time, so a time that
//! goes backwards (within a shard or across shards) is an error.

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const MACHINE_COLS: &[&str] = &[
    "time",
    "machine_id",
    "event_type",
    "platform_id",
    "cpus",
    "memory",
];
const JOB_COLS: &[&str] = &[
    "time",
    "missing_info",
    "job_id",
    "event_type",
    "user",
    "scheduling_class",
    "job_name",
    "logical_job_name",
];
const TASK_COLS: &[&str] = &[
    "time",
    "missing_info",
    "job_id",
    "task_index",
    "machine_id",
    "event_type",
    "user",
    "scheduling_class",
    "priority",
    "cpu_request",
    "memory_request",
    "disk_space_request",
    "different_machines_restriction",
];
const USAGE_COLS: &[&str] = &[
    "start_time",
    "end_time",
    "job_id",
    "task_index",
    "machine_id",
    "cpu_rate",
    "canonical_memory_usage",
    "assigned_memory_usage",
    "unmapped_page_cache",
    "total_page_cache",
    "maximum_memory_usage",
    "disk_io_time",
    "local_disk_space_usage",
    "maximum_cpu_rate",
    "maximum_disk_io_time",
    "cycles_per_instruction",
    "memory_accesses_per_instruction",
    "sample_portion",
    "aggregation_type",
    "sampled_cpu_usage",
];

const fn def(
    name: &'static str,
    cols: &'static [&'static str],
    min: usize,
    sorted: Option<usize>,
) -> TableDef {
    TableDef {
        name,
        cols,
        min_cols: min,
        sep: Sep::Comma,
        header: Header::No,
        sorted_by: sorted,
    }
}

pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "machine_events",
        def: def("machine_events", MACHINE_COLS, 6, Some(0)),
        parse: machine,
    },
    TableSpec {
        name: "job_events",
        def: def("job_events", JOB_COLS, 8, Some(0)),
        parse: job,
    },
    TableSpec {
        name: "task_events",
        def: def("task_events", TASK_COLS, 13, Some(0)),
        parse: task,
    },
    // 2011-1 has 19 columns, 2011-2 20.
    TableSpec {
        name: "task_usage",
        def: def("task_usage", USAGE_COLS, 19, None),
        parse: usage,
    },
];

fn event(row: &Row, col: usize) -> Result<TaskEventKind, TraceError> {
    let c = row.int(col)?;
    TaskEventKind::from_2011(c).ok_or_else(|| row.err(col, "an event type 0-8", format!("{c}")))
}

fn machine(row: &Row) -> Result<Option<Record>, TraceError> {
    let code = row.int(2)?;
    let kind = match code {
        0 => MachineEventKind::Add,
        1 => MachineEventKind::Remove,
        2 => MachineEventKind::Update,
        _ => return Err(row.err(2, "an event type 0-2", format!("{code}"))),
    };
    let mut attributes = Vec::new();
    if let Some(p) = row.opt_str(3)? {
        attributes.push(("platform".to_string(), p.to_string()));
    }
    Ok(Some(Record::Machine(MachineRecord {
        time_us: row.int(0)?,
        machine: row.int(1)?.to_string(),
        kind,
        cpus: row.opt_float(4)?,
        mem: row.opt_float(5)?,
        gpus: None,
        attributes,
    })))
}

fn job(row: &Row) -> Result<Option<Record>, TraceError> {
    row.opt_int(1)?;
    Ok(Some(Record::JobEvent(JobEvent {
        time_us: row.int(0)?,
        job: row.int(2)?.to_string(),
        kind: event(row, 3)?,
        user: row.opt_str(4)?.map(str::to_string),
        priority: None,
    })))
}

fn task(row: &Row) -> Result<Option<Record>, TraceError> {
    row.opt_int(1)?;
    Ok(Some(Record::TaskEvent(TaskEvent {
        time_us: row.int(0)?,
        job: row.int(2)?.to_string(),
        index: row.count(3)?,
        machine: row.opt_int(4)?.map(|m| m.to_string()),
        kind: event(row, 5)?,
        user: row.opt_str(6)?.map(str::to_string),
        priority: row.opt_int(8)?,
        cpus: row.opt_float(9)?,
        mem: row.opt_float(10)?,
    })))
}

fn usage(row: &Row) -> Result<Option<Record>, TraceError> {
    Ok(Some(Record::Usage(UsageRecord {
        start_us: row.int(0)?,
        end_us: row.opt_int(1)?,
        job: Some(row.int(2)?.to_string()),
        task: Some(row.count(3)?.to_string()),
        machine: row.opt_int(4)?.map(|m| m.to_string()),
        cpus: row.opt_float(5)?,
        mem: row.opt_float(6)?,
    })))
}

/// A reader of one table (`machine_events`, `job_events`, `task_events`,
/// `task_usage`) over one shard.
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    crate::table_reader(TABLES, table, r, file, on_error)
}
