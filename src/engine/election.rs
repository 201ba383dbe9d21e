//! Leader elections of a quorum service with `election`.
//!
//! A leader is in office at time zero (the first member). The service is up
//! while a majority (`min_up`) of its members is up and can reach each other
//! and a leader is in office. When the leader goes down, stalls (`effect:
//! slow`, a `slow` or `heartbeat-loss` fault: its followers stop hearing
//! it), or a partition leaves it on a side without a majority, it steps
//! down; a stalled member is not elected; if a majority
//! remains somewhere an election starts at once and lasts a draw from
//! `election`. When the majority is lost, so is the leader, and any election
//! under way is called off; when a majority is back, an election starts.
//! The new leader is drawn uniformly among the members that are up and reach
//! a majority. A follower's failure changes nothing while the majority holds.
//!
//! Cost: one event per election (`KIND_ELECTION`, called off by an epoch),
//! and a check, where the service is re-evaluated, that costs nothing for
//! services without `election`. Services without `election` create no
//! stream and draw nothing.

use super::queue::FutureEvents;
use super::rng::{Stream, StreamKey};
use super::sampler::Sampler;
use super::{KIND_ELECTION, Sim, payload};
use crate::metrics::elections::ElectionCounts;
use crate::metrics::trace::Happening;
use crate::model::{Model, Redundancy};

/// No leader in office.
const NO_LEADER: u32 = u32::MAX;

/// The elections of one quorum service.
#[derive(Clone, Debug)]
pub struct ElectionPlan {
    pub service: u32,
    pub time: Sampler,
    pub key: StreamKey,
}

/// The election plans of the quorum services with `election`, and the index
/// of each service's plan.
pub fn plans(model: &Model) -> (Vec<ElectionPlan>, Vec<Option<u32>>) {
    let mut plans = Vec::new();
    let index = model
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| match &service.redundancy {
            Redundancy::Quorum {
                election: Some(time),
                ..
            } => {
                plans.push(ElectionPlan {
                    service: s as u32,
                    time: Sampler::new(time),
                    key: StreamKey::of(&["service", &service.name, "election"]),
                });
                Some(plans.len() as u32 - 1)
            }
            _ => None,
        })
        .collect();
    (plans, index)
}

/// Run-time state of one service's elections.
#[derive(Clone, Debug)]
pub struct ElectionState {
    stream: Stream,
    /// The leader's node, or [`NO_LEADER`].
    leader: u32,
    electing: bool,
    /// When the election under way started.
    started_us: u64,
    /// Bumped when an election is called off, so its event is stale.
    epoch: u32,
    pub counts: ElectionCounts,
}

impl ElectionState {
    pub fn new(plan: &ElectionPlan, first_member: u32, seed: u64, replication: u64) -> Self {
        ElectionState {
            stream: Stream::new(seed, replication, plan.key),
            leader: first_member,
            electing: false,
            started_us: 0,
            epoch: 0,
            counts: ElectionCounts::default(),
        }
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Whether service `s` (election plan `e`) has a leader in office, given
    /// whether a majority of its members is up and connected; starts or
    /// calls off an election as that changes. Called wherever the service
    /// is re-evaluated, so it sees every change of its members and links.
    #[cold]
    #[inline(never)]
    pub(super) fn leader_in_office(&mut self, e: u32, majority: bool) -> bool {
        let s = self.plan.elections[e as usize].service;
        let state = &self.elections[e as usize];
        if !majority {
            let (leader, electing) = (state.leader, state.electing);
            if electing {
                self.call_off_election(e);
            }
            if leader != NO_LEADER {
                self.elections[e as usize].leader = NO_LEADER;
                if Self::TRACING {
                    self.note(Happening::LeaderLost {
                        service: s,
                        node: leader,
                    });
                }
            }
            return false;
        }
        let leader = state.leader;
        if leader != NO_LEADER {
            if self.leads_majority(s, leader) {
                return true;
            }
            // Down, or cut off on a side without a majority: it steps down.
            self.elections[e as usize].leader = NO_LEADER;
            if Self::TRACING {
                self.note(Happening::LeaderLost {
                    service: s,
                    node: leader,
                });
            }
        }
        if !self.elections[e as usize].electing {
            self.start_election(e);
        }
        false
    }

    /// Whether election plan `e`'s service has a leader in office.
    pub(super) fn has_leader(&self, e: u32) -> bool {
        self.elections[e as usize].leader != NO_LEADER
    }

    /// Whether node `n`, a member of service `s`, is up and reaches a
    /// majority of its members (itself included).
    fn leads_majority(&self, s: u32, n: u32) -> bool {
        let plan = self.plan;
        let spec = &plan.services[s as usize];
        // Down, or stalled (unheard by its followers, as a lost leader).
        if self.node_blockers[n as usize] > 0 || self.stalled[n as usize] {
            return false;
        }
        if !spec.partitionable || self.down_links.is_empty() {
            return true;
        }
        let reached = plan
            .service_members
            .row(s as usize)
            .iter()
            .filter(|&&m| self.node_blockers[m as usize] == 0 && !self.cut(n, m))
            .count() as u32;
        reached >= spec.min_up
    }

    fn start_election(&mut self, e: u32) {
        let plan = self.plan;
        let election = &plan.elections[e as usize];
        let now = self.now;
        let inside = self.window.contains(now);
        let state = &mut self.elections[e as usize];
        state.electing = true;
        state.started_us = now;
        state.epoch = state.epoch.wrapping_add(1);
        state.counts.started += u64::from(inside);
        let length = election.time.sample_us(&mut state.stream);
        let epoch = state.epoch;
        self.queue
            .push(now.saturating_add(length), payload(KIND_ELECTION, e, epoch));
        if Self::TRACING {
            self.note(Happening::ElectionStarted {
                service: election.service,
            });
        }
    }

    fn call_off_election(&mut self, e: u32) {
        let inside = self.window.contains(self.now);
        let state = &mut self.elections[e as usize];
        state.electing = false;
        state.epoch = state.epoch.wrapping_add(1);
        state.counts.called_off += u64::from(inside);
        if Self::TRACING {
            let service = self.plan.elections[e as usize].service;
            self.note(Happening::ElectionCalledOff { service });
        }
    }

    /// Election `e` ended (false for one called off): a leader is drawn
    /// among the members that are up and reach a majority, and the service
    /// looks again.
    pub(super) fn on_election(&mut self, e: u32, epoch: u32) -> bool {
        let state = &self.elections[e as usize];
        if !state.electing || state.epoch != epoch {
            return false;
        }
        let plan = self.plan;
        let s = plan.elections[e as usize].service;
        // Members up and reaching a majority, each equally likely to win.
        let candidates: Vec<u32> = plan
            .service_members
            .row(s as usize)
            .iter()
            .copied()
            .filter(|&m| self.leads_majority(s, m))
            .collect();
        let state = &mut self.elections[e as usize];
        state.electing = false;
        // Counted by when it started, with its whole length.
        if self.window.contains(state.started_us) {
            state.counts.completed += 1;
            state.counts.completed_us += self.now - state.started_us;
        }
        if !candidates.is_empty() {
            let n = candidates.len();
            let leader = candidates[((state.stream.uniform() * n as f64) as usize).min(n - 1)];
            state.leader = leader;
            if Self::TRACING {
                self.note(Happening::Elected {
                    service: s,
                    node: leader,
                });
            }
        }
        self.trigger = super::causes::NONE;
        self.update_service(s);
        self.propagate();
        true
    }
}
