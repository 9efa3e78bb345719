//! `asset`: asset fairness (Ghodsi et al., NSDI 2011, section 5.1).
//!
//! Equal shares of different resources are worth the same: a client's
//! aggregate share is `Σ_r allocation_r / total_r` (resources with a
//! positive cluster total), divided by its weight, and clients are served
//! lowest aggregate share first (max-min on aggregates). The tree, the
//! tie-break and the incremental repair are those of [`crate::drf`]; only
//! the share function differs.

use sim::resources::{Res, MAX_RES};
use sim::rng::Rng;
use sim::sorter::{Policy, Sorter, SorterConfig};

use crate::drf::DrfSorter;
use crate::keyed::frac;

/// `Σ_r alloc_r / total_r`, summed in resource order.
pub fn asset_share(alloc: &Res, total: &Res) -> f64 {
    let mut s = 0.0;
    for r in 0..MAX_RES {
        s += frac(alloc.0[r], total.0[r]);
    }
    s
}

pub struct Asset;

impl Policy for Asset {
    fn name(&self) -> &'static str {
        "asset"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(DrfSorter::with_share(config, asset_share))
    }
    fn order_ignores_inactive(&self) -> bool {
        true
    }
}
