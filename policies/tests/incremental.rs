//! The incremental sorters of `hdrf`, `tetris`, `drf` and `asset` against their
//! from-scratch versions (the "a sorter update per change" must
//! not change a single decision): many random sequences of sorter calls,
//! seeded (ChaCha8, seeds 0..SEQUENCES, so every run replays the same
//! sequences), and after every call the two orders must be identical, as
//! must `first_where` for a few predicates.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sim::resources::{Res, CPUS, GPUS, MEM};
use sim::sorter::{ClientId, Demand, Level, Policy, Sorter, SorterConfig};
use sim::spec::TieBreak;

use policies::hdrf::{HdrfSorter, Usage};
use policies::keyed::Shared;

/// Random sequences per case, and calls per sequence.
const SEQUENCES: u64 = 300;
const CALLS: usize = 200;

fn res(c: i64, m: i64, g: i64) -> Res {
    let mut r = Res::ZERO;
    r.0[CPUS] = c * 1000;
    r.0[MEM] = m * 1000;
    r.0[GPUS] = g * 1000;
    r
}

fn config(level: Level, tie: TieBreak, fairness: f64) -> SorterConfig {
    let mut params = std::collections::BTreeMap::new();
    params.insert("fairness".to_string(), fairness);
    SorterConfig {
        level,
        tie_break: tie,
        params,
        role: None,
    }
}

/// Drives two sorters with the same random calls, checking after each.
struct Pair<'a> {
    a: &'a mut dyn Sorter,
    b: &'a mut dyn Sorter,
    paths: Vec<String>,
    /// Charges made per client (unallocated in any order later).
    charges: Vec<Vec<Res>>,
    /// Usage shared by framework sorters, moved by the test (the role
    /// sorter's charges in a run).
    external: Option<Shared<Usage>>,
}

impl Pair<'_> {
    fn check(&mut self, seed: u64, step: usize) {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        self.a.sort(&mut x);
        self.b.sort(&mut y);
        assert_eq!(x, y, "seed {seed}, call {step}: sort");
        for m in 1..4u32 {
            for k in 0..m {
                let want = y.iter().copied().find(|id| id % m == k);
                let got = self.a.first_where(&mut |id: ClientId| id % m == k);
                if let Some(got) = got {
                    assert_eq!(got, want, "seed {seed}, call {step}: first_where {m} {k}");
                }
            }
        }
    }

    fn step(&mut self, rng: &mut ChaCha8Rng) {
        let n = self.paths.len() as ClientId;
        let id = rng.gen_range(0..n);
        let here = self.a.contains(id);
        match rng.gen_range(0..100) {
            0..=7 => {
                if !here {
                    let p = self.paths[id as usize].clone();
                    self.a.add(id, &p);
                    self.b.add(id, &p);
                    self.charges[id as usize].clear();
                }
            }
            8..=10 => {
                if here {
                    self.a.remove(id);
                    self.b.remove(id);
                    self.charges[id as usize].clear();
                }
            }
            11..=20 => {
                if here {
                    self.a.activate(id);
                    self.b.activate(id);
                }
            }
            21..=24 => {
                if here {
                    self.a.deactivate(id);
                    self.b.deactivate(id);
                }
            }
            25..=49 => {
                if here {
                    let r = res(
                        rng.gen_range(0..3),
                        rng.gen_range(0..3),
                        rng.gen_range(0..2),
                    );
                    self.a.allocated(id, &r);
                    self.b.allocated(id, &r);
                    self.charges[id as usize].push(r);
                }
            }
            50..=64 => {
                let c = &mut self.charges[id as usize];
                if here && !c.is_empty() {
                    let r = c.swap_remove(rng.gen_range(0..c.len()));
                    self.a.unallocated(id, &r);
                    self.b.unallocated(id, &r);
                }
            }
            65..=84 => {
                if here {
                    let d = if rng.gen_bool(0.2) {
                        None
                    } else {
                        Some(Demand {
                            task: res(
                                rng.gen_range(0..4),
                                rng.gen_range(0..4),
                                rng.gen_range(0..2),
                            ),
                            submit_us: rng.gen_range(0..5),
                            duration_us: if rng.gen_bool(0.2) {
                                None
                            } else {
                                Some(rng.gen_range(1..4) * 1_000_000)
                            },
                            pending: rng.gen_range(1..5),
                            priority: 0,
                            registered: id,
                        })
                    };
                    self.a.demand(id, d.as_ref());
                    self.b.demand(id, d.as_ref());
                }
            }
            85..=88 => {
                let r = res(
                    rng.gen_range(0..5),
                    rng.gen_range(0..5),
                    rng.gen_range(0..2),
                );
                if rng.gen_bool(0.7) {
                    self.a.add_total(&r);
                    self.b.add_total(&r);
                } else {
                    self.a.remove_total(&r);
                    self.b.remove_total(&r);
                }
            }
            89..=91 => {
                let p = self.paths[rng.gen_range(0..self.paths.len())].clone();
                // Internal nodes too ("a" of "a/x").
                let p = match p.find('/') {
                    Some(i) if rng.gen_bool(0.5) => p[..i].to_string(),
                    _ => p,
                };
                let w = [0.5, 1.0, 2.0, 3.0][rng.gen_range(0..4)];
                self.a.update_weight(&p, w);
                self.b.update_weight(&p, w);
            }
            _ => {
                if let Some(u) = &self.external {
                    let r = res(
                        rng.gen_range(0..3),
                        rng.gen_range(0..3),
                        rng.gen_range(0..2),
                    );
                    let mut u = u.lock().expect("lock");
                    if rng.gen_bool(0.5) {
                        u.used.add(&r);
                    } else {
                        u.used = u.used.minus_clamped(&r);
                    }
                }
            }
        }
    }
}

