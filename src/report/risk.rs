//! Risk beside the headline: split brain, false failovers and (when they
//! are modelled) lost writes are not downtime, or not only, so a design that
//! buys availability with them must not look like a pure win.

use super::Report;
use super::table::format_estimate;
use crate::metrics::{Estimate, Figures};

/// One kind of risk: its name in `risks` (the figure that measures it) and
/// how the table writes it.
struct Kind {
    figure: &'static str,
    /// A figure printed in brackets after the first, if the service has it.
    also: Option<(&'static str, &'static str)>,
    words: &'static str,
    unit: &'static str,
}

const KINDS: &[Kind] = &[
    Kind {
        figure: "split_brain_min_per_year",
        also: Some(("split_brains_per_year", "/yr")),
        words: "split brain",
        unit: " min/yr",
    },
    Kind {
        figure: "false_failovers_per_year",
        also: None,
        words: "false failovers",
        unit: "/yr",
    },
    Kind {
        figure: "data_loss_writes_per_year",
        also: None,
        words: "lost writes",
        unit: "/yr",
    },
];

fn extra<'a>(f: &'a Figures, name: &str) -> Option<&'a Estimate> {
    f.extras.iter().find(|(k, _)| *k == name).map(|(_, e)| e)
}

fn seen(e: Option<&Estimate>) -> bool {
    e.and_then(|e| e.mean).is_some_and(|m| m > 0.0)
}

/// The names of the risk figures a service showed (a mean above zero), in
/// a fixed order: `summary.json`'s `risks`.
pub fn risks(f: &Figures) -> Vec<&'static str> {
    KINDS
        .iter()
        .filter(|k| seen(extra(f, k.figure)))
        .map(|k| k.figure)
        .collect()
}

/// One line per service with a risk, e.g. `edge: split brain 0.260 ± 0.001
/// min/yr (31.1 ± 0.1/yr), false failovers 31.1 ± 0.1/yr`; empty when none.
pub fn block(report: &Report) -> String {
    let mut lines = Vec::new();
    for (name, f) in &report.entities {
        let parts: Vec<String> = KINDS
            .iter()
            .filter_map(|k| {
                let e = extra(f, k.figure).filter(|e| seen(Some(e)))?;
                let mut text = format!("{} {}{}", k.words, format_estimate(e, 1.0, ""), k.unit);
                if let Some((also, unit)) = k.also
                    && let Some(a) = extra(f, also)
                {
                    text.push_str(&format!(" ({}{unit})", format_estimate(a, 1.0, "")));
                }
                Some(text)
            })
            .collect();
        if !parts.is_empty() {
            lines.push(format!("  {name}: {}\n", parts.join(", ")));
        }
    }
    if lines.is_empty() {
        return String::new();
    }
    format!("risk beside availability:\n{}", lines.concat())
}

/// Adds `risks` (see [`risks`]) to every service of a JSON summary.
pub fn add_to_json(report: &Report, summary: &mut serde_json::Value) {
    for (name, f) in &report.entities[1..] {
        if let Some(service) = summary["services"].get_mut(*name) {
            service["risks"] = serde_json::json!(risks(f));
        }
    }
}
