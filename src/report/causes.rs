//! The "where the downtime comes from" block of the table: for the system
//! and each service, its largest causes of downtime.

use super::Report;
use super::table::{columns, format_estimate};
use crate::metrics::Estimate;

/// Causes shown per row; the rest are counted.
const TOP: usize = 3;

/// The block, or nothing when no downtime was seen.
pub fn render(report: &Report) -> String {
    let mut rows = Vec::new();
    for (name, figures) in &report.entities {
        let mut causes: Vec<&(String, Estimate)> = figures
            .downtime_by_cause
            .iter()
            .filter(|(_, e)| e.mean.is_some_and(|m| m > 0.0))
            .collect();
        if causes.is_empty() {
            continue;
        }
        // Largest first; equal means keep the engine's cause order.
        causes.sort_by(|a, b| {
            let mean = |e: &Estimate| e.mean.unwrap_or(0.0);
            mean(&b.1).total_cmp(&mean(&a.1))
        });
        let mut row = vec![(*name).to_string()];
        for (cause, estimate) in causes.iter().take(TOP) {
            row.push(format!("{cause} {}", format_estimate(estimate, 1.0, "")));
        }
        if causes.len() > TOP {
            row.push(format!("+{} more", causes.len() - TOP));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("where the downtime comes from (min/yr, largest first)\n");
    out.push_str(&columns(&rows));
    out
}
