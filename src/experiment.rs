//! Replications: seeds, parallelism and the order results are combined in.
//!
//! Replications are computed in parallel in blocks, then folded into the
//! accumulators strictly in replication order, so results are identical on
//! any number of threads. Memory is bounded by the block size, whatever the
//! number of replications.

use crate::engine::{self, Plan, RunSettings};
use crate::metrics::cost::{CostAccumulator, CostPlan};
use crate::metrics::curve::CurveAccumulator;
use crate::metrics::data::RecoveryAccumulator;
use crate::metrics::elections::ElectionAccumulator;
use crate::metrics::faults::{FaultAccumulator, InjectedAccumulator};
use crate::metrics::monitoring::MonitorAccumulator;
use crate::metrics::{
    Accumulator, CauseAccumulator, RepOutcome, RequestAccumulator, StandbyAccumulator, Window,
    Worst,
};
use crate::model::{Micros, Model, hours_from_micros};
use rayon::prelude::*;

mod blocks;
pub mod rare;
pub use blocks::run_stoppable;

/// Replications computed in parallel before being folded in order; also
/// the unit of `--shard` (shard I of N runs the blocks whose index mod N
/// is I), fixed whatever the threads and the shard count.
pub const BLOCK: u64 = 1024;

/// The most events a run may be expected to process (about two hours on
/// two cores); larger runs are refused before they start.
pub const MAX_EXPECTED_EVENTS: f64 = 1e11;

/// How a run is configured once the scenario and the command line are merged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub seed: u64,
    pub n_replications: u64,
    pub horizon_us: Micros,
    pub warmup_us: Micros,
    /// Outages shorter than this are downtime but no incident.
    pub incident_threshold_us: Micros,
}

impl Settings {
    pub fn from_model(model: &Model) -> Settings {
        let sim = &model.simulation;
        Settings {
            seed: sim.seed,
            n_replications: sim.n_replications,
            horizon_us: sim.horizon_us,
            warmup_us: sim.warmup_us,
            incident_threshold_us: sim.incident_threshold_us,
        }
    }

    /// What the engine needs of the settings.
    pub fn run_settings(&self) -> RunSettings {
        RunSettings {
            seed: self.seed,
            warmup_us: self.warmup_us,
            horizon_us: self.horizon_us,
        }
    }

