//! Network links, traffic and chaos faults.

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::Loc;
use super::tree::{Node, Value};
use super::values::{dist, duration_h};
use crate::model::{Domain, Fault, Link, Model, Node as Instance, Redundancy, micros_from_hours};

const ACTIONS: &[&str] = &[
    "crash",
    "partition",
    "slow",
    "heartbeat-loss",
    "domain-outage",
    "maintenance",
];

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

    fn domain_pair(&mut self, node: &Node, domains: &[Domain]) -> Option<[usize; 2]> {
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

    pub fn faults(
        &mut self,
        node: Option<&Node>,
        nodes: &[Instance],
        domains: &[Domain],
    ) -> Vec<Fault> {
        let Some(node) = node else { return Vec::new() };
        let mut faults = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`faults`") {
            let Some(map) = Map::read(
                &mut self.sink,
                item,
                "a fault",
                &[
                    "at", "every", "action", "target", "between", "duration", "rolling",
                ],
            ) else {
                continue;
            };
            let action = map
                .required(&mut self.sink, "action", "a fault")
                .and_then(|a| {
                    let action = read::string(&mut self.sink, a, "`action`")?;
                    if ACTIONS.contains(&action) {
                        Some(action.to_string())
                    } else {
                        let hint = suggest(action, ACTIONS);
                        self.sink.error_hint(
                            a.loc,
                            format!("unknown fault action `{action}`"),
                            hint,
                        );
                        None
                    }
                });
            let at = map.get("at").map(|a| duration_h(&mut self.sink, a, "`at`"));
            let every = map
                .get("every")
                .map(|e| dist(&mut self.sink, e, "`every`", self.base_dir));
            if at.is_some() == every.is_some() {
                self.sink.error_hint(
                    map.loc,
                    "a fault needs exactly one of `at` and `every`",
                    "`at: 100h` injects it once; `every: {dist: exponential, mean: 7d}` injects it repeatedly",
                );
            }
            let duration = map
                .get("duration")
                .map(|d| dist(&mut self.sink, d, "`duration`", self.base_dir));
            if let Some(target) = map.get("target") {
                self.fault_target(target, nodes);
            }
            if let Some(between) = map.get("between") {
                self.domain_pair(between, domains);
            }
            if let Some(rolling) = map.get("rolling") {
                read::boolean(&mut self.sink, rolling, "`rolling`");
            }
            let Some(action) = action else { continue };
            self.unsupported(item.loc, "`faults` (chaos injection)");
            faults.push(Fault {
                action,
                at_us: at.flatten().map(micros_from_hours),
                every: every.flatten(),
                duration: duration.flatten(),
            });
        }
        faults
    }

    /// A fault target: an instance, a group, a domain or `{random: group}`.
    fn fault_target(&mut self, node: &Node, nodes: &[Instance]) {
        let name_node = match &node.value {
            Value::Map(_) => {
                let Some(map) = Map::read(&mut self.sink, node, "a fault `target`", &["random"])
                else {
                    return;
                };
                match map.required(&mut self.sink, "random", "a fault `target`") {
                    Some(n) => n,
                    None => return,
                }
            }
            _ => node,
        };
        let Some(name) = read::string(&mut self.sink, name_node, "a fault target") else {
            return;
        };
        let known = self.names.groups.iter().any(|g| g == name)
            || self.names.domains.iter().any(|d| d == name)
            || nodes.iter().any(|n| n.name == name);
        if !known {
            let mut candidates: Vec<&str> = self
                .names
                .groups
                .iter()
                .chain(self.names.domains.iter())
                .map(String::as_str)
                .collect();
            if nodes.len() <= 1000 {
                candidates.extend(nodes.iter().map(|n| n.name.as_str()));
            }
            let hint = suggest(name, &candidates);
            self.sink.error_hint(
                name_node.loc,
                format!("unknown fault target `{name}`"),
                hint,
            );
        }
    }
}
