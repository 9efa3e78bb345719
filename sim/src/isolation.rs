//! Isolator accounting on the agents (`[isolation]`, docs/isolation.md):
//! what each running task's container uses, how an agent's cpus are shared
//! by cgroups `cpu.shares` (and capped by CFS quota), how contention
//! stretches a task's run time, and memory OOM kills.
//!
//! [`Isolation`] is a side table of the cluster that exists only when the
//! scenario turns accounting on, so runs without it pay nothing and keep
//! their outputs byte for byte. The cluster calls it when a task starts or
//! stops; it answers with one timer per agent (the next time something
//! happens there: a task ends at its current rate, a usage phase begins,
//! an OOM). A timer carries the agent's version; any change on the agent
//! bumps the version, so older timers are ignored when they fire.
//!
//! Determinism: cpu amounts are integers (millionths of a cpu in the
//! sharing, thousandths elsewhere), progress is integer
//! (microseconds x millionths of a cpu, in u128), agents and tasks are
//! visited in fixed orders (agent index, then start order), and usage
//! draws come from a stream of their own keyed by the task id, so a task's
//! usage does not depend on event order and turning accounting on changes
//! no other random decision.

use std::collections::BTreeMap;

use crate::record::TaskState;
use crate::resources::{Res, CPUS, MEM, SCALE};
use crate::rng::{Rng, Stream};
use crate::spec::Micros;

type AgentIdx = u32;
type TaskId = u64;

/// Mesos's command executor adds 0.1 cpus and 32 MB to each task's
/// container (`DEFAULT_EXECUTOR_CPUS`, `DEFAULT_EXECUTOR_MEM`), in
/// thousandths.
pub const EXECUTOR_CPUS: i64 = 100;
pub const EXECUTOR_MEM: i64 = 32 * SCALE;
/// The smallest memory hard limit (Mesos's `MIN_MEMORY`, 32 MB).
pub const MIN_MEM: i64 = 32 * SCALE;
/// The smallest CFS quota: 1 ms per 100 ms period, i.e. 0.01 cpu.
pub const MIN_CFS_CPUS: i64 = 10;
const CPU_SHARES_PER_CPU: i64 = 1024;
/// `--revocable_cpu_low_priority` (default true): revocable containers get
/// 10 shares per cpu (`CPU_SHARES_PER_CPU_REVOCABLE`).
const CPU_SHARES_PER_CPU_REVOCABLE: i64 = 10;
const MIN_CPU_SHARES: i64 = 2;
/// Millionths of a cpu per thousandth (the sharing's finer unit).
const MICRO: i64 = 1000;

/// One phase of a job's usage profile: from `after_us` since a task
/// started, its usage is these (a quantity left out keeps its value).
#[derive(Clone, Debug, PartialEq)]
pub struct UsagePhase {
    pub after_us: Micros,
    /// Thousandths of a cpu.
    pub cpus: Option<i64>,
    /// Thousandths of a MiB.
    pub mem: Option<i64>,
}

/// A job's `usage` and `limit` keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobUsage {
    /// In increasing `after_us`; empty: the model of `[isolation] usage`.
    pub phases: Vec<UsagePhase>,
    /// Per-task limits (Mesos 1.10), thousandths; None: the request.
    pub limit_cpus: Option<i64>,
    pub limit_mem: Option<i64>,
}

/// `[oversubscription]` (docs/isolation.md, "Oversubscription"):
/// the agents' resource estimator and QoS controller.
#[derive(Clone, Debug, PartialEq)]
pub struct OversubSpec {
    /// Fraction of the estimated slack withheld, in millionths
    /// (`safety_margin = 0.1` is 100 000).
    pub safety_margin_ppm: i64,
    /// How often every agent re-estimates (Mesos's
    /// `--oversubscribed_resources_interval`, 15 s).
    pub interval_us: Micros,
    /// Frameworks with `revocable = true` (REVOCABLE_RESOURCES), by index.
    pub revocable_frameworks: Vec<usize>,
}

impl Default for OversubSpec {
    fn default() -> Self {
        OversubSpec {
            safety_margin_ppm: 100_000,
            interval_us: 15_000_000,
            revocable_frameworks: Vec::new(),
        }
    }
}

