//! `nines trace`: one replication as a timeline a person can read, and as
//! JSON with the replication's row of `replications.csv` beside it.

use super::csv::ReplicationWriter;
use super::json::pretty;
use crate::engine::Plan;
use crate::experiment::Settings;
use crate::metrics::RepOutcome;
use crate::metrics::trace::{Happening, TraceEvent, WriteState};
use crate::model::{Micros, Model};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// One event in words: the entity it is about, its kind and the detail.
pub(super) struct Line {
    pub(super) time_us: Micros,
    pub(super) entity: String,
    pub(super) kind: &'static str,
    pub(super) detail: String,
}

fn entity_name(model: &Model, entity: u32) -> String {
    match entity {
        0 => "system".into(),
        e => model.services[e as usize - 1].name.clone(),
    }
}

fn describe(model: &Model, plan: &Plan, event: &TraceEvent) -> Line {
    let service = |sb: u32| {
        let s = plan.standbys[sb as usize].service;
        model.services[s as usize].name.clone()
    };
    let member = |sb: u32, m: u32| {
        let node = plan.standbys[sb as usize].pool[m as usize];
        model.nodes[node as usize].name.clone()
    };
    let (entity, kind, detail) = match event.what {
        Happening::UnitDown { unit, cause } => (
            plan.unit_name(model, unit),
            if plan.unit_is_stall(unit) {
                "stalled"
            } else {
                "down"
            },
            plan.cause_name(cause).unwrap_or("").to_string(),
        ),
        Happening::UnitUp { unit } => (
            plan.unit_name(model, unit),
            if plan.unit_is_stall(unit) {
                "unstalled"
            } else {
                "up"
            },
            String::new(),
        ),
        Happening::EntityDown { entity } => (
            entity_name(model, entity),
            if entity == 0 {
                "system_down"
            } else {
                "service_down"
            },
            String::new(),
        ),
        Happening::EntityUp { entity } => (
            entity_name(model, entity),
            if entity == 0 {
                "system_up"
            } else {
                "service_up"
            },
            String::new(),
        ),
        Happening::Detected { standby, member: m } => (
            service(standby),
            "detected",
            format!("the monitor notices that {} is down", member(standby, m)),
        ),
        Happening::Takeover { standby, member: m } => (
            service(standby),
            "takeover",
            format!("switching {} in", member(standby, m)),
        ),
        Happening::Serving { standby, member: m } => (
            service(standby),
            "serving",
            format!("{} serves", member(standby, m)),
        ),
        Happening::TakeoverFailed { standby } => (
            service(standby),
            "takeover_failed",
            "the takeover failed (coverage): down until a member is repaired".into(),
        ),
        Happening::NoMember { standby } => (
            service(standby),
            "no_member",
            "no healthy member left to take over".into(),
        ),
        Happening::FalseSuspicion { standby, member: m } => (
            service(standby),
            "false_suspicion",
            format!("the monitor suspects {}, which is up", member(standby, m)),
        ),
        Happening::Alerted { unit } => (
            plan.unit_name(model, unit),
            "alerted",
            "the failure is noticed: the on-call is paged".into(),
        ),
        Happening::Acknowledged { unit } => (
            plan.unit_name(model, unit),
            "acknowledged",
            "the on-call responds: the repair is asked for".into(),
        ),
        Happening::NoQuorum { standby } => (
            service(standby),
            "no_quorum",
            "no quorum of arbiters can decide the failover: it waits".into(),
        ),
        Happening::Writes { standby, state } => (
            service(standby),
            match state {
                WriteState::Blocked => "writes_blocked",
                WriteState::Degraded => "writes_alone",
                WriteState::Replicated => "writes_replicated",
                WriteState::Lost => "writes_lost",
            },
            match state {
                WriteState::Blocked => "no replica can acknowledge a write: writes stop".into(),
                WriteState::Degraded => {
                    "degrade_after is over: the active member takes writes alone".into()
                }
                WriteState::Replicated => "a replica acknowledges writes again".into(),
                WriteState::Lost => {
                    "a member without the writes taken alone serves: they are lost".into()
                }
            },
        ),
        Happening::Resync {
            standby,
            member: m,
            done,
        } => (
            service(standby),
            if done { "resynced" } else { "resync" },
            if done {
                format!(
                    "{} has caught up: a healthy standby again",
                    member(standby, m)
                )
            } else {
                format!(
                    "{} is back and catches up before it can take over",
                    member(standby, m)
                )
            },
        ),
        Happening::Rebuilding { unit } => (
            plan.unit_name(model, unit),
            "rebuilding",
            "repaired, it restores the last snapshot and replays the log".into(),
        ),
        Happening::LeaderLost { service, node } => (
            model.services[service as usize].name.clone(),
            "leader_lost",
            format!(
                "{} is no longer the leader",
                model.nodes[node as usize].name
            ),
        ),
        Happening::ElectionStarted { service } => (
            model.services[service as usize].name.clone(),
            "election",
            "a leader election begins".into(),
        ),
        Happening::ElectionCalledOff { service } => (
            model.services[service as usize].name.clone(),
            "election_called_off",
            "the election is called off: the majority is lost".into(),
        ),
        Happening::Elected { service, node } => (
            model.services[service as usize].name.clone(),
            "elected",
            format!("{} is elected leader", model.nodes[node as usize].name),
        ),
        Happening::Fault { fault } => (
            "chaos".to_string(),
            "fault",
            format!("injected: {}", model.faults[fault as usize].name),
        ),
        Happening::Rotation { node, in_rotation } => (
            model.nodes[node as usize].name.clone(),
            if in_rotation {
                "rotation_in"
            } else {
                "rotation_out"
            },
            if in_rotation {
                "back in rotation after passing health checks".into()
            } else {
                "ejected from rotation by the health check".into()
            },
        ),
    };
    Line {
        time_us: event.time_us,
        entity,
        kind,
        detail,
    }
}

