//! `cost`: prices of the design (per instance, crew member and link, per
//! year) and of what goes wrong (per minute down, failed request, lost
//! write).

use super::build::Builder;
use super::read::{self, Map};
use super::tree::{Node, Value};
use crate::model::{Cost, Crew, Link, NodeGroup, Service, Traffic};

const KEYS: &[&str] = &[
    "nodes",
    "idle_factor",
    "crews",
    "links",
    "downtime",
    "failed_requests",
    "lost_writes",
    "write_unavailable",
];

/// Hours of each unit a price may be given per.
const PER: &[(&str, f64)] = &[
    ("y", 8760.0),
    ("year", 8760.0),
    ("month", 730.0),
    ("mo", 730.0),
    ("w", 168.0),
    ("week", 168.0),
    ("d", 24.0),
    ("day", 24.0),
    ("h", 1.0),
    ("hour", 1.0),
    ("min", 1.0 / 60.0),
    ("m", 1.0 / 60.0),
    ("s", 1.0 / 3600.0),
];

/// What the design's parts are, for names and checks.
pub struct Design<'a> {
    pub groups: &'a [NodeGroup],
    pub crews: &'a [Crew],
    pub services: &'a [Service],
    pub links: &'a [Link],
    pub traffic: &'a [Traffic],
}

/// Whether some node of group `g` starts as a cold spare (switched off
/// while it waits): the members after the serving slots of a cold standby
/// or a cold N+K.
fn cold_spares(design: &Design, g: usize) -> bool {
    design.services.iter().any(|service| {
        service.redundancy.standby_parts().is_some_and(|parts| {
            parts.idle_speed == 0.0
                && service
                    .members
                    .iter()
                    .skip(parts.slots as usize)
                    .any(|n| design.groups[g].members.contains(n))
        })
    })
}

