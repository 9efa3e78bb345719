//! Every bundled example scenario loads, and the documented ones say what
//! the docs say they do.

use std::path::{Path, PathBuf};

use sim::spec::{AgentOrder, Behavior, Mode};
use workloads::{load_file, LoadOptions};

/// Every policy name (workloads cannot depend on the policies crate; the
/// CLI test `policies_lists_every_policy_with_a_description` keeps the two
/// lists honest).
const OPTS: LoadOptions = LoadOptions {
    policies: &[
        "drf",
        "random",
        "asset",
        "fifo",
        "priority",
        "bottleneck",
        "drfh",
        "hdrf",
        "ceei",
        "slots",
        "capacity",
        "tetris",
    ],
};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios")
}

#[test]
fn every_example_loads() {
    let mut files: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    for f in files {
        let spec = load_file(&f, &OPTS).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            Some(spec.name.as_str()),
            f.file_stem().and_then(|s| s.to_str())
        );
    }
}

#[test]
fn default_scenario_ends_on_its_own() {
    let s = load_file(&dir().join("default.toml"), &OPTS).unwrap();
    assert_eq!(s.seed, 1);
    assert_eq!(s.end_us, None);
    assert_eq!(s.allocator.interval_us, 1_000_000);
    assert!(s.frameworks.len() >= 4);
    for f in &s.frameworks {
        for j in &f.jobs {
            let d = j.duration_us.expect("finite durations");
            assert!(j.at_us + d <= 3_600_000_000, "{}", j.name);
        }
    }
}

#[test]
fn drf_paper_example() {
    let s = load_file(&dir().join("drf-paper.toml"), &OPTS).unwrap();
    assert_eq!(s.allocator.mode, Mode::Tasks);
    assert_eq!(s.allocator.agent_order, AgentOrder::Joined);
    assert_eq!(s.end_us, Some(10_000_000));
    assert_eq!(s.agents.len(), 1);
    assert_eq!(s.frameworks.len(), 2);
    assert!(s
        .frameworks
        .iter()
        .all(|f| f.jobs[0].tasks == 100 && f.jobs[0].duration_us.is_none()));
}

#[test]
fn two_roles_example() {
    let s = load_file(&dir().join("two-roles.toml"), &OPTS).unwrap();
    assert_eq!(s.allocator.mode, Mode::Offers);
    assert_eq!(s.end_us, Some(0));
    assert_eq!(s.agents.len(), 6);
    assert!(s.frameworks.iter().all(|f| f.behavior == Behavior::Hold));
    let roles: Vec<_> = s.frameworks.iter().map(|f| f.role.as_str()).collect();
    assert_eq!(roles, ["r1", "r2"]);
}
