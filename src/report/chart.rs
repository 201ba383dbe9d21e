//! Charts drawn with plotters, as SVG text: the same on every machine, since
//! the one font they use (DejaVu Sans) is compiled in and registered once,
//! and nothing is read from the system.

use crate::metrics::curve::CurvePoint;
use crate::metrics::{Estimate, LogHistogram};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
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

/// Draws the legend of `chart`'s labelled series in the house style, in
/// text of `size` pixels, at `position`.
pub(super) fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    size: f64,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .label_font((FONT, size))
        .border_style(GREY)
        .background_style(WHITE.mix(0.9))
        .position(position)
        .draw()
        .map_err(|e| e.to_string())
}

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

/// A chart of a run's report, drawn as SVG text for the page or as a PNG
/// file of any width (text, lines and margins scaled with it).
pub enum Plot<'a> {
    Availability {
        title: &'a str,
        entities: &'a [(&'a str, &'a Estimate)],
    },
    Distribution {
        title: &'a str,
        x_desc: &'a str,
        y_desc: &'a str,
        histogram: &'a LogHistogram,
        mark: Option<(f64, &'a str)>,
    },
    Causes {
        title: &'a str,
        causes: &'a [(String, Estimate)],
    },
    Curve {
        title: &'a str,
        points: &'a [CurvePoint],
        overall: &'a Estimate,
        warmup_h: f64,
    },
}

impl Plot<'_> {
    /// The chart's caption.
    pub fn title(&self) -> &str {
        match *self {
            Plot::Availability { title, .. }
            | Plot::Distribution { title, .. }
            | Plot::Causes { title, .. }
            | Plot::Curve { title, .. } => title,
        }
    }

    /// The height in pixels at the width of [`WIDTH`].
    pub fn height(&self) -> u32 {
        match self {
            Plot::Availability { entities, .. } => availability_height(entities),
            Plot::Distribution { .. } => 340,
            Plot::Causes { causes, .. } => 100 + 30 * cause_list(causes).len().max(1) as u32,
            Plot::Curve { .. } => 360,
        }
    }

    /// The height of the chart drawn `width` pixels wide.
    pub fn height_at(&self, width: u32) -> u32 {
        (f64::from(self.height()) * f64::from(width) / f64::from(WIDTH)).round() as u32
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        s: f64,
    ) -> Result<(), String> {
        match *self {
            Plot::Availability { title, entities } => draw_availability(root, s, title, entities),
            Plot::Distribution {
                title,
                x_desc,
                y_desc,
                histogram,
                mark,
            } => draw_distribution(root, s, (title, x_desc, y_desc), histogram, mark),
            Plot::Causes { title, causes } => draw_causes(root, s, title, causes),
            Plot::Curve {
                title,
                points,
                overall,
                warmup_h,
            } => draw_curve(root, s, title, points, (overall, warmup_h)),
        }
    }

    /// The chart as SVG text, [`WIDTH`] pixels wide.
    pub fn svg(&self) -> String {
        svg(self.height(), |root| self.draw(&root, 1.0))
    }

    /// Draws the chart `width` pixels wide into a PNG file at `path` (the
    /// name must end in `.png`), and returns its size.
    ///
    /// # Errors
    /// When drawing or writing the file fails.
    pub fn png(&self, width: u32, path: &Path) -> Result<(u32, u32), String> {
        register();
        let size = (width, self.height_at(width));
        let root = BitMapBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        self.draw(&root, f64::from(width) / f64::from(WIDTH))?;
        root.present().map_err(|e| e.to_string())?;
        Ok(size)
    }
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
    Plot::Availability { title, entities }.svg()
}

fn availability_height(entities: &[(&str, &Estimate)]) -> u32 {
    110 + 34 * entities.len().max(1) as u32
}

fn draw_availability<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
    entities: &[(&str, &Estimate)],
) -> Result<(), String> {
    let px = |v: f64| (v * s).round() as u32;
    let n = entities.len().max(1);
    let top = entities
        .iter()
        .filter_map(|(_, e)| e.ci95.map(|[_, hi]| nines_of(hi)).or(e.mean.map(nines_of)))
        .fold(1.0f64, f64::max)
        .ceil()
        .max(2.0);
    {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 18.0 * s))
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(140.0))
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
            .label_style((FONT, 13.0 * s))
            .axis_desc_style((FONT, 14.0 * s))
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
                        BLACK.stroke_width(px(2.0)),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{:.5}%", mean * 100.0),
                    (x + 0.05, SegmentValue::CenterOf(i)),
                    (FONT, 12.0 * s),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }
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
    Plot::Distribution {
        title,
        x_desc,
        y_desc,
        histogram,
        mark,
    }
    .svg()
}

