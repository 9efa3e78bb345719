//! `priority`: Borg-style priority bands (Verma et al., EuroSys 2015).
//!
//! A client's band is the priority of its next pending task (the job's
//! `priority`, else its framework's): higher bands are served first;
//! within a band clients are in weighted DRF order (dominant share /
//! weight, then allocation count, then name). Clients with nothing pending
//! come after every band.
//!
//! Preemption (tasks mode, on by default; `[allocator.priority]
//! preemption = 0` turns it off): a task that fits nowhere evicts running
//! tasks of strictly lower priority, lowest first; the allocator does the
//! evicting (`Policy::preemption`, `Cluster::preempt_for`).

use sim::resources::{dominant_share, Res};
use sim::rng::Rng;
use sim::sorter::{ClientId, Policy, Sorter, SorterConfig};

use crate::keyed::{Client, Key, KeyRule, KeyedSorter};

pub struct PriorityRule;

impl KeyRule for PriorityRule {
    fn key(&self, _id: ClientId, c: &Client, total: &Res) -> Key {
        let band = match &c.demand {
            Some(d) => -(d.priority as f64),
            None => f64::INFINITY,
        };
        [band, dominant_share(&c.alloc, total) / c.weight, 0.0]
    }
}

pub struct Priority;

impl Policy for Priority {
    fn name(&self) -> &'static str {
        "priority"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(KeyedSorter::new(config, PriorityRule))
    }
    fn wants_demand(&self) -> bool {
        true
    }
    fn preemption(
        &self,
        params: &std::collections::BTreeMap<String, f64>,
    ) -> Option<sim::sorter::Preemption> {
        params
            .get("preemption")
            .is_none_or(|v| *v != 0.0)
            .then_some(sim::sorter::Preemption::Priority)
    }
}
