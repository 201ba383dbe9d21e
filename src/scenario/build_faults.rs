//! `faults`: chaos injected on top of the natural failures.

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::{Loc, Node, Value};
use super::values::{dist, duration_h};
use crate::model::{
    Dist, Domain, Fault, FaultAction, FaultTarget, FaultWindow, Link, Node as Instance, Simulation,
    micros_from_hours,
};

const ACTIONS: &[&str] = &[
    "crash",
    "partition",
    "slow",
    "heartbeat-loss",
    "domain-outage",
    "maintenance",
];

const KEYS: &[&str] = &[
    "name",
    "at",
    "every",
    "during",
    "action",
    "target",
    "between",
    "direction",
    "duration",
    "rolling",
    "factor",
];

const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Where the fault's parts are written, for its checks.
struct Parts<'n> {
    map: Map<'n>,
    loc: Loc,
}

impl Builder<'_> {
    pub fn faults(
        &mut self,
        node: Option<&Node>,
        nodes: &[Instance],
        domains: &[Domain],
        links: &[Link],
        simulation: Option<&Simulation>,
    ) -> Vec<Fault> {
        let Some(node) = node.filter(|n| !matches!(n.value, Value::Null)) else {
            return Vec::new();
        };
        let mut faults: Vec<Fault> = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`faults`") {
            let Some(map) = Map::read(&mut self.sink, item, "a fault", KEYS) else {
                continue;
            };
            let parts = Parts { map, loc: item.loc };
            if let Some(fault) = self.fault(&parts, nodes, domains, links, simulation) {
                faults.push(fault);
            }
        }
        // Names must tell the faults apart in reports.
        for i in 0..faults.len() {
            let same = faults[..i]
                .iter()
                .filter(|f| f.name == faults[i].name)
                .count();
            if same > 0 {
                faults[i].name = format!("{} #{}", faults[i].name, same + 1);
            }
        }
        faults
    }

    fn fault(
        &mut self,
        parts: &Parts,
        nodes: &[Instance],
        domains: &[Domain],
        links: &[Link],
        simulation: Option<&Simulation>,
    ) -> Option<Fault> {
        let map = &parts.map;
        let action = self.fault_action(map);
        let at = map
            .get("at")
            .map(|a| (a, duration_h(&mut self.sink, a, "`at`")));
        let every = map
            .get("every")
            .map(|e| (e, dist(&mut self.sink, e, "`every`", self.base_dir)));
        let timing_ok = self.fault_timing(parts, at, every.as_ref(), simulation);
        let during = map.get("during").map(|d| self.fault_window(d));
        if let (Some(d), None) = (map.get("during"), map.get("every")) {
            self.sink.error_hint(
                d.loc,
                "`during` applies to repeated faults only",
                "a fault `at` a fixed time fires then; use `every` for one that fires within working hours",
            );
        }
        let duration = self.fault_duration(parts);
        let name = map
            .get("name")
            .and_then(|n| read::string(&mut self.sink, n, "a fault `name`"))
            .map(str::to_string);
        let rolling = match map.get("rolling") {
            None => Some(false),
            Some(n) => {
                let rolling = read::boolean(&mut self.sink, n, "`rolling`");
                if rolling == Some(true) && action.flatten() != Some(FaultAction::Maintenance) {
                    self.sink.error_hint(
                        n.loc,
                        "`rolling` belongs to `action: maintenance`",
                        "a rolling maintenance takes the targets down one at a time; remove `rolling` here",
                    );
                    None
                } else {
                    rolling
                }
            }
        };
        if let (Some(dir), Some(between)) = (map.get("direction"), map.get("between")) {
            self.direction_in_between(dir, between);
        }
        let factor = self.slow_factor(map, action.flatten());
        let action = action?;
        let (target, label) = self.fault_target(parts, action, nodes, domains, links)?;
        let factor = factor?;
        let rolling = rolling?;
        if rolling && matches!(&target, FaultTarget::Nodes(n) if n.len() == 1) {
            self.sink.error_hint(
                map.get("rolling").map_or(parts.loc, |t| t.loc),
                "a rolling maintenance of one instance is a plain maintenance",
                "target a node group to roll through its instances, or remove `rolling`",
            );
            return None;
        }
        if rolling && matches!(target, FaultTarget::RandomNode(_)) {
            self.sink.error_hint(
                map.get("target").map_or(parts.loc, |t| t.loc),
                "a rolling maintenance goes through every target: `{random: ...}` picks one",
                "name the node group, such as `target: web`",
            );
            return None;
        }
        let (Some(duration), Some(during), true) = (duration, read::optional(during), timing_ok)
        else {
            return None;
        };
        let at_us = at.and_then(|(_, h)| h).map(micros_from_hours);
        let every = every.and_then(|(_, d)| d);
        let action_key = action?;
        Some(Fault {
            name: name.unwrap_or_else(|| format!("{} {label}", action_key.key())),
            action: action_key,
            target,
            at_us,
            every,
            during,
            duration,
            factor,
            rolling,
        })
    }

    /// `factor` of a `slow` fault: a number at least 1. `Some(None)`
    /// without it, `None` on a problem.
    fn slow_factor(&mut self, map: &Map, action: Option<FaultAction>) -> Option<Option<f64>> {
        let Some(n) = map.get("factor") else {
            return Some(None);
        };
        if action.is_some_and(|a| a != FaultAction::Slow) {
            self.sink.error_hint(
                n.loc,
                "`factor` belongs to `action: slow`",
                "a slow member serves at 1/factor of its capacity; remove `factor` from this fault",
            );
            return None;
        }
        super::values::factor(&mut self.sink, n, "while the fault lasts").map(Some)
    }

    /// The action; `Some(None)` for an action that exists but is not
    /// simulated yet (already reported).
    fn fault_action(&mut self, map: &Map) -> Option<Option<FaultAction>> {
        let a = map.required(&mut self.sink, "action", "a fault")?;
        let action = read::string(&mut self.sink, a, "`action`")?;
        match action {
            "crash" => Some(Some(FaultAction::Crash)),
            "domain-outage" => Some(Some(FaultAction::DomainOutage)),
            "partition" => Some(Some(FaultAction::Partition)),
            "slow" => Some(Some(FaultAction::Slow)),
            "heartbeat-loss" => Some(Some(FaultAction::HeartbeatLoss)),
            "maintenance" => Some(Some(FaultAction::Maintenance)),
            _ => {
                let hint = suggest(action, ACTIONS);
                self.sink
                    .error_hint(a.loc, format!("unknown fault action `{action}`"), hint);
                None
            }
        }
    }

    /// Exactly one of `at` and `every`, `at` inside the run, `every` with
    /// a mean above zero.
    fn fault_timing(
        &mut self,
        parts: &Parts,
        at: Option<(&Node, Option<f64>)>,
        every: Option<&(&Node, Option<Dist>)>,
        simulation: Option<&Simulation>,
    ) -> bool {
        if at.is_some() == every.is_some() {
            self.sink.error_hint(
                parts.loc,
                "a fault needs exactly one of `at` and `every`",
                "`at: 100h` injects it once; `every: {dist: exponential, mean: 7d}` injects it repeatedly",
            );
            return false;
        }
        let mut ok = true;
        if let (Some((node, Some(h))), Some(sim)) = (at, simulation) {
            let end_us = sim.warmup_us.saturating_add(sim.horizon_us);
            if micros_from_hours(h) > end_us {
                self.sink.error_hint(
                    node.loc,
                    format!(
                        "`at` is after the end of a replication ({} h, warm-up and horizon)",
                        end_us as f64 / 3.6e9
                    ),
                    "a fault injected after the run ends would change nothing; inject it earlier or lengthen `horizon`",
                );
                ok = false;
            }
        }
        if let Some((node, Some(d))) = every
            && d.mean_h() <= 0.0
        {
            self.sink.error_hint(
                node.loc,
                "`every` has a mean of zero",
                "the gaps between injections must be longer than zero on average, such as `every: 7d`",
            );
            ok = false;
        }
        ok && at.is_none_or(|(_, h)| h.is_some()) && every.is_none_or(|(_, d)| d.is_some())
    }

    fn fault_duration(&mut self, parts: &Parts) -> Option<Dist> {
        let Some(node) = parts.map.get("duration") else {
            self.sink.error_hint(
                parts.loc,
                "a fault needs a `duration`",
                "say how long each injection lasts, such as `duration: 10m` or `duration: {dist: exponential, mean: 30m}`",
            );
            return None;
        };
        let d = dist(&mut self.sink, node, "`duration`", self.base_dir)?;
        if d.mean_h() <= 0.0 {
            self.sink.error_hint(
                node.loc,
                "`duration` is zero",
                "an injection that lasts no time changes nothing; give it a length, such as `duration: 5m`",
            );
            return None;
        }
        Some(d)
    }

    /// `during: {days: [mon, fri], hours: [9, 17]}`: the days a range from
    /// the first to the second (wrapping past Sunday), the hours from the
    /// first to the second.
    fn fault_window(&mut self, node: &Node) -> Option<FaultWindow> {
        let map = Map::read(&mut self.sink, node, "`during`", &["days", "hours"])?;
        let mut window = FaultWindow {
            days: [true; 7],
            from_h: 0,
            to_h: 24,
        };
        let mut ok = true;
        if let Some(days) = map.get("days") {
            let items = read::list(days);
            let picked: Vec<Option<usize>> = items
                .iter()
                .map(|d| {
                    let name = read::string(&mut self.sink, d, "a day")?;
                    let i = DAYS.iter().position(|&x| x.eq_ignore_ascii_case(name));
                    if i.is_none() {
                        let hint = suggest(name, DAYS);
                        self.sink
                            .error_hint(d.loc, format!("unknown day `{name}`"), hint);
                    }
                    i
                })
                .collect();
            match picked[..] {
                [Some(a), Some(b)] => {
                    window.days = [false; 7];
                    let mut d = a;
                    loop {
                        window.days[d] = true;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                [_, _] => ok = false,
                _ => {
                    self.sink.error_hint(
                        days.loc,
                        "`days` is a range of two days",
                        "write the first and the last day, such as `days: [mon, fri]`",
                    );
                    ok = false;
                }
            }
        }
        if let Some(hours) = map.get("hours") {
            let items = read::list(hours);
            let bounds: Vec<Option<i64>> = items
                .iter()
                .map(|h| read::integer(&mut self.sink, h, "an hour", 0, 24))
                .collect();
            match bounds[..] {
                [Some(a), Some(b)] if a < b => {
                    window.from_h = a as u32;
                    window.to_h = b as u32;
                }
                [Some(_), Some(_)] | [_, _] | [..] => {
                    self.sink.error_hint(
                        hours.loc,
                        "`hours` is a range of two hours, the first before the second",
                        "write the hour it starts and the hour it ends, such as `hours: [9, 17]`",
                    );
                    ok = false;
                }
            }
        }
        ok.then_some(window)
    }

    fn direction_in_between(&mut self, dir: &Node, between: &Node) {
        let names: Vec<&str> = read::list(between)
            .iter()
            .filter_map(|n| match &n.value {
                Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        for d in read::list(dir) {
            if let Value::Str(s) = &d.value
                && !names.contains(&s.as_str())
            {
                self.sink.error_hint(
                    d.loc,
                    format!("`direction` names `{s}`, which is not in `between`"),
                    format!("name the two domains of `between` ({})", names.join(", ")),
                );
            }
        }
    }

    /// `direction: [deaf, unheard]`, the two domains of `between` in order.
    fn direction(
        &mut self,
        dir: &Node,
        pair: [usize; 2],
        domains: &[Domain],
    ) -> Option<[usize; 2]> {
        const HINT: &str = "`direction: [a, b]` means a cannot hear b (b still hears a)";
        let items = read::list(dir);
        let names: Vec<&str> = items
            .iter()
            .filter_map(|n| match &n.value {
                Value::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let index = |name: &str| pair.into_iter().find(|&d| domains[d].name == name);
        match names[..] {
            [x, y] if x != y => Some([index(x)?, index(y)?]),
            [x, y] if x == y => {
                self.sink
                    .error_hint(dir.loc, "`direction` names the same domain twice", HINT);
                None
            }
            _ => {
                self.sink.error_hint(
                    dir.loc,
                    format!("`direction` names {} domains", items.len()),
                    HINT,
                );
                None
            }
        }
    }

    /// What the fault hits, and how it is named by default.
    fn fault_target(
        &mut self,
        parts: &Parts,
        action: Option<FaultAction>,
        nodes: &[Instance],
        domains: &[Domain],
        links: &[Link],
    ) -> Option<(FaultTarget, String)> {
        let map = &parts.map;
        let (target, between) = (map.get("target"), map.get("between"));
        let action = action?;
        if action == FaultAction::Partition {
            if let Some(t) = target {
                self.sink.error_hint(
                    t.loc,
                    "a partition cuts a link: it has `between`, not `target`",
                    "write `between: [zone-a, zone-b]`",
                );
            }
            let Some(between) = between else {
                self.sink.error_hint(
                    parts.loc,
                    "a partition needs `between`",
                    "name the two domains whose link is cut, such as `between: [zone-a, zone-b]`",
                );
                return None;
            };
            let [a, b] = self.domain_pair(between, domains)?;
            let Some(l) = links
                .iter()
                .position(|l| l.between == [a, b] || l.between == [b, a])
            else {
                self.sink.error_hint(
                    between.loc,
                    format!(
                        "no link between `{}` and `{}` to cut",
                        domains[a].name, domains[b].name
                    ),
                    "declare it under `network: {links: [...]}` (it may have no failure modes of its own)",
                );
                return None;
            };
            if let Some(dir) = map.get("direction") {
                let [deaf, unheard] = self.direction(dir, [a, b], domains)?;
                let label = format!("{} deaf to {}", domains[deaf].name, domains[unheard].name);
                return Some((FaultTarget::OneWay { deaf, unheard }, label));
            }
            return Some((FaultTarget::Link(l), links[l].name.clone()));
        }
        if let Some(b) = between {
            self.sink.error_hint(
                b.loc,
                format!("`between` is for partitions, not `{}`", action.key()),
                "use `target` to name what the fault hits",
            );
        }
        let Some(target) = target else {
            self.sink.error_hint(
                parts.loc,
                format!("a `{}` fault needs a `target`", action.key()),
                match action {
                    FaultAction::DomainOutage => "name the domain, such as `target: zone-a`",
                    _ => "name an instance (`db-1`), a node group (`web`) or `{random: web}`",
                },
            );
            return None;
        };
        match action {
            FaultAction::DomainOutage => {
                let d = self.resolve(target, "domain", |n| &n.domains)?;
                Some((FaultTarget::Domain(d), domains[d].name.clone()))
            }
            _ => self.crash_target(target, nodes),
        }
    }

    /// An instance, every instance of a group, or `{random: group}`.
    fn crash_target(&mut self, node: &Node, nodes: &[Instance]) -> Option<(FaultTarget, String)> {
        if let Value::Map(_) = &node.value {
            let map = Map::read(&mut self.sink, node, "a fault `target`", &["random"])?;
            let group = map.required(&mut self.sink, "random", "a fault `target`")?;
            let g = self.resolve(group, "node group", |n| &n.groups)?;
            let members: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].group == g).collect();
            let label = format!("{{random: {}}}", self.names.groups[g]);
            return Some((FaultTarget::RandomNode(members), label));
        }
        let name = read::string(&mut self.sink, node, "a fault target")?;
        if let Some(i) = nodes.iter().position(|n| n.name == name) {
            return Some((FaultTarget::Nodes(vec![i]), name.to_string()));
        }
        if let Some(g) = self.names.groups.iter().position(|g| g == name) {
            let members: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].group == g).collect();
            return Some((FaultTarget::Nodes(members), name.to_string()));
        }
        let mut candidates: Vec<&str> = self.names.groups.iter().map(String::as_str).collect();
        if nodes.len() <= 1000 {
            candidates.extend(nodes.iter().map(|n| n.name.as_str()));
        }
        let hint = if self.names.domains.iter().any(|d| d == name) {
            format!("`{name}` is a domain: use `action: domain-outage` to take it down")
        } else {
            suggest(name, &candidates)
        };
        self.sink
            .error_hint(node.loc, format!("unknown fault target `{name}`"), hint);
        None
    }
}
