//! Synthetic workloads (`[workload] synthetic = { ... }`, docs/synthetic.md):
//! seeded job arrivals (Poisson or diurnal), heavy-tailed tasks per job and
//! durations, task shapes and machine classes, generated as a stream.
//!
//! Every draw of job number k (its ordinal, counted from 0 in arrival
//! order) comes from the `Synthetic` RNG stream at a fixed position,
//! [`WORDS_PER_JOB`] × k ([`Rng::at`]), so a job never depends on how the
//! workload is read or on any other random draw of the run. Only the
//! arrival times are cumulative (each job's gap is added to the previous
//! job's time).
//!
//! The model file format (what `mesosim trace fit` writes, and what
//! `model = "..."` reads) is the body of a `synthetic` table as a TOML
//! document: [`Synthetic::to_toml`] writes it.

use std::fmt::Write as _;

use sim::resources::{format_thousandths, thousandths_from_f64, Res, CPUS, DISK, GPUS, MEM};
use sim::rng::{Rng, Stream};
use sim::spec::{AgentSpec, FrameworkSpec, JobSpec, Micros, Spec};

use crate::whatif::JobStream;

/// The bundled model of a whole Google 2011 cell (docs/synthetic.md says
/// what it is built from and where it is approximate).
pub const GOOGLE_2011_CELL: &str = include_str!("../models/google-2011-cell.toml");

/// Models that `model = NAME` finds without a file.
pub const BUNDLED_MODELS: &[(&str, &str)] = &[("google-2011-cell", GOOGLE_2011_CELL)];

/// u64 words of the `Synthetic` stream reserved for each job: 0 the
/// arrival gap, 1-2 tasks, 3-4 duration, 5-6 cpus (or the shape table),
/// 7-8 mem, 9 the framework (`assign = "random"`), 10 the priority; the
/// rest are spare so that a later key does not move these.
pub const WORDS_PER_JOB: u64 = 16;

const HOUR_US: f64 = 3_600_000_000.0;

/// A named distribution of a non-negative quantity, optionally capped.
#[derive(Clone, Debug, PartialEq)]
pub struct Dist {
    pub kind: DistKind,
    /// Draws above this are this.
    pub max: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DistKind {
    Constant(f64),
    Exponential {
        mean: f64,
    },
    Lognormal {
        mu: f64,
        sigma: f64,
    },
    Pareto {
        alpha: f64,
        min: f64,
    },
    /// (value, weight), weights > 0 summing to more than 0.
    Empirical(Vec<(f64, f64)>),
}

impl Dist {
    pub fn constant(v: f64) -> Dist {
        Dist {
            kind: DistKind::Constant(v),
            max: None,
        }
    }

