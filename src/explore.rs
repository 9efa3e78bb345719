//! `mesosim explore`: seeded random fault schedules against invariants.
//!
//! Each schedule adds a few faults (agent crashes with or without
//! restart, partitions with or without heal, master failovers, drains,
//! scheduler disconnections) at random moments of the scenario's run, runs
//! it with every check on after every virtual time (the books balance, no
//! agent is offered or allocated more than it has, so no resource is
//! offered twice; every allocator book equals one recomputed from the
//! agents and the registry, which after a failover is the rebuilt
//! allocator), checks at the end that every task that started ended with a
//! status, and runs it a second time to compare every output row. The
//! first violating schedule is shrunk to the fewest faults that still
//! violate, and printed with the command that replays it.

use std::path::PathBuf;

use rayon::prelude::*;
use sim::cluster::InjectedBug;
use sim::engine::{self, RunOptions};
use sim::record::{RunRecord, TaskState};
use sim::rng::Rng;
use sim::spec::{Action, EventSpec, Micros, NetworkSpec, Spec};

use crate::Failure;

#[derive(clap::Args)]
pub struct ExploreArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Random fault schedules to run.
    #[arg(long, default_value_t = 100)]
    schedules: u64,
    /// Seed of the schedules (the scenario keeps its own seed).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// At most this many faults per schedule (at least one).
    #[arg(long, default_value_t = 4)]
    max_faults: u64,
    /// Run only schedule number N of --seed (as printed on a violation).
    #[arg(long, value_name = "N")]
    replay: Option<u64>,
    /// With --replay: keep only these faults of the schedule (indices).
    #[arg(long, value_delimiter = ',', value_name = "I,J,..")]
    keep: Option<Vec<usize>>,
    /// With --replay: without the schedule's message delays.
    #[arg(long)]
    no_delays: bool,
    /// Never draw message delays (zero, as in a plain run).
    #[arg(long)]
    zero_delays: bool,
    /// Worker threads (each schedule runs single-threaded).
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Plant a bug in the cluster (for testing the explorer itself).
    #[arg(long, hide = true)]
    inject_bug: Option<String>,
}

/// One generated fault: when, what, and how to print it.
#[derive(Clone, Debug)]
struct Fault {
    event: EventSpec,
    text: String,
}

/// A schedule: message delays (None: zero) and faults.
#[derive(Clone, Debug)]
struct Plan {
    network: Option<NetworkSpec>,
    faults: Vec<Fault>,
}

/// What went wrong in a schedule.
#[derive(Clone, Debug)]
struct Violation {
    message: String,
}

