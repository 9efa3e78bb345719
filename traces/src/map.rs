//! From records to a scenario: the walk over a trace's tables and the
//! builder that accumulates the summary and (for a load) the agents,
//! frameworks and grouped jobs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use sim::resources::{thousandths_from_f64, Res, CPUS, GPUS, MEM};
use sim::spec::{AgentSpec, FrameworkSpec, JobSpec, Spec};

use crate::open::{open_file, table_files, table_of, Input};
use crate::record::*;
use crate::{
    alibaba2017, alibaba2018, alibaba_gpu2020, alibaba_gpu2023, google2011, google2019, swf,
};
use crate::{Format, OnError, TraceError, TraceOptions, TraceRef};

/// A record stream that also reports what it skipped.
pub(crate) trait Source: Iterator<Item = Result<Record, TraceError>> + Send {
    fn skipped(&self) -> &BTreeMap<String, u64>;
    fn comments(&self) -> Option<&BTreeMap<String, String>> {
        None
    }
    /// Sorted-column carry-over between shards.
    fn last_sorted(&self) -> Option<i64> {
        None
    }
    fn set_last_sorted(&mut self, _v: Option<i64>) {}
    /// Data lines read so far (skipped ones included).
    fn rows(&self) -> u64;
}

impl Source for crate::TableReader<Input, Record> {
    fn skipped(&self) -> &BTreeMap<String, u64> {
        crate::TableReader::skipped(self)
    }
    fn comments(&self) -> Option<&BTreeMap<String, String>> {
        Some(crate::TableReader::comments(self))
    }
    fn last_sorted(&self) -> Option<i64> {
        crate::TableReader::last_sorted(self)
    }
    fn set_last_sorted(&mut self, v: Option<i64>) {
        crate::TableReader::set_last_sorted(self, v)
    }
    fn rows(&self) -> u64 {
        crate::TableReader::rows(self)
    }
}

impl Source for google2019::JsonReader<Input> {
    fn skipped(&self) -> &BTreeMap<String, u64> {
        google2019::JsonReader::skipped(self)
    }
    fn rows(&self) -> u64 {
        google2019::JsonReader::rows(self)
    }
}

pub(crate) fn source(
    format: Format,
    table: &str,
    input: Input,
    file: &str,
    on_error: OnError,
) -> Option<Box<dyn Source>> {
    let b: Box<dyn Source> = match format {
        Format::Google2011 => Box::new(google2011::reader(table, input, file, on_error)?),
        Format::Google2019 => Box::new(google2019::reader(table, input, file, on_error)?),
        Format::Alibaba2017 => Box::new(alibaba2017::reader(table, input, file, on_error)?),
        Format::Alibaba2018 => Box::new(alibaba2018::reader(table, input, file, on_error)?),
        Format::AlibabaGpu2020 => Box::new(alibaba_gpu2020::reader(table, input, file, on_error)?),
        Format::AlibabaGpu2023 => Box::new(alibaba_gpu2023::reader(table, input, file, on_error)?),
        Format::Swf => Box::new(swf::reader(input, file, on_error)),
        // Not a text table: read by `crate::parquet`.
        Format::Parquet => return None,
    };
    Some(b)
}

