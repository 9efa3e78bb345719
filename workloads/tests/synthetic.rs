//! `[workload] synthetic`: keys, models, generation (exact where the
//! value is deterministic, with a statistical property beside each count
//! that comes from the seeded generator), and bad input with exact
//! messages.

use std::path::Path;

use sim::resources::{CPUS, MEM};
use sim::spec::Spec;
use workloads::synthetic::{generate, Arrivals, Assign, Shape, Synthetic};
use workloads::{parse_model, parse_scenario, LoadOptions, Whatif};

fn load(text: &str) -> Result<(Spec, Synthetic), String> {
    parse_scenario(text, "sc.toml", Path::new(""), &LoadOptions::default())
        .map(|l| (l.spec, l.synthetic.expect("a synthetic workload")))
        .map_err(|e| e.to_string())
}

fn err(text: &str) -> String {
    load(text).unwrap_err()
}

fn build(text: &str) -> Spec {
    let (mut spec, syn) = load(text).unwrap();
    let mut s = Whatif::default().job_stream(spec.seed);
    generate(&syn, &mut spec, &mut s).unwrap();
    spec
}

const BASE: &str = "name = \"t\"\nseed = 3\n[workload.synthetic]\n";
const MACHINES: &str = "machines = [{ count = 2, resources = { cpus = 8, mem = 16384 } }]\n";

fn sc(body: &str) -> String {
    format!("{BASE}{body}{MACHINES}")
}

#[test]
fn keys_are_read() {
    let (_, s) = load(&sc("arrivals = \"poisson\"\nrate = 120\njobs = 50\nduration = \"2h\"\ntasks = { dist = \"pareto\", alpha = 2, min = 1, max = 100 }\ntask_duration = \"5m\"\ncpus = 1\nmem = { dist = \"exponential\", mean = 512 }\nframeworks = 3\nassign = \"random\"\nscale = 0.5\npriorities = [[0, 1], [9, 3]]\n")).unwrap();
    assert_eq!(s.arrivals, Arrivals::Poisson { rate: 120.0 });
    assert_eq!(s.jobs, Some(50));
    assert_eq!(s.horizon_us, Some(7_200_000_000));
    assert_eq!(s.task_duration.mean(), 300.0);
    assert_eq!(s.tasks.mean(), 2.0);
    assert_eq!(s.tasks.max, Some(100.0));
    assert_eq!(s.frameworks, 3);
    assert_eq!(s.assign, Assign::Random);
    assert_eq!(s.scale, 0.5);
    assert_eq!(s.priorities, vec![(0, 1.0), (9, 3.0)]);
    assert!(matches!(s.shape, Shape::Dists { .. }));
    assert_eq!(s.machines[0].count, 2);
    assert_eq!(s.machines[0].resources.0[CPUS], 8_000);
}

#[test]
fn diurnal_from_amplitude_peaks_at_the_peak_hour() {
    let (_, s) = load(&sc("arrivals = \"diurnal\"\nrate = 100\namplitude = 0.5\npeak = 14.5\njobs = 10\ntask_duration = 60\ncpus = 1\n")).unwrap();
    let Arrivals::Diurnal { rates } = s.arrivals else {
        panic!("diurnal")
    };
    // Hour 14 is centred on 14.5: 100 x (1 + 0.5) exactly; hour 2 (12 h
    // away) 100 x (1 - 0.5).
    assert_eq!(rates[14], 150.0);
    assert!((rates[2] - 50.0).abs() < 1e-9);
    let mean: f64 = rates.iter().sum::<f64>() / 24.0;
    assert!((mean - 100.0).abs() < 1e-9);
}