pub fn cmd_explore(args: ExploreArgs) -> Result<(), Failure> {
    let (spec, _) = crate::load_full(Some(&args.scenario), None, &[])?;
    crate::build_policy(&spec)?;
    let bug = match &args.inject_bug {
        None => None,
        Some(name) => Some(
            InjectedBug::ALL
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| *b)
                .ok_or_else(|| Failure::BadInput(format!("unknown bug {name:?}")))?,
        ),
    };
    if args.max_faults == 0 {
        return Err(Failure::BadInput(
            "--max-faults must be at least 1".to_string(),
        ));
    }
    // The horizon faults are drawn in: the scenario's end, or when its
    // fault-free run ends.
    let horizon = match spec.end_us {
        Some(e) => e,
        None => match check(
            &spec,
            &Plan {
                network: None,
                faults: Vec::new(),
            },
            bug,
        ) {
            Ok(r) => r.end_us,
            Err(v) => {
                return Err(Failure::Failed(format!(
                    "the scenario violates an invariant without any fault: {}",
                    v.message
                )))
            }
        },
    };
    let scenario = args.scenario.display().to_string();

    let draw = |n: u64| {
        schedule(
            &spec,
            args.seed,
            n,
            args.max_faults,
            horizon,
            !args.zero_delays,
        )
    };
    if let Some(n) = args.replay {
        let mut plan = draw(n);
        if let Some(keep) = &args.keep {
            plan.faults = keep
                .iter()
                .filter_map(|&i| plan.faults.get(i).cloned())
                .collect();
        }
        if args.no_delays {
            plan.network = None;
        }
        println!("schedule {n} of seed {}:", args.seed);
        if let Some(net) = &plan.network {
            println!("  {}", network_text(net));
        }
        for f in &plan.faults {
            println!("  {}", f.text);
        }
        return match check(&spec, &plan, bug) {
            Ok(_) => {
                println!("no violation");
                Ok(())
            }
            Err(v) => Err(Failure::Failed(format!("violation: {}", v.message))),
        };
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build()
        .map_err(|e| Failure::Failed(format!("thread pool: {e}")))?;
    // In fixed chunks, in index order, so that the first violation found
    // is the lowest-numbered one whatever the thread count.
    let chunk = 64u64;
    let mut start = 0u64;
    let mut faults_total = 0usize;
    while start < args.schedules {
        let end = (start + chunk).min(args.schedules);
        let results: Vec<(u64, usize, Result<(), Violation>)> = pool.install(|| {
            (start..end)
                .into_par_iter()
                .map(|n| {
                    let plan = draw(n);
                    let count = plan.faults.len();
                    (n, count, check(&spec, &plan, bug).map(|_| ()))
                })
                .collect()
        });
        for (n, count, r) in results {
            faults_total += count;
            if let Err(v) = r {
                let plan = draw(n);
                let (shrunk, kept, last) = shrink(&spec, &plan, bug, v);
                println!(
                    "explore: schedule {n} of seed {} violates an invariant: {}",
                    args.seed, last.message
                );
                if let Some(net) = &shrunk.network {
                    println!("  {}", network_text(net));
                }
                println!(
                    "  faults (shrunk from {} to {}):",
                    plan.faults.len(),
                    kept.len()
                );
                for &i in &kept {
                    println!("    [{i}] {}", plan.faults[i].text);
                }
                let keep: Vec<String> = kept.iter().map(|i| i.to_string()).collect();
                let keep = if keep.is_empty() {
                    String::new()
                } else {
                    format!(" --keep {}", keep.join(","))
                };
                println!(
                    "  replay: mesosim explore {scenario} --seed {} --max-faults {} --replay {n}{keep}{}{}{}",
                    args.seed,
                    args.max_faults,
                    if args.zero_delays { " --zero-delays" } else { "" },
                    if plan.network.is_some() && shrunk.network.is_none() {
                        " --no-delays"
                    } else {
                        ""
                    },
                    args.inject_bug
                        .as_ref()
                        .map(|b| format!(" --inject-bug {b}"))
                        .unwrap_or_default()
                );
                return Err(Failure::Failed(format!(
                    "schedule {n} of seed {} violates an invariant",
                    args.seed
                )));
            }
        }
        start = end;
    }
    println!(
        "explore: {} schedules ({} faults) on {scenario}, seed {}: no violation",
        args.schedules, faults_total, args.seed
    );
    Ok(())
}

fn network_text(n: &NetworkSpec) -> String {
    format!(
        "network delay {} ms, jitter {} ms",
        n.delay_us as f64 / 1e3,
        n.jitter_us as f64 / 1e3
    )
}

