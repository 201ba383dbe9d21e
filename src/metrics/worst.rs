//! The replications a user wants to replay: those with the most system
//! downtime and with the longest system outage (`nines run`, then
//! `nines trace`).

use super::{Outcome, Window};
use crate::model::Micros;

/// How many replications of each kind are kept.
pub const KEPT: usize = 3;

/// One replication worth a look.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Notable {
    pub replication: u64,
    /// System downtime inside the window.
    pub downtime_us: Micros,
    /// The longest system outage that began inside the window.
    pub longest_outage_us: Micros,
}

/// The [`KEPT`] replications with the most downtime and those with the
/// longest outage, folded in replication order: ties go to the earlier
/// replication, so the result does not depend on the thread count.
#[derive(Clone, Debug, Default)]
pub struct Worst {
    pub most_downtime: Vec<Notable>,
    pub longest_outage: Vec<Notable>,
}

impl Worst {
    pub fn push(&mut self, replication: u64, system: &Outcome, window: Window) {
        let length = window.end_us - window.start_us;
        let notable = Notable {
            replication,
            downtime_us: length.saturating_sub(system.uptime_us),
            longest_outage_us: system.outages_us.iter().copied().max().unwrap_or(0),
        };
        if notable.downtime_us > 0 {
            keep(&mut self.most_downtime, notable, |n| n.downtime_us);
        }
        if notable.longest_outage_us > 0 {
            keep(&mut self.longest_outage, notable, |n| n.longest_outage_us);
        }
    }
}

/// Inserts `notable` into `list` (largest first, at most [`KEPT`]) when it is
/// strictly larger than one kept: an equal later replication does not
/// displace an earlier one.
fn keep(list: &mut Vec<Notable>, notable: Notable, key: impl Fn(&Notable) -> Micros) {
    let at = list
        .iter()
        .position(|n| key(&notable) > key(n))
        .unwrap_or(list.len());
    if at < KEPT {
        list.insert(at, notable);
        list.truncate(KEPT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(uptime_us: Micros, outages_us: Vec<Micros>) -> Outcome {
        Outcome {
            uptime_us,
            failures: outages_us.len() as u64,
            first_failure_us: None,
            outages_us,
            slices_down_us: Vec::new(),
        }
    }

    #[test]
    fn keeps_the_largest_in_order_and_ties_to_the_earlier_replication() {
        let window = Window {
            start_us: 0,
            end_us: 100,
        };
        let mut worst = Worst::default();
        for (rep, (up, outages)) in [
            (90, vec![10]),
            (100, vec![]),
            (80, vec![5, 15]),
            (90, vec![4, 6]),
            (70, vec![30]),
            (80, vec![20]),
        ]
        .into_iter()
        .enumerate()
        {
            worst.push(rep as u64, &outcome(up, outages), window);
        }
        let reps = |list: &[Notable]| list.iter().map(|n| n.replication).collect::<Vec<_>>();
        assert_eq!(reps(&worst.most_downtime), [4, 2, 5]);
        assert_eq!(reps(&worst.longest_outage), [4, 5, 2]);
        assert_eq!(worst.most_downtime[0].downtime_us, 30);
    }
}
