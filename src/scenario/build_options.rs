//! The failover, balancer, replication and recovery settings of a service.

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::Node;
use super::values::{dist, duration_h, positive_duration_h, probability, rate_per_s};
use crate::model::{
    Balancer, Failover, HealthCheck, Heartbeat, Node as Instance, Recovery, Replication,
    micros_from_hours,
};

impl Builder<'_> {
    pub(super) fn failover(&mut self, node: &Node, label: &str) -> Option<Failover> {
        let allowed = [
            "detection",
            "switchover",
            "vip",
            "coverage",
            "fencing",
            "failback",
            "arbiter",
        ];
        let map = Map::read(
            &mut self.sink,
            node,
            &format!("`failover` of {label}"),
            &allowed,
        )?;
        let mut failover = Failover {
            coverage: 1.0,
            fencing: true,
            ..Failover::default()
        };
        let mut ok = true;
        if let Some(d) = map.get("detection") {
            match self.detection(d) {
                Some(hb) => failover.heartbeat = hb,
                None => ok = false,
            }
        }
        if let Some(s) = map.get("switchover") {
            failover.switchover = dist(
                &mut self.sink,
                s,
                &format!("`switchover` of {label}"),
                self.base_dir,
            );
            ok &= failover.switchover.is_some();
        }
        if let Some(v) = map.get("vip") {
            let vip = Map::read(&mut self.sink, v, "`vip`", &["takeover"]);
            failover.vip_takeover = vip
                .and_then(|vip| vip.required(&mut self.sink, "takeover", "`vip`"))
                .and_then(|t| dist(&mut self.sink, t, "`vip.takeover`", self.base_dir));
            ok &= failover.vip_takeover.is_some();
        }
        if let Some(c) = map.get("coverage") {
            match probability(&mut self.sink, c, "`coverage`") {
                Some(p) => failover.coverage = p,
                None => ok = false,
            }
        }
        if let Some(f) = map.get("fencing") {
            match read::boolean(&mut self.sink, f, "`fencing`") {
                Some(b) => failover.fencing = b,
                None => ok = false,
            }
        }
        if let Some(f) = map.get("failback") {
            match read::string(&mut self.sink, f, "`failback`") {
                Some("auto") => failover.failback_auto = true,
                Some("manual") => failover.failback_auto = false,
                Some(other) => {
                    let hint = suggest(other, &["auto", "manual"]);
                    self.sink
                        .error_hint(f.loc, format!("unknown failback `{other}`"), hint);
                    ok = false;
                }
                None => ok = false,
            }
        }
        if let Some(a) = map.get("arbiter") {
            match self.arbiter(a) {
                Some(arbiter) => failover.arbiter = Some(arbiter),
                None => ok = false,
            }
        }
        ok.then_some(failover)
    }

    /// `arbiter: {nodes: GROUP, quorum: N}` (the quorum is checked against
    /// the group's size with the services).
    fn arbiter(&mut self, node: &Node) -> Option<crate::model::Arbiter> {
        let map = Map::read(&mut self.sink, node, "`arbiter`", &["nodes", "quorum"])?;
        let group = map
            .required(&mut self.sink, "nodes", "`arbiter`")
            .and_then(|n| self.resolve(n, "node group", |names| &names.groups));
        let quorum = map
            .required(&mut self.sink, "quorum", "`arbiter`")
            .and_then(|q| match &q.value {
                super::tree::Value::Int(i) if *i >= 1 => Some(*i as u32),
                _ => {
                    self.sink.error_hint(
                        q.loc,
                        "`quorum` of an `arbiter` must be a whole number at least 1",
                        "say how many arbiters must agree, e.g. `quorum: 2` of 3",
                    );
                    None
                }
            });
        Some(crate::model::Arbiter {
            group: group?,
            quorum: quorum?,
        })
    }

    fn detection(&mut self, node: &Node) -> Option<Option<Heartbeat>> {
        let map = Map::read(&mut self.sink, node, "`detection`", &["heartbeat"])?;
        let Some(hb) = map.get("heartbeat") else {
            return Some(None);
        };
        let hb_map = Map::read(
            &mut self.sink,
            hb,
            "`heartbeat`",
            &["interval", "timeout", "loss"],
        )?;
        let interval = hb_map
            .required(&mut self.sink, "interval", "`heartbeat`")
            .and_then(|n| positive_duration_h(&mut self.sink, n, "heartbeat `interval`"));
        let timeout_node = hb_map.required(&mut self.sink, "timeout", "`heartbeat`");
        let timeout = timeout_node
            .and_then(|n| positive_duration_h(&mut self.sink, n, "heartbeat `timeout`"));
        let loss = match hb_map.get("loss") {
            Some(l) => probability(&mut self.sink, l, "heartbeat `loss`"),
            None => Some(0.0),
        };
        let (interval, timeout, loss) = (interval?, timeout?, loss?);
        if timeout < interval {
            self.sink.error_hint(
                timeout_node.map_or(hb_map.loc, |n| n.loc),
                "heartbeat `timeout` is shorter than its `interval`",
                "a monitor would suspect a healthy member between two heartbeats; make `timeout` at least the `interval` (commonly 3 intervals)",
            );
            return None;
        }
        if loss >= 1.0 {
            self.sink.error_hint(
                hb_map.get("loss").map_or(hb_map.loc, |n| n.loc),
                "heartbeat `loss` of 100% means no heartbeat ever arrives",
                "use a loss probability below 1",
            );
            return None;
        }
        Some(Some(Heartbeat {
            interval_us: micros_from_hours(interval),
            timeout_us: micros_from_hours(timeout),
            loss,
        }))
    }

    pub(super) fn balancer(
        &mut self,
        node: &Node,
        nodes: &[Instance],
        members: Option<&[usize]>,
        label: &str,
    ) -> Option<Balancer> {
        const POLICIES: &[&str] = &[
            "round-robin",
            "random",
            "weighted",
            "least-connections",
            "power-of-two",
        ];
        let map = Map::read(
            &mut self.sink,
            node,
            &format!("`balancer` of {label}"),
            &["policy", "weights", "health_check"],
        )?;
        let policy = match map.get("policy") {
            None => "round-robin",
            Some(p) => {
                let policy = read::string(&mut self.sink, p, "`policy`")?;
                if !POLICIES.contains(&policy) {
                    let hint = suggest(policy, POLICIES);
                    self.sink.error_hint(
                        p.loc,
                        format!("unknown balancer policy `{policy}`"),
                        hint,
                    );
                    return None;
                }
                policy
            }
        };
        let mut weights = Vec::new();
        if let Some(w) = map.get("weights") {
            let names: Vec<String> = nodes.iter().map(|n| n.name.clone()).collect();
            let entries = Map::read(
                &mut self.sink,
                w,
                "`weights`",
                &names.iter().map(String::as_str).collect::<Vec<_>>(),
            )?;
            for key in entries.keys() {
                let (Some(i), Some(v)) = (
                    names.iter().position(|n| *n == key.name),
                    entries.get(&key.name),
                ) else {
                    continue;
                };
                let weight = read::number(&mut self.sink, v, "a weight")?;
                if weight < 0.0 {
                    self.sink.error_hint(
                        v.loc,
                        format!("weight of `{}` is negative ({weight})", key.name),
                        "a weight is a share of the load: 0 (drained) or more",
                    );
                    return None;
                }
                weights.push((i, weight));
            }
            if let Some(members) = members {
                self.check_weights(w, &weights, members, nodes, label)?;
            }
        }
        match (policy, weights.is_empty()) {
            ("weighted", true) => {
                self.sink.error_hint(
                    map.loc,
                    format!("`policy: weighted` of {label} has no `weights`"),
                    "give every member a weight, e.g. `weights: {web-1: 2, web-2: 1}`",
                );
                return None;
            }
            (p, false) if p != "weighted" => {
                self.sink.error_hint(
                    map.get("weights").map_or(map.loc, |w| w.loc),
                    format!("`weights` of {label} are used only by `policy: weighted`, not `{p}`"),
                    "add `policy: weighted`, or remove `weights`",
                );
                return None;
            }
            _ => {}
        }
        let health_check = match map.get("health_check") {
            None => None,
            Some(h) => {
                let hc = Map::read(
                    &mut self.sink,
                    h,
                    "`health_check`",
                    &["interval", "timeout", "unhealthy_after", "healthy_after"],
                )?;
                let interval = hc
                    .required(&mut self.sink, "interval", "`health_check`")
                    .and_then(|n| {
                        positive_duration_h(&mut self.sink, n, "health check `interval`")
                    });
                let timeout = hc
                    .get("timeout")
                    .map(|n| duration_h(&mut self.sink, n, "health check `timeout`"));
                let count = |b: &mut Self, key: &str| match hc.get(key) {
                    Some(n) => read::integer(&mut b.sink, n, &format!("`{key}`"), 1, 1000),
                    None => Some(1),
                };
                let (unhealthy, healthy) =
                    (count(self, "unhealthy_after"), count(self, "healthy_after"));
                Some(HealthCheck {
                    interval_us: micros_from_hours(interval?),
                    timeout_us: micros_from_hours(timeout.unwrap_or(Some(0.0))?),
                    unhealthy_after: unhealthy? as u32,
                    healthy_after: healthy? as u32,
                })
            }
        };
        Some(Balancer {
            policy: policy.to_string(),
            weights,
            health_check,
        })
    }

    /// Every member has a weight, no weight is for a non-member, and the
    /// weights do not add up to zero.
    fn check_weights(
        &mut self,
        at: &Node,
        weights: &[(usize, f64)],
        members: &[usize],
        nodes: &[Instance],
        label: &str,
    ) -> Option<()> {
        let mut ok = true;
        for &(i, _) in weights.iter().filter(|(i, _)| !members.contains(i)) {
            self.sink.error_hint(
                at.loc,
                format!(
                    "weight for `{}`, which is not a member of {label}",
                    nodes[i].name
                ),
                "weights are given to the service's own members only",
            );
            ok = false;
        }
        let missing: Vec<&str> = members
            .iter()
            .filter(|m| !weights.iter().any(|(i, _)| i == *m))
            .map(|&m| nodes[m].name.as_str())
            .collect();
        if !missing.is_empty() {
            self.sink.error_hint(
                at.loc,
                format!("`weights` of {label} miss {}", missing.join(", ")),
                "give every member a weight (0 drains a member)",
            );
            ok = false;
        }
        if weights.iter().map(|w| w.1).sum::<f64>() <= 0.0 {
            self.sink.error_hint(
                at.loc,
                format!("the `weights` of {label} add up to zero"),
                "at least one member must have a positive weight",
            );
            ok = false;
        }
        ok.then_some(())
    }

    pub(super) fn replication(&mut self, node: &Node, label: &str) -> Option<Replication> {
        let map = Map::read(
            &mut self.sink,
            node,
            &format!("`replication` of {label}"),
            &["mode", "lag", "resync", "degrade_after"],
        )?;
        let synchronous = match map.get("mode") {
            None => false,
            Some(m) => match read::string(&mut self.sink, m, "replication `mode`")? {
                "sync" => true,
                "async" => false,
                other => {
                    let hint = suggest(other, &["sync", "async"]);
                    self.sink.error_hint(
                        m.loc,
                        format!("unknown replication mode `{other}`"),
                        hint,
                    );
                    return None;
                }
            },
        };
        let lag = map
            .get("lag")
            .map(|n| dist(&mut self.sink, n, "replication `lag`", self.base_dir));
        let resync = map
            .get("resync")
            .map(|n| dist(&mut self.sink, n, "`resync`", self.base_dir));
        let degrade = map
            .get("degrade_after")
            .map(|n| positive_duration_h(&mut self.sink, n, "`degrade_after`"));
        Some(Replication {
            synchronous,
            lag: read::optional(lag)?,
            resync: read::optional(resync)?,
            degrade_after_us: read::optional(degrade.map(|d| d.map(micros_from_hours)))?,
        })
    }

    pub(super) fn recovery(&mut self, node: &Node, label: &str) -> Option<Recovery> {
        let map = Map::read(
            &mut self.sink,
            node,
            &format!("`recovery` of {label}"),
            &["snapshot_every", "restore", "replay"],
        )?;
        let every = map
            .get("snapshot_every")
            .map(|n| positive_duration_h(&mut self.sink, n, "`snapshot_every`"));
        let restore = map
            .get("restore")
            .map(|n| dist(&mut self.sink, n, "`restore`", self.base_dir));
        let replay = map
            .get("replay")
            .map(|n| rate_per_s(&mut self.sink, n, "`replay`"));
        Some(Recovery {
            snapshot_every_us: read::optional(every.map(|d| d.map(micros_from_hours)))?,
            restore: read::optional(restore)?,
            replay_per_s: read::optional(replay)?,
        })
    }
}