/// `[isolation]` and the per-job keys, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct IsolationSpec {
    /// CFS hard cap at the task's cpu limit (Mesos `--cgroups_enable_cfs`).
    pub cfs: bool,
    /// Add the command executor's 0.1 cpus / 32 MiB to each container.
    pub executor_overhead: bool,
    /// The model: usage is this fraction of the request.
    pub usage_cpus: f64,
    pub usage_mem: f64,
    /// Relative noise on the model: a factor uniform in [1-noise, 1+noise],
    /// drawn per task and per resource.
    pub noise: f64,
    /// By (framework index, index among its jobs).
    pub jobs: BTreeMap<(usize, usize), JobUsage>,
    /// `[oversubscription] enabled = true`.
    pub oversubscription: Option<OversubSpec>,
}

impl Default for IsolationSpec {
    fn default() -> Self {
        IsolationSpec {
            cfs: false,
            executor_overhead: true,
            usage_cpus: 0.8,
            usage_mem: 0.8,
            noise: 0.0,
            jobs: BTreeMap::new(),
            oversubscription: None,
        }
    }
}

/// What accounting counted over a run (summary.json's `isolation`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IsolationStats {
    /// Tasks failed with REASON_CONTAINER_LIMITATION_MEMORY.
    pub oom_kills: u64,
    /// Revocable tasks killed by the QoS controller.
    pub revocable_kills: u64,
    /// Oversubscription was on (the two counts below are reported).
    pub oversubscription: bool,
    /// Offers that carried revocable resources.
    pub revocable_offered: u64,
    /// Tasks launched on revocable resources.
    pub revocable_tasks: u64,
    /// Task-microseconds during which a CFS quota held a task below what
    /// it wanted.
    pub throttled_task_us: u64,
    /// Task-microseconds during which a task ran slower than full speed
    /// (contention or CFS).
    pub slowed_task_us: u64,
}

/// Weighted max-min fair division ("water filling") of `capacity` among
/// `demands` with `weights` (all > 0): a claimant that wants less than its
/// weighted share of what is left gets what it wants; the rest is split
/// in proportion to the weights, rounded down. The kernel's CFS divides a
/// saturated cpu among cgroups by `cpu.shares` this way.
pub fn water_fill(capacity: i64, demands: &[i64], weights: &[i64]) -> Vec<i64> {
    debug_assert_eq!(demands.len(), weights.len());
    let total: i128 = demands.iter().map(|&d| d as i128).sum();
    if total <= capacity as i128 {
        return demands.to_vec();
    }
    let n = demands.len();
    let mut order: Vec<usize> = (0..n).collect();
    // Ascending demand per weight (cross-multiplied, exact), then index.
    order.sort_by(|&a, &b| {
        let l = demands[a] as i128 * weights[b] as i128;
        let r = demands[b] as i128 * weights[a] as i128;
        l.cmp(&r).then(a.cmp(&b))
    });
    let mut out = vec![0i64; n];
    let mut cap = capacity.max(0) as i128;
    let mut wsum: i128 = weights.iter().map(|&w| w as i128).sum();
    for (k, &i) in order.iter().enumerate() {
        let (d, w) = (demands[i] as i128, weights[i] as i128);
        if d * wsum <= cap * w {
            out[i] = d as i64;
            cap -= d;
            wsum -= w;
        } else {
            for &j in &order[k..] {
                out[j] = (cap * weights[j] as i128 / wsum) as i64;
            }
            break;
        }
    }
    out
}

/// Per job (cluster job index).
#[derive(Clone, Debug, Default)]
struct JobIso {
    usage: JobUsage,
}

/// One running task's container.
#[derive(Clone, Debug)]
struct TaskIso {
    agent: AgentIdx,
    job: u32,
    start_us: Micros,
    /// Current usage of the task itself (thousandths).
    cpus: i64,
    mem: i64,
    /// Next phase of the job's profile to apply.
    next_phase: u32,
    /// The container's CFS cap (millionths of a cpu), when CFS is on.
    cap_u: Option<i64>,
    /// cpu.shares.
    shares: i64,
    /// The container's memory hard limit (thousandths).
    mem_limit: i64,
    /// What the container wants and gets (millionths of a cpu).
    want_u: i64,
    granted_u: i64,
    /// Work left, in microseconds x `eff_want` (None: runs forever).
    remaining: Option<u128>,
    /// Runs on revocable resources (oversubscription).
    revocable: bool,
    /// The task's request (thousandths), for the resource estimator.
    req_cpus: i64,
    req_mem: i64,
}

