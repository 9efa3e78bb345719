//! The policy zoo: each policy on the reference's worked examples
//! (../shared/reference/policies-and-metrics.md), through scenario files
//! in workloads/scenarios/policy-*.toml, with exact values; and every
//! policy deterministic on the bundled default scenario.

mod common;

use common::{load, run, scenario_path};
use sim::record::{RunRecord, TaskState};
use sim::spec::Spec;

/// Tasks of framework `fw` that started.
fn started(rec: &RunRecord, fw: u32) -> usize {
    rec.tasks
        .iter()
        .filter(|t| rec.jobs[t.job as usize].framework == fw && t.start_us.is_some())
        .count()
}

/// Start times (seconds) of framework `fw`'s tasks, in task order.
fn starts_s(rec: &RunRecord, fw: u32) -> Vec<u64> {
    rec.tasks
        .iter()
        .filter(|t| rec.jobs[t.job as usize].framework == fw)
        .filter_map(|t| t.start_us.map(|s| s / 1_000_000))
        .collect()
}

fn with_policy(mut s: Spec, policy: &str) -> Spec {
    s.allocator.policy = policy.to_string();
    s
}

#[test]
fn asset_fairness_on_the_drf_paper_cluster() {
    // Reference 2.5 (TV2): on <9 CPUs, 18 GB>, A <1, 4 GB> costs 1/9 + 4/18
    // = 1/3 aggregate share a task, B <3, 1 GB> costs 3/9 + 1/18 = 7/18.
    // Lowest aggregate first: A (1/3), B (7/18), A (2/3), B (14/18), A (1):
    // A 3 tasks, B 2, and the 9 CPUs are used up. (Fluid: 2.52 and 2.16.)
    let rec = run(&load(&scenario_path("policy-asset.toml")));
    assert_eq!((started(&rec, 0), started(&rec, 1)), (3, 2));
    // The reported share is the dominant one: A 12/18, B 6/9.
    assert_eq!(rec.framework_stats[0].final_dominant_share, 2.0 / 3.0);
    assert_eq!(rec.framework_stats[1].final_dominant_share, 2.0 / 3.0);
}

#[test]
fn asset_fairness_breaks_sharing_incentive_tv4() {
    // Reference 2.5 (TV4): R = <70, 70>, U1 <2, 2>, U2 <1, 2>. Asset
    // equalises 4x = 3y with memory binding (2x + 2y = 70): x = 15, y = 20
    // exactly. Half the cluster, <35, 35>, would run 17 of U1's tasks, so
    // U1 is below its sharing-incentive floor. DRF equalises x = y on
    // memory: 17 and 18 (in some order), both at or above the floor.
    let s = common::spec(TV4);
    let rec = run(&with_policy(s.clone(), "asset"));
    assert_eq!((started(&rec, 0), started(&rec, 1)), (15, 20));
    assert!(started(&rec, 0) < 17, "asset breaks sharing incentive");
    let drf = run(&with_policy(s, "drf"));
    let (a, b) = (started(&drf, 0), started(&drf, 1));
    assert_eq!(a + b, 35, "memory full");
    assert!(a >= 17 && b >= 17, "DRF keeps sharing incentive: {a} {b}");
}

const TV4: &str = r#"
end = "1s"
[allocator]
mode = "tasks"
agent_order = "joined"
[[agents]]
name = "m"
resources = { cpus = 70, mem = 70 }
[[frameworks]]
name = "U1"
[[frameworks.jobs]]
tasks = 100
resources = { cpus = 2, mem = 2 }
duration = "forever"
[[frameworks]]
name = "U2"
[[frameworks.jobs]]
tasks = 100
resources = { cpus = 1, mem = 2 }
duration = "forever"
"#;

