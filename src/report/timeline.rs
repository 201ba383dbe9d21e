//! `nines trace --svg`: one replication as a Gantt-style picture. A row per
//! node, link, service and the system (in order of first appearance, the
//! system last), a bar while it is down (or stalled), and a mark for each
//! detection, takeover, false suspicion, rotation change, alert,
//! election and injected fault, drawn with plotters in the compiled-in font.

use super::chart::{BLUE, FONT, GREY, RED, svg};
use super::trace::{Line, Trace};
use plotters::prelude::*;

/// Rows drawn at most; the others are named in the caption.
const MAX_ROWS: usize = 40;

/// What starts and ends a bar: (start kind, end kind).
const BARS: [(&str, &str); 4] = [
    ("down", "up"),
    ("stalled", "unstalled"),
    ("service_down", "service_up"),
    ("system_down", "system_up"),
];

struct Row {
    name: String,
    /// (from, to, start kind) in µs.
    bars: Vec<(u64, u64, &'static str)>,
    open: Vec<(u64, &'static str)>,
    /// (time, kind).
    marks: Vec<(u64, &'static str)>,
}

fn rows(lines: &[Line], end_us: u64) -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for l in lines {
        let i = match rows.iter().position(|r| r.name == l.entity) {
            Some(i) => i,
            None => {
                rows.push(Row {
                    name: l.entity.clone(),
                    bars: Vec::new(),
                    open: Vec::new(),
                    marks: Vec::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[i];
        if let Some(&(start, _)) = BARS.iter().find(|b| b.0 == l.kind) {
            row.open.push((l.time_us, start));
        } else if let Some(&(start, _)) = BARS.iter().find(|b| b.1 == l.kind) {
            if let Some(k) = row.open.iter().position(|o| o.1 == start) {
                let (from, kind) = row.open.remove(k);
                row.bars.push((from, l.time_us, kind));
            }
        } else if !matches!(l.kind, "serving") {
            row.marks.push((l.time_us, l.kind));
        }
    }
    for row in &mut rows {
        for (from, kind) in std::mem::take(&mut row.open) {
            row.bars.push((from, end_us, kind));
        }
    }
    // The system last, where the eye ends.
    rows.sort_by_key(|r| r.name == "system");
    rows
}

fn bar_colour(kind: &str) -> RGBAColor {
    match kind {
        "stalled" => RGBColor(230, 150, 30).mix(0.8),
        "service_down" => RED.mix(0.9),
        "system_down" => BLACK.mix(0.85),
        _ => RED.mix(0.45),
    }
}

fn mark_colour(kind: &str) -> RGBColor {
    match kind {
        "fault" => RGBColor(150, 40, 160),
        "false_suspicion"
        | "takeover_failed"
        | "no_member"
        | "leader_lost"
        | "election_called_off" => RED,
        "detected" | "takeover" | "election" | "elected" => BLUE,
        _ => GREY,
    }
}

/// The SVG of `trace`'s timeline.
pub(super) fn svg_of(trace: &Trace, lines: &[Line]) -> String {
    let (from, to) = (trace.from_us, trace.to_us.max(trace.from_us + 1));
    let mut all = rows(lines, to);
    let hidden = all.len().saturating_sub(MAX_ROWS);
    if hidden > 0 {
        // Keep the system and the services, then the busiest units.
        all.sort_by_key(|r| {
            let entity = r.bars.iter().any(|b| b.2 != "down" && b.2 != "stalled");
            (!entity, std::cmp::Reverse(r.bars.len() + r.marks.len()))
        });
        all.truncate(MAX_ROWS);
        all.sort_by_key(|r| r.name == "system");
    }
    let n = all.len().max(1);
    let span_h = (to - from) as f64 / 3.6e9;
    let (unit, scale) = if span_h > 72.0 {
        ("days", 24.0)
    } else {
        ("hours", 1.0)
    };
    let x = |us: u64| (us as f64 / 3.6e9) / scale;
    let mut title = format!(
        "{}: replication {} (seed {})",
        trace.model.name, trace.replication, trace.settings.seed
    );
    if hidden > 0 {
        title.push_str(&format!(", {hidden} quieter rows left out"));
    }
    svg(110 + 22 * n as u32, |root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 15))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(170)
            .build_cartesian_2d(x(from)..x(to), (0..n).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(format!("time since the start, {unit}"))
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) => all.get(*i).map_or(String::new(), |r| r.name.clone()),
                _ => String::new(),
            })
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 12))
            .draw()
            .map_err(|e| e.to_string())?;
        for (i, row) in all.iter().enumerate() {
            let bars = row.bars.iter().map(|&(a, b, kind)| {
                Rectangle::new(
                    [
                        (x(a.max(from)), SegmentValue::Exact(i)),
                        (x(b.min(to)).max(x(a.max(from))), SegmentValue::Exact(i + 1)),
                    ],
                    bar_colour(kind).filled(),
                )
            });
            chart.draw_series(bars).map_err(|e| e.to_string())?;
            let marks = row.marks.iter().map(|&(t, kind)| {
                TriangleMarker::new(
                    (x(t), SegmentValue::CenterOf(i)),
                    5,
                    mark_colour(kind).filled(),
                )
            });
            chart.draw_series(marks).map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}
