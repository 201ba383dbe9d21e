//! Checks of a service's data settings (`writes`, `replication`) against
//! its redundancy: what the engine simulates, and one way to say each thing.

use super::build::Builder;
use super::read::Map;
use super::tree::Value;
use crate::model::{Redundancy, Replication};

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
        let key_loc = |key: &str| match &node.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map_or(node.loc, |(_, n)| n.loc),
            _ => node.loc,
        };
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
            self.unsupported(key_loc("mode"), "`mode: sync` replication");
        } else if replication.lag.is_none() {
            self.sink.error_hint(
                node.loc,
                format!("the async `replication` of {label} has no `lag`"),
                "say how far the replica trails, e.g. `lag: 2s` or `lag: {exponential: {mean: 1s}}`",
            );
        }
        if replication.resync.is_some() {
            self.unsupported(key_loc("resync"), "`resync`");
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
}
