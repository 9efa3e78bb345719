//! Faults, health checking and master failover: Mesos's failure tests in
//! plain language, with exact times. The rules they rest on (from Mesos
//! 1.11's source; docs/faults.md cites each):
//! - the master pings an agent at registration and every 15 s after; the
//!   5th missed pong in a row marks it unreachable, i.e. 75 s after the
//!   first ping the agent missed (`SlaveObserver`);
//! - the agent gives up on the master 75 s after the last ping it got and
//!   re-registers after a uniform delay in [0, 1 s], retrying with the
//!   bound doubled (2, 4, ... capped at 60 s);
//! - a dead leader's ZooKeeper session expires after 10 s; schedulers
//!   subscribe to the new leader at once, agents after their backoff.

mod common;

use std::process::Command;

use common::{run_deep as run, spec};
use sim::record::{RunRecord, TaskState};

/// Two agents of 4 cpus; `pa` (partition aware) fills a-0, `plain` fills
/// a-1 (agent order "joined": pa registers first and takes the first
/// agent whole), four 1-cpu tasks each, 300 s long. `extra` adds keys.
fn two_agents(extra: &str) -> String {
    format!(
        r#"
name = "faults"
seed = 1
{extra}
[allocator]
agent_order = "joined"
[[agents]]
name = "a"
count = 2
resources = {{ cpus = 4, mem = 4096 }}
[[frameworks]]
name = "pa"
partition_aware = true
[[frameworks.jobs]]
tasks = 4
resources = {{ cpus = 1, mem = 1024 }}
duration = "300s"
[[frameworks]]
name = "plain"
[[frameworks.jobs]]
tasks = 4
resources = {{ cpus = 1, mem = 1024 }}
duration = "300s"
"#
    )
}

fn states(r: &RunRecord) -> Vec<(TaskState, Option<u64>)> {
    r.tasks.iter().map(|t| (t.state, t.end_us)).collect()
}

fn agent_of(r: &RunRecord, task: usize) -> &str {
    &r.agents[r.tasks[task].agent as usize]
}

const S: u64 = 1_000_000;

#[test]
fn partition_longer_than_75s_makes_tasks_unreachable_or_lost() {
    // Partition a-0 (pa's tasks) and a-1 (plain's) at 10 s, no heal; stop
    // at 100 s. Pings at 0, 15, 30, ...: the first missed one is at 15 s,
    // so both agents are marked unreachable at 15 + 75 = 90 s.
    let text = two_agents("end = \"100s\"")
        + r#"
[[events]]
at = "10s"
action = "partition-agent"
agent = "a-0"
[[events]]
at = "10s"
action = "partition-agent"
agent = "a-1"
"#;
    let r = run(&spec(&text));
    assert_eq!(agent_of(&r, 0), "a-0");
    assert_eq!(agent_of(&r, 4), "a-1");
    for t in 0..4 {
        // Partition aware: TASK_UNREACHABLE.
        assert_eq!(states(&r)[t], (TaskState::Unreachable, Some(90 * S)));
    }
    for t in 4..8 {
        // Not partition aware: TASK_LOST.
        assert_eq!(states(&r)[t], (TaskState::Lost, Some(90 * S)));
    }
    let f = r.faults.as_ref().expect("faults counted");
    assert_eq!((f.partitions, f.agents_unreachable), (2, 2));
}

#[test]
fn partition_healed_after_unreachable_brings_the_tasks_back() {
    // Partitioned at 10 s, marked unreachable at 90 s, healed at 210 s.
    // The agent gave up on the master at 0 + 75 = 75 s (its last ping was
    // the registration one at 0 s) and retries with growing backoff; the
    // first attempt after 210 s re-registers it and its four tasks run
    // again, finishing at 300 s as planned.
    let text = two_agents("")
        + r#"
[[events]]
at = "10s"
action = "partition-agent"
agent = "a-0"
heal_after = "200s"
"#;
    let r = run(&spec(&text));
    for t in 0..8 {
        assert_eq!(states(&r)[t], (TaskState::Finished, Some(300 * S)));
    }
    let f = r.faults.as_ref().expect("faults counted");
    assert_eq!(
        (
            f.partitions,
            f.heals,
            f.agents_unreachable,
            f.agents_reregistered
        ),
        (1, 1, 1, 1)
    );
    // pa's share drops to 0 at 90 s and comes back (4 tasks) when a-0
    // re-registers, after the heal and before the tasks end.
    let pa: Vec<_> = r.shares.iter().filter(|s| s.framework == 0).collect();
    assert_eq!((pa[1].time_us, pa[1].running_tasks), (90 * S, 0));
    assert_eq!(pa[2].running_tasks, 4);
    assert!(pa[2].time_us >= 210 * S && pa[2].time_us < 300 * S);
}

