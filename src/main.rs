//! The `mesosim` command line: parses flags, loads scenarios, runs the
//! engine, writes the output directory, prints a summary.
//!
//! This is the only place that reads the wall clock (for the progress bar)
//! or talks to the terminal. Exit codes: 0 success, 1 an invariant or check
//! failed, 2 bad input (scenario, flags).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand, ValueEnum};

mod bench;
mod check;
mod compare;
mod explore;
mod fidelity;
mod plot_cmd;
mod trace_cmd;
use sim::engine::{self, RunOptions};
use sim::record::RunRecord;
use sim::resources::format_thousandths;
use sim::spec::{Mode, Spec};

/// The bundled default scenario (`workloads/scenarios/default.toml`).
const DEFAULT_SCENARIO: &str = include_str!("../workloads/scenarios/default.toml");
const DEFAULT_LABEL: &str = "<bundled default.toml>";

#[derive(Parser)]
#[command(
    name = "mesosim",
    version,
    about = "Deterministic Mesos-faithful cluster simulator and allocation-policy testbed",
    long_about = "Deterministic Mesos-faithful cluster simulator and allocation-policy testbed.\n\n\
                  Without a subcommand, runs the bundled default scenario (same as `mesosim run`)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one simulation and write its output directory.
    Run(RunArgs),
    /// List the allocation policies.
    Policies,
    /// Speed figures (release builds): the event engine, Mesos's allocator
    /// benchmarks.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Differential test against the real Mesos allocator (`replay`).
    Fidelity(FidelityArgs),
    /// Check scenario files without running them.
    /// One scenario under several policies (modes, seeds): tables and plots.
    Compare(compare::CompareArgs),
    /// Plots (PNG and SVG) of an output directory, into DIR/plots/.
    Plot(plot_cmd::PlotArgs),
    /// Run scenarios and assert their `[[expect]]` entries (CI; JUnit XML).
    Check(check::CheckArgs),
    /// Read public cluster traces: `trace inspect PATH --format F`.
    Trace(trace_cmd::TraceArgs),
    /// Seeded random fault schedules (crashes, partitions, failovers)
    /// checked against the cluster's invariants after every event.
    Explore(explore::ExploreArgs),
    Validate {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
}

