//! `mesosim compare`, `mesosim plot` and `mesosim run --plots` end to end:
//! deterministic tables, valid plot files, exit codes.

mod common;

use std::path::Path;
use std::process::Command;

fn compare(out: &Path) {
    let st = Command::new(common::bin())
        .args([
            "compare",
            "--policies",
            "drf,random",
            "--seeds",
            "1..3",
            "-q",
            "--out",
        ])
        .arg(out)
        .status()
        .expect("runs");
    assert!(st.success(), "{st:?}");
}

/// A PNG starts with its 8-byte signature; a sensible plot is more than a
/// blank image and less than a few MiB.
fn assert_png(p: &Path) {
    let b = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
    assert!(
        b.len() > 5_000 && b.len() < 5_000_000,
        "{}: {}",
        p.display(),
        b.len()
    );
}

fn assert_svg(p: &Path) {
    let t = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert!(t.starts_with("<svg"), "{}", p.display());
    assert!(t.trim_end().ends_with("</svg>"), "{}", p.display());
    assert!(t.contains("<text"), "{}: no text", p.display());
    assert!(
        t.len() > 2_000 && t.len() < 5_000_000,
        "{}: {}",
        p.display(),
        t.len()
    );
}

#[test]
fn compare_is_deterministic_and_plots_are_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    compare(&a);
    compare(&b);
    for f in [
        "compare.csv",
        "compare.md",
        "plots/jain.png",
        "plots/jain.svg",
        "plots/shares.png",
        "plots/shares.svg",
        "plots/utilization.png",
        "plots/jct-cdf.svg",
    ] {
        let x = std::fs::read(a.join(f)).unwrap();
        let y = std::fs::read(b.join(f)).unwrap();
        assert!(x == y, "{f} differs between two identical comparisons");
    }
    let csv = std::fs::read_to_string(a.join("compare.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("policy,mode,seed,"), "{header}");
    assert!(
        header.contains(",fairness.jain_dominant_share,"),
        "{header}"
    );
    assert!(header.contains(",latency.p95_wait_us,"), "{header}");
    let rows: Vec<&str> = lines.collect();
    // (policy, mode, seed) order: seeds 1..3 is 1 and 2.
    let keys: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        keys,
        [
            "drf,offers,1",
            "drf,offers,2",
            "random,offers,1",
            "random,offers,2"
        ]
    );
    let md = std::fs::read_to_string(a.join("compare.md")).unwrap();
    assert!(
        md.contains("| metric | drf / offers | random / offers |"),
        "{md}"
    );
    assert!(md.contains(" ± "), "two seeds give confidence intervals");
    for run in ["drf-offers-1", "random-offers-2"] {
        assert!(a.join("runs").join(run).join("summary.json").is_file());
    }
    for stem in ["jain", "shares", "utilization", "jct-cdf"] {
        assert_png(&a.join("plots").join(format!("{stem}.png")));
        assert_svg(&a.join("plots").join(format!("{stem}.svg")));
    }
    // No temporary directory left beside the output.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn unknown_policy_is_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(common::bin())
        .args(["compare", "--policies", "drf,nosuch", "--out"])
        .arg(tmp.path().join("c"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nosuch"));
    assert!(!tmp.path().join("c").exists());
}

#[test]
fn run_plots_and_plot_command() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let st = Command::new(common::bin())
        .args(["run", "-q", "--plots", "--out"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    for stem in ["shares", "utilization", "jct-cdf"] {
        assert_png(&out.join("plots").join(format!("{stem}.png")));
        assert_svg(&out.join("plots").join(format!("{stem}.svg")));
    }
    let first = std::fs::read(out.join("plots/shares.png")).unwrap();
    // `mesosim plot` on the same directory redraws the same bytes.
    let st = Command::new(common::bin())
        .arg("plot")
        .arg(&out)
        .output()
        .unwrap();
    assert!(st.status.success(), "{st:?}");
    assert_eq!(std::fs::read(out.join("plots/shares.png")).unwrap(), first);
    // Not an output directory: bad input.
    let st = Command::new(common::bin())
        .arg("plot")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
}
