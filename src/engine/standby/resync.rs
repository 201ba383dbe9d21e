//! Resynchronisation (`replication: {resync: DIST}`): a member of a standby
//! service that comes back from a repair has missed writes, and must catch
//! up (a draw from `resync`) before it counts as a healthy standby, unless a
//! slot is down with nobody serving it (there is nothing to catch up from:
//! it fills the slot at once). Until
//! then it is no candidate for a takeover: a failover that finds only
//! resyncing members waits for the first of them to finish (the slot is
//! down with no member meanwhile), so nothing is lost for it. Redundancy is
//! degraded while any member resyncs. One event per resync (`KIND_RESYNC`,
//! called off by an epoch if the member fails again first).

use super::super::{FutureEvents, KIND_RESYNC, Sim, payload};
use crate::metrics::trace::Happening;
use crate::model::Micros;

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Pool member `i` of standby service `sb` is back up: it resyncs
    /// before it is available.
    pub(in crate::engine) fn begin_resync(&mut self, sb: u32, i: u32) {
        let plan = &self.plan.standbys[sb as usize];
        let Some((dist, base)) = &plan.resync else {
            return self.member_available(sb, i);
        };
        // With a slot down and nobody serving it, there is nothing to catch
        // up from: the member fills the slot at once.
        let state = &self.standbys[sb as usize];
        if state
            .slots
            .iter()
            .any(|s| matches!(s.phase, super::Phase::Down(_)))
        {
            return self.member_available(sb, i);
        }
        let index = base + i;
        let now = self.now;
        let inside = self.window.contains(now);
        let state = &mut self.standbys[sb as usize];
        let delay = dist.sample_us(&mut state.resync_stream);
        if delay == 0 {
            return self.member_available(sb, i);
        }
        if state.n_resyncing == 0 {
            state.resync_since = now;
        }
        state.n_resyncing += 1;
        state.resyncing[i as usize] = true;
        state.resync_epoch[i as usize] = state.resync_epoch[i as usize].wrapping_add(1);
        state.counts.data.resyncs += u64::from(inside);
        let epoch = state.resync_epoch[i as usize];
        self.queue.push(
            now.saturating_add(delay),
            payload(KIND_RESYNC, index, epoch),
        );
        if Self::TRACING {
            self.note(Happening::Resync {
                standby: sb,
                member: i,
                done: false,
            });
        }
    }

    /// Pool member `i` stops resyncing: caught up, or down again.
    pub(in crate::engine) fn end_resync(&mut self, sb: u32, i: u32) {
        let (now, window) = (self.now, self.window);
        let state = &mut self.standbys[sb as usize];
        if !std::mem::replace(&mut state.resyncing[i as usize], false) {
            return;
        }
        state.resync_epoch[i as usize] = state.resync_epoch[i as usize].wrapping_add(1);
        state.n_resyncing -= 1;
        if state.n_resyncing == 0 {
            let clamp = |t: Micros| t.clamp(window.start_us, window.end_us);
            state.counts.data.resync_us += clamp(now) - clamp(state.resync_since);
        }
    }

    /// A resync ended (false for a stale one): the member is available.
    pub(in crate::engine) fn on_resync(&mut self, index: u32, epoch: u32) -> bool {
        let sb = self
            .plan
            .standbys
            .iter()
            .rposition(|p| p.resync.as_ref().is_some_and(|r| r.1 <= index))
            .unwrap_or(0) as u32;
        let base = self.plan.standbys[sb as usize]
            .resync
            .as_ref()
            .map_or(0, |r| r.1);
        let i = index - base;
        let state = &self.standbys[sb as usize];
        if !state.resyncing[i as usize] || state.resync_epoch[i as usize] != epoch {
            return false;
        }
        self.account_downtime(sb);
        self.materialise(sb, None);
        self.end_resync(sb, i);
        if Self::TRACING {
            self.note(Happening::Resync {
                standby: sb,
                member: i,
                done: true,
            });
        }
        self.member_available(sb, i);
        self.refresh_speeds(sb);
        self.push_standby_service(sb);
        true
    }

    /// Open resync periods count up to the end of the run.
    pub(in crate::engine) fn finish_resyncs(&mut self) {
        let (start, end) = (self.window.start_us, self.window.end_us);
        for state in &mut self.standbys {
            if state.n_resyncing > 0 {
                state.counts.data.resync_us += end - state.resync_since.clamp(start, end);
                state.n_resyncing = 0;
            }
        }
    }
}
