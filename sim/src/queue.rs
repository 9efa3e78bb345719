//! The event queue: a binary heap keyed by (time, class, sequence number).
//!
//! Virtual time is integer microseconds. `class` encodes DESIGN.md's rule
//! that things at one virtual time happen by kind (tasks end, agents join,
//! frameworks register, jobs arrive, scripted events); `seq` is assigned
//! at scheduling time, so equal keys pop in the order they were pushed.
//! Nothing here knows about the cluster model.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::spec::Micros;

/// A queued item: its ordering key and a payload index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    time_us: Micros,
    class: u8,
    seq: u64,
}

/// A min-queue of payloads ordered by (time, class, seq).
pub struct EventQueue<T> {
    heap: BinaryHeap<Reverse<(Key, Slot)>>,
    payloads: Vec<Option<T>>,
    free: Vec<u32>,
    next_seq: u64,
}

/// Index into the payload slab; ordered only to satisfy the heap's `Ord`
/// (keys are unique, so it never decides anything).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Slot(u32);

impl<T> Default for EventQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> EventQueue<T> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            payloads: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }

    pub fn with_capacity(n: usize) -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(n),
            payloads: Vec::with_capacity(n),
            free: Vec::new(),
            next_seq: 0,
        }
    }

    /// Schedules `item` at `time_us` in `class`.
    pub fn push(&mut self, time_us: Micros, class: u8, item: T) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let slot = match self.free.pop() {
            Some(i) => {
                self.payloads[i as usize] = Some(item);
                i
            }
            None => {
                self.payloads.push(Some(item));
                (self.payloads.len() - 1) as u32
            }
        };
        self.heap.push(Reverse((
            Key {
                time_us,
                class,
                seq,
            },
            Slot(slot),
        )));
    }

    /// The time of the earliest item.
    pub fn peek_time(&self) -> Option<Micros> {
        self.heap.peek().map(|Reverse((k, _))| k.time_us)
    }

    /// Removes and returns the earliest item with its time.
    pub fn pop(&mut self) -> Option<(Micros, T)> {
        let Reverse((key, slot)) = self.heap.pop()?;
        let item = self.payloads[slot.0 as usize]
            .take()
            .expect("queued slot holds its payload");
        self.free.push(slot.0);
        Some((key.time_us, item))
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_time_then_class_then_push_order() {
        let mut q = EventQueue::new();
        q.push(5, 1, "b");
        q.push(5, 0, "a");
        q.push(3, 4, "first");
        q.push(5, 1, "c");
        let got: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(got, vec![(3, "first"), (5, "a"), (5, "b"), (5, "c")]);
    }
}
