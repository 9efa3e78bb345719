//! Alibaba cluster-trace-v2017: header-less CSV (a header line that a
//! copy added is accepted on line 1 only), times in seconds, not sorted.
//! plan_cpu is 1/100 of a core and is turned into cores here; memory
//! stays normalised ([0, 1]).

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const SERVER_COLS: &[&str] = &[
    "timestamp",
    "machine_id",
    "event_type",
    "event_detail",
    "cpus",
    "norm_mem",
    "norm_disk",
];
const TASK_COLS: &[&str] = &[
    "create_timestamp",
    "end_timestamp",
    "job_id",
    "task_id",
    "instance_num",
    "status",
    "plan_cpu",
    "plan_mem",
];
const INSTANCE_COLS: &[&str] = &[
    "start_timestamp",
    "end_timestamp",
    "job_id",
    "task_id",
    "machine_id",
    "status",
    "seq_no",
    "total_seq_no",
    "real_cpu_max",
    "real_cpu_avg",
    "real_mem_max",
    "real_mem_avg",
];
const CONTAINER_COLS: &[&str] = &[
    "timestamp",
    "event",
    "instance_id",
    "machine_id",
    "plan_cpu",
    "plan_mem",
    "plan_disk",
    "cpuset",
];

const fn def(name: &'static str, cols: &'static [&'static str], min: usize) -> TableDef {
    TableDef {
        name,
        cols,
        min_cols: min,
        sep: Sep::Comma,
        header: Header::Line1(0),
        sorted_by: None,
    }
}

pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "server_event",
        def: def("server_event", SERVER_COLS, 7),
        parse: server_event,
    },
    TableSpec {
        name: "batch_task",
        def: def("batch_task", TASK_COLS, 8),
        parse: batch_task,
    },
    TableSpec {
        name: "batch_instance",
        def: def("batch_instance", INSTANCE_COLS, 12),
        parse: batch_instance,
    },
    TableSpec {
        name: "container_event",
        def: def("container_event", CONTAINER_COLS, 7),
        parse: container_event,
    },
];

fn server_event(row: &Row) -> Result<Option<Record>, TraceError> {
    let kind = match row.str(2)? {
        "add" => MachineEventKind::Add,
        "softerror" | "harderror" => MachineEventKind::Error,
        other => return Err(row.err(2, "add, softerror or harderror", format!("{other:?}"))),
    };
    let mut attributes = Vec::new();
    if let Some(d) = row.opt_str(3)? {
        attributes.push(("event_detail".to_string(), d.to_string()));
    }
    row.opt_float(6)?;
    Ok(Some(Record::Machine(MachineRecord {
        time_us: row.secs(0)?,
        machine: row.int(1)?.to_string(),
        kind,
        cpus: row.opt_float(4)?,
        mem: row.opt_float(5)?,
        gpus: None,
        attributes,
    })))
}

fn batch_task(row: &Row) -> Result<Option<Record>, TraceError> {
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: row.secs(0)?,
        start_us: None,
        end_us: row.opt_secs(1)?,
        job: row.int(2)?.to_string(),
        task: row.int(3)?.to_string(),
        user: None,
        count: row.count(4)?,
        cpus: row.opt_float(6)?.map(|c| c / 100.0),
        mem: row.opt_float(7)?,
        gpus: None,
        status: TaskStatus::from_alibaba(row.str(5)?),
        priority: None,
    })))
}

fn batch_instance(row: &Row) -> Result<Option<Record>, TraceError> {
    row.opt_int(6)?;
    row.opt_int(7)?;
    row.opt_float(8)?;
    row.opt_float(10)?;
    Ok(Some(Record::Usage(UsageRecord {
        start_us: row.secs(0)?,
        end_us: row.opt_secs(1)?,
        job: row.opt_int(2)?.map(|v| v.to_string()),
        task: row.opt_int(3)?.map(|v| v.to_string()),
        machine: row.opt_str(4)?.map(str::to_string),
        cpus: row.opt_float(9)?,
        mem: row.opt_float(11)?,
    })))
}

fn container_event(row: &Row) -> Result<Option<Record>, TraceError> {
    let create = match row.str(1)? {
        "Create" => true,
        "Remove" => false,
        other => return Err(row.err(1, "Create or Remove", format!("{other:?}"))),
    };
    let t = row.secs(0)?;
    let id = row.int(2)?.to_string();
    let cpus = row.opt_float(4)?;
    let mem = row.opt_float(5)?;
    row.opt_float(6)?;
    if !create {
        return Ok(None);
    }
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: t,
        start_us: Some(t),
        end_us: None,
        job: format!("c{id}"),
        task: id,
        user: None,
        count: 1,
        cpus,
        mem,
        gpus: None,
        status: TaskStatus::Running,
        priority: None,
    })))
}

/// A reader of one table (`server_event`, `batch_task`, `batch_instance`,
/// `container_event`).
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    crate::table_reader(TABLES, table, r, file, on_error)
}
