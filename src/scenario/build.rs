//! From the YAML tree to a [`Model`]: every section is read, every name
//! resolved, every parameter checked; all problems are collected.

use super::diag::{Sink, suggest};
use super::read::{self, Map};
use super::tree::{Loc, Node, Value};
use super::values::{dist, duration_h, positive_duration_h, rate_per_s};
use crate::model::{
    Crew, Domain, FailureMode, Model, Monitoring, Node as Instance, NodeGroup, Scope, Simulation,
    micros_from_hours,
};
use std::path::Path;

/// The most nodes a scenario may have, over all groups.
pub const MAX_NODES: i64 = 1_000_000;
/// The most replications one run may ask for.
pub const MAX_REPLICATIONS: i64 = 10_000_000;
/// The longest horizon (and warm-up), in years.
pub const MAX_HORIZON_Y: f64 = 10_000.0;
/// The most members one repair crew may have.
const MAX_CREW_SIZE: i64 = 100_000;

const ROOT_KEYS: &[&str] = &[
    "name",
    "description",
    "simulation",
    "domains",
    "crews",
    "network",
    "nodes",
    "services",
    "system",
    "traffic",
    "faults",
    "slos",
    "monitoring",
    "cost",
];

/// Picks one list of names.
type NamesOf = fn(&mut Names) -> &mut Vec<String>;

/// Names defined in the scenario, for resolving references.
#[derive(Default)]
pub struct Names {
    pub domains: Vec<String>,
    pub crews: Vec<String>,
    pub groups: Vec<String>,
    pub services: Vec<String>,
}

pub struct Builder<'a> {
    pub sink: Sink,
    pub base_dir: &'a Path,
    pub names: Names,
    /// Where the failure modes just read wrote `effect: slow`.
    slow_pending: Vec<Loc>,
    /// `effect: slow` modes with a `factor` on active-active members: where,
    /// the service's label and the group; they need traffic to matter.
    pub slow_needs_traffic: Vec<(Loc, String, usize)>,
    /// Where the node group being read says `loses_state: true`.
    loses_state_pending: Vec<Loc>,
    /// Per node group: where it has an `effect: slow` and a `capacity`.
    pub group_locs: Vec<GroupLocs>,
    /// The top-level `monitoring`, for failure modes without their own.
    pub default_monitoring: Option<Monitoring>,
}

/// Where a node group's settings that only some services use are written.
#[derive(Clone, Copy, Default)]
pub struct GroupLocs {
    pub slow: Option<Loc>,
    /// Where a failure mode says `loses_state: true`.
    pub loses_state: Option<Loc>,
    pub capacity: Option<Loc>,
}

fn index_of(names: &[String], name: &str) -> Option<usize> {
    names.iter().position(|n| n == name)
}

impl<'a> Builder<'a> {
    pub fn new(base_dir: &'a Path) -> Self {
        Builder {
            sink: Sink::default(),
            base_dir,
            names: Names::default(),
            slow_pending: Vec::new(),
            loses_state_pending: Vec::new(),
            slow_needs_traffic: Vec::new(),
            group_locs: Vec::new(),
            default_monitoring: None,
        }
    }

    /// Resolves a reference to a named thing, reporting unknown names with a hint.
    pub fn resolve(
        &mut self,
        node: &Node,
        kind: &str,
        pick: fn(&Names) -> &[String],
    ) -> Option<usize> {
        let name = read::string(&mut self.sink, node, &format!("a {kind} name"))?;
        let names = pick(&self.names);
        if let Some(i) = index_of(names, name) {
            return Some(i);
        }
        let candidates: Vec<&str> = names.iter().map(String::as_str).collect();
        let hint = suggest(name, &candidates);
        self.sink
            .error_hint(node.loc, format!("unknown {kind} `{name}`"), hint);
        None
    }

