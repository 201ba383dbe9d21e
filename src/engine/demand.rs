//! A `demand` that follows a daily pattern: whether the healthy capacity
//! covers it depends on the hour, so a pool sized for the peak is down at
//! noon but up at night with the same members down.
//!
//! No event per hour: when a service's capacity changes (and at the start)
//! the next hour boundary at which "capacity covers the demand" flips is
//! found by looking at most a day ahead, and only that flip is an event
//! (`KIND_DEMAND`), called off by an epoch when the capacity changes first.
//! A service whose capacity covers every hour's demand, or none, has no
//! pending flip: the cost grows with state changes of the service only.

use super::plan::ServicePlan;
use super::{FutureEvents, KIND_DEMAND, Sim, payload};

const HOUR_US: u64 = 3_600_000_000;

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// The demand of service `spec` now: `base`, or its hour's.
    #[inline(always)]
    pub(super) fn demand_now(&self, spec: &ServicePlan, base: i64) -> i64 {
        match &spec.demand_hours {
            None => base,
            Some(hours) => hours[(self.now / HOUR_US % 24) as usize],
        }
    }

    /// Node `n`'s capacity came or went: its services with a demand
    /// pattern get their next flip rescheduled.
    #[cold]
    pub(super) fn demand_capacity_changed(&mut self, n: u32) {
        let plan = self.plan;
        for &s in plan.node_services.row(n as usize) {
            if plan.services[s as usize].demand_hours.is_some() {
                self.schedule_demand_flip(s);
            }
        }
    }

    /// Schedules the next hour boundary at which service `s`'s capacity
    /// stops or starts covering its demand (none if it never does within a
    /// day), replacing the one pending.
    pub(super) fn schedule_demand_flip(&mut self, s: u32) {
        let epoch = &mut self.demand_epoch[s as usize];
        *epoch = epoch.wrapping_add(1);
        let epoch = *epoch;
        let Some(hours) = &self.plan.services[s as usize].demand_hours else {
            return;
        };
        let capacity = self.services[s as usize].up_capacity;
        let hour = self.now / HOUR_US;
        let covered = capacity >= hours[(hour % 24) as usize];
        for k in 1..=24 {
            if (capacity >= hours[((hour + k) % 24) as usize]) != covered {
                let at = (hour + k).saturating_mul(HOUR_US);
                self.queue.push(at, payload(KIND_DEMAND, s, epoch));
                return;
            }
        }
    }

    /// The hour at which service `s`'s demand flips has come; false if stale.
    pub(super) fn on_demand_hour(&mut self, s: u32, epoch: u32) -> bool {
        if self.demand_epoch[s as usize] != epoch {
            return false;
        }
        self.trigger = super::causes::NONE;
        self.update_service(s);
        if !self.worklist.is_empty() {
            self.propagate();
        }
        self.schedule_demand_flip(s);
        true
    }
}
