//! The command line as users and CI pipelines drive it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{bin, root};

fn mesosim(args: &[&str], cwd: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mesosim runs")
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("output dir")
        .map(|e| {
            let e = e.expect("entry");
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_scenario_is_byte_identical_when_run_twice() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut scenarios: Vec<_> = std::fs::read_dir(root().join("workloads/scenarios"))
        .expect("scenarios")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    scenarios.sort();
    assert!(scenarios.len() >= 5, "examples: {scenarios:?}");
    for sc in &scenarios {
        let name = sc.file_stem().unwrap().to_string_lossy().into_owned();
        let mut outs = Vec::new();
        for k in 0..2 {
            let out = tmp.path().join(format!("{name}-{k}"));
            let o = mesosim(
                &[
                    "run",
                    sc.to_str().unwrap(),
                    "--out",
                    out.to_str().unwrap(),
                    "-q",
                ],
                tmp.path(),
            );
            assert!(
                o.status.success(),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            outs.push(files(&out));
        }
        let names: Vec<&str> = outs[0].iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "offers.csv",
                "shares.csv",
                "summary.json",
                "tasks.csv",
                "utilization.csv"
            ]
        );
        assert!(outs[0] == outs[1], "{name}: two runs differ");
    }
}

#[test]
fn bare_run_uses_the_bundled_default_and_writes_runs_default() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = mesosim(&[], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("runs/default"), "{stdout}");
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("runs/default/summary.json")).expect("summary"),
    )
    .expect("json");
    assert_eq!(summary["scenario"], "default");
    assert_eq!(summary["policy"], "drf");
    assert_eq!(summary["mode"], "offers");
    // The default scenario's jobs: 64 + 48 + 24 + 40 + 40 + 8 + 20 + 10
    // tasks, all of which finish (the run ends when all work is done).
    assert_eq!(summary["tasks"]["finished"], 254);
}

#[test]
fn a_different_seed_changes_the_shuffled_offers() {
    // The default scenario uses agent_order = "shuffle": the agents' visit
    // order, and so who is offered what, comes from the seed.
    let tmp = tempfile::tempdir().expect("tempdir");
    for seed in ["1", "2"] {
        let out = tmp.path().join(format!("s{seed}"));
        let o = mesosim(
            &["run", "--seed", seed, "--out", out.to_str().unwrap(), "-q"],
            tmp.path(),
        );
        assert!(o.status.success());
    }
    let a = std::fs::read(tmp.path().join("s1/offers.csv")).unwrap();
    let b = std::fs::read(tmp.path().join("s2/offers.csv")).unwrap();
    assert_ne!(a, b);
}

#[test]
fn flags_override_the_scenario() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    let o = mesosim(
        &[
            "run",
            "--policy",
            "random",
            "--mode",
            "tasks",
            "--seed",
            "9",
            "--out",
            out.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["policy"], "random");
    assert_eq!(summary["mode"], "tasks");
    assert_eq!(summary["seed"], 9);
    // Tasks mode makes no offers: the header only.
    assert_eq!(
        std::fs::read_to_string(out.join("offers.csv")).unwrap(),
        "time_us,offer_id,framework,role,agent,cpus,mem,disk,gpus,outcome,tasks_launched\n"
    );
}

