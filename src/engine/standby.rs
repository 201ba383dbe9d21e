//! Standby redundancy: hot, warm and cold standby (one serving slot) and
//! N+K (`active` serving slots, spares for them). When the member serving a
//! slot fails, the failure is detected (after a delay drawn from the
//! heartbeat parameters), a takeover is attempted (it fails with
//! probability 1 − coverage) and the first healthy unassigned member serves
//! the slot after the switchover, VIP takeover and, for warm and cold
//! standbys, warm-up or boot and restore. The conventions are those of
//! SCENARIO.md. Suspicions of members that are not dead (lost heartbeats,
//! partitions, stalls) and split brain are in `suspicion`.

mod arbiter;
mod resync;
mod suspicion;
mod sync;

use super::rng::Stream;
use super::{FutureEvents, KIND_STANDBY, Sim, payload};
use crate::metrics::StandbyCounts;
use crate::metrics::trace::Happening;
use crate::model::{MAX_SLOTS, Micros, SLOT_BITS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    /// The slot's member serves (when its node is up).
    Serving,
    /// The slot's member is down and its monitor has not noticed yet.
    Detecting,
    /// The slot's member serves but cannot be heard by its monitor (a cut
    /// link between them, or a stall), which will suspect it at `detect_at`
    /// unless it hears from it again first.
    Isolated { detect_at: Micros },
    /// Detection and takeover in one event (hot standbys and hot spares):
    /// the member is down, its monitor notices at `detect_at`, and then
    /// `candidate` is switched in; the slot's event is the completion. Any
    /// change to the service before then turns it back into `Detecting` or
    /// `TakingOver` (see `materialise`), so the outcome is the one the
    /// step-by-step conventions give.
    Switching { detect_at: Micros, candidate: u32 },
    /// A member (pool index) is being switched in.
    TakingOver(u32),
    /// No takeover is under way: no member was left, or a takeover failed.
    Down(DownReason),
}