    pub fn build(mut self, root: &Node) -> Result<Model, Sink> {
        if matches!(root.value, Value::Null) {
            self.sink.error_hint(
                Loc { line: 1, column: 1 },
                "the scenario is empty",
                "start with `name:`, then `nodes:` and `services:`; see scenarios/single-server.yaml",
            );
            return Err(self.sink);
        }
        let Some(map) = Map::read(&mut self.sink, root, "the scenario", ROOT_KEYS) else {
            return Err(self.sink);
        };
        self.collect_names(&map);
        let name = map
            .get("name")
            .and_then(|n| read::string(&mut self.sink, n, "`name`"))
            .unwrap_or("unnamed scenario")
            .to_string();
        let description = map
            .get("description")
            .and_then(|n| read::string(&mut self.sink, n, "`description`"))
            .unwrap_or("")
            .trim()
            .to_string();
        let simulation = self.simulation(map.get("simulation"));
        let crews = self.crews(map.get("crews"));
        super::build_monitoring::read_default(&mut self, map.get("monitoring"));
        let domains = self.domains(map.get("domains"));
        let (groups, nodes) = self.node_groups(map.get("nodes"), map.loc);
        let services = self.services(map.get("services"), &groups, &nodes, map.loc);
        let system = self.system(map.get("system"), &services);
        let (links, link_locs) = self.network(map.get("network"), &domains);
        let traffic = self.traffic(map.get("traffic"), &services, &groups, &nodes);
        for (loc, label, g) in std::mem::take(&mut self.slow_needs_traffic) {
            let served = services.iter().enumerate().any(|(s, service)| {
                format!("service `{}`", service.name) == label
                    && traffic.iter().any(|t| t.service == s)
            });
            if !served && services.len() == self.names.services.len() {
                self.sink.error_hint(
                    loc,
                    format!(
                        "`effect: slow` with a `factor` on node group `{}` changes nothing: {label} has no `traffic`",
                        groups[g].name
                    ),
                    "a slow member of an active-active service only serves less traffic; add a `traffic` entry for it, or use `effect: down`",
                );
            }
        }
        self.unused_capacity(&services, &groups, &nodes, &traffic);
        let faults = self.faults(
            map.get("faults"),
            &nodes,
            &domains,
            &links,
            simulation.as_ref(),
        );
        let slos = self.slos(map.get("slos"), simulation.as_ref(), &traffic);
        let cost = self.cost(
            map.get("cost"),
            &super::build_cost::Design {
                groups: &groups,
                crews: &crews,
                services: &services,
                links: &links,
                traffic: &traffic,
            },
        );
        let model = Model {
            name,
            description,
            simulation: simulation.unwrap_or(Simulation {
                horizon_us: 0,
                warmup_us: 0,
                n_replications: 0,
                seed: 0,
                incident_threshold_us: 0,
            }),
            domains,
            crews,
            groups,
            nodes,
            services,
            system,
            links,
            traffic,
            faults,
            slos,
            cost,
        };
        self.check_partitions(&model, &link_locs);
        if self.sink.items.is_empty() {
            Ok(model)
        } else {
            Err(self.sink)
        }
    }

    /// Gathers the names of domains, crews, node groups and services first,
    /// so that references can point forwards and backwards alike.
    fn collect_names(&mut self, map: &Map) {
        let sections: [(&str, &str, NamesOf); 4] = [
            ("domains", "domain", |n| &mut n.domains),
            ("crews", "crew", |n| &mut n.crews),
            ("nodes", "node group", |n| &mut n.groups),
            ("services", "service", |n| &mut n.services),
        ];
        for (key, kind, pick) in sections {
            let Some(section) = map.get(key) else {
                continue;
            };
            let Value::Seq(items) = &section.value else {
                continue;
            };
            for item in items {
                let Value::Map(entries) = &item.value else {
                    continue;
                };
                let Some((_, name_node)) = entries.iter().find(|(k, _)| k.name == "name") else {
                    continue;
                };
                let Value::Str(name) = &name_node.value else {
                    continue;
                };
                if pick(&mut self.names).contains(name) {
                    self.sink.error_hint(
                        name_node.loc,
                        format!("{kind} `{name}` is defined twice"),
                        format!("give each {kind} its own name"),
                    );
                }
                pick(&mut self.names).push(name.clone());
            }
        }
    }