#[test]
fn partition_healed_before_the_last_ping_changes_nothing() {
    // Partition at 10 s: missed pings at 15, 30, 45, 60, 75 s; a heal at
    // 75 s (it comes before the ping at that time) answers the 5th ping,
    // so the agent is never marked unreachable.
    let text = two_agents("")
        + r#"
[[events]]
at = "10s"
action = "partition-agent"
agent = "a-0"
heal_after = "65s"
"#;
    let r = run(&spec(&text));
    assert!(states(&r)
        .iter()
        .all(|s| *s == (TaskState::Finished, Some(300 * S))));
    assert_eq!(r.faults.as_ref().unwrap().agents_unreachable, 0);

    // A heal a little later misses the 5th ping, but the agent, which gave
    // up on the master at 75 s, re-registers within its [0, 1 s] backoff,
    // before the check would give up at 90 s: the master takes that as a
    // reconnection (docs/faults.md), and still nothing is lost.
    let text = two_agents("")
        + r#"
[[events]]
at = "10s"
action = "partition-agent"
agent = "a-0"
heal_after = "65000001us"
"#;
    let r = run(&spec(&text));
    assert_eq!(r.faults.as_ref().unwrap().agents_unreachable, 0);
    assert_eq!(states(&r)[0], (TaskState::Finished, Some(300 * S)));
}

#[test]
fn tasks_ending_during_a_partition_are_reported_when_it_heals() {
    // Tasks end at 300 s while a-0 is cut off (partition at 280 s, heal at
    // 320 s, within the 75 s window). Their resources stay allocated until
    // the update reaches the master at the heal; the tasks still end at
    // 300 s in tasks.csv.
    let text = two_agents("")
        + r#"
[[events]]
at = "280s"
action = "partition-agent"
agent = "a-0"
heal_after = "40s"
"#;
    let r = run(&spec(&text));
    assert!(states(&r)
        .iter()
        .all(|s| *s == (TaskState::Finished, Some(300 * S))));
    let last_pa = r.shares.iter().rfind(|s| s.framework == 0).unwrap();
    assert_eq!((last_pa.time_us, last_pa.running_tasks), (320 * S, 0));
}

#[test]
fn crashed_agent_loses_its_tasks_and_a_restart_registers_a_new_agent() {
    // a-0 crashes at 10 s and stays down: its tasks died with it; the
    // master writes them off at 90 s (unreachable, as pa is partition
    // aware).
    let text = two_agents("end = \"100s\"")
        + r#"
[[events]]
at = "10s"
action = "fail-agent"
agent = "a-0"
"#;
    let r = run(&spec(&text));
    assert_eq!(states(&r)[0], (TaskState::Unreachable, Some(90 * S)));

    // With restart_after = 30s the host is back at 40 s and registers as
    // a new agent within its 1 s backoff, before the master gave up on the
    // old one: Mesos removes the old agent (TASK_LOST whatever the
    // partition awareness, `_registerSlave`).
    let text = two_agents("end = \"100s\"")
        + r#"
[[events]]
at = "10s"
action = "fail-agent"
agent = "a-0"
restart_after = "30s"
"#;
    let r = run(&spec(&text));
    let (state, end) = states(&r)[0];
    assert_eq!(state, TaskState::Lost);
    let end = end.unwrap();
    assert!((40 * S..=41 * S).contains(&end), "lost at {end}");
    // The rebooted host is a second agent named a-0, registered at `end`.
    assert_eq!(r.agents, vec!["a-0", "a-1", "a-0"]);
    let f = r.faults.as_ref().unwrap();
    assert_eq!((f.agent_crashes, f.agent_restarts), (1, 1));
}

#[test]
fn drain_kills_tasks_and_the_agent_is_offered_no_more() {
    // Drain a-0 at 60 s: pa's four tasks are killed then; pa has nothing
    // pending, and plain's extra job (submitted at 100 s) can only use
    // a-1, which has no room until plain's own tasks end at 300 s.
    let text = two_agents("")
        + r#"
[[frameworks.jobs]]
at = "100s"
tasks = 2
resources = { cpus = 1, mem = 1024 }
duration = "10s"
[[events]]
at = "60s"
action = "drain-agent"
agent = "a-0"
"#;
    let r = run(&spec(&text));
    for t in 0..4 {
        assert_eq!(states(&r)[t], (TaskState::Killed, Some(60 * S)));
    }
    // At 300 s DRF offers the freed a-1 to pa first (share 0); pa has
    // nothing pending and declines, so plain gets it at the next batch
    // pass, 301 s.
    for t in 8..10 {
        assert_eq!(agent_of(&r, t), "a-1");
        assert_eq!(r.tasks[t].start_us, Some(301 * S));
    }
    assert_eq!(r.faults.as_ref().unwrap().agents_drained, 1);
}

