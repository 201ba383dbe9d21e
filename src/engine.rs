//! The discrete-event engine: one replication of a [`Plan`], from everything
//! new and up at time zero to the end of the horizon.
//!
//! Only state changes are events: a failure mode firing, a repair finishing,
//! a group shock. Services and the system are re-evaluated from counters
//! when a node changes state, so the cost of a replication grows with the
//! number of failures and repairs, not with simulated time. The engine does
//! no I/O and cannot fail.

mod causes;
mod clocks;
mod demand;
mod election;
mod faults;
mod journal;
mod monitor;
mod network;
mod overload;
mod plan;
pub mod queue;
pub mod rare;
mod recovery;
mod requests;
pub mod rng;
pub mod sampler;
mod standby;
mod traffic;

pub use causes::plan::CausePlan;
pub use faults::FaultPlan;
pub use plan::{Plan, false_suspicion_rate_per_us};
pub use traffic::TrafficPlans;

use crate::metrics::trace::{Happening, TraceEvent};
use crate::metrics::{RepOutcome, Tally, Window};
use causes::Attribution;
use journal::{Journal, Tracked};
use plan::UnitKind;
use queue::{BinaryHeap, FutureEvents, RadixHeap};
use rng::Stream;
use std::collections::VecDeque;

/// What an event does; stored in the low bits of the event payload.
const KIND_FAIL: u64 = 0;
const KIND_REPAIR: u64 = 1;
const KIND_SHOCK: u64 = 2;
const KIND_STANDBY: u64 = 3;
const KIND_SUSPECT: u64 = 4;
const KIND_TRAFFIC: u64 = 5;
const KIND_FAULT: u64 = 6;
const KIND_MONITOR: u64 = 7;
const KIND_ELECTION: u64 = 8;
const KIND_SYNC: u64 = 9;
const KIND_REBUILD: u64 = 11;
const KIND_FAULT_END: u64 = 12;
const KIND_COLLAPSE: u64 = 10;
const KIND_RESTART: u64 = 13;
const KIND_DEMAND: u64 = 14;
const KIND_RESYNC: u64 = 15;
// Four bits leave room for 16 kinds: all are taken.
const KIND_SHIFT: u32 = 28;
const KIND_MASK: u64 = 0b1111;
/// The tag of a repair shared by a shock's instances (`together`), never redrawn.
const REPAIR_SHARED: u32 = u32::MAX;
const INDEX_MASK: u64 = (1 << KIND_SHIFT) - 1;

#[inline]
fn payload(kind: u64, index: u32, epoch: u32) -> u64 {
    (u64::from(epoch) << 32) | (kind << KIND_SHIFT) | u64::from(index)
}

/// Settings of one replication.
#[derive(Clone, Copy, Debug)]
pub struct RunSettings {
    pub seed: u64,
    pub warmup_us: u64,
    pub horizon_us: u64,
}

/// The run-time state of one failure mode, with its two random streams
/// beside it so that handling an event touches one place in memory.
#[derive(Clone, Debug, PartialEq)]
struct ModeState {
    ttf_stream: Stream,
    repair_stream: Stream,
    /// When the running clock fires (valid while scheduled).
    due_us: u64,
    /// Work left on a clock that is not scheduled: paused while its unit is
    /// down for another mode, or while the unit runs at speed zero.
    remaining_us: u64,
    /// Bumped when a clock is paused, so its scheduled event becomes stale.
    epoch: u32,
    /// An event for this clock (with the current epoch) is in the queue.
    scheduled: bool,
    failed: bool,
    /// The tag of the mode's repair event; a splitting copy that redraws the
    /// repair bumps it (see `rare`). Zero otherwise.
    repair_tag: u32,
    /// When the mode's last repair of its own (not a shock's shared one)
    /// ends: one is in progress while this is in the future.
    repair_due_us: u64,
    /// Its place in its pool when a splitting copy runs its clock as part
    /// of one clock per mean (`rare::Pool`; it is then `scheduled` with no
    /// event of its own); `rare::NOT_POOLED` otherwise.
    pool_slot: u32,
}

#[derive(Clone, Copy)]
struct ServiceState {
    up_members: u32,
    up_capacity: i64,
    requires_down: u32,
    up: bool,
}

#[derive(Clone)]
struct Crew {
    busy: u32,
    waiting: VecDeque<u32>,
}

