//! `trace fit`: a model fitted to a trace, written as TOML, read back and
//! generated from, reproduces the trace's task count, mean duration and
//! mean requests within 10%.

mod common;

use common::{fixture, shared};

use sim::resources::{CPUS, MEM};
use sim::spec::Spec;
use traces::{FitOptions, Format, TraceOptions, TraceRef};

/// (jobs, tasks, task-weighted mean duration s, mean cpus, mean mem MiB).
fn generated(model: &workloads::synthetic::Synthetic, seed: u64) -> (u64, u64, f64, f64, f64) {
    let mut spec = Spec::new("fit");
    spec.seed = seed;
    let mut stream = workloads::Whatif::default().job_stream(seed);
    workloads::synthetic::generate(model, &mut spec, &mut stream).unwrap();
    let (mut jobs, mut tasks, mut d, mut c, mut m) = (0u64, 0u64, 0f64, 0f64, 0f64);
    for f in &spec.frameworks {
        for j in &f.jobs {
            let n = j.tasks as f64;
            jobs += 1;
            tasks += j.tasks;
            d += j.duration_us.unwrap() as f64 / 1e6 * n;
            c += j.resources.0[CPUS] as f64 / 1000.0 * n;
            m += j.resources.0[MEM] as f64 / 1000.0 * n;
        }
    }
    let t = tasks as f64;
    (jobs, tasks, d / t, c / t, m / t)
}

fn within(what: &str, got: f64, want: f64, tol: f64) {
    let rel = (got - want).abs() / want;
    assert!(
        rel <= tol,
        "{what}: generated {got}, trace {want} ({:.1}% off, tolerance {:.0}%)",
        rel * 100.0,
        tol * 100.0
    );
}

#[test]
fn alibaba_2017_fit_reproduces_the_trace() {
    let trace = TraceRef {
        format: Format::Alibaba2017,
        path: shared("alibaba-2017"),
    };
    let opts = TraceOptions::new(Format::Alibaba2017);
    let (model, rep) = traces::fit(&trace, &opts, &FitOptions::default()).unwrap();
    // What the mapping keeps of the complete batch_task table (exact: the
    // same rows a run replays; 8,847 Waiting rows and rows without a
    // request are dropped) and the 1,313 machines of server_event.
    assert_eq!(rep.jobs, 71_536);
    assert_eq!(rep.tasks, 11_059_704);
    assert_eq!(rep.summary.machines, 1_313);
    assert_eq!(model.jobs, Some(71_536));
    let machines: u64 = model.machines.iter().map(|m| m.count).sum();
    assert_eq!(machines, 1_313);
    assert_eq!(model.machines[0].resources.0[CPUS], 64_000);
    // The model file round-trips: written, read back, the same model.
    let text = model.to_toml("test");
    let back = workloads::parse_model(&text, "ali.toml").unwrap();
    assert_eq!(back, model);
    // Generated from the model with seed 1 (the seeded generator's draws):
    //   trace:     11,059,704 tasks, 771.340 s, 0.613799 cores, 2621.425 MiB per task
    //   generated: 11,194,938 tasks, 733.011 s, 0.620687 cores, 2579.201 MiB per task
    //   (+1.2%, -5.0%, +1.1%, -1.6%).
    let (jobs, tasks, d, c, m) = generated(&back, 1);
    assert_eq!(jobs, rep.jobs);
    assert_eq!(tasks, 11_194_938);
    within("tasks", tasks as f64, rep.tasks as f64, 0.10);
    within("mean duration", d, rep.mean_duration_s, 0.10);
    within("mean cpus", c, rep.mean_cpus, 0.10);
    within("mean mem", m, rep.mean_mem, 0.10);
}

/// The spread over seeds: a generated job draws one duration for all its
/// tasks, and tasks per job are heavy-tailed (up to 64,486), so the
/// task-weighted mean duration of one draw is noisy. Measured over seeds
/// 0..20: task count ratio 0.944..1.045, mean duration ratio
/// 0.910..1.158 (seed 6 is 15.8% off, the only one of 20 beyond 10%),
/// cpus and mem within 2%. Averaged over the 20 seeds each figure is
/// within 2% of the trace's.
#[test]
fn alibaba_2017_fit_over_seeds() {
    let trace = TraceRef {
        format: Format::Alibaba2017,
        path: shared("alibaba-2017"),
    };
    let opts = TraceOptions::new(Format::Alibaba2017);
    let (model, rep) = traces::fit(&trace, &opts, &FitOptions::default()).unwrap();
    let mut sums = [0f64; 4];
    let mut beyond = 0;
    for seed in 0..20 {
        let (_, t, d, c, m) = generated(&model, seed);
        let r = [
            t as f64 / rep.tasks as f64,
            d / rep.mean_duration_s,
            c / rep.mean_cpus,
            m / rep.mean_mem,
        ];
        beyond += r.iter().filter(|x| (*x - 1.0).abs() > 0.10).count();
        for (s, x) in sums.iter_mut().zip(r) {
            *s += x / 20.0;
        }
    }
    assert_eq!(beyond, 1);
    for (what, s) in ["tasks", "duration", "cpus", "mem"].iter().zip(sums) {
        within(what, s, 1.0, 0.02);
    }
}

/// A second format: Alibaba 2018, with the real, complete machine_meta of
/// ../shared/traces (4,034 machines, all 96 cores and mem_size 100) and
/// the repository's batch_task fixture (written for the tests; no real
/// 2018 batch rows exist here). Its 4 rows are too few for one draw to
/// match, so the model is generated with 2,000 times the jobs and the
/// task count compared per 2,000.
#[test]
fn alibaba_2018_fit_machine_classes_and_means() {
    let dir = std::env::temp_dir().join(format!("mesosim-fit-2018-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        shared("alibaba-2018/machine_meta.csv"),
        dir.join("machine_meta.csv"),
    )
    .unwrap();
    std::fs::copy(
        fixture("alibaba-2018/batch_task.csv"),
        dir.join("batch_task.csv"),
    )
    .unwrap();
    let trace = TraceRef {
        format: Format::Alibaba2018,
        path: dir.clone(),
    };
    let opts = TraceOptions::new(Format::Alibaba2018);
    let (model, rep) = traces::fit(&trace, &opts, &FitOptions::default()).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    // One class: 4,034 machines of 96 cores and 100 x 5242.88 MiB.
    assert_eq!(model.machines.len(), 1);
    assert_eq!(model.machines[0].count, 4_034);
    assert_eq!(model.machines[0].resources.0[CPUS], 96_000);
    assert_eq!(model.machines[0].resources.0[MEM], 524_288_000);
    assert_eq!((rep.jobs, rep.tasks), (4, 16));
    let back = workloads::parse_model(&model.to_toml(""), "a18.toml").unwrap();
    assert_eq!(back, model);
    let mut big = back.clone();
    big.jobs = Some(4 * 2_000);
    // Trace: 16 tasks, 23.3125 s, 0.875 cores, 1602.355 MiB per task.
    // Generated (seed 1): 31,750 tasks (15.875 per 4 jobs: -0.8%), 22.991 s (-1.4%), 0.871921 cores (-0.4%),
    // 1611.372 MiB (+0.6%).
    let (jobs, tasks, d, c, m) = generated(&big, 1);
    assert_eq!(jobs, 8_000);
    assert_eq!(tasks, 31_750);
    within("tasks", tasks as f64 / 2_000.0, rep.tasks as f64, 0.10);
    within("mean duration", d, rep.mean_duration_s, 0.10);
    within("mean cpus", c, rep.mean_cpus, 0.10);
    within("mean mem", m, rep.mean_mem, 0.10);
}
