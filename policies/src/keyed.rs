//! Shared machinery for policies whose order is a per-client sort key
//! (`fifo`, `priority`, `bottleneck`, `ceei`, `slots`, `capacity`,
//! `tetris`): a flat sorter that keeps its active clients sorted by a key
//! that a [`KeyRule`] computes.
//!
//! The order is kept between sorts. A change to one client (a charge, a new
//! queue head) moves only that client (one key computation and a binary
//! search), unless the rule says the change can move other clients too;
//! then, as for anything structural (add, remove, activate, a new total or
//! weight), the next `sort` recomputes every key and sorts them all.
//!
//! Paths are flat: a hierarchical role "eng/ml" is one client named
//! "eng/ml" (its weight is the weight set on that exact path). Equal keys
//! are broken like Mesos's DRF sorter: fewer allocations first (with
//! `tie_break = "allocations"`), then path in byte order.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sim::resources::{to_mesos_f64, Res, MAX_RES};
use sim::sorter::{ClientId, Demand, Level, Sorter, SorterConfig};
use sim::spec::TieBreak;

/// A sort key: compared component by component, lower first.
pub type Key = [f64; 3];

/// One client as a rule sees it.
#[derive(Clone, Debug)]
pub struct Client {
    pub path: String,
    pub active: bool,
    /// Offered or allocated to it.
    pub alloc: Res,
    /// Times it was charged (never decreases).
    pub count: u64,
    /// Its pending work (policies that want demand).
    pub demand: Option<Demand>,
    pub weight: f64,
    key: Key,
}

/// What makes one policy's order.
pub trait KeyRule: Send {
    /// The key of one client (lower is served first). `total` is the pool
    /// shares divide by.
    fn key(&self, id: ClientId, c: &Client, total: &Res) -> Key;
    /// Recomputes what depends on all clients, before a full sort.
    fn prepare(&mut self, _clients: &[Option<Client>], _total: &Res) {}
    /// True if a charge to one client can change other clients' keys.
    fn global_alloc(&self) -> bool {
        false
    }
    /// True if a new task shape at one client's queue head (or a client
    /// gaining or losing all its pending work) can change others' keys.
    fn global_demand(&self) -> bool {
        false
    }
    /// True if the keys depend on state outside this sorter (shared
    /// between a policy's sorters): every sort is then a full one.
    fn volatile(&self) -> bool {
        false
    }
    /// Whether an active client is listed by `sort` at all.
    fn eligible(&self, _id: ClientId, _c: &Client, _total: &Res) -> bool {
        true
    }
    /// Told of every charge, before the client's key is recomputed.
    fn on_charge(&mut self, _id: ClientId, _res: &Res, _total: &Res, _sign: i64) {}
    /// Bands (0 first): `sort` lists the eligible clients of band 0 in key
    /// order, then those of band 1, and so on up to [`KeyRule::bands`]
    /// − 1. For an order that depends on every client (a limit computed
    /// from all of them) without moving anyone's key: one pass per band
    /// over the kept order, no re-sort.
    fn band(&self, _id: ClientId, _c: &Client, _total: &Res) -> u8 {
        0
    }
    /// How many bands [`KeyRule::band`] uses (1: no banding).
    fn bands(&self) -> u8 {
        1
    }
    /// Called at the start of every `sort`, with every client, before
    /// bands are asked for.
    fn before_sort(&mut self, _clients: &[Option<Client>], _total: &Res) {}
}

/// A flat sorter ordered by a [`KeyRule`].
pub struct KeyedSorter<R: KeyRule> {
    pub rule: R,
    pub level: Level,
    by_count: bool,
    clients: Vec<Option<Client>>,
    /// Active clients in order (valid when `!dirty`).
    order: Vec<ClientId>,
    weights: BTreeMap<String, f64>,
    total: Res,
    dirty: bool,
}

impl<R: KeyRule> KeyedSorter<R> {
    pub fn new(config: &SorterConfig, rule: R) -> Self {
        KeyedSorter {
            rule,
            level: config.level,
            by_count: config.tie_break == TieBreak::Allocations,
            clients: Vec::new(),
            order: Vec::new(),
            weights: BTreeMap::new(),
            total: Res::ZERO,
            dirty: false,
        }
    }

