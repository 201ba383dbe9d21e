//! The cost frontier of several designs or sweep points: each one's total
//! cost a year against its downtime, the Pareto-optimal ones (no other is
//! both cheaper and less down) marked and joined.

use super::chart::{BLUE, FONT, GREY, RED, svg};
use crate::metrics::Estimate;
use plotters::prelude::*;

/// One design or point: its label, total cost and downtime (min/yr).
pub struct Candidate {
    pub label: String,
    pub cost: Estimate,
    pub downtime: Estimate,
}

/// Which candidates are on the frontier: none other costs no more and is
/// down no longer, and strictly better in one.
pub fn pareto(candidates: &[Candidate]) -> Vec<bool> {
    let key = |c: &Candidate| c.cost.mean.zip(c.downtime.mean);
    candidates
        .iter()
        .map(|c| {
            let Some((x, y)) = key(c) else { return false };
            !candidates
                .iter()
                .any(|o| key(o).is_some_and(|(ox, oy)| ox <= x && oy <= y && (ox < x || oy < y)))
        })
        .collect()
}

/// An axis: linear, or log10 when the values span more than `ratio`
/// (values at or below zero drawn at the smallest positive one's half).
struct Axis {
    log: bool,
    floor: f64,
}

impl Axis {
    fn new(values: &[f64], ratio: f64) -> Axis {
        let floor = values
            .iter()
            .copied()
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        Axis {
            log: floor.is_finite() && hi / floor > ratio,
            floor: floor * 0.5,
        }
    }

    fn at(&self, v: f64) -> f64 {
        if self.log {
            v.max(self.floor).log10()
        } else {
            v
        }
    }

    fn label(&self, v: f64) -> String {
        let x = if self.log { 10f64.powf(v) } else { v };
        if x.abs() >= 100.0 {
            format!("{x:.0}")
        } else {
            format!("{x:.2}")
        }
    }
}

/// The chart: downtime against total cost (each on a log scale when it
/// spans more than 20×), with 95% whiskers on both.
pub fn chart(candidates: &[Candidate]) -> String {
    let on = pareto(candidates);
    let points: Vec<(usize, f64, f64)> = candidates
        .iter()
        .enumerate()
        .filter_map(|(i, c)| Some((i, c.cost.mean?, c.downtime.mean?)))
        .collect();
    let xa = Axis::new(&points.iter().map(|p| p.1).collect::<Vec<_>>(), 20.0);
    let ya = Axis::new(&points.iter().map(|p| p.2).collect::<Vec<_>>(), 20.0);
    let xs: Vec<f64> = points.iter().map(|p| xa.at(p.1)).collect();
    let ys: Vec<f64> = points.iter().map(|p| ya.at(p.2)).collect();
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = (hi - lo).max(hi.abs() * 0.05).max(1e-9) * 0.12;
        (lo - pad, hi + pad)
    };
    let (x0, x1) = range(&xs);
    let x1 = x1 + (x1 - x0) * 0.2;
    let (y0, y1) = range(&ys);
    let title = "total cost a year against downtime: the frontier (red) is every design no other beats on both";
    svg(420, |root| {
        if points.is_empty() {
            return root
                .draw(&Text::new("no design has a cost", (20, 40), (FONT, 16)))
                .map_err(|e| e.to_string());
        }
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 14))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| e.to_string())?;
        let scale = |log: bool| if log { " (log scale)" } else { "" };
        chart
            .configure_mesh()
            .light_line_style(RGBColor(238, 240, 244))
            .x_desc(format!("total cost per year{}", scale(xa.log)))
            .y_desc(format!("downtime, min/yr{}", scale(ya.log)))
            .x_label_formatter(&|v| xa.label(*v))
            .y_label_formatter(&|v| ya.label(*v))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 13))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut front: Vec<(f64, f64)> = points
            .iter()
            .zip(xs.iter().zip(&ys))
            .filter(|(p, _)| on[p.0])
            .map(|(_, (&x, &y))| (x, y))
            .collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(front, RED.stroke_width(2)))
            .map_err(|e| e.to_string())?;
        for (&(i, _, _), (&x, &y)) in points.iter().zip(xs.iter().zip(&ys)) {
            let c = &candidates[i];
            let colour = if on[i] { RED } else { GREY };
            if let Some([lo, hi]) = c.cost.ci95 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(xa.at(lo), y), (xa.at(hi), y)],
                        colour.stroke_width(1),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            if let Some([lo, hi]) = c.downtime.ci95 {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, ya.at(lo)), (x, ya.at(hi))],
                        colour.stroke_width(1),
                    )))
                    .map_err(|e| e.to_string())?;
            }
            let style = if on[i] {
                RED.filled()
            } else {
                BLUE.mix(0.5).filled()
            };
            chart
                .draw_series(std::iter::once(Circle::new((x, y), 5, style)))
                .map_err(|e| e.to_string())?;
            chart
                .draw_series(std::iter::once(Text::new(
                    c.label.clone(),
                    (x + (x1 - x0) * 0.012, y),
                    (FONT, 11),
                )))
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(label: &str, cost: f64, downtime: f64) -> Candidate {
        let e = |x: f64| Estimate {
            mean: Some(x),
            ..Estimate::UNDEFINED
        };
        Candidate {
            label: label.into(),
            cost: e(cost),
            downtime: e(downtime),
        }
    }

    #[test]
    fn the_frontier_keeps_what_nothing_beats_on_both() {
        let all = [
            c("cheap", 1.0, 100.0),
            c("dear", 10.0, 1.0),
            c("beaten", 5.0, 120.0),
            c("middle", 4.0, 10.0),
            c("tie", 4.0, 10.0),
        ];
        assert_eq!(pareto(&all), [true, true, false, true, true]);
        let svg = chart(&all);
        assert!(svg.contains("the frontier (red)"));
        assert!(svg.contains("middle"));
    }
}