impl TaskIso {
    /// A task that wants no cpu progresses at full speed: rates are
    /// granted / wanted with both taken as 1.
    fn eff_want(&self) -> u128 {
        self.want_u.max(1) as u128
    }
    fn eff_granted(&self) -> u128 {
        if self.want_u <= 0 {
            1
        } else {
            self.granted_u.max(0) as u128
        }
    }
}

#[derive(Clone, Debug, Default)]
struct AgentIso {
    cpus: i64,
    /// The machine's memory (thousandths), for the QoS controller.
    mem: i64,
    /// Running tasks in start order.
    tasks: Vec<TaskId>,
    /// Progress is accounted up to this time.
    since: Micros,
    version: u64,
    dirty: bool,
    /// Sums over the tasks: granted cpu (millionths), memory (thousandths).
    used_cpu_u: i64,
    used_mem: i64,
}

/// The accounting side table (see the module documentation).
pub struct Isolation {
    cfs: bool,
    overhead: bool,
    frac_cpus: f64,
    frac_mem: f64,
    noise: f64,
    seed: u64,
    spec_jobs: BTreeMap<(usize, usize), JobUsage>,
    jobs: Vec<JobIso>,
    tasks: BTreeMap<TaskId, TaskIso>,
    agents: Vec<AgentIso>,
    dirty: Vec<AgentIdx>,
    used_cpu_u: i64,
    used_mem: i64,
    stats: IsolationStats,
}

impl Isolation {
    pub fn new(spec: &IsolationSpec, seed: u64) -> Isolation {
        Isolation {
            cfs: spec.cfs,
            overhead: spec.executor_overhead,
            frac_cpus: spec.usage_cpus,
            frac_mem: spec.usage_mem,
            noise: spec.noise,
            seed,
            spec_jobs: spec.jobs.clone(),
            jobs: Vec::new(),
            tasks: BTreeMap::new(),
            agents: Vec::new(),
            dirty: Vec::new(),
            used_cpu_u: 0,
            used_mem: 0,
            stats: IsolationStats::default(),
        }
    }

    fn ovh_cpus(&self) -> i64 {
        if self.overhead {
            EXECUTOR_CPUS
        } else {
            0
        }
    }

    fn ovh_mem(&self) -> i64 {
        if self.overhead {
            EXECUTOR_MEM
        } else {
            0
        }
    }

    /// Job number `self.jobs.len()` of the cluster was submitted: it is
    /// job `job` of framework `fw` in the scenario.
    pub fn job_submitted(&mut self, fw: usize, job: usize) {
        let usage = self.spec_jobs.get(&(fw, job)).cloned().unwrap_or_default();
        self.jobs.push(JobIso { usage });
    }

    fn agent(&mut self, a: AgentIdx) -> &mut AgentIso {
        let i = a as usize;
        if self.agents.len() <= i {
            self.agents.resize_with(i + 1, AgentIso::default);
        }
        &mut self.agents[i]
    }

    fn mark_dirty(&mut self, a: AgentIdx) {
        let ag = self.agent(a);
        if !ag.dirty {
            ag.dirty = true;
            self.dirty.push(a);
        }
    }

    /// The model's usage of one resource: fraction x request x a noise
    /// factor uniform in [1-noise, 1+noise] (drawn only when noise > 0).
    fn model(&self, request: i64, frac: f64, rng: Option<&mut Rng>) -> i64 {
        let mut x = request as f64 * frac;
        if let Some(r) = rng {
            x *= 1.0 - self.noise + 2.0 * self.noise * r.unit_f64();
        }
        x.round().max(0.0) as i64
    }