/// The state of one replication; a copy goes on independently of the
/// original (rare-event splitting).
#[derive(Clone)]
struct Sim<'p, Q, const MODE: u8> {
    plan: &'p Plan,
    now: u64,
    window: Window,
    queue: Q,
    modes: Tracked<ModeState>,
    shock_streams: Vec<Stream>,
    /// Per group shock repaired as one (`together`), its repair stream.
    shock_repair_streams: Vec<Option<Stream>>,
    unit_failed: Tracked<u32>,
    /// How fast each unit's clocks run: 1 normally, less for an idle warm
    /// standby, 0 for an idle cold standby.
    unit_speed: Tracked<f64>,
    node_blockers: Tracked<u32>,
    crews: Vec<Crew>,
    services: Vec<ServiceState>,
    system_down: u32,
    standbys: Vec<standby::StandbyState>,
    /// The network links that are down now, in the order they went down.
    down_links: Vec<u32>,
    /// Scratch list of the modes a group shock hits.
    shock_hits: Vec<u32>,
    /// A splitting copy's pooled exponential clocks, one per mean (empty
    /// outside copies; `rare::Pool`).
    pools: Vec<rare::Pool>,
    /// Nodes stalled by an `effect: slow` failure, and how many.
    stalled: Tracked<bool>,
    n_stalled: u32,
    /// Capacity divisor of each node under `slow` faults with a factor,
    /// how many such faults hold it, and how many nodes are slowed.
    slowdown: Tracked<f64>,
    /// The one-way partitions in force ([`Plan::deaf`] indices).
    deaf_down: Vec<u32>,
    slowed: Tracked<u32>,
    n_slowed: u32,
    /// Index 0 is the system, then one per service.
    tallies: Vec<Tally>,
    worklist: Vec<u32>,
    /// Bumped when a service's next demand flip is rescheduled.
    demand_epoch: Vec<u32>,
    /// Downtime by cause, indexed like `tallies`.
    attribution: Vec<Attribution>,
    /// The cause of the failure being handled.
    cause: u32,
    /// The cause each node that is down is down for.
    node_cause: Tracked<u32>,
    /// The last node (its index) or link ([`causes::LINK`] | its index)
    /// that changed.
    trigger: u32,
    /// The standby service whose own failover holds the system down, if any.
    system_standby: u32,
    /// When asked for (`nines check` windows): the times each tally's state
    /// flipped, alternately down and up; `None` costs one branch per change.
    flips: Option<Vec<Vec<u64>>>,
    /// With `MODE == TRACED` (`nines trace`, a separate instance of the engine, so the
    /// checks cost nothing otherwise): every state change, in order.
    trace: Option<Vec<TraceEvent>>,
    /// Injected faults (empty without).
    faults: faults::FaultState,
    /// Services with traffic (empty without), and when their requests were
    /// last added up; scratch list of members up.
    traffic: Vec<traffic::TrafficState>,
    traffic_at: u64,
    traffic_up: Vec<bool>,
    /// Per failure mode with `monitoring`, its stream of alert and response
    /// delays (empty when no mode has one); the delays counted.
    monitor_streams: Vec<Option<Stream>>,
    monitoring: crate::metrics::monitoring::MonitorCounts,
    /// Leaders and elections of the quorum services with `election`.
    elections: Vec<election::ElectionState>,
    /// Rebuilds of the services with `recovery`; when each failure mode
    /// that loses its state last failed (empty when none does).
    recoveries: Vec<recovery::RecoveryState>,
    failed_at: Tracked<u64>,
    /// The unit going down now is planned maintenance: balancers drain it,
    /// standbys hand over without detection.
    planned: bool,
    /// Splitting only: which tracked entries changed (`journal`).
    journal: Journal,
}

/// What an instance of the engine does beside simulating (`Sim`'s `MODE`):
/// nothing (plain replications), record every state change (`nines
/// trace`), or keep the journal that lets a splitting copy be brought up
/// to date at the cost of what changed (`rare`). Each is compiled apart, so
/// plain replications pay for neither.
const PLAIN: u8 = 0;
const TRACED: u8 = 1;
const SPLIT: u8 = 2;

/// Pending events above which the radix heap beats the binary heap
/// (measured on W1 and W2: see benches/engine.rs).
const RADIX_FROM_PENDING: usize = 1024;

/// Simulates replication `replication` and returns what it measured.
pub fn simulate(plan: &Plan, settings: RunSettings, replication: u64) -> RepOutcome {
    if plan.modes.len() + plan.shocks.len() < RADIX_FROM_PENDING {
        run::<BinaryHeap>(plan, settings, replication)
    } else {
        run::<RadixHeap>(plan, settings, replication)
    }
}

