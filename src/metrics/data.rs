//! Data figures of a service with async replication: writes lost at
//! failovers, the lag at failover (RPO) and the probability of a year with
//! no write lost; and of a service with `recovery`: its rebuilds, the
//! snapshot restores and log replays they took. Counted only at failovers
//! and rebuilds, never per write.

use super::Window;
use super::stats::{Comoments, Estimate};
use crate::model::Micros;

/// Microseconds in a year of 8760 hours.
pub const MICROS_PER_YEAR: Micros = 8760 * 3_600_000_000;

/// What one replication counted of a service's lost writes, in the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DataCounts {
    /// Failovers that drew a replication lag, their writes lost and total lag.
    pub losses: u64,
    pub lost_writes: f64,
    pub lag_us: Micros,
    pub lag_max_us: Micros,
    /// Whole years of the window (numbered from 1) in which a write was
    /// lost: the last one counted, and how many.
    pub(crate) last_year: u64,
    pub loss_years: u64,
    /// Sync replication: time the service was up but could not take a
    /// write (no replica), and time it took writes without one
    /// (`degrade_after`).
    pub write_blocked_us: Micros,
    pub degraded_us: Micros,
    /// `resync`: members back from repair that had to catch up, and the
    /// time at least one was catching up (redundancy degraded).
    pub resyncs: u64,
    pub resync_us: Micros,
    /// Failovers that found only members still catching up, and waited.
    pub resync_waits: u64,
}

impl DataCounts {
    /// A failover in year `year` (1 for the first year of the window) lost
    /// `lost` writes, `lag_us` behind.
    pub fn record(&mut self, lost: f64, lag_us: Micros, year: u64) {
        self.losses += 1;
        self.add_loss(lost, lag_us, year);
    }

    /// Writes lost later than at a failover (sync replication: writes a
    /// degraded active member took alone, lost when another member took
    /// over), `lag_us` the time they span.
    pub fn add_loss(&mut self, lost: f64, lag_us: Micros, year: u64) {
        self.lost_writes += lost;
        self.lag_us += lag_us;
        self.lag_max_us = self.lag_max_us.max(lag_us);
        if lost > 0.0 && year > self.last_year {
            self.last_year = year;
            self.loss_years += 1;
        }
    }

    /// Years with a loss among the first `whole` years of the window.
    fn loss_years_within(&self, whole: u64) -> u64 {
        if self.last_year > whole {
            self.loss_years - 1
        } else {
            self.loss_years
        }
    }
}

/// Running sums over replications of a service's data figures.
#[derive(Clone, Debug, Default)]
pub struct DataAccumulator {
    lost_per_year: Comoments,
    /// (writes lost, failovers).
    per_failover: Comoments,
    /// (lag seconds, failovers).
    lag: Comoments,
    /// Each lag, pooled over replications, in seconds.
    lags: super::LogHistogram,
    lag_max_s: f64,
    /// (years with no write lost, whole years).
    free_years: Comoments,
    /// Sync replication: the write figures apply.
    sync: bool,
    write_blocked: Comoments,
    degraded: Comoments,
    /// `resync`: its figures apply.
    resync: bool,
    resyncs_per_year: Comoments,
    resync_degraded: Comoments,
    resync_waits_per_year: Comoments,
    years: f64,
}

impl DataAccumulator {
    /// For async replication, or (`sync`) sync replication; `resync`
    /// when repaired members catch up.
    pub fn new(sync: bool, resync: bool) -> DataAccumulator {
        DataAccumulator {
            sync,
            resync,
            ..DataAccumulator::default()
        }
    }

    pub fn push(&mut self, counts: &DataCounts, lags_us: &[u64], window: Window) {
        for &lag in lags_us {
            self.lags.push(lag as f64 / 1e6);
        }
        let length = window.length_us();
        let years = length as f64 / MICROS_PER_YEAR as f64;
        self.lost_per_year.push(counts.lost_writes / years, 0.0);
        self.per_failover
            .push(counts.lost_writes, counts.losses as f64);
        self.lag
            .push(counts.lag_us as f64 / 1e6, counts.losses as f64);
        self.lag_max_s = self.lag_max_s.max(counts.lag_max_us as f64 / 1e6);
        let minutes_per_year = |us: Micros| us as f64 / 6e7 / years;
        self.write_blocked
            .push(minutes_per_year(counts.write_blocked_us), 0.0);
        self.degraded
            .push(minutes_per_year(counts.degraded_us), 0.0);
        self.years = years;
        self.resyncs_per_year
            .push(counts.resyncs as f64 / years, 0.0);
        self.resync_degraded
            .push(minutes_per_year(counts.resync_us), 0.0);
        self.resync_waits_per_year
            .push(counts.resync_waits as f64 / years, 0.0);
        let whole = length / MICROS_PER_YEAR;
        if whole > 0 {
            let lossy = counts.loss_years_within(whole);
            self.free_years.push((whole - lossy) as f64, whole as f64);
        }
    }