    /// A task starts on agent `a`, a machine of `capacity` (its regular
    /// resources), on revocable resources when `revocable`.
    #[allow(clippy::too_many_arguments)]
    pub fn task_started(
        &mut self,
        now: Micros,
        t: TaskId,
        a: AgentIdx,
        capacity: &Res,
        job: u32,
        request: &Res,
        duration_us: Option<Micros>,
        revocable: bool,
    ) {
        self.advance(a, now);
        let ag = self.agent(a);
        ag.cpus = capacity.0[CPUS];
        ag.mem = capacity.0[MEM];
        let j = self.jobs.get(job as usize).cloned().unwrap_or_default();
        let mut rng = (self.noise > 0.0).then(|| Rng::for_item(self.seed, Stream::Usage, t));
        let cpus = self.model(request.0[CPUS], self.frac_cpus, rng.as_mut());
        let mem = self.model(request.0[MEM], self.frac_mem, rng.as_mut());
        let (oc, om) = (self.ovh_cpus(), self.ovh_mem());
        let req_c = request.0[CPUS] + oc;
        // Mesos: max(1024 x cpus, 2), truncated; revocable containers
        // get 10 x cpus (`--revocable_cpu_low_priority`).
        let per_cpu = if revocable {
            CPU_SHARES_PER_CPU_REVOCABLE
        } else {
            CPU_SHARES_PER_CPU
        };
        let shares = (per_cpu * req_c / SCALE).max(MIN_CPU_SHARES);
        let cap_u = self.cfs.then(|| {
            (j.usage.limit_cpus.unwrap_or(request.0[CPUS]) + oc).max(MIN_CFS_CPUS) * MICRO
        });
        let mem_limit = (j.usage.limit_mem.unwrap_or(request.0[MEM]) + om).max(MIN_MEM);
        let mut ti = TaskIso {
            agent: a,
            job,
            start_us: now,
            cpus,
            mem,
            next_phase: 0,
            cap_u,
            shares,
            mem_limit,
            want_u: 0,
            granted_u: 0,
            remaining: None,
            revocable,
            req_cpus: request.0[CPUS],
            req_mem: request.0[MEM],
        };
        apply_phases(&mut ti, &j.usage.phases, now, oc);
        ti.want_u = (ti.cpus + oc) * MICRO;
        ti.remaining = duration_us.map(|d| d as u128 * ti.eff_want());
        self.tasks.insert(t, ti);
        self.agent(a).tasks.push(t);
        self.mark_dirty(a);
    }

    /// A task stops running (ended, killed, lost with its agent).
    pub fn task_removed(&mut self, now: Micros, t: TaskId) {
        let Some(ti) = self.tasks.get(&t) else {
            return;
        };
        let a = ti.agent;
        self.advance(a, now);
        self.tasks.remove(&t);
        let ag = self.agent(a);
        if let Some(pos) = ag.tasks.iter().position(|&x| x == t) {
            ag.tasks.remove(pos);
        }
        self.mark_dirty(a);
    }

    /// Accounts progress and throttling on agent `a` up to `now` at the
    /// current rates.
    fn advance(&mut self, a: AgentIdx, now: Micros) {
        let ag = self.agent(a);
        if now <= ag.since {
            return;
        }
        let dt = now - ag.since;
        ag.since = now;
        let tasks = &self.agents[a as usize].tasks;
        for t in tasks {
            let ti = self.tasks.get_mut(t).expect("agent's task is accounted");
            let g = ti.eff_granted();
            if let Some(r) = ti.remaining.as_mut() {
                *r = r.saturating_sub(dt as u128 * g);
            }
            if ti.granted_u < ti.want_u {
                self.stats.slowed_task_us += dt;
            }
            if ti.cap_u.is_some_and(|c| c < ti.want_u) {
                self.stats.throttled_task_us += dt;
            }
        }
    }

    /// Agent `a`'s timer of version `version` fires: usage phases due now
    /// begin, then tasks over their memory limit are OOM-killed and tasks
    /// whose work is done finish. Returns those ends, in start order, for
    /// the cluster to apply (it calls [`Isolation::task_removed`]).
    pub fn timer(&mut self, now: Micros, a: AgentIdx, version: u64) -> Vec<(TaskId, TaskState)> {
        let mut out = Vec::new();
        if self
            .agents
            .get(a as usize)
            .is_none_or(|ag| ag.version != version)
        {
            return out;
        }
        self.advance(a, now);
        let oc = self.ovh_cpus();
        let om = self.ovh_mem();
        for t in &self.agents[a as usize].tasks {
            let ti = self.tasks.get_mut(t).expect("agent's task is accounted");
            let phases = &self.jobs[ti.job as usize].usage.phases;
            apply_phases(ti, phases, now, oc);
            if ti.mem + om > ti.mem_limit {
                out.push((*t, TaskState::Failed));
                self.stats.oom_kills += 1;
            } else if ti.remaining == Some(0) {
                out.push((*t, TaskState::Finished));
            }
        }
        self.mark_dirty(a);
        out
    }

