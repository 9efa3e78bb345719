//! `mesosim run` on a trace with a corrupt line, for every format: by
//! default exit 2 with `FILE:LINE: column NAME: expected ..., found ...`;
//! with `on_error = "skip"` the run succeeds and summary.json's
//! `trace.skipped` holds the same counts as `mesosim trace inspect
//! --on-error skip --json`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{bin, root};

fn mesosim(args: &[&str], cwd: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mesosim runs")
}

fn fixture(name: &str) -> PathBuf {
    root().join("traces/tests/fixtures").join(name)
}

/// One format's trace folder with one corrupt line; the expected error
/// (file name, line and column) and the skip reason.
struct Case {
    format: &'static str,
    /// (file name, contents) of the trace folder.
    files: Vec<(String, String)>,
    /// The tail of the error: `NAME:LINE: column COL: expected ...`.
    error: &'static str,
    /// The skip-count key.
    reason: &'static str,
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(p).expect("fixture")
}

fn cases() -> Vec<Case> {
    let g11 = fixture("google-2011");
    let g19 = fixture("google-2019");
    let a18 = fixture("alibaba-2018");
    let a23 = fixture("alibaba-gpu-2023");
    vec![
        Case {
            format: "google-2011",
            files: vec![
                (
                    "machine_events-part-00000-of-00001.csv".into(),
                    read(g11.join("machine_events-part-00000-of-00001.csv")),
                ),
                (
                    // The fixture has 10 lines; line 11 has "abc" as task index.
                    "task_events-part-00000-of-00001.csv".into(),
                    read(g11.join("task_events-part-00000-of-00001.csv"))
                        + "902000000,,6251812952,abc,6,4,u,0,0,0.0625,0.01,0.0003,0\n",
                ),
            ],
            error: "task_events-part-00000-of-00001.csv:11: column task_index: expected an integer, found \"abc\"",
            reason: "task_index: expected an integer",
        },
        Case {
            format: "google-2019",
            files: vec![
                ("machine_events.json".into(), read(g19.join("machine_events.json"))),
                ("collection_events.json".into(), read(g19.join("collection_events.json"))),
                (
                    // 9 lines, then a truncated object on line 10.
                    "instance_events.json".into(),
                    read(g19.join("instance_events.json")) + "{\"time\":\"6\n",
                ),
            ],
            error: "instance_events.json:10: column (record): expected a JSON object, found \"{\\\"time\\\":\\\"6\"",
            reason: "(record): expected a JSON object",
        },
        Case {
            format: "alibaba-2017",
            files: vec![
                ("server_event.csv".into(), "0,1,add,,64,0.5,0.5\n0,2,add,,64,0.5,0.5\n".into()),
                (
                    "batch_task.csv".into(),
                    "100,200,1,1,5,Terminated,50,0.01\n100,300,2,1,abc,Terminated,50,0.01\n150,400,3,1,2,Terminated,100,0.02\n".into(),
                ),
            ],
            error: "batch_task.csv:2: column instance_num: expected an integer, found \"abc\"",
            reason: "instance_num: expected an integer",
        },
        Case {
            format: "alibaba-2018",
            files: vec![
                ("machine_meta.csv".into(), read(a18.join("machine_meta.csv"))),
                (
                    // 4 lines, then a short row (3 of 9 columns) on line 5.
                    "batch_task.csv".into(),
                    read(a18.join("batch_task.csv")) + "M3,2,j_9\n",
                ),
            ],
            error: "batch_task.csv:5: column task_type: expected 9 columns, found 3",
            reason: "task_type: expected 9 columns",
        },
        Case {
            format: "alibaba-gpu-2020",
            files: vec![
                ("pai_machine_spec.csv".into(), "m1,V100,96,512,8\nm2,V100,96,512,8\n".into()),
                ("pai_job_table.csv".into(), "j1,i1,u1,Terminated,100,200\nj2,i2,u1,Terminated,100,300\n".into()),
                (
                    "pai_task_table.csv".into(),
                    "j1,t1,2,Terminated,100,200,600,29,100,V100\nj2,t1,2,Terminated,100,300,xyz,29,100,V100\n".into(),
                ),
            ],
            error: "pai_task_table.csv:2: column plan_cpu: expected a number, found \"xyz\"",
            reason: "plan_cpu: expected a number",
        },
        Case {
            format: "alibaba-gpu-2023",
            files: vec![
                (
                    "openb_node_list_all_node.csv".into(),
                    read(a23.join("openb_node_list_all_node.csv")),
                ),
                (
                    // Header + 4 pods, then a bad cpu_milli on line 6.
                    "openb_pod_list_default.csv".into(),
                    read(a23.join("openb_pod_list_default.csv"))
                        + "openb-pod-0009,lots,16384,1,1000,,LS,Running,0,100,0\n",
                ),
            ],
            error: "openb_pod_list_default.csv:6: column cpu_milli: expected a number, found \"lots\"",
            reason: "cpu_milli: expected a number",
        },
        Case {
            format: "swf",
            files: vec![(
                // 12 lines, then a run time that is not a number on line 13.
                "small.swf".into(),
                read(fixture("swf/small.swf"))
                    + "    5     30      0    ten    2  -1  -1    2    60  -1  1  9  1  3  1  1 -1 -1\n",
            )],
            error: "small.swf:13: column run_time: expected an integer, found \"ten\"",
            reason: "run_time: expected an integer",
        },
    ]
}