#[test]
fn framework_disconnection_and_failover_timeout() {
    // failover_timeout defaults to 0: disconnected at 50 s, plain is
    // removed at once; its running tasks are killed then.
    let text = two_agents("")
        + r#"
[[events]]
at = "50s"
action = "disconnect-framework"
framework = "plain"
"#;
    let r = run(&spec(&text));
    for t in 4..8 {
        assert_eq!(states(&r)[t], (TaskState::Killed, Some(50 * S)));
    }
    assert_eq!(r.faults.as_ref().unwrap().frameworks_removed, 1);

    // With failover_timeout = 60s and a reconnection after 30 s, nothing
    // is lost.
    let text = two_agents("").replace(
        "name = \"plain\"",
        "name = \"plain\"\nfailover_timeout = \"60s\"",
    ) + r#"
[[events]]
at = "50s"
action = "disconnect-framework"
framework = "plain"
reconnect_after = "30s"
"#;
    let r = run(&spec(&text));
    assert!(states(&r)
        .iter()
        .all(|s| *s == (TaskState::Finished, Some(300 * S))));
    assert_eq!(r.faults.as_ref().unwrap().frameworks_removed, 0);
}

/// 100 agents of 8 cpus / 16 GiB; two frameworks with 600 tasks of 10
/// minutes and a third job arriving after the failover.
fn hundred_agents(extra: &str) -> String {
    format!(
        r#"
name = "failover"
seed = 7
{extra}
[master]
replicas = 3
[[agents]]
name = "m"
count = 100
resources = {{ cpus = 8, mem = 16384 }}
[[frameworks]]
name = "a"
[[frameworks.jobs]]
tasks = 300
resources = {{ cpus = 2, mem = 2048 }}
duration = "10m"
[[frameworks]]
name = "b"
[[frameworks.jobs]]
tasks = 300
resources = {{ cpus = 1, mem = 4096 }}
duration = "10m"
[[frameworks.jobs]]
at = "1m"
tasks = 100
resources = {{ cpus = 1, mem = 1024 }}
duration = "5m"
[[events]]
at = "30s"
action = "fail-master"
"#
    )
}

#[test]
fn master_failover_on_100_agents_keeps_every_task() {
    // The invariant check runs after every virtual time (`common::run`):
    // no agent is ever offered or allocated more than it has, so nothing
    // is offered twice across the failover.
    let r = run(&spec(&hundred_agents("")));
    assert!(r.tasks.iter().all(|t| t.state == TaskState::Finished));
    let f = &r.failovers[0];
    assert_eq!(r.failovers.len(), 1);
    assert_eq!(f.failed_us, 30 * S);
    // The session of the dead leader expires 10 s later.
    assert_eq!(f.elected_us, Some(40 * S));
    // Schedulers subscribe as soon as they see the new leader.
    assert_eq!(f.frameworks_resubscribed_us, Some(40 * S));
    // Every agent re-registers within its first backoff of [0, 1 s].
    assert_eq!((f.expected_agents, f.reregistered_agents), (100, 100));
    let all = f.agents_100_us.unwrap();
    assert!((40 * S..=41 * S).contains(&all), "all back at {all}");
    assert!(f.agents_80_us.unwrap() <= all);
    assert_eq!(f.tasks_lost, 0);
    assert!(!f.allocator_paused);
    // Every task running when the leader failed ran on undisturbed: the
    // same start and end as in the run without a failover.
    let clean = run(&spec(&hundred_agents("").replace(
        "action = \"fail-master\"",
        "action = \"revive\"\nframework = \"a\"",
    )));
    let mut kept = 0;
    for (t, c) in r.tasks.iter().zip(clean.tasks.iter()) {
        if t.start_us.is_some_and(|s| s < 30 * S) {
            assert_eq!(
                (t.start_us, t.end_us, t.agent),
                (c.start_us, c.end_us, c.agent)
            );
            kept += 1;
        }
    }
    // Offers are whole agents: the pass at 0 s gives 50 agents to a (4
    // tasks of 2 cpus fill 8 cpus) and 50 to b (4 tasks of 4 GiB fill
    // 16 GiB; the 4 cpus left have no memory for anyone): 400 tasks ran
    // at the failure, all until 10 min.
    assert_eq!(kept, 400);
}

