//! `tetris`: multi-resource packing (Grandl et al., SIGCOMM 2014;
//! reference 4.5).
//!
//! Placement is the paper's alignment score
//! ([`PlacementRule::Alignment`]: the agent maximising the dot product of
//! its free vector and the task's demand, both normalised by the agent's
//! capacity). Which framework goes next blends shortest remaining work
//! with the fairness knob `[allocator.tetris] fairness = f` (0 ≤ f < 1,
//! default 0): of the N clients with pending work, only the ⌈(1−f)·N⌉
//! furthest below their DRF fair share (lowest dominant share / weight)
//! are eligible; they are ordered by remaining work, shortest first
//! (`pending × duration × Σ_r demand_r / total_r`; a task that runs
//! forever counts as infinite work), the others after them in the same
//! order. f = 0 is pure packing + SRTF; f → 1 serves the single most
//! deprived framework (DRF).
//!
//! Differences from the paper: the score is not one blended `a + ε·p`
//! per (task, machine) pair: the allocator picks the framework first
//! (SRTF within the fairness set) and then the machine by alignment.
//! Tasks mode only.
//!
//! Incremental ([`TetrisSorter`]): two orders are kept between sorts, the
//! fairness ranking (dominant share / weight, path) of the clients with
//! pending work and the work order (remaining work, allocation count,
//! path); a charge or a new demand moves only that client in each, by
//! binary search. The eligible set is the first ⌈(1−f)·N⌉ of the
//! fairness ranking, read off by position at sort time. Only a new total,
//! weight or client re-sorts all. The from-scratch version it must match
//! exactly is [`reference_sorter`] (`policies/tests/incremental.rs`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use sim::resources::{dominant_share, Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{ClientId, Demand, PlacementRule, Policy, Sorter, SorterConfig};
use sim::spec::{Mode, TieBreak};

use crate::keyed::{frac, Client, Key, KeyRule, KeyedSorter};

/// The remaining work of a client whose next task is `d`:
/// `pending × duration × Σ_r d_r / total_r` (forever: infinite).
fn remaining_work(d: &Demand, total: &Res) -> f64 {
    let size: f64 = (0..MAX_RES).map(|r| frac(d.task.0[r], total.0[r])).sum();
    match d.duration_us {
        Some(us) => d.pending as f64 * us as f64 * size,
        None => f64::INFINITY,
    }
}

/// The from-scratch rule: every sort recomputes the eligible set and
/// every key (the reference for [`TetrisSorter`]).
pub struct TetrisRule {
    fairness: f64,
    /// Eligible per client id, set at `prepare`.
    eligible: Vec<bool>,
}

impl KeyRule for TetrisRule {
    fn key(&self, id: ClientId, c: &Client, total: &Res) -> Key {
        let Some(d) = &c.demand else {
            return [2.0, 0.0, 0.0];
        };
        let work = remaining_work(d, total);
        let e = self.eligible.get(id as usize).copied().unwrap_or(false);
        [if e { 0.0 } else { 1.0 }, work, 0.0]
    }
    fn prepare(&mut self, clients: &[Option<Client>], total: &Res) {
        let mut with: Vec<(f64, &str, usize)> = clients
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                let c = c.as_ref()?;
                (c.active && c.demand.is_some()).then(|| {
                    (
                        dominant_share(&c.alloc, total) / c.weight,
                        c.path.as_str(),
                        i,
                    )
                })
            })
            .collect();
        with.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
        let n = with.len();
        let k = ((1.0 - self.fairness) * n as f64).ceil() as usize;
        self.eligible = vec![false; clients.len()];
        for &(_, _, i) in with.iter().take(k.max(1)) {
            self.eligible[i] = true;
        }
    }
    fn global_alloc(&self) -> bool {
        true
    }
    fn global_demand(&self) -> bool {
        true
    }
    fn volatile(&self) -> bool {
        true
    }
}

/// `fairness` from the parameters, clamped to [0, 1).
fn fairness(config: &SorterConfig) -> f64 {
    config
        .params
        .get("fairness")
        .copied()
        .unwrap_or(0.0)
        .clamp(0.0, 0.999_999)
}

/// The from-scratch sorter (every sort recomputes every key and sorts
/// all), kept as the reference the incremental [`TetrisSorter`] is
/// checked against.
pub fn reference_sorter(config: &SorterConfig) -> KeyedSorter<TetrisRule> {
    KeyedSorter::new(
        config,
        TetrisRule {
            fairness: fairness(config),
            eligible: Vec::new(),
        },
    )
}

