//! What one replication measures, and the estimates with confidence
//! intervals that the replications add up to.
//!
//! Definitions (PRODUCT.md): A = uptime / time; a failure is every up-to-down
//! transition; MTBF = time / failures = MUT + MDT; MUT = uptime / failures;
//! MTTR = MDT = downtime / failures; MTTFF = mean time to the first failure
//! from everything new at time zero. All are measured over the window
//! [warm-up, warm-up + horizon], except MTTFF, which starts at time zero.

mod causes;
pub mod cost;
pub mod curve;
pub mod data;
pub mod elections;
pub mod faults;
mod histogram;
mod intervals;
pub mod monitoring;
pub mod paired;
mod requests;
mod stats;
pub mod trace;
mod worst;

pub use causes::CauseAccumulator;
pub use histogram::LogHistogram;
pub use requests::{LatencySummary, RequestAccumulator, RequestCounts};
pub use stats::{Comoments, Estimate, compound_poisson_interval, poisson_interval};
pub use worst::{KEPT, Notable, Worst};

use crate::model::{HOURS_PER_YEAR, MICROS_PER_HOUR, Micros};

/// The measured part of a replication.
#[derive(Clone, Copy, Debug)]
pub struct Window {
    pub start_us: Micros,
    pub end_us: Micros,
}

impl Window {
    pub fn length_us(&self) -> Micros {
        self.end_us - self.start_us
    }
    /// The window's length in years of 8760 hours.
    pub fn years(&self) -> f64 {
        self.length_us() as f64 / MICROS_PER_HOUR / HOURS_PER_YEAR
    }
    /// Whether time `t` is inside the window (its end excluded).
    pub fn contains(&self, t: Micros) -> bool {
        t >= self.start_us && t < self.end_us
    }
    fn clamp(&self, t: Micros) -> Micros {
        t.clamp(self.start_us, self.end_us)
    }
}

/// Slices of the whole run (warm-up included) in which the system's
/// downtime is kept, for the availability-over-time curve.
pub const SLICES: usize = 100;

/// Up and down over time of one service or the system. `change` is on the
/// engine's hot path (every change of a service or the system): it is
/// inlined, and each of its two transitions is a few stores and one push.
#[derive(Clone, Debug)]
pub struct Tally {
    up: bool,
    last_change_us: Micros,
    /// When the state last came back up (`Micros::MAX`: never).
    recovered_us: Micros,
    uptime_us: Micros,
    failures: u64,
    first_failure_us: Option<Micros>,
    /// Start of the outage going on, if it began inside the window
    /// (`Micros::MAX`: none).
    since_us: Micros,
    /// Start of the outage that ended last, while it may still go on
    /// (`Micros::MAX`: none).
    reopenable_us: Micros,
    /// The lengths of the outages that began inside the window (the
    /// failures counted), each until the state is back up or the run ends.
    lengths_us: Vec<Micros>,
    /// When the state last went down, over the whole run.
    down_since_us: Micros,
    /// Downtime in each of equal slices of the whole run, warm-up
    /// included, for the availability-over-time curve (empty: not kept,
    /// as for every tally but the system's).
    slices_us: Vec<Micros>,
    slice_us: Micros,
    /// The slice the last outage ended in, and where it starts: most
    /// outages begin and end in it (or the next one), with no division.
    slice_k: usize,
    slice_start_us: Micros,
}

impl Tally {
    pub fn new_up() -> Tally {
        Tally {
            up: true,
            last_change_us: 0,
            recovered_us: Micros::MAX,
            uptime_us: 0,
            failures: 0,
            first_failure_us: None,
            since_us: Micros::MAX,
            reopenable_us: Micros::MAX,
            lengths_us: Vec::new(),
            down_since_us: 0,
            slices_us: Vec::new(),
            slice_us: 1,
            slice_k: 0,
            slice_start_us: 0,
        }
    }

    /// This tally also keeps the downtime in each of `n` equal slices of
    /// [0, `run_end_us`].
    pub fn with_slices(mut self, run_end_us: Micros, n: usize) -> Tally {
        self.slice_us = run_end_us.div_ceil(n as Micros).max(1);
        self.slices_us = vec![0; n];
        self
    }

