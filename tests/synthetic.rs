//! End to end: a synthetic scenario runs deterministically, and `trace
//! fit` writes a model that a scenario can load.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mesosim(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mesosim"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("mesosim runs")
}

const FILES: &[&str] = &[
    "summary.json",
    "tasks.csv",
    "offers.csv",
    "shares.csv",
    "utilization.csv",
];

#[test]
fn example_runs_twice_with_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let sc = root().join("workloads/scenarios/synthetic.toml");
    let sc = sc.to_str().unwrap();
    for out in ["a", "b"] {
        let o = mesosim(&["run", sc, "--out", out], tmp.path());
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in FILES {
        let a = std::fs::read(tmp.path().join("a").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("b").join(f)).unwrap();
        assert!(a == b, "{f} differs between two runs");
    }
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("a/summary.json")).unwrap()).unwrap();
    // From the seeded generator (seed 11): 196 jobs, 559 tasks on the 10
    // machines of the two classes, 4 frameworks; all tasks finish.
    assert_eq!(
        s["synthetic"],
        serde_json::json!({"model": null, "scale": 1.0, "jobs": 196, "tasks": 559, "agents": 10, "frameworks": 4})
    );
    assert_eq!(s["tasks"]["finished"], 559);
    // Another seed draws another workload.
    let o = mesosim(&["run", sc, "--out", "c", "--seed", "12"], tmp.path());
    assert!(o.status.success());
    let c = std::fs::read(tmp.path().join("c/tasks.csv")).unwrap();
    assert_ne!(c, std::fs::read(tmp.path().join("a/tasks.csv")).unwrap());
}

#[test]
fn trace_fit_writes_a_model_a_scenario_loads() {
    let tmp = tempfile::tempdir().unwrap();
    let trace = root().join("traces/tests/fixtures/alibaba-2018");
    let o = mesosim(
        &[
            "trace",
            "fit",
            trace.to_str().unwrap(),
            "--format",
            "alibaba-2018",
            "--out",
            "m.toml",
            "--json",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["jobs"], 4);
    assert_eq!(j["tasks"], 16);
    // No temporary file is left beside the model.
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["m.toml".to_string()]);
    std::fs::write(
        tmp.path().join("sc.toml"),
        "name = \"fitted\"\n[workload.synthetic]\nmodel = \"m.toml\"\njobs = 20\n",
    )
    .unwrap();
    let o = mesosim(&["run", "sc.toml", "--out", "out"], tmp.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("out/summary.json")).unwrap())
            .unwrap();
    assert_eq!(s["synthetic"]["jobs"], 20);
    assert_eq!(s["synthetic"]["model"], "m.toml");
}

#[test]
fn trace_fit_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let o = mesosim(
        &["trace", "fit", ".", "--format", "nope", "--out", "m.toml"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(
        "--format: unknown trace format \"nope\"; known: google-2011, google-2019, alibaba-2017, alibaba-2018, alibaba-gpu-2020, alibaba-gpu-2023, swf, parquet"
    ));
    let o = mesosim(
        &[
            "trace",
            "fit",
            ".",
            "--format",
            "swf",
            "--out",
            "m.toml",
            "--durations",
            "gamma",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr).trim(),
        "error: --durations: expected empirical or lognormal, found \"gamma\""
    );
    assert!(!tmp.path().join("m.toml").exists());
}
