//! The simulation driver: pops events in (time, kind, sequence) order,
//! feeds them to the cluster, runs the allocation pass of each virtual
//! time, schedules what the cluster asks for, and records the run.
//!
//! At one virtual time things happen in DESIGN.md's order: tasks end,
//! agents join, frameworks register, jobs are submitted, scripted events
//! happen (each kind in file order), then one coalesced allocation pass
//! (every agent on a batch tick), then frameworks answer its offers.

use crate::cluster::{Cluster, Effect, FwIdx, TaskId, Timer};
use crate::queue::EventQueue;
use crate::record::{
    FrameworkInfo, FrameworkStats, JobInfo, RunRecord, ShareRow, TaskState, UtilRow,
};
use crate::resources::{dominant_share, to_mesos_f64, Res, MAX_RES};
use crate::sorter::Policy;
use crate::spec::{Micros, Mode, Spec};

/// Event kinds; the discriminant is the within-time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    TaskEnd = 0,
    AgentJoin = 1,
    FrameworkRegister = 2,
    JobSubmit = 3,
    Scripted = 4,
    OfferTimeout = 5,
    /// Master, agent and scheduler timers (faults and failover).
    Timer = 6,
}

/// A queued event (closed set).
#[derive(Clone, Copy, Debug)]
enum Ev {
    TaskEnd(TaskId),
    /// Isolator accounting: an agent's timer (agent, version).
    AgentTimer(u32, u64),
    AgentJoin(usize),
    FrameworkRegister(FwIdx),
    JobSubmit {
        framework: FwIdx,
        job: usize,
    },
    Scripted(usize),
    OfferTimeout(u64),
    Timer(Timer),
}

/// Knobs of a run that are not part of the scenario.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunOptions {
    /// Check the cluster's books after every virtual time (always on in
    /// debug builds).
    pub check_invariants: bool,
    /// Also recompute every book from scratch after every virtual time
    /// (`mesosim explore`; O(agents + tasks) each).
    pub deep_checks: bool,
    /// Plant a bug (tests of the explorer only).
    pub inject_bug: Option<crate::cluster::InjectedBug>,
    /// A run without `end` that is still going at this virtual time
    /// stops with an error (the explorer's guard against work that never
    /// finishes).
    pub give_up_after_us: Option<Micros>,
}

/// A run that stopped because the books did not balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvariantError {
    pub time_us: Micros,
    pub message: String,
}

impl std::fmt::Display for InvariantError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invariant violated at {} us: {}",
            self.time_us, self.message
        )
    }
}

impl std::error::Error for InvariantError {}

/// Time-weighted bookkeeping of one framework's dominant share.
#[derive(Clone, Copy, Default)]
struct ShareTrack {
    share: f64,
    since_us: Micros,
    integral: f64,
    last_row: Option<(Res, u64)>,
    /// With `[reports] sample`: the row of the last change in the current
    /// period, written when a later period starts or the run ends.
    pending_row: Option<ShareRow>,
    peak_running: u64,
}

