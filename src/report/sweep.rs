//! `nines sweep`: the points of a grid as a table, JSON and CSV (every
//! figure with its interval), a chart of how the system's availability
//! moves with each parameter, and a tornado chart of which parameter
//! moves it most.

use super::chart::{BLUE, FONT, GREY, RED, svg};
use super::table::{columns, format_estimate};
use crate::metrics::Estimate;
use crate::slo::Verdict;
use plotters::prelude::*;
use serde_json::{Map, Value, json};

/// One swept parameter: its path in the scenario and its values (YAML).
#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub path: String,
    pub values: Vec<String>,
}

/// One point of the grid: the index of each parameter's value, and the
/// run's summary (the JSON of `nines run --json`).
pub struct Point {
    pub values: Vec<usize>,
    pub summary: Value,
    /// With `--subject-to-slos`: whether all its SLOs pass, one fails, or
    /// some are undecided.
    pub verdict: Option<Verdict>,
    /// The objective's value in each replication, when it can be paired.
    pub per_replication: Vec<f64>,
}

/// What `--objective` optimises: a system figure, lowest or highest best.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub figure: String,
    pub maximize: bool,
}

impl Objective {
    /// Availability-like figures are maximised, the others minimised.
    pub fn new(figure: &str) -> Objective {
        const HIGHER_IS_BETTER: [&str; 8] = [
            "availability",
            "nines",
            "request_success_ratio",
            "data_loss_free_year_probability",
            "mtbf_h",
            "mtbi_h",
            "mut_h",
            "mttff_h",
        ];
        Objective {
            figure: figure.to_string(),
            maximize: HIGHER_IS_BETTER.contains(&figure),
        }
    }

    fn word(&self) -> &'static str {
        if self.maximize { "highest" } else { "lowest" }
    }
}

/// The best eligible point, and how it compares with the next best.
#[derive(Clone, Debug)]
pub struct Best {
    pub point: usize,
    pub runner_up: Option<usize>,
    /// Best minus runner-up: paired by replication when both kept their
    /// values (common random numbers), else from the two intervals.
    pub difference: Option<Estimate>,
    pub paired: bool,
    /// Whether the difference's 95% interval leaves zero out.
    pub significant: Option<bool>,
}

/// The best point for `objective` among those whose SLOs pass (all of
/// them without `--subject-to-slos`); `None` when none is eligible.
pub fn best(points: &[Point], objective: &Objective) -> Option<Best> {
    let score = |p: &Point| estimate(&p.summary, "system", &objective.figure).mean;
    let mut eligible: Vec<(usize, f64)> = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.verdict.is_none_or(|v| v == Verdict::Pass))
        .filter_map(|(i, p)| Some((i, score(p)?)))
        .collect();
    eligible.sort_by(|a, b| {
        let order = a.1.total_cmp(&b.1);
        if objective.maximize {
            order.reverse()
        } else {
            order
        }
    });
    let &(first, _) = eligible.first()?;
    let runner_up = eligible.get(1).map(|&(i, _)| i);
    let (difference, paired) = match runner_up {
        Some(second) => {
            let (a, b) = (&points[first], &points[second]);
            if !a.per_replication.is_empty() && a.per_replication.len() == b.per_replication.len() {
                let mut acc = crate::metrics::Comoments::default();
                for (x, y) in a.per_replication.iter().zip(&b.per_replication) {
                    acc.push(x - y, 0.0);
                }
                (Some(acc.mean_estimate()), true)
            } else {
                let (ea, eb) = (
                    estimate(&a.summary, "system", &objective.figure),
                    estimate(&b.summary, "system", &objective.figure),
                );
                let difference = match (ea.mean, eb.mean, ea.std_err, eb.std_err) {
                    (Some(x), Some(y), Some(sx), Some(sy)) => {
                        let se = (sx * sx + sy * sy).sqrt();
                        Some(Estimate {
                            mean: Some(x - y),
                            ci95: Some([x - y - 1.96 * se, x - y + 1.96 * se]),
                            std_err: Some(se),
                            ..Estimate::UNDEFINED
                        })
                    }
                    _ => None,
                };
                (difference, false)
            }
        }
        None => (None, false),
    };
    let significant = difference
        .as_ref()
        .and_then(|d| d.ci95)
        .map(|[lo, hi]| lo > 0.0 || hi < 0.0);
    Some(Best {
        point: first,
        runner_up,
        difference,
        paired,
        significant,
    })
}