#[test]
fn generation_is_seeded_and_matches_the_distributions() {
    // 2,000 jobs; tasks exponential mean 4 (rounded, at least 1), duration
    // lognormal mu 4 sigma 0.5 (mean e^4.125 = 61.87 s), cpus from a
    // table (mean 1.5), round-robin over 4 frameworks.
    let text = sc("rate = 3600\njobs = 2000\ntasks = { dist = \"exponential\", mean = 4 }\ntask_duration = { dist = \"lognormal\", mu = 4, sigma = 0.5 }\nshapes = [[1, 1024, 1], [2, 2048, 1]]\nframeworks = 4\n");
    let a = build(&text);
    let b = build(&text);
    assert_eq!(a, b, "same seed, same workload");
    assert_eq!(a.agents.len(), 2);
    assert_eq!(a.agents[0].name, "m0-0");
    assert_eq!(a.frameworks.len(), 4);
    // Round robin: 500 jobs each; j0 in synth-0, j1 in synth-1.
    for f in &a.frameworks {
        assert_eq!(f.jobs.len(), 500);
    }
    assert_eq!(a.frameworks[1].jobs[0].name, "j1");
    let jobs: Vec<_> = a.frameworks.iter().flat_map(|f| f.jobs.iter()).collect();
    // Exact from the seeded generator (seed 3).
    let tasks: u64 = jobs.iter().map(|j| j.tasks).sum();
    assert_eq!(tasks, 8_271);
    // Properties: the sample means within a few standard errors.
    let n = jobs.len() as f64;
    let dur: f64 = jobs
        .iter()
        .map(|j| j.duration_us.unwrap() as f64 / 1e6)
        .sum::<f64>()
        / n;
    assert!((dur - 61.87).abs() / 61.87 < 0.03, "mean duration {dur}");
    let cpus: f64 = jobs
        .iter()
        .map(|j| j.resources.0[CPUS] as f64 / 1000.0)
        .sum::<f64>()
        / n;
    assert!((cpus - 1.5).abs() < 0.03, "mean cpus {cpus}");
    // Arrivals: 3,600 jobs an hour = one a second on average, so 2,000
    // jobs take about 2,000 s (within 5%), in order.
    let last = jobs.iter().map(|j| j.at_us).max().unwrap();
    assert!(
        (last as f64 / 2e9 - 1.0).abs() < 0.05,
        "last arrival {last}"
    );
    let mem_ok = jobs
        .iter()
        .all(|j| j.resources.0[MEM] == j.resources.0[CPUS] * 1024);
    assert!(mem_ok, "shapes are drawn as rows");
    // Another seed, another workload.
    let c = build(&text.replace("seed = 3", "seed = 4"));
    assert_ne!(a.frameworks, c.frameworks);
}

#[test]
fn a_job_does_not_depend_on_the_horizon() {
    // The first 100 jobs are the same whether 100 or 1,000 are generated.
    let small = build(&sc("rate = 60\njobs = 100\ntask_duration = 1\ncpus = 1\ntasks = { dist = \"lognormal\", mu = 1, sigma = 1 }\n"));
    let big = build(&sc("rate = 60\njobs = 1000\ntask_duration = 1\ncpus = 1\ntasks = { dist = \"lognormal\", mu = 1, sigma = 1 }\n"));
    assert_eq!(small.frameworks[0].jobs[..], big.frameworks[0].jobs[..100]);
}

#[test]
fn duration_stops_the_arrivals() {
    let s = build(&sc(
        "rate = 60\nduration = \"1h\"\ntask_duration = 1\ncpus = 1\n",
    ));
    let jobs = &s.frameworks[0].jobs;
    assert!(jobs.iter().all(|j| j.at_us < 3_600_000_000));
    // Poisson with mean 60 (seed 3 gives exactly this many).
    assert_eq!(jobs.len(), 61);
}

#[test]
fn bundled_model_and_overrides() {
    let (_, s) = load(&format!(
        "{BASE}model = \"google-2011-cell\"\nscale = 0.01\njobs = 10\n"
    ))
    .unwrap();
    assert_eq!(s.model.as_deref(), Some("google-2011-cell"));
    assert_eq!(s.jobs, Some(10));
    assert_eq!(s.frameworks, 930);
    let machines: u64 = s.scaled_machines().iter().map(|m| m.count).sum();
    // round(count x 0.01) per class: 67 + 39 + 10 + 8 + 1 + 1.
    assert_eq!(machines, 126);
    let full: u64 = s.machines.iter().map(|m| m.count).sum();
    assert_eq!(full, 12_583);
    // ~672k jobs x 37.66 tasks at scale 1 (the published ~25M).
    let (tasks, dur, cpus, mem) = s.means();
    assert!((tasks - 37.661).abs() < 1e-9);
    assert!((dur - 19_252.5).abs() < 1e-9);
    assert!((cpus - 1.07).abs() < 1e-9);
    assert!((mem - 2_723.84).abs() < 1e-9);
    let Arrivals::Poisson { rate } = s.arrivals else {
        panic!()
    };
    assert!((rate * 696.0 * tasks / 25e6 - 1.0).abs() < 0.03);
}