    pub fn window(&self) -> Window {
        Window {
            start_us: self.warmup_us,
            end_us: self.warmup_us.saturating_add(self.horizon_us),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(
        "this run would process about {expected:.1e} events{}, above the limit of {limit:.0e}; \
         use fewer replications (`--replications`) or a shorter horizon (`--horizon`), or raise \
         the limit with `--max-events`",
        per_request_part(*.requests)
    )]
    TooLarge {
        expected: f64,
        limit: f64,
        /// Requests simulated one by one (per-request mode) among them.
        requests: f64,
    },
    #[error("cannot start {threads} threads: {message}")]
    Threads { threads: usize, message: String },
}

fn per_request_part(requests: f64) -> String {
    if requests > 0.0 {
        format!(" (two for each of about {requests:.1e} requests simulated one by one)")
    } else {
        String::new()
    }
}

/// Refuses a run expected to process more than `limit` events (the CLI's
/// `--max-events`, by default [`MAX_EXPECTED_EVENTS`]).
///
/// # Errors
/// [`ExperimentError::TooLarge`], with the expected events and requests.
pub fn check_budget(model: &Model, settings: &Settings, limit: f64) -> Result<(), ExperimentError> {
    let expected = expected_events(model, settings);
    if expected > limit {
        return Err(ExperimentError::TooLarge {
            expected,
            limit,
            requests: expected_requests(model, settings),
        });
    }
    Ok(())
}

/// About how many requests the per-request mode simulates in a run.
pub fn expected_requests(model: &Model, settings: &Settings) -> f64 {
    let time_h = hours_from_micros(settings.warmup_us.saturating_add(settings.horizon_us));
    let per_replication: f64 = model
        .traffic
        .iter()
        .filter(|t| t.requests.is_some())
        .map(|t| t.rate_per_s * t.mean_factor() * time_h * 3600.0)
        .sum();
    per_replication * settings.n_replications as f64
}

/// About how many events a run will process: two per failure (fail and
/// repair) of every clock, and one per node hit by a domain or group shock.
pub fn expected_events(model: &Model, settings: &Settings) -> f64 {
    let time_h = hours_from_micros(settings.warmup_us.saturating_add(settings.horizon_us));
    let mut per_replication = 0.0;
    for group in &model.groups {
        for mode in &group.failures {
            let cycle_h = mode.ttf.mean_h() + mode.repair.mean_h();
            per_replication += 2.0 * group.members.len() as f64 * time_h / cycle_h;
        }
    }
    for domain in &model.domains {
        for mode in &domain.failures {
            let cycle_h = mode.ttf.mean_h() + mode.repair.mean_h();
            per_replication += (2.0 + model.nodes.len() as f64) * time_h / cycle_h;
        }
    }
    // A cut link is two events, and may bring a suspicion and a takeover.
    for link in &model.links {
        for mode in &link.failures {
            let cycle_h = mode.ttf.mean_h() + mode.repair.mean_h();
            per_replication += 4.0 * time_h / cycle_h;
        }
    }
    // False suspicions from lost heartbeats are events too.
    let false_suspicions_per_h: f64 = model
        .services
        .iter()
        .filter_map(|s| {
            let parts = s.redundancy.standby_parts()?;
            let hb = parts.failover.heartbeat.as_ref()?;
            let per_us =
                crate::engine::false_suspicion_rate_per_us(hb.interval_us, hb.timeout_us, hb.loss)?;
            Some(2.0 * per_us * crate::model::MICROS_PER_HOUR * f64::from(parts.slots))
        })
        .sum();
    per_replication += false_suspicions_per_h * time_h;
    // With health checks, a member's failure and repair may each add an
    // ejection or rejoin event.
    for t in &model.traffic {
        let service = &model.services[t.service];
        if service
            .balancer
            .as_ref()
            .is_some_and(|b| b.health_check.is_some())
        {
            for &m in &service.members {
                for mode in &model.groups[model.nodes[m].group].failures {
                    let cycle_h = mode.ttf.mean_h() + mode.repair.mean_h();
                    per_replication += 2.0 * time_h / cycle_h;
                }
            }
        }
    }
    per_replication * settings.n_replications as f64 + 2.0 * expected_requests(model, settings)
}

/// Everything a run measured, folded over replications in order.
#[derive(Clone, Debug)]
pub struct Results {
    pub settings: Settings,
    pub events: u64,
    /// The system first, then each service in scenario order.
    pub accumulators: Vec<Accumulator>,
    /// One per standby service, with the service's index.
    pub standby: Vec<(usize, StandbyAccumulator)>,
    /// Downtime by cause, like `accumulators`.
    pub causes: Vec<CauseAccumulator>,
    /// One per service with traffic, with the service's index.
    pub requests: Vec<(usize, RequestAccumulator)>,
    /// The replications with the most system downtime and the longest outage.
    pub worst: Worst,
    /// Each fault entry, and the injected outages of each entity like
    /// `accumulators` (both empty without faults).
    pub faults: Vec<FaultAccumulator>,
    pub injected: Vec<InjectedAccumulator>,
    /// Alert and response delays, when some failure mode has `monitoring`.
    pub monitoring: Option<MonitorAccumulator>,
    /// One per quorum service with `election`, with the service's index.
    pub elections: Vec<(usize, ElectionAccumulator)>,
    /// One per service with `recovery`, with the service's index.
    pub recoveries: Vec<(usize, RecoveryAccumulator)>,
    /// The system's availability over time from start-up.
    pub curve: CurveAccumulator,
    /// The design's cost, with `cost`.
    pub cost: Option<CostAccumulator>,
}

/// Runs every replication. `each` sees every replication's outcome in
/// replication order (for the CSV); `progress` is called from worker
/// threads once per finished replication.
///
/// # Errors
/// When the thread pool cannot be built. The size of the run is not
/// checked here: callers check it first with [`check_budget`].
pub fn run(
    model: &Model,
    settings: Settings,
    threads: Option<usize>,
    each: &mut dyn FnMut(u64, &RepOutcome),
    progress: &(dyn Fn() + Sync),
) -> Result<Results, ExperimentError> {
    let mut batches = Batches::new(model, settings, threads)?;
    batches.advance(
        settings.n_replications,
        false,
        &mut |rep, outcome, _| each(rep, outcome),
        progress,
    );
    Ok(batches.results())
}

/// How a replication of `model` is priced, with `cost`.
pub fn cost_plan(model: &Model) -> Option<CostPlan> {
    cost_plan_of(model, &Plan::new(model))
}

fn cost_plan_of(model: &Model, plan: &Plan) -> Option<CostPlan> {
    let standby: Vec<usize> = plan.standbys.iter().map(|s| s.service as usize).collect();
    Some(CostPlan::new(model, model.cost.as_ref()?, &standby))
}

/// A pool of `threads` workers (default: one per core).
fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, ExperimentError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| ExperimentError::Threads {
            threads: threads.unwrap_or(0),
            message: e.to_string(),
        })
}

