//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use sim::record::RunRecord;
use sim::spec::Spec;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn scenario_path(name: &str) -> PathBuf {
    root().join("workloads/scenarios").join(name)
}

/// Parses a scenario given as text.
pub fn spec(text: &str) -> Spec {
    let names = policies::names();
    workloads::parse_str(
        text,
        "test.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .unwrap_or_else(|e| panic!("scenario does not load: {e}"))
}

pub fn load(path: &Path) -> Spec {
    let names = policies::names();
    workloads::load_file(path, &workloads::LoadOptions { policies: &names })
        .unwrap_or_else(|e| panic!("scenario does not load: {e}"))
}

/// Runs a scenario in-process with the invariant check after every time.
pub fn run(spec: &Spec) -> RunRecord {
    let policy = policies::build(&spec.allocator.policy).expect("known policy");
    sim::engine::run(
        spec,
        policy,
        sim::engine::RunOptions {
            check_invariants: true,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .unwrap_or_else(|e| panic!("run failed: {e}"))
}

/// Runs a scenario with every book recomputed from scratch after every
/// virtual time as well (the explorer's deep checks).
pub fn run_deep(spec: &Spec) -> RunRecord {
    let policy = policies::build(&spec.allocator.policy).expect("known policy");
    sim::engine::run(
        spec,
        policy,
        sim::engine::RunOptions {
            check_invariants: true,
            deep_checks: true,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .unwrap_or_else(|e| panic!("run failed: {e}"))
}

/// Runs a scenario and returns the text of one output file.
pub fn output_file(spec: &Spec, file: &str) -> String {
    let rec = run(spec);
    let dir = tempfile::tempdir().expect("tempdir");
    reports::write_files(&rec, dir.path()).expect("write");
    std::fs::read_to_string(dir.path().join(file)).expect("read")
}

/// The mesosim binary built for these tests.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mesosim"))
}

/// Writes scenario `text` as DIR/NAME.toml, runs it through the CLI into
/// DIR/out-NAME (which it returns) and asserts that it succeeded.
pub fn run_cli(dir: &Path, name: &str, text: &str) -> PathBuf {
    let sc = dir.join(format!("{name}.toml"));
    std::fs::write(&sc, text).expect("write scenario");
    let out = dir.join(format!("out-{name}"));
    let o = Command::new(bin())
        .args([
            "run",
            sc.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "-q",
        ])
        .output()
        .expect("run mesosim");
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// A file of an output directory.
pub fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).expect("read output")
}
