//! What-if transforms end to end, through the command line: `[whatif]` in
//! the scenario and `--whatif KEY=VALUE`, on inline and trace workloads.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, root};

const CSVS: [&str; 4] = ["tasks.csv", "offers.csv", "shares.csv", "utilization.csv"];

/// Four 4-cpu agents; framework `a` submits `a0` (3 tasks) at 0, `a1`
/// (2 tasks) at 2h and `a2` (1 task) at 4h; framework `b` submits `b0`
/// (4 tasks) at 0 and `b1` (2 tasks) at 150m. Every task takes 10 s and
/// 1 cpu: 12 tasks, ordinals 0..5 in that order (a0 a1 a2 b0 b1).
const INLINE: &str = r#"
name = "w"
seed = 7

[[agents]]
name = "m"
count = 4
resources = { cpus = 4, mem = 8192 }

[[frameworks]]
name = "a"
[[frameworks.jobs]]
name = "a0"
tasks = 3
resources = { cpus = 1, mem = 1024 }
duration = "10s"
[[frameworks.jobs]]
name = "a1"
at = "2h"
tasks = 2
resources = { cpus = 1, mem = 1024 }
duration = "10s"
[[frameworks.jobs]]
name = "a2"
at = "4h"
tasks = 1
resources = { cpus = 1, mem = 1024 }
duration = "10s"

[[frameworks]]
name = "b"
[[frameworks.jobs]]
name = "b0"
tasks = 4
resources = { cpus = 1, mem = 2048 }
duration = "10s"
[[frameworks.jobs]]
name = "b1"
at = "150m"
tasks = 2
resources = { cpus = 1, mem = 2048 }
duration = "10s"
"#;

/// The SWF fixture (traces/tests/fixtures/swf/small.swf): 4 nodes of 4
/// cpus; jobs 1 (4 tasks, 100 s), 2 (8 tasks, 50 s), 3 (16 tasks, 300 s);
/// job 4 is cancelled (dropped). 28 tasks.
fn trace_scenario(dir: &Path, whatif: &str) -> PathBuf {
    let text = format!(
        "name = \"t\"\nseed = 3\n[workload]\ntrace = {{ format = \"swf\", path = \"{}\" }}\n{whatif}",
        root().join("traces/tests/fixtures/swf/small.swf").display()
    );
    let p = dir.join(format!("trace-{}.toml", fnv(whatif)));
    std::fs::write(&p, text).unwrap();
    p
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn inline_scenario(dir: &Path, whatif: &str) -> PathBuf {
    let p = dir.join(format!("inline-{}.toml", fnv(whatif)));
    std::fs::write(&p, format!("{INLINE}\n{whatif}")).unwrap();
    p
}

fn mesosim(args: &[&str], cwd: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mesosim runs")
}

/// `mesosim run SC --out DIR -q EXTRA...`; panics unless it succeeds.
fn run(sc: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "run",
        sc.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    args.extend_from_slice(extra);
    let o = mesosim(&args, out.parent().unwrap());
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&read(dir, "summary.json")).unwrap()
}

/// tasks.csv as (job_id, submit_us, start_us, end_us) rows.
fn tasks(dir: &Path) -> Vec<(String, u64, Option<u64>, Option<u64>)> {
    let text = String::from_utf8(read(dir, "tasks.csv")).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().starts_with("task_id,job_id,"));
    lines
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let opt = |s: &str| s.parse::<u64>().ok();
            (
                c[1].to_string(),
                c[5].parse().unwrap(),
                opt(c[6]),
                opt(c[7]),
            )
        })
        .collect()
}

