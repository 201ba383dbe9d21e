//! Paired differences between designs run on common random numbers
//! (`nines compare`): per replication, the figure of a design minus the
//! baseline's for the same replication index, so what the designs share
//! (the same draws for the same entities) cancels out. The interval is
//! Student's t over the replications' differences; identical designs give
//! exactly zero with an interval of zero width.

use super::{Comoments, Estimate, Outcome, Window};
use crate::model::{HOURS_PER_YEAR, MICROS_PER_HOUR};

/// The figures compared, per entity and replication: availability,
/// downtime in minutes per year, failures per year.
pub const COMPARED: [&str; 3] = ["availability", "downtime_min_per_year", "failures_per_year"];

/// One replication's compared figures of one entity.
pub fn figures_of(outcome: &Outcome, window: Window) -> [f64; 3] {
    let length_h = window.length_us() as f64 / MICROS_PER_HOUR;
    let years = length_h / HOURS_PER_YEAR;
    let availability = outcome.uptime_us as f64 / window.length_us() as f64;
    [
        availability,
        (1.0 - availability) * HOURS_PER_YEAR * 60.0,
        outcome.failures as f64 / years,
    ]
}

/// One replication's value of a system figure that can be paired across
/// designs or sweep points: availability, downtime, failures, and the
/// total cost with a [`super::cost::CostPlan`]. `None` for other figures.
pub fn system_figure(
    figure: &str,
    outcome: &super::RepOutcome,
    window: Window,
    cost: Option<&super::cost::CostPlan>,
) -> Option<f64> {
    let system = outcome.tallies.first()?;
    let [availability, downtime, failures] = figures_of(system, window);
    match figure {
        "availability" => Some(availability),
        "downtime_min_per_year" => Some(downtime),
        "failures_per_year" => Some(failures),
        "total_cost_per_year" => Some(cost?.total(outcome, window)),
        _ => None,
    }
}

/// The paired differences of one entity, folded in replication order.
#[derive(Clone, Debug, Default)]
pub struct PairedAccumulator {
    figures: [Comoments; 3],
}

impl PairedAccumulator {
    pub fn push(&mut self, design: [f64; 3], baseline: [f64; 3]) {
        for ((acc, d), b) in self.figures.iter_mut().zip(design).zip(baseline) {
            acc.push(d - b, 0.0);
        }
    }

    /// (name, mean difference with its interval), in [`COMPARED`] order.
    pub fn estimates(&self) -> [(&'static str, Estimate); 3] {
        let mut out = COMPARED.map(|name| (name, Estimate::UNDEFINED));
        for (slot, acc) in out.iter_mut().zip(&self.figures) {
            slot.1 = acc.mean_estimate();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_replications_differ_by_exactly_zero() {
        let mut acc = PairedAccumulator::default();
        for x in [0.9, 0.99, 0.5] {
            acc.push([x, 1.0 - x, 3.0], [x, 1.0 - x, 3.0]);
        }
        for (_, e) in acc.estimates() {
            assert_eq!(e.mean, Some(0.0));
            assert_eq!(e.ci95, Some([0.0, 0.0]));
        }
    }
}