fn draw_distribution<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: f64,
    (title, x_desc, y_desc): (&str, &str, &str),
    histogram: &LogHistogram,
    mark: Option<(f64, &str)>,
) -> Result<(), String> {
    let px = |v: f64| (v * s).round() as u32;
    let (zeros, bins) = histogram.bins();
    let total: u64 = zeros + bins.iter().map(|b| b.1).sum::<u64>();
    {
        let (Some(first), Some(last)) = (bins.first(), bins.last()) else {
            root.draw(&Text::new(
                format!("{title}: no value above zero in {total}"),
                (px(20.0) as i32, px(40.0) as i32),
                (FONT, 16.0 * s),
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
        let mut chart = ChartBuilder::on(root)
            .caption(caption, (FONT, 16.0 * s))
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(60.0))
            .build_cartesian_2d((lo..hi).log_scale(), 0.0..top * 1.1)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .light_line_style(RGBColor(238, 240, 244))
            .label_style((FONT, 12.0 * s))
            .axis_desc_style((FONT, 13.0 * s))
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
                    RED.stroke_width(px(2.0)),
                )))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + px(16.0) as i32, y)],
                        RED.stroke_width(px(2.0)),
                    )
                });
            legend(&mut chart, 12.0 * s, SeriesLabelPosition::MiddleRight)?;
        }
        Ok(())
    }
}

/// Downtime by cause, largest first, minutes per year, with 95% whiskers.
pub fn causes(title: &str, causes: &[(String, Estimate)]) -> String {
    Plot::Causes { title, causes }.svg()
}

/// The causes drawn (some downtime), largest first, at most 12.
fn cause_list(causes: &[(String, Estimate)]) -> Vec<(&str, f64, Option<[f64; 2]>)> {
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
    list
}

fn draw_causes<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
    causes: &[(String, Estimate)],
) -> Result<(), String> {
    let px = |v: f64| (v * s).round() as u32;
    let list = cause_list(causes);
    let n = list.len().max(1);
    let top = list
        .iter()
        .map(|(_, m, ci)| ci.map_or(*m, |[_, hi]| hi.max(*m)))
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.15;
    {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16.0 * s))
            .margin(px(12.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(260.0))
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
            .label_style((FONT, 12.0 * s))
            .axis_desc_style((FONT, 13.0 * s))
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
                        BLACK.stroke_width(px(2.0)),
                    )))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(())
    }
}

/// The system's availability over time from start-up: within each slice
/// (a line in a band of its 95% interval) and from time zero to the end
/// of each slice (the interval availability, a second line); a dashed
/// line at the run's availability, and the end of the warm-up marked.
pub fn curve(title: &str, points: &[CurvePoint], overall: &Estimate, warmup_h: f64) -> String {
    Plot::Curve {
        title,
        points,
        overall,
        warmup_h,
    }
    .svg()
}

fn draw_curve<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: f64,
    title: &str,
    points: &[CurvePoint],
    (overall, warmup_h): (&Estimate, f64),
) -> Result<(), String> {
    let px = |v: f64| (v * s).round() as u32;
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
    // The values' range, with room below them for the legend.
    let low = values.iter().copied().fold(1.0, f64::min);
    let high = values.iter().copied().fold(low, f64::max).min(1.0);
    let span = (high - low).max(1e-9);
    let (y0, y1) = (
        percent((low - span * 0.7).max(0.0)),
        percent((high + span * 0.1).min(1.0 + span * 0.02)),
    );
    let x = |h: f64| h / per;
    {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 16.0 * s))
            .margin(px(14.0))
            .x_label_area_size(px(44.0))
            .y_label_area_size(px(90.0))
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
            .label_style((FONT, 12.0 * s))
            .axis_desc_style((FONT, 13.0 * s))
            .draw()
            .map_err(|e| e.to_string())?;
        let middle = |p: &CurvePoint| x((p.start_h + p.end_h) / 2.0);
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
                BLUE.stroke_width(px(2.0)),
            ))
            .map_err(|e| e.to_string())?
            .label("within each slice (band: 95% interval)")
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + px(16.0) as i32, y)],
                    BLUE.stroke_width(px(2.0)),
                )
            });
        chart
            .draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| Some((x(p.end_h), percent(p.from_start.mean?)))),
                RED.stroke_width(px(2.0)),
            ))
            .map_err(|e| e.to_string())?
            .label("from start-up to that time (interval availability)")
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x, y), (x + px(16.0) as i32, y)],
                    RED.stroke_width(px(2.0)),
                )
            });
        if let Some(a) = overall.mean {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, percent(a)), (x(end_h), percent(a))],
                    px(6.0),
                    px(4.0),
                    GREY.stroke_width(px(1.0)),
                ))
                .map_err(|e| e.to_string())?
                .label("the run's availability (measured window)")
                .legend(move |(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + px(16.0) as i32, y)],
                        GREY.stroke_width(px(1.0)),
                    )
                });
        }
        if warmup_h > 0.0 {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x(warmup_h), y0), (x(warmup_h), y1)],
                    BLACK.stroke_width(px(1.0)),
                )))
                .map_err(|e| e.to_string())?
                .label("end of the warm-up")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 16, y)], BLACK.stroke_width(px(1.0)))
                });
        }
        legend(&mut chart, 12.0 * s, SeriesLabelPosition::LowerRight)?;
        Ok(())
    }
}