    /// Records that the state became `up` at time `now`. Back up and down
    /// again at the same instant (several changes of one moment handled one
    /// after another, such as the members of a domain coming back) is no
    /// up period: the outage goes on, and is not a new failure.
    #[inline(always)]
    pub fn change(&mut self, now: Micros, up: bool, window: Window) {
        match (self.up, up) {
            (true, false) => self.went_down(now, window),
            (false, true) => self.came_up(now),
            (true, true) => {
                self.uptime_us += window.clamp(now) - window.clamp(self.last_change_us);
                self.last_change_us = now;
            }
            (false, false) => self.last_change_us = now,
        }
    }

    #[inline(always)]
    fn went_down(&mut self, now: Micros, window: Window) {
        self.uptime_us += window.clamp(now) - window.clamp(self.last_change_us);
        self.up = false;
        self.last_change_us = now;
        self.down_since_us = now;
        if now == self.recovered_us {
            self.reopen();
            return;
        }
        if now >= window.start_us && now <= window.end_us {
            self.failures += 1;
            self.since_us = now;
        }
        self.first_failure_us.get_or_insert(now);
    }

    #[inline(always)]
    fn came_up(&mut self, now: Micros) {
        self.up = true;
        self.last_change_us = now;
        self.recovered_us = now;
        self.close(now);
        if !self.slices_us.is_empty() {
            if self.down_since_us >= self.slice_start_us
                && now <= self.slice_start_us + self.slice_us
                && let Some(slice) = self.slices_us.get_mut(self.slice_k)
            {
                *slice += now - self.down_since_us;
            } else {
                self.slice_down(now);
            }
        }
    }

    /// Spreads the outage from `down_since_us` to `now` over the slices,
    /// and remembers the slice it ended in.
    #[cold]
    fn slice_down(&mut self, now: Micros) {
        let mut t = self.down_since_us;
        while t < now {
            let k = (t / self.slice_us) as usize;
            let Some(slice) = self.slices_us.get_mut(k) else {
                break;
            };
            let end = ((k as Micros + 1) * self.slice_us).min(now);
            *slice += end - t;
            t = end;
            self.slice_k = k;
            self.slice_start_us = k as Micros * self.slice_us;
        }
    }

    #[inline]
    fn close(&mut self, now: Micros) {
        self.reopenable_us = self.since_us;
        if self.since_us != Micros::MAX {
            self.lengths_us.push(now - self.since_us);
            self.since_us = Micros::MAX;
        }
    }

    /// The outage that ended at this instant goes on.
    #[cold]
    fn reopen(&mut self) {
        let since = std::mem::replace(&mut self.reopenable_us, Micros::MAX);
        if since != Micros::MAX {
            self.lengths_us.pop();
            self.since_us = since;
        }
    }

    /// What the replication measured, at the end of the window (the
    /// tally gives up its outage lengths).
    pub fn finish(&mut self, window: Window) -> Outcome {
        self.change(window.end_us, self.up, window);
        self.close(window.end_us);
        if !self.up && !self.slices_us.is_empty() {
            self.slice_down(window.end_us);
        }
        Outcome {
            uptime_us: self.uptime_us,
            failures: self.failures,
            first_failure_us: self.first_failure_us,
            outages_us: std::mem::take(&mut self.lengths_us),
            slices_down_us: std::mem::take(&mut self.slices_us),
        }
    }
}

/// What one replication measured for one service or the system.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub uptime_us: Micros,
    pub failures: u64,
    /// From time zero; `None` when no failure happened before the end.
    pub first_failure_us: Option<Micros>,
    /// The length of each outage that began inside the window (one per
    /// failure, in order), cut at the end of the run.
    pub outages_us: Vec<Micros>,
    /// The system only: downtime in each slice of the whole run (see
    /// [`Tally::with_slices`]); empty for the services.
    pub slices_down_us: Vec<Micros>,
}