    fn simulation(&mut self, node: Option<&Node>) -> Option<Simulation> {
        let mut sim = Simulation {
            horizon_us: micros_from_hours(87_600.0),
            warmup_us: 0,
            n_replications: 1000,
            seed: 1,
            incident_threshold_us: 0,
        };
        let Some(node) = node else { return Some(sim) };
        let map = Map::read(
            &mut self.sink,
            node,
            "`simulation`",
            &[
                "horizon",
                "replications",
                "seed",
                "warmup",
                "incident_threshold",
            ],
        )?;
        // Every key is read before giving up, so all its problems are reported.
        let horizon = map
            .get("horizon")
            .map(|n| self.horizon(n, "`horizon`", true));
        let warmup = map
            .get("warmup")
            .map(|n| self.horizon(n, "`warmup`", false));
        let replications = map
            .get("replications")
            .map(|n| read::integer(&mut self.sink, n, "`replications`", 1, MAX_REPLICATIONS));
        let seed = map
            .get("seed")
            .map(|n| read::integer(&mut self.sink, n, "`seed`", 0, i64::MAX));
        let threshold = map
            .get("incident_threshold")
            .map(|n| self.horizon(n, "`incident_threshold`", false));
        if let Some(h) = horizon {
            sim.horizon_us = h?;
        }
        if let Some(w) = warmup {
            sim.warmup_us = w?;
        }
        if let Some(r) = replications {
            sim.n_replications = r? as u64;
        }
        if let Some(s) = seed {
            sim.seed = s? as u64;
        }
        if let Some(t) = threshold {
            sim.incident_threshold_us = t?;
        }
        Some(sim)
    }

    fn horizon(&mut self, node: &Node, what: &str, positive: bool) -> Option<u64> {
        let h = if positive {
            positive_duration_h(&mut self.sink, node, what)?
        } else {
            duration_h(&mut self.sink, node, what)?
        };
        if h > MAX_HORIZON_Y * 8760.0 {
            self.sink.error_hint(
                node.loc,
                format!(
                    "{what} is {:.0} years, above the limit of {MAX_HORIZON_Y} years",
                    h / 8760.0
                ),
                "more replications of a shorter horizon give the same precision",
            );
            return None;
        }
        Some(micros_from_hours(h))
    }

