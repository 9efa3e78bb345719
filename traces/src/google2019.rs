//! Google ClusterData 2019 (v3), as exported from BigQuery to JSON lines
//! (one object a line; nested records such as `resource_request.cpus`;
//! int64 values may be quoted strings; NULL fields are left out). CSV
//! cannot hold the nested and repeated fields, so JSON lines is the
//! supported export. Resources are normalised (NCU, NMU: the largest
//! machine is 1.0), times µs. BigQuery exports are not sorted, so no
//! order is enforced.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::Value;

use crate::csv::Lines;
use crate::record::*;
use crate::{OnError, TraceError};

/// The four tables read.
pub const TABLES: &[&str] = &[
    "machine_events",
    "collection_events",
    "instance_events",
    "instance_usage",
];

/// A streaming reader of one 2019 table in JSON lines.
pub struct JsonReader<R> {
    lines: Lines<R>,
    table: &'static str,
    on_error: OnError,
    skipped: BTreeMap<String, u64>,
    rows: u64,
    failed: bool,
}

/// A reader of one table (see [`TABLES`]); None for an unknown table.
pub fn reader<R: BufRead>(
    table: &str,
    r: R,
    file: &str,
    on_error: OnError,
) -> Option<JsonReader<R>> {
    let table = TABLES.iter().find(|t| **t == table)?;
    Some(JsonReader {
        lines: Lines::new(r, file),
        table,
        on_error,
        skipped: BTreeMap::new(),
        rows: 0,
        failed: false,
    })
}

struct Obj<'a> {
    file: &'a str,
    line: u64,
    v: &'a serde_json::Map<String, Value>,
}

fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        format!("{}...", s.chars().take(40).collect::<String>())
    } else {
        s
    }
}

impl Obj<'_> {
    fn err(&self, col: &str, expected: &str, found: String) -> TraceError {
        TraceError::Line {
            file: self.file.to_string(),
            line: self.line,
            column: col.to_string(),
            expected: expected.to_string(),
            found,
        }
    }

    fn get(&self, path: &str) -> Option<&Value> {
        let mut cur = self.v.get(path.split('.').next()?)?;
        for part in path.split('.').skip(1) {
            cur = cur.get(part)?;
        }
        (!cur.is_null()).then_some(cur)
    }

    fn opt_int(&self, path: &str) -> Result<Option<i64>, TraceError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(Value::String(s)) if s.parse::<i64>().is_ok() => Ok(s.parse().ok()),
            Some(other) => Err(self.err(path, "an integer", show(other))),
        }
    }

    fn int(&self, path: &str) -> Result<i64, TraceError> {
        self.opt_int(path)?
            .ok_or_else(|| self.err(path, "an integer", "nothing (the field is missing)".into()))
    }

    fn opt_float(&self, path: &str) -> Result<Option<f64>, TraceError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(s)) if s.parse::<f64>().is_ok_and(|v| v.is_finite()) => {
                Ok(s.parse().ok())
            }
            Some(other) => Err(self.err(path, "a number", show(other))),
        }
    }

    fn opt_str(&self, path: &str) -> Result<Option<String>, TraceError> {
        match self.get(path) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(self.err(path, "a string", show(other))),
        }
    }

    fn kind(&self) -> Result<TaskEventKind, TraceError> {
        let c = self.int("type")?;
        TaskEventKind::from_2019(c)
            .ok_or_else(|| self.err("type", "an event type 0-10", c.to_string()))
    }
}

fn parse(table: &str, o: &Obj) -> Result<Option<Record>, TraceError> {
    Ok(Some(match table {
        "machine_events" => {
            let t = o.int("type")?;
            let kind = match t {
                1 => MachineEventKind::Add,
                2 => MachineEventKind::Remove,
                3 => MachineEventKind::Update,
                0 => MachineEventKind::Update,
                _ => return Err(o.err("type", "a machine event type 0-3", t.to_string())),
            };
            let mut attributes = Vec::new();
            if let Some(p) = o.opt_str("platform_id")? {
                attributes.push(("platform".to_string(), p));
            }
            Record::Machine(MachineRecord {
                time_us: o.opt_int("time")?.unwrap_or(0),
                machine: o.int("machine_id")?.to_string(),
                kind,
                cpus: o.opt_float("capacity.cpus")?,
                mem: o.opt_float("capacity.memory")?,
                gpus: None,
                attributes,
            })
        }
        "collection_events" => Record::JobEvent(JobEvent {
            time_us: o.opt_int("time")?.unwrap_or(0),
            job: o.int("collection_id")?.to_string(),
            kind: o.kind()?,
            user: o.opt_str("user")?,
            priority: o.opt_int("priority")?,
        }),
        "instance_events" => {
            let machine = o
                .opt_int("machine_id")?
                .filter(|&m| m > 0)
                .map(|m| m.to_string());
            Record::TaskEvent(TaskEvent {
                time_us: o.opt_int("time")?.unwrap_or(0),
                job: o.int("collection_id")?.to_string(),
                index: o.opt_int("instance_index")?.unwrap_or(0).max(0) as u64,
                machine,
                kind: o.kind()?,
                user: None,
                priority: o.opt_int("priority")?,
                cpus: o.opt_float("resource_request.cpus")?,
                mem: o.opt_float("resource_request.memory")?,
            })
        }
        _ => Record::Usage(UsageRecord {
            start_us: o.opt_int("start_time")?.unwrap_or(0),
            end_us: o.opt_int("end_time")?,
            job: o.opt_int("collection_id")?.map(|v| v.to_string()),
            task: o.opt_int("instance_index")?.map(|v| v.to_string()),
            machine: o.opt_int("machine_id")?.map(|v| v.to_string()),
            cpus: o.opt_float("average_usage.cpus")?,
            mem: o.opt_float("average_usage.memory")?,
        }),
    }))
}

impl<R: BufRead> JsonReader<R> {
    pub fn skipped(&self) -> &BTreeMap<String, u64> {
        &self.skipped
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    fn parse_line(&mut self) -> Result<Option<Record>, TraceError> {
        let buf = self.lines.buf.trim_ascii();
        if buf.is_empty() {
            return Ok(None);
        }
        self.rows += 1;
        let v: Value = serde_json::from_slice(buf).map_err(|_| TraceError::Line {
            file: self.lines.file.clone(),
            line: self.lines.line,
            column: "(record)".into(),
            expected: "a JSON object".into(),
            found: {
                let s = String::from_utf8_lossy(buf);
                format!("{:?}", s.chars().take(40).collect::<String>())
            },
        })?;
        let Value::Object(map) = &v else {
            return Err(TraceError::Line {
                file: self.lines.file.clone(),
                line: self.lines.line,
                column: "(record)".into(),
                expected: "a JSON object".into(),
                found: show(&v),
            });
        };
        let o = Obj {
            file: &self.lines.file,
            line: self.lines.line,
            v: map,
        };
        parse(self.table, &o)
    }
}

impl<R: BufRead> Iterator for JsonReader<R> {
    type Item = Result<Record, TraceError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.lines.advance() {
                Ok(true) => {}
                Ok(false) => return None,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
            match self.parse_line() {
                Ok(Some(r)) => return Some(Ok(r)),
                Ok(None) => {}
                Err(e) if self.on_error == OnError::Skip => {
                    *self.skipped.entry(e.reason()).or_insert(0) += 1;
                }
                Err(e) => {
                    self.failed = true;
                    return Some(Err(e));
                }
            }
        }
    }
}
