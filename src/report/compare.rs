//! `nines compare`: several designs side by side, and each design's paired
//! difference from the baseline (the first), as a table, as JSON, and as
//! a page with two charts (`compare.html`, `--out`).

use super::Report;
use super::chart::{self, BLUE, FONT, svg};
use super::html::Chart;
use super::json::EstimateJson;
use super::table::{columns, format_availability, format_estimate, format_nines};
use crate::metrics::Estimate;
use askama::Template;
use plotters::prelude::*;
use serde_json::{Map, Value, json};

/// One design's differences from the baseline: the system's, then each
/// service the two designs share (by name), each figure with its interval.
pub struct Difference {
    pub design: String,
    pub baseline: String,
    /// ("system" or a service name, [(figure, estimate); 3]).
    pub entities: Vec<(String, [(&'static str, Estimate); 3])>,
    /// The total cost a year, design − baseline, when both have `cost`.
    pub cost: Option<Estimate>,
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
            if let Some(cost) = &d.cost {
                value.insert(
                    "total_cost_per_year".into(),
                    serde_json::to_value(EstimateJson::from(cost)).unwrap_or(Value::Null),
                );
            }
            Value::Object(value)
        })
        .collect();
    json!({"designs": summaries, "differences": differences})
}

/// A difference: `0 (identical)` for exactly zero with no spread, else
/// `+mean ± half`; and whether its interval leaves zero out (`None`:
/// identical).
fn format_difference(e: &Estimate, scale: f64) -> (String, Option<bool>) {
    if e.mean == Some(0.0) && e.ci95 == Some([0.0, 0.0]) {
        return ("0 (identical)".into(), None);
    }
    let text = format_estimate(e, scale, "");
    let text = match e.mean {
        Some(m) if m > 0.0 && !text.starts_with('+') => format!("+{text}"),
        _ => text,
    };
    let significant = e.ci95.is_some_and(|[lo, hi]| lo > 0.0 || hi < 0.0);
    (text, Some(significant))
}

/// The rows of the designs' table: (design, entity, availability, nines,
/// downtime, failures), the design named on its first row.
fn design_rows(designs: &[(String, Report)]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
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
    rows
}

/// The rows of the differences' table: (design − baseline, entity,
/// availability in points, downtime, failures, significant).
fn difference_rows(differences: &[Difference]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for d in differences {
        for (i, (name, f)) in d.entities.iter().enumerate() {
            let (a, a_sig) = format_difference(&f[0].1, 100.0);
            let (down, _) = format_difference(&f[1].1, 1.0);
            let (fail, f_sig) = format_difference(&f[2].1, 1.0);
            let significant = match (a_sig, f_sig) {
                (None, None) => "identical",
                (Some(true), _) | (_, Some(true)) => "yes",
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
    rows
}

fn total_cost(report: &Report) -> Option<Estimate> {
    report.entities[0]
        .1
        .extras
        .iter()
        .find(|(n, _)| *n == "total_cost_per_year")
        .map(|(_, e)| e.clone())
}

/// Each priced design's total cost a year, its difference from the
/// baseline's (paired) and whether it is on the cost frontier (empty
/// when no design has `cost`).
fn cost_table(designs: &[(String, Report)], differences: &[Difference]) -> String {
    let candidates = frontier_candidates(designs);
    if candidates.is_empty() {
        return String::new();
    }
    let on = super::frontier::pareto(&candidates);
    let mut rows = vec![
        [
            "design",
            "total cost (/yr)",
            "design − baseline",
            "significant",
            "frontier",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (i, (design, report)) in designs.iter().enumerate() {
        let Some(cost) = total_cost(report) else {
            continue;
        };
        let difference = differences
            .iter()
            .find(|d| &d.design == design)
            .and_then(|d| d.cost.as_ref());
        let (text, significant) = match difference {
            Some(d) => format_difference(d, 1.0),
            None if i == 0 => ("baseline".into(), None),
            None => ("-".into(), None),
        };
        let position = candidates.iter().position(|c| &c.label == design);
        rows.push(vec![
            design.clone(),
            format_estimate(&cost, 1.0, ""),
            text,
            match significant {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            if position.is_some_and(|p| on[p]) {
                "yes".into()
            } else {
                "no".into()
            },
        ]);
    }
    format!(
        "\ncost per year (frontier: no other design is both cheaper and less down)\n{}",
        columns(&rows)
    )
}

/// The priced designs, for the frontier.
fn frontier_candidates(designs: &[(String, Report)]) -> Vec<super::frontier::Candidate> {
    designs
        .iter()
        .filter_map(|(design, report)| {
            Some(super::frontier::Candidate {
                label: design.clone(),
                cost: total_cost(report)?,
                downtime: report.entities[0].1.downtime_min_per_year.clone(),
            })
        })
        .collect()
}

/// The cost frontier of the designs, when some have `cost`.
pub fn frontier_chart(designs: &[(String, Report)]) -> Option<String> {
    let mut candidates = frontier_candidates(designs);
    for c in &mut candidates {
        c.label = std::path::Path::new(&c.label)
            .file_name()
            .map_or(c.label.clone(), |f| f.to_string_lossy().into_owned());
    }
    (!candidates.is_empty()).then(|| super::frontier::chart(&candidates))
}

/// The system's downtime difference of each design from the baseline,
/// with its 95% interval, around zero.
pub fn differences_chart(differences: &[Difference]) -> String {
    let items: Vec<(&str, &Estimate)> = differences
        .iter()
        .filter_map(|d| {
            d.entities
                .first()
                .map(|(_, f)| (d.design.as_str(), &f[1].1))
        })
        .collect();
    let n = items.len().max(1);
    let reach = items
        .iter()
        .flat_map(|(_, e)| e.ci95.into_iter().flatten().chain(e.mean))
        .fold(1e-9f64, |m, x| m.max(x.abs()))
        * 1.15;
    svg(110 + 34 * n as u32, |root| {
        let mut c = ChartBuilder::on(&root)
            .caption(
                "system downtime, design − baseline (min/yr), 95% interval",
                (FONT, 16),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(200)
            .build_cartesian_2d(-reach..reach, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        c.configure_mesh()
            .disable_y_mesh()
            .x_desc("minutes of downtime a year more (+) or less (−) than the baseline")
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => items.get(*i).map_or(String::new(), |(d, _)| {
                    std::path::Path::new(d)
                        .file_name()
                        .map_or(d.to_string(), |f| f.to_string_lossy().into_owned())
                }),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        c.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Exact(n))],
            BLACK.stroke_width(1),
        )))
        .map_err(|e| e.to_string())?;
        for (i, (_, e)) in items.iter().enumerate() {
            let Some(mean) = e.mean else { continue };
            c.draw_series(std::iter::once(Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(i)),
                    (mean, SegmentValue::Exact(i + 1)),
                ],
                BLUE.mix(0.6).filled(),
            )))
            .map_err(|e| e.to_string())?;
            if let Some([lo, hi]) = e.ci95 {
                c.draw_series(std::iter::once(PathElement::new(
                    vec![
                        (lo, SegmentValue::CenterOf(i)),
                        (hi, SegmentValue::CenterOf(i)),
                    ],
                    BLACK.stroke_width(2),
                )))
                .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

#[derive(Template)]
#[template(path = "compare.html")]
struct Page<'a> {
    title: String,
    n_designs: usize,
    replications: u64,
    horizon: String,
    seed: u64,
    version: &'static str,
    designs: Vec<(String, String, String, String, String, String)>,
    differences: Vec<(String, String, String, String, String, String)>,
    charts: Vec<Chart>,
    command: &'a str,
}

fn six(row: Vec<String>) -> (String, String, String, String, String, String) {
    let mut it = row.into_iter();
    let mut next = || it.next().unwrap_or_default();
    (next(), next(), next(), next(), next(), next())
}

/// `compare.html`: the designs, the differences and the two charts, in one
/// self-contained page.
pub fn page(
    designs: &[(String, Report)],
    differences: &[Difference],
    command: &str,
) -> Result<String, askama::Error> {
    let first = designs.first().map(|(_, r)| r);
    let title = designs
        .iter()
        .map(|(_, r)| r.model.name.as_str())
        .collect::<Vec<_>>()
        .join(" · ");
    let availability: Vec<(&str, &Estimate)> = designs
        .iter()
        .map(|(d, r)| (d.as_str(), &r.entities[0].1.availability))
        .collect();
    Page {
        title,
        n_designs: designs.len(),
        replications: first.map_or(0, |r| r.results.settings.n_replications),
        horizon: first.map_or(String::new(), |r| format!("{:.0} h", r.horizon_h())),
        seed: first.map_or(0, |r| r.results.settings.seed),
        version: env!("CARGO_PKG_VERSION"),
        designs: design_rows(designs).into_iter().map(six).collect(),
        differences: difference_rows(differences).into_iter().map(six).collect(),
        charts: vec![
            Chart {
                title: "availability of each design".into(),
                svg: chart::availability(
                    "system availability of each design (nines, 95% interval)",
                    &availability,
                ),
            },
            Chart {
                title: "differences from the baseline".into(),
                svg: differences_chart(differences),
            },
        ]
        .into_iter()
        .chain(frontier_chart(designs).map(|svg| Chart {
            title: "cost against downtime".into(),
            svg,
        }))
        .collect(),
        command,
    }
    .render()
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
    rows.extend(design_rows(designs));
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
    rows.extend(difference_rows(differences));
    out.push_str(&columns(&rows));
    out.push_str(&cost_table(designs, differences));
    out.push_str(
        "\n± is the half-width of the 95% interval of the mean paired difference; \"significant\":\n\
         the interval of the availability or of the failures (of the cost, for the cost) leaves zero out.\n",
    );
    out
}
