//! Downtime by cause over replications: for the system or one service,
//! the mean downtime minutes per year each cause accounts for.

use super::{Comoments, Estimate, Window};
use crate::model::Micros;

/// Running sums over replications of one entity's downtime by cause.
#[derive(Clone, Debug, Default)]
pub struct CauseAccumulator {
    names: Vec<String>,
    minutes_per_year: Vec<Comoments>,
}

impl CauseAccumulator {
    /// One accumulator per cause, in the order the engine reports them.
    pub fn new(names: Vec<String>) -> CauseAccumulator {
        let minutes_per_year = vec![Comoments::default(); names.len()];
        CauseAccumulator {
            names,
            minutes_per_year,
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Adds one replication's downtime by cause, in replication order.
    pub fn push(&mut self, downtime_us: &[Micros], window: Window) {
        let years = window.years();
        for (acc, &us) in self.minutes_per_year.iter_mut().zip(downtime_us) {
            acc.push(us as f64 / 6e7 / years, 0.0);
        }
    }

    /// Each cause with its mean downtime minutes per year (never below zero).
    pub fn figures(&self) -> Vec<(String, Estimate)> {
        self.names
            .iter()
            .zip(&self.minutes_per_year)
            .map(|(name, acc)| {
                let e = acc.mean_estimate().clamp_interval(0.0, f64::INFINITY);
                (name.clone(), e)
            })
            .collect()
    }
}