    /// Re-divides the cpu of every agent that changed since the last
    /// flush and returns its new timer: (agent, version, time), in agent
    /// order.
    pub fn flush(&mut self, now: Micros, out: &mut Vec<(AgentIdx, u64, Micros)>) {
        let mut dirty = std::mem::take(&mut self.dirty);
        dirty.sort_unstable();
        for &a in &dirty {
            self.advance(a, now);
            self.recompute(a);
            let next = self.next_time(a, now);
            let ag = &mut self.agents[a as usize];
            ag.dirty = false;
            ag.version += 1;
            if let Some(at) = next {
                out.push((a, ag.version, at));
            }
        }
        dirty.clear();
        self.dirty = dirty;
    }

    /// Divides agent `a`'s cpus among its containers.
    fn recompute(&mut self, a: AgentIdx) {
        let om = self.ovh_mem();
        let ag = &self.agents[a as usize];
        let mut demands = Vec::with_capacity(ag.tasks.len());
        let mut weights = Vec::with_capacity(ag.tasks.len());
        let mut mem = 0i64;
        for t in &ag.tasks {
            let ti = &self.tasks[t];
            demands.push(ti.cap_u.map_or(ti.want_u, |c| ti.want_u.min(c)));
            weights.push(ti.shares);
            mem += ti.mem + om;
        }
        // An agent without cpus has no cpu model: its tasks get what they
        // want (they could not have asked it for cpus).
        let granted = if ag.cpus > 0 {
            water_fill(ag.cpus * MICRO, &demands, &weights)
        } else {
            demands
        };
        let cpu: i64 = granted.iter().sum();
        for (t, g) in ag.tasks.iter().zip(granted) {
            self.tasks.get_mut(t).expect("accounted").granted_u = g;
        }
        let ag = &mut self.agents[a as usize];
        self.used_cpu_u += cpu - ag.used_cpu_u;
        self.used_mem += mem - ag.used_mem;
        ag.used_cpu_u = cpu;
        ag.used_mem = mem;
    }

    /// The next time something happens on agent `a`: a phase begins, a
    /// task's work is done at its current rate, or an OOM (now).
    fn next_time(&self, a: AgentIdx, now: Micros) -> Option<Micros> {
        let om = self.ovh_mem();
        let mut next: Option<Micros> = None;
        let mut at = |x: Micros| next = Some(next.map_or(x, |n: Micros| n.min(x)));
        for t in &self.agents[a as usize].tasks {
            let ti = &self.tasks[t];
            if ti.mem + om > ti.mem_limit {
                at(now);
            }
            if let Some(p) = self.jobs[ti.job as usize]
                .usage
                .phases
                .get(ti.next_phase as usize)
            {
                at(ti.start_us.saturating_add(p.after_us).max(now));
            }
            if let Some(r) = ti.remaining {
                let g = ti.eff_granted();
                if g > 0 {
                    let dt = r.div_ceil(g);
                    if let Ok(dt) = Micros::try_from(dt) {
                        at(now.saturating_add(dt));
                    }
                }
            }
        }
        next
    }

    /// The resource estimator on agent `a`: the regular tasks' requests
    /// minus what their containers use now (cpu wanted, capped by CFS;
    /// memory; executor included), per resource, at least 0, then
    /// scaled by `1 - safety_margin` and rounded down to thousandths.
    /// Returns (cpus, mem) in thousandths.
    pub fn estimate(&self, a: AgentIdx, safety_margin_ppm: i64) -> (i64, i64) {
        let om = self.ovh_mem();
        let (mut alloc_c, mut alloc_m, mut used_u, mut used_m) = (0i64, 0i64, 0i64, 0i64);
        for t in self.agent_tasks(a) {
            let ti = &self.tasks[t];
            if ti.revocable {
                continue;
            }
            alloc_c += ti.req_cpus;
            alloc_m += ti.req_mem;
            used_u += ti.cap_u.map_or(ti.want_u, |c| ti.want_u.min(c));
            used_m += ti.mem + om;
        }
        let keep = (1_000_000 - safety_margin_ppm).max(0) as i128;
        let scale = |slack: i64| (slack.max(0) as i128 * keep / 1_000_000) as i64;
        // Thousandths of a cpu used, rounded up (never overestimates slack).
        let used_c = (used_u + MICRO - 1).div_euclid(MICRO);
        (scale(alloc_c - used_c), scale(alloc_m - used_m))
    }