/// One replication with a given future event list; every list gives the
/// same result, only faster or slower.
pub fn run<Q: FutureEvents>(plan: &Plan, settings: RunSettings, replication: u64) -> RepOutcome {
    run_recording::<Q, PLAIN>(plan, settings, replication, Recording::default()).0
}

/// A replication's outcome, its tallies' flip times and its trace, each
/// when asked for.
type Recorded = (RepOutcome, Option<Vec<Vec<u64>>>, Option<Vec<TraceEvent>>);

/// What a replication records beside its outcome.
#[derive(Clone, Copy, Debug, Default)]
struct Recording {
    /// The times each tally flipped (`nines check` windows).
    flips: bool,
}

/// Like [`simulate`], also returning every state change of the
/// replication (`nines trace`): the same random draws and the same outcome.
pub fn simulate_traced(
    plan: &Plan,
    settings: RunSettings,
    replication: u64,
) -> (RepOutcome, Vec<TraceEvent>) {
    let recording = Recording { flips: false };
    let (outcome, _, trace) = if plan.modes.len() + plan.shocks.len() < RADIX_FROM_PENDING {
        run_recording::<BinaryHeap, TRACED>(plan, settings, replication, recording)
    } else {
        run_recording::<RadixHeap, TRACED>(plan, settings, replication, recording)
    };
    let mut trace = trace.unwrap_or_default();
    // Detections are noted when they are known, at the moment they happened.
    trace.sort_by_key(|t| t.time_us);
    (outcome, trace)
}

/// Like [`simulate`], also returning, per tally (the system, then each
/// service), the times its state flipped: down, up, down... from an up start.
/// The same random draws and the same outcome as [`simulate`].
pub fn simulate_recording(
    plan: &Plan,
    settings: RunSettings,
    replication: u64,
) -> (RepOutcome, Vec<Vec<u64>>) {
    let recording = Recording { flips: true };
    let (outcome, flips, _) = if plan.modes.len() + plan.shocks.len() < RADIX_FROM_PENDING {
        run_recording::<BinaryHeap, PLAIN>(plan, settings, replication, recording)
    } else {
        run_recording::<RadixHeap, PLAIN>(plan, settings, replication, recording)
    };
    (outcome, flips.unwrap_or_default())
}

fn run_recording<Q: FutureEvents, const MODE: u8>(
    plan: &Plan,
    settings: RunSettings,
    replication: u64,
    recording: Recording,
) -> Recorded {
    let mut sim = Sim::<Q, MODE>::new(plan, settings, replication);
    if recording.flips {
        sim.flips = Some(vec![Vec::new(); sim.tallies.len()]);
    }
    if MODE == TRACED {
        sim.trace = Some(Vec::new());
    }
    sim.start();
    let mut events = 0u64;
    let end = sim.window.end_us;
    let has_traffic = !plan.traffic.entries.is_empty();
    while let Some(event) = sim.queue.pop_until(end) {
        if has_traffic {
            sim.flush_traffic(event.time);
        }
        let handled = sim.handle(event);
        events += u64::from(handled);
    }
    sim.now = end;
    if has_traffic {
        sim.flush_traffic(end);
    }
    for sb in 0..plan.standbys.len() as u32 {
        sim.account_downtime(sb);
        sim.end_split_brains(sb, true);
    }
    sim.finish_faults();
    sim.finish_sync();
    sim.finish_resyncs();
    let window = sim.window;
    let mut tallies: Vec<_> = sim.tallies.iter_mut().map(|t| t.finish(window)).collect();
    if let Some(t) = plan.causes.system_mirror {
        tallies[0] = tallies[t as usize + 1].clone();
        tallies[t as usize + 1].slices_down_us = Vec::new();
        // The system's flips were not recorded either: they are the service's.
        if let Some(flips) = &mut sim.flips {
            flips[0] = flips[t as usize + 1].clone();
        }
    }
    let downtime_by_cause_us = sim.finish_causes(&tallies);
    // Each request of the per-request mode is two events (arrival, completion).
    let events = events + sim.traffic.iter().map(|t| t.request_events()).sum::<u64>();
    let outcome = RepOutcome {
        events,
        tallies,
        standby: sim.standbys.iter().map(|s| s.counts).collect(),
        takeovers_us: sim
            .standbys
            .iter_mut()
            .map(|s| std::mem::take(&mut s.takeovers_us))
            .collect(),
        lags_us: sim
            .standbys
            .iter_mut()
            .map(|s| std::mem::take(&mut s.lags_us))
            .collect(),
        downtime_by_cause_us,
        requests: sim.traffic.iter_mut().map(|t| t.finish()).collect(),
        faults: std::mem::take(&mut sim.faults.counts),
        injected: std::mem::take(&mut sim.faults.injected),
        monitoring: sim.monitoring,
        elections: sim.elections.iter().map(|e| e.counts).collect(),
        recoveries: sim.recoveries.iter().map(|r| r.counts).collect(),
    };
    (outcome, sim.flips, sim.trace)
}

