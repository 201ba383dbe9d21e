//! Validation in one pass: a new user's first attempts at three real
//! designs, each with several kinds of mistakes (YAML syntax, misspelt and
//! synonymous keys, YAML 1.1 booleans, impossible sizes, settings that
//! would be ignored), all reported at once, each at its line and column.

use nines::scenario::{Diagnostic, LoadError, parse_bytes};
use std::path::Path;

fn problems(yaml: &str) -> Vec<Diagnostic> {
    match parse_bytes(yaml.as_bytes(), "design.yaml", Path::new(".")) {
        Ok(_) => panic!("the scenario should be refused"),
        Err(LoadError::Invalid(d)) => d.items,
        Err(other) => panic!("unexpected error {other}"),
    }
}

/// Asserts exactly these problems: (part of the message, line, column,
/// part of the hint).
fn assert_all(yaml: &str, expected: &[(&str, u32, u32, &str)]) {
    let all = problems(yaml);
    for &(message, line, column, hint) in expected {
        let Some(d) = all
            .iter()
            .find(|d| d.message.contains(message) && d.loc.line == line)
        else {
            panic!("no problem mentions {message:?} on line {line}; found {all:#?}");
        };
        assert_eq!(
            (d.loc.line, d.loc.column),
            (line, column),
            "place of {message:?}"
        );
        let got = d.hint.as_deref().unwrap_or("");
        assert!(
            got.contains(hint),
            "hint of {message:?} is {got:?}, expected {hint:?}"
        );
    }
    assert_eq!(all.len(), expected.len(), "{all:#?}");
}

const REDIS: &str = r#"name: redis pair with sentinel
simulation: {horizon: 10y, replications: 200}
nodes:
  - name: redis
    count: 2
    failures:
      - name: crash
        ttf: {dist: exponential, mttf: 2000h}
        mttr: 5m
      - name: disk
        ttf: {dist: weibull, shape: 3, mean: 4y}
        repair: {dist: lognormal, mean: 6h, stddev: 3h}
services:
  - name: cache
    nodes: redis
    redundancy:
      mode: hot-standy
      failover:
        detection:
          heartbeat: {interval: 1s, timeout: 5s, loss: 0.01}
        switchover: 10s
        fencing: no
        failback: automatic
"#;

#[test]
fn a_redis_pair_with_sentinel_gets_every_problem_at_once() {
    assert_all(
        REDIS,
        &[
            (
                "failure mode `crash` is missing `repair`",
                7,
                9,
                "add `repair",
            ),
            ("unknown key `mttf`", 8, 34, "did you mean `mean`?"),
            ("unknown key `mttr`", 9, 9, "did you mean `repair`?"),
            ("unknown key `stddev`", 12, 45, "did you mean `sd`?"),
            (
                "unknown redundancy mode `hot-standy`",
                17,
                13,
                "did you mean `hot-standby`?",
            ),
            // Inside `failover`, though the mode is misspelt.
            (
                "`fencing` must be true or false, found the string `no`",
                22,
                18,
                "write `false`",
            ),
            (
                "unknown failback `automatic`",
                23,
                19,
                "did you mean `auto`?",
            ),
        ],
    );
}

const ETCD: &str = r#"name: etcd over three zones
domains:
  - {name: zone-a, failures: [{ttf: 2y, repair: 4h}]}
  - {name: zone-b, failures: [{ttf: 2y, repair: 4h}]}
  - {name: zone-c, failures: [{ttf: 2y, repair: 4h}]}
