//! The availability-over-time curve: the system's availability in each
//! slice of the whole run (warm-up included) across replications, and the
//! interval availability from start-up to the end of each slice. It shows
//! how long a design takes to settle from everything new, and so what
//! warm-up a steady-state figure needs. Kept from one downtime total per
//! slice and replication (`Tally::with_slices`): no event is added.

use super::stats::{Comoments, Estimate};
use crate::model::Micros;

/// Running sums over replications, per slice.
#[derive(Clone, Debug, Default)]
pub struct CurveAccumulator {
    slice_us: Micros,
    run_end_us: Micros,
    /// Availability within each slice.
    slice: Vec<Comoments>,
    /// Availability from time zero to the end of each slice.
    cumulative: Vec<Comoments>,
}

/// One point of the curve.
#[derive(Clone, Debug, PartialEq)]
pub struct CurvePoint {
    pub start_h: f64,
    pub end_h: f64,
    /// Availability within the slice.
    pub availability: Estimate,
    /// Availability from time zero to the end of the slice.
    pub from_start: Estimate,
}

impl CurveAccumulator {
    /// For runs ending at `run_end_us`, cut in `n` slices as the engine's.
    pub fn new(run_end_us: Micros, n: usize) -> CurveAccumulator {
        CurveAccumulator {
            slice_us: run_end_us.div_ceil(n as Micros).max(1),
            run_end_us,
            slice: vec![Comoments::default(); n],
            cumulative: vec![Comoments::default(); n],
        }
    }

    fn bounds(&self, k: usize) -> (Micros, Micros) {
        let start = (k as Micros * self.slice_us).min(self.run_end_us);
        (start, (start + self.slice_us).min(self.run_end_us))
    }

    /// One replication's downtime per slice (empty: nothing to add).
    pub fn push(&mut self, slices_down_us: &[Micros]) {
        let mut down_so_far = 0;
        for (k, &down) in slices_down_us.iter().enumerate().take(self.slice.len()) {
            let (start, end) = self.bounds(k);
            if end <= start {
                break;
            }
            down_so_far += down;
            self.slice[k].push(1.0 - down as f64 / (end - start) as f64, 0.0);
            self.cumulative[k].push(1.0 - down_so_far as f64 / end as f64, 0.0);
        }
    }

    /// The curve, slice by slice (empty before any replication).
    pub fn points(&self) -> Vec<CurvePoint> {
        let hours = |us: Micros| us as f64 / 3.6e9;
        (0..self.slice.len())
            .filter(|&k| self.slice[k].count() > 0)
            .map(|k| {
                let (start, end) = self.bounds(k);
                let clamp = |e: Estimate| e.clamp_interval(0.0, 1.0);
                CurvePoint {
                    start_h: hours(start),
                    end_h: hours(end),
                    availability: clamp(self.slice[k].mean_estimate()),
                    from_start: clamp(self.cumulative[k].mean_estimate()),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_the_interval_from_start_are_averaged_over_replications() {
        let mut acc = CurveAccumulator::new(400, 4);
        acc.push(&[0, 50, 0, 100]);
        acc.push(&[100, 0, 0, 0]);
        let points = acc.points();
        assert_eq!(points.len(), 4);
        assert_eq!(
            (points[1].start_h, points[1].end_h),
            (100.0 / 3.6e9, 200.0 / 3.6e9)
        );
        assert_eq!(points[0].availability.mean, Some(0.5));
        assert_eq!(points[1].availability.mean, Some(0.75));
        // From start to 200: (1 - 50/200 + 1 - 100/200) / 2.
        assert_eq!(points[1].from_start.mean, Some(0.625));
        assert_eq!(
            points[3].from_start.mean,
            Some(((1.0 - 150.0 / 400.0) + 0.75) / 2.0)
        );
    }
}
