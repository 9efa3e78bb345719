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
    pub mode: &'static str,
    pub machines: usize,
    pub frameworks: usize,
    pub jobs: usize,
    pub tasks: u64,
    pub events: u64,
    /// Offers the allocator made.
    pub offers: u64,
    pub wall_s: f64,
    pub peak_rss_mib: f64,
    pub finished: u64,
}

/// A whole Google 2011 cell at fraction `scale`, from the bundled
/// `google-2011-cell` synthetic model (workloads/models/, described in
/// docs/synthetic.md; 1.0: 12,583 machines in the ten published classes,
/// ~672k jobs, ~25M tasks, 29 days). `scale` multiplies the machines
/// and the arrival rate (the model's `scale`); the ~930 users are
/// scaled too here (at least 10), so that a small cell does not carry a
/// whole cell's frameworks. DRF in `mode` (offers for the benchmark), frameworks suppressing
/// offers when idle, shares and utilisation sampled every 10 min, no
/// offer rows kept, the run ends at 29 days.
pub fn cell_spec(scale: f64, seed: u64, mode: Mode) -> Spec {
    let mut model = workloads::parse_model(
        workloads::synthetic::GOOGLE_2011_CELL,
        "google-2011-cell (bundled model)",
    )
    .expect("the bundled model is valid");
    model.scale = scale;
    model.frameworks = ((model.frameworks as f64 * scale).round() as u64).max(10);
    model.model = Some("google-2011-cell".into());
    let mut spec = Spec::new("bench-google-cell");
    spec.seed = seed;
    spec.allocator.mode = mode;
    spec.sample_us = Some(600_000_000);
    spec.record_offers = false;
    // Frameworks decline for 120 s, as Marathon's
    // `--decline_offer_duration` and Spark's `spark.mesos.rejectOfferDuration`
    // do by default, and revive when new work comes (filters go then). A
    // filter blocks only offers it contains, so resources freed on an agent
    // are offered again at once. With Mesos's 5 s default, every free agent
    // is offered to a waiting framework every 5 s for the 29 days, which
    // makes the cost machines x seconds rather than tasks (docs/performance.md).
    spec.allocator.refuse_us = 120_000_000;
    spec.end_us = model.horizon_us;
    let mut jobs = workloads::Whatif::default().job_stream(seed);
    workloads::synthetic::generate(&model, &mut spec, &mut jobs)
        .expect("no framework names to clash with");
    spec
}

/// Runs the cell model at `scale` and measures it.
pub fn cell(scale: f64, seed: u64, mode: Mode) -> CellResult {
    let spec = cell_spec(scale, seed, mode);
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
        mode: match mode {
            Mode::Offers => "offers",
            Mode::Tasks => "tasks",
        },
        machines: spec.agents.len(),
        frameworks: spec.frameworks.len(),
        jobs,
        tasks,
        events: rec.events,
        offers: rec.offers_made,
        wall_s,
        peak_rss_mib: peak_rss_mib(),
        finished,
    }
}
