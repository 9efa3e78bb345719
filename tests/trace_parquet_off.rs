//! A build without the `parquet` feature (the default: polars is most of
//! the build time) says how to get Parquet support, exits 2 and writes
//! nothing, for `trace convert`, `trace inspect` and a run.
#![cfg(not(feature = "parquet"))]

mod common;

use std::process::Command;

use common::bin;

const NOT_BUILT: &str = "this mesosim was built without Parquet support; \
     rebuild with `cargo build --release --features parquet`";

#[test]
fn convert_and_parquet_reads_say_how_to_build_with_parquet() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let src = common::root().join("../shared/traces/alibaba-2017");
    let out = tmp.path().join("t.parquet");
    let o = Command::new(bin())
        .args([
            "trace",
            "convert",
            src.to_str().unwrap(),
            "--format",
            "alibaba-2017",
        ])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .expect("run mesosim");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(NOT_BUILT), "{err}");
    // Nothing is left behind, not even the temporary file.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0);

    let pq = tmp.path().join("x.parquet");
    std::fs::write(&pq, b"PAR1").expect("write");
    let o = Command::new(bin())
        .args([
            "trace",
            "inspect",
            pq.to_str().unwrap(),
            "--format",
            "parquet",
        ])
        .output()
        .expect("run mesosim");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("{}: {NOT_BUILT}", pq.display())),
        "{err}"
    );

    let sc = tmp.path().join("s.toml");
    std::fs::write(
        &sc,
        "[workload]\ntrace = { format = \"parquet\", path = \"x.parquet\" }\n",
    )
    .expect("write");
    let run_out = tmp.path().join("out");
    let o = Command::new(bin())
        .args([
            "run",
            sc.to_str().unwrap(),
            "-q",
            "--out",
            run_out.to_str().unwrap(),
        ])
        .output()
        .expect("run mesosim");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(NOT_BUILT), "{err}");
    assert!(!run_out.exists());
}