fn settings_json(parameters: &[Parameter], point: &Point) -> Value {
    let mut settings = Map::new();
    for (p, &v) in parameters.iter().zip(&point.values) {
        settings.insert(p.path.clone(), value_json(&p.values[v]));
    }
    Value::Object(settings)
}

fn settings_text(parameters: &[Parameter], point: &Point) -> String {
    parameters
        .iter()
        .zip(&point.values)
        .map(|(p, &v)| format!("{}={}", p.path, p.values[v]))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value as given on the command line, in JSON: a number or a boolean
/// when it reads as one, else the YAML text.
fn value_json(text: &str) -> Value {
    match serde_json::from_str::<Value>(text) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        _ => Value::String(text.to_string()),
    }
}

/// `{"parameters": [{"path", "values"}], "points": [{"settings": {path:
/// value}, "summary": {...}}]}`; with an objective, `"objective"` and
/// `"best": {"settings", FIGURE: {...}, "runner_up", "difference",
/// "significant"}`; with SLOs, each point's `"slos"` verdict.
pub fn json(
    parameters: &[Parameter],
    points: &[Point],
    objective: Option<&Objective>,
    best: Option<&Best>,
) -> Value {
    let parameter_values: Vec<Value> = parameters
        .iter()
        .map(|p| {
            let values: Vec<Value> = p.values.iter().map(|v| value_json(v)).collect();
            json!({"path": p.path, "values": values})
        })
        .collect();
    let point_values: Vec<Value> = points
        .iter()
        .map(|point| {
            let mut value =
                json!({"settings": settings_json(parameters, point), "summary": point.summary});
            if let Some(v) = point.verdict {
                value["slos"] = json!(v.as_str());
            }
            value
        })
        .collect();
    let mut out = json!({"parameters": parameter_values, "points": point_values});
    if let Some(o) = objective {
        out["objective"] = json!({"figure": o.figure, "best": o.word()});
        out["best"] = match best {
            Some(b) => {
                let figure = |i: usize| points[i].summary["system"][&o.figure].clone();
                let mut value = json!({
                    "settings": settings_json(parameters, &points[b.point]),
                    "runner_up": b.runner_up.map(|r| json!({
                        "settings": settings_json(parameters, &points[r]),
                        o.figure.clone(): figure(r),
                    })),
                    "difference": b.difference.as_ref().map(|d| serde_json::to_value(super::json::EstimateJson::from(d)).unwrap_or(Value::Null)),
                    "paired": b.paired,
                    "significant": b.significant,
                });
                value[&o.figure] = figure(b.point);
                value
            }
            None => Value::Null,
        };
    }
    out
}

/// A figure of the summary (`entity` "system" or a service) as an estimate.
fn estimate(summary: &Value, entity: &str, figure: &str) -> Estimate {
    let object = if entity == "system" {
        &summary["system"]
    } else {
        &summary["services"][entity]
    };
    let e = &object[figure];
    let ci95 = match (e["ci95"][0].as_f64(), e["ci95"][1].as_f64()) {
        (Some(lo), Some(hi)) => Some([lo, hi]),
        _ => None,
    };
    Estimate {
        mean: e["mean"].as_f64(),
        ci95,
        std_err: e["std_err"].as_f64(),
        upper95: e["upper95"].as_f64(),
        lower95: e["lower95"].as_f64(),
    }
}

/// The point's system availability, downtime and failures, for the table.
fn system_row(point: &Point) -> [Estimate; 3] {
    ["availability", "downtime_min_per_year", "failures_per_year"]
        .map(|f| estimate(&point.summary, "system", f))
}

