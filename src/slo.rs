//! Judging the scenario's `slos` (`nines check`): pass, fail or
//! inconclusive from a one-sided confidence bound, never from the point
//! estimate alone, looked at after each planned batch of replications.
//!
//! Repeated looks are paid for by Bonferroni alpha spending: a run plans
//! `K` looks (at `first`, `2·first`, `4·first`, ... and the budget), and each
//! look tests each side at `(1 − confidence) / K`, so that over all looks the
//! chance of a wrong fail (and, apart, of a wrong pass) stays at most
//! `1 − confidence` whatever the data. No I/O here: the command is `cli::check`.

pub mod baseline;
pub mod openslo;
mod windows;

use crate::experiment::Batches;
use crate::metrics::Estimate;
use crate::model::{HOURS_PER_YEAR, Micros, Model, Slo};
use crate::report::Report;
pub use windows::WindowTally;

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Replications of the first look unless told otherwise.
pub const FIRST_LOOK: u64 = 100;

/// The outcome of one objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One objective, in the units of the figure it is judged on.
#[derive(Clone, Debug)]
pub struct Objective {
    pub slo: Slo,
    /// 0 for the system, then 1 + the service's index (as the tallies).
    pub entity: usize,
    /// "system" or the service's name.
    pub service: String,
    /// The summary figure a long-run objective is judged on.
    pub figure: &'static str,
    pub higher_is_better: bool,
    /// The target in the figure's units (minutes per year for downtime).
    pub target: f64,
    /// With a window: the availability each window must reach.
    pub window_availability: Option<f64>,
}

/// The summary figure an objective is judged on, whether higher is better,
/// and the target in that figure's units.
pub fn figure_of(slo: &Slo) -> (&'static str, bool, f64) {
    match slo.objective.as_str() {
        "availability" => ("availability", true, slo.target),
        "downtime_per_year" => ("downtime_min_per_year", false, slo.target * 60.0),
        "request_success" => ("request_success_ratio", true, slo.target),
        "rpo" => ("rpo_s", false, slo.target * 3600.0),
        "rto" => ("rto_s", false, slo.target * 3600.0),
        _ => ("data_lost", false, slo.target),
    }
}

impl Objective {
    pub fn new(model: &Model, slo: &Slo) -> Objective {
        let (figure, higher_is_better, target) = figure_of(slo);
        let window_availability = slo.window_us.map(|_| match slo.objective.as_str() {
            "downtime_per_year" => 1.0 - slo.target / HOURS_PER_YEAR,
            _ => slo.target,
        });
        Objective {
            slo: slo.clone(),
            entity: slo.service.map_or(0, |s| s + 1),
            service: slo
                .service
                .map_or("system".to_string(), |s| model.services[s].name.clone()),
            figure,
            higher_is_better,
            target,
            window_availability,
        }
    }
}

/// What is known of one objective after a look.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub service: String,
    /// The scenario key (`availability`, ...).
    pub objective: String,
    /// The figure judged: a summary figure, or `window_share`.
    pub figure: String,
    /// Target, estimate and bound in the figure's units (for windows: the
    /// share of windows, against `meets`).
    pub target: f64,
    pub estimate: Option<f64>,
    pub bound: Option<f64>,
    pub verdict: Verdict,
    /// Replications when decided (or at the end, if never decided).
    pub replications: u64,
    pub window: Option<WindowFigures>,
}

/// How a windowed objective reads: each window's target and the mean
/// error-budget burn per window (downtime / allowed downtime).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowFigures {
    pub window_h: f64,
    pub availability_target: f64,
    pub budget_burn: f64,
}

/// The planned looks: `first`, doubling, then the budget.
pub fn looks(first: u64, max: u64) -> Vec<u64> {
    let mut looks = Vec::new();
    let mut n = first.max(2);
    while n < max {
        looks.push(n);
        n = n.saturating_mul(2);
    }
    looks.push(max);
    looks
}

/// The one-sided quantile at `1 − alpha` of Student's t with `n − 1`
/// degrees of freedom.
fn t_quantile(alpha: f64, n: u64) -> f64 {
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .map(|t| t.inverse_cdf(1.0 - alpha))
        .unwrap_or(f64::INFINITY)
}

pub(crate) fn z_quantile(alpha: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - alpha)
}

/// The decision of one look from a lower and an upper bound.
fn decide(lower: f64, upper: f64, target: f64, higher_is_better: bool) -> (Verdict, f64) {
    if higher_is_better {
        if lower >= target {
            (Verdict::Pass, lower)
        } else if upper < target {
            (Verdict::Fail, upper)
        } else {
            (Verdict::Inconclusive, lower)
        }
    } else if upper <= target {
        (Verdict::Pass, upper)
    } else if lower > target {
        (Verdict::Fail, lower)
    } else {
        (Verdict::Inconclusive, upper)
    }
}

