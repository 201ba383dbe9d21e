//! Rare-event splitting (RESTART, Villén-Altamirano): one replication
//! becomes a tree of trajectories, so that system outages too rare to see
//! in plain Monte Carlo are seen many times, each counted at its weight.
//!
//! The importance of a state is how close the system is to going down by
//! member losses: `top` minus the fewest further member failures that take
//! some service the system needs below its minimum. Thresholds sit on
//! importance values. When a trajectory's importance crosses threshold `k`
//! upwards, `R_k - 1` copies of the whole state are made on the spot (a
//! random whole number with mean `R_k - 1`); a copy lives while its
//! importance stays at or above `k` and dies when it falls below. Time spent
//! in region `j` (at or above threshold `j`, below `j + 1`) by any trajectory
//! counts at weight `1 / (R_1 ... R_j)`, an event at the weight of the region
//! before it. Every trajectory follows the model's own law from the state it
//! was copied in, so the weighted sums are unbiased for any distributions,
//! and a replication's tree is one independent sample: intervals come from
//! the spread between replications as in plain Monte Carlo.
//!
//! Copies share the streams' positions: each copy runs with its own salt
//! ([`super::rng::set_salt`]) mixed into every draw, so copying costs
//! nothing per stream. The first trajectory runs unsalted: with no
//! thresholds it is exactly the plain replication (with thresholds it runs
//! its exponential clocks pooled, [`Pool`], the same law).
//!
//! A copy costs what changed, not the size of the design: the copies made
//! at one depth of the tree reuse one spare instance, brought up to the
//! trajectory one level up by restoring only the entries either wrote
//! since the spare's last update (`super::journal`), and they take their
//! source's queue without its stale events.

use super::ModeState;
use super::journal::{Distinct, Journal};
use super::queue::{BinaryHeap, Event, FutureEvents, RadixHeap};
use super::rng::{self, Stream, StreamKey, mix};
use super::sampler::Sampler;
use super::{INDEX_MASK, KIND_FAIL, KIND_MASK, KIND_REPAIR, KIND_SHIFT, REPAIR_SHARED, payload};
use super::{Plan, RADIX_FROM_PENDING, RunSettings, SPLIT, Sim};

/// Where the thresholds sit and how much each one splits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Splitting {
    /// Importance values, increasing; empty: plain Monte Carlo.
    pub thresholds: Vec<u32>,
    /// The mean number of trajectories each one makes of one (at least 1).
    pub factors: Vec<f64>,
}

impl Splitting {
    /// The weight of region `j` (0: below every threshold).
    fn weights(&self) -> Vec<f64> {
        let mut w = vec![1.0; self.thresholds.len() + 1];
        for (j, r) in self.factors.iter().enumerate() {
            w[j + 1] = w[j] / r;
        }
        w
    }

    /// The same without the thresholds below `lowest` (none: unchanged).
    pub fn from_threshold(mut self, lowest: Option<u32>) -> Splitting {
        let Some(lowest) = lowest else { return self };
        let below = self.thresholds.partition_point(|&t| t < lowest);
        self.thresholds.drain(..below);
        self.factors.drain(..below);
        self
    }

    /// The region of an importance value.
    #[inline]
    fn region(&self, importance: u32) -> usize {
        self.thresholds.partition_point(|&t| t <= importance)
    }
}

/// What one replication's tree measured, each sum weighted.
#[derive(Clone, Debug, Default)]
pub struct RareOutcome {
    /// System downtime inside the measurement window, µs.
    pub down_us: f64,
    /// System outages starting inside the window.
    pub outages: f64,
    /// Sum of squared outage lengths (h²), for outages ending inside the window.
    pub outage_sq_h2: f64,
    /// Per importance value `v`, how often it was reached from below.
    pub crossings: Vec<f64>,
    /// The same, unweighted: how many times the tree saw it.
    pub hits: Vec<u64>,
    /// Events handled by every trajectory of the tree.
    pub events: u64,
    /// Copies made.
    pub copies: u64,
    /// What making them took: the entries restored (every tracked one for
    /// a whole copy), the source's pending events taken, the clocks drawn
    /// afresh. Each costs about a tenth of an event.
    pub copy_units: u64,
}

