//! `overload: collapse` of a traffic entry: its `tolerance`, `collapse_after`
//! and `restart`, and what it cannot be combined with yet.

use super::build::Builder;
use super::read::{self, Map};
use super::tree::{Loc, Node, Value};
use super::values::dist;
use crate::model::{Collapse, Dist, Node as Instance, NodeGroup};

/// The keys that only `overload: collapse` gives a meaning to.
const COLLAPSE_KEYS: [&str; 3] = ["tolerance", "collapse_after", "restart"];

/// A collapse being read: where `overload: collapse` was written.
#[derive(Clone, Copy)]
pub struct CollapseAt(Loc);

impl Builder<'_> {
    /// `overload`: `Some(None)` for `reject` (the default), `Some(Some(_))`
    /// for `collapse`, `None` when a problem was reported.
    pub(super) fn overload(
        &mut self,
        map: &Map,
        per_request: bool,
        pattern: bool,
    ) -> Option<Option<CollapseAt>> {
        let collapse = match map.get("overload") {
            None => None,
            Some(o) => match read::string(&mut self.sink, o, "`overload`")? {
                "reject" => None,
                "collapse" => Some(o.loc),
                other => {
                    self.sink.error_hint(
                        o.loc,
                        format!("unknown overload behaviour `{other}`"),
                        "write `overload: reject` (the default) or `overload: collapse`",
                    );
                    return None;
                }
            },
        };
        let Some(loc) = collapse else {
            let mut ok = true;
            for key in COLLAPSE_KEYS {
                if let Some(n) = map.get(key) {
                    self.sink.error_hint(
                        n.loc,
                        format!("`{key}` belongs to `overload: collapse`"),
                        "add `overload: collapse` to this traffic entry, or remove the key",
                    );
                    ok = false;
                }
            }
            return ok.then_some(None);
        };
        if per_request {
            self.unsupported(loc, "`overload: collapse` in the per-request mode");
            return None;
        }
        if pattern {
            self.unsupported(loc, "`overload: collapse` with a daily `pattern`");
            return None;
        }
        Some(Some(CollapseAt(loc)))
    }

    /// The settings of a collapse; each member's restart defaults to the
    /// repair of its group's first failure mode.
    pub(super) fn collapse(
        &mut self,
        map: &Map,
        at: CollapseAt,
        members: &[usize],
        groups: &[NodeGroup],
        nodes: &[Instance],
    ) -> Option<Collapse> {
        let tolerance = match map.get("tolerance") {
            Some(t) => self.tolerance(t),
            None => Some(0.0),
        };
        let after = match map.get("collapse_after") {
            Some(n) => dist(&mut self.sink, n, "`collapse_after`", self.base_dir),
            None => Some(Dist::Fixed {
                value_h: 1.0 / 60.0,
            }),
        };
        let restart = match map.get("restart") {
            Some(n) => {
                dist(&mut self.sink, n, "`restart`", self.base_dir).map(|d| vec![d; members.len()])
            }
            None => {
                let repairs: Option<Vec<Dist>> = members
                    .iter()
                    .map(|&m| {
                        groups[nodes[m].group]
                            .failures
                            .first()
                            .map(|f| f.repair.clone())
                    })
                    .collect();
                if repairs.is_none() {
                    self.sink.error_hint(
                        at.0,
                        "`overload: collapse` needs a `restart` time: a member's group has no failure mode whose repair it could take",
                        "add `restart: 2m` (a distribution) to this traffic entry",
                    );
                }
                repairs
            }
        };
        Some(Collapse {
            tolerance: tolerance?,
            after: after?,
            restart: restart?,
        })
    }

    /// A fraction of the capacity at least 0: `0.2` or `"20%"`.
    fn tolerance(&mut self, node: &Node) -> Option<f64> {
        let value = match &node.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(x) => Some(*x),
            Value::Str(s) => match s.trim().strip_suffix('%') {
                Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
                None => s.trim().parse::<f64>().ok(),
            },
            _ => None,
        };
        match value {
            Some(v) if v.is_finite() && v >= 0.0 => Some(v),
            _ => {
                self.sink.error_hint(
                    node.loc,
                    "`tolerance` must be a fraction of the capacity, at least 0",
                    "write for example `tolerance: 0.2` or `tolerance: \"20%\"` (a share up to 120% of the capacity is tolerated)",
                );
                None
            }
        }
    }
}