    /// The QoS controller (`--qos_correction_interval_min = 0s`: at once)
    /// on every agent that changed since the last flush: while what its
    /// containers want (cpu, capped by CFS; memory; executors included)
    /// exceeds the machine, its revocable tasks are killed, the most
    /// recently started first. Returns them in agent order; the cluster
    /// ends them (and calls [`Isolation::task_removed`]).
    pub fn qos_kills(&mut self) -> Vec<TaskId> {
        let mut out = Vec::new();
        let mut dirty = self.dirty.clone();
        dirty.sort_unstable();
        let om = self.ovh_mem();
        for a in dirty {
            let ag = &self.agents[a as usize];
            let (mut want_u, mut mem) = (0i64, 0i64);
            for t in &ag.tasks {
                let ti = &self.tasks[t];
                want_u += ti.cap_u.map_or(ti.want_u, |c| ti.want_u.min(c));
                mem += ti.mem + om;
            }
            let over =
                |w: i64, m: i64| (ag.cpus > 0 && w > ag.cpus * MICRO) || (ag.mem > 0 && m > ag.mem);
            for t in ag.tasks.iter().rev() {
                if !over(want_u, mem) {
                    break;
                }
                let ti = &self.tasks[t];
                if !ti.revocable {
                    continue;
                }
                want_u -= ti.cap_u.map_or(ti.want_u, |c| ti.want_u.min(c));
                mem -= ti.mem + om;
                out.push(*t);
            }
        }
        self.stats.revocable_kills += out.len() as u64;
        out
    }

    /// What running containers use now: cpus (thousandths, what they get,
    /// rounded) and memory (thousandths).
    pub fn used(&self) -> (i64, i64) {
        ((self.used_cpu_u + MICRO / 2) / MICRO, self.used_mem)
    }

    /// Closes the time integrals at `end` and returns the run's counts.
    pub fn finish(&mut self, end: Micros) -> IsolationStats {
        for a in 0..self.agents.len() as AgentIdx {
            self.advance(a, end);
        }
        self.stats
    }

    /// The running tasks accounted on agent `a`, in start order.
    pub fn agent_tasks(&self, a: AgentIdx) -> &[TaskId] {
        self.agents
            .get(a as usize)
            .map_or(&[][..], |ag| ag.tasks.as_slice())
    }
}