/// The importance function of a plan: the services the system needs
/// (directly or through `requires`), and the member losses each can take.
#[derive(Clone, Debug)]
pub struct Importance {
    services: Vec<u32>,
    min_up: Vec<u32>,
    /// The importance of a system down by member losses.
    pub top: u32,
}

impl Importance {
    pub fn of(plan: &Plan) -> Importance {
        let mut needed = vec![false; plan.services.len()];
        let mut stack: Vec<u32> = plan.system_services.clone();
        while let Some(s) = stack.pop() {
            if !std::mem::replace(&mut needed[s as usize], true) {
                stack.extend_from_slice(plan.requires.row(s as usize));
            }
        }
        let services: Vec<u32> = (0..plan.services.len() as u32)
            .filter(|&s| needed[s as usize])
            .collect();
        let min_up: Vec<u32> = services
            .iter()
            .map(|&s| plan.services[s as usize].min_up.max(1))
            .collect();
        let top = services
            .iter()
            .zip(&min_up)
            .map(|(&s, &m)| (plan.services[s as usize].n_members + 1).saturating_sub(m))
            .max()
            .unwrap_or(0);
        Importance {
            services,
            min_up,
            top,
        }
    }
}

/// Simulates replication `replication` as a splitting tree.
pub fn simulate(
    plan: &Plan,
    settings: RunSettings,
    replication: u64,
    splitting: &Splitting,
    importance: &Importance,
) -> RareOutcome {
    if plan.modes.len() + plan.shocks.len() < RADIX_FROM_PENDING {
        tree::<BinaryHeap>(plan, settings, replication, splitting, importance)
    } else {
        tree::<RadixHeap>(plan, settings, replication, splitting, importance)
    }
}

fn tree<Q: FutureEvents + Clone>(
    plan: &Plan,
    settings: RunSettings,
    replication: u64,
    splitting: &Splitting,
    importance: &Importance,
) -> RareOutcome {
    let mut sim = Sim::<Q, SPLIT>::new(plan, settings, replication);
    let pooled = plan.pools.sizes.iter().sum::<u32>();
    sim.journal = Journal::root((tracked_entries(plan) + pooled) as usize);
    rng::set_salt(0);
    sim.start();
    if !splitting.thresholds.is_empty() {
        sim.pool_clocks(settings.seed, replication);
    }
    let levels = importance.top as usize + 1;
    let mut tree = Tree {
        splitting,
        importance,
        weights: splitting.weights(),
        stream: Stream::new(
            settings.seed,
            replication,
            StreamKey::of(&["rare", "split"]),
        ),
        salt_base: mix(mix(settings.seed) ^ replication),
        salts: 0,
        changed: Distinct::default(),
        redraws: Vec::new(),
        whole_copy: sim.journal.entries() as u64,
        out: RareOutcome {
            crossings: vec![0.0; levels],
            hits: vec![0; levels],
            ..RareOutcome::default()
        },
    };
    let mut spares = Vec::new();
    tree.run(&mut sim, 0, 0, 0, &mut spares);
    rng::set_salt(0);
    tree.out
}

/// The journal ids of the modes, units and nodes; the pools' slots follow.
fn tracked_entries(plan: &Plan) -> u32 {
    (plan.modes.len() + plan.units.len() + plan.n_nodes) as u32
}

/// The spare instance for the copies made at each depth of the tree (index
/// 0, the first trajectory's depth, stays empty).
type Spares<'p, Q> = Vec<Option<Sim<'p, Q, SPLIT>>>;

struct Tree<'a> {
    splitting: &'a Splitting,
    importance: &'a Importance,
    weights: Vec<f64>,
    /// Draws the whole numbers of copies.
    stream: Stream,
    salt_base: u64,
    salts: u64,
    /// Scratch: the journal ids a spare restores; the clocks a copy redraws.
    changed: Distinct,
    redraws: Vec<Redraw>,
    /// The copy units of a whole copy: every tracked entry.
    whole_copy: u64,
    out: RareOutcome,
}

