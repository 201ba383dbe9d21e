//! Injected faults (`faults`): what one replication counted, and the
//! estimates over replications.

use super::{Comoments, Estimate, Window};
use crate::model::Micros;

/// One fault entry in one replication, inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FaultCounts {
    /// Targets hit (an injection that hits three instances counts three).
    pub injections: u64,
    /// Targets skipped because they were already down or not running.
    pub skipped: u64,
    /// System outages that began while this fault was the latest in effect,
    /// and their downtime inside the window.
    pub system_outages: u64,
    pub system_downtime_us: Micros,
}

/// Outages of one entity (the system or a service) that began while an
/// injected fault was in effect, and their downtime inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Injected {
    pub outages: u64,
    pub downtime_us: Micros,
}

/// Per fault entry, over replications.
#[derive(Clone, Debug, Default)]
pub struct FaultAccumulator {
    injections: Comoments,
    skipped: Comoments,
    system_outages: Comoments,
    system_downtime: Comoments,
    years: f64,
}

/// What an estimate of a fault entry is, per year.
pub struct FaultFigures {
    pub injections_per_year: Estimate,
    pub skipped_per_year: Estimate,
    pub system_outages_per_year: Estimate,
    pub system_downtime_min_per_year: Estimate,
}

impl FaultAccumulator {
    pub fn push(&mut self, counts: &FaultCounts, window: Window) {
        let y = window.years();
        self.years = y;
        self.injections.push(counts.injections as f64 / y, 0.0);
        self.skipped.push(counts.skipped as f64 / y, 0.0);
        self.system_outages
            .push(counts.system_outages as f64 / y, 0.0);
        self.system_downtime
            .push(counts.system_downtime_us as f64 / 60e6 / y, 0.0);
    }

    pub fn figures(&self) -> FaultFigures {
        FaultFigures {
            injections_per_year: self.injections.rate_estimate(self.years),
            skipped_per_year: self.skipped.rate_estimate(self.years),
            system_outages_per_year: self.system_outages.rate_estimate(self.years),
            system_downtime_min_per_year: self
                .system_downtime
                .mean_estimate()
                .clamp_interval(0.0, f64::INFINITY),
        }
    }
}

/// Injected outages of one entity, over replications.
#[derive(Clone, Debug, Default)]
pub struct InjectedAccumulator {
    outages: Comoments,
    downtime: Comoments,
    years: f64,
}

impl InjectedAccumulator {
    pub fn push(&mut self, injected: &Injected, window: Window) {
        let y = window.years();
        self.years = y;
        self.outages.push(injected.outages as f64 / y, 0.0);
        self.downtime
            .push(injected.downtime_us as f64 / 60e6 / y, 0.0);
    }

    /// (`outages_injected_per_year`, `downtime_injected_min_per_year`).
    pub fn figures(&self) -> (Estimate, Estimate) {
        (
            self.outages.rate_estimate(self.years),
            self.downtime
                .mean_estimate()
                .clamp_interval(0.0, f64::INFINITY),
        )
    }
}
