//! Isolator accounting end to end (`[isolation]`, docs/isolation.md):
//! scenario files run through the `mesosim` CLI, outputs checked against
//! hand-computed values.
//!
//! Every scenario here uses `agent_order = "joined"` and one framework
//! that registers at 0: the pass at 0 offers the agent, the greedy
//! framework launches its tasks at 0 (so `start_us` is 0 throughout).

mod common;

use std::path::Path;

use common::{read, root, run_cli};

/// tasks.csv rows as (task_id, start_us, end_us, state).
fn tasks(dir: &Path) -> Vec<(String, String, String, String)> {
    read(dir, "tasks.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].into(), c[6].into(), c[7].into(), c[8].into())
        })
        .collect()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(dir, "summary.json")).expect("summary.json parses")
}

fn row(id: &str, start: &str, end: &str, state: &str) -> (String, String, String, String) {
    (id.into(), start.into(), end.into(), state.into())
}

const AGENT_4_CPUS: &str = r#"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
resources = { cpus = 4, mem = 8192 }
[[frameworks]]
name = "f"
"#;

#[test]
fn memory_above_the_hard_limit_is_oom_killed_at_that_moment() {
    // Executor overhead on (the default): each container uses 32 MiB more
    // and its hard limit is the request plus 32 MiB.
    // Task 0: request 1024 MiB, limit 1056 MiB; usage 1000 (+32 = 1032)
    // from the start, 2048 (+32 = 2080 > 1056) from 30 s: killed at
    // 0 + 30 s = 30000000 us, state failed.
    // Task 1: request 1024 but `limit = { mem = 4096 }` (hard limit 4128):
    // the same rise to 2048 stays below it; it finishes its 100 s at
    // 100000000 us (1.1 cpus wanted of 4: no contention, full speed).
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "oom",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = [{{ after = "0s", cpus = 1, mem = 1000 }}, {{ after = "30s", mem = 2048 }}]
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = [{{ after = "0s", cpus = 1, mem = 1000 }}, {{ after = "30s", mem = 2048 }}]
limit = {{ mem = 4096 }}
[isolation]
"#
        ),
    );
    assert_eq!(
        tasks(&out),
        vec![
            row("0", "0", "30000000", "failed"),
            row("1", "0", "100000000", "finished"),
        ]
    );
    let s = summary(&out);
    assert_eq!(s["tasks"]["failed"], 1);
    assert_eq!(s["isolation"]["oom_kills"], 1);
    assert_eq!(s["isolation"]["revocable_kills"], 0);
    // utilization.csv at 30 s, after the kill: task 1 alone, cpus 1 + 0.1
    // executor, mem 2048 + 32.
    let util = read(&out, "utilization.csv");
    assert!(util.contains("\n30000000,cpus,4,1,1.1\n"), "{util}");
    assert!(util.contains("\n30000000,mem,8192,1024,2080\n"), "{util}");
}

#[test]
fn cpu_contention_stretches_equal_tasks() {
    // Agent of 4 cpus; two tasks request 2 cpus each (cpu.shares 2048
    // each) but use 4 each for a 100 s duration. Demand 8 > 4: each gets
    // 4 x 2048 / 4096 = 2 cpus, rate 2/4 = 0.5, so 100 s of work takes
    // 200 s: both end at 200000000 us. Each ran slowed for 200 s:
    // slowed_task_us = 2 x 200000000.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "contention",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
tasks = 2
resources = {{ cpus = 2, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 4 }}
[isolation]
executor_overhead = false
"#
        ),
    );
    assert_eq!(
        tasks(&out),
        vec![
            row("0", "0", "200000000", "finished"),
            row("1", "0", "200000000", "finished"),
        ]
    );
    let s = summary(&out);
    assert_eq!(s["isolation"]["slowed_task_us"], 400_000_000u64);
    assert_eq!(s["isolation"]["throttled_task_us"], 0);
    // used cpus is what they get (4 of 4), not what they want (8).
    assert!(read(&out, "utilization.csv").contains("\n0,cpus,4,4,4\n"));
    assert_eq!(s["utilization_used"]["cpus"], 1.0);
}

