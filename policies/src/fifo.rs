//! `fifo`: first come, first served across all frameworks.
//!
//! The client whose next pending task was submitted first is served first
//! (Hadoop's original FIFO scheduler, YARN's FifoScheduler). Ties go to
//! the framework that registered first, then to the name; clients with
//! nothing pending come last. Roles are ordered by their earliest head
//! task (the allocator's role demand), so the order is global across
//! roles. Weights are ignored.

use sim::resources::Res;
use sim::rng::Rng;
use sim::sorter::{ClientId, Policy, Sorter, SorterConfig};

use crate::keyed::{Client, Key, KeyRule, KeyedSorter};

pub struct FifoRule;

impl KeyRule for FifoRule {
    fn key(&self, _id: ClientId, c: &Client, _total: &Res) -> Key {
        match &c.demand {
            Some(d) => [0.0, d.submit_us as f64, d.registered as f64],
            None => [1.0, 0.0, 0.0],
        }
    }
}

pub struct Fifo;

impl Policy for Fifo {
    fn name(&self) -> &'static str {
        "fifo"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(KeyedSorter::new(config, FifoRule))
    }
    fn wants_demand(&self) -> bool {
        true
    }
}
