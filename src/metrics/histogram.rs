//! Quantiles of a positive quantity (takeover outages) pooled over every
//! replication, from a logarithmic histogram: bins 0.05% wide in log10
//! (about 0.12% relative), stored densely from the lowest to the highest
//! bin seen, so memory grows with the spread of the values (at most about
//! 40,000 bins for microseconds to centuries), not with their number, and
//! recording a value is an index, not a search.

use super::Estimate;

/// Bins per decade.
const BINS_PER_DECADE: f64 = 2000.0;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogHistogram {
    /// Counts of bins `first`, `first + 1`, ...
    counts: Vec<u64>,
    first: i32,
    n: u64,
    zeros: u64,
}

impl LogHistogram {
    pub fn push(&mut self, value: f64) {
        if value <= 0.0 {
            self.n += 1;
            self.zeros += 1;
            return;
        }
        let bin = (value.log10() * BINS_PER_DECADE).floor() as i32;
        self.add(bin, 1);
    }

    fn add(&mut self, bin: i32, count: u64) {
        self.n += count;
        if self.counts.is_empty() {
            self.first = bin;
        } else if bin < self.first {
            let grow = (self.first - bin) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = bin;
        }
        let index = (bin - self.first) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, 0);
        }
        self.counts[index] += count;
    }

    pub fn merge(&mut self, other: &LogHistogram) {
        self.n += other.zeros;
        self.zeros += other.zeros;
        for (i, &count) in other.counts.iter().enumerate() {
            if count > 0 {
                self.add(other.first + i as i32, count);
            }
        }
    }

    fn centre(bin: i32) -> f64 {
        10f64.powf((f64::from(bin) + 0.5) / BINS_PER_DECADE)
    }

    /// The value of rank `rank` (1-based): the geometric centre of its bin.
    fn value_at(&self, rank: u64) -> f64 {
        if rank <= self.zeros {
            return 0.0;
        }
        let mut seen = self.zeros;
        for (i, &count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= rank {
                return Self::centre(self.first + i as i32);
            }
        }
        match self.counts.len() {
            0 => 0.0,
            len => Self::centre(self.first + len as i32 - 1),
        }
    }

    /// The `q`-quantile with a distribution-free 95% interval from the
    /// binomial distribution of ranks (the pooled values treated as
    /// independent); the standard error is the interval's half-width / 1.96.
    pub fn quantile(&self, q: f64) -> Estimate {
        if self.n == 0 {
            return Estimate {
                mean: None,
                ci95: None,
                std_err: None,
            };
        }
        let n = self.n as f64;
        let rank = |r: f64| (r.ceil().max(1.0) as u64).min(self.n);
        let spread = 1.96 * (n * q * (1.0 - q)).sqrt();
        let (low, high) = (
            self.value_at(rank(n * q - spread)),
            self.value_at(rank(n * q + spread)),
        );
        Estimate {
            mean: Some(self.value_at(rank(n * q))),
            ci95: Some([low, high]),
            std_err: Some((high - low) / (2.0 * 1.96)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_uniform_sample_are_within_a_bin() {
        let mut h = LogHistogram::default();
        for i in 1..=10_000 {
            h.push(f64::from(i));
        }
        for (q, exact) in [(0.5, 5000.0), (0.95, 9500.0), (0.99, 9900.0)] {
            let got = h.quantile(q).mean.unwrap();
            assert!((got / exact - 1.0).abs() < 0.0015, "{q}: {got}");
        }
        let mut other = LogHistogram::default();
        other.push(0.2);
        other.push(3.0e6);
        other.push(0.0);
        h.merge(&other);
        assert_eq!(h.n, 10_003);
        assert_eq!(h.quantile(0.0).mean, Some(0.0));
        assert!((h.quantile(1.0).mean.unwrap() / 3.0e6 - 1.0).abs() < 0.0015);
    }
}
