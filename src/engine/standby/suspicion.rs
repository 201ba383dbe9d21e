//! Suspicions of a member that is not dead: lost heartbeats (a Poisson
//! process at the rate the loss implies), and a member out of its monitor's
//! hearing (a cut link between them, or a stall), which is suspected after
//! the detection delay, as a crash would be. Each is a false failover; the
//! deposed member is exiled while it cannot be heard, and without fencing
//! both serve meanwhile (split brain).

use super::super::{FutureEvents, KIND_SUSPECT, Sim, payload};
use super::{Phase, event_index, split_index};
use crate::model::Micros;

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Starts the false-suspicion process of every slot of standby service
    /// `sb`, if its heartbeats can be lost: a Poisson process at the rate
    /// the loss probability implies, so heartbeats are never simulated.
    pub(in crate::engine) fn schedule_suspicions(&mut self, sb: u32) {
        for slot in 0..self.standbys[sb as usize].slots.len() {
            self.schedule_suspicion(sb, slot);
        }
    }

    pub(in crate::engine) fn schedule_suspicion(&mut self, sb: u32, slot: usize) {
        let Some(rate) = self.plan.standbys[sb as usize].false_suspicion_per_us else {
            return;
        };
        let state = &mut self.standbys[sb as usize];
        let gap = -(1.0 - state.stream.uniform()).ln() / rate;
        let at = self
            .now
            .saturating_add(gap.min(u64::MAX as f64 / 2.0) as u64);
        self.queue
            .push(at, payload(KIND_SUSPECT, event_index(sb, slot), 0));
    }

    /// Lost heartbeats make the monitor suspect the member serving a slot:
    /// an unnecessary failover to a free healthy member, if any.
    pub(in crate::engine) fn on_suspicion(&mut self, index: u32) {
        let (sb, slot) = split_index(index);
        self.account_downtime(sb);
        self.materialise(sb, None);
        self.schedule_suspicion(sb, slot);
        let s = self.standbys[sb as usize].slots[slot];
        let pool = &self.plan.standbys[sb as usize].pool;
        if s.phase != Phase::Serving || !self.node_up(pool[s.member as usize]) {
            return;
        }
        // Nobody to fail over to: the suspicion clears with the next heartbeat.
        if let Some(candidate) = self.free_member(sb, None, Some(s.member)) {
            self.false_failover(sb, slot, candidate);
        }
    }

    /// An unnecessary failover of `slot`, whose member is healthy, to
    /// `candidate`. With fencing the suspected member stops serving at
    /// once; without, it serves on, and both serve for a while after the
    /// takeover (split brain). A failed takeover is rolled back: the
    /// suspected member takes its role again.
    pub(in crate::engine) fn false_failover(&mut self, sb: u32, slot: usize, candidate: u32) {
        let in_window = self.in_window();
        let plan = &self.plan.standbys[sb as usize];
        let (coverage, fencing) = (plan.coverage, plan.fencing);
        let state = &mut self.standbys[sb as usize];
        let member = state.slots[slot].member;
        if in_window {
            state.counts.failovers += 1;
            state.counts.false_failovers += 1;
            self.lose_writes(sb, self.now);
        }
        let state = &mut self.standbys[sb as usize];
        let covered = coverage >= 1.0 || state.stream.uniform() < coverage;
        if !covered && in_window {
            state.counts.failed_failovers += 1;
        }
        let slot_state = &mut state.slots[slot];
        slot_state.outage_start_us = self.now;
        slot_state.unfenced = !fencing;
        if Self::TRACING {
            self.note(crate::metrics::trace::Happening::FalseSuspicion {
                standby: sb,
                member,
            });
        }
        self.begin_takeover(sb, slot, if covered { candidate } else { member });
        self.refresh_speeds(sb);
        self.push_standby_service(sb);
    }

    /// Looks again at who can hear whom, after a link or a member changed:
    /// a serving member cut off from its monitor (the member that would
    /// take over) is suspected after the detection delay, as if it had
    /// crashed, unless contact comes back first; an exiled member that
    /// reaches the serving members again rejoins.
    pub(in crate::engine) fn check_monitors(&mut self, sb: u32) {
        let plan = self.plan;
        let pool = &plan.standbys[sb as usize].pool;
        for (i, &node) in pool.iter().enumerate() {
            if self.standbys[sb as usize].exiled[i] && !self.cut_from_serving(sb, i as u32) {
                self.standbys[sb as usize].exiled[i] = false;
                if self.node_up(node) {
                    self.member_available(sb, i as u32);
                }
            }
        }
        for slot in 0..self.standbys[sb as usize].slots.len() {
            let s = self.standbys[sb as usize].slots[slot];
            let member_node = pool[s.member as usize];
            let arbitrated = !plan.standbys[sb as usize].arbiters.is_empty();
            // The monitor is the member that would take over, or a quorum
            // of arbiters when there are some.
            let cut_off = self.node_up(member_node)
                && self
                    .free_member(sb, None, Some(s.member))
                    .is_some_and(|monitor| {
                        if arbitrated {
                            self.arbiters_agree(sb, Some(member_node))
                        } else {
                            self.unreachable(member_node, pool[monitor as usize])
                        }
                    });
            match s.phase {
                Phase::Serving if cut_off => {
                    // Without heartbeats, noticed at once.
                    let delay = self.draw_detection_delay(sb).unwrap_or(0);
                    self.standbys[sb as usize].slots[slot].phase = Phase::Isolated {
                        detect_at: self.now.saturating_add(delay),
                    };
                    self.schedule_slot(sb, slot, delay);
                }
                Phase::Isolated { .. } if !cut_off => {
                    self.cancel_slot_event(sb, slot);
                    self.standbys[sb as usize].slots[slot].phase = Phase::Serving;
                }
                _ => {}
            }
        }
    }

    /// Whether member `i` is cut off from a member serving, or being
    /// switched into, some slot.
    pub(in crate::engine) fn cut_from_serving(&self, sb: u32, i: u32) -> bool {
        let pool = &self.plan.standbys[sb as usize].pool;
        self.standbys[sb as usize].slots.iter().any(|s| {
            let other = match s.phase.at(self.now) {
                Phase::TakingOver(candidate) => candidate,
                _ => s.member,
            };
            other != i && self.unreachable(pool[i as usize], pool[other as usize])
        })
    }

    /// The monitor of a member cut off from it suspects it: a false
    /// failover to the monitor; the deposed member is exiled until the
    /// partition heals (unless the takeover failed and was rolled back).
    pub(in crate::engine) fn on_partition_suspicion(&mut self, sb: u32, slot: usize) {
        let member = self.standbys[sb as usize].slots[slot].member;
        self.standbys[sb as usize].slots[slot].phase = Phase::Serving;
        let Some(monitor) = self.free_member(sb, None, Some(member)) else {
            return;
        };
        self.false_failover(sb, slot, monitor);
        let s = self.standbys[sb as usize].slots[slot];
        if s.phase == Phase::TakingOver(monitor) || s.member == monitor {
            self.standbys[sb as usize].exiled[member as usize] = true;
        }
    }

    /// Ends the split brains whose deposed member is down or can reach the
    /// slot's member again (all of them at the end of the run), adding
    /// their time inside the window.
    pub(in crate::engine) fn end_split_brains(&mut self, sb: u32, all: bool) {
        let pool = &self.plan.standbys[sb as usize].pool;
        let window = self.window;
        for slot in 0..self.standbys[sb as usize].slots.len() {
            let s = self.standbys[sb as usize].slots[slot];
            let Some((deposed, since)) = s.split else {
                continue;
            };
            let (a, b) = (pool[deposed as usize], pool[s.member as usize]);
            let (down, healed) = (!self.node_up(a), !self.unreachable(a, b));
            if all || down || healed {
                let clamp = |t: Micros| t.clamp(window.start_us, window.end_us);
                let failback = self.plan.standbys[sb as usize].failback_auto;
                let state = &mut self.standbys[sb as usize];
                state.counts.split_brain_us += clamp(self.now) - clamp(since);
                let s = &mut state.slots[slot];
                s.split = None;
                // The preferred member, serving all along on its side, wins
                // when the sides hear each other again (`failback: auto`).
                if healed
                    && !down
                    && failback
                    && deposed as usize == slot
                    && s.phase == Phase::Serving
                {
                    s.member = deposed;
                    state.exiled[deposed as usize] = false;
                }
            }
        }
    }
}
