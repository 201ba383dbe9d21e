//! Cascading overload (`overload: collapse`, fluid mode): a member whose
//! share of the offered load exceeds its capacity by more than the
//! tolerance crashes after a drawn delay, its load moves to the others, and
//! they may collapse in turn.
//!
//! The overload of a service's members is re-evaluated whenever one of them
//! goes down or up or leaves or rejoins rotation, the only times shares
//! change (the rate is constant: a daily pattern is refused). A member found
//! overloaded gets one pending collapse (`KIND_COLLAPSE`), called off by an
//! epoch when the overload ends first. A collapse holds the node down like
//! an injected crash (its failure clocks paused, the cause "overload
//! collapse: S") until its restart (`KIND_RESTART`). Back-off: the k-th
//! collapse of a member in a row (with no moment up and not overloaded in
//! between) waits 2^(k-1) times its drawn delay, so a persistent overload
//! costs a number of events that grows with the logarithm of its length.

use super::rng::{Stream, StreamKey};
use super::sampler::Sampler;
use super::traffic::split;
use super::{FutureEvents, KIND_COLLAPSE, KIND_RESTART, Sim, payload};
use crate::model::Model;

/// The back-off stops doubling after this many collapses in a row.
const MAX_DOUBLINGS: u32 = 20;

#[derive(Clone, Debug)]
pub struct CollapsePlan {
    pub tolerance: f64,
    pub after: Sampler,
    /// Each member's restart time.
    pub restart: Vec<Sampler>,
    pub cause: u32,
    /// Streams per member: the delay to collapse, the restart.
    keys: Vec<[StreamKey; 2]>,
}

impl CollapsePlan {
    pub fn new(model: &Model, t: usize, cause: Option<u32>) -> Option<CollapsePlan> {
        let traffic = &model.traffic[t];
        let collapse = traffic.collapse.as_ref()?;
        let service = &model.services[traffic.service];
        let key = |m: usize, purpose| {
            StreamKey::of(&["overload", &service.name, &model.nodes[m].name, purpose])
        };
        Some(CollapsePlan {
            tolerance: collapse.tolerance,
            after: Sampler::new(&collapse.after),
            restart: collapse.restart.iter().map(Sampler::new).collect(),
            cause: cause?,
            keys: service
                .members
                .iter()
                .map(|&m| [key(m, "collapse"), key(m, "restart")])
                .collect(),
        })
    }
}

/// The collapses of one service's members in one replication.
#[derive(Clone)]
pub struct CollapseState {
    pending: Vec<bool>,
    epoch: Vec<u32>,
    /// Collapses in a row of each member (the back-off).
    in_a_row: Vec<u32>,
    streams: Vec<[Stream; 2]>,
    /// Collapses inside the measured window.
    pub count: u64,
}

