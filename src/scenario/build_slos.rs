//! `slos`: the objectives `nines check` judges.

use super::build::Builder;
use super::read::{self, Map};
use super::tree::{Loc, Node};
use super::values::{duration_h, positive_duration_h, probability};
use crate::model::{
    HOURS_PER_YEAR, Simulation, Slo, Traffic, hours_from_micros, micros_from_hours,
};

/// Every objective a scenario may name, in the order of the docs.
pub const OBJECTIVES: &[&str] = &[
    "availability",
    "downtime_per_year",
    "request_success",
    "rpo",
    "rto",
    "data_loss",
];

/// Objectives whose figure no mechanism computes yet, with that figure.
const NOT_COMPUTED: &[(&str, &str)] = &[
    ("rpo", "rpo_s (data lost on failover, as time)"),
    ("rto", "rto_s (time to recover)"),
    ("data_loss", "data_lost (data lost per year)"),
];

impl Builder<'_> {
    pub fn slos(
        &mut self,
        node: Option<&Node>,
        simulation: Option<&Simulation>,
        traffic: &[Traffic],
    ) -> Vec<Slo> {
        let Some(node) = node else { return Vec::new() };
        let mut slos = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`slos`") {
            if let Some(slo) = self.slo(item, simulation, traffic) {
                slos.push(slo);
            }
        }
        slos
    }

    fn slo(&mut self, item: &Node, sim: Option<&Simulation>, traffic: &[Traffic]) -> Option<Slo> {
        let mut allowed = vec!["service", "window", "meets", "confidence"];
        allowed.extend_from_slice(OBJECTIVES);
        let map = Map::read(&mut self.sink, item, "an SLO", &allowed)?;
        // No `service`: the objective is on the system.
        let service = match map.get("service") {
            Some(s) => self.resolve(s, "service", |n| &n.services).map(Some),
            None => Some(None),
        };
        let given: Vec<&str> = OBJECTIVES.iter().copied().filter(|o| map.has(o)).collect();
        if given.len() != 1 {
            self.sink.error_hint(
                map.loc,
                format!("an SLO needs exactly one objective, found {}", given.len()),
                format!("give one of: {}", OBJECTIVES.join(", ")),
            );
            return None;
        }
        let objective = given[0];
        let value_node = map.get(objective)?;
        let target = self.slo_target(objective, value_node, service.flatten(), traffic);
        let window_h = map
            .get("window")
            .map(|w| (w.loc, positive_duration_h(&mut self.sink, w, "`window`")));
        if let (Some((loc, Some(window_h))), Some(sim)) = (window_h, sim) {
            self.slo_window(loc, objective, window_h, sim);
        }
        let meets = self.slo_share(map.get("meets"), "`meets`", 0.9, false);
        let confidence = self.slo_share(map.get("confidence"), "`confidence`", 0.95, true);
        Some(Slo {
            service: service?,
            objective: objective.to_string(),
            target: target?,
            window_us: match window_h {
                Some((_, h)) => Some(micros_from_hours(h?)),
                None => None,
            },
            meets: meets?,
            confidence: confidence?,
        })
    }

    fn slo_target(
        &mut self,
        objective: &str,
        node: &Node,
        service: Option<usize>,
        traffic: &[Traffic],
    ) -> Option<f64> {
        if let Some((_, figure)) = NOT_COMPUTED.iter().find(|(o, _)| *o == objective) {
            self.sink.error_hint(
                node.loc,
                format!("`{objective}` objectives need the figure {figure}, which nines does not compute yet"),
                "`nines check` judges `availability` and `downtime_per_year` today; remove this objective to check the others",
            );
            return None;
        }
        match objective {
            "availability" | "request_success" => {
                let p = probability(&mut self.sink, node, &format!("`{objective}`"))?;
                if !(p > 0.0 && p < 1.0) {
                    self.sink.error_hint(
                        node.loc,
                        format!("`{objective}` target {p} is out of range: it must be above 0 and below 1"),
                        "write for example `\"99.9%\"`; a target of 100% can never be shown to hold",
                    );
                    return None;
                }
                let served = service.is_some_and(|s| traffic.iter().any(|t| t.service == s));
                if objective == "request_success" && !served {
                    self.sink.error_hint(
                        node.loc,
                        "`request_success` needs the figure request_success_ratio, computed only for a service with `traffic`",
                        "give the service a `traffic` entry, or judge its `availability`",
                    );
                    return None;
                }
                Some(p)
            }
            _ => {
                let h = duration_h(&mut self.sink, node, &format!("`{objective}`"))?;
                if !(h > 0.0 && h < HOURS_PER_YEAR) {
                    self.sink.error_hint(
                        node.loc,
                        format!("`{objective}` target is out of range: it must be above zero and below a year"),
                        "write for example `52m` (99.99%) or `8h45m` (99.9%)",
                    );
                    return None;
                }
                Some(h)
            }
        }
    }

    fn slo_window(&mut self, loc: Loc, objective: &str, window_h: f64, sim: &Simulation) {
        if !matches!(objective, "availability" | "downtime_per_year") {
            self.sink.error_hint(
                loc,
                format!("`window` is not supported with `{objective}`"),
                "windows apply to `availability` and `downtime_per_year`",
            );
            return;
        }
        let horizon_h = hours_from_micros(sim.horizon_us);
        if window_h > horizon_h {
            self.sink.error_hint(
                loc,
                format!(
                    "`window` ({window_h} h) is longer than the horizon ({horizon_h} h): no window fits in a replication"
                ),
                "lengthen `simulation.horizon` to several windows, or shorten the window",
            );
        }
    }

    /// `meets` (in (0, 1]) or `confidence` (in [0.5, 1)), or its default.
    fn slo_share(
        &mut self,
        node: Option<&Node>,
        what: &str,
        default: f64,
        confidence: bool,
    ) -> Option<f64> {
        let Some(node) = node else {
            return Some(default);
        };
        let p = probability(&mut self.sink, node, what)?;
        let ok = if confidence {
            (0.5..1.0).contains(&p)
        } else {
            p > 0.0 && p <= 1.0
        };
        if !ok {
            let range = if confidence {
                "at least 50% and below 100%"
            } else {
                "above 0 and at most 100%"
            };
            self.sink.error_hint(
                node.loc,
                format!("{what} {p} is out of range: it must be {range}"),
                "write for example `\"95%\"`",
            );
            return None;
        }
        Some(p)
    }
}