    /// One draw from two uniform words (the second is used by lognormal
    /// only): inverse transform sampling, Box-Muller for the normal.
    pub fn sample(&self, w1: u64, w2: u64) -> f64 {
        let u1 = unit(w1);
        let x = match &self.kind {
            DistKind::Constant(v) => *v,
            DistKind::Exponential { mean } => -mean * (1.0 - u1).ln(),
            DistKind::Lognormal { mu, sigma } => {
                let u2 = unit(w2);
                let z = (-2.0 * (1.0 - u1).ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
                (mu + sigma * z).exp()
            }
            DistKind::Pareto { alpha, min } => min / (1.0 - u1).powf(1.0 / alpha),
            DistKind::Empirical(t) => {
                let total: f64 = t.iter().map(|e| e.1).sum();
                let mut x = u1 * total;
                let mut v = t.last().map(|e| e.0).unwrap_or(0.0);
                for (val, w) in t {
                    if x < *w {
                        v = *val;
                        break;
                    }
                    x -= w;
                }
                v
            }
        };
        match self.max {
            Some(m) if x > m => m,
            _ => x,
        }
    }

    /// The distribution's mean without the cap (Pareto with alpha <= 1:
    /// infinite).
    pub fn mean(&self) -> f64 {
        match &self.kind {
            DistKind::Constant(v) => *v,
            DistKind::Exponential { mean } => *mean,
            DistKind::Lognormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            DistKind::Pareto { alpha, min } => {
                if *alpha <= 1.0 {
                    f64::INFINITY
                } else {
                    alpha * min / (alpha - 1.0)
                }
            }
            DistKind::Empirical(t) => {
                let w: f64 = t.iter().map(|e| e.1).sum();
                t.iter().map(|e| e.0 * e.1).sum::<f64>() / w
            }
        }
    }

    fn to_toml(&self) -> String {
        let mut s = match &self.kind {
            DistKind::Constant(v) => format!("{{ dist = \"constant\", value = {}", num(*v)),
            DistKind::Exponential { mean } => {
                format!("{{ dist = \"exponential\", mean = {}", num(*mean))
            }
            DistKind::Lognormal { mu, sigma } => format!(
                "{{ dist = \"lognormal\", mu = {}, sigma = {}",
                num(*mu),
                num(*sigma)
            ),
            DistKind::Pareto { alpha, min } => format!(
                "{{ dist = \"pareto\", alpha = {}, min = {}",
                num(*alpha),
                num(*min)
            ),
            DistKind::Empirical(t) => {
                let rows: Vec<String> = t
                    .iter()
                    .map(|(v, w)| format!("[{}, {}]", num(*v), num(*w)))
                    .collect();
                format!(
                    "{{ dist = \"empirical\", table = [\n    {},\n]",
                    rows.join(",\n    ")
                )
            }
        };
        if let Some(m) = self.max {
            let _ = write!(s, ", max = {}", num(m));
        }
        s.push_str(" }");
        s
    }
}

/// A number as TOML writes it: shortest round-trip form, never NaN.
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "0".into()
    }
}

/// Uniform in [0, 1) with 53 bits (as [`Rng::unit_f64`]).
fn unit(w: u64) -> f64 {
    (w >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform in 0..n from one word (multiply-high; the bias is below
/// n / 2^64).
fn below(w: u64, n: u64) -> u64 {
    ((w as u128 * n as u128) >> 64) as u64
}

#[derive(Clone, Debug, PartialEq)]
pub enum Arrivals {
    /// Jobs per hour.
    Poisson { rate: f64 },
    /// Jobs per hour in each hour of the day (hour 0 starts at time 0).
    Diurnal { rates: [f64; 24] },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// Independent draws: cores, MiB.
    Dists { cpus: Dist, mem: Option<Dist> },
    /// (cpus, mem MiB, weight).
    Table(Vec<(f64, f64, f64)>),
}

/// How jobs are given to frameworks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assign {
    /// Job k to framework k mod N.
    RoundRobin,
    /// A uniform seeded draw per job.
    Random,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MachineClass {
    pub count: u64,
    pub resources: Res,
}

/// A validated synthetic workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthetic {
    pub arrivals: Arrivals,
    /// Stop at the first arrival at or after this time.
    pub horizon_us: Option<Micros>,
    /// Stop after this many jobs.
    pub jobs: Option<u64>,
    /// Tasks per job (rounded to the nearest whole number, at least 1).
    pub tasks: Dist,
    /// Seconds (rounded to the µs, at least 1 µs).
    pub task_duration: Dist,
    pub shape: Shape,
    /// (priority, weight); empty: jobs have no priority of their own.
    pub priorities: Vec<(i64, f64)>,
    /// The cluster when the scenario has no `[[agents]]`.
    pub machines: Vec<MachineClass>,
    pub frameworks: u64,
    pub assign: Assign,
    /// Multiplies the machine counts and the arrival rate.
    pub scale: f64,
    /// The model's name or path, as written, when one was loaded.
    pub model: Option<String>,
}

/// One generated job.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthJob {
    pub ordinal: u64,
    pub framework: u64,
    pub job: JobSpec,
}

/// The workload as a stream of jobs in arrival order.
pub struct JobIter<'a> {
    syn: &'a Synthetic,
    seed: u64,
    k: u64,
    /// Cumulative intensity (expected jobs) of the last arrival.
    lam: f64,
    /// Diurnal: the hour slot the last arrival fell in, and the intensity
    /// at that slot's start.
    slot: u64,
    lam_slot: f64,
    done: bool,
}

