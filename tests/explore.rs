//! `mesosim explore`: random fault schedules against the invariants, and
//! proof that it catches a planted bug and shrinks the schedule.

mod common;

use std::process::Command;

fn explore(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(common::bin())
        .arg("explore")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scenario(name: &str) -> String {
    common::scenario_path(name).display().to_string()
}

#[test]
fn a_thousand_schedules_on_the_example_find_no_violation() {
    let sc = scenario("explore.toml");
    let (code, out, err) = explore(&[&sc, "--schedules", "1000", "--seed", "0"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("explore: 1000 schedules"), "{out}");
    assert!(out.ends_with("seed 0: no violation\n"), "{out}");
}

#[test]
fn the_faults_example_survives_random_schedules_too() {
    let sc = scenario("faults.toml");
    let (code, out, err) = explore(&[
        &sc,
        "--schedules",
        "200",
        "--seed",
        "5",
        "--max-faults",
        "6",
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn oversubscription_and_isolation_survive_random_schedules() {
    // Revocable tasks, QoS kills and accounting under crashes, partitions
    // and failovers: the deep checks cover the revocable books too.
    for sc in ["oversubscription.toml", "isolation.toml"] {
        let sc = scenario(sc);
        let (code, out, err) = explore(&[&sc, "--schedules", "150", "--seed", "9"]);
        assert_eq!(code, 0, "{out}{err}");
    }
}

#[test]
fn a_planted_bug_is_caught_shrunk_and_replayable() {
    // The planted bug: an agent re-registering after a master failover
    // does not charge its running tasks to their frameworks. Any schedule
    // with a failover while tasks run trips the books check; shrinking
    // keeps that one fault.
    let sc = scenario("explore.toml");
    let (code, out, _) = explore(&[
        &sc,
        "--schedules",
        "50",
        "--inject-bug",
        "forget-charge-on-reregister",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("violates an invariant"), "{out}");
    assert!(out.contains(" to 1):\n"), "shrunk to one fault: {out}");
    assert!(out.contains("fail-master"), "{out}");
    // The printed command replays it.
    let line = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("replay: mesosim explore "))
        .expect("a replay line");
    let args: Vec<&str> = line.split_whitespace().collect();
    let (code, out2, err2) = explore(&args);
    assert_eq!(code, 1, "{out2}{err2}");
    assert!(err2.contains("violation: invariant violated"), "{err2}");
    // Without the bug the same schedule holds.
    let clean: Vec<&str> = args
        .iter()
        .copied()
        .take_while(|a| *a != "--inject-bug")
        .collect();
    let (code, out3, _) = explore(&clean);
    assert_eq!(code, 0, "{out3}");
    assert!(out3.ends_with("no violation\n"), "{out3}");
}

#[test]
fn offers_surviving_a_failover_are_caught() {
    // The holder framework keeps its offers outstanding; a new leader that
    // kept them would hold offers on agents not yet back in its books.
    let sc = scenario("explore.toml");
    let (code, out, _) = explore(&[
        &sc,
        "--schedules",
        "50",
        "--inject-bug",
        "keep-offers-across-failover",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("is live but the agent or framework left the allocator"),
        "{out}"
    );
}

#[test]
fn bad_input_exits_2() {
    let (code, _, err) = explore(&["/nonexistent.toml"]);
    assert_eq!(code, 2, "{err}");
    let sc = scenario("explore.toml");
    let (code, _, err) = explore(&[&sc, "--inject-bug", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown bug \"nope\""), "{err}");
    let (code, _, err) = explore(&[&sc, "--max-faults", "0"]);
    assert_eq!(code, 2);
    assert!(err.contains("--max-faults must be at least 1"), "{err}");
}
