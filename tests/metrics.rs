//! Metrics of docs/metrics.md on small runs whose numbers are computed by
//! hand from the run's rows (tasks, shares, utilisation), each with the
//! arithmetic that gives it.

mod common;

use reports::metrics::{self, percentile};
use reports::summary::jain;

/// One 4-cpu, 4 GiB agent; f1 wants 6 tasks of <1 cpu, 1 GiB> for 10 s,
/// f2 wants 2 tasks of <2 cpus, 1 GiB> for 5 s; both submit at 0.
///
/// What the run does (tasks.csv, shares.csv): at 0 the whole agent is
/// offered to f1, which launches 4 tasks (share 1.0); f1 and f2 both wait
/// for more. At 10 s f1's tasks end and f2 gets the agent: 2 tasks
/// (4 cpus, 2 GiB: share 1.0) until 15 s. f2 declines the agent at 15 s
/// (nothing left to run), f1 gets it at the next pass, 16 s, and runs its
/// last 2 tasks until 26 s.
const TWO: &str = r#"
name = "two"
[allocator]
agent_order = "joined"
[[agents]]
name = "a"
resources = { cpus = 4, mem = 4096 }
[[frameworks]]
name = "f1"
[[frameworks.jobs]]
name = "j1"
tasks = 6
resources = { cpus = 1, mem = 1024 }
duration = "10s"
[[frameworks]]
name = "f2"
[[frameworks.jobs]]
name = "j2"
tasks = 2
resources = { cpus = 2, mem = 1024 }
duration = "5s"
"#;

const S: u64 = 1_000_000;

#[test]
fn jain_index_reference_examples() {
    // policies-and-metrics.md §5: J = (sum x)^2 / (n sum x^2), in [1/n, 1].
    // One user of four holds everything: 1 / (4 * 1) = 0.25, the lower bound.
    assert_eq!(jain(&[1.0, 0.0, 0.0, 0.0]), 0.25);
    // All equal: the upper bound 1.
    assert_eq!(jain(&[0.3, 0.3, 0.3, 0.3]), 1.0);
    // (1 + 0.5)^2 / (2 * (1 + 0.25)) = 2.25 / 2.5 = 0.9.
    assert_eq!(jain(&[1.0, 0.5]), 0.9);
    // The DRF paper's example (§2.3 of the reference): both users end with
    // a dominant share of 2/3, so J = 1.
    assert_eq!(jain(&[2.0 / 3.0, 2.0 / 3.0]), 1.0);
}

#[test]
fn nearest_rank_percentiles() {
    // Rank ceil(p * n / 100): of 20 values, p50 is the 10th, p95 the
    // 19th, p99 the 20th.
    let xs: Vec<u64> = (1..=20).map(|x| x * 10).collect();
    assert_eq!(percentile(&xs, 50), Some(100));
    assert_eq!(percentile(&xs, 95), Some(190));
    assert_eq!(percentile(&xs, 99), Some(200));
}

