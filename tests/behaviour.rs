//! Whole-scenario behaviour with exact expected values.

mod common;

use common::{load, output_file, run, scenario_path, spec};
use sim::record::{Outcome, TaskState};

#[test]
fn drf_paper_example_in_tasks_mode() {
    // DRF paper (NSDI 2011) section 4.1: <9 cpus, 18 GB>, A tasks <1, 4 GB>,
    // B tasks <3, 1 GB>. Progressive filling ends with A running 3 tasks
    // (<3 cpus, 12 GB>: dominant share 12/18) and B running 2 (<6 cpus,
    // 2 GB>: 6/9); then neither fits in the 0 cpus left.
    let rec = run(&load(&scenario_path("drf-paper.toml")));
    let running = |fw: u32| {
        rec.tasks
            .iter()
            .filter(|t| rec.jobs[t.job as usize].framework == fw && t.state == TaskState::Running)
            .count()
    };
    assert_eq!(running(0), 3, "framework A");
    assert_eq!(running(1), 2, "framework B");
    // 12288/18432 and 6/9 are both the double nearest 2/3.
    assert_eq!(rec.framework_stats[0].final_dominant_share, 2.0 / 3.0);
    assert_eq!(rec.framework_stats[1].final_dominant_share, 2.0 / 3.0);
    // The other 195 tasks never start.
    let pending = rec
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Pending)
        .count();
    assert_eq!(pending, 195);
}

#[test]
fn weighted_drf_in_tasks_mode_follows_the_weights() {
    // Weighted DRF (paper section 4.3) with per-role weights: role "heavy"
    // weight 2, "light" weight 1, identical tasks <1 cpu, 1 GB> on 12
    // cpus. Progressive filling equalises share/weight, so heavy gets 8
    // tasks and light 4 (8/12 / 2 = 4/12 / 1).
    let s = spec(
        r#"
end = "1s"
[allocator]
mode = "tasks"
agent_order = "joined"
[[roles]]
name = "heavy"
weight = 2.0
[[agents]]
name = "m"
resources = { cpus = 12, mem = 120000 }
[[frameworks]]
name = "h"
role = "heavy"
[[frameworks.jobs]]
tasks = 100
resources = { cpus = 1, mem = 1024 }
duration = "forever"
[[frameworks]]
name = "l"
role = "light"
[[frameworks.jobs]]
tasks = 100
resources = { cpus = 1, mem = 1024 }
duration = "forever"
"#,
    );
    let rec = run(&s);
    let started = |fw: u32| {
        rec.tasks
            .iter()
            .filter(|t| rec.jobs[t.job as usize].framework == fw && t.start_us.is_some())
            .count()
    };
    assert_eq!((started(0), started(1)), (8, 4));
}

#[test]
fn two_roles_split_six_agents_evenly_in_offers_mode() {
    // Two hold frameworks in separate roles, six equal agents at 0: DRF
    // alternates whole-agent offers by dominant share, so each role ends
    // holding three agents (all offers stay outstanding).
    let rec = run(&load(&scenario_path("two-roles.toml")));
    assert_eq!(rec.offers.len(), 6);
    for fw in 0..2u32 {
        let held: Vec<_> = rec.offers.iter().filter(|o| o.framework == fw).collect();
        assert_eq!(held.len(), 3, "framework {fw}");
        assert!(held.iter().all(|o| o.outcome == Outcome::Outstanding));
    }
    // Shares: each role holds 3 of 6 agents, 1/2 of every resource.
    assert_eq!(rec.framework_stats[0].final_dominant_share, 0.5);
    assert_eq!(rec.framework_stats[1].final_dominant_share, 0.5);
}