impl<'p, Q: FutureEvents, const MODE: u8> Sim<'p, Q, MODE> {
    /// Every state change is recorded (`nines trace`).
    const TRACING: bool = MODE == TRACED;
    /// Writes to the tracked arrays are journaled (rare-event splitting).
    const SPLITTING: bool = MODE == SPLIT;

    /// The system is down now.
    fn system_is_down(&self) -> bool {
        match self.plan.causes.system_mirror {
            Some(s) => !self.services[s as usize].up,
            None => self.system_down > 0,
        }
    }

    /// Handles one event popped from the queue; false for a stale one.
    #[inline(always)]
    fn handle(&mut self, event: queue::Event) -> bool {
        self.now = event.time;
        let index = (event.payload & INDEX_MASK) as u32;
        match (event.payload >> KIND_SHIFT) & KIND_MASK {
            KIND_FAIL => self.on_clock(index, (event.payload >> 32) as u32),
            KIND_REPAIR => {
                // A repair redrawn by a splitting copy leaves its old event stale.
                let tag = (event.payload >> 32) as u32;
                if tag != REPAIR_SHARED && tag != self.modes[index as usize].repair_tag {
                    return false;
                }
                self.on_repair(index);
                true
            }
            KIND_STANDBY => self.on_standby_event(index, (event.payload >> 32) as u32),
            KIND_SUSPECT => {
                self.on_suspicion(index);
                true
            }
            KIND_TRAFFIC => self.on_rotation(index, (event.payload >> 32) as u32),
            KIND_FAULT => {
                self.note_fault(index);
                self.on_fault(index);
                true
            }
            KIND_FAULT_END => {
                self.on_fault_end(index);
                true
            }
            KIND_COLLAPSE => self.on_collapse(index, (event.payload >> 32) as u32),
            KIND_RESTART => {
                self.on_restart(index);
                true
            }
            KIND_DEMAND => self.on_demand_hour(index, (event.payload >> 32) as u32),
            KIND_MONITOR => {
                self.on_acknowledged(index);
                true
            }
            KIND_ELECTION => self.on_election(index, (event.payload >> 32) as u32),
            KIND_SYNC => self.on_sync_degrade(index, (event.payload >> 32) as u32),
            KIND_RESYNC => self.on_resync(index, (event.payload >> 32) as u32),
            KIND_REBUILD => {
                self.mode_restored(index);
                true
            }
            _ => {
                self.on_shock(index);
                true
            }
        }
    }
    fn new(plan: &'p Plan, settings: RunSettings, replication: u64) -> Self {
        let seed = settings.seed;
        // Journal ids: the modes, then the units, then the nodes.
        let units_at = plan.modes.len() as u32;
        let nodes_at = units_at + plan.units.len() as u32;
        let services: Vec<ServiceState> = plan
            .services
            .iter()
            .map(|s| ServiceState {
                up_members: s.n_members,
                up_capacity: s.capacity_total,
                requires_down: 0,
                up: true,
            })
            .collect();
        Sim {
            plan,
            now: 0,
            window: Window {
                start_us: settings.warmup_us,
                end_us: settings.warmup_us.saturating_add(settings.horizon_us),
            },
            queue: Q::with_capacity(plan.modes.len() + plan.shocks.len() + 1),
            modes: Tracked::new(
                plan.modes
                    .iter()
                    .map(|m| ModeState {
                        ttf_stream: Stream::new(seed, replication, m.ttf_key),
                        repair_stream: Stream::new(seed, replication, m.repair_key),
                        due_us: 0,
                        remaining_us: 0,
                        epoch: 0,
                        scheduled: false,
                        failed: false,
                        repair_tag: 0,
                        repair_due_us: 0,
                        pool_slot: rare::NOT_POOLED,
                    })
                    .collect(),
                0,
            ),
            shock_streams: plan
                .shocks
                .iter()
                .map(|s| Stream::new(seed, replication, s.ttf_key))
                .collect(),
            shock_repair_streams: plan
                .shocks
                .iter()
                .map(|s| {
                    s.together
                        .as_ref()
                        .map(|t| Stream::new(seed, replication, t.1))
                })
                .collect(),
            unit_failed: Tracked::new(vec![0; plan.units.len()], units_at),
            unit_speed: Tracked::new(vec![1.0; plan.units.len()], units_at),
            node_blockers: Tracked::new(vec![0; plan.n_nodes], nodes_at),
            crews: plan
                .crew_sizes
                .iter()
                .map(|_| Crew {
                    busy: 0,
                    waiting: VecDeque::new(),
                })
                .collect(),
            services,
            standbys: plan
                .standbys
                .iter()
                .map(|sb| standby::StandbyState::new(seed, replication, sb))
                .collect(),
            down_links: Vec::new(),
            shock_hits: Vec::new(),
            pools: Vec::new(),
            stalled: Tracked::new(vec![false; plan.n_nodes], nodes_at),
            n_stalled: 0,
            slowdown: Tracked::new(vec![1.0; plan.n_nodes], nodes_at),
            deaf_down: Vec::new(),
            slowed: Tracked::new(vec![0; plan.n_nodes], nodes_at),
            n_slowed: 0,
            system_down: 0,
            tallies: {
                // The system's tally (or the service it mirrors) keeps the
                // downtime of each slice of the run, for the curve.
                let mut tallies = vec![Tally::new_up(); plan.services.len() + 1];
                let system = plan.causes.system_mirror.map_or(0, |s| s as usize + 1);
                let run_end = settings.warmup_us.saturating_add(settings.horizon_us);
                tallies[system] = Tally::new_up().with_slices(run_end, crate::metrics::SLICES);
                tallies
            },
            worklist: Vec::new(),
            demand_epoch: vec![0; plan.services.len()],
            attribution: plan
                .causes
                .entity
                .iter()
                .map(|causes| Attribution::new(causes.len()))
                .collect(),
            cause: causes::NONE,
            node_cause: Tracked::new(vec![causes::NONE; plan.n_nodes], nodes_at),
            trigger: causes::NONE,
            system_standby: causes::NONE,
            flips: None,
            trace: None,
            faults: faults::FaultState::new(
                &plan.faults,
                plan.units.len(),
                plan.services.len() + 1,
                seed,
                replication,
            ),
            traffic: plan
                .traffic
                .entries
                .iter()
                .map(|t| traffic::TrafficState::new(t, seed, replication))
                .collect(),
            traffic_at: 0,
            traffic_up: Vec::new(),
            monitor_streams: monitor::streams(plan, seed, replication),
            monitoring: Default::default(),
            elections: plan
                .elections
                .iter()
                .map(|e| {
                    let first = plan.service_members.row(e.service as usize)[0];
                    election::ElectionState::new(e, first, seed, replication)
                })
                .collect(),
            recoveries: plan
                .recoveries
                .iter()
                .map(|r| recovery::RecoveryState::new(r, seed, replication))
                .collect(),
            planned: false,
            failed_at: Tracked::new(
                if plan.modes.iter().any(|m| m.rebuild.is_some()) {
                    vec![0; plan.modes.len()]
                } else {
                    Vec::new()
                },
                0,
            ),
            journal: Journal::default(),
        }
    }