impl CollapseState {
    pub fn new(plan: &CollapsePlan, seed: u64, replication: u64) -> CollapseState {
        let n = plan.keys.len();
        CollapseState {
            pending: vec![false; n],
            epoch: vec![0; n],
            in_a_row: vec![0; n],
            streams: plan
                .keys
                .iter()
                .map(|k| k.map(|k| Stream::new(seed, replication, k)))
                .collect(),
            count: 0,
        }
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// The members of traffic entry `e` that are overloaded now.
    fn overloaded(&self, e: usize, up: &[bool]) -> Vec<bool> {
        let plan = &self.plan.traffic.entries[e];
        let Some(collapse) = &plan.collapse else {
            return vec![false; up.len()];
        };
        let state = &self.traffic[e];
        let rot: &[bool] = if plan.check.is_some() {
            &state.in_rotation
        } else {
            up
        };
        let limit = 1.0 + collapse.tolerance;
        let capacity: Vec<f64> = plan
            .members
            .iter()
            .zip(&plan.capacity)
            .map(|(&m, c)| c / self.slowdown[m as usize])
            .collect();
        let load = plan.rate_per_s;
        let n = plan.members.len();
        if plan.fills {
            // Load goes where there is room: every healthy member in
            // rotation is overloaded together, when the load sent to them
            // exceeds their total capacity by more than the tolerance.
            let [served, _, overload, _] = split(plan, rot, up, &capacity, load);
            let room: f64 = (0..n)
                .filter(|&i| rot[i] && up[i])
                .map(|i| capacity[i])
                .sum();
            let over = served + overload > room * limit;
            return (0..n).map(|i| over && rot[i] && up[i]).collect();
        }
        let weight_in: f64 = (0..n).filter(|&i| rot[i]).map(|i| plan.weight[i]).sum();
        (0..n)
            .map(|i| {
                rot[i]
                    && up[i]
                    && weight_in > 0.0
                    && load * plan.weight[i] / weight_in > capacity[i] * limit
            })
            .collect()
    }

    /// Re-evaluates the overload of entry `e`'s members: a pending collapse
    /// for each member newly overloaded, none for those no longer.
    pub(super) fn check_overload(&mut self, e: u32) {
        let plan = self.plan;
        let entry = &plan.traffic.entries[e as usize];
        let Some(collapse) = &entry.collapse else {
            return;
        };
        let up: Vec<bool> = match &entry.clients {
            None => entry
                .members
                .iter()
                .map(|&m| self.node_blockers[m as usize] == 0)
                .collect(),
            Some(_) => self.traffic[e as usize].reachable.clone(),
        };
        let over = self.overloaded(e as usize, &up);
        let now = self.now;
        let Some(state) = self.traffic[e as usize].collapse.as_mut() else {
            return;
        };
        for p in 0..up.len() {
            if over[p] && !state.pending[p] {
                let doublings = state.in_a_row[p].min(MAX_DOUBLINGS);
                let delay = collapse.after.sample_us(&mut state.streams[p][0]) << doublings;
                state.pending[p] = true;
                let slot = entry.first_slot + p as u32;
                self.queue.push(
                    now.saturating_add(delay),
                    payload(KIND_COLLAPSE, slot, state.epoch[p]),
                );
            } else if !over[p] {
                if state.pending[p] {
                    state.pending[p] = false;
                    state.epoch[p] = state.epoch[p].wrapping_add(1);
                }
                if up[p] {
                    state.in_a_row[p] = 0;
                }
            }
        }
    }

    /// A member's pending collapse is due: it crashes and restarts later.
    pub(super) fn on_collapse(&mut self, slot: u32, epoch: u32) -> bool {
        let plan = self.plan;
        let (e, pos) = plan.traffic.slots[slot as usize];
        let entry = &plan.traffic.entries[e as usize];
        let (Some(collapse), Some(state)) =
            (&entry.collapse, self.traffic[e as usize].collapse.as_mut())
        else {
            return false;
        };
        let p = pos as usize;
        if state.epoch[p] != epoch || !state.pending[p] {
            return false;
        }
        state.pending[p] = false;
        let n = entry.members[p] as usize;
        // While the service is down as a whole no member takes load.
        if self.node_blockers[n] != 0 || !self.services[entry.service as usize].up {
            return true;
        }
        state.in_a_row[p] += 1;
        if self.now >= self.window.start_us && self.now < self.window.end_us {
            state.count += 1;
        }
        let restart = collapse.restart[p].sample_us(&mut state.streams[p][1]);
        // A node's unit is numbered as the node.
        self.hold_down(n, collapse.cause);
        self.queue.push(
            self.now.saturating_add(restart),
            payload(KIND_RESTART, slot, 0),
        );
        true
    }

    /// A collapsed member has restarted: up as after a repair.
    pub(super) fn on_restart(&mut self, slot: u32) {
        let (e, pos) = self.plan.traffic.slots[slot as usize];
        let n = self.plan.traffic.entries[e as usize].members[pos as usize] as usize;
        self.release(n);
    }
}
