//! `monitoring`: the alert and response delays before a repair is asked
//! for, as a default for the whole scenario (a top-level key) or on one
//! failure mode (which then replaces the default).

use super::build::Builder;
use super::read::Map;
use super::tree::{Node, Value};
use super::values::dist;
use crate::model::{Dist, Monitoring};

impl Builder<'_> {
    /// Reads a `monitoring` map. `None` when it has a problem (reported);
    /// `Some(None)` for `monitoring: none`, which turns a default off.
    pub fn monitoring(&mut self, node: &Node, what: &str) -> Option<Option<Monitoring>> {
        if let Value::Str(s) = &node.value
            && s == "none"
        {
            return Some(None);
        }
        let map = Map::read(&mut self.sink, node, what, &["alert", "respond"])?;
        if map.get("alert").is_none() && map.get("respond").is_none() {
            self.sink.error_hint(
                node.loc,
                format!("{what} has neither `alert` nor `respond`"),
                "give `alert` (time to notice) and/or `respond` (time to acknowledge), \
                 or write `monitoring: none`",
            );
            return None;
        }
        let alert = self.delay(&map, "alert", what);
        let respond = self.delay(&map, "respond", what);
        Some(Some(Monitoring {
            alert: alert?,
            respond: respond?,
        }))
    }

    /// One delay of a `monitoring` map: zero when absent. A distribution
    /// with a zero mean other than a fixed zero is refused: write `0`.
    fn delay(&mut self, map: &Map, key: &str, what: &str) -> Option<Dist> {
        let Some(node) = map.get(key) else {
            return Some(Dist::Fixed { value_h: 0.0 });
        };
        let label = format!("`{key}` of {what}");
        let d = dist(&mut self.sink, node, &label, self.base_dir)?;
        if d.mean_h() <= 0.0 && !d.is_zero() {
            self.sink.error_hint(
                node.loc,
                format!("{label} has a mean of zero"),
                "write `0` for no delay",
            );
            return None;
        }
        if d.mean_h() < 0.0 {
            self.sink.error_hint(
                node.loc,
                format!("{label} is negative"),
                "a delay is at least 0",
            );
            return None;
        }
        Some(d)
    }

    /// The failure mode's own `monitoring`, or the scenario's default.
    pub fn mode_monitoring(&mut self, map: &Map, label: &str) -> Option<Option<Monitoring>> {
        match map.get("monitoring") {
            None => Some(self.default_monitoring.clone()),
            Some(n) => self.monitoring(n, &format!("`monitoring` of {label}")),
        }
    }
}

/// Reads the top-level `monitoring` (the default of every failure mode).
pub fn read_default(b: &mut Builder, node: Option<&Node>) {
    if let Some(node) = node
        && let Some(m) = b.monitoring(node, "`monitoring`")
    {
        b.default_monitoring = m;
    }
}
