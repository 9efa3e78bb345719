//! Alibaba cluster-trace-v2018: header-less CSV (a header line that a
//! copy added is accepted on line 1 only), times in seconds, the name
//! first. CPU "100 = 1 core" (turned into cores here), memory normalised
//! to [0, 100]; the invalid markers -1 and 101 read as missing.

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const META_COLS: &[&str] = &[
    "machine_id",
    "time_stamp",
    "failure_domain_1",
    "failure_domain_2",
    "cpu_num",
    "mem_size",
    "status",
];
const MUSAGE_COLS: &[&str] = &[
    "machine_id",
    "time_stamp",
    "cpu_util_percent",
    "mem_util_percent",
    "mem_gps",
    "mkpi",
    "net_in",
    "net_out",
    "disk_io_percent",
];
const TASK_COLS: &[&str] = &[
    "task_name",
    "instance_num",
    "job_name",
    "task_type",
    "status",
    "start_time",
    "end_time",
    "plan_cpu",
    "plan_mem",
];
const INSTANCE_COLS: &[&str] = &[
    "instance_name",
    "task_name",
    "job_name",
    "task_type",
    "status",
    "start_time",
    "end_time",
    "machine_id",
    "seq_no",
    "total_seq_no",
    "cpu_avg",
    "cpu_max",
    "mem_avg",
    "mem_max",
];
const CONTAINER_COLS: &[&str] = &[
    "container_id",
    "machine_id",
    "time_stamp",
    "app_du",
    "status",
    "cpu_request",
    "cpu_limit",
    "mem_size",
];

const fn def(name: &'static str, cols: &'static [&'static str], probe: usize) -> TableDef {
    TableDef {
        name,
        cols,
        min_cols: cols.len(),
        sep: Sep::Comma,
        header: Header::Line1(probe),
        sorted_by: None,
    }
}

pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "machine_meta",
        def: def("machine_meta", META_COLS, 1),
        parse: machine_meta,
    },
    TableSpec {
        name: "machine_usage",
        def: def("machine_usage", MUSAGE_COLS, 1),
        parse: machine_usage,
    },
    TableSpec {
        name: "batch_task",
        def: def("batch_task", TASK_COLS, 1),
        parse: batch_task,
    },
    TableSpec {
        name: "batch_instance",
        def: def("batch_instance", INSTANCE_COLS, 5),
        parse: batch_instance,
    },
    TableSpec {
        name: "container_meta",
        def: def("container_meta", CONTAINER_COLS, 2),
        parse: container_meta,
    },
];

/// A normalised value, with -1 and 101 (and anything outside [0, 100])
/// as missing.
fn norm(row: &Row, col: usize) -> Result<Option<f64>, TraceError> {
    Ok(row.opt_float(col)?.filter(|v| (0.0..=100.0).contains(v)))
}

fn machine_meta(row: &Row) -> Result<Option<Record>, TraceError> {
    let mut attributes = Vec::new();
    for (c, name) in [
        (2, "failure_domain_1"),
        (3, "failure_domain_2"),
        (6, "status"),
    ] {
        if let Some(v) = row.opt_str(c)? {
            attributes.push((name.to_string(), v.to_string()));
        }
    }
    Ok(Some(Record::Machine(MachineRecord {
        time_us: row.secs(1)?,
        machine: row.str(0)?.to_string(),
        kind: MachineEventKind::Add,
        cpus: row.opt_float(4)?,
        mem: norm(row, 5)?,
        gpus: None,
        attributes,
    })))
}

fn machine_usage(row: &Row) -> Result<Option<Record>, TraceError> {
    for c in 4..9 {
        row.opt_float(c)?;
    }
    Ok(Some(Record::Usage(UsageRecord {
        start_us: row.secs(1)?,
        end_us: None,
        job: None,
        task: None,
        machine: Some(row.str(0)?.to_string()),
        cpus: row.opt_float(2)?,
        mem: row.opt_float(3)?,
    })))
}

/// 0 means "not started" / "not ended".
fn time_or_none(row: &Row, col: usize) -> Result<Option<i64>, TraceError> {
    Ok(row.opt_secs(col)?.filter(|&t| t != 0))
}

fn batch_task(row: &Row) -> Result<Option<Record>, TraceError> {
    let start = row.secs(5)?;
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: start,
        start_us: Some(start),
        end_us: time_or_none(row, 6)?,
        job: row.str(2)?.to_string(),
        task: row.str(0)?.to_string(),
        user: None,
        count: row.count(1)?,
        cpus: row.opt_float(7)?.map(|c| c / 100.0),
        mem: norm(row, 8)?,
        gpus: None,
        status: TaskStatus::from_alibaba(row.str(4)?),
        priority: row.opt_int(3)?,
    })))
}

fn batch_instance(row: &Row) -> Result<Option<Record>, TraceError> {
    for c in [8, 9] {
        row.opt_int(c)?;
    }
    row.opt_float(11)?;
    row.opt_float(13)?;
    Ok(Some(Record::Usage(UsageRecord {
        start_us: row.opt_secs(5)?.unwrap_or(0),
        end_us: time_or_none(row, 6)?,
        job: row.opt_str(2)?.map(str::to_string),
        task: row.opt_str(1)?.map(str::to_string),
        machine: row.opt_str(7)?.map(str::to_string),
        cpus: row.opt_float(10)?.map(|c| c / 100.0),
        mem: norm(row, 12)?,
    })))
}

fn container_meta(row: &Row) -> Result<Option<Record>, TraceError> {
    row.opt_float(6)?;
    Ok(Some(Record::Usage(UsageRecord {
        start_us: row.secs(2)?,
        end_us: None,
        job: row.opt_str(3)?.map(str::to_string),
        task: Some(row.str(0)?.to_string()),
        machine: row.opt_str(1)?.map(str::to_string),
        cpus: row.opt_float(5)?.map(|c| c / 100.0),
        mem: norm(row, 7)?,
    })))
}

/// The DAG encoded in a 2018 task name: `M5_3_4` -> (5, [3, 4]); None for
/// independent tasks (`task_<base64>` and any other form).
pub fn dag(task_name: &str) -> Option<(u64, Vec<u64>)> {
    let rest = task_name.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    if rest.len() == task_name.len() || rest.is_empty() {
        return None;
    }
    let mut nums = Vec::new();
    for part in rest.split('_') {
        if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        nums.push(part.parse().ok()?);
    }
    let own = nums.remove(0);
    Some((own, nums))
}

/// A reader of one table (`machine_meta`, `machine_usage`, `batch_task`,
/// `batch_instance`, `container_meta`).
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    crate::table_reader(TABLES, table, r, file, on_error)
}