fn nines_of(a: f64) -> f64 {
    if a >= 1.0 {
        9.0
    } else {
        (-(1.0 - a).log10()).min(9.0)
    }
}

/// One row per point: its settings, then the system's availability with
/// its interval, nines, downtime and failures; then, with several
/// parameters, how far each one alone moves the downtime.
pub fn table(
    parameters: &[Parameter],
    points: &[Point],
    objective: Option<&Objective>,
    best: Option<&Best>,
) -> String {
    const SHOWN: [&str; 3] = ["availability", "downtime_min_per_year", "failures_per_year"];
    let extra = objective.filter(|o| !SHOWN.contains(&o.figure.as_str()));
    let with_slos = points.iter().any(|p| p.verdict.is_some());
    let mut header: Vec<String> = parameters.iter().map(|p| p.path.clone()).collect();
    header.extend(
        [
            "availability (%)",
            "nines",
            "downtime (min/yr)",
            "failures (/yr)",
        ]
        .map(String::from),
    );
    if let Some(o) = extra {
        header.push(o.figure.replace('_', " "));
    }
    if with_slos {
        header.push("SLOs".into());
    }
    let mut rows = vec![header];
    for point in points {
        let mut row: Vec<String> = parameters
            .iter()
            .zip(&point.values)
            .map(|(p, &v)| p.values[v].clone())
            .collect();
        let [a, d, f] = system_row(point);
        if a.mean == Some(1.0) && a.ci95.is_none() {
            row.extend(["100, none seen", "inf", "none seen"].map(String::from));
        } else {
            row.push(format_estimate(&a, 100.0, ""));
            row.push(super::table::format_nines(&a));
            row.push(format_estimate(&d, 1.0, ""));
        }
        row.push(format_estimate(&f, 1.0, ""));
        if let Some(o) = extra {
            row.push(format_estimate(
                &estimate(&point.summary, "system", &o.figure),
                1.0,
                "",
            ));
        }
        if let Some(v) = point.verdict {
            row.push(v.as_str().to_string());
        }
        rows.push(row);
    }
    let mut out = columns(&rows);
    if let Some(o) = objective {
        out.push('\n');
        out.push_str(&best_lines(parameters, points, o, best));
    }
    if parameters.len() >= 2 {
        out.push_str(
            "\nwhat moves the system's downtime most: each parameter alone, the others at their \
             first value (min/yr)\n",
        );
        let mut rows = vec![
            ["parameter", "lowest", "at", "highest", "at", "swing"]
                .map(String::from)
                .to_vec(),
        ];
        for bar in swings(parameters, points) {
            rows.push(vec![
                bar.path.clone(),
                format!("{:.4}", bar.low.1),
                bar.low.0.clone(),
                format!("{:.4}", bar.high.1),
                bar.high.0.clone(),
                format!("{:.4}", bar.high.1 - bar.low.1),
            ]);
        }
        out.push_str(&columns(&rows));
    }
    out
}

/// The best point in words, and whether it is better than the next.
fn best_lines(
    parameters: &[Parameter],
    points: &[Point],
    o: &Objective,
    best: Option<&Best>,
) -> String {
    let eligible = if points.iter().any(|p| p.verdict.is_some()) {
        " among the points whose SLOs pass"
    } else {
        ""
    };
    let Some(b) = best else {
        return format!(
            "best ({} {}{eligible}): no point is eligible\n",
            o.word(),
            o.figure
        );
    };
    let value =
        |i: usize| format_estimate(&estimate(&points[i].summary, "system", &o.figure), 1.0, "");
    let mut out = format!(
        "best ({} {}{eligible}): {}: {}\n",
        o.word(),
        o.figure,
        settings_text(parameters, &points[b.point]),
        value(b.point)
    );
    if let (Some(r), Some(d)) = (b.runner_up, &b.difference) {
        let how = if b.paired {
            "paired by replication"
        } else {
            "from the two intervals"
        };
        let verdict = match b.significant {
            Some(true) => "significant: the best is better".to_string(),
            _ => "not significant: at this precision the two are as good as each other; run more replications to tell them apart".to_string(),
        };
        out.push_str(&format!(
            "next: {}: {}; difference {} ({how}), {verdict}\n",
            settings_text(parameters, &points[r]),
            value(r),
            format_estimate(d, 1.0, "")
        ));
    }
    out
}

