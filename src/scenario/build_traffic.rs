//! Offered load: `traffic` entries, their daily pattern, and what the fluid
//! mode cannot simulate yet (`mode: requests`, `clients`, `overload: collapse`).

use super::build::Builder;
use super::read::{self, Map};
use super::tree::{Node, Value};
use super::values::{dist, positive_duration_h, rate_per_s};
use crate::model::{
    MICROS_PER_HOUR, Node as Instance, NodeGroup, Redundancy, RequestMode, Service, Traffic,
};

const TRAFFIC_KEYS: &[&str] = &[
    "service",
    "rate",
    "pattern",
    "mode",
    "clients",
    "overload",
    "tolerance",
    "service_time",
    "timeout",
    "collapse_after",
    "restart",
];

impl Builder<'_> {
    pub fn traffic(
        &mut self,
        node: Option<&Node>,
        services: &[Service],
        groups: &[NodeGroup],
        nodes: &[Instance],
    ) -> Vec<Traffic> {
        let Some(node) = node else { return Vec::new() };
        let mut traffic: Vec<Traffic> = Vec::new();
        for item in read::sequence(&mut self.sink, node, "`traffic`") {
            let Some(map) = Map::read(&mut self.sink, item, "a traffic entry", TRAFFIC_KEYS) else {
                continue;
            };
            let service = map
                .required(&mut self.sink, "service", "a traffic entry")
                .and_then(|s| self.resolve(s, "service", |n| &n.services));
            let rate = map
                .required(&mut self.sink, "rate", "a traffic entry")
                .and_then(|r| rate_per_s(&mut self.sink, r, "`rate`"));
            let pattern = map.get("pattern").map(|p| self.pattern(p));
            let (supported, requests) = self.traffic_mode(&map);
            let overload = self.overload(&map, requests.is_some(), pattern.is_some());
            let clients = self.clients(&map);
            let service = service.filter(|&s| self.traffic_service(&map, s, services, &traffic));
            let timed = match (&requests, service) {
                (Some(mode), Some(s)) => self.service_times(&map, mode, s, services, groups, nodes),
                _ => true,
            };
            // None: a problem was reported; Some(None): no collapse.
            let collapse = match (overload, service) {
                (Some(Some(o)), Some(s)) => {
                    let name = &self.names.services[s];
                    let members = services
                        .iter()
                        .find(|x| x.name == *name)
                        .map_or(&[][..], |x| &x.members[..]);
                    self.collapse(&map, o, members, groups, nodes).map(Some)
                }
                (Some(Some(_)), None) | (None, _) => None,
                (Some(None), _) => Some(None),
            };
            if let (
                Some(service),
                Some(rate_per_s),
                Some(pattern),
                true,
                Some(collapse),
                Some(clients),
            ) = (
                service,
                rate,
                read::optional(pattern),
                supported && timed,
                collapse,
                clients,
            ) {
                traffic.push(Traffic {
                    service,
                    rate_per_s,
                    pattern,
                    requests,
                    collapse,
                    clients,
                });
            }
        }
        traffic
    }

    /// The traffic mode and its keys; false when a key was refused (the
    /// keys of partitions and cascading overload are refused by name).
    fn traffic_mode(&mut self, map: &Map) -> (bool, Option<RequestMode>) {
        let mut ok = true;
        let mut per_request = false;
        if let Some(m) = map.get("mode") {
            match read::string(&mut self.sink, m, "`mode`") {
                Some("fluid") => {}
                Some("requests") => per_request = true,
                Some(other) => {
                    self.sink.error_hint(
                        m.loc,
                        format!("unknown traffic mode `{other}`"),
                        "write `mode: fluid` (the default) or `mode: requests`",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        let mut mode = RequestMode {
            service_time: None,
            timeout_us: None,
        };
        for key in ["service_time", "timeout"] {
            let Some(n) = map.get(key) else { continue };
            if !per_request {
                self.sink.error_hint(
                    n.loc,
                    format!("`{key}` belongs to the per-request mode"),
                    "add `mode: requests` to this traffic entry, or remove the key",
                );
                ok = false;
            } else if key == "service_time" {
                mode.service_time = dist(&mut self.sink, n, "`service_time`", self.base_dir);
                ok &= mode.service_time.is_some();
            } else {
                let h = positive_duration_h(&mut self.sink, n, "`timeout`");
                mode.timeout_us = h.map(|h| (h * MICROS_PER_HOUR).round() as u64);
                ok &= h.is_some();
            }
        }
        (ok, per_request.then_some(mode))
    }

    /// Partitions and cascading overload, refused by name; false when found.
    /// `clients: DOMAIN`: `Some(None)` without it, `None` on a problem.
    fn clients(&mut self, map: &Map) -> Option<Option<usize>> {
        match map.get("clients") {
            None => Some(None),
            Some(c) => self.resolve(c, "domain", |n| &n.domains).map(Some),
        }
    }

    /// The per-request mode draws each request's service time from
    /// `service_time`, or else from the member's `capacity`: one is needed.
    fn service_times(
        &mut self,
        map: &Map,
        mode: &RequestMode,
        s: usize,
        services: &[Service],
        groups: &[NodeGroup],
        nodes: &[Instance],
    ) -> bool {
        let name = &self.names.services[s];
        let Some(service) = services.iter().find(|x| x.name == *name) else {
            return true;
        };
        let uncapped = service
            .members
            .iter()
            .map(|&m| &groups[nodes[m].group])
            .find(|g| g.capacity_per_s.is_none());
        match (&mode.service_time, uncapped) {
            (None, Some(group)) => {
                let loc = map.get("mode").map_or(map.loc, |n| n.loc);
                self.sink.error_hint(
                    loc,
                    format!(
                        "the per-request mode needs each request's service time, and node group `{}` of service `{name}` has no `capacity`",
                        group.name
                    ),
                    format!(
                        "add `service_time: {{dist: exponential, mean: 10ms}}` to this traffic entry, \
                         or `capacity: 100/s` to node group `{}` (service times then exponential, mean 1/capacity)",
                        group.name
                    ),
                );
                false
            }
            _ => true,
        }
    }

    /// A traffic entry's service is active-active and has no other entry.
    fn traffic_service(
        &mut self,
        map: &Map,
        s: usize,
        services: &[Service],
        traffic: &[Traffic],
    ) -> bool {
        let loc = map.get("service").map_or(map.loc, |n| n.loc);
        let name = &self.names.services[s];
        if traffic.iter().any(|t| t.service == s) {
            self.sink.error_hint(
                loc,
                format!("service `{name}` has more than one `traffic` entry"),
                "add the rates up in one entry",
            );
            return false;
        }
        let Some(service) = services.iter().find(|x| x.name == *name) else {
            return false;
        };
        if !matches!(service.redundancy, Redundancy::ActiveActive { .. }) {
            self.unsupported(
                loc,
                &format!(
                    "`traffic` to a `{}` service (only active-active pools take traffic)",
                    service.redundancy.mode_name()
                ),
            );
            return false;
        }
        true
    }

    /// 24 hourly factors, or `{peak, offpeak, peak_hours: [from, to]}`.
    pub(super) fn pattern(&mut self, node: &Node) -> Option<Vec<f64>> {
        const HINT: &str = "write 24 hourly factors, `[0.2, 0.2, ..., 1.0]`, or \
                            `{peak: 1.0, offpeak: 0.3, peak_hours: [8, 20]}`";
        if let Value::Seq(items) = &node.value {
            if items.len() != 24 {
                self.sink.error_hint(
                    node.loc,
                    format!("a `pattern` has 24 hourly factors, found {}", items.len()),
                    HINT,
                );
                return None;
            }
            let factors: Vec<Option<f64>> = items.iter().map(|i| self.factor(i)).collect();
            return factors.into_iter().collect();
        }
        let map = Map::read(
            &mut self.sink,
            node,
            "a `pattern`",
            &["peak", "offpeak", "peak_hours"],
        )?;
        let peak = map
            .required(&mut self.sink, "peak", "a `pattern`")
            .and_then(|n| self.factor(n));
        let offpeak = map
            .required(&mut self.sink, "offpeak", "a `pattern`")
            .and_then(|n| self.factor(n));
        let hours = map
            .required(&mut self.sink, "peak_hours", "a `pattern`")
            .and_then(|n| {
                let items = read::sequence(&mut self.sink, n, "`peak_hours`");
                if items.len() != 2 {
                    self.sink
                        .error_hint(n.loc, "`peak_hours` is a pair `[from, to]`", HINT);
                    return None;
                }
                let from = read::integer(&mut self.sink, items[0], "`peak_hours` start", 0, 23);
                let to = read::integer(&mut self.sink, items[1], "`peak_hours` end", 1, 24);
                match (from, to) {
                    (Some(f), Some(t)) if f < t => Some((f as usize, t as usize)),
                    (Some(_), Some(_)) => {
                        self.sink.error_hint(
                            n.loc,
                            "`peak_hours` must start before they end",
                            HINT,
                        );
                        None
                    }
                    _ => None,
                }
            });
        let (peak, offpeak, (from, to)) = (peak?, offpeak?, hours?);
        Some(
            (0..24)
                .map(|h| {
                    if (from..to).contains(&h) {
                        peak
                    } else {
                        offpeak
                    }
                })
                .collect(),
        )
    }

    fn factor(&mut self, node: &Node) -> Option<f64> {
        let x = read::number(&mut self.sink, node, "a pattern factor")?;
        if x < 0.0 {
            self.sink.error_hint(
                node.loc,
                format!("a pattern factor cannot be negative, found {x}"),
                "a factor multiplies the `rate` in that hour: 0 or more",
            );
            return None;
        }
        Some(x)
    }
}