#[derive(clap::Args, Default)]
struct RunArgs {
    /// Scenario file (TOML); without it, the bundled default scenario.
    scenario: Option<PathBuf>,
    /// Output directory (replaced as a whole once the run succeeded);
    /// default `runs/NAME/`.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Seed, overriding the scenario's `seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Policy, overriding `[allocator] policy` (see `mesosim policies`).
    #[arg(long)]
    policy: Option<String>,
    /// Scheduling mode, overriding `[allocator] mode`.
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// No progress bar and no summary table.
    #[arg(long, short)]
    quiet: bool,
    /// Also write the plots (PNG and SVG) into OUT/plots/.
    #[arg(long)]
    plots: bool,
    /// A what-if transform, `KEY=VALUE` (repeatable; over the scenario's
    /// `[whatif]`): load=1.5, machines=0.8, machine_scale.cpus=2,
    /// duration=0.5, 'window=["1h","3h"]', sample=0.1. See docs/scenario.md.
    #[arg(long = "whatif", value_name = "KEY=VALUE")]
    whatif: Vec<String>,
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The hold model on the event queue: N events pending, M handled.
    Engine {
        #[arg(long, default_value_t = 100_000)]
        pending: u64,
        #[arg(long, default_value_t = 10_000_000)]
        events: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
    },
    /// A synthetic whole Google 2011 cell (stand-in) at fraction SCALE,
    /// DRF in offers mode.
    Cell {
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Scheduling mode (the benchmark is `offers`; `tasks`
        /// places tasks directly, with no offers, filters or declines).
        #[arg(long, value_enum, default_value = "offers")]
        mode: ModeArg,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
    },
    /// Mesos's DeclineOffers (or SuppressOffers) allocator benchmark.
    Allocator {
        #[arg(long, default_value_t = 1000)]
        agents: u64,
        #[arg(long, default_value_t = 50)]
        frameworks: u64,
        #[arg(long, default_value = "drf")]
        policy: String,
        /// `decline` (DeclineOffers) or `suppress` (SuppressOffers).
        #[arg(long, default_value = "decline")]
        variant: String,
        /// One JSON object on one line of stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct FidelityArgs {
    /// Generator seeds, `A..B` (B excluded) or one number.
    #[arg(long, default_value = "0..50")]
    seeds: String,
    /// The replay peer (default: $MESOSIM_REPLAY, else
    /// ../shared/peers/mesos-allocator/replay).
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Where to write differing scenarios (shrunk).
    #[arg(long, default_value = "fidelity-failures")]
    keep: PathBuf,
    /// Report differences as found, without shrinking them.
    #[arg(long)]
    no_shrink: bool,
    /// Worker threads (each scenario runs single-threaded).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Print only the scenario of the first seed and exit.
    #[arg(long)]
    print: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Offers,
    Tasks,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => cmd_run(RunArgs::default()),
        Some(Command::Run(args)) => cmd_run(args),
        Some(Command::Policies) => {
            for (name, about) in policies::ALL {
                println!("{name:<10} {about}");
            }
            Ok(())
        }
        Some(Command::Validate { scenarios }) => cmd_validate(&scenarios),
        Some(Command::Fidelity(args)) => cmd_fidelity(args),
        Some(Command::Bench(b)) => cmd_bench(b),
        Some(Command::Compare(args)) => compare::cmd_compare(args),
        Some(Command::Plot(args)) => plot_cmd::cmd_plot(args),
        Some(Command::Check(args)) => check::cmd_check(args),
        Some(Command::Trace(args)) => trace_cmd::cmd_trace(args),
        Some(Command::Explore(args)) => explore::cmd_explore(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    /// Bad scenario, trace or flags: exit 2.
    BadInput(String),
    /// A run or check failed: exit 1.
    Failed(String),
}

fn load_options() -> (Vec<&'static str>,) {
    (policies::names(),)
}

fn load(path: Option<&Path>) -> Result<Spec, Failure> {
    load_full(path, None, &[]).map(|(spec, _)| spec)
}

/// Loads a scenario and its trace, with the what-if transforms of its
/// `[whatif]` and of `whatif_args` (`--whatif KEY=VALUE`, over the file's);
/// also returns what summary.json says about how the workload was built
/// (`trace`, `whatif`). `seed` overrides the scenario's (and so seeds the
/// transforms).
fn load_full(
    path: Option<&Path>,
    seed: Option<u64>,
    whatif_args: &[String],
) -> Result<(Spec, reports::summary::Extra), Failure> {
    let (names,) = load_options();
    let opts = workloads::LoadOptions { policies: &names };
    let cli_whatif = workloads::parse_whatif_args(whatif_args).map_err(Failure::BadInput)?;
    let loaded = match path {
        Some(p) => workloads::load_scenario(p, &opts),
        None => workloads::parse_scenario(DEFAULT_SCENARIO, DEFAULT_LABEL, Path::new(""), &opts),
    }
    .map_err(|e| Failure::BadInput(e.to_string()))?;
    let mut spec = loaded.spec;
    if let Some(seed) = seed {
        spec.seed = seed;
    }
    let mut whatif = loaded.whatif;
    whatif.merge(&cli_whatif);
    // Jobs are transformed as they stream in: the scenario's own first,
    // then the trace's, numbered on from there.
    let mut jobs = whatif.job_stream(spec.seed);
    jobs.apply_inline(&mut spec);
    let mut extra = reports::summary::Extra::default();
    if let Some(w) = loaded.workload {
        let (trace, topts) =
            traces::from_workload(&w).map_err(|e| Failure::BadInput(e.to_string()))?;
        let sum = traces::load_workload_with(&trace, &mut spec, &topts, &mut jobs)
            .map_err(|e| Failure::BadInput(e.to_string()))?;
        extra.trace = Some(trace_json(&trace, &sum));
    }
    if let Some(syn) = &loaded.synthetic {
        let sum =
            workloads::synthetic::generate(syn, &mut spec, &mut jobs).map_err(Failure::BadInput)?;
        extra.synthetic = Some(sum.to_json(syn));
    }
    whatif.apply_cluster(spec.seed, &mut spec);
    extra.whatif = whatif.to_json();
    Ok((spec, extra))
}

/// summary.json's `trace` object: what was read and what was skipped.
/// A Parquet trace also names the format it was converted from
/// (`source_format`); its `lines` and `skipped` are the conversion's.
fn trace_json(trace: &traces::TraceRef, s: &traces::TraceSummary) -> serde_json::Value {
    let mut v = serde_json::json!({
        "format": trace.format.name(),
        "path": trace.path.display().to_string(),
        "lines": s.lines,
        "skipped": s.skipped,
        "dropped": s.dropped,
    });
    if trace.format == traces::Format::Parquet {
        v["source_format"] = serde_json::json!(s.format.name());
    }
    v
}

/// The scenario's policy, if it exists and supports the scenario's mode.
fn build_policy(spec: &Spec) -> Result<Box<dyn sim::sorter::Policy>, Failure> {
    let policy = policies::build(&spec.allocator.policy)
        .map_err(|e| Failure::BadInput(format!("policy: {e}")))?;
    let mode = spec.allocator.mode;
    if !policy.modes().contains(&mode) {
        let modes: Vec<&str> = policy.modes().iter().map(|m| m.name()).collect();
        return Err(Failure::BadInput(format!(
            "policy `{}` does not run in `{}` mode (it supports: {})",
            policy.name(),
            mode.name(),
            modes.join(", ")
        )));
    }
    Ok(policy)
}

fn cmd_validate(paths: &[PathBuf]) -> Result<(), Failure> {
    let mut bad = Vec::new();
    for p in paths {
        match load(Some(p)).and_then(|spec| build_policy(&spec).map(|_| spec)) {
            Ok(spec) => println!(
                "{}: ok ({} agents, {} frameworks, {} tasks, policy {}, mode {})",
                p.display(),
                spec.agents.len(),
                spec.frameworks.len(),
                spec.task_count(),
                spec.allocator.policy,
                spec.allocator.mode.name()
            ),
            Err(Failure::BadInput(m)) | Err(Failure::Failed(m)) => bad.push(m),
        }
    }
    if bad.is_empty() {
        Ok(())
    } else {
        Err(Failure::BadInput(bad.join("\nerror: ")))
    }
}

fn cmd_run(args: RunArgs) -> Result<(), Failure> {
    let (mut spec, extra) = load_full(args.scenario.as_deref(), args.seed, &args.whatif)?;
    if let Some(p) = args.policy {
        spec.allocator.policy = p;
    }
    if let Some(m) = args.mode {
        spec.allocator.mode = match m {
            ModeArg::Offers => Mode::Offers,
            ModeArg::Tasks => Mode::Tasks,
        };
    }
    let policy = build_policy(&spec)?;
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from("runs").join(&spec.name));

    let started = Instant::now();
    let show = !args.quiet && std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut progress = |now_us: u64, end_us: Option<u64>| {
        if !show || started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let b = bar.get_or_insert_with(|| {
            let b = match end_us {
                Some(e) => indicatif::ProgressBar::new(e.max(1)),
                None => indicatif::ProgressBar::new_spinner(),
            };
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {bar:40} virtual {msg}",
                )
                .expect("valid template"),
            );
            b
        });
        b.set_position(now_us);
        b.set_message(format!("{:.1} s", now_us as f64 / 1e6));
    };
    let record = engine::run(&spec, policy, RunOptions::default(), &mut progress)
        .map_err(|e| Failure::Failed(e.to_string()))?;
    if let Some(b) = bar.take() {
        b.finish_and_clear();
    }
    reports::write_run_with(&record, &out, &extra).map_err(|e| Failure::Failed(e.to_string()))?;
    if args.plots {
        plot_cmd::make(&out, args.quiet)?;
    }
    if !args.quiet {
        print_summary(&record, &out, started.elapsed());
    }
    Ok(())
}

