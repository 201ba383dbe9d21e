//! How standby services react to their members going down or coming up,
//! mirroring the engine (engine/standby.rs) step by step, with a branch
//! for each outcome of a coverage draw. This file handles pools kept per
//! member and dispatches lumped ones to `pool`.

use super::{Builder, Hit, Role, State};
use crate::analytic::standby::{
    DOWN_FAILED, DOWN_NO_MEMBER, Layout, SERVING, Slots, StandbySpec, TAKING_OVER,
};

impl Builder<'_> {
    /// Whether the node of class `c` (a single node) is up: its own modes
    /// and every domain above it.
    pub(super) fn node_up(&self, state: &State, c: usize) -> bool {
        let class = &self.classes[c];
        let domains_up = class
            .domain
            .is_none_or(|d| self.domain_chain[d].iter().all(|&a| state.domains[a] == 0));
        domains_up && self.up_count(state, c) > 0
    }

    /// How fast the clocks of class `c` run: an idle standby's speed. A
    /// lumped pool class has members in several roles: see `failing`.
    pub(super) fn speed(&self, state: &State, c: usize) -> f64 {
        match self.role[c] {
            Some(Role::Member { standby, index }) => {
                let spec = &self.standbys[standby];
                if (Slots { spec }).busy(state, index) {
                    1.0
                } else {
                    spec.idle_speed
                }
            }
            Some(Role::Run { .. }) | None => 1.0,
        }
    }

    pub(super) fn standby_serves(&self, state: &State, spec: &StandbySpec) -> bool {
        let pool_classes = match &spec.layout {
            Layout::PerMember { pool_classes } => pool_classes,
            Layout::Lumped { .. } => return self.pool_serves(state, spec),
        };
        let slots = Slots { spec };
        (0..spec.slots).all(|slot| {
            slots.phase(state, slot) == SERVING
                && self.node_up(state, pool_classes[slots.member(state, slot) as usize])
        })
    }

    /// Every transition out of `state`: the raw ones, each followed by the
    /// standby services' reactions, and the completions of takeovers.
    /// `failovers` gets, per standby service (its index among the standby
    /// specs) whose failovers a transition out of `state` starts, the rate
    /// of those failovers: the transition's rate times the expected number
    /// it starts, counted as the engine counts them (a serving member lost
    /// with a free member to switch in, whether the takeover then works).
    pub(super) fn successors(
        &self,
        state: &State,
        out: &mut Vec<(State, f64)>,
        failovers: &mut Vec<(u32, f64)>,
    ) {
        let mut raw = Vec::new();
        self.raw_successors(state, &mut raw);
        let mut tally = vec![0.0; self.standbys.len()];
        for transition in raw {
            tally.iter_mut().for_each(|t| *t = 0.0);
            let reacted = self.react(state, transition.state, transition.hit, &mut tally);
            for (k, &count) in tally.iter().enumerate() {
                if count > 0.0 {
                    failovers.push((k as u32, transition.rate * count));
                }
            }
            let reacted = if self.elections.is_empty() {
                reacted
            } else {
                self.elect_react(state, reacted)
            };
            for (next, probability) in reacted {
                out.push((next, transition.rate * probability));
            }
        }
        self.election_completions(state, out);
        for spec in &self.standbys {
            if let Layout::Lumped { .. } = spec.layout {
                self.pool_completions(spec, state, out);
                continue;
            }
            let slots = Slots { spec };
            for slot in 0..spec.slots {
                let phase = slots.phase(state, slot);
                if let (true, Some(rate)) = (phase >= TAKING_OVER, spec.takeover_rate) {
                    let mut next = state.clone();
                    self.complete_takeover(spec, &mut next, slot, phase - TAKING_OVER);
                    out.push((next, rate));
                }
            }
        }
    }

    /// Applies the reaction of every standby service to the members whose
    /// state differs between `before` and `after`: in node order for pools
    /// kept per member, then class by class for lumped pools (services do
    /// not share members, so their reactions are independent). `tally[k]`
    /// gets the expected number of failovers standby service k starts.
    fn react(
        &self,
        before: &State,
        after: State,
        hit: Option<Hit>,
        tally: &mut [f64],
    ) -> Vec<(State, f64)> {
        let mut outcomes = self.react_per_member(before, after, tally);
        for (k, spec) in self.standbys.iter().enumerate() {
            if let Layout::Lumped { .. } = spec.layout {
                let mut next = Vec::with_capacity(outcomes.len());
                for (state, p) in outcomes {
                    let (branches, failovers) = self.pool_react(spec, before, state, hit);
                    tally[k] += p * failovers;
                    next.extend(branches.into_iter().map(|(s, q)| (s, p * q)));
                }
                outcomes = next;
            }
        }
        outcomes
    }

    /// The reactions of the pools kept per member, in node order.
    fn react_per_member(
        &self,
        before: &State,
        after: State,
        tally: &mut [f64],
    ) -> Vec<(State, f64)> {
        let mut changes = Vec::new();
        for (k, spec) in self.standbys.iter().enumerate() {
            let Layout::PerMember { pool_classes } = &spec.layout else {
                continue;
            };
            for (i, &c) in pool_classes.iter().enumerate() {
                let (was, is) = (self.node_up(before, c), self.node_up(&after, c));
                if was != is {
                    changes.push((self.classes[c].node.unwrap_or(0), k, i as u32, is));
                }
            }
        }
        changes.sort_by_key(|change| change.0);
        let mut outcomes = vec![(after, 1.0)];
        for &(_, k, i, up) in &changes {
            let spec = &self.standbys[k];
            let mut next_outcomes = Vec::new();
            for (state, p) in outcomes {
                let branches = if up {
                    vec![(self.member_up(spec, state, i), 1.0)]
                } else {
                    let (branches, failovers) = self.member_down(spec, state, i);
                    tally[k] += p * failovers;
                    branches
                };
                next_outcomes.extend(branches.into_iter().map(|(s, q)| (s, p * q)));
            }
            outcomes = next_outcomes;
        }
        outcomes
    }

    /// Member `i` went down: the outcomes, and the expected number of
    /// failovers started.
    fn member_down(&self, spec: &StandbySpec, state: State, i: u32) -> (Vec<(State, f64)>, f64) {
        let slots = Slots { spec };
        let mut outcomes = vec![(state, 1.0)];
        let mut failovers = 0.0;
        for slot in 0..spec.slots {
            let mut next_outcomes = Vec::new();
            for (state, p) in outcomes {
                let (member, phase) = (slots.member(&state, slot), slots.phase(&state, slot));
                let branches = if phase == SERVING && member == i {
                    let (branches, counted) = self.start_takeover(spec, state, slot, true);
                    if counted {
                        failovers += p;
                    }
                    branches
                } else if phase == TAKING_OVER + i {
                    self.start_takeover(spec, state, slot, false).0
                } else {
                    vec![(state, 1.0)]
                };
                next_outcomes.extend(branches.into_iter().map(|(s, q)| (s, p * q)));
            }
            outcomes = next_outcomes;
        }
        (outcomes, failovers)
    }

    fn member_up(&self, spec: &StandbySpec, mut state: State, i: u32) -> State {
        let slots = Slots { spec };
        let down = (0..spec.slots).find(|&slot| {
            let phase = slots.phase(&state, slot);
            phase == DOWN_FAILED || phase == DOWN_NO_MEMBER
        });
        if let (Some(slot), false) = (down, slots.assigned(&state, i, None)) {
            slots.set(&mut state, slot, i, SERVING);
        } else if (i as usize) < spec.slots {
            self.fail_back(spec, &mut state, i as usize);
        }
        state
    }

    /// With `failback: auto`, the home member of `slot` (member `slot`)
    /// takes it back when it is healthy and free: the engine's `fail_back`.
    fn fail_back(&self, spec: &StandbySpec, state: &mut State, slot: usize) {
        let slots = Slots { spec };
        let home = slot as u32;
        if spec.failback_auto
            && slots.phase(state, slot) == SERVING
            && slots.member(state, slot) != home
            && spec
                .pool_classes()
                .get(slot)
                .is_some_and(|&c| self.node_up(state, c))
            && !slots.assigned(state, home, Some(slot))
        {
            self.begin_takeover(spec, state, slot, home);
        }
    }

    fn complete_takeover(&self, spec: &StandbySpec, state: &mut State, slot: usize, member: u32) {
        let slots = Slots { spec };
        let deposed = slots.member(state, slot);
        slots.set(state, slot, member, SERVING);
        self.fail_back(spec, state, slot);
        if deposed != member {
            self.home_freed(spec, state, deposed);
        }
    }

    /// The engine's `home_freed`: a member that has just become free takes
    /// its home slot back, with `failback: auto`.
    fn home_freed(&self, spec: &StandbySpec, state: &mut State, member: u32) {
        if (member as usize) < spec.slots {
            self.fail_back(spec, state, member as usize);
        }
    }

    /// The outcomes of filling `slot`, and whether the engine counts a
    /// failover: a new one (not a restart) that found a free member.
    fn start_takeover(
        &self,
        spec: &StandbySpec,
        mut state: State,
        slot: usize,
        new_failover: bool,
    ) -> (Vec<(State, f64)>, bool) {
        let slots = Slots { spec };
        let member = slots.member(&state, slot);
        let mut outcomes = Vec::new();
        let mut success = 1.0;
        let pool_classes = spec.pool_classes();
        let free = (0..pool_classes.len() as u32).find(|&p| {
            self.node_up(&state, pool_classes[p as usize]) && !slots.assigned(&state, p, Some(slot))
        });
        // With no free member there is no failover, so no coverage draw:
        // the slot is down with no member.
        if new_failover && spec.coverage < 1.0 && free.is_some() {
            let mut failed = state.clone();
            slots.set(&mut failed, slot, member, DOWN_FAILED);
            outcomes.push((failed, 1.0 - spec.coverage));
            success = spec.coverage;
        }
        match free {
            Some(candidate) => self.begin_takeover(spec, &mut state, slot, candidate),
            None => slots.set(&mut state, slot, member, DOWN_NO_MEMBER),
        }
        outcomes.push((state, success));
        (outcomes, new_failover && free.is_some())
    }

    fn begin_takeover(&self, spec: &StandbySpec, state: &mut State, slot: usize, candidate: u32) {
        let slots = Slots { spec };
        let member = slots.member(state, slot);
        match spec.takeover_rate {
            Some(_) => {
                slots.set(state, slot, member, TAKING_OVER + candidate);
                if member != candidate {
                    self.home_freed(spec, state, member);
                }
            }
            // Completing frees the member the slot lost.
            None => self.complete_takeover(spec, state, slot, candidate),
        }
    }
}
