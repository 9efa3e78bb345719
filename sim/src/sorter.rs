//! The policy boundary: Mesos's `Sorter` interface.
//!
//! The allocator keeps the books (what is free, offered, filtered,
//! suppressed, within quota) and asks sorters only one question: in which
//! order should these clients be considered? There is one role sorter and
//! one framework sorter per role, exactly as in Mesos's hierarchical
//! allocator (`src/master/allocator/mesos/sorter/sorter.hpp`). A policy is
//! a [`Policy`] that builds sorters; `policies/` holds the implementations.
//!
//! Sorters see quantities only ([`Res`]), never agents, offers or the
//! engine. Client ids are dense integers chosen by the allocator; paths
//! (role names, framework names) are given once, for tie-breaking and
//! hierarchy.

use std::collections::BTreeMap;

use crate::resources::Res;
use crate::rng::Rng;
use crate::spec::{Micros, Mode, TieBreak};

/// A sorter's client: a role id in the role sorter, a framework id in a
/// framework sorter.
pub type ClientId = u32;

/// Which level a sorter orders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Roles; paths are hierarchical ("eng/ml") and weights apply.
    Roles,
    /// The frameworks of one role; paths are flat framework names.
    Frameworks,
}

/// One ordering over clients, maintained incrementally.
///
/// Clients are added inactive (as in Mesos) and must be activated to be
/// returned by [`Sorter::sort`]. Allocation counts toward a client while it
/// is offered or allocated.
pub trait Sorter {
    /// Adds a client (inactive). `path` is unique within the sorter.
    fn add(&mut self, client: ClientId, path: &str);
    /// Removes a client and its allocation.
    fn remove(&mut self, client: ClientId);
    fn activate(&mut self, client: ClientId);
    fn deactivate(&mut self, client: ClientId);
    fn contains(&self, client: ClientId) -> bool;
    /// Sets the weight of a path (which may not exist yet).
    fn update_weight(&mut self, path: &str, weight: f64);
    /// Charges `res` to `client` (offered or allocated).
    fn allocated(&mut self, client: ClientId, res: &Res);
    /// Removes a charge made by [`Sorter::allocated`].
    fn unallocated(&mut self, client: ClientId, res: &Res);
    /// The client's current charge.
    fn allocation(&self, client: ClientId) -> Res;
    /// An agent's scalar resources join the pool that shares divide by.
    fn add_total(&mut self, res: &Res);
    fn remove_total(&mut self, res: &Res);
    /// Writes the active clients, first to be served first, into `out`
    /// (cleared first).
    fn sort(&mut self, out: &mut Vec<ClientId>);
    /// What the client is waiting to run (None: nothing pending). Called
    /// only for policies whose [`Policy::wants_demand`] is true, whenever
    /// the client's queue head or pending count changes. For the role
    /// sorter a role's demand is its framework whose head task was
    /// submitted first (pending counts summed).
    fn demand(&mut self, _client: ClientId, _demand: Option<&Demand>) {}
    /// The first active client, in `sort` order, for which `pred` holds,
    /// walking no further than needed. Only sorters whose order changes
    /// solely through their own calls (no draws per sort) implement it;
    /// the default says "not supported" and the allocator uses `sort`.
    fn first_where(&mut self, _pred: &mut dyn FnMut(ClientId) -> bool) -> Option<Option<ClientId>> {
        None
    }
    /// The slots the client holds changed by `delta_slots`. Called only
    /// for policies whose [`Policy::slots_per_agent`] is set: the
    /// allocator counts slots per agent (it sees agents, a sorter does
    /// not) and tells both the role sorter and the framework sorter.
    fn slots(&mut self, _client: ClientId, _delta_slots: i64) {}
}

/// A client's pending work, as a policy may see it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Demand {
    /// Resources of the next task to run.
    pub task: Res,
    /// When that task was submitted.
    pub submit_us: Micros,
    /// Its duration (None: forever).
    pub duration_us: Option<Micros>,
    /// Tasks waiting in total.
    pub pending: u64,
    /// Priority of the next task (framework's, or its job's).
    pub priority: i64,
    /// Order in which the framework registered (0 first).
    pub registered: u32,
}

/// What a sorter is built with.
#[derive(Clone, Debug)]
pub struct SorterConfig {
    pub level: Level,
    pub tie_break: TieBreak,
    /// `[allocator.POLICY]` parameters of the scenario.
    pub params: BTreeMap<String, f64>,
    /// For a framework sorter, the role whose frameworks it orders (None
    /// for the role sorter), so that per-role settings (a queue's
    /// capacity) can reach it.
    pub role: Option<String>,
}

/// How a policy places a picked task in tasks mode, when it has its own
/// rule (otherwise the scenario's `placement` applies).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlacementRule {
    /// DRFH's Best-Fit: the agent whose free vector is closest in shape to
    /// the task's demand (both normalised by cluster totals, each scaled
    /// to sum 1; least L1 distance; ties by lowest agent index).
    ShapeBestFit,
    /// Tetris's alignment: the largest dot product of free and demand,
    /// both normalised by the agent's capacity.
    Alignment,
}

/// An allocation policy, as the allocator sees it: a factory of sorters.
///
/// Each run builds its own policy; a policy must be a pure function of its
/// inputs and the [`Rng`] it is handed (no clock, no I/O, no hash-order).
pub trait Policy: Send {
    /// The name users type (`drf`, `random`).
    fn name(&self) -> &'static str;
    /// Builds a sorter for one level. `rng` is this sorter's own stream.
    fn sorter(&self, config: &SorterConfig, rng: Rng) -> Box<dyn Sorter>;
    /// The modes the policy supports.
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Offers, Mode::Tasks]
    }
    /// True if its sorters need [`Sorter::demand`] calls.
    fn wants_demand(&self) -> bool {
        false
    }
    /// Its own placement rule in tasks mode, if any.
    fn placement(&self) -> Option<PlacementRule> {
        None
    }
    /// True if the order of a sorter's active clients never depends on
    /// its inactive ones (DRF's: each client's place comes from its own
    /// share, count and name). Tasks mode then keeps frameworks with
    /// nothing pending out of the sort, so a pick walks only frameworks
    /// that have work, however many are idle.
    fn order_ignores_inactive(&self) -> bool {
        false
    }
    /// Tasks mode: whether, and by which rule, a task that fits nowhere
    /// may evict running tasks, given the policy's `[allocator.NAME]`
    /// parameters. The allocator does the evicting.
    fn preemption(&self, _params: &std::collections::BTreeMap<String, f64>) -> Option<Preemption> {
        None
    }
    /// Some(N): every agent is cut into N equal slots (a slot is the
    /// agent's total / N, per resource) and a task takes
    /// `ceil(max_r demand_r / slot_r)` of them on the agent it runs on.
    /// The allocator then counts slots per agent, admits a task in tasks
    /// mode only where its slots are free, and reports each client's
    /// slots held through [`Sorter::slots`] (see `sim/src/cluster/slots.rs`).
    fn slots_per_agent(&self, _params: &std::collections::BTreeMap<String, f64>) -> Option<u32> {
        None
    }
}

/// Which running tasks a blocked task may evict (tasks mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preemption {
    /// Borg: tasks of strictly lower priority, lowest first.
    Priority,
    /// YARN Capacity Scheduler: a queue at or under its capacity takes
    /// back from queues over theirs (never below their capacity), the most
    /// over first. Queue capacities are the `capacity.ROLE` parameters
    /// (percent; default an equal split among active queues).
    Capacity,
}
