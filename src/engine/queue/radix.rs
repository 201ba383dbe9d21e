//! A radix heap over integer times (Ahuja, Mehlhorn,
//! Orlin and Tarjan), ordered by (time, sequence).
//!
//! A discrete-event simulation never schedules into the past, so keys are
//! monotone and a radix heap applies: bucket `b` holds the events whose time
//! differs from the last popped time first in bit `b − 1` (bucket 0: equal
//! times). A push is O(1); a pop that finds bucket 0 empty redistributes the
//! smallest non-empty bucket, and each event moves down at most 64 times.
//! Unlike a binary heap, its cost barely grows with the number of pending
//! events, which keeps 10,000-node models as cheap per event as small ones.
//!
//! Equal times pop first-in, first-out: events enter bucket 0 either by a
//! push (appended after everything there) or by a redistribution, which keeps
//! the relative order of a bucket, so every bucket stays in scheduling order.

use super::{Event, FutureEvents};
use crate::model::Micros;

const N_BUCKETS: usize = 65;

pub struct RadixHeap {
    buckets: [Vec<Event>; N_BUCKETS],
    /// Events of bucket 0 before this index have been popped.
    front: usize,
    /// The time of the last pop; no event may be scheduled before it.
    last: Micros,
    len: usize,
    /// Bit `b − 1` is set when bucket `b` (1..=64) may be non-empty.
    occupied: u64,
}

impl Clone for RadixHeap {
    fn clone(&self) -> Self {
        RadixHeap {
            buckets: self.buckets.clone(),
            front: self.front,
            last: self.last,
            len: self.len,
            occupied: self.occupied,
        }
    }

    /// Reuses the buckets' memory (rare-event copies).
    fn clone_from(&mut self, src: &Self) {
        for (b, s) in self.buckets.iter_mut().zip(&src.buckets) {
            b.clone_from(s);
        }
        self.front = src.front;
        self.last = src.last;
        self.len = src.len;
        self.occupied = src.occupied;
    }
}

impl Default for RadixHeap {
    fn default() -> Self {
        RadixHeap {
            buckets: std::array::from_fn(|_| Vec::new()),
            front: 0,
            last: 0,
            len: 0,
            occupied: 0,
        }
    }
}

/// The occupancy bit of bucket `b`; bucket 0 has none.
#[inline]
fn bit(b: usize) -> u64 {
    if b == 0 { 0 } else { 1u64 << (b - 1) }
}

#[inline]
fn bucket_of(time: Micros, last: Micros) -> usize {
    (u64::BITS - (time ^ last).leading_zeros()) as usize
}

impl FutureEvents for RadixHeap {
    fn with_capacity(capacity: usize) -> Self {
        let mut queue = RadixHeap::default();
        queue.buckets[0].reserve(capacity.min(1024));
        queue
    }

    fn len(&self) -> usize {
        self.len
    }

    /// Schedules `payload` at `time` (not before the last popped time),
    /// after everything already scheduled at that time.
    #[inline]
    fn push(&mut self, time: Micros, payload: u64) {
        debug_assert!(time >= self.last, "an event was scheduled in the past");
        let time = time.max(self.last);
        let b = bucket_of(time, self.last);
        self.buckets[b].push(Event { time, payload });
        self.occupied |= bit(b);
        self.len += 1;
    }

    #[inline]
    fn pop_until(&mut self, until: Micros) -> Option<Event> {
        if self.front == self.buckets[0].len() {
            self.refill()?;
        }
        let event = self.buckets[0][self.front];
        if event.time > until {
            return None;
        }
        self.front += 1;
        self.len -= 1;
        Some(event)
    }

    /// Every bucket filtered in place order (bucket 0 from its front), so
    /// equal times keep their first-in, first-out order.
    fn clone_retaining(&mut self, src: &Self, mut keep: impl FnMut(&Event) -> bool) {
        self.len = 0;
        self.occupied = 0;
        for (b, (dst, from)) in self.buckets.iter_mut().zip(&src.buckets).enumerate() {
            dst.clear();
            let pending = if b == 0 { &from[src.front..] } else { from };
            dst.extend(pending.iter().copied().filter(|e| keep(e)));
            self.len += dst.len();
            // Exact occupancy: `refill` takes an occupied bucket to be non-empty.
            if !dst.is_empty() {
                self.occupied |= bit(b);
            }
        }
        self.front = 0;
        self.last = src.last;
    }
}

impl RadixHeap {
    /// Moves the events of the earliest non-empty bucket down, so that
    /// bucket 0 holds those with the smallest time.
    fn refill(&mut self) -> Option<()> {
        self.buckets[0].clear();
        self.front = 0;
        if self.occupied == 0 {
            return None;
        }
        let b = self.occupied.trailing_zeros() as usize + 1;
        self.occupied &= !bit(b);
        let mut moving = std::mem::take(&mut self.buckets[b]);
        self.last = moving.iter().map(|e| e.time).min()?;
        for event in moving.drain(..) {
            let to = bucket_of(event.time, self.last);
            self.buckets[to].push(event);
            self.occupied |= bit(to);
        }
        // Give the (now empty) allocation back, so it is reused.
        self.buckets[b] = moving;
        Some(())
    }
}
