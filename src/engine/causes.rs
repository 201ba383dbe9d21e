//! Downtime by cause: every microsecond a service or the system is down is
//! attributed to exactly one cause, so the causes add up to the downtime.
//!
//! Conventions. A node is down for the failure that took it down (a mode
//! of its own, or a domain's) until that ends; if it stays down for
//! another reason, the rest of its outage goes to what still holds it down
//! (its own failed modes first, then its domains, inner first). A service
//! is held down by a holder: the member whose failure took it down (its
//! cause is that node's), a cut link, a required service that is down
//! ("requires S"), or its own failover (standby services: detection,
//! switchover and failed takeover phases, and the failure behind an
//! outage with no member left). The holder keeps the downtime while it
//! still holds the service down; then the rest goes to what still does:
//! the first member down in member order, the first required service down,
//! the first link down. A standby service's own failover comes first; a
//! quorum service with its majority but no leader is held by its election
//! ("S election"). The
//! system follows the first of its services that went down, through
//! "requires" down to the root cause.

pub mod plan;

use super::{FutureEvents, Sim};
use crate::metrics::Outcome;
use crate::model::Micros;

/// No cause: up, or not accumulated here.
pub(super) const NONE: u32 = u32::MAX;
/// Accumulated by the standby service's own accounting (`account_downtime`).
const STANDBY: u32 = u32::MAX - 1;

/// What holds a service (or, `Service`, the system) down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Holder {
    None,
    Node(u32),
    Link(u32),
    Requires(u32),
    Standby(u32),
    Service(u32),
    /// A quorum service with its majority but no leader: an election.
    Election(u32),
}

/// Marks a link in `Sim::trigger`, the last node or link that changed:
/// what a service that just went down is most likely down for.
pub(super) const LINK: u32 = 1 << 31;

/// Downtime of one entity (the system or a service) by cause.
#[derive(Clone, Debug)]
pub(super) struct Attribution {
    holder: Holder,
    /// The cause accumulating since `since`.
    cause: u32,
    since: Micros,
    /// Down time per cause, in the order of the plan's causes of this entity.
    pub totals: Vec<Micros>,
}

