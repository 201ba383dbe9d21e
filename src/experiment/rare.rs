//! Rare-event runs (`nines run --rare`): a pilot of plain replications,
//! thresholds and split factors chosen from it, then replications of
//! splitting trees ([`engine::rare`]) until the replications asked for are
//! done or the precision target is met.
//!
//! The pilot and the refinement use their own replication numbers, apart
//! from the estimate's, and their trees are thrown away: the estimate is a
//! mean of independent trees run with settings fixed before any of them,
//! so it is unbiased and its interval is the usual Student-t interval.

use super::{ExperimentError, Precision, Settings};
use crate::engine::Plan;
use crate::engine::rare::{self, Importance, RareOutcome, Splitting};
use crate::metrics::{Comoments, Estimate};
use crate::model::{MICROS_PER_HOUR, Model};
use rayon::prelude::*;

/// What `--rare` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RareChoice {
    /// Splitting when the pilot finds outages rare, plain Monte Carlo otherwise.
    Auto,
    /// Splitting whatever the pilot finds.
    Restart,
}

/// How the estimate was made.
#[derive(Clone, Debug, PartialEq)]
pub enum Method {
    /// Plain replications, and why: outages were frequent enough in the
    /// pilot, or splitting would not pay.
    Plain(String),
    Restart(Splitting),
}

/// The replication numbers of the pilot and of the refinement start here,
/// far from the estimate's.
const PILOT_REPS: u64 = 1 << 48;
const REFINE_REPS: u64 = 2 << 48;
/// The first look of a precision target: splitting estimates are skewed, so
/// fewer replications tend to understate the error.
const FIRST_LOOK: u64 = 20;
/// A precision target is met only when no replication makes more than
/// this share of the estimate.
pub const SETTLED_SHARE: f64 = 0.2;
/// `auto` splits when the refining pilot estimates at least this variance
/// reduction for the same work.
const WORTH_SPLITTING: f64 = 2.0;
/// A pilot that sees this many outages, and estimates the unavailability
/// to [`NOT_RARE_PRECISION`] with no replication above [`SETTLED_SHARE`] of
/// it, finds them not rare. Counting outages alone is not enough: a standby
/// trio's one-second switchovers came 4 a year while its rare triple
/// failures made 60% of the unavailability, which 20 plain replications
/// missed (±6.5% claimed, 2.6× low).
const NOT_RARE_OUTAGES: u64 = 100;
const NOT_RARE_PRECISION: f64 = 0.1;
/// An importance value seen this often in a pilot has a usable rate.
const SEEN_ENOUGH: u64 = 30;
/// The work of all copies against the base trajectory's: the first
/// threshold is placed, and the factors are cut, so that the copies cost
/// about this many times the base. On W2 (16 replications each) the
/// work-normalised variance (squared relative half-width × CPU seconds)
/// was 0.83 at 12, 0.64 at 24 and 0.49 at 48 (first thresholds 131, 129
/// and 126); with pooled clocks (cheaper copies; 20 replications) 0.18 at
/// 48 and 0.25 at 96 (first thresholds 119 and 115).
const RETRIAL_WORK: f64 = 48.0;
/// Copies made per base crossing of the first threshold, per threshold above
/// it (measured on W2: 0.4).
const COPIES_PER_LEVEL: f64 = 0.4;
/// The largest split factor of one threshold.
const MAX_FACTOR: f64 = 1000.0;

/// A rare-event run's results (the system only).
#[derive(Clone, Debug)]
pub struct RareResults {
    pub method: Method,
    /// The importance of a system down by member losses.
    pub top: u32,
    pub pilot_replications: u64,
    pub pilot_outages: u64,
    pub replications: u64,
    pub unavailability: Estimate,
    pub outages_per_year: Estimate,
    pub events: u64,
    pub copies: u64,
    /// About how many times smaller the variance is than plain Monte
    /// Carlo's for the same work (an estimate: see [`variance_reduction`]).
    pub variance_reduction: Option<f64>,
    pub precision: Option<Precision>,
    /// The share of the estimate made by its largest replication.
    pub largest_share: Option<f64>,
}

