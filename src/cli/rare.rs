//! `nines run --rare`: the system's unavailability by rare-event splitting.

use super::EXIT_OK;
use crate::experiment::Settings;
use crate::experiment::rare::{self, Method, RareChoice, RareResults};
use crate::metrics::Estimate;
use crate::model::Model;
use crate::report::{self, json::EstimateJson};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;

/// The values of `--rare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RareArg {
    /// Splitting when a pilot finds system outages rare, plain Monte Carlo otherwise
    Auto,
    /// Importance splitting (RESTART) whatever the pilot finds
    Restart,
}

pub fn run(
    model: &Model,
    settings: Settings,
    threads: Option<usize>,
    arg: RareArg,
    target: Option<f64>,
    json: bool,
    cross_check: bool,
) -> anyhow::Result<i32> {
    let choice = match arg {
        RareArg::Auto => RareChoice::Auto,
        RareArg::Restart => RareChoice::Restart,
    };
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message("pilot replications");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let results = rare::run(model, settings, threads, choice, target, &|done, width| {
        let width = width.map_or("no downtime yet".into(), |w| format!("±{:.1}%", w * 100.0));
        bar.set_message(format!("{done} replications: unavailability {width}"));
    })?;
    bar.finish_and_clear();
    let exact = if cross_check {
        exact_beside(model, &settings, &results)
    } else {
        None
    };
    let mut stdout = std::io::stdout().lock();
    if json {
        let mut value = json_value(&results, &settings);
        if let Some(rows) = &exact {
            value["cross_check"] = rows
                .iter()
                .map(|r| {
                    (
                        r.figure.to_string(),
                        serde_json::json!({"exact": r.exact, "z": r.z}),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
                .into();
        }
        let value = serde_json::json!({ "rare": value });
        stdout.write_all(report::json::pretty(&value).as_bytes())?;
    } else {
        stdout.write_all(table(&results, &settings).as_bytes())?;
        if let Some(rows) = &exact {
            stdout.write_all(b"\nexact (continuous-time Markov chain, over the same window):\n")?;
            for r in rows {
                let z = r.z.map_or("-".into(), |z| format!("{z:+.2}"));
                stdout.write_all(
                    format!("  {:<20} {:.4e}   z {z}\n", r.figure, r.exact).as_bytes(),
                )?;
            }
        }
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

/// An exact value beside a rare-event estimate.
struct ExactRow {
    figure: &'static str,
    exact: f64,
    z: Option<f64>,
}

/// The solver's unavailability and outage rate over the run's window, with
/// the z-score of each estimate; warns on stderr about |z| > 4, and says
/// why when the design has no exact answer.
fn exact_beside(model: &Model, settings: &Settings, r: &RareResults) -> Option<Vec<ExactRow>> {
    let solution = super::run::exact_solution(model, settings)?;
    let system = solution.entities.first()?;
    let window_h = solution.window_h?;
    let length_h = window_h.1 - window_h.0;
    let z = |e: &Estimate, exact: f64| Some((e.mean? - exact) / e.std_err.filter(|&s| s > 0.0)?);
    let u = 1.0 - system.window_availability;
    let f = system.window_failures / length_h * 8766.0;
    let rows = vec![
        ExactRow {
            figure: "unavailability",
            exact: u,
            z: z(&r.unavailability, u),
        },
        ExactRow {
            figure: "outages per year",
            exact: f,
            z: z(&r.outages_per_year, f),
        },
    ];
    for row in &rows {
        if row.z.is_some_and(|z| z.abs() > 4.0) {
            eprintln!(
                "warning: the {} estimate is {:+.2} standard errors from the exact value, a likely model or engine bug (or too few replications: splitting estimates are skewed)",
                row.figure,
                row.z.unwrap_or(0.0)
            );
        }
    }
    Some(rows)
}

fn method_name(method: &Method) -> &'static str {
    match method {
        Method::Plain(_) => "plain",
        Method::Restart(_) => "restart",
    }
}

/// The `rare` object of `--json`.
pub fn json_value(r: &RareResults, settings: &Settings) -> serde_json::Value {
    let u = &r.unavailability;
    let splitting = match &r.method {
        Method::Plain(_) => serde_json::Value::Null,
        Method::Restart(s) => serde_json::json!({
            "thresholds": s.thresholds,
            "factors": s.factors,
        }),
    };
    serde_json::json!({
        "method": method_name(&r.method),
        "why_plain": match &r.method { Method::Plain(why) => Some(why), Method::Restart(_) => None },
        "importance_top": r.top,
        "splitting": splitting,
        "pilot": {"replications": r.pilot_replications, "outages": r.pilot_outages},
        "replications": r.replications,
        "unavailability": EstimateJson::from(u),
        "availability": EstimateJson::from(&u.affine(-1.0, 1.0)),
        "downtime_per_year_s": EstimateJson::from(&u.affine(8766.0 * 3600.0, 0.0)),
        "outages_per_year": EstimateJson::from(&r.outages_per_year),
        "relative_half_width": rare::relative_half_width(u),
        "events": r.events,
        "copies": r.copies,
        "variance_reduction": r.variance_reduction,
        "largest_replication_share": r.largest_share,
        "precision": r.precision.map(|p| serde_json::json!({
            "target": p.target, "reached": p.reached, "met": p.met,
        })),
        "seed": settings.seed,
    })
}

fn interval(e: &Estimate, fmt: impl Fn(f64) -> String) -> String {
    match (e.mean, e.ci95) {
        (Some(m), Some([lo, hi])) => format!("{}  [{}, {}]", fmt(m), fmt(lo), fmt(hi)),
        (Some(m), None) => fmt(m),
        _ => "-".into(),
    }
}

/// The table printed without `--json`.
pub fn table(r: &RareResults, settings: &Settings) -> String {
    let u = &r.unavailability;
    let mut out = String::new();
    let method = match &r.method {
        Method::Plain(why) => format!("plain Monte Carlo: {why}"),
        Method::Restart(s) => format!(
            "importance splitting (RESTART) on the member failures left before a system outage: \
             {} thresholds at importance {}..{} of {}, splitting {:.2}..{:.2} each",
            s.thresholds.len(),
            s.thresholds.first().copied().unwrap_or(0),
            s.thresholds.last().copied().unwrap_or(0),
            r.top,
            s.factors.iter().copied().fold(f64::INFINITY, f64::min),
            s.factors.iter().copied().fold(0.0, f64::max),
        ),
    };
    out.push_str(&format!("rare events: {method}\n"));
    out.push_str(&format!(
        "{} replications of {:.0} h, seed {}\n\n",
        r.replications,
        settings.horizon_us as f64 / crate::model::MICROS_PER_HOUR,
        settings.seed
    ));
    let rows = [
        ("unavailability", interval(u, |x| format!("{x:.4e}"))),
        (
            "availability",
            interval(&u.affine(-1.0, 1.0), |x| format!("{x:.10}")),
        ),
        (
            "nines",
            u.mean
                .map_or("-".into(), |m| format!("{:.2}", report::nines(1.0 - m))),
        ),
        (
            "downtime per year",
            interval(&u.affine(8766.0 * 3600.0, 0.0), |x| format!("{x:.3} s")),
        ),
        (
            "outages per year",
            interval(&r.outages_per_year, |x| format!("{x:.4e}")),
        ),
    ];
    for (name, value) in rows {
        out.push_str(&format!("  {name:<20} {value}\n"));
    }
    match rare::relative_half_width(u) {
        Some(w) => out.push_str(&format!(
            "\nthe unavailability is known to ±{:.1}% (95% interval)\n",
            w * 100.0
        )),
        None => out.push_str("\nno system downtime seen: the unavailability is unknown\n"),
    }
    out.push_str(&format!(
        "work: {} events, {} copies of the state",
        r.events, r.copies
    ));
    match r.variance_reduction {
        Some(v) if v >= 1.0 => out.push_str(&format!(
            "; about {v:.0}x less variance than plain Monte Carlo for the same work (estimated)"
        )),
        Some(v) => out.push_str(&format!(
            "; about {:.1}x MORE variance than plain Monte Carlo for the same work (estimated): \
             plain replications would do better",
            1.0 / v
        )),
        None => {}
    }
    out.push('\n');
    if let Some(share) = r.largest_share.filter(|&s| s > rare::SETTLED_SHARE) {
        out.push_str(&format!(
            "WARNING: one replication makes {:.0}% of the estimate: its spread is not known yet and \
             the interval is likely too narrow; add replications\n",
            share * 100.0
        ));
    }
    if let Some(p) = &r.precision {
        let line = match (p.met, p.reached) {
            (true, Some(w)) => format!(
                "precision: ±{:.1}% reached (target ±{:.1}%) after {} replications",
                w * 100.0,
                p.target * 100.0,
                r.replications
            ),
            (false, Some(w)) => format!(
                "precision: NOT reached: ±{:.1}% after {} replications, the most allowed (target ±{:.1}%, and no replication above {:.0}% of the estimate); raise --replications",
                w * 100.0,
                r.replications,
                p.target * 100.0,
                rare::SETTLED_SHARE * 100.0
            ),
            (_, None) => format!(
                "precision: NOT reached: no system downtime in {} replications; raise --replications",
                r.replications
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}
