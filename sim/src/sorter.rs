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

use crate::resources::Res;
use crate::rng::Rng;

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
}

/// An allocation policy, as the allocator sees it: a factory of sorters.
///
/// Each run builds its own policy; a policy must be a pure function of its
/// inputs and the [`Rng`] it is handed (no clock, no I/O, no hash-order).
pub trait Policy: Send {
    /// The name users type (`drf`, `random`).
    fn name(&self) -> &'static str;
    /// Builds a sorter for one level. `rng` is this sorter's own stream.
    fn sorter(&self, level: Level, rng: Rng) -> Box<dyn Sorter>;
}