/// Runs a rare-event estimate of the system's unavailability.
///
/// # Errors
/// When the thread pool cannot be built.
pub fn run(
    model: &Model,
    settings: Settings,
    threads: Option<usize>,
    choice: RareChoice,
    target: Option<f64>,
    progress: &(dyn Fn(u64, Option<f64>) + Sync),
) -> Result<RareResults, ExperimentError> {
    let plan = Plan::new(model);
    let importance = Importance::of(&plan);
    let pool = super::thread_pool(threads)?;
    let run_settings = settings.run_settings();
    let trees = |from: u64, to: u64, splitting: &Splitting| -> Vec<RareOutcome> {
        pool.install(|| {
            (from..to)
                .into_par_iter()
                .map(|rep| rare::simulate(&plan, run_settings, rep, splitting, &importance))
                .collect()
        })
    };
    // The pilot: plain replications, about five million events' worth.
    let per_rep = super::expected_events(model, &settings) / settings.n_replications.max(1) as f64;
    let n_pilot = ((5e6 / per_rep.max(1.0)).ceil() as u64).clamp(4, 400);
    let plain = Splitting::default();
    let pilot = trees(PILOT_REPS, PILOT_REPS + n_pilot, &plain);
    let pilot_outages: u64 = pilot.iter().map(|o| o.outages.round() as u64).sum();
    let mut pilot_stats = Stats::default();
    for o in &pilot {
        pilot_stats.push(o, settings.horizon_us as f64);
    }
    let pilot_events = pilot_stats.events as f64 / n_pilot as f64;
    let prior_copy_work = copy_work(&plan);
    let window_h = settings.horizon_us as f64 / MICROS_PER_HOUR;
    let pilot_precision = pilot_stats.relative_half_width();
    let not_rare = pilot_outages >= NOT_RARE_OUTAGES
        && pilot_precision.is_some_and(|r| r <= NOT_RARE_PRECISION)
        && pilot_stats
            .largest_share()
            .is_some_and(|s| s <= SETTLED_SHARE);
    let method = if choice == RareChoice::Auto && not_rare {
        Method::Plain(format!(
            "the pilot's {n_pilot} replications saw {pilot_outages} system outages and \
             estimated the unavailability to ±{:.1}%: not rare",
            100.0 * pilot_precision.unwrap_or(0.0)
        ))
    } else {
        let first = choose(&pilot, importance.top, pilot_events, prior_copy_work, None);
        // Refine with a splitting pilot, which sees the levels the plain one
        // could not: as much work as the plain pilot (copies included), in
        // batches, so that a design whose copies are cheap does not run 400
        // whole trees (at least a batch, at most the plain pilot's count).
        let budget = pilot_events * n_pilot as f64;
        let batch = (n_pilot / 8).max(4);
        let mut refine: Vec<RareOutcome> = Vec::new();
        let mut work = 0.0;
        while (refine.len() as u64) < n_pilot && work < budget {
            let from = REFINE_REPS + refine.len() as u64;
            let to = from + batch.min(n_pilot - refine.len() as u64);
            for o in trees(from, to, &first) {
                work += tree_work(&o);
                refine.push(o);
            }
        }
        let n_refine = refine.len() as u64;
        // What a copy cost in the splitting pilot, in events: making it and
        // running it (the work beyond the base trajectory's).
        let copies: u64 = refine.iter().map(|o| o.copies).sum();
        let beyond: f64 = refine.iter().map(|o| tree_work(o) - pilot_events).sum();
        let copy_work = match copies {
            0 => prior_copy_work,
            _ => (beyond / copies as f64).clamp(1.0, prior_copy_work),
        };
        let splitting = choose(
            &refine,
            importance.top,
            pilot_events,
            copy_work,
            Some(&pilot),
        );
        // Never below where the pilot split: lower thresholds' copies live
        // longer than the pilot's did, so its cost would not hold there.
        let splitting = splitting.from_threshold(first.thresholds.first().copied());
        let mut stats = Stats::default();
        for o in &refine {
            stats.push(o, settings.horizon_us as f64);
        }
        let u = stats.y.mean_estimate();
        let work = stats.work / n_refine as f64;
        match variance_reduction(&stats, &u, window_h, pilot_events, work) {
            Some(v) if choice == RareChoice::Auto && v < WORTH_SPLITTING => Method::Plain(format!(
                "splitting would not pay: a pilot of {n_refine} estimated {v:.1}x less variance \
                 than plain replications for the same work, under {WORTH_SPLITTING}x"
            )),
            _ => Method::Restart(splitting),
        }
    };
    let splitting = match &method {
        Method::Plain(_) => plain,
        Method::Restart(s) => s.clone(),
    };
    let cap = settings.n_replications.max(2);
    let mut stats = Stats::default();
    let mut done = 0;
    // Plain replications look first where the pilot stopped: fewer can miss
    // a rare kind of outage altogether, and a narrow interval would not say so.
    let first_look = match method {
        Method::Plain(_) => FIRST_LOOK.max(n_pilot),
        Method::Restart(_) => FIRST_LOOK,
    };
    let mut next = match target {
        Some(_) => first_look.min(cap),
        None => cap,
    };
    let (reached, met) = loop {
        let outcomes = trees(done, next, &splitting);
        for o in &outcomes {
            stats.push(o, settings.horizon_us as f64);
        }
        done = next;
        let rel = stats.relative_half_width();
        progress(done, rel);
        // One replication making much of the estimate means its spread is
        // not known yet: the interval would be too narrow.
        let settled = stats.largest_share().is_some_and(|s| s <= SETTLED_SHARE);
        let met = settled && matches!((target, rel), (Some(t), Some(r)) if r <= t);
        if target.is_none() || met || done >= cap {
            break (rel, met);
        }
        next = done.saturating_mul(2).min(cap);
    };
    let precision = target.map(|target| Precision {
        target,
        reached,
        met,
    });
    let unavailability = stats.y.mean_estimate().clamp_interval(0.0, 1.0);
    let outages_per_year = stats
        .outages
        .mean_estimate()
        .affine(8766.0 / window_h, 0.0)
        .clamp_interval(0.0, f64::INFINITY);
    let work_rare = stats.work / done as f64;
    let variance_reduction =
        variance_reduction(&stats, &unavailability, window_h, pilot_events, work_rare);
    Ok(RareResults {
        method,
        top: importance.top,
        pilot_replications: n_pilot,
        pilot_outages,
        replications: done,
        unavailability,
        outages_per_year,
        events: stats.events,
        copies: stats.copies,
        variance_reduction,
        precision,
        largest_share: stats.largest_share(),
    })
}