#[test]
fn cpu_contention_splits_by_shares() {
    // Task 0 requests 1 cpu (shares 1024), task 1 requests 3 (shares
    // 3072); both use 4 cpus. They get 4 x 1024/4096 = 1 and
    // 4 x 3072/4096 = 3: rates 1/4 and 3/4.
    // Task 1 has 75 s of work: 75 / (3/4) = 100 s -> ends at 100000000.
    // Task 0 has done 100 s x 1/4 = 25 s of its 100 s; alone it gets all
    // 4 cpus it wants (rate 1): 75 s more -> ends at 175000000.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "shares",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 4 }}
[[frameworks.jobs]]
resources = {{ cpus = 3, mem = 1024 }}
duration = "75s"
usage = {{ cpus = 4 }}
[isolation]
executor_overhead = false
"#
        ),
    );
    assert_eq!(
        tasks(&out),
        vec![
            row("0", "0", "175000000", "finished"),
            row("1", "0", "100000000", "finished"),
        ]
    );
    // Both slowed until 100 s: 2 x 100000000.
    assert_eq!(summary(&out)["isolation"]["slowed_task_us"], 200_000_000u64);
}

#[test]
fn cfs_caps_a_task_at_its_limit_without_contention() {
    // cfs = true: quota = 100 ms x (limit, or the request). Both tasks
    // request 1 cpu and use 2 (demand 3 of 4 cpus after the caps: no
    // contention).
    // Task 0: no limit, capped at its request 1: rate 1/2, 100 s of work
    // ends at 200000000; throttled the whole 200 s.
    // Task 1: `limit = { cpus = 2 }`: capped at 2, gets 2, full speed:
    // ends at 100000000.
    // throttled_task_us = 200000000 (task 0 only).
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "cfs",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 2 }}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 2 }}
limit = {{ cpus = 2 }}
[isolation]
cfs = true
executor_overhead = false
"#
        ),
    );
    assert_eq!(
        tasks(&out),
        vec![
            row("0", "0", "200000000", "finished"),
            row("1", "0", "100000000", "finished"),
        ]
    );
    let s = summary(&out);
    assert_eq!(s["isolation"]["throttled_task_us"], 200_000_000u64);
    assert_eq!(s["isolation"]["slowed_task_us"], 200_000_000u64);
    // At 0 the containers get 1 + 2 = 3 cpus (what CFS lets them have).
    assert!(read(&out, "utilization.csv").contains("\n0,cpus,4,2,3\n"));
}

#[test]
fn without_cfs_the_same_task_bursts_into_idle_cpus() {
    // The cfs test's task 0 without `cfs`: nothing caps it and nothing
    // contends (2 of 4 cpus), so it runs at full speed: ends at 100 s.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "nocfs",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 2 }}
[isolation]
executor_overhead = false
"#
        ),
    );
    assert_eq!(tasks(&out), vec![row("0", "0", "100000000", "finished")]);
    assert_eq!(summary(&out)["isolation"]["throttled_task_us"], 0);
}

#[test]
fn a_usage_phase_change_recomputes_end_times() {
    // Two tasks request 2 cpus each (equal shares). Task 0 uses 1 cpu
    // then 4 from 20 s; task 1 uses 4 throughout; 100 s of work each.
    // 0-20 s: demand 1 + 4 = 5 > 4: water filling gives task 0 its 1
    // (below the fair 2) and task 1 the other 3: rates 1 and 3/4. At
    // 20 s task 0 has 80 s left, task 1 has 100 - 15 = 85 s left.
    // From 20 s both want 4: 2 each, rate 1/2. Task 0 needs 160 s more
    // -> 180 s; task 1 has done 80 s, 5 s left alone at full speed ->
    // ends at 185 s.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "phases",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 2, mem = 1024 }}
duration = "100s"
usage = [{{ after = "0s", cpus = 1 }}, {{ after = "20s", cpus = 4 }}]
[[frameworks.jobs]]
resources = {{ cpus = 2, mem = 1024 }}
duration = "100s"
usage = {{ cpus = 4 }}
[isolation]
executor_overhead = false
"#
        ),
    );
    assert_eq!(
        tasks(&out),
        vec![
            row("0", "0", "180000000", "finished"),
            row("1", "0", "185000000", "finished"),
        ]
    );
}

