//! Oversubscription end to end (`[oversubscription]`, docs/isolation.md):
//! the example scenario workloads/scenarios/oversubscription.toml (and
//! variants of it) run through the `mesosim` CLI, outputs checked against
//! hand-computed values.
//!
//! The scenario, in short (its comments say more): agent m has 8 cpus and
//! 16384 MiB; "prod" launches at 0 one forever task requesting 8 cpus and
//! 8192 MiB that uses 2 cpus and 2048 MiB, 7 cpus from 60 s; "batch"
//! (`revocable = true`) and "web" register at 15 s with five and two tasks
//! of 1 cpu / 512 MiB (batch's use 0.5 cpus / 256 MiB). Executor overhead
//! is off, so usage is exactly what the jobs say. The estimator runs every
//! 15 s with safety margin 0.1; `agent_order = "joined"`, interval 1 s.

mod common;

use std::path::Path;

use common::{read, root, run_cli};

fn example() -> String {
    std::fs::read_to_string(root().join("workloads/scenarios/oversubscription.toml"))
        .expect("example scenario")
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(dir, "summary.json")).expect("summary.json parses")
}

/// tasks.csv rows as "task_id,framework,start_us,end_us,state".
fn tasks(dir: &Path) -> Vec<String> {
    read(dir, "tasks.csv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{},{}", c[0], c[2], c[6], c[7], c[8])
        })
        .collect()
}

/// offers.csv rows (without the header) of one framework.
fn offers_of(dir: &Path, fw: &str) -> Vec<String> {
    read(dir, "offers.csv")
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(2) == Some(fw))
        .map(str::to_string)
        .collect()
}

#[test]
fn slack_is_offered_as_revocable_and_the_qos_controller_takes_it_back() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(tmp.path(), "oversub", &example());
    // 0 s: prod takes the agent's 8 cpus (task 0). 15 s: the estimator
    // sees task 0 request 8 cpus / 8192 MiB and use 2 / 2048:
    // (8 - 2) x 0.9 = 5.4 cpus and (8192 - 2048) x 0.9 = 5529.6 MiB are
    // revocable. The registrations at 15 s ask for a pass; batch and web
    // both have share 0 and no allocations, batch sorts first by name and
    // gets the whole agent: regular mem 16384 - 8192 = 8192 plus the
    // revocable 5.4 cpus / 5529.6 MiB (offers.csv sums them by name:
    // 8192 + 5529.6 = 13721.6). No regular cpus are left, so its tasks go
    // on revocable resources: min(5.4 / 1, 5529.6 / 512) = 5 tasks, ids
    // 1-5, all started at 15 s.
    assert_eq!(
        offers_of(&out, "batch")[0],
        "15000000,3,batch,*,m,5.4,13721.6,0,0,accepted,5"
    );
    // 60 s: task 0's phase makes it want 7 cpus: 7 + 5 x 0.5 = 9.5 > 8.
    // The QoS controller kills the most recently started revocable task
    // first (equal start times: the highest id): 5 (9.0 left), 4 (8.5),
    // 3 (8.0 <= 8: fits). batch is not partition aware: TASK_LOST.
    // Tasks 1 and 2 run to the end (90 s; they would end at 615 s); web's
    // tasks never start (no regular cpus, and never revocable ones).
    assert_eq!(
        tasks(&out),
        vec![
            "0,prod,0,,running",
            "1,batch,15000000,,running",
            "2,batch,15000000,,running",
            "3,batch,15000000,60000000,lost",
            "4,batch,15000000,60000000,lost",
            "5,batch,15000000,60000000,lost",
            "6,web,,,pending",
            "7,web,,,pending",
        ]
    );
    let s = summary(&out);
    assert_eq!(s["tasks"]["lost"], 3);
    assert_eq!(s["isolation"]["revocable_kills"], 3);
    assert_eq!(s["isolation"]["revocable_tasks"], 5);
    // Offers that carried revocable resources, all to batch (offers.csv):
    // 15 s (accepted); its 5 s filters on the leftovers (0.4 cpus,
    // 2969.6 MiB revocable) expire every 5 s: 20, 25, ..., 60 s (9 more,
    // the one at 60 s with 0 revocable cpus but 2969.6 MiB); 61 s (the 3
    // cpus the kills freed, beyond what its 60 s filter refused); 62 s
    // (with the regular 8192 MiB web declined at 61 s); then every 5 s:
    // 67, 72, 77, 82, 87 s. 1 + 9 + 1 + 1 + 5 = 17.
    assert_eq!(s["isolation"]["revocable_offered"], 17);
    // utilization.csv counts regular resources in `total` and `allocated`
    // (Mesos's master/cpus_total, cpus_used); `used` is what runs: at 15 s
    // 2 + 5 x 0.5 = 4.5 cpus and 2048 + 5 x 256 = 3328 MiB; at 60 s after
    // the kills 7 + 2 x 0.5 = 8 cpus and 2048 + 2 x 256 = 2560 MiB.
    let util = read(&out, "utilization.csv");
    for line in [
        "\n15000000,cpus,8,8,4.5\n",
        "\n15000000,mem,16384,8192,3328\n",
        "\n60000000,cpus,8,8,8\n",
        "\n60000000,mem,16384,8192,2560\n",
    ] {
        assert!(util.contains(line), "{line:?} in {util}");
    }
    // Revocable allocations count in DRF shares, over a total that holds
    // the revocable resources: at 15 s batch holds 5 cpus of 8 + 5.4 =
    // 13.4 and 2560 MiB of 16384 + 5529.6: share 5 / 13.4. At 60 s the
    // estimate is (8 - 7) x 0.9 = 0.9 cpus, but the total never drops
    // below what revocable tasks hold (5 cpus before the kills): 8 + 5 =
    // 13 cpus; after the kills batch holds 2: share 2 / 13.
    let shares = read(&out, "shares.csv");
    let five = 5.0f64 / 13.4;
    let two = 2.0f64 / 13.0;
    assert!(
        shares.contains(&format!("\n15000000,batch,*,{five},5,2560,0,0,5\n")),
        "{shares}"
    );
    assert!(
        shares.contains(&format!("\n60000000,batch,*,{two},2,1024,0,0,2\n")),
        "{shares}"
    );
}