    /// Everything is new and up: start every clock, idle standbys at their
    /// idle speed.
    fn start(&mut self) {
        for sb in &self.plan.standbys {
            for &node in &sb.pool[sb.slots as usize..] {
                *self
                    .unit_speed
                    .write::<MODE>(node as usize, &mut self.journal) = sb.idle_speed;
            }
        }
        for m in 0..self.plan.modes.len() as u32 {
            self.start_clock(m);
        }
        for s in 0..self.plan.shocks.len() as u32 {
            self.schedule_shock(s);
        }
        for sb in 0..self.plan.standbys.len() as u32 {
            self.schedule_suspicions(sb);
        }
        self.start_faults();
        for s in 0..self.plan.services.len() as u32 {
            if self.plan.services[s as usize].demand_hours.is_some() {
                self.schedule_demand_flip(s);
            }
        }
    }

    /// Records a state change now, when tracing (`nines trace`).
    #[cold]
    fn note(&mut self, what: Happening) {
        self.note_at(self.now, what);
    }

    #[cold]
    fn note_at(&mut self, time_us: u64, what: Happening) {
        if let Some(trace) = &mut self.trace {
            trace.push(TraceEvent { time_us, what });
        }
    }

    #[cold]
    fn note_entity(&mut self, entity: u32, up: bool) {
        self.note(if up {
            Happening::EntityUp { entity }
        } else {
            Happening::EntityDown { entity }
        });
    }

