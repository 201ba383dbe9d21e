//! The `redundancy` of a service: its mode and the mode's settings.

use super::build::Builder;
use super::diag::suggest;
use super::read::{self, Map};
use super::tree::Node;
use super::values::dist;
use crate::model::{Failover, Redundancy, SpareMode};

const MODES: &[&str] = &[
    "active-active",
    "quorum",
    "hot-standby",
    "warm-standby",
    "cold-standby",
    "n-plus-k",
];

impl Builder<'_> {
    pub(super) fn redundancy(
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
            None => Some("active-active"),
            Some(n) => read::string(&mut self.sink, n, "`mode`").filter(|mode| {
                let known = MODES.contains(mode);
                if !known {
                    let hint = suggest(mode, MODES);
                    self.sink
                        .error_hint(n.loc, format!("unknown redundancy mode `{mode}`"), hint);
                }
                known
            }),
        };
        let Some(mode) = mode else {
            // The mode is unreadable, but its settings are still checked.
            self.settings_of_unknown_mode(&map, label);
            return None;
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
        if is_standby && n_members == 1 {
            self.sink.error_hint(
                map.loc,
                format!("{label} uses `{mode}` but has only one member"),
                "a standby design needs at least two nodes",
            );
            return None;
        }
        let standbys =
            |b: &mut Self| count(b, "standbys", 1, n - 1).map(|s| s.unwrap_or(n - 1).max(1) as u32);
        let redundancy = match mode {
            "active-active" => Redundancy::ActiveActive {
                min_up: count(self, "min_up", 1, n)?.unwrap_or(1) as u32,
            },
            "quorum" => {
                let min_up = count(self, "min_up", 1, n);
                let election = opt_dist(self, "election");
                let (min_up, election) = (min_up?.unwrap_or(n / 2 + 1) as u32, election?);
                Redundancy::Quorum { min_up, election }
            }
            "hot-standby" => Redundancy::HotStandby {
                standbys: standbys(self)?,
                failover: failover?,
            },
            "warm-standby" => {
                let standbys = standbys(self);
                let factor = match map.get("idle_failure_factor") {
                    Some(f) => read::number(&mut self.sink, f, "`idle_failure_factor`").filter(|x| {
                        let ok = *x > 0.0 && *x < 1.0;
                        if !ok {
                            self.sink.error_hint(
                                f.loc,
                                format!("`idle_failure_factor` must be between 0 and 1 (exclusive), found {x}"),
                                "0 is cold standby and 1 is hot standby; use those modes instead",
                            );
                        }
                        ok
                    }),
                    None => Some(0.5),
                };
                let warmup = opt_dist(self, "warmup");
                Redundancy::WarmStandby {
                    standbys: standbys?,
                    idle_failure_factor: factor?,
                    warmup: warmup?,
                    failover: failover?,
                }
            }
            "cold-standby" => {
                let standbys = standbys(self);
                let boot = opt_dist(self, "boot");
                let restore = opt_dist(self, "restore");
                Redundancy::ColdStandby {
                    standbys: standbys?,
                    boot: boot?,
                    restore: restore?,
                    failover: failover?,
                }
            }
            _ => {
                let active = count(self, "active", 1, n);
                let spares = count(self, "spares", 0, n);
                let spare_mode = self.spare_mode(map.get("spare_mode"));
                let (active, spares) = (active?, spares?);
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
                Redundancy::NPlusK {
                    active: active as u32,
                    spares: spares as u32,
                    spare_mode: spare_mode?,
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

    fn spare_mode(&mut self, node: Option<&Node>) -> Option<SpareMode> {
        let Some(s) = node else {
            return Some(SpareMode::Hot);
        };
        match read::string(&mut self.sink, s, "`spare_mode`")? {
            "hot" => Some(SpareMode::Hot),
            "cold" => Some(SpareMode::Cold),
            other => {
                let hint = suggest(other, &["hot", "cold"]);
                self.sink
                    .error_hint(s.loc, format!("unknown spare mode `{other}`"), hint);
                None
            }
        }
    }

    /// The settings of a `redundancy` whose `mode` is misspelt or missing
    /// its value: each is checked on its own, so that their problems are
    /// reported in the same pass as the mode's.
    fn settings_of_unknown_mode(&mut self, map: &Map, label: &str) {
        for key in map.keys() {
            let Some(node) = map.get(&key.name) else {
                continue;
            };
            let what = format!("`{}`", key.name);
            match key.name.as_str() {
                "min_up" | "standbys" | "active" | "spares" => {
                    read::integer(&mut self.sink, node, &what, 0, i64::MAX);
                }
                "election" | "warmup" | "boot" | "restore" => {
                    dist(
                        &mut self.sink,
                        node,
                        &format!("{what} of {label}"),
                        self.base_dir,
                    );
                }
                "idle_failure_factor" => {
                    read::number(&mut self.sink, node, &what);
                }
                "spare_mode" => {
                    self.spare_mode(Some(node));
                }
                "failover" => {
                    self.failover(node, label);
                }
                _ => {}
            }
        }
    }
}
