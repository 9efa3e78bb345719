//! `capacity`: YARN's Capacity Scheduler (reference 4.2): roles are
//! queues with a guaranteed `capacity` and an elastic ceiling
//! `max_capacity` (percent of the cluster); frameworks are the queue's
//! users, served first come first served within a user limit.
//!
//! Role order: the queue most under its capacity first (dominant share of
//! its allocation / capacity, as with `DominantResourceCalculator`), then
//! allocation count, then name. A queue at or above its `max_capacity` is
//! left out of `sort` (it is offered nothing until it drops below; the
//! ceiling is enforced at the granularity of one charge). Elasticity: a
//! queue above its capacity still gets what queues below it do not take.
//!
//! Users: FIFO by the submission time of their next task (then
//! registration order, then name), but a user at or above the user limit,
//! `max(1 / active users, minimum_user_limit_percent / 100)` of the
//! cluster, comes after every user below it.
//!
//! Parameters, `[allocator.capacity]` (until the core hands role settings
//! to sorters, see docs/policies.md): `"capacity.ROLE" = P`,
//! `"max_capacity.ROLE" = P` (percent; defaults: an equal split of 100
//! among the queues, and 100), `minimum_user_limit_percent = P` (one
//! value for every queue; default 100, i.e. plain FIFO). `preemption = 1`
//! (off by default, as in YARN): in tasks mode a queue at or under its
//! capacity takes resources back from queues over theirs
//! (`sim::sorter::Preemption::Capacity`).

use std::collections::BTreeMap;

use sim::resources::{dominant_share, Res};
use sim::rng::Rng;
use sim::sorter::{ClientId, Level, Policy, Sorter, SorterConfig};

use crate::keyed::{Client, Key, KeyRule, KeyedSorter};

pub struct QueueRule {
    params: BTreeMap<String, f64>,
    /// Active queues (for the default equal split).
    queues: usize,
}

impl QueueRule {
    fn percent(&self, key: &str, path: &str, default: f64) -> f64 {
        self.params
            .get(&format!("{key}.{path}"))
            .copied()
            .unwrap_or(default)
            / 100.0
    }
    fn capacity(&self, path: &str) -> f64 {
        self.percent("capacity", path, 100.0 / self.queues.max(1) as f64)
    }
}

impl KeyRule for QueueRule {
    fn key(&self, _id: ClientId, c: &Client, total: &Res) -> Key {
        let used = dominant_share(&c.alloc, total);
        let cap = self.capacity(&c.path);
        let ratio = if cap > 0.0 { used / cap } else { f64::INFINITY };
        [ratio, 0.0, 0.0]
    }
    fn prepare(&mut self, clients: &[Option<Client>], _total: &Res) {
        self.queues = clients.iter().flatten().filter(|c| c.active).count();
    }
    fn eligible(&self, _id: ClientId, c: &Client, total: &Res) -> bool {
        dominant_share(&c.alloc, total) < self.percent("max_capacity", &c.path, 100.0)
    }
}

pub struct UserRule {
    mulp: f64,
    /// Limit as a share of the cluster, set at `prepare`.
    limit: f64,
}

impl KeyRule for UserRule {
    fn key(&self, _id: ClientId, c: &Client, total: &Res) -> Key {
        match &c.demand {
            Some(d) => {
                let over = dominant_share(&c.alloc, total) >= self.limit;
                [
                    if over { 1.0 } else { 0.0 },
                    d.submit_us as f64,
                    d.registered as f64,
                ]
            }
            None => [2.0, 0.0, 0.0],
        }
    }
    fn prepare(&mut self, clients: &[Option<Client>], _total: &Res) {
        let k = clients
            .iter()
            .flatten()
            .filter(|c| c.active && c.demand.is_some())
            .count()
            .max(1);
        self.limit = (1.0 / k as f64).max(self.mulp);
    }
    fn global_demand(&self) -> bool {
        true
    }
}

pub struct Capacity;

impl Policy for Capacity {
    fn name(&self) -> &'static str {
        "capacity"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        match config.level {
            Level::Roles => Box::new(KeyedSorter::new(
                config,
                QueueRule {
                    params: config.params.clone(),
                    queues: 1,
                },
            )),
            Level::Frameworks => {
                let mulp = config
                    .params
                    .get("minimum_user_limit_percent")
                    .copied()
                    .unwrap_or(100.0)
                    / 100.0;
                Box::new(KeyedSorter::new(config, UserRule { mulp, limit: 1.0 }))
            }
        }
    }
    fn wants_demand(&self) -> bool {
        true
    }
    /// Off unless `[allocator.capacity] preemption = 1` (YARN's default).
    fn preemption(
        &self,
        params: &std::collections::BTreeMap<String, f64>,
    ) -> Option<sim::sorter::Preemption> {
        params
            .get("preemption")
            .is_some_and(|v| *v != 0.0)
            .then_some(sim::sorter::Preemption::Capacity)
    }
}
