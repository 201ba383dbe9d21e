//! Offered load: `traffic` entries, their daily pattern, and what the fluid
//! mode cannot simulate yet (`mode: requests`, `clients`, `overload: collapse`).

use super::build::Builder;
use super::read::{self, Map};
use super::tree::{Node, Value};
use super::values::rate_per_s;
use crate::model::{Redundancy, Service, Traffic};

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
];

impl Builder<'_> {
    pub fn traffic(&mut self, node: Option<&Node>, services: &[Service]) -> Vec<Traffic> {
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
            let supported = self.traffic_unsupported(&map);
            let service = service.filter(|&s| self.traffic_service(&map, s, services, &traffic));
            if let (Some(service), Some(rate_per_s), Some(pattern), true) =
                (service, rate, read::optional(pattern), supported)
            {
                traffic.push(Traffic {
                    service,
                    rate_per_s,
                    pattern,
                });
            }
        }
        traffic
    }

    /// The keys of the per-request mode, partitions and cascading overload,
    /// refused by name; false when one was found.
    fn traffic_unsupported(&mut self, map: &Map) -> bool {
        let mut ok = true;
        if let Some(m) = map.get("mode") {
            match read::string(&mut self.sink, m, "`mode`") {
                Some("fluid") => {}
                Some("requests") => {
                    self.unsupported(m.loc, "`mode: requests` (per-request simulation)");
                    ok = false;
                }
                Some(other) => {
                    self.sink.error_hint(
                        m.loc,
                        format!("unknown traffic mode `{other}`"),
                        "write `mode: fluid` (the default)",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        for key in ["service_time", "timeout"] {
            if let Some(n) = map.get(key) {
                self.unsupported(n.loc, &format!("`{key}` (per-request simulation)"));
                ok = false;
            }
        }
        if let Some(c) = map.get("clients") {
            self.unsupported(c.loc, "`clients` (traffic from inside a domain)");
            ok = false;
        }
        if let Some(o) = map.get("overload") {
            match read::string(&mut self.sink, o, "`overload`") {
                Some("reject") => {}
                Some("collapse") => {
                    self.unsupported(o.loc, "`overload: collapse` (cascading overload)");
                    ok = false;
                }
                Some(other) => {
                    self.sink.error_hint(
                        o.loc,
                        format!("unknown overload behaviour `{other}`"),
                        "write `overload: reject` (the default)",
                    );
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(t) = map.get("tolerance") {
            self.unsupported(t.loc, "`tolerance` (cascading overload)");
            ok = false;
        }
        ok
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
    fn pattern(&mut self, node: &Node) -> Option<Vec<f64>> {
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
