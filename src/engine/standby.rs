//! Hot, warm and cold standby: one member serves, the others wait. When the
//! active member fails, the failure is detected (after a delay drawn from
//! the heartbeat parameters), a takeover is attempted (it fails with
//! probability 1 − coverage) and the first healthy standby serves after the
//! switchover, VIP takeover and, for warm and cold standbys, warm-up or
//! boot and restore. The conventions are those of SCENARIO.md.

use super::rng::Stream;
use super::{FutureEvents, KIND_STANDBY, KIND_SUSPECT, Sim, payload};
use crate::model::Micros;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// The active member serves (when its node is up).
    Serving,
    /// The active member is down and its monitor has not noticed yet.
    Detecting,
    /// A standby (pool index) is being switched in.
    TakingOver(u32),
    /// No takeover is under way: every member is down, or a takeover failed.
    Down(DownReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DownReason {
    /// The takeover failed (probability 1 − coverage).
    FailedTakeover,
    /// No healthy member was left to take over.
    NoMember,
}

/// Where a standby service's downtime comes from.
pub const DOWNTIME_CAUSES: [&str; 4] = ["detection", "switchover", "failed_takeover", "both_down"];

pub(super) struct StandbyState {
    /// Pool index of the member that serves (or last served).
    pub active: u32,
    pub phase: Phase,
    /// Bumped to cancel the pending detection or takeover event.
    epoch: u32,
    stream: Stream,
    /// When the current outage began.
    outage_start_us: Micros,
    /// During a false failover without fencing, the deposed member goes on
    /// serving until the takeover completes.
    unfenced: bool,
    /// Downtime is attributed to its cause up to this time.
    accounted_us: Micros,
    /// The outage of each successful failover inside the window.
    pub takeovers_us: Vec<Micros>,
    pub counts: StandbyCounts,
}

/// What one replication counted for a standby service, inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StandbyCounts {
    /// Failovers started after a detected failure of the active member.
    pub failovers: u64,
    /// Takeovers that failed (probability 1 − coverage).
    pub failed_failovers: u64,
    /// Successful failovers and their total outage, from the failure of the
    /// active member until the standby serves.
    pub takeovers: u64,
    pub takeover_us: Micros,
    /// Detection delays and their total.
    pub detections: u64,
    pub detection_us: Micros,
    /// Failovers caused by a false suspicion of a healthy active member.
    pub false_failovers: u64,
    /// Periods with two members serving (false failovers without fencing).
    pub split_brains: u64,
    pub split_brain_us: Micros,
    /// Downtime by cause, in the order of [`DOWNTIME_CAUSES`].
    pub downtime_us: [Micros; 4],
}

impl StandbyState {
    pub fn new(seed: u64, replication: u64, key: super::rng::StreamKey) -> Self {
        StandbyState {
            active: 0,
            phase: Phase::Serving,
            epoch: 0,
            stream: Stream::new(seed, replication, key),
            outage_start_us: 0,
            unfenced: false,
            accounted_us: 0,
            takeovers_us: Vec::new(),
            counts: StandbyCounts::default(),
        }
    }
}

