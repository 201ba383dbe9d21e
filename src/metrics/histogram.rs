//! Quantiles of a positive quantity (takeover outages, outage lengths)
//! pooled over every replication, from a logarithmic histogram: 512 bins per
//! power of two (each at most 0.2% wide; a bin is the value's exponent and
//! the top 9 bits of its mantissa, so no logarithm is taken), stored densely
//! from the lowest to the highest bin seen, so memory grows with the spread
//! of the values (at most about 30,000 bins for microseconds to centuries),
//! not with their number, and recording a value is an index, not a search. Each bin keeps
//! its smallest and largest value exactly: a quantile is the bin's centre
//! kept within them (the value itself when the bin holds one value), and an
//! interval runs from the smallest value of one bin to the largest of
//! another, so it holds the order statistics it stands for.

use super::Estimate;

/// Bits of a positive f64 below its bin: 52 mantissa bits less 9 kept.
const SHIFT: u32 = 43;

/// The bin of a positive value: monotone in the value.
fn bin_of(value: f64) -> i32 {
    (value.to_bits() >> SHIFT) as i32
}

/// The geometric centre of a bin.
fn centre_of(bin: i32) -> f64 {
    let low = f64::from_bits((bin as u64) << SHIFT);
    let high = f64::from_bits(((bin as u64) + 1) << SHIFT);
    (low * high).sqrt()
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogHistogram {
    /// Count, smallest and largest value of bins `first`, `first + 1`, ...
    counts: Vec<Bin>,
    first: i32,
    n: u64,
    zeros: u64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Bin {
    count: u64,
    min: f64,
    max: f64,
}

const EMPTY: Bin = Bin {
    count: 0,
    min: f64::INFINITY,
    max: f64::NEG_INFINITY,
};

impl LogHistogram {
    /// Records one value: an index into the bins seen so far, or a
    /// wider range of bins when it falls outside them.
    #[inline]
    pub fn push(&mut self, value: f64) {
        if value <= 0.0 {
            self.n += 1;
            self.zeros += 1;
            return;
        }
        let bin = bin_of(value);
        let index = bin.wrapping_sub(self.first) as u32 as usize;
        if let Some(b) = self.counts.get_mut(index) {
            // Plain comparisons: `value` is positive, so no NaN to handle.
            self.n += 1;
            b.count += 1;
            if value < b.min {
                b.min = value;
            }
            if value > b.max {
                b.max = value;
            }
            return;
        }
        self.add(
            bin,
            Bin {
                count: 1,
                min: value,
                max: value,
            },
        );
    }

    #[inline(never)]
    fn add(&mut self, bin: i32, other: Bin) {
        self.n += other.count;
        if self.counts.is_empty() {
            self.first = bin;
        } else if bin < self.first {
            let grow = (self.first - bin) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(EMPTY, grow));
            self.first = bin;
        }
        let index = (bin - self.first) as usize;
        if index >= self.counts.len() {
            self.counts.resize(index + 1, EMPTY);
        }
        let b = &mut self.counts[index];
        b.count += other.count;
        b.min = b.min.min(other.min);
        b.max = b.max.max(other.max);
    }

    /// The values recorded: zero's count, then each bin's centre (kept
    /// within its smallest and largest value) and count, ascending.
    pub fn bins(&self) -> (u64, Vec<(f64, u64)>) {
        let bins = self
            .counts
            .iter()
            .enumerate()
            .filter(|(_, b)| b.count > 0)
            .map(|(i, b)| {
                (
                    centre_of(self.first + i as i32).clamp(b.min, b.max),
                    b.count,
                )
            })
            .collect();
        (self.zeros, bins)
    }

    pub fn merge(&mut self, other: &LogHistogram) {
        self.n += other.zeros;
        self.zeros += other.zeros;
        for (i, &bin) in other.counts.iter().enumerate() {
            if bin.count > 0 {
                self.add(other.first + i as i32, bin);
            }
        }
    }

    /// The bin of rank `rank` (1-based), `None` for a zero.
    fn bin_at(&self, rank: u64) -> Option<i32> {
        if rank <= self.zeros || self.counts.is_empty() {
            return None;
        }
        let mut seen = self.zeros;
        for (i, bin) in self.counts.iter().enumerate() {
            seen += bin.count;
            if seen >= rank {
                return Some(self.first + i as i32);
            }
        }
        Some(self.first + self.counts.len() as i32 - 1)
    }

    /// The smallest (or largest) value of a bin; 0 for the zeros.
    fn edge(&self, bin: Option<i32>, upper: bool) -> f64 {
        bin.map_or(0.0, |b| {
            let bin = self.counts[(b - self.first) as usize];
            if upper { bin.max } else { bin.min }
        })
    }

    /// The `q`-quantile (the value of rank ⌈n·q⌉: the geometric centre of
    /// its bin, within the bin's smallest and largest values) with a
    /// distribution-free 95% interval from the binomial distribution of
    /// ranks (the pooled values treated as independent): ranks
    /// ⌈n·q ± 1.96·√(n·q·(1 − q))⌉, from the smallest value in the bin of the
    /// lower rank to the largest in the bin of the upper one, so that
    /// binning never makes it exclude the order statistics. Below rank 1 the interval starts at 0;
    /// above rank n it has no upper end: then `ci95` and `std_err` are
    /// `None` and `lower95` is its lower end. The standard error is the
    /// interval's half-width / 1.96.
    pub fn quantile(&self, q: f64) -> Estimate {
        if self.n == 0 {
            return Estimate::UNDEFINED;
        }
        let n = self.n as f64;
        let rank = |r: f64| (r.ceil().max(1.0) as u64).min(self.n);
        let spread = 1.96 * (n * q * (1.0 - q)).sqrt();
        let low = if (n * q - spread).ceil() < 1.0 {
            0.0
        } else {
            self.edge(self.bin_at(rank(n * q - spread)), false)
        };
        let mean = self.bin_at(rank(n * q)).map_or(0.0, |b| {
            let centre = centre_of(b);
            centre.clamp(self.edge(Some(b), false), self.edge(Some(b), true))
        });
        if (n * q + spread).ceil() > n {
            return Estimate {
                mean: Some(mean),
                lower95: Some(low),
                ..Estimate::UNDEFINED
            };
        }
        let high = self.edge(self.bin_at(rank(n * q + spread)), true);
        Estimate {
            mean: Some(mean),
            ci95: Some([low, high]),
            std_err: Some((high - low) / (2.0 * 1.96)),
            ..Estimate::UNDEFINED
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
        assert_eq!(h.quantile(1.0).mean, Some(3.0e6));
    }

    #[test]
    fn few_values_give_an_open_interval() {
        // Two values: the median lies anywhere in (0, ∞) with 95% confidence
        // short of 75%; the 95th percentile is above the smaller value.
        let mut h = LogHistogram::default();
        h.push(7000.0);
        h.push(9000.0);
        let e = h.quantile(0.95);
        assert_eq!(e.ci95, None);
        assert!(e.lower95.is_some_and(|low| low > 8980.0 && low <= 9000.0));
        assert_eq!(h.quantile(0.5).ci95, None);
        assert_eq!(h.quantile(0.5).lower95, Some(0.0));
    }

    #[test]
    fn equal_values_give_that_value_and_an_interval_around_it() {
        let mut h = LogHistogram::default();
        for _ in 0..1000 {
            h.push(30.0);
        }
        for q in [0.5, 0.95, 0.99] {
            let e = h.quantile(q);
            assert_eq!(e.mean, Some(30.0));
            assert_eq!(e.ci95, Some([30.0, 30.0]));
        }
    }

    #[test]
    fn an_interval_holds_the_sample_quantile() {
        let mut h = LogHistogram::default();
        for i in 0..5000 {
            h.push(10.0 + f64::from(i % 50) * 1e-3);
        }
        let e = h.quantile(0.5);
        let [lo, hi] = e.ci95.unwrap();
        // The sample median is 10.024: inside the interval and near the estimate.
        assert!(lo <= 10.024 && 10.024 <= hi, "[{lo}, {hi}]");
        assert!((e.mean.unwrap() / 10.024 - 1.0).abs() < 0.0015);
    }
}
