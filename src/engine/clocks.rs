//! Failure-mode clocks: drawn in units of work, run at their unit's speed,
//! paused while the unit is down for another mode, and rescaled when the
//! unit's speed changes (an idle warm standby ages more slowly; an idle
//! cold standby not at all). At speed 1 a clock is plain elapsed time.

use super::{FutureEvents, KIND_FAIL, Sim, payload};

/// Real time needed to do `work_us` of work at `speed` (> 0).
fn real_time(work_us: u64, speed: f64) -> u64 {
    if speed == 1.0 {
        work_us
    } else {
        (work_us as f64 / speed).round() as u64
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// A fresh time to failure for mode `m`, if it has a clock of its own.
    pub(super) fn draw_ttf(&mut self, m: u32) -> Option<u64> {
        let mode = &self.plan.modes[m as usize];
        let ttf = mode.ttf.as_ref()?;
        Some(
            ttf.sample_us(
                &mut self
                    .modes
                    .write::<MODE>(m as usize, &mut self.journal)
                    .ttf_stream,
            ),
        )
    }

    /// Starts mode `m`'s clock with a fresh time to failure.
    pub(super) fn start_clock(&mut self, m: u32) {
        let Some(work) = self.draw_ttf(m) else { return };
        self.modes
            .write::<MODE>(m as usize, &mut self.journal)
            .remaining_us = work;
        self.schedule_clock(m);
    }

    /// Schedules the work left on mode `m`'s clock at its unit's speed; at
    /// speed zero the clock stays parked.
    fn schedule_clock(&mut self, m: u32) {
        debug_assert_eq!(self.modes[m as usize].pool_slot, super::rare::NOT_POOLED);
        let unit = self.plan.modes[m as usize].unit as usize;
        let speed = self.unit_speed[unit];
        if Self::SPLITTING && speed == 1.0 && !self.pools.is_empty() {
            // Splitting: a clock at full speed runs in its mean's pool.
            let class = self.plan.pools.class[m as usize];
            if class != super::rare::NOT_POOLED {
                self.join_pool(m, class as usize);
                return self.reschedule_pool(class as usize);
            }
        }
        let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
        if speed <= 0.0 {
            state.scheduled = false;
            return;
        }
        state.due_us = self
            .now
            .saturating_add(real_time(state.remaining_us, speed));
        state.scheduled = true;
        self.queue
            .push(state.due_us, payload(KIND_FAIL, m, state.epoch));
    }

    /// Stops mode `m`'s scheduled clock, keeping the work it has left.
    fn park_clock(&mut self, m: u32, speed: f64) {
        let state = self.modes.write::<MODE>(m as usize, &mut self.journal);
        if !state.scheduled {
            return;
        }
        if state.pool_slot != super::rare::NOT_POOLED {
            return self.unpool(m);
        }
        let left = state.due_us - self.now;
        state.remaining_us = if speed == 1.0 {
            left
        } else {
            (left as f64 * speed).round() as u64
        };
        state.epoch = state.epoch.wrapping_add(1);
        state.scheduled = false;
    }

    /// A unit down for one mode is not running, so its other clocks stop.
    #[inline(always)]
    pub(super) fn pause_other_clocks(&mut self, unit: usize, except: u32) {
        let u = &self.plan.units[unit];
        let speed = self.unit_speed[unit];
        for other in u.modes_start..u.modes_end {
            if other != except && !self.modes[other as usize].failed {
                self.park_clock(other, speed);
            }
        }
    }

    /// The unit runs again: its clocks go on with the work they had left.
    pub(super) fn resume_other_clocks(&mut self, unit: usize, except: u32) {
        let u = &self.plan.units[unit];
        for other in u.modes_start..u.modes_end {
            if other != except && self.plan.modes[other as usize].ttf.is_some() {
                self.schedule_clock(other);
            }
        }
    }

    /// Changes how fast a unit's clocks run, rescaling those that are running.
    pub(super) fn set_speed(&mut self, unit: usize, speed: f64) {
        let old = self.unit_speed[unit];
        if old == speed {
            return;
        }
        let running = self.unit_failed[unit] == 0;
        let u = &self.plan.units[unit];
        if running {
            for m in u.modes_start..u.modes_end {
                self.park_clock(m, old);
            }
        }
        *self.unit_speed.write::<MODE>(unit, &mut self.journal) = speed;
        if running {
            for m in u.modes_start..u.modes_end {
                if self.plan.modes[m as usize].ttf.is_some() {
                    self.schedule_clock(m);
                }
            }
        }
    }
}
