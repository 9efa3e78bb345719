//! `mesosim check`: exit codes, messages and JUnit XML.

mod common;

use std::process::Command;

fn data(name: &str) -> std::path::PathBuf {
    common::root().join("tests/data").join(name)
}

#[test]
fn passes_when_expectations_hold() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("junit.xml");
    let out = Command::new(common::bin())
        .arg("check")
        .arg(data("check-pass.toml"))
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert_eq!(xml.matches("<testcase ").count(), 4, "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}

#[test]
fn fails_with_exit_1_and_a_junit_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let junit = tmp.path().join("junit.xml");
    let out = Command::new(common::bin())
        .arg("check")
        .arg(data("check-fail.toml"))
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Expected against actual: the run's p95 wait is 16 s (tests/metrics.rs).
    assert!(
        stdout.contains("p95_wait_us: expected <= 2000000, actual 16000000"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), 5, "{xml}");
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(
        xml.contains("expected &lt;= 2000000, actual 16000000"),
        "{xml}"
    );
}

#[test]
fn baseline_catches_a_fairness_regression() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("base");
    let st = Command::new(common::bin())
        .arg("check")
        .arg(data("check-pass.toml"))
        .arg("--out")
        .arg(&base)
        .output()
        .unwrap();
    assert!(st.status.success());
    // Against itself: nothing got worse.
    let st = Command::new(common::bin())
        .arg("check")
        .arg(data("check-pass.toml"))
        .arg("--baseline")
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    // A baseline that was fairer (jain_backlogged 0.9 > the run's 0.6875).
    let p = base.join("check-pass/drf/summary.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    v["fairness"]["jain_backlogged"] = serde_json::json!(0.9);
    std::fs::write(&p, v.to_string()).unwrap();
    let out = Command::new(common::bin())
        .arg("check")
        .arg(data("check-pass.toml"))
        .arg("--baseline")
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("fairness.jain_backlogged got worse"));
}

#[test]
fn bad_expectations_are_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data("check-pass.toml")).unwrap();
    for (extra, what) in [
        (
            "[[expect]]\nmetric = \"no_such_metric\"\nmin = 1\n",
            "no metric",
        ),
        ("[[expect]]\nmetric = \"x\"\nminimum = 1\n", "unknown key"),
        (
            "[[expect]]\nmetric = \"x\"\nmin = 1\npolicy = \"nosuch\"\n",
            "nosuch",
        ),
    ] {
        let p = tmp.path().join("bad.toml");
        std::fs::write(&p, format!("{text}\n{extra}")).unwrap();
        let out = Command::new(common::bin())
            .arg("check")
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(what),
            "{extra}"
        );
    }
    // The scenario loader accepts [[expect]] (validate, run).
    let st = Command::new(common::bin())
        .arg("validate")
        .arg(data("check-pass.toml"))
        .output()
        .unwrap();
    assert!(st.status.success());
}
