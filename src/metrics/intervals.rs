//! Intervals that stay honest when events are few: the estimators of
//! `Accumulator::summary` beyond a plain Student-t or delta-method interval.
//! None reaches outside the figure's range, and none is of zero width
//! because every event fell in one replication.

use super::stats::{Comoments, Estimate, compound_poisson_interval, t_quantile_975};
use crate::model::HOURS_PER_YEAR;

/// From this many events on, the t and delta-method intervals are kept as
/// they are (cut to the figure's range).
pub const MANY_EVENTS: u64 = 100;

/// Sums over a pooled sample (every outage of every replication).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pooled {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

impl Pooled {
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }

    /// Adds many values at once: their count, sum and sum of squares.
    pub fn add(&mut self, n: u64, sum: f64, sum_sq: f64) {
        self.n += n;
        self.sum += sum;
        self.sum_sq += sum_sq;
    }

    /// The sample standard deviation (n − 1), when there are two values.
    fn sd(&self) -> Option<f64> {
        (self.n >= 2).then(|| {
            let n = self.n as f64;
            ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0))
                .max(0.0)
                .sqrt()
        })
    }
}

/// Availability: the mean over replications with its t interval, joined
/// with the score interval of the total downtime as a compound Poisson sum
/// of the outages seen (right when outages are few, where the t interval is
/// too short on the bad side; below 100 outages), cut to [0, 1]. With no downtime seen there is
/// no interval: nothing bounds the length of an outage never seen.
pub fn availability(c: &Comoments, outages: &Pooled, length_h: f64) -> Estimate {
    let t = c.mean_estimate();
    let Some(mean) = t.mean else { return t };
    let exposure_h = c.count() as f64 * length_h;
    let down_h = (1.0 - mean) * exposure_h;
    if down_h <= 0.0 {
        return Estimate {
            mean: Some(1.0),
            ci95: None,
            ..t
        };
    }
    let mut ci = t.ci95;
    if outages.sum > 0.0 && outages.n < MANY_EVENTS {
        let k = outages.sum_sq / outages.sum;
        let [lo, hi] = compound_poisson_interval(down_h, k).map(|d| 1.0 - d / exposure_h);
        ci = Some(match ci {
            Some([a, b]) => [a.min(hi), b.max(lo)],
            None => [hi, lo],
        });
    }
    t.with_interval(ci).clamp_interval(0.0, 1.0)
}

/// Time per event (MTBF, MTBI, MUT as `scale` × MTBF): the ratio estimate
/// and its delta-method standard error, with the interval of the event
/// rate inverted, so it is as right for few events as the rate's (the
/// delta-method interval from 100 events on). With no
/// event seen, the mean is undefined and `lower95` bounds it from below.
pub fn per_event(ratio: &Comoments, rate_per_year: &Estimate, scale: f64) -> Estimate {
    let e = ratio.ratio_estimate();
    if e.mean.is_none() {
        return Estimate {
            lower95: rate_per_year.upper95.map(|u| scale * HOURS_PER_YEAR / u),
            ..Estimate::UNDEFINED
        };
    }
    if ratio.sum_y() >= MANY_EVENTS as f64 && e.ci95.is_some_and(|[lo, _]| lo > 0.0) {
        return e;
    }
    let ci = rate_per_year
        .ci95
        .filter(|[lo, _]| *lo > 0.0)
        .map(|[lo, hi]| [scale * HOURS_PER_YEAR / hi, scale * HOURS_PER_YEAR / lo]);
    e.with_interval(ci)
}

/// MTTR: the ratio estimate, with the larger of the delta-method standard
/// error and the pooled one of the outage lengths (sd / √outages), so that
/// outages all in one replication still show their spread; the interval is
/// symmetric on the log scale (never below zero), with t quantiles of the
/// degrees of freedom of the error used, joined with the gamma interval of
/// the same mean and error (right for few exponential outages, where the
/// log-scale one is short on the high side; below 50 outages with their
/// coefficient of variation taken as at least 1). None from a single outage.
pub fn mttr(ratio: &Comoments, outages: &Pooled) -> Estimate {
    let e = ratio.ratio_estimate();
    let Some(r) = e.mean else { return e };
    let Some(sd) = outages.sd() else {
        return Estimate {
            ci95: None,
            std_err: None,
            ..e
        };
    };
    let pooled = sd / (outages.n as f64).sqrt();
    let delta = e.std_err.unwrap_or(0.0);
    let (se, n) = if pooled > delta {
        (pooled, outages.n)
    } else {
        (delta, ratio.count())
    };
    let ci = t_quantile_975(n).filter(|_| r > 0.0).map(|t| {
        let h = (t * se / r).min(700.0);
        // Few lengths underestimate their own spread when their mean is low:
        // below 50 outages, assume them at least as variable as exponential.
        let log_t = [r * (-h).exp(), r * h.exp()];
        if outages.n >= FEW_OUTAGES {
            return log_t;
        }
        let [g_lo, g_hi] = gamma_interval(r, se.max(r / (outages.n as f64).sqrt()));
        [log_t[0].min(g_lo), log_t[1].max(g_hi)]
    });
    Estimate {
        ci95: ci,
        std_err: Some(se),
        ..e
    }
}

/// Below this many outages, MTTR's gamma interval takes their coefficient
/// of variation to be at least 1.
const FEW_OUTAGES: u64 = 50;

/// The 95% interval of a mean `r` with standard error `se` whose sampling
/// distribution is taken as a gamma of the same mean and variance (shape
/// κ = (r / se)²): exact for a mean of exponential times, and skewed to the
/// high side as a mean of few skewed times is.
fn gamma_interval(r: f64, se: f64) -> [f64; 2] {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let k2 = 2.0 * (r / se).powi(2);
    match ChiSquared::new(k2) {
        Ok(chi) => [
            r * k2 / chi.inverse_cdf(0.975),
            r * k2 / chi.inverse_cdf(0.025),
        ],
        Err(_) => [0.0, f64::INFINITY],
    }
}

/// MTTFF: the plain mean when every replication saw a first failure;
/// otherwise not estimable from the run (the times beyond its end are
/// unknown), and bounded from below by the lower end of the restricted
/// mean's interval (MTTFF ≥ E[min(T₁, end)]).
pub fn mttff(restricted: &Estimate, censored: u64) -> Estimate {
    if censored == 0 {
        return restricted.clone();
    }
    Estimate {
        lower95: restricted.ci95.map(|[lo, _]| lo).or(restricted.mean),
        ..Estimate::UNDEFINED
    }
}
