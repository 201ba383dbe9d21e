//! OpenSLO v1 `SLO` documents mapped onto the scenario's objectives
//! (`nines check --slos FILE.yaml`). Parsed documents come in as JSON
//! values; nothing here reads files.
//!
//! Mapping: `spec.service` names a scenario service (or `system`);
//! `budgetingMethod: Timeslices` or `RatioTimeslices` (time-based) becomes
//! `availability`, `Occurrences` (good requests) `request_success`; each of
//! `spec.objectives` gives a `target` (or `targetPercent`); the first
//! `timeWindow`'s `duration` becomes the `window` (with nines' `meets`
//! default, 90%). Keys that do not change what is judged (names,
//! descriptions, the indicator's queries, alert policies) are listed as
//! not mapped; an SLO that cannot be judged is an error, never dropped.

use crate::model::{Model, Slo, micros_from_hours};
use crate::scenario::values::parse_duration_h;
use serde_json::Value;

/// What was mapped, what was left out (as sentences), or every error.
pub struct Mapped {
    pub slos: Vec<Slo>,
    pub not_mapped: Vec<String>,
}

/// Maps every `kind: SLO` document of `docs`; others are listed as not mapped.
///
/// # Errors
/// Every SLO that cannot be judged, one sentence each.
pub fn map(docs: &[Value], model: &Model) -> Result<Mapped, Vec<String>> {
    let mut mapped = Mapped {
        slos: Vec::new(),
        not_mapped: Vec::new(),
    };
    let mut errors = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        let name = doc["metadata"]["name"]
            .as_str()
            .map_or(format!("document {}", i + 1), |n| format!("SLO `{n}`"));
        if doc["kind"].as_str() != Some("SLO") || doc["apiVersion"].as_str() != Some("openslo/v1") {
            mapped.not_mapped.push(format!(
                "{name}: kind {} / apiVersion {} is not an openslo/v1 SLO",
                doc["kind"], doc["apiVersion"]
            ));
            continue;
        }
        if let Err(e) = map_one(&doc["spec"], model, &name, &mut mapped) {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(mapped)
    } else {
        Err(errors)
    }
}

fn map_one(spec: &Value, model: &Model, name: &str, mapped: &mut Mapped) -> Result<(), String> {
    let service = spec["service"]
        .as_str()
        .ok_or(format!("{name}: no `spec.service`"))?;
    let service = match model.services.iter().position(|s| s.name == service) {
        Some(i) => Some(i),
        None if service == "system" => None,
        None => {
            return Err(format!(
                "{name}: unknown service `{service}` in the scenario"
            ));
        }
    };
    let objective = match spec["budgetingMethod"].as_str() {
        Some("Timeslices" | "RatioTimeslices") | None => "availability",
        Some("Occurrences") => "request_success",
        Some(other) => return Err(format!("{name}: unknown budgetingMethod `{other}`")),
    };
    if objective == "request_success"
        && !service.is_some_and(|s| model.traffic.iter().any(|t| t.service == s))
    {
        return Err(format!(
            "{name}: `budgetingMethod: Occurrences` counts requests; it maps to `request_success`, \
             which needs the figure request_success_ratio (a service with `traffic`)"
        ));
    }
    let window_us = match spec["timeWindow"].get(0) {
        Some(w) => {
            let text = w["duration"]
                .as_str()
                .ok_or(format!("{name}: timeWindow without `duration`"))?;
            let h = parse_duration_h(text)
                .map_err(|e| format!("{name}: timeWindow duration `{text}`: {e}"))?;
            if w.get("calendar").is_some() || w["isRolling"] == Value::Bool(false) {
                mapped.not_mapped.push(format!(
                    "{name}: calendar alignment (windows start at the start of the measured horizon)"
                ));
            }
            (h > 0.0).then(|| micros_from_hours(h))
        }
        None => None,
    };
    for key in ["indicator", "indicatorRef", "alertPolicies"] {
        if spec.get(key).is_some() {
            mapped.not_mapped.push(format!(
                "{name}: `{key}` (nines judges the simulated {objective}, not a metric query)"
            ));
        }
    }
    let objectives = spec["objectives"]
        .as_array()
        .ok_or(format!("{name}: no `spec.objectives`"))?;
    for o in objectives {
        let target = o["target"]
            .as_f64()
            .or_else(|| o["targetPercent"].as_f64().map(|p| p / 100.0))
            .ok_or(format!(
                "{name}: an objective without `target` or `targetPercent`"
            ))?;
        if !(target > 0.0 && target < 1.0) {
            return Err(format!(
                "{name}: target {target} is out of range (above 0, below 1)"
            ));
        }
        for key in ["timeSliceTarget", "timeSliceWindow", "op", "value"] {
            if o.get(key).is_some() {
                mapped.not_mapped.push(format!(
                    "{name}: objective `{key}` (each window's own availability is judged)"
                ));
            }
        }
        mapped.slos.push(Slo {
            service,
            objective: objective.into(),
            target,
            window_us,
            meets: 0.9,
            confidence: 0.95,
        });
    }
    Ok(())
}