#[test]
fn replay_readme_example_matches_mesos_row_for_row() {
    // The example of shared/peers/mesos-allocator/README.md, whose rows
    // come from the real Mesos 1.11 allocator: the leftovers of the first
    // offers come back when the 5 s filter ends; the agent joining at 2.5 s
    // gets its own allocation; the task ending at 12.5 s waits for the
    // batch pass after the agent's filter.
    let s = spec(
        r#"
end = "25s"
[allocator]
interval = "1s"
agent_order = "joined"
[[agents]]
name = "m"
count = 2
resources = { cpus = 2, mem = 2048 }
[[agents]]
name = "late"
at = "2500ms"
resources = { cpus = 2, mem = 2048 }
[[frameworks]]
name = "g"
role = "r1"
[[frameworks.jobs]]
name = "j1"
tasks = 5
resources = { cpus = 1, mem = 256 }
duration = "10s"
"#,
    );
    let tasks = output_file(&s, "tasks.csv");
    assert_eq!(
        tasks,
        "task_id,job_id,framework,role,agent,submit_us,start_us,end_us,state,cpus,mem,disk,gpus\n\
         0,j1,g,r1,m-0,0,0,10000000,finished,1,256,0,0\n\
         1,j1,g,r1,m-0,0,0,10000000,finished,1,256,0,0\n\
         2,j1,g,r1,m-1,0,0,10000000,finished,1,256,0,0\n\
         3,j1,g,r1,m-1,0,0,10000000,finished,1,256,0,0\n\
         4,j1,g,r1,late,0,2500000,12500000,finished,1,256,0,0\n"
    );
    let offers = output_file(&s, "offers.csv");
    let first: Vec<&str> = offers.lines().take(8).collect();
    assert_eq!(
        first,
        vec![
            "time_us,offer_id,framework,role,agent,cpus,mem,disk,gpus,outcome,tasks_launched",
            "0,0,g,r1,m-0,2,2048,0,0,accepted,2",
            "0,1,g,r1,m-1,2,2048,0,0,accepted,2",
            "2500000,2,g,r1,late,2,2048,0,0,accepted,1",
            "5000000,3,g,r1,m-0,0,1536,0,0,declined,0",
            "5000000,4,g,r1,m-1,0,1536,0,0,declined,0",
            "8000000,5,g,r1,late,1,1792,0,0,declined,0",
            "10000000,6,g,r1,m-0,2,2048,0,0,declined,0",
        ]
    );
}

#[test]
fn filter_set_at_a_tick_lasting_one_interval_blocks_the_pass_at_its_end() {
    // MESOS-4302 (DESIGN.md "Timing"): a decline at 0 with refuse 1s and
    // interval 1s installs a filter ending at exactly 1s that still blocks
    // the batch pass at 1s; the agent is offered again at 2s. Checked
    // against the replay peer: offers at 0 and 2s, 4s, ... only.
    let s = spec(
        r#"
end = "4s"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
resources = { cpus = 1, mem = 1024 }
[[frameworks]]
name = "d"
behavior = "decline"
refuse = "1s"
"#,
    );
    let rec = run(&s);
    let times: Vec<u64> = rec.offers.iter().map(|o| o.time_us).collect();
    assert_eq!(times, vec![0, 2_000_000, 4_000_000]);
}

#[test]
fn refuse_zero_installs_no_filter() {
    // A decline with refuse 0 leaves no filter: the agent comes back at
    // every batch tick (1s, 2s, 3s) after the first offer at 0.
    let s = spec(
        r#"
end = "3s"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
resources = { cpus = 1, mem = 1024 }
[[frameworks]]
name = "d"
behavior = "decline"
refuse = "0s"
"#,
    );
    let rec = run(&s);
    let times: Vec<u64> = rec.offers.iter().map(|o| o.time_us).collect();
    assert_eq!(times, vec![0, 1_000_000, 2_000_000, 3_000_000]);
}

