//! `report.html`: one self-contained page (CSS and SVG charts inline, no
//! network) with the scenario, the summary, the charts, the failover,
//! traffic and fault figures, the objectives and the command that
//! reproduces the run. Rendered from `templates/report.html` by askama,
//! which escapes everything but the charts it is given.

use super::chart::Plot;
use super::table::format_estimate;
use super::{Report, nines};
use askama::Template;
use serde_json::Value;

/// One line of the summary table, formatted.
pub struct Row {
    pub name: String,
    pub availability: String,
    pub nines: String,
    pub downtime: String,
    pub downtime_p90: String,
    pub failures: String,
    pub mtbf: String,
    pub mttr: String,
}

pub struct Chart {
    pub title: String,
    pub svg: String,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    name: &'a str,
    description: &'a str,
    replications: u64,
    horizon: String,
    warmup: String,
    seed: u64,
    version: &'static str,
    measure: &'a str,
    rows: Vec<Row>,
    charts: Vec<Chart>,
    extra_entities: Vec<String>,
    extras: Vec<(String, Vec<String>)>,
    slos: Vec<String>,
    worst: Vec<(u64, String, String, String, String)>,
    file: &'a str,
    command: &'a str,
}

fn hours(h: f64) -> String {
    if h >= 8760.0 && (h / 8760.0).fract() < 1e-9 {
        format!("{}y", h / 8760.0)
    } else {
        format!("{h}h")
    }
}

fn rows(report: &Report) -> Vec<Row> {
    report
        .entities
        .iter()
        .map(|(name, f)| Row {
            name: name.to_string(),
            availability: format_estimate(&f.availability, 100.0, ""),
            nines: f
                .availability
                .mean
                .map(nines)
                .filter(|n| n.is_finite())
                .map_or("∞".into(), |n| format!("{n:.2}")),
            downtime: format_estimate(&f.downtime_min_per_year, 1.0, ""),
            downtime_p90: format_estimate(&f.downtime_min_per_year_p90, 1.0, ""),
            failures: format_estimate(&f.failures_per_year, 1.0, ""),
            mtbf: format_estimate(&f.mtbf_h, 1.0, ""),
            mttr: format_estimate(&f.mttr_h, 1.0, ""),
        })
        .collect()
}

/// The system's availability objective, as a downtime budget in minutes
/// per year, to mark on the distribution of downtime.
fn budget(report: &Report) -> Option<(f64, String)> {
    report
        .model
        .slos
        .iter()
        .find(|s| s.service.is_none() && s.objective == "availability" && s.window_us.is_none())
        .map(|s| {
            let minutes = (1.0 - s.target) * 525_600.0;
            let percent = (s.target * 100.0 * 1e6).round() / 1e6;
            (
                minutes,
                format!("budget of {percent}%: {minutes:.0} min/yr"),
            )
        })
}

/// What the run's charts draw, owned so that their plots can borrow it.
pub struct ChartData<'r> {
    report: &'r Report<'r>,
    entities: Vec<(&'r str, &'r crate::metrics::Estimate)>,
    points: Vec<crate::metrics::curve::CurvePoint>,
    budget: Option<(f64, String)>,
}

impl<'r> ChartData<'r> {
    pub fn new(report: &'r Report<'r>) -> Self {
        ChartData {
            report,
            entities: report
                .entities
                .iter()
                .map(|(name, f)| (*name, &f.availability))
                .collect(),
            points: report.results.curve.points(),
            budget: budget(report),
        }
    }

