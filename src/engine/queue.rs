//! The future event list: a binary min-heap ordered by (time, sequence).
//!
//! The sequence number is the order of scheduling, so events at equal times
//! pop first-in, first-out. Most handlers schedule a successor right after
//! popping, so `pop` leaves the root vacant and the next `push` fills it with
//! one sift-down, as in a "replace top" operation.

use crate::model::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    pub time: Micros,
    seq: u64,
    pub payload: u64,
}

impl Event {
    #[inline]
    fn before(&self, other: &Event) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

#[derive(Default)]
pub struct EventQueue {
    heap: Vec<Event>,
    next_seq: u64,
    /// The root was popped and not yet replaced.
    root_vacant: bool,
}

impl EventQueue {
    pub fn with_capacity(capacity: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(capacity),
            next_seq: 0,
            root_vacant: false,
        }
    }

    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
        self.root_vacant = false;
    }

    pub fn len(&self) -> usize {
        self.heap.len() - usize::from(self.root_vacant)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `payload` at `time`, after everything already scheduled at that time.
    #[inline]
    pub fn push(&mut self, time: Micros, payload: u64) {
        let event = Event {
            time,
            seq: self.next_seq,
            payload,
        };
        self.next_seq += 1;
        if self.root_vacant {
            self.root_vacant = false;
            self.sift_down(0, event);
        } else {
            self.heap.push(event);
            self.sift_up(self.heap.len() - 1, event);
        }
    }

    /// Removes and returns the earliest event if it happens at or before `until`.
    #[inline]
    pub fn pop_until(&mut self, until: Micros) -> Option<Event> {
        if self.root_vacant {
            self.remove_root();
        }
        let top = *self.heap.first()?;
        if top.time > until {
            return None;
        }
        self.root_vacant = true;
        Some(top)
    }

    fn remove_root(&mut self) {
        self.root_vacant = false;
        if let Some(last) = self.heap.pop()
            && !self.heap.is_empty()
        {
            self.sift_down(0, last);
        }
    }

    #[inline]
    fn sift_up(&mut self, mut hole: usize, event: Event) {
        while hole > 0 {
            let parent = (hole - 1) / 2;
            if !event.before(&self.heap[parent]) {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = event;
    }

    #[inline]
    fn sift_down(&mut self, mut hole: usize, event: Event) {
        let len = self.heap.len();
        loop {
            let left = 2 * hole + 1;
            if left >= len {
                break;
            }
            let right = left + 1;
            let child = if right < len && self.heap[right].before(&self.heap[left]) {
                right
            } else {
                left
            };
            if !self.heap[child].before(&event) {
                break;
            }
            self.heap[hole] = self.heap[child];
            hole = child;
        }
        self.heap[hole] = event;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any interleaving of pushes and pops yields events in (time, scheduling order).
        #[test]
        fn pops_in_time_then_fifo_order(ops in proptest::collection::vec((0u64..20, any::<bool>()), 1..300)) {
            let mut queue = EventQueue::default();
            let mut reference: Vec<(u64, u64)> = Vec::new();
            let mut seq = 0;
            for (time, is_pop) in ops {
                if is_pop {
                    let expected = reference.iter().copied().min();
                    let got = queue.pop_until(u64::MAX).map(|e| (e.time, e.payload));
                    prop_assert_eq!(got, expected);
                    if let Some(e) = expected {
                        reference.retain(|x| *x != e);
                    }
                } else {
                    queue.push(time, seq);
                    reference.push((time, seq));
                    seq += 1;
                }
                prop_assert_eq!(queue.len(), reference.len());
            }
        }
    }

    #[test]
    fn pop_until_leaves_later_events() {
        let mut queue = EventQueue::default();
        queue.push(10, 1);
        queue.push(5, 2);
        assert_eq!(queue.pop_until(7).map(|e| e.payload), Some(2));
        assert_eq!(queue.pop_until(7), None);
        assert_eq!(queue.len(), 1);
    }
}