#[test]
fn remove_agent_loses_tasks_and_rescinds_offers() {
    // Agent "a" runs f's task; agent "b" is held by h. Removing both at 2s
    // makes the task lost (ended at 2s) and h's offer rescinded, as the
    // replay peer reports.
    let s = spec(
        r#"
end = "3s"
[allocator]
agent_order = "joined"
[[agents]]
name = "a"
resources = { cpus = 1, mem = 1024 }
[[agents]]
name = "b"
at = "1s"
resources = { cpus = 1, mem = 1024 }
[[frameworks]]
name = "f"
refuse = "1h"
[[frameworks.jobs]]
tasks = 1
resources = { cpus = 1, mem = 1024 }
duration = "1h"
[[frameworks]]
name = "h"
behavior = "hold"
at = "1s"
[[events]]
at = "2s"
action = "remove-agent"
agent = "a"
[[events]]
at = "2s"
action = "remove-agent"
agent = "b"
"#,
    );
    let rec = run(&s);
    assert_eq!(rec.tasks[0].state, TaskState::Lost);
    assert_eq!(rec.tasks[0].end_us, Some(2_000_000));
    let held = rec
        .offers
        .iter()
        .find(|o| o.framework == 1)
        .expect("h offered");
    assert_eq!(held.outcome, Outcome::Rescinded);
}

#[test]
fn quota_guarantee_is_served_first_and_limit_chops_offers() {
    // Role q has guarantee = limit = 3 cpus on two 4-cpu agents. Stage 1
    // gives q's hold framework 3 cpus of the first agent (chopped to the
    // limit); stage 2 gives the other role the rest of both agents. Rows
    // as the replay peer (real Mesos 1.11) writes them, offers of one
    // pass by agent, then framework name.
    let s = spec(
        r#"
end = "0s"
[allocator]
agent_order = "joined"
[[roles]]
name = "q"
guarantee = { cpus = 3 }
limit = { cpus = 3 }
[[agents]]
name = "m"
count = 2
resources = { cpus = 4, mem = 4096 }
[[frameworks]]
name = "fq"
role = "q"
behavior = "hold"
[[frameworks]]
name = "fo"
role = "other"
behavior = "hold"
"#,
    );
    let out = output_file(&s, "offers.csv");
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(
        rows,
        vec![
            "0,0,fo,other,m-0,1,0,0,0,outstanding,0",
            "0,1,fq,q,m-0,3,4096,0,0,outstanding,0",
            "0,2,fo,other,m-1,4,4096,0,0,outstanding,0",
        ]
    );
}

#[test]
fn drf_paper_48_node_run_with_first_fit() {
    // DRF paper section 7 (minutes 0-2), as the reference reproduces it
    // (policies-and-metrics.md TV20): 48 nodes of <4 CPU, 14 GB>; job1
    // <1, 10 GB>, job2 <1, 1 GB>. Per node one job1 task and three job2
    // tasks fill the 4 CPUs: 48 and 144 tasks; job1 holds 480/672 GB of
    // memory (0.714...), job2 144/192 CPUs (0.75).
    let rec = run(&load(&scenario_path("drf-paper-48.toml")));
    let started = |fw: u32| {
        rec.tasks
            .iter()
            .filter(|t| rec.jobs[t.job as usize].framework == fw && t.start_us.is_some())
            .count()
    };
    assert_eq!((started(0), started(1)), (48, 144));
    assert_eq!(
        rec.framework_stats[0].final_dominant_share,
        491520.0 / 688128.0
    );
    assert_eq!(rec.framework_stats[1].final_dominant_share, 0.75);
}

#[test]
fn when_blocked_stop_ends_the_round_at_the_first_blocked_framework() {
    // One agent <4 cpus, 8 GB>. "big" wants <5 cpus> tasks, which fit
    // nowhere; "small" wants <1 cpu, 1 GB>. Both start at share 0 and "big"
    // sorts first by name. With "skip" big is left out and small fills the
    // 4 cpus (4 tasks); with "stop" (the paper's Algorithm 1) the round ends
    // at big and nothing is placed.
    let text = |when: &str| {
        format!(
            r#"
end = "1s"
[allocator]
mode = "tasks"
when_blocked = "{when}"
[[agents]]
name = "m"
resources = {{ cpus = 4, mem = 8192 }}
[[frameworks]]
name = "big"
[[frameworks.jobs]]
tasks = 5
resources = {{ cpus = 5, mem = 1024 }}
duration = "forever"
[[frameworks]]
name = "small"
[[frameworks.jobs]]
tasks = 10
resources = {{ cpus = 1, mem = 1024 }}
duration = "forever"
"#
        )
    };
    let started =
        |rec: &sim::record::RunRecord| rec.tasks.iter().filter(|t| t.start_us.is_some()).count();
    assert_eq!(started(&run(&spec(&text("skip")))), 4);
    assert_eq!(started(&run(&spec(&text("stop")))), 0);
}

