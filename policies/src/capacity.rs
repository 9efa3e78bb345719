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
//! registration order, then name), but a user at or above the user limit
//! comes after every user below it. The limit is relative to the queue,
//! as YARN's `LeafQueue.computeUserLimit` computes it (reference 4.2):
//! `current = capacity` while the queue uses less than its capacity, else
//! `used + required` (the user's next task); `limit = max(current /
//! active users, current × minimum_user_limit_percent / 100)`, all as
//! dominant shares of the cluster (`DominantResourceCalculator`). Active
//! users are those with pending work.
//!
//! Parameters, `[allocator.capacity]` (until the core hands role settings
//! to sorters, see docs/policies.md): `"capacity.ROLE" = P`,
//! `"max_capacity.ROLE" = P` (percent; defaults: an equal split of 100
//! among the queues, and 100), `"minimum_user_limit_percent.ROLE" = P`
//! (per queue, as `[[roles]] minimum_user_limit_percent` sets it), or
//! `minimum_user_limit_percent = P` for every queue without its own
//! (default 100, i.e. plain FIFO). `preemption = 1`
//! (off by default, as in YARN): in tasks mode a queue at or under its
//! capacity takes resources back from queues over theirs
//! (`sim::sorter::Preemption::Capacity`).

use std::collections::BTreeMap;

use sim::resources::{dominant_share, Res};
use sim::rng::Rng;
use sim::sorter::{ClientId, Level, Policy, Sorter, SorterConfig};

use crate::keyed::{read, Client, Key, KeyRule, KeyedSorter, Shared};

pub struct QueueRule {
    params: BTreeMap<String, f64>,
    /// Active queues (for the default equal split), also written to the
    /// policy's shared state for the framework sorters' user limits.
    queues: usize,
    shared_queues: Shared<usize>,
}

/// A queue's capacity as a fraction of the cluster: `capacity.ROLE`
/// percent, else an equal split of 100 among the `queues` active queues.
fn queue_capacity(params: &BTreeMap<String, f64>, path: &str, queues: usize) -> f64 {
    params
        .get(&format!("capacity.{path}"))
        .copied()
        .unwrap_or(100.0 / queues.max(1) as f64)
        / 100.0
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
        queue_capacity(&self.params, path, self.queues)
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
        *self.shared_queues.lock().expect("policy state lock") = self.queues;
    }
    fn eligible(&self, _id: ClientId, c: &Client, total: &Res) -> bool {
        dominant_share(&c.alloc, total) < self.percent("max_capacity", &c.path, 100.0)
    }
}

/// Relative slack when comparing a user's share with the limit: both are
/// products and quotients of doubles (12/120 against 0.5 × 0.2), and "at
/// the limit" must count as at it.
const LIMIT_SLACK: f64 = 1e-12;

pub struct UserRule {
    /// `minimum_user_limit_percent / 100`.
    mulp: f64,
    /// The queue (role) these users belong to, and the parameters that
    /// give its capacity.
    queue: Option<String>,
    params: BTreeMap<String, f64>,
    /// Active queues, as the role sorter last counted them.
    shared_queues: Shared<usize>,
    /// Set at the start of every sort: the queue's charge (all its
    /// users), its capacity (fraction of the cluster) and its active users.
    queue_used: Res,
    queue_cap: f64,
    users: usize,
}

impl UserRule {
    /// The user limit (a dominant share of the cluster) for a user whose
    /// next task is `required`.
    fn limit(&self, required: &Res, total: &Res) -> f64 {
        let used = dominant_share(&self.queue_used, total);
        let current = if used < self.queue_cap {
            self.queue_cap
        } else {
            dominant_share(&self.queue_used.plus(required), total)
        };
        current * (1.0 / self.users.max(1) as f64).max(self.mulp)
    }
}

impl KeyRule for UserRule {
    fn key(&self, _id: ClientId, c: &Client, _total: &Res) -> Key {
        match &c.demand {
            Some(d) => [0.0, d.submit_us as f64, d.registered as f64],
            None => [1.0, 0.0, 0.0],
        }
    }
    /// Band 0: pending work, under the limit; 1: pending work, at or over
    /// it; 2: nothing pending.
    fn band(&self, _id: ClientId, c: &Client, total: &Res) -> u8 {
        match &c.demand {
            Some(d) => {
                let limit = self.limit(&d.task, total);
                u8::from(dominant_share(&c.alloc, total) >= limit * (1.0 - LIMIT_SLACK))
            }
            None => 2,
        }
    }
    fn bands(&self) -> u8 {
        3
    }
    fn before_sort(&mut self, clients: &[Option<Client>], _total: &Res) {
        let mut used = Res::ZERO;
        let mut users = 0usize;
        for c in clients.iter().flatten() {
            used.add(&c.alloc);
            if c.active && c.demand.is_some() {
                users += 1;
            }
        }
        self.queue_used = used;
        self.users = users;
        self.queue_cap = match &self.queue {
            Some(q) => queue_capacity(&self.params, q, read(&self.shared_queues)),
            None => 1.0,
        };
    }
}

/// `capacity`; its sorters share the count of active queues (the role
/// sorter's), which the default equal split of capacities needs.
#[derive(Default)]
pub struct Capacity {
    queues: Shared<usize>,
}

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
                    shared_queues: self.queues.clone(),
                },
            )),
            Level::Frameworks => {
                // The queue's own value, else one for every queue, else
                // 100 (plain FIFO).
                let own = config.role.as_ref().and_then(|q| {
                    config
                        .params
                        .get(&format!("minimum_user_limit_percent.{q}"))
                });
                let mulp = own
                    .or_else(|| config.params.get("minimum_user_limit_percent"))
                    .copied()
                    .unwrap_or(100.0)
                    / 100.0;
                Box::new(KeyedSorter::new(
                    config,
                    UserRule {
                        mulp,
                        queue: config.role.clone(),
                        params: config.params.clone(),
                        shared_queues: self.queues.clone(),
                        queue_used: Res::ZERO,
                        queue_cap: 1.0,
                        users: 1,
                    },
                ))
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