/// A run that grows batch by batch (`nines check`): replications
/// `0..done` folded in order, so that a run stopped at `n` equals a run of
/// `n` replications, whatever the batches and threads.
pub struct Batches {
    plan: Plan,
    pool: rayon::ThreadPool,
    settings: Settings,
    accumulators: Vec<Accumulator>,
    standby: Vec<(usize, StandbyAccumulator)>,
    causes: Vec<CauseAccumulator>,
    requests: Vec<(usize, RequestAccumulator)>,
    worst: Worst,
    faults: Vec<FaultAccumulator>,
    injected: Vec<InjectedAccumulator>,
    monitoring: Option<MonitorAccumulator>,
    elections: Vec<(usize, ElectionAccumulator)>,
    recoveries: Vec<(usize, RecoveryAccumulator)>,
    curve: CurveAccumulator,
    cost: Option<CostAccumulator>,
    events: u64,
    done: u64,
}

/// Per tally (the system, then each service), the times its state flipped.
pub type Flips = [Vec<u64>];

impl Batches {
    /// # Errors
    /// When the thread pool cannot be built.
    pub fn new(
        model: &Model,
        settings: Settings,
        threads: Option<usize>,
    ) -> Result<Batches, ExperimentError> {
        let plan = Plan::new(model);
        let pool = thread_pool(threads)?;
        let standby = plan
            .standbys
            .iter()
            .map(|sb| {
                let mut acc = StandbyAccumulator::default();
                acc.data = (sb.async_loss.is_some() || sb.sync.is_some()).then(|| {
                    crate::metrics::data::DataAccumulator::new(
                        sb.sync.is_some(),
                        sb.resync.is_some(),
                    )
                });
                (sb.service as usize, acc)
            })
            .collect();
        let causes = cause_names(&plan)
            .into_iter()
            .map(CauseAccumulator::new)
            .collect();
        let requests = model
            .traffic
            .iter()
            .map(|t| (t.service, RequestAccumulator::default()))
            .collect();
        Ok(Batches {
            requests,
            accumulators: vec![
                Accumulator::new(settings.incident_threshold_us);
                model.services.len() + 1
            ],
            pool,
            settings,
            standby,
            causes,
            worst: Worst::default(),
            faults: vec![FaultAccumulator::default(); model.faults.len()],
            injected: if model.faults.is_empty() {
                Vec::new()
            } else {
                vec![InjectedAccumulator::default(); model.services.len() + 1]
            },
            monitoring: plan
                .modes
                .iter()
                .any(|m| m.monitor.is_some())
                .then(MonitorAccumulator::default),
            elections: plan
                .elections
                .iter()
                .map(|e| (e.service as usize, ElectionAccumulator::default()))
                .collect(),
            recoveries: plan
                .recoveries
                .iter()
                .map(|r| (r.service as usize, RecoveryAccumulator::default()))
                .collect(),
            cost: cost_plan_of(model, &plan).map(CostAccumulator::new),
            curve: CurveAccumulator::new(
                settings.warmup_us.saturating_add(settings.horizon_us),
                crate::metrics::SLICES,
            ),
            plan,
            events: 0,
            done: 0,
        })
    }

