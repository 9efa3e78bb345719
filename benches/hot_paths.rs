//! Criterion benches of the hot paths: the event queue at three depths,
//! the DRF sorter at 1k and 10k clients, one allocation pass of Mesos's
//! DeclineOffers set-up. CI compiles them (`cargo bench --no-run`); they are
//! timed only on demand (`cargo bench`), never as tests. The headline
//! figures come from `mesosim bench` (docs/performance.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use sim::cluster::Cluster;
use sim::queue::EventQueue;
use sim::resources::{Res, CPUS, DISK, MEM};
use sim::rng::{Rng, Stream};
use sim::sorter::{Level, Sorter};
use sim::spec::{AgentOrder, AgentSpec, Behavior, Fit, FrameworkSpec, Spec};

fn queue(c: &mut Criterion) {
    for depth in [1_000u64, 100_000, 1_000_000] {
        let mut q: EventQueue<u32> = EventQueue::new();
        let mut rng = Rng::new(1, Stream::Workload);
        for _ in 0..depth {
            q.push(rng.below(2000), 0, 0);
        }
        c.bench_function(&format!("queue hold pop+push depth {depth}"), |b| {
            b.iter(|| {
                let (t, x) = q.pop().expect("non-empty");
                q.push(t + 1 + rng.below(2000), 0, black_box(x));
            })
        });
    }
}

fn res(cpus: i64, mem: i64) -> Res {
    let mut r = Res::ZERO;
    r.0[CPUS] = cpus * 1000;
    r.0[MEM] = mem * 1000;
    r
}

fn sorter(c: &mut Criterion) {
    for n in [1_000u32, 10_000] {
        let mut s = policies::drf::DrfSorter::new(Level::Frameworks);
        s.add_total(&res(100_000, 100_000));
        for i in 0..n {
            s.add(i, &format!("f{i:06}"));
            s.activate(i);
        }
        let mut out = Vec::new();
        let mut rng = Rng::new(2, Stream::Policy);
        c.bench_function(&format!("drf allocate+sort {n} clients"), |b| {
            b.iter(|| {
                let k = rng.below(n as u64) as u32;
                s.allocated(k, &res(1, 1));
                s.sort(&mut out);
                black_box(out.len())
            })
        });
    }
}

fn allocation_pass(c: &mut Criterion) {
    // Mesos's DeclineOffers cluster: 1,000 agents <24, 4096, 4096>, each
    // running <16, 2014, 1024> for one of 50 frameworks; frameworks decline
    // with refuse 0, so every pass makes offers again.
    let mut spec = Spec::new("bench");
    spec.allocator.agent_order = AgentOrder::Shuffle;
    for i in 0..50 {
        spec.frameworks.push(FrameworkSpec {
            name: format!("f{i:03}"),
            role: "*".into(),
            at_us: 0,
            behavior: Behavior::Decline,
            refuse_us: 0,
            fit: Fit::Skip,
            partition_aware: false,
            priority: 0,
            suppress_when_idle: false,
            failover_timeout_us: 0,
            jobs: Vec::new(),
        });
    }
    let mut cl = Cluster::new(&spec, policies::build("drf").expect("drf"));
    for f in 0..50 {
        cl.register_framework(0, f);
    }
    let mut total = res(24, 4096);
    total.0[DISK] = 4_096_000;
    let mut used = res(16, 2014);
    used.0[DISK] = 1_024_000;
    for i in 0..1000u32 {
        let a = AgentSpec {
            name: format!("a{i:04}"),
            resources: total,
            reserved: Vec::new(),
            attributes: Vec::new(),
            at_us: 0,
        };
        cl.add_agent_with_usage(0, &a, &[(i % 50, used)]);
    }
    let mut now = 0;
    c.bench_function("allocation pass 1k agents x 50 frameworks", |b| {
        b.iter(|| {
            now += 1_000_000;
            cl.request(None);
            cl.allocate(now);
        })
    });
}

criterion_group!(benches, queue, sorter, allocation_pass);
criterion_main!(benches);