/// Everything one replication measured.
#[derive(Clone, Debug, PartialEq)]
pub struct RepOutcome {
    /// State changes processed.
    pub events: u64,
    /// The system first, then each service in scenario order.
    pub tallies: Vec<Outcome>,
    /// One per standby service, in scenario order.
    pub standby: Vec<StandbyCounts>,
    /// The outage of each successful failover, per standby service.
    pub takeovers_us: Vec<Vec<u64>>,
    /// The lag of each loss of writes (each failover with replication),
    /// per standby service.
    pub lags_us: Vec<Vec<u64>>,
    /// Downtime inside the window by cause, like `tallies` (the system,
    /// then each service), each in the order of its causes.
    pub downtime_by_cause_us: Vec<Vec<Micros>>,
    /// Requests of each service with traffic, in `traffic` order.
    pub requests: Vec<RequestCounts>,
    /// Each fault entry, in scenario order (empty without faults).
    pub faults: Vec<faults::FaultCounts>,
    /// Outages that began while a fault was in effect, like `tallies`
    /// (empty without faults).
    pub injected: Vec<faults::Injected>,
    /// Alert and response delays (all zero without `monitoring`).
    pub monitoring: monitoring::MonitorCounts,
    /// Leader elections of each quorum service with `election`, in
    /// scenario order (empty without).
    pub elections: Vec<elections::ElectionCounts>,
    /// Rebuilds of each service with `recovery`, in scenario order.
    pub recoveries: Vec<data::RecoveryCounts>,
}

/// What one replication counted for a standby service, inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StandbyCounts {
    /// Failovers started after a detected (or falsely suspected) failure.
    pub failovers: u64,
    /// Takeovers that failed (probability 1 − coverage).
    pub failed_failovers: u64,
    /// Successful failovers and their total outage, from the failure of the
    /// serving member until its replacement serves.
    pub takeovers: u64,
    pub takeover_us: Micros,
    /// Completed failbacks (`failback: auto`) and their total outage.
    pub failbacks: u64,
    pub failback_us: Micros,
    /// Detection delays and their total.
    pub detections: u64,
    pub detection_us: Micros,
    /// Failovers caused by a false suspicion of a healthy serving member.
    pub false_failovers: u64,
    /// Periods with two members serving (false failovers without fencing).
    pub split_brains: u64,
    pub split_brain_us: Micros,
    /// Downtime by cause: detection, switchover, failed takeover, both down
    /// (the order of the `downtime_*` figures).
    pub downtime_us: [Micros; 4],
    /// Writes lost at failovers (async replication only).
    pub data: data::DataCounts,
}

/// Running sums over replications for one service or the system.
#[derive(Clone, Debug, Default)]
pub struct Accumulator {
    /// Outages shorter than this are no incidents.
    incident_threshold_us: Micros,
    /// Measured hours of one replication, and the end of the run (MTTFF's restriction).
    length_h: f64,
    end_h: f64,
    availability: Comoments,
    failures_per_year: Comoments,
    incidents_per_year: Comoments,
    /// (measured hours, failures) for MTBF.
    mtbf: Comoments,
    /// (measured hours, incidents) for MTBI.
    mtbi: Comoments,
    /// (up hours, failures) for MUT.
    mut_: Comoments,
    /// (down hours, failures) for MTTR.
    mttr: Comoments,
    /// (hours to first failure or to the end, 1 if a failure was seen) for MTTFF.
    mttff: Comoments,
    /// Replications that saw no first failure.
    mttff_censored: u64,
    /// Every outage begun in the window, pooled: its length (hours, summed
    /// and squared) and a histogram of seconds.
    outages: intervals::Pooled,
    outage_s: LogHistogram,
    /// Downtime of each replication, minutes per year: "what does a bad
    /// year look like?".
    downtime_year: LogHistogram,
}

impl Accumulator {
    pub fn new(incident_threshold_us: Micros) -> Accumulator {
        Accumulator {
            incident_threshold_us,
            ..Accumulator::default()
        }
    }

