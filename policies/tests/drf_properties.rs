//! The DRF paper's properties (Ghodsi et al., NSDI 2011, section 3;
//! reference 2.4) as property tests over random small single-agent
//! clusters in tasks mode (progressive filling, `when_blocked = "skip"`).
//!
//! Tasks are whole, so the fluid guarantees hold up to one task (the
//! reference's metric notes, section 5, allow that slack); Pareto
//! efficiency and bottleneck fairness are checked exactly.

use proptest::prelude::*;
use sim::resources::{Res, CPUS, MEM};
use sim::spec::{FrameworkSpec, JobSpec, Mode, Spec};

fn res(c: i64, m: i64) -> Res {
    let mut r = Res::ZERO;
    r.0[CPUS] = c * 1000;
    r.0[MEM] = m * 1000;
    r
}

/// One agent of `cap`, one framework per demand, each with far more
/// tasks than fit; returns tasks started per framework.
fn tasks(policy: &str, cap: (i64, i64), demands: &[(i64, i64)]) -> Vec<u64> {
    let mut s = Spec::new("prop");
    s.end_us = Some(1_000_000);
    s.allocator.policy = policy.to_string();
    s.allocator.mode = Mode::Tasks;
    s.allocator.agent_order = sim::spec::AgentOrder::Joined;
    s.agents.push(sim::spec::AgentSpec {
        name: "m".into(),
        resources: res(cap.0, cap.1),
        reserved: Vec::new(),
        attributes: Vec::new(),
        at_us: 0,
    });
    for (i, &(c, m)) in demands.iter().enumerate() {
        s.frameworks.push(FrameworkSpec {
            name: format!("f{i}"),
            role: "*".into(),
            at_us: 0,
            behavior: sim::spec::Behavior::Greedy,
            refuse_us: 5_000_000,
            fit: sim::spec::Fit::Skip,
            partition_aware: false,
            suppress_when_idle: false,
            failover_timeout_us: 0,
            priority: 0,
            jobs: vec![JobSpec {
                name: "j".into(),
                at_us: 0,
                tasks: 1000,
                resources: res(c, m),
                duration_us: None,
                priority: None,
                gang: false,
            }],
        });
    }
    let rec = sim::engine::run(
        &s,
        policies::build(policy).expect("policy"),
        sim::engine::RunOptions {
            check_invariants: true,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .expect("run");
    let mut n = vec![0u64; demands.len()];
    for t in &rec.tasks {
        if t.start_us.is_some() {
            n[rec.jobs[t.job as usize].framework as usize] += 1;
        }
    }
    n
}

/// Whole tasks of demand `d` that fit in `have` (resources `d` needs).
fn fits(have: (f64, f64), d: (i64, i64)) -> f64 {
    let mut k = f64::INFINITY;
    if d.0 > 0 {
        k = k.min(have.0 / d.0 as f64);
    }
    if d.1 > 0 {
        k = k.min(have.1 / d.1 as f64);
    }
    k
}

fn demand() -> impl Strategy<Value = (i64, i64)> {
    (1i64..5, 1i64..5)
}

fn instance() -> impl Strategy<Value = ((i64, i64), Vec<(i64, i64)>)> {
    ((8i64..40, 8i64..40), prop::collection::vec(demand(), 2..4))
}

proptest! {
    // A fixed seed: the same 48 cases on every run and every machine (a
    // test must not pass or fail by chance; widen `cases` to explore).
    #![proptest_config(ProptestConfig {
        cases: 48,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_125),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn sharing_incentive((cap, ds) in instance()) {
        // Each does at least as well as with 1/n of every resource, in
        // dominant share, up to the largest task's dominant share: with
        // whole tasks the last pick of progressive filling can overshoot by
        // one task of whoever took it (e.g. <18, 18> with <4,1>, <2,1>,
        // <1,1>: the <1,1> framework ends with 4 tasks, 4/18, where the
        // static third gives 6/18; 4/18 + 4/18 >= 6/18).
        let n = tasks("drf", cap, &ds);
        let k = ds.len() as f64;
        let dom = |d: (i64, i64)| (d.0 as f64 / cap.0 as f64).max(d.1 as f64 / cap.1 as f64);
        let max_task = ds.iter().map(|&d| dom(d)).fold(0.0, f64::max);
        for (i, &d) in ds.iter().enumerate() {
            let floor = fits((cap.0 as f64 / k, cap.1 as f64 / k), d).floor() * dom(d);
            let got = n[i] as f64 * dom(d);
            prop_assert!(got + max_task + 1e-9 >= floor, "{i}: {got} < {floor}");
        }
    }

    #[test]
    fn envy_freeness((cap, ds) in instance()) {
        // No one could run more tasks with another's bundle, up to whole
        // tasks: with one of j's tasks taken away, i's tasks from j's
        // bundle exceed its own by at most one ("EF1"). Whole tasks can
        // overshoot the fluid point by one task of the other (cap <12,12>,
        // <2,4> and <1,2>: A 2, B 2, where the fluid point is 1.5 and 3).
        let n = tasks("drf", cap, &ds);
        for (i, &di) in ds.iter().enumerate() {
            for (j, &dj) in ds.iter().enumerate() {
                let k = n[j].saturating_sub(1) as i64;
                let bundle = ((k * dj.0) as f64, (k * dj.1) as f64);
                let could = fits(bundle, di).floor();
                prop_assert!(could <= n[i] as f64 + 1.0, "{i} envies {j}: {n:?}");
            }
        }
    }

    #[test]
    fn pareto_efficiency((cap, ds) in instance()) {
        // At the end no one's next task fits in what is left (exact).
        let n = tasks("drf", cap, &ds);
        let used = ds.iter().zip(&n).fold((0, 0), |u, (d, &k)| {
            (u.0 + d.0 * k as i64, u.1 + d.1 * k as i64)
        });
        for d in &ds {
            prop_assert!(used.0 + d.0 > cap.0 || used.1 + d.1 > cap.1);
        }
    }

    #[test]
    fn strategy_proofness((cap, ds) in instance(), extra in 1i64..4) {
        // Framework 0 claims more of its non-dominant resource: its true
        // task count (whole true tasks its bundle holds) must not grow.
        let n = tasks("drf", cap, &ds);
        let d = ds[0];
        let cpu_dominant = d.0 * cap.1 >= d.1 * cap.0;
        let lie = if cpu_dominant { (d.0, d.1 + extra) } else { (d.0 + extra, d.1) };
        let mut lied = ds.clone();
        lied[0] = lie;
        let m = tasks("drf", cap, &lied);
        let bundle = ((m[0] as i64 * lie.0) as f64, (m[0] as i64 * lie.1) as f64);
        let truly = fits(bundle, d).floor();
        prop_assert!(truly <= n[0] as f64 + 1.0, "lie gave {truly} > {}", n[0]);
    }

    #[test]
    fn single_resource_fairness(c in 8i64..60, ds in prop::collection::vec(1i64..6, 2..4)) {
        // One resource: max-min, exact with whole tasks.
        let cap = (c, 1_000_000);
        let demands: Vec<(i64, i64)> = ds.iter().map(|&d| (d, 0)).collect();
        let n = tasks("drf", cap, &demands);
        for i in 0..ds.len() {
            for j in 0..ds.len() {
                let (xi, xj) = (n[i] as i64 * ds[i], n[j] as i64 * ds[j]);
                // i got its last task while at or below j's (final)
                // share, or while j's next task fit nowhere (skip mode);
                // then it fits nowhere at the end either.
                let free = c - ds.iter().zip(&n).map(|(d, &k)| d * k as i64).sum::<i64>();
                prop_assert!(
                    n[i] == 0 || xi - ds[i] <= xj || free < ds[j],
                    "{i}: {xi}, {j}: {xj}"
                );
            }
        }
    }

    #[test]
    fn bottleneck_fairness((cap, ds) in instance()) {
        // If every framework's dominant resource is CPU, DRF must be
        // max-min on CPU: exactly the `bottleneck` policy's allocation.
        let ds: Vec<(i64, i64)> = ds
            .into_iter()
            .map(|(c, m)| if c * cap.1 > m * cap.0 { (c, m) } else { (c, 0) })
            .collect();
        prop_assert_eq!(tasks("drf", cap, &ds), tasks("bottleneck", cap, &ds));
    }

    #[test]
    fn population_monotonicity((cap, ds) in instance()) {
        // When a framework leaves, no remaining one runs fewer tasks.
        let n = tasks("drf", cap, &ds);
        let rest: Vec<(i64, i64)> = ds[1..].to_vec();
        let m = tasks("drf", cap, &rest);
        for i in 0..rest.len() {
            prop_assert!(m[i] + 1 >= n[i + 1], "{}: {} -> {}", i + 1, n[i + 1], m[i]);
        }
    }
}

#[test]
fn asset_fairness_breaks_sharing_incentive_tv4() {
    // Reference 2.5 (TV4): <70, 70>, U1 <2, 2>, U2 <1, 2>: asset gives U1
    // 15 tasks, below the 17 that half the cluster runs; DRF does not.
    assert_eq!(tasks("asset", (70, 70), &[(2, 2), (1, 2)]), vec![15, 20]);
    let drf = tasks("drf", (70, 70), &[(2, 2), (1, 2)]);
    assert!(drf[0] >= 17 && drf[1] >= 17, "{drf:?}");
}

#[test]
fn ceei_breaks_strategy_proofness_tv5() {
    // Reference 2.6 (TV5): <12, 12>, U2 <1, 2>. Truthful U1 <3, 1>: CEEI
    // (targets 2.4 and 4.8) runs U1 2 tasks, U2 5. Lying <3, 2> (targets
    // 3 and 3) U1 runs 3 tasks of <3, 2> = <9, 6>: 3 true tasks > 2.
    assert_eq!(tasks("ceei", (12, 12), &[(3, 1), (1, 2)]), vec![2, 5]);
    assert_eq!(tasks("ceei", (12, 12), &[(3, 2), (1, 2)]), vec![3, 3]);
    // DRF: the same lie does not pay (fluid 8/3 -> 12/5).
    let truth = tasks("drf", (12, 12), &[(3, 1), (1, 2)]);
    let lie = tasks("drf", (12, 12), &[(3, 2), (1, 2)]);
    assert!(lie[0] <= truth[0], "{truth:?} {lie:?}");
}