impl Tree<'_> {
    fn importance<Q: FutureEvents, const M: u8>(&self, sim: &Sim<'_, Q, M>) -> u32 {
        let imp = self.importance;
        let mut least = u32::MAX;
        for (&s, &m) in imp.services.iter().zip(&imp.min_up) {
            let distance = (sim.services[s as usize].up_members + 1).saturating_sub(m);
            least = least.min(distance);
        }
        imp.top.saturating_sub(least)
    }

    /// Runs one trajectory born at threshold `birth` (0: the first), at
    /// `depth` in the tree (0: the first), until it falls below it or the
    /// run ends.
    fn run<'p, Q: FutureEvents + Clone>(
        &mut self,
        sim: &mut Sim<'p, Q, SPLIT>,
        birth: usize,
        salt: u64,
        depth: usize,
        spares: &mut Spares<'p, Q>,
    ) {
        rng::set_salt(salt);
        let window = sim.window;
        let mut level = self.importance(sim);
        let mut region = self.splitting.region(level);
        let mut down = sim.system_is_down();
        let mut down_since = sim.now;
        let mut last = sim.now;
        while let Some(event) = sim.queue.pop_until(window.end_us) {
            if down {
                self.add_down(last, event.time, region, window);
            }
            last = event.time;
            self.out.events += u64::from(sim.handle(event));
            let weight = self.weights[region];
            let now_down = sim.system_is_down();
            if now_down != down {
                if now_down {
                    down_since = sim.now;
                    if sim.now >= window.start_us {
                        self.out.outages += weight;
                    }
                } else if sim.now >= window.start_us {
                    let h = (sim.now - down_since) as f64 / crate::model::MICROS_PER_HOUR;
                    self.out.outage_sq_h2 += weight * h * h;
                }
                down = now_down;
            }
            let new_level = self.importance(sim);
            if new_level > level && sim.now >= window.start_us {
                for v in level + 1..=new_level {
                    self.out.crossings[v as usize] += weight;
                    self.out.hits[v as usize] += 1;
                }
            }
            level = new_level;
            let new_region = self.splitting.region(level);
            if new_region < birth {
                return;
            }
            if new_region > region {
                for k in region + 1..=new_region {
                    self.branch(sim, depth, k, new_region, spares);
                }
                rng::set_salt(salt);
            }
            region = new_region;
        }
        if down {
            self.add_down(last, window.end_us, region, window);
        }
    }

    /// Makes the copies of `sim` (at `depth`) due to its crossing threshold
    /// `k` (1-based) on its way to region `top`, and runs each.
    fn branch<'p, Q: FutureEvents + Clone>(
        &mut self,
        sim: &mut Sim<'p, Q, SPLIT>,
        depth: usize,
        k: usize,
        top: usize,
        spares: &mut Spares<'p, Q>,
    ) {
        let r = self.splitting.factors[k - 1] - 1.0;
        let whole = r.floor();
        let extra = whole as u64 + u64::from(self.stream.uniform() < r - whole);
        let at = depth + 1;
        for _ in 0..extra {
            if spares.len() <= at {
                spares.resize_with(at + 1, || None);
            }
            // The copies at one depth reuse one instance, brought up to date
            // at the cost of what changed since it was last.
            let mut copy = match spares[at].take() {
                Some(mut spare) => {
                    self.out.copy_units += spare.update_from(sim, &mut self.changed);
                    spare
                }
                None => {
                    self.out.copy_units += self.whole_copy;
                    sim.fork()
                }
            };
            self.out.copies += 1;
            self.salts += 1;
            let salt = mix(self.salt_base ^ self.salts) | 1;
            rng::set_salt(salt);
            copy.redraw_memoryless(&sim.queue, &mut self.redraws);
            self.out.copy_units += (sim.queue.len() + self.redraws.len()) as u64;
            for j in k + 1..=top {
                self.branch(&mut copy, at, j, top, spares);
                rng::set_salt(salt);
            }
            self.run(&mut copy, k, salt, at, spares);
            spares[at] = Some(copy);
        }
    }

    fn add_down(&mut self, from: u64, to: u64, region: usize, window: crate::metrics::Window) {
        let from = from.max(window.start_us);
        let to = to.min(window.end_us);
        if to > from {
            self.out.down_us += (to - from) as f64 * self.weights[region];
        }
    }
}

