//! Failover arbitration (`failover: {arbiter: {nodes: GROUP, quorum: N}}`):
//! separate monitors (Redis Sentinel, an etcd behind Patroni, MongoDB
//! arbiters) decide failovers. A failover needs N arbiters up, able to
//! reach each other, and unable to hear the active member: a crash is
//! acted on only when such a quorum exists (the slot waits, down, until it
//! does, or until its own member is back), and a partition or a stall makes
//! a false failover only if the quorum stops hearing the active member, not
//! when the standby alone does. Arbiters fail, are repaired and are cut off
//! like any node; their changes reach the service through
//! `Plan::node_arbiters`.

use super::super::{FutureEvents, Sim};
use super::{DownReason, Phase};

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Whether a quorum of the arbiters of standby service `sb` is up and
    /// reaches each other, each of them unable to hear node `deaf_to` when
    /// given. Without arbiters, true.
    pub(in crate::engine) fn arbiters_agree(&self, sb: u32, deaf_to: Option<u32>) -> bool {
        let plan = &self.plan.standbys[sb as usize];
        if plan.arbiters.is_empty() {
            return true;
        }
        let counts = |a: u32| {
            self.node_blockers[a as usize] == 0
                && deaf_to
                    .is_none_or(|n| self.node_blockers[n as usize] > 0 || self.unreachable(n, a))
        };
        // The largest group of such arbiters that reach a given one.
        plan.arbiters
            .iter()
            .filter(|&&a| counts(a))
            .map(|&a| {
                plan.arbiters
                    .iter()
                    .filter(|&&b| counts(b) && (self.down_links.is_empty() || !self.cut(a, b)))
                    .count() as u32
            })
            .max()
            .unwrap_or(0)
            >= plan.arbiter_quorum
    }

    /// Slots waiting for their arbiters take over if a quorum now agrees.
    pub(in crate::engine) fn retry_arbitration(&mut self, sb: u32) {
        if self.plan.standbys[sb as usize].arbiters.is_empty() {
            return;
        }
        for slot in 0..self.standbys[sb as usize].slots.len() {
            if self.standbys[sb as usize].slots[slot].phase == Phase::Down(DownReason::NoQuorum)
                && self.arbiters_agree(sb, None)
            {
                self.start_takeover(sb, slot, true);
            }
        }
    }

    /// An arbiter of standby service `sb` went down or came back.
    #[cold]
    pub(in crate::engine) fn arbiter_changed(&mut self, sb: u32) {
        self.account_downtime(sb);
        self.materialise(sb, None);
        self.retry_arbitration(sb);
        self.check_monitors(sb);
        self.push_standby_service(sb);
    }
}
