//! Request figures of the services with traffic (the fluid mode): plain data
//! the engine writes, and their accumulation over replications.

use super::Window;
use super::stats::{Comoments, Estimate};
use crate::model::{HOURS_PER_YEAR, MICROS_PER_HOUR};

/// Requests of one service with traffic in one replication (a fluid: real
/// numbers), over the measured window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RequestCounts {
    pub offered: f64,
    pub served: f64,
    /// Sent to a member that was down but still in rotation.
    pub failed_ejection_lag: f64,
    /// A member's share above its capacity, or the load above the room left.
    pub failed_overload: f64,
    /// The service was down as a whole, or no member was in rotation.
    pub failed_outage: f64,
}

/// Running sums over replications of one service's request figures.
#[derive(Clone, Debug, Default)]
pub struct RequestAccumulator {
    /// (served, offered), for the ratio of sums.
    success: Comoments,
    failed: [Comoments; 4],
}

impl RequestAccumulator {
    pub fn push(&mut self, counts: &RequestCounts, window: Window) {
        let years = window.length_us() as f64 / MICROS_PER_HOUR / HOURS_PER_YEAR;
        self.success.push(counts.served, counts.offered);
        let failed = [
            counts.failed_ejection_lag + counts.failed_overload + counts.failed_outage,
            counts.failed_ejection_lag,
            counts.failed_overload,
            counts.failed_outage,
        ];
        for (acc, x) in self.failed.iter_mut().zip(failed) {
            acc.push(x / years, 0.0);
        }
    }

    /// `request_success_ratio` (served / offered, a ratio of sums over
    /// replications) and the failed requests per year, in total and by cause
    /// (Student-t intervals over replications).
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        let names = [
            "requests_failed_per_year",
            "requests_failed_ejection_lag_per_year",
            "requests_failed_overload_per_year",
            "requests_failed_outage_per_year",
        ];
        let mut figures = vec![(
            "request_success_ratio",
            self.success.ratio_estimate().clamp_interval(0.0, 1.0),
        )];
        for (name, acc) in names.into_iter().zip(&self.failed) {
            figures.push((name, acc.mean_estimate().clamp_interval(0.0, f64::INFINITY)));
        }
        figures
    }
}
