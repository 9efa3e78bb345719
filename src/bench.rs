//! `mesosim bench`: speed figures, printed as a table or one JSON line.
//!
//! - `engine`: the hold model on the real event queue (the benchmark of
//!   `../shared/peers/simcore-hold`).
//! - `allocator`: Mesos's `HierarchicalAllocator_BENCHMARK_Test
//!   .DeclineOffers` (src/tests/hierarchical_allocator_tests.cpp),
//!   reproduced on mesosim's allocator (the benchmark of
//!   `../shared/peers/mesos-allocator/run`).
//!
//! Only the timed sections read the wall clock; what they time is
//! deterministic.

use std::time::Instant;

use sim::cluster::Cluster;
use sim::queue::EventQueue;
use sim::resources::{Res, CPUS, DISK, MEM};
use sim::rng::{Rng, Stream};
use sim::spec::{AgentOrder, AgentSpec, Behavior, Fit, FrameworkSpec, Mode, Spec};

/// Peak resident memory of this process, MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Result of the hold model.
pub struct EngineResult {
    pub pending: u64,
    pub events: u64,
    pub wall_s: f64,
    pub events_per_s: f64,
    pub peak_rss_mib: f64,
}

/// The hold model: `pending` events queued at all times; each handled
/// event schedules one new event at now + an exponential delay (mean
/// 1 ms, rounded to the microsecond) for one of 1,000 uniformly chosen
/// targets, until `events` have been handled.
pub fn engine(pending: u64, events: u64, seed: u64) -> EngineResult {
    const TARGETS: u64 = 1000;
    let mut rng = Rng::new(seed, Stream::Workload);
    let delay = move |rng: &mut Rng| -> u64 {
        // Inverse transform; 1 - u lies in (0, 1].
        let u = 1.0 - rng.unit_f64();
        (-u.ln() * 1000.0).round() as u64
    };
    let mut q: EventQueue<u32> = EventQueue::with_capacity(pending as usize);
    for _ in 0..pending {
        let to = rng.below(TARGETS) as u32;
        let d = delay(&mut rng);
        q.push(d, 0, to);
    }
    // Per-target counters stand in for handler state.
    let mut hits = vec![0u64; TARGETS as usize];
    let mut left = events.saturating_sub(pending);
    let start = Instant::now();
    let mut handled = 0u64;
    while let Some((now, to)) = q.pop() {
        handled += 1;
        hits[to as usize] += 1;
        if left > 0 {
            left -= 1;
            let next = rng.below(TARGETS) as u32;
            let d = delay(&mut rng);
            q.push(now + d, 0, next);
        }
    }
    let wall_s = start.elapsed().as_secs_f64();
    std::hint::black_box(&hits);
    EngineResult {
        pending,
        events: handled,
        wall_s,
        events_per_s: handled as f64 / wall_s,
        peak_rss_mib: peak_rss_mib(),
    }
}

/// Result of the DeclineOffers benchmark.
pub struct AllocatorResult {
    pub agents: u64,
    pub frameworks: u64,
    pub policy: String,
    pub round_ms: Vec<f64>,
    pub offers_per_round: Vec<usize>,
    pub setup_ms: f64,
}

fn res(cpus: i64, mem: i64, disk: i64) -> Res {
    let mut r = Res::ZERO;
    r.0[CPUS] = cpus * 1000;
    r.0[MEM] = mem * 1000;
    r.0[DISK] = disk * 1000;
    r
}

