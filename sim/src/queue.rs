//! The event queue: a radix heap over integer microseconds, ordered by
//! (time, class, sequence number), payloads stored inline.
//!
//! Virtual time is integer microseconds and never goes back, which is what
//! a radix heap needs: an entry sits in bucket `b` = the position of the
//! highest bit in which its time differs from the last time popped (bucket
//! 0: that very time). Popping from an empty bucket 0 takes the lowest
//! non-empty bucket, finds its smallest time and redistributes its entries
//! into lower buckets; each entry moves down at most 64 times in its life,
//! and in practice a handful, so push and pop are O(1) amortised, against
//! O(log n) cache misses for a binary heap (see docs/performance.md).
//!
//! Within one time, bucket 0 is kept sorted by (class, seq): `class`
//! encodes DESIGN.md's rule that things at one virtual time happen by kind
//! (tasks end, agents join, frameworks register, jobs arrive, scripted
//! events); `seq` is assigned at scheduling time, so equal keys pop in the
//! order they were pushed. Nothing here knows about the cluster model.

use crate::spec::Micros;

/// Bits of the order word that hold the sequence number.
const SEQ_BITS: u32 = 56;
const BUCKETS: usize = 65;

#[derive(Clone, Copy, Debug)]
struct Entry<T> {
    time_us: Micros,
    /// `class << 56 | seq`: the tie-break within one time.
    order: u64,
    item: T,
}

/// A min-queue of payloads ordered by (time, class, seq). Times pushed
/// must not be earlier than the last time popped (virtual time is
/// monotone); doing so is a bug and panics.
pub struct EventQueue<T: Copy> {
    buckets: Vec<Vec<Entry<T>>>,
    /// Bit b set: bucket b is not empty.
    occupied: u128,
    /// The last time taken out (bucket 0's time). Only `pop` moves it: the
    /// engine may look ahead with `peek_time` and then schedule something
    /// earlier than what it saw (a batch tick comes first).
    last_us: Micros,
    /// The earliest queued time, once `peek_time` computed it without
    /// popping; kept up to date by `push`, dropped by `pop`.
    peeked: Option<Micros>,
    len: usize,
    next_seq: u64,
}

impl<T: Copy> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            buckets: (0..BUCKETS).map(|_| Vec::new()).collect(),
            occupied: 0,
            last_us: 0,
            peeked: None,
            len: 0,
            next_seq: 0,
        }
    }

    /// Capacity hints do not apply to a radix heap's buckets; kept for
    /// callers that know their size.
    pub fn with_capacity(_n: usize) -> Self {
        Self::new()
    }

    #[inline(always)]
    fn bucket_of(&self, time_us: Micros) -> usize {
        if time_us == self.last_us {
            0
        } else {
            64 - (time_us ^ self.last_us).leading_zeros() as usize
        }
    }

    /// Schedules `item` at `time_us` in `class` (0..=255).
    #[inline]
    pub fn push(&mut self, time_us: Micros, class: u8, item: T) {
        assert!(
            time_us >= self.last_us,
            "event scheduled in the past: {time_us} < {}",
            self.last_us
        );
        let seq = self.next_seq;
        self.next_seq += 1;
        debug_assert!(seq < (1u64 << SEQ_BITS), "sequence numbers exhausted");
        let e = Entry {
            time_us,
            order: (class as u64) << SEQ_BITS | seq,
            item,
        };
        let b = self.bucket_of(time_us);
        if b == 0 {
            // Bucket 0 is sorted by order, largest first (popped from the
            // back); a new entry has the largest seq, so it goes after the
            // entries of higher classes.
            let v = &mut self.buckets[0];
            let pos = v.iter().position(|x| x.order < e.order).unwrap_or(v.len());
            v.insert(pos, e);
        } else {
            self.buckets[b].push(e);
        }
        self.occupied |= 1u128 << b;
        self.len += 1;
        if let Some(p) = self.peeked {
            self.peeked = Some(p.min(time_us));
        }
    }

    /// Makes bucket 0 hold the earliest time, if anything is queued.
    #[inline]
    fn refill(&mut self) {
        if self.occupied & 1 != 0 || self.occupied == 0 {
            return;
        }
        let i = self.occupied.trailing_zeros() as usize;
        let mut v = std::mem::take(&mut self.buckets[i]);
        let min = v.iter().map(|e| e.time_us).min().expect("occupied bucket");
        self.last_us = min;
        self.occupied &= !(1u128 << i);
        for e in v.drain(..) {
            let b = self.bucket_of(e.time_us);
            self.buckets[b].push(e);
            self.occupied |= 1u128 << b;
        }
        self.buckets[i] = v;
        self.buckets[0].sort_unstable_by_key(|e| std::cmp::Reverse(e.order));
    }

    /// The time of the earliest item, without moving the heap's base.
    #[inline]
    pub fn peek_time(&mut self) -> Option<Micros> {
        if self.occupied == 0 {
            return None;
        }
        if self.occupied & 1 != 0 {
            return Some(self.last_us);
        }
        if self.peeked.is_none() {
            let i = self.occupied.trailing_zeros() as usize;
            self.peeked = self.buckets[i].iter().map(|e| e.time_us).min();
        }
        self.peeked
    }

    /// Removes and returns the earliest item with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(Micros, T)> {
        self.peeked = None;
        self.refill();
        let e = self.buckets[0].pop()?;
        if self.buckets[0].is_empty() {
            self.occupied &= !1;
        }
        self.len -= 1;
        Some((e.time_us, e.item))
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_class_then_push_order() {
        let mut q = EventQueue::new();
        q.push(5, 1, 'b');
        q.push(5, 0, 'a');
        q.push(3, 4, 'f');
        q.push(5, 1, 'c');
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, vec![(3, 'f'), (5, 'a'), (5, 'b'), (5, 'c')]);
    }

    #[test]
    fn peeking_ahead_then_scheduling_earlier_is_fine() {
        // The engine peeks (20) but then runs a batch tick at 16 and
        // schedules something at 17: that must come out first.
        let mut q = EventQueue::new();
        q.push(20, 0, 'x');
        assert_eq!(q.peek_time(), Some(20));
        q.push(17, 0, 'y');
        assert_eq!(q.peek_time(), Some(17));
        assert_eq!(q.pop(), Some((17, 'y')));
        assert_eq!(q.pop(), Some((20, 'x')));
    }

    #[test]
    fn matches_a_sorted_reference_on_many_items() {
        // A seeded mix of pushes and pops against a sorted Vec model.
        let mut rng = crate::rng::Rng::new(3, crate::rng::Stream::Workload);
        let mut q = EventQueue::new();
        let mut model: Vec<(u64, u8, u64)> = Vec::new();
        let mut seq = 0u64;
        let mut now = 0u64;
        for _ in 0..20_000 {
            if rng.below(5) == 0 {
                // Peeking never changes what comes out.
                let want = model.iter().map(|m| m.0).min();
                assert_eq!(q.peek_time(), want);
            }
            if rng.below(3) > 0 || model.is_empty() {
                let t = now + rng.below(50);
                let class = rng.below(3) as u8;
                q.push(t, class, seq);
                model.push((t, class, seq));
                seq += 1;
            } else {
                model.sort();
                let want = model.remove(0);
                let (t, item) = q.pop().expect("non-empty");
                assert_eq!((t, item), (want.0, want.2));
                now = t;
            }
        }
    }
}
