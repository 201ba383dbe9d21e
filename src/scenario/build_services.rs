//! Services: members, dependencies and redundancy modes (their failover,
//! balancer, replication and recovery settings are read in `build_options`).

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::{Loc, Node};
use super::values::{dist, rate_per_s};
use crate::model::{Failover, Node as Instance, NodeGroup, Redundancy, Service, SpareMode};

const SERVICE_KEYS: &[&str] = &[
    "name",
    "nodes",
    "requires",
    "redundancy",
    "demand",
    "balancer",
    "replication",
    "recovery",
];

const MODES: &[&str] = &[
    "active-active",
    "quorum",
    "hot-standby",
    "warm-standby",
    "cold-standby",
    "n-plus-k",
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
            let demand = map
                .get("demand")
                .map(|n| rate_per_s(&mut self.sink, n, "`demand`"));
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
                .map(|n| (self.balancer(n, nodes, &label), n.loc));
            let replication = map
                .get("replication")
                .map(|n| (self.replication(n, &label), n.loc));
            let recovery = map
                .get("recovery")
                .map(|n| (self.recovery(n, &label), n.loc));
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
                if let Some(Some(demand)) = demand
                    && demand > total
                {
                    self.sink.error_hint(
                            demand_node.loc,
                            format!("{label} has a `demand` of {demand}/s, above the {total}/s of all its nodes together"),
                            "the service could never be up; add nodes or capacity, or lower the demand",
                        );
                    continue;
                }
            }
            for (loc, what) in [
                (balancer.as_ref().map(|b| b.1), "`balancer`"),
                (replication.as_ref().map(|r| r.1), "`replication`"),
                (recovery.as_ref().map(|r| r.1), "`recovery`"),
            ] {
                if let Some(loc) = loc {
                    self.unsupported(loc, what);
                }
            }
            let (Some(name), Some(members), Some(redundancy), true) =
                (name, members, redundancy, requires_ok)
            else {
                continue;
            };
            let Some(demand_per_s) = read::optional(demand) else {
                continue;
            };
            services.push(Service {
                name,
                members,
                requires,
                redundancy,
                demand_per_s,
                balancer: balancer.and_then(|b| b.0),
                replication: replication.and_then(|r| r.0),
                recovery: recovery.and_then(|r| r.0),
            });
        }
        self.requires_cycles(&edges);
        self.standby_overlaps(&services, nodes, node.loc);
        services
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

    /// A standby service decides its members' roles (and an idle warm or
    /// cold standby's ageing), so a node may serve in only one of them.
    fn standby_overlaps(&mut self, services: &[Service], nodes: &[Instance], loc: Loc) {
        let mut owner: Vec<Option<usize>> = vec![None; nodes.len()];
        for (s, service) in services.iter().enumerate() {
            if matches!(
                service.redundancy,
                Redundancy::ActiveActive { .. } | Redundancy::Quorum { .. }
            ) {
                continue;
            }
            for &m in &service.members {
                if let Some(other) = owner[m] {
                    self.sink.error_hint(
                        loc,
                        format!(
                            "node `{}` is a member of two standby services, `{}` and `{}`",
                            nodes[m].name, services[other].name, service.name
                        ),
                        "a standby service decides which of its members is active; give each its own nodes",
                    );
                    return;
                }
                owner[m] = Some(s);
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

    fn redundancy(
        &mut self,
        node: Option<&Node>,
        n_members: usize,
        label: &str,
    ) -> Option<Redundancy> {
        let Some(node) = node else {
            return Some(Redundancy::ActiveActive { min_up: 1 });
        };
        let allowed = [
            "mode",
            "min_up",
            "election",
            "standbys",
            "idle_failure_factor",
            "warmup",
            "boot",
            "restore",
            "active",
            "spares",
            "spare_mode",
            "failover",
        ];
        let map = Map::read(
            &mut self.sink,
            node,
            &format!("`redundancy` of {label}"),
            &allowed,
        )?;
        let mode = match map.get("mode") {
            None => "active-active",
            Some(n) => {
                let mode = read::string(&mut self.sink, n, "`mode`")?;
                if !MODES.contains(&mode) {
                    let hint = suggest(mode, MODES);
                    self.sink
                        .error_hint(n.loc, format!("unknown redundancy mode `{mode}`"), hint);
                    return None;
                }
                mode
            }
        };
        let keys_of_mode: &[&str] = match mode {
            "active-active" => &["min_up"],
            "quorum" => &["min_up", "election"],
            "hot-standby" => &["standbys", "failover"],
            "warm-standby" => &["standbys", "idle_failure_factor", "warmup", "failover"],
            "cold-standby" => &["standbys", "boot", "restore", "failover"],
            _ => &["active", "spares", "spare_mode", "failover"],
        };
        for key in map.keys() {
            if key.name != "mode"
                && allowed.contains(&key.name.as_str())
                && !keys_of_mode.contains(&key.name.as_str())
            {
                self.sink.error_hint(
                    key.loc,
                    format!("`{}` does not apply to mode `{mode}`", key.name),
                    format!("mode `{mode}` takes: {}", keys_of_mode.join(", ")),
                );
            }
        }
        let n = n_members as i64;
        let count = |b: &mut Self, key: &str, min: i64, max: i64| -> Option<Option<i64>> {
            let Some(node) = map.get(key) else {
                return Some(None);
            };
            let value = read::integer(&mut b.sink, node, &format!("`{key}`"), min, i64::MAX)?;
            if n > 0 && value > max {
                b.sink.error_hint(
                    node.loc,
                    format!(
                        "`{key}` is {value}, but {label} has only {n} member{}",
                        if n == 1 { "" } else { "s" }
                    ),
                    format!("use at most {max}, or add nodes"),
                );
                return None;
            }
            Some(Some(value))
        };
        let opt_dist = |b: &mut Self, key: &str| -> Option<Option<crate::model::Dist>> {
            let label = format!("`{key}` of {label}");
            read::optional(
                map.get(key)
                    .map(|node| dist(&mut b.sink, node, &label, b.base_dir)),
            )
        };
        let is_standby = matches!(
            mode,
            "hot-standby" | "warm-standby" | "cold-standby" | "n-plus-k"
        );
        if is_standby && n_members == 1 {
            self.sink.error_hint(
                map.loc,
                format!("{label} uses `{mode}` but has only one member"),
                "a standby design needs at least two nodes",
            );
            return None;
        }
        // Read before the mode's own keys, but not returned from yet, so the
        // problems of both are reported.
        let failover = if is_standby {
            match map.get("failover") {
                Some(f) => self.failover(f, label),
                None => Some(Failover {
                    coverage: 1.0,
                    fencing: true,
                    ..Failover::default()
                }),
            }
        } else {
            Some(Failover::default())
        };
        let standbys =
            |b: &mut Self| count(b, "standbys", 1, n - 1).map(|s| s.unwrap_or(n - 1).max(1) as u32);
        let redundancy = match mode {
            "active-active" => Redundancy::ActiveActive {
                min_up: count(self, "min_up", 1, n)?.unwrap_or(1) as u32,
            },
            "quorum" => {
                let min_up = count(self, "min_up", 1, n)?.unwrap_or(n / 2 + 1) as u32;
                let election = opt_dist(self, "election")?;
                if let (Some(_), Some(e)) = (&election, map.get("election")) {
                    self.unsupported(e.loc, "`election` (leader election time)");
                }
                Redundancy::Quorum { min_up, election }
            }
            "hot-standby" => Redundancy::HotStandby {
                standbys: standbys(self)?,
                failover: failover?,
            },
            "warm-standby" => {
                let standbys = standbys(self);
                let factor = match map.get("idle_failure_factor") {
                    Some(f) => {
                        let x = read::number(&mut self.sink, f, "`idle_failure_factor`")?;
                        if !(x > 0.0 && x < 1.0) {
                            self.sink.error_hint(
                                f.loc,
                                format!("`idle_failure_factor` must be between 0 and 1 (exclusive), found {x}"),
                                "0 is cold standby and 1 is hot standby; use those modes instead",
                            );
                            return None;
                        }
                        x
                    }
                    None => 0.5,
                };
                Redundancy::WarmStandby {
                    standbys: standbys?,
                    idle_failure_factor: factor,
                    warmup: opt_dist(self, "warmup")?,
                    failover: failover?,
                }
            }
            "cold-standby" => {
                let standbys = standbys(self);
                let boot = opt_dist(self, "boot");
                Redundancy::ColdStandby {
                    standbys: standbys?,
                    boot: boot?,
                    restore: opt_dist(self, "restore")?,
                    failover: failover?,
                }
            }
            _ => {
                let active = count(self, "active", 1, n)?;
                let spares = count(self, "spares", 0, n)?;
                let (active, spares) = match (active, spares) {
                    (Some(a), Some(s)) => (a, s),
                    (Some(a), None) => (a, n - a),
                    (None, Some(s)) => (n - s, s),
                    (None, None) => (n - 1, 1),
                };
                if active + spares > n || active < 1 {
                    self.sink.error_hint(
                        map.loc,
                        format!("{label} has {active} active and {spares} spare members, but only {n} nodes"),
                        "`active` + `spares` must not exceed the number of nodes",
                    );
                    return None;
                }
                let spare_mode = match map.get("spare_mode") {
                    None => SpareMode::Hot,
                    Some(s) => match read::string(&mut self.sink, s, "`spare_mode`")? {
                        "hot" => SpareMode::Hot,
                        "cold" => SpareMode::Cold,
                        other => {
                            let hint = suggest(other, &["hot", "cold"]);
                            self.sink.error_hint(
                                s.loc,
                                format!("unknown spare mode `{other}`"),
                                hint,
                            );
                            return None;
                        }
                    },
                };
                Redundancy::NPlusK {
                    active: active as u32,
                    spares: spares as u32,
                    spare_mode,
                    failover: failover?,
                }
            }
        };
        if let Some(parts) = redundancy.standby_parts() {
            let used = (parts.slots + parts.spares) as usize;
            if used < n_members {
                self.sink.error_hint(
                    map.loc,
                    format!(
                        "{label} has {n_members} nodes but its `{mode}` uses only {used}: the others would never serve"
                    ),
                    "list in `nodes` only the members the service uses (a group's members are all used)",
                );
            }
        }
        if let Redundancy::NPlusK { active, .. } = &redundancy {
            let loc = map.get("active").map_or(map.loc, |m| m.loc);
            if *active > crate::model::MAX_SLOTS {
                self.sink.error_hint(
                    loc,
                    format!(
                        "`active` is {active}, above the limit of {}",
                        crate::model::MAX_SLOTS
                    ),
                    "model a large pool as active-active with `min_up`",
                );
            }
        }
        Some(redundancy)
    }
}