/// Runs a scenario to its end. `progress` is called with the virtual time
/// now and then (for a progress bar); it must not influence the run.
pub fn run(
    spec: &Spec,
    policy: Box<dyn Policy>,
    opts: RunOptions,
    progress: &mut dyn FnMut(Micros, Option<Micros>),
) -> Result<RunRecord, InvariantError> {
    let policy_name = policy.name().to_string();
    let mut cluster = Cluster::new(spec, policy);
    if let Some(bug) = opts.inject_bug {
        cluster.inject_bug(bug);
    }
    let mut queue: EventQueue<Ev> = EventQueue::with_capacity(1024);
    let check = opts.check_invariants || cfg!(debug_assertions);

    for (i, a) in spec.agents.iter().enumerate() {
        queue.push(a.at_us, Class::AgentJoin as u8, Ev::AgentJoin(i));
    }
    for (i, f) in spec.frameworks.iter().enumerate() {
        queue.push(
            f.at_us,
            Class::FrameworkRegister as u8,
            Ev::FrameworkRegister(i as FwIdx),
        );
    }
    for (i, f) in spec.frameworks.iter().enumerate() {
        for (j, job) in f.jobs.iter().enumerate() {
            queue.push(
                job.at_us,
                Class::JobSubmit as u8,
                Ev::JobSubmit {
                    framework: i as FwIdx,
                    job: j,
                },
            );
        }
    }
    for (i, e) in spec.events.iter().enumerate() {
        queue.push(e.at_us, Class::Scripted as u8, Ev::Scripted(i));
    }
    // Random faults never keep a run alive: `background` counts those
    // queued, so that "nothing queued" means nothing but them.
    let mut background: usize = 0;
    cluster.start_random_faults(&spec.agents);
    schedule_effects(&mut cluster, &mut queue, &mut background);

    let mode = spec.allocator.mode;
    let interval = spec.allocator.interval_us;
    let nres = spec.resource_names.len().min(MAX_RES);
    let nfw = spec.frameworks.len();
    let mut tracks = vec![ShareTrack::default(); nfw];
    let mut util_rows: Vec<UtilRow> = Vec::new();
    let mut share_rows: Vec<ShareRow> = Vec::new();
    let sample = spec.sample_us;
    let mut util_pending: Option<UtilRow> = None;
    let mut util_integral = vec![0.0f64; nres];
    let mut util_last = vec![0.0f64; nres];
    let mut util_since: Micros = 0;
    let mut last_util: Option<(Res, Res, Option<Res>)> = None;
    let accounting = cluster.accounting();
    let mut used_integral = vec![0.0f64; nres];
    let mut used_last = vec![0.0f64; nres];
    let mut changed: Vec<FwIdx> = Vec::new();

    let mut next_tick: Micros = interval;
    let mut now: Micros = 0;
    let mut events: u64 = 0;
    let idle_limit = cluster.max_filter_lifetime_us().saturating_add(interval);
    let mut steps: u64 = 0;

    loop {
        let qt = queue.peek_time();
        let mut t = qt.unwrap_or(Micros::MAX);
        if mode == Mode::Offers {
            t = t.min(next_tick);
        }
        if let Some(e) = cluster.next_estimate() {
            t = t.min(e);
        }
        if spec.end_us.is_none() && steps > 0 {
            // "When all work is done": nothing queued, nothing running that
            // will end; pending work that cannot start (only ticks could
            // change anything) is given one filter lifetime to find room.
            let drained = queue.len() == background && !cluster.running_finite_tasks();
            if drained
                && (cluster.pending_tasks() == 0
                    || mode == Mode::Tasks
                    || now >= cluster.last_progress_us.saturating_add(idle_limit))
            {
                break;
            }
        }
        if let Some(end) = spec.end_us {
            if t > end {
                break;
            }
        }
        if t == Micros::MAX {
            break;
        }
        if let Some(limit) = opts.give_up_after_us {
            if spec.end_us.is_none() && t > limit {
                return Err(InvariantError {
                    time_us: t,
                    message: format!(
                        "the run has not ended by {limit} us: something never finishes"
                    ),
                });
            }
        }
        now = t;
        steps += 1;
        while queue.peek_time() == Some(t) {
            let (_, ev) = queue.pop().expect("peeked");
            events += 1;
            match ev {
                Ev::TaskEnd(task) => cluster.task_ends(t, task),
                Ev::AgentTimer(a, version) => cluster.agent_timer(t, a, version),
                Ev::AgentJoin(i) => {
                    cluster.add_agent(t, &spec.agents[i]);
                }
                Ev::FrameworkRegister(f) => cluster.register_framework(t, f),
                Ev::JobSubmit { framework, job } => {
                    let j = &spec.frameworks[framework as usize].jobs[job];
                    cluster.submit_job(
                        t,
                        framework,
                        &j.name,
                        j.resources,
                        j.tasks,
                        j.duration_us,
                        j.priority,
                        j.gang,
                    );
                    cluster.accounting_job_submitted(framework, job);
                }
                Ev::Scripted(i) => cluster.apply(t, &spec.events[i].action),
                Ev::OfferTimeout(o) => cluster.offer_timeout(o),
                Ev::Timer(timer) => {
                    if timer.is_background() {
                        background -= 1;
                    }
                    cluster.fire(t, timer);
                }
            }
        }
        // Oversubscription: the agents' resource estimators report before
        // the pass (a changed estimate asks for one on that agent).
        cluster.run_estimator(t);
        match mode {
            Mode::Offers => {
                if t == next_tick {
                    cluster.request(None);
                    next_tick = next_tick.saturating_add(interval);
                }
                if cluster.allocate(t) {
                    events += 1;
                }
            }
            Mode::Tasks => {
                cluster.schedule_tasks(t);
            }
        }
        cluster.accounting_flush(t);
        schedule_effects(&mut cluster, &mut queue, &mut background);

        // Record shares and utilisation as they stand after this time.
        cluster.take_changed(&mut changed);
        let total = cluster.total();
        let all = std::mem::take(&mut cluster.totals_changed);
        let mut update = |fw: FwIdx, tracks: &mut Vec<ShareTrack>, row: bool| {
            let tr = &mut tracks[fw as usize];
            let charge = cluster.framework_charge(fw);
            let running = cluster.framework_running(fw);
            let share = dominant_share(&charge, &total) / cluster.framework_weight(fw);
            tr.integral += tr.share * (t - tr.since_us) as f64;
            tr.share = share;
            tr.since_us = t;
            tr.peak_running = tr.peak_running.max(running);
            if row && tr.last_row != Some((charge, running)) {
                tr.last_row = Some((charge, running));
                let r = ShareRow {
                    time_us: t,
                    framework: fw,
                    dominant_share: share,
                    allocation: charge,
                    running_tasks: running,
                };
                match sample {
                    None => share_rows.push(r),
                    Some(p) => {
                        if let Some(old) = tr.pending_row.take() {
                            if old.time_us / p != t / p {
                                share_rows.push(old);
                            }
                        }
                        tr.pending_row = Some(r);
                    }
                }
            }
        };
        if all {
            let mut ci = 0;
            for fw in 0..nfw as FwIdx {
                let row = ci < changed.len() && changed[ci] == fw;
                if row {
                    ci += 1;
                }
                update(fw, &mut tracks, row);
            }
        } else {
            for &fw in &changed {
                update(fw, &mut tracks, true);
            }
        }
        // utilization.csv counts regular resources (revocable ones are
        // part of the sorters' total only).
        let total = cluster.regular_total();
        let alloc = cluster.task_alloc();
        let used = cluster.accounting_used();
        if last_util != Some((total, alloc, used)) {
            last_util = Some((total, alloc, used));
            for r in 0..nres {
                util_integral[r] += util_last[r] * (t - util_since) as f64;
                util_last[r] = fraction(alloc.0[r], total.0[r]);
                if let Some(u) = used {
                    used_integral[r] += used_last[r] * (t - util_since) as f64;
                    used_last[r] = fraction(u.0[r], total.0[r]);
                }
            }
            util_since = t;
            let r = UtilRow {
                time_us: t,
                total,
                allocated: alloc,
                used,
            };
            match sample {
                None => util_rows.push(r),
                Some(p) => {
                    if let Some(old) = util_pending.take() {
                        if old.time_us / p != t / p {
                            util_rows.push(old);
                        }
                    }
                    util_pending = Some(r);
                }
            }
        }
        if check {
            if let Err(message) = cluster.check_invariants() {
                return Err(InvariantError {
                    time_us: t,
                    message,
                });
            }
        }
        if opts.deep_checks {
            if let Err(message) = cluster.check_deep() {
                return Err(InvariantError {
                    time_us: t,
                    message,
                });
            }
        }
        if steps.is_multiple_of(4096) {
            progress(t, spec.end_us);
        }
    }

    let end_us = spec.end_us.unwrap_or(now);
    progress(end_us, spec.end_us);
    // Sampled rows still pending are the last state of their period.
    if sample.is_some() {
        util_rows.extend(util_pending.take());
        for tr in tracks.iter_mut() {
            share_rows.extend(tr.pending_row.take());
        }
        share_rows.sort_by_key(|r| (r.time_us, r.framework));
    }

    // Close the time-weighted means at `end_us`.
    let mean_of = |integral: f64, last: f64, since: Micros| -> f64 {
        if end_us == 0 {
            last
        } else {
            (integral + last * (end_us - since) as f64) / end_us as f64
        }
    };
    let mean_utilization: Vec<f64> = (0..nres)
        .map(|r| mean_of(util_integral[r], util_last[r], util_since))
        .collect();

    let mean_used: Option<Vec<f64>> = accounting.then(|| {
        (0..nres)
            .map(|r| mean_of(used_integral[r], used_last[r], util_since))
            .collect()
    });
    let isolation = cluster.accounting_finish(end_us);

    let tasks = cluster.task_rows();
    let jobs: Vec<JobInfo> = cluster
        .jobs
        .iter()
        .map(|j| JobInfo {
            name: j.name.clone(),
            framework: j.framework,
            resources: j.resources,
            submit_us: j.submit_us,
            tasks: j.tasks,
        })
        .collect();
    let framework_stats = framework_stats(&cluster, &tasks, &tracks, &mean_of, nfw);

    Ok(RunRecord {
        scenario: spec.name.clone(),
        seed: spec.seed,
        policy: policy_name,
        mode: mode.name().to_string(),
        end_us,
        events,
        resource_names: spec.resource_names.clone(),
        agents: cluster.agent_names(),
        frameworks: spec
            .frameworks
            .iter()
            .map(|f| FrameworkInfo {
                name: f.name.clone(),
                role: f.role.clone(),
            })
            .collect(),
        jobs,
        tasks,
        offers: cluster.take_offer_rows(),
        shares: share_rows,
        utilization: util_rows,
        framework_stats,
        mean_utilization,
        failovers: std::mem::take(&mut cluster.failovers),
        preemptions: cluster.preemptions,
        offers_made: cluster.offer_count() as u64,
        faults: has_faults(spec).then(|| cluster.fault_counts.clone()),
        master_faults: spec.faults.master_mtbf_us.is_some()
            || spec
                .events
                .iter()
                .any(|e| matches!(e.action, crate::spec::Action::FailMaster)),
        mean_used,
        isolation,
    })
}