fn print_summary(r: &RunRecord, out: &Path, wall: Duration) {
    println!(
        "{}: policy {}, mode {}, seed {}, {} virtual s, {} events in {:.2} s",
        r.scenario,
        r.policy,
        r.mode,
        r.seed,
        format_thousandths((r.end_us / 1000) as i64),
        r.events,
        wall.as_secs_f64()
    );
    println!(
        "{:<16} {:<12} {:>8} {:>8} {:>10} {:>10}",
        "framework", "role", "finished", "peak", "mean share", "final"
    );
    for (f, s) in r.frameworks.iter().zip(r.framework_stats.iter()) {
        println!(
            "{:<16} {:<12} {:>8} {:>8} {:>10.4} {:>10.4}",
            f.name,
            f.role,
            s.tasks_finished,
            s.peak_running_tasks,
            s.mean_dominant_share,
            s.final_dominant_share
        );
    }
    let means: Vec<f64> = r
        .framework_stats
        .iter()
        .map(|s| s.mean_dominant_share)
        .collect();
    println!(
        "Jain's index over mean dominant shares: {:.4}",
        reports::summary::jain(&means)
    );
    println!("wrote {}", out.display());
}

fn parse_seeds(s: &str) -> Result<std::ops::Range<u64>, Failure> {
    let bad = || Failure::BadInput(format!("--seeds {s}: expected A..B or a number"));
    match s.split_once("..") {
        Some((a, b)) => {
            let a: u64 = a.trim().parse().map_err(|_| bad())?;
            let b: u64 = b.trim().parse().map_err(|_| bad())?;
            if b <= a {
                return Err(bad());
            }
            Ok(a..b)
        }
        None => {
            let a: u64 = s.trim().parse().map_err(|_| bad())?;
            Ok(a..a + 1)
        }
    }
}