#[test]
fn placement_rules_choose_the_agents_they_promise() {
    // Agents a <8 cpus>, b <2 cpus>, c <4 cpus> (mem ample). One task of
    // <2 cpus>. first-fit: a (lowest index); best-fit: b (leaves 0);
    // worst-fit: a (most free).
    let text = |p: &str| {
        format!(
            r#"
end = "1s"
[allocator]
mode = "tasks"
placement = "{p}"
[[agents]]
name = "a"
resources = {{ cpus = 8, mem = 8192 }}
[[agents]]
name = "b"
resources = {{ cpus = 2, mem = 8192 }}
[[agents]]
name = "c"
resources = {{ cpus = 4, mem = 8192 }}
[[frameworks]]
name = "f"
[[frameworks.jobs]]
resources = {{ cpus = 2, mem = 1024 }}
duration = "forever"
"#
        )
    };
    let agent_of = |p: &str| {
        let rec = run(&spec(&text(p)));
        rec.agents[rec.tasks[0].agent as usize].clone()
    };
    assert_eq!(agent_of("first-fit"), "a");
    assert_eq!(agent_of("best-fit"), "b");
    assert_eq!(agent_of("worst-fit"), "a");
}

#[test]
fn reports_sample_keeps_the_last_state_of_each_period() {
    // The replay README example changes g's allocation at 0 (4 tasks), 2.5 s
    // (5), 10 s (1) and 12.5 s (0). With `[reports] sample = "10s"` the
    // shares rows are the last state of each 10 s period: 2.5 s and 12.5 s.
    let text = r#"
end = "25s"
[reports]
sample = "10s"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
count = 2
resources = { cpus = 2, mem = 2048 }
[[agents]]
name = "late"
at = "2500ms"
resources = { cpus = 2, mem = 2048 }
[[frameworks]]
name = "g"
role = "r1"
[[frameworks.jobs]]
name = "j1"
tasks = 5
resources = { cpus = 1, mem = 256 }
duration = "10s"
"#;
    let full = run(&spec(&text.replace("[reports]\nsample = \"10s\"\n", "")));
    let times: Vec<(u64, u64)> = full
        .shares
        .iter()
        .map(|r| (r.time_us, r.running_tasks))
        .collect();
    assert_eq!(
        times,
        vec![(0, 4), (2_500_000, 5), (10_000_000, 1), (12_500_000, 0)]
    );
    let sampled = run(&spec(text));
    let times: Vec<(u64, u64)> = sampled
        .shares
        .iter()
        .map(|r| (r.time_us, r.running_tasks))
        .collect();
    assert_eq!(times, vec![(2_500_000, 5), (12_500_000, 0)]);
    // The time-weighted mean share does not depend on sampling.
    assert_eq!(
        full.framework_stats[0].mean_dominant_share,
        sampled.framework_stats[0].mean_dominant_share
    );
}

