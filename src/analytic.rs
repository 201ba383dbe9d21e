//! Exact answers for Markovian designs: when every failure and repair time
//! is exponential, a design is a continuous-time Markov chain. The chain
//! is built with identical nodes counted rather than enumerated
//! ([`space`]), and solved exactly ([`chain`]): steady state by sparse LU,
//! interval figures over the run's window by uniformization.
//!
//! The interval figures are what the simulation's estimators converge to
//! for the same window, so `nines run --cross-check` compares like with like.

pub mod approximate;
pub mod chain;
pub mod space;
pub mod standby;

pub use space::{Lumping, MAX_STATES, SpaceError, check_markovian};

use crate::experiment::Settings;
use crate::model::{HOURS_PER_YEAR, Model, hours_from_micros};
use chain::{Chain, ChainError};
pub use chain::{Observer, Silent, Stage};
use rayon::prelude::*;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SolveError {
    #[error(transparent)]
    Space(#[from] SpaceError),
    #[error(transparent)]
    Chain(#[from] ChainError),
}

impl SolveError {
    /// The observer stopped the solve (`--max-time`).
    pub fn is_stopped(&self) -> bool {
        matches!(
            self,
            SolveError::Space(SpaceError::Stopped(_)) | SolveError::Chain(ChainError::Stopped(_))
        )
    }
}

/// Exact figures of the system or one service.
#[derive(Clone, Debug, PartialEq)]
pub struct Exact {
    /// Steady state (long run).
    pub availability: f64,
    pub failures_per_h: f64,
    /// Mean time to the first failure from everything new and up.
    pub mttff_h: f64,
    /// Over the window [warm-up, warm-up + horizon], from everything new at 0
    /// (this and the next three are 0 or `None` when the solution has no
    /// window: [`Solution::window_h`] is `None`).
    pub window_availability: f64,
    pub window_failures: f64,
    /// E[min(T₁, end)] / P(T₁ ≤ end): total time on test per failure,
    /// the limit of the MTTFF estimator before 0.2 (biased when censored).
    pub censored_mttff_h: Option<f64>,
    /// E[min(T₁, end)]: MTTFF restricted to the end of the run.
    pub restricted_mttff_h: Option<f64>,
    /// A standby service's failovers (the engine's count: a serving member
    /// lost with a free member to switch in): per hour in the steady state,
    /// and expected over the window. `None` for other services and the
    /// system.
    pub failovers_per_h: Option<f64>,
    pub window_failovers: Option<f64>,
    /// Writes lost per failover: the mean write rate times the mean lag
    /// with async replication, 0 with sync replication that never degrades;
    /// `None` without replication (or writes) and with `degrade_after`.
    pub writes_lost_per_failover: Option<f64>,
}

/// The exact solution of a design.
#[derive(Clone, Debug)]
pub struct Solution {
    pub n_states: usize,
    pub n_transitions: usize,
    pub n_classes: usize,
    /// The run's window, or `None` for the steady state alone
    /// ([`solve_steady_state`]).
    pub window_h: Option<(f64, f64)>,
    /// The system first, then each service.
    pub entities: Vec<Exact>,
}

/// Solves `model` exactly over the window of `settings`.
///
/// # Errors
/// When the design is not Markovian, its chain is too large, or a system is singular.
pub fn solve(model: &Model, settings: &Settings) -> Result<Solution, SolveError> {
    solve_with(model, settings, Lumping::Exact)
}

/// [`solve`] reporting to `observer`: what `nines run --cross-check`
/// compares a run with (the restricted and censored MTTFF included).
///
/// # Errors
/// As [`solve`], and when the observer stops it.
pub fn solve_for_cross_check(
    model: &Model,
    settings: &Settings,
    observer: &dyn Observer,
) -> Result<Solution, SolveError> {
    let what = Want {
        window: Some(window_of(settings)),
        restricted: true,
    };
    solve_window(model, what, Lumping::Exact, observer)
}

/// What `nines solve` prints: [`solve`] without the restricted and
/// censored MTTFF (or, with `settings` `None`, [`solve_steady_state`]),
/// reporting its progress to `observer`, which may stop it.
///
/// # Errors
/// As [`solve`], and `Stopped` when the observer stops it.
pub fn solve_observed(
    model: &Model,
    settings: Option<&Settings>,
    observer: &dyn Observer,
) -> Result<Solution, SolveError> {
    // The restricted and censored MTTFF serve `--cross-check` only: `solve`
    // prints neither, so it skips their uniformizations.
    let what = Want {
        window: settings.map(window_of),
        restricted: false,
    };
    solve_window(model, what, Lumping::Exact, observer)
}

fn window_of(settings: &Settings) -> (f64, f64) {
    let start_h = hours_from_micros(settings.warmup_us);
    (start_h, start_h + hours_from_micros(settings.horizon_us))
}

/// The steady-state figures alone, without the figures over the horizon and
/// the restricted MTTFF (their uniformization is skipped).
///
/// # Errors
/// As [`solve`].
pub fn solve_steady_state(model: &Model) -> Result<Solution, SolveError> {
    let what = Want {
        window: None,
        restricted: false,
    };
    solve_window(model, what, Lumping::Exact, &Silent)
}

/// [`solve`], choosing whether standby pools are lumped: the tests solve
/// both ways to check that lumping changes no figure.
///
/// # Errors
/// As [`solve`].
#[doc(hidden)]
pub fn solve_with(
    model: &Model,
    settings: &Settings,
    lumping: Lumping,
) -> Result<Solution, SolveError> {
    let what = Want {
        window: Some(window_of(settings)),
        restricted: true,
    };
    solve_window(model, what, lumping, &Silent)
}

/// What a solve computes beyond the steady state: the figures over a
/// window, and the MTTFF restricted to its end (and censored by it).
#[derive(Clone, Copy)]
struct Want {
    window: Option<(f64, f64)>,
    restricted: bool,
}

fn solve_window(
    model: &Model,
    want: Want,
    lumping: Lumping,
    observer: &dyn Observer,
) -> Result<Solution, SolveError> {
    let window_h = want.window;
    let space = space::build_observed(model, lumping, observer)?;
    let n = space.states.len();
    let chain = Chain::observed(n, &space.transitions, observer);
    let mut initial = vec![0.0; n];
    initial[0] = 1.0;
    // The window's integral starts from π (the window's length times π,
    // plus the transient's integral); each entity's first failure is then
    // solved side by side (the result does not depend on the thread count).
    let pi = chain.stationary()?;
    let integral = window_h
        .map(|(a, b)| chain.window_integral(&initial, &pi, a, b))
        .transpose()?;
    let n_entities = model.services.len() + 1;
    let entities = (0..n_entities)
        .into_par_iter()
        .map(|e| {
            entity(
                &space,
                &chain,
                &pi,
                integral.as_deref().zip(window_h),
                &initial,
                e,
                want.restricted,
            )
            .map(|mut exact| {
                if exact.failovers_per_h.is_some() {
                    exact.writes_lost_per_failover =
                        writes_lost_per_failover(&model.services[e - 1]);
                }
                exact
            })
        })
        .collect::<Result<Vec<Exact>, ChainError>>()?;
    Ok(Solution {
        n_states: n,
        n_transitions: space.transitions.len(),
        n_classes: space.n_classes,
        window_h,
        entities,
    })
}

/// The writes a failover of `service` loses on average: with async
/// replication, those of the lag before the failure (the mean write rate
/// times the mean lag: the chain has no clock, so a daily pattern counts
/// by its mean, which is exact in the steady state, where failovers fall
/// at any hour alike); none with sync replication that never degrades.
/// `None` without writes or replication, and for semi-synchronous
/// replication, whose loss depends on how long writes were blocked.
fn writes_lost_per_failover(service: &crate::model::Service) -> Option<f64> {
    let replication = service.replication.as_ref()?;
    if replication.synchronous {
        return replication.degrade_after_us.is_none().then_some(0.0);
    }
    let mean_factor = service
        .writes_pattern
        .as_ref()
        .map_or(1.0, |p| p.iter().sum::<f64>() / p.len() as f64);
    let lag_s = replication.lag.as_ref()?.mean_h() * 3600.0;
    Some(service.writes_per_s? * mean_factor * lag_s)
}

/// The exact figures of entity `e` (0 the system, then each service).
fn entity(
    space: &space::Space,
    chain: &Chain,
    pi: &[f64],
    window: Option<(&[f64], (f64, f64))>,
    initial: &[f64],
    e: usize,
    restricted: bool,
) -> Result<Exact, ChainError> {
    let n = chain.n;
    let up: Vec<bool> = space.up_masks.iter().map(|m| m & (1 << e) != 0).collect();
    // Rate out of each up state into down states of this entity.
    let mut failure_rate = vec![0.0; n];
    for &(from, to, rate) in &space.transitions {
        if up[from as usize] && !up[to as usize] {
            failure_rate[from as usize] += rate;
        }
    }
    let availability: f64 = (0..n).filter(|&i| up[i]).map(|i| pi[i]).sum();
    let failures_per_h: f64 = (0..n).map(|i| pi[i] * failure_rate[i]).sum();
    let standby = e
        .checked_sub(1)
        .filter(|s| space.standby_services.contains(s));
    let flows = || {
        space
            .failover_flows
            .iter()
            .filter(move |f| Some(f.1 as usize) == standby)
    };
    let failovers_per_h = standby.map(|_| flows().map(|f| pi[f.0 as usize] * f.2).sum());
    let window_failovers = standby
        .zip(window)
        .map(|(_, (integral, _))| flows().map(|f| integral[f.0 as usize] * f.2).sum::<f64>());
    let (window_availability, window_failures) = match window {
        Some((integral, (start_h, end_h))) => (
            (0..n).filter(|&i| up[i]).map(|i| integral[i]).sum::<f64>() / (end_h - start_h),
            (0..n).map(|i| integral[i] * failure_rate[i]).sum(),
        ),
        None => (0.0, 0.0),
    };
    let (mttff_h, censored_mttff_h, restricted_mttff_h) = if up.iter().all(|&u| u) {
        (f64::INFINITY, None, None)
    } else if let Some((_, (_, end_h))) = window.filter(|_| restricted) {
        let mttff_h = chain.mean_time_to_exit_from(0, &up)?;
        // The same chain with this entity's down states absorbing.
        let down: Vec<bool> = up.iter().map(|u| !u).collect();
        let (alive_integral, at_end) = chain.integrate(initial, 0.0, end_h, Some(&down))?;
        let time_on_test: f64 = (0..n).filter(|&i| up[i]).map(|i| alive_integral[i]).sum();
        // Mass that reached a down state has left the chain.
        let alive_at_end: f64 = (0..n).filter(|&i| up[i]).map(|i| at_end[i]).sum();
        let failed = 1.0 - alive_at_end;
        (
            mttff_h,
            (failed > 0.0).then(|| time_on_test / failed),
            Some(time_on_test),
        )
    } else {
        (chain.mean_time_to_exit_from(0, &up)?, None, None)
    };
    Ok(Exact {
        availability,
        failures_per_h,
        mttff_h,
        window_availability,
        window_failures,
        censored_mttff_h,
        restricted_mttff_h,
        failovers_per_h,
        window_failovers,
        writes_lost_per_failover: None,
    })
}

/// The seven figures of `nines run`, exact, and a standby service's
/// failovers and lost writes: either in the steady state or as the
/// expectation over the run's window.
#[derive(Clone, Debug, PartialEq)]
pub struct ExactFigures {
    pub availability: f64,
    pub downtime_min_per_year: f64,
    pub failures_per_year: f64,
    pub mtbf_h: Option<f64>,
    pub mut_h: Option<f64>,
    pub mttr_h: Option<f64>,
    pub mttff_h: Option<f64>,
    /// Standby services only.
    pub failovers_per_year: Option<f64>,
    /// With replication that the chain prices (see [`Exact`]).
    pub data_loss_writes_per_year: Option<f64>,
    pub data_loss_writes_per_failover: Option<f64>,
}

/// The figures that only some entities have, in [`ExactFigures::named`]
/// order, each with its name over the horizon in `nines solve --json`.
pub const STANDBY_FIGURES: [(&str, &str); 3] = [
    ("failovers_per_year", "failovers_per_year_over_horizon"),
    (
        "data_loss_writes_per_year",
        "data_loss_writes_per_year_over_horizon",
    ),
    (
        "data_loss_writes_per_failover",
        "data_loss_writes_per_failover_over_horizon",
    ),
];

impl ExactFigures {
    fn from_rates(availability: f64, failures_per_h: f64, mttff_h: Option<f64>) -> Self {
        let per = |x: f64| (failures_per_h > 0.0).then(|| x / failures_per_h);
        ExactFigures {
            availability,
            downtime_min_per_year: (1.0 - availability) * HOURS_PER_YEAR * 60.0,
            failures_per_year: failures_per_h * HOURS_PER_YEAR,
            mtbf_h: per(1.0),
            mut_h: per(availability),
            mttr_h: per(1.0 - availability),
            mttff_h: mttff_h.filter(|m| m.is_finite()),
            failovers_per_year: None,
            data_loss_writes_per_year: None,
            data_loss_writes_per_failover: None,
        }
    }

    fn with_failovers(mut self, per_h: Option<f64>, writes_lost: Option<f64>) -> Self {
        self.failovers_per_year = per_h.map(|r| r * HOURS_PER_YEAR);
        self.data_loss_writes_per_failover = per_h.and(writes_lost);
        self.data_loss_writes_per_year = self
            .failovers_per_year
            .zip(self.data_loss_writes_per_failover)
            .map(|(f, w)| f * w);
        self
    }

    /// The seven figures every entity has, then those of [`STANDBY_FIGURES`]
    /// this one has.
    pub fn named(&self) -> Vec<(&'static str, Option<f64>)> {
        let mut named = vec![
            ("availability", Some(self.availability)),
            ("downtime_min_per_year", Some(self.downtime_min_per_year)),
            ("failures_per_year", Some(self.failures_per_year)),
            ("mtbf_h", self.mtbf_h),
            ("mut_h", self.mut_h),
            ("mttr_h", self.mttr_h),
            ("mttff_h", self.mttff_h),
        ];
        let extra = [
            self.failovers_per_year,
            self.data_loss_writes_per_year,
            self.data_loss_writes_per_failover,
        ];
        for ((name, _), value) in STANDBY_FIGURES.into_iter().zip(extra) {
            if value.is_some() {
                named.push((name, value));
            }
        }
        named
    }
}

impl Exact {
    /// Long-run figures.
    pub fn steady_state(&self) -> ExactFigures {
        ExactFigures::from_rates(self.availability, self.failures_per_h, Some(self.mttff_h))
            .with_failovers(self.failovers_per_h, self.writes_lost_per_failover)
    }

    /// What the estimators of a run over `window_h` converge to (MTTFF:
    /// the true mean, which a run estimates only when every replication
    /// saw a failure; its restricted mean is `restricted_mttff_h`).
    pub fn over_window(&self, window_h: (f64, f64)) -> ExactFigures {
        let length = window_h.1 - window_h.0;
        ExactFigures::from_rates(
            self.window_availability,
            self.window_failures / length,
            Some(self.mttff_h),
        )
        .with_failovers(
            self.window_failovers.map(|f| f / length),
            self.writes_lost_per_failover,
        )
    }
}
