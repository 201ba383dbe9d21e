//! Leader elections of a quorum service with `election`: how often one
//! starts and how long one takes, counted by the engine at the start and
//! the end of each election, never per write or per heartbeat.
//!
//! `elections_per_year` counts the elections started inside the window,
//! whether they finish or are called off because the majority was lost;
//! `election_s` is the mean length of the elections that finished inside
//! the window (the service's outage from the start of an election to a
//! leader in office, when the majority held throughout).

use super::{Comoments, Estimate, Window};
use crate::model::Micros;

/// What one replication counted of one service's elections, in the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ElectionCounts {
    /// Elections started.
    pub started: u64,
    /// Elections called off because the majority was lost before a leader
    /// was chosen.
    pub called_off: u64,
    /// Elections that ended with a leader, and their total length.
    pub completed: u64,
    pub completed_us: Micros,
}

/// Over replications, in replication order.
#[derive(Clone, Debug, Default)]
pub struct ElectionAccumulator {
    per_year: Comoments,
    called_off_per_year: Comoments,
    /// (election seconds, completed elections).
    length: Comoments,
    years: f64,
}

impl ElectionAccumulator {
    pub fn push(&mut self, counts: &ElectionCounts, window: Window) {
        let years = window.years();
        self.years = years;
        self.per_year.push(counts.started as f64 / years, 0.0);
        self.called_off_per_year
            .push(counts.called_off as f64 / years, 0.0);
        self.length
            .push(counts.completed_us as f64 / 1e6, counts.completed as f64);
    }

    /// `elections_per_year`, `elections_called_off_per_year` and
    /// `election_s`.
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        vec![
            (
                "elections_per_year",
                self.per_year.rate_estimate(self.years),
            ),
            (
                "elections_called_off_per_year",
                self.called_off_per_year.rate_estimate(self.years),
            ),
            (
                "election_s",
                self.length
                    .ratio_estimate()
                    .clamp_interval(0.0, f64::INFINITY),
            ),
        ]
    }
}
