//! `convert` and `format = "parquet"`: a conversion reads back as the
//! same trace (inspect figures and loaded scenario equal, on the real
//! samples in ../shared/traces and on every fixture), and a bad Parquet
//! file gets an error naming the file and the column.
#![cfg(feature = "parquet")]

mod common;

use common::{fixture, shared};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use traces::{
    convert, inspect, load_workload, parquet::FOOTER_KEY, Format, OnError, TraceOptions, TraceRef,
};

fn pq(trace: &TraceRef, out: &Path) -> (TraceRef, traces::parquet::Written) {
    let w = convert(trace, OnError::Stop, out).unwrap_or_else(|e| panic!("{e}"));
    (
        TraceRef {
            format: Format::Parquet,
            path: out.to_path_buf(),
        },
        w,
    )
}

/// The scenario the trace is loaded into (no agents: the trace's machines
/// are the cluster).
fn base() -> sim::spec::Spec {
    let names = ["drf"];
    workloads::parse_str(
        "name = \"t\"\n",
        "t.toml",
        &workloads::LoadOptions { policies: &names },
    )
    .expect("scenario")
}

/// Converts, then checks that inspect and load give the same results on
/// the Parquet file as on the text; returns what was written.
fn round_trip(format: Format, path: PathBuf) -> traces::parquet::Written {
    let dir = tempfile::tempdir().unwrap();
    let raw = TraceRef { format, path };
    let (p, w) = pq(&raw, &dir.path().join("t.parquet"));
    let opts = TraceOptions::new(format);
    // A Parquet file takes its source format's defaults.
    assert_eq!(TraceOptions::for_trace(&p).unwrap(), opts);
    assert_eq!(p.records_format().unwrap(), format);
    assert_eq!(inspect(&p, &opts).unwrap(), inspect(&raw, &opts).unwrap());
    let (mut a, mut b) = (base(), base());
    let sa = load_workload(&raw, &mut a, &opts).unwrap();
    let sb = load_workload(&p, &mut b, &opts).unwrap();
    assert_eq!(sa, sb);
    assert_eq!(a, b, "{}: the loaded scenarios differ", format.name());
    // With frameworks bucketed and a scale set (Alibaba options).
    let mut o2 = opts.clone();
    o2.frameworks = Some(3);
    o2.scale.cpus_per_unit = 2.0;
    let (mut a, mut b) = (base(), base());
    load_workload(&raw, &mut a, &o2).unwrap();
    load_workload(&p, &mut b, &o2).unwrap();
    assert_eq!(a, b);
    w
}

#[test]
fn alibaba_2017_complete_tables_round_trip() {
    let w = round_trip(Format::Alibaba2017, shared("alibaba-2017"));
    // shared/traces/README.md: server_event has 1,352 rows, batch_task
    // 80,553 data rows (its added header line is not a record): one
    // record a line.
    assert_eq!(w.records, 1_352 + 80_553);
    assert_eq!(w.lines, 1_352 + 80_553);
    // ceil(81,905 / 65,536) row groups.
    assert_eq!(w.row_groups, 2);
    assert!(w.skipped.is_empty());
}

#[test]
fn alibaba_2018_machine_meta_round_trips_with_attributes() {
    // README: machine_meta has 17,592 rows (every machine snapshot, with
    // its failure domains and status as attributes).
    let w = round_trip(Format::Alibaba2018, shared("alibaba-2018"));
    assert_eq!(w.records, 17_592);
    assert_eq!(w.row_groups, 1);
}

#[test]
fn alibaba_2018_machine_usage_round_trips() {
    // README: the first 100,002 rows of machine_usage (usage records).
    let w = round_trip(
        Format::Alibaba2018,
        shared("alibaba-2018/machine_usage.csv"),
    );
    assert_eq!(w.records, 100_002);
    assert_eq!(w.row_groups, 2);
}

#[test]
fn gpu_2020_and_google_2011_samples_round_trip() {
    // README: 1,897 machines in pai_machine_spec.
    let w = round_trip(Format::AlibabaGpu2020, shared("alibaba-gpu-2020"));
    assert_eq!(w.records, 1_897);
    // README: 3 machine_events and 3 task_events head rows are loaded.
    let w = round_trip(Format::Google2011, shared("google-2011"));
    assert_eq!(w.records, 3 + 3);
}

