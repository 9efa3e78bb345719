//! `drfh`: DRF for heterogeneous servers (Wang, Liang, Li, INFOCOM 2014;
//! arXiv:1308.0083).
//!
//! Progressive filling of *global* dominant shares: a client's share is
//! its largest allocation / cluster total over all agents (the same share
//! as `drf`, whose totals are already cluster-wide), so the order is the
//! DRF sorter's. What differs is placement: the picked task goes to the
//! paper's Best-Fit DRFH agent ([`PlacementRule::ShapeBestFit`]), whatever
//! the scenario's `placement` says. Tasks mode only: in offers mode the
//! framework, not the allocator, places tasks.

use sim::rng::Rng;
use sim::sorter::{PlacementRule, Policy, Sorter, SorterConfig};
use sim::spec::Mode;

use crate::drf::DrfSorter;

pub struct Drfh;

impl Policy for Drfh {
    fn name(&self) -> &'static str {
        "drfh"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(DrfSorter::with_config(config))
    }
    fn modes(&self) -> &'static [Mode] {
        &[Mode::Tasks]
    }
    fn placement(&self) -> Option<PlacementRule> {
        Some(PlacementRule::ShapeBestFit)
    }
}