nodes:
  - name: etcd
    count: 3
    domains: [zone-a, zone-b, zone-c]
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 1500h}, repair: 10m}
      - {name: fsync-stall, ttf: 30d, repair: 20s, effect: slow}
  - name: api
    count: 2
    domains: [zone-a, zone-b
    failures: [{ttf: 1000h, repair: 5m}]
services:
  - name: etcd
    nodes: etcd
    redundancy: {mode: quorum, min_up: 4}
  - name: apiserver
    nodes: api
    requires: etcd
    redundancy: {mode: active-active, min_up: 1}
    demand: 500/s
"#;

#[test]
fn etcd_over_three_zones_gets_every_problem_at_once() {
    assert_all(
        ETCD,
        &[
            (
                "`effect: slow` on node group `etcd`, a member of the quorum service `etcd`, is not supported yet",
                12,
                60,
                "only the failure detector of a standby service",
            ),
            // A YAML syntax error in one node group, and a semantic problem
            // in a service after it.
            ("invalid YAML", 16, 13, "indentation and the brackets"),
            (
                "`min_up` is 4, but service `etcd` has only 3 members",
                20,
                40,
                "at most 3",
            ),
        ],
    );
}

const HAPROXY: &str = "name: web tier behind haproxy
nodes:
  - name: lb
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, avg: 2000h}, repair: 5m}
  - name: web
    count: 4
    capacity: 100/s
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 500h}, repair: {dist: exp, mean: 10m}}
      - {name: gc-pause, ttf: 2d, repair: 3s, effect: slow}
  - name: db
    count: 2
    failures:
      - name: crash
    \tttf: 3000h
        repair: 1h
  - name: cache
    count: 2
