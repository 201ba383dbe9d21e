//! Charts drawn with plotters, as SVG text: the same on every machine, since
//! the one font they use (DejaVu Sans) is compiled in and registered once,
//! and nothing is read from the system.

use crate::metrics::{Estimate, LogHistogram};
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::Once;

/// The font every chart's text uses.
pub const FONT: &str = "sans-serif";
static DEJAVU: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are a valid font (tested); a failure would leave text unset, not panic.
        let _ = register_font(FONT, FontStyle::Normal, DEJAVU);
    });
}

/// Chart size in pixels.
pub const WIDTH: u32 = 720;

pub(super) const BLUE: RGBColor = RGBColor(45, 106, 179);
pub(super) const RED: RGBColor = RGBColor(200, 60, 50);
pub(super) const GREY: RGBColor = RGBColor(120, 120, 120);

/// Runs `draw` on an SVG canvas of `height` pixels and returns the SVG text.
pub(super) fn svg(
    height: u32,
    draw: impl FnOnce(DrawingArea<SVGBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> String {
    register();
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (WIDTH, height)).into_drawing_area();
        let drawn = root
            .fill(&WHITE)
            .map_err(|e| e.to_string())
            .and_then(|()| draw(root.clone()));
        if drawn.is_ok() {
            let _ = root.present();
        }
    }
    text
}

fn nines_of(a: f64) -> f64 {
    if a >= 1.0 {
        9.0
    } else {
        (-(1.0 - a).log10()).min(9.0)
    }
}

/// Availability per entity on a nines scale, a bar to the estimate and a
/// whisker over its 95% interval.
pub fn availability(title: &str, entities: &[(&str, &Estimate)]) -> String {
    let n = entities.len().max(1);
    let height = 110 + 34 * n as u32;
    let top = entities
        .iter()
        .filter_map(|(_, e)| e.ci95.map(|[_, hi]| nines_of(hi)).or(e.mean.map(nines_of)))
        .fold(1.0f64, f64::max)
        .ceil()
        .max(2.0);
    svg(height, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(140)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(RGBColor(238, 240, 244))
            .x_desc("nines: -log10(1 - availability)")
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => entities
                    .get(*i)
                    .map_or(String::new(), |(name, _)| name.to_string()),
                _ => String::new(),
            })
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (_, e)) in entities.iter().enumerate() {
            let Some(mean) = e.mean else { continue };
            let x = nines_of(mean);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (x, SegmentValue::Exact(i + 1)),
                    ],
                    BLUE.mix(0.75).filled(),
                )))
                .map_err(|e| e.to_string())?;
            if let Some([lo, hi]) = e.ci95 {
                let (lo, hi) = (nines_of(lo), nines_of(hi));
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (lo, SegmentValue::CenterOf(i)),
                            (hi, SegmentValue::CenterOf(i)),
                        ],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{:.5}%", mean * 100.0),
                    (x + 0.05, SegmentValue::CenterOf(i)),
                    (FONT, 12),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Bars of a histogram on a log axis: `bins` (value, count), rebinned into
/// about 30 classes of equal ratio; `zeros` are shown as a note. A vertical
/// line marks `mark` (a budget) when given.
pub fn distribution(
    title: &str,
    x_desc: &str,
    y_desc: &str,
    histogram: &LogHistogram,
    mark: Option<(f64, &str)>,
) -> String {
    let (zeros, bins) = histogram.bins();
    let total: u64 = zeros + bins.iter().map(|b| b.1).sum::<u64>();
    svg(340, |root| {
        let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
            root.draw(&Text::new(
                format!("{title}: no value above zero in {total}"),
                (20, 40),
                (FONT, 16),
            ))
            .map_err(|e| e.to_string())?;
            return Ok(());
        };
        let (mut lo, mut hi) = (first.0 * 0.9, (last.0 * 1.1).max(first.0 * 1.2));
        // The budget is always in view, however far from the values.
        if let Some((x, _)) = mark.filter(|(x, _)| *x > 0.0) {
            (lo, hi) = (lo.min(x * 0.8), hi.max(x * 1.25));
        }
        let classes = 30usize;
        let ratio = (hi / lo).ln() / classes as f64;
        let mut counts = vec![0u64; classes];
        for &(v, c) in &bins {
            let k = (((v / lo).ln() / ratio) as usize).min(classes - 1);
            counts[k] += c;
        }
        let top = counts.iter().copied().max().unwrap_or(1) as f64 / total.max(1) as f64;
        let caption = if zeros > 0 {
            format!(
                "{title} ({:.1}% at zero, not shown)",
                zeros as f64 * 100.0 / total as f64
            )
        } else {
            title.to_string()
        };
        let mut chart = ChartBuilder::on(&root)
            .caption(caption, (FONT, 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..top * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .light_line_style(RGBColor(238, 240, 244))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(
                counts
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c > 0)
                    .map(|(k, &c)| {
                        let x0 = lo * (ratio * k as f64).exp();
                        let x1 = lo * (ratio * (k + 1) as f64).exp();
                        Rectangle::new(
                            [(x0, 0.0), (x1, c as f64 / total as f64)],
                            BLUE.mix(0.7).filled(),
                        )
                    }),
            )
            .map_err(|e| e.to_string())?;
        if let Some((x, label)) = mark.filter(|(x, _)| *x > lo && *x < hi) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x, 0.0), (x, top * 1.05)],
                    RED.stroke_width(2),
                )))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
            chart
                .configure_series_labels()
                .label_font((FONT, 12))
                .border_style(GREY)
                .background_style(WHITE.mix(0.9))
                .draw()
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