#[test]
fn failover_with_quota_pauses_the_allocator_until_80_percent_are_back() {
    // With quota in the registry the new leader's allocator stays paused
    // until floor(100 x 0.8) = 80 agents have re-registered (Mesos's
    // `recover`); it resumes at the 80th re-registration.
    let text = hundred_agents("") + "[[roles]]\nname = \"q\"\nguarantee = { cpus = 1 }\n";
    let r = run(&spec(&text));
    let f = &r.failovers[0];
    assert!(f.allocator_paused);
    assert_eq!(f.allocator_resumed_us, f.agents_80_us);
    assert!(r.tasks.iter().all(|t| t.state == TaskState::Finished));
}

#[test]
fn agent_crashing_during_a_failover_is_written_off_at_the_reregister_deadline() {
    // m-0 crashes at 35 s, while no master leads. The new leader (40 s)
    // waits agent_reregister_timeout = 10 min for it, then marks it
    // unreachable at 640 s: its tasks count as lost in the failover.
    let text =
        hundred_agents("") + "[[events]]\nat = \"35s\"\naction = \"fail-agent\"\nagent = \"m-0\"\n";
    let r = run(&spec(&text));
    let f = &r.failovers[0];
    assert_eq!(f.reregistered_agents, 99);
    assert_eq!(f.agents_100_us, None);
    let on_m0: Vec<_> = r
        .tasks
        .iter()
        .filter(|t| r.agents[t.agent as usize] == "m-0")
        .collect();
    assert!(!on_m0.is_empty());
    for t in &on_m0 {
        assert_eq!((t.state, t.end_us), (TaskState::Lost, Some(640 * S)));
    }
    assert_eq!(f.tasks_lost, on_m0.len() as u64);
}

#[test]
fn summary_has_a_failover_section() {
    let dir = tempfile::tempdir().unwrap();
    let sc = dir.path().join("fo.toml");
    std::fs::write(&sc, hundred_agents("")).unwrap();
    let out = dir.path().join("out");
    let st = Command::new(common::bin())
        .args(["run", sc.to_str().unwrap(), "--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let fo = &v["failover"];
    assert_eq!(fo["count"], 1);
    assert_eq!(fo["election_us"], 10_000_000);
    assert_eq!(fo["tasks_lost"], 0);
    assert_eq!(fo["offers_rescinded"], 0);
    assert!(fo["agents_100_us"].as_u64().unwrap() <= 11_000_000);
    assert_eq!(v["faults"]["master_failures"], 1);
}

#[test]
fn random_faults_are_seeded_and_leave_the_workload_alone() {
    let base = two_agents("");
    let faulty = two_agents(
        "[faults]\nagent_mtbf = \"2m\"\nagent_mttr = \"30s\"\npartition_rate = \"1/m\"\n\
         partition_duration = \"20s\"\nmaster_mtbf = \"3m\"\n",
    );
    let a = run(&spec(&faulty));
    let b = run(&spec(&faulty));
    // Same seed: the same faults, the same outcome.
    assert_eq!(states(&a), states(&b));
    assert_eq!(a.faults, b.faults);
    let f = a.faults.as_ref().unwrap();
    assert!(f.agent_crashes + f.partitions + f.master_failures > 0);
    // The workload (jobs, tasks, submission times) is the fault-free one.
    let clean = run(&spec(&base));
    let key = |r: &RunRecord| -> Vec<(u32, u64)> {
        r.tasks.iter().map(|t| (t.job, t.submit_us)).collect()
    };
    assert_eq!(key(&a), key(&clean));
}

#[test]
fn network_delay_postpones_launches_and_status_updates() {
    // [network] delay = 5ms: an offer made at 0 reaches the scheduler at
    // 5 ms and its accept reaches the master at 10 ms, when the tasks
    // start; a task ending 300 s later (300.010 s) is reported at
    // 300.015 s, when its resources come back.
    let text = two_agents("[network]\ndelay = \"5ms\"\n");
    let r = run(&spec(&text));
    for t in 0..8 {
        assert_eq!(r.tasks[t].start_us, Some(10_000));
        assert_eq!(
            (r.tasks[t].state, r.tasks[t].end_us),
            (TaskState::Finished, Some(300 * S + 10_000))
        );
    }
    let last = r.shares.iter().rfind(|s| s.framework == 0).unwrap();
    assert_eq!((last.time_us, last.running_tasks), (300 * S + 15_000, 0));
    // With jitter, messages draw their delays from the network stream:
    // the same seed gives the same run.
    let text = two_agents("[network]\ndelay = \"5ms\"\njitter = \"20ms\"\n");
    let a = run(&spec(&text));
    let b = run(&spec(&text));
    assert_eq!(states(&a), states(&b));
    assert!(a.tasks.iter().all(|t| {
        let s = t.start_us.unwrap();
        (10_000..=50_000).contains(&s)
    }));
}
