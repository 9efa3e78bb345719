//! `mesosim trace convert` and `format = "parquet"` end to end, on the
//! real samples in ../shared/traces: the Parquet file inspects as the raw
//! trace does (the same JSON), a run on it writes byte-identical
//! tasks.csv and offers.csv, and summary.json differs only in the
//! `trace` fields that name the file (`format`, `path`,
//! `source_format`). Bad input: exit 2, a message naming the file, and
//! no half-written output.
#![cfg(feature = "parquet")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, read, root, run_cli};

fn mesosim(args: &[&str], cwd: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mesosim runs")
}

fn shared(rel: &str) -> PathBuf {
    let dir = root().join("../shared/traces");
    assert!(
        dir.is_dir(),
        "the shared trace samples are missing: expected {} (CI has it)",
        dir.display()
    );
    dir.join(rel)
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn convert(src: &Path, format: &str, out: &Path) -> serde_json::Value {
    let o = mesosim(
        &[
            "trace",
            "convert",
            src.to_str().unwrap(),
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ],
        &root(),
    );
    serde_json::from_str(ok(&o).trim()).expect("one JSON object")
}

fn inspect(path: &Path, format: &str) -> String {
    let o = mesosim(
        &[
            "trace",
            "inspect",
            path.to_str().unwrap(),
            "--format",
            format,
            "--json",
        ],
        &root(),
    );
    ok(&o)
}

/// Runs `scenario` (with `TRACE` replaced by the trace's table) on the
/// raw trace and on its conversion and checks the outputs agree.
fn same_run(dir: &Path, format: &str, src: &Path, pq: &Path, scenario: &str) -> String {
    let table = |f: &str, p: &Path| format!("{{ format = \"{f}\", path = \"{}\" }}", p.display());
    let a = run_cli(dir, "raw", &scenario.replace("TRACE", &table(format, src)));
    let b = run_cli(dir, "pq", &scenario.replace("TRACE", &table("parquet", pq)));
    let tasks = read(&a, "tasks.csv");
    assert!(tasks == read(&b, "tasks.csv"), "tasks.csv differs");
    assert!(
        read(&a, "offers.csv") == read(&b, "offers.csv"),
        "offers.csv differs"
    );
    for f in ["shares.csv", "utilization.csv"] {
        assert!(read(&a, f) == read(&b, f), "{f} differs");
    }
    let mut sa: serde_json::Value = serde_json::from_str(&read(&a, "summary.json")).unwrap();
    let mut sb: serde_json::Value = serde_json::from_str(&read(&b, "summary.json")).unwrap();
    assert_eq!(sa["trace"]["format"], format);
    assert_eq!(sb["trace"]["format"], "parquet");
    assert_eq!(sb["trace"]["source_format"], format);
    assert_eq!(sb["trace"]["path"], pq.display().to_string());
    for s in [&mut sa, &mut sb] {
        let t = s["trace"].as_object_mut().unwrap();
        for k in ["format", "path", "source_format"] {
            t.remove(k);
        }
    }
    assert_eq!(sa, sb);
    tasks
}

#[test]
fn alibaba_2017_converted_inspects_and_runs_as_the_raw_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let src = shared("alibaba-2017");
    let pq = tmp.path().join("a17.parquet");
    let w = convert(&src, "alibaba-2017", &pq);
    // README: server_event 1,352 rows + batch_task 80,553 rows, one record
    // each; 65,536 rows a row group.
    assert_eq!(w["records"], 81_905);
    assert_eq!(w["lines"], 81_905);
    assert_eq!(w["row_groups"], 2);

    let raw = inspect(&src, "alibaba-2017");
    assert_eq!(inspect(&pq, "parquet"), raw);
    let j: serde_json::Value = serde_json::from_str(&raw).unwrap();
    // README and traces/tests/golden.rs: the complete tables.
    assert_eq!(j["format"], "alibaba-2017");
    assert_eq!(j["task_rows"], 80_553);
    assert_eq!(j["jobs"], 12_951);
    assert_eq!(j["tasks"], 11_909_321);
    assert_eq!(j["machines"], 1_313);

    // A 1% sample of the jobs of the trace's first hour, on its 1,313
    // machines, 8 frameworks: small enough for a debug build.
    let sc = "name = \"a17\"\nend = \"1h\"\n\
              [workload]\ntrace = TRACE\nframeworks = 8\n\
              [whatif]\nwindow = [\"0s\", \"1h\"]\nsample = 0.01\n";
    let tasks = same_run(tmp.path(), "alibaba-2017", &src, &pq, sc);
    // Header + the 2,114 tasks of that sample (what the raw trace's run
    // gives; both runs are compared byte for byte above).
    assert_eq!(tasks.lines().count(), 1 + 2_114);
}