impl Synthetic {
    /// The jobs, generated one at a time.
    pub fn jobs_iter(&self, seed: u64) -> JobIter<'_> {
        JobIter {
            syn: self,
            seed,
            k: 0,
            lam: 0.0,
            slot: 0,
            lam_slot: 0.0,
            done: false,
        }
    }

    /// Mean tasks, duration (s), cpus and mem of a task, as the model
    /// says (caps ignored); tasks is per job, the others per task.
    pub fn means(&self) -> (f64, f64, f64, f64) {
        let (c, m) = match &self.shape {
            Shape::Dists { cpus, mem } => (cpus.mean(), mem.as_ref().map_or(0.0, |d| d.mean())),
            Shape::Table(t) => {
                let w: f64 = t.iter().map(|e| e.2).sum();
                (
                    t.iter().map(|e| e.0 * e.2).sum::<f64>() / w,
                    t.iter().map(|e| e.1 * e.2).sum::<f64>() / w,
                )
            }
        };
        (self.tasks.mean(), self.task_duration.mean(), c, m)
    }

    /// The machine classes at this model's scale: round(count × scale)
    /// each (halves away from zero), at least one machine in all.
    pub fn scaled_machines(&self) -> Vec<MachineClass> {
        let mut out: Vec<MachineClass> = self
            .machines
            .iter()
            .map(|m| MachineClass {
                count: (m.count as f64 * self.scale).round() as u64,
                resources: m.resources,
            })
            .collect();
        if out.iter().all(|m| m.count == 0) {
            if let Some(first) = out.iter_mut().find(|m| !m.resources.is_empty()) {
                first.count = 1;
            }
        }
        out
    }

    /// The model file (`trace fit` writes it; `model = PATH` reads it).
    pub fn to_toml(&self, header: &str) -> String {
        let mut s = String::new();
        for l in header.lines() {
            let _ = writeln!(s, "# {l}");
        }
        match &self.arrivals {
            Arrivals::Poisson { rate } => {
                let _ = writeln!(s, "arrivals = \"poisson\"\nrate = {}", num(*rate));
            }
            Arrivals::Diurnal { rates } => {
                let r: Vec<String> = rates.iter().map(|x| num(*x)).collect();
                let _ = writeln!(
                    s,
                    "arrivals = \"diurnal\"\n# jobs per hour in each hour of the day (hour 0 = the first submission)\nrates = [{}]",
                    r.join(", ")
                );
            }
        }
        if let Some(h) = self.horizon_us {
            let _ = writeln!(s, "duration = \"{}s\"", h.div_ceil(1_000_000).max(1));
        }
        if let Some(j) = self.jobs {
            let _ = writeln!(s, "jobs = {j}");
        }
        if self.frameworks != 1 {
            let _ = writeln!(s, "frameworks = {}", self.frameworks);
        }
        if self.assign == Assign::Random {
            let _ = writeln!(s, "assign = \"random\"");
        }
        if self.scale != 1.0 {
            let _ = writeln!(s, "scale = {}", num(self.scale));
        }
        let _ = writeln!(s, "tasks = {}", self.tasks.to_toml());
        let _ = writeln!(s, "# seconds");
        let _ = writeln!(s, "task_duration = {}", self.task_duration.to_toml());
        match &self.shape {
            Shape::Dists { cpus, mem } => {
                let _ = writeln!(s, "cpus = {}", cpus.to_toml());
                if let Some(m) = mem {
                    let _ = writeln!(s, "mem = {}", m.to_toml());
                }
            }
            Shape::Table(t) => {
                let _ = writeln!(s, "# [cpus, mem (MiB), weight]\nshapes = [");
                for (c, m, w) in t {
                    let _ = writeln!(s, "    [{}, {}, {}],", num(*c), num(*m), num(*w));
                }
                let _ = writeln!(s, "]");
            }
        }
        if !self.priorities.is_empty() {
            let rows: Vec<String> = self
                .priorities
                .iter()
                .map(|(p, w)| format!("[{p}, {}]", num(*w)))
                .collect();
            let _ = writeln!(s, "priorities = [{}]", rows.join(", "));
        }
        if !self.machines.is_empty() {
            let _ = writeln!(s, "machines = [");
            for m in &self.machines {
                let mut parts = Vec::new();
                for (name, i) in [("cpus", CPUS), ("mem", MEM), ("disk", DISK), ("gpus", GPUS)] {
                    if m.resources.0[i] != 0 {
                        parts.push(format!("{name} = {}", format_thousandths(m.resources.0[i])));
                    }
                }
                let _ = writeln!(
                    s,
                    "    {{ count = {}, resources = {{ {} }} }},",
                    m.count,
                    parts.join(", ")
                );
            }
            let _ = writeln!(s, "]");
        }
        s
    }
}