#[derive(Default)]
struct Stats {
    /// Per replication (as x): the unavailability, and the outages.
    y: Comoments,
    outages: Comoments,
    /// Σ over replications of the weighted sum of squared outage lengths.
    sq_h2: f64,
    events: u64,
    copies: u64,
    /// Events and copies' work, in events (`RareOutcome::work`).
    work: f64,
    /// The largest replication's unavailability.
    largest: f64,
}

impl Stats {
    fn push(&mut self, o: &RareOutcome, window_us: f64) {
        let y = o.down_us / window_us;
        self.y.push(y, 0.0);
        self.largest = self.largest.max(y);
        self.outages.push(o.outages, 0.0);
        self.sq_h2 += o.outage_sq_h2;
        self.events += o.events;
        self.copies += o.copies;
        self.work += tree_work(o);
    }

    /// The share of the estimate that its largest replication makes.
    fn largest_share(&self) -> Option<f64> {
        let sum = self.y.mean_estimate().mean? * self.y.count() as f64;
        (sum > 0.0).then(|| self.largest / sum)
    }

    fn relative_half_width(&self) -> Option<f64> {
        relative_half_width(&self.y.mean_estimate())
    }
}

/// The half-width of an estimate's 95% interval over the estimate.
pub fn relative_half_width(e: &Estimate) -> Option<f64> {
    let (mean, [lo, hi]) = (e.mean?, e.ci95?);
    (mean > 0.0).then(|| (hi - lo) / 2.0 / mean)
}

/// What one unit of a copy's cost (`RareOutcome::copy_units`: an entry
/// restored, a pending event taken, a clock drawn afresh) is taken to cost,
/// in events: a rough weight, set before it was measured. On W2 a copy
/// takes about 16 µs (derived from two runs differing by 270,000 copies)
/// for about 500 units (≈270 entries, ≈140 pending events, ≈100 redraws)
/// at about 150 ns an event, nearer 0.2; at 0.1 the work charged to
/// copies is about half of what they take. It only weighs the copies
/// against the work allowed; the thresholds never go below the pilot's.
const COPY_UNIT: f64 = 0.1;

/// The work of a copy before any copy was made, in events: about 0.05 per
/// mode, unit and shock, what copies cost before they cost what changed
/// (on W2 a copy then took about 80 µs against about 100 ns an event).
/// Cautious on purpose: the first thresholds it places are where copies
/// die young; the splitting pilot then measures what a copy costs, events
/// it runs included, and the thresholds may only rise from there.
fn copy_work(plan: &Plan) -> f64 {
    1.0 + 0.05 * (plan.modes.len() + plan.units.len() + plan.shocks.len()) as f64
}