/// utilization.csv's first `total` of a resource.
fn total(dir: &Path, resource: &str) -> String {
    let text = String::from_utf8(read(dir, "utilization.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| c[1] == resource)
        .map(|c| c[2].to_string())
        .unwrap()
}

#[test]
fn every_transform_is_deterministic() {
    let tmp = tempfile::tempdir().unwrap();
    let transforms = [
        "load = 1.5",
        "load = 0.5",
        "machines = 0.5",
        "machine_scale = { cpus = 2.0 }",
        "duration = 0.5",
        "window = [\"1h\", \"3h\"]",
        "sample = 0.5",
        "load = 2.5\nsample = 0.7\nmachines = 0.75\nduration = 1.5",
    ];
    for (i, t) in transforms.iter().enumerate() {
        for (kind, sc) in [
            (
                "inline",
                inline_scenario(tmp.path(), &format!("[whatif]\n{t}\n")),
            ),
            (
                "trace",
                trace_scenario(tmp.path(), &format!("[whatif]\n{t}\n")),
            ),
        ] {
            let a = tmp.path().join(format!("{kind}-{i}-a"));
            let b = tmp.path().join(format!("{kind}-{i}-b"));
            run(&sc, &a, &[]);
            run(&sc, &b, &[]);
            for f in CSVS.iter().chain(["summary.json"].iter()) {
                assert!(read(&a, f) == read(&b, f), "{kind} {t}: {f} differs");
            }
            assert!(summary(&a).get("whatif").is_some(), "{kind} {t}");
        }
    }
}

#[test]
fn identity_transforms_leave_outputs_byte_identical() {
    let tmp = tempfile::tempdir().unwrap();
    let identity = [
        "load = 1.0",
        "sample = 1.0",
        "machines = 1.0",
        "duration = 1.0",
        "machine_scale = { cpus = 1.0 }",
        "load = 1.0\nsample = 1.0\nmachines = 1.0\nduration = 1.0",
    ];
    for (kind, make) in [
        ("inline", inline_scenario as fn(&Path, &str) -> PathBuf),
        ("trace", trace_scenario as fn(&Path, &str) -> PathBuf),
    ] {
        let base = tmp.path().join(format!("{kind}-base"));
        run(&make(tmp.path(), ""), &base, &[]);
        let mut base_summary = summary(&base);
        assert!(base_summary.get("whatif").is_none());
        for (i, t) in identity.iter().enumerate() {
            let out = tmp.path().join(format!("{kind}-id-{i}"));
            run(&make(tmp.path(), &format!("[whatif]\n{t}\n")), &out, &[]);
            for f in CSVS {
                assert!(read(&base, f) == read(&out, f), "{kind} {t}: {f} differs");
            }
            // The summary differs only by its whatif record.
            let mut s = summary(&out);
            assert!(s.get("whatif").is_some());
            s.as_object_mut().unwrap().remove("whatif");
            base_summary.as_object_mut().unwrap().remove("whatif");
            assert_eq!(s, base_summary, "{kind} {t}");
        }
    }
}

#[test]
fn load_2_doubles_every_job_with_copies_named_star_1() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    run(&inline_scenario(tmp.path(), ""), &base, &[]);
    let out = tmp.path().join("load2");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nload = 2.0\n"),
        &out,
        &[],
    );
    let (b, d) = (tasks(&base), tasks(&out));
    // 12 tasks in the scenario (3 + 2 + 1 + 4 + 2); load 2 = 2 instances
    // of each job: 24.
    assert_eq!(b.len(), 12);
    assert_eq!(d.len(), 24);
    // Each job and its copy `NAME*1`, same size, same submission time.
    for job in ["a0", "a1", "a2", "b0", "b1"] {
        let orig: Vec<u64> = d.iter().filter(|t| t.0 == job).map(|t| t.1).collect();
        let copy_name = format!("{job}*1");
        let copy: Vec<u64> = d.iter().filter(|t| t.0 == copy_name).map(|t| t.1).collect();
        assert!(!orig.is_empty());
        assert_eq!(orig, copy, "{job}");
    }
    assert_eq!(summary(&out)["whatif"], serde_json::json!({ "load": 2.0 }));
    assert_eq!(summary(&out)["tasks"]["finished"], 24);

    // The trace: 28 tasks (4 + 8 + 16) become 56.
    let tb = tmp.path().join("trace-base");
    run(&trace_scenario(tmp.path(), ""), &tb, &[]);
    let t2 = tmp.path().join("trace-load2");
    run(
        &trace_scenario(tmp.path(), "[whatif]\nload = 2.0\n"),
        &t2,
        &[],
    );
    assert_eq!(tasks(&tb).len(), 28);
    assert_eq!(tasks(&t2).len(), 56);
}