    /// How a replication's cost is computed, with `cost`.
    pub fn cost_plan(&self) -> Option<&crate::metrics::cost::CostPlan> {
        self.cost.as_ref().map(CostAccumulator::plan)
    }

    /// Replications run so far.
    pub fn done(&self) -> u64 {
        self.done
    }

    /// Runs replications `done..to`; with `record`, `each` also sees the
    /// times every tally flipped (see [`engine::simulate_recording`]).
    pub fn advance(
        &mut self,
        to: u64,
        record: bool,
        each: &mut dyn FnMut(u64, &RepOutcome, Option<&Flips>),
        progress: &(dyn Fn() + Sync),
    ) {
        let settings = self.settings;
        let run_settings = settings.run_settings();
        let window = settings.window();
        while self.done < to {
            let (start, end) = (self.done, (self.done + BLOCK).min(to));
            let plan = &self.plan;
            let outcomes: Vec<(RepOutcome, Option<Vec<Vec<u64>>>)> = self.pool.install(|| {
                (start..end)
                    .into_par_iter()
                    .map(|rep| {
                        let outcome = if record {
                            let (o, flips) = engine::simulate_recording(plan, run_settings, rep);
                            (o, Some(flips))
                        } else {
                            (engine::simulate(plan, run_settings, rep), None)
                        };
                        progress();
                        outcome
                    })
                    .collect()
            });
            for (rep, (outcome, flips)) in (start..end).zip(&outcomes) {
                self.fold(outcome, window);
                if let Some(system) = outcome.tallies.first() {
                    self.worst.push(rep, system, window);
                }
                each(rep, outcome, flips.as_deref());
            }
            self.done = end;
        }
    }

    fn fold(&mut self, outcome: &RepOutcome, window: Window) {
        self.events += outcome.events;
        // A system that is one service has that service's figures: they
        // are copied when the results are taken.
        let skip = usize::from(self.plan.causes.system_mirror.is_some());
        for (acc, tally) in self
            .accumulators
            .iter_mut()
            .zip(&outcome.tallies)
            .skip(skip)
        {
            acc.push(tally, window);
        }
        for (acc, downtime) in self.causes.iter_mut().zip(&outcome.downtime_by_cause_us) {
            acc.push(downtime, window);
        }
        for (acc, counts) in self.faults.iter_mut().zip(&outcome.faults) {
            acc.push(counts, window);
        }
        for (acc, injected) in self.injected.iter_mut().zip(&outcome.injected) {
            acc.push(injected, window);
        }
        for ((((_, acc), counts), takeovers), lags) in self
            .standby
            .iter_mut()
            .zip(&outcome.standby)
            .zip(&outcome.takeovers_us)
            .zip(&outcome.lags_us)
        {
            acc.push(counts, takeovers, lags, window);
        }
        for ((_, acc), counts) in self.requests.iter_mut().zip(&outcome.requests) {
            acc.push(counts, window);
        }
        if let Some(acc) = &mut self.monitoring {
            acc.push(&outcome.monitoring);
        }
        for ((_, acc), counts) in self.elections.iter_mut().zip(&outcome.elections) {
            acc.push(counts, window);
        }
        for ((_, acc), counts) in self.recoveries.iter_mut().zip(&outcome.recoveries) {
            acc.push(counts, window);
        }
        if let Some(system) = outcome.tallies.first() {
            self.curve.push(&system.slices_down_us);
        }
        if let Some(acc) = &mut self.cost {
            acc.push(outcome, window);
        }
    }

