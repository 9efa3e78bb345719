//! The CSV files of the output directory, headers exactly as DESIGN.md.
//!
//! Resources are printed in the scenario's units without trailing zeros;
//! an empty cell means "never". Rows come in a fixed order: tasks by id,
//! offers by id, shares and utilisation by time then framework/resource.

use std::path::Path;

use sim::record::{RunRecord, NO_AGENT};
use sim::resources::{format_thousandths, Res, CPUS, DISK, GPUS, MEM};

use crate::ReportError;

fn writer(path: &Path) -> Result<csv::Writer<std::io::BufWriter<std::fs::File>>, ReportError> {
    let f = std::fs::File::create(path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(csv::Writer::from_writer(std::io::BufWriter::new(f)))
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> ReportError + '_ {
    move |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

fn res4(r: &Res) -> [String; 4] {
    [
        format_thousandths(r.0[CPUS]),
        format_thousandths(r.0[MEM]),
        format_thousandths(r.0[DISK]),
        format_thousandths(r.0[GPUS]),
    ]
}

fn opt(v: Option<u64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

pub fn write_tasks(r: &RunRecord, path: &Path) -> Result<(), ReportError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record([
        "task_id",
        "job_id",
        "framework",
        "role",
        "agent",
        "submit_us",
        "start_us",
        "end_us",
        "state",
        "cpus",
        "mem",
        "disk",
        "gpus",
    ])
    .map_err(&e)?;
    for (id, t) in r.tasks.iter().enumerate() {
        let job = &r.jobs[t.job as usize];
        let fw = &r.frameworks[job.framework as usize];
        let agent = if t.agent == NO_AGENT {
            ""
        } else {
            r.agents[t.agent as usize].as_str()
        };
        let [c, m, d, g] = res4(&job.resources);
        w.write_record([
            id.to_string().as_str(),
            &job.name,
            &fw.name,
            &fw.role,
            agent,
            &t.submit_us.to_string(),
            &opt(t.start_us),
            &opt(t.end_us),
            t.state.name(),
            &c,
            &m,
            &d,
            &g,
        ])
        .map_err(&e)?;
    }
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub fn write_offers(r: &RunRecord, path: &Path) -> Result<(), ReportError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record([
        "time_us",
        "offer_id",
        "framework",
        "role",
        "agent",
        "cpus",
        "mem",
        "disk",
        "gpus",
        "outcome",
        "tasks_launched",
    ])
    .map_err(&e)?;
    for o in &r.offers {
        let fw = &r.frameworks[o.framework as usize];
        let [c, m, d, g] = res4(&o.resources);
        w.write_record([
            o.time_us.to_string().as_str(),
            &o.offer_id.to_string(),
            &fw.name,
            &fw.role,
            &r.agents[o.agent as usize],
            &c,
            &m,
            &d,
            &g,
            o.outcome.name(),
            &o.tasks_launched.to_string(),
        ])
        .map_err(&e)?;
    }
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub fn write_shares(r: &RunRecord, path: &Path) -> Result<(), ReportError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record([
        "time_us",
        "framework",
        "role",
        "dominant_share",
        "cpus",
        "mem",
        "disk",
        "gpus",
        "running_tasks",
    ])
    .map_err(&e)?;
    for s in &r.shares {
        let fw = &r.frameworks[s.framework as usize];
        let [c, m, d, g] = res4(&s.allocation);
        w.write_record([
            s.time_us.to_string().as_str(),
            &fw.name,
            &fw.role,
            &s.dominant_share.to_string(),
            &c,
            &m,
            &d,
            &g,
            &s.running_tasks.to_string(),
        ])
        .map_err(&e)?;
    }
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

pub fn write_utilization(r: &RunRecord, path: &Path) -> Result<(), ReportError> {
    let mut w = writer(path)?;
    let e = csv_err(path);
    w.write_record(["time_us", "resource", "total", "allocated", "used"])
        .map_err(&e)?;
    let names = r.resource_names.names();
    for u in &r.utilization {
        for (i, name) in names.iter().enumerate() {
            // `used` is empty ("not known") unless isolator accounting
            // measures usage (`[isolation]`, docs/isolation.md).
            let used = u.used.map(|x| format_thousandths(x.0[i]));
            w.write_record([
                u.time_us.to_string().as_str(),
                name,
                &format_thousandths(u.total.0[i]),
                &format_thousandths(u.allocated.0[i]),
                used.as_deref().unwrap_or(""),
            ])
            .map_err(&e)?;
        }
    }
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}