/// Judges a mean with its standard error over `n` replications at the
/// one-sided level `alpha`. Without a standard error above zero (fewer
/// than two replications, or every replication alike, such as no downtime
/// at all) nothing bounds the figure: inconclusive.
pub fn judge_mean(
    estimate: &Estimate,
    n: u64,
    alpha: f64,
    target: f64,
    higher_is_better: bool,
) -> (Verdict, Option<f64>) {
    let (Some(mean), Some(se)) = (estimate.mean, estimate.std_err) else {
        return (Verdict::Inconclusive, None);
    };
    if n < 2 || se <= 0.0 {
        return (Verdict::Inconclusive, None);
    }
    let half = t_quantile(alpha, n) * se;
    let (verdict, bound) = decide(mean - half, mean + half, target, higher_is_better);
    (verdict, Some(bound))
}

/// The state of a whole check: objectives, looks and what is decided.
pub struct Check {
    pub objectives: Vec<Objective>,
    pub looks: Vec<u64>,
    windows: Vec<Option<WindowTally>>,
    judgements: Vec<Judgement>,
}

impl Check {
    /// A check of `model`'s objectives, with its looks planned up to
    /// `max_replications` on a `horizon_us` measured per replication.
    pub fn new(model: &Model, first: u64, max_replications: u64, horizon_us: Micros) -> Check {
        let objectives: Vec<Objective> = model
            .slos
            .iter()
            .map(|s| Objective::new(model, s))
            .collect();
        let windows = objectives
            .iter()
            .map(|o| {
                let a = o.window_availability?;
                Some(WindowTally::new(o.slo.window_us?, horizon_us, a))
            })
            .collect();
        let judgements = objectives
            .iter()
            .map(|o| Judgement {
                service: o.service.clone(),
                objective: o.slo.objective.clone(),
                figure: if o.window_availability.is_some() {
                    "window_share".into()
                } else {
                    o.figure.into()
                },
                target: if o.window_availability.is_some() {
                    o.slo.meets
                } else {
                    o.target
                },
                estimate: None,
                bound: None,
                verdict: Verdict::Inconclusive,
                replications: 0,
                window: None,
            })
            .collect();
        Check {
            objectives,
            looks: looks(first, max_replications),
            windows,
            judgements,
        }
    }

    /// Whether some objective needs the times of every state flip.
    pub fn needs_flips(&self) -> bool {
        self.windows.iter().any(Option::is_some)
    }

    /// Adds one replication's flips (per tally), measured from `start_us`.
    pub fn observe(&mut self, flips: &[Vec<u64>], start_us: Micros) {
        for (o, w) in self.objectives.iter().zip(&mut self.windows) {
            if let Some(w) = w {
                w.push(&flips[o.entity], start_us);
            }
        }
    }

    /// Each objective's one-sided level at a look: its `1 − confidence`
    /// spent evenly over the planned looks.
    pub fn alpha(&self, objective: &Objective) -> f64 {
        (1.0 - objective.slo.confidence) / self.looks.len() as f64
    }

    /// Judges the objectives still open on the report of the first `n`
    /// replications; true when every objective is decided.
    ///
    /// # Errors
    /// When a long-run objective's figure is not in the report, naming it.
    pub fn look(&mut self, report: &Report, n: u64) -> Result<bool, String> {
        for i in 0..self.objectives.len() {
            if self.judgements[i].verdict != Verdict::Inconclusive {
                continue;
            }
            let o = &self.objectives[i];
            let alpha = self.alpha(o);
            let j = &mut self.judgements[i];
            j.replications = n;
            if let Some(w) = &self.windows[i] {
                let (verdict, estimate, bound) = w.judge(alpha, o.slo.meets);
                j.verdict = verdict;
                j.estimate = estimate;
                j.bound = bound;
                j.window = Some(WindowFigures {
                    window_h: o.slo.window_us.unwrap_or(0) as f64 / crate::model::MICROS_PER_HOUR,
                    availability_target: o.window_availability.unwrap_or(0.0),
                    budget_burn: w.mean_burn(),
                });
                continue;
            }
            let figures = &report.entities[o.entity].1;
            let estimate = figures
                .named()
                .into_iter()
                .find(|(name, _)| *name == o.figure)
                .map(|(_, e)| e.clone())
                .or_else(|| {
                    figures.extras.iter().find(|(name, _)| *name == o.figure).map(|(_, e)| e.clone())
                })
                .ok_or_else(|| {
                    format!(
                        "the run's summary has no figure `{}` for {}: `{}` objectives cannot be judged on this design",
                        o.figure, o.service, o.slo.objective
                    )
                })?;
            let (verdict, bound) = judge_mean(&estimate, n, alpha, o.target, o.higher_is_better);
            j.verdict = verdict;
            j.estimate = estimate.mean;
            j.bound = bound;
        }
        Ok(self.all_decided())
    }