fn write_case(dir: &Path, c: &Case, on_error: Option<&str>) -> PathBuf {
    let tdir = dir.join("trace");
    std::fs::create_dir_all(&tdir).unwrap();
    for (name, text) in &c.files {
        std::fs::write(tdir.join(name), text).unwrap();
    }
    let path = if c.format == "swf" {
        "trace/small.swf"
    } else {
        "trace"
    };
    let mut sc = format!(
        "name = \"t\"\nend = \"1h\"\n[workload]\ntrace = {{ format = \"{}\", path = \"{path}\" }}\n",
        c.format
    );
    if let Some(o) = on_error {
        sc.push_str(&format!("on_error = \"{o}\"\n"));
    }
    let p = dir.join("sc.toml");
    std::fs::write(&p, sc).unwrap();
    p
}

#[test]
fn a_corrupt_line_stops_the_run_with_exit_2_in_every_format() {
    for c in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let sc = write_case(tmp.path(), &c, None);
        let out = tmp.path().join("out");
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
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{}: {err}", c.format);
        assert!(
            err.contains(c.error),
            "{}: expected {:?} in {err}",
            c.format,
            c.error
        );
        // The message starts with the file's path, then its line.
        assert!(err.starts_with("error: "), "{}: {err}", c.format);
        assert!(!out.exists(), "{}: no output after a failed run", c.format);
    }
}

#[test]
fn skipped_lines_are_counted_in_summary_json_as_inspect_counts_them() {
    for c in cases() {
        let tmp = tempfile::tempdir().unwrap();
        let sc = write_case(tmp.path(), &c, Some("skip"));
        let out = tmp.path().join("out");
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
            "{}: {}",
            c.format,
            String::from_utf8_lossy(&o.stderr)
        );
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        let trace = &summary["trace"];
        assert_eq!(trace["format"], c.format);
        // Exactly the one corrupt line, under its reason.
        assert_eq!(
            trace["skipped"],
            serde_json::json!({ c.reason: 1 }),
            "{}",
            c.format
        );
        let path = if c.format == "swf" {
            "trace/small.swf"
        } else {
            "trace"
        };
        let i = mesosim(
            &[
                "trace",
                "inspect",
                path,
                "--format",
                c.format,
                "--on-error",
                "skip",
                "--json",
            ],
            tmp.path(),
        );
        assert!(i.status.success(), "{}", String::from_utf8_lossy(&i.stderr));
        let inspect: serde_json::Value = serde_json::from_slice(&i.stdout).unwrap();
        assert_eq!(inspect["skipped"], trace["skipped"], "{}", c.format);
        assert_eq!(inspect["lines"], trace["lines"], "{}", c.format);
        // Without --on-error skip, inspect stops like the run: exit 2.
        let i = mesosim(
            &["trace", "inspect", path, "--format", c.format, "--json"],
            tmp.path(),
        );
        assert_eq!(i.status.code(), Some(2), "{}", c.format);
        assert!(String::from_utf8_lossy(&i.stderr).contains(c.error));
    }
}

#[test]
fn trace_lines_count_data_lines_of_the_tables_read() {
    // alibaba-2017: 2 server_event lines + 3 batch_task lines = 5.
    let c = cases()
        .into_iter()
        .find(|c| c.format == "alibaba-2017")
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let sc = write_case(tmp.path(), &c, Some("skip"));
    let out = tmp.path().join("out");
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
    assert!(o.status.success());
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["trace"]["lines"], 5);
    assert_eq!(
        s["trace"]["path"],
        tmp.path().join("trace").display().to_string()
    );
    // A scenario without a trace has no `trace` key.
    let plain = tmp.path().join("plain.toml");
    std::fs::write(
        &plain,
        "[[agents]]\nname = \"a\"\nresources = { cpus = 1, mem = 64 }\n",
    )
    .unwrap();
    let out2 = tmp.path().join("out2");
    let o = mesosim(
        &[
            "run",
            plain.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
            "-q",
        ],
        tmp.path(),
    );
    assert!(o.status.success());
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out2.join("summary.json")).unwrap()).unwrap();
    assert!(s.get("trace").is_none());
    assert!(s.get("whatif").is_none());
}