/// The work of a replication's tree, in events.
fn tree_work(o: &RareOutcome) -> f64 {
    o.events as f64 + o.copies as f64 + COPY_UNIT * o.copy_units as f64
}

/// About how much smaller the variance of this run is than that of plain
/// Monte Carlo with the same work. Plain Monte Carlo's variance per
/// replication is taken as that of a compound Poisson sum of outage
/// lengths, E[Σ D²] / T² (outages far apart; clustered outages make the
/// true figure larger, so this understates the reduction), and its work as
/// the pilot's events per replication.
fn variance_reduction(
    stats: &Stats,
    unavailability: &Estimate,
    window_h: f64,
    plain_work: f64,
    rare_work: f64,
) -> Option<f64> {
    let n = stats.y.count() as f64;
    let se = unavailability.std_err.filter(|&se| se > 0.0)?;
    let rare_var = se * se * n;
    let plain_var = stats.sq_h2 / n / (window_h * window_h);
    (plain_var > 0.0).then(|| plain_var * plain_work / (rare_var * rare_work))
}

/// Thresholds and factors from a pilot's crossings: the first threshold
/// where the base trajectory crosses rarely enough that the copies made
/// there cost at most a few times what the base costs, then one at every importance value up to the
/// top, each splitting by the inverse of the chance of going on to it.
fn choose(
    trees: &[RareOutcome],
    top: u32,
    events_per_rep: f64,
    copy_work: f64,
    plain: Option<&[RareOutcome]>,
) -> Splitting {
    let n = trees.len().max(1) as f64;
    let levels = top as usize + 1;
    let mut rate = vec![0.0; levels];
    let mut seen = vec![0u64; levels];
    for o in trees {
        for v in 0..levels {
            rate[v] += o.crossings[v] / n;
            seen[v] += o.hits[v];
        }
    }
    // Ratios of successive crossing rates, where both were seen often enough;
    // above, the last one seen carries on.
    let mut ratio = vec![f64::NAN; levels];
    let mut last = 0.25;
    for v in 1..levels {
        if seen[v] >= SEEN_ENOUGH && seen[v - 1] >= SEEN_ENOUGH && rate[v - 1] > 0.0 {
            last = (rate[v] / rate[v - 1]).clamp(1.0 / MAX_FACTOR, 1.0);
        }
        ratio[v] = last;
    }
    // The base trajectory's crossings, from the plain pilot.
    let base: Vec<f64> = match plain {
        Some(p) => {
            let n = p.len().max(1) as f64;
            (0..levels)
                .map(|v| p.iter().map(|o| o.crossings[v]).sum::<f64>() / n)
                .collect()
        }
        None => rate.clone(),
    };
    // Above every level the base crosses too often (the climb from the
    // all-up start crosses the low ones once each).
    let first = (1..levels)
        .rev()
        .find(|&v| {
            let above = COPIES_PER_LEVEL * (levels - v) as f64;
            base[v] * above * copy_work > RETRIAL_WORK * events_per_rep
        })
        .map_or(1, |v| v + 1)
        .min(top.max(1) as usize);
    // Splitting on reaching `v` makes up for the chance of going on to
    // `v + 1`; at the top, a system outage, there is nothing more to reach.
    let thresholds: Vec<u32> = (first as u32..top).collect();
    let mut factors: Vec<f64> = thresholds
        .iter()
        .map(|&v| (1.0 / ratio[v as usize + 1]).clamp(1.0, MAX_FACTOR))
        .collect();
    // Balanced factors keep about as many trajectories at every threshold as
    // the base brings to the first, each threshold making R - 1 copies of
    // each: cut the excess over the work allowed (few levels, each very
    // unlikely, would otherwise ask for thousands of copies per crossing).
    let crossings = base[first].max(1.0 / n);
    let copies: f64 = factors.iter().map(|r| r - 1.0).sum::<f64>() * crossings;
    let allowed = RETRIAL_WORK * events_per_rep / copy_work;
    if copies > allowed {
        let cut = allowed / copies;
        for r in &mut factors {
            *r = 1.0 + (*r - 1.0) * cut;
        }
    }
    Splitting {
        thresholds,
        factors,
    }
}
