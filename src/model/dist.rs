//! Validated probability distributions of durations, in hours.

use statrs::distribution::{Continuous, ContinuousCDF, Normal};
use statrs::function::gamma::gamma;
use std::sync::Arc;

/// A distribution of a random duration. Parameters are in hours and have
/// been checked (positive means and shapes, `min <= max`, ...).
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    Exponential {
        mean_h: f64,
    },
    Weibull {
        shape: f64,
        scale_h: f64,
    },
    /// `ln(T / 1 h)` is normal with mean `mu` and standard deviation `sigma`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    Gamma {
        shape: f64,
        scale_h: f64,
    },
    /// Normal, truncated at zero (negative draws are drawn again).
    Normal {
        mean_h: f64,
        sd_h: f64,
    },
    Uniform {
        min_h: f64,
        max_h: f64,
    },
    Fixed {
        value_h: f64,
    },
    /// Each draw picks one of the samples with equal probability.
    Empirical {
        samples_h: Arc<[f64]>,
    },
}

impl Dist {
    /// Weibull with a given mean: `scale = mean / Γ(1 + 1/shape)`.
    pub fn weibull_with_mean(shape: f64, mean_h: f64) -> Dist {
        Dist::Weibull {
            shape,
            scale_h: mean_h / gamma(1.0 + 1.0 / shape),
        }
    }

    /// Lognormal from the mean and standard deviation of the time itself.
    pub fn lognormal_with_mean_sd(mean_h: f64, sd_h: f64) -> Dist {
        let sigma2 = (1.0 + (sd_h / mean_h).powi(2)).ln();
        Dist::LogNormal {
            mu: mean_h.ln() - sigma2 / 2.0,
            sigma: sigma2.sqrt(),
        }
    }

    /// Lognormal from the mean of the time and the sigma of its logarithm.
    pub fn lognormal_with_mean_sigma(mean_h: f64, sigma: f64) -> Dist {
        Dist::LogNormal {
            mu: mean_h.ln() - sigma * sigma / 2.0,
            sigma,
        }
    }

    /// The mean duration in hours.
    ///
    /// # Formula
    /// Weibull `λ Γ(1 + 1/k)`; lognormal `exp(μ + σ²/2)`; gamma `k θ`;
    /// normal truncated at zero `m + s φ(a) / (1 − Φ(a))` with `a = −m/s`.
    pub fn mean_h(&self) -> f64 {
        match self {
            Dist::Exponential { mean_h } => *mean_h,
            Dist::Weibull { shape, scale_h } => scale_h * gamma(1.0 + 1.0 / shape),
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { shape, scale_h } => shape * scale_h,
            Dist::Normal { mean_h, sd_h } => truncated_normal_mean(*mean_h, *sd_h),
            Dist::Uniform { min_h, max_h } => (min_h + max_h) / 2.0,
            Dist::Fixed { value_h } => *value_h,
            Dist::Empirical { samples_h } => {
                samples_h.iter().sum::<f64>() / samples_h.len().max(1) as f64
            }
        }
    }

    /// True when every draw is exactly zero, which the Markov analysis treats
    /// as "instantaneous".
    pub fn is_zero(&self) -> bool {
        matches!(self, Dist::Fixed { value_h } if *value_h == 0.0)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Dist::Exponential { .. } => "exponential",
            Dist::Weibull { .. } => "weibull",
            Dist::LogNormal { .. } => "lognormal",
            Dist::Gamma { .. } => "gamma",
            Dist::Normal { .. } => "normal",
            Dist::Uniform { .. } => "uniform",
            Dist::Fixed { .. } => "fixed",
            Dist::Empirical { .. } => "empirical",
        }
    }
}

fn truncated_normal_mean(mean_h: f64, sd_h: f64) -> f64 {
    let Ok(standard) = Normal::new(0.0, 1.0) else {
        return mean_h;
    };
    let a = -mean_h / sd_h;
    let tail = 1.0 - standard.cdf(a);
    if tail <= 0.0 {
        return 0.0;
    }
    mean_h + sd_h * standard.pdf(a) / tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weibull_with_mean_has_that_mean() {
        let d = Dist::weibull_with_mean(0.8, 720.0);
        assert!((d.mean_h() - 720.0).abs() < 1e-9);
    }

    #[test]
    fn lognormal_with_mean_and_sd_has_that_mean() {
        let d = Dist::lognormal_with_mean_sd(4.0, 3.0);
        assert!((d.mean_h() - 4.0).abs() < 1e-12);
    }

    #[test]
    fn truncated_normal_mean_is_above_the_untruncated_mean() {
        let d = Dist::Normal {
            mean_h: 1.0,
            sd_h: 1.0,
        };
        // m + s φ(1)/Φ(1) = 1 + 0.24197/0.84134
        assert!((d.mean_h() - 1.287_599_6).abs() < 1e-6);
    }
}
