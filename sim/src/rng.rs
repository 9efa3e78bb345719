//! Seeded random streams, one per purpose.
//!
//! Each purpose gets its own ChaCha8 stream derived from the scenario seed
//! and the purpose's fixed stream number, so drawing more from one purpose
//! (say, faults) never shifts another (the workload). Only integer draws
//! and a documented float helper are exposed, so results do not depend on
//! `rand`'s distribution algorithms.

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The purposes that draw randomness. The discriminant is the ChaCha stream
/// number: never reorder, only append.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    Workload = 0,
    Faults = 1,
    Frameworks = 2,
    /// Agent visit order in offers mode (Mesos's `std::random_shuffle`).
    AgentOrder = 3,
    /// Policies that draw (the random sorter).
    Policy = 4,
    /// Registration backoff draws of agents and schedulers after a fault
    /// or a master failover (only runs with faults draw from it).
    Failover = 5,
    /// What-if transforms (`[whatif]`): job thinning, duplication and
    /// sampling, agent removal. Read by random access ([`Rng::at`]).
    Whatif = 6,
    /// Isolator accounting: each task's usage draws (one sub-stream per
    /// task, see [`Rng::for_item`]).
    Usage = 7,
    /// Synthetic workloads (`[workload] synthetic`): each job's draws at
    /// a fixed position keyed by its ordinal ([`Rng::at`]).
    Synthetic = 8,
    /// Message delays with `[network] jitter`.
    Network = 9,
}

/// A deterministic generator for one purpose.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: ChaCha8Rng,
}

impl Rng {
    pub fn new(seed: u64, stream: Stream) -> Rng {
        Self::with_stream(seed, stream as u64)
    }

    /// A generator on an explicit stream number (for sub-streams such as
    /// one per sorter instance).
    pub fn with_stream(seed: u64, stream: u64) -> Rng {
        let mut inner = ChaCha8Rng::seed_from_u64(seed);
        inner.set_stream(stream);
        Rng { inner }
    }

    /// The generator positioned at the `index`-th u64 of `stream`: the
    /// draws from there are the same whatever was drawn before, so a
    /// decision keyed by an item's ordinal does not depend on how items
    /// are batched or in which order they are looked at.
    pub fn at(seed: u64, stream: Stream, index: u64) -> Rng {
        let mut r = Rng::new(seed, stream);
        // ChaCha words are 32 bits: one u64 is two of them.
        r.inner.set_word_pos(index as u128 * 2);
        r
    }

    /// A generator for one item (a task id) of a purpose: its own ChaCha
    /// stream, numbered `(purpose << 48) | item`, so that an item's draws
    /// depend neither on the order in which items draw nor on any other
    /// purpose (the sub-streams of `Policy` are numbered below 2^48).
    pub fn for_item(seed: u64, stream: Stream, item: u64) -> Rng {
        Self::with_stream(seed, ((stream as u64) << 48) | (item & ((1 << 48) - 1)))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in `0..n` without modulo bias (Lemire's method); n > 0.
    pub fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        loop {
            let x = self.inner.next_u64();
            let m = (x as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Uniform in [0, 1) with 53 bits.
    pub fn unit_f64(&mut self) -> f64 {
        (self.inner.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Exponential with the given mean, rounded to whole µs (at least 1).
    pub fn exp_us(&mut self, mean_us: u64) -> u64 {
        // 1 - u is in (0, 1], so the logarithm is finite.
        let u = 1.0 - self.unit_f64();
        let x = -(mean_us as f64) * u.ln();
        x.round().clamp(1.0, (u64::MAX / 4) as f64) as u64
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        let n = items.len();
        for i in (1..n).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_independent_and_repeatable() {
        let mut a = Rng::new(7, Stream::Workload);
        let mut b = Rng::new(7, Stream::Workload);
        let mut c = Rng::new(7, Stream::Faults);
        let xa: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..4).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..4).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn at_is_random_access_into_the_stream() {
        let mut a = Rng::new(3, Stream::Whatif);
        let seq: Vec<u64> = (0..10).map(|_| a.next_u64()).collect();
        for (i, x) in seq.iter().enumerate() {
            assert_eq!(Rng::at(3, Stream::Whatif, i as u64).next_u64(), *x);
        }
        assert_ne!(
            Rng::at(3, Stream::Whatif, 0).next_u64(),
            Rng::at(3, Stream::Workload, 0).next_u64()
        );
    }

    #[test]
    fn below_stays_in_range() {
        let mut r = Rng::new(1, Stream::Policy);
        for n in 1..50u64 {
            assert!(r.below(n) < n);
        }
    }
}