    /// Adds one replication, in replication order.
    pub fn push(&mut self, outcome: &Outcome, window: Window) {
        let length_h = window.length_us() as f64 / MICROS_PER_HOUR;
        self.length_h = length_h;
        self.end_h = window.end_us as f64 / MICROS_PER_HOUR;
        let up_h = outcome.uptime_us as f64 / MICROS_PER_HOUR;
        let down_h = length_h - up_h;
        let failures = outcome.failures as f64;
        let years = length_h / HOURS_PER_YEAR;
        self.availability.push(up_h / length_h, 0.0);
        self.failures_per_year.push(failures / years, 0.0);
        self.mtbf.push(length_h, failures);
        self.mut_.push(up_h, failures);
        self.mttr.push(down_h, failures);
        self.downtime_year.push(down_h / years * 60.0);
        let mut incidents = 0u64;
        for &us in &outcome.outages_us {
            incidents += u64::from(us >= self.incident_threshold_us);
            let s = us as f64 * 1e-6;
            self.outages.push(s * (1.0 / 3600.0));
            self.outage_s.push(s);
        }
        self.incidents_per_year.push(incidents as f64 / years, 0.0);
        self.mtbi.push(length_h, incidents as f64);
        let (exposure_us, seen) = match outcome.first_failure_us {
            Some(t) => (t, 1.0),
            None => (window.end_us, 0.0),
        };
        self.mttff_censored += u64::from(seen == 0.0);
        self.mttff.push(exposure_us as f64 / MICROS_PER_HOUR, seen);
    }

    /// The downtime of each replication (minutes per year) and the length
    /// of every outage (seconds), as histograms (charts).
    pub fn histograms(&self) -> (&LogHistogram, &LogHistogram) {
        (&self.downtime_year, &self.outage_s)
    }

    pub fn summary(&self) -> Figures {
        let availability =
            intervals::availability(&self.availability, &self.outages, self.length_h);
        let years = self.length_h / HOURS_PER_YEAR;
        let failures_per_year = self.failures_per_year.rate_estimate(years);
        let incidents_per_year = self.incidents_per_year.rate_estimate(years);
        let mtbf_h = intervals::per_event(&self.mtbf, &failures_per_year, 1.0);
        let mut_share = self
            .mtbf
            .ratio_estimate()
            .mean
            .zip(self.mut_.ratio_estimate().mean);
        let mut_h = intervals::per_event(
            &self.mut_,
            &failures_per_year,
            mut_share.map_or(1.0, |(mtbf, mut_)| mut_ / mtbf),
        );
        let mtbi_h = intervals::per_event(&self.mtbi, &incidents_per_year, 1.0);
        let restricted = self
            .mttff
            .mean_estimate()
            .clamp_interval(0.0, f64::INFINITY);
        Figures {
            downtime_min_per_year: availability
                .affine(-HOURS_PER_YEAR * 60.0, HOURS_PER_YEAR * 60.0),
            availability,
            failures_per_year,
            mut_h,
            mtbf_h,
            mttr_h: intervals::mttr(&self.mttr, &self.outages),
            mttff_h: intervals::mttff(&restricted, self.mttff_censored),
            incidents_per_year,
            mtbi_h,
            outage_s_p50: self.outage_s.quantile(0.5),
            outage_s_p95: self.outage_s.quantile(0.95),
            outage_s_p99: self.outage_s.quantile(0.99),
            downtime_min_per_year_p50: self.downtime_year.quantile(0.5),
            downtime_min_per_year_p90: self.downtime_year.quantile(0.9),
            downtime_min_per_year_p99: self.downtime_year.quantile(0.99),
            mttff_restricted_h: restricted,
            mttff_restricted_to_h: self.end_h,
            mttff_censored: self.mttff_censored > 0,
            extras: Vec::new(),
            downtime_by_cause: Vec::new(),
        }
    }
}

/// Running sums over replications of a standby service's failovers.
#[derive(Clone, Debug, Default)]
pub struct StandbyAccumulator {
    failovers_per_year: Comoments,
    failed_failovers_per_year: Comoments,
    false_failovers_per_year: Comoments,
    split_brain_min_per_year: Comoments,
    split_brains_per_year: Comoments,
    /// (outage seconds, successful takeovers).
    takeover: Comoments,
    failbacks_per_year: Comoments,
    /// (outage seconds, completed failbacks).
    failback: Comoments,
    /// (detection seconds, detections).
    detection: Comoments,
    /// Downtime minutes per year by cause.
    causes: [Comoments; 4],
    /// Outage of every successful failover, in seconds.
    takeovers: LogHistogram,
    /// Measured years of one replication.
    years: f64,
    /// Data figures, for a service with async replication.
    pub data: Option<data::DataAccumulator>,
}

