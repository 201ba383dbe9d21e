//! Exact answers in reports: `nines solve` (table and JSON) and the
//! cross-check of a run's estimates against them.

use super::table::columns;
use super::{Report, nines};
use crate::analytic::{ExactFigures, Solution};
use crate::experiment::Settings;
use crate::metrics::Estimate;
use crate::model::{Model, hours_from_micros};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt::Write;

fn exact_value(x: Option<f64>) -> Value {
    json!({"mean": x, "ci95": null, "std_err": null})
}

fn entity_json(steady: &ExactFigures, window: Option<&ExactFigures>) -> Value {
    let mut map = serde_json::Map::new();
    for (name, value) in steady.named() {
        map.insert(name.to_string(), exact_value(value));
    }
    map.insert(
        "nines".into(),
        json!(Some(nines(steady.availability)).filter(|n| n.is_finite())),
    );
    let Some(window) = window else {
        return Value::Object(map);
    };
    map.insert(
        "availability_over_horizon".into(),
        exact_value(Some(window.availability)),
    );
    map.insert(
        "downtime_min_per_year_over_horizon".into(),
        exact_value(Some(window.downtime_min_per_year)),
    );
    map.insert(
        "failures_per_year_over_horizon".into(),
        exact_value(Some(window.failures_per_year)),
    );
    for (name, value) in window.named().into_iter().skip(7) {
        let over_horizon = crate::analytic::STANDBY_FIGURES
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(name, |(_, h)| h);
        map.insert(over_horizon.into(), exact_value(value));
    }
    Value::Object(map)
}

fn names(model: &Model) -> Vec<&str> {
    std::iter::once("system")
        .chain(model.services.iter().map(|s| s.name.as_str()))
        .collect()
}

#[derive(Serialize)]
struct SolveJson<'a> {
    nines_version: &'static str,
    scenario: &'a str,
    method: &'static str,
    states: usize,
    transitions: usize,
    node_classes: usize,
    seed: Option<u64>,
    replications: Option<u64>,
    horizon_h: Option<f64>,
    warmup_h: Option<f64>,
    events: Option<u64>,
    figures: IndexMap<&'static str, Vec<&'static str>>,
    system: Value,
    services: IndexMap<&'a str, Value>,
}

