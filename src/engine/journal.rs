//! What lets a splitting copy cost what changed rather than the size of the
//! design (see `rare`): the state arrays sized by the design (per mode, per
//! unit, per node) are [`Tracked`], so that every write to them goes through
//! [`Tracked::write`], which notes the entry in the instance's [`Journal`]
//! when it runs in splitting mode. Plain and traced replications compile
//! the note away.
//!
//! The copies of a splitting tree at depth `d` are made from the trajectory
//! at depth `d − 1`, always the same instance, into the same spare
//! instance. A spare is brought up to date by restoring only the entries
//! written, since its last update, by its source or by itself: both are in
//! the journals. A journal keeps what its own next update and its
//! dependent's (the spare one level deeper) still need, and gives up (the
//! next update copies everything) once it holds as many notes as there are
//! tracked entries, so an update never costs much more than a whole copy.

use std::ops::Deref;

/// An array of state whose entries are written only through [`write`], so
/// that a splitting copy knows which of them changed.
///
/// [`write`]: Tracked::write
#[derive(Debug, Default)]
pub(super) struct Tracked<T> {
    items: Vec<T>,
    /// The journal id of entry 0; entry `i` is noted as `offset + i`.
    offset: u32,
}

impl<T> Tracked<T> {
    pub(super) fn new(items: Vec<T>, offset: u32) -> Self {
        Tracked { items, offset }
    }

    /// Entry `i`, to write to: noted in `journal` when `MODE` is splitting.
    #[inline(always)]
    pub(super) fn write<const MODE: u8>(&mut self, i: usize, journal: &mut Journal) -> &mut T {
        if MODE == super::SPLIT {
            journal.note(self.offset + i as u32);
        }
        &mut self.items[i]
    }
}

impl<T> Tracked<T> {
    /// Like [`Tracked::write`], `None` past the end.
    #[inline(always)]
    pub(super) fn write_get<const MODE: u8>(
        &mut self,
        i: usize,
        journal: &mut Journal,
    ) -> Option<&mut T> {
        let item = self.items.get_mut(i)?;
        if MODE == super::SPLIT {
            journal.note(self.offset + i as u32);
        }
        Some(item)
    }
}

impl<T: Clone> Tracked<T> {
    /// Makes entry `i` what it is in `src` (a spare brought up to date).
    #[inline]
    pub(super) fn restore(&mut self, src: &Self, i: usize) {
        self.items[i].clone_from(&src.items[i]);
    }

    /// Whether the entry with journal id `id` is one of these.
    #[inline]
    pub(super) fn holds(&self, id: u32) -> Option<usize> {
        let i = id.wrapping_sub(self.offset) as usize;
        (i < self.items.len()).then_some(i)
    }
}

impl<T> Deref for Tracked<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        &self.items
    }
}

impl<T: Clone> Clone for Tracked<T> {
    fn clone(&self) -> Self {
        Tracked {
            items: self.items.clone(),
            offset: self.offset,
        }
    }

    /// Reuses the memory (dead copies are reused).
    fn clone_from(&mut self, src: &Self) {
        self.items.clone_from(&src.items);
        self.offset = src.offset;
    }
}

/// The entries (journal ids) an instance wrote, with where its own next
/// update and its dependent's start. Positions count every note since the
/// instance was made; `base` is that of `log[0]`.
#[derive(Clone, Debug, Default)]
pub(super) struct Journal {
    log: Vec<u32>,
    base: u64,
    /// Where this instance's writes since its last update start (`u64::MAX`
    /// for the first trajectory, which is never updated).
    own_from: u64,
    /// Where its source's log stood at its last update (`None`: never updated).
    source_at: Option<u64>,
    /// Where this log stood at its dependent's last update (`u64::MAX`: none yet).
    dependent_at: u64,
    /// Notes kept at most: the number of tracked entries.
    cap: usize,
}

impl Journal {
    /// The journal of a tree's first trajectory, which `entries` tracked
    /// entries in all.
    pub(super) fn root(entries: usize) -> Self {
        Journal {
            own_from: u64::MAX,
            dependent_at: u64::MAX,
            cap: entries.max(64),
            ..Journal::default()
        }
    }

    /// Notes a write to the entry with journal id `id` (callers check that
    /// they run in splitting mode, as [`Tracked::write`] does).
    #[inline(always)]
    pub(super) fn note(&mut self, id: u32) {
        self.log.push(id);
        if self.log.len() > self.cap {
            self.give_up();
        }
    }

    /// Forgets the notes, leaving a gap: the next update of this instance
    /// and of its dependent copy everything.
    #[cold]
    fn give_up(&mut self) {
        self.base = self.end() + 1;
        self.log.clear();
    }

    /// The number of tracked entries (a whole copy's), at least 64: the
    /// notes kept at most.
    pub(super) fn entries(&self) -> usize {
        self.cap
    }

    fn end(&self) -> u64 {
        self.base + self.log.len() as u64
    }

    /// Drops the notes neither this instance nor its dependent needs.
    fn trim(&mut self) {
        let keep_from = self.own_from.min(self.dependent_at).min(self.end());
        if keep_from > self.base {
            self.log.drain(..(keep_from - self.base) as usize);
            self.base = keep_from;
        }
    }