/// Writes `text` as a scenario, runs it, expects exit 2, an error naming
/// the file and `line`, and no output directory.
fn expect_bad(text: &str, line: usize, needle: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let sc = tmp.path().join("bad.toml");
    std::fs::write(&sc, text).unwrap();
    let out = tmp.path().join("out");
    let o = mesosim(
        &["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()],
        tmp.path(),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains(&format!("bad.toml:{line}:")), "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(!out.exists(), "no output for a bad scenario");
}

const AGENT: &str = "[[agents]]\nname = \"m\"\nresources = { cpus = 1, mem = 1024 }\n";

#[test]
fn invalid_scenarios_exit_2_with_file_line_and_key() {
    expect_bad(
        &format!("{AGENT}colour = \"red\"\n"),
        4,
        "unknown key `colour`",
    );
    expect_bad(
        "[[agents]]\nname = \"m\"\nresources = { cpus = -2, mem = 1024 }\n",
        3,
        "must not be negative",
    );
    expect_bad(
        &format!("[allocator]\npolicy = \"fairest\"\n{AGENT}"),
        2,
        "unknown policy",
    );
    expect_bad(
        &format!("[allocator]\ninterval = \"5 parsecs\"\n{AGENT}"),
        2,
        "interval",
    );
    expect_bad(
        &format!("{AGENT}[[frameworks]]\nname = \"f\"\n[[frameworks.jobs]]\ntasks = 1\nresources = {{ cpus = 1 }}\nduration = \"10\"\n"),
        9,
        "duration",
    );
    // Quota on a nested role: Mesos supports quota on top-level roles only.
    expect_bad(
        &format!("[[roles]]\nname = \"eng/ml\"\nguarantee = {{ cpus = 1 }}\n{AGENT}"),
        3,
        "top-level",
    );
}

#[test]
fn unknown_policy_flag_exits_2() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let o = mesosim(&["run", "--policy", "nope", "-q"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown policy `nope`"));
    assert!(!tmp.path().join("runs").exists());
}

#[test]
fn a_failed_run_leaves_the_previous_output_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("summary.json"), "old").unwrap();
    let sc = tmp.path().join("bad.toml");
    std::fs::write(&sc, "end = \"soon\"\n").unwrap();
    let o = mesosim(
        &["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(out.join("summary.json")).unwrap(),
        "old"
    );
}

#[test]
fn policies_lists_every_policy_with_a_description() {
    let o = mesosim(&["policies"], &root());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success());
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        names,
        vec![
            "drf",
            "random",
            "asset",
            "fifo",
            "priority",
            "bottleneck",
            "drfh",
            "hdrf",
            "ceei",
            "slots",
            "capacity",
            "tetris"
        ]
    );
}

#[test]
fn validate_accepts_the_examples_and_rejects_bad_files() {
    let sc = root().join("workloads/scenarios/quota.toml");
    let o = mesosim(&["validate", sc.to_str().unwrap()], &root());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let tmp = tempfile::tempdir().expect("tempdir");
    let bad = tmp.path().join("b.toml");
    std::fs::write(&bad, "seed = \"x\"\n").unwrap();
    let o = mesosim(&["validate", bad.to_str().unwrap()], &root());
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("b.toml:1:"));
}

#[test]
fn bench_json_is_one_object_on_one_line() {
    // DESIGN.md: a command with --json prints exactly one JSON object on
    // one line of stdout. Tiny sizes: this checks the contract, not speed.
    for (args, keys) in [
        (
            vec![
                "bench",
                "engine",
                "--pending",
                "100",
                "--events",
                "1000",
                "--json",
            ],
            vec!["events", "wall_s", "events_per_s", "peak_rss_mib"],
        ),
        (
            vec![
                "bench",
                "allocator",
                "--agents",
                "20",
                "--frameworks",
                "3",
                "--json",
            ],
            vec![
                "rounds",
                "round_ms",
                "mean_round_ms",
                "max_round_ms",
                "agents",
                "frameworks",
            ],
        ),
        (
            vec!["bench", "cell", "--scale", "0.0002", "--json"],
            vec!["wall_s", "peak_rss_mib", "events", "tasks", "events_per_s"],
        ),
    ] {
        let o = mesosim(&args, &root());
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8(o.stdout).expect("utf-8");
        assert_eq!(out.lines().count(), 1, "{args:?}: {out}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        for k in keys {
            assert!(v.get(k).is_some(), "{args:?}: no {k} in {out}");
        }
    }
    // 20 agents x 3 frameworks: Mesos's DeclineOffers runs 2F = 6 rounds.
    let o = mesosim(
        &[
            "bench",
            "allocator",
            "--agents",
            "20",
            "--frameworks",
            "3",
            "--json",
        ],
        &root(),
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["rounds"], 6);
}
