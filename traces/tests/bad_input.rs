//! Bad input: each kind of corrupt line gives its exact message; skip mode
//! counts instead; no bytes make a reader panic.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use traces::{inspect, records, Format, Input, OnError, TraceOptions, TraceRef};

fn errs(format: Format, table: &str, text: &str) -> String {
    let input: Input = Box::new(Cursor::new(text.as_bytes().to_vec()));
    let it = records(format, table, input, "t.csv", OnError::Stop).expect("known table");
    for r in it {
        if let Err(e) = r {
            return e.to_string();
        }
    }
    panic!("no error in {text:?}");
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mesosim-traces-test-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

#[test]
fn truncated_gzip() {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..2000 {
        writeln!(
            gz,
            "{},,{},0,,0,user,0,0,0.1,0.1,0.0,0",
            600_000_000 + i,
            1000 + i
        )
        .unwrap();
    }
    let bytes = gz.finish().unwrap();
    let path = tmp("task_events-part-00000-of-00500.csv.gz");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let t = TraceRef {
        format: Format::Google2011,
        path: path.clone(),
    };
    let e = inspect(&t, &TraceOptions::new(Format::Google2011)).unwrap_err();
    let msg = e.to_string();
    let prefix = format!("{}:", path.display());
    assert!(msg.starts_with(&prefix), "{msg}");
    let rest = &msg[prefix.len()..];
    let (line, tail) = rest.split_once(": ").unwrap();
    assert!(line.parse::<u64>().unwrap() > 1, "{msg}");
    assert_eq!(
        tail,
        "expected the rest of the compressed stream, found the end of the file (truncated gzip)"
    );
    // Skipping does not hide a broken stream.
    let mut o = TraceOptions::new(Format::Google2011);
    o.on_error = OnError::Skip;
    assert_eq!(inspect(&t, &o).unwrap_err(), e);
    // The whole file reads.
    std::fs::write(&path, &bytes).unwrap();
    assert_eq!(inspect(&t, &o).unwrap().task_rows, 2000);
    assert_eq!(inspect(&t, &o).unwrap().tasks, 2000);
}

#[test]
fn short_row() {
    assert_eq!(
        errs(Format::Google2011, "task_events", "0,2,3418309,0\n"),
        "t.csv:1: column machine_id: expected 13 columns, found 4"
    );
    assert_eq!(
        errs(
            Format::Alibaba2017,
            "batch_task",
            "6459,6524,3,4,15740,Terminated,50,0.0079\n6457,6533,3\n"
        ),
        "t.csv:2: column task_id: expected 8 columns, found 3"
    );
    assert_eq!(
        errs(
            Format::Swf,
            "swf",
            "; MaxProcs: 4\n1 0 10 100 4 -1 -1 4 200 -1 1 7 1 1 1 1 -1\n"
        ),
        "t.csv:2: column think_time: expected 18 columns, found 17"
    );
}

#[test]
fn non_numeric_field() {
    assert_eq!(
        errs(
            Format::Alibaba2017,
            "batch_task",
            "6459,6524,3,4,abc,Terminated,50,0.0079\n"
        ),
        "t.csv:1: column instance_num: expected an integer, found \"abc\""
    );
    assert_eq!(
        errs(
            Format::Alibaba2017,
            "server_event",
            "0,1148,add,,64,0.69x,1\n"
        ),
        "t.csv:1: column norm_mem: expected a number, found \"0.69x\""
    );
    assert_eq!(
        errs(
            Format::Google2019,
            "instance_events",
            "{\"time\":\"60x\",\"type\":0,\"collection_id\":\"1\"}\n"
        ),
        "t.csv:1: column time: expected an integer, found \"60x\""
    );
}

#[test]
fn header_where_none_is_expected() {
    // Google tables never have a header.
    assert_eq!(
        errs(
            Format::Google2011,
            "machine_events",
            "time,machine_id,event_type,platform_id,cpus,memory\n0,5,0,x,0.5,0.25\n"
        ),
        "t.csv:1: column time: expected an integer, found \"time\""
    );
    // Alibaba: a header a copy added is accepted on line 1 only.
    assert_eq!(
        errs(
            Format::Alibaba2017,
            "batch_task",
            "6459,6524,3,4,15740,Terminated,50,0.0079\ntask_create_time,task_end_time,job_id,task_id,n,status,cpu,mem\n"
        ),
        "t.csv:2: column create_timestamp: expected an integer, found \"task_create_time\""
    );
}

#[test]
fn times_going_backwards() {
    assert_eq!(
        errs(
            Format::Google2011,
            "task_events",
            "600000000,,1,0,,0,u,0,0,0.1,0.1,0,0\n5,,1,1,,0,u,0,0,0.1,0.1,0,0\n"
        ),
        "t.csv:2: column time: expected a value >= 600000000 (the table is sorted by time), found 5"
    );
    assert_eq!(
        errs(Format::Swf, "swf", "1 100 0 10 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n2 50 0 10 1 -1 -1 1 10 -1 1 1 1 1 1 1 -1 -1\n"),
        "t.csv:2: column submit_time: expected a value >= 100 (the table is sorted by submit_time), found 50"
    );
}

#[test]
fn skip_counts_by_reason() {
    let text = "6459,6524,3,4,abc,Terminated,50,0.0079\n6459,6524,3,5,2,Terminated,50,0.0079\n6459,6524,3,6,x,Terminated,50,0.0079\n1,2\n";
    let path = tmp("batch_task.csv");
    std::fs::write(&path, text).unwrap();
    let mut o = TraceOptions::new(Format::Alibaba2017);
    o.on_error = OnError::Skip;
    let s = inspect(
        &TraceRef {
            format: Format::Alibaba2017,
            path,
        },
        &o,
    )
    .unwrap();
    assert_eq!(s.tasks, 2);
    assert_eq!(s.skipped.get("instance_num: expected an integer"), Some(&2));
    assert_eq!(s.skipped.get("job_id: expected 8 columns"), Some(&1));
}

/// A small deterministic generator (xorshift), so the test needs no crate.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let alphabet = b"0123456789,,,,;\n\n-.eE abcAZ{}\":[]\r\t\xff\xfe";
    for round in 0..3000 {
        let len = (rng.next() % 400) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if round % 3 == 0 {
                    rng.next() as u8
                } else {
                    alphabet[(rng.next() % alphabet.len() as u64) as usize]
                }
            })
            .collect();
        for &f in Format::ALL {
            for t in f.tables() {
                for on_error in [OnError::Stop, OnError::Skip] {
                    let input: Input = Box::new(Cursor::new(bytes.clone()));
                    if let Some(it) = records(f, t, input, "r", on_error) {
                        for r in it.take(1000) {
                            let _ = r.map_err(|e| e.to_string());
                        }
                    }
                }
            }
        }
    }
    // Random bytes as a .gz and a .tar.gz file.
    for (i, name) in ["x/task_events.csv.gz", "x/batch_task.tar.gz"]
        .iter()
        .enumerate()
    {
        let path = tmp(&name.replace('/', "-"));
        for round in 0..50 {
            let len = (rng.next() % 2000) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if round % 2 == 0 && bytes.len() > 3 {
                bytes[0] = 0x1f;
                bytes[1] = 0x8b;
                bytes[2] = 8;
            }
            std::fs::write(&path, &bytes).unwrap();
            let f = if i == 0 {
                Format::Google2011
            } else {
                Format::Alibaba2017
            };
            let _ = inspect(
                &TraceRef {
                    format: f,
                    path: path.clone(),
                },
                &TraceOptions::new(f),
            );
        }
    }
}