struct TClient {
    path: String,
    active: bool,
    alloc: Res,
    count: u64,
    demand: Option<Demand>,
    weight: f64,
    /// Keys the client was placed with in `fair` and `order`.
    fair_key: f64,
    work: f64,
    /// In `fair` (active with pending work) and in `order` (active).
    in_fair: bool,
    in_order: bool,
}

/// The incremental `tetris` sorter (see the module comment).
pub struct TetrisSorter {
    fairness: f64,
    by_count: bool,
    clients: Vec<Option<TClient>>,
    weights: BTreeMap<String, f64>,
    total: Res,
    /// Active clients with pending work by (dominant share / weight, path).
    fair: Vec<ClientId>,
    /// Active clients by (nothing pending last, work, count, path, id).
    order: Vec<ClientId>,
    /// Rebuild both orders at the next sort.
    dirty: bool,
}

impl TetrisSorter {
    pub fn new(config: &SorterConfig) -> Self {
        TetrisSorter {
            fairness: fairness(config),
            by_count: config.tie_break == TieBreak::Allocations,
            clients: Vec::new(),
            weights: BTreeMap::new(),
            total: Res::ZERO,
            fair: Vec::new(),
            order: Vec::new(),
            dirty: false,
        }
    }

    fn c(&self, id: ClientId) -> &TClient {
        crate::keyed::slot(&self.clients, id)
    }

    fn c_mut(&mut self, id: ClientId) -> &mut TClient {
        crate::keyed::slot_mut(&mut self.clients, id)
    }

    /// As the reference's fairness ranking: share, then path.
    fn fair_cmp(&self, a: ClientId, b: ClientId) -> Ordering {
        let (x, y) = (self.c(a), self.c(b));
        x.fair_key
            .total_cmp(&y.fair_key)
            .then(x.path.cmp(&y.path))
            .then(a.cmp(&b))
    }

    /// As the reference's keyed order within a band: work, then count
    /// (with that tie-break), path, id; nothing pending after.
    fn order_cmp(&self, a: ClientId, b: ClientId) -> Ordering {
        let (x, y) = (self.c(a), self.c(b));
        x.demand
            .is_none()
            .cmp(&y.demand.is_none())
            .then(x.work.total_cmp(&y.work))
            .then(if self.by_count {
                x.count.cmp(&y.count)
            } else {
                Ordering::Equal
            })
            .then(x.path.cmp(&y.path))
            .then(a.cmp(&b))
    }

    /// Takes `id` out of both orders (by the keys it was placed with).
    fn unlink(&mut self, id: ClientId) {
        if self.dirty {
            return;
        }
        if self.c(id).in_fair {
            let at = self
                .fair
                .partition_point(|&x| self.fair_cmp(x, id) == Ordering::Less);
            debug_assert_eq!(self.fair.get(at), Some(&id));
            self.fair.remove(at);
        }
        if self.c(id).in_order {
            let at = self
                .order
                .partition_point(|&x| self.order_cmp(x, id) == Ordering::Less);
            debug_assert_eq!(self.order.get(at), Some(&id));
            self.order.remove(at);
        }
        let c = self.c_mut(id);
        c.in_fair = false;
        c.in_order = false;
    }

    /// Recomputes `id`'s keys and puts it back where it belongs.
    fn link(&mut self, id: ClientId) {
        if self.dirty {
            return;
        }
        let total = self.total;
        let c = self.c_mut(id);
        c.fair_key = dominant_share(&c.alloc, &total) / c.weight;
        c.work = c.demand.map(|d| remaining_work(&d, &total)).unwrap_or(0.0);
        c.in_order = c.active;
        c.in_fair = c.active && c.demand.is_some();
        let (in_fair, in_order) = (c.in_fair, c.in_order);
        if in_fair {
            let at = self
                .fair
                .partition_point(|&x| self.fair_cmp(x, id) == Ordering::Less);
            self.fair.insert(at, id);
        }
        if in_order {
            let at = self
                .order
                .partition_point(|&x| self.order_cmp(x, id) == Ordering::Less);
            self.order.insert(at, id);
        }
    }