/// Schedule `n` of `seed`: message delays (half the schedules, unless the
/// scenario sets its own `[network]` or `delays` is off: a one-way delay
/// and a jitter of up to 50 ms each, so messages may overtake each other)
/// and 1 to `max` faults at random moments of [0, horizon], from a stream
/// of their own.
fn schedule(spec: &Spec, seed: u64, n: u64, max: u64, horizon: Micros, delays: bool) -> Plan {
    let mut rng = Rng::with_stream(seed, (1 << 40) + n);
    let net_draw = rng.below(2) == 0;
    let delay_us = rng.below(50_001);
    let jitter_us = rng.below(50_001);
    let network = (delays && net_draw && spec.network.is_zero()).then_some(NetworkSpec {
        delay_us,
        jitter_us,
    });
    let count = 1 + rng.below(max);
    let ms = horizon / 1000 + 1;
    let mut out = Vec::new();
    for _ in 0..count {
        let at_us = rng.below(ms) * 1000;
        let kind = rng.below(5);
        let secs = |rng: &mut Rng, lo: u64, hi: u64| (lo + rng.below(hi - lo + 1)) * 1_000_000;
        let agent = |rng: &mut Rng| -> Option<String> {
            let joined: Vec<&str> = spec
                .agents
                .iter()
                .filter(|a| a.at_us <= at_us)
                .map(|a| a.name.as_str())
                .collect();
            (!joined.is_empty())
                .then(|| joined[rng.below(joined.len() as u64) as usize].to_string())
        };
        let (action, text) = match kind {
            0 => {
                let Some(a) = agent(&mut rng) else { continue };
                let restart = (rng.below(2) == 0).then(|| secs(&mut rng, 1, 120));
                let text = match restart {
                    Some(r) => format!("fail-agent {a}, restart after {}s", r / 1_000_000),
                    None => format!("fail-agent {a}"),
                };
                (
                    Action::FailAgent {
                        agent: a,
                        restart_after_us: restart,
                    },
                    text,
                )
            }
            1 => {
                let Some(a) = agent(&mut rng) else { continue };
                let heal = (rng.below(4) != 0).then(|| secs(&mut rng, 1, 180));
                let text = match heal {
                    Some(h) => format!("partition-agent {a}, heal after {}s", h / 1_000_000),
                    None => format!("partition-agent {a}"),
                };
                (
                    Action::PartitionAgent {
                        agent: a,
                        heal_after_us: heal,
                    },
                    text,
                )
            }
            2 => (Action::FailMaster, "fail-master".to_string()),
            3 => {
                let Some(a) = agent(&mut rng) else { continue };
                (
                    Action::DrainAgent { agent: a.clone() },
                    format!("drain-agent {a}"),
                )
            }
            _ => {
                let fws: Vec<usize> = (0..spec.frameworks.len())
                    .filter(|&i| spec.frameworks[i].at_us <= at_us)
                    .collect();
                if fws.is_empty() {
                    continue;
                }
                let fw = fws[rng.below(fws.len() as u64) as usize];
                let back = (rng.below(2) == 0).then(|| secs(&mut rng, 1, 60));
                let name = &spec.frameworks[fw].name;
                let text = match back {
                    Some(b) => format!(
                        "disconnect-framework {name}, reconnect after {}s",
                        b / 1_000_000
                    ),
                    None => format!("disconnect-framework {name}"),
                };
                (
                    Action::DisconnectFramework {
                        framework: fw,
                        reconnect_after_us: back,
                    },
                    text,
                )
            }
        };
        out.push(Fault {
            event: EventSpec { at_us, action },
            text: format!("at {:.3}s {text}", at_us as f64 / 1e6),
        });
    }
    Plan {
        network,
        faults: out,
    }
}

/// Runs the scenario with the faults, every check on; then again, and
/// compares every row of the two runs.
fn check(spec: &Spec, plan: &Plan, bug: Option<InjectedBug>) -> Result<RunRecord, Violation> {
    let mut s = spec.clone();
    s.events.extend(plan.faults.iter().map(|f| f.event.clone()));
    if let Some(n) = plan.network {
        s.network = n;
    }
    // A scenario that ends when its work is done must still end with
    // faults: give it ten times its fault-free length plus an hour, and
    // call it a violation if it gets there.
    let cap = spec.end_us.is_none().then(|| {
        let base = check_horizon(spec);
        base.saturating_mul(10).saturating_add(3_600_000_000)
    });

    let once = || -> Result<RunRecord, Violation> {
        let policy = policies::build(&s.allocator.policy).map_err(|e| Violation {
            message: e.to_string(),
        })?;
        let opts = RunOptions {
            check_invariants: true,
            deep_checks: true,
            inject_bug: bug,
            give_up_after_us: cap,
        };
        engine::run(&s, policy, opts, &mut |_, _| {}).map_err(|e| Violation {
            message: e.to_string(),
        })
    };
    let a = once()?;
    final_checks(&a)?;
    let b = once()?;
    if digest(&a) != digest(&b) {
        return Err(Violation {
            message: "two runs of the same schedule differ (non-determinism)".to_string(),
        });
    }
    Ok(a)
}

