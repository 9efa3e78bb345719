//! Fairness, efficiency and latency metrics computed from a [`RunRecord`]
//! (definitions, with their sources, in docs/metrics.md).
//!
//! Everything is derived from the same rows the output directory holds
//! (tasks, shares, utilisation), so a metric can be recomputed from the
//! CSV files. Determinism: integer sums where possible; every float sum
//! runs in one fixed order (time order, then framework index, then job or
//! task id); percentiles are nearest-rank on sorted integers.

use sim::record::{RunRecord, TaskState};
use sim::resources::{dominant_share, Res, MAX_RES};

use crate::summary::jain;

/// Relative tolerance for comparing fractional task counts (envy),
/// as policies-and-metrics.md §5 suggests.
const REL_TOL: f64 = 1e-9;

/// Everything `summary.json` gains beyond the engine's own figures.
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    /// Jain's index over the final dominant shares of all frameworks.
    pub jain_final_dominant_share: f64,
    /// Time-weighted Jain's index over the dominant shares of the
    /// frameworks backlogged at each moment; None when none ever was.
    pub jain_backlogged: Option<f64>,
    /// max / min of the mean dominant shares; None when infinite (some
    /// framework's mean share is 0 while another's is not) or no frameworks.
    pub max_min_ratio: Option<f64>,
    /// Ordered pairs (i, j) where i, backlogged at the end, prefers j's
    /// final allocation to its own.
    pub envy_pairs: u64,
    /// Frameworks that spent any time below their static 1/n share
    /// (see [`Metrics::si_violation_us`]).
    pub sharing_incentive_violations: u64,
    /// Time during which some pending task fit in the free resources.
    pub pareto_slack_us: u64,
    /// Per framework (scenario order): time backlogged.
    pub backlogged_us: Vec<u64>,
    /// Per framework: time backlogged while running more than one task
    /// fewer than `min(its demand, what a static 1/n partition fits)`.
    pub si_violation_us: Vec<u64>,
    pub latency: Latency,
}

/// Job completion time, queueing delay, slowdown, makespan.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Latency {
    /// Jobs whose tasks all finished.
    pub jobs_completed: u64,
    pub mean_jct_us: Option<f64>,
    pub p50_jct_us: Option<u64>,
    pub p95_jct_us: Option<u64>,
    pub p99_jct_us: Option<u64>,
    /// Tasks that started.
    pub tasks_started: u64,
    pub mean_wait_us: Option<f64>,
    pub p50_wait_us: Option<u64>,
    pub p95_wait_us: Option<u64>,
    pub p99_wait_us: Option<u64>,
    pub mean_slowdown: Option<f64>,
    pub p50_slowdown: Option<f64>,
    pub p95_slowdown: Option<f64>,
    pub p99_slowdown: Option<f64>,
    /// From the first job's submission to the last task's end; None while
    /// some task never ended.
    pub makespan_us: Option<u64>,
}

/// Nearest-rank percentile `p` (1..=100) of sorted values: the value of
/// rank `ceil(p * n / 100)` (1-based). None when empty.
pub fn percentile<T: Copy>(sorted: &[T], p: u64) -> Option<T> {
    let n = sorted.len() as u64;
    if n == 0 {
        return None;
    }
    let rank = (p * n).div_ceil(100).max(1);
    Some(sorted[(rank - 1) as usize])
}

/// Integer mean as f64 (sum exact in u128).
fn mean_u64(xs: &[u64]) -> Option<f64> {
    if xs.is_empty() {
        None
    } else {
        let s: u128 = xs.iter().map(|&x| x as u128).sum();
        Some(s as f64 / xs.len() as f64)
    }
}

/// max / min over `xs`: None if empty or min is 0 with max > 0 (infinite);
/// 1.0 when all are zero (as Jain's index is).
pub fn max_min_ratio(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    let max = xs.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let min = xs.iter().cloned().fold(f64::INFINITY, f64::min);
    if max == 0.0 {
        Some(1.0)
    } else if min <= 0.0 {
        None
    } else {
        Some(max / min)
    }
}

