//! Streaming moments and the confidence intervals built from them.

use statrs::distribution::{ChiSquared, ContinuousCDF, StudentsT};

/// Running means and co-moments of pairs (x, y), updated one observation
/// at a time (Welford) and mergeable (Chan et al.), so that summing in
/// replication order gives the same bits on any number of threads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Comoments {
    n: u64,
    mean_x: f64,
    mean_y: f64,
    cxx: f64,
    cyy: f64,
    cxy: f64,
}

/// An estimate with its standard error and 95% confidence interval.
/// `None` where it is undefined (no failure seen, or one replication).
/// `upper95` is set only when nothing was seen (a one-sided 95% upper
/// bound of a rate whose estimate is 0), `lower95` only when the figure
/// cannot be estimated but bounded from below (a censored MTTFF).
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub mean: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub std_err: Option<f64>,
    pub upper95: Option<f64>,
    pub lower95: Option<f64>,
}

impl Estimate {
    /// Nothing to estimate.
    pub const UNDEFINED: Estimate = Estimate {
        mean: None,
        ci95: None,
        std_err: None,
        upper95: None,
        lower95: None,
    };

    fn new(mean: f64, std_err: f64, n: u64) -> Estimate {
        if !mean.is_finite() {
            return Estimate::UNDEFINED;
        }
        let half = t_quantile_975(n)
            .map(|t| t * std_err)
            .filter(|h| h.is_finite());
        Estimate {
            mean: Some(mean),
            ci95: half.map(|h| [mean - h, mean + h]),
            std_err: std_err.is_finite().then_some(std_err),
            ..Estimate::UNDEFINED
        }
    }

    /// The same estimate with another interval.
    pub fn with_interval(&self, ci95: Option<[f64; 2]>) -> Estimate {
        Estimate {
            ci95,
            ..self.clone()
        }
    }

    /// The same estimate with its interval cut to the possible range
    /// (an availability interval never reaches above 1).
    pub fn clamp_interval(&self, low: f64, high: f64) -> Estimate {
        Estimate {
            ci95: self
                .ci95
                .map(|[lo, hi]| [lo.clamp(low, high), hi.clamp(low, high)]),
            ..self.clone()
        }
    }

    /// `a × value + b`, with the interval mapped (and reordered if `a < 0`).
    pub fn affine(&self, a: f64, b: f64) -> Estimate {
        Estimate {
            mean: self.mean.map(|m| a * m + b),
            ci95: self.ci95.map(|[lo, hi]| {
                let (x, y) = (a * lo + b, a * hi + b);
                [x.min(y), x.max(y)]
            }),
            std_err: self.std_err.map(|s| a.abs() * s),
            upper95: None,
            lower95: None,
        }
    }
}

/// The p-quantile of the chi-square distribution with `k` degrees of freedom.
fn chi2_quantile(p: f64, k: f64) -> f64 {
    ChiSquared::new(k).map_or(f64::NAN, |c| c.inverse_cdf(p))
}

/// Garwood's exact two-sided 95% interval for the mean of a Poisson count
/// of which `count` was seen.
pub fn poisson_interval(count: u64) -> [f64; 2] {
    let c = count as f64;
    let low = if count == 0 {
        0.0
    } else {
        chi2_quantile(0.025, 2.0 * c) / 2.0
    };
    [low, chi2_quantile(0.975, 2.0 * c + 2.0) / 2.0]
}

/// The one-sided 95% upper bound of a Poisson mean when nothing was seen: −ln 0.05.
pub const NONE_SEEN_UPPER95: f64 = 2.995_732_273_553_991;

/// The 97.5% quantile of Student's t with n − 1 degrees of freedom.
pub fn t_quantile_975(n: u64) -> Option<f64> {
    if n < 2 {
        return None;
    }
    StudentsT::new(0.0, 1.0, (n - 1) as f64)
        .ok()
        .map(|t| t.inverse_cdf(0.975))
}

