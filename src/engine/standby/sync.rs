//! Synchronous replication of a hot or warm standby service: a write is
//! acknowledged once a replica has it, so while the service serves but no
//! other member is up and reachable from the active one, writes stop (the
//! service is up for reads, down for writes). With `degrade_after`, after
//! that long the active member takes writes alone (semi-synchronous); those
//! writes exist only on it until a replica is back and catches up, and are
//! lost if another member takes over first.
//!
//! Looked at wherever the service is re-evaluated (`rare_checks`), so every
//! member, link and takeover change is seen; one event per degradation
//! (`KIND_SYNC`, called off by an epoch). Nothing happens per write.

use super::super::{FutureEvents, KIND_SYNC, Sim, payload};
use crate::metrics::trace::{Happening, WriteState};
use crate::model::Micros;

/// Run-time state of a standby service's sync replication.
#[derive(Clone, Copy, Debug, Default)]
pub(in crate::engine) struct SyncState {
    /// Writes blocked for want of a replica since then (the service up).
    blocked_since: Option<Micros>,
    /// The active member takes writes alone since then.
    degraded_since: Option<Micros>,
    /// The pool member that holds writes no other member has, and the
    /// length of the closed periods in which it took them.
    holder: Option<u32>,
    unreplicated_us: Micros,
    /// The writes of those periods.
    unreplicated_writes: f64,
    epoch: u32,
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Whether some member other than the one serving the slot is up and
    /// reachable from it: a replica that can acknowledge a write.
    fn has_replica(&self, sb: u32) -> bool {
        let plan = &self.plan.standbys[sb as usize];
        let state = &self.standbys[sb as usize];
        let active = state.slots[0].member;
        let node = plan.pool[active as usize];
        plan.pool.iter().enumerate().any(|(i, &m)| {
            i as u32 != active
                && self.node_up(m)
                && !state.exiled[i]
                && !state.resyncing[i]
                && (self.down_links.is_empty() || !self.cut(node, m))
        })
    }

    /// Standby service `sb` with sync replication was re-evaluated: `up`
    /// is whether it serves. Starts or ends a period of blocked writes or
    /// of degraded (unreplicated) writes.
    pub(in crate::engine) fn sync_check(&mut self, sb: u32, up: bool) {
        let plan = self.plan;
        let Some(sync_plan) = plan.standbys[sb as usize].sync.as_ref() else {
            return;
        };
        let degrade_after = sync_plan.degrade_after_us;
        let replica = up && self.has_replica(sb);
        let now = self.now;
        let window = self.window;
        let span = |from: Micros| {
            now.clamp(window.start_us, window.end_us) - from.clamp(window.start_us, window.end_us)
        };
        let state = &mut self.standbys[sb as usize];
        let sync = &mut state.sync;
        if up && !replica {
            if sync.blocked_since.is_none() && sync.degraded_since.is_none() {
                sync.blocked_since = Some(now);
                sync.epoch = sync.epoch.wrapping_add(1);
                if let Some(after) = degrade_after {
                    let epoch = sync.epoch;
                    self.queue
                        .push(now.saturating_add(after), payload(KIND_SYNC, sb, epoch));
                }
                if Self::TRACING {
                    self.note_writes(sb, WriteState::Blocked);
                }
            }
            return;
        }
        let was_held = sync.blocked_since.is_some() || sync.degraded_since.is_some();
        if let Some(from) = sync.blocked_since.take() {
            state.counts.data.write_blocked_us += span(from);
            sync.epoch = sync.epoch.wrapping_add(1);
        }
        if let Some(from) = sync.degraded_since.take() {
            state.counts.data.degraded_us += span(from);
            sync.unreplicated_us += now - from;
            sync.unreplicated_writes += crate::model::writes_between(
                sync_plan.writes_per_s,
                sync_plan.writes_pattern.as_deref(),
                from,
                now,
            );
        }
        if replica {
            // The replica catches up with what the active member took alone.
            sync.holder = None;
            sync.unreplicated_us = 0;
            sync.unreplicated_writes = 0.0;
            if Self::TRACING && was_held {
                self.note_writes(sb, WriteState::Replicated);
            }
        }
    }

    #[cold]
    fn note_writes(&mut self, standby: u32, state: WriteState) {
        self.note(Happening::Writes { standby, state });
    }

    /// Writes have been blocked for `degrade_after`: the active member
    /// takes them alone from now on. False for a stale event.
    pub(in crate::engine) fn on_sync_degrade(&mut self, sb: u32, epoch: u32) -> bool {
        let now = self.now;
        let window = self.window;
        let state = &mut self.standbys[sb as usize];
        let active = state.slots[0].member;
        let sync = &mut state.sync;
        let Some(from) = sync.blocked_since.filter(|_| sync.epoch == epoch) else {
            return false;
        };
        sync.blocked_since = None;
        state.counts.data.write_blocked_us +=
            now.clamp(window.start_us, window.end_us) - from.clamp(window.start_us, window.end_us);
        sync.degraded_since = Some(now);
        if sync.holder != Some(active) {
            sync.holder = Some(active);
            sync.unreplicated_us = 0;
            sync.unreplicated_writes = 0.0;
        }
        if Self::TRACING {
            self.note_writes(sb, WriteState::Degraded);
        }
        true
    }

    /// Pool member `serving` now serves the slot of a sync service: if
    /// another member holds writes nobody else has, they are lost.
    pub(in crate::engine) fn sync_serving(&mut self, sb: u32, serving: u32) {
        let state = &mut self.standbys[sb as usize];
        let sync = &mut state.sync;
        let Some(holder) = sync.holder else {
            return;
        };
        if holder == serving {
            return;
        }
        let (lag_us, lost) = (sync.unreplicated_us, sync.unreplicated_writes);
        sync.holder = None;
        sync.unreplicated_us = 0;
        sync.unreplicated_writes = 0.0;
        if self.window.contains(self.now) && lag_us > 0 {
            let year =
                (self.now - self.window.start_us) / crate::metrics::data::MICROS_PER_YEAR + 1;
            state.counts.data.add_loss(lost, lag_us, year);
            state.lags_us.push(lag_us);
        }
        if Self::TRACING && lag_us > 0 {
            self.note_writes(sb, WriteState::Lost);
        }
    }

    /// The end of the run: open periods of blocked or degraded writes are
    /// counted up to it.
    pub(in crate::engine) fn finish_sync(&mut self) {
        for sb in 0..self.plan.standbys.len() {
            if self.plan.standbys[sb].sync.is_none() {
                continue;
            }
            let end = self.window.end_us;
            let start = self.window.start_us;
            let state = &mut self.standbys[sb];
            let span = |from: Micros| end - from.clamp(start, end);
            if let Some(from) = state.sync.blocked_since.take() {
                state.counts.data.write_blocked_us += span(from);
            }
            if let Some(from) = state.sync.degraded_since.take() {
                state.counts.data.degraded_us += span(from);
            }
        }
    }
}