/// How many tasks of shape `demand` fit in `x`, as a fraction
/// (Leontief: `min over r with demand_r > 0 of x_r / demand_r`);
/// infinite for an all-zero demand.
pub fn tasks_in(x: &Res, demand: &Res) -> f64 {
    let mut k = f64::INFINITY;
    for r in 0..MAX_RES {
        if demand.0[r] > 0 {
            k = k.min(x.0[r] as f64 / demand.0[r] as f64);
        }
    }
    k
}

/// Whole tasks of shape `demand` that fit in `total / n` (integer
/// arithmetic: `floor(total_r / (n * demand_r))`); u64::MAX for a zero demand.
fn static_share_tasks(total: &Res, n: u64, demand: &Res) -> u64 {
    let mut k = u64::MAX;
    for r in 0..MAX_RES {
        if demand.0[r] > 0 {
            let t = total.0[r].max(0) as u128;
            let d = demand.0[r] as u128 * n as u128;
            k = k.min((t / d).min(u64::MAX as u128) as u64);
        }
    }
    k
}

/// One change of state on the timeline.
#[derive(Clone, Copy)]
enum Ev {
    Submit(u32),
    Start(u32),
    /// A started task ends.
    End(u32),
    /// A task that never started leaves the queue (killed while pending).
    Drop(u32),
    Share(usize),
    Util(usize),
}