fn cmd_fidelity(args: FidelityArgs) -> Result<(), Failure> {
    let seeds = parse_seeds(&args.seeds)?;
    if args.print {
        print!("{}", fidelity::generate(seeds.start).to_toml());
        return Ok(());
    }
    let replay = args.replay.unwrap_or_else(fidelity::default_replay);
    if !replay.exists() {
        return Err(Failure::BadInput(format!(
            "replay not found at {} (set --replay or MESOSIM_REPLAY)",
            replay.display()
        )));
    }
    let work = tempfile::Builder::new()
        .prefix("mesosim-fidelity-")
        .tempdir()
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let next = std::sync::atomic::AtomicU64::new(seeds.start);
    let results = std::sync::Mutex::new(Vec::<(u64, Result<Option<String>, String>)>::new());
    let threads = args.threads.max(1);
    std::thread::scope(|scope| {
        for w in 0..threads {
            let (next, results, replay, work) = (&next, &results, &replay, work.path());
            scope.spawn(move || loop {
                let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if seed >= seeds.end {
                    break;
                }
                let g = fidelity::generate(seed);
                let dir = work.join(format!("w{w}"));
                let r = fidelity::check_one(replay, &dir, &g);
                results.lock().expect("results lock").push((seed, r));
            });
        }
    });
    let mut results = results.into_inner().expect("results lock");
    results.sort_by_key(|(s, _)| *s);
    let total = results.len();
    let mut differing = 0usize;
    let mut errors = 0usize;
    for (seed, r) in &results {
        match r {
            Ok(None) => {}
            Ok(Some(diff)) => {
                differing += 1;
                let g = fidelity::generate(*seed);
                let (g, diff) = if args.no_shrink {
                    (g, diff.clone())
                } else {
                    let dir = work.path().join("shrink");
                    let small = fidelity::shrink(&replay, &dir, &g);
                    let d = fidelity::check_one(&replay, &dir, &small)
                        .ok()
                        .flatten()
                        .unwrap_or_else(|| diff.clone());
                    (small, d)
                };
                let _ = std::fs::create_dir_all(&args.keep);
                let file = args.keep.join(format!("seed-{seed}.toml"));
                let _ = std::fs::write(&file, g.to_toml());
                println!(
                    "seed {seed}: DIFFERS (scenario: {})\n{diff}",
                    file.display()
                );
            }
            Err(e) => {
                errors += 1;
                println!("seed {seed}: ERROR {e}");
            }
        }
    }
    println!(
        "fidelity: {} of {total} scenarios agree with Mesos offer for offer and task for task ({differing} differ, {errors} errors)",
        total - differing - errors
    );
    if differing + errors > 0 {
        Err(Failure::Failed(format!(
            "{} scenarios differ or failed",
            differing + errors
        )))
    } else {
        Ok(())
    }
}

fn json_list(xs: &[f64]) -> String {
    let items: Vec<String> = xs.iter().map(|x| format!("{x:.4}")).collect();
    format!("[{}]", items.join(", "))
}