    fn crews(&mut self, node: Option<&Node>) -> Vec<Crew> {
        let Some(node) = node else { return Vec::new() };
        let mut crews = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`crews`") {
            let Some(map) = Map::read(&mut self.sink, item, "a crew", &["name", "size"]) else {
                continue;
            };
            let name = map
                .required(&mut self.sink, "name", "a crew")
                .and_then(|n| read::string(&mut self.sink, n, "a crew name"));
            let size = match map.get("size") {
                Some(n) => read::integer(&mut self.sink, n, "crew `size`", 1, MAX_CREW_SIZE),
                None => Some(1),
            };
            if let (Some(name), Some(size)) = (name, size) {
                crews.push(Crew {
                    name: name.to_string(),
                    size: size as u32,
                });
            }
        }
        crews
    }

    fn domains(&mut self, node: Option<&Node>) -> Vec<Domain> {
        let Some(node) = node else { return Vec::new() };
        let mut domains = Vec::new();
        let mut parent_locs = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`domains`") {
            let Some(map) = Map::read(
                &mut self.sink,
                item,
                "a domain",
                &["name", "parent", "failures"],
            ) else {
                continue;
            };
            let name = map
                .required(&mut self.sink, "name", "a domain")
                .and_then(|n| read::string(&mut self.sink, n, "a domain name"));
            let parent = map
                .get("parent")
                .map(|n| (self.resolve(n, "domain", |n| &n.domains), n.loc));
            let failures = self.failure_modes(map.get("failures"), "domain", false);
            let Some(name) = name else { continue };
            parent_locs.push(parent.map(|p| p.1));
            domains.push(Domain {
                name: name.to_string(),
                parent: parent.and_then(|p| p.0),
                failures,
            });
        }
        // A domain may not be its own ancestor.
        for (start, loc) in parent_locs.iter().enumerate() {
            let mut current = domains[start].parent;
            for _ in 0..domains.len() {
                match current {
                    Some(p) if p == start => {
                        self.sink.error_hint(
                            loc.unwrap_or_default(),
                            format!("domain `{}` is inside itself through `parent`", domains[start].name),
                            "parents must form a tree: a rack inside a zone, not a zone inside its rack",
                        );
                        break;
                    }
                    Some(p) => current = domains[p].parent,
                    None => break,
                }
            }
        }
        domains
    }

    pub fn failure_modes(
        &mut self,
        node: Option<&Node>,
        owner: &str,
        group_scope_allowed: bool,
    ) -> Vec<FailureMode> {
        let Some(node) = node else { return Vec::new() };
        let mut modes: Vec<FailureMode> = Vec::new();
        for (i, item) in read::sequence(&mut self.sink, node, "`failures`")
            .into_iter()
            .enumerate()
        {
            let what = format!("a failure mode of a {owner}");
            let keys: &[&str] = if group_scope_allowed {
                &[
                    "name",
                    "ttf",
                    "repair",
                    "crew",
                    "scope",
                    "effect",
                    "monitoring",
                    "loses_state",
                    "factor",
                ]
            } else {
                &["name", "ttf", "repair", "crew", "scope", "monitoring"]
            };
            let Some(map) = Map::read(&mut self.sink, item, &what, keys) else {
                continue;
            };
            let name = match map.get("name") {
                Some(n) => {
                    read::string(&mut self.sink, n, "a failure mode name").map(str::to_string)
                }
                None => Some(format!("failure-{}", i + 1)),
            };
            let label = format!("failure mode `{}`", name.as_deref().unwrap_or("?"));
            let ttf = map.required(&mut self.sink, "ttf", &label).and_then(|n| {
                dist(
                    &mut self.sink,
                    n,
                    &format!("`ttf` of {label}"),
                    self.base_dir,
                )
            });
            let (repair_node, together) = match map.get("repair") {
                Some(n) => self.repair_together(n),
                None => (None, Some(false)),
            };
            let repair = map
                .required(&mut self.sink, "repair", &label)
                .and_then(|n| {
                    dist(
                        &mut self.sink,
                        repair_node.as_ref().unwrap_or(n),
                        &format!("`repair` of {label}"),
                        self.base_dir,
                    )
                });
            let crew = map
                .get("crew")
                .map(|n| self.resolve(n, "crew", |n| &n.crews));
            let scope = match map.get("scope") {
                None => Some(Scope::Instance),
                Some(n) => match read::string(&mut self.sink, n, "`scope`") {
                    Some("instance") => Some(Scope::Instance),
                    Some("group") if group_scope_allowed => Some(Scope::Group),
                    Some("group") => {
                        self.sink.error_hint(
                            n.loc,
                            format!("`scope: group` is for node groups, not a {owner}"),
                            "remove `scope`",
                        );
                        None
                    }
                    Some(other) => {
                        let hint = suggest(other, &["instance", "group"]);
                        self.sink
                            .error_hint(n.loc, format!("unknown scope `{other}`"), hint);
                        None
                    }
                    None => None,
                },
            };
            let slow = match map.get("effect") {
                None => Some(false),
                Some(n) => match read::string(&mut self.sink, n, "`effect`") {
                    Some("down") => Some(false),
                    Some("slow") if scope == Some(Scope::Group) => {
                        self.sink.error_hint(
                            n.loc,
                            "`effect: slow` with `scope: group` is not supported",
                            "give each instance its own `slow` failure mode",
                        );
                        None
                    }
                    Some("slow") => {
                        self.slow_pending.push(n.loc);
                        Some(true)
                    }
                    Some(other) => {
                        let hint = suggest(other, &["down", "slow"]);
                        self.sink
                            .error_hint(n.loc, format!("unknown effect `{other}`"), hint);
                        None
                    }
                    None => None,
                },
            };
            let factor = self.mode_factor(&map, slow);
            let monitoring = self.mode_monitoring(&map, &label);
            let monitored = matches!(monitoring, Some(Some(_)));
            let loses_state = match map.get("loses_state") {
                None => Some(false),
                Some(n) => {
                    let b = read::boolean(&mut self.sink, n, "`loses_state`");
                    if b == Some(true) && slow == Some(true) {
                        self.sink.error_hint(
                            n.loc,
                            "an `effect: slow` failure keeps the node up: it cannot lose its state",
                            "use `effect: down` for a failure that takes the data (a disk loss), or remove `loses_state`",
                        );
                        None
                    } else {
                        if b == Some(true) {
                            self.loses_state_pending.push(n.loc);
                        }
                        b
                    }
                }
            };
            if let Some(ttf_node) = map.get("ttf")
                && matches!(ttf.as_ref(), Some(d) if d.mean_h() <= 0.0)
            {
                self.sink.error_hint(
                    ttf_node.loc,
                    format!("`ttf` of {label} has a mean of zero"),
                    "a unit that fails at once would fail infinitely often",
                );
                continue;
            }
            if let (
                Some(name),
                Some(ttf),
                Some(repair),
                Some(scope),
                Some(slow),
                Some(monitoring),
                Some(loses_state),
                Some(repair_together),
                Some(factor),
            ) = (
                name,
                ttf,
                repair,
                scope,
                slow,
                monitoring,
                loses_state,
                self.check_together(&map, together, scope, crew.is_some() || monitored),
                factor,
            ) {
                if modes.iter().any(|m| m.name == name) {
                    self.sink.error(
                        map.get("name").map_or(map.loc, |n| n.loc),
                        format!("failure mode `{name}` is defined twice in one {owner}"),
                    );
                    continue;
                }
                let crew = match crew {
                    None => None,
                    Some(Some(i)) => Some(i),
                    Some(None) => continue,
                };
                modes.push(FailureMode {
                    name,
                    ttf,
                    repair,
                    crew,
                    scope,
                    slow,
                    monitoring,
                    loses_state,
                    repair_together,
                    factor,
                });
            }
        }
        modes
    }

    fn node_groups(
        &mut self,
        node: Option<&Node>,
        root_loc: Loc,
    ) -> (Vec<NodeGroup>, Vec<Instance>) {
        let mut groups = Vec::new();
        let mut nodes: Vec<Instance> = Vec::new();
        let mut name_locs = Vec::new();
        let Some(node) = node else {
            self.sink.error_hint(
                root_loc,
                "the scenario has no `nodes`",
                "add a `nodes:` list with at least one group of servers",
            );
            return (groups, nodes);
        };
        let mut total: i64 = 0;
        for item in read::sequence(&mut self.sink, node, "`nodes`") {
            let Some(map) = Map::read(
                &mut self.sink,
                item,
                "a node group",
                &["name", "count", "domains", "capacity", "failures"],
            ) else {
                continue;
            };
            let name = map
                .required(&mut self.sink, "name", "a node group")
                .and_then(|n| read::string(&mut self.sink, n, "a node group name"));
            let count = match map.get("count") {
                Some(n) => read::integer(&mut self.sink, n, "`count`", 1, MAX_NODES),
                None => Some(1),
            };
            let placement: Vec<Option<usize>> = map
                .get("domains")
                .map(|n| {
                    read::list(n)
                        .into_iter()
                        .map(|d| self.resolve(d, "domain", |n| &n.domains))
                        .collect()
                })
                .unwrap_or_default();
            let capacity = map.get("capacity").map(|n| {
                let c = rate_per_s(&mut self.sink, n, "`capacity`")?;
                if c <= 0.0 {
                    self.sink.error_hint(
                        n.loc,
                        "`capacity` must be above zero",
                        "write the requests per second one node can serve, e.g. `capacity: 100/s`",
                    );
                    return None;
                }
                Some(c)
            });
            let failures = self.failure_modes(map.get("failures"), "node group", true);
            let locs = GroupLocs {
                slow: self.slow_pending.drain(..).next(),
                loses_state: self.loses_state_pending.drain(..).next(),
                capacity: map.get("capacity").map(|n| n.loc),
            };
            let (Some(name), Some(count)) = (name, count) else {
                continue;
            };
            total += count;
            if total > MAX_NODES {
                self.sink.error_hint(
                    map.get("count").map_or(map.loc, |n| n.loc),
                    format!(
                        "the scenario has {total} nodes so far, above the limit of {MAX_NODES}"
                    ),
                    "model a large fleet as fewer, larger nodes with more capacity",
                );
                continue;
            }
            if placement.iter().any(Option::is_none) || matches!(capacity, Some(None)) {
                continue;
            }
            let group_index = groups.len();
            let placement: Vec<usize> = placement.into_iter().flatten().collect();
            let first = nodes.len();
            for i in 0..count as usize {
                nodes.push(Instance {
                    name: format!("{name}-{}", i + 1),
                    group: group_index,
                    domain: (!placement.is_empty()).then(|| placement[i % placement.len()]),
                });
            }
            groups.push(NodeGroup {
                name: name.to_string(),
                capacity_per_s: capacity.flatten(),
                failures,
                members: (first..nodes.len()).collect(),
            });
            name_locs.push(map.get("name").map_or(map.loc, |n| n.loc));
            self.group_locs.push(locs);
        }
        // A group named like another group's instance would make `nodes: web-1` ambiguous.
        for (g, group) in groups.iter().enumerate() {
            if let Some(clash) = nodes.iter().find(|n| n.name == group.name) {
                self.sink.error_hint(
                    name_locs[g],
                    format!(
                        "node group `{}` has the name of instance `{}` of group `{}`",
                        group.name, clash.name, groups[clash.group].name
                    ),
                    "instances are named `<group>-1`, `<group>-2`, ...; give this group another name",
                );
            }
        }
        (groups, nodes)
    }

    fn system(&mut self, node: Option<&Node>, services: &[crate::model::Service]) -> Vec<usize> {
        match node {
            Some(node) => {
                let mut system = Vec::new();
                for item in read::list(node) {
                    if let Some(i) = self.resolve(item, "service", |n| &n.services)
                        && !system.contains(&i)
                    {
                        system.push(i);
                    }
                }
                if system.is_empty() && self.sink.items.is_empty() {
                    self.sink.error_hint(
                        node.loc,
                        "`system` is empty",
                        "name at least one service",
                    );
                }
                system
            }
            // Default: every service that no other service requires.
            None => (0..services.len())
                .filter(|i| !services.iter().any(|s| s.requires.contains(i)))
                .collect(),
        }
    }
}