#[test]
fn every_fixture_round_trips() {
    for (f, p) in [
        (Format::Google2011, fixture("google-2011")),
        (Format::Google2019, fixture("google-2019")),
        (Format::Alibaba2018, fixture("alibaba-2018")),
        (Format::AlibabaGpu2023, fixture("alibaba-gpu-2023")),
        (Format::Swf, fixture("swf/small.swf")),
    ] {
        let w = round_trip(f, p);
        assert!(w.records > 0, "{}", f.name());
    }
}

#[test]
fn skipped_lines_are_kept_in_the_footer() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("batch_task.csv");
    // Line 2's instance_num is not an integer.
    std::fs::write(
        &t,
        "1,2,10,1,5,Terminated,50,0.1\n1,2,10,2,abc,Terminated,50,0.1\n",
    )
    .unwrap();
    let raw = TraceRef {
        format: Format::Alibaba2017,
        path: t,
    };
    let out = dir.path().join("t.parquet");
    assert_eq!(
        convert(&raw, OnError::Stop, &out).unwrap_err().to_string(),
        format!(
            "{}:2: column instance_num: expected an integer, found \"abc\"",
            raw.path.display()
        )
    );
    let w = convert(&raw, OnError::Skip, &out).unwrap();
    assert_eq!((w.records, w.lines), (1, 2));
    let mut opts = TraceOptions::new(Format::Alibaba2017);
    opts.on_error = OnError::Skip;
    let p = TraceRef {
        format: Format::Parquet,
        path: out,
    };
    let s = inspect(&p, &opts).unwrap();
    assert_eq!(s, inspect(&raw, &opts).unwrap());
    assert_eq!(s.skipped["instance_num: expected an integer"], 1);
    assert_eq!(s.lines, 2);
}

fn err(path: &Path) -> String {
    let t = TraceRef {
        format: Format::Parquet,
        path: path.to_path_buf(),
    };
    let opts = TraceOptions::new(Format::Alibaba2017);
    let e = inspect(&t, &opts).unwrap_err().to_string();
    // The options step reads the same footer and schema, so it fails the
    // same way on them (errors in rows come later, while reading).
    if !e.contains(": row ") {
        assert_eq!(TraceOptions::for_trace(&t).unwrap_err().to_string(), e);
    }
    e
}

/// A Parquet file of `df` with our footer (or none).
fn write(path: &Path, df: &mut DataFrame, footer: Option<&str>) {
    let f = std::fs::File::create(path).unwrap();
    ParquetWriter::new(f)
        .with_key_value_metadata(
            footer.map(|v| KeyValueMetadata::from_static(vec![(FOOTER_KEY.into(), v.into())])),
        )
        .finish(df)
        .unwrap();
}

const FOOTER: &str = r#"{"schema_version":1,"source_format":"alibaba-2017","source_path":"x","lines":1,"skipped":{},"swf_header":{}}"#;

/// A valid one-row file's columns (a machine record), with `name`
/// replaced or left out.
fn frame(replace: Option<(&str, Column)>) -> DataFrame {
    let s = |n: &str, v: Option<&str>| Series::new(n.into(), [v]).into_column();
    let i = |n: &str, v: Option<i64>| Series::new(n.into(), [v]).into_column();
    let u = |n: &str, v: Option<u64>| Series::new(n.into(), [v]).into_column();
    let f = |n: &str, v: Option<f64>| Series::new(n.into(), [v]).into_column();
    let cols = vec![
        s("record", Some("machine")),
        i("time_us", Some(0)),
        i("start_us", None),
        i("end_us", None),
        s("machine", Some("m1")),
        s("job", None),
        s("task", None),
        u("task_index", None),
        s("user", None),
        u("count", None),
        s("event", Some("add")),
        s("status", None),
        i("priority", None),
        f("cpus", Some(64.0)),
        f("mem", Some(0.5)),
        f("gpus", None),
        s("attributes", None),
    ];
    let cols: Vec<Column> = match &replace {
        None => cols,
        Some((name, c)) => cols
            .into_iter()
            .filter_map(|x| {
                if x.name().as_str() != *name {
                    Some(x)
                } else if c.is_empty() {
                    None
                } else {
                    Some(c.clone())
                }
            })
            .collect(),
    };
    DataFrame::new(1, cols).unwrap()
}

