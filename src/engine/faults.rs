//! Injected faults: a fault fires at a fixed time or as a renewal process
//! (in window time when it has a `during` window), takes its targets down
//! for a drawn duration, and lets them up again as after a repair. Faults
//! cost events only when they fire and end; without faults nothing here
//! runs and no stream is drawn.

use super::causes::NONE;
use super::plan::UnitKind;
use super::rng::{Stream, StreamKey};
use super::sampler::Sampler;
use super::{FutureEvents, KIND_FAULT, KIND_FAULT_END, Sim, payload};
use crate::metrics::faults::{FaultCounts, Injected};
use crate::metrics::trace::Happening;
use crate::model::{FaultTarget, FaultWindow, Micros, Model};

const HOUR_US: u64 = 3_600_000_000;
const DAY_US: u64 = 24 * HOUR_US;
const WEEK_US: u64 = 7 * DAY_US;

/// One fault entry, flattened for the engine.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    /// Its cause of downtime (a unit it holds down is down for it).
    pub cause: u32,
    /// The units it may hit: nodes (unit n is node n), a domain or a link.
    pub units: Vec<u32>,
    /// Hits one running node of `units`, chosen uniformly, at each firing.
    pub random: bool,
    pub at_us: Option<Micros>,
    pub every: Option<Sampler>,
    pub during: Option<FaultWindow>,
    pub duration: Sampler,
    /// `slow` with a `factor`: the capacity divisor of its targets.
    pub factor: Option<f64>,
    /// `maintenance`: planned, so drained first and handed over without
    /// detection; `rolling`: one target at a time.
    pub planned: bool,
    pub rolling: bool,
    /// Streams for the gaps, the durations and the random choice.
    pub keys: [StreamKey; 3],
}

/// The fault entries of `model`, with their causes (`fault_causes`, in
/// order) and the units of its domains and links.
pub fn plans(
    model: &Model,
    fault_causes: &[u32],
    domain_unit: &[u32],
    link_unit: &[u32],
    stall_unit: &[Option<u32>],
    deaf_unit: &[u32],
) -> Vec<FaultPlan> {
    let mut one_way = deaf_unit.iter();
    model
        .faults
        .iter()
        .zip(fault_causes)
        .map(|(f, &cause)| {
            // A stall targets the node's stall unit (its monitors stop
            // hearing it), a crash the node itself.
            let unit_of = |n: usize| {
                if f.action.stalls() {
                    stall_unit[n].unwrap_or(n as u32)
                } else {
                    n as u32
                }
            };
            let (units, random) = match &f.target {
                FaultTarget::Nodes(n) => (n.iter().map(|&n| unit_of(n)).collect(), false),
                FaultTarget::RandomNode(n) => (n.iter().map(|&n| unit_of(n)).collect(), true),
                FaultTarget::Domain(d) => (vec![domain_unit[*d]], false),
                FaultTarget::Link(l) => (vec![link_unit[*l]], false),
                FaultTarget::OneWay { .. } => {
                    (one_way.next().copied().into_iter().collect(), false)
                }
            };
            let key = |purpose: &str| StreamKey::of(&["fault", &f.name, purpose]);
            FaultPlan {
                cause,
                units,
                random,
                at_us: f.at_us,
                every: f.every.as_ref().map(Sampler::new),
                during: f.during,
                duration: Sampler::new(&f.duration),
                factor: f.factor,
                planned: f.action == crate::model::FaultAction::Maintenance,
                rolling: f.rolling,
                keys: [key("every"), key("duration"), key("target")],
            }
        })
        .collect()
}

/// The first instant at or after `t` inside `window`.
fn window_start(window: &FaultWindow, t: Micros) -> Micros {
    let mut day_start = t - t % DAY_US;
    for _ in 0..8 {
        let day = ((day_start / DAY_US) % 7) as usize;
        let (open, close) = (
            day_start + u64::from(window.from_h) * HOUR_US,
            day_start + u64::from(window.to_h) * HOUR_US,
        );
        if window.days[day] && t < close {
            return t.max(open);
        }
        day_start += DAY_US;
    }
    t
}

/// The instant when `gap` of window time has passed after `t` (plain time
/// without a window).
pub fn after_window_time(window: Option<&FaultWindow>, t: Micros, gap: Micros) -> Micros {
    let Some(w) = window else {
        return t.saturating_add(gap);
    };
    let per_week = u64::from(w.hours_per_week()) * HOUR_US;
    let mut t = window_start(w, t);
    // A whole week from inside the window holds exactly one week's window time.
    let weeks = gap / per_week;
    t = t.saturating_add(weeks.saturating_mul(WEEK_US));
    let mut left = gap % per_week;
    loop {
        let close = t - t % DAY_US + u64::from(w.to_h) * HOUR_US;
        if left < close - t {
            return t + left;
        }
        left -= close - t;
        t = window_start(w, close);
    }
}