#[test]
fn used_column_follows_the_model() {
    // The default model: usage = 0.8 x the request, plus the executor's
    // 0.1 cpus / 32 MiB. A task of 2 cpus / 1000 MiB for 10 s uses
    // 1.6 + 0.1 = 1.7 cpus and 800 + 32 = 832 MiB; afterwards nothing.
    // The run ends at 10 s (all work done), so the time-weighted means
    // are 1.7/4 = 0.425 and 832/8192 = 0.1015625; disk (no usage model)
    // counts as allocated: 0.
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(
        tmp.path(),
        "used",
        &format!(
            r#"{AGENT_4_CPUS}
[[frameworks.jobs]]
resources = {{ cpus = 2, mem = 1000 }}
duration = "10s"
[isolation]
"#
        ),
    );
    assert_eq!(
        read(&out, "utilization.csv"),
        "time_us,resource,total,allocated,used\n\
         0,cpus,4,2,1.7\n\
         0,mem,8192,1000,832\n\
         0,disk,0,0,0\n\
         0,gpus,0,0,0\n\
         10000000,cpus,4,0,0\n\
         10000000,mem,8192,0,0\n\
         10000000,disk,0,0,0\n\
         10000000,gpus,0,0,0\n"
    );
    let s = summary(&out);
    assert_eq!(s["utilization_used"]["cpus"], 0.425);
    assert_eq!(s["utilization_used"]["mem"], 0.1015625);
    assert_eq!(s["utilization_used"]["disk"], 0.0);
    assert_eq!(s["isolation"]["slowed_task_us"], 0);
}

const NOISY: &str = r#"
seed = 7
[allocator]
agent_order = "shuffle"
[[agents]]
name = "m"
count = 3
resources = { cpus = 8, mem = 16384 }
[[frameworks]]
name = "a"
[[frameworks.jobs]]
tasks = 20
resources = { cpus = 1, mem = 2048 }
duration = "30s"
[[frameworks]]
name = "b"
[[frameworks.jobs]]
tasks = 20
resources = { cpus = 2, mem = 1024 }
duration = "20s"
usage = { cpus = 3 }
"#;

#[test]
fn accounting_runs_are_byte_identical_twice() {
    // Noise, contention (b's tasks use 3 of 2 requested cpus) and shuffled
    // agents: two runs must still write the same bytes.
    let tmp = tempfile::tempdir().unwrap();
    let text = format!("{NOISY}\n[isolation]\nnoise = 0.3\n");
    let a = run_cli(tmp.path(), "noisy-a", &text);
    let b = run_cli(tmp.path(), "noisy-b", &text);
    for f in [
        "summary.json",
        "tasks.csv",
        "offers.csv",
        "shares.csv",
        "utilization.csv",
    ] {
        let (x, y) = (read(&a, f), read(&b, f));
        // The scenario name is the file's: the same in both but for it.
        assert_eq!(x.replace("noisy-a", "N"), y.replace("noisy-b", "N"), "{f}");
    }
    // Noise is applied: with noise = 0 the used memory differs.
    let c = run_cli(tmp.path(), "quiet", &format!("{NOISY}\n[isolation]\n"));
    assert_ne!(read(&a, "utilization.csv"), read(&c, "utilization.csv"));
}

