//! Golden tests on the real samples in ../shared/traces (relative to the
//! repository root) and on the schema-exact fixtures in tests/fixtures.

mod common;

use common::{fixture, shared};
use std::path::PathBuf;

use traces::{inspect, load_workload, Format, TraceOptions, TraceRef, TraceSummary};

fn run(format: Format, path: PathBuf) -> TraceSummary {
    let t = TraceRef { format, path };
    inspect(&t, &TraceOptions::new(format)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn alibaba_2017_batch_task_complete_table() {
    let s = run(Format::Alibaba2017, shared("alibaba-2017/batch_task.csv"));
    assert_eq!(s.task_rows, 80_553);
    assert_eq!(s.jobs, 12_951);
    assert_eq!(s.tasks, 11_909_321);
    assert!(s.skipped.is_empty());
    assert_eq!(s.first_time_us, Some(-1_078_000_000));
}

#[test]
fn alibaba_2017_server_event_machines() {
    let s = run(Format::Alibaba2017, shared("alibaba-2017/server_event.csv"));
    assert_eq!(s.machines, 1_313);
    assert_eq!(s.total.cpus, 1_313.0 * 64.0);
}

#[test]
fn alibaba_2018_machine_meta_machines() {
    let s = run(Format::Alibaba2018, shared("alibaba-2018/machine_meta.csv"));
    assert_eq!(s.machines, 4_034);
    assert_eq!(s.total.cpus, 4_034.0 * 96.0);
}

#[test]
fn alibaba_gpu_2020_machine_spec() {
    let s = run(
        Format::AlibabaGpu2020,
        shared("alibaba-gpu-2020/pai_machine_spec.csv"),
    );
    assert_eq!(s.machines, 1_897);
    assert_eq!(s.total.gpus, 6_742.0);
    assert_eq!(s.total.cpus, 156_576.0);
    assert_eq!(s.total.mem, 948_224.0 * 1024.0);
}

#[test]
fn google_2011_head_rows() {
    use traces::{google2011, MachineEventKind, Record, TaskEventKind};
    let open = |f: &str| traces::open_file(&shared(&format!("google-2011/{f}"))).unwrap();
    let m: Vec<Record> = google2011::reader(
        "machine_events",
        open("machine_events-part-00000-of-00001.head.csv"),
        "m",
        Default::default(),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(m.len(), 3);
    match &m[0] {
        Record::Machine(r) => {
            assert_eq!(
                (r.time_us, r.machine.as_str(), r.kind),
                (0, "5", MachineEventKind::Add)
            );
            assert_eq!((r.cpus, r.mem), (Some(0.5), Some(0.2493)));
        }
        other => panic!("{other:?}"),
    }
    let t: Vec<Record> = google2011::reader(
        "task_events",
        open("task_events-part-00000-of-00500.head.csv"),
        "t",
        Default::default(),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    assert_eq!(t.len(), 3);
    match (&t[0], &t[2]) {
        (Record::TaskEvent(a), Record::TaskEvent(c)) => {
            assert_eq!(
                (a.job.as_str(), a.index, a.kind),
                ("3418309", 0, TaskEventKind::Submit)
            );
            assert_eq!(a.machine.as_deref(), Some("4155527081"));
            assert_eq!((a.cpus, a.priority), (None, Some(9)));
            assert_eq!((c.cpus, c.mem), (Some(0.125), Some(0.07446)));
        }
        other => panic!("{other:?}"),
    }
    let j = google2011::reader(
        "job_events",
        open("job_events-part-00000-of-00500.head.csv"),
        "j",
        Default::default(),
    )
    .unwrap();
    assert_eq!(j.count(), 3);
    let u: Vec<Record> = google2011::reader(
        "task_usage",
        open("task_usage-part-00000-of-00500.head.csv"),
        "u",
        Default::default(),
    )
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap();
    match &u[0] {
        Record::Usage(r) => assert_eq!(
            (r.start_us, r.end_us, r.cpus),
            (600_000_000, Some(900_000_000), Some(0.001562))
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn alibaba_2017_folder_loads_into_a_spec() {
    let f = Format::Alibaba2017;
    let mut opts = TraceOptions::new(f);
    opts.frameworks = Some(8);
    let mut spec = sim::spec::Spec::new("t");
    let s = load_workload(
        &TraceRef {
            format: f,
            path: shared("alibaba-2017"),
        },
        &mut spec,
        &opts,
    )
    .unwrap();
    assert_eq!(spec.agents.len(), 1_313);
    assert_eq!(spec.agents[0].name, "1");
    assert_eq!(spec.agents[0].resources.0[0], 64_000);
    assert_eq!(spec.frameworks.len(), 8);
    assert_eq!(s.machines, 1_313);
    // Waiting rows (no plan_cpu/plan_mem) and the like are left out, counted.
    let dropped: u64 = s.dropped.values().sum();
    assert_eq!(s.tasks_added, spec.task_count());
    assert!(dropped > 0);
    assert_eq!(
        s.jobs_added,
        spec.frameworks
            .iter()
            .map(|f| f.jobs.len() as u64)
            .sum::<u64>()
    );
    // Times are relative to the first submission (create_timestamp -1078 s).
    let first = spec
        .frameworks
        .iter()
        .flat_map(|f| f.jobs.iter())
        .map(|j| j.at_us)
        .min();
    assert_eq!(first, Some(0));
    // Deterministic: a second load gives the same spec.
    let mut again = sim::spec::Spec::new("t");
    load_workload(
        &TraceRef {
            format: f,
            path: shared("alibaba-2017"),
        },
        &mut again,
        &opts,
    )
    .unwrap();
    assert_eq!(spec, again);
}

#[test]
fn google_2011_fixture_groups_identical_tasks() {
    let f = Format::Google2011;
    let mut spec = sim::spec::Spec::new("t");
    let s = load_workload(
        &TraceRef {
            format: f,
            path: fixture("google-2011"),
        },
        &mut spec,
        &TraceOptions::new(f),
    )
    .unwrap();
    assert_eq!(s.machines, 3);
    assert_eq!(spec.agents.len(), 3);
    assert_eq!(spec.agents[0].resources.0[0], 32_000);
    // Job 6251812952's two tasks are one JobSpec of 2 tasks, 300 s each.
    let fw = spec
        .frameworks
        .iter()
        .find(|f| f.name == "u-fJYeclskJqPWsAT6TX/r9X5OiIZpSEb2PBGliYAOMxM")
        .unwrap();
    assert_eq!(fw.jobs.len(), 1);
    assert_eq!(fw.jobs[0].name, "6251812952");
    assert_eq!(fw.jobs[0].tasks, 2);
    assert_eq!(fw.jobs[0].duration_us, Some(300_000_000));
    assert_eq!(fw.jobs[0].at_us, 600_000_000);
    // 3418314/0 is still running at the end: a forever job, so end is set.
    assert!(spec.end_us.is_some());
}

#[test]
fn google_2019_fixture() {
    let f = Format::Google2019;
    let mut spec = sim::spec::Spec::new("t");
    let s = load_workload(
        &TraceRef {
            format: f,
            path: fixture("google-2019"),
        },
        &mut spec,
        &TraceOptions::new(f),
    )
    .unwrap();
    assert_eq!((s.machines, s.jobs, s.tasks), (2, 2, 3));
    assert_eq!(
        spec.agents
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["101", "102"]
    );
    let names: Vec<&str> = spec.frameworks.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["u-alice", "u-bob"]);
    assert_eq!(spec.frameworks[0].jobs[0].tasks, 2);
    assert_eq!(spec.frameworks[0].jobs[0].priority, Some(200));
}

#[test]
fn alibaba_2018_fixture() {
    let f = Format::Alibaba2018;
    let s = run(f, fixture("alibaba-2018"));
    assert_eq!(
        (s.machines, s.jobs, s.tasks, s.task_rows),
        (s.machines, 2, 16, 4)
    );
    assert_eq!(traces::alibaba2018::dag("M3_1_2"), Some((3, vec![1, 2])));
    assert_eq!(
        traces::alibaba2018::dag("task_Nzg3ODAwNjgwMDg0MDIzMDU0NA=="),
        None
    );
}

#[test]
fn alibaba_gpu_2023_fixture_by_pod_list() {
    let f = Format::AlibabaGpu2023;
    let mut spec = sim::spec::Spec::new("t");
    let s = load_workload(
        &TraceRef {
            format: f,
            path: fixture("alibaba-gpu-2023/openb_pod_list_default.csv"),
        },
        &mut spec,
        &TraceOptions::new(f),
    )
    .unwrap();
    assert_eq!((s.machines, s.tasks), (3, 4));
    assert_eq!(s.total.gpus, 10.0);
    assert_eq!(spec.agents[0].resources.0[3], 2_000);
    let pod1 = &spec
        .frameworks
        .iter()
        .find(|f| f.name == "job-openb-pod-0001")
        .unwrap()
        .jobs[0];
    assert_eq!(pod1.resources.0[3], 460);
}

#[test]
fn swf_fixture() {
    let f = Format::Swf;
    let mut spec = sim::spec::Spec::new("t");
    let s = load_workload(
        &TraceRef {
            format: f,
            path: fixture("swf/small.swf"),
        },
        &mut spec,
        &TraceOptions::new(f),
    )
    .unwrap();
    assert_eq!((s.machines, s.jobs, s.tasks), (4, 4, 30));
    assert_eq!(spec.agents.len(), 4);
    assert_eq!(spec.agents[0].name, "node-0");
    assert_eq!(spec.agents[0].resources.0[0], 4_000);
    let names: Vec<&str> = spec.frameworks.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["user-7", "user-8"]);
    // Job 2: request -1, so its 8 allocated processors; wait -1: starts at submit.
    let j2 = &spec.frameworks[1].jobs[0];
    assert_eq!(
        (j2.tasks, j2.duration_us, j2.at_us),
        (8, Some(50_000_000), 5_000_000)
    );
    // Job 4 was cancelled: left out.
    assert_eq!(s.dropped.get("never started in the trace"), Some(&1));
}