/// The tables to read and their files, in load order.
fn resolve(trace: &TraceRef) -> Result<Vec<(&'static str, Vec<std::path::PathBuf>)>, TraceError> {
    let path = &trace.path;
    let fmt = trace.format;
    let label = path.display().to_string();
    if path.is_dir() {
        let mut out = Vec::new();
        for t in fmt.load_tables() {
            let files = table_files(path, t)?;
            if !files.is_empty() {
                out.push((*t, files));
            }
        }
        let has_tasks = out.iter().any(|(t, _)| fmt.load_tables().last() == Some(t));
        if !has_tasks && out.is_empty() {
            return Err(TraceError::input(
                label,
                format!(
                    "expected the {} tables ({}) in this folder, found none",
                    fmt.name(),
                    fmt.load_tables().join(", ")
                ),
            ));
        }
        return Ok(out);
    }
    if !path.exists() {
        return Err(TraceError::input(label, "no such file or folder"));
    }
    if fmt == Format::Swf {
        return Ok(vec![("swf", vec![path.clone()])]);
    }
    let t = table_of(path, fmt.tables()).ok_or_else(|| {
        TraceError::input(
            label.clone(),
            format!(
                "expected a file of one of the {} tables ({}), named after it, found {:?}",
                fmt.name(),
                fmt.tables().join(", "),
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
        )
    })?;
    let mut out = Vec::new();
    // The openb pod list comes with the node list beside it.
    if fmt == Format::AlibabaGpu2023 && t == "openb_pod_list" {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let nodes = table_files(dir, "openb_node_list")?;
            if !nodes.is_empty() {
                out.push(("openb_node_list", nodes));
            }
        } else {
            let nodes = table_files(Path::new("."), "openb_node_list")?;
            if !nodes.is_empty() {
                out.push(("openb_node_list", nodes));
            }
        }
    }
    out.push((t, vec![path.clone()]));
    Ok(out)
}

/// What a walk learns besides the records: summed over every table file.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Tally {
    /// Data lines read (skipped ones included).
    pub(crate) lines: u64,
    /// Lines skipped (`on_error = "skip"`), by reason.
    pub(crate) skipped: BTreeMap<String, u64>,
    /// SWF: the header comments (`MaxNodes`, ...); empty otherwise.
    pub(crate) swf_header: BTreeMap<String, String>,
}

/// Streams every record of a text trace's tables, in load order, into
/// `each` (the records exactly as the readers yield them).
pub(crate) fn text_records(
    trace: &TraceRef,
    on_error: OnError,
    each: &mut dyn FnMut(Record) -> Result<(), TraceError>,
) -> Result<Tally, TraceError> {
    let mut tally = Tally::default();
    for (table, files) in resolve(trace)? {
        let mut last = None;
        for f in files {
            let label = f.display().to_string();
            let input = open_file(&f)?;
            let mut src = source(trace.format, table, input, &label, on_error)
                .ok_or_else(|| TraceError::input(&label, format!("unknown table {table}")))?;
            src.set_last_sorted(last);
            for rec in &mut *src {
                each(rec?)?;
            }
            last = src.last_sorted();
            tally.lines += src.rows();
            for (k, v) in src.skipped() {
                *tally.skipped.entry(k.clone()).or_insert(0) += v;
            }
            if let Some(c) = src.comments() {
                if trace.format == Format::Swf {
                    tally.swf_header = c.clone();
                }
            }
        }
    }
    Ok(tally)
}

/// Streams every table of the trace (or every row group of its Parquet
/// conversion: the same records in the same order) into the builder.
pub(crate) fn walk(trace: &TraceRef, on_error: OnError, b: &mut Builder) -> Result<(), TraceError> {
    let mut life = Lifecycle::default();
    let tally = {
        let mut each = |rec: Record| {
            match rec {
                Record::TaskEvent(ev) => {
                    if let Some(t) = life.event(ev) {
                        b.tasks(t);
                    }
                }
                Record::JobEvent(ev) => {
                    if let Some(u) = ev.user {
                        life.users.entry(ev.job).or_insert(u);
                    }
                }
                other => b.record(other),
            }
            Ok(())
        };
        if trace.format == Format::Parquet {
            crate::parquet::read(&trace.path, &mut each)?
        } else {
            text_records(trace, on_error, &mut each)?
        }
    };
    b.sum.lines += tally.lines;
    for (k, v) in tally.skipped {
        *b.sum.skipped.entry(k).or_insert(0) += v;
    }
    if b.format == Format::Swf {
        b.swf_header = tally.swf_header;
    }
    for t in life.flush() {
        b.tasks(t);
    }
    Ok(())
}