#[test]
fn suppress_when_idle_stops_offers_until_work_arrives() {
    // One 1-cpu task at 0 (lasting 2 s) and another job at 10 s. A greedy
    // framework that suppresses when idle takes the offer at 0, suppresses
    // (nothing pending), and is revived by the job at 10 s, which triggers
    // an allocation then: offers at 0 and 10 s only. Without the flag it
    // declines the leftovers and the freed agent every filter period.
    let text = |flag: bool| {
        format!(
            r#"
end = "12s"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
resources = {{ cpus = 2, mem = 2048 }}
[[frameworks]]
name = "f"
suppress_when_idle = {flag}
[[frameworks.jobs]]
resources = {{ cpus = 1, mem = 256 }}
duration = "2s"
[[frameworks.jobs]]
at = "10s"
resources = {{ cpus = 1, mem = 256 }}
duration = "2s"
"#
        )
    };
    let quiet = run(&spec(&text(true)));
    let times: Vec<(u64, Outcome)> = quiet
        .offers
        .iter()
        .map(|o| (o.time_us, o.outcome))
        .collect();
    assert_eq!(
        times,
        vec![(0, Outcome::Accepted), (10_000_000, Outcome::Accepted)]
    );
    // Without the flag the idle framework declines the whole agent at 2 s
    // (the 0 s filter refused only the leftover <1, 1792>, which does not
    // contain <2, 2048>) and again at 7 s, each decline filtering it for
    // 5 s: the job of 10 s waits for the filter to end at 12 s. With the
    // flag, REVIVE clears the filters and allocates at once.
    let chatty = run(&spec(&text(false)));
    let times: Vec<u64> = chatty.offers.iter().map(|o| o.time_us).collect();
    assert_eq!(times, vec![0, 2_000_000, 7_000_000, 12_000_000]);
    let starts =
        |r: &sim::record::RunRecord| r.tasks.iter().map(|t| t.start_us).collect::<Vec<_>>();
    assert_eq!(starts(&quiet), vec![Some(0), Some(10_000_000)]);
    assert_eq!(starts(&chatty), vec![Some(0), Some(12_000_000)]);
}

#[test]
fn reports_offers_false_keeps_no_offer_rows_and_changes_nothing_else() {
    let base = load(&scenario_path("decline-filters.toml"));
    let mut quiet = base.clone();
    quiet.record_offers = false;
    let a = run(&base);
    let b = run(&quiet);
    assert!(!a.offers.is_empty());
    assert!(b.offers.is_empty());
    let rows = |r: &sim::record::RunRecord| {
        r.tasks
            .iter()
            .map(|t| (t.agent, t.start_us, t.end_us, t.state))
            .collect::<Vec<_>>()
    };
    assert_eq!(rows(&a), rows(&b));
}

#[test]
fn offer_timeout_rescinds_held_offers() {
    // A hold framework never answers; with offer_timeout = 3s the offer made
    // at 0 is rescinded at 3 s. Timeouts are handled with the other events
    // of that time, before its allocation pass, so the 3 s batch pass
    // offers the agent again at once (a rescind installs no filter).
    let s = spec(
        r#"
end = "5s"
[allocator]
agent_order = "joined"
offer_timeout = "3s"
[[agents]]
name = "m"
resources = { cpus = 1, mem = 1024 }
[[frameworks]]
name = "h"
behavior = "hold"
"#,
    );
    let rec = run(&s);
    let rows: Vec<(u64, Outcome)> = rec.offers.iter().map(|o| (o.time_us, o.outcome)).collect();
    assert_eq!(rows[0], (0, Outcome::Rescinded));
    assert_eq!(rows[1], (3_000_000, Outcome::Outstanding));
    assert_eq!(rows.len(), 2);
}

#[test]
fn rigid_jobs_start_whole_or_wait() {
    // Tasks mode, four agents of 2 cpus. u1's rigid job of six 1-cpu tasks
    // takes n-0..n-2 at 0 s. u2's rigid job of four (1 s) finds only n-3's
    // 2 cpus free, so none of it starts; u2's plain job of two (2 s) fits
    // there and runs 2-12 s. The rigid four start together at 100 s, when
    // u1's job ends, on n-0 and n-1 (first agents with room).
    let s = spec(
        r#"
name = "gang"
[allocator]
mode = "tasks"
[[agents]]
name = "n"
count = 4
resources = { cpus = 2, mem = 1024 }
[[frameworks]]
name = "u1"
[[frameworks.jobs]]
tasks = 6
gang = true
resources = { cpus = 1, mem = 1 }
duration = "100s"
[[frameworks]]
name = "u2"
[[frameworks.jobs]]
at = "1s"
tasks = 4
gang = true
resources = { cpus = 1, mem = 1 }
duration = "50s"
[[frameworks.jobs]]
at = "2s"
tasks = 2
resources = { cpus = 1, mem = 1 }
duration = "10s"
"#,
    );
    let r = run(&s);
    let starts: Vec<u64> = r
        .tasks
        .iter()
        .map(|t| t.start_us.unwrap() / 1_000_000)
        .collect();
    assert_eq!(starts, vec![0, 0, 0, 0, 0, 0, 100, 100, 100, 100, 2, 2]);
    let agents: Vec<&str> = r.tasks[6..10]
        .iter()
        .map(|t| r.agents[t.agent as usize].as_str())
        .collect();
    assert_eq!(agents, vec!["n-0", "n-0", "n-1", "n-1"]);

    // Offers mode: a framework gets all its offers of a pass together, so
    // a rigid job may use several: at 0 s both agents are offered to u in
    // one pass and its four tasks start there together. Its second rigid
    // job (4 tasks, at 1 s) waits: both agents free up at 50 s, are
    // offered to u in the same pass, and it starts then.
    let r2 = run(&spec(&s_offers()));
    let starts: Vec<u64> = r2
        .tasks
        .iter()
        .map(|t| t.start_us.unwrap() / 1_000_000)
        .collect();
    assert_eq!(starts, vec![0, 0, 0, 0, 50, 50, 50, 50]);
}