/// How far one parameter alone moves the system's downtime: its lowest
/// and highest (value, minutes per year) with the others at their first
/// value.
struct Swing {
    path: String,
    low: (String, f64),
    high: (String, f64),
}

/// Each parameter's swing, widest first (ties in parameter order).
fn swings(parameters: &[Parameter], points: &[Point]) -> Vec<Swing> {
    let mut bars: Vec<Swing> = parameters
        .iter()
        .enumerate()
        .filter_map(|(k, p)| {
            let line: Vec<(String, f64)> = points
                .iter()
                .filter(|pt| pt.values.iter().enumerate().all(|(j, &v)| j == k || v == 0))
                .filter_map(|pt| {
                    let d = estimate(&pt.summary, "system", "downtime_min_per_year").mean?;
                    Some((p.values[pt.values[k]].clone(), d))
                })
                .collect();
            let low = line.iter().min_by(|a, b| a.1.total_cmp(&b.1))?.clone();
            let high = line.iter().max_by(|a, b| a.1.total_cmp(&b.1))?.clone();
            Some(Swing {
                path: p.path.clone(),
                low,
                high,
            })
        })
        .collect();
    bars.sort_by(|a, b| (b.high.1 - b.low.1).total_cmp(&(a.high.1 - a.low.1)));
    bars
}

