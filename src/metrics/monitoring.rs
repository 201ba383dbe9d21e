//! Monitoring (`monitoring: {alert, respond}`): the delays before a repair
//! is asked for, counted by the engine, and their means over replications.
//!
//! `mttd_h` (mean time to detect) is the mean alert delay, from a failure to
//! the moment it is noticed, over the failures noticed inside the window;
//! `mtta_h` (mean time to acknowledge) the mean response delay, from that
//! moment to the acknowledgement, over the failures acknowledged inside the
//! window. Both are per failure of a unit (node, domain, link), not per
//! outage of a service: a failure a standby hides is counted too.

use super::intervals::{self, Pooled};
use super::{Comoments, Estimate};
use crate::model::MICROS_PER_HOUR;

/// One stage's delays in one replication: how many, their sum and sum of
/// squares in hours.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Delays {
    pub n: u64,
    pub sum_h: f64,
    pub sum_sq_h2: f64,
}

impl Delays {
    pub fn push(&mut self, us: u64) {
        let h = us as f64 / MICROS_PER_HOUR;
        self.n += 1;
        self.sum_h += h;
        self.sum_sq_h2 += h * h;
    }
}

/// What one replication counted: the alerts raised and the responses made
/// inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MonitorCounts {
    pub alert: Delays,
    pub respond: Delays,
}

/// One stage over replications: (hours, count) per replication, and every
/// delay pooled.
#[derive(Clone, Debug, Default)]
struct Stage {
    ratio: Comoments,
    pooled: Pooled,
}

impl Stage {
    fn push(&mut self, d: &Delays) {
        self.ratio.push(d.sum_h, d.n as f64);
        self.pooled.add(d.n, d.sum_h, d.sum_sq_h2);
    }

    fn estimate(&self) -> Estimate {
        intervals::mttr(&self.ratio, &self.pooled)
    }
}

/// Over replications, in replication order.
#[derive(Clone, Debug, Default)]
pub struct MonitorAccumulator {
    alert: Stage,
    respond: Stage,
}

impl MonitorAccumulator {
    pub fn push(&mut self, counts: &MonitorCounts) {
        self.alert.push(&counts.alert);
        self.respond.push(&counts.respond);
    }

    /// `mttd_h` and `mtta_h`, with the intervals of MTTR (a ratio of sums,
    /// with the pooled spread of the delays).
    pub fn figures(&self) -> [(&'static str, Estimate); 2] {
        [
            ("mttd_h", self.alert.estimate()),
            ("mtta_h", self.respond.estimate()),
        ]
    }
}
