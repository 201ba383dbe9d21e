//! `replications.csv`: one row per replication, written as the run goes.

use crate::experiment::Settings;
use crate::metrics::RepOutcome;
use crate::model::{MICROS_PER_HOUR, Model};
use std::io::Write;

/// Per-replication counts of each standby service.
const STANDBY_COLUMNS: [&str; 6] = [
    "failovers",
    "failed_failovers",
    "false_failovers",
    "split_brains",
    "split_brain_s",
    "failbacks",
];

/// Per-replication requests of each service with traffic (a fluid: real numbers).
const REQUEST_COLUMNS: [&str; 5] = [
    "requests_offered",
    "requests_served",
    "requests_failed_ejection_lag",
    "requests_failed_overload",
    "requests_failed_outage",
];

/// More columns of a service with per-request traffic (`mode: requests`).
const PER_REQUEST_COLUMNS: [&str; 5] = [
    "requests_failed_crash",
    "latency_ms",
    "latency_ms_p50",
    "latency_ms_p95",
    "latency_ms_p99",
];

pub struct ReplicationWriter<W: Write> {
    writer: csv::Writer<W>,
    window_h: f64,
    incident_threshold_us: u64,
    /// Positions (among the standby services) of those with async replication.
    data: Vec<usize>,
}

impl<W: Write> ReplicationWriter<W> {
    /// Writes the header: `replication,events`, then for the system and each
    /// service `<name>_availability,<name>_failures,<name>_incidents,<name>_uptime_h,
    /// <name>_first_failure_h` (incidents: outages at least the incident threshold),
    /// then for each standby service `<name>_failovers,<name>_failed_failovers,
    /// <name>_false_failovers,<name>_split_brains,<name>_split_brain_s,<name>_failbacks`,
    /// then for each service with traffic `<name>_requests_offered`, `_requests_served`,
    /// `_requests_failed_ejection_lag`, `_requests_failed_overload`, `_requests_failed_outage`
    /// (and in the per-request mode `_requests_failed_crash`, `_latency_ms`, `_latency_ms_p50`,
    /// `_p95`, `_p99`; with `overload: collapse`, `_overload_collapses`),
    /// then for the system and each service its downtime in hours by
    /// cause, `<name>_downtime_h[<cause>]`, and last for each standby service with
    /// async replication `<name>_lost_writes,<name>_rpo_max_s`.
    pub fn new(inner: W, model: &Model, settings: &Settings) -> csv::Result<Self> {
        let mut writer = csv::Writer::from_writer(inner);
        let mut header = vec!["replication".to_string(), "events".to_string()];
        let names = std::iter::once("system").chain(model.services.iter().map(|s| s.name.as_str()));
        for name in names {
            for column in [
                "availability",
                "failures",
                "incidents",
                "uptime_h",
                "first_failure_h",
            ] {
                header.push(format!("{name}_{column}"));
            }
        }
        // Standby services, in scenario order, as the engine counts them.
        for service in model
            .services
            .iter()
            .filter(|s| s.redundancy.standby_parts().is_some())
        {
            for column in STANDBY_COLUMNS {
                header.push(format!("{}_{column}", service.name));
            }
        }
        for t in &model.traffic {
            let extra: &[&str] = match t.requests {
                Some(_) => &PER_REQUEST_COLUMNS,
                None => &[],
            };
            let collapse: &[&str] = match t.collapse {
                Some(_) => &["overload_collapses"],
                None => &[],
            };
            for column in REQUEST_COLUMNS.iter().chain(extra).chain(collapse) {
                header.push(format!("{}_{column}", model.services[t.service].name));
            }
        }
        let names = std::iter::once("system").chain(model.services.iter().map(|s| s.name.as_str()));
        for (name, causes) in names.zip(crate::experiment::causes_of(model)) {
            for cause in causes {
                header.push(format!("{name}_downtime_h[{cause}]"));
            }
        }
        let data: Vec<usize> = model
            .services
            .iter()
            .filter(|s| s.redundancy.standby_parts().is_some())
            .enumerate()
            .filter(|(_, s)| s.replication.is_some())
            .map(|(i, s)| {
                header.push(format!("{}_lost_writes", s.name));
                header.push(format!("{}_rpo_max_s", s.name));
                i
            })
            .collect();
        writer.write_record(&header)?;
        Ok(ReplicationWriter {
            writer,
            window_h: settings.horizon_us as f64 / MICROS_PER_HOUR,
            incident_threshold_us: settings.incident_threshold_us,
            data,
        })
    }

    pub fn write(&mut self, replication: u64, outcome: &RepOutcome) -> csv::Result<()> {
        let mut record = vec![replication.to_string(), outcome.events.to_string()];
        for tally in &outcome.tallies {
            let uptime_h = tally.uptime_us as f64 / MICROS_PER_HOUR;
            record.push((uptime_h / self.window_h).to_string());
            record.push(tally.failures.to_string());
            let incidents = tally
                .outages_us
                .iter()
                .filter(|&&us| us >= self.incident_threshold_us)
                .count();
            record.push(incidents.to_string());
            record.push(uptime_h.to_string());
            record.push(
                tally
                    .first_failure_us
                    .map(|t| (t as f64 / MICROS_PER_HOUR).to_string())
                    .unwrap_or_default(),
            );
        }
        for counts in &outcome.standby {
            record.push(counts.failovers.to_string());
            record.push(counts.failed_failovers.to_string());
            record.push(counts.false_failovers.to_string());
            record.push(counts.split_brains.to_string());
            record.push((counts.split_brain_us as f64 / 1e6).to_string());
            record.push(counts.failbacks.to_string());
        }
        for r in &outcome.requests {
            for x in [
                r.offered,
                r.served,
                r.failed_ejection_lag,
                r.failed_overload,
                r.failed_outage,
            ] {
                record.push(x.to_string());
            }
            if let Some(l) = &r.latency {
                record.push(r.failed_crash.to_string());
                record.extend(l.whole.iter().map(f64::to_string));
            }
            if let Some(c) = r.collapses {
                record.push(c.to_string());
            }
        }
        for causes in &outcome.downtime_by_cause_us {
            for &us in causes {
                record.push((us as f64 / MICROS_PER_HOUR).to_string());
            }
        }
        for &i in &self.data {
            let data = &outcome.standby[i].data;
            record.push(data.lost_writes.to_string());
            record.push((data.lag_max_us as f64 / 1e6).to_string());
        }
        self.writer.write_record(&record)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}