    fn schedule_shock(&mut self, s: u32) {
        let shock = &self.plan.shocks[s as usize];
        let due = self
            .now
            .saturating_add(shock.ttf.sample_us(&mut self.shock_streams[s as usize]));
        self.queue.push(due, payload(KIND_SHOCK, s, 0));
    }

    /// A failure mode's clock fired; returns false for a stale (paused) clock.
    fn on_clock(&mut self, m: u32, epoch: u32) -> bool {
        // Splitting notes a stale clock's mode too: restoring it is harmless.
        let Some(state) = self.modes.write_get::<MODE>(m as usize, &mut self.journal) else {
            // Past the modes: a splitting copy's pooled clock.
            return self.on_pool_clock(m as usize - self.modes.len(), epoch);
        };
        if state.epoch != epoch {
            return false;
        }
        state.scheduled = false;
        self.fail(m);
        true
    }

    fn on_shock(&mut self, s: u32) {
        let plan = self.plan;
        // Only instances running when the shock fires are hit: not one
        // already down, nor an idle cold standby, which is switched off. They
        // are chosen before any fails, so a cold spare switched in because
        // of the shock is not hit by it.
        let mut hit = std::mem::take(&mut self.shock_hits);
        hit.extend(
            plan.shocks[s as usize]
                .member_modes
                .iter()
                .copied()
                .filter(|&m| {
                    let unit = plan.modes[m as usize].unit as usize;
                    self.unit_failed[unit] == 0 && self.unit_speed[unit] > 0.0
                }),
        );
        match &plan.shocks[s as usize].together {
            None => {
                for &m in &hit {
                    self.fail(m);
                }
            }
            Some((repair, _)) => {
                // Rolled back as one: one repair for every instance hit.
                for &m in &hit {
                    self.fail_unrepaired(m);
                }
                let stream = self.shock_repair_streams[s as usize]
                    .as_mut()
                    .expect("a stream for each shock repaired together");
                let at = self.now.saturating_add(repair.sample_us(stream));
                for &m in &hit {
                    self.queue.push(at, payload(KIND_REPAIR, m, REPAIR_SHARED));
                }
            }
        }
        hit.clear();
        self.shock_hits = hit;
        self.schedule_shock(s);
    }

    /// Mode `m` fails, its repair scheduled by the caller (a group shock
    /// repaired as one).
    #[cold]
    fn fail_unrepaired(&mut self, m: u32) {
        let unit = self.plan.modes[m as usize].unit as usize;
        self.cause = self.plan.modes[m as usize].cause;
        if self.plan.modes[m as usize].rebuild.is_some() {
            *self.failed_at.write::<MODE>(m as usize, &mut self.journal) = self.now;
        }
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .failed = true;
        *self.unit_failed.write::<MODE>(unit, &mut self.journal) += 1;
        if self.unit_failed[unit] == 1 {
            self.pause_other_clocks(unit, m);
            self.unit_changed(unit, false);
        }
    }

    fn fail(&mut self, m: u32) {
        let plan = self.plan;
        let mode = &plan.modes[m as usize];
        let unit = mode.unit as usize;
        self.cause = mode.cause;
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .failed = true;
        *self.unit_failed.write::<MODE>(unit, &mut self.journal) += 1;
        if self.unit_failed[unit] == 1 {
            self.pause_other_clocks(unit, m);
            self.unit_changed(unit, false);
        }
        if mode.extras {
            self.fail_extras(m);
        } else {
            self.request_repair(m);
        }
    }

    /// What a failure of a mode with `monitoring` or `loses_state` does
    /// beyond the common case: when it failed is kept for the rebuild, and
    /// the repair waits for the alert and the response.
    #[cold]
    fn fail_extras(&mut self, m: u32) {
        let mode = &self.plan.modes[m as usize];
        if mode.rebuild.is_some() {
            *self.failed_at.write::<MODE>(m as usize, &mut self.journal) = self.now;
        }
        if let Some(factor) = mode.factor {
            self.slow_down(mode.unit as usize, factor, true);
        }
        if mode.monitor.is_some() {
            self.raise_alert(m);
        } else {
            self.request_repair(m);
        }
    }

    /// Mode `m` is failed and its repair is asked for: it starts now, or
    /// waits for its crew in FIFO order.
    #[inline(always)]
    fn request_repair(&mut self, m: u32) {
        let plan = self.plan;
        match plan.modes[m as usize].crew {
            None => self.start_repair(m),
            Some(c) => {
                let crew = &mut self.crews[c as usize];
                if crew.busy < plan.crew_sizes[c as usize] {
                    crew.busy += 1;
                    self.start_repair(m);
                } else {
                    crew.waiting.push_back(m);
                }
            }
        }
    }