/// Run-time state of the faults of one replication.
#[derive(Clone)]
pub struct FaultState {
    streams: Vec<[Stream; 3]>,
    /// The fault holding each unit down, or NONE (empty without faults).
    pub unit_fault: Vec<u32>,
    /// Faults in effect now, and the latest of them to fire.
    active: u32,
    latest: u32,
    pub counts: Vec<FaultCounts>,
    pub injected: Vec<Injected>,
    /// Per entity: when its outage that began under a fault began.
    pub since: Vec<Option<Micros>>,
    /// The fault entry each such system outage is counted for.
    system_fault: u32,
    /// Per rolling maintenance under way: the target it takes down next
    /// (`None`: no wave under way); how many waves wait for their targets.
    pub waves: Vec<Option<usize>>,
    pub waiting: u32,
}

impl FaultState {
    pub fn new(
        faults: &[FaultPlan],
        n_units: usize,
        n_entities: usize,
        seed: u64,
        rep: u64,
    ) -> Self {
        let empty = faults.is_empty();
        FaultState {
            streams: faults
                .iter()
                .map(|f| f.keys.map(|k| Stream::new(seed, rep, k)))
                .collect(),
            unit_fault: if empty {
                Vec::new()
            } else {
                vec![NONE; n_units]
            },
            active: 0,
            latest: NONE,
            counts: vec![FaultCounts::default(); faults.len()],
            injected: if empty {
                Vec::new()
            } else {
                vec![Injected::default(); n_entities]
            },
            since: if empty {
                Vec::new()
            } else {
                vec![None; n_entities]
            },
            system_fault: NONE,
            waves: vec![None; faults.len()],
            waiting: 0,
        }
    }
}