fn cmd_bench(b: BenchCommand) -> Result<(), Failure> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; bench figures mean something only with --release");
    }
    match b {
        BenchCommand::Engine {
            pending,
            events,
            seed,
            json,
        } => {
            if pending == 0 || events < pending {
                return Err(Failure::BadInput(
                    "--pending must be > 0 and --events >= --pending".into(),
                ));
            }
            let r = bench::engine(pending, events, seed);
            let line = format!(
                "{{\"bench\": \"engine\", \"pending\": {}, \"events\": {}, \"wall_s\": {:.3}, \"events_per_s\": {:.0}, \"peak_rss_mib\": {:.1}}}",
                r.pending, r.events, r.wall_s, r.events_per_s, r.peak_rss_mib
            );
            if json {
                println!("{line}");
            } else {
                println!("hold model: {} pending, {} events", r.pending, r.events);
                println!("  wall          {:.3} s", r.wall_s);
                println!("  events/s      {:.2} M", r.events_per_s / 1e6);
                println!("  peak RSS      {:.1} MiB", r.peak_rss_mib);
            }
            Ok(())
        }
        BenchCommand::Cell {
            scale,
            seed,
            mode,
            json,
        } => {
            if !(scale > 0.0 && scale <= 4.0) {
                return Err(Failure::BadInput(format!(
                    "--scale {scale}: expected a fraction of a cell in (0, 4]"
                )));
            }
            let mode = match mode {
                ModeArg::Offers => sim::spec::Mode::Offers,
                ModeArg::Tasks => sim::spec::Mode::Tasks,
            };
            let r = bench::cell(scale, seed, mode);
            let events_per_s = r.events as f64 / r.wall_s;
            if json {
                println!(
                    "{{\"bench\": \"cell\", \"scale\": {}, \"mode\": \"{}\", \"machines\": {}, \"frameworks\": {}, \"jobs\": {}, \"tasks\": {}, \"finished\": {}, \"events\": {}, \"offers\": {}, \"wall_s\": {:.3}, \"events_per_s\": {:.0}, \"peak_rss_mib\": {:.1}}}",
                    r.scale, r.mode, r.machines, r.frameworks, r.jobs, r.tasks, r.finished, r.events, r.offers, r.wall_s, events_per_s, r.peak_rss_mib
                );
            } else {
                println!(
                    "cell x{}: {} machines, {} frameworks, {} jobs, {} tasks ({} finished), 29 days",
                    r.scale, r.machines, r.frameworks, r.jobs, r.tasks, r.finished
                );
                println!("  wall          {:.2} s", r.wall_s);
                println!(
                    "  events        {} ({:.2} M/s)",
                    r.events,
                    events_per_s / 1e6
                );
                println!("  offers        {}", r.offers);
                println!("  peak RSS      {:.1} MiB", r.peak_rss_mib);
            }
            Ok(())
        }
        BenchCommand::Allocator {
            agents,
            frameworks,
            policy,
            variant,
            json,
        } => {
            let suppress = match variant.as_str() {
                "decline" => false,
                "suppress" => true,
                v => {
                    return Err(Failure::BadInput(format!(
                        "--variant {v}: expected decline or suppress"
                    )))
                }
            };
            if agents == 0 || frameworks == 0 {
                return Err(Failure::BadInput(
                    "--agents and --frameworks must be > 0".into(),
                ));
            }
            let r = bench::allocator(agents, frameworks, &policy, suppress)
                .map_err(Failure::BadInput)?;
            let n = r.round_ms.len().max(1) as f64;
            let mean = r.round_ms.iter().sum::<f64>() / n;
            let max = r.round_ms.iter().cloned().fold(0.0, f64::max);
            let first = r.round_ms.first().copied().unwrap_or(0.0);
            let offers: Vec<String> = r.offers_per_round.iter().map(|x| x.to_string()).collect();
            if json {
                println!(
                    "{{\"bench\": \"allocator\", \"variant\": \"{variant}\", \"policy\": \"{}\", \"agents\": {}, \"frameworks\": {}, \"rounds\": {}, \"round_ms\": {}, \"mean_round_ms\": {:.4}, \"max_round_ms\": {:.4}, \"first_round_ms\": {:.4}, \"offers_per_round\": [{}], \"setup_ms\": {:.1}, \"peak_rss_mib\": {:.1}}}",
                    r.policy, r.agents, r.frameworks, r.round_ms.len(), json_list(&r.round_ms), mean, max, first, offers.join(", "), r.setup_ms, bench::peak_rss_mib()
                );
            } else {
                println!(
                    "{} ({}): {} agents x {} frameworks, {} rounds",
                    variant,
                    r.policy,
                    r.agents,
                    r.frameworks,
                    r.round_ms.len()
                );
                println!("  first round   {first:.3} ms");
                println!("  mean round    {mean:.3} ms");
                println!("  worst round   {max:.3} ms");
                println!(
                    "  setup         {:.1} ms (agents, frameworks, first allocation)",
                    r.setup_ms
                );
            }
            Ok(())
        }
    }
}