/// Every figure of every entity of every point, with its interval: one
/// row per point, the parameters' values first. Columns are named
/// `entity.figure`, `entity.figure.ci95_low`, `entity.figure.ci95_high`
/// (causes: `entity.downtime_by_cause_min_per_year.CAUSE`), in the order
/// they first appear; a figure a point does not have is left empty.
///
/// # Errors
/// When the CSV writer fails (it writes to memory).
pub fn csv_text(parameters: &[Parameter], points: &[Point]) -> anyhow::Result<String> {
    let flat: Vec<Vec<(String, Option<f64>)>> =
        points.iter().map(|p| flatten(&p.summary)).collect();
    let mut names: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for row in &flat {
        for (name, _) in row {
            if seen.insert(name.clone()) {
                names.push(name.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = parameters
        .iter()
        .map(|p| p.path.as_str())
        .chain(names.iter().map(String::as_str))
        .collect();
    writer.write_record(&header)?;
    for (point, row) in points.iter().zip(&flat) {
        let by_name: std::collections::HashMap<&str, Option<f64>> =
            row.iter().map(|(n, v)| (n.as_str(), *v)).collect();
        let mut record: Vec<String> = parameters
            .iter()
            .zip(&point.values)
            .map(|(p, &v)| p.values[v].clone())
            .collect();
        record.extend(names.iter().map(|n| {
            by_name
                .get(n.as_str())
                .copied()
                .flatten()
                .map_or_else(String::new, |x| x.to_string())
        }));
        writer.write_record(&record)?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// The numeric figures of a summary as (column, value), in its order.
fn flatten(summary: &Value) -> Vec<(String, Option<f64>)> {
    let mut out = Vec::new();
    let mut entity = |name: &str, object: &Value| {
        let Some(map) = object.as_object() else {
            return;
        };
        for (figure, v) in map {
            let column = format!("{name}.{figure}");
            match v {
                Value::Number(n) => out.push((column, n.as_f64())),
                Value::Object(o) if o.contains_key("mean") => push_estimate(&mut out, column, v),
                Value::Object(o) => {
                    for (part, e) in o {
                        push_estimate(&mut out, format!("{column}.{part}"), e);
                    }
                }
                _ => {}
            }
        }
    };
    entity("system", &summary["system"]);
    if let Some(services) = summary["services"].as_object() {
        for (name, object) in services {
            entity(name, object);
        }
    }
    out
}

fn push_estimate(out: &mut Vec<(String, Option<f64>)>, column: String, e: &Value) {
    out.push((format!("{column}.ci95_low"), e["ci95"][0].as_f64()));
    out.push((format!("{column}.ci95_high"), e["ci95"][1].as_f64()));
    out.insert(out.len() - 2, (column, e["mean"].as_f64()));
}

/// How the system's availability (on a nines scale, with its 95%
/// interval) moves with parameter `k`: one line per combination of the
/// other parameters' values (at most 8, the first ones; the title says
/// when some are left out).
pub fn parameter_chart(parameters: &[Parameter], points: &[Point], k: usize) -> String {
    let p = &parameters[k];
    let n = p.values.len();
    // The other parameters' combinations, in grid order.
    let mut others: Vec<Vec<usize>> = Vec::new();
    for pt in points {
        let mut rest = pt.values.clone();
        rest.remove(k);
        if !others.contains(&rest) {
            others.push(rest);
        }
    }
    let shown = others.len().min(8);
    let lines: Vec<(String, Vec<(usize, Estimate)>)> = others[..shown]
        .iter()
        .map(|rest| {
            let label = parameters
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != k)
                .zip(rest)
                .map(|((_, q), &v)| format!("{}={}", last_key(&q.path), q.values[v]))
                .collect::<Vec<_>>()
                .join(", ");
            let line = points
                .iter()
                .filter(|pt| {
                    let mut r = pt.values.clone();
                    r.remove(k);
                    &r == rest
                })
                .map(|pt| {
                    (
                        pt.values[k],
                        estimate(&pt.summary, "system", "availability"),
                    )
                })
                .collect();
            (label, line)
        })
        .collect();
    let nines: Vec<f64> = lines
        .iter()
        .flat_map(|(_, l)| l.iter())
        .flat_map(|(_, e)| {
            let ci = e
                .ci95
                .map_or(vec![], |[lo, hi]| vec![nines_of(lo), nines_of(hi)]);
            e.mean.map(nines_of).into_iter().chain(ci)
        })
        .collect();
    let top = nines.iter().copied().fold(1.0, f64::max).ceil() + 0.5;
    let bottom = (nines.iter().copied().fold(top, f64::min).floor() - 0.5).max(0.0);
    let mut title = format!("system availability against {}", p.path);
    if others.len() > shown {
        title.push_str(&format!(" (first {shown} of {} lines)", others.len()));
    }
    let colours = [
        BLUE,
        RED,
        GREY,
        RGBColor(40, 150, 80),
        RGBColor(140, 70, 160),
        RGBColor(230, 150, 30),
        BLACK,
        RGBColor(30, 170, 190),
    ];
    let at = |v: usize| v as i32;
    svg(380, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(&title, (FONT, 16))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(60)
            .build_cartesian_2d(-1..n as i32, bottom..top)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(238, 240, 244))
            .x_desc(format!(
                "{} (hollow: no downtime seen, drawn at the top)",
                last_key(&p.path)
            ))
            .y_desc("nines: -log10(1 - availability)")
            .x_labels(n + 2)
            .x_label_formatter(&|x| {
                usize::try_from(*x)
                    .ok()
                    .and_then(|i| p.values.get(i).cloned())
                    .unwrap_or_default()
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (label, line)) in lines.iter().enumerate() {
            let colour = colours[i % colours.len()];
            let path: Vec<(i32, f64, bool)> = line
                .iter()
                .filter_map(|(v, e)| {
                    let mean = e.mean?;
                    Some((at(*v), nines_of(mean).min(top), mean >= 1.0))
                })
                .collect();
            let series = chart
                .draw_series(LineSeries::new(
                    path.iter().map(|&(x, y, _)| (x, y)),
                    colour.stroke_width(2),
                ))
                .map_err(|e| e.to_string())?;
            if !label.is_empty() {
                series.label(label.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], colour.stroke_width(2))
                });
            }
            chart
                .draw_series(path.iter().map(|&(x, y, none_seen)| {
                    let style = if none_seen {
                        WHITE.filled()
                    } else {
                        colour.filled()
                    };
                    Circle::new((x, y), 4, style)
                }))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(
                    path.iter()
                        .filter(|p| p.2)
                        .map(|&(x, y, _)| Circle::new((x, y), 4, colour.stroke_width(2))),
                )
                .map_err(|e| e.to_string())?;
            for (v, e) in line {
                if let Some([lo, hi]) = e.ci95 {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(at(*v), nines_of(lo)), (at(*v), nines_of(hi).min(top))],
                            colour.stroke_width(1),
                        )))
                        .map_err(|e| e.to_string())?;
                }
            }
        }
        if lines.len() > 1 {
            super::chart::legend(&mut chart, 12.0, SeriesLabelPosition::LowerRight)?;
        }
        Ok(())
    })
}