    /// What the replications run so far measured.
    pub fn results(&self) -> Results {
        let mut accumulators = self.accumulators.clone();
        if let Some(t) = self.plan.causes.system_mirror {
            accumulators[0] = accumulators[t as usize + 1].clone();
        }
        Results {
            settings: Settings {
                n_replications: self.done,
                ..self.settings
            },
            events: self.events,
            accumulators,
            standby: self.standby.clone(),
            causes: self.causes.clone(),
            requests: self.requests.clone(),
            worst: self.worst.clone(),
            faults: self.faults.clone(),
            injected: self.injected.clone(),
            monitoring: self.monitoring.clone(),
            elections: self.elections.clone(),
            recoveries: self.recoveries.clone(),
            curve: self.curve.clone(),
            cost: self.cost.clone(),
        }
    }
}

/// The names of the causes of downtime of the system and of each service
/// of `model`, in the order the engine reports them.
pub fn causes_of(model: &Model) -> Vec<Vec<String>> {
    cause_names(&Plan::new(model))
}

fn cause_names(plan: &Plan) -> Vec<Vec<String>> {
    let names = &plan.causes.names;
    plan.causes
        .entity
        .iter()
        .map(|ids| ids.iter().map(|&c| names[c as usize].clone()).collect())
        .collect()
}

/// Replication `replication` of a run with `settings`, with every state
/// change (`nines trace`): the same streams as in [`run`], so the same
/// outcome as that replication of the run.
pub fn trace(
    model: &Model,
    settings: &Settings,
    replication: u64,
) -> (Plan, RepOutcome, Vec<crate::metrics::trace::TraceEvent>) {
    let plan = Plan::new(model);
    let run_settings = settings.run_settings();
    let (outcome, events) = engine::simulate_traced(&plan, run_settings, replication);
    (plan, outcome, events)
}

/// Where a run with a precision target stopped.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Precision {
    /// The target relative half-width of the system's unavailability.
    pub target: f64,
    /// The relative half-width reached (`None`: no downtime seen yet).
    pub reached: Option<f64>,
    pub met: bool,
}

/// The relative half-width of the system's unavailability: the 95%
/// interval's half-width over 1 − A.
pub fn relative_half_width(results: &Results) -> Option<f64> {
    let a = results.accumulators.first()?.summary().availability;
    let (mean, [lo, hi]) = (a.mean?, a.ci95?);
    let u = 1.0 - mean;
    (u > 0.0).then(|| (hi - lo) / 2.0 / u)
}

/// Runs replications in looks of 100, 200, 400, ... (and `settings.n_replications`,
/// the most it may run) until the relative half-width of the system's
/// unavailability is at most `target`. The looks depend on nothing but the
/// settings, so the result depends on (scenario, seed, target, cap) only.
/// `look` sees the replications done and the half-width after each look.
///
/// # Errors
/// As [`run`].
pub fn run_to_precision(
    model: &Model,
    settings: Settings,
    threads: Option<usize>,
    target: f64,
    each: &mut dyn FnMut(u64, &RepOutcome),
    progress: &(dyn Fn() + Sync),
    look: &mut dyn FnMut(u64, Option<f64>),
) -> Result<(Results, Precision), ExperimentError> {
    let cap = settings.n_replications;
    let mut batches = Batches::new(model, settings, threads)?;
    let mut next = 100u64.min(cap);
    loop {
        batches.advance(
            next,
            false,
            &mut |rep, outcome, _| each(rep, outcome),
            progress,
        );
        let results = batches.results();
        let reached = relative_half_width(&results);
        look(next, reached);
        let met = reached.is_some_and(|r| r <= target);
        if met || next >= cap {
            return Ok((
                results,
                Precision {
                    target,
                    reached,
                    met,
                },
            ));
        }
        next = next.saturating_mul(2).min(cap);
    }
}