fn fraction(part: i64, total: i64) -> f64 {
    if total <= 0 {
        0.0
    } else {
        to_mesos_f64(part) / to_mesos_f64(total)
    }
}

fn framework_stats(
    cluster: &Cluster,
    tasks: &[crate::record::TaskRow],
    tracks: &[ShareTrack],
    mean_of: &dyn Fn(f64, f64, Micros) -> f64,
    nfw: usize,
) -> Vec<FrameworkStats> {
    let mut stats: Vec<FrameworkStats> = (0..nfw)
        .map(|f| {
            let tr = &tracks[f];
            FrameworkStats {
                peak_running_tasks: tr.peak_running,
                mean_dominant_share: mean_of(tr.integral, tr.share, tr.since_us),
                final_dominant_share: tr.share,
                ..FrameworkStats::default()
            }
        })
        .collect();
    // Sums in task-id order, so the floats are the same on every machine.
    let mut wait_sum = vec![0u128; nfw];
    let mut wait_n = vec![0u64; nfw];
    for t in tasks {
        let fw = cluster.jobs[t.job as usize].framework as usize;
        if t.state == TaskState::Finished {
            stats[fw].tasks_finished += 1;
        }
        if let Some(s) = t.start_us {
            wait_sum[fw] += (s - t.submit_us) as u128;
            wait_n[fw] += 1;
        }
    }
    let mut jct_sum = vec![0u128; nfw];
    let mut jct_n = vec![0u64; nfw];
    for j in &cluster.jobs {
        if j.tasks == 0 {
            continue;
        }
        let range = j.first_task as usize..(j.first_task + j.tasks) as usize;
        let done = tasks[range.clone()]
            .iter()
            .all(|t| t.state == TaskState::Finished);
        if done {
            let last = tasks[range]
                .iter()
                .filter_map(|t| t.end_us)
                .max()
                .unwrap_or(j.submit_us);
            jct_sum[j.framework as usize] += (last - j.submit_us) as u128;
            jct_n[j.framework as usize] += 1;
        }
    }
    for f in 0..nfw {
        if wait_n[f] > 0 {
            stats[f].mean_wait_us = Some(wait_sum[f] as f64 / wait_n[f] as f64);
        }
        if jct_n[f] > 0 {
            stats[f].mean_jct_us = Some(jct_sum[f] as f64 / jct_n[f] as f64);
        }
    }
    stats
}

