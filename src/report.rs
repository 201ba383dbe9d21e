//! Output formats: the JSON summary (a contract), the per-replication CSV
//! and the human-readable table. One module per format; each reads the
//! results and writes nothing but what it is asked for.

pub mod causes;
pub mod chart;
pub mod compare;
pub mod csv;
pub mod exact;
pub mod faults;
pub mod frontier;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod part;
pub mod risk;
pub mod slos;
pub mod sweep;
pub mod table;
mod timeline;
pub mod trace;
pub mod worst;

use crate::experiment::Results;
use crate::metrics::Figures;
use crate::model::{Model, hours_from_micros};

/// Figures of the system and every service, in reporting order.
pub struct Report<'a> {
    pub model: &'a Model,
    pub results: &'a Results,
    /// "system" first, then the services.
    pub entities: Vec<(&'a str, Figures)>,
}

impl<'a> Report<'a> {
    pub fn new(model: &'a Model, results: &'a Results) -> Self {
        let names = std::iter::once("system").chain(model.services.iter().map(|s| s.name.as_str()));
        let mut entities: Vec<(&str, Figures)> = names
            .zip(&results.accumulators)
            .map(|(name, acc)| (name, acc.summary()))
            .collect();
        for (service, acc) in &results.standby {
            entities[service + 1].1.extras = acc.figures();
        }
        for (service, acc) in &results.elections {
            entities[service + 1].1.extras.extend(acc.figures());
        }
        for (service, acc) in &results.recoveries {
            entities[service + 1].1.extras.extend(acc.figures());
        }
        for (service, acc) in &results.requests {
            entities[service + 1].1.extras.extend(acc.figures());
        }
        for ((_, figures), acc) in entities.iter_mut().zip(&results.causes) {
            figures.downtime_by_cause = acc.figures();
        }
        for ((_, figures), acc) in entities.iter_mut().zip(&results.injected) {
            let (outages, downtime) = acc.figures();
            figures.extras.push(("outages_injected_per_year", outages));
            figures
                .extras
                .push(("downtime_injected_min_per_year", downtime));
        }
        // The recovery time objective as measured: the outage from its start
        // to serving again, for services whose data figures are shown.
        for (s, service) in model.services.iter().enumerate() {
            let data = service.replication.is_some()
                || service.recovery.is_some()
                || matches!(
                    service.redundancy,
                    crate::model::Redundancy::Quorum {
                        election: Some(_),
                        ..
                    }
                );
            if data {
                let f = &mut entities[s + 1].1;
                let rto = [
                    ("rto_s", f.mttr_h.affine(3600.0, 0.0)),
                    ("rto_s_p50", f.outage_s_p50.clone()),
                    ("rto_s_p95", f.outage_s_p95.clone()),
                    ("rto_s_p99", f.outage_s_p99.clone()),
                ];
                f.extras.extend(rto);
            }
        }
        // What the design costs is the system's.
        if let Some(acc) = &results.cost {
            entities[0].1.extras.extend(acc.figures());
            for (s, figure) in acc.service_figures() {
                entities[s + 1].1.extras.push(figure);
            }
        }
        // Monitoring delays are per failure of a unit: they belong to the
        // system's figures, beside its MTTR (which covers them).
        if let Some(acc) = &results.monitoring {
            entities[0].1.extras.extend(acc.figures());
        }
        Report {
            model,
            results,
            entities,
        }
    }

    pub fn horizon_h(&self) -> f64 {
        hours_from_micros(self.results.settings.horizon_us)
    }

    pub fn warmup_h(&self) -> f64 {
        hours_from_micros(self.results.settings.warmup_us)
    }

    /// Which availability the figures are: interval or steady-state.
    pub fn measure(&self) -> &'static str {
        if self.results.settings.warmup_us == 0 {
            "interval availability over the horizon, starting with everything new and up"
        } else {
            "availability after a warm-up, an estimate of the steady state"
        }
    }
}

/// The number of nines of an availability: −log10(1 − A).
pub fn nines(availability: f64) -> f64 {
    if availability >= 1.0 {
        f64::INFINITY
    } else {
        -(1.0 - availability).log10()
    }
}
