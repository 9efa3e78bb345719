//! `[workload]` in a scenario: parsed by workloads, loaded by traces.

use std::path::{Path, PathBuf};

use workloads::{parse_str_with_workload, LoadOptions};

#[test]
fn workload_table_resolves_and_loads() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let text = "name = \"s\"\n\n[workload]\ntrace = { format = \"swf\", path = \"swf/small.swf\" }\non_error = \"skip\"\ncpus_per_unit = 2\n";
    let (mut spec, w) =
        parse_str_with_workload(text, "sc.toml", &dir, &LoadOptions::default()).unwrap();
    let w = w.unwrap();
    assert_eq!(w.path, dir.join("swf/small.swf"));
    assert_eq!(w.line, 3);
    assert!(spec.agents.is_empty() && spec.frameworks.is_empty());
    let (t, o) = traces::from_workload(&w).unwrap();
    assert_eq!(o.on_error, traces::OnError::Skip);
    let s = traces::load_workload(&t, &mut spec, &o).unwrap();
    assert_eq!(s.agents_added, 4);
    // MaxProcs 16 / MaxNodes 4 = 4 processors a node, 2 cpus each.
    assert_eq!(spec.agents[0].resources.0[0], 8_000);
    // parse_str still accepts the scenario (and leaves the trace out).
    assert!(workloads::parse_str(text, "sc.toml", &LoadOptions::default()).is_ok());
}

#[test]
fn bad_workload_options() {
    let text = "[workload]\ntrace = { format = \"swf\", path = \"x.swf\" }\nframeworks = 0\n";
    let (_, w) =
        parse_str_with_workload(text, "sc.toml", Path::new(""), &LoadOptions::default()).unwrap();
    assert_eq!(
        traces::from_workload(&w.unwrap()).unwrap_err().to_string(),
        "sc.toml:1: workload.frameworks: expected a whole number >= 1, found 0"
    );
    let text = "[workload]\ntrace = { format = \"swf\", path = \"missing.swf\" }\n";
    let (mut spec, w) = parse_str_with_workload(
        text,
        "sc.toml",
        Path::new("/nonexistent"),
        &LoadOptions::default(),
    )
    .unwrap();
    let (t, o) = traces::from_workload(&w.unwrap()).unwrap();
    assert_eq!(
        traces::load_workload(&t, &mut spec, &o)
            .unwrap_err()
            .to_string(),
        "/nonexistent/missing.swf: no such file or folder"
    );
}