impl Comoments {
    #[inline]
    pub fn push(&mut self, x: f64, y: f64) {
        self.n += 1;
        let n = self.n as f64;
        let dx = x - self.mean_x;
        let dy = y - self.mean_y;
        self.mean_x += dx / n;
        self.mean_y += dy / n;
        self.cxx += dx * (x - self.mean_x);
        self.cyy += dy * (y - self.mean_y);
        self.cxy += dx * (y - self.mean_y);
    }

    pub fn merge(&mut self, other: &Comoments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let dx = other.mean_x - self.mean_x;
        let dy = other.mean_y - self.mean_y;
        self.cxx += other.cxx + dx * dx * na * nb / n;
        self.cyy += other.cyy + dy * dy * na * nb / n;
        self.cxy += other.cxy + dx * dy * na * nb / n;
        self.mean_x += dx * nb / n;
        self.mean_y += dy * nb / n;
        self.n += other.n;
    }

    /// The mean of x, with the Student-t interval over replications.
    pub fn mean_estimate(&self) -> Estimate {
        if self.n == 0 {
            return Estimate::new(f64::NAN, f64::NAN, 0);
        }
        let n = self.n as f64;
        let variance = if self.n > 1 {
            self.cxx / (n - 1.0)
        } else {
            f64::NAN
        };
        // NaN (one replication) stays NaN: no standard error, not zero.
        let variance = if variance.is_nan() {
            variance
        } else {
            variance.max(0.0)
        };
        Estimate::new(self.mean_x, (variance / n).sqrt(), self.n)
    }

    /// Σy over the replications.
    pub fn sum_y(&self) -> f64 {
        self.mean_y * self.n as f64
    }

    /// Replications seen.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The mean of x, a count per unit of exposure in each replication
    /// (every replication exposed for `exposure`): the Student-t interval
    /// and Garwood's exact Poisson interval of the total count, together
    /// (the lower end of the t interval only when it is above zero, where
    /// it is reliable) while fewer than 100 events were seen; the t
    /// interval alone above (cut at zero). Never below zero; with no event seen, the estimate
    /// 0 carries the one-sided 95% upper bound `upper95` = 3.0 / exposure.
    pub fn rate_estimate(&self, exposure: f64) -> Estimate {
        let t = self.mean_estimate();
        let Some(mean) = t.mean else { return t };
        let total_exposure = self.n as f64 * exposure;
        let count = (mean * total_exposure).round().max(0.0) as u64;
        if count >= super::intervals::MANY_EVENTS && t.ci95.is_some_and(|[lo, _]| lo > 0.0) {
            return t;
        }
        let [g_lo, g_hi] = poisson_interval(count).map(|x| x / total_exposure);
        let (t_lo, t_hi) = t.ci95.map_or((g_lo, g_hi), |[a, b]| (a, b));
        let low = if t_lo > 0.0 { t_lo.min(g_lo) } else { g_lo };
        Estimate {
            ci95: Some([low, t_hi.max(g_hi)]),
            upper95: (count == 0).then(|| NONE_SEEN_UPPER95 / total_exposure),
            ..t
        }
    }

    /// The ratio of sums Σx / Σy, with a delta-method standard error:
    /// `se² = Σ(xᵢ − R yᵢ)² / ((n − 1) n ȳ²)`. Undefined when Σy = 0.
    pub fn ratio_estimate(&self) -> Estimate {
        if self.n == 0 || self.mean_y <= 0.0 {
            return Estimate::new(f64::NAN, f64::NAN, 0);
        }
        let n = self.n as f64;
        let ratio = self.mean_x / self.mean_y;
        let variance = if self.n > 1 {
            (self.cxx - 2.0 * ratio * self.cxy + ratio * ratio * self.cyy) / (n - 1.0)
        } else {
            f64::NAN
        };
        let variance = if variance.is_nan() {
            variance
        } else {
            variance.max(0.0)
        };
        let std_err = (variance / n).sqrt() / self.mean_y;
        Estimate::new(ratio, std_err, self.n)
    }
}

