//! `--json` and `summary.json`: the shape given in PRODUCT.md.

use super::{Report, nines};
use crate::metrics::{Estimate, Figures};
use indexmap::IndexMap;
use serde::Serialize;

#[derive(Serialize)]
pub struct EstimateJson {
    mean: Option<f64>,
    ci95: Option<[f64; 2]>,
    std_err: Option<f64>,
    /// Only when nothing was seen: a one-sided 95% upper bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    upper95: Option<f64>,
    /// Only when the figure is not estimable but bounded (censored MTTFF).
    #[serde(skip_serializing_if = "Option::is_none")]
    lower95: Option<f64>,
}

impl From<&Estimate> for EstimateJson {
    fn from(e: &Estimate) -> Self {
        EstimateJson {
            mean: e.mean,
            ci95: e.ci95,
            std_err: e.std_err,
            upper95: e.upper95,
            lower95: e.lower95,
        }
    }
}

#[derive(Serialize)]
struct FiguresJson {
    #[serde(flatten)]
    figures: IndexMap<&'static str, EstimateJson>,
    nines: Option<f64>,
    mttff_restricted_to_h: f64,
    mttff_censored: bool,
    downtime_by_cause_min_per_year: IndexMap<String, EstimateJson>,
}

impl From<&Figures> for FiguresJson {
    fn from(f: &Figures) -> Self {
        FiguresJson {
            figures: f
                .named()
                .into_iter()
                .chain(f.extras.iter().map(|(k, v)| (*k, v)))
                .map(|(k, v)| (k, v.into()))
                .collect(),
            nines: f.availability.mean.map(nines).filter(|n| n.is_finite()),
            mttff_restricted_to_h: f.mttff_restricted_to_h,
            mttff_censored: f.mttff_censored,
            downtime_by_cause_min_per_year: f
                .downtime_by_cause
                .iter()
                .map(|(k, v)| (k.clone(), v.into()))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct SummaryJson<'a> {
    nines_version: &'static str,
    scenario: &'a str,
    seed: u64,
    replications: u64,
    horizon_h: f64,
    warmup_h: f64,
    measure: &'static str,
    events: u64,
    system: FiguresJson,
    services: IndexMap<&'a str, FiguresJson>,
}

/// The summary as a JSON value (keys in contract order).
pub fn summary_value(report: &Report) -> serde_json::Value {
    let settings = &report.results.settings;
    let summary = SummaryJson {
        nines_version: env!("CARGO_PKG_VERSION"),
        scenario: &report.model.name,
        seed: settings.seed,
        replications: settings.n_replications,
        horizon_h: report.horizon_h(),
        warmup_h: report.warmup_h(),
        measure: report.measure(),
        events: report.results.events,
        system: (&report.entities[0].1).into(),
        services: report.entities[1..]
            .iter()
            .map(|(name, figures)| (*name, figures.into()))
            .collect(),
    };
    let mut value = serde_json::to_value(&summary).unwrap_or_default();
    super::risk::add_to_json(report, &mut value);
    super::faults::add_to_json(report, &mut value);
    value
}

/// A JSON value pretty-printed, ending with a newline.
pub fn pretty(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// The summary as pretty-printed JSON, ending with a newline.
pub fn summary(report: &Report) -> String {
    pretty(&summary_value(report))
}