impl JobIter<'_> {
    /// The time (µs) at which cumulative intensity `lam` is reached.
    fn time_at(&mut self, lam: f64) -> Option<f64> {
        let scale = self.syn.scale;
        match &self.syn.arrivals {
            Arrivals::Poisson { rate } => Some(lam / (rate * scale) * HOUR_US),
            Arrivals::Diurnal { rates } => {
                // Walk hour slots forward from the last arrival's.
                let mut guard = 0u32;
                loop {
                    let r = rates[(self.slot % 24) as usize] * scale;
                    if r > 0.0 && lam <= self.lam_slot + r {
                        let frac = (lam - self.lam_slot) / r;
                        return Some((self.slot as f64 + frac) * HOUR_US);
                    }
                    self.lam_slot += r;
                    self.slot += 1;
                    guard += 1;
                    if guard > 48 && rates.iter().all(|x| *x <= 0.0) {
                        return None;
                    }
                }
            }
        }
    }
}

impl Iterator for JobIter<'_> {
    type Item = SynthJob;

    fn next(&mut self) -> Option<SynthJob> {
        if self.done {
            return None;
        }
        let syn = self.syn;
        if syn.jobs.is_some_and(|n| self.k >= n) {
            self.done = true;
            return None;
        }
        let mut rng = Rng::at(self.seed, Stream::Synthetic, self.k * WORDS_PER_JOB);
        let mut w = [0u64; 11];
        for x in w.iter_mut() {
            *x = rng.next_u64();
        }
        // A unit exponential gap in intensity (1 - u is in (0, 1]).
        self.lam += -(1.0 - unit(w[0])).ln();
        let t = self.time_at(self.lam)?;
        if !(t.is_finite() && t < (u64::MAX / 4) as f64) {
            self.done = true;
            return None;
        }
        let at_us = t.round() as u64;
        if syn.horizon_us.is_some_and(|h| at_us >= h) {
            self.done = true;
            return None;
        }
        let tasks = syn.tasks.sample(w[1], w[2]).round().clamp(1.0, 1e12) as u64;
        let dur_s = syn.task_duration.sample(w[3], w[4]);
        let duration_us = (dur_s * 1e6).round().clamp(1.0, (u64::MAX / 4) as f64) as u64;
        let (cpus, mem) = match &syn.shape {
            Shape::Dists { cpus, mem } => (
                cpus.sample(w[5], w[6]),
                mem.as_ref().map_or(0.0, |m| m.sample(w[7], w[8])),
            ),
            Shape::Table(t) => {
                let total: f64 = t.iter().map(|e| e.2).sum();
                let mut x = unit(w[5]) * total;
                let mut pick = t.last().map(|e| (e.0, e.1)).unwrap_or((0.0, 0.0));
                for (c, m, wt) in t {
                    if x < *wt {
                        pick = (*c, *m);
                        break;
                    }
                    x -= wt;
                }
                pick
            }
        };
        let mut resources = Res::ZERO;
        // Thousandths, as every request; at least one thousandth of a core
        // so that no task asks for nothing.
        resources.0[CPUS] = thousandths_from_f64(cpus).unwrap_or(0).max(1);
        resources.0[MEM] = thousandths_from_f64(mem).unwrap_or(0);
        let framework = match syn.assign {
            Assign::RoundRobin => self.k % syn.frameworks,
            Assign::Random => below(w[9], syn.frameworks),
        };
        let priority = if syn.priorities.is_empty() {
            None
        } else {
            let total: f64 = syn.priorities.iter().map(|e| e.1).sum();
            let mut x = unit(w[10]) * total;
            let mut p = syn.priorities.last().map(|e| e.0);
            for (pr, wt) in &syn.priorities {
                if x < *wt {
                    p = Some(*pr);
                    break;
                }
                x -= wt;
            }
            p
        };
        let ordinal = self.k;
        self.k += 1;
        Some(SynthJob {
            ordinal,
            framework,
            job: JobSpec {
                name: format!("j{ordinal}"),
                at_us,
                tasks,
                resources,
                duration_us: Some(duration_us),
                priority,
                gang: false,
            },
        })
    }
}