/// Google task lifecycles: SUBMIT .. SCHEDULE .. a terminal event becomes
/// one task attempt.
#[derive(Default)]
struct Lifecycle {
    live: BTreeMap<(String, u64), Live>,
    /// 2019: collection id -> user (instance events carry none).
    users: HashMap<String, String>,
}

struct Live {
    submit: i64,
    sched: Option<i64>,
    user: Option<String>,
    priority: Option<i64>,
    cpus: Option<f64>,
    mem: Option<f64>,
}

impl Lifecycle {
    fn emit(
        &self,
        key: (String, u64),
        l: Live,
        end: Option<i64>,
        status: TaskStatus,
    ) -> TaskRecord {
        let user = l.user.or_else(|| self.users.get(&key.0).cloned());
        let status = if l.sched.is_none() {
            TaskStatus::Cancelled
        } else {
            status
        };
        TaskRecord {
            submit_us: l.submit,
            start_us: l.sched,
            end_us: end,
            task: key.1.to_string(),
            job: key.0,
            user,
            count: 1,
            cpus: l.cpus,
            mem: l.mem,
            gpus: None,
            status,
            priority: l.priority,
        }
    }

    fn event(&mut self, ev: TaskEvent) -> Option<TaskRecord> {
        let key = (ev.job, ev.index);
        let fresh = |t: i64| Live {
            submit: t,
            sched: None,
            user: None,
            priority: None,
            cpus: None,
            mem: None,
        };
        if let Some(status) = ev.kind.terminal() {
            let l = self.live.remove(&key).unwrap_or_else(|| fresh(ev.time_us));
            return Some(self.emit(key, l, Some(ev.time_us), status));
        }
        let l = match ev.kind {
            TaskEventKind::Submit => {
                self.live.insert(key.clone(), fresh(ev.time_us));
                self.live.get_mut(&key).expect("inserted")
            }
            _ => self.live.entry(key).or_insert_with(|| fresh(ev.time_us)),
        };
        if ev.kind == TaskEventKind::Schedule {
            l.sched = Some(ev.time_us);
        }
        if ev.user.is_some() {
            l.user = ev.user;
        }
        l.priority = ev.priority.or(l.priority);
        l.cpus = ev.cpus.or(l.cpus);
        l.mem = ev.mem.or(l.mem);
        None
    }

    /// Tasks still live at the trace's end: running to the end.
    fn flush(&mut self) -> Vec<TaskRecord> {
        let live = std::mem::take(&mut self.live);
        live.into_iter()
            .map(|(k, l)| self.emit(k, l, None, TaskStatus::Running))
            .collect()
    }
}

/// Summed resources in scenario units (cores, MiB, GPUs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Amounts {
    pub cpus: f64,
    pub mem: f64,
    pub gpus: f64,
}

/// What a trace holds, and what a load did with it.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSummary {
    pub format: Format,
    /// Distinct machines with an add (or capacity) record.
    pub machines: u64,
    /// Distinct job ids.
    pub jobs: u64,
    /// Tasks (instances), summed over task rows.
    pub tasks: u64,
    /// Task rows (Alibaba task rows, SWF jobs, Google task attempts).
    pub task_rows: u64,
    /// Earliest and latest time on any record, on the trace's clock.
    pub first_time_us: Option<i64>,
    pub last_time_us: Option<i64>,
    /// Machine capacity, scaled.
    pub total: Amounts,
    /// Σ tasks × request × (end − start) in hours, over tasks with both
    /// times (cpu-hours, MiB-hours, GPU-hours).
    pub requested_hours: Amounts,
    /// Data lines read over every table file (header, blank and comment
    /// lines excluded; skipped lines included).
    pub lines: u64,
    /// Lines skipped (`on_error = "skip"`), by reason.
    pub skipped: BTreeMap<String, u64>,
    /// Task rows or machines the load left out, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// What a load added to the scenario.
    pub agents_added: u64,
    pub frameworks_added: u64,
    pub jobs_added: u64,
    pub tasks_added: u64,
}