impl<Q: FutureEvents + Clone> Sim<'_, Q, SPLIT> {
    /// A new instance for copies of this one (the first at its depth).
    fn fork(&mut self) -> Self {
        let mut copy = self.clone();
        copy.journal = Journal::cloned_from(&mut self.journal);
        copy
    }

    /// Brings this spare instance up to `src`, its source: the tracked
    /// entries either wrote since the spare's last update are restored, the
    /// rest copied; everything when the journals do not know (the queue is
    /// left to [`Self::redraw_memoryless`]).
    /// Returns the entries it restored (all of them when it copied).
    fn update_from(&mut self, src: &mut Self, changed: &mut Distinct) -> u64 {
        let whole = match self.journal.changed(&src.journal) {
            Some(lists) => {
                changed.of(lists);
                false
            }
            None => true,
        };
        self.copy_from(src, whole);
        let restored = if whole {
            self.journal.updated(&mut src.journal, None);
            self.journal.entries()
        } else {
            for &id in &changed.ids {
                self.restore(src, id);
            }
            self.journal.updated(&mut src.journal, Some(&changed.ids));
            changed.ids.len()
        };
        debug_assert!(self.tracked_equal(src), "a write escaped the journal");
        restored as u64
    }

    /// Makes the entries of journal id `id` what they are in `src`.
    fn restore(&mut self, src: &Self, id: u32) {
        if let Some(m) = self.modes.holds(id) {
            self.modes.restore(&src.modes, m);
            if !self.failed_at.is_empty() {
                self.failed_at.restore(&src.failed_at, m);
            }
        } else if let Some(u) = self.unit_failed.holds(id) {
            self.unit_failed.restore(&src.unit_failed, u);
            self.unit_speed.restore(&src.unit_speed, u);
        } else if let Some(n) = self.node_blockers.holds(id) {
            self.node_blockers.restore(&src.node_blockers, n);
            self.stalled.restore(&src.stalled, n);
            self.slowdown.restore(&src.slowdown, n);
            self.slowed.restore(&src.slowed, n);
            self.node_cause.restore(&src.node_cause, n);
        } else if let Some((c, slot)) = self.pools.iter().enumerate().find_map(|(c, pool)| {
            let slot = id.wrapping_sub(pool.slots_at);
            (slot < pool.slots).then_some((c, slot as usize))
        }) {
            // A slot past the source's members is garbage on both sides.
            if let Some(&m) = src.pools[c].members.get(slot) {
                self.pools[c].members[slot] = m;
            }
        }
    }

    /// Every tracked array equal to `src`'s (checked after each update in
    /// debug builds: a write that bypassed the journal shows here).
    fn tracked_equal(&self, src: &Self) -> bool {
        *self.modes == *src.modes
            && *self.failed_at == *src.failed_at
            && *self.unit_failed == *src.unit_failed
            && *self.unit_speed == *src.unit_speed
            && *self.node_blockers == *src.node_blockers
            && *self.stalled == *src.stalled
            && *self.slowdown == *src.slowdown
            && *self.slowed == *src.slowed
            && *self.node_cause == *src.node_cause
            && self.pools.len() == src.pools.len()
            && self
                .pools
                .iter()
                .zip(&src.pools)
                .all(|(a, b)| a.members == b.members)
    }

    /// Makes this state a copy of `src`, reusing its memory (`clone_from`
    /// field by field; listing every field makes a new one a compile error
    /// until it is handled here too), but for the queue (see
    /// [`Self::redraw_memoryless`]), the journal, and the tracked arrays
    /// unless `whole` (the caller restores what changed).
    fn copy_from(&mut self, src: &Self, whole: bool) {
        let Sim {
            plan,
            now,
            window,
            queue,
            modes,
            shock_streams,
            shock_repair_streams,
            unit_failed,
            unit_speed,
            node_blockers,
            crews,
            services,
            system_down,
            standbys,
            down_links,
            shock_hits,
            pools,
            stalled,
            n_stalled,
            slowdown,
            deaf_down,
            slowed,
            n_slowed,
            tallies,
            worklist,
            demand_epoch,
            attribution,
            cause,
            node_cause,
            trigger,
            system_standby,
            flips,
            trace,
            faults,
            traffic,
            traffic_at,
            traffic_up,
            monitor_streams,
            monitoring,
            elections,
            recoveries,
            failed_at,
            planned,
            journal,
        } = src;
        self.plan.clone_from(plan);
        self.now.clone_from(now);
        self.window.clone_from(window);
        let _ = (queue, journal);
        self.shock_streams.clone_from(shock_streams);
        self.shock_repair_streams.clone_from(shock_repair_streams);
        self.crews.clone_from(crews);
        self.services.clone_from(services);
        self.system_down.clone_from(system_down);
        self.standbys.clone_from(standbys);
        self.down_links.clone_from(down_links);
        self.shock_hits.clone_from(shock_hits);
        if whole || self.pools.len() != pools.len() {
            self.pools.clone_from(pools);
        } else {
            for (pool, src) in self.pools.iter_mut().zip(pools) {
                pool.copy_but_members(src);
            }
        }
        self.n_stalled.clone_from(n_stalled);
        self.deaf_down.clone_from(deaf_down);
        self.n_slowed.clone_from(n_slowed);
        self.tallies.clone_from(tallies);
        self.worklist.clone_from(worklist);
        self.demand_epoch.clone_from(demand_epoch);
        self.attribution.clone_from(attribution);
        self.cause.clone_from(cause);
        self.trigger.clone_from(trigger);
        self.system_standby.clone_from(system_standby);
        self.flips.clone_from(flips);
        self.trace.clone_from(trace);
        self.faults.clone_from(faults);
        self.traffic.clone_from(traffic);
        self.traffic_at.clone_from(traffic_at);
        self.traffic_up.clone_from(traffic_up);
        self.monitor_streams.clone_from(monitor_streams);
        self.monitoring.clone_from(monitoring);
        self.elections.clone_from(elections);
        self.recoveries.clone_from(recoveries);
        self.planned.clone_from(planned);
        if whole {
            self.modes.clone_from(modes);
            self.failed_at.clone_from(failed_at);
            self.unit_failed.clone_from(unit_failed);
            self.unit_speed.clone_from(unit_speed);
            self.node_blockers.clone_from(node_blockers);
            self.stalled.clone_from(stalled);
            self.slowdown.clone_from(slowdown);
            self.slowed.clone_from(slowed);
            self.node_cause.clone_from(node_cause);
        }
    }

    /// The first trajectory's running exponential failure clocks at full
    /// speed join one clock per mean ([`Pool`]), as a copy's do, and the
    /// events they leave are dropped; from then on a clock that starts or
    /// resumes at full speed joins its pool (`schedule_clock`). Exact, since
    /// n exponential clocks of one mean and one clock of mean μ/n firing a
    /// uniformly chosen member have the same law; the queue stays small, so
    /// copies copy little of it.
    fn pool_clocks(&mut self, seed: u64, replication: u64) {
        let plan = self.plan;
        let mut slots_at = tracked_entries(plan);
        self.pools = (0..plan.pools.sizes.len())
            .map(|c| {
                let pool = Pool::new(seed, replication, c, &plan.pools, slots_at);
                slots_at += pool.slots;
                pool
            })
            .collect();
        for m in 0..plan.modes.len() as u32 {
            let class = plan.pools.class[m as usize];
            let state = &self.modes[m as usize];
            let unit = plan.modes[m as usize].unit as usize;
            if class != NOT_POOLED
                && state.scheduled
                && state.pool_slot == NOT_POOLED
                && self.unit_speed[unit] == 1.0
            {
                self.join_pool(m, class as usize);
            }
        }
        let all = self.queue.clone();
        let Sim {
            plan,
            modes,
            queue,
            now,
            ..
        } = self;
        queue.clone_retaining(&all, |e| !matches!(fate(plan, modes, *now, e), Fate::Drop));
        for c in 0..self.pools.len() {
            self.reschedule_pool(c);
        }
    }

    /// Takes the events of `src_queue` (the source's) and draws afresh every
    /// pending exponential clock: a running failure clock with an
    /// exponential time to failure (pooled ones by drawing their pool's
    /// clock), and each repair in progress with an exponential length (not
    /// one shared by a shock's instances). Exact, since an exponential clock
    /// that has not fired has an exponential remainder whatever its age; a
    /// copy that did not redraw would follow its original until the first
    /// new draw. Other clocks keep their remainders, which is exact too,
    /// only less diverse. The events that are stale or drawn afresh are
    /// left out of the copy's queue, so stale events do not pile up down
    /// the tree; the scan costs the queue's length, not the design's size.
    fn redraw_memoryless(&mut self, src_queue: &Q, redraws: &mut Vec<Redraw>) {
        let plan = self.plan;
        redraws.clear();
        {
            let Sim {
                modes, queue, now, ..
            } = self;
            queue.clone_retaining(src_queue, |e| match fate(plan, modes, *now, e) {
                Fate::Keep => true,
                Fate::Drop => false,
                Fate::Redraw(r) => {
                    redraws.push(r);
                    false
                }
            });
        }
        for &redraw in redraws.iter() {
            match redraw {
                Redraw::Clock(m) => {
                    let unit = plan.modes[m as usize].unit as usize;
                    let speed = self.unit_speed[unit];
                    let class = plan.pools.class[m as usize];
                    if speed == 1.0 && class != NOT_POOLED && !self.pools.is_empty() {
                        self.join_pool(m, class as usize);
                        continue;
                    }
                    let Some(Sampler::Exponential { mean_us }) = plan.modes[m as usize].ttf else {
                        unreachable!("only exponential clocks are redrawn")
                    };
                    let now = self.now;
                    let state = self.modes.write::<SPLIT>(m as usize, &mut self.journal);
                    // The old event goes stale with the old epoch.
                    state.epoch = state.epoch.wrapping_add(1);
                    let fresh = Sampler::Exponential {
                        mean_us: mean_us / speed,
                    }
                    .sample_us(&mut state.ttf_stream);
                    state.due_us = now.saturating_add(fresh);
                    let event = payload(KIND_FAIL, m, state.epoch);
                    self.queue.push(state.due_us, event);
                }
                Redraw::Repair(m) => {
                    let now = self.now;
                    let repair = &plan.modes[m as usize].repair;
                    let state = self.modes.write::<SPLIT>(m as usize, &mut self.journal);
                    // The old event goes stale with the old tag.
                    state.repair_tag = state.repair_tag.wrapping_add(1) % REPAIR_SHARED;
                    let fresh = repair.sample_us(&mut state.repair_stream);
                    state.repair_due_us = now.saturating_add(fresh);
                    let event = payload(KIND_REPAIR, m, state.repair_tag);
                    self.queue.push(state.repair_due_us, event);
                }
            }
        }
        for c in 0..self.pools.len() {
            self.reschedule_pool(c);
        }
    }
}