impl Phase {
    /// The step-by-step phase at time `now`: a merged detection and
    /// takeover is detecting before its detection moment and taking over after.
    fn at(self, now: Micros) -> Phase {
        match self {
            Phase::Switching { detect_at, .. } if now < detect_at => Phase::Detecting,
            Phase::Switching { candidate, .. } => Phase::TakingOver(candidate),
            other => other,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DownReason {
    /// The takeover failed (probability 1 − coverage).
    FailedTakeover,
    /// No healthy member was left to take over.
    NoMember,
    /// No quorum of arbiters could decide the failover (`arbiter`).
    NoQuorum,
}

/// One serving position of a standby service.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// Pool index of the member that serves (or last served) the slot.
    member: u32,
    phase: Phase,
    /// Bumped to cancel the pending detection or takeover event.
    epoch: u32,
    /// When the current outage of the slot began.
    outage_start_us: Micros,
    /// During a false failover without fencing, the deposed member goes on
    /// serving until the takeover completes.
    unfenced: bool,
    /// The coverage of the pending detection, when it was drawn early.
    covered: Option<bool>,
    /// The takeover under way gives the slot back to its home member
    /// (`failback: auto`): not a failover, and counted apart.
    failing_back: bool,
    /// The cause of the last failure of a member of this slot: an outage
    /// with no member left to take over is attributed to it.
    root_cause: u32,
    /// A member deposed by a false failover while cut off, which serves on
    /// (no fencing) since when: split brain until it can reach the slot's member.
    split: Option<(u32, Micros)>,
}

#[derive(Clone)]
pub(super) struct StandbyState {
    slots: Vec<Slot>,
    /// Members deposed while cut off: they cannot rejoin (nor monitor, nor
    /// take over) until they reach the members that serve again.
    exiled: Vec<bool>,
    stream: Stream,
    /// Lag draws of async replication (never drawn without it).
    lag_stream: Stream,
    /// Downtime is attributed to its cause up to this time.
    accounted_us: Micros,
    /// The outage of each successful failover inside the window.
    pub takeovers_us: Vec<Micros>,
    /// With replication, the lag of each loss counted in `counts.data`
    /// (0 for a failover under sync replication).
    pub lags_us: Vec<Micros>,
    pub counts: StandbyCounts,
    /// Sync replication (unused without).
    sync: sync::SyncState,
    /// Members resyncing after a repair (`resync`), each one's epoch, how
    /// many, and since when at least one has been.
    resyncing: Vec<bool>,
    resync_epoch: Vec<u32>,
    n_resyncing: u32,
    resync_since: Micros,
    resync_stream: Stream,
}

impl StandbyState {
    pub fn new(seed: u64, replication: u64, plan: &super::plan::StandbyPlan) -> Self {
        StandbyState {
            exiled: vec![false; plan.pool.len()],
            slots: (0..plan.slots)
                .map(|member| Slot {
                    member,
                    phase: Phase::Serving,
                    epoch: 0,
                    outage_start_us: 0,
                    unfenced: false,
                    covered: None,
                    failing_back: false,
                    root_cause: super::causes::NONE,
                    split: None,
                })
                .collect(),
            stream: Stream::new(seed, replication, plan.key),
            lag_stream: Stream::new(
                seed,
                replication,
                plan.async_loss.as_ref().map_or(plan.key, |l| l.key),
            ),
            accounted_us: 0,
            takeovers_us: Vec::new(),
            lags_us: Vec::new(),
            counts: StandbyCounts::default(),
            sync: Default::default(),
            resyncing: vec![false; plan.pool.len()],
            resync_epoch: vec![0; plan.pool.len()],
            n_resyncing: 0,
            resync_since: 0,
            resync_stream: Stream::new(seed, replication, plan.resync_key),
        }
    }
}

/// The event index of a slot.
fn event_index(sb: u32, slot: usize) -> u32 {
    (sb << SLOT_BITS) | slot as u32
}

/// The standby service and slot of an event index.
pub(super) fn split_index(index: u32) -> (u32, usize) {
    (index >> SLOT_BITS, (index & (MAX_SLOTS - 1)) as usize)
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    fn node_up(&self, node: u32) -> bool {
        self.node_blockers[node as usize] == 0
    }

    fn slot_serves(&self, sb: u32, slot: &Slot) -> bool {
        let serving = match slot.phase {
            Phase::Serving | Phase::Isolated { .. } => true,
            Phase::TakingOver(_) => slot.unfenced,
            Phase::Detecting | Phase::Switching { .. } | Phase::Down(_) => false,
        };
        serving && self.node_up(self.plan.standbys[sb as usize].pool[slot.member as usize])
    }

    /// Whether standby service `sb` serves now: every slot is served.
    pub(super) fn standby_up(&self, sb: u32) -> bool {
        self.standbys[sb as usize]
            .slots
            .iter()
            .all(|slot| self.slot_serves(sb, slot))
    }

    /// The nodes serving the slots of standby service `sb` now.
    pub(super) fn standby_serving_nodes(&self, sb: u32) -> impl Iterator<Item = u32> + '_ {
        let pool = &self.plan.standbys[sb as usize].pool;
        self.standbys[sb as usize]
            .slots
            .iter()
            .filter(move |slot| self.slot_serves(sb, slot))
            .map(move |slot| pool[slot.member as usize])
    }

    /// Whether pool member `i` is busy (serves a slot, or is being switched
    /// in) rather than an idle standby or spare.
    fn busy(&self, sb: u32, i: u32) -> bool {
        self.assigned(sb, i, None)
    }

    /// Idle members run at the idle speed, busy ones at full speed. Hot
    /// standbys and hot spares age alike in every role: nothing to do.
    pub(super) fn refresh_speeds(&mut self, sb: u32) {
        let plan = self.plan;
        let standby = &plan.standbys[sb as usize];
        if standby.idle_speed == 1.0 {
            return;
        }
        for (i, &node) in standby.pool.iter().enumerate() {
            let speed = if self.busy(sb, i as u32) {
                1.0
            } else {
                standby.idle_speed
            };
            self.set_speed(node as usize, speed);
        }
    }

    /// Adds the time since the last call to the cause of the current
    /// downtime (that of the first slot that is not served), inside the
    /// window. Called before any change, so the phases still describe the
    /// time since the last call.
    pub(super) fn account_downtime(&mut self, sb: u32) {
        let window = self.window;
        let state = &mut self.standbys[sb as usize];
        let from = state.accounted_us;
        // A merged detection and takeover changes cause at its detection moment.
        let cause = |slot: &Slot, at: Micros| match slot.phase.at(at) {
            Phase::Serving | Phase::Isolated { .. } => None,
            Phase::TakingOver(_) if slot.unfenced => None,
            Phase::Detecting | Phase::Switching { .. } => Some(0),
            Phase::TakingOver(_) => Some(1),
            Phase::Down(DownReason::FailedTakeover) => Some(2),
            Phase::Down(DownReason::NoMember) => Some(3),
            // Undecided: the failure is known to no quorum yet.
            Phase::Down(DownReason::NoQuorum) => Some(0),
        };
        // At most one slot is `Switching`: any change to the service
        // (another member failing included) materialises it first.
        let split = state.slots.iter().find_map(|slot| match slot.phase {
            Phase::Switching { detect_at, .. } if from < detect_at && detect_at < self.now => {
                Some(detect_at)
            }
            _ => None,
        });
        let clamp = |t: Micros| t.clamp(window.start_us, window.end_us);
        let mut start = from;
        let mut credits = [(0, 0); 2];
        for (k, end) in split.into_iter().chain([self.now]).enumerate() {
            let first = state
                .slots
                .iter()
                .find_map(|slot| Some((cause(slot, start)?, slot)));
            if let Some((cause, slot)) = first {
                let us = clamp(end) - clamp(start);
                state.counts.downtime_us[cause] += us;
                let phases = self.plan.causes.phases[sb as usize];
                credits[k] = (phases.get(cause).copied().unwrap_or(slot.root_cause), us);
            }
            start = end;
        }
        state.accounted_us = self.now;
        // The service's downtime by cause, and the system's while this
        // service's own failover holds it down.
        let service = self.plan.standbys[sb as usize].service as usize;
        for (cause, us) in credits {
            if us > 0 {
                self.credit(service + 1, cause, us);
                if self.system_standby == sb {
                    self.credit(0, cause, us);
                }
            }
        }
    }

    /// Turns the merged detections and takeovers of standby service `sb`
    /// back into their step-by-step phases, before anything changes the
    /// service: the candidate chosen at the failure is the one the
    /// detection moment would have chosen only while nothing else changes.
    /// `except` is the slot whose own event is being handled.
    pub(super) fn materialise(&mut self, sb: u32, except: Option<usize>) {
        for slot in 0..self.standbys[sb as usize].slots.len() {
            let Phase::Switching {
                detect_at,
                candidate,
            } = self.standbys[sb as usize].slots[slot].phase
            else {
                continue;
            };
            if Some(slot) == except {
                continue;
            }
            if self.now < detect_at {
                // Not detected yet: the takeover drawn for it is dropped
                // (its draws are independent of what happens meanwhile),
                // but the coverage drawn stays.
                let s = &mut self.standbys[sb as usize].slots[slot];
                s.phase = Phase::Detecting;
                s.covered = Some(true);
                let delay = detect_at - self.now;
                self.schedule_slot(sb, slot, delay);
            } else {
                self.count_detection(sb, slot, detect_at);
                self.count_failover(sb, detect_at);
                self.note_switch(sb, detect_at, candidate);
                self.standbys[sb as usize].slots[slot].phase = Phase::TakingOver(candidate);
            }
        }
    }

    /// The monitor noticed at `at` that the member serving `slot` is down:
    /// one detection, whose delay runs from the member's failure. Failures
    /// that end before anyone noticed are no detection.
    fn count_detection(&mut self, sb: u32, slot: usize, at: Micros) {
        if Self::TRACING {
            let member = self.standbys[sb as usize].slots[slot].member;
            self.note_at(
                at,
                Happening::Detected {
                    standby: sb,
                    member,
                },
            );
        }
        if at >= self.window.start_us && at <= self.window.end_us {
            let state = &mut self.standbys[sb as usize];
            state.counts.detections += 1;
            state.counts.detection_us += at - state.slots[slot].outage_start_us;
        }
    }

    /// A hot standby's takeover, drawn with its detection, began at `at`.
    fn note_switch(&mut self, sb: u32, at: Micros, candidate: u32) {
        if Self::TRACING {
            let what = Happening::Takeover {
                standby: sb,
                member: candidate,
            };
            self.note_at(at, what);
        }
    }

    fn count_failover(&mut self, sb: u32, at: Micros) {
        if at >= self.window.start_us && at <= self.window.end_us {
            self.standbys[sb as usize].counts.failovers += 1;
            self.lose_writes(sb, at);
        }
    }

    /// A failover counted at `at` (inside the window) of a service with
    /// async replication: a lag is drawn and the writes made in that last
    /// lag before the failure are lost. No draw without async replication.
    pub(in crate::engine) fn lose_writes(&mut self, sb: u32, at: Micros) {
        let year = (at - self.window.start_us) / crate::metrics::data::MICROS_PER_YEAR + 1;
        let Some(loss) = &self.plan.standbys[sb as usize].async_loss else {
            if self.plan.standbys[sb as usize].sync.is_some() {
                // Counted, losing nothing: a sync replica has every write.
                // What a degraded member took alone is lost when another
                // member serves (`sync_serving`).
                let state = &mut self.standbys[sb as usize];
                state.counts.data.record(0.0, 0, year);
                state.lags_us.push(0);
            }
            return;
        };
        let state = &mut self.standbys[sb as usize];
        let lag_us = loss.lag.sample_us(&mut state.lag_stream);
        let lost = crate::model::writes_between(
            loss.writes_per_s,
            loss.writes_pattern.as_deref(),
            at.saturating_sub(lag_us),
            at,
        );
        state.counts.data.record(lost, lag_us, year);
        state.lags_us.push(lag_us);
    }

    fn in_window(&self) -> bool {
        self.now >= self.window.start_us && self.now <= self.window.end_us
    }

    fn schedule_slot(&mut self, sb: u32, slot: usize, delay_us: u64) {
        let s = &mut self.standbys[sb as usize].slots[slot];
        s.epoch = s.epoch.wrapping_add(1);
        let at = self.now.saturating_add(delay_us);
        self.queue
            .push(at, payload(KIND_STANDBY, event_index(sb, slot), s.epoch));
    }

    fn cancel_slot_event(&mut self, sb: u32, slot: usize) {
        let s = &mut self.standbys[sb as usize].slots[slot];
        s.epoch = s.epoch.wrapping_add(1);
    }

    /// A member node of standby service `sb` went down or came up.
    pub(super) fn standby_member_changed(&mut self, sb: u32, node: u32, up: bool) {
        self.account_downtime(sb);
        self.materialise(sb, None);
        let plan = &self.plan.standbys[sb as usize];
        let Some(index) = plan.pool.iter().position(|&n| n == node) else {
            return;
        };
        let index = index as u32;
        let n_slots = self.standbys[sb as usize].slots.len();
        let root = self.node_cause[node as usize];
        if !up && self.standbys[sb as usize].resyncing[index as usize] {
            self.end_resync(sb, index);
        }
        if !up {
            for slot in 0..n_slots {
                let s = self.standbys[sb as usize].slots[slot];
                match s.phase {
                    Phase::Serving if s.member == index => {
                        let slot_state = &mut self.standbys[sb as usize].slots[slot];
                        slot_state.outage_start_us = self.now;
                        slot_state.root_cause = root;
                        self.begin_detection(sb, slot);
                    }
                    // Cut off and now down for real: the monitor, which
                    // already hears nothing, notices when it would have
                    // suspected it anyway; the pending event stays.
                    Phase::Isolated { .. } if s.member == index => {
                        let slot = &mut self.standbys[sb as usize].slots[slot];
                        slot.phase = Phase::Detecting;
                        slot.outage_start_us = self.now;
                        slot.root_cause = root;
                    }
                    // The takeover starts again with the next healthy member.
                    Phase::TakingOver(candidate) if candidate == index => {
                        self.standbys[sb as usize].slots[slot].root_cause = root;
                        self.start_takeover(sb, slot, false)
                    }
                    // The falsely suspected member, still serving unfenced,
                    // fails for real: from now on the takeover is an outage.
                    Phase::TakingOver(_) if s.unfenced && s.member == index => {
                        let slot = &mut self.standbys[sb as usize].slots[slot];
                        slot.unfenced = false;
                        slot.outage_start_us = self.now;
                        slot.root_cause = root;
                    }
                    _ => {}
                }
            }
        } else {
            let slots = &self.standbys[sb as usize].slots;
            let detecting = slots
                .iter()
                .position(|s| s.phase == Phase::Detecting && s.member == index);
            if let Some(slot) = detecting {
                // Back before the monitor noticed: it never failed over.
                self.cancel_slot_event(sb, slot);
                let s = &mut self.standbys[sb as usize].slots[slot];
                s.phase = Phase::Serving;
                s.covered = None;
            } else if !self.standbys[sb as usize].exiled[index as usize] {
                self.begin_resync(sb, index);
            }
        }
        if plan.exposed && self.hearing_impaired() {
            self.end_split_brains(sb, false);
            self.check_monitors(sb);
        }
        self.refresh_speeds(sb);
    }

    /// Member `index` is healthy and can serve again (back from repair, or
    /// reachable again after a partition): it fills a slot no member
    /// serves, at once, or takes its home slot back with `failback: auto`.
    pub(in crate::engine) fn member_available(&mut self, sb: u32, index: u32) {
        if self.standbys[sb as usize].resyncing[index as usize] {
            return;
        }
        let slots = &self.standbys[sb as usize].slots;
        let down = slots.iter().position(|s| matches!(s.phase, Phase::Down(_)));
        if let (Some(slot), false) = (down, self.assigned(sb, index, None)) {
            let s = &mut self.standbys[sb as usize].slots[slot];
            s.member = index;
            s.phase = Phase::Serving;
            if self.plan.standbys[sb as usize].sync.is_some() {
                self.sync_serving(sb, index);
            }
        } else if (index as usize) < slots.len() {
            self.fail_back(sb, index as usize);
        }
    }

    /// With `failback: auto`, the home member of `slot` (the member that
    /// served it at the start) takes it back from the member serving it, if
    /// it is healthy and free: a switchover like any other.
    fn fail_back(&mut self, sb: u32, slot: usize) {
        let home = slot as u32;
        let s = self.standbys[sb as usize].slots[slot];
        let pool = &self.plan.standbys[sb as usize].pool;
        if self.plan.standbys[sb as usize].failback_auto
            && s.phase == Phase::Serving
            && s.member != home
            && self.node_up(pool[home as usize])
            && !self.standbys[sb as usize].exiled[home as usize]
            && !self.standbys[sb as usize].resyncing[home as usize]
            && !self.assigned(sb, home, Some(slot))
        {
            let s = &mut self.standbys[sb as usize].slots[slot];
            s.outage_start_us = self.now;
            s.failing_back = true;
            self.begin_takeover(sb, slot, home);
        }
    }

    /// Whether member `i` holds a slot: serves it (or is down and not yet
    /// detected, or, deposed without fencing, serves on during the
    /// takeover), or is being switched into it; slot `skip` (the one being
    /// filled) does not count. The member a slot lost holds nothing once the
    /// takeover has begun: repaired meanwhile, it is free for another slot.
    fn assigned(&self, sb: u32, i: u32, skip: Option<usize>) -> bool {
        let slots = &self.standbys[sb as usize].slots;
        slots.iter().enumerate().any(|(k, s)| {
            let phase = s.phase.at(self.now);
            let holds = match phase {
                Phase::Serving
                | Phase::Isolated { .. }
                | Phase::Detecting
                | Phase::Switching { .. } => true,
                Phase::TakingOver(_) => s.unfenced,
                Phase::Down(_) => false,
            };
            Some(k) != skip && ((s.member == i && holds) || phase == Phase::TakingOver(i))
        })
    }

    /// The member serving `slot` failed: its monitor notices after the
    /// detection delay. For hot standbys and hot spares, whose speed does
    /// not change when switched in, the takeover is drawn now as well and
    /// the whole failover is one event (see `Phase::Switching`).
    fn begin_detection(&mut self, sb: u32, slot: usize) {
        if self.planned {
            // Planned maintenance: the role is handed over, nothing to detect.
            return self.start_takeover(sb, slot, true);
        }
        let Some(delay) = self.draw_detection_delay(sb) else {
            return self.start_takeover(sb, slot, true);
        };
        let plan = &self.plan.standbys[sb as usize];
        // With arbiters the decision is taken at the detection: not merged.
        let (coverage, merge) = (
            plan.coverage,
            plan.idle_speed == 1.0 && plan.arbiters.is_empty(),
        );
        // With no free member now there is no coverage to draw: the
        // detection decides (`start_takeover`).
        let free = if merge {
            self.free_member(sb, Some(slot), None)
        } else {
            None
        };
        if let Some(candidate) = free {
            let state = &mut self.standbys[sb as usize];
            let covered = coverage >= 1.0 || state.stream.uniform() < coverage;
            state.slots[slot].covered = Some(covered);
            if covered {
                let detect_at = self.now.saturating_add(delay);
                let total = delay.saturating_add(self.takeover_delay(sb));
                let s = &mut self.standbys[sb as usize].slots[slot];
                s.phase = Phase::Switching {
                    detect_at,
                    candidate,
                };
                s.covered = None;
                return self.schedule_slot(sb, slot, total);
            }
        }
        self.standbys[sb as usize].slots[slot].phase = Phase::Detecting;
        self.schedule_slot(sb, slot, delay);
    }

    /// A heartbeat detection delay, uniform between `timeout − interval`
    /// and `timeout` (the monitor stops hearing at a uniform phase of the
    /// interval); `None` without heartbeat detection.
    pub(in crate::engine) fn draw_detection_delay(&mut self, sb: u32) -> Option<u64> {
        let (low, high) = self.plan.standbys[sb as usize].detection_us?;
        let u = self.standbys[sb as usize].stream.uniform();
        Some(low + ((high - low) as f64 * u).round() as u64)
    }

    fn takeover_delay(&mut self, sb: u32) -> u64 {
        let plan = &self.plan.standbys[sb as usize];
        let stream = &mut self.standbys[sb as usize].stream;
        plan.takeover
            .iter()
            .fold(0u64, |total, d| total.saturating_add(d.sample_us(stream)))
    }

    /// The first healthy member, in pool order, that serves no slot and is
    /// not being switched in, counting neither slot `skip` nor member `except`.
    fn free_member(&self, sb: u32, skip: Option<usize>, except: Option<u32>) -> Option<u32> {
        let pool = &self.plan.standbys[sb as usize].pool;
        let exiled = &self.standbys[sb as usize].exiled;
        let resyncing = &self.standbys[sb as usize].resyncing;
        (0..pool.len() as u32).find(|&i| {
            Some(i) != except
                && self.node_up(pool[i as usize])
                && !exiled[i as usize]
                && !resyncing[i as usize]
                && !self.assigned(sb, i, skip)
        })
    }

    /// Starts a takeover of `slot` by the first free healthy member;
    /// `new_failover` draws its coverage and counts it (a restart after the
    /// member being switched in failed is part of the same failover). With
    /// no free healthy member there is no failover: nothing is counted nor
    /// drawn, and the slot is down with no member (a coverage drawn early
    /// for a merged failover is dropped).
    pub(in crate::engine) fn start_takeover(&mut self, sb: u32, slot: usize, new_failover: bool) {
        let in_window = self.in_window();
        self.standbys[sb as usize].slots[slot].unfenced = false;
        // The slot being filled does not hold its own members back: after a
        // failed failback, its still healthy member may serve it again.
        let free = self.free_member(sb, Some(slot), None);
        if new_failover && free.is_some() && !self.arbiters_agree(sb, None) {
            // No quorum of arbiters to decide: the slot waits, down.
            let s = &mut self.standbys[sb as usize].slots[slot];
            s.phase = Phase::Down(DownReason::NoQuorum);
            s.covered = None;
            if Self::TRACING {
                self.note(Happening::NoQuorum { standby: sb });
            }
            self.cancel_slot_event(sb, slot);
            self.refresh_speeds(sb);
            return;
        }
        if new_failover && free.is_none() {
            self.standbys[sb as usize].slots[slot].covered = None;
            // A member catching up (`resync`) will take over when it has:
            // the failover waits for it.
            let pool = &self.plan.standbys[sb as usize].pool;
            let state = &self.standbys[sb as usize];
            let waits = (0..pool.len())
                .any(|i| state.resyncing[i] && self.node_blockers[pool[i] as usize] == 0);
            if waits && in_window {
                self.standbys[sb as usize].counts.data.resync_waits += 1;
            }
        } else if new_failover {
            let coverage = self.plan.standbys[sb as usize].coverage;
            let state = &mut self.standbys[sb as usize];
            if in_window {
                state.counts.failovers += 1;
            }
            if in_window {
                self.lose_writes(sb, self.now);
            }
            let state = &mut self.standbys[sb as usize];
            let covered = match state.slots[slot].covered.take() {
                Some(covered) => covered,
                None => coverage >= 1.0 || state.stream.uniform() < coverage,
            };
            if !covered {
                if in_window {
                    state.counts.failed_failovers += 1;
                }
                state.slots[slot].phase = Phase::Down(DownReason::FailedTakeover);
                if Self::TRACING {
                    self.note(Happening::TakeoverFailed { standby: sb });
                }
                self.cancel_slot_event(sb, slot);
                self.refresh_speeds(sb);
                return;
            }
        }
        match free {
            None => {
                let s = &mut self.standbys[sb as usize].slots[slot];
                s.phase = Phase::Down(DownReason::NoMember);
                s.failing_back = false;
                if Self::TRACING {
                    self.note(Happening::NoMember { standby: sb });
                }
                self.cancel_slot_event(sb, slot);
            }
            Some(candidate) => self.begin_takeover(sb, slot, candidate),
        }
        self.refresh_speeds(sb);
    }

    pub(super) fn push_standby_service(&mut self, sb: u32) {
        let service = self.plan.standbys[sb as usize].service;
        self.worklist.push(service);
        self.propagate();
    }

    /// The member switched into `slot` serves it now.
    fn complete_takeover(&mut self, sb: u32, slot: usize, candidate: u32) {
        let in_window = self.in_window();
        let plan = &self.plan.standbys[sb as usize];
        let interval = plan.interval_us;
        let deposed = self.standbys[sb as usize].slots[slot].member;
        let deposed_up = self.node_up(plan.pool[deposed as usize]);
        let deposed_cut = self.standbys[sb as usize].exiled[deposed as usize]
            && self.unreachable(plan.pool[deposed as usize], plan.pool[candidate as usize]);
        // Without fencing the preferred member never stopped: with
        // `failback: auto` it wins once both hear each other again (as
        // VRRP preemption does), and the member switched in steps back.
        let keeps_role = plan.failback_auto && deposed as usize == slot;
        let mut serving = candidate;
        let state = &mut self.standbys[sb as usize];
        let s = &mut state.slots[slot];
        if s.unfenced && candidate != s.member && deposed_up && deposed_cut {
            // Cut off, the deposed member hears nothing: it serves on until
            // the partition heals or it fails.
            s.split = Some((deposed, self.now));
            if in_window {
                state.counts.split_brains += 1;
            }
        } else if s.unfenced && candidate != s.member && deposed_up {
            // The deposed member serves on until the next heartbeat tells it.
            let overlap = (interval as f64 * state.stream.uniform()).round() as u64;
            if in_window {
                state.counts.split_brains += 1;
                state.counts.split_brain_us += overlap;
            }
            if keeps_role {
                serving = deposed;
            }
        } else if in_window
            && !s.unfenced
            && self.now > s.outage_start_us
            && s.outage_start_us >= self.window.start_us
        {
            let outage = self.now - s.outage_start_us;
            if s.failing_back {
                state.counts.failbacks += 1;
                state.counts.failback_us += outage;
            } else {
                state.counts.takeovers += 1;
                state.counts.takeover_us += outage;
                state.takeovers_us.push(outage);
            }
        }
        let s = &mut state.slots[slot];
        s.unfenced = false;
        s.failing_back = false;
        s.member = serving;
        s.phase = Phase::Serving;
        if self.plan.standbys[sb as usize].sync.is_some() {
            self.sync_serving(sb, serving);
        }
        if Self::TRACING {
            self.note(Happening::Serving {
                standby: sb,
                member: serving,
            });
        }
        self.refresh_speeds(sb);
        // The home member came back while the slot was being taken over, or
        // was falsely suspected: with `failback: auto` it takes the slot back.
        self.fail_back(sb, slot);
        if deposed != serving {
            self.home_freed(sb, deposed);
        }
        if self.plan.standbys[sb as usize].exposed && self.hearing_impaired() {
            self.check_monitors(sb);
        }
    }

    /// Switches `candidate` into `slot` after a drawn takeover delay; a
    /// delay of zero completes at once, so no zero-length outage is counted.
    fn begin_takeover(&mut self, sb: u32, slot: usize, candidate: u32) {
        let lost = self.standbys[sb as usize].slots[slot].member;
        self.standbys[sb as usize].slots[slot].phase = Phase::TakingOver(candidate);
        if Self::TRACING {
            self.note(Happening::Takeover {
                standby: sb,
                member: candidate,
            });
        }
        let mut delay = self.takeover_delay(sb);
        if let Some(r) = self.plan.standbys[sb as usize].recovery {
            // A cold member has no state: it rebuilds the state as of the
            // moment the slot's outage began, after its boot.
            let at = self.standbys[sb as usize].slots[slot].outage_start_us;
            delay = delay.saturating_add(self.rebuild_us(r, at));
        }
        if delay == 0 {
            // Completing frees the member the slot lost, as below.
            self.cancel_slot_event(sb, slot);
            self.complete_takeover(sb, slot, candidate);
        } else {
            self.schedule_slot(sb, slot, delay);
            // The member the slot lost holds nothing now: if it is healthy,
            // it may take its own home slot back.
            if lost != candidate {
                self.home_freed(sb, lost);
            }
        }
    }

    /// Member `member` has just become free: with `failback: auto`, if it
    /// is the home of a slot that another member serves, it takes it back.
    fn home_freed(&mut self, sb: u32, member: u32) {
        if (member as usize) < self.standbys[sb as usize].slots.len() {
            self.fail_back(sb, member as usize);
        }
    }

    /// A detection or takeover event of a slot; false when stale.
    pub(super) fn on_standby_event(&mut self, index: u32, epoch: u32) -> bool {
        let (sb, slot) = split_index(index);
        if self.standbys[sb as usize].slots[slot].epoch != epoch {
            return false;
        }
        self.account_downtime(sb);
        self.materialise(sb, Some(slot));
        match self.standbys[sb as usize].slots[slot].phase {
            Phase::Detecting => {
                self.count_detection(sb, slot, self.now);
                self.start_takeover(sb, slot, true);
            }
            Phase::TakingOver(candidate) => self.complete_takeover(sb, slot, candidate),
            Phase::Switching {
                detect_at,
                candidate,
            } => {
                self.count_detection(sb, slot, detect_at);
                self.count_failover(sb, detect_at);
                self.note_switch(sb, detect_at, candidate);
                self.complete_takeover(sb, slot, candidate);
            }
            Phase::Isolated { .. } => self.on_partition_suspicion(sb, slot),
            Phase::Serving | Phase::Down(_) => {}
        }
        self.push_standby_service(sb);
        true
    }
}