/// Computes every metric of `r`.
pub fn compute(r: &RunRecord) -> Metrics {
    let nfw = r.frameworks.len();
    let end = r.end_us;

    // ---- the timeline: tasks, shares, utilisation, in time order ----
    let mut evs: Vec<(u64, Ev)> = Vec::with_capacity(r.tasks.len() * 3 + r.shares.len());
    for (id, t) in r.tasks.iter().enumerate() {
        let id = id as u32;
        evs.push((t.submit_us, Ev::Submit(id)));
        match (t.start_us, t.end_us) {
            (Some(s), e) => {
                evs.push((s, Ev::Start(id)));
                if let Some(e) = e {
                    evs.push((e, Ev::End(id)));
                }
            }
            (None, Some(e)) => evs.push((e, Ev::Drop(id))),
            (None, None) => {}
        }
    }
    for (i, s) in r.shares.iter().enumerate() {
        evs.push((s.time_us, Ev::Share(i)));
    }
    for (i, u) in r.utilization.iter().enumerate() {
        evs.push((u.time_us, Ev::Util(i)));
    }
    // Stable: equal times keep the order above; the state is read only
    // after every change at one time, so that order does not matter.
    evs.sort_by_key(|e| e.0);

    let fw_of = |task: u32| r.jobs[r.tasks[task as usize].job as usize].framework as usize;
    let mut pending: Vec<std::collections::BTreeSet<u32>> = vec![Default::default(); nfw];
    let mut running = vec![0u64; nfw];
    let mut share = vec![0.0f64; nfw];
    let mut job_pending = vec![0u64; r.jobs.len()];
    let mut pending_jobs: std::collections::BTreeSet<u32> = Default::default();
    let mut total = Res::ZERO;
    let mut allocated = Res::ZERO;

    let mut backlogged_us = vec![0u64; nfw];
    let mut si_violation_us = vec![0u64; nfw];
    let mut jain_integral = 0.0f64;
    let mut jain_time = 0u64;
    let mut pareto_slack_us = 0u64;
    let mut xs: Vec<f64> = Vec::with_capacity(nfw);

    let mut i = 0;
    while i < evs.len() {
        let t = evs[i].0;
        while i < evs.len() && evs[i].0 == t {
            match evs[i].1 {
                Ev::Submit(id) => {
                    pending[fw_of(id)].insert(id);
                    let j = r.tasks[id as usize].job;
                    job_pending[j as usize] += 1;
                    pending_jobs.insert(j);
                }
                Ev::Start(id) | Ev::Drop(id) => {
                    pending[fw_of(id)].remove(&id);
                    let j = r.tasks[id as usize].job;
                    job_pending[j as usize] -= 1;
                    if job_pending[j as usize] == 0 {
                        pending_jobs.remove(&j);
                    }
                    if matches!(evs[i].1, Ev::Start(_)) {
                        running[fw_of(id)] += 1;
                    }
                }
                Ev::End(id) => running[fw_of(id)] -= 1,
                Ev::Share(k) => {
                    let s = &r.shares[k];
                    share[s.framework as usize] = s.dominant_share;
                }
                Ev::Util(k) => {
                    total = r.utilization[k].total;
                    allocated = r.utilization[k].allocated;
                }
            }
            i += 1;
        }
        // The state now holds over [t, next), clipped to [0, end].
        let next = if i < evs.len() { evs[i].0 } else { end };
        let next = next.min(end);
        if next <= t {
            continue;
        }
        let d = next - t;
        xs.clear();
        for f in 0..nfw {
            if pending[f].is_empty() {
                continue;
            }
            backlogged_us[f] += d;
            xs.push(share[f]);
            // Sharing incentive: the task it waits on (its oldest pending).
            let oldest = *pending[f].iter().next().expect("non-empty");
            let demand = r.jobs[r.tasks[oldest as usize].job as usize].resources;
            let fits = static_share_tasks(&total, nfw as u64, &demand);
            let want = running[f] + pending[f].len() as u64;
            let entitled = want.min(fits);
            if running[f].saturating_add(1) < entitled {
                si_violation_us[f] += d;
            }
        }
        if !xs.is_empty() {
            jain_integral += jain(&xs) * d as f64;
            jain_time += d;
        }
        let free = total.minus(&allocated);
        if pending_jobs
            .iter()
            .any(|&j| free.contains(&r.jobs[j as usize].resources))
        {
            pareto_slack_us += d;
        }
    }

    // ---- final allocations: envy ----
    let mut final_alloc = vec![Res::ZERO; nfw];
    let mut final_share = vec![0.0f64; nfw];
    for s in &r.shares {
        final_alloc[s.framework as usize] = s.allocation;
        final_share[s.framework as usize] = s.dominant_share;
    }
    let final_total = r.utilization.last().map(|u| u.total).unwrap_or(Res::ZERO);
    // The weight the allocator applied: unweighted / weighted share of the
    // last row; 1 for a framework that holds nothing.
    let weight: Vec<f64> = (0..nfw)
        .map(|f| {
            let unweighted = dominant_share(&final_alloc[f], &final_total);
            if final_share[f] > 0.0 && unweighted > 0.0 {
                unweighted / final_share[f]
            } else {
                1.0
            }
        })
        .collect();
    let mut envy_pairs = 0u64;
    for a in 0..nfw {
        // Only a framework that still wants resources can envy.
        let Some(&oldest) = pending[a].iter().next() else {
            continue;
        };
        let demand = r.jobs[r.tasks[oldest as usize].job as usize].resources;
        let own = tasks_in(&final_alloc[a], &demand);
        for b in 0..nfw {
            if a == b {
                continue;
            }
            let other = tasks_in(&final_alloc[b], &demand) * (weight[a] / weight[b]);
            if other > own + REL_TOL * own.abs().max(1.0) {
                envy_pairs += 1;
            }
        }
    }

    let finals: Vec<f64> = r
        .framework_stats
        .iter()
        .map(|s| s.final_dominant_share)
        .collect();
    let means: Vec<f64> = r
        .framework_stats
        .iter()
        .map(|s| s.mean_dominant_share)
        .collect();

    Metrics {
        jain_final_dominant_share: jain(&finals),
        jain_backlogged: if jain_time > 0 {
            Some(jain_integral / jain_time as f64)
        } else {
            None
        },
        max_min_ratio: max_min_ratio(&means),
        envy_pairs,
        sharing_incentive_violations: si_violation_us.iter().filter(|&&v| v > 0).count() as u64,
        pareto_slack_us,
        backlogged_us,
        si_violation_us,
        latency: latency(r),
    }
}

