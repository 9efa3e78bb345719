//! Every case in tests/fidelity/ against the rows the real Mesos 1.11
//! allocator produced for it (see tests/fidelity/README.md).

mod common;

use std::collections::BTreeMap;

use common::{output_file, root, spec};

/// Offers grouped by time, each time's rows sorted, offer ids dropped.
fn offers_by_time(csv: &str) -> BTreeMap<u64, Vec<String>> {
    let mut m: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let t: u64 = cols[0].parse().expect("time");
        m.entry(t)
            .or_default()
            .push(format!("{},{}", cols[0], cols[2..].join(",")));
    }
    for v in m.values_mut() {
        v.sort();
    }
    m
}

#[test]
fn regression_cases_agree_with_mesos() {
    let dir = root().join("tests/fidelity");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fidelity")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 7, "{cases:?}");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let s = spec(&std::fs::read_to_string(case.join("scenario.toml")).expect("scenario"));
        let want_offers = std::fs::read_to_string(case.join("offers.csv")).expect("offers");
        let want_tasks = std::fs::read_to_string(case.join("tasks.csv")).expect("tasks");
        let got_offers = output_file(&s, "offers.csv");
        let got_tasks = output_file(&s, "tasks.csv");
        assert_eq!(
            offers_by_time(&got_offers),
            offers_by_time(&want_offers),
            "{name}: offers differ from Mesos"
        );
        assert_eq!(got_tasks, want_tasks, "{name}: tasks differ from Mesos");
    }
}