/// Whether the scenario injects any fault (scripted or random).
fn has_faults(spec: &Spec) -> bool {
    use crate::spec::Action;
    spec.faults.any()
        || spec.events.iter().any(|e| {
            matches!(
                e.action,
                Action::FailAgent { .. }
                    | Action::PartitionAgent { .. }
                    | Action::DrainAgent { .. }
                    | Action::DisconnectFramework { .. }
                    | Action::FailMaster
            )
        })
}

/// Queues what the cluster asked for.
fn schedule_effects(cluster: &mut Cluster, queue: &mut EventQueue<Ev>, background: &mut usize) {
    for eff in cluster.effects.drain(..) {
        match eff {
            Effect::TaskEnds { task, at_us } => {
                queue.push(at_us, Class::TaskEnd as u8, Ev::TaskEnd(task))
            }
            Effect::OfferTimeout { offer, at_us } => {
                queue.push(at_us, Class::OfferTimeout as u8, Ev::OfferTimeout(offer))
            }
            // Accounting's task ends, OOM kills and usage phases happen
            // where task ends do: first at their time.
            Effect::AgentTimer {
                agent,
                version,
                at_us,
            } => queue.push(at_us, Class::TaskEnd as u8, Ev::AgentTimer(agent, version)),
            Effect::Timer { timer, at_us } => {
                if timer.is_background() {
                    *background += 1;
                }
                queue.push(at_us, Class::Timer as u8, Ev::Timer(timer))
            }
        }
    }
}