#[test]
fn frameworks_without_the_capability_never_get_revocable_resources() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_cli(tmp.path(), "oversub", &example());
    // Every regular cpu is task 0's from 0 s on, so any cpus in a later
    // offer to prod or web would be revocable: there are none.
    for fw in ["prod", "web"] {
        let rows = offers_of(&out, fw);
        assert!(!rows.is_empty());
        for r in rows.iter().filter(|r| !r.starts_with("0,")) {
            assert_eq!(r.split(',').nth(5), Some("0"), "{fw}: {r}");
        }
    }
    // Without `revocable = true` batch is like web: offered regular memory
    // only, no task starts, nothing revocable is offered or killed.
    let text = example().replace("revocable = true\n", "");
    let out = run_cli(tmp.path(), "no-capability", &text);
    let s = summary(&out);
    assert_eq!(s["tasks"]["pending"], 7);
    assert_eq!(s["isolation"]["revocable_offered"], 0);
    assert_eq!(s["isolation"]["revocable_tasks"], 0);
    assert_eq!(s["isolation"]["revocable_kills"], 0);
}

#[test]
fn partition_aware_frameworks_see_qos_kills_as_gone() {
    let tmp = tempfile::tempdir().unwrap();
    let text = example().replace(
        "revocable = true\n",
        "revocable = true\npartition_aware = true\n",
    );
    let out = run_cli(tmp.path(), "gone", &text);
    // The same three kills at 60 s (see the first test), TASK_GONE.
    let t = tasks(&out);
    assert_eq!(
        &t[3..6],
        &[
            "3,batch,15000000,60000000,gone",
            "4,batch,15000000,60000000,gone",
            "5,batch,15000000,60000000,gone",
        ]
    );
    assert_eq!(summary(&out)["tasks"]["gone"], 3);
}