/// JCT, queueing delay, slowdown and makespan.
pub fn latency(r: &RunRecord) -> Latency {
    // Tasks of a job are consecutive (task ids count in submission order
    // and a job's tasks are submitted together), but do not rely on it.
    let nj = r.jobs.len();
    let mut all_finished = vec![true; nj];
    let mut last_end = vec![0u64; nj];
    let mut longest = vec![0u64; nj];
    let mut has_task = vec![false; nj];
    let mut waits: Vec<u64> = Vec::new();
    let mut first_submit = u64::MAX;
    let mut last_task_end = 0u64;
    let mut every_task_ended = true;
    for t in &r.tasks {
        let j = t.job as usize;
        has_task[j] = true;
        first_submit = first_submit.min(t.submit_us);
        if t.state != TaskState::Finished {
            all_finished[j] = false;
        }
        match t.end_us {
            Some(e) => {
                last_end[j] = last_end[j].max(e);
                last_task_end = last_task_end.max(e);
                if let Some(s) = t.start_us {
                    longest[j] = longest[j].max(e - s);
                }
            }
            None => every_task_ended = false,
        }
        if let Some(s) = t.start_us {
            waits.push(s - t.submit_us);
        }
    }
    let mut jcts: Vec<u64> = Vec::new();
    let mut slowdowns: Vec<f64> = Vec::new();
    for (j, job) in r.jobs.iter().enumerate() {
        if !has_task[j] || !all_finished[j] {
            continue;
        }
        let jct = last_end[j] - job.submit_us;
        jcts.push(jct);
        if longest[j] > 0 {
            slowdowns.push(jct as f64 / longest[j] as f64);
        }
    }
    // Means in job / task order, before sorting.
    let mean_jct_us = mean_u64(&jcts);
    let mean_wait_us = mean_u64(&waits);
    let mean_slowdown = if slowdowns.is_empty() {
        None
    } else {
        Some(slowdowns.iter().sum::<f64>() / slowdowns.len() as f64)
    };
    jcts.sort_unstable();
    waits.sort_unstable();
    slowdowns.sort_by(|a, b| a.total_cmp(b));
    Latency {
        jobs_completed: jcts.len() as u64,
        mean_jct_us,
        p50_jct_us: percentile(&jcts, 50),
        p95_jct_us: percentile(&jcts, 95),
        p99_jct_us: percentile(&jcts, 99),
        tasks_started: waits.len() as u64,
        mean_wait_us,
        p50_wait_us: percentile(&waits, 50),
        p95_wait_us: percentile(&waits, 95),
        p99_wait_us: percentile(&waits, 99),
        mean_slowdown,
        p50_slowdown: percentile(&slowdowns, 50),
        p95_slowdown: percentile(&slowdowns, 95),
        p99_slowdown: percentile(&slowdowns, 99),
        makespan_us: if r.tasks.is_empty() || !every_task_ended {
            None
        } else {
            Some(last_task_end.saturating_sub(first_submit))
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        // Ranks ceil(p*n/100) of 1..=10: p50 -> 5th, p95 -> 10th, p99 -> 10th.
        let xs: Vec<u64> = (1..=10).collect();
        assert_eq!(percentile(&xs, 50), Some(5));
        assert_eq!(percentile(&xs, 95), Some(10));
        assert_eq!(percentile(&xs, 99), Some(10));
        // One value is every percentile.
        assert_eq!(percentile(&[7u64], 1), Some(7));
        assert_eq!(percentile::<u64>(&[], 50), None);
    }

    #[test]
    fn ratio_and_tasks_in() {
        assert_eq!(max_min_ratio(&[0.5, 0.25]), Some(2.0));
        assert_eq!(max_min_ratio(&[0.5, 0.0]), None);
        assert_eq!(max_min_ratio(&[0.0, 0.0]), Some(1.0));
        let mut x = Res::ZERO;
        x.0[0] = 4000;
        x.0[1] = 2000;
        let mut d = Res::ZERO;
        d.0[0] = 1000;
        d.0[1] = 1000;
        // min(4000/1000, 2000/1000) = 2.
        assert_eq!(tasks_in(&x, &d), 2.0);
        // floor(4000 / (2 * 1000)) = 2, floor(2000 / (2 * 1000)) = 1.
        assert_eq!(static_share_tasks(&x, 2, &d), 1);
    }
}