/// What a generation added.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SynthSummary {
    pub jobs: u64,
    pub tasks: u64,
    pub agents_added: u64,
    pub frameworks_added: u64,
}

impl SynthSummary {
    pub fn to_json(&self, syn: &Synthetic) -> serde_json::Value {
        serde_json::json!({
            "model": syn.model,
            "scale": syn.scale,
            "jobs": self.jobs,
            "tasks": self.tasks,
            "agents": self.agents_added,
            "frameworks": self.frameworks_added,
        })
    }
}

/// Adds the synthetic workload to `spec`: the machine classes as agents
/// `mC-I` (class C, machine I) when the scenario has no agents, frameworks
/// `synth-0` .. `synth-(N-1)` after the scenario's own (role `*`, greedy,
/// suppressing offers when idle, like trace frameworks), and the jobs
/// `j0`, `j1`, ... in arrival order, each through the `[whatif]` job
/// transforms (`stream` numbers them on from the scenario's own jobs).
pub fn generate(
    syn: &Synthetic,
    spec: &mut Spec,
    stream: &mut JobStream,
) -> Result<SynthSummary, String> {
    let mut sum = SynthSummary::default();
    if spec.agents.is_empty() {
        for (c, m) in syn.scaled_machines().iter().enumerate() {
            for i in 0..m.count {
                spec.agents.push(AgentSpec {
                    name: format!("m{c}-{i}"),
                    resources: m.resources,
                    reserved: Vec::new(),
                    attributes: Vec::new(),
                    at_us: 0,
                });
                sum.agents_added += 1;
            }
        }
    }
    let first = spec.frameworks.len();
    for i in 0..syn.frameworks {
        let name = format!("synth-{i}");
        if spec.frameworks.iter().any(|f| f.name == name) {
            return Err(format!(
                "workload.synthetic: the generated framework {name:?} is also defined in the scenario"
            ));
        }
        let refuse_us = spec.allocator.refuse_us;
        spec.frameworks
            .push(FrameworkSpec::generated(name, refuse_us, Vec::new()));
        sum.frameworks_added += 1;
    }
    for j in syn.jobs_iter(spec.seed) {
        let jobs = &mut spec.frameworks[first + j.framework as usize].jobs;
        let before = jobs.len();
        stream.job(j.job, jobs);
        for job in &jobs[before..] {
            sum.jobs += 1;
            sum.tasks += job.tasks;
        }
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empirical_picks_by_weight() {
        let d = Dist {
            kind: DistKind::Empirical(vec![(1.0, 1.0), (5.0, 3.0)]),
            max: None,
        };
        assert_eq!(d.sample(0, 0), 1.0);
        assert_eq!(d.sample(u64::MAX, 0), 5.0);
        assert_eq!(d.mean(), 4.0);
    }

    #[test]
    fn caps_apply() {
        let d = Dist {
            kind: DistKind::Pareto {
                alpha: 1.0,
                min: 1.0,
            },
            max: Some(10.0),
        };
        assert_eq!(d.sample(u64::MAX, 0), 10.0);
    }
}