impl Builder<'_> {
    /// `repair: {..., together: true}`: the distribution without the
    /// `together` key (when it is there), and its value.
    fn repair_together(&mut self, node: &Node) -> (Option<Node>, Option<bool>) {
        let Value::Map(entries) = &node.value else {
            return (None, Some(false));
        };
        let Some((_, flag)) = entries.iter().find(|(k, _)| k.name == "together") else {
            return (None, Some(false));
        };
        let together = read::boolean(&mut self.sink, flag, "`together`");
        let rest = Node {
            value: Value::Map(
                entries
                    .iter()
                    .filter(|(k, _)| k.name != "together")
                    .cloned()
                    .collect(),
            ),
            loc: node.loc,
        };
        (Some(rest), together)
    }

    /// `together` is for `scope: group` modes without a crew or monitoring.
    fn check_together(
        &mut self,
        map: &Map,
        together: Option<bool>,
        scope: Option<Scope>,
        queued: bool,
    ) -> Option<bool> {
        let together = together?;
        if !together {
            return Some(false);
        }
        let loc = map.get("repair").map_or(map.loc, |n| n.loc);
        if scope != Some(Scope::Group) {
            self.sink.error_hint(
                loc,
                "`together` repairs a `scope: group` failure as one",
                "add `scope: group`, or remove `together`: an instance's own failure is repaired alone",
            );
            return None;
        }
        if queued {
            self.sink.error_hint(
                loc,
                "`together` with a `crew` or `monitoring` is not supported yet",
                "a repair made as one starts at the failure, for every instance at once; remove \
                 `crew` and `monitoring` (`monitoring: none` on this mode), or `together`",
            );
            return None;
        }
        Some(true)
    }

    /// `factor` of an `effect: slow` failure mode: a number at least 1.
    /// `Some(None)` without it, `None` on a problem.
    fn mode_factor(&mut self, map: &Map, slow: Option<bool>) -> Option<Option<f64>> {
        let Some(n) = map.get("factor") else {
            return Some(None);
        };
        if slow == Some(false) {
            self.sink.error_hint(
                n.loc,
                "`factor` belongs to `effect: slow`",
                "a slow member serves at 1/factor of its capacity while it stalls; add `effect: slow` or remove `factor`",
            );
            return None;
        }
        super::values::factor(&mut self.sink, n, "while it stalls").map(Some)
    }
}
