//! Allocation policies, one per file, behind `sim::sorter::Policy`.
//!
//! [`build`] is the registry: the one place that maps the names users type
//! to implementations. [`ALL`] lists them with a one-line description for
//! `mesosim policies`.

pub mod drf;
pub mod random;

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
