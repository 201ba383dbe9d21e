//! Checks of a service's data settings (`writes`, `replication`) against
//! its redundancy: what the engine simulates, and one way to say each thing.

use super::build::Builder;
use super::read::Map;
use super::tree::Value;
use crate::model::{Node as Instance, NodeGroup, Recovery, Redundancy, Replication, Service};

/// Where key `key` of the map `node` is written (the map's place when it
/// is not there).
fn key_loc(node: &super::tree::Node, key: &str) -> super::tree::Loc {
    match &node.value {
        Value::Map(entries) => entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map_or(node.loc, |(_, n)| n.loc),
        _ => node.loc,
    }
}

impl Builder<'_> {
    /// Reports every problem of a parsed `replication` of service `label`.
    pub(super) fn check_replication(
        &mut self,
        map: &Map,
        replication: &Replication,
        redundancy: Option<&Redundancy>,
        n_members: usize,
        label: &str,
    ) {
        let Some(node) = map.get("replication") else {
            return;
        };
        // Where a key of `replication` is written (already checked by its reader).
        let key_loc = |key: &str| key_loc(node, key);
        if n_members == 1 {
            self.sink.error_hint(
                node.loc,
                format!("{label} has one member: there is nothing to replicate to"),
                "give it a standby (e.g. `redundancy: {mode: hot-standby}` and two nodes), or remove `replication`",
            );
            return;
        }
        if let Some(r) = redundancy
            && matches!(
                r,
                Redundancy::ActiveActive { .. } | Redundancy::Quorum { .. }
            )
        {
            self.unsupported(
                node.loc,
                &format!("`replication` on a `{}` service", r.mode_name()),
            );
            return;
        }
        if replication.synchronous {
            if replication.lag.is_some() {
                self.sink.error_hint(
                    key_loc("lag"),
                    "`sync` replication has no `lag`: a write waits for its replica",
                    "remove `lag`, or use `mode: async`",
                );
            }
            match redundancy {
                Some(Redundancy::ColdStandby { .. }) => self.sink.error_hint(
                    key_loc("mode"),
                    format!("{label} is a cold standby: its idle member is switched off and cannot acknowledge a write"),
                    "use a hot or warm standby for `sync` replication, or `mode: async`",
                ),
                Some(Redundancy::NPlusK { .. }) => {
                    self.unsupported(key_loc("mode"), "`mode: sync` replication on an `n-plus-k` service")
                }
                _ => {}
            }
        } else if replication.degrade_after_us.is_some() {
            self.sink.error_hint(
                key_loc("degrade_after"),
                "`degrade_after` is for `sync` replication: async never waits for a replica",
                "remove `degrade_after`, or use `mode: sync`",
            );
        }
        if !replication.synchronous && replication.lag.is_none() {
            self.sink.error_hint(
                node.loc,
                format!("the async `replication` of {label} has no `lag`"),
                "say how far the replica trails, e.g. `lag: 2s` or `lag: {exponential: {mean: 1s}}`",
            );
        }
        if map.get("writes").is_none() {
            self.sink.error_hint(
                node.loc,
                format!("{label} has a `replication` but no `writes`"),
                "give the service its write rate, e.g. `writes: 100/s`: it sizes what a failover loses",
            );
        }
    }

    /// `writes` with nothing that uses it (no `replication`, no `recovery`).
    pub(super) fn check_writes_used(&mut self, map: &Map, label: &str) {
        if let Some(w) = map.get("writes")
            && map.get("replication").is_none()
            && map.get("recovery").is_none()
        {
            self.sink.error_hint(
                w.loc,
                format!("`writes` of {label} is used by nothing"),
                "`writes` sizes what `replication` loses and what `recovery` replays; add one, or remove `writes`",
            );
        }
    }

    /// Reports every problem of a parsed `recovery` of service `label`:
    /// what it needs (`snapshot_every`, a positive `replay`, `writes`), and
    /// one way to say a cold standby's restore.
    pub(super) fn check_recovery(
        &mut self,
        map: &Map,
        recovery: &Recovery,
        redundancy: Option<&Redundancy>,
        label: &str,
    ) {
        let Some(node) = map.get("recovery") else {
            return;
        };
        let key_loc = |key: &str| key_loc(node, key);
        if recovery.snapshot_every_us.is_none() {
            self.sink.error_hint(
                node.loc,
                format!("the `recovery` of {label} has no `snapshot_every`"),
                "say how often a snapshot is taken, e.g. `snapshot_every: 1h`: a rebuild replays the writes since the last one",
            );
        }
        match recovery.replay_per_s {
            None => self.sink.error_hint(
                node.loc,
                format!("the `recovery` of {label} has no `replay`"),
                "say how fast the log is replayed, e.g. `replay: 5000/s`",
            ),
            Some(r) if r <= 0.0 => self.sink.error_hint(
                key_loc("replay"),
                "a `replay` rate of zero would never finish a rebuild",
                "give the rate at which the log is replayed, e.g. `replay: 5000/s`",
            ),
            Some(_) => {}
        }
        if map.get("writes").is_none() {
            self.sink.error_hint(
                node.loc,
                format!("{label} has a `recovery` but no `writes`"),
                "give the service its write rate, e.g. `writes: 100/s`: it sizes the log to replay",
            );
        }
        if let Some(Redundancy::ColdStandby {
            restore: Some(_), ..
        }) = redundancy
        {
            let at = map
                .get("redundancy")
                .and_then(|r| match &r.value {
                    Value::Map(entries) => entries
                        .iter()
                        .find(|(k, _)| k.name == "restore")
                        .map(|(_, n)| n.loc),
                    _ => None,
                })
                .unwrap_or(node.loc);
            self.sink.error_hint(
                at,
                format!("{label} has both a cold-standby `restore` and a `recovery`"),
                "with `recovery`, a takeover restores the last snapshot and replays the log; \
                 move the restore time to `recovery: {restore: ...}` and remove this one",
            );
        }
    }

    /// Each node group with a failure mode that `loses_state` must have its
    /// nodes in exactly one service with `recovery` (how they rebuild); and
    /// a `recovery` must be used: by a cold standby's takeovers or by a
    /// member that loses its state.
    pub(super) fn check_rebuilds(
        &mut self,
        services: &[Service],
        groups: &[NodeGroup],
        nodes: &[Instance],
        recovery_locs: &[Option<super::tree::Loc>],
    ) {
        for (g, group) in groups.iter().enumerate() {
            let Some(loc) = self.group_locs.get(g).and_then(|l| l.loses_state) else {
                continue;
            };
            for &n in &group.members {
                let with: Vec<&str> = services
                    .iter()
                    .filter(|s| s.recovery.is_some() && s.members.contains(&n))
                    .map(|s| s.name.as_str())
                    .collect();
                // A service with problems of its own is not built: it may be the one.
                let all_built = services.len() == self.names.services.len();
                if with.len() == 1 || (with.is_empty() && !all_built) {
                    continue;
                }
                let (message, hint) = if with.is_empty() {
                    (
                        format!(
                            "node `{}` loses its state, but no service it serves has a `recovery`",
                            nodes[n].name
                        ),
                        "give its service a `recovery: {snapshot_every, restore, replay}` saying how it rebuilds, or remove `loses_state`".to_string(),
                    )
                } else {
                    (
                        format!(
                            "node `{}` loses its state and serves {} services with a `recovery` ({})",
                            nodes[n].name,
                            with.len(),
                            with.join(", ")
                        ),
                        "a node rebuilds one way: keep `recovery` on one of them".to_string(),
                    )
                };
                self.sink.error_hint(loc, message, hint);
                break;
            }
        }
        for (service, loc) in services.iter().zip(recovery_locs) {
            let (Some(_), Some(loc)) = (&service.recovery, loc) else {
                continue;
            };
            let cold = matches!(service.redundancy, Redundancy::ColdStandby { .. });
            let loses = service.members.iter().any(|&n| {
                groups[nodes[n].group]
                    .failures
                    .iter()
                    .any(|m| m.loses_state)
            });
            if !cold && !loses {
                self.sink.error_hint(
                    *loc,
                    format!("the `recovery` of service `{}` is used by nothing", service.name),
                    "a rebuild happens at a cold standby's takeover or after the repair of a member whose failure mode says `loses_state: true`; add one, or remove `recovery`",
                );
            }
        }
    }
}