#[test]
fn fifo_serves_by_submission_time() {
    // policy-fifo.toml: A's 4 tasks submitted at 0 s, B's 2 at 1 s, 2 CPUs,
    // 10 s tasks. FIFO: A at 0, 0, 10, 10; B at 20, 20.
    let s = load(&scenario_path("policy-fifo.toml"));
    let rec = run(&s);
    assert_eq!(starts_s(&rec, 0), vec![0, 0, 10, 10]);
    assert_eq!(starts_s(&rec, 1), vec![20, 20]);
    // DRF instead alternates at 10 s (both at share 0; B has fewer
    // allocations), so B starts one task at 10 s.
    let rec = run(&with_policy(s, "drf"));
    assert_eq!(starts_s(&rec, 1)[0], 10);
}

#[test]
fn priority_bands_serve_the_higher_band_first() {
    // policy-priority.toml with preemption off: B (priority 100) arrives
    // at 1 s while A (priority 0) holds both CPUs, so B starts when A's
    // first tasks end at 10 s, before A's remaining two (20 s).
    let mut s = load(&scenario_path("policy-priority.toml"));
    s.allocator
        .params
        .entry("priority".into())
        .or_default()
        .insert("preemption".into(), 0.0);
    let rec = run(&s);
    assert_eq!(starts_s(&rec, 0), vec![0, 0, 20, 20]);
    assert_eq!(starts_s(&rec, 1), vec![10, 10]);
    assert_eq!(rec.preemptions, 0);
}

#[test]
fn priority_preempts_lower_bands() {
    // Borg (EuroSys 2015 §2.5): B's band (100) evicts A's two running
    // tasks (band 0) at 1 s, when its job arrives, and B runs 1-11 s. The
    // evicted tasks 0 and 1 go back to the front of A's queue and run
    // 11-21 s, tasks 2 and 3 21-31 s. tasks.csv keeps each task's last run.
    let rec = run(&load(&scenario_path("policy-priority.toml")));
    assert_eq!(starts_s(&rec, 1), vec![1, 1]);
    assert_eq!(starts_s(&rec, 0), vec![11, 11, 21, 21]);
    assert_eq!(rec.preemptions, 2);
    assert!(rec
        .tasks
        .iter()
        .all(|t| t.state == sim::record::TaskState::Finished));
}

#[test]
fn job_priority_overrides_the_framework_band() {
    // Same scenario, but B's job says priority -5: it now ranks below A's
    // band (0), so it runs last, as under FIFO (and preempts nothing).
    let mut s = load(&scenario_path("policy-priority.toml"));
    s.frameworks[1].jobs[0].priority = Some(-5);
    let rec = run(&s);
    assert_eq!(starts_s(&rec, 0), vec![0, 0, 10, 10]);
    assert_eq!(starts_s(&rec, 1), vec![20, 20]);
}

#[test]
fn bottleneck_fairness_equals_drf_when_all_share_a_bottleneck_tv9() {
    // Reference 4.3 (TV9): every dominant resource is CPU (12 CPUs); max-min
    // on CPU gives each framework 4 CPUs: A 4 tasks <1 CPU>, B 2 <2 CPUs>,
    // C 4 <1 CPU>. DRF must give exactly the same (bottleneck fairness).
    let s = load(&scenario_path("policy-bottleneck.toml"));
    let rec = run(&s);
    let got = (started(&rec, 0), started(&rec, 1), started(&rec, 2));
    assert_eq!(got, (4, 2, 4));
    let drf = run(&with_policy(s, "drf"));
    assert_eq!(
        (started(&drf, 0), started(&drf, 1), started(&drf, 2)),
        got,
        "DRF = max-min on the bottleneck"
    );
}

#[test]
fn drfh_best_fit_on_heterogeneous_servers_tv15() {
    // Reference 4.4 (TV15, DRFH paper Fig. 1): S1 <2, 12>, S2 <12, 2>; U1
    // <0.2, 1>, U2 <1, 0.2>. Best-Fit DRFH sends U1 to S1 and U2 to S2:
    // 10 tasks each, global dominant share 10/14 = 5/7 each.
    let rec = run(&load(&scenario_path("policy-drfh.toml")));
    assert_eq!((started(&rec, 0), started(&rec, 1)), (10, 10));
    for t in rec.tasks.iter().filter(|t| t.start_us.is_some()) {
        let fw = rec.jobs[t.job as usize].framework;
        assert_eq!(rec.agents[t.agent as usize], ["S1", "S2"][fw as usize]);
    }
    assert_eq!(rec.framework_stats[0].final_dominant_share, 10.0 / 14.0);
    assert_eq!(rec.framework_stats[1].final_dominant_share, 10.0 / 14.0);
    let pending = rec
        .tasks
        .iter()
        .filter(|t| t.state == TaskState::Pending)
        .count();
    assert_eq!(pending, 180);
}

