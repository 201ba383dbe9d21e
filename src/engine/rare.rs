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
//! thresholds it is exactly the plain replication.

use super::queue::{BinaryHeap, FutureEvents, RadixHeap};
use super::rng::{self, Stream, StreamKey, mix};
use super::sampler::Sampler;
use super::{KIND_FAIL, KIND_REPAIR, REPAIR_SHARED, payload};
use super::{Plan, RADIX_FROM_PENDING, RunSettings, Sim};

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
    let mut sim = Sim::<Q, false>::new(plan, settings, replication);
    rng::set_salt(0);
    sim.start();
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
        out: RareOutcome {
            crossings: vec![0.0; levels],
            hits: vec![0; levels],
            ..RareOutcome::default()
        },
    };
    let mut spares = Vec::new();
    tree.run(&mut sim, 0, 0, &mut spares);
    rng::set_salt(0);
    tree.out
}

struct Tree<'a> {
    splitting: &'a Splitting,
    importance: &'a Importance,
    weights: Vec<f64>,
    /// Draws the whole numbers of copies.
    stream: Stream,
    salt_base: u64,
    salts: u64,
    out: RareOutcome,
}

impl Tree<'_> {
    fn importance<Q: FutureEvents, const T: bool>(&self, sim: &Sim<'_, Q, T>) -> u32 {
        let imp = self.importance;
        let mut least = u32::MAX;
        for (&s, &m) in imp.services.iter().zip(&imp.min_up) {
            let distance = (sim.services[s as usize].up_members + 1).saturating_sub(m);
            least = least.min(distance);
        }
        imp.top.saturating_sub(least)
    }

    /// Runs one trajectory born at threshold `birth` (0: the first) until
    /// it falls below it or the run ends.
    fn run<'p, Q: FutureEvents + Clone>(
        &mut self,
        sim: &mut Sim<'p, Q, false>,
        birth: usize,
        salt: u64,
        spares: &mut Vec<Sim<'p, Q, false>>,
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
                    self.branch(sim, k, new_region, spares);
                }
                rng::set_salt(salt);
            }
            region = new_region;
        }
        if down {
            self.add_down(last, window.end_us, region, window);
        }
    }

    /// Makes the copies of `sim` due to its crossing threshold `k` (1-based)
    /// on its way to region `top`, and runs each.
    fn branch<'p, Q: FutureEvents + Clone>(
        &mut self,
        sim: &Sim<'p, Q, false>,
        k: usize,
        top: usize,
        spares: &mut Vec<Sim<'p, Q, false>>,
    ) {
        let r = self.splitting.factors[k - 1] - 1.0;
        let whole = r.floor();
        let extra = whole as u64 + u64::from(self.stream.uniform() < r - whole);
        for _ in 0..extra {
            // A dead copy's memory is reused: copying into it allocates nothing.
            let mut copy = match spares.pop() {
                Some(mut spare) => {
                    spare.copy_from(sim);
                    spare
                }
                None => sim.clone(),
            };
            self.out.copies += 1;
            self.salts += 1;
            let salt = mix(self.salt_base ^ self.salts) | 1;
            rng::set_salt(salt);
            copy.redraw_memoryless();
            for j in k + 1..=top {
                self.branch(&copy, j, top, spares);
                rng::set_salt(salt);
            }
            self.run(&mut copy, k, salt, spares);
            spares.push(copy);
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

impl<Q: FutureEvents + Clone> Sim<'_, Q, false> {
    /// Makes this state a copy of `src`, reusing its memory (`clone_from`
    /// field by field; listing every field makes a new one a compile error
    /// until it is copied here too).
    fn copy_from(&mut self, src: &Self) {
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
        } = src;
        self.plan.clone_from(plan);
        self.now.clone_from(now);
        self.window.clone_from(window);
        self.queue.clone_from(queue);
        self.modes.clone_from(modes);
        self.shock_streams.clone_from(shock_streams);
        self.shock_repair_streams.clone_from(shock_repair_streams);
        self.unit_failed.clone_from(unit_failed);
        self.unit_speed.clone_from(unit_speed);
        self.node_blockers.clone_from(node_blockers);
        self.crews.clone_from(crews);
        self.services.clone_from(services);
        self.system_down.clone_from(system_down);
        self.standbys.clone_from(standbys);
        self.down_links.clone_from(down_links);
        self.shock_hits.clone_from(shock_hits);
        self.pools.clone_from(pools);
        self.stalled.clone_from(stalled);
        self.n_stalled.clone_from(n_stalled);
        self.slowdown.clone_from(slowdown);
        self.deaf_down.clone_from(deaf_down);
        self.slowed.clone_from(slowed);
        self.n_slowed.clone_from(n_slowed);
        self.tallies.clone_from(tallies);
        self.worklist.clone_from(worklist);
        self.demand_epoch.clone_from(demand_epoch);
        self.attribution.clone_from(attribution);
        self.cause.clone_from(cause);
        self.node_cause.clone_from(node_cause);
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
        self.failed_at.clone_from(failed_at);
        self.planned.clone_from(planned);
    }

    /// Draws afresh every pending exponential clock: the running failure
    /// clocks with an exponential time to failure at full speed join one
    /// clock per mean ([`Pool`]), which is drawn afresh; other running
    /// exponential failure clocks, and each repair in progress with an
    /// exponential length (not one shared by a shock's instances), are
    /// drawn afresh one by one. Exact, since an exponential clock that has
    /// not fired has an exponential remainder whatever its age; a copy that
    /// did not redraw would follow its original until the first new draw.
    /// Other clocks keep their remainders, which is exact too, only less
    /// diverse.
    fn redraw_memoryless(&mut self) {
        let plan = self.plan;
        if self.pools.is_empty() {
            let means = plan.pools.means_us.iter();
            self.pools = means.enumerate().map(|(c, &m)| Pool::new(c, m)).collect();
        }
        for (m, mode) in plan.modes.iter().enumerate() {
            let state = &mut self.modes[m];
            if state.failed {
                if state.repair_due_us > self.now
                    && let Sampler::Exponential { .. } = mode.repair
                {
                    // The old event goes stale with the old tag.
                    state.repair_tag = state.repair_tag.wrapping_add(1) % REPAIR_SHARED;
                    let fresh = mode.repair.sample_us(&mut state.repair_stream);
                    state.repair_due_us = self.now.saturating_add(fresh);
                    self.queue.push(
                        state.repair_due_us,
                        payload(KIND_REPAIR, m as u32, state.repair_tag),
                    );
                }
            } else if state.scheduled
                && state.pool_slot == NOT_POOLED
                && let Some(Sampler::Exponential { mean_us }) = &mode.ttf
            {
                // Either way the old event goes stale with the old epoch.
                state.epoch = state.epoch.wrapping_add(1);
                let speed = self.unit_speed[mode.unit as usize];
                let class = plan.pools.class[m];
                if speed == 1.0 && class != NOT_POOLED {
                    let pool = &mut self.pools[class as usize];
                    state.pool_slot = pool.members.len() as u32;
                    pool.members.push(m as u32);
                    continue;
                }
                let fresh = Sampler::Exponential {
                    mean_us: mean_us / speed,
                }
                .sample_us(&mut state.ttf_stream);
                state.due_us = self.now.saturating_add(fresh);
                self.queue
                    .push(state.due_us, payload(KIND_FAIL, m as u32, state.epoch));
            }
        }
        for c in 0..self.pools.len() {
            self.reschedule_pool(c);
        }
    }
}