#[test]
fn model_file_from_the_scenario_folder() {
    let dir = std::env::temp_dir().join(format!("mesosim-synth-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("m.toml"),
        "rate = 10\njobs = 5\ntask_duration = 30\ncpus = 2\n",
    )
    .unwrap();
    let text = format!("{BASE}model = \"m.toml\"\njobs = 7\n{MACHINES}");
    let l = parse_scenario(&text, "sc.toml", &dir, &LoadOptions::default()).unwrap();
    let s = l.synthetic.unwrap();
    assert_eq!(s.jobs, Some(7));
    assert_eq!(s.arrivals, Arrivals::Poisson { rate: 10.0 });
    // An error inside the model names the model file.
    std::fs::write(dir.join("bad.toml"), "rate = 10\njobs = 0\n").unwrap();
    let text = format!("{BASE}model = \"bad.toml\"\n{MACHINES}");
    let e = parse_scenario(&text, "sc.toml", &dir, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!(
            "{}:2:1: jobs: must be at least 1 (got 0)",
            dir.join("bad.toml").display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn model_round_trips_through_toml() {
    let m = parse_model(workloads::synthetic::GOOGLE_2011_CELL, "g.toml").unwrap();
    let back = parse_model(&m.to_toml("a header"), "g2.toml").unwrap();
    assert_eq!(back, m);
}

#[test]
fn bad_input_exact_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "rate = 10\njobs = 5\ntask_duration = 1\ncpus = 1\nwhat = 1\n",
            "sc.toml:8:1: workload.synthetic.what: unknown key `what`; allowed here: model, arrivals, rate, rates, amplitude, peak, duration, jobs, tasks, task_duration, cpus, mem, shapes, priorities, machines, frameworks, assign, scale",
        ),
        (
            "jobs = 5\ntask_duration = 1\ncpus = 1\n",
            "sc.toml:3:11: workload.synthetic: arrivals = \"poisson\" needs `rate` (jobs per hour)",
        ),
        (
            "rate = 10\ntask_duration = 1\ncpus = 1\n",
            "sc.toml:3:11: workload.synthetic: needs `duration` (how long jobs arrive) or `jobs` (how many), or both",
        ),
        (
            "rate = -1\njobs = 5\ntask_duration = 1\ncpus = 1\n",
            "sc.toml:4:1: workload.synthetic.rate: a rate (jobs per hour) must be greater than 0 (got -1)",
        ),
        (
            "arrivals = \"diurnal\"\nrates = [1, 2]\njobs = 5\ntask_duration = 1\ncpus = 1\n",
            "sc.toml:5:1: workload.synthetic.rates: expected 24 rates (jobs per hour in each hour of the day), got 2",
        ),
        (
            "arrivals = \"weekly\"\nrate = 1\njobs = 5\ntask_duration = 1\ncpus = 1\n",
            "sc.toml:4:1: workload.synthetic.arrivals: expected one of \"poisson\", \"diurnal\" (got \"weekly\")",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = { dist = \"gamma\" }\ncpus = 1\n",
            "sc.toml:6:19: workload.synthetic.task_duration.dist: expected one of \"constant\", \"exponential\", \"lognormal\", \"pareto\", \"empirical\" (got \"gamma\")",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = { dist = \"lognormal\", mu = 1 }\ncpus = 1\n",
            "sc.toml:6:17: workload.synthetic.task_duration.sigma: missing required key `sigma` for a lognormal distribution",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = { dist = \"pareto\", alpha = 0, min = 1 }\ncpus = 1\n",
            "sc.toml:6:36: workload.synthetic.task_duration.alpha: must be greater than 0 (got 0)",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = 1\ntasks = { dist = \"empirical\", table = [[1, 2, 3]] }\ncpus = 1\n",
            "sc.toml:7:40: workload.synthetic.tasks.table[0]: expected [value, weight], got 3 values",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = 1\n",
            "sc.toml:3:11: workload.synthetic: missing the task shape: `shapes` (a table of [cpus, mem, weight]) or `cpus` (and `mem`)",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = 1\ncpus = 1\nshapes = [[1, 2, 1]]\n",
            "sc.toml:7:1: workload.synthetic.cpus: set either `shapes` (a table of [cpus, mem, weight]) or `cpus`/`mem` distributions, not both",
        ),
        (
            "rate = 10\njobs = 5\ntask_duration = 1\ncpus = 1\nmodel = \"nope-model\"\n",
            "sc.toml:8:1: workload.synthetic.model: cannot read the model file nope-model: No such file or directory (os error 2) (bundled models: google-2011-cell)",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(&err(&sc(body)), want, "for {body}");
    }
    // No agents and no machines.
    assert_eq!(
        err(&format!("{BASE}rate = 10\njobs = 5\ntask_duration = 1\ncpus = 1\n")),
        "sc.toml:3:11: workload.synthetic: the scenario has no [[agents]]: set `machines` (classes of { count, resources })"
    );
    // Trace options do not go with a synthetic workload.
    assert_eq!(
        err("[workload]\non_error = \"skip\"\nsynthetic = { rate = 1, jobs = 1, task_duration = 1, cpus = 1 }\n[[agents]]\nname = \"a\"\nresources = { cpus = 1 }\n"),
        "sc.toml:2:1: workload.on_error: `on_error` is a trace option; a synthetic workload takes its keys inside `synthetic`"
    );
}
