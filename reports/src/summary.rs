//! `summary.json`: the run's figures.
//!
//! Keys come in the contract's order (structs serialise in field order);
//! per-name maps are `BTreeMap`s, so the bytes are the same on every run.

use std::collections::BTreeMap;

use serde::Serialize;
use sim::record::{RunRecord, TaskState};

use crate::metrics::{self, Latency};

/// mesosim's version, written into every summary.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize)]
struct Summary<'a> {
    scenario: &'a str,
    seed: u64,
    policy: &'a str,
    mode: &'a str,
    mesosim_version: &'a str,
    end_us: u64,
    events: u64,
    tasks: BTreeMap<&'static str, u64>,
    frameworks: BTreeMap<&'a str, FrameworkSummary>,
    fairness: Fairness,
    utilization: BTreeMap<&'a str, f64>,
    /// Mean used fraction per resource: null unless isolator accounting
    /// measures usage.
    utilization_used: BTreeMap<&'a str, Option<f64>>,
    /// Isolator accounting's counts; absent when it is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    isolation: Option<IsolationSummary>,
    latency: Latency,
    /// Tasks evicted by preemption (only when some were).
    #[serde(skip_serializing_if = "is_zero")]
    preemptions: u64,
    /// Fault and recovery counts (scenarios with faults only).
    #[serde(skip_serializing_if = "Option::is_none")]
    faults: Option<Faults>,
    /// Master failovers (scenarios that can fail the master only).
    #[serde(skip_serializing_if = "Option::is_none")]
    failover: Option<Failover>,
    /// `[workload]` trace runs only: format, path, lines read, skipped
    /// lines by reason, dropped rows by reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace: Option<&'a serde_json::Value>,
    /// `[whatif]` / `--whatif`: the effective transforms; absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    whatif: Option<&'a serde_json::Value>,
    /// `[workload] synthetic`: the model, scale and what was generated;
    /// absent for other runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    synthetic: Option<&'a serde_json::Value>,
}

/// What summary.json carries beside the run's own figures: facts about
/// how the workload was built, known to the caller, not to the engine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extra {
    /// The `trace` object (see docs/traces.md).
    pub trace: Option<serde_json::Value>,
    /// The `whatif` object (see docs/scenario.md).
    pub whatif: Option<serde_json::Value>,
    /// The `synthetic` object (see docs/synthetic.md).
    pub synthetic: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Faults {
    agent_crashes: u64,
    agent_restarts: u64,
    partitions: u64,
    heals: u64,
    agents_unreachable: u64,
    agents_reregistered: u64,
    agents_pruned: u64,
    agents_drained: u64,
    master_failures: u64,
    frameworks_removed: u64,
    offers_rescinded: u64,
}

/// Durations (`_us`) count from the failure of the leader.
#[derive(Serialize)]
struct Failover {
    count: u64,
    /// The longest election.
    election_us: Option<u64>,
    /// The longest time until 80% / all expected agents re-registered
    /// (null if some failover never got there).
    agents_80_us: Option<u64>,
    agents_100_us: Option<u64>,
    frameworks_resubscribed_us: Option<u64>,
    tasks_lost: u64,
    offers_rescinded: u64,
    failovers: Vec<FailoverEntry>,
}

