//! `mesosim compare`: one scenario under several policies, modes and
//! seeds, run in parallel (rayon; each run single-threaded and
//! deterministic), merged in (policy, mode, seed) order.
//!
//! Output directory, written beside the target and renamed into place
//! only once complete (as `reports::write_run` does):
//! - `runs/POLICY-MODE-SEED/`: each run's output directory;
//! - `compare.csv`, `compare.md`: the tables of `reports::compare`;
//! - `plots/`: the comparison plots (PNG and SVG).

use std::io::IsTerminal;
use std::path::PathBuf;

use rayon::prelude::*;
use reports::compare::RunSummary;
use sim::engine::{self, RunOptions};
use sim::spec::Mode;

use crate::Failure;

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Scenario file (TOML); without it, the bundled default scenario.
    scenario: Option<PathBuf>,
    /// Policies to compare, comma-separated (see `mesosim policies`).
    #[arg(long, value_delimiter = ',', required = true)]
    policies: Vec<String>,
    /// Output directory (replaced as a whole once everything succeeded).
    #[arg(long)]
    out: PathBuf,
    /// Modes, comma-separated (`offers`, `tasks`); default: the scenario's.
    #[arg(long, value_delimiter = ',')]
    modes: Vec<String>,
    /// Seeds: `A..B` (B excluded), `A..=B`, or one number; default: the
    /// scenario's seed.
    #[arg(long)]
    seeds: Option<String>,
    /// Skip the plots.
    #[arg(long)]
    no_plots: bool,
    /// No progress bar and no table on stderr.
    #[arg(long, short)]
    quiet: bool,
    /// Print one JSON object on one line of stdout (where the files are).
    #[arg(long)]
    json: bool,
    /// A what-if transform, `KEY=VALUE` (repeatable), as for `run`.
    #[arg(long = "whatif", value_name = "KEY=VALUE")]
    whatif: Vec<String>,
}

fn parse_seeds(s: &str) -> Result<Vec<u64>, Failure> {
    if let Some((a, b)) = s.split_once("..=") {
        let bad = || Failure::BadInput(format!("--seeds {s}: expected A..B, A..=B or a number"));
        let a: u64 = a.trim().parse().map_err(|_| bad())?;
        let b: u64 = b.trim().parse().map_err(|_| bad())?;
        if b < a {
            return Err(bad());
        }
        return Ok((a..=b).collect());
    }
    Ok(crate::parse_seeds(s)?.collect())
}

fn parse_mode(s: &str) -> Result<Mode, Failure> {
    match s.trim() {
        "offers" => Ok(Mode::Offers),
        "tasks" => Ok(Mode::Tasks),
        m => Err(Failure::BadInput(format!(
            "--modes: unknown mode {m:?}; expected offers or tasks"
        ))),
    }
}

pub fn cmd_compare(args: CompareArgs) -> Result<(), Failure> {
    let (base, base_extra) = crate::load_full(args.scenario.as_deref(), None, &args.whatif)?;
    let modes: Vec<Mode> = if args.modes.is_empty() {
        vec![base.allocator.mode]
    } else {
        args.modes
            .iter()
            .map(|m| parse_mode(m))
            .collect::<Result<_, _>>()?
    };
    let seeds = match &args.seeds {
        Some(s) => parse_seeds(s)?,
        None => vec![base.seed],
    };
    let mut policies: Vec<String> = Vec::new();
    for p in &args.policies {
        let p = p.trim().to_string();
        if p.is_empty() || policies.contains(&p) {
            continue;
        }
        policies.push(p);
    }
    if policies.is_empty() {
        return Err(Failure::BadInput("--policies: name at least one".into()));
    }
    // The workload of each seed: the what-if transforms draw from the
    // seed, so a seed other than the scenario's is loaded again.
    let mut by_seed = Vec::new();
    for &seed in &seeds {
        by_seed.push(if seed == base.seed {
            (base.clone(), base_extra.clone())
        } else {
            crate::load_full(args.scenario.as_deref(), Some(seed), &args.whatif)?
        });
    }
    // Every combination, checked before anything runs (bad input: exit 2).
    let mut combos = Vec::new();
    for p in &policies {
        for &m in &modes {
            for (seed_spec, extra) in &by_seed {
                let mut spec = seed_spec.clone();
                spec.allocator.policy = p.clone();
                spec.allocator.mode = m;
                crate::build_policy(&spec)?;
                combos.push((spec, extra));
            }
        }
    }

    let parent = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| Failure::Failed(format!("{}: {e}", parent.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(".mesosim-compare-")
        .tempdir_in(&parent)
        .map_err(|e| Failure::Failed(format!("{}: {e}", parent.display())))?;
    let runs_dir = tmp.path().join("runs");

    let bar = if !args.quiet && std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(combos.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} runs {msg}",
            )
            .expect("valid template"),
        );
        Some(b)
    } else {
        None
    };

    // rayon's collect keeps the input order: results come back in
    // (policy, mode, seed) order whatever thread ran them.
    let results: Vec<Result<(String, RunSummary), String>> = combos
        .par_iter()
        .map(|(spec, extra)| {
            let name = run_name(spec);
            let policy = crate::build_policy(spec).map_err(|_| format!("{name}: policy"))?;
            let record = engine::run(spec, policy, RunOptions::default(), &mut |_, _| {})
                .map_err(|e| format!("{name}: {e}"))?;
            let dir = runs_dir.join(&name);
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            reports::write_files_with(&record, &dir, extra).map_err(|e| e.to_string())?;
            let summary = reports::summary::to_json(&record);
            let s = RunSummary::from_summary(&summary)?;
            if let Some(b) = &bar {
                b.inc(1);
            }
            Ok((name, s))
        })
        .collect();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let mut names = Vec::new();
    let mut summaries = Vec::new();
    for r in results {
        let (n, s) = r.map_err(Failure::Failed)?;
        names.push(n);
        summaries.push(s);
    }

    let write = |file: &str, text: &str| {
        let p = tmp.path().join(file);
        std::fs::write(&p, text).map_err(|e| Failure::Failed(format!("{}: {e}", p.display())))
    };
    write("compare.csv", &reports::compare::csv_text(&summaries))?;
    let md = reports::compare::markdown(&base.name, &summaries);
    write("compare.md", &md)?;
    if !args.no_plots {
        let run_dirs: Vec<PathBuf> = names.iter().map(|n| runs_dir.join(n)).collect();
        reports::plots::compare_plots(&summaries, &run_dirs, &tmp.path().join("plots"))
            .map_err(|e| Failure::Failed(e.to_string()))?;
    }
    reports::replace_dir(tmp.keep(), &args.out).map_err(|e| Failure::Failed(e.to_string()))?;

    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "out": args.out.display().to_string(),
                "runs": summaries.len(),
                "policies": policies,
                "modes": modes.iter().map(|m| m.name()).collect::<Vec<_>>(),
                "seeds": seeds,
            })
        );
    } else if !args.quiet {
        eprint!("{md}");
        eprintln!("wrote {}", args.out.display());
    }
    Ok(())
}

/// `POLICY-MODE-SEED`, the run's directory under `runs/`.
fn run_name(spec: &sim::spec::Spec) -> String {
    format!(
        "{}-{}-{}",
        spec.allocator.policy,
        spec.allocator.mode.name(),
        spec.seed
    )
}
