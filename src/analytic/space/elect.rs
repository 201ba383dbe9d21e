//! Leader elections in the chain, with the engine's conventions
//! (`engine/election`): the state remembers the class of the leader's node
//! (0: no leader). A failure that takes k of the u members of the leader's
//! class down takes the leader with probability k/u (members of a class are
//! interchangeable, and each up member is equally likely to be the one); a
//! lost majority loses the leader. With a majority and no leader, an
//! election ends at the rate of `election` (exponential), and the leader
//! is drawn uniformly among the members up: class c with probability u_c/u.
//! Links are not modelled by the solver, so a majority is a count.

use super::{Builder, State};

/// The elections of one quorum service.
pub(super) struct ElectionSpec {
    pub service: usize,
    /// Elections ended per hour.
    pub rate: f64,
    pub min_up: u32,
    /// The classes whose nodes serve the service.
    pub classes: Vec<usize>,
    /// The leader's class at time zero (that of the first member).
    pub first: usize,
}

impl Builder<'_> {
    fn members_up(&self, state: &State, spec: &ElectionSpec) -> u32 {
        spec.classes.iter().map(|&c| self.nodes_up(state, c)).sum()
    }

    /// The leaders after a transition from `before`: lost with the members
    /// of their class that went down, or with the majority.
    pub(super) fn elect_react(
        &self,
        before: &State,
        mut outcomes: Vec<(State, f64)>,
    ) -> Vec<(State, f64)> {
        for (k, spec) in self.elections.iter().enumerate() {
            let mut next = Vec::with_capacity(outcomes.len());
            for (mut state, p) in outcomes {
                let leader = state.leaders[k];
                if leader != 0 {
                    let c = leader as usize - 1;
                    let (was, is) = (self.nodes_up(before, c), self.nodes_up(&state, c));
                    if is < was {
                        let lost = f64::from(was - is) / f64::from(was);
                        let mut deposed = state.clone();
                        deposed.leaders[k] = 0;
                        next.push((deposed, p * lost));
                        if lost >= 1.0 {
                            continue;
                        }
                        // The leader survived: it stays if a majority does.
                        if self.members_up(&state, spec) < spec.min_up {
                            state.leaders[k] = 0;
                        }
                        next.push((state, p * (1.0 - lost)));
                        continue;
                    }
                }
                if self.members_up(&state, spec) < spec.min_up {
                    state.leaders[k] = 0;
                }
                next.push((state, p));
            }
            outcomes = next;
        }
        outcomes
    }

    /// Elections that end from `state`: with a majority and no leader, a
    /// leader from class c with probability (its members up) / (all up).
    pub(super) fn election_completions(&self, state: &State, out: &mut Vec<(State, f64)>) {
        for (k, spec) in self.elections.iter().enumerate() {
            if state.leaders[k] != 0 {
                continue;
            }
            let total = self.members_up(state, spec);
            if total < spec.min_up {
                continue;
            }
            for &c in &spec.classes {
                let up = self.nodes_up(state, c);
                if up > 0 {
                    let mut next = state.clone();
                    next.leaders[k] = c as u32 + 1;
                    out.push((next, spec.rate * f64::from(up) / f64::from(total)));
                }
            }
        }
    }

    /// Whether service `s` has a leader in office (true without elections).
    pub(super) fn has_leader(&self, state: &State, s: usize) -> bool {
        self.elections
            .iter()
            .position(|e| e.service == s)
            .is_none_or(|k| state.leaders[k] != 0)
    }
}