/// Applies the phases of `phases` that have begun by `now` (since the
/// task started), rescaling the work left to the new cpu want.
fn apply_phases(ti: &mut TaskIso, phases: &[UsagePhase], now: Micros, oc: i64) {
    let mut changed = false;
    while let Some(p) = phases.get(ti.next_phase as usize) {
        if ti.start_us.saturating_add(p.after_us) > now {
            break;
        }
        if let Some(c) = p.cpus {
            ti.cpus = c;
        }
        if let Some(m) = p.mem {
            ti.mem = m;
        }
        ti.next_phase += 1;
        changed = true;
    }
    if changed {
        // The same work left at full speed, in the new want's units.
        let old = ti.eff_want();
        ti.want_u = (ti.cpus + oc) * MICRO;
        let new = ti.eff_want();
        if let Some(r) = ti.remaining.as_mut() {
            *r = (*r * new).div_ceil(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn res(cpus: i64, mem: i64) -> Res {
        let mut r = Res::ZERO;
        r.0[CPUS] = cpus;
        r.0[MEM] = mem;
        r
    }

    #[test]
    fn estimator_counts_regular_slack_with_the_executor_and_the_margin() {
        // Executor overhead on: a regular task requesting 8 cpus / 8192
        // MiB that uses 2 cpus / 2048 MiB has containers using 2.1 cpus
        // and 2080 MiB: (8 - 2.1) x 0.9 = 5.31 cpus, (8192 - 2080) x 0.9
        // = 5500.8 MiB. A revocable task on the agent does not count.
        let mut spec = IsolationSpec::default();
        spec.jobs.insert(
            (0, 0),
            JobUsage {
                phases: vec![UsagePhase {
                    after_us: 0,
                    cpus: Some(2000),
                    mem: Some(2_048_000),
                }],
                ..JobUsage::default()
            },
        );
        let mut iso = Isolation::new(&spec, 1);
        iso.job_submitted(0, 0);
        iso.job_submitted(1, 0);
        let cap = res(16_000, 32_768_000);
        iso.task_started(0, 0, 0, &cap, 0, &res(8000, 8_192_000), None, false);
        iso.task_started(0, 1, 0, &cap, 1, &res(1000, 512_000), None, true);
        assert_eq!(iso.estimate(0, 100_000), (5310, 5_500_800));
        // Revocable containers get 10 shares per cpu: (1 + 0.1) x 10 = 11.
        assert_eq!(iso.tasks[&1].shares, 11);
        assert_eq!(iso.tasks[&0].shares, 8294);
        // Within the machine (2.1 + 0.9 cpus wanted of 16): no kill.
        assert!(iso.qos_kills().is_empty());
    }

    #[test]
    fn qos_kills_the_newest_revocable_tasks_until_the_agent_fits() {
        // No executor overhead; a 4-cpu machine; a regular task using 3
        // cpus (the model: 0.75 of its 4-cpu request) and three revocable
        // ones using 0.75 x 1 each: 3 + 2.25 = 5.25 > 4. The newest
        // (task 3: 4.5 left), then task 2 (3.75 <= 4) go.
        let spec = IsolationSpec {
            executor_overhead: false,
            usage_cpus: 0.75,
            usage_mem: 0.0,
            ..IsolationSpec::default()
        };
        let mut iso = Isolation::new(&spec, 1);
        iso.job_submitted(0, 0);
        let cap = res(4000, 8_192_000);
        iso.task_started(0, 0, 0, &cap, 0, &res(4000, 0), None, false);
        for t in 1..=3 {
            iso.task_started(t, t, 0, &cap, 0, &res(1000, 0), None, true);
        }
        assert_eq!(iso.qos_kills(), vec![3, 2]);
        assert_eq!(iso.stats.revocable_kills, 2);
    }

    #[test]
    fn water_fill_everyone_fits() {
        // 1 + 2 = 3 <= 4: each gets what it wants.
        assert_eq!(
            water_fill(4000, &[1000, 2000], &[1024, 1024]),
            vec![1000, 2000]
        );
    }

    #[test]
    fn water_fill_equal_weights_split_evenly() {
        // Two want 4 cpus each on 4: equal shares, 2 each.
        assert_eq!(
            water_fill(4000, &[4000, 4000], &[2048, 2048]),
            vec![2000, 2000]
        );
    }

    #[test]
    fn water_fill_splits_by_weight() {
        // Weights 1024 and 3072 (1 and 3 cpus requested), both want 4 of
        // 4: 4 x 1/4 = 1 and 4 x 3/4 = 3.
        assert_eq!(
            water_fill(4000, &[4000, 4000], &[1024, 3072]),
            vec![1000, 3000]
        );
    }

    #[test]
    fn water_fill_gives_small_demands_in_full() {
        // Capacity 6, weights equal: fair share 2 each; the first wants
        // only 1 and gets it; the other two split the 5 left: 2.5 each.
        assert_eq!(
            water_fill(6000, &[1000, 4000, 4000], &[1024, 1024, 1024]),
            vec![1000, 2500, 2500]
        );
        // Weighted: capacity 10, weights 1:1:2, demands 2, 9, 9. Shares
        // of 10 are 2.5, 2.5, 5: the first (2 <= 2.5) is satisfied; 8 left
        // split 1:2 -> 2.666 (rounded down) and 5.333.
        assert_eq!(
            water_fill(10_000, &[2000, 9000, 9000], &[1, 1, 2]),
            vec![2000, 2666, 5333]
        );
    }

    #[test]
    fn water_fill_never_exceeds_capacity_or_demand() {
        let demands = [300, 7000, 50, 2500, 2500, 9999];
        let weights = [2, 1024, 10, 3072, 1024, 512];
        let g = water_fill(5000, &demands, &weights);
        assert!(g.iter().sum::<i64>() <= 5000);
        for (x, d) in g.iter().zip(demands) {
            assert!(*x <= d && *x >= 0);
        }
        // Weights sum to 5644. Demand 2500 at weight 3072 is below its
        // share 5000 x 3072 / 5644 = 2721: met in full. The 2500 left go
        // to weights 2, 1024, 10, 1024, 512 (sum 2572) at a level of
        // 2500 / 2572 = 0.97 per unit of weight, below every other
        // demand per weight (the smallest is 2500 / 1024 = 2.44), so
        // each gets floor(2500 x w / 2572): 1, 995, 9, 995, 497. A small
        // demand is not protected by a small weight (300 at weight 2
        // gets 1).
        assert_eq!(g, vec![1, 995, 9, 2500, 995, 497]);
    }
}