/// `nines solve --json`: the shape of `nines run --json`, exact values in
/// place of the estimates, and which figures are steady-state and which
/// are over the horizon.
pub fn solve_json(model: &Model, settings: &Settings, solution: &Solution) -> String {
    let entities: Vec<Value> = solution
        .entities
        .iter()
        .map(|e| {
            let window = solution.window_h.map(|w| e.over_window(w));
            entity_json(&e.steady_state(), window.as_ref())
        })
        .collect();
    let mut figures = IndexMap::new();
    figures.insert(
        "steady_state",
        vec![
            "availability",
            "downtime_min_per_year",
            "failures_per_year",
            "mtbf_h",
            "mut_h",
            "mttr_h",
            "mttff_h",
            "nines",
        ],
    );
    // The figures only standby services have, where some service has them.
    let standby: Vec<(&'static str, &'static str)> = crate::analytic::STANDBY_FIGURES
        .into_iter()
        .filter(|(name, _)| {
            solution
                .entities
                .iter()
                .any(|e| e.steady_state().named().iter().any(|(n, _)| n == name))
        })
        .collect();
    figures["steady_state"].extend(standby.iter().map(|(name, _)| name));
    if solution.window_h.is_some() {
        figures.insert(
            "over_horizon",
            vec![
                "availability_over_horizon",
                "downtime_min_per_year_over_horizon",
                "failures_per_year_over_horizon",
            ],
        );
        figures["over_horizon"].extend(standby.iter().map(|(_, over_horizon)| over_horizon));
    }
    let summary = SolveJson {
        nines_version: env!("CARGO_PKG_VERSION"),
        scenario: &model.name,
        method: "exact: continuous-time Markov chain (identical nodes lumped), sparse LU and uniformization",
        states: solution.n_states,
        transitions: solution.n_transitions,
        node_classes: solution.n_classes,
        seed: None,
        replications: None,
        horizon_h: solution
            .window_h
            .map(|_| hours_from_micros(settings.horizon_us)),
        warmup_h: solution
            .window_h
            .map(|_| hours_from_micros(settings.warmup_us)),
        events: None,
        figures,
        system: entities[0].clone(),
        services: names(model)[1..]
            .iter()
            .copied()
            .zip(entities[1..].iter().cloned())
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    text.push('\n');
    text
}

fn fmt(x: Option<f64>) -> String {
    match x {
        Some(x) if x.is_finite() => {
            let magnitude = x.abs();
            if magnitude >= 1e5 || (magnitude < 1e-3 && magnitude > 0.0) {
                format!("{x:.6e}")
            } else {
                format!("{x:.6}")
            }
        }
        _ => "n/a".into(),
    }
}

/// `nines solve`: the exact figures as a table.
pub fn solve_table(model: &Model, settings: &Settings, solution: &Solution) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", model.name);
    let _ = writeln!(
        out,
        "exact: continuous-time Markov chain with {} states and {} transitions ({} class(es) of identical nodes)",
        solution.n_states, solution.n_transitions, solution.n_classes
    );
    if solution.window_h.is_some() {
        let _ = writeln!(
            out,
            "steady state (long run), and over the horizon of {} h after a warm-up of {} h from everything new\n",
            hours_from_micros(settings.horizon_us),
            hours_from_micros(settings.warmup_us)
        );
    } else {
        let _ = writeln!(out, "steady state (long run) only (--steady-state)\n");
    }
    let mut rows = vec![
        vec![
            "steady state",
            "availability",
            "nines",
            "downtime (min/yr)",
            "failures (/yr)",
            "MTBF (h)",
            "MUT (h)",
            "MTTR (h)",
            "MTTFF (h)",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>(),
    ];
    let mut horizon = vec![
        vec![
            "over the horizon",
            "availability",
            "downtime (min/yr)",
            "failures (/yr)",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>(),
    ];
    for (name, e) in names(model).into_iter().zip(&solution.entities) {
        let s = e.steady_state();
        rows.push(vec![
            name.to_string(),
            format!("{:.10}", s.availability),
            format!("{:.3}", nines(s.availability)),
            fmt(Some(s.downtime_min_per_year)),
            fmt(Some(s.failures_per_year)),
            fmt(s.mtbf_h),
            fmt(s.mut_h),
            fmt(s.mttr_h),
            fmt(s.mttff_h),
        ]);
        let Some(w) = solution.window_h.map(|w| e.over_window(w)) else {
            continue;
        };
        horizon.push(vec![
            name.to_string(),
            format!("{:.10}", w.availability),
            fmt(Some(w.downtime_min_per_year)),
            fmt(Some(w.failures_per_year)),
        ]);
    }
    out.push_str(&columns(&rows));
    if solution.window_h.is_some() {
        out.push('\n');
        out.push_str(&columns(&horizon));
    }
    out.push_str(&failover_table(model, solution));
    out
}

/// The failovers and lost writes of the standby services, steady state
/// then over the horizon (empty without standby services).
fn failover_table(model: &Model, solution: &Solution) -> String {
    let mut rows = vec![
        [
            "failovers",
            "failovers (/yr)",
            "lost writes (/yr)",
            "writes lost per failover",
            "over the horizon: failovers (/yr)",
            "lost writes (/yr)",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (name, e) in names(model).into_iter().zip(&solution.entities).skip(1) {
        let s = e.steady_state();
        if s.failovers_per_year.is_none() {
            continue;
        }
        let w = solution.window_h.map(|w| e.over_window(w));
        rows.push(vec![
            name.to_string(),
            fmt(s.failovers_per_year),
            fmt(s.data_loss_writes_per_year),
            fmt(s.data_loss_writes_per_failover),
            fmt(w.as_ref().and_then(|w| w.failovers_per_year)),
            fmt(w.as_ref().and_then(|w| w.data_loss_writes_per_year)),
        ]);
    }
    if rows.len() == 1 {
        return String::new();
    }
    if solution.window_h.is_none() {
        rows.iter_mut().for_each(|row| row.truncate(4));
    }
    // Without replication priced anywhere, the lost-writes columns go.
    if rows[1..].iter().all(|row| row[2] == "n/a") {
        for row in &mut rows {
            let mut column = 0;
            row.retain(|_| {
                column += 1;
                ![3, 4, 6].contains(&column)
            });
        }
    }
    format!("\n{}", columns(&rows))
}

/// One simulated figure beside its exact value.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub figure: &'static str,
    pub estimate: Option<f64>,
    pub std_err: Option<f64>,
    pub exact: Option<f64>,
    pub z: Option<f64>,
    pub ci95: Option<[f64; 2]>,
}

impl Check {
    /// More than `Z_FLAG` standard errors away and outside the 95% interval
    /// (with few events the interval, wider than 1.96 standard errors on
    /// t quantiles of few degrees of freedom, is the honest guard).
    pub fn flagged(&self) -> bool {
        let outside = match (self.ci95, self.exact) {
            (Some([lo, hi]), Some(x)) => x < lo || x > hi,
            _ => true,
        };
        self.z.is_some_and(|z| z.abs() > Z_FLAG) && outside
    }
}

/// |z| above which a difference is flagged as a likely bug.
pub const Z_FLAG: f64 = 4.0;

/// Every figure of every entity of a run that the solver knows, against
/// the exact values for the same window. MTTFF is compared with the true
/// mean when the run estimates it (every replication saw a failure), and
/// its restricted mean E[min(T₁, end)] always, with E[min(T₁, end)].
pub fn cross_check(report: &Report, solution: &Solution) -> Vec<(String, Vec<Check>)> {
    report
        .entities
        .iter()
        .zip(&solution.entities)
        .map(|((name, figures), exact)| {
            let expected = solution.window_h.map(|w| exact.over_window(w));
            let exact_of = |figure: &str| match figure {
                "mttff_restricted_h" => Some(exact.restricted_mttff_h),
                _ => expected
                    .as_ref()?
                    .named()
                    .into_iter()
                    .find(|(n, _)| *n == figure)
                    .map(|(_, x)| x),
            };
            let extras = figures.extras.iter().map(|(name, e)| (*name, e));
            let checks = figures
                .named()
                .into_iter()
                .chain(extras)
                .filter_map(|(figure, estimate): (&'static str, &Estimate)| {
                    let exact = exact_of(figure)?;
                    let z = match (estimate.mean, estimate.std_err, exact) {
                        (Some(m), Some(se), Some(x)) if se > 0.0 => Some((m - x) / se),
                        _ => None,
                    };
                    Some(Check {
                        figure,
                        estimate: estimate.mean,
                        std_err: estimate.std_err,
                        exact,
                        z,
                        ci95: estimate.ci95,
                    })
                })
                .collect();
            (name.to_string(), checks)
        })
        .collect()
}

/// The cross-check as a table; flagged rows are marked.
pub fn cross_check_table(checks: &[(String, Vec<Check>)]) -> String {
    let mut rows = vec![
        vec!["cross-check", "figure", "simulated", "exact", "z", ""]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    for (name, list) in checks {
        for c in list {
            let flag = c.flagged();
            let value = |x: Option<f64>| match x {
                Some(a) if c.figure == "availability" => format!("{a:.10}"),
                other => fmt(other),
            };
            rows.push(vec![
                name.clone(),
                c.figure.to_string(),
                value(c.estimate),
                value(c.exact),
                c.z.map_or("n/a".into(), |z| format!("{z:+.2}")),
                if flag {
                    "<< |z| > 4, outside the interval: likely a model or engine bug".into()
                } else {
                    String::new()
                },
            ]);
        }
    }
    columns(&rows)
}

/// The cross-check as JSON: entity → figure → simulated, standard error, exact and z.
pub fn cross_check_json(checks: &[(String, Vec<Check>)]) -> Value {
    let mut entities = serde_json::Map::new();
    for (name, list) in checks {
        let mut figures = serde_json::Map::new();
        for c in list {
            figures.insert(
                c.figure.to_string(),
                json!({"simulated": c.estimate, "std_err": c.std_err, "exact": c.exact, "z": c.z}),
            );
        }
        entities.insert(name.clone(), Value::Object(figures));
    }
    Value::Object(entities)
}

/// Marks a solution of the exponential approximation as such: a banner
/// above the table, or `"approximation"` in the JSON (and its method).
pub fn mark_approximate(text: &str, changes: &[String], json: bool) -> String {
    if json {
        let Ok(mut value) = serde_json::from_str::<Value>(text) else {
            return text.to_string();
        };
        value["method"] = json!(
            "APPROXIMATION: every time replaced by an exponential of the same mean, then solved \
             exactly as a continuous-time Markov chain"
        );
        value["approximation"] = json!(changes);
        return super::json::pretty(&value);
    }
    let mut out = String::from(
        "APPROXIMATION, not the exact answer: every time was replaced by an exponential of the same\n\
         mean (a standby's whole takeover by one delay), and that design was solved exactly.\n",
    );
    if changes.is_empty() {
        out.push_str("(every time was exponential already: nothing changed)\n");
    }
    for c in changes {
        let _ = writeln!(out, "  - {c}");
    }
    out.push('\n');
    out.push_str(text);
    out
}