/// A clock a copy draws afresh (see [`Sim::redraw_memoryless`]).
#[derive(Clone, Copy, Debug)]
enum Redraw {
    /// Mode `m`'s running failure clock.
    Clock(u32),
    /// Mode `m`'s repair in progress.
    Repair(u32),
}

/// What a copy does with a pending event of its source.
enum Fate {
    Keep,
    /// Stale (its handler would ignore it), or a pool's clock (every pool
    /// is drawn afresh).
    Drop,
    /// A live exponential clock, drawn afresh.
    Redraw(Redraw),
}

/// The fate of event `e` given the modes' state at `now`: the staleness
/// tests are the handlers' own (`Sim::handle`, `Sim::on_clock`).
fn fate(plan: &Plan, modes: &[ModeState], now: u64, e: &Event) -> Fate {
    let index = (e.payload & INDEX_MASK) as usize;
    let tag = (e.payload >> 32) as u32;
    match (e.payload >> KIND_SHIFT) & KIND_MASK {
        KIND_FAIL if index >= modes.len() => Fate::Drop,
        KIND_FAIL if modes[index].epoch != tag => Fate::Drop,
        KIND_FAIL => match plan.modes[index].ttf {
            Some(Sampler::Exponential { .. }) => Fate::Redraw(Redraw::Clock(index as u32)),
            _ => Fate::Keep,
        },
        KIND_REPAIR if tag == REPAIR_SHARED => Fate::Keep,
        KIND_REPAIR if tag != modes[index].repair_tag => Fate::Drop,
        KIND_REPAIR if e.time > now => match plan.modes[index].repair {
            Sampler::Exponential { .. } => Fate::Redraw(Redraw::Repair(index as u32)),
            _ => Fate::Keep,
        },
        _ => Fate::Keep,
    }
}