#[test]
fn the_estimator_interval_and_margin_are_the_scenarios() {
    let tmp = tempfile::tempdir().unwrap();
    // Estimator every 10 s with half withheld: at 10 s (before batch
    // registers at 15 s) (8 - 2) x 0.5 = 3 cpus and (8192 - 2048) x 0.5
    // = 3072 MiB; batch's offer at 15 s: 3 cpus, 8192 + 3072 = 11264 MiB;
    // min(3 / 1, 3072 / 512) = 3 revocable tasks.
    let text = example()
        .replace("safety_margin = 0.1", "safety_margin = 0.5")
        .replace(
            "estimator_interval = \"15s\"",
            "estimator_interval = \"10s\"",
        );
    let out = run_cli(tmp.path(), "margin", &text);
    assert_eq!(
        offers_of(&out, "batch")[0],
        "15000000,3,batch,*,m,3,11264,0,0,accepted,3"
    );
    // At 60 s: 7 + 3 x 0.5 = 8.5 > 8: task 3 (the last started) goes,
    // 8.0 fits. The estimate at 60 s, (8 - 7) x 0.5 = 0.5 cpus, is below
    // the 3 cpus revocable tasks held then, so the revocable total stays
    // 3 cpus until the next estimate (70 s): the cpu task 3 freed is
    // offered again at 61 s (batch's 60 s filter refused no cpus), batch
    // launches task 4 on it, and 7 + 3 x 0.5 > 8 again: killed at once.
    // The same at 62 s for task 5 (the 61 s offer had no regular memory:
    // web, share 0, took it first). Then batch has nothing pending, and
    // from 70 s the revocable total is max(0.5, 2 held) = 2: none free.
    assert_eq!(
        &tasks(&out)[3..6],
        &[
            "3,batch,15000000,60000000,lost",
            "4,batch,61000000,61000000,lost",
            "5,batch,62000000,62000000,lost",
        ]
    );
    assert_eq!(summary(&out)["isolation"]["revocable_kills"], 3);
    assert_eq!(summary(&out)["isolation"]["revocable_tasks"], 5);
}

#[test]
fn runs_are_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run_cli(tmp.path(), "a", &example());
    let b = run_cli(tmp.path(), "b", &example());
    for f in [
        "summary.json",
        "tasks.csv",
        "offers.csv",
        "shares.csv",
        "utilization.csv",
    ] {
        assert_eq!(read(&a, f), read(&b, f), "{f}");
    }
}

#[test]
fn accounting_without_oversubscription_reports_no_revocable_counts() {
    let tmp = tempfile::tempdir().unwrap();
    // `enabled = false` leaves oversubscription off; [isolation] keeps
    // accounting on, whose summary has no revocable_offered/_tasks keys.
    let text = example().replace("enabled = true", "enabled = false");
    let out = run_cli(tmp.path(), "off", &text);
    let s = summary(&out);
    assert_eq!(s["isolation"]["revocable_kills"], 0);
    assert!(s["isolation"].get("revocable_offered").is_none());
    assert!(s["isolation"].get("revocable_tasks").is_none());
    assert_eq!(s["tasks"]["pending"], 7);
}

fn load_err(text: &str) -> String {
    let names = policies::names();
    workloads::parse_str(
        text,
        "sc.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .map(|_| ())
    .expect_err("scenario must be refused")
    .to_string()
}

#[test]
fn oversubscription_keys_are_checked() {
    assert_eq!(
        load_err("[oversubscription]\nsafety_margin = 0.1\n"),
        "sc.toml:1:1: oversubscription.enabled: missing required key `enabled` (true turns oversubscription on)"
    );
    assert_eq!(
        load_err("[oversubscription]\nenabled = true\nsafety_margin = 1.5\n"),
        "sc.toml:3:1: oversubscription.safety_margin: safety_margin is the fraction of the estimate withheld, from 0 to 1 (got 1.5)"
    );
    assert_eq!(
        load_err("[oversubscription]\nenabled = true\nestimator_interval = \"0s\"\n"),
        "sc.toml:3:1: oversubscription.estimator_interval: must be greater than 0"
    );
    assert_eq!(
        load_err("[allocator]\nmode = \"tasks\"\n[oversubscription]\nenabled = true\n"),
        "sc.toml:4:1: oversubscription.enabled: oversubscription needs mode = \"offers\" (revocable resources are offered)"
    );
    // Oversubscription turns accounting on, with the usage model's
    // defaults.
    let names = policies::names();
    let spec = workloads::parse_str(
        "[oversubscription]\nenabled = true\n",
        "sc.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .unwrap();
    let iso = spec.isolation.expect("accounting on");
    let o = iso.oversubscription.expect("oversubscription on");
    assert_eq!(o.safety_margin_ppm, 100_000);
    assert_eq!(o.interval_us, 15_000_000);
    assert!(iso.executor_overhead);
    assert_eq!(iso.usage_cpus, 0.8);
}
