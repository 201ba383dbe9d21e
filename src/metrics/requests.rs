//! Request figures of the services with traffic (the fluid mode): plain data
//! the engine writes, and their accumulation over replications.

use super::Window;
use super::stats::{Comoments, Estimate};

/// Requests of one service with traffic in one replication (a fluid: real
/// numbers), over the measured window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RequestCounts {
    pub offered: f64,
    pub served: f64,
    /// Sent to a member that was down but still in rotation.
    pub failed_ejection_lag: f64,
    /// A member's share above its capacity, or the load above the room left.
    pub failed_overload: f64,
    /// The service was down as a whole, or no member was in rotation.
    pub failed_outage: f64,
    /// Per-request mode only: waiting or in service at a member when it
    /// failed.
    pub failed_crash: f64,
    /// `overload: collapse` only: members that collapsed in the window.
    pub collapses: Option<f64>,
    /// Per-request mode only: the latency of the served requests.
    pub latency: Option<LatencySummary>,
}

/// Latency of the requests served in one replication (per-request mode), ms:
/// mean, p50, p95, p99 over the whole window, and the same over each batch
/// of consecutive completions (equal slices of the window), for the
/// batch-means interval of a single replication.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatencySummary {
    pub whole: [f64; 4],
    pub batches: Vec<[f64; 4]>,
}

const LATENCY_NAMES: [&str; 4] = [
    "latency_ms",
    "latency_ms_p50",
    "latency_ms_p95",
    "latency_ms_p99",
];

/// Running sums over replications of one service's request figures.
#[derive(Clone, Debug, Default)]
pub struct RequestAccumulator {
    /// (served, offered), for the ratio of sums.
    success: Comoments,
    failed: [Comoments; 5],
    /// Per-request mode: latency figures over replications, and over the
    /// batches of the first replication (used when it is the only one).
    latency: Option<([Comoments; 4], [Comoments; 4])>,
    /// Requests served per second of the window (per-request mode).
    throughput: Comoments,
    /// Requests failed in the window (per-request mode).
    failed_in_window: Comoments,
    /// Members collapsed per year (`overload: collapse` only).
    collapses: Option<Comoments>,
}

impl RequestAccumulator {
    pub fn push(&mut self, counts: &RequestCounts, window: Window) {
        let years = window.years();
        self.success.push(counts.served, counts.offered);
        let failed = [
            counts.failed_ejection_lag
                + counts.failed_overload
                + counts.failed_outage
                + counts.failed_crash,
            counts.failed_ejection_lag,
            counts.failed_overload,
            counts.failed_outage,
            counts.failed_crash,
        ];
        for (acc, x) in self.failed.iter_mut().zip(failed) {
            acc.push(x / years, 0.0);
        }
        if let Some(c) = counts.collapses {
            self.collapses.get_or_insert_default().push(c / years, 0.0);
        }
        if let Some(l) = &counts.latency {
            let first = self.latency.is_none();
            let (reps, batches) = self.latency.get_or_insert_default();
            for (i, acc) in reps.iter_mut().enumerate() {
                acc.push(l.whole[i], 0.0);
            }
            if first {
                for b in &l.batches {
                    for (i, acc) in batches.iter_mut().enumerate() {
                        acc.push(b[i], 0.0);
                    }
                }
            }
            let seconds = window.length_us() as f64 * 1e-6;
            self.throughput.push(counts.served / seconds, 0.0);
            self.failed_in_window.push(failed[0], 0.0);
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
            "requests_failed_crash_per_year",
        ];
        let mut figures = vec![(
            "request_success_ratio",
            self.success.ratio_estimate().clamp_interval(0.0, 1.0),
        )];
        if let Some(c) = &self.collapses {
            figures.push((
                "overload_collapses_per_year",
                c.mean_estimate().clamp_interval(0.0, f64::INFINITY),
            ));
        }
        // The crash cause exists in the per-request mode only.
        let causes = if self.latency.is_some() { 5 } else { 4 };
        for (name, acc) in names.into_iter().zip(&self.failed).take(causes) {
            figures.push((name, acc.mean_estimate().clamp_interval(0.0, f64::INFINITY)));
        }
        if self.latency.is_some() {
            figures.push((
                "requests_failed",
                self.failed_in_window
                    .mean_estimate()
                    .clamp_interval(0.0, f64::INFINITY),
            ));
        }
        if let Some((reps, batches)) = &self.latency {
            // Several replications: Student-t over replications; one: over
            // its batches (batch means).
            let single = reps[0].count() == 1;
            for (i, name) in LATENCY_NAMES.into_iter().enumerate() {
                let e = if single {
                    // The whole run's value, with the half-width of the
                    // Student-t interval over the batch values.
                    let whole = reps[i].mean_estimate().mean.unwrap_or(f64::NAN);
                    let b = batches[i].mean_estimate();
                    let ci = b.ci95.map(|[lo, hi]| {
                        let h = (hi - lo) / 2.0;
                        [whole - h, whole + h]
                    });
                    Estimate {
                        mean: whole.is_finite().then_some(whole),
                        std_err: b.std_err,
                        ..b.with_interval(ci)
                    }
                } else {
                    reps[i].mean_estimate()
                };
                figures.push((name, e.clamp_interval(0.0, f64::INFINITY)));
            }
            figures.push((
                "throughput_per_s",
                self.throughput
                    .mean_estimate()
                    .clamp_interval(0.0, f64::INFINITY),
            ));
        }
        figures
    }
}