/// The 95% score interval of the mean of a compound Poisson total (events
/// at a Poisson rate, each adding a random amount d) of which `total` was
/// seen, with `k` = E[d²] / E[d]: the means μ with (total − μ)² ≤ 1.96²·k·μ.
/// Right for few events, where a t interval is too short on the high side.
pub fn compound_poisson_interval(total: f64, k: f64) -> [f64; 2] {
    let z2 = 1.959_963_985f64.powi(2);
    let centre = total + z2 * k / 2.0;
    let half = (z2 * k * total + z2 * z2 * k * k / 4.0).sqrt();
    [(centre - half).max(0.0), centre + half]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_interval_matches_the_textbook_formula() {
        let mut c = Comoments::default();
        for x in [1.0, 2.0, 3.0, 4.0] {
            c.push(x, 0.0);
        }
        let e = c.mean_estimate();
        assert_eq!(e.mean, Some(2.5));
        let se = (1.666_666_666_666_666_7f64 / 4.0).sqrt();
        assert!((e.std_err.unwrap() - se).abs() < 1e-12);
        // t(0.975, 3) = 3.182446305
        assert!((e.ci95.unwrap()[1] - (2.5 + 3.182_446_305 * se)).abs() < 1e-8);
    }

    #[test]
    fn merging_equals_pushing_in_order() {
        let data: Vec<(f64, f64)> = (0..50)
            .map(|i| (f64::from(i).sin() * 10.0, f64::from(i % 7)))
            .collect();
        let mut all = Comoments::default();
        data.iter().for_each(|&(x, y)| all.push(x, y));
        let mut left = Comoments::default();
        let mut right = Comoments::default();
        data[..20].iter().for_each(|&(x, y)| left.push(x, y));
        data[20..].iter().for_each(|&(x, y)| right.push(x, y));
        left.merge(&right);
        let (a, b) = (all.ratio_estimate(), left.ratio_estimate());
        assert!((a.mean.unwrap() - b.mean.unwrap()).abs() < 1e-12);
        assert!((a.std_err.unwrap() - b.std_err.unwrap()).abs() < 1e-12);
    }

    #[test]
    fn one_replication_has_no_standard_error() {
        let mut c = Comoments::default();
        c.push(3.0, 1.0);
        assert_eq!(c.mean_estimate().std_err, None);
        assert_eq!(c.ratio_estimate().std_err, None);
        assert_eq!(c.mean_estimate().mean, Some(3.0));
    }

    #[test]
    fn garwood_intervals_match_tables() {
        // Exact Poisson 95% limits (Garwood 1936): 0 → [0, 3.689], 2 → [0.2422, 7.225].
        let [lo, hi] = poisson_interval(0);
        assert!(lo == 0.0 && (hi - 3.688_879).abs() < 1e-5);
        let [lo, hi] = poisson_interval(2);
        assert!((lo - 0.242_209).abs() < 1e-5 && (hi - 7.224_688).abs() < 1e-5);
    }

    #[test]
    fn a_rate_with_nothing_seen_has_an_upper_bound_and_no_negative_interval() {
        let mut c = Comoments::default();
        for _ in 0..10 {
            c.push(0.0, 0.0);
        }
        let e = c.rate_estimate(2.0);
        assert_eq!(e.mean, Some(0.0));
        assert_eq!(e.ci95.unwrap()[0], 0.0);
        assert!((e.upper95.unwrap() - NONE_SEEN_UPPER95 / 20.0).abs() < 1e-12);
        // One event in one replication of ten: not 0.1 ± 0.23 (below zero).
        let mut c = Comoments::default();
        c.push(0.5, 0.0);
        for _ in 0..9 {
            c.push(0.0, 0.0);
        }
        let [lo, hi] = c.rate_estimate(2.0).ci95.unwrap();
        assert!(
            (lo - 0.025_317_8 / 20.0).abs() < 1e-7 && hi >= 5.571_6 / 20.0,
            "{lo} {hi}"
        );
    }

    #[test]
    fn a_ratio_without_failures_is_undefined() {
        let mut c = Comoments::default();
        c.push(100.0, 0.0);
        c.push(100.0, 0.0);
        assert_eq!(c.ratio_estimate().mean, None);
    }
}
