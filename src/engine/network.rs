//! Network links and the partitions they make: while a link is down, no
//! node inside one of its domains (or their children) reaches a node inside
//! the other. Partitions matter to whoever watches over a member: a standby
//! service's monitor suspects a member it cannot hear (see standby.rs).

use super::{FutureEvents, Sim};

impl<Q: FutureEvents> Sim<'_, Q> {
    /// Link `l` went down or came back: the standby services whose members
    /// it can separate look at their monitors again.
    pub(super) fn link_changed(&mut self, l: u32, up: bool) {
        if up {
            self.down_links.retain(|&d| d != l);
        } else {
            self.down_links.push(l);
        }
        for sb in 0..self.plan.standbys.len() as u32 {
            if self.plan.standbys[sb as usize].exposed {
                self.account_downtime(sb);
                self.materialise(sb, None);
                self.end_split_brains(sb, false);
                self.check_monitors(sb);
                self.push_standby_service(sb);
            }
        }
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
