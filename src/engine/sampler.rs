//! Drawing durations in integer microseconds from a model [`Dist`].

use super::rng::Stream;
use crate::model::{Dist, MICROS_PER_HOUR};
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, StandardNormal, Weibull};
use std::sync::Arc;

/// A distribution prepared for fast sampling, in microseconds.
#[derive(Clone, Debug)]
pub enum Sampler {
    Exponential { mean_us: f64 },
    Weibull(Weibull<f64>),
    LogNormal(LogNormal<f64>),
    Gamma(Gamma<f64>),
    Normal { mean_us: f64, sd_us: f64 },
    Uniform { min_us: f64, width_us: f64 },
    Fixed(u64),
    Empirical(Arc<[u64]>),
}

/// The most redraws of a truncated normal before giving up at zero; with a
/// standard deviation at most 4 means, a draw is positive with probability
/// above 0.59, so this bound is never reached in practice.
const MAX_NORMAL_REDRAWS: u32 = 1000;

fn round_us(x: f64) -> u64 {
    // `as` saturates: negative and NaN give 0, huge values u64::MAX.
    (x + 0.5) as u64
}

impl Sampler {
    /// Prepares `dist`. Parameters were validated when the model was built,
    /// so construction cannot fail; a degenerate case falls back to the mean.
    pub fn new(dist: &Dist) -> Sampler {
        let us = MICROS_PER_HOUR;
        match dist {
            Dist::Exponential { mean_h } => Sampler::Exponential {
                mean_us: mean_h * us,
            },
            Dist::Weibull { shape, scale_h } => Weibull::new(scale_h * us, *shape)
                .map(Sampler::Weibull)
                .unwrap_or(Sampler::Fixed(round_us(dist.mean_h() * us))),
            Dist::LogNormal { mu, sigma } => LogNormal::new(mu + us.ln(), *sigma)
                .map(Sampler::LogNormal)
                .unwrap_or(Sampler::Fixed(round_us(dist.mean_h() * us))),
            Dist::Gamma { shape, scale_h } => Gamma::new(*shape, scale_h * us)
                .map(Sampler::Gamma)
                .unwrap_or(Sampler::Fixed(round_us(dist.mean_h() * us))),
            Dist::Normal { mean_h, sd_h } => Sampler::Normal {
                mean_us: mean_h * us,
                sd_us: sd_h * us,
            },
            Dist::Uniform { min_h, max_h } => Sampler::Uniform {
                min_us: min_h * us,
                width_us: (max_h - min_h) * us,
            },
            Dist::Fixed { value_h } => Sampler::Fixed(round_us(value_h * us)),
            Dist::Empirical { samples_h } => {
                Sampler::Empirical(samples_h.iter().map(|h| round_us(h * us)).collect())
            }
        }
    }

    /// One draw, in microseconds.
    #[inline]
    pub fn sample_us(&self, stream: &mut Stream) -> u64 {
        match self {
            Sampler::Exponential { mean_us } => {
                let x: f64 = Exp1.sample(stream);
                round_us(x * mean_us)
            }
            Sampler::Weibull(d) => round_us(d.sample(stream)),
            Sampler::LogNormal(d) => round_us(d.sample(stream)),
            Sampler::Gamma(d) => round_us(d.sample(stream)),
            Sampler::Normal { mean_us, sd_us } => {
                for _ in 0..MAX_NORMAL_REDRAWS {
                    let z: f64 = StandardNormal.sample(stream);
                    let x = mean_us + sd_us * z;
                    if x >= 0.0 {
                        return round_us(x);
                    }
                }
                0
            }
            Sampler::Uniform { min_us, width_us } => round_us(min_us + width_us * stream.uniform()),
            Sampler::Fixed(value) => *value,
            Sampler::Empirical(samples) => {
                let i = (stream.uniform() * samples.len() as f64) as usize;
                samples[i.min(samples.len() - 1)]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::StreamKey;

    fn sample_mean_h(dist: &Dist, n: u32) -> (f64, f64) {
        let sampler = Sampler::new(dist);
        let mut stream = Stream::new(7, 0, StreamKey::of(&["test"]));
        let xs: Vec<f64> = (0..n)
            .map(|_| sampler.sample_us(&mut stream) as f64 / MICROS_PER_HOUR)
            .collect();
        let mean = xs.iter().sum::<f64>() / f64::from(n);
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n - 1);
        (mean, (var / f64::from(n)).sqrt())
    }

    #[test]
    fn every_distribution_has_its_mean_within_four_standard_errors() {
        let dists = [
            Dist::Exponential { mean_h: 10.0 },
            Dist::weibull_with_mean(0.8, 720.0),
            Dist::weibull_with_mean(3.0, 5.0),
            Dist::lognormal_with_mean_sd(4.0, 3.0),
            Dist::LogNormal {
                mu: 6f64.ln(),
                sigma: 0.7,
            },
            Dist::Gamma {
                shape: 2.5,
                scale_h: 4.0,
            },
            Dist::Normal {
                mean_h: 1.0,
                sd_h: 1.0,
            },
            Dist::Uniform {
                min_h: 2.0,
                max_h: 5.0,
            },
            Dist::Fixed { value_h: 0.5 },
            Dist::Empirical {
                samples_h: Arc::from(vec![1.0, 2.0, 6.0]),
            },
        ];
        for dist in dists {
            let (mean, se) = sample_mean_h(&dist, 200_000);
            let exact = dist.mean_h();
            let tolerance = 4.0 * se + 1e-9 * exact;
            assert!(
                (mean - exact).abs() <= tolerance,
                "{dist:?}: {mean} vs {exact} ± {tolerance}"
            );
        }
    }
}
