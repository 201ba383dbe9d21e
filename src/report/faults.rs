//! Injected faults in the reports: the `faults` list of the JSON summary
//! and the table's block, one entry per fault of the scenario.

use super::Report;
use super::json::EstimateJson;
use super::table::{columns, format_estimate};
use serde_json::{Value, json};

/// Adds `faults: [{name, action, injections_per_year, skipped_per_year,
/// system_outages_per_year, system_downtime_min_per_year}]` when the
/// scenario has faults.
pub fn add_to_json(report: &Report, value: &mut Value) {
    if report.results.faults.is_empty() {
        return;
    }
    let list: Vec<Value> = report
        .model
        .faults
        .iter()
        .zip(&report.results.faults)
        .map(|(fault, acc)| {
            let f = acc.figures();
            let e = |x: &crate::metrics::Estimate| {
                serde_json::to_value(EstimateJson::from(x)).unwrap_or_default()
            };
            json!({
                "name": fault.name,
                "action": fault.action.key(),
                "injections_per_year": e(&f.injections_per_year),
                "skipped_per_year": e(&f.skipped_per_year),
                "system_outages_per_year": e(&f.system_outages_per_year),
                "system_downtime_min_per_year": e(&f.system_downtime_min_per_year),
            })
        })
        .collect();
    value["faults"] = Value::Array(list);
}

/// The table's block: what each fault did (empty without faults).
pub fn table(report: &Report) -> String {
    if report.results.faults.is_empty() {
        return String::new();
    }
    let mut rows = vec![
        [
            "injected faults",
            "hits (/yr)",
            "skipped (/yr)",
            "system outages (/yr)",
            "system downtime (min/yr)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (fault, acc) in report.model.faults.iter().zip(&report.results.faults) {
        let f = acc.figures();
        rows.push(vec![
            fault.name.clone(),
            format_estimate(&f.injections_per_year, 1.0, ""),
            format_estimate(&f.skipped_per_year, 1.0, ""),
            format_estimate(&f.system_outages_per_year, 1.0, ""),
            format_estimate(&f.system_downtime_min_per_year, 1.0, ""),
        ]);
    }
    format!("\n{}", columns(&rows))
}