#[test]
fn every_policy_is_deterministic_on_the_default_scenario() {
    // Each policy, in each mode it supports, runs the bundled default
    // scenario twice: the output files must be byte-identical.
    let base = load(&scenario_path("default.toml"));
    for &(name, _) in policies::ALL {
        let policy = policies::build(name).expect("registered");
        for &mode in policy.modes() {
            let mut s = base.clone();
            s.allocator.policy = name.to_string();
            s.allocator.mode = mode;
            let files = |s: &Spec| {
                let rec = run(s);
                assert!(
                    rec.tasks.iter().any(|t| t.start_us.is_some()),
                    "{name} in {mode:?} started nothing"
                );
                let dir = tempfile::tempdir().expect("tempdir");
                reports::write_files(&rec, dir.path()).expect("write");
                let mut out = Vec::new();
                let mut names: Vec<_> = std::fs::read_dir(dir.path())
                    .expect("dir")
                    .map(|e| e.expect("entry").file_name())
                    .collect();
                names.sort();
                for n in names {
                    let bytes = std::fs::read(dir.path().join(&n)).expect("read");
                    out.push((n, bytes));
                }
                out
            };
            let (a, b) = (files(&s), files(&s));
            assert!(!a.is_empty());
            assert!(a == b, "{name} in {} is not deterministic", mode.name());
        }
    }
}

#[test]
fn ceei_whole_tasks_toward_the_fluid_targets_tv3() {
    // Reference 2.6 (TV3): the fluid targets are A 45/11 = 4.09, B 18/11 =
    // 1.64 (policies/src/ceei.rs checks the solver). Furthest below its
    // target first: A (4.09), A (3.09), A (2.09 > B's 1.64), B (1.64 >
    // A's 1.09), A (1.09 > 0.64): A 4 <4, 16 GB>, B 1 <3, 1 GB>, 17 GB of
    // 18 used; neither A's next <1, 4> nor B's next <3, 1> fits (CPU 7+3).
    let rec = run(&load(&scenario_path("policy-ceei.toml")));
    assert_eq!((started(&rec, 0), started(&rec, 1)), (4, 1));
}

#[test]
fn slots_fragmentation_tv16() {
    // Reference 4.1 (TV16): 9 slots of <1 CPU, 2 GB>; A's task takes 2
    // slots, B's 3. A 2, B 3, A 4, then B's 3 do not fit in the 2 free
    // slots, A takes them: A 3 tasks, B 1 (DRF: 3 and 2); CPU 6 of 9.
    let s = load(&scenario_path("policy-slots.toml"));
    let rec = run(&s);
    assert_eq!((started(&rec, 0), started(&rec, 1)), (3, 1));
    let drf = run(&with_policy(s, "drf"));
    assert_eq!((started(&drf, 0), started(&drf, 1)), (3, 2));
}