impl Attribution {
    pub fn new(n_causes: usize) -> Attribution {
        Attribution {
            holder: Holder::None,
            cause: NONE,
            since: 0,
            totals: vec![0; n_causes],
        }
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Adds `us` of downtime of entity `e` (0: the system) to `cause`.
    #[inline]
    pub(super) fn credit(&mut self, e: usize, cause: u32, us: Micros) {
        if let Ok(i) = self.plan.causes.entity[e].binary_search(&cause) {
            self.attribution[e].totals[i] += us;
        }
    }

    /// Makes `holder` and its `cause` current for entity `e`, closing the
    /// time attributed to the previous cause.
    #[inline]
    fn attribute(&mut self, e: usize, holder: Holder, cause: u32) {
        self.attribution[e].holder = holder;
        let (old, since) = (self.attribution[e].cause, self.attribution[e].since);
        if old == cause {
            return;
        }
        if old < STANDBY {
            let window = self.window;
            let clamp = |t: Micros| t.clamp(window.start_us, window.end_us);
            self.credit(e, old, clamp(self.now) - clamp(since));
        }
        let a = &mut self.attribution[e];
        a.cause = cause;
        a.since = self.now;
    }

    /// The cause a holder stands for now.
    fn holder_cause(&self, holder: Holder) -> u32 {
        match holder {
            Holder::Node(n) => self.node_cause[n as usize],
            Holder::Link(l) => self.unit_cause(self.plan.causes.link_unit[l as usize]),
            Holder::Requires(r) => self.plan.causes.requires[r as usize],
            Holder::Standby(_) => STANDBY,
            Holder::Election(s) => self.plan.causes.election[s as usize],
            Holder::None | Holder::Service(_) => NONE,
        }
    }

    /// The cause of the first failed mode of a unit that is down.
    fn unit_cause(&self, unit: u32) -> u32 {
        if let Some(&f) = self.faults.unit_fault.get(unit as usize)
            && f != NONE
        {
            return self.plan.faults[f as usize].cause;
        }
        let u = &self.plan.units[unit as usize];
        (u.modes_start..u.modes_end)
            .find(|&m| self.modes[m as usize].failed)
            .map_or(NONE, |m| self.plan.causes.mode[m as usize])
    }

    /// Whether unit `unit` is down with a failed mode of cause `cause`.
    fn unit_holds(&self, unit: u32, cause: u32) -> bool {
        if let Some(&f) = self.faults.unit_fault.get(unit as usize)
            && f != NONE
        {
            return self.plan.faults[f as usize].cause == cause;
        }
        let u = &self.plan.units[unit as usize];
        self.unit_failed[unit as usize] > 0
            && (u.modes_start..u.modes_end).any(|m| {
                self.modes[m as usize].failed && self.plan.causes.mode[m as usize] == cause
            })
    }

    /// Node `n` stays down after one of its reasons ended: if its cause no
    /// longer holds it down, the rest of its outage goes to what does.
    #[cold]
    #[inline(never)]
    pub(super) fn node_still_down(&mut self, n: u32) {
        let plan = self.plan;
        let cause = self.node_cause[n as usize];
        let domains = plan.node_domains.row(n as usize);
        let units =
            std::iter::once(n).chain(domains.iter().map(|&d| plan.causes.domain_unit[d as usize]));
        if units.clone().any(|u| self.unit_holds(u, cause)) {
            return;
        }
        let Some(unit) = units.clone().find(|&u| self.unit_failed[u as usize] > 0) else {
            return;
        };
        *self.node_cause.write::<MODE>(n as usize, &mut self.journal) = self.unit_cause(unit);
        for &s in plan.node_services.row(n as usize) {
            if !self.services[s as usize].up && plan.causes.unattributed != Some(s) {
                self.service_still_down(s);
            }
        }
    }

    /// Whether service `s`, which stays down, is still held down by the
    /// node that holds it, for the same cause: the common case, checked
    /// without a call.
    #[inline(always)]
    pub(super) fn still_held(&self, s: u32, own_up: bool) -> bool {
        let a = &self.attribution[s as usize + 1];
        match a.holder {
            Holder::Node(n) => {
                !own_up
                    && self.node_blockers[n as usize] > 0
                    && self.node_cause[n as usize] == a.cause
            }
            _ => false,
        }
    }

    /// Service `s` just went down. The common case, a member's failure
    /// taking a service that is not a standby one below what it needs, is
    /// handled here without the general search.
    #[inline]
    pub(super) fn service_went_down(&mut self, s: u32, own_up: bool) {
        let t = self.trigger;
        let plan = self.plan;
        if !own_up
            && plan.services[s as usize].standby.is_none()
            && (t as usize) < plan.n_nodes
            && self.node_blockers[t as usize] > 0
        {
            // Own members changed: only a member's change (this one) can
            // take such a service down outside a link change.
            debug_assert!(plan.node_services.row(t as usize).contains(&s));
            let a = &mut self.attribution[s as usize + 1];
            a.holder = Holder::Node(t);
            a.cause = self.node_cause[t as usize];
            a.since = self.now;
            if plan.causes.system_mirror.is_none() {
                self.system_cause_changed();
            }
        } else {
            self.service_still_down(s);
        }
    }

    /// Service `s` is down (it just went down, or something changed while
    /// it stays down): who holds it down now, and for what cause.
    #[cold]
    #[inline(never)]
    pub(super) fn service_still_down(&mut self, s: u32) {
        let holder = self.service_holder(s);
        let cause = self.holder_cause(holder);
        let a = &self.attribution[s as usize + 1];
        if (a.holder, a.cause) != (holder, cause) {
            self.attribute(s as usize + 1, holder, cause);
            self.system_cause_changed();
        }
    }

    /// Service `s` is back up.
    #[inline]
    pub(super) fn service_back_up(&mut self, s: u32) {
        self.attribute(s as usize + 1, Holder::None, NONE);
        if self.plan.causes.system_mirror.is_none() {
            self.system_cause_changed();
        }
    }

    fn service_holder(&self, s: u32) -> Holder {
        let plan = self.plan;
        let spec = &plan.services[s as usize];
        let own_down = match spec.standby {
            Some(sb) if !self.standby_up(sb) => return Holder::Standby(sb),
            Some(_) => false,
            None => !self.own_up(s),
        };
        let current = self.attribution[s as usize + 1].holder;
        if !own_down
            && let Some(e) = spec.election
            && !self.has_leader(e)
        {
            return Holder::Election(s);
        }
        let holds = match current {
            Holder::Node(n) => own_down && self.node_blockers[n as usize] > 0,
            Holder::Link(l) => self.unit_failed[plan.causes.link_unit[l as usize] as usize] > 0,
            Holder::Requires(r) => !self.services[r as usize].up,
            _ => false,
        };
        if holds {
            current
        } else if own_down {
            self.own_holder(s)
        } else if let Some(&r) = plan
            .requires
            .row(s as usize)
            .iter()
            .find(|&&r| !self.services[r as usize].up)
        {
            Holder::Requires(r)
        } else {
            self.link_holder()
        }
    }

    /// What holds service `s` down when too few of its own members serve:
    /// the node or link just changed, else the first member down, else the
    /// first link down.
    fn own_holder(&self, s: u32) -> Holder {
        let plan = self.plan;
        let t = self.trigger;
        if t != NONE && t & LINK != 0 && self.down_links.contains(&(t & !LINK)) {
            return Holder::Link(t & !LINK);
        }
        if (t as usize) < plan.n_nodes
            && self.node_blockers[t as usize] > 0
            && plan.node_services.row(t as usize).contains(&s)
        {
            return Holder::Node(t);
        }
        match plan
            .service_members
            .row(s as usize)
            .iter()
            .find(|&&n| self.node_blockers[n as usize] > 0)
        {
            Some(&n) => Holder::Node(n),
            None => self.link_holder(),
        }
    }

    /// The link just cut if it is still down, else the first link down.
    fn link_holder(&self) -> Holder {
        let t = self.trigger;
        if t != NONE && t & LINK != 0 && self.down_links.contains(&(t & !LINK)) {
            Holder::Link(t & !LINK)
        } else {
            self.down_links
                .first()
                .map_or(Holder::None, |&l| Holder::Link(l))
        }
    }

    /// The system follows the first of its services that went down while
    /// it stays down, and resolves "requires S" to what holds S down.
    pub(super) fn system_cause_changed(&mut self) {
        let plan = self.plan;
        if plan.causes.system_mirror.is_some() {
            return;
        }
        let (mut holder, mut cause, mut standby) = (Holder::None, NONE, NONE);
        if self.system_down > 0 {
            let keep = match self.attribution[0].holder {
                Holder::Service(t) if !self.services[t as usize].up => Some(t),
                _ => None,
            };
            let trigger = keep.or_else(|| {
                plan.system_services
                    .iter()
                    .copied()
                    .find(|&t| !self.services[t as usize].up)
            });
            if let Some(t) = trigger {
                holder = Holder::Service(t);
                let mut s = t;
                for _ in 0..=plan.services.len() {
                    match self.attribution[s as usize + 1].holder {
                        Holder::Requires(r) => s = r,
                        Holder::Standby(sb) => {
                            (cause, standby) = (STANDBY, sb);
                            break;
                        }
                        other => {
                            cause = self.holder_cause(other);
                            break;
                        }
                    }
                }
            }
        }
        let old = self.system_standby;
        if (self.attribution[0].cause, old) != (cause, standby) {
            // A standby's own accounting credits the system while it holds
            // the system down: bring it up to now before and after.
            if old != NONE {
                self.account_downtime(old);
            }
            if standby != NONE && standby != old {
                self.account_downtime(standby);
            }
            self.system_standby = standby;
        }
        self.attribute(0, holder, cause);
    }

    /// Closes every attribution at the end of the run; `tallies` are the
    /// run's outcomes (for a service with one cause, not followed).
    pub(super) fn finish_causes(&mut self, tallies: &[Outcome]) -> Vec<Vec<Micros>> {
        for e in 0..self.attribution.len() {
            self.attribute(e, Holder::None, NONE);
        }
        if let Some(t) = self.plan.causes.unattributed {
            let e = t as usize + 1;
            self.attribution[e].totals[0] = self.window.length_us() - tallies[e].uptime_us;
        }
        if let Some(t) = self.plan.causes.system_mirror {
            self.attribution[0].totals = self.attribution[t as usize + 1].totals.clone();
        }
        self.attribution
            .iter_mut()
            .map(|a| std::mem::take(&mut a.totals))
            .collect()
    }
}
