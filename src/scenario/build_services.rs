//! Services: members, dependencies and redundancy modes (their failover,
//! balancer, replication and recovery settings are read in `build_options`).

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::{Loc, Node, Value};
use super::values::rate_per_s;
use crate::model::{Node as Instance, NodeGroup, Redundancy, Service};

const SERVICE_KEYS: &[&str] = &[
    "name",
    "nodes",
    "requires",
    "redundancy",
    "demand",
    "balancer",
    "replication",
    "recovery",
    "writes",
];

impl Builder<'_> {
    /// Reports a feature that parses but that the engine cannot simulate yet.
    pub fn unsupported(&mut self, loc: Loc, what: &str) {
        self.sink.error_hint(
            loc,
            format!("{what} is not supported yet"),
            "the engine cannot simulate it yet, and nines never ignores part of a design silently; \
             remove it to simulate the rest (see the README's roadmap)",
        );
    }

    pub fn services(
        &mut self,
        node: Option<&Node>,
        groups: &[NodeGroup],
        nodes: &[Instance],
        root_loc: Loc,
    ) -> Vec<Service> {
        let Some(node) = node else {
            self.sink.error_hint(
                root_loc,
                "the scenario has no `services`",
                "add a `services:` list saying which nodes serve what, e.g. `- {name: web, nodes: web}`",
            );
            return Vec::new();
        };
        let mut services = Vec::new();
        // Where each service's `nodes` are written.
        let mut member_locs = Vec::new();
        // Where each service's `recovery` is written.
        let mut recovery_locs = Vec::new();
        // `requires` edges by service name index, kept even for services with
        // other problems, so that cycles are reported in the same pass.
        let mut edges: Vec<Vec<(usize, Loc)>> = vec![Vec::new(); self.names.services.len()];
        for item in read::sequence(&mut self.sink, node, "`services`") {
            let Some(map) = Map::read(&mut self.sink, item, "a service", SERVICE_KEYS) else {
                continue;
            };
            let name = map
                .required(&mut self.sink, "name", "a service")
                .and_then(|n| read::string(&mut self.sink, n, "a service name"))
                .map(str::to_string);
            let label = format!("service `{}`", name.as_deref().unwrap_or("?"));
            let members = map
                .required(&mut self.sink, "nodes", &label)
                .and_then(|n| self.members(n, groups, nodes));
            let mut requires = Vec::new();
            let mut requires_ok = true;
            let own_index = name
                .as_ref()
                .and_then(|n| self.names.services.iter().position(|s| s == n));
            if let Some(n) = map.get("requires") {
                for r in read::list(n) {
                    match self.resolve(r, "service", |n| &n.services) {
                        Some(i) => {
                            requires.push(i);
                            if let Some(own) = own_index {
                                edges[own].push((i, r.loc));
                            }
                        }
                        None => requires_ok = false,
                    }
                }
            }
            let (demand, demand_pattern) = match map.get("demand") {
                Some(n) => {
                    let (d, p) = self.demand(n);
                    (Some(d), p)
                }
                None => (None, Some(None)),
            };
            if let Some(members) = &members {
                self.slow_outside_standby(&map, members, groups, nodes, &label);
            }
            let n_members = members.as_ref().map_or(0, Vec::len);
            let redundancy = self.redundancy(map.get("redundancy"), n_members, &label);
            if let (Some(d), Some(r)) = (map.get("demand"), redundancy.as_ref())
                && !matches!(r, Redundancy::ActiveActive { .. })
            {
                self.sink.error_hint(
                    d.loc,
                    format!(
                        "`demand` applies to active-active services, not to `{}`",
                        r.mode_name()
                    ),
                    "remove `demand`, or use `mode: active-active`",
                );
            }
            let balancer = map
                .get("balancer")
                .map(|n| (self.balancer(n, nodes, members.as_deref(), &label), n.loc));
            if let (Some(b), Some(r)) = (map.get("balancer"), redundancy.as_ref())
                && !matches!(r, Redundancy::ActiveActive { .. })
            {
                self.sink.error_hint(
                    b.loc,
                    format!(
                        "a `balancer` applies to active-active services, not to `{}`",
                        r.mode_name()
                    ),
                    "remove `balancer`, or use `mode: active-active`",
                );
            }
            let replication = map
                .get("replication")
                .map(|n| (self.replication(n, &label), n.loc));
            let recovery = map
                .get("recovery")
                .map(|n| (self.recovery(n, &label), n.loc));
            let writes = map
                .get("writes")
                .map(|n| self.rate_and_pattern(n, "`writes`"));
            let writes_pattern = match &writes {
                Some((_, p)) => p.clone(),
                None => Some(None),
            };
            let writes = writes.map(|(rate, _)| rate);
            self.check_writes_used(&map, &label);
            if let (Some(r), Some(m)) = (redundancy.as_ref(), members.as_ref()) {
                self.check_arbiter(&map, r, m, groups, &label);
            }
            if let Some(Some(r)) = replication.as_ref().map(|r| &r.0) {
                self.check_replication(&map, r, redundancy.as_ref(), n_members, &label);
            }
            if let (Some(members), Some(Some(_)), Some(demand_node)) =
                (members.as_ref(), demand, map.get("demand"))
            {
                let missing = members
                    .iter()
                    .find(|m| groups[nodes[**m].group].capacity_per_s.is_none());
                if let Some(m) = missing {
                    self.sink.error_hint(
                        demand_node.loc,
                        format!(
                            "{label} has a `demand`, but node `{}` has no `capacity`",
                            nodes[*m].name
                        ),
                        "give its node group a `capacity`, such as `capacity: 100/s`",
                    );
                    continue;
                }
                let total: f64 = members
                    .iter()
                    .filter_map(|m| groups[nodes[*m].group].capacity_per_s)
                    .sum();
                let peak = demand_pattern
                    .as_ref()
                    .and_then(|p| p.as_ref())
                    .map_or(1.0, |p| p.iter().copied().fold(0.0, f64::max));
                if let Some(Some(demand)) = demand
                    && demand * peak > total
                {
                    self.sink.error_hint(
                            demand_node.loc,
                            format!("{label} has a `demand` of {}/s at its peak, above the {total}/s of all its nodes together", demand * peak),
                            "the service could never be up; add nodes or capacity, or lower the demand",
                        );
                    continue;
                }
            }
            if let Some(Some(r)) = recovery.as_ref().map(|r| &r.0) {
                self.check_recovery(&map, r, redundancy.as_ref(), &label);
            }
            let (Some(name), Some(members), Some(redundancy), true) =
                (name, members, redundancy, requires_ok)
            else {
                continue;
            };
            let (Some(demand_per_s), Some(demand_pattern)) =
                (read::optional(demand), demand_pattern)
            else {
                continue;
            };
            let (Some(writes_per_s), Some(writes_pattern)) =
                (read::optional(writes), writes_pattern)
            else {
                continue;
            };
            member_locs.push(map.get("nodes").map_or(map.loc, |n| n.loc));
            recovery_locs.push(map.get("recovery").map(|n| n.loc));
            services.push(Service {
                name,
                members,
                requires,
                redundancy,
                demand_per_s,
                demand_pattern,
                balancer: balancer.and_then(|b| b.0),
                replication: replication.and_then(|r| r.0),
                recovery: recovery.and_then(|r| r.0),
                writes_per_s,
                writes_pattern,
            });
        }
        self.requires_cycles(&edges);
        self.check_rebuilds(&services, groups, nodes, &recovery_locs);
        self.standby_overlaps(&services, nodes, &member_locs);
        services
    }

    /// The arbiters of a standby service's failover: enough of them for the
    /// quorum, and none of them a member.
    fn check_arbiter(
        &mut self,
        map: &Map,
        redundancy: &Redundancy,
        members: &[usize],
        groups: &[NodeGroup],
        label: &str,
    ) {
        let Some(arbiter) = redundancy
            .standby_parts()
            .and_then(|p| p.failover.arbiter.clone())
        else {
            return;
        };
        let loc = map.get("redundancy").map_or(map.loc, |n| n.loc);
        let group = &groups[arbiter.group];
        if arbiter.quorum as usize > group.members.len() {
            self.sink.error_hint(
                loc,
                format!(
                    "the `arbiter` quorum of {label} is {}, but node group `{}` has {} node(s)",
                    arbiter.quorum,
                    group.name,
                    group.members.len()
                ),
                "a quorum no set of arbiters can reach would forbid every failover; lower `quorum` or add arbiters",
            );
        }
        if group.members.iter().any(|n| members.contains(n)) {
            self.sink.error_hint(
                loc,
                format!(
                    "the arbiters of {label} (node group `{}`) are among its members",
                    group.name
                ),
                "arbiters watch the members from outside: give them a node group of their own",
            );
        }
    }

    /// The member instances of a service: a group name, an instance name, or a list of them.
    fn members(
        &mut self,
        node: &Node,
        groups: &[NodeGroup],
        nodes: &[Instance],
    ) -> Option<Vec<usize>> {
        let mut members = Vec::new();
        let mut ok = true;
        for item in read::list(node) {
            let Some(name) = read::string(&mut self.sink, item, "a node group or instance name")
            else {
                ok = false;
                continue;
            };
            if let Some(g) = groups.iter().find(|g| g.name == name) {
                members.extend(g.members.iter().copied());
            } else if let Some(i) = nodes.iter().position(|n| n.name == name) {
                members.push(i);
            } else {
                if self.names.groups.iter().any(|g| g == name) {
                    // The group exists but has its own problems, already reported.
                    ok = false;
                    continue;
                }
                let mut candidates: Vec<&str> =
                    self.names.groups.iter().map(String::as_str).collect();
                if nodes.len() <= 1000 {
                    candidates.extend(nodes.iter().map(|n| n.name.as_str()));
                }
                let hint = suggest(name, &candidates);
                self.sink.error_hint(
                    item.loc,
                    format!("unknown node group or instance `{name}`"),
                    hint,
                );
                ok = false;
            }
        }
        if ok && members.is_empty() {
            self.sink
                .error(node.loc, "a service needs at least one node");
            return None;
        }
        let mut sorted = members.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if ok && sorted.len() != members.len() {
            self.sink.error(
                node.loc,
                "a node is listed twice among the service's `nodes`",
            );
            return None;
        }
        ok.then_some(members)
    }

    /// `effect: slow` is refused on members of active-active and quorum
    /// services, not ignored: a stalled member stays up for its clients, and
    /// only the failure detector of a standby service reacts to it. `mode` is
    /// read from the text, so that this is reported even when the service
    /// has other problems.
    fn slow_outside_standby(
        &mut self,
        map: &Map,
        members: &[usize],
        groups: &[NodeGroup],
        nodes: &[Instance],
        label: &str,
    ) {
        let mode = match map.get("redundancy").map(|r| &r.value) {
            None => "active-active",
            Some(Value::Map(entries)) => match entries.iter().find(|(k, _)| k.name == "mode") {
                None => "active-active",
                Some((
                    _,
                    Node {
                        value: Value::Str(mode),
                        ..
                    },
                )) => mode.as_str(),
                Some(_) => return,
            },
            Some(_) => return,
        };
        if !matches!(mode, "active-active" | "quorum") {
            return;
        }
        // In a quorum with elections, a stalled leader is unheard by its
        // followers and costs an election: it has a meaning there.
        let elects = match map.get("redundancy").map(|r| &r.value) {
            Some(Value::Map(entries)) => entries.iter().any(|(k, _)| k.name == "election"),
            _ => false,
        };
        if mode == "quorum" && elects {
            return;
        }
        let mut seen: Vec<usize> = Vec::new();
        for &m in members {
            let g = nodes[m].group;
            let Some(loc) = self.group_locs.get(g).and_then(|l| l.slow) else {
                continue;
            };
            if seen.contains(&g) {
                continue;
            }
            seen.push(g);
            // With a `factor`, a stalled member serves slowly: that matters
            // to traffic, checked once `traffic` is read.
            if mode == "active-active"
                && groups[g]
                    .failures
                    .iter()
                    .filter(|f| f.slow)
                    .all(|f| f.factor.is_some())
            {
                self.slow_needs_traffic.push((loc, label.to_string(), g));
                continue;
            }
            self.sink.error_hint(
                loc,
                format!(
                    "`effect: slow` on node group `{}`, a member of the {mode} {label}, is not supported yet",
                    groups[g].name
                ),
                "a stalled member stays up for its clients, and only the failure detector of a \
                 standby service (or the followers of a quorum leader, with `election`) reacts to \
                 it, so here it would change nothing; use `effect: down`, a standby mode, a \
                 quorum with `election`, or a `factor` with traffic",
            );
        }
    }

    /// `demand: 250/s`, or `demand: {rate: 250/s, pattern: ...}` with a
    /// daily pattern as traffic's. `None`: a problem was reported.
    fn demand(&mut self, node: &Node) -> (Option<f64>, Option<Option<Vec<f64>>>) {
        self.rate_and_pattern(node, "`demand`")
    }

    /// `KEY: 250/s`, or `KEY: {rate: 250/s, pattern: ...}` with a daily
    /// pattern as traffic's (`demand`, `writes`).
    fn rate_and_pattern(
        &mut self,
        node: &Node,
        what: &str,
    ) -> (Option<f64>, Option<Option<Vec<f64>>>) {
        let Value::Map(_) = &node.value else {
            return (rate_per_s(&mut self.sink, node, what), Some(None));
        };
        let label = format!("a {what}");
        let Some(map) = Map::read(&mut self.sink, node, &label, &["rate", "pattern"]) else {
            return (None, None);
        };
        let rate = map
            .required(&mut self.sink, "rate", &label)
            .and_then(|r| rate_per_s(&mut self.sink, r, "`rate`"));
        let pattern = match map.get("pattern") {
            Some(p) => self.pattern(p).map(Some),
            None => Some(None),
        };
        (rate, pattern)
    }

    /// A `capacity` that no service's `demand` counts against is refused,
    /// not ignored (checked only when every service could be read: a broken
    /// one may be its user).
    pub fn unused_capacity(
        &mut self,
        services: &[Service],
        groups: &[NodeGroup],
        nodes: &[Instance],
        traffic: &[crate::model::Traffic],
    ) {
        if services.len() != self.names.services.len() {
            return;
        }
        let mut demanded = vec![false; groups.len()];
        for (_, service) in services
            .iter()
            .enumerate()
            .filter(|(i, s)| s.demand_per_s.is_some() || traffic.iter().any(|t| t.service == *i))
        {
            for &m in &service.members {
                demanded[nodes[m].group] = true;
            }
        }
        for (g, group) in groups.iter().enumerate() {
            if let (Some(loc), false) =
                (self.group_locs.get(g).and_then(|l| l.capacity), demanded[g])
            {
                self.sink.error_hint(
                    loc,
                    format!(
                        "`capacity` of node group `{}` is not used: no service with a `demand` or `traffic` has these nodes",
                        group.name
                    ),
                    "capacity counts only against an active-active service's `demand` or its `traffic`; \
                     add `demand` or `traffic` for the service, or remove `capacity`",
                );
            }
        }
    }

    /// A standby service decides its members' roles (and an idle warm or
    /// cold standby's ageing), so a node may serve in only one of them.
    fn standby_overlaps(&mut self, services: &[Service], nodes: &[Instance], locs: &[Loc]) {
        let mut owner: Vec<Option<usize>> = vec![None; nodes.len()];
        for (s, service) in services.iter().enumerate() {
            if matches!(
                service.redundancy,
                Redundancy::ActiveActive { .. } | Redundancy::Quorum { .. }
            ) {
                continue;
            }
            let mut reported: Vec<usize> = Vec::new();
            for &m in &service.members {
                match owner[m] {
                    // Once per pair of services, at the second one's `nodes`.
                    Some(other) if !reported.contains(&other) => {
                        reported.push(other);
                        self.sink.error_hint(
                            locs[s],
                            format!(
                                "node `{}` is a member of two standby services, `{}` and `{}`",
                                nodes[m].name, services[other].name, service.name
                            ),
                            "a standby service decides which of its members is active; give each its own nodes",
                        );
                    }
                    Some(_) => {}
                    None => owner[m] = Some(s),
                }
            }
        }
    }

    /// Reports every `requires` cycle once, at the entry that closes it.
    fn requires_cycles(&mut self, edges: &[Vec<(usize, Loc)>]) {
        // Depth-first search with colours: 0 new, 1 on the stack, 2 done.
        let mut colour = vec![0u8; edges.len()];
        let mut path: Vec<usize> = Vec::new();
        for start in 0..edges.len() {
            if colour[start] == 0 {
                self.visit(start, edges, &mut colour, &mut path);
            }
        }
    }

    fn visit(
        &mut self,
        s: usize,
        edges: &[Vec<(usize, Loc)>],
        colour: &mut [u8],
        path: &mut Vec<usize>,
    ) {
        colour[s] = 1;
        path.push(s);
        for &(r, loc) in &edges[s] {
            if colour[r] == 1 {
                let from = path.iter().position(|&p| p == r).unwrap_or(0);
                let cycle: Vec<&str> = path[from..]
                    .iter()
                    .chain(std::iter::once(&r))
                    .map(|&i| self.names.services[i].as_str())
                    .collect();
                let message = format!("`requires` forms a cycle: {}", cycle.join(" → "));
                self.sink.error_hint(
                    loc,
                    message,
                    "a service cannot depend on itself, even through others; remove one of these `requires`",
                );
            } else if colour[r] == 0 {
                self.visit(r, edges, colour, path);
            }
        }
        path.pop();
        colour[s] = 2;
    }
}