fn s_offers() -> String {
    r#"
name = "gang-offers"
[[agents]]
name = "n"
count = 2
resources = { cpus = 2, mem = 1024 }
[[frameworks]]
name = "u"
[[frameworks.jobs]]
tasks = 4
gang = true
resources = { cpus = 1, mem = 1 }
duration = "50s"
[[frameworks.jobs]]
at = "1s"
tasks = 4
gang = true
resources = { cpus = 1, mem = 1 }
duration = "10s"
"#
    .to_string()
}

#[test]
fn an_agent_with_many_filters_blocks_exactly_the_filtered_frameworks() {
    // 80 frameworks decline with 100 s filters on one agent: past 48
    // filters the agent answers "is this framework filtered?" from a bit
    // set (sim/src/cluster.rs, `BlockedCache`); test builds check every
    // bit consulted against the filters themselves (a debug assertion).
    let mut text = String::from(
        r#"
end = "260s"
[allocator]
agent_order = "joined"
[[agents]]
name = "m"
resources = { cpus = 4, mem = 4096 }
"#,
    );
    for i in 0..80 {
        text.push_str(&format!(
            "[[frameworks]]\nname = \"d{i:02}\"\nbehavior = \"decline\"\nrefuse = \"100s\"\n"
        ));
    }
    text.push_str(
        r#"[[frameworks]]
name = "zz"
[[frameworks.jobs]]
at = "120s"
tasks = 1
resources = { cpus = 1, mem = 512 }
duration = "10s"
"#,
    );
    let rec = run(&spec(&text));
    let rows: Vec<(u64, u32)> = rec
        .offers
        .iter()
        .map(|o| (o.time_us / 1_000_000, o.framework))
        .collect();
    // Expected, by the DRF sorter's order (share, then allocations, then
    // name) and the filters: every share is 0 (all declined), so the
    // least-offered framework comes first, names breaking ties. d00..d79
    // take one offer each at 0..79 s and filter the agent for 100 s; zz
    // (no work before 120 s) then declines every 5 s (the default refuse)
    // until the first filters expire at 100 s, when the decliners, with
    // fewer offers than zz, come first again. zz's job (120 s) waits for
    // the next turn at 180 s; its task runs 180-190 s, and the smaller
    // offer then left is still refused by every decliner's filter.
    let mut want: Vec<(u64, u32)> = Vec::new();
    for round in 0..3u64 {
        for i in 0..80u32 {
            let t = round * 100 + u64::from(i);
            if t <= 260 {
                want.push((t, i));
            }
        }
        if round < 2 {
            for t in [80, 85, 90, 95] {
                want.push((round * 100 + t, 80));
            }
        }
    }
    assert_eq!(rows, want);
    // zz's job is the only job: its one task started at 180 s.
    assert_eq!(rec.tasks.len(), 1);
    assert_eq!(rec.tasks[0].start_us, Some(180_000_000));
}