#[test]
fn two_frameworks_one_agent_by_hand() {
    let rec = common::run(&common::spec(TWO));
    // The timeline the comments below rely on.
    let starts: Vec<Option<u64>> = rec.tasks.iter().map(|t| t.start_us).collect();
    let s = |x: u64| Some(x * S);
    assert_eq!(starts, [s(0), s(0), s(0), s(0), s(16), s(16), s(10), s(10)]);
    assert_eq!(rec.end_us, 26 * S);

    let m = metrics::compute(&rec);
    // Backlogged (a task submitted and not yet started): f1 over [0, 16 s),
    // f2 over [0, 10 s).
    assert_eq!(m.backlogged_us, [16 * S, 10 * S]);
    // Jain over the backlogged: [0, 10 s) both, shares (1, 0): 0.5;
    // [10 s, 16 s) f1 alone with share 0: 1.0 (all zero).
    // (0.5 * 10 + 1.0 * 6) / 16 = 0.6875, exact in binary.
    assert_eq!(m.jain_backlogged, Some(0.6875));
    // Final shares (0, 0): all zero, 1.0.
    assert_eq!(m.jain_final_dominant_share, 1.0);
    // Mean shares: f1 (1 * 10 + 0.5 * 10) / 26 = 15/26, f2 (1 * 5) / 26
    // = 5/26; the ratio is 3 up to rounding.
    let r = m.max_min_ratio.expect("finite");
    assert!((r - 3.0).abs() < 1e-12, "{r}");
    // Sharing incentive: a 1/2 partition is <2 cpus, 2 GiB>: 2 of f1's
    // tasks, 1 of f2's. f1 over [10 s, 16 s) runs 0 with 2 pending:
    // 0 + 1 < min(2, 2), a violation of 6 s. f2 over [0, 10 s) runs 0:
    // 0 + 1 < min(2, 1) is false (the one-task slack).
    assert_eq!(m.si_violation_us, [6 * S, 0]);
    assert_eq!(m.sharing_incentive_violations, 1);
    // Pareto slack: only over [15 s, 16 s) is the agent free (4 cpus) while
    // f1 has pending tasks of 1 cpu; before, cpus are all allocated.
    assert_eq!(m.pareto_slack_us, S);
    // Nobody is backlogged at the end: no envy.
    assert_eq!(m.envy_pairs, 0);

    let l = &m.latency;
    // JCT: j1 26 s (submit 0, last end 26 s), j2 15 s.
    assert_eq!(l.jobs_completed, 2);
    assert_eq!(l.mean_jct_us, Some(20.5 * S as f64));
    assert_eq!(l.p50_jct_us, Some(15 * S)); // rank ceil(0.5 * 2) = 1
    assert_eq!(l.p95_jct_us, Some(26 * S)); // rank ceil(0.95 * 2) = 2
    assert_eq!(l.p99_jct_us, Some(26 * S));
    // Waits: 0, 0, 0, 0, 16, 16 (f1), 10, 10 (f2) s: mean 52/8 = 6.5 s;
    // sorted, rank ceil(0.5 * 8) = 4 is 0, rank 8 is 16 s.
    assert_eq!(l.tasks_started, 8);
    assert_eq!(l.mean_wait_us, Some(6.5 * S as f64));
    assert_eq!(l.p50_wait_us, Some(0));
    assert_eq!(l.p95_wait_us, Some(16 * S));
    // Slowdown over the longest task: j1 26/10 = 2.6, j2 15/5 = 3.
    assert_eq!(l.p50_slowdown, Some(2.6));
    assert_eq!(l.p99_slowdown, Some(3.0));
    assert_eq!(l.mean_slowdown, Some((2.6 + 3.0) / 2.0));
    // Makespan: first submit 0 to last end 26 s.
    assert_eq!(l.makespan_us, Some(26 * S));

    // summary.json carries them, beside the existing keys.
    let dir = tempfile::tempdir().unwrap();
    reports::write_files(&rec, dir.path()).unwrap();
    let text = std::fs::read_to_string(dir.path().join("summary.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // (20/26)^2 / (2 * ((15/26)^2 + (5/26)^2)) = 400 / 500 = 0.8.
    let j = v["fairness"]["jain_dominant_share"].as_f64().unwrap();
    assert!((j - 0.8).abs() < 1e-12);
    assert_eq!(v["fairness"]["jain_backlogged"], 0.6875);
    assert_eq!(v["fairness"]["pareto_slack_us"], 1_000_000);
    assert_eq!(v["latency"]["p95_wait_us"], 16_000_000);
    assert_eq!(
        v["frameworks"]["f1"]["sharing_incentive_violation_us"],
        6_000_000
    );
    assert!(v["utilization_used"]["cpus"].is_null());
    // The contract's keys come first, in their order.
    let order = [
        "\"scenario\"",
        "\"seed\"",
        "\"policy\"",
        "\"mode\"",
        "\"mesosim_version\"",
        "\"end_us\"",
        "\"events\"",
        "\"tasks\"",
        "\"frameworks\"",
        "\"fairness\"",
        "\"utilization\"",
    ];
    let pos: Vec<usize> = order.iter().map(|k| text.find(k).unwrap()).collect();
    assert!(pos.windows(2).all(|w| w[0] < w[1]), "{pos:?}");
}

#[test]
fn envy_and_unfinished_work_at_end() {
    // The same run stopped at 5 s: f1 holds the whole agent (4 tasks
    // running, 2 pending), f2 holds nothing with 2 tasks pending.
    let rec = common::run(&common::spec(&format!("end = \"5s\"\n{TWO}")));
    assert_eq!(rec.end_us, 5 * S);
    let m = metrics::compute(&rec);
    // f2's task <2 cpus, 1 GiB>: f1's allocation <4, 4096> fits
    // min(4/2, 4096/1024) = 2 of them, its own none: f2 envies f1.
    // f1 would fit 0 of its tasks in f2's empty allocation: no envy.
    assert_eq!(m.envy_pairs, 1);
    // Final shares (1, 0): 1 / 2 = 0.5; means (1, 0): max/min infinite.
    assert_eq!(m.jain_final_dominant_share, 0.5);
    assert_eq!(m.max_min_ratio, None);
    // Both backlogged all along with shares (1, 0).
    assert_eq!(m.jain_backlogged, Some(0.5));
    // No job completed, tasks still running: no JCT, no makespan.
    assert_eq!(m.latency.jobs_completed, 0);
    assert_eq!(m.latency.mean_jct_us, None);
    assert_eq!(m.latency.makespan_us, None);
    // The 4 started tasks waited 0.
    assert_eq!(m.latency.p99_wait_us, Some(0));
}
