//! mesosim's deterministic core.
//!
//! - [`resources`]: integer resource vectors in Mesos's fixed point.
//! - [`spec`]: the validated scenario model.
//! - [`queue`], [`rng`]: the discrete-event engine's queue and seeded streams.
//! - [`sorter`]: the policy boundary (Mesos's Sorter interface).
//! - [`cluster`]: master, allocator, agents and framework models as a
//!   state machine driven by the engine in [`engine`].
//! - [`isolation`]: isolator accounting on the agents (usage, cpu
//!   sharing and CFS, OOM), a side table of the cluster.
//! - [`record`]: what a run produces, for `reports` to write.
//!
//! No I/O, no wall clock, no threads, no OS randomness in this crate.

pub mod cluster;
pub mod engine;
pub mod isolation;
pub mod queue;
pub mod record;
pub mod resources;
pub mod rng;
pub mod sorter;
pub mod spec;