/// Marks a mode that is in no pool (`ModeState::pool_slot`).
pub(super) const NOT_POOLED: u32 = u32::MAX;

/// The modes whose exponential failure clocks a splitting copy may pool:
/// the class (one per distinct mean) of each mode, `NOT_POOLED` for modes
/// without an exponential clock.
#[derive(Clone, Debug, Default)]
pub struct PoolClasses {
    pub(super) class: Vec<u32>,
    means_us: Vec<f64>,
    /// How many modes each class has.
    sizes: Vec<u32>,
}

impl PoolClasses {
    pub(super) fn of(modes: &[super::plan::ModePlan]) -> Self {
        let mut classes = PoolClasses::default();
        for mode in modes {
            let class = match mode.ttf {
                Some(Sampler::Exponential { mean_us }) => {
                    let known = classes.means_us.iter().position(|&m| m == mean_us);
                    let c = known.unwrap_or_else(|| {
                        classes.means_us.push(mean_us);
                        classes.sizes.push(0);
                        classes.means_us.len() - 1
                    });
                    classes.sizes[c] += 1;
                    c as u32
                }
                _ => NOT_POOLED,
            };
            classes.class.push(class);
        }
        classes
    }
}

/// The running exponential failure clocks of one mean in a splitting copy,
/// as one clock: n clocks of mean μ fire first after an exponential time of
/// mean μ/n, each equally likely to be the one (the minimum of independent
/// exponentials). A copy then draws one clock per mean instead of one per
/// member; on W2 that is one instead of about 9,900. A member leaves the
/// pool when its clock fires through the pool, or is parked (its unit went
/// down for another mode, or its speed changed): it then draws its own
/// remainder afresh (exact by memorylessness) and runs as before.
pub(super) struct Pool {
    /// Journaled (see `journal`): slot `s` is noted as `slots_at + s`.
    members: Vec<u32>,
    slots_at: u32,
    /// The most members it can have: its class's modes.
    slots: u32,
    mean_us: f64,
    epoch: u32,
    /// Which member fires and when; copies draw it salted like every stream.
    stream: Stream,
}