#[test]
fn a_hand_made_file_with_every_column_reads() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.parquet");
    write(&p, &mut frame(None), Some(FOOTER));
    let t = TraceRef {
        format: Format::Parquet,
        path: p,
    };
    let s = inspect(&t, &TraceOptions::new(Format::Alibaba2017)).unwrap();
    assert_eq!((s.machines, s.total.cpus, s.lines), (1, 64.0, 1));
}

#[test]
fn bad_parquet_files_name_the_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = |f: &str| d.join(f).display().to_string();

    assert_eq!(
        err(&d.join("missing.parquet")),
        format!("{}: no such file or folder", name("missing.parquet"))
    );
    assert_eq!(
        err(d),
        format!(
            "{}: expected a Parquet file (from `mesosim trace convert`), found a folder",
            d.display()
        )
    );

    std::fs::write(d.join("text.parquet"), "1,2,3\n").unwrap();
    let e = err(&d.join("text.parquet"));
    assert!(
        e.starts_with(&format!(
            "{}: expected a Parquet file (from `mesosim trace convert`), found something else (",
            name("text.parquet")
        )),
        "{e}"
    );

    write(&d.join("plain.parquet"), &mut frame(None), None);
    assert_eq!(
        err(&d.join("plain.parquet")),
        format!(
            "{}: expected the footer metadata mesosim.trace of a file written by `mesosim trace convert`, found none",
            name("plain.parquet")
        )
    );

    write(
        &d.join("v9.parquet"),
        &mut frame(None),
        Some(&FOOTER.replace("\"schema_version\":1", "\"schema_version\":9")),
    );
    assert_eq!(
        err(&d.join("v9.parquet")),
        format!(
            "{}: written with schema version 9; this mesosim reads version 1 (convert the trace again)",
            name("v9.parquet")
        )
    );

    let empty = Column::new_empty("cpus".into(), &DataType::Float64);
    write(
        &d.join("nocpus.parquet"),
        &mut frame(Some(("cpus", empty))),
        Some(FOOTER),
    );
    assert_eq!(
        err(&d.join("nocpus.parquet")),
        format!(
            "{}: column cpus: expected a column of type f64, found none",
            name("nocpus.parquet")
        )
    );

    let text_cpus = Series::new("cpus".into(), ["64"]).into_column();
    write(
        &d.join("strcpus.parquet"),
        &mut frame(Some(("cpus", text_cpus))),
        Some(FOOTER),
    );
    assert_eq!(
        err(&d.join("strcpus.parquet")),
        format!(
            "{}: column cpus: expected type f64, found str",
            name("strcpus.parquet")
        )
    );

    let no_machine = Series::new("machine".into(), [None::<&str>]).into_column();
    write(
        &d.join("null.parquet"),
        &mut frame(Some(("machine", no_machine))),
        Some(FOOTER),
    );
    assert_eq!(
        err(&d.join("null.parquet")),
        format!(
            "{}: row 1: column machine: expected a value in a machine record, found null",
            name("null.parquet")
        )
    );

    let bad_event = Series::new("event".into(), ["explode"]).into_column();
    write(
        &d.join("event.parquet"),
        &mut frame(Some(("event", bad_event))),
        Some(FOOTER),
    );
    assert_eq!(
        err(&d.join("event.parquet")),
        format!(
            "{}: row 1: column event: expected a known word (docs/traces.md), found \"explode\"",
            name("event.parquet")
        )
    );
}

#[test]
fn converting_a_parquet_file_or_into_a_missing_folder_fails_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let raw = TraceRef {
        format: Format::Alibaba2017,
        path: shared("alibaba-2017/server_event.csv"),
    };
    let out = dir.path().join("no/such/dir/t.parquet");
    let e = convert(&raw, OnError::Stop, &out).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: cannot write: ", out.display())),
        "{e}"
    );
    let p = dir.path().join("t.parquet");
    convert(&raw, OnError::Stop, &p).unwrap();
    let again = TraceRef {
        format: Format::Parquet,
        path: p.clone(),
    };
    assert_eq!(
        convert(&again, OnError::Stop, &dir.path().join("u.parquet"))
            .unwrap_err()
            .to_string(),
        format!(
            "{}: already a Parquet trace: convert its source instead",
            p.display()
        )
    );
}