/// Marks a mode that is in no pool (`ModeState::pool_slot`).
pub(super) const NOT_POOLED: u32 = u32::MAX;

/// The modes whose exponential failure clocks a splitting copy may pool:
/// the class (one per distinct mean) of each mode, `NOT_POOLED` for modes
/// without an exponential clock.
#[derive(Clone, Debug, Default)]
pub struct PoolClasses {
    class: Vec<u32>,
    means_us: Vec<f64>,
}

impl PoolClasses {
    pub(super) fn of(modes: &[super::plan::ModePlan]) -> Self {
        let mut classes = PoolClasses::default();
        for mode in modes {
            let class = match mode.ttf {
                Some(Sampler::Exponential { mean_us }) => {
                    let known = classes.means_us.iter().position(|&m| m == mean_us);
                    known.unwrap_or_else(|| {
                        classes.means_us.push(mean_us);
                        classes.means_us.len() - 1
                    }) as u32
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
    members: Vec<u32>,
    mean_us: f64,
    epoch: u32,
    /// Which member fires and when; copies draw it salted like every stream.
    stream: Stream,
}

impl Pool {
    /// Pool `class`, with a stream of its own: pools sharing one drew
    /// the same numbers, so their clocks fired in step (seen: 3 of 5 with
    /// two modes of different means came out 39% low).
    fn new(class: usize, mean_us: f64) -> Self {
        Pool {
            members: Vec::new(),
            mean_us,
            epoch: 0,
            stream: Stream::new(0, class as u64, StreamKey::of(&["pool"])),
        }
    }
}

impl Clone for Pool {
    fn clone(&self) -> Self {
        Pool {
            members: self.members.clone(),
            mean_us: self.mean_us,
            epoch: self.epoch,
            stream: self.stream.clone(),
        }
    }

    /// Reuses the members' memory (dead copies are reused).
    fn clone_from(&mut self, src: &Self) {
        self.members.clone_from(&src.members);
        self.mean_us = src.mean_us;
        self.epoch = src.epoch;
        self.stream = src.stream.clone();
    }
}

impl<Q: FutureEvents, const TRACE: bool> Sim<'_, Q, TRACE> {
    /// Draws pool `c`'s clock afresh (its old event goes stale): after its
    /// membership changed, or when it fired.
    fn reschedule_pool(&mut self, c: usize) {
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

    /// Takes the member in `slot` out of pool `c`.
    fn leave_pool(&mut self, c: usize, slot: usize) -> u32 {
        let pool = &mut self.pools[c];
        let m = pool.members.swap_remove(slot);
        if let Some(&moved) = pool.members.get(slot) {
            self.modes[moved as usize].pool_slot = slot as u32;
        }
        self.modes[m as usize].pool_slot = NOT_POOLED;
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
        self.modes[m as usize].scheduled = false;
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
        let state = &mut self.modes[m as usize];
        state.remaining_us = work;
        state.scheduled = false;
        self.reschedule_pool(c);
    }
}