services:
  - name: edge
    nodes: lb
    redundancy:
      mode: hot-standby
      failover: {vip: {takeover: 2s}, fencing: \"false\"}
  - name: app
    nodes: [web, lb-1]
    demand: 350/s
    requires: [edge, database]
  - name: db
    nodes: db
    redundancy: {mode: hot-standby}
    redundancy: {mode: cold-standby}
  - name: cache
    nodes: cache
    redundancy: {mode: n-plus-k, active: 2, spares: 1}
";

#[test]
fn a_web_tier_behind_haproxy_gets_every_problem_at_once() {
    assert_all(
        HAPROXY,
        &[
            // One problem per mistake: no second one about the set of parameters.
            ("unknown key `avg`", 6, 48, "did you mean `mean`?"),
            (
                "unknown distribution `exp`",
                11,
                76,
                "did you mean `exponential`?",
            ),
            (
                "`effect: slow` on node group `web`, a member of the active-active service `app`",
                12,
                55,
                "use `effect: down`",
            ),
            (
                "invalid YAML: while scanning a plain scalar, found a tab",
                16,
                15,
                "indentation",
            ),
            (
                "`fencing` must be true or false, found the string `false`",
                26,
                48,
                "without quotes",
            ),
            (
                "service `app` has a `demand`, but node `lb-1` has no `capacity`",
                29,
                13,
                "capacity: 100/s",
            ),
            ("unknown service `database`", 30, 22, "`db`"),
            ("key `redundancy` is given twice in a service", 34, 5, ""),
            (
                "service `cache` has 2 active and 1 spare members, but only 2 nodes",
                37,
                17,
                "must not exceed",
            ),
        ],
    );
}

#[test]
fn booleans_are_true_or_false_for_every_boolean_key() {
    for (written, meant, hint) in [
        ("no", false, "nines reads YAML 1.2"),
        ("yes", true, "nines reads YAML 1.2"),
        ("off", false, "nines reads YAML 1.2"),
        ("on", true, "nines reads YAML 1.2"),
        ("\"false\"", false, "without quotes"),
        ("'true'", true, "without quotes"),
    ] {
        let yaml = format!(
            "name: x
nodes: [{{name: db, count: 2}}]
services:
  - {{name: d, nodes: db, redundancy: {{mode: hot-standby, failover: {{fencing: {written}}}}}}}
faults:
  - {{at: 1h, action: crash, target: db-1, rolling: {written}}}
"
        );
        let all = problems(&yaml);
        for (key, line) in [("`fencing`", 4), ("`rolling`", 6)] {
            let d = all
                .iter()
                .find(|d| {
                    d.message
                        .starts_with(&format!("{key} must be true or false"))
                })
                .unwrap_or_else(|| panic!("{key} = {written} accepted: {all:#?}"));
            assert_eq!(d.loc.line, line);
            let got = d.hint.as_deref().unwrap_or("");
            assert!(
                got.contains(hint) && got.contains(&format!("`{meant}`")),
                "{got}"
            );
        }
    }
    // Only `true` and `false` are booleans, so `no` and `on` are plain names.
    let yaml = "name: x
nodes: [{name: no, count: 2}, {name: on}]
services:
  - {name: d, nodes: no, redundancy: {mode: hot-standby, failover: {fencing: false}}}
  - {name: e, nodes: on}
";
    parse_bytes(yaml.as_bytes(), "ok.yaml", Path::new(".")).expect("`no` and `on` are names");
}

#[test]
fn slow_failure_modes_outside_standby_services_are_refused_not_ignored() {
    for (mode, accepted) in [
        ("active-active", false),
        ("quorum", false),
        ("hot-standby", true),
        ("n-plus-k", true),
    ] {
        let yaml = format!(
            "name: x
nodes:
  - name: n
    count: 3
    failures: [{{name: gc, ttf: 1d, repair: 2s, effect: slow}}]
services: [{{name: s, nodes: n, redundancy: {{mode: {mode}}}}}]
"
        );
        let result = parse_bytes(yaml.as_bytes(), "x.yaml", Path::new("."));
        match (result, accepted) {
            (Ok(_), true) => {}
            (Err(LoadError::Invalid(d)), false) => {
                assert_eq!(d.items.len(), 1, "{:#?}", d.items);
                let p = &d.items[0];
                assert!(
                    p.message.contains("`effect: slow`") && p.message.contains("not supported yet")
                );
                assert_eq!((p.loc.line, p.loc.column), (5, 56));
            }
            (other, _) => panic!("mode {mode}: {:?}", other.err().map(|e| e.to_string())),
        }
    }
}

#[test]
fn a_capacity_no_demand_counts_against_is_refused_not_ignored() {
    let yaml = "name: x
nodes:
  - {name: web, count: 3, capacity: 100/s}
  - {name: api, count: 3, capacity: 100/s}
services:
  - {name: w, nodes: web}
  - {name: a, nodes: api, demand: 150/s}
";
    assert_all(
        yaml,
        &[(
            "`capacity` of node group `web` is not used",
            3,
            37,
            "add `demand`",
        )],
    );
}

#[test]
fn a_syntax_error_hides_nothing_but_its_own_piece() {
    // Two broken pieces and a broken top-level key: each has its own
    // syntax error; the service on the broken group is not blamed for it.
    let yaml = "name: x
simulation: {horizon: 10y, seed: 3
nodes:
  - name: db
    count: 2
    failures: [{name: crash, ttf: 100h, repair: [1h}]
  - {name: web, count: 3}
services:
  - name: d
    nodes: db
    redundancy: {mode: hot-standby
  - name: w
    nodes: web
    requires: d
    redundancy: {mode: active-active, min_up: 5}
";
    assert_all(
        yaml,
        &[
            ("invalid YAML", 2, 13, ""),
            ("invalid YAML: mismatched bracket", 6, 49, ""),
            ("invalid YAML: unclosed bracket", 11, 17, ""),
            (
                "`min_up` is 5, but service `w` has only 3 members",
                15,
                47,
                "",
            ),
        ],
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Reading on past syntax errors never panics, whatever is inserted
    /// (tabs, brackets and letters of several bytes included).
    #[test]
    fn recovering_from_any_mangling_never_panics(
        at in 0usize..1200,
        insert in "[ -~\n\t\u{e9}\u{20ac}\u{fc}{}\\[\\]]{0,10}",
        design in 0usize..3,
    ) {
        let base = [REDIS, ETCD, HAPROXY][design];
        let at = at.min(base.len());
        let at = (0..=at).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{}{}", &base[..at], insert, &base[at..]);
        let _ = parse_bytes(text.as_bytes(), "fuzz.yaml", Path::new("."));
    }
}

#[test]
fn every_pair_of_standby_services_sharing_nodes_is_reported() {
    let yaml = "name: x
nodes: [{name: db, count: 2}, {name: kv, count: 2}]
services:
  - {name: a, nodes: db, redundancy: {mode: hot-standby}}
  - {name: b, nodes: db, redundancy: {mode: cold-standby}}
  - {name: c, nodes: kv, redundancy: {mode: hot-standby}}
  - {name: d, nodes: [kv-1, db-2], redundancy: {mode: warm-standby}}
";
    assert_all(
        yaml,
        &[
            (
                "node `db-1` is a member of two standby services, `a` and `b`",
                5,
                22,
                "its own nodes",
            ),
            (
                "node `kv-1` is a member of two standby services, `c` and `d`",
                7,
                22,
                "its own nodes",
            ),
            (
                "node `db-2` is a member of two standby services, `a` and `d`",
                7,
                22,
                "its own nodes",
            ),
        ],
    );
}
