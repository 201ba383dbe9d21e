//! How a lumped standby pool reacts: the engine's conventions
//! (engine/standby.rs) on counts. Under the lumping conditions (see
//! `analytic::standby`) a slot carries nothing but its phase and the class
//! of its member, so the per-member steps become:
//! - a serving member fails: with a free up member its slot fails over (a
//!   coverage draw) and the first free up member in pool order is switched
//!   in; with none there is no failover and the slot is down;
//! - a member being switched in fails: the takeover starts again with the
//!   next free member, with no new coverage draw;
//! - a domain outage or a group shock downs every busy member of a class at
//!   once (busy members are up and running). The per-member chain handles
//!   them one by one in node order; the counts it ends with do not depend on
//!   that order (see [`Builder::take_over`]);
//! - members coming up fill down slots, in node order: class by class,
//!   since each class's members are contiguous in node order;
//! - each slot being taken over completes at the takeover rate.

use super::{Builder, Busy, Hit, State};
use crate::analytic::standby::{Layout, Pool, StandbySpec};

/// P(k successes in n trials of probability p).
fn binomial(n: u32, k: u32, p: f64) -> f64 {
    let choose = (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1));
    choose * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32)
}

impl Builder<'_> {
    /// Members of class `c` whose node is up: up in their own modes, and
    /// every domain above them up.
    pub(super) fn nodes_up(&self, state: &State, c: usize) -> u32 {
        let class = &self.classes[c];
        let domains_up = class
            .domain
            .is_none_or(|d| self.domain_chain[d].iter().all(|&a| state.domains[a] == 0));
        if domains_up {
            self.up_count(state, c)
        } else {
            0
        }
    }

    /// Whether a lumped standby service serves: every slot has a serving
    /// member (serving members are up).
    pub(super) fn pool_serves(&self, state: &State, spec: &StandbySpec) -> bool {
        let Layout::Lumped { runs, .. } = &spec.layout else {
            return false;
        };
        let pool = Pool { spec };
        pool.down(state) == 0 && (0..runs.len()).all(|j| pool.switching(state, j) == 0)
    }

    /// Takeover completions: each of the `t` members of a class being
    /// switched in finishes at the takeover rate, `t` × rate in all.
    pub(super) fn pool_completions(
        &self,
        spec: &StandbySpec,
        state: &State,
        out: &mut Vec<(State, f64)>,
    ) {
        let (Layout::Lumped { runs, .. }, Some(rate)) = (&spec.layout, spec.takeover_rate) else {
            return;
        };
        let pool = Pool { spec };
        for j in 0..runs.len() {
            let switching = pool.switching(state, j);
            if switching > 0 {
                let mut next = state.clone();
                *pool.switching_mut(&mut next, j) -= 1;
                *pool.serving_mut(&mut next, j) += 1;
                out.push((next, f64::from(switching) * rate));
            }
        }
    }

    /// The reaction of lumped standby service `spec` to the transition from
    /// `before` to `after`; `hit` names the role of the member a single
    /// failure hit. Each outcome comes with its probability; then the
    /// expected number of failovers started.
    pub(super) fn pool_react(
        &self,
        spec: &StandbySpec,
        before: &State,
        after: State,
        hit: Option<Hit>,
    ) -> (Vec<(State, f64)>, f64) {
        let Layout::Lumped { runs, up_order, .. } = &spec.layout else {
            return (vec![(after, 1.0)], 0.0);
        };
        let pool = Pool { spec };
        let mut state = after;
        let (mut failovers, mut restarts) = (0, 0);
        let mut came_up = vec![0u32; runs.len()];
        for (j, &c) in runs.iter().enumerate() {
            let (was, is) = (self.nodes_up(before, c), self.nodes_up(&state, c));
            match hit.filter(|h| h.class == c).map(|h| h.role) {
                Some(Busy::Serving) => {
                    *pool.serving_mut(&mut state, j) -= 1;
                    failovers += 1;
                }
                Some(Busy::Switching) => {
                    *pool.switching_mut(&mut state, j) -= 1;
                    restarts += 1;
                }
                Some(Busy::Idle) => {}
                // A domain outage or a group shock: every busy member was up
                // and running, so every one is down now.
                None if is < was => {
                    failovers += std::mem::take(pool.serving_mut(&mut state, j));
                    restarts += std::mem::take(pool.switching_mut(&mut state, j));
                }
                None => came_up[j] = is.saturating_sub(was),
            }
        }
        let (mut outcomes, counted) = self.take_over(spec, state, failovers, restarts);
        for (state, _) in &mut outcomes {
            for &j in up_order {
                let filled = came_up[j].min(pool.down(state));
                *pool.down_mut(state) -= filled;
                *pool.serving_mut(state, j) += filled;
            }
        }
        (outcomes, counted)
    }

    /// Fills slots left by `failovers` serving members (each a coverage
    /// draw) and `restarts` members being switched in. Per member, each
    /// slot in turn is down (not covered) or takes the next free member in
    /// pool order; the free members are the same whichever slot asks, so
    /// the counts depend only on how many failovers were covered: a
    /// binomial draw. A slot that finds no free member left draws no
    /// coverage (there is no failover): as the lumped state does not tell a
    /// failed takeover from a slot with no member, capping the covered
    /// slots by the free members gives the same states.
    ///
    /// Also returns the expected number of failovers the engine counts:
    /// those that found a free member. With `m` free members left after
    /// the restarts, the failover slots draw coverage in turn until `m`
    /// were covered; given `k` covered of `n`, the covered ones are a
    /// uniformly random k-subset, so the slots counted (up to the m-th
    /// covered one) number n when k < m and m(n + 1)/(k + 1) on average
    /// otherwise. The restarts are taken first: when one event downs both
    /// serving members and members being switched in and too few members
    /// are free for all of them, the engine goes in node order, which the
    /// lumped state does not keep, and the count is then this convention's.
    fn take_over(
        &self,
        spec: &StandbySpec,
        state: State,
        failovers: u32,
        restarts: u32,
    ) -> (Vec<(State, f64)>, f64) {
        if failovers + restarts == 0 {
            return (vec![(state, 1.0)], 0.0);
        }
        let pool = Pool { spec };
        let mut outcomes = Vec::new();
        let free = self.free_members(spec, &state).saturating_sub(restarts);
        let mut counted = 0.0;
        for covered in 0..=failovers {
            let probability = binomial(failovers, covered, spec.coverage);
            if probability == 0.0 {
                continue;
            }
            counted += probability
                * if covered < free {
                    f64::from(failovers)
                } else {
                    f64::from(free) * f64::from(failovers + 1) / f64::from(covered + 1)
                };
            let mut next = state.clone();
            *pool.down_mut(&mut next) += failovers - covered;
            for _ in 0..covered + restarts {
                self.switch_in(spec, &mut next);
            }
            outcomes.push((next, probability));
        }
        (outcomes, counted)
    }

    /// Up members of the pool serving no slot and not being switched in.
    fn free_members(&self, spec: &StandbySpec, state: &State) -> u32 {
        let Layout::Lumped { runs, .. } = &spec.layout else {
            return 0;
        };
        let pool = Pool { spec };
        (0..runs.len())
            .map(|j| {
                let busy = pool.serving(state, j) + pool.switching(state, j);
                self.nodes_up(state, runs[j]).saturating_sub(busy)
            })
            .sum()
    }

    /// Switches the first free up member in pool order into a slot, or
    /// counts the slot down when there is none: the engine's
    /// `start_takeover` after its coverage draw.
    fn switch_in(&self, spec: &StandbySpec, state: &mut State) {
        let Layout::Lumped { runs, .. } = &spec.layout else {
            return;
        };
        let pool = Pool { spec };
        let free = (0..runs.len()).find(|&j| {
            let busy = pool.serving(state, j) + pool.switching(state, j);
            self.nodes_up(state, runs[j]) > busy
        });
        match (free, spec.takeover_rate) {
            (Some(j), Some(_)) => *pool.switching_mut(state, j) += 1,
            (Some(j), None) => *pool.serving_mut(state, j) += 1,
            (None, _) => *pool.down_mut(state) += 1,
        }
    }
}
