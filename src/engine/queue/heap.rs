//! A binary min-heap ordered by (time, sequence): the fastest future event
//! list while few events are pending.
//!
//! The sequence number is the order of scheduling, so events at equal times
//! pop first-in, first-out. Most handlers schedule a successor right after
//! popping, so `pop` leaves the root vacant and the next `push` fills it with
//! one sift-down, as in a "replace top" operation.

use super::{Event, FutureEvents};
use crate::model::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Entry {
    time: Micros,
    seq: u64,
    payload: u64,
}

impl Entry {
    #[inline]
    fn before(&self, other: &Entry) -> bool {
        (self.time, self.seq) < (other.time, other.seq)
    }
}

#[derive(Default)]
pub struct BinaryHeap {
    heap: Vec<Entry>,
    next_seq: u64,
    /// The root was popped and not yet replaced.
    root_vacant: bool,
}

impl Clone for BinaryHeap {
    fn clone(&self) -> Self {
        BinaryHeap {
            heap: self.heap.clone(),
            next_seq: self.next_seq,
            root_vacant: self.root_vacant,
        }
    }

    /// Reuses the heap's memory (rare-event copies).
    fn clone_from(&mut self, src: &Self) {
        self.heap.clone_from(&src.heap);
        self.next_seq = src.next_seq;
        self.root_vacant = src.root_vacant;
    }
}

impl FutureEvents for BinaryHeap {
    fn with_capacity(capacity: usize) -> Self {
        BinaryHeap {
            heap: Vec::with_capacity(capacity),
            next_seq: 0,
            root_vacant: false,
        }
    }

    fn len(&self) -> usize {
        self.heap.len() - usize::from(self.root_vacant)
    }

    #[inline]
    fn push(&mut self, time: Micros, payload: u64) {
        let entry = Entry {
            time,
            seq: self.next_seq,
            payload,
        };
        self.next_seq += 1;
        if self.root_vacant {
            self.root_vacant = false;
            self.sift_down(0, entry);
        } else {
            self.heap.push(entry);
            self.sift_up(self.heap.len() - 1, entry);
        }
    }

    #[inline]
    fn pop_until(&mut self, until: Micros) -> Option<Event> {
        if self.root_vacant {
            self.remove_root();
        }
        let top = *self.heap.first()?;
        if top.time > until {
            return None;
        }
        self.root_vacant = true;
        Some(Event {
            time: top.time,
            payload: top.payload,
        })
    }

    fn clone_retaining(&mut self, src: &Self, keep: impl FnMut(&Event) -> bool) {
        self.retaining_from(src, keep);
    }
}

impl BinaryHeap {
    /// See [`FutureEvents::clone_retaining`]: entries keep their sequence
    /// numbers, so a rebuilt heap pops in the same order.
    fn retaining_from(&mut self, src: &Self, mut keep: impl FnMut(&Event) -> bool) {
        self.heap.clear();
        let pending = &src.heap[usize::from(src.root_vacant)..];
        self.heap.extend(pending.iter().copied().filter(|e| {
            keep(&Event {
                time: e.time,
                payload: e.payload,
            })
        }));
        self.next_seq = src.next_seq;
        self.root_vacant = false;
        for i in (0..self.heap.len() / 2).rev() {
            self.sift_down(i, self.heap[i]);
        }
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
    fn sift_up(&mut self, mut hole: usize, event: Entry) {
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
    fn sift_down(&mut self, mut hole: usize, event: Entry) {
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
