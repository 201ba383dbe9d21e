//! Network links and the partitions they make: while a link is down, no
//! node inside one of its domains (or their children) reaches a node inside
//! the other. Partitions matter to whoever watches over a member: a standby
//! service's monitor suspects a member it cannot hear (see standby.rs).

use super::{FutureEvents, Sim};
use crate::model::MAX_SPLITTING_LINKS;

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Link `l` went down or came back: the standby services whose members
    /// it can separate look at their monitors again.
    pub(super) fn link_changed(&mut self, l: u32, up: bool) {
        if up {
            self.down_links.retain(|&d| d != l);
        } else {
            self.down_links.push(l);
        }
        self.trigger = super::causes::LINK | l;
        let plan = self.plan;
        for s in 0..plan.services.len() as u32 {
            let spec = &plan.services[s as usize];
            if spec.partitionable || spec.reach_exposed {
                self.worklist.push(s);
            }
        }
        self.propagate();
        if !plan.traffic.entries.is_empty() {
            self.traffic_reach_changed();
        }
        for sb in 0..self.plan.standbys.len() as u32 {
            if self.plan.standbys[sb as usize].exposed {
                self.reachability_changed(sb);
            }
        }
    }

    /// Node `n` stalls (an `effect: slow` failure) or recovers: it stays up,
    /// but its monitors hear nothing from it meanwhile.
    pub(super) fn stall_changed(&mut self, n: u32, stalled: bool) {
        *self.stalled.write::<MODE>(n as usize, &mut self.journal) = stalled;
        if stalled {
            self.n_stalled += 1;
        } else {
            self.n_stalled -= 1;
        }
        let plan = self.plan;
        for &s in plan.node_services.row(n as usize) {
            if let Some(sb) = plan.services[s as usize].standby {
                self.reachability_changed(sb);
            } else if plan.services[s as usize].election.is_some() {
                // Its followers stop hearing a stalled leader: an election.
                self.worklist.push(s);
                self.propagate();
            }
        }
    }

    /// Who hears whom changed for standby service `sb`: its split brains
    /// and monitors are looked at again.
    fn reachability_changed(&mut self, sb: u32) {
        self.account_downtime(sb);
        self.materialise(sb, None);
        self.end_split_brains(sb, false);
        self.retry_arbitration(sb);
        self.check_monitors(sb);
        self.push_standby_service(sb);
    }

    /// Whether some link is cut or some node stalls: only then can a
    /// member be out of its monitor's hearing.
    pub(super) fn hearing_impaired(&self) -> bool {
        !self.down_links.is_empty() || self.n_stalled > 0 || !self.deaf_down.is_empty()
    }

    /// One-way partition `k` began (`up` false) or ended: who hears whom
    /// changed for the standby services whose members it can separate.
    pub(super) fn deaf_changed(&mut self, k: u32, up: bool) {
        if up {
            self.deaf_down.retain(|&d| d != k);
        } else {
            self.deaf_down.push(k);
        }
        for sb in 0..self.plan.standbys.len() as u32 {
            if self.plan.standbys[sb as usize].exposed {
                self.reachability_changed(sb);
            }
        }
    }

    /// Whether a one-way partition in force keeps node `b` (inside its
    /// deaf side) from hearing node `a` (inside its unheard side).
    #[cold]
    fn deaf_to(&self, a: u32, b: u32) -> bool {
        let plan = self.plan;
        self.deaf_down.iter().any(|&k| {
            let [deaf, unheard] = plan.deaf[k as usize];
            plan.node_domains.row(b as usize).contains(&deaf)
                && plan.node_domains.row(a as usize).contains(&unheard)
        })
    }

    /// Whether node `a` cannot make itself heard by node `b`: it stalls, or
    /// a cut link separates them.
    pub(super) fn unreachable(&self, a: u32, b: u32) -> bool {
        self.stalled[a as usize]
            || self.cut(a, b)
            || (!self.deaf_down.is_empty() && self.deaf_to(a, b))
    }

    /// Whether nodes `a` and `b` are cut apart by a link that is down.
    pub(super) fn cut(&self, a: u32, b: u32) -> bool {
        let plan = self.plan;
        let (in_a, in_b) = (
            plan.node_domains.row(a as usize),
            plan.node_domains.row(b as usize),
        );
        self.down_links.iter().any(|&l| {
            let [x, y] = plan.links[l as usize];
            (in_a.contains(&x) && in_b.contains(&y)) || (in_a.contains(&y) && in_b.contains(&x))
        })
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// The most healthy members of service `s` that can all reach each
    /// other. Each link that is down and has members on both sides splits
    /// them: a group that reaches itself leaves out one side of every such
    /// link, so the largest one is found by trying both sides of each
    /// (2^k choices for k links, checked at load time to be at most
    /// [`MAX_SPLITTING_LINKS`]).
    pub(super) fn largest_reachable_group(&self, s: u32) -> u32 {
        let plan = self.plan;
        let members = plan.service_members.row(s as usize);
        let side = |n: u32, l: u32| {
            let [x, y] = plan.links[l as usize];
            let domains = plan.node_domains.row(n as usize);
            if domains.contains(&x) {
                Some(0u32)
            } else if domains.contains(&y) {
                Some(1)
            } else {
                None
            }
        };
        let mut splitting = [0u32; MAX_SPLITTING_LINKS];
        let mut k = 0;
        for &l in &self.down_links {
            let sides = members.iter().filter_map(|&n| side(n, l));
            let (mut zero, mut one) = (false, false);
            for x in sides {
                zero |= x == 0;
                one |= x == 1;
            }
            if zero && one && k < MAX_SPLITTING_LINKS {
                splitting[k] = l;
                k += 1;
            }
        }
        let links = &splitting[..k];
        (0..1u32 << k)
            .map(|excluded| {
                members
                    .iter()
                    .filter(|&&n| {
                        self.node_blockers[n as usize] == 0
                            && links
                                .iter()
                                .enumerate()
                                .all(|(j, &l)| side(n, l).is_none_or(|x| x != (excluded >> j) & 1))
                    })
                    .count() as u32
            })
            .max()
            .unwrap_or(0)
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Whether service `s` reaches what it requires while links are down:
    /// enough of its serving members (`min_up`, and the demand) can each
    /// reach a serving member of every service it requires; for a standby
    /// service, the member serving each slot can.
    pub(super) fn reaches_required(&self, s: u32) -> bool {
        let plan = self.plan;
        let spec = &plan.services[s as usize];
        let reaches = |n: u32| {
            plan.requires
                .row(s as usize)
                .iter()
                .all(|&r| self.serving_nodes(r).any(|m| !self.cut(n, m)))
        };
        if let Some(sb) = spec.standby {
            return self.standby_serving_nodes(sb).all(reaches);
        }
        let (mut count, mut capacity) = (0u32, 0i64);
        for &n in plan.service_members.row(s as usize) {
            if self.node_blockers[n as usize] == 0 && reaches(n) {
                count += 1;
                capacity += plan.node_capacity[n as usize];
            }
        }
        count >= spec.min_up && spec.demand.is_none_or(|d| capacity >= d)
    }

    /// `up` corrected for links while some are down: service `s` must reach
    /// what it requires, and the services that require it look again.
    #[cold]
    #[inline(never)]
    pub(super) fn reach_while_cut(&mut self, s: u32, up: bool) -> bool {
        let spec = &self.plan.services[s as usize];
        if spec.reach_dependents {
            self.push_reach_dependents(s);
        }
        up && (!spec.reach_exposed || self.reaches_required(s))
    }

    /// The nodes that serve service `r` now.
    fn serving_nodes(&self, r: u32) -> Box<dyn Iterator<Item = u32> + '_> {
        match self.plan.services[r as usize].standby {
            Some(sb) => Box::new(self.standby_serving_nodes(sb)),
            None => Box::new(
                self.plan
                    .service_members
                    .row(r as usize)
                    .iter()
                    .copied()
                    .filter(|&n| self.node_blockers[n as usize] == 0),
            ),
        }
    }

    /// Who serves service `s` may have changed while a link is down: the
    /// services that require it and can be cut off from it look again.
    fn push_reach_dependents(&mut self, s: u32) {
        let plan = self.plan;
        for &d in plan.dependents.row(s as usize) {
            if plan.services[d as usize].reach_exposed {
                self.worklist.push(d);
            }
        }
    }
}
