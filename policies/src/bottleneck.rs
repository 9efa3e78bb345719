//! `bottleneck`: bottleneck fairness (Ghodsi et al., NSDI 2011, section
//! 3, property 6).
//!
//! Where one resource is the most demanded (relative to the cluster
//! total) by every client with pending work, clients are ordered by
//! max-min on that resource alone: `allocation_b / total_b / weight`.
//! Where no single bottleneck exists (clients' dominant resources differ,
//! or nobody has pending work) the fallback is DRF's order (dominant share
//! / weight). Ties: allocation count, then name.
//!
//! DRF's share equals the bottleneck share whenever the bottleneck exists
//! and allocations follow the demand shapes, which is why DRF has the
//! bottleneck-fairness property (tests/policies.rs checks both give the
//! same allocation).

use sim::resources::{dominant_share, Res};
use sim::rng::Rng;
use sim::sorter::{ClientId, Policy, Sorter, SorterConfig};

use crate::keyed::{dominant_resource, frac, Client, Key, KeyRule, KeyedSorter};

#[derive(Default)]
pub struct BottleneckRule {
    /// The common dominant resource of every client with demand, if one.
    pub bottleneck: Option<usize>,
}

impl KeyRule for BottleneckRule {
    fn key(&self, _id: ClientId, c: &Client, total: &Res) -> Key {
        let share = match self.bottleneck {
            Some(b) => frac(c.alloc.0[b], total.0[b]),
            None => dominant_share(&c.alloc, total),
        };
        [share / c.weight, 0.0, 0.0]
    }
    fn prepare(&mut self, clients: &[Option<Client>], total: &Res) {
        let mut common: Option<Option<usize>> = None;
        let mut ok = true;
        for c in clients.iter().flatten() {
            if !c.active {
                continue;
            }
            let Some(d) = &c.demand else { continue };
            let r = dominant_resource(&d.task, total);
            match common {
                None => common = Some(r),
                Some(x) if x == r => {}
                Some(_) => ok = false,
            }
        }
        self.bottleneck = if ok { common.flatten() } else { None };
    }
    fn global_demand(&self) -> bool {
        true
    }
}

pub struct Bottleneck;

impl Policy for Bottleneck {
    fn name(&self) -> &'static str {
        "bottleneck"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(KeyedSorter::new(config, BottleneckRule::default()))
    }
    fn wants_demand(&self) -> bool {
        true
    }
}