    /// Each chart of the page, in its order: a file name (without
    /// extension) and the plot, whose title is its caption.
    pub fn plots(&self) -> Vec<(&'static str, Plot<'_>)> {
        let report = self.report;
        let mut plots = vec![(
            "availability",
            Plot::Availability {
                title: "Availability with its 95% interval, in nines",
                entities: &self.entities,
            },
        )];
        if let (false, Some((_, system))) = (self.points.is_empty(), report.entities.first()) {
            plots.push((
                "availability-over-time",
                Plot::Curve {
                    title: "System availability over time from start-up: how long it takes to settle",
                    points: &self.points,
                    overall: &system.availability,
                    warmup_h: report.warmup_h(),
                },
            ));
        }
        if let Some(acc) = report.results.accumulators.first() {
            let (downtime, outages) = acc.histograms();
            plots.push((
                "downtime-per-year",
                Plot::Distribution {
                    title: "System downtime in one replication (minutes per year): what a bad year looks like",
                    x_desc: "downtime, minutes per year (log scale)",
                    y_desc: "share of replications",
                    histogram: downtime,
                    mark: self.budget.as_ref().map(|(m, l)| (*m, l.as_str())),
                },
            ));
            plots.push((
                "outage-length",
                Plot::Distribution {
                    title: "Length of the system's outages (seconds)",
                    x_desc: "outage length, seconds (log scale)",
                    y_desc: "share of outages",
                    histogram: outages,
                    mark: None,
                },
            ));
        }
        if let Some((_, f)) = report.entities.first()
            && !f.downtime_by_cause.is_empty()
        {
            plots.push((
                "causes",
                Plot::Causes {
                    title: "Where the system's downtime comes from",
                    causes: &f.downtime_by_cause,
                },
            ));
        }
        plots
    }
}

fn charts(report: &Report) -> Vec<Chart> {
    let data = ChartData::new(report);
    data.plots()
        .into_iter()
        .map(|(_, plot)| Chart {
            title: plot.title().to_string(),
            svg: plot.svg(),
        })
        .collect()
}

fn extras(report: &Report) -> (Vec<String>, Vec<(String, Vec<String>)>) {
    let with: Vec<&(&str, crate::metrics::Figures)> = report
        .entities
        .iter()
        .filter(|(_, f)| !f.extras.is_empty())
        .collect();
    let mut names: Vec<&'static str> = Vec::new();
    for (_, f) in &with {
        for (k, _) in &f.extras {
            if !names.contains(k) {
                names.push(k);
            }
        }
    }
    let rows = names
        .iter()
        .map(|k| {
            let cells = with
                .iter()
                .map(|(_, f)| {
                    f.extras
                        .iter()
                        .find(|(n, _)| n == k)
                        .map_or("-".into(), |(_, e)| format_estimate(e, 1.0, ""))
                })
                .collect();
            (k.replace('_', " "), cells)
        })
        .collect();
    (with.iter().map(|(n, _)| n.to_string()).collect(), rows)
}

fn worst(json: &Value) -> Vec<(u64, String, String, String, String)> {
    json["worst_replications"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|w| {
                    (
                        w["replication"].as_u64().unwrap_or(0),
                        w["why"].as_str().unwrap_or("").to_string(),
                        format!("{:.1} min", w["downtime_min"].as_f64().unwrap_or(0.0)),
                        format!("{:.1} s", w["longest_outage_s"].as_f64().unwrap_or(0.0)),
                        w["command"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The page of a run: `json` is its summary (for the worst replications),
/// `file` and `command` say how to check and reproduce it.
pub fn render(
    report: &Report,
    json: &Value,
    file: &str,
    command: &str,
) -> Result<String, askama::Error> {
    let settings = &report.results.settings;
    let (extra_entities, extras) = extras(report);
    let slos = report
        .model
        .slos
        .iter()
        .map(|s| {
            let who = s.service.map_or("the system".to_string(), |i| {
                report.model.services[i].name.clone()
            });
            format!("{who}: {} {}", s.objective.replace('_', " "), s.target)
        })
        .collect();
    Page {
        name: &report.model.name,
        description: &report.model.description,
        replications: settings.n_replications,
        horizon: hours(report.horizon_h()),
        warmup: if settings.warmup_us == 0 {
            String::new()
        } else {
            hours(report.warmup_h())
        },
        seed: settings.seed,
        version: env!("CARGO_PKG_VERSION"),
        measure: report.measure(),
        rows: rows(report),
        charts: charts(report),
        extra_entities,
        extras,
        slos,
        worst: worst(json),
        file,
        command,
    }
    .render()
}
