//! The Parallel Workloads Archive's Standard Workload Format: `;` header
//! comments (`; MaxNodes: 128`), then one job a line, 18 whitespace
//! separated numbers, -1 = unknown, sorted by submit time (a submit time
//! that goes backwards is an error). Times are seconds since the log's
//! start; one processor is one cpu.

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const COLS: &[&str] = &[
    "job_number",
    "submit_time",
    "wait_time",
    "run_time",
    "allocated_processors",
    "average_cpu_time",
    "used_memory",
    "requested_processors",
    "requested_time",
    "requested_memory",
    "status",
    "user_id",
    "group_id",
    "executable_number",
    "queue_number",
    "partition_number",
    "preceding_job_number",
    "think_time",
];

pub static TABLES: &[TableSpec] = &[TableSpec {
    name: "swf",
    def: TableDef {
        name: "swf",
        cols: COLS,
        min_cols: 18,
        sep: Sep::Whitespace,
        header: Header::No,
        sorted_by: Some(1),
    },
    parse: job,
}];

fn known(v: Option<i64>) -> Option<i64> {
    v.filter(|&x| x >= 0)
}

fn job(row: &Row) -> Result<Option<Record>, TraceError> {
    // Every field is a number (-1 when unknown); only the average CPU time
    // may be fractional.
    for c in 0..18 {
        if c == 5 {
            row.opt_float(c)?;
        } else {
            row.opt_int(c)?;
        }
    }
    let submit = row.secs(1)?;
    let wait = known(row.opt_int(2)?);
    let run = known(row.opt_int(3)?);
    let alloc = known(row.opt_int(4)?);
    let req = known(row.opt_int(7)?);
    let procs = match req {
        Some(p) if p > 0 => p,
        _ => alloc.unwrap_or(0),
    };
    let start = wait.map(|w| submit + w * 1_000_000);
    let end = run.map(|r| start.unwrap_or(submit) + r * 1_000_000);
    let mem_kb = known(row.opt_int(9)?).or(known(row.opt_int(6)?));
    let status = match row.opt_int(10)? {
        Some(1) | Some(3) => TaskStatus::Finished,
        Some(0) | Some(4) => TaskStatus::Failed,
        Some(5) => TaskStatus::Cancelled,
        Some(2) => TaskStatus::Killed,
        _ => TaskStatus::Unknown,
    };
    let user = known(row.opt_int(11)?).map(|u| u.to_string());
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: submit,
        start_us: start,
        end_us: end,
        job: row.int(0)?.to_string(),
        task: "0".into(),
        user,
        count: procs as u64,
        cpus: Some(1.0),
        mem: mem_kb.map(|k| k as f64),
        gpus: None,
        status,
        priority: known(row.opt_int(14)?),
    })))
}

/// A reader of an SWF log; its header comments are in
/// [`TableReader::comments`] once read.
pub fn reader<R: BufRead>(r: R, file: &str, on_error: OnError) -> TableReader<R, Record> {
    crate::table_reader(TABLES, "swf", r, file, on_error).expect("the swf table exists")
}