impl Pool {
    /// Pool `class` of replication `replication`, with a stream of its own:
    /// pools sharing one drew the same numbers, so their clocks fired in
    /// step (seen: 3 of 5 with two modes of different means came out 39%
    /// low).
    fn new(
        seed: u64,
        replication: u64,
        class: usize,
        classes: &PoolClasses,
        slots_at: u32,
    ) -> Self {
        Pool {
            members: Vec::new(),
            slots_at,
            slots: classes.sizes[class],
            mean_us: classes.means_us[class],
            epoch: 0,
            stream: Stream::new(
                seed,
                replication,
                StreamKey::of(&["pool", &class.to_string()]),
            ),
        }
    }

    /// The same pool as `src` but for the members, which the caller
    /// restores slot by slot (`len` of them).
    fn copy_but_members(&mut self, src: &Pool) {
        self.members.resize(src.members.len(), 0);
        self.slots_at = src.slots_at;
        self.slots = src.slots;
        self.mean_us = src.mean_us;
        self.epoch = src.epoch;
        self.stream.clone_from(&src.stream);
    }
}

impl Clone for Pool {
    fn clone(&self) -> Self {
        Pool {
            members: self.members.clone(),
            slots_at: self.slots_at,
            slots: self.slots,
            mean_us: self.mean_us,
            epoch: self.epoch,
            stream: self.stream.clone(),
        }
    }

