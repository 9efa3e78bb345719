//! Alibaba cluster-trace-gpu-v2020 (PAI): header-less CSV (headers are
//! separate `.header` files), times in float seconds (0 or empty: not
//! started / not ended). plan_cpu "100 = 1 core" and plan_gpu "100 = one
//! GPU" are turned into cores and GPUs here; memory stays in GB.

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const SPEC_COLS: &[&str] = &["machine", "gpu_type", "cap_cpu", "cap_mem", "cap_gpu"];
const JOB_COLS: &[&str] = &[
    "job_name",
    "inst_id",
    "user",
    "status",
    "start_time",
    "end_time",
];
const TASK_COLS: &[&str] = &[
    "job_name",
    "task_name",
    "inst_num",
    "status",
    "start_time",
    "end_time",
    "plan_cpu",
    "plan_mem",
    "plan_gpu",
    "gpu_type",
];
const INSTANCE_COLS: &[&str] = &[
    "job_name",
    "task_name",
    "inst_name",
    "worker_name",
    "inst_id",
    "status",
    "start_time",
    "end_time",
    "machine",
];

const fn def(name: &'static str, cols: &'static [&'static str]) -> TableDef {
    TableDef {
        name,
        cols,
        min_cols: cols.len(),
        sep: Sep::Comma,
        header: Header::No,
        sorted_by: None,
    }
}

pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "pai_machine_spec",
        def: def("pai_machine_spec", SPEC_COLS),
        parse: machine_spec,
    },
    TableSpec {
        name: "pai_job_table",
        def: def("pai_job_table", JOB_COLS),
        parse: job,
    },
    TableSpec {
        name: "pai_task_table",
        def: def("pai_task_table", TASK_COLS),
        parse: task,
    },
    TableSpec {
        name: "pai_instance_table",
        def: def("pai_instance_table", INSTANCE_COLS),
        parse: instance,
    },
];

fn machine_spec(row: &Row) -> Result<Option<Record>, TraceError> {
    let mut attributes = Vec::new();
    if let Some(g) = row.opt_str(1)? {
        attributes.push(("gpu_type".to_string(), g.to_string()));
    }
    Ok(Some(Record::Machine(MachineRecord {
        time_us: 0,
        machine: row.str(0)?.to_string(),
        kind: MachineEventKind::Add,
        cpus: Some(row.float(2)?),
        mem: Some(row.float(3)?),
        gpus: Some(row.float(4)?),
        attributes,
    })))
}

fn time(row: &Row, col: usize) -> Result<Option<i64>, TraceError> {
    Ok(row.opt_secs_f(col)?.filter(|&t| t != 0))
}

fn status(row: &Row, col: usize) -> Result<TaskStatus, TraceError> {
    Ok(TaskStatus::from_alibaba(row.opt_str(col)?.unwrap_or("")))
}

fn job(row: &Row) -> Result<Option<Record>, TraceError> {
    Ok(Some(Record::Job(JobRecord {
        time_us: time(row, 4)?,
        end_us: time(row, 5)?,
        job: row.str(0)?.to_string(),
        user: row.opt_str(2)?.map(str::to_string),
        status: status(row, 3)?,
    })))
}

fn task(row: &Row) -> Result<Option<Record>, TraceError> {
    let start = time(row, 4)?;
    let mut st = status(row, 3)?;
    if start.is_none() && st != TaskStatus::Waiting {
        // Never started: nothing to place in time.
        st = TaskStatus::Waiting;
    }
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: start.unwrap_or(0),
        start_us: start,
        end_us: time(row, 5)?,
        job: row.str(0)?.to_string(),
        task: row.str(1)?.to_string(),
        user: None,
        count: row.opt_float(2)?.map(|v| v.max(0.0) as u64).unwrap_or(1),
        cpus: row.opt_float(6)?.map(|c| c / 100.0),
        mem: row.opt_float(7)?,
        gpus: row.opt_float(8)?.map(|g| g / 100.0),
        status: st,
        priority: None,
    })))
}

fn instance(row: &Row) -> Result<Option<Record>, TraceError> {
    Ok(Some(Record::Usage(UsageRecord {
        start_us: time(row, 6)?.unwrap_or(0),
        end_us: time(row, 7)?,
        job: Some(row.str(0)?.to_string()),
        task: row.opt_str(1)?.map(str::to_string),
        machine: row.opt_str(8)?.map(str::to_string),
        cpus: None,
        mem: None,
    })))
}

/// A reader of one table (`pai_machine_spec`, `pai_job_table`,
/// `pai_task_table`, `pai_instance_table`).
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    crate::table_reader(TABLES, table, r, file, on_error)
}