#[test]
fn fractional_load_and_sample_keep_the_jobs_the_whatif_stream_picks() {
    // The expected instances per job come from the same function the run
    // uses (Whatif::copies over seed 7 and ordinals 0..5: a0 a1 a2 b0 b1).
    let tmp = tempfile::tempdir().unwrap();
    let sizes = [("a0", 3u64), ("a1", 2), ("a2", 1), ("b0", 4), ("b1", 2)];
    for t in [
        "load = 1.5",
        "load = 0.5",
        "sample = 0.5",
        "sample = 0.5\nload = 2.5",
    ] {
        let w = workloads::parse_scenario(
            &format!("[whatif]\n{t}\n"),
            "x.toml",
            Path::new(""),
            &workloads::LoadOptions::default(),
        )
        .unwrap()
        .whatif;
        let expected: u64 = sizes
            .iter()
            .enumerate()
            .map(|(i, (_, n))| w.copies(7, i as u64) * n)
            .sum();
        let out = tmp.path().join(format!("o-{}", fnv(t)));
        run(
            &inline_scenario(tmp.path(), &format!("[whatif]\n{t}\n")),
            &out,
            &[],
        );
        assert_eq!(tasks(&out).len() as u64, expected, "{t}");
    }
}

#[test]
fn machine_scale_and_machines_change_the_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    run(&inline_scenario(tmp.path(), ""), &base, &[]);
    // 4 agents × 4 cpus, 8192 MiB.
    assert_eq!(total(&base, "cpus"), "16");
    assert_eq!(total(&base, "mem"), "32768");
    let out = tmp.path().join("scaled");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nmachine_scale = { cpus = 2.0 }\n"),
        &out,
        &[],
    );
    // 4 × (4 × 2.0) cpus; memory unchanged.
    assert_eq!(total(&out, "cpus"), "32");
    assert_eq!(total(&out, "mem"), "32768");
    // machines = 0.5: exactly round(0.5 × 4) = 2 agents stay.
    let half = tmp.path().join("half");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nmachines = 0.5\n"),
        &half,
        &[],
    );
    assert_eq!(total(&half, "cpus"), "8");
    // machines = 0.6 of 4 is round(2.4) = 2 as well; 0.7 is round(2.8) = 3.
    let p7 = tmp.path().join("p7");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nmachines = 0.7\n"),
        &p7,
        &[],
    );
    assert_eq!(total(&p7, "cpus"), "12");
    // The trace's 4 nodes of 4 cpus (MaxProcs 16 / MaxNodes 4), scaled
    // by 1.5: 24 cpus.
    let t = tmp.path().join("trace");
    run(
        &trace_scenario(tmp.path(), "[whatif]\nmachine_scale = { cpus = 1.5 }\n"),
        &t,
        &[],
    );
    assert_eq!(total(&t, "cpus"), "24");
}

#[test]
fn duration_half_halves_every_task_in_tasks_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("half");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nduration = 0.5\n"),
        &out,
        &[],
    );
    let ts = tasks(&out);
    assert_eq!(ts.len(), 12);
    for (job, _, start, end) in &ts {
        // 10 s × 0.5 = 5 s.
        assert_eq!(end.unwrap() - start.unwrap(), 5_000_000, "{job}");
    }
    // The trace: 100 s, 50 s and 300 s become 50, 25 and 150 s.
    let t = tmp.path().join("trace");
    run(
        &trace_scenario(tmp.path(), "[whatif]\nduration = 0.5\n"),
        &t,
        &[],
    );
    let mut lens: Vec<u64> = tasks(&t)
        .iter()
        .map(|(_, _, s, e)| e.unwrap() - s.unwrap())
        .collect();
    lens.sort();
    lens.dedup();
    assert_eq!(lens, [25_000_000, 50_000_000, 150_000_000]);
}

#[test]
fn window_keeps_jobs_submitted_in_it_shifted_to_start_at_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("win");
    run(
        &inline_scenario(tmp.path(), "[whatif]\nwindow = [\"1h\", \"3h\"]\n"),
        &out,
        &[],
    );
    // a1 (2 tasks at 2h) and b1 (2 tasks at 150m) are in [1h, 3h); a0 and
    // b0 (at 0) and a2 (at 4h) are not. Shifted by -1h: 1h and 1h30m.
    let mut got: Vec<(String, u64)> = tasks(&out).into_iter().map(|t| (t.0, t.1)).collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("a1".to_string(), 3_600_000_000),
            ("a1".to_string(), 3_600_000_000),
            ("b1".to_string(), 5_400_000_000),
            ("b1".to_string(), 5_400_000_000),
        ]
    );
    assert_eq!(
        summary(&out)["whatif"],
        serde_json::json!({ "window": { "start_us": 3_600_000_000u64, "end_us": 10_800_000_000u64 } })
    );
    // The trace: submits at 0, 5 and 20 s; the window [5s, 20s) keeps job
    // 2 only (8 tasks), submitted at 0 after the shift.
    let t = tmp.path().join("trace");
    run(
        &trace_scenario(tmp.path(), "[whatif]\nwindow = [\"5s\", \"20s\"]\n"),
        &t,
        &[],
    );
    let ts = tasks(&t);
    assert_eq!(ts.len(), 8);
    assert!(ts.iter().all(|t| t.1 == 0));
}