impl StandbyAccumulator {
    pub fn push(
        &mut self,
        counts: &StandbyCounts,
        takeovers_us: &[u64],
        lags_us: &[u64],
        window: Window,
    ) {
        for &t in takeovers_us {
            self.takeovers.push(t as f64 / 1e6);
        }
        let years = window.years();
        self.years = years;
        if let Some(data) = &mut self.data {
            data.push(&counts.data, lags_us, window);
        }
        self.failovers_per_year
            .push(counts.failovers as f64 / years, 0.0);
        self.failed_failovers_per_year
            .push(counts.failed_failovers as f64 / years, 0.0);
        self.false_failovers_per_year
            .push(counts.false_failovers as f64 / years, 0.0);
        self.split_brain_min_per_year
            .push(counts.split_brain_us as f64 / 6e7 / years, 0.0);
        self.split_brains_per_year
            .push(counts.split_brains as f64 / years, 0.0);
        self.takeover
            .push(counts.takeover_us as f64 / 1e6, counts.takeovers as f64);
        self.failbacks_per_year
            .push(counts.failbacks as f64 / years, 0.0);
        self.failback
            .push(counts.failback_us as f64 / 1e6, counts.failbacks as f64);
        self.detection
            .push(counts.detection_us as f64 / 1e6, counts.detections as f64);
        for (acc, us) in self.causes.iter_mut().zip(counts.downtime_us) {
            acc.push(us as f64 / 6e7 / years, 0.0);
        }
    }

    /// `failovers_per_year`, `failed_failovers_per_year`,
    /// `false_failovers_per_year`, `split_brain_min_per_year`,
    /// `split_brains_per_year`, `takeover_s` (mean
    /// outage per successful failover, from the failure of the active member
    /// until the standby serves), `detection_s` (mean detection delay),
    /// `failbacks_per_year` and `failback_s` (mean outage per failback).
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        // Counts per year get rate intervals; times and minutes cannot be negative.
        let rate = |c: &Comoments| c.rate_estimate(self.years);
        let positive = |e: Estimate| e.clamp_interval(0.0, f64::INFINITY);
        let mut figures = vec![
            ("failovers_per_year", rate(&self.failovers_per_year)),
            (
                "failed_failovers_per_year",
                rate(&self.failed_failovers_per_year),
            ),
            (
                "false_failovers_per_year",
                rate(&self.false_failovers_per_year),
            ),
            (
                "split_brain_min_per_year",
                positive(self.split_brain_min_per_year.mean_estimate()),
            ),
            ("split_brains_per_year", rate(&self.split_brains_per_year)),
            ("takeover_s", positive(self.takeover.ratio_estimate())),
            ("takeover_s_p50", self.takeovers.quantile(0.5)),
            ("takeover_s_p95", self.takeovers.quantile(0.95)),
            ("takeover_s_p99", self.takeovers.quantile(0.99)),
            ("detection_s", positive(self.detection.ratio_estimate())),
            ("failbacks_per_year", rate(&self.failbacks_per_year)),
            ("failback_s", positive(self.failback.ratio_estimate())),
        ];
        // The service's own downtime, by cause (the order of StandbyCounts::downtime_us).
        let names = [
            "downtime_detection_min_per_year",
            "downtime_switchover_min_per_year",
            "downtime_failed_takeover_min_per_year",
            "downtime_both_down_min_per_year",
        ];
        for (name, acc) in names.into_iter().zip(&self.causes) {
            figures.push((name, positive(acc.mean_estimate())));
        }
        if let Some(data) = &self.data {
            figures.extend(data.figures());
        }
        figures
    }
}

