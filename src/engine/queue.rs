//! The future event list, in two implementations with the same order:
//! by time, and first-in, first-out among events at the same time.
//!
//! A binary heap is fastest while few events are pending (its depth is
//! small and it stays in cache); a radix heap keeps the cost per event
//! nearly flat as the number of pending events grows. The engine picks one
//! by the size of the model; since both give exactly the same order, the
//! choice never changes a result.

mod heap;
mod radix;

pub use heap::BinaryHeap;
pub use radix::RadixHeap;

use crate::model::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub time: Micros,
    pub payload: u64,
}

/// A future event list. Events are never scheduled before the time of the
/// last pop (a simulation does not schedule into the past).
pub trait FutureEvents {
    fn with_capacity(capacity: usize) -> Self;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Schedules `payload` at `time`, after everything already scheduled at that time.
    fn push(&mut self, time: Micros, payload: u64);
    /// Removes and returns the earliest event if it happens at or before `until`.
    fn pop_until(&mut self, until: Micros) -> Option<Event>;
    /// Makes this list a copy of `src` holding only the events `keep`
    /// accepts, which then pop in the order they would have in `src`
    /// (rare-event copies drop the events they make stale or draw afresh).
    /// `keep` sees every pending event once, in an order fixed by `src`.
    fn clone_retaining(&mut self, src: &Self, keep: impl FnMut(&Event) -> bool);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_order<Q: FutureEvents>(ops: &[(u64, bool)]) -> Result<(), TestCaseError> {
        let mut queue = Q::with_capacity(4);
        let mut reference: Vec<(u64, u64)> = Vec::new();
        let mut now = 0;
        for (seq, &(delay, is_pop)) in ops.iter().enumerate() {
            if is_pop {
                let expected = reference.iter().copied().min();
                let got = queue.pop_until(u64::MAX).map(|e| (e.time, e.payload));
                prop_assert_eq!(got, expected);
                if let Some(e) = expected {
                    now = e.0;
                    reference.retain(|x| *x != e);
                }
            } else {
                // Small delays give many equal times.
                let time = now + delay / 4;
                queue.push(time, seq as u64);
                reference.push((time, seq as u64));
            }
            prop_assert_eq!(queue.len(), reference.len());
        }
        Ok(())
    }

    proptest! {
        /// Any interleaving of pushes (never into the past) and pops yields
        /// events in time order, first-in first-out at equal times.
        #[test]
        fn both_queues_pop_in_time_then_fifo_order(ops in proptest::collection::vec((0u64..40, any::<bool>()), 1..400)) {
            check_order::<BinaryHeap>(&ops)?;
            check_order::<RadixHeap>(&ops)?;
        }
    }

    fn pop_until_leaves_later_events<Q: FutureEvents>() {
        let mut queue = Q::with_capacity(4);
        queue.push(10, 1);
        queue.push(5, 2);
        assert_eq!(queue.pop_until(7).map(|e| e.payload), Some(2));
        assert_eq!(queue.pop_until(7), None);
        assert_eq!(queue.len(), 1);
        assert_eq!(queue.pop_until(10).map(|e| e.payload), Some(1));
        queue.push(u64::MAX, 3);
        assert_eq!(queue.pop_until(u64::MAX).map(|e| e.payload), Some(3));
        assert!(queue.is_empty());
    }

    /// Pushes and pops `ops` on a queue, then copies it keeping only the
    /// even payloads: the copy pops what the original pops, minus the odd.
    fn check_retaining<Q: FutureEvents + Default>(
        ops: &[(u64, bool)],
    ) -> Result<(), TestCaseError> {
        let mut queue = Q::with_capacity(4);
        let mut now = 0;
        for (seq, &(delay, is_pop)) in ops.iter().enumerate() {
            if is_pop {
                if let Some(e) = queue.pop_until(u64::MAX) {
                    now = e.time;
                }
            } else {
                queue.push(now + delay / 4, seq as u64);
            }
        }
        let mut copy = Q::with_capacity(1);
        // A used list, so that leftovers of its own would show.
        copy.push(now, u64::MAX - 1);
        copy.clone_retaining(&queue, |e| e.payload % 2 == 0);
        let mut expected = Vec::new();
        while let Some(e) = queue.pop_until(u64::MAX) {
            if e.payload % 2 == 0 {
                expected.push((e.time, e.payload));
            }
        }
        prop_assert_eq!(copy.len(), expected.len());
        let mut got = Vec::new();
        while let Some(e) = copy.pop_until(u64::MAX) {
            got.push((e.time, e.payload));
        }
        prop_assert_eq!(got, expected);
        Ok(())
    }

    proptest! {
        /// A copy keeping some events pops them in the original's order,
        /// whatever was pushed and popped before (a popped root left vacant,
        /// events at equal times).
        #[test]
        fn a_retaining_copy_pops_in_the_original_order(ops in proptest::collection::vec((0u64..40, any::<bool>()), 1..400)) {
            check_retaining::<BinaryHeap>(&ops)?;
            check_retaining::<RadixHeap>(&ops)?;
        }
    }

    #[test]
    fn both_queues_keep_later_and_far_future_events() {
        pop_until_leaves_later_events::<BinaryHeap>();
        pop_until_leaves_later_events::<RadixHeap>();
    }
}