impl Builder<'_> {
    pub fn cost(&mut self, node: Option<&Node>, design: &Design) -> Option<Cost> {
        let node = node?;
        let map = Map::read(&mut self.sink, node, "`cost`", KEYS)?;
        let mut cost = Cost {
            nodes: vec![None; design.groups.len()],
            idle_factor: vec![1.0; design.groups.len()],
            crews: vec![None; design.crews.len()],
            downtime_services: vec![None; design.services.len()],
            ..Cost::default()
        };
        let groups: Vec<&str> = design.groups.iter().map(|g| g.name.as_str()).collect();
        if let Some(n) = map.get("nodes") {
            for (g, price) in self.named_prices(n, "`cost.nodes`", &groups, 8760.0) {
                cost.nodes[g] = Some(price);
            }
        }
        if let Some(n) = map.get("idle_factor")
            && let Some(m) = Map::read(&mut self.sink, n, "`cost.idle_factor`", &groups)
        {
            for key in m.keys() {
                let Some(g) = groups.iter().position(|x| *x == key.name) else {
                    continue;
                };
                let Some(value) = m.get(&key.name) else {
                    continue;
                };
                if !cold_spares(design, g) {
                    self.sink.error_hint(
                        key.loc,
                        format!(
                            "the idle factor of `{}` changes nothing: none of its nodes is a cold spare",
                            key.name
                        ),
                        "it prices the members that wait switched off (cold standby, `spare_mode: cold`); remove it",
                    );
                }
                match read::number(&mut self.sink, value, "an idle factor") {
                    Some(f) if (0.0..=1.0).contains(&f) => cost.idle_factor[g] = f,
                    Some(f) => self.sink.error_hint(
                        value.loc,
                        format!(
                            "the idle factor of `{}` is {f}, not between 0 and 1",
                            key.name
                        ),
                        "an idle cold standby costs a share of a running node: 0.3 is 30%",
                    ),
                    None => {}
                }
            }
        }
        let crews: Vec<&str> = design.crews.iter().map(|c| c.name.as_str()).collect();
        if let Some(n) = map.get("crews") {
            for (k, price) in self.named_prices(n, "`cost.crews`", &crews, 8760.0) {
                cost.crews[k] = Some(price);
            }
        }
        if let Some(n) = map.get("links") {
            cost.links = self.price(n, "the price of a link", 8760.0);
            if design.links.is_empty() {
                self.sink.error_hint(
                    n.loc,
                    "`cost.links` prices links, but the scenario has none",
                    "remove it, or describe the links under `network`",
                );
            }
        }
        if let Some(n) = map.get("downtime") {
            if let Value::Map(_) = n.value {
                let services: Vec<&str> = design.services.iter().map(|s| s.name.as_str()).collect();
                for (s, price) in self.named_prices(n, "`cost.downtime`", &services, 1.0 / 60.0) {
                    cost.downtime_services[s] = Some(price);
                }
            } else {
                cost.downtime_system = self.price(n, "the price of a minute down", 1.0 / 60.0);
            }
        }
        if let Some(n) = map.get("failed_requests") {
            cost.failed_requests = self.unit_price(n, "the price of a failed request");
            if design.traffic.is_empty() {
                self.sink.error_hint(
                    n.loc,
                    "`cost.failed_requests` prices failed requests, but no service has `traffic`",
                    "remove it, or add a `traffic` entry for the service its users call",
                );
            }
        }
        if let Some(n) = map.get("lost_writes") {
            cost.lost_writes = self.unit_price(n, "the price of a lost write");
            if design.services.iter().all(|s| s.replication.is_none()) {
                self.sink.error_hint(
                    n.loc,
                    "`cost.lost_writes` prices lost writes, but no service has `replication`",
                    "remove it, or give the database service `writes` and `replication`",
                );
            }
        }
        if let Some(n) = map.get("write_unavailable") {
            cost.write_unavailable =
                self.price(n, "the price of a minute without writes", 1.0 / 60.0);
            if design.services.iter().all(|s| s.replication.is_none()) {
                self.sink.error_hint(
                    n.loc,
                    "`cost.write_unavailable` prices minutes without writes, but no service has `replication`",
                    "writes stop only under `replication: {mode: sync}`; remove it, or add replication",
                );
            }
        }
        Some(cost)
    }

    /// A mapping from names (of `candidates`) to prices per `per_h` hours.
    fn named_prices(
        &mut self,
        node: &Node,
        what: &str,
        candidates: &[&str],
        per_h: f64,
    ) -> Vec<(usize, f64)> {
        let Some(map) = Map::read(&mut self.sink, node, what, candidates) else {
            return Vec::new();
        };
        let mut prices = Vec::new();
        for key in map.keys() {
            let (Some(i), Some(value)) = (
                candidates.iter().position(|c| *c == key.name),
                map.get(&key.name),
            ) else {
                continue;
            };
            if let Some(price) = self.price(value, &format!("the price of `{}`", key.name), per_h) {
                prices.push((i, price));
            }
        }
        prices
    }

    /// `AMOUNT/UNIT` (`2000/y`, `150/month`, `50/min`) as an amount per
    /// `per_h` hours.
    fn price(&mut self, node: &Node, what: &str, per_h: f64) -> Option<f64> {
        let hint = if per_h < 1.0 {
            "write an amount per unit of time, for example `50/min` or `3000/h`"
        } else {
            "write an amount per unit of time, for example `2000/y`, `150/month` or `0.25/h`"
        };
        let text = match &node.value {
            Value::Str(text) => text.as_str(),
            Value::Int(_) | Value::Float(_) => {
                self.sink
                    .error_hint(node.loc, format!("{what} has no unit of time"), hint);
                return None;
            }
            other => {
                self.sink.error_hint(
                    node.loc,
                    format!(
                        "{what} must be a price such as `2000/y`, found {}",
                        other.kind()
                    ),
                    hint,
                );
                return None;
            }
        };
        let parsed = text.split_once('/').and_then(|(amount, unit)| {
            let amount: f64 = amount.trim().replace('_', "").parse().ok()?;
            let hours = PER.iter().find(|(u, _)| *u == unit.trim())?.1;
            Some(amount / hours * per_h)
        });
        match parsed {
            Some(p) if p.is_finite() && p >= 0.0 => Some(p),
            Some(_) => {
                self.sink.error_hint(
                    node.loc,
                    format!("{what} is negative: `{text}`"),
                    "a price is zero or more",
                );
                None
            }
            None => {
                self.sink
                    .error_hint(node.loc, format!("{what}: `{text}` is not a price"), hint);
                None
            }
        }
    }

    /// A price per item: a number, zero or more.
    fn unit_price(&mut self, node: &Node, what: &str) -> Option<f64> {
        let price = read::number(&mut self.sink, node, what)?;
        if price < 0.0 || !price.is_finite() {
            self.sink.error_hint(
                node.loc,
                format!("{what} is negative: {price}"),
                "a price is zero or more",
            );
            return None;
        }
        Some(price)
    }
}
