//! Network links and quorum splitting limits.

use super::build::Builder;
use super::read::{self, Map};
use super::tree::Loc;
use super::tree::{Node, Value};
use crate::model::{Domain, Link, Model, Redundancy};

impl Builder<'_> {
    /// The links, and where each is written.
    pub fn network(&mut self, node: Option<&Node>, domains: &[Domain]) -> (Vec<Link>, Vec<Loc>) {
        let mut links: Vec<Link> = Vec::new();
        let mut locs = Vec::new();
        let Some(node) = node.filter(|n| !matches!(n.value, Value::Null)) else {
            return (links, locs);
        };
        let Some(map) = Map::read(&mut self.sink, node, "`network`", &["links"]) else {
            return (links, locs);
        };
        for item in map
            .get("links")
            .map(|l| read::sequence(&mut self.sink, l, "`links`"))
            .unwrap_or_default()
        {
            let Some(link) = Map::read(&mut self.sink, item, "a link", &["between", "failures"])
            else {
                continue;
            };
            let Some(between_node) = link.required(&mut self.sink, "between", "a link") else {
                continue;
            };
            let ends = self.domain_pair(between_node, domains);
            let failures = self.failure_modes(link.get("failures"), "link", false);
            let Some([a, b]) = ends else { continue };
            if links
                .iter()
                .any(|l| l.between == [a, b] || l.between == [b, a])
            {
                self.sink.error_hint(
                    between_node.loc,
                    format!(
                        "a second link between `{}` and `{}`",
                        domains[a].name, domains[b].name
                    ),
                    "give the link between two domains all its failure modes in one entry",
                );
                continue;
            }
            links.push(Link {
                name: format!("{}~{}", domains[a].name, domains[b].name),
                between: [a, b],
                failures,
            });
            locs.push(item.loc);
        }
        (links, locs)
    }

    pub(super) fn domain_pair(&mut self, node: &Node, domains: &[Domain]) -> Option<[usize; 2]> {
        let items = read::list(node);
        if items.len() != 2 {
            self.sink.error_hint(
                node.loc,
                format!("`between` names {} domains", items.len()),
                "name exactly two domains, such as `between: [zone-a, zone-b]`",
            );
            return None;
        }
        let a = self.resolve(items[0], "domain", |n| &n.domains);
        let b = self.resolve(items[1], "domain", |n| &n.domains);
        let (a, b) = (a?, b?);
        if a == b {
            self.sink
                .error(node.loc, "`between` names the same domain twice");
            return None;
        }
        let contains = |outer: usize, inner: usize| {
            let mut current = domains.get(inner).and_then(|d| d.parent);
            for _ in 0..domains.len() {
                match current {
                    Some(c) if c == outer => return true,
                    Some(c) => current = domains[c].parent,
                    None => return false,
                }
            }
            false
        };
        for (outer, inner) in [(a, b), (b, a)] {
            if contains(outer, inner) {
                self.sink.error_hint(
                    node.loc,
                    format!(
                        "`{}` is inside `{}`: a link between them cuts nothing",
                        domains[inner].name, domains[outer].name
                    ),
                    "a link joins two domains side by side, such as two zones or two racks",
                );
                return None;
            }
        }
        Some([a, b])
    }

    /// A quorum service is up while `min_up` members reach each other:
    /// finding the largest such group tries both sides of every link that
    /// splits it, so the number of those links is limited.
    pub fn check_partitions(&mut self, model: &Model, locs: &[Loc]) {
        for service in &model.services {
            if !matches!(service.redundancy, Redundancy::Quorum { .. }) {
                continue;
            }
            let splitting: Vec<usize> = (0..model.links.len())
                .filter(|&l| model.link_separates(l, &service.members))
                .collect();
            if splitting.len() > crate::model::MAX_SPLITTING_LINKS {
                self.sink.error_hint(
                    locs[splitting[crate::model::MAX_SPLITTING_LINKS]],
                    format!(
                        "{} links can split the quorum service `{}`, above the limit of {}",
                        splitting.len(),
                        service.name,
                        crate::model::MAX_SPLITTING_LINKS
                    ),
                    "place the quorum's members in fewer domains, or join domains behind one link",
                );
            }
        }
    }
}
