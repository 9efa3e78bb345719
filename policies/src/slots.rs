//! `slots`: max-min fairness on fixed slots, as Hadoop's Fair Scheduler
//! (the baseline of the DRF and Mesos papers; reference 4.1).
//!
//! Parameter: `[allocator.slots] per_agent = N` (default 4; rounded,
//! at least 1): each agent is cut into N equal slots, a slot being that
//! agent's total / N per resource, and a task takes
//! `ceil(max_r demand_r / slot_r)` slots *on the agent it runs on*.
//! Clients are served fewest slots held (divided by the weight) first;
//! ties by allocation count, then name.
//!
//! The slot arithmetic is per agent, so it lives in the allocator, which
//! sees agents (`sim/src/cluster/slots.rs`, through
//! `Policy::slots_per_agent`): it admits a task on an agent only where
//! its slots are free (tasks mode), and tells this sorter how many slots
//! each client holds (`Sorter::slots`). In tasks mode that count is the
//! sum over the client's tasks of their slots on their agents, exact on
//! any mix of agents. In offers mode there is no admission (frameworks
//! choose what to launch in an offer); a client holds on each agent the
//! slots its whole charge there, offered or in use, covers.
//!
//! Differences from the Fair Scheduler: no min-shares, no fair-share
//! preemption, no delay scheduling (reference 4.1 lists them as options).

use std::collections::BTreeMap;

use sim::resources::Res;
use sim::rng::Rng;
use sim::sorter::{ClientId, Policy, Sorter, SorterConfig};

use crate::keyed::{Client, Key, KeyRule, KeyedSorter};

pub struct SlotsRule {
    /// Slots held per client id (as the allocator reports them).
    held: Vec<i64>,
}

impl KeyRule for SlotsRule {
    fn key(&self, id: ClientId, c: &Client, _total: &Res) -> Key {
        let h = self.held.get(id as usize).copied().unwrap_or(0);
        [h as f64 / c.weight, 0.0, 0.0]
    }
}

/// A sorter of the `slots` policy: a keyed sorter whose key is the slots
/// held, moved to its place on every report of the allocator.
pub struct SlotsSorter {
    inner: KeyedSorter<SlotsRule>,
}

impl Sorter for SlotsSorter {
    fn add(&mut self, client: ClientId, path: &str) {
        self.inner.add(client, path)
    }
    fn remove(&mut self, client: ClientId) {
        if let Some(h) = self.inner.rule.held.get_mut(client as usize) {
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
        self.inner.add_total(res)
    }
    fn remove_total(&mut self, res: &Res) {
        self.inner.remove_total(res)
    }
    fn sort(&mut self, out: &mut Vec<ClientId>) {
        self.inner.sort(out)
    }
    fn first_where(&mut self, pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        self.inner.first_where(pred)
    }
    fn slots(&mut self, client: ClientId, delta_slots: i64) {
        let i = client as usize;
        let held = &mut self.inner.rule.held;
        if held.len() <= i {
            held.resize(i + 1, 0);
        }
        // The allocator never takes back more than it reported; the floor
        // only guards the order against a bad report.
        held[i] = (held[i] + delta_slots).max(0);
        if self.inner.contains(client) {
            self.inner.rekey(client);
        }
    }
}

#[derive(Default)]
pub struct Slots;

/// Default `per_agent`.
pub const DEFAULT_PER_AGENT: u32 = 4;

/// `per_agent` from the policy's parameters: rounded, at least 1.
pub fn per_agent(params: &BTreeMap<String, f64>) -> u32 {
    params
        .get("per_agent")
        .map(|&n| n.round().clamp(1.0, u32::MAX as f64) as u32)
        .unwrap_or(DEFAULT_PER_AGENT)
}

impl Policy for Slots {
    fn name(&self) -> &'static str {
        "slots"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(SlotsSorter {
            inner: KeyedSorter::new(config, SlotsRule { held: Vec::new() }),
        })
    }
    fn slots_per_agent(&self, params: &BTreeMap<String, f64>) -> Option<u32> {
        Some(per_agent(params))
    }
}