#[test]
fn google_2011_head_rows_converted_run_as_the_raw_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let src = shared("google-2011");
    let pq = tmp.path().join("g11.parquet");
    let w = convert(&src, "google-2011", &pq);
    // README: 3 machine_events and 3 task_events head rows.
    assert_eq!(w["records"], 6);
    assert_eq!(inspect(&pq, "parquet"), inspect(&src, "google-2011"));
    let sc = "name = \"g11\"\nend = \"1h\"\n[workload]\ntrace = TRACE\n";
    let tasks = same_run(tmp.path(), "google-2011", &src, &pq, sc);
    // The 3 head task_events rows are SUBMITs that never reach SCHEDULE
    // in the excerpt: all dropped ("never started"), tasks.csv is its
    // header.
    assert_eq!(tasks.lines().count(), 1, "{tasks}");

    // The schema-exact fixture (its first rows are the real head rows)
    // has tasks that run: 2 finish, 1 runs to the end.
    let src = root().join("traces/tests/fixtures/google-2011");
    let pq = tmp.path().join("g11f.parquet");
    assert_eq!(convert(&src, "google-2011", &pq)["records"], 14);
    assert_eq!(inspect(&pq, "parquet"), inspect(&src, "google-2011"));
    let tasks = same_run(tmp.path(), "google-2011", &src, &pq, sc);
    assert_eq!(tasks.lines().count(), 1 + 3, "{tasks}");
}

#[test]
fn swf_fixture_converted_keeps_its_header_cluster() {
    // SWF's cluster comes from its header comments (MaxNodes, MaxProcs),
    // which the footer carries.
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("traces/tests/fixtures/swf/small.swf");
    let pq = tmp.path().join("swf.parquet");
    convert(&src, "swf", &pq);
    assert_eq!(inspect(&pq, "parquet"), inspect(&src, "swf"));
    let sc = "name = \"swf\"\n[workload]\ntrace = TRACE\n";
    same_run(tmp.path(), "swf", &src, &pq, sc);
}

fn fails(args: &[&str], cwd: &Path) -> String {
    let o = mesosim(args, cwd);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stderr).unwrap()
}

#[test]
fn bad_parquet_input_exits_2_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fn args(p: &str) -> [&str; 5] {
        ["trace", "inspect", p, "--format", "parquet"]
    }
    assert_eq!(
        fails(&args("missing.parquet"), d),
        "error: missing.parquet: no such file or folder\n"
    );
    std::fs::write(d.join("text.parquet"), "not parquet\n").unwrap();
    let e = fails(&args("text.parquet"), d);
    assert!(
        e.starts_with(
            "error: text.parquet: expected a Parquet file (from `mesosim trace convert`), found something else ("
        ),
        "{e}"
    );
    // The same in a scenario: exit 2, no output directory.
    std::fs::write(
        d.join("sc.toml"),
        "name = \"t\"\n[workload]\ntrace = { format = \"parquet\", path = \"text.parquet\" }\n",
    )
    .unwrap();
    let e = fails(&["run", "sc.toml", "--out", "out", "-q"], d);
    assert!(e.contains("text.parquet: expected a Parquet file"), "{e}");
    assert!(!d.join("out").exists());
}

/// The folder's entries, sorted.
fn entries(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failed_convert_leaves_no_file_and_the_old_one_as_it_was() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // Line 2's instance_num is not an integer.
    std::fs::write(
        d.join("batch_task.csv"),
        "1,2,10,1,5,Terminated,50,0.1\n1,2,10,2,abc,Terminated,50,0.1\n",
    )
    .unwrap();
    let args = [
        "trace",
        "convert",
        "batch_task.csv",
        "--format",
        "alibaba-2017",
        "--out",
        "t.parquet",
    ];
    assert_eq!(
        fails(&args, d),
        "error: batch_task.csv:2: column instance_num: expected an integer, found \"abc\"\n"
    );
    assert_eq!(entries(d), ["batch_task.csv"]);
    // An old file of that name stays as it was.
    std::fs::write(d.join("t.parquet"), "old").unwrap();
    fails(&args, d);
    assert_eq!(entries(d), ["batch_task.csv", "t.parquet"]);
    assert_eq!(std::fs::read_to_string(d.join("t.parquet")).unwrap(), "old");
    // With --on-error skip it is replaced, and the skip is kept.
    let mut skip = args.to_vec();
    skip.extend(["--on-error", "skip", "--json"]);
    let w: serde_json::Value = serde_json::from_str(ok(&mesosim(&skip, d)).trim()).unwrap();
    assert_eq!(w["records"], 1);
    assert_eq!(w["skipped"]["instance_num: expected an integer"], 1);
    assert_eq!(entries(d), ["batch_task.csv", "t.parquet"]);
    let j: serde_json::Value =
        serde_json::from_str(&inspect(&d.join("t.parquet"), "parquet")).unwrap();
    assert_eq!(j["skipped"]["instance_num: expected an integer"], 1);
    assert_eq!(j["lines"], 2);
}

#[test]
fn convert_refuses_unknown_formats_and_missing_traces() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let e = fails(
        &[
            "trace",
            "convert",
            "x",
            "--format",
            "nope",
            "--out",
            "t.parquet",
        ],
        d,
    );
    assert!(
        e.starts_with("error: --format: unknown trace format \"nope\""),
        "{e}"
    );
    assert_eq!(
        fails(
            &[
                "trace",
                "convert",
                "x.csv",
                "--format",
                "swf",
                "--out",
                "t.parquet"
            ],
            d
        ),
        "error: x.csv: no such file or folder\n"
    );
    assert_eq!(entries(d), Vec::<String>::new());
}