/// Runs a bundled scenario through the CLI (`mesosim run FILE --out DIR`,
/// plus `extra` arguments) and returns its output directory.
fn run_bundled_cli(dir: &std::path::Path, file: &str, extra: &[&str]) -> std::path::PathBuf {
    let out = dir.join(format!("out-{file}"));
    let mut args: Vec<String> = vec![
        "run".into(),
        scenario_path(file).to_string_lossy().into_owned(),
        "--out".into(),
        out.to_string_lossy().into_owned(),
        "-q".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let o = std::process::Command::new(common::bin())
        .args(&args)
        .output()
        .expect("run mesosim");
    assert!(
        o.status.success(),
        "{file}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// From tasks.csv: the agents framework `fw`'s started tasks ran on, in
/// task order.
fn agents_of(tasks_csv: &str, fw: &str) -> Vec<String> {
    let mut lines = tasks_csv.lines();
    let head: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).expect("column");
    let (f, a, s) = (col("framework"), col("agent"), col("start_us"));
    lines
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .filter(|r| r[f] == fw && !r[s].is_empty())
        .map(|r| r[a].to_string())
        .collect()
}

#[test]
fn slots_are_cut_per_agent_on_heterogeneous_agents() {
    // policy-slots-hetero.toml (hand computation in the file, reference
    // 4.1's definition): per_agent = 4 on a1 <4, 8 GB> (slots <1, 2 GB>)
    // and a2 <8, 4 GB> (slots <2, 1 GB>); X <1, 2 GB> takes 1 slot on a1
    // and 2 on a2, Y <2, 1 GB> 2 on a1 and 1 on a2. X's third task goes to
    // a2 although a1 still has <1 CPU, 3 GB> free: a1's 4 slots are used.
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_bundled_cli(dir.path(), "policy-slots-hetero.toml", &[]);
    let tasks = common::read(&out, "tasks.csv");
    assert_eq!(agents_of(&tasks, "X"), vec!["a1", "a1", "a2"]);
    assert_eq!(agents_of(&tasks, "Y"), vec!["a1", "a2", "a2"]);
    // The cluster-average slot of before (<12, 12 GB> / 8 = <1.5, 1.5 GB>)
    // would have charged both tasks 2 slots everywhere; per agent, each
    // framework holds 1 + 1 + 2 = 2 + 1 + 1 = 4 slots.
    let rec = run(&load(&scenario_path("policy-slots-hetero.toml")));
    assert_eq!((started(&rec, 0), started(&rec, 1)), (3, 3));
}

#[test]
fn slots_in_offers_mode_run_and_are_deterministic() {
    // Offers mode: no admission (frameworks choose what to launch), the
    // order is by slots held; the run is the same twice.
    let mut s = load(&scenario_path("policy-slots-hetero.toml"));
    s.allocator.mode = sim::spec::Mode::Offers;
    let a = common::output_file(&s, "tasks.csv");
    let b = common::output_file(&s, "tasks.csv");
    assert_eq!(a, b);
}

#[test]
fn slots_books_survive_faults_and_failover() {
    // The fault scenario (partition, crash and restart, master failover,
    // drain; docs/faults.md) under `slots` in both modes, with every book
    // recomputed from scratch after every virtual time, the per-agent slot
    // tallies included (`check_slots_deep`), and the tasks-mode bound of
    // at most per_agent slots used on any agent (`check_invariants`).
    for mode in [sim::spec::Mode::Tasks, sim::spec::Mode::Offers] {
        let mut s = with_policy(load(&scenario_path("faults.toml")), "slots");
        s.allocator.mode = mode;
        let rec = common::run_deep(&s);
        assert!(rec.tasks.iter().any(|t| t.start_us.is_some()), "{mode:?}");
    }
}

#[test]
fn hdrf_avoids_starvation_tv12() {
    // Reference 3 (TV12), policy-hdrf-starvation.toml: 4 GPUs, 10 s GPU
    // tasks from 1 s to the end at 30 s (rounds at 1, 11 and 21 s).
    // H-DRF: n1 and n2/gpu get 2 GPUs a round: 6 tasks each.
    let s = load(&scenario_path("policy-hdrf-starvation.toml"));
    let rec = run(&s);
    assert_eq!((started(&rec, 1), started(&rec, 2)), (6, 6));
    // Mesos's hierarchical DRF: n2 holds all the CPU (share 1.0), so n1
    // takes all 4 GPUs every round and n2/gpu starves.
    let drf = run(&with_policy(s, "drf"));
    assert_eq!((started(&drf, 1), started(&drf, 2)), (12, 0));
}

#[test]
fn hdrf_blocked_children_do_not_hold_back_their_siblings_tv13() {
    // Reference 3 (TV13), policy-hdrf-blocking.toml: 1 CPU task each for
    // n1, n2 and n3/cpu (the 3 CPUs are then exhausted); the 6 GPUs split
    // 3 to n3/gpu and 3 to n4 (1/2 each), not 4 and 2.
    let rec = run(&load(&scenario_path("policy-hdrf-blocking.toml")));
    let got: Vec<usize> = (0..5).map(|f| started(&rec, f)).collect();
    assert_eq!(got, vec![1, 1, 1, 3, 3]);
}

#[test]
fn capacity_scheduler_user_limit_table_tv17() {
    // Reference 4.2 (TV17): minimum_user_limit_percent = 25 on one queue of
    // 60 CPUs, users with unbounded demand submitting at once. The user
    // limit max(1/k, 25%) gives 2 users 30 CPUs each (50%), 3 users 20
    // (33%), 4 users 15 (25%), and with 5 users the 5th waits.
    let base = load(&scenario_path("policy-capacity.toml"));
    for (k, expect) in [
        (2, vec![30, 30]),
        (3, vec![20, 20, 20]),
        (4, vec![15, 15, 15, 15]),
        (5, vec![15, 15, 15, 15, 0]),
    ] {
        let mut s = base.clone();
        while s.frameworks.len() < k {
            let mut f = s.frameworks[0].clone();
            f.name = format!("u{}", s.frameworks.len() + 1);
            s.frameworks.push(f);
        }
        s.frameworks.truncate(k);
        let rec = run(&s);
        let got: Vec<usize> = (0..k as u32).map(|f| started(&rec, f)).collect();
        assert_eq!(got, expect, "{k} users");
    }
}

#[test]
fn capacity_user_limit_is_relative_to_the_queue_capacity() {
    // Reference 4.2: with minimum_user_limit_percent = 20, users get
    // 100/50/33/25/20 % *of the queue* and the 6th waits. YARN's
    // computeUserLimit: limit = max(current / active users, current ×
    // MULP) with current = the queue's capacity while it is under it.
    // Queue q has capacity 50 % of 120 CPUs (60 CPUs; queue `other` has
    // the other 50 % and unbounded demand, so q gets no more than its 60):
    // 1 user 60, 2 users 30 each, 3: 20, 4: 15, 5: 12, 6: 12 each for the
    // first five (60 in all, the queue is full) and 0 for the 6th. A limit
    // relative to the cluster would give u1 24 CPUs (20 % of 120) with
    // 5 or 6 users. Through the CLI, counting started tasks in tasks.csv.
    let dir = tempfile::tempdir().expect("tempdir");
    for (k, expect) in [
        (1, vec![60]),
        (2, vec![30, 30]),
        (3, vec![20, 20, 20]),
        (4, vec![15, 15, 15, 15]),
        (5, vec![12, 12, 12, 12, 12]),
        (6, vec![12, 12, 12, 12, 12, 0]),
    ] {
        let mut text = QUEUE_USER_LIMIT.to_string();
        for u in 1..=k {
            text.push_str(&format!(
                "[[frameworks]]\nname = \"u{u}\"\nrole = \"q\"\n{UNBOUNDED_JOB}"
            ));
        }
        let out = common::run_cli(dir.path(), &format!("users{k}"), &text);
        let tasks = common::read(&out, "tasks.csv");
        let got: Vec<usize> = (1..=k)
            .map(|u| agents_of(&tasks, &format!("u{u}")).len())
            .collect();
        assert_eq!(got, expect, "{k} users");
        assert_eq!(agents_of(&tasks, "o").len(), 60, "{k} users: queue other");
    }
}

#[test]
fn capacity_user_limit_is_set_per_queue() {
    // YARN sets minimum-user-limit-percent per queue (reference 4.2).
    // Queue other (50 % of 120 CPUs = 60) with MULP 50 and three users:
    // limit max(60/3, 60 × 50 %) = 30 CPUs, so u1 and u2 take 30 each and
    // the third waits; queue q (MULP 20, as above) with two users: 30
    // each. Were q's 20 applied to every queue (before, the first role's
    // value applied to all), other's limit would be max(60/3, 60 × 20 %)
    // = 20 CPUs: 20, 20, 20.
    let mut text = QUEUE_USER_LIMIT
        .replace(
            "name = \"other\"\ncapacity = 50",
            "name = \"other\"\ncapacity = 50\nminimum_user_limit_percent = 50",
        )
        .replace(
            "name = \"o\"\nrole = \"other\"",
            "name = \"o1\"\nrole = \"other\"",
        );
    for (name, role) in [("o2", "other"), ("o3", "other"), ("u1", "q"), ("u2", "q")] {
        text.push_str(&format!(
            "[[frameworks]]\nname = \"{name}\"\nrole = \"{role}\"\n{UNBOUNDED_JOB}"
        ));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = common::run_cli(dir.path(), "per-queue", &text);
    let tasks = common::read(&out, "tasks.csv");
    let got: Vec<usize> = ["o1", "o2", "o3", "u1", "u2"]
        .iter()
        .map(|f| agents_of(&tasks, f).len())
        .collect();
    assert_eq!(got, vec![30, 30, 0, 30, 30]);
}

const QUEUE_USER_LIMIT: &str = r#"
name = "queue-user-limit"
end = "10s"
[allocator]
policy = "capacity"
mode = "tasks"
[[roles]]
name = "q"
capacity = 50
minimum_user_limit_percent = 20
[[roles]]
name = "other"
capacity = 50
[[agents]]
name = "m"
resources = { cpus = 120, mem = 122880 }
[[frameworks]]
name = "o"
role = "other"
[[frameworks.jobs]]
tasks = 200
resources = { cpus = 1, mem = 1024 }
duration = "forever"
"#;

const UNBOUNDED_JOB: &str = r#"[[frameworks.jobs]]
tasks = 200
resources = { cpus = 1, mem = 1024 }
duration = "forever"
"#;

#[test]
fn capacity_preemption_takes_back_up_to_the_queue_capacity() {
    // Two queues of capacity 50% on one 4-cpu agent. A (queue a) fills it
    // at 0 s with four 100 s tasks; B (queue b) submits three 20 s tasks
    // at 10 s. With `preemption = 1`, B may evict while it stays within its
    // 50%: its first two tasks evict A's tasks 3 then 2 (latest started,
    // then highest id; A goes 100% -> 75% -> 50%, never below its 50%).
    // B's third task would take B to 75%: it waits until 30 s, when B's
    // first two end; B (0% of its capacity) comes before A (100%), so it
    // starts then, beside A's evicted task 2; A's task 3 runs at 50 s.
    let s = common::spec(CAPACITY_PREEMPTION);
    let rec = run(&s);
    assert_eq!(starts_s(&rec, 1), vec![10, 10, 30]);
    assert_eq!(starts_s(&rec, 0), vec![0, 0, 30, 50]);
    assert_eq!(rec.preemptions, 2);
    // Off by default (YARN): B waits for A's tasks to end at 100 s.
    let rec = run(&common::spec(
        &CAPACITY_PREEMPTION.replace("preemption = 1", ""),
    ));
    assert_eq!(starts_s(&rec, 1), vec![100, 100, 100]);
    assert_eq!(rec.preemptions, 0);
}

const CAPACITY_PREEMPTION: &str = r#"
name = "cap"
[allocator]
policy = "capacity"
mode = "tasks"
[allocator.capacity]
preemption = 1
[[roles]]
name = "a"
capacity = 50
[[roles]]
name = "b"
capacity = 50
[[agents]]
name = "m"
resources = { cpus = 4, mem = 4096 }
[[frameworks]]
name = "A"
role = "a"
[[frameworks.jobs]]
tasks = 4
resources = { cpus = 1, mem = 1024 }
duration = "100s"
[[frameworks]]
name = "B"
role = "b"
[[frameworks.jobs]]
at = "10s"
tasks = 3
resources = { cpus = 1, mem = 1024 }
duration = "20s"
"#;