#[test]
fn accounting_changes_no_decision_when_nothing_is_slowed() {
    // Usage below the request (the 0.8 model without executor overhead
    // or noise) never slows a task nor kills one, so turning accounting
    // on must leave every allocation decision (own RNG stream) and every
    // task time as they were: tasks.csv, offers.csv and shares.csv are
    // byte-identical to the run without [isolation].
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(root().join("workloads/scenarios/decline-filters.toml"))
        .expect("example");
    let off = run_cli(tmp.path(), "off", &base);
    let on = run_cli(
        tmp.path(),
        "on",
        &format!("{base}\n[isolation]\nexecutor_overhead = false\n"),
    );
    for f in ["tasks.csv", "offers.csv", "shares.csv"] {
        assert_eq!(read(&off, f), read(&on, f), "{f}");
    }
    // And without it: `used` empty, `utilization_used` null, no
    // `isolation` object.
    let util = read(&off, "utilization.csv");
    assert!(util.lines().skip(1).all(|l| l.ends_with(',')), "{util}");
    let s = summary(&off);
    assert!(s["utilization_used"]["cpus"].is_null());
    assert!(s.get("isolation").is_none());
    assert!(summary(&on)["utilization_used"]["cpus"].is_number());
}

#[test]
fn example_isolation_scenario_runs() {
    // workloads/scenarios/isolation.toml: the documented example. Its
    // "leaky" task's memory rises above its limit at 60 s: one OOM kill.
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("workloads/scenarios/isolation.toml"))
        .expect("example");
    let out = run_cli(tmp.path(), "isolation", &text);
    let s = summary(&out);
    assert_eq!(s["isolation"]["oom_kills"], 1);
}

fn validate_err(text: &str) -> String {
    let names = policies::names();
    workloads::parse_str(
        text,
        "sc.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .expect_err("must not validate")
    .to_string()
}

#[test]
fn bad_isolation_keys_are_reported_with_their_place() {
    let job = "[[frameworks]]\nname = \"f\"\n[[frameworks.jobs]]\nresources = { cpus = 2, mem = 1024 }\nduration = \"1s\"\n";
    assert_eq!(
        validate_err(&format!("{job}limit = {{ cpus = 1 }}\n")),
        "sc.toml:6:11: frameworks[0].jobs[0].limit.cpus: a limit must not be below the request (1 < 2), as in Mesos"
    );
    assert_eq!(
        validate_err(&format!(
            "{job}usage = [{{ after = \"10s\", mem = 1 }}, {{ after = \"5s\", mem = 2 }}]\n"
        )),
        "sc.toml:6:40: frameworks[0].jobs[0].usage[1].after: phases must come in increasing `after` order"
    );
    assert_eq!(
        validate_err(&format!("{job}usage = {{ disk = 1 }}\n")),
        "sc.toml:6:11: frameworks[0].jobs[0].usage.disk: unknown key `disk`; allowed here: cpus, mem"
    );
    assert_eq!(
        validate_err("[isolation]\nnoise = 2\n"),
        "sc.toml:2:1: isolation.noise: noise is a fraction from 0 to 1 (got 2)"
    );
    assert_eq!(
        validate_err("[isolation]\ncfs = \"yes\"\n"),
        "sc.toml:2:1: isolation.cfs: expected true or false, got the string \"yes\""
    );
}

#[test]
fn removed_agent_loses_slowed_tasks_in_tasks_mode() {
    // Tasks mode (first fit): both tasks of 2 cpus go on "m" at 0 and,
    // using 4 cpus each, run at half speed. remove-agent at 50 s makes
    // them lost then (not finished at 200 s); accounting stops with them:
    // slowed_task_us = 2 x 50 s. The in-process run checks after every
    // time that accounting tracks exactly the agents' running tasks.
    let s = common::spec(
        r#"
[allocator]
mode = "tasks"
[[agents]]
name = "m"
resources = { cpus = 4, mem = 8192 }
[[frameworks]]
name = "f"
[[frameworks.jobs]]
tasks = 2
resources = { cpus = 2, mem = 1024 }
duration = "100s"
usage = { cpus = 4 }
[isolation]
executor_overhead = false
[[events]]
at = "50s"
action = "remove-agent"
agent = "m"
"#,
    );
    let rec = common::run(&s);
    for t in &rec.tasks {
        assert_eq!(
            (t.start_us, t.end_us, t.state),
            (Some(0), Some(50_000_000), sim::record::TaskState::Lost)
        );
    }
    let iso = rec.isolation.expect("accounting on");
    assert_eq!(iso.slowed_task_us, 100_000_000);
    assert_eq!(iso.oom_kills, 0);
}