/// Mesos's DeclineOffers benchmark: `agents` agents of cpus 24 / mem 4096
/// / disk 4096, each already running cpus 16 / mem 2014 / disk 1024 for
/// one of `frameworks` frameworks (round robin), all frameworks in role
/// `*`. Adding the agents triggers the first allocation (untimed, as in
/// Mesos, where `addSlave` allocates). Then 2F rounds: every offer is
/// declined with a filter that never expires (refuse capped at 365 days,
/// as Mesos caps INT_MAX seconds), and one batch allocation is timed.
/// Ports are left out: mesosim models scalar resources only.
///
/// `suppress` is Mesos's SuppressOffers instead: used cpus 16 / mem 1024 /
/// disk 1024, offers recovered without a filter before each of 5 rounds,
/// and before each round another F/5 frameworks suppress offers.
pub fn allocator(
    agents: u64,
    frameworks: u64,
    policy: &str,
    suppress: bool,
) -> Result<AllocatorResult, String> {
    let mut spec = Spec::new("bench-decline-offers");
    spec.allocator.mode = Mode::Offers;
    spec.allocator.agent_order = AgentOrder::Shuffle;
    spec.allocator.policy = policy.to_string();
    let refuse_us = if suppress {
        0
    } else {
        365 * 86_400 * 1_000_000
    };
    for i in 0..frameworks {
        spec.frameworks.push(FrameworkSpec {
            name: format!("framework-{i:06}"),
            role: "*".to_string(),
            at_us: 0,
            behavior: Behavior::Decline,
            refuse_us,
            fit: Fit::Skip,
            partition_aware: false,
            suppress_when_idle: false,
            failover_timeout_us: 0,
            priority: 0,
            jobs: Vec::new(),
        });
    }
    let p = policies::build(policy).map_err(|e| e.to_string())?;
    let setup = Instant::now();
    let mut c = Cluster::new(&spec, p);
    for f in 0..frameworks as u32 {
        c.register_framework(0, f);
    }
    let total = res(24, 4096, 4096);
    let used = if suppress {
        res(16, 1024, 1024)
    } else {
        res(16, 2014, 1024)
    };
    for i in 0..agents {
        let a = AgentSpec {
            name: format!("agent-{i:06}"),
            resources: total,
            reserved: Vec::new(),
            attributes: Vec::new(),
            at_us: 0,
        };
        c.add_agent_with_usage(0, &a, &[((i % frameworks) as u32, used)]);
    }
    // The allocation that adding agents triggers, and its declines.
    c.allocate(0);
    let setup_ms = setup.elapsed().as_secs_f64() * 1e3;
    let interval = spec.allocator.interval_us;
    let mut round_ms = Vec::new();
    let mut offers_per_round = Vec::new();
    let rounds = if suppress { 5 } else { 2 * frameworks };
    let mut suppressed = 0u64;
    for round in 0..rounds {
        let now = (round + 1) * interval;
        if suppress {
            for _ in 0..frameworks / 5 {
                c.suppress(suppressed as u32);
                suppressed += 1;
            }
        }
        let before = c.offer_count();
        c.request(None);
        let t = Instant::now();
        c.allocation_pass(now);
        round_ms.push(t.elapsed().as_secs_f64() * 1e3);
        offers_per_round.push(c.offer_count() - before);
        // Decline everything offered, outside the timed section.
        c.answer_offers(now);
    }
    Ok(AllocatorResult {
        agents,
        frameworks,
        policy: policy.to_string(),
        round_ms,
        offers_per_round,
        setup_ms,
    })
}

/// Result of `bench cell`.
pub struct CellResult {
    pub scale: f64,
    pub machines: usize,
    pub frameworks: usize,
    pub jobs: usize,
    pub tasks: u64,
    pub events: u64,
    pub wall_s: f64,
    pub peak_rss_mib: f64,
    pub finished: u64,
}