    /// The journal of a new instance cloned from the one with `source`.
    pub(super) fn cloned_from(source: &mut Journal) -> Journal {
        let journal = Journal {
            own_from: 0,
            source_at: Some(source.end()),
            dependent_at: u64::MAX,
            cap: source.cap,
            ..Journal::default()
        };
        source.dependent_at = source.end();
        source.trim();
        journal
    }

    /// The entries to restore to bring the instance of `self` up to its
    /// source's (whose journal is `source`): its own writes since its last
    /// update, then its source's; `None` when they are not all known (the
    /// first update, or a journal that gave up), and everything must be
    /// copied.
    pub(super) fn changed<'a>(&'a self, source: &'a Journal) -> Option<[&'a [u32]; 2]> {
        let source_at = self.source_at?;
        if source_at < source.base || self.own_from < self.base {
            return None;
        }
        let own = &self.log[(self.own_from - self.base) as usize..];
        let theirs = &source.log[(source_at - source.base) as usize..];
        Some([own, theirs])
    }

    /// The instance was brought up to its source's by restoring `restored`
    /// (the entries [`changed`] gave, each once), or (`None`) by copying
    /// everything: its own dependent must learn of what it rewrote, its own
    /// earlier writes included (undone now, and perhaps read already).
    ///
    /// [`changed`]: Journal::changed
    pub(super) fn updated(&mut self, source: &mut Journal, restored: Option<&[u32]>) {
        match restored {
            Some(ids) if self.log.len() + ids.len() <= self.cap => {
                self.log.extend_from_slice(ids);
            }
            _ => self.give_up(),
        }
        self.own_from = self.end();
        self.source_at = Some(source.end());
        source.dependent_at = source.end();
        self.trim();
        source.trim();
    }
}

/// Lists each entry once: the union of an update's two lists of journal
/// ids, which repeat entries written more than once.
#[derive(Debug, Default)]
pub(super) struct Distinct {
    /// Per journal id, the round it was last listed in.
    seen: Vec<u32>,
    round: u32,
    pub(super) ids: Vec<u32>,
}

impl Distinct {
    /// Makes `ids` the entries of `lists`, each once, in first-seen order.
    pub(super) fn of(&mut self, lists: [&[u32]; 2]) {
        self.ids.clear();
        self.round = self.round.wrapping_add(1);
        if self.round == 0 {
            // Wrapped: forget every earlier round.
            self.seen.fill(0);
            self.round = 1;
        }
        for list in lists {
            for &id in list {
                let i = id as usize;
                if i >= self.seen.len() {
                    self.seen.resize(i + 1, 0);
                }
                if self.seen[i] != self.round {
                    self.seen[i] = self.round;
                    self.ids.push(id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SPLIT;

    type Instance = (Tracked<u32>, Journal);

    /// Brings `dst` up to `src` as a splitting copy does.
    fn update(dst: &mut Instance, src: &mut Instance, distinct: &mut Distinct) {
        match dst.1.changed(&src.1) {
            Some(lists) => {
                distinct.of(lists);
                for &id in &distinct.ids {
                    let i = dst.0.holds(id).expect("an id of this array");
                    dst.0.restore(&src.0, i);
                }
                dst.1.updated(&mut src.1, Some(&distinct.ids));
            }
            None => {
                dst.0.clone_from(&src.0);
                dst.1.updated(&mut src.1, None);
            }
        }
    }

    /// A random walk over a tree of depth 3 (the first trajectory, and
    /// copies at depths 1 and 2 made into one spare each) writing random
    /// entries, sometimes in bursts that make a journal give up: every
    /// update leaves the spare equal to its source.
    #[test]
    fn updated_spares_equal_their_sources_whatever_was_written() {
        const N: usize = 50;
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = |n: u64| {
            state = super::super::rng::mix(state);
            state % n
        };
        let mut distinct = Distinct::default();
        let root = (Tracked::new(vec![0; N], 7), Journal::root(N));
        let mut tree: Vec<Option<Instance>> = vec![Some(root), None, None];
        let mut depth = 0;
        let (mut updates, mut whole) = (0, 0);
        for step in 0..20_000u32 {
            match next(10) {
                0..=5 => {
                    let burst = if next(50) == 0 { 80 } else { 1 + next(4) };
                    let (array, journal) = tree[depth].as_mut().unwrap();
                    for _ in 0..burst {
                        *array.write::<SPLIT>(next(N as u64) as usize, journal) = step;
                    }
                }
                6..=7 if depth < 2 => {
                    let mut src = tree[depth].take().unwrap();
                    let copy = match tree[depth + 1].take() {
                        Some(mut spare) => {
                            let before = spare.1.changed(&src.1).is_none();
                            update(&mut spare, &mut src, &mut distinct);
                            updates += 1;
                            whole += u32::from(before);
                            spare
                        }
                        None => (src.0.clone(), Journal::cloned_from(&mut src.1)),
                    };
                    assert_eq!(*copy.0, *src.0, "step {step}");
                    tree[depth] = Some(src);
                    tree[depth + 1] = Some(copy);
                    depth += 1;
                }
                _ if depth > 0 => depth -= 1,
                _ => {}
            }
        }
        // Both kinds of update happened, mostly the cheap one.
        assert!(
            updates > 1000 && whole > 0 && whole * 4 < updates,
            "{updates} {whole}"
        );
    }
}