impl TraceSummary {
    /// The `trace inspect --json` object.
    pub fn to_json(&self) -> serde_json::Value {
        let amounts =
            |a: &Amounts| serde_json::json!({"cpus": a.cpus, "mem": a.mem, "gpus": a.gpus});
        serde_json::json!({
            "format": self.format.name(),
            "machines": self.machines,
            "jobs": self.jobs,
            "tasks": self.tasks,
            "task_rows": self.task_rows,
            "first_time_us": self.first_time_us,
            "last_time_us": self.last_time_us,
            "total": amounts(&self.total),
            "requested_hours": amounts(&self.requested_hours),
            "skipped": self.skipped,
            "dropped": self.dropped,
            "lines": self.lines,
        })
    }
}

struct Machine {
    first_us: i64,
    cpus: Option<f64>,
    mem: Option<f64>,
    gpus: Option<f64>,
    attributes: Vec<(String, String)>,
}

struct Group {
    framework: String,
    submit_us: i64,
    job: JobSpec,
    /// Instances to emit (`[whatif] load`): the job, then copies.
    copies: u64,
}

/// (framework, job name, submit, request, duration, priority).
type GroupKey = (String, String, i64, Res, Option<u64>, Option<i64>);
/// (id, first time, scaled capacity, attributes).
pub(crate) type MachineRow = (String, i64, [f64; 3], Vec<(String, String)>);

pub(crate) struct Builder {
    format: Format,
    opts: TraceOptions,
    build: bool,
    pub(crate) sum: TraceSummary,
    pub(crate) swf_header: BTreeMap<String, String>,
    jobs_seen: HashSet<String>,
    machines: BTreeMap<String, Machine>,
    groups: Vec<Group>,
    /// Group key -> its index in `groups`; None: dropped by `[whatif]`
    /// (later rows of the same group are dropped with it).
    index: HashMap<GroupKey, Option<usize>>,
    names: HashMap<(String, String), u32>,
    max_procs: u64,
    /// The earliest submission over every group, kept or dropped by
    /// `[whatif]`: the trace's start, so sampling never shifts times.
    first_submit: Option<i64>,
    /// `[whatif]` job transforms, applied as groups appear.
    pub(crate) stream: Option<workloads::JobStream>,
    /// `trace fit`: each kept task row goes to the fitter instead of a
    /// group (nothing is held per row).
    pub(crate) fit: Option<Box<crate::fit::Fitter>>,
}

fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|&c| c != '=')
        .map(|c| match c {
            c if c.is_ascii_alphanumeric() || "_.-/".contains(c) => c,
            '+' => '-',
            _ => '_',
        })
        .collect()
}