#[test]
fn whatif_on_the_command_line_overrides_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = inline_scenario(tmp.path(), "[whatif]\nload = 3.0\nduration = 0.5\n");
    let file_only = tmp.path().join("file");
    run(&sc, &file_only, &[]);
    // 12 tasks × 3.
    assert_eq!(tasks(&file_only).len(), 36);
    let over = tmp.path().join("over");
    run(
        &sc,
        &over,
        &["--whatif", "load=2", "--whatif", "machine_scale.cpus=2"],
    );
    // load 2 from the flag, duration 0.5 from the file.
    assert_eq!(tasks(&over).len(), 24);
    assert_eq!(total(&over, "cpus"), "32");
    assert_eq!(
        summary(&over)["whatif"],
        serde_json::json!({ "load": 2.0, "duration": 0.5, "machine_scale": { "cpus": 2.0 } })
    );
    // The flag alone, on a scenario without [whatif], twice: same bytes.
    let plain = inline_scenario(tmp.path(), "");
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    run(
        &plain,
        &a,
        &[
            "--whatif",
            "sample=0.5",
            "--whatif",
            "window=[\"0s\",\"3h\"]",
        ],
    );
    run(
        &plain,
        &b,
        &[
            "--whatif",
            "sample=0.5",
            "--whatif",
            "window=[\"0s\",\"3h\"]",
        ],
    );
    for f in CSVS.iter().chain(["summary.json"].iter()) {
        assert!(read(&a, f) == read(&b, f), "{f}");
    }
    // A bad value: exit 2, the flag and key named, no output.
    let bad = tmp.path().join("bad");
    let o = mesosim(
        &[
            "run",
            plain.to_str().unwrap(),
            "--out",
            bad.to_str().unwrap(),
            "--whatif",
            "machines=1.5",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "error: --whatif machines: a fraction of the agents: greater than 0 and at most 1 (got 1.5)"
    );
    assert!(!bad.exists());
    // A bad value in the file: file:line:col.
    let sc = inline_scenario(tmp.path(), "[whatif]\nload = 0\n");
    let o = mesosim(
        &["run", sc.to_str().unwrap(), "--out", bad.to_str().unwrap()],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    // INLINE's lines, then a blank one and [whatif]: load is the third
    // line after INLINE.
    let line = INLINE.lines().count() + 3;
    assert!(
        err.contains(&format!(":{line}:1: whatif.load: must be greater than 0")),
        "{err}"
    );
}

#[test]
fn compare_applies_whatif_to_every_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = inline_scenario(tmp.path(), "");
    let out = tmp.path().join("cmp");
    let o = mesosim(
        &[
            "compare",
            sc.to_str().unwrap(),
            "--policies",
            "drf,fifo",
            "--seeds",
            "7..9",
            "--out",
            out.to_str().unwrap(),
            "--no-plots",
            "-q",
            "--whatif",
            "load=2",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for run in [
        "drf-offers-7",
        "drf-offers-8",
        "fifo-offers-7",
        "fifo-offers-8",
    ] {
        let dir = out.join("runs").join(run);
        // 12 tasks × 2.
        assert_eq!(tasks(&dir).len(), 24, "{run}");
        assert_eq!(summary(&dir)["whatif"], serde_json::json!({ "load": 2.0 }));
    }
}

#[test]
fn the_example_scenario_validates_and_runs() {
    let sc = root().join("workloads/scenarios/whatif.toml");
    let tmp = tempfile::tempdir().unwrap();
    let o = mesosim(&["validate", sc.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = tmp.path().join("ex");
    run(&sc, &out, &[]);
    assert!(summary(&out).get("whatif").is_some());
}