fn drive(
    seed: u64,
    a: &mut dyn Sorter,
    b: &mut dyn Sorter,
    paths: &[&str],
    external: Option<Shared<Usage>>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let start = res(8, 8, 2);
    a.add_total(&start);
    b.add_total(&start);
    let mut pair = Pair {
        a,
        b,
        paths: paths.iter().map(|p| p.to_string()).collect(),
        charges: vec![Vec::new(); paths.len()],
        external,
    };
    for step in 0..CALLS {
        pair.step(&mut rng);
        pair.check(seed, step);
    }
}

/// Role paths with an internal node that is also a role ("a" and "a/x":
/// the implicit leaf "a/.") and deeper nesting.
const ROLES: &[&str] = &["a", "a/x", "a/y", "a/x/p", "b", "c/d", "c/e"];
const FRAMEWORKS: &[&str] = &["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"];

#[test]
fn hdrf_incremental_equals_from_scratch_role_sorter() {
    for seed in 0..SEQUENCES {
        let tie = if seed % 2 == 0 {
            TieBreak::Allocations
        } else {
            TieBreak::Name
        };
        let cfg = config(Level::Roles, tie, 0.0);
        // Each writes its own usage (role sorters see every charge).
        let mut a = HdrfSorter::new(&cfg, Shared::default());
        let mut b = HdrfSorter::from_scratch(&cfg, Shared::default());
        drive(seed, &mut a, &mut b, ROLES, None);
    }
}

#[test]
fn hdrf_incremental_equals_from_scratch_framework_sorter() {
    for seed in 0..SEQUENCES {
        let cfg = config(Level::Frameworks, TieBreak::Allocations, 0.0);
        // Framework sorters read the usage the role sorter writes; here the
        // test moves it, as other roles' charges do in a run.
        let usage: Shared<Usage> = Shared::default();
        let mut a = HdrfSorter::new(&cfg, usage.clone());
        let mut b = HdrfSorter::from_scratch(&cfg, usage.clone());
        drive(seed, &mut a, &mut b, FRAMEWORKS, Some(usage));
    }
}