    /// Reuses the members' memory (dead copies are reused).
    fn clone_from(&mut self, src: &Self) {
        self.members.clone_from(&src.members);
        self.slots_at = src.slots_at;
        self.slots = src.slots;
        self.mean_us = src.mean_us;
        self.epoch = src.epoch;
        self.stream = src.stream.clone();
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Draws pool `c`'s clock afresh (its old event goes stale): after its
    /// membership changed, or when it fired.
    pub(super) fn reschedule_pool(&mut self, c: usize) {
        let index = (self.modes.len() + c) as u32;
        let pool = &mut self.pools[c];
        pool.epoch = pool.epoch.wrapping_add(1);
        if pool.members.is_empty() {
            return;
        }
        let after = Sampler::Exponential {
            mean_us: pool.mean_us / pool.members.len() as f64,
        }
        .sample_us(&mut pool.stream);
        self.queue.push(
            self.now.saturating_add(after),
            payload(KIND_FAIL, index, pool.epoch),
        );
    }

    /// Mode `m`'s running clock joins pool `c` (whose clock the caller
    /// draws afresh); any event of its own goes stale.
    pub(super) fn join_pool(&mut self, m: u32, c: usize) {
        let pool = &mut self.pools[c];
        let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
        state.epoch = state.epoch.wrapping_add(1);
        state.scheduled = true;
        state.pool_slot = pool.members.len() as u32;
        if Self::SPLITTING {
            self.journal.note(pool.slots_at + state.pool_slot);
        }
        pool.members.push(m);
    }

    /// Takes the member in `slot` out of pool `c`.
    fn leave_pool(&mut self, c: usize, slot: usize) -> u32 {
        let pool = &mut self.pools[c];
        if Self::SPLITTING {
            // The slot taken and the last one, moved into it.
            self.journal.note(pool.slots_at + slot as u32);
            self.journal
                .note(pool.slots_at + pool.members.len() as u32 - 1);
        }
        let m = pool.members.swap_remove(slot);
        if let Some(&moved) = pool.members.get(slot) {
            self.modes
                .write::<MODE>(moved as usize, &mut self.journal)
                .pool_slot = slot as u32;
        }
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .pool_slot = NOT_POOLED;
        m
    }

    /// Pool `c`'s clock fired: one of its members, each as likely, fails.
    /// Out of line: plain runs never get here, and inlined it cost W1 1%.
    #[cold]
    #[inline(never)]
    pub(super) fn on_pool_clock(&mut self, c: usize, epoch: u32) -> bool {
        let pool = &mut self.pools[c];
        if pool.epoch != epoch || pool.members.is_empty() {
            return false;
        }
        let n = pool.members.len();
        let slot = ((pool.stream.uniform() * n as f64) as usize).min(n - 1);
        let m = self.leave_pool(c, slot);
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .scheduled = false;
        self.fail(m);
        self.reschedule_pool(c);
        true
    }

    /// Mode `m`'s clock is parked while in a pool: it leaves the pool with
    /// a fresh remainder of work (exact by memorylessness; pooled clocks
    /// run at full speed, so work is time).
    #[cold]
    #[inline(never)]
    pub(super) fn unpool(&mut self, m: u32) {
        let c = self.plan.pools.class[m as usize] as usize;
        let slot = self.modes[m as usize].pool_slot as usize;
        self.leave_pool(c, slot);
        let work = self.draw_ttf(m).unwrap_or(0);
        let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
        state.remaining_us = work;
        state.scheduled = false;
        self.reschedule_pool(c);
    }
}
