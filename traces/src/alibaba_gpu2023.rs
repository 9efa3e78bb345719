//! Alibaba cluster-trace-gpu-v2023 ("openb"): CSV with a header (columns
//! found by name), `openb_node_list_all_node.csv` and one
//! `openb_pod_list_*.csv`. cpu_milli and gpu_milli are turned into cores
//! and GPUs here; memory stays in MiB; times are seconds.

use std::io::BufRead;

use crate::csv::{Header, Row, Sep, TableDef, TableReader};
use crate::record::*;
use crate::{OnError, TableSpec, TraceError};

const NODE_COLS: &[&str] = &["sn", "cpu_milli", "memory_mib", "gpu", "model"];
const POD_COLS: &[&str] = &[
    "name",
    "cpu_milli",
    "memory_mib",
    "num_gpu",
    "gpu_milli",
    "gpu_spec",
    "qos",
    "pod_phase",
    "creation_time",
    "deletion_time",
    "scheduled_time",
];

pub static TABLES: &[TableSpec] = &[
    TableSpec {
        name: "openb_node_list",
        def: TableDef {
            name: "openb_node_list",
            cols: NODE_COLS,
            min_cols: 5,
            sep: Sep::Comma,
            header: Header::Yes,
            sorted_by: None,
        },
        parse: node,
    },
    TableSpec {
        name: "openb_pod_list",
        def: TableDef {
            name: "openb_pod_list",
            cols: POD_COLS,
            min_cols: 11,
            sep: Sep::Comma,
            header: Header::Yes,
            sorted_by: None,
        },
        parse: pod,
    },
];

fn node(row: &Row) -> Result<Option<Record>, TraceError> {
    let mut attributes = Vec::new();
    if let Some(m) = row.opt_str(4)? {
        attributes.push(("model".to_string(), m.to_string()));
    }
    Ok(Some(Record::Machine(MachineRecord {
        time_us: 0,
        machine: row.str(0)?.to_string(),
        kind: MachineEventKind::Add,
        cpus: Some(row.float(1)? / 1000.0),
        mem: Some(row.float(2)?),
        gpus: Some(row.float(3)?),
        attributes,
    })))
}

fn pod(row: &Row) -> Result<Option<Record>, TraceError> {
    let num_gpu = row.opt_float(3)?.unwrap_or(0.0);
    let gpu_milli = row.opt_float(4)?.unwrap_or(0.0);
    // gpu_milli is the share of one GPU when num_gpu = 1.
    let gpus = if num_gpu == 1.0 {
        gpu_milli / 1000.0
    } else {
        num_gpu
    };
    let status = match row.opt_str(7)?.unwrap_or("") {
        "Succeeded" => TaskStatus::Finished,
        "Failed" => TaskStatus::Failed,
        "Running" => TaskStatus::Running,
        "Pending" => TaskStatus::Waiting,
        _ => TaskStatus::Unknown,
    };
    let created = row.opt_secs_f(8)?.unwrap_or(0);
    Ok(Some(Record::Tasks(TaskRecord {
        submit_us: created,
        start_us: row.opt_secs_f(10)?,
        end_us: row.opt_secs_f(9)?,
        job: row.str(0)?.to_string(),
        task: row.str(0)?.to_string(),
        user: None,
        count: 1,
        cpus: row.opt_float(1)?.map(|c| c / 1000.0),
        mem: row.opt_float(2)?,
        gpus: (gpus > 0.0).then_some(gpus),
        status,
        priority: None,
    })))
}

/// A reader of one table (`openb_node_list`, `openb_pod_list`).
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<TableReader<R, Record>> {
    crate::table_reader(TABLES, table, r, file, on_error)
}