    /// `data_loss_writes_per_year`, `data_loss_writes_per_failover`,
    /// `data_loss_free_year_probability` (whole years of the window with
    /// no write lost; undefined for a window shorter than a year), `rpo_s`
    /// (mean lag at failover), its percentiles and `rpo_s_max`; with sync replication,
    /// `write_unavailable_min_per_year` and `sync_degraded_min_per_year`.
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        let positive = |e: Estimate| e.clamp_interval(0.0, f64::INFINITY);
        let max = if self.lag.count() > 0 && self.lag.sum_y() > 0.0 {
            Estimate {
                mean: Some(self.lag_max_s),
                ..Estimate::UNDEFINED
            }
        } else {
            Estimate::UNDEFINED
        };
        let mut figures = vec![
            (
                "data_loss_writes_per_year",
                positive(self.lost_per_year.mean_estimate()),
            ),
            (
                "data_loss_writes_per_failover",
                positive(self.per_failover.ratio_estimate()),
            ),
            (
                "data_loss_free_year_probability",
                self.free_years.ratio_estimate().clamp_interval(0.0, 1.0),
            ),
            ("rpo_s", positive(self.lag.ratio_estimate())),
            ("rpo_s_p50", self.lags.quantile(0.5)),
            ("rpo_s_p95", self.lags.quantile(0.95)),
            ("rpo_s_p99", self.lags.quantile(0.99)),
            ("rpo_s_max", max),
        ];
        if self.sync {
            figures.push((
                "write_unavailable_min_per_year",
                positive(self.write_blocked.mean_estimate()),
            ));
            figures.push((
                "sync_degraded_min_per_year",
                positive(self.degraded.mean_estimate()),
            ));
        }
        if self.resync {
            figures.push((
                "resyncs_per_year",
                self.resyncs_per_year.rate_estimate(self.years),
            ));
            figures.push((
                "resync_degraded_min_per_year",
                positive(self.resync_degraded.mean_estimate()),
            ));
            figures.push((
                "failovers_waiting_for_resync_per_year",
                self.resync_waits_per_year.rate_estimate(self.years),
            ));
        }
        figures
    }
}

/// What one replication counted of a service's rebuilds from snapshots
/// and logs, started inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct RecoveryCounts {
    pub rebuilds: u64,
    pub restore_us: Micros,
    pub replay_us: Micros,
    /// Age of the snapshot restored (time since it was taken), summed.
    pub age_us: Micros,
}

impl RecoveryCounts {
    pub fn record(&mut self, restore_us: Micros, replay_us: Micros, age_us: Micros) {
        self.rebuilds += 1;
        self.restore_us += restore_us;
        self.replay_us += replay_us;
        self.age_us += age_us;
    }
}

/// Running sums over replications of a service's rebuilds.
#[derive(Clone, Debug, Default)]
pub struct RecoveryAccumulator {
    per_year: Comoments,
    /// (seconds, rebuilds) of the whole rebuild, the replay, the snapshot age.
    rebuild: Comoments,
    replay: Comoments,
    age: Comoments,
    years: f64,
}

impl RecoveryAccumulator {
    pub fn push(&mut self, counts: &RecoveryCounts, window: Window) {
        let years = window.length_us() as f64 / MICROS_PER_YEAR as f64;
        self.years = years;
        let n = counts.rebuilds as f64;
        self.per_year.push(n / years, 0.0);
        let s = |us: Micros| us as f64 / 1e6;
        self.rebuild
            .push(s(counts.restore_us + counts.replay_us), n);
        self.replay.push(s(counts.replay_us), n);
        self.age.push(s(counts.age_us), n);
    }

    /// `rebuilds_per_year`, `rebuild_s` (mean restore plus replay),
    /// `replay_s` (mean replay) and `snapshot_age_s` (mean age of the
    /// snapshot restored).
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        let positive = |e: Estimate| e.clamp_interval(0.0, f64::INFINITY);
        vec![
            ("rebuilds_per_year", self.per_year.rate_estimate(self.years)),
            ("rebuild_s", positive(self.rebuild.ratio_estimate())),
            ("replay_s", positive(self.replay.ratio_estimate())),
            ("snapshot_age_s", positive(self.age.ratio_estimate())),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_counts_once_however_many_losses_and_the_partial_year_not_at_all() {
        let mut c = DataCounts::default();
        c.record(10.0, 1, 1);
        c.record(10.0, 1, 1);
        c.record(0.0, 0, 2);
        c.record(5.0, 3, 3);
        assert_eq!((c.losses, c.loss_years, c.lag_max_us), (4, 2, 3));
        assert_eq!(c.loss_years_within(3), 2);
        assert_eq!(c.loss_years_within(2), 1);
    }
}