    fn rebuild(&mut self) {
        self.dirty = false;
        self.fair.clear();
        self.order.clear();
        let total = self.total;
        for (i, c) in self.clients.iter_mut().enumerate() {
            let Some(c) = c else { continue };
            c.fair_key = dominant_share(&c.alloc, &total) / c.weight;
            c.work = c.demand.map(|d| remaining_work(&d, &total)).unwrap_or(0.0);
            c.in_order = c.active;
            c.in_fair = c.active && c.demand.is_some();
            if c.in_fair {
                self.fair.push(i as ClientId);
            }
            if c.in_order {
                self.order.push(i as ClientId);
            }
        }
        let mut fair = std::mem::take(&mut self.fair);
        fair.sort_by(|&a, &b| self.fair_cmp(a, b));
        self.fair = fair;
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|&a, &b| self.order_cmp(a, b));
        self.order = order;
    }

    /// The last eligible client of the fairness ranking (None: nobody
    /// waits): the first max(1, ⌈(1−f)·N⌉).
    fn threshold(&self) -> Option<ClientId> {
        let n = self.fair.len();
        if n == 0 {
            return None;
        }
        let k = (((1.0 - self.fairness) * n as f64).ceil() as usize).clamp(1, n);
        Some(self.fair[k - 1])
    }

    /// 0: eligible with pending work; 1: not eligible; 2: nothing pending.
    fn band(&self, id: ClientId, threshold: Option<ClientId>) -> u8 {
        let c = self.c(id);
        if c.demand.is_none() {
            return 2;
        }
        match threshold {
            Some(t) if self.fair_cmp(id, t) != Ordering::Greater => 0,
            _ => 1,
        }
    }
}

impl Sorter for TetrisSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        let i = client as usize;
        if self.clients.len() <= i {
            self.clients.resize_with(i + 1, || None);
        }
        self.clients[i] = Some(TClient {
            path: path.to_string(),
            active: false,
            alloc: Res::ZERO,
            count: 0,
            demand: None,
            weight: self.weights.get(path).copied().unwrap_or(1.0),
            fair_key: 0.0,
            work: 0.0,
            in_fair: false,
            in_order: false,
        });
        self.dirty = true;
    }
    fn remove(&mut self, client: ClientId) {
        self.clients[client as usize] = None;
        self.dirty = true;
    }
    fn activate(&mut self, client: ClientId) {
        self.unlink(client);
        self.c_mut(client).active = true;
        self.link(client);
    }
    fn deactivate(&mut self, client: ClientId) {
        self.unlink(client);
        self.c_mut(client).active = false;
        self.link(client);
    }
    fn contains(&self, client: ClientId) -> bool {
        self.clients
            .get(client as usize)
            .is_some_and(|c| c.is_some())
    }
    fn update_weight(&mut self, path: &str, weight: f64) {
        self.weights.insert(path.to_string(), weight);
        for c in self.clients.iter_mut().flatten() {
            if c.path == path {
                c.weight = weight;
            }
        }
        self.dirty = true;
    }
    fn allocated(&mut self, client: ClientId, res: &Res) {
        self.unlink(client);
        let c = self.c_mut(client);
        c.alloc.add(res);
        c.count += 1;
        self.link(client);
    }
    fn unallocated(&mut self, client: ClientId, res: &Res) {
        self.unlink(client);
        self.c_mut(client).alloc.sub(res);
        self.link(client);
    }
    fn allocation(&self, client: ClientId) -> Res {
        self.c(client).alloc
    }
    fn add_total(&mut self, res: &Res) {
        self.total.add(res);
        self.dirty = true;
    }
    fn remove_total(&mut self, res: &Res) {
        self.total.sub(res);
        self.dirty = true;
    }
    fn sort(&mut self, out: &mut Vec<ClientId>) {
        if self.dirty {
            self.rebuild();
        }
        out.clear();
        let t = self.threshold();
        for band in 0..3 {
            out.extend(
                self.order
                    .iter()
                    .copied()
                    .filter(|&id| self.band(id, t) == band),
            );
        }
    }
    fn demand(&mut self, client: ClientId, demand: Option<&Demand>) {
        self.unlink(client);
        self.c_mut(client).demand = demand.copied();
        self.link(client);
    }
    fn first_where(&mut self, pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        if self.dirty {
            self.rebuild();
        }
        let t = self.threshold();
        for band in 0..3 {
            for &id in &self.order {
                if self.band(id, t) == band && pred(id) {
                    return Some(Some(id));
                }
            }
        }
        Some(None)
    }
}

pub struct Tetris;

impl Policy for Tetris {
    fn name(&self) -> &'static str {
        "tetris"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(TetrisSorter::new(config))
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Tasks]
    }
    fn wants_demand(&self) -> bool {
        true
    }
    fn placement(&self) -> Option<PlacementRule> {
        Some(PlacementRule::Alignment)
    }
}