    fn start_repair(&mut self, m: u32) {
        let mode = &self.plan.modes[m as usize];
        let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
        let duration = mode.repair.sample_us(&mut state.repair_stream);
        state.repair_due_us = self.now.saturating_add(duration);
        self.queue.push(
            state.repair_due_us,
            payload(KIND_REPAIR, m, state.repair_tag),
        );
    }

    #[inline(always)]
    fn on_repair(&mut self, m: u32) {
        let plan = self.plan;
        let mode = &plan.modes[m as usize];
        if let Some(c) = mode.crew {
            // The crew member takes the longest-waiting job, first come, first served.
            match self.crews[c as usize].waiting.pop_front() {
                Some(next) => self.start_repair(next),
                None => self.crews[c as usize].busy -= 1,
            }
        }
        if mode.extras {
            if let Some(factor) = mode.factor {
                self.slow_down(mode.unit as usize, factor, false);
            }
            if let Some(r) = mode.rebuild {
                // The node rebuilds its state before it is up (`KIND_REBUILD`).
                return self.start_rebuild(m, r);
            }
        }
        self.mode_restored(m);
    }

    /// Failure mode `m` is over (repaired, and rebuilt if it lost the
    /// state): its unit is up again if nothing else holds it down.
    #[inline(always)]
    fn mode_restored(&mut self, m: u32) {
        let plan = self.plan;
        let mode = &plan.modes[m as usize];
        let unit = mode.unit as usize;
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .failed = false;
        *self.unit_failed.write::<MODE>(unit, &mut self.journal) -= 1;
        if self.unit_failed[unit] == 0 {
            self.start_clock(m);
            self.resume_other_clocks(unit, m);
            self.unit_changed(unit, true);
        } else if let Some(ttf) = self.draw_ttf(m) {
            // The unit is still down for another mode: this clock starts
            // paused and runs when the unit is back.
            let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
            state.remaining_us = ttf;
            state.scheduled = false;
        }
    }

    /// A unit's own state changed: a node goes down or up, or a domain takes
    /// every node inside it down or lets them up. Inlined into the failure
    /// and repair paths (the hot ones).
    #[inline(always)]
    fn unit_changed(&mut self, unit: usize, up: bool) {
        if Self::TRACING {
            let unit = unit as u32;
            self.note(if up {
                Happening::UnitUp { unit }
            } else {
                Happening::UnitDown {
                    unit,
                    cause: self.cause,
                }
            });
        }
        match self.plan.units[unit].kind {
            UnitKind::Node(n) => self.block(n, !up),
            UnitKind::Domain(d) => {
                let plan = self.plan;
                for &n in plan.domain_nodes.row(d as usize) {
                    self.block(n, !up);
                }
            }
            UnitKind::Link(l) => self.link_changed(l, up),
            UnitKind::Stall(n) => self.stall_changed(n, !up),
            UnitKind::Deaf(k) => self.deaf_changed(k, up),
        }
    }

    /// Adds or removes one reason for node `n` to be down.
    fn block(&mut self, n: u32, add: bool) {
        let blockers = self
            .node_blockers
            .write::<MODE>(n as usize, &mut self.journal);
        let was_up = *blockers == 0;
        if add {
            *blockers += 1;
        } else {
            *blockers -= 1;
        }
        let is_up = *blockers == 0;
        if was_up != is_up {
            self.node_changed(n, is_up);
        } else if !add && !is_up {
            self.node_still_down(n);
        }
    }

    fn node_changed(&mut self, n: u32, up: bool) {
        let plan = self.plan;
        let capacity = plan.node_capacity[n as usize];
        self.trigger = n;
        if !up {
            *self.node_cause.write::<MODE>(n as usize, &mut self.journal) = self.cause;
        }
        // Traffic, daily demand and rolling maintenance, for the few
        // scenarios with them: one flag.
        let extras = plan.node_extras;
        if extras && !plan.traffic.slots.is_empty() {
            self.traffic_member_changed(n, up);
        }
        for &s in plan.node_services.row(n as usize) {
            if let Some(sb) = plan.services[s as usize].standby {
                self.standby_member_changed(sb, n, up);
            }
            let state = &mut self.services[s as usize];
            if up {
                state.up_members += 1;
                state.up_capacity += capacity;
            } else {
                state.up_members -= 1;
                state.up_capacity -= capacity;
            }
            self.update_service(s);
        }
        if extras && plan.demand_patterns {
            self.demand_capacity_changed(n);
        }
        if !self.worklist.is_empty() {
            self.propagate();
        }
        if extras && up && self.faults.waiting > 0 {
            self.waves_look_again();
        }
        if extras {
            for &sb in plan.node_arbiters.row(n as usize) {
                self.arbiter_changed(sb);
            }
        }
    }