    fn client(&self, id: ClientId) -> &Client {
        slot(&self.clients, id)
    }

    fn client_mut(&mut self, id: ClientId) -> &mut Client {
        slot_mut(&mut self.clients, id)
    }

    fn before(&self, a: ClientId, b: ClientId) -> std::cmp::Ordering {
        let (x, y) = (self.client(a), self.client(b));
        for i in 0..3 {
            let o = x.key[i].total_cmp(&y.key[i]);
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        if self.by_count && x.count != y.count {
            return x.count.cmp(&y.count);
        }
        x.path.cmp(&y.path).then(a.cmp(&b))
    }

    /// Moves one client to its place after its key changed.
    fn reposition(&mut self, id: ClientId) {
        if self.dirty || !self.client(id).active {
            return;
        }
        let key = self.rule.key(id, self.client(id), &self.total);
        self.client_mut(id).key = key;
        if let Some(p) = self.order.iter().position(|&c| c == id) {
            self.order.remove(p);
        }
        let order = std::mem::take(&mut self.order);
        let at = order.partition_point(|&c| self.before(c, id) == std::cmp::Ordering::Less);
        self.order = order;
        self.order.insert(at, id);
    }

    fn full_sort(&mut self) {
        self.rule.prepare(&self.clients, &self.total);
        let mut order = Vec::with_capacity(self.clients.len());
        for i in 0..self.clients.len() {
            let id = i as ClientId;
            if let Some(c) = &self.clients[i] {
                if c.active {
                    let key = self.rule.key(id, c, &self.total);
                    self.clients[i].as_mut().expect("present").key = key;
                    order.push(id);
                }
            }
        }
        order.sort_by(|&a, &b| self.before(a, b));
        self.order = order;
        self.dirty = false;
    }

    fn charge(&mut self, id: ClientId, res: &Res, sign: i64) {
        let total = self.total;
        self.rule.on_charge(id, res, &total, sign);
        let c = self.client_mut(id);
        if sign > 0 {
            c.alloc.add(res);
            c.count += 1;
        } else {
            c.alloc.sub(res);
        }
        if self.rule.global_alloc() {
            self.dirty = true;
        } else {
            self.reposition(id);
        }
    }

    /// Something the rule keeps for client `id` changed (not its charge
    /// nor its demand, which the sorter sees itself): moves it to its
    /// place, or re-sorts all at the next sort if the rule says a charge
    /// moves others.
    pub fn rekey(&mut self, id: ClientId) {
        if self.rule.global_alloc() {
            self.dirty = true;
        } else {
            self.reposition(id);
        }
    }

    /// Every client (for rules and tests).
    pub fn clients(&self) -> &[Option<Client>] {
        &self.clients
    }
}

impl<R: KeyRule> Sorter for KeyedSorter<R> {
    fn add(&mut self, client: ClientId, path: &str) {
        let i = client as usize;
        if self.clients.len() <= i {
            self.clients.resize(i + 1, None);
        }
        self.clients[i] = Some(Client {
            path: path.to_string(),
            active: false,
            alloc: Res::ZERO,
            count: 0,
            demand: None,
            weight: self.weights.get(path).copied().unwrap_or(1.0),
            key: [0.0; 3],
        });
        self.dirty = true;
    }

    fn remove(&mut self, client: ClientId) {
        self.clients[client as usize] = None;
        self.dirty = true;
    }

    fn activate(&mut self, client: ClientId) {
        if !self.client(client).active {
            self.client_mut(client).active = true;
            self.dirty = true;
        }
    }

    fn deactivate(&mut self, client: ClientId) {
        if self.client(client).active {
            self.client_mut(client).active = false;
            self.dirty = true;
        }
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
        self.charge(client, res, 1);
    }

    fn unallocated(&mut self, client: ClientId, res: &Res) {
        self.charge(client, res, -1);
    }

    fn allocation(&self, client: ClientId) -> Res {
        self.client(client).alloc
    }

    fn add_total(&mut self, res: &Res) {
        self.total.add(res);
        self.dirty = true;
    }

    fn remove_total(&mut self, res: &Res) {
        self.total.sub(res);
        self.dirty = true;
    }