/// The figures of one service or the system, each with its 95% interval.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub availability: Estimate,
    pub downtime_min_per_year: Estimate,
    pub failures_per_year: Estimate,
    pub mtbf_h: Estimate,
    pub mut_h: Estimate,
    pub mttr_h: Estimate,
    /// `null` mean when some replication saw no failure (censored): then
    /// `lower95` bounds it from below.
    pub mttff_h: Estimate,
    /// Outages at least as long as the incident threshold, per year.
    pub incidents_per_year: Estimate,
    /// Mean time between incidents: measured time / incidents.
    pub mtbi_h: Estimate,
    /// Percentiles of the length of the outages begun in the window, in seconds.
    pub outage_s_p50: Estimate,
    pub outage_s_p95: Estimate,
    pub outage_s_p99: Estimate,
    /// Percentiles of the downtime of one replication, minutes per year:
    /// a bad year (p90) and a very bad one (p99) beside the mean.
    pub downtime_min_per_year_p50: Estimate,
    pub downtime_min_per_year_p90: Estimate,
    pub downtime_min_per_year_p99: Estimate,
    /// The mean of min(time to first failure, end of the run): MTTFF
    /// restricted to `mttff_restricted_to_h`, always estimable.
    pub mttff_restricted_h: Estimate,
    pub mttff_restricted_to_h: f64,
    /// Some replication saw no failure: `mttff_h` is not estimable.
    pub mttff_censored: bool,
    /// Figures a service's mechanisms add (failovers, takeover time, ...).
    pub extras: Vec<(&'static str, Estimate)>,
    /// Downtime minutes per year by cause, in the engine's cause order.
    pub downtime_by_cause: Vec<(String, Estimate)>,
}

impl Figures {
    /// Name and value of each figure, in the order of the JSON contract.
    pub fn named(&self) -> [(&'static str, &Estimate); 16] {
        [
            ("availability", &self.availability),
            ("downtime_min_per_year", &self.downtime_min_per_year),
            ("failures_per_year", &self.failures_per_year),
            ("incidents_per_year", &self.incidents_per_year),
            ("mtbf_h", &self.mtbf_h),
            ("mtbi_h", &self.mtbi_h),
            ("mut_h", &self.mut_h),
            ("mttr_h", &self.mttr_h),
            ("outage_s_p50", &self.outage_s_p50),
            ("outage_s_p95", &self.outage_s_p95),
            ("outage_s_p99", &self.outage_s_p99),
            ("downtime_min_per_year_p50", &self.downtime_min_per_year_p50),
            ("downtime_min_per_year_p90", &self.downtime_min_per_year_p90),
            ("downtime_min_per_year_p99", &self.downtime_min_per_year_p99),
            ("mttff_h", &self.mttff_h),
            ("mttff_restricted_h", &self.mttff_restricted_h),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_up_and_down_at_the_same_instant_is_one_outage() {
        let window = Window {
            start_us: 0,
            end_us: 1000,
        };
        let mut tally = Tally::new_up();
        tally.change(100, false, window);
        tally.change(200, true, window);
        tally.change(200, false, window); // a zero-length up: the outage goes on
        tally.change(300, true, window);
        tally.change(400, false, window); // a real up period of 100
        let outcome = tally.finish(window);
        assert_eq!(outcome.failures, 2);
        assert_eq!(outcome.uptime_us, 100 + 100);
        // One outage from 100 to 300, one from 400 to the end.
        assert_eq!(outcome.outages_us, vec![200, 600]);
    }

    #[test]
    fn a_tally_counts_uptime_and_failures_inside_the_window_only() {
        let window = Window {
            start_us: 100,
            end_us: 1000,
        };
        let mut tally = Tally::new_up();
        tally.change(50, false, window); // during warm-up: not counted
        tally.change(150, true, window);
        tally.change(400, false, window);
        tally.change(500, true, window);
        let outcome = tally.finish(window);
        assert_eq!(outcome.failures, 1);
        assert_eq!(outcome.uptime_us, (400 - 150) + (1000 - 500));
        assert_eq!(outcome.first_failure_us, Some(50));
        // The outage begun in the warm-up is downtime, not a measured outage.
        assert_eq!(outcome.outages_us, vec![100]);
    }
}