/// The fault-free length of a scenario without `end` (cached per
/// scenario name and seed: schedules of one run share it).
fn check_horizon(spec: &Spec) -> Micros {
    use std::sync::Mutex;
    static CACHE: Mutex<Vec<(String, u64, Micros)>> = Mutex::new(Vec::new());
    let key = (spec.name.clone(), spec.seed);
    if let Some(&(_, _, h)) = CACHE
        .lock()
        .expect("cache")
        .iter()
        .find(|(n, s, _)| (n, *s) == (&key.0, key.1))
    {
        return h;
    }
    let h = policies::build(&spec.allocator.policy)
        .ok()
        .and_then(|p| engine::run(spec, p, RunOptions::default(), &mut |_, _| {}).ok())
        .map(|r| r.end_us)
        .unwrap_or(0);
    CACHE.lock().expect("cache").push((key.0, key.1, h));
    h
}

/// At the end: every task that started ended with a status (none
/// vanished): a task still running has no end, every other one has one.
fn final_checks(r: &RunRecord) -> Result<(), Violation> {
    for (i, t) in r.tasks.iter().enumerate() {
        let Some(start) = t.start_us else {
            if t.state != TaskState::Pending {
                return Err(Violation {
                    message: format!("task {i} never started but is {}", t.state.name()),
                });
            }
            continue;
        };
        let ok = match t.state {
            TaskState::Running => t.end_us.is_none(),
            TaskState::Finished
            | TaskState::Failed
            | TaskState::Killed
            | TaskState::Lost
            | TaskState::Unreachable
            | TaskState::Gone
            | TaskState::GoneByOperator => t.end_us.is_some_and(|e| e >= start),
            _ => false,
        };
        if !ok {
            return Err(Violation {
                message: format!(
                    "task {i} ends without a proper status: {} (start {start}, end {:?})",
                    t.state.name(),
                    t.end_us
                ),
            });
        }
    }
    Ok(())
}

fn digest(r: &RunRecord) -> String {
    format!(
        "{:?}{:?}{:?}{:?}{:?}{:?}",
        r.tasks, r.offers, r.shares, r.utilization, r.failovers, r.faults
    )
}

/// Greedily drops the message delays, then faults, while the schedule
/// still violates (one at a time, first to last, until no single removal
/// keeps it failing). Returns the shrunk plan, the fault indices kept and
/// the last violation.
fn shrink(
    spec: &Spec,
    plan: &Plan,
    bug: Option<InjectedBug>,
    first: Violation,
) -> (Plan, Vec<usize>, Violation) {
    let mut network = plan.network;
    let mut last = first;
    let build = |network: Option<NetworkSpec>, kept: &[usize]| Plan {
        network,
        faults: kept.iter().map(|&k| plan.faults[k].clone()).collect(),
    };
    let mut kept: Vec<usize> = (0..plan.faults.len()).collect();
    if network.is_some() {
        if let Err(v) = check(spec, &build(None, &kept), bug) {
            network = None;
            last = v;
        }
    }
    loop {
        let mut progressed = false;
        let mut i = 0;
        while i < kept.len() {
            let trial: Vec<usize> = kept
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &k)| k)
                .collect();
            match check(spec, &build(network, &trial), bug) {
                Err(v) => {
                    kept = trial;
                    last = v;
                    progressed = true;
                }
                Ok(_) => i += 1,
            }
        }
        if !progressed {
            return (build(network, &kept), kept, last);
        }
    }
}