/// A time from the start of the replication as `1y 041d 05:12:09.250`
/// (years of 365 days), to the millisecond.
pub fn clock(us: Micros) -> String {
    let ms = us / 1000;
    let (s, ms) = (ms / 1000, ms % 1000);
    let (m, s) = (s / 60, s % 60);
    let (h, m) = (m / 60, m % 60);
    let (d, h) = (h / 24, h % 24);
    let (y, d) = (d / 365, d % 365);
    format!("{y}y {d:03}d {h:02}:{m:02}:{s:02}.{ms:03}")
}

/// What the trace shows, and of which replication.
pub struct Trace<'a> {
    pub model: &'a Model,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub replication: u64,
    pub outcome: &'a RepOutcome,
    pub events: &'a [TraceEvent],
    /// Only the events in [from, to].
    pub from_us: Micros,
    pub to_us: Micros,
}

impl Trace<'_> {
    pub(super) fn lines(&self) -> Vec<Line> {
        self.events
            .iter()
            .filter(|e| e.time_us >= self.from_us && e.time_us <= self.to_us)
            .map(|e| describe(self.model, self.plan, e))
            .collect()
    }

    /// The replication's row of `replications.csv`, column by column, with
    /// the same text as the file (numbers as JSON numbers, empty as null).
    pub fn figures(&self) -> csv::Result<Map<String, Value>> {
        let mut writer = ReplicationWriter::new(Vec::new(), self.model, self.settings)?;
        writer.write(self.replication, self.outcome)?;
        let bytes = writer.finish()?;
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader.headers()?.clone();
        let mut map = Map::new();
        if let Some(row) = reader.records().next() {
            for (name, text) in header.iter().zip(row?.iter()) {
                map.insert(name.to_string(), number(text));
            }
        }
        Ok(map)
    }

    /// `nines trace --svg`: the timeline as a picture (report/timeline.rs).
    pub fn svg(&self) -> String {
        super::timeline::svg_of(self, &self.lines())
    }

    /// `nines trace --json`.
    pub fn json(&self) -> csv::Result<String> {
        let events: Vec<Value> = self
            .lines()
            .into_iter()
            .map(|l| {
                json!({
                    "time_s": l.time_us as f64 / 1e6,
                    "entity": l.entity,
                    "kind": l.kind,
                    "detail": l.detail,
                })
            })
            .collect();
        Ok(pretty(&json!({
            "nines_version": env!("CARGO_PKG_VERSION"),
            "scenario": self.model.name,
            "replication": self.replication,
            "seed": self.settings.seed,
            "horizon_h": self.settings.horizon_us as f64 / 3.6e9,
            "warmup_h": self.settings.warmup_us as f64 / 3.6e9,
            "events": events,
            "figures": Value::Object(self.figures()?),
        })))
    }

    /// `nines trace`: the timeline, and what was down after each change.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}: replication {} of seed {} ({} to {}; the measured window starts at {})\n",
            self.model.name,
            self.replication,
            self.settings.seed,
            clock(self.from_us),
            clock(self.to_us),
            clock(self.settings.warmup_us),
        );
        let lines = self.lines();
        let width = lines
            .iter()
            .map(|l| l.entity.len())
            .max()
            .unwrap_or(6)
            .max(6);
        let _ = writeln!(
            out,
            "{:<21}  {:<width$}  {:<15}  detail",
            "time", "entity", "what"
        );
        for l in &lines {
            let line = format!(
                "{:<21}  {:<width$}  {:<15}  {}",
                clock(l.time_us),
                l.entity,
                l.kind,
                l.detail
            );
            let _ = writeln!(out, "{}", line.trim_end());
        }
        if lines.is_empty() {
            let _ = writeln!(out, "(nothing happened in this time)");
        }
        let down: Vec<String> = std::iter::once(0)
            .chain(1..=self.model.services.len() as u32)
            .filter(|&e| !self.up_at_end(e))
            .map(|e| entity_name(self.model, e))
            .collect();
        let _ = writeln!(
            out,
            "\n{} state change(s) shown of {}; down at {}: {}",
            lines.len(),
            self.events.len(),
            clock(self.to_us),
            if down.is_empty() {
                "nothing".to_string()
            } else {
                down.join(", ")
            }
        );
        out
    }

    /// Whether entity `e` was up at the end of the shown interval.
    fn up_at_end(&self, e: u32) -> bool {
        self.events
            .iter()
            .filter(|t| t.time_us <= self.to_us)
            .fold(true, |up, t| match t.what {
                Happening::EntityDown { entity } if entity == e => false,
                Happening::EntityUp { entity } if entity == e => true,
                _ => up,
            })
    }
}

/// A CSV field as JSON: an integer, a number, or null when empty.
fn number(text: &str) -> Value {
    if text.is_empty() {
        return Value::Null;
    }
    if let Ok(i) = text.parse::<u64>() {
        return json!(i);
    }
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() => json!(x),
        _ => json!(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_reads_years_days_and_milliseconds() {
        assert_eq!(clock(0), "0y 000d 00:00:00.000");
        let us = ((366 * 24 + 5) * 3600 + 12 * 60 + 9) * 1_000_000 + 250_000;
        assert_eq!(clock(us), "1y 001d 05:12:09.250");
    }

    #[test]
    fn csv_fields_become_json_numbers_with_the_same_text() {
        for text in ["0.9878432276593353", "94", "1064.9332570422223", "1e-7"] {
            let v = number(text);
            let back = if v.is_u64() {
                v.to_string()
            } else {
                format!("{}", v.as_f64().unwrap())
            };
            assert_eq!(back.parse::<f64>().unwrap(), text.parse::<f64>().unwrap());
        }
        assert_eq!(number(""), Value::Null);
    }
}