/// The frontier of total cost against downtime over the points, when
/// the scenario prices them (`None` otherwise).
pub fn frontier(parameters: &[Parameter], points: &[Point]) -> Option<String> {
    let candidates: Vec<super::frontier::Candidate> = points
        .iter()
        .filter(|p| p.summary["system"].get("total_cost_per_year").is_some())
        .map(|p| super::frontier::Candidate {
            label: parameters
                .iter()
                .zip(&p.values)
                .map(|(q, &v)| format!("{}={}", last_key(&q.path), q.values[v]))
                .collect::<Vec<_>>()
                .join(", "),
            cost: estimate(&p.summary, "system", "total_cost_per_year"),
            downtime: estimate(&p.summary, "system", "downtime_min_per_year"),
        })
        .collect();
    (!candidates.is_empty()).then(|| super::frontier::chart(&candidates))
}

/// The last key of a path, for axis labels and legends.
fn last_key(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// The tornado chart: for each parameter, the range of the system's
/// downtime (minutes per year) when it alone takes each of its values
/// and the others stay at their first, widest first, the value at each
/// end written beside it; a line marks the first point's downtime.
pub fn tornado(parameters: &[Parameter], points: &[Point]) -> String {
    let bars = swings(parameters, points);
    let n = bars.len().max(1);
    let base = points
        .first()
        .and_then(|p| estimate(&p.summary, "system", "downtime_min_per_year").mean)
        .unwrap_or(0.0);
    let hi = bars.iter().map(|b| b.high.1).fold(base, f64::max).max(1e-9);
    let lo = bars.iter().map(|b| b.low.1).fold(base, f64::min).min(hi);
    let pad = (hi - lo).max(hi * 0.05) * 0.25;
    let (x0, x1) = ((lo - pad).max(0.0), hi + pad);
    svg(110 + 40 * n as u32, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "what moves the system's downtime most (each parameter alone)",
                (FONT, 16),
            )
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(220)
            .build_cartesian_2d(x0..x1, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(RGBColor(238, 240, 244))
            .x_desc("system downtime, minutes per year")
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => (n - 1)
                    .checked_sub(*i)
                    .and_then(|k| bars.get(k))
                    .map_or(String::new(), |b| b.path.clone()),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, bar) in bars.iter().enumerate() {
            let row = n - 1 - i;
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (bar.low.1, SegmentValue::Exact(row)),
                        (
                            bar.high.1.max(bar.low.1 + (x1 - x0) * 0.003),
                            SegmentValue::Exact(row + 1),
                        ),
                    ],
                    BLUE.mix(0.7).filled(),
                )))
                .map_err(|e| e.to_string())?;
            for (value, x, anchor) in [
                (&bar.low.0, bar.low.1, -1.0),
                (&bar.high.0, bar.high.1, 1.0),
            ] {
                let offset = (x1 - x0) * 0.01 * anchor;
                let x_text = if anchor < 0.0 {
                    x + offset - (x1 - x0) * 0.06
                } else {
                    x + offset
                };
                chart
                    .draw_series(std::iter::once(Text::new(
                        value.clone(),
                        (x_text.max(x0), SegmentValue::CenterOf(row)),
                        (FONT, 11),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![
                    (base, SegmentValue::Exact(0)),
                    (base, SegmentValue::Exact(n)),
                ],
                RED.stroke_width(2),
            )))
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}
