//! Windowed objectives: the horizon is cut into consecutive windows, each
//! window meets the target or not, and replications are independent
//! clusters of windows (windows of one replication are not independent).

use super::{Verdict, decide, t_quantile, wilson};
use crate::model::Micros;

/// Sums over replications of their share of windows that met the target
/// and of their error-budget burn.
#[derive(Clone, Debug)]
pub struct WindowTally {
    window_us: Micros,
    /// Whole windows per replication (a last partial window is left out).
    count: u64,
    /// Downtime a window may have and still meet the target.
    allowed_us: f64,
    n: u64,
    sum: f64,
    sum_sq: f64,
    burn: f64,
    /// Scratch: downtime per window of the replication being added.
    down_us: Vec<Micros>,
}

impl WindowTally {
    pub fn new(window_us: Micros, horizon_us: Micros, availability: f64) -> WindowTally {
        let count = horizon_us / window_us.max(1);
        WindowTally {
            window_us: window_us.max(1),
            count,
            allowed_us: (1.0 - availability) * window_us as f64,
            n: 0,
            sum: 0.0,
            sum_sq: 0.0,
            burn: 0.0,
            down_us: vec![0; count as usize],
        }
    }

    /// Adds one replication from the times its state flipped (down, up,
    /// down... from an up start; an outage still going on at the last flip
    /// runs to the end), windows starting at `start_us`.
    pub fn push(&mut self, flips: &[u64], start_us: Micros) {
        if self.count == 0 {
            return;
        }
        self.down_us.fill(0);
        let end_us = start_us + self.count * self.window_us;
        for pair in flips.chunks(2) {
            let from = pair[0].clamp(start_us, end_us);
            let to = pair
                .get(1)
                .copied()
                .unwrap_or(end_us)
                .clamp(start_us, end_us);
            let mut t = from;
            while t < to {
                let w = (t - start_us) / self.window_us;
                let w_end = start_us + (w + 1) * self.window_us;
                let stop = to.min(w_end);
                self.down_us[w as usize] += stop - t;
                t = stop;
            }
        }
        let met = self
            .down_us
            .iter()
            .filter(|&&d| d as f64 <= self.allowed_us)
            .count();
        let share = met as f64 / self.count as f64;
        let burn: f64 = if self.allowed_us > 0.0 {
            self.down_us
                .iter()
                .map(|&d| d as f64 / self.allowed_us)
                .sum()
        } else {
            0.0
        };
        self.n += 1;
        self.sum += share;
        self.sum_sq += share * share;
        self.burn += burn / self.count as f64;
    }

    /// The mean error-budget burn per window (1 spends it exactly).
    pub fn mean_burn(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.burn / self.n as f64
        }
    }

    /// The share of windows that met the target and the verdict against
    /// `meets` at one-sided level `alpha`: the lower (upper) bound is the
    /// lower (upper) of the cluster t bound and the Wilson bound at the
    /// effective sample size, so that a share of exactly 1 (or one with
    /// little spread) is not taken as certain.
    pub fn judge(&self, alpha: f64, meets: f64) -> (Verdict, Option<f64>, Option<f64>) {
        if self.n < 2 {
            return (Verdict::Inconclusive, None, None);
        }
        let n = self.n as f64;
        let mean = self.sum / n;
        let var = ((self.sum_sq - self.sum * mean) / (n - 1.0)).max(0.0);
        let half = t_quantile(alpha, self.n) * (var / n).sqrt();
        // The Wilson interval at the effective sample size (the binomial n
        // with the clusters' variance), one per replication when every
        // replication had the same share (no spread to measure).
        let binomial = mean * (1.0 - mean);
        let n_eff = if var > 0.0 && binomial > 0.0 {
            (binomial / (var / n)).clamp(n, n * self.count as f64)
        } else {
            n
        };
        let (w_lo, w_hi) = wilson(mean, n_eff, alpha);
        let lower = (mean - half).min(w_lo);
        let upper = (mean + half).max(w_hi);
        let (verdict, bound) = decide(lower, upper, meets, true);
        (verdict, Some(mean), Some(bound))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downtime_is_split_at_window_edges() {
        // Windows of 10 from 100 over a horizon of 35: three whole windows.
        let mut w = WindowTally::new(10, 35, 0.5);
        // Down 105..112 (5 then 2), down 125..(end), cut at 130.
        w.push(&[105, 112, 125], 100);
        assert_eq!(w.down_us, vec![5, 2, 5]);
        // Allowed 5 per window: all three meet, burns 1, 0.4, 1.
        assert_eq!(w.sum, 1.0);
        assert!((w.mean_burn() - 2.4 / 3.0).abs() < 1e-12);
        // Flips before the measured part are clamped away.
        w.push(&[50, 101], 100);
        assert_eq!(w.down_us, vec![1, 0, 0]);
    }
}
