//! The replications worth replaying, with the `nines trace` command that
//! replays each.

use crate::metrics::{Notable, Worst};
use serde_json::{Value, json};
use std::fmt::Write;

fn command(prefix: &str, replication: u64) -> String {
    format!("{prefix} --replication {replication}")
}

/// `worst_replications` of the JSON summary: most downtime first, then the
/// longest outages, each once.
pub fn json(worst: &Worst, prefix: &str) -> Value {
    let entry = |n: &Notable, why: &str| {
        json!({
            "replication": n.replication,
            "why": why,
            "downtime_min": n.downtime_us as f64 / 60e6,
            "longest_outage_s": n.longest_outage_us as f64 / 1e6,
            "command": command(prefix, n.replication),
        })
    };
    let list: Vec<Value> = worst
        .most_downtime
        .iter()
        .map(|n| entry(n, "most downtime"))
        .chain(
            worst
                .longest_outage
                .iter()
                .map(|n| entry(n, "longest outage")),
        )
        .collect();
    Value::Array(list)
}

/// The table's closing block; empty when no replication saw an outage.
pub fn table(worst: &Worst, prefix: &str) -> String {
    let mut out = String::new();
    if worst.most_downtime.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\nworst replications (system), to replay with nines trace"
    );
    for (title, list) in [
        ("most downtime", &worst.most_downtime),
        ("longest outage", &worst.longest_outage),
    ] {
        for n in list.iter() {
            let _ = writeln!(
                out,
                "  {title:<15} {:>6}   {:>12} down, longest outage {:>12}   {}",
                n.replication,
                duration(n.downtime_us),
                duration(n.longest_outage_us),
                command(prefix, n.replication)
            );
        }
    }
    out
}

/// A duration a person reads: seconds, minutes or hours.
fn duration(us: u64) -> String {
    let s = us as f64 / 1e6;
    if s < 120.0 {
        format!("{s:.1} s")
    } else if s < 7200.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