/// Downtime by cause, largest first, minutes per year, with 95% whiskers.
pub fn causes(title: &str, causes: &[(String, Estimate)]) -> String {
    let mut list: Vec<(&str, f64, Option<[f64; 2]>)> = causes
        .iter()
        .filter_map(|(name, e)| {
            e.mean
                .filter(|m| *m > 0.0)
                .map(|m| (name.as_str(), m, e.ci95))
        })
        .collect();
    list.sort_by(|a, b| b.1.total_cmp(&a.1));
    list.truncate(12);
    let n = list.len().max(1);
    let top = list
        .iter()
        .map(|(_, m, ci)| ci.map_or(*m, |[_, hi]| hi.max(*m)))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    svg(100 + 30 * n as u32, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 16))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..top, (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("downtime, minutes per year")
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => {
                    list.get(*i).map_or(String::new(), |c| c.0.to_string())
                }
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, (_, m, ci)) in list.iter().enumerate() {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(i)),
                        (*m, SegmentValue::Exact(i + 1)),
                    ],
                    RED.mix(0.6).filled(),
                )))
                .map_err(|e| e.to_string())?;
            if let Some([lo, hi]) = ci {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (*lo, SegmentValue::CenterOf(i)),
                            (*hi, SegmentValue::CenterOf(i)),
                        ],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    })
}

/// The system's availability over time from start-up: within each slice
/// (a line in a band of its 95% interval) and from time zero to the end
/// of each slice (the interval availability, a second line); a dashed
/// line at the run's availability, and the end of the warm-up marked.
pub fn curve(
    title: &str,
    points: &[crate::metrics::curve::CurvePoint],
    overall: &Estimate,
    warmup_h: f64,
) -> String {
    let end_h = points.last().map_or(1.0, |p| p.end_h);
    // Years for runs of two years or more, days from two days, else hours.
    let (unit, per) = if end_h >= 2.0 * 8760.0 {
        ("years", 8760.0)
    } else if end_h >= 48.0 {
        ("days", 24.0)
    } else {
        ("hours", 1.0)
    };
    let percent = |x: f64| x * 100.0;
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| {
            let band = p
                .availability
                .ci95
                .map_or([None, None], |[lo, hi]| [Some(lo), Some(hi)]);
            [p.availability.mean, p.from_start.mean]
                .into_iter()
                .chain(band)
                .flatten()
        })
        .chain(overall.mean)
        .collect();
    let low = values.iter().copied().fold(1.0, f64::min);
    let span = (1.0 - low).max(1e-9);
    let (y0, y1) = (percent(low - span * 0.08), percent(1.0 + span * 0.04));
    let x = |h: f64| h / per;
    svg(360, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 16))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d(0.0..x(end_h), y0..y1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(238, 240, 244))
            .x_desc(format!("time from start-up, {unit}"))
            .y_desc("availability (%)")
            .y_label_formatter(&|y| {
                let decimals = (-(y1 - y0).log10()).ceil().max(0.0) as usize + 1;
                format!("{y:.decimals$}")
            })
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let middle = |p: &crate::metrics::curve::CurvePoint| x((p.start_h + p.end_h) / 2.0);
        let band: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|p| p.availability.ci95.map(|[_, hi]| (middle(p), percent(hi))))
            .chain(
                points
                    .iter()
                    .rev()
                    .filter_map(|p| p.availability.ci95.map(|[lo, _]| (middle(p), percent(lo)))),
            )
            .collect();
        if band.len() >= 4 {
            chart
                .draw_series(std::iter::once(Polygon::new(band, BLUE.mix(0.15).filled())))
                .map_err(|e| e.to_string())?;
        }
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| Some((middle(p), percent(p.availability.mean?)))),
                BLUE.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("within each slice (band: 95% interval)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| Some((x(p.end_h), percent(p.from_start.mean?)))),
                RED.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?
            .label("from start-up to that time (interval availability)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], RED.stroke_width(2)));
        if let Some(a) = overall.mean {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, percent(a)), (x(end_h), percent(a))],
                    6,
                    4,
                    GREY.stroke_width(1),
                ))
                .map_err(|e| e.to_string())?
                .label("the run's availability (measured window)")
                .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], GREY.stroke_width(1)));
        }
        if warmup_h > 0.0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x(warmup_h), y0), (x(warmup_h), y1)],
                    BLACK.stroke_width(1),
                )))
                .map_err(|e| e.to_string())?
                .label("end of the warm-up")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(1))
                });
        }
        chart
            .configure_series_labels()
            .label_font((FONT, 12))
            .border_style(GREY)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::LowerRight)
            .draw()
            .map_err(|e| e.to_string())?;
        Ok(())
    })
}
