//! Allocation policies, one per file, behind `sim::sorter::Policy`.
//!
//! [`build`] is the registry: the one place that maps the names users type
//! to implementations. [`ALL`] lists them with a one-line description for
//! `mesosim policies`.

pub mod asset;
pub mod bottleneck;
pub mod capacity;
pub mod ceei;
pub mod drf;
pub mod drfh;
pub mod fifo;
pub mod hdrf;
pub mod keyed;
pub mod priority;
pub mod random;
pub mod slots;
pub mod tetris;

use sim::rng::Rng;
use sim::sorter::{Policy, Sorter, SorterConfig};

/// Every policy: (name, one-line description).
pub const ALL: &[(&str, &str)] = &[
    (
        "drf",
        "Dominant Resource Fairness exactly as Mesos's DRF sorter (weighted, hierarchical roles)",
    ),
    (
        "random",
        "Mesos's random sorter: a weighted random order of roles and frameworks on every sort",
    ),
    (
        "asset",
        "Asset fairness (DRF paper 5.1): max-min on the sum of resource shares, weighted",
    ),
    (
        "fifo",
        "First come first served across all frameworks, by submission time of the next task",
    ),
    (
        "priority",
        "Borg-style priority bands (higher first), DRF within a band; preempts lower bands (tasks mode)",
    ),
    (
        "bottleneck",
        "Bottleneck fairness: max-min on the common dominant resource, else DRF",
    ),
    (
        "drfh",
        "DRF for heterogeneous servers: global dominant shares, Best-Fit DRFH placement (tasks mode)",
    ),
    (
        "hdrf",
        "Hierarchical DRF (SoCC 2013): blocked nodes, rescaling to the least non-blocked share",
    ),
    (
        "ceei",
        "CEEI: Eisenberg-Gale fluid equilibrium targets, whole tasks to the furthest below",
    ),
    (
        "slots",
        "Hadoop Fair Scheduler: max-min on fixed slots, [allocator.slots] per_agent = N",
    ),
    (
        "capacity",
        "YARN Capacity Scheduler: queues by capacity/max_capacity, FIFO users with a user limit, optional preemption",
    ),
    (
        "tetris",
        "Tetris packing: alignment placement, shortest remaining work, fairness knob (tasks mode)",
    ),
];

/// The names of every policy.
pub fn names() -> Vec<&'static str> {
    ALL.iter().map(|(n, _)| *n).collect()
}

/// An unknown policy name, with the known ones for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPolicy(pub String);

impl std::fmt::Display for UnknownPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "unknown policy `{}` (known: {})",
            self.0,
            names().join(", ")
        )
    }
}

impl std::error::Error for UnknownPolicy {}

/// Builds the policy called `name`.
pub fn build(name: &str) -> Result<Box<dyn Policy>, UnknownPolicy> {
    match name {
        "drf" => Ok(Box::new(Drf)),
        "random" => Ok(Box::new(Random)),
        "asset" => Ok(Box::new(asset::Asset)),
        "fifo" => Ok(Box::new(fifo::Fifo)),
        "priority" => Ok(Box::new(priority::Priority)),
        "bottleneck" => Ok(Box::new(bottleneck::Bottleneck)),
        "drfh" => Ok(Box::new(drfh::Drfh)),
        "hdrf" => Ok(Box::new(hdrf::Hdrf::default())),
        "ceei" => Ok(Box::new(ceei::Ceei)),
        "slots" => Ok(Box::new(slots::Slots)),
        "capacity" => Ok(Box::new(capacity::Capacity::default())),
        "tetris" => Ok(Box::new(tetris::Tetris)),
        other => Err(UnknownPolicy(other.to_string())),
    }
}

/// `drf`: DRF role sorter and DRF framework sorters (Mesos's default).
pub struct Drf;

impl Policy for Drf {
    fn name(&self) -> &'static str {
        "drf"
    }
    fn sorter(&self, config: &SorterConfig, _rng: Rng) -> Box<dyn Sorter> {
        Box::new(drf::DrfSorter::with_config(config))
    }
    fn order_ignores_inactive(&self) -> bool {
        true
    }
}

/// `random`: random role sorter and random framework sorters.
pub struct Random;

impl Policy for Random {
    fn name(&self) -> &'static str {
        "random"
    }
    fn sorter(&self, config: &SorterConfig, rng: Rng) -> Box<dyn Sorter> {
        Box::new(random::RandomSorter::new(config.level, rng))
    }
}
