//! `slots`: max-min fairness on fixed slots, as Hadoop's Fair Scheduler
//! (the baseline of the DRF and Mesos papers; reference 4.1).
//!
//! Parameter: `[allocator.slots] per_agent = N` (default 4): each agent is
//! cut into N equal slots. A task takes `ceil(max_r demand_r / slot_r)`
//! slots. Clients are served fewest slots held (divided by the weight)
//! first; ties by allocation count, then name.
//!
//! Where it differs from the paper, and why: a sorter sees quantities,
//! not agents, so
//! - the slot is the *average* agent's: `slot = cluster total / (agents ×
//!   N)` (agents counted from the role sorter's `add_total` calls, one per
//!   agent); exact on a homogeneous cluster;
//! - slots held are counted per charge (`allocated` adds the charge's
//!   slots, `unallocated` removes the released part's; a client holding
//!   nothing holds 0): exact in tasks mode, where each charge is one task;
//! - slot capacity is enforced cluster-wide, not per agent: `sort` leaves
//!   out a client whose next task needs more slots than the cluster has
//!   free (total slots − slots held by all). On one agent this is exact.
//!   Exact per-agent slot capacity needs a core hook (docs/policies.md).

use sim::resources::{Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{ClientId, Level, Policy, Sorter, SorterConfig};

use crate::keyed::{read, Client, Key, KeyRule, KeyedSorter, Shared};

/// The cluster as the role sorter sees it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Geometry {
    pub agents: i64,
    pub total: Res,
    /// Slots held by all clients.
    pub held: i64,
}

impl Geometry {
    pub fn slot(&self, per_agent: i64, r: usize) -> f64 {
        let n = (self.agents * per_agent).max(1);
        self.total.0[r] as f64 / n as f64
    }

    /// Slots a task of `d` takes.
    pub fn slots_of(&self, per_agent: i64, d: &Res) -> i64 {
        let mut k = 0.0f64;
        for r in 0..MAX_RES {
            if d.0[r] > 0 {
                let s = self.slot(per_agent, r);
                if s > 0.0 {
                    k = k.max(d.0[r] as f64 / s);
                }
            }
        }
        // Guard against 2.0000000001 from rounding.
        (k - 1e-9).ceil().max(if k > 0.0 { 1.0 } else { 0.0 }) as i64
    }

    pub fn total_slots(&self, per_agent: i64) -> i64 {
        self.agents * per_agent
    }
}

pub struct SlotsRule {
    per_agent: i64,
    writer: bool,
    geo: Shared<Geometry>,
    /// Slots held per client id.
    held: Vec<i64>,
    /// A snapshot of `geo` taken at `prepare`.
    snap: Geometry,
}

impl KeyRule for SlotsRule {
    fn key(&self, id: ClientId, c: &Client, _total: &Res) -> Key {
        let h = self.held.get(id as usize).copied().unwrap_or(0);
        [h as f64 / c.weight, 0.0, 0.0]
    }
    fn prepare(&mut self, _clients: &[Option<Client>], _total: &Res) {
        self.snap = read(&self.geo);
    }
    fn volatile(&self) -> bool {
        true
    }
    fn eligible(&self, _id: ClientId, c: &Client, _total: &Res) -> bool {
        match &c.demand {
            None => true,
            Some(d) => {
                let need = self.snap.slots_of(self.per_agent, &d.task);
                need <= self.snap.total_slots(self.per_agent) - self.snap.held
            }
        }
    }
    fn on_charge(&mut self, id: ClientId, res: &Res, _total: &Res, sign: i64) {
        let geo = read(&self.geo);
        let k = geo.slots_of(self.per_agent, res);
        let i = id as usize;
        if self.held.len() <= i {
            self.held.resize(i + 1, 0);
        }
        let before = self.held[i];
        let after = (before + sign * k).max(0);
        self.held[i] = after;
        if self.writer {
            self.geo.lock().expect("policy state lock").held += after - before;
        }
    }
}

/// A sorter of the `slots` policy; the role sorter also keeps the shared
/// geometry (agents, totals, slots held).
pub struct SlotsSorter {
    inner: KeyedSorter<SlotsRule>,
}

impl Sorter for SlotsSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        self.inner.add(client, path)
    }
    fn remove(&mut self, client: ClientId) {
        let i = client as usize;
        if let Some(h) = self.inner.rule.held.get_mut(i) {
            if self.inner.rule.writer {
                self.inner.rule.geo.lock().expect("policy state lock").held -= *h;
            }
            *h = 0;
        }
        self.inner.remove(client)
    }
    fn activate(&mut self, client: ClientId) {
        self.inner.activate(client)
    }
    fn deactivate(&mut self, client: ClientId) {
        self.inner.deactivate(client)
    }
    fn contains(&self, client: ClientId) -> bool {
        self.inner.contains(client)
    }
    fn update_weight(&mut self, path: &str, weight: f64) {
        self.inner.update_weight(path, weight)
    }
    fn allocated(&mut self, client: ClientId, res: &Res) {
        self.inner.allocated(client, res)
    }
    fn unallocated(&mut self, client: ClientId, res: &Res) {
        self.inner.unallocated(client, res)
    }
    fn allocation(&self, client: ClientId) -> Res {
        self.inner.allocation(client)
    }
    fn add_total(&mut self, res: &Res) {
        if self.inner.rule.writer {
            let mut g = self.inner.rule.geo.lock().expect("policy state lock");
            g.agents += 1;
            g.total.add(res);
        }
        self.inner.add_total(res)
    }
    fn remove_total(&mut self, res: &Res) {
        if self.inner.rule.writer {
            let mut g = self.inner.rule.geo.lock().expect("policy state lock");
            g.agents -= 1;
            g.total.sub(res);
        }
        self.inner.remove_total(res)
    }
    fn sort(&mut self, out: &mut Vec<ClientId>) {
        self.inner.sort(out)
    }
    fn demand(&mut self, client: ClientId, demand: Option<&sim::sorter::Demand>) {
        self.inner.demand(client, demand)
    }
}

#[derive(Default)]
pub struct Slots {
    geo: Shared<Geometry>,
}

/// Default `per_agent`.
pub const DEFAULT_PER_AGENT: i64 = 4;

impl Policy for Slots {
    fn name(&self) -> &'static str {
        "slots"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        let per_agent = config
            .params
            .get("per_agent")
            .map(|&n| n.round().max(1.0) as i64)
            .unwrap_or(DEFAULT_PER_AGENT);
        let rule = SlotsRule {
            per_agent,
            writer: config.level == Level::Roles,
            geo: self.geo.clone(),
            held: Vec::new(),
            snap: Geometry::default(),
        };
        Box::new(SlotsSorter {
            inner: KeyedSorter::new(config, rule),
        })
    }
    fn wants_demand(&self) -> bool {
        true
    }
}