impl FaultState {
    /// Whether rolling maintenance `f` waits for its targets (none of them
    /// is held down by it now).
    fn unit_fault_of_wave(&self, f: u32, units: &[u32]) -> bool {
        units.iter().all(|&u| self.unit_fault[u as usize] != f)
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Schedules each fault's first firing.
    pub(super) fn start_faults(&mut self) {
        for f in 0..self.plan.faults.len() {
            let fault = &self.plan.faults[f];
            let first = match (fault.at_us, &fault.every) {
                (Some(at), _) => Some(at),
                (None, Some(every)) => {
                    let gap = every.sample_us(&mut self.faults.streams[f][0]);
                    Some(after_window_time(fault.during.as_ref(), 0, gap))
                }
                (None, None) => None,
            };
            if let Some(at) = first {
                self.queue.push(at, payload(KIND_FAULT, f as u32, 0));
            }
        }
    }

    /// Fault `f` fires: it hits its targets that are up and running.
    pub(super) fn on_fault(&mut self, f: u32) {
        let plan = self.plan;
        let fault = &plan.faults[f as usize];
        let running = |sim: &Self, u: u32| {
            let node = match plan.units[u as usize].kind {
                UnitKind::Node(n) | UnitKind::Stall(n) => Some(n as usize),
                _ => None,
            };
            let u = u as usize;
            sim.unit_failed[u] == 0
                && sim.unit_speed[u] > 0.0
                && node.is_none_or(|n| sim.node_blockers[n] == 0 && sim.unit_speed[n] > 0.0)
        };
        if fault.rolling {
            return self.start_wave(f);
        }
        let mut hit = Vec::new();
        if fault.random {
            let pick = self.faults.streams[f as usize][2].uniform();
            let candidates: Vec<u32> = fault
                .units
                .iter()
                .copied()
                .filter(|&u| running(self, u))
                .collect();
            if !candidates.is_empty() {
                let i = ((pick * candidates.len() as f64) as usize).min(candidates.len() - 1);
                hit.push(candidates[i]);
            }
        } else {
            hit.extend(fault.units.iter().copied().filter(|&u| running(self, u)));
        }
        if self.in_measured_window() {
            let counts = &mut self.faults.counts[f as usize];
            counts.injections += hit.len() as u64;
            let targets = if fault.random { 1 } else { fault.units.len() };
            counts.skipped += (targets - hit.len()) as u64;
        }
        for u in hit {
            self.inject(f, u);
        }
        self.schedule_next_firing(f);
    }

    fn schedule_next_firing(&mut self, f: u32) {
        if let Some(every) = &self.plan.faults[f as usize].every {
            let gap = every.sample_us(&mut self.faults.streams[f as usize][0]);
            let next =
                after_window_time(self.plan.faults[f as usize].during.as_ref(), self.now, gap);
            self.queue.push(next, payload(KIND_FAULT, f, 0));
        }
    }

    /// Fault `f` takes unit `u` down for a drawn duration.
    fn inject(&mut self, f: u32, u: u32) {
        let fault = &self.plan.faults[f as usize];
        let duration = fault
            .duration
            .sample_us(&mut self.faults.streams[f as usize][1]);
        self.faults.active += 1;
        self.faults.latest = f;
        self.faults.unit_fault[u as usize] = f;
        if let Some(factor) = fault.factor {
            self.slow_down(u as usize, factor, true);
        }
        // Planned: balancers drain it and standbys hand over without detection.
        self.planned = fault.planned;
        self.hold_down(u as usize, fault.cause);
        self.planned = false;
        self.queue.push(
            self.now.saturating_add(duration),
            payload(KIND_FAULT_END, u, 0),
        );
    }

    /// A rolling maintenance fires: a wave through its targets starts,
    /// unless one is still under way (the firing is then skipped).
    fn start_wave(&mut self, f: u32) {
        if self.faults.waves[f as usize].is_some() {
            if self.in_measured_window() {
                self.faults.counts[f as usize].skipped += 1;
            }
        } else {
            self.faults.waves[f as usize] = Some(0);
            self.faults.waiting += 1;
            self.advance_wave(f);
        }
        self.schedule_next_firing(f);
    }

    /// Takes the next target of rolling maintenance `f` down if every one
    /// of its targets is up and running; otherwise the wave waits (it is
    /// looked at again whenever a node comes back up). Ends the wave after
    /// the last target.
    fn advance_wave(&mut self, f: u32) {
        let Some(next) = self.faults.waves[f as usize] else {
            return;
        };
        let units = &self.plan.faults[f as usize].units;
        if next == units.len() {
            self.faults.waves[f as usize] = None;
            self.faults.waiting -= 1;
            return;
        }
        let all_up = units
            .iter()
            .all(|&u| self.unit_failed[u as usize] == 0 && self.node_blockers[u as usize] == 0);
        if !all_up {
            return;
        }
        let u = units[next];
        self.faults.waiting -= 1;
        if self.in_measured_window() {
            self.faults.counts[f as usize].injections += 1;
        }
        self.inject(f, u);
    }

    /// A node came back up while some rolling maintenance waits for its
    /// targets: each waiting wave looks again.
    #[cold]
    pub(super) fn waves_look_again(&mut self) {
        for f in 0..self.plan.faults.len() as u32 {
            if self.plan.faults[f as usize].rolling
                && self.faults.waves[f as usize].is_some()
                && self
                    .faults
                    .unit_fault_of_wave(f, &self.plan.faults[f as usize].units)
            {
                self.advance_wave(f);
            }
        }
    }

    /// The fault holding unit `u` down is over: it is up as after a repair.
    /// A rolling maintenance goes on with its next target.
    pub(super) fn on_fault_end(&mut self, u: u32) {
        let u = u as usize;
        let f = self.faults.unit_fault[u];
        let fault = &self.plan.faults[f as usize];
        if let Some(factor) = fault.factor {
            self.slow_down(u, factor, false);
        }
        self.faults.unit_fault[u] = NONE;
        self.faults.active -= 1;
        if fault.rolling
            && let Some(next) = self.faults.waves[f as usize]
        {
            self.faults.waves[f as usize] = Some(next + 1);
            self.faults.waiting += 1;
        }
        self.release(u);
        if fault.rolling {
            self.advance_wave(f);
        }
    }

    /// A `slow` fault with a factor begins or ends on stall unit `u`: its
    /// node's capacity for traffic is divided by `factor`, or no longer.
    pub(super) fn slow_down(&mut self, u: usize, factor: f64, start: bool) {
        let UnitKind::Stall(n) = self.plan.units[u].kind else {
            return;
        };
        let n = n as usize;
        if start {
            if self.slowed[n] == 0 {
                self.n_slowed += 1;
            }
            *self.slowed.write::<MODE>(n, &mut self.journal) += 1;
            *self.slowdown.write::<MODE>(n, &mut self.journal) *= factor;
        } else {
            *self.slowed.write::<MODE>(n, &mut self.journal) -= 1;
            // Back to exactly 1 when no factor is left (no rounding drift).
            *self.slowdown.write::<MODE>(n, &mut self.journal) = match self.slowed[n] {
                0 => {
                    self.n_slowed -= 1;
                    1.0
                }
                _ => self.slowdown[n] / factor,
            };
        }
        self.traffic_capacity_changed(n as u32);
    }

    /// Holds unit `u` down for an outside reason (an injected fault, an
    /// overload collapse): its failure clocks pause, as during a repair.
    /// Not inlined, so that the failure path keeps its own inlining.
    #[inline(never)]
    pub(super) fn hold_down(&mut self, u: usize, cause: u32) {
        *self.unit_failed.write::<MODE>(u, &mut self.journal) += 1;
        self.pause_other_clocks(u, u32::MAX);
        self.cause = cause;
        self.unit_changed(u, false);
    }

    /// Lets unit `u` up from [`Self::hold_down`] when nothing else holds it.
    #[inline(never)]
    pub(super) fn release(&mut self, u: usize) {
        *self.unit_failed.write::<MODE>(u, &mut self.journal) -= 1;
        if self.unit_failed[u] == 0 {
            self.resume_other_clocks(u, u32::MAX);
            self.unit_changed(u, true);
        }
    }

    fn in_measured_window(&self) -> bool {
        self.now >= self.window.start_us && self.now <= self.window.end_us
    }

    /// Entity `e` (0 the system) changed: an outage that begins while a
    /// fault is in effect is an injected one until it ends.
    #[cold]
    pub(super) fn fault_entity_changed(&mut self, e: usize, up: bool) {
        if up {
            let Some(since) = self.faults.since[e].take() else {
                return;
            };
            self.close_injected(e, since, self.now);
        } else if self.faults.active > 0 {
            self.faults.since[e] = Some(self.now);
            if e == 0 {
                self.faults.system_fault = self.faults.latest;
            }
            if self.in_measured_window() {
                self.faults.injected[e].outages += 1;
                if e == 0 {
                    self.faults.counts[self.faults.latest as usize].system_outages += 1;
                }
            }
        }
    }

    fn close_injected(&mut self, e: usize, since: Micros, until: Micros) {
        let w = self.window;
        let clamp = |t: Micros| t.clamp(w.start_us, w.end_us);
        let us = clamp(until) - clamp(since);
        self.faults.injected[e].downtime_us += us;
        if e == 0 && self.faults.system_fault != NONE {
            self.faults.counts[self.faults.system_fault as usize].system_downtime_us += us;
        }
    }

    /// Closes the injected outages still going on at the end of the run.
    pub(super) fn finish_faults(&mut self) {
        for e in 0..self.faults.since.len() {
            if let Some(since) = self.faults.since[e].take() {
                self.close_injected(e, since, self.window.end_us);
            }
        }
    }

    /// A trace note for a fault's firing.
    pub(super) fn note_fault(&mut self, f: u32) {
        if Self::TRACING {
            self.note(Happening::Fault { fault: f });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_time_skips_nights_and_weekends() {
        // Monday to Friday, 9:00 to 17:00: 40 hours a week.
        let w = FaultWindow {
            days: [true, true, true, true, true, false, false],
            from_h: 9,
            to_h: 17,
        };
        let h = HOUR_US;
        // From Monday 0:00, one hour of window time ends Monday 10:00.
        assert_eq!(after_window_time(Some(&w), 0, h), 10 * h);
        // Eight hours end at Monday 17:00 exactly? No: the ninth starts Tuesday 9:00.
        assert_eq!(after_window_time(Some(&w), 0, 8 * h), 24 * h + 9 * h);
        assert_eq!(after_window_time(Some(&w), 0, 8 * h - 1), 17 * h - 1);
        // 40 hours: a whole week, from Monday 9:00 to the next Monday 9:00.
        assert_eq!(after_window_time(Some(&w), 0, 40 * h), WEEK_US + 9 * h);
        // From Friday 16:00, two hours end Monday 10:00.
        let friday_16 = 4 * DAY_US + 16 * h;
        assert_eq!(
            after_window_time(Some(&w), friday_16, 2 * h),
            WEEK_US + 10 * h
        );
        // A weekend start waits for Monday.
        assert_eq!(after_window_time(Some(&w), 5 * DAY_US, 0), WEEK_US + 9 * h);
        assert_eq!(after_window_time(None, 5, 7), 12);
    }
}