#[test]
fn tetris_incremental_equals_from_scratch() {
    for seed in 0..SEQUENCES {
        let tie = if seed % 2 == 0 {
            TieBreak::Allocations
        } else {
            TieBreak::Name
        };
        let f = [0.0, 0.25, 0.5, 0.9][(seed % 4) as usize];
        let cfg = config(Level::Frameworks, tie, f);
        let mut a = policies::tetris::TetrisSorter::new(&cfg);
        let mut b = policies::tetris::reference_sorter(&cfg);
        drive(seed, &mut a, &mut b, FRAMEWORKS, None);
    }
}

/// A sorter made to re-sort from scratch before every call that reads or
/// moves the order (`add_total` of nothing marks the DRF tree dirty): the
/// reference for DRF's incremental paths (a charge moving one client by
/// binary search, an activation inserting by binary search).
struct FullSort(Box<dyn Sorter>);

impl Sorter for FullSort {
    fn add(&mut self, client: ClientId, path: &str) {
        self.0.add(client, path)
    }
    fn remove(&mut self, client: ClientId) {
        self.0.remove(client)
    }
    fn activate(&mut self, client: ClientId) {
        self.0.add_total(&Res::ZERO);
        self.0.activate(client)
    }
    fn deactivate(&mut self, client: ClientId) {
        self.0.deactivate(client)
    }
    fn contains(&self, client: ClientId) -> bool {
        self.0.contains(client)
    }
    fn update_weight(&mut self, path: &str, weight: f64) {
        self.0.update_weight(path, weight)
    }
    fn allocated(&mut self, client: ClientId, res: &Res) {
        self.0.add_total(&Res::ZERO);
        self.0.allocated(client, res)
    }
    fn unallocated(&mut self, client: ClientId, res: &Res) {
        self.0.unallocated(client, res)
    }
    fn allocation(&self, client: ClientId) -> Res {
        self.0.allocation(client)
    }
    fn add_total(&mut self, res: &Res) {
        self.0.add_total(res)
    }
    fn remove_total(&mut self, res: &Res) {
        self.0.remove_total(res)
    }
    fn sort(&mut self, out: &mut Vec<ClientId>) {
        self.0.add_total(&Res::ZERO);
        self.0.sort(out)
    }
}

#[test]
fn drf_and_asset_incremental_equal_a_full_sort() {
    use policies::drf::DrfSorter;
    for seed in 0..SEQUENCES {
        let tie = if seed % 2 == 0 {
            TieBreak::Allocations
        } else {
            TieBreak::Name
        };
        let (level, paths) = if seed % 3 == 0 {
            (Level::Frameworks, FRAMEWORKS)
        } else {
            (Level::Roles, ROLES)
        };
        let cfg = config(level, tie, 0.0);
        if seed % 4 < 2 {
            let mut a = DrfSorter::with_config(&cfg);
            let mut b = FullSort(Box::new(DrfSorter::with_config(&cfg)));
            drive(seed, &mut a, &mut b, paths, None);
        } else {
            let mut a = policies::asset::Asset.sorter(&cfg, sim::rng::Rng::with_stream(seed, 4));
            let mut b =
                FullSort(policies::asset::Asset.sorter(&cfg, sim::rng::Rng::with_stream(seed, 4)));
            drive(seed, &mut *a, &mut b, paths, None);
        }
    }
}

/// `first_where` of the keyed sorters visits clients exactly in `sort`'s
/// order (bands and eligibility included): the allocator's walk relies on
/// it. `drive` compares `first_where` on one sorter with `sort` on the
/// other, so the same sorter type on both sides checks exactly that.
#[test]
fn keyed_first_where_follows_sort() {
    for seed in 0..SEQUENCES {
        let cfg = config(Level::Frameworks, TieBreak::Allocations, 0.0);
        let name = [
            "fifo",
            "priority",
            "bottleneck",
            "ceei",
            "capacity",
            "slots",
        ][(seed % 6) as usize];
        let p = policies::build(name).expect("known policy");
        let mut a = p.sorter(&cfg, sim::rng::Rng::with_stream(seed, 4));
        let mut b = p.sorter(&cfg, sim::rng::Rng::with_stream(seed, 4));
        drive(seed, &mut *a, &mut *b, FRAMEWORKS, None);
    }
}