    pub fn all_decided(&self) -> bool {
        self.judgements
            .iter()
            .all(|j| j.verdict != Verdict::Inconclusive)
    }

    pub fn judgements(&self) -> &[Judgement] {
        &self.judgements
    }
}

/// Why the batches stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Every objective is decided.
    Decided,
    /// The planned looks are done.
    Budget,
    /// `out_of_time` said so between two looks.
    Time,
}

impl Stop {
    pub fn as_str(self) -> &'static str {
        match self {
            Stop::Decided => "decided",
            Stop::Budget => "budget",
            Stop::Time => "time",
        }
    }
}

/// Runs the planned looks until every objective is decided or the looks
/// are done; `out_of_time` is asked between looks only (so a run it never
/// stops is the same on any machine). Windows start at `start_us`.
///
/// # Errors
/// When a long-run objective's figure is not in the run's summary.
pub fn run_looks(
    model: &Model,
    check: &mut Check,
    batches: &mut Batches,
    start_us: Micros,
    out_of_time: &dyn Fn() -> bool,
) -> Result<Stop, String> {
    let record = check.needs_flips();
    let looks = check.looks.clone();
    for (i, &look) in looks.iter().enumerate() {
        batches.advance(
            look,
            record,
            &mut |_, _, flips| {
                if let Some(flips) = flips {
                    check.observe(flips, start_us);
                }
            },
            &|| {},
        );
        let results = batches.results();
        let report = Report::new(model, &results);
        if check.look(&report, look)? {
            return Ok(Stop::Decided);
        }
        if i + 1 < looks.len() && out_of_time() {
            return Ok(Stop::Time);
        }
    }
    Ok(Stop::Budget)
}

/// The exit code of a set of verdicts: 0 all pass, 1 any fail, 3 some
/// inconclusive and none failed.
pub fn exit_code(judgements: &[Judgement]) -> i32 {
    if judgements.iter().any(|j| j.verdict == Verdict::Fail) {
        1
    } else if judgements
        .iter()
        .any(|j| j.verdict == Verdict::Inconclusive)
    {
        3
    } else {
        0
    }
}

/// The Wilson score bounds of a proportion `p` of (an effective) `n` at one-sided `alpha`.
pub fn wilson(p: f64, n: f64, alpha: f64) -> (f64, f64) {
    let z = z_quantile(alpha);
    let z2 = z * z / n;
    let centre = p + z2 / 2.0;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n)).max(0.0).sqrt();
    (
        ((centre - half) / (1.0 + z2)).max(0.0),
        ((centre + half) / (1.0 + z2)).min(1.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_double_up_to_the_budget() {
        assert_eq!(looks(100, 1000), vec![100, 200, 400, 800, 1000]);
        assert_eq!(looks(100, 100), vec![100]);
        assert_eq!(looks(100, 50), vec![50]);
    }

    #[test]
    fn a_bound_decides_not_the_estimate() {
        let e = |mean: f64, se: f64| Estimate {
            mean: Some(mean),
            std_err: Some(se),
            ..Estimate::UNDEFINED
        };
        // Estimate above the target, but the lower bound is not.
        assert_eq!(
            judge_mean(&e(0.991, 0.001), 100, 0.05, 0.99, true).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            judge_mean(&e(0.995, 0.001), 100, 0.05, 0.99, true).0,
            Verdict::Pass
        );
        assert_eq!(
            judge_mean(&e(0.985, 0.001), 100, 0.05, 0.99, true).0,
            Verdict::Fail
        );
        assert_eq!(
            judge_mean(&e(50.0, 10.0), 100, 0.05, 100.0, false).0,
            Verdict::Pass
        );
        assert_eq!(
            judge_mean(&e(0.995, 0.0), 100, 0.05, 0.99, true).0,
            Verdict::Inconclusive
        );
    }

    #[test]
    fn wilson_bounds_hold_the_share() {
        let (lo, hi) = wilson(1.0, 100.0, 0.05);
        assert!(lo > 0.95 && lo < 0.98 && hi == 1.0, "{lo} {hi}");
        let (lo, hi) = wilson(0.5, 100.0, 0.05);
        assert!(
            (lo - 0.42).abs() < 0.01 && (hi - 0.58).abs() < 0.01,
            "{lo} {hi}"
        );
    }
}