    /// The walk `sort` would list, stopping at the first client `pred`
    /// accepts: the allocator's walk over a role's frameworks then costs
    /// the filtered ones it passes, not a listing of every framework.
    fn first_where(&mut self, pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        if self.dirty || self.rule.volatile() {
            self.full_sort();
        }
        let bands = self.rule.bands();
        if bands > 1 {
            self.rule.before_sort(&self.clients, &self.total);
        }
        for b in 0..bands.max(1) {
            for &id in &self.order {
                let c = self.client(id);
                let listed = (bands <= 1 || self.rule.band(id, c, &self.total) == b)
                    && self.rule.eligible(id, c, &self.total);
                if listed && pred(id) {
                    return Some(Some(id));
                }
            }
        }
        Some(None)
    }

    fn sort(&mut self, out: &mut Vec<ClientId>) {
        if self.dirty || self.rule.volatile() {
            self.full_sort();
        }
        out.clear();
        let bands = self.rule.bands();
        if bands <= 1 {
            for &id in &self.order {
                if self.rule.eligible(id, self.client(id), &self.total) {
                    out.push(id);
                }
            }
            return;
        }
        self.rule.before_sort(&self.clients, &self.total);
        for b in 0..bands {
            for &id in &self.order {
                let c = self.client(id);
                if self.rule.band(id, c, &self.total) == b && self.rule.eligible(id, c, &self.total)
                {
                    out.push(id);
                }
            }
        }
    }

    fn demand(&mut self, client: ClientId, demand: Option<&Demand>) {
        let c = self.client_mut(client);
        let shape_changed = c.demand.map(|d| d.task) != demand.map(|d| d.task);
        c.demand = demand.copied();
        if shape_changed && self.rule.global_demand() {
            self.dirty = true;
        } else {
            self.reposition(client);
        }
    }
}

// ----- helpers shared by the rules --------------------------------------

/// Client `id` of a sorter's dense client table (a sorter is only ever
/// asked about clients it holds: the allocator adds before it charges).
pub fn slot<T>(clients: &[Option<T>], id: ClientId) -> &T {
    clients
        .get(id as usize)
        .and_then(|c| c.as_ref())
        .unwrap_or_else(|| panic!("client {id} not in sorter"))
}

/// [`slot`], mutable.
pub fn slot_mut<T>(clients: &mut [Option<T>], id: ClientId) -> &mut T {
    clients
        .get_mut(id as usize)
        .and_then(|c| c.as_mut())
        .unwrap_or_else(|| panic!("client {id} not in sorter"))
}

/// `v / t` in Mesos's doubles, 0 where the total is not positive.
#[inline]
pub fn frac(v: i64, t: i64) -> f64 {
    if t > 0 {
        to_mesos_f64(v) / to_mesos_f64(t)
    } else {
        0.0
    }
}

/// The resource where `d` is largest relative to `total` (lowest index on
/// ties), or None if `d` asks for nothing with a positive total.
pub fn dominant_resource(d: &Res, total: &Res) -> Option<usize> {
    let mut best: Option<(f64, usize)> = None;
    for r in 0..MAX_RES {
        let s = frac(d.0[r], total.0[r]);
        if s > 0.0 && best.is_none_or(|(b, _)| s > b) {
            best = Some((s, r));
        }
    }
    best.map(|(_, r)| r)
}

/// How many tasks of shape `d` an allocation amounts to: the largest
/// `alloc_r / d_r` over the resources `d` asks for (in tasks mode, where a
/// framework holds whole tasks of one shape, exactly its task count).
pub fn tasks_held(alloc: &Res, d: &Res) -> f64 {
    let mut k = 0.0f64;
    for r in 0..MAX_RES {
        if d.0[r] > 0 {
            k = k.max(alloc.0[r] as f64 / d.0[r] as f64);
        }
    }
    k
}

/// State shared by all the sorters of one policy instance (one run): the
/// role sorter sees every charge and every agent; framework sorters read.
pub type Shared<T> = Arc<Mutex<T>>;

/// Reads shared state (a poisoned lock cannot happen: no sorter panics
/// while holding it, and runs are single-threaded).
pub fn read<T: Clone>(s: &Shared<T>) -> T {
    s.lock().expect("policy state lock").clone()
}