/// Natural order of ids: numbers by value, then names.
fn id_key(s: &str) -> (u8, u128, &str) {
    match s.parse::<u128>() {
        Ok(n) => (0, n, s),
        Err(_) => (1, 0, s),
    }
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Builder {
    pub(crate) fn new(format: Format, opts: TraceOptions, build: bool) -> Builder {
        Builder {
            format,
            opts,
            build,
            sum: TraceSummary {
                format,
                machines: 0,
                jobs: 0,
                tasks: 0,
                task_rows: 0,
                first_time_us: None,
                last_time_us: None,
                total: Amounts::default(),
                requested_hours: Amounts::default(),
                lines: 0,
                skipped: BTreeMap::new(),
                dropped: BTreeMap::new(),
                agents_added: 0,
                frameworks_added: 0,
                jobs_added: 0,
                tasks_added: 0,
            },
            swf_header: BTreeMap::new(),
            jobs_seen: HashSet::new(),
            machines: BTreeMap::new(),
            groups: Vec::new(),
            index: HashMap::new(),
            names: HashMap::new(),
            max_procs: 0,
            first_submit: None,
            stream: None,
            fit: None,
        }
    }

    fn time(&mut self, t: i64) {
        // 2^63-1 marks "after the trace's end" (Google): not a time.
        if t == i64::MAX {
            return;
        }
        self.sum.first_time_us = Some(self.sum.first_time_us.map_or(t, |f| f.min(t)));
        self.sum.last_time_us = Some(self.sum.last_time_us.map_or(t, |l| l.max(t)));
    }

    fn drop_reason(&mut self, why: &str) {
        *self.sum.dropped.entry(why.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn record(&mut self, rec: Record) {
        match rec {
            Record::Machine(m) => self.machine(m),
            Record::Tasks(t) => self.tasks(t),
            Record::Job(j) => {
                if let Some(t) = j.time_us {
                    self.time(t);
                }
                if let Some(t) = j.end_us {
                    self.time(t);
                }
                self.jobs_seen.insert(j.job);
            }
            Record::Usage(u) => {
                self.time(u.start_us);
                if let Some(e) = u.end_us {
                    self.time(e);
                }
            }
            Record::TaskEvent(_) | Record::JobEvent(_) => {}
        }
    }

    fn machine(&mut self, m: MachineRecord) {
        self.time(m.time_us);
        if !matches!(m.kind, MachineEventKind::Add | MachineEventKind::Update) {
            return;
        }
        let e = self.machines.entry(m.machine).or_insert(Machine {
            first_us: m.time_us,
            cpus: None,
            mem: None,
            gpus: None,
            attributes: m.attributes.clone(),
        });
        e.first_us = e.first_us.min(m.time_us);
        // The first capacity seen is the machine's (updates are not
        // replayed yet).
        if e.cpus.is_none() && e.mem.is_none() {
            e.cpus = m.cpus;
            e.mem = m.mem;
            e.gpus = m.gpus;
        }
    }

    fn scaled(&self, cpus: Option<f64>, mem: Option<f64>, gpus: Option<f64>) -> [f64; 3] {
        let s = &self.opts.scale;
        let mem = if self.format == Format::Swf {
            None
        } else {
            mem
        };
        [
            cpus.filter(|v| *v > 0.0).unwrap_or(0.0) * s.cpus_per_unit,
            mem.filter(|v| *v > 0.0).unwrap_or(0.0) * s.mem_mib_per_unit,
            gpus.filter(|v| *v > 0.0).unwrap_or(0.0) * s.gpus_per_unit,
        ]
    }

    pub(crate) fn res(v: [f64; 3]) -> Option<Res> {
        let mut r = Res::ZERO;
        r.0[CPUS] = thousandths_from_f64(v[0])?;
        r.0[MEM] = thousandths_from_f64(v[1])?;
        r.0[GPUS] = thousandths_from_f64(v[2])?;
        Some(r)
    }

    fn framework_of(&self, t: &TaskRecord) -> String {
        match self.format {
            Format::Google2011 | Format::Google2019 => match &t.user {
                Some(u) => format!("u-{}", sanitize(u)),
                None => "u-unknown".into(),
            },
            Format::Swf => match &t.user {
                Some(u) => format!("user-{}", sanitize(u)),
                None => "user-unknown".into(),
            },
            _ => match self.opts.frameworks {
                Some(n) => {
                    let h = match t.job.parse::<u64>() {
                        Ok(id) => id,
                        Err(_) => fnv(&t.job),
                    };
                    format!("fw-{}", h % n)
                }
                None => format!("job-{}", sanitize(&t.job)),
            },
        }
    }

    pub(crate) fn tasks(&mut self, t: TaskRecord) {
        self.sum.task_rows += 1;
        self.sum.tasks += t.count;
        self.time(t.submit_us);
        if let Some(s) = t.start_us {
            self.time(s);
        }
        if let Some(e) = t.end_us {
            self.time(e);
        }
        if !self.jobs_seen.contains(&t.job) {
            self.jobs_seen.insert(t.job.clone());
        }
        let per = self.scaled(t.cpus, t.mem, t.gpus);
        let start = t.start_us.unwrap_or(t.submit_us);
        if let Some(end) = t.end_us.filter(|&e| e != i64::MAX) {
            let h = (end - start).max(0) as f64 / 3.6e9 * t.count as f64;
            self.sum.requested_hours.cpus += per[0] * h;
            self.sum.requested_hours.mem += per[1] * h;
            self.sum.requested_hours.gpus += per[2] * h;
        }
        if self.format == Format::Swf {
            self.max_procs = self.max_procs.max(t.count);
        }
        if !self.build {
            return;
        }
        if matches!(t.status, TaskStatus::Waiting | TaskStatus::Cancelled) {
            return self.drop_reason("never started in the trace");
        }
        if t.count == 0 {
            return self.drop_reason("no tasks (count 0)");
        }
        let Some(res) = Self::res(per) else {
            return self.drop_reason("request out of range");
        };
        if res.is_empty() {
            return self.drop_reason("no resource request");
        }
        let duration = t
            .end_us
            .filter(|&e| e != i64::MAX)
            .map(|e| (e - start).max(0) as u64);
        let fw = self.framework_of(&t);
        if let Some(f) = self.fit.as_mut() {
            f.add(t.submit_us, t.count, &res, duration, t.priority, fw);
            return;
        }
        let base = match self.format {
            Format::Alibaba2017 | Format::Alibaba2018 | Format::AlibabaGpu2020 => {
                sanitize(&format!("{}-{}", t.job, t.task))
            }
            _ => sanitize(&t.job),
        };
        let key = (fw, base, t.submit_us, res, duration, t.priority);
        if let Some(&i) = self.index.get(&key) {
            if let Some(i) = i {
                self.groups[i].job.tasks += t.count;
            }
            return;
        }
        self.first_submit = Some(
            self.first_submit
                .map_or(t.submit_us, |f| f.min(t.submit_us)),
        );
        let n = self
            .names
            .entry((key.0.clone(), key.1.clone()))
            .or_insert(0);
        let name = if *n == 0 {
            key.1.clone()
        } else {
            format!("{}.{}", key.1, n)
        };
        *n += 1;
        // Names are given before `[whatif]` decides, so that a kept job
        // has the name it has without transforms.
        let (copies, duration) = match self.stream.as_mut() {
            Some(s) => (s.next_copies(), s.scale_duration(duration)),
            None => (1, duration),
        };
        if copies == 0 {
            self.index.insert(key, None);
            return;
        }
        self.index.insert(key.clone(), Some(self.groups.len()));
        self.groups.push(Group {
            framework: key.0,
            submit_us: t.submit_us,
            job: JobSpec {
                name,
                at_us: 0,
                tasks: t.count,
                resources: res,
                duration_us: duration,
                priority: t.priority,
                gang: self.format == Format::Swf,
            },
            copies,
        });
    }

    pub(crate) fn machine_list(&self) -> Vec<MachineRow> {
        if self.format == Format::Swf {
            let get = |k: &str| {
                self.swf_header
                    .get(k)
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .filter(|&v| v > 0)
            };
            let (nodes, per) = match (get("MaxNodes"), get("MaxProcs")) {
                (Some(n), Some(p)) => (n, p as f64 / n as f64),
                (Some(n), None) => (n, 1.0),
                (None, Some(p)) => (p, 1.0),
                (None, None) => (1, self.max_procs.max(1) as f64),
            };
            let width = (nodes - 1).to_string().len();
            return (0..nodes)
                .map(|i| {
                    (
                        format!("node-{i:0width$}"),
                        0,
                        [per * self.opts.scale.cpus_per_unit, 0.0, 0.0],
                        Vec::new(),
                    )
                })
                .collect();
        }
        let mut v: Vec<_> = self
            .machines
            .iter()
            .map(|(id, m)| {
                (
                    id.clone(),
                    m.first_us,
                    self.scaled(m.cpus, m.mem, m.gpus),
                    m.attributes.clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| (a.1, id_key(&a.0)).cmp(&(b.1, id_key(&b.0))));
        v
    }

    pub(crate) fn summary(&mut self) -> TraceSummary {
        let ms = self.machine_list();
        self.sum.machines = ms.len() as u64;
        let mut total = Amounts::default();
        for (_, _, r, _) in &ms {
            total.cpus += r[0];
            total.mem += r[1];
            total.gpus += r[2];
        }
        self.sum.total = total;
        self.sum.jobs = self.jobs_seen.len() as u64;
        self.sum.clone()
    }

    pub(crate) fn finish(&mut self, spec: &mut Spec) -> Result<TraceSummary, TraceError> {
        let ms = self.machine_list();
        let t0 = self.first_submit.unwrap_or(0);
        let rel = |t: i64| if t <= 0 { 0 } else { (t - t0).max(0) as u64 };
        if spec.agents.is_empty() {
            for (id, first, r, attrs) in &ms {
                let Some(res) = Self::res(*r).filter(|r| !r.is_empty()) else {
                    self.drop_reason("machine without capacity");
                    continue;
                };
                spec.agents.push(AgentSpec {
                    name: sanitize(id),
                    resources: res,
                    reserved: Vec::new(),
                    attributes: attrs
                        .iter()
                        .map(|(k, v)| (k.clone(), sanitize(v)))
                        .collect(),
                    at_us: rel(*first),
                });
                self.sum.agents_added += 1;
            }
        }
        let mut fws: BTreeMap<String, Vec<JobSpec>> = BTreeMap::new();
        let mut forever = false;
        let groups = std::mem::take(&mut self.groups);
        for mut g in groups {
            let at = (g.submit_us - t0).max(0) as u64;
            let at = match self.stream.as_ref() {
                Some(s) => match s.in_window(at) {
                    Some(at) => at,
                    None => continue,
                },
                None => at,
            };
            g.job.at_us = at;
            forever |= g.job.duration_us.is_none();
            if let Some(s) = self.stream.as_mut() {
                s.emitted(g.copies);
            }
            let jobs = fws.entry(g.framework).or_default();
            for k in 1..g.copies {
                let mut c = g.job.clone();
                c.name = workloads::copy_name(&g.job.name, k);
                self.sum.jobs_added += 1;
                self.sum.tasks_added += c.tasks;
                jobs.push(c);
            }
            self.sum.jobs_added += 1;
            self.sum.tasks_added += g.job.tasks;
            jobs.push(g.job);
        }
        let existing: HashSet<String> = spec.frameworks.iter().map(|f| f.name.clone()).collect();
        let mut list: Vec<(u64, String, Vec<JobSpec>)> = Vec::new();
        for (name, mut jobs) in fws {
            if existing.contains(&name) {
                return Err(TraceError::input(
                    self.format.name(),
                    format!("the trace's framework {name:?} is also defined in the scenario"),
                ));
            }
            jobs.sort_by(|a, b| (a.at_us, &a.name).cmp(&(b.at_us, &b.name)));
            let first = jobs.first().map(|j| j.at_us).unwrap_or(0);
            list.push((first, name, jobs));
        }
        list.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
        for (_, name, jobs) in list {
            let refuse_us = spec.allocator.refuse_us;
            spec.frameworks
                .push(FrameworkSpec::generated(name, refuse_us, jobs));
            self.sum.frameworks_added += 1;
        }
        if forever && spec.end_us.is_none() {
            let last = self.sum.last_time_us.unwrap_or(0);
            spec.end_us = Some((last - t0).max(1) as u64);
        }
        Ok(self.summary())
    }
}