/// A synthetic stand-in for a whole Google 2011 cell at fraction `scale`
/// (1.0: 12.5k machines, ~672k jobs, ~25M tasks, 29 days), until the
/// traces work ships its fitted `google-2011-cell` model:
/// - machines from the four published capacity classes (Reiss et al.
///   SoCC'12 Table 1: <0.5, 0.5> 53.5%, <0.5, 0.25> 30.7%, <0.5, 0.75>
///   8.0%, <1, 1> 6.3%), one normalised unit = 64 cores / 256 GiB;
/// - jobs arriving uniformly over 29 days, owned by ~930 x scale users
///   (frameworks, Zipf-like), tasks per job heavy-tailed (Pareto, alpha
///   1.2, at least 6, at most 5,000: mean about 37), durations log-normal
///   (median 5 min, sigma 1.5) with 2% long services (1-5 days), tasks of
///   0.5-2 cores and 1-8 GiB;
/// - DRF in offers mode, frameworks suppressing offers when idle, shares
///   and utilisation sampled every 10 min, no offer rows kept.
pub fn cell_spec(scale: f64, seed: u64) -> Spec {
    let mut rng = Rng::new(seed, Stream::Workload);
    let mut spec = Spec::new("bench-google-cell");
    spec.seed = seed;
    spec.allocator.mode = Mode::Offers;
    spec.sample_us = Some(600_000_000);
    spec.record_offers = false;
    let days_us: u64 = 29 * 86_400 * 1_000_000;
    spec.end_us = Some(days_us);
    let machines = ((12_500.0 * scale).round() as usize).max(1);
    let classes: [(f64, f64, u64); 4] = [
        (0.5, 0.5, 535),
        (0.5, 0.25, 307),
        (0.5, 0.75, 80),
        (1.0, 1.0, 63),
    ];
    let class_total: u64 = classes.iter().map(|c| c.2).sum();
    for i in 0..machines {
        let mut x = rng.below(class_total);
        let mut cls = classes[0];
        for c in classes {
            if x < c.2 {
                cls = c;
                break;
            }
            x -= c.2;
        }
        let mut r = Res::ZERO;
        r.0[CPUS] = (cls.0 * 64.0 * 1000.0) as i64;
        r.0[MEM] = (cls.1 * 262_144.0 * 1000.0) as i64;
        spec.agents.push(AgentSpec {
            name: format!("m{i:05}"),
            resources: r,
            reserved: Vec::new(),
            attributes: Vec::new(),
            at_us: 0,
        });
    }
    let users = ((930.0 * scale).round() as usize).max(10);
    for u in 0..users {
        spec.frameworks.push(FrameworkSpec {
            name: format!("user{u:04}"),
            role: "*".to_string(),
            at_us: 0,
            behavior: Behavior::Greedy,
            refuse_us: spec.allocator.refuse_us,
            fit: Fit::Skip,
            partition_aware: false,
            priority: 0,
            suppress_when_idle: true,
            failover_timeout_us: 0,
            jobs: Vec::new(),
        });
    }
    let jobs = ((672_000.0 * scale).round() as usize).max(1);
    let mut arrivals: Vec<u64> = (0..jobs).map(|_| rng.below(days_us)).collect();
    arrivals.sort_unstable();
    for (j, at_us) in arrivals.into_iter().enumerate() {
        // Zipf-like owner: user k with weight 1/(k+1), by inverse transform
        // on the harmonic series (approximated with exp).
        let u = rng.unit_f64();
        let owner = (((users as f64 + 1.0).powf(u) - 1.0) as usize).min(users - 1);
        let tasks = (6.0 / (1.0 - rng.unit_f64()).powf(1.0 / 1.2)).min(5000.0) as u64;
        let long = rng.below(100) < 2;
        let duration_s = if long {
            86_400.0 * (1.0 + 4.0 * rng.unit_f64())
        } else {
            // Box-Muller normal for the log-normal.
            let (a, b) = (1.0 - rng.unit_f64(), rng.unit_f64());
            let z = (-2.0 * a.ln()).sqrt() * (2.0 * std::f64::consts::PI * b).cos();
            (300.0 * (1.5 * z).exp()).clamp(1.0, 7.0 * 86_400.0)
        };
        let mut r = Res::ZERO;
        r.0[CPUS] = [500, 1000, 2000][rng.below(3) as usize];
        r.0[MEM] = [1024, 2048, 4096, 8192][rng.below(4) as usize] * 1000;
        spec.frameworks[owner].jobs.push(sim::spec::JobSpec {
            name: format!("job{j:07}"),
            at_us,
            tasks,
            resources: r,
            duration_us: Some((duration_s * 1e6) as u64),
            priority: None,
            gang: false,
        });
    }
    spec
}

/// Runs the cell stand-in at `scale` and measures it.
pub fn cell(scale: f64, seed: u64) -> CellResult {
    let spec = cell_spec(scale, seed);
    let tasks = spec.task_count();
    let jobs = spec.frameworks.iter().map(|f| f.jobs.len()).sum();
    let start = Instant::now();
    let rec = sim::engine::run(
        &spec,
        policies::build("drf").expect("drf exists"),
        sim::engine::RunOptions::default(),
        &mut |_, _| {},
    )
    .expect("the books balance");
    let wall_s = start.elapsed().as_secs_f64();
    let finished = rec
        .tasks
        .iter()
        .filter(|t| t.state == sim::record::TaskState::Finished)
        .count() as u64;
    CellResult {
        scale,
        machines: spec.agents.len(),
        frameworks: spec.frameworks.len(),
        jobs,
        tasks,
        events: rec.events,
        wall_s,
        peak_rss_mib: peak_rss_mib(),
        finished,
    }
}