#[derive(Serialize)]
struct FailoverEntry {
    failed_at_us: u64,
    election_us: Option<u64>,
    expected_agents: u32,
    reregistered_agents: u32,
    agents_80_us: Option<u64>,
    agents_100_us: Option<u64>,
    expected_frameworks: u32,
    frameworks_resubscribed_us: Option<u64>,
    tasks_lost: u64,
    offers_rescinded: u64,
    allocator_paused: bool,
    allocator_resumed_us: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn failover_section(r: &RunRecord) -> Option<Failover> {
    if !r.master_faults && r.failovers.is_empty() {
        return None;
    }
    let entries: Vec<FailoverEntry> = r
        .failovers
        .iter()
        .map(|f| {
            let since = |t: Option<u64>| t.map(|t| t - f.failed_us);
            FailoverEntry {
                failed_at_us: f.failed_us,
                election_us: since(f.elected_us),
                expected_agents: f.expected_agents,
                reregistered_agents: f.reregistered_agents,
                agents_80_us: since(f.agents_80_us),
                agents_100_us: since(f.agents_100_us),
                expected_frameworks: f.expected_frameworks,
                frameworks_resubscribed_us: since(f.frameworks_resubscribed_us),
                tasks_lost: f.tasks_lost,
                offers_rescinded: f.offers_rescinded,
                allocator_paused: f.allocator_paused,
                allocator_resumed_us: since(f.allocator_resumed_us),
            }
        })
        .collect();
    // The worst over failovers; null as soon as one never got there.
    let worst = |get: &dyn Fn(&FailoverEntry) -> Option<u64>| -> Option<u64> {
        if entries.is_empty() {
            return None;
        }
        entries
            .iter()
            .map(get)
            .collect::<Option<Vec<u64>>>()?
            .into_iter()
            .max()
    };
    Some(Failover {
        count: entries.len() as u64,
        election_us: worst(&|e| e.election_us),
        agents_80_us: worst(&|e| e.agents_80_us),
        agents_100_us: worst(&|e| e.agents_100_us),
        frameworks_resubscribed_us: worst(&|e| e.frameworks_resubscribed_us),
        tasks_lost: entries.iter().map(|e| e.tasks_lost).sum(),
        offers_rescinded: entries.iter().map(|e| e.offers_rescinded).sum(),
        failovers: entries,
    })
}

/// summary.json's `isolation` (docs/isolation.md).
#[derive(Serialize)]
struct IsolationSummary {
    oom_kills: u64,
    revocable_kills: u64,
    throttled_task_us: u64,
    slowed_task_us: u64,
    /// With `[oversubscription]` only: offers that carried revocable
    /// resources, tasks launched on them.
    #[serde(skip_serializing_if = "Option::is_none")]
    revocable_offered: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revocable_tasks: Option<u64>,
}

#[derive(Serialize)]
struct FrameworkSummary {
    tasks_finished: u64,
    peak_running_tasks: u64,
    mean_dominant_share: f64,
    final_dominant_share: f64,
    mean_jct_us: Option<f64>,
    mean_wait_us: Option<f64>,
    backlogged_us: u64,
    sharing_incentive_violation_us: u64,
}

#[derive(Serialize)]
struct Fairness {
    jain_dominant_share: f64,
    jain_final_dominant_share: f64,
    jain_backlogged: Option<f64>,
    max_min_ratio: Option<f64>,
    envy_pairs: u64,
    sharing_incentive_violations: u64,
    pareto_slack_us: u64,
}

/// Jain's index `(sum x)^2 / (n * sum x^2)`; 1.0 when every x is zero or
/// there are none (DESIGN.md). Sums run in the given order.
pub fn jain(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let sum: f64 = xs.iter().sum();
    let sum_sq: f64 = xs.iter().map(|x| x * x).sum();
    if xs.is_empty() || sum_sq == 0.0 {
        1.0
    } else {
        sum * sum / (n * sum_sq)
    }
}

/// The summary as one line of JSON.
pub fn to_json(r: &RunRecord) -> String {
    to_json_with(r, &metrics::compute(r))
}

/// The summary of `r` with metrics already computed.
pub fn to_json_with(r: &RunRecord, m: &metrics::Metrics) -> String {
    to_json_extra(r, m, &Extra::default())
}

/// The summary with the caller's extra keys (`trace`, `whatif`) at the end.
pub fn to_json_extra(r: &RunRecord, m: &metrics::Metrics, extra: &Extra) -> String {
    let mut tasks: BTreeMap<&'static str, u64> =
        TaskState::ALL.iter().map(|s| (s.name(), 0u64)).collect();
    for t in &r.tasks {
        *tasks.get_mut(t.state.name()).expect("every state listed") += 1;
    }
    let frameworks = r
        .frameworks
        .iter()
        .zip(r.framework_stats.iter())
        .enumerate()
        .map(|(i, (f, s))| {
            (
                f.name.as_str(),
                FrameworkSummary {
                    tasks_finished: s.tasks_finished,
                    peak_running_tasks: s.peak_running_tasks,
                    mean_dominant_share: s.mean_dominant_share,
                    final_dominant_share: s.final_dominant_share,
                    mean_jct_us: s.mean_jct_us,
                    mean_wait_us: s.mean_wait_us,
                    backlogged_us: m.backlogged_us[i],
                    sharing_incentive_violation_us: m.si_violation_us[i],
                },
            )
        })
        .collect();
    let means: Vec<f64> = r
        .framework_stats
        .iter()
        .map(|s| s.mean_dominant_share)
        .collect();
    let utilization = r
        .resource_names
        .names()
        .iter()
        .zip(r.mean_utilization.iter())
        .map(|(n, v)| (n.as_str(), *v))
        .collect();
    let s = Summary {
        scenario: &r.scenario,
        seed: r.seed,
        policy: &r.policy,
        mode: &r.mode,
        mesosim_version: VERSION,
        end_us: r.end_us,
        events: r.events,
        tasks,
        frameworks,
        fairness: Fairness {
            jain_dominant_share: jain(&means),
            jain_final_dominant_share: m.jain_final_dominant_share,
            jain_backlogged: m.jain_backlogged,
            max_min_ratio: m.max_min_ratio,
            envy_pairs: m.envy_pairs,
            sharing_incentive_violations: m.sharing_incentive_violations,
            pareto_slack_us: m.pareto_slack_us,
        },
        utilization,
        utilization_used: r
            .resource_names
            .names()
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), r.mean_used.as_ref().map(|m| m[i])))
            .collect(),
        isolation: r.isolation.map(|s| IsolationSummary {
            oom_kills: s.oom_kills,
            revocable_kills: s.revocable_kills,
            throttled_task_us: s.throttled_task_us,
            slowed_task_us: s.slowed_task_us,
            revocable_offered: s.oversubscription.then_some(s.revocable_offered),
            revocable_tasks: s.oversubscription.then_some(s.revocable_tasks),
        }),
        latency: m.latency.clone(),
        preemptions: r.preemptions,
        faults: r.faults.as_ref().map(|c| Faults {
            agent_crashes: c.agent_crashes,
            agent_restarts: c.agent_restarts,
            partitions: c.partitions,
            heals: c.heals,
            agents_unreachable: c.agents_unreachable,
            agents_reregistered: c.agents_reregistered,
            agents_pruned: c.agents_pruned,
            agents_drained: c.agents_drained,
            master_failures: c.master_failures,
            frameworks_removed: c.frameworks_removed,
            offers_rescinded: c.offers_rescinded,
        }),
        failover: failover_section(r),
        trace: extra.trace.as_ref(),
        whatif: extra.whatif.as_ref(),
        synthetic: extra.synthetic.as_ref(),
    };
    serde_json::to_string_pretty(&s).expect("summary serialises")
}

#[cfg(test)]
mod tests {
    use super::jain;

    #[test]
    fn jain_index_examples() {
        // Equal shares: (3a)^2 / (3 * 3a^2) = 1.
        assert_eq!(jain(&[0.2, 0.2, 0.2]), 1.0);
        // One of two has everything: 1^2 / (2 * 1) = 0.5.
        assert_eq!(jain(&[1.0, 0.0]), 0.5);
        // All zero: defined as 1.0 (DESIGN.md).
        assert_eq!(jain(&[0.0, 0.0]), 1.0);
        // policies-and-metrics.md §5: J in [1/n, 1]; one of four users
        // holding everything is the lower bound 1/4: 1^2 / (4 * 1) = 0.25.
        assert_eq!(jain(&[1.0, 0.0, 0.0, 0.0]), 0.25);
    }
}