impl<Q: FutureEvents> Sim<'_, Q> {
    fn node_up(&self, node: u32) -> bool {
        self.node_blockers[node as usize] == 0
    }

    /// Whether standby service `sb` serves now.
    pub(super) fn standby_up(&self, sb: u32) -> bool {
        let state = &self.standbys[sb as usize];
        let pool = &self.plan.standbys[sb as usize].pool;
        let serving = match state.phase {
            Phase::Serving => true,
            Phase::TakingOver(_) => state.unfenced,
            _ => false,
        };
        serving && self.node_up(pool[state.active as usize])
    }

    /// Idle standbys run at the idle speed, everything else at full speed.
    pub(super) fn refresh_speeds(&mut self, sb: u32) {
        let plan = &self.plan.standbys[sb as usize];
        let state = &self.standbys[sb as usize];
        let busy = |i: u32| i == state.active || state.phase == Phase::TakingOver(i);
        let speeds: Vec<(usize, f64)> = (0..plan.pool.len() as u32)
            .map(|i| {
                (
                    plan.pool[i as usize] as usize,
                    if busy(i) { 1.0 } else { plan.idle_speed },
                )
            })
            .collect();
        for (unit, speed) in speeds {
            self.set_speed(unit, speed);
        }
    }

    /// Adds the time since the last call to the cause of the current
    /// downtime (none while serving), inside the measured window.
    pub(super) fn account_downtime(&mut self, sb: u32) {
        let window = self.window;
        let state = &mut self.standbys[sb as usize];
        let cause = match state.phase {
            Phase::Serving => None,
            Phase::Detecting => Some(0),
            Phase::TakingOver(_) if state.unfenced => None,
            Phase::TakingOver(_) => Some(1),
            Phase::Down(DownReason::FailedTakeover) => Some(2),
            Phase::Down(DownReason::NoMember) => Some(3),
        };
        if let Some(cause) = cause {
            let clamp = |t: Micros| t.clamp(window.start_us, window.end_us);
            state.counts.downtime_us[cause] += clamp(self.now) - clamp(state.accounted_us);
        }
        state.accounted_us = self.now;
    }

    fn in_window(&self) -> bool {
        self.now >= self.window.start_us && self.now <= self.window.end_us
    }

    fn schedule_standby(&mut self, sb: u32, delay_us: u64) {
        let state = &mut self.standbys[sb as usize];
        state.epoch = state.epoch.wrapping_add(1);
        let at = self.now.saturating_add(delay_us);
        self.queue.push(at, payload(KIND_STANDBY, sb, state.epoch));
    }

    fn cancel_standby_event(&mut self, sb: u32) {
        let state = &mut self.standbys[sb as usize];
        state.epoch = state.epoch.wrapping_add(1);
    }

    /// A member node of standby service `sb` went down or came up.
    pub(super) fn standby_member_changed(&mut self, sb: u32, node: u32, up: bool) {
        self.account_downtime(sb);
        let plan = &self.plan.standbys[sb as usize];
        let Some(index) = plan.pool.iter().position(|&n| n == node) else {
            return;
        };
        let index = index as u32;
        let state = &self.standbys[sb as usize];
        match (state.phase, up) {
            (Phase::Serving, false) if index == state.active => {
                self.standbys[sb as usize].outage_start_us = self.now;
                self.begin_detection(sb);
            }
            (Phase::TakingOver(candidate), false) if index == candidate => {
                // The takeover starts again with the next healthy member.
                self.start_takeover(sb, false);
            }
            (Phase::Detecting, true) if index == state.active => {
                // Back before the monitor noticed: it never failed over.
                self.cancel_standby_event(sb);
                self.standbys[sb as usize].phase = Phase::Serving;
            }
            (Phase::Down(_), true) => {
                // No member was serving: the one that is back serves at once.
                let state = &mut self.standbys[sb as usize];
                state.active = index;
                state.phase = Phase::Serving;
            }
            (Phase::Serving, true) if plan.failback_auto && index == 0 && state.active != 0 => {
                // The preferred member takes the active role back.
                self.standbys[sb as usize].outage_start_us = self.now;
                let delay = self.takeover_delay(sb);
                self.standbys[sb as usize].phase = Phase::TakingOver(0);
                self.schedule_standby(sb, delay);
            }
            _ => {}
        }
        self.refresh_speeds(sb);
    }

    fn begin_detection(&mut self, sb: u32) {
        match self.plan.standbys[sb as usize].detection_us {
            None => self.start_takeover(sb, true),
            Some((low, high)) => {
                let state = &mut self.standbys[sb as usize];
                let delay = low + ((high - low) as f64 * state.stream.uniform()).round() as u64;
                state.phase = Phase::Detecting;
                if self.now >= self.window.start_us && self.now <= self.window.end_us {
                    state.counts.detections += 1;
                    state.counts.detection_us += delay;
                }
                self.schedule_standby(sb, delay);
            }
        }
    }

    fn takeover_delay(&mut self, sb: u32) -> u64 {
        let plan = &self.plan.standbys[sb as usize];
        let stream = &mut self.standbys[sb as usize].stream;
        plan.takeover
            .iter()
            .fold(0u64, |total, d| total.saturating_add(d.sample_us(stream)))
    }

    /// Starts a takeover by the first healthy member; `new_failover` draws
    /// its coverage and counts it (a restart after the member being
    /// switched in failed is part of the same failover).
    fn start_takeover(&mut self, sb: u32, new_failover: bool) {
        self.standbys[sb as usize].unfenced = false;
        let in_window = self.in_window();
        if new_failover {
            let coverage = self.plan.standbys[sb as usize].coverage;
            let state = &mut self.standbys[sb as usize];
            if in_window {
                state.counts.failovers += 1;
            }
            if coverage < 1.0 && state.stream.uniform() >= coverage {
                if in_window {
                    state.counts.failed_failovers += 1;
                }
                state.phase = Phase::Down(DownReason::FailedTakeover);
                self.cancel_standby_event(sb);
                return;
            }
        }
        let pool = &self.plan.standbys[sb as usize].pool;
        let candidate = (0..pool.len() as u32).find(|&i| self.node_up(pool[i as usize]));
        match candidate {
            None => {
                self.standbys[sb as usize].phase = Phase::Down(DownReason::NoMember);
                self.cancel_standby_event(sb);
            }
            Some(candidate) => {
                self.standbys[sb as usize].phase = Phase::TakingOver(candidate);
                let delay = self.takeover_delay(sb);
                self.schedule_standby(sb, delay);
            }
        }
        self.refresh_speeds(sb);
    }

    /// Starts the false-suspicion process of standby service `sb`, if its
    /// heartbeats can be lost: a Poisson process at the rate the loss
    /// probability implies, so heartbeats themselves are never simulated.
    pub(super) fn schedule_suspicion(&mut self, sb: u32) {
        let Some(rate) = self.plan.standbys[sb as usize].false_suspicion_per_us else {
            return;
        };
        let state = &mut self.standbys[sb as usize];
        let gap = -(1.0 - state.stream.uniform()).ln() / rate;
        let at = self
            .now
            .saturating_add(gap.min(u64::MAX as f64 / 2.0) as u64);
        self.queue.push(at, payload(KIND_SUSPECT, sb, 0));
    }

    /// The monitor falsely suspects the active member of standby service
    /// `sb`: an unnecessary failover to another healthy member, if any. With
    /// fencing the suspected member stops serving at once; without, it
    /// serves on, and both serve for a while after the takeover (split brain).
    pub(super) fn on_suspicion(&mut self, sb: u32) {
        self.account_downtime(sb);
        self.schedule_suspicion(sb);
        let state = &self.standbys[sb as usize];
        let pool = &self.plan.standbys[sb as usize].pool;
        let active = state.active;
        if state.phase != Phase::Serving || !self.node_up(pool[active as usize]) {
            return;
        }
        let Some(candidate) =
            (0..pool.len() as u32).find(|&i| i != active && self.node_up(pool[i as usize]))
        else {
            // Nobody to fail over to: the suspicion clears with the next heartbeat.
            return;
        };
        let in_window = self.in_window();
        let plan = &self.plan.standbys[sb as usize];
        let (coverage, fencing) = (plan.coverage, plan.fencing);
        let state = &mut self.standbys[sb as usize];
        if in_window {
            state.counts.failovers += 1;
            state.counts.false_failovers += 1;
        }
        state.outage_start_us = self.now;
        state.unfenced = !fencing;
        let covered = coverage >= 1.0 || state.stream.uniform() < coverage;
        if !covered && in_window {
            state.counts.failed_failovers += 1;
        }
        // A failed takeover is rolled back: the suspected member takes its role again.
        state.phase = Phase::TakingOver(if covered { candidate } else { active });
        let delay = self.takeover_delay(sb);
        self.schedule_standby(sb, delay);
        self.refresh_speeds(sb);
        let service = self.plan.standbys[sb as usize].service;
        self.worklist.push(service);
        self.propagate();
    }

    /// A detection or takeover event of standby service `sb`; false when stale.
    pub(super) fn on_standby_event(&mut self, sb: u32, epoch: u32) -> bool {
        if self.standbys[sb as usize].epoch != epoch {
            return false;
        }
        self.account_downtime(sb);
        match self.standbys[sb as usize].phase {
            Phase::Detecting => self.start_takeover(sb, true),
            Phase::TakingOver(candidate) => {
                let in_window = self.in_window();
                let interval = self.plan.standbys[sb as usize].interval_us;
                let state = &mut self.standbys[sb as usize];
                if state.unfenced && candidate != state.active {
                    // The deposed member serves on until the next heartbeat tells it.
                    let overlap = (interval as f64 * state.stream.uniform()).round() as u64;
                    if in_window {
                        state.counts.split_brains += 1;
                        state.counts.split_brain_us += overlap;
                    }
                } else if in_window && !state.unfenced {
                    let outage = self.now - state.outage_start_us;
                    state.counts.takeovers += 1;
                    state.counts.takeover_us += outage;
                    state.takeovers_us.push(outage);
                }
                state.unfenced = false;
                state.active = candidate;
                state.phase = Phase::Serving;
                self.refresh_speeds(sb);
            }
            Phase::Serving | Phase::Down(_) => {}
        }
        let service = self.plan.standbys[sb as usize].service;
        self.worklist.push(service);
        self.propagate();
        true
    }
}
