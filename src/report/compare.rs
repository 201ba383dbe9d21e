//! `nines compare`: several designs side by side, and each design's paired
//! difference from the baseline (the first), as a table and as JSON.

use super::Report;
use super::json::EstimateJson;
use super::table::{columns, format_availability, format_estimate, format_nines};
use crate::metrics::Estimate;
use serde_json::{Map, Value, json};

/// One design's differences from the baseline: the system's, then each
/// service the two designs share (by name), each figure with its interval.
pub struct Difference {
    pub design: String,
    pub baseline: String,
    /// ("system" or a service name, [(figure, estimate); 3]).
    pub entities: Vec<(String, [(&'static str, Estimate); 3])>,
}

/// `{"designs": [summary, ...], "differences": [...]}`.
pub fn json(summaries: Vec<Value>, differences: &[Difference]) -> Value {
    let differences: Vec<Value> = differences
        .iter()
        .map(|d| {
            let figures = |figures: &[(&str, Estimate); 3]| {
                let mut map = Map::new();
                for (name, e) in figures {
                    map.insert(
                        (*name).to_string(),
                        serde_json::to_value(EstimateJson::from(e)).unwrap_or(Value::Null),
                    );
                }
                map
            };
            let mut value = Map::new();
            value.insert("design".into(), json!(d.design));
            value.insert("baseline".into(), json!(d.baseline));
            let mut services = Map::new();
            for (name, f) in &d.entities {
                if name == "system" {
                    value.extend(figures(f));
                } else {
                    services.insert(name.clone(), Value::Object(figures(f)));
                }
            }
            value.insert("services".into(), Value::Object(services));
            Value::Object(value)
        })
        .collect();
    json!({"designs": summaries, "differences": differences})
}

/// A difference: `0 (identical)` for exactly zero with no spread, else
/// `+mean ± half` and whether the interval leaves zero out.
fn format_difference(e: &Estimate, scale: f64) -> (String, &'static str) {
    if e.mean == Some(0.0) && e.ci95 == Some([0.0, 0.0]) {
        return ("0 (identical)".into(), "");
    }
    let text = format_estimate(e, scale, "");
    let text = match e.mean {
        Some(m) if m > 0.0 && !text.starts_with('+') => format!("+{text}"),
        _ => text,
    };
    let significant = e.ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
    (text, if significant { "yes" } else { "no" })
}

/// The designs side by side, then the differences.
pub fn table(designs: &[(String, Report)], differences: &[Difference]) -> String {
    let mut out = String::new();
    if let Some((_, first)) = designs.first() {
        let s = &first.results.settings;
        out.push_str(&format!(
            "{} designs on common random numbers: seed {}, {} replications × {:.0} h (warm-up {:.0} h)\n\n",
            designs.len(),
            s.seed,
            s.n_replications,
            first.horizon_h(),
            first.warmup_h()
        ));
    }
    let mut rows = vec![vec![
        "design".to_string(),
        String::new(),
        "availability (%)".into(),
        "nines".into(),
        "downtime (min/yr)".into(),
        "failures (/yr)".into(),
    ]];
    for (design, report) in designs {
        for (i, (name, f)) in report.entities.iter().enumerate() {
            let [availability, downtime] = format_availability(f);
            rows.push(vec![
                if i == 0 {
                    design.clone()
                } else {
                    String::new()
                },
                (*name).to_string(),
                availability,
                format_nines(&f.availability),
                downtime,
                format_estimate(&f.failures_per_year, 1.0, ""),
            ]);
        }
    }
    out.push_str(&columns(&rows));
    if differences.is_empty() {
        return out;
    }
    out.push_str("\ndifferences from the baseline, paired by replication (design − baseline)\n");
    let mut rows = vec![vec![
        "design".to_string(),
        String::new(),
        "availability (pp)".into(),
        "downtime (min/yr)".into(),
        "failures (/yr)".into(),
        "significant".into(),
    ]];
    for d in differences {
        for (i, (name, f)) in d.entities.iter().enumerate() {
            let (a, a_sig) = format_difference(&f[0].1, 100.0);
            let (down, _) = format_difference(&f[1].1, 1.0);
            let (fail, f_sig) = format_difference(&f[2].1, 1.0);
            let significant = match (a_sig, f_sig) {
                ("", "") => "identical",
                ("yes", _) | (_, "yes") => "yes",
                _ => "no",
            };
            rows.push(vec![
                if i == 0 {
                    format!("{} − {}", d.design, d.baseline)
                } else {
                    String::new()
                },
                name.clone(),
                a,
                down,
                fail,
                significant.into(),
            ]);
        }
    }
    out.push_str(&columns(&rows));
    out.push_str(
        "\n± is the half-width of the 95% interval of the mean paired difference; \"significant\":\n\
         the interval of the availability or of the failures leaves zero out.\n",
    );
    out
}
