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
}

/// summary.json's `isolation` (docs/isolation.md).
#[derive(Serialize)]
struct IsolationSummary {
    oom_kills: u64,
    revocable_kills: u64,
    throttled_task_us: u64,
    slowed_task_us: u64,
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
        }),
        latency: m.latency.clone(),
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