    /// Re-evaluates the services on the worklist and, through `requires`,
    /// everything that depends on a service that changed.
    fn propagate(&mut self) {
        while let Some(s) = self.worklist.pop() {
            self.update_service(s);
        }
    }

    /// Whether enough of the members of service `s` (not a standby one)
    /// serve, with enough capacity, on one side of any partition.
    #[inline(always)]
    fn own_up(&self, s: u32) -> bool {
        self.own_up_with(s, &self.services[s as usize])
    }

    /// `own_up` with the service's state already read.
    #[inline(always)]
    fn own_up_with(&self, s: u32, state: &ServiceState) -> bool {
        let spec = &self.plan.services[s as usize];
        state.up_members >= spec.min_up
            && spec
                .demand
                .is_none_or(|d| state.up_capacity >= self.demand_now(spec, d))
            && (!spec.partitionable
                || self.down_links.is_empty()
                || self.largest_reachable_group(s) >= spec.min_up)
    }

    /// `up` corrected by what concerns few services: a leader in office
    /// (quorum services with `election`), and reaching what the service
    /// requires while links are down.
    #[cold]
    #[inline(never)]
    fn rare_checks(&mut self, s: u32, own_up: bool, mut up: bool) -> bool {
        let spec = &self.plan.services[s as usize];
        if let Some(e) = spec.election {
            up &= self.leader_in_office(e, own_up);
        }
        if spec.reach_linked && !self.down_links.is_empty() {
            up = self.reach_while_cut(s, up);
        }
        if let Some(sb) = spec.standby {
            self.sync_check(sb, up);
        }
        up
    }

    /// Re-evaluates service `s`; when it changes, records it and queues the
    /// services that require it. Inlined into the node-change path, where
    /// most changes end without touching the worklist.
    #[inline(always)]
    fn update_service(&mut self, s: u32) {
        let plan = self.plan;
        let spec = &plan.services[s as usize];
        // Read once: the common case only reads it.
        let state = self.services[s as usize];
        // Enough members up (and, where they can be cut apart, connected).
        let own_up = match spec.standby {
            Some(sb) => self.standby_up(sb),
            None => self.own_up_with(s, &state),
        };
        let mut up = own_up && state.requires_down == 0;
        // Leaders and links, for the few services they concern: one flag.
        if spec.rare_checks {
            up = self.rare_checks(s, own_up, up);
        }
        if up == state.up {
            if !up && plan.causes.unattributed != Some(s) && !self.still_held(s, own_up) {
                self.service_still_down(s);
            }
            return;
        }
        self.services[s as usize].up = up;
        self.tallies[s as usize + 1].change(self.now, up, self.window);
        if let Some(flips) = &mut self.flips {
            flips[s as usize + 1].push(self.now);
        }
        if Self::TRACING {
            self.note_entity(s + 1, up);
            if plan.causes.system_mirror == Some(s) {
                self.note_entity(0, up);
            }
        }
        if !self.faults.since.is_empty() {
            self.fault_entity_changed(s as usize + 1, up);
            if plan.causes.system_mirror == Some(s) {
                self.fault_entity_changed(0, up);
            }
        }
        // A system of one service that requires nothing is that service:
        // its tally is copied at the end (`system_mirror`).
        if spec.in_system && plan.causes.system_mirror.is_none() {
            let was_up = self.system_down == 0;
            if up {
                self.system_down -= 1;
            } else {
                self.system_down += 1;
            }
            let is_up = self.system_down == 0;
            if was_up != is_up {
                self.tallies[0].change(self.now, is_up, self.window);
                if let Some(flips) = &mut self.flips {
                    flips[0].push(self.now);
                }
                if Self::TRACING {
                    self.note_entity(0, is_up);
                }
                if !self.faults.since.is_empty() {
                    self.fault_entity_changed(0, is_up);
                }
            }
        }
        // A service with one cause needs no holder (`unattributed`).
        if plan.causes.unattributed != Some(s) {
            if up {
                self.service_back_up(s);
            } else {
                self.service_went_down(s, own_up);
            }
        }
        for &d in plan.dependents.row(s as usize) {
            let dependent = &mut self.services[d as usize];
            if up {
                dependent.requires_down -= 1;
            } else {
                dependent.requires_down += 1;
            }
            self.worklist.push(d);
        }
    }
}
