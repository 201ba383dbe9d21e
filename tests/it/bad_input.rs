//! Every kind of bad input gets a clear problem at its line and column,
//! with a hint, and all problems of a file are reported at once.

use nines::scenario::{Diagnostic, LoadError, parse_bytes};
use proptest::prelude::*;
use std::path::Path;

fn problems(yaml: &str) -> Vec<Diagnostic> {
    problems_of_bytes(yaml.as_bytes())
}

fn problems_of_bytes(bytes: &[u8]) -> Vec<Diagnostic> {
    match parse_bytes(bytes, "bad.yaml", Path::new(".")) {
        Ok(_) => panic!("the scenario should be refused"),
        Err(LoadError::Invalid(d)) => d.items,
        Err(other) => panic!("unexpected error {other}"),
    }
}

/// Asserts one problem whose message contains `message`, at `line:column`,
/// with a hint containing `hint` (if given).
fn assert_problem(all: &[Diagnostic], message: &str, line: u32, column: u32, hint: Option<&str>) {
    let found = all.iter().find(|d| d.message.contains(message));
    let Some(d) = found else {
        panic!("no problem mentions {message:?}; found {all:#?}");
    };
    assert_eq!(
        (d.loc.line, d.loc.column),
        (line, column),
        "position of {message:?}"
    );
    if let Some(hint) = hint {
        let got = d.hint.as_deref().unwrap_or("");
        assert!(
            got.contains(hint),
            "hint of {message:?} is {got:?}, expected {hint:?}"
        );
    }
}

const VALID_TAIL: &str = "services: [{name: s, nodes: web}]\n";

fn with_nodes(failure: &str) -> String {
    format!("name: x\nnodes:\n  - name: web\n    failures: [{failure}]\n{VALID_TAIL}")
}

#[test]
fn unknown_keys_are_refused_with_the_closest_key() {
    let all = problems(&with_nodes("{name: crash, ttf: 100h, repiar: 5m}"));
    assert_problem(
        &all,
        "unknown key `repiar`",
        4,
        41,
        Some("did you mean `repair`?"),
    );
    let all = problems("name: x\nnodez: []\n");
    assert_problem(
        &all,
        "unknown key `nodez`",
        2,
        1,
        Some("did you mean `nodes`?"),
    );
}

#[test]
fn wrong_types_are_refused() {
    let all = problems("name: x\nnodes:\n  - {name: web, count: many}\nservices: {name: s}\n");
    assert_problem(
        &all,
        "`count` must be a whole number, found a string",
        3,
        24,
        None,
    );
    assert_problem(
        &all,
        "`services` must be a list, found a mapping",
        4,
        11,
        Some("- "),
    );
}

#[test]
fn bad_durations_are_refused_with_the_units_that_exist() {
    let all = problems(&with_nodes("{name: crash, ttf: 100 hours, repair: 5}"));
    assert_problem(
        &all,
        "`hours` is not a unit of time",
        4,
        35,
        Some("us, ms, s, m, h, d, w, y"),
    );
    assert_problem(&all, "needs a unit", 4, 54, Some("add a unit"));
}

#[test]
fn bad_percentages_and_probabilities_are_refused() {
    let yaml = "name: x
nodes: [{name: db, count: 2}]
services:
  - name: s
    nodes: db
    redundancy: {mode: hot-standby, failover: {coverage: \"99,9%\"}}
  - name: t
    nodes: db
    redundancy: {mode: hot-standby, failover: {coverage: 1.5}}
";
    let all = problems(yaml);
    assert_problem(
        &all,
        "`99,9%` is not a probability",
        6,
        58,
        Some("\"99.9%\""),
    );
    assert_problem(&all, "must be between 0 and 1", 9, 58, None);
}

#[test]
fn unknown_references_are_refused_with_the_closest_name() {
    let yaml = "name: x
domains: [{name: rack-a, parent: zone}]
crews: [{name: oncall}]
nodes:
  - {name: web, domains: [rak-a], failures: [{name: f, ttf: 1y, repair: 1h, crew: on-call}]}
services:
  - {name: front, nodes: wbe, requires: [backnd]}
  - {name: backend, nodes: web}
system: [frontt]
";
    let all = problems(yaml);
    assert_problem(&all, "unknown domain `zone`", 2, 34, None);
    assert_problem(
        &all,
        "unknown domain `rak-a`",
        5,
        27,
        Some("did you mean `rack-a`?"),
    );
    assert_problem(
        &all,
        "unknown crew `on-call`",
        5,
        83,
        Some("did you mean `oncall`?"),
    );
    assert_problem(
        &all,
        "unknown node group or instance `wbe`",
        7,
        26,
        Some("did you mean `web`?"),
    );
    assert_problem(
        &all,
        "unknown service `backnd`",
        7,
        42,
        Some("did you mean `backend`?"),
    );
    assert_problem(
        &all,
        "unknown service `frontt`",
        9,
        10,
        Some("did you mean `front`?"),
    );
}

#[test]
fn requires_cycles_are_refused_with_the_whole_cycle() {
    let yaml = "name: x
nodes: [{name: web}]
services:
  - {name: a, nodes: web, requires: [b]}
  - {name: b, nodes: web, requires: [c]}
  - {name: c, nodes: web, requires: [a]}
";
    let all = problems(yaml);
    assert_problem(
        &all,
        "cycle: a → b → c → a",
        6,
        38,
        Some("cannot depend on itself"),
    );
}

#[test]
fn impossible_parameters_are_refused() {
    let yaml = "name: x
nodes:
  - name: web
    count: 3
    capacity: 100/s
    failures:
      - {name: a, ttf: {dist: exponential, mean: 0h}, repair: 1h}
      - {name: b, ttf: {dist: weibull, shape: 0, mean: 1y}, repair: 1h}
      - {name: c, ttf: {dist: uniform, min: 5h, max: 1h}, repair: 1h}
      - {name: d, ttf: {dist: lognormal, mean: 5h}, repair: 1h}
services:
  - {name: s, nodes: web, redundancy: {mode: active-active, min_up: 4}}
  - {name: t, nodes: web, demand: 500/s}
  - name: u
    nodes: web
    redundancy: {mode: hot-standby, standbys: 3, failover: {detection: {heartbeat: {interval: 5s, timeout: 1s}}}}
";
    let all = problems(yaml);
    assert_problem(&all, "must be longer than zero", 7, 50, None);
    assert_problem(
        &all,
        "`shape` of `ttf` of failure mode `b` must be positive",
        8,
        47,
        None,
    );
    assert_problem(&all, "has `min` above `max`", 9, 45, Some("swap"));
    assert_problem(
        &all,
        "lognormal distribution for `ttf` of failure mode `d` has parameters [mean]",
        10,
        24,
        Some("`mean` and `sd`"),
    );
    assert_problem(
        &all,
        "`min_up` is 4, but service `s` has only 3 members",
        12,
        69,
        None,
    );
    assert_problem(
        &all,
        "above the 300/s of all its nodes",
        13,
        35,
        Some("never be up"),
    );
    assert_problem(
        &all,
        "`standbys` is 3, but service `u` has only 3 members",
        16,
        47,
        None,
    );
    assert_problem(
        &all,
        "heartbeat `timeout` is shorter than its `interval`",
        16,
        108,
        None,
    );
}

#[test]
fn empty_and_binary_files_are_refused() {
    assert_problem(&problems(""), "the scenario is empty", 1, 1, Some("name:"));
    assert_problem(
        &problems("# only a comment\n"),
        "the scenario is empty",
        1,
        1,
        None,
    );
    assert_problem(
        &problems_of_bytes(b"\x7fELF\x02\x01\x00\x00"),
        "binary file",
        1,
        1,
        None,
    );
    assert_problem(
        &problems_of_bytes(b"name: \xff\xfe\n"),
        "not valid UTF-8",
        1,
        1,
        None,
    );
}

#[test]
fn yaml_syntax_errors_point_at_the_place() {
    let all = problems("name: x\nnodes: [a, b\nservices: []\n");
    assert_eq!(all.len(), 1);
    assert!(all[0].message.starts_with("invalid YAML"), "{all:?}");
}

#[test]
fn absurd_sizes_are_refused_with_the_limit() {
    let all = problems(
        "name: x\nsimulation: {horizon: 100000y, replications: 100000000}\nnodes: [{name: web, count: 5000000}]\nservices: [{name: s, nodes: web}]\n",
    );
    assert_problem(&all, "above the limit of 10000 years", 2, 23, None);
    assert_problem(&all, "above the limit of 10000000", 2, 46, None);
    assert_problem(
        &all,
        "`count` is 5000000, above the limit of 1000000",
        3,
        28,
        None,
    );
    let big = format!(
        "name: x\ndescription: \"{}\"\n",
        "x".repeat(5 * 1024 * 1024)
    );
    let path = std::env::temp_dir().join(format!("nines-big-{}.yaml", std::process::id()));
    std::fs::write(&path, big).unwrap();
    let refused = nines::scenario::load(&path);
    std::fs::remove_file(&path).ok();
    match refused {
        Err(LoadError::Invalid(d)) => assert!(
            d.items[0]
                .message
                .contains("above the limit of 4194304 bytes")
        ),
        other => panic!("a 5 MiB file should be refused, got {other:?}"),
    }
}

#[test]
fn features_the_engine_cannot_simulate_yet_are_refused_not_ignored() {
    let yaml = "name: x
domains: [{name: a}, {name: b}]
nodes: [{name: web, count: 2, domains: [a, b]}]
network:
  links: [{between: [a, b]}]
services:
  - name: s
    nodes: web
    redundancy: {mode: n-plus-k, active: 1, spares: 1, failover: {failback: auto}}
    balancer: {policy: round-robin}
    replication: {mode: sync}
  - name: t
    nodes: web
    redundancy: {mode: hot-standby, failover: {detection: {heartbeat: {interval: 1s, timeout: 3s, loss: 0.01}}}}
traffic: [{service: s, rate: 10/s}]
faults: [{at: 1h, action: crash, target: web-1, duration: 1m}]
slos: [{service: s, availability: \"99.9%\", window: 30d}]
";
    let all = problems(yaml);
    assert_problem(
        &all,
        "a `balancer` applies to active-active services, not to `n-plus-k`",
        10,
        15,
        Some("`mode: active-active`"),
    );
    for (what, line) in [("`mode: sync`", 11), ("`traffic`", 15)] {
        let d = all
            .iter()
            .find(|d| d.message.contains(what) && d.message.contains("not supported yet"))
            .unwrap_or_else(|| panic!("{what} should be refused as not supported yet: {all:#?}"));
        assert_eq!(d.loc.line, line, "{what}");
    }
    // `slos` are judged by `nines check` now.
    assert!(all.iter().all(|d| d.loc.line != 17), "{all:#?}");
}

#[test]
fn every_problem_of_a_file_is_reported_at_once_in_file_order() {
    let yaml = "name: x
simulation: {horizon: 10 years, replications: 0}
nodes:
  - {name: web, failures: [{name: f, ttf: {dist: exponental, mean: 1h}, repair: 1h, crew: nobody}]}
services: [{name: s, nodes: web, redundancy: {mode: active-activ}}]
";
    let all = problems(yaml);
    assert_eq!(all.len(), 5, "{all:#?}");
    let lines: Vec<u32> = all.iter().map(|d| d.loc.line).collect();
    assert_eq!(lines, vec![2, 2, 4, 4, 5]);
}

#[test]
fn rendered_problems_show_file_line_column_the_line_and_a_caret() {
    let err = parse_bytes(
        with_nodes("{name: crash, ttf: 100h, repiar: 5m}").as_bytes(),
        "s.yaml",
        Path::new("."),
    )
    .expect_err("invalid");
    let text = err.to_string();
    assert!(text.contains("--> s.yaml:4:41"), "{text}");
    assert!(
        text.contains("4 |     failures: [{name: crash, ttf: 100h, repiar: 5m}]"),
        "{text}"
    );
    assert!(
        text.contains("  |                                         ^"),
        "{text}"
    );
    assert!(text.contains("= hint: did you mean `repair`?"), "{text}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever is written, reading a scenario returns a model or problems; it never panics.
    #[test]
    fn mangled_scenarios_never_panic(cut in 0usize..400, insert in "[ -~\n]{0,12}") {
        let base = include_str!("../../scenarios/two-zone-web-shop.yaml");
        let cut = cut.min(base.len());
        let cut = (0..=cut).rev().find(|i| base.is_char_boundary(*i)).unwrap_or(0);
        let text = format!("{}{}{}", &base[..cut], insert, &base[cut..]);
        let _ = parse_bytes(text.as_bytes(), "fuzz.yaml", Path::new("."));
    }
}

#[test]
fn a_group_named_like_an_instance_is_refused() {
    let all = problems(
        "name: x\nnodes: [{name: web, count: 2}, {name: web-1}]\nservices: [{name: s, nodes: web-1}]\n",
    );
    assert_problem(
        &all,
        "has the name of instance `web-1` of group `web`",
        2,
        39,
        Some("another name"),
    );
}

#[test]
fn standby_keys_that_cannot_work_are_refused() {
    let yaml = "name: x
nodes: [{name: db, count: 3}, {name: web, count: 2}]
services:
  - {name: a, nodes: db, redundancy: {mode: hot-standby, standbys: 1}}
  - {name: b, nodes: web, redundancy: {mode: cold-standby}, demand: 10/s}
  - {name: c, nodes: web, redundancy: {mode: warm-standby, idle_failure_factor: 1.5}}
";
    let all = problems(yaml);
    assert_problem(
        &all,
        "uses only 2: the others would never serve",
        4,
        38,
        Some("only the members the service uses"),
    );
    assert_problem(
        &all,
        "`demand` applies to active-active services",
        5,
        69,
        Some("remove `demand`"),
    );
    assert_problem(
        &all,
        "`idle_failure_factor` must be between 0 and 1",
        6,
        81,
        Some("cold standby"),
    );
    let overlap = problems(
        "name: x\nnodes: [{name: web, count: 2}]\nservices:\n  - {name: b, nodes: web, redundancy: {mode: cold-standby}}\n  - {name: c, nodes: web, redundancy: {mode: hot-standby}}\n",
    );
    assert_problem(
        &overlap,
        "is a member of two standby services",
        5,
        22,
        Some("its own nodes"),
    );
}

#[test]
fn network_links_must_join_two_separate_domains_once() {
    let yaml = "name: x
domains: [{name: zone-a}, {name: zone-b}, {name: rack-1, parent: zone-a}]
network:
  links:
    - {between: [zone-a, rack-1]}
    - {between: [zone-a, zone-b]}
    - {between: [zone-b, zone-a]}
    - {between: [zone-a]}
    - {between: [zone-a, zone-c]}
nodes: [{name: db, count: 3, domains: [zone-a, zone-b]}]
services:
  - {name: db, nodes: db, redundancy: {mode: quorum}}
";
    let all = problems(yaml);
    for (what, line) in [
        (
            "`rack-1` is inside `zone-a`: a link between them cuts nothing",
            5,
        ),
        ("a second link between `zone-b` and `zone-a`", 7),
        ("`between` names 1 domains", 8),
        ("unknown domain `zone-c`", 9),
    ] {
        let d = all
            .iter()
            .find(|d| d.message.contains(what))
            .unwrap_or_else(|| panic!("expected {what:?} in {all:#?}"));
        assert_eq!(d.loc.line, line, "{what}");
    }
}

#[test]
fn a_quorum_split_by_too_many_links_is_refused_with_the_limit() {
    let n = nines::model::MAX_SPLITTING_LINKS + 2;
    let names: Vec<String> = (0..n).map(|i| format!("d{i}")).collect();
    let mut yaml = format!(
        "name: x\ndomains: [{}]\nnetwork:\n  links:\n",
        names
            .iter()
            .map(|d| format!("{{name: {d}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for d in &names[1..] {
        yaml.push_str(&format!("    - {{between: [d0, {d}]}}\n"));
    }
    yaml.push_str(&format!(
        "nodes: [{{name: q, count: {n}, domains: [{}]}}]\nservices: [{{name: q, nodes: q, redundancy: {{mode: quorum}}}}]\n",
        names.join(", ")
    ));
    let all = problems(&yaml);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(
        all[0]
            .message
            .contains(&format!("{} links can split the quorum service `q`", n - 1)),
        "{all:#?}"
    );
    // The first link above the limit.
    assert_eq!(
        all[0].loc.line,
        5 + nines::model::MAX_SPLITTING_LINKS as u32
    );
}

#[test]
fn slow_failure_modes_are_for_instances_of_node_groups() {
    let yaml = "name: x
domains:
  - {name: zone, failures: [{name: brownout, ttf: 1y, repair: 1h, effect: slow}]}
nodes:
  - name: web
    count: 2
    failures:
      - {name: gc, ttf: 1d, repair: 2s, effect: slw}
      - {name: storage-stall, ttf: 1y, repair: 1m, scope: group, effect: slow}
services: [{name: web, nodes: web}]
";
    let all = problems(yaml);
    for (what, line, hint) in [
        ("unknown key `effect`", 3, None),
        ("unknown effect `slw`", 8, Some("did you mean `slow`?")),
        (
            "`effect: slow` with `scope: group` is not supported",
            9,
            Some("give each instance its own `slow` failure mode"),
        ),
    ] {
        let d = all
            .iter()
            .find(|d| d.message.contains(what))
            .unwrap_or_else(|| panic!("expected {what:?} in {all:#?}"));
        assert_eq!(d.loc.line, line, "{what}");
        if let Some(hint) = hint {
            assert_eq!(d.hint.as_deref(), Some(hint), "{what}");
        }
    }
}

#[test]
fn a_name_yaml_reads_as_a_boolean_gets_a_hint_to_quote_it() {
    let yaml = "name: x
nodes: [{name: true, failures: [{name: f, ttf: 100h, repair: 1h}]}]
services: [{name: s, nodes: \"true\"}]
";
    let all = problems(yaml);
    let d = all
        .iter()
        .find(|d| d.message.contains("must be a string, found a boolean"))
        .unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!((d.loc.line, d.loc.column), (2, 16));
    assert!(
        d.hint
            .as_deref()
            .unwrap_or("")
            .contains("put the name in quotes")
    );
}

#[test]
fn balancer_and_traffic_mistakes_are_refused_at_their_place() {
    let yaml = "name: x
nodes:
  - {name: web, count: 3, capacity: 100/s}
  - {name: db, capacity: 0/s}
services:
  - name: web
    nodes: web
    balancer: {policy: weighted, weights: {web-1: 1, web-2: 1, wbe-3: 1}}
  - name: api
    nodes: web
    balancer: {policy: weighted, weights: {web-1: 1, web-2: 2}}
  - name: z
    nodes: web
    balancer: {policy: weighted, weights: {web-1: 0, web-2: 0, web-3: 0}}
  - name: d
    nodes: [db, web]
    balancer: {policy: weighted, weights: {web-1: 1, web-2: 1, web-3: 1, web-9: 1}}
traffic:
  - {service: web, rate: 10/s}
  - {service: wbe, rate: 10/s}
  - {service: api, rate: 10/s, service_time: 5ms}
";
    let all = problems(yaml);
    assert_problem(&all, "unknown key `wbe-3`", 8, 64, Some("web-3"));
    assert_problem(
        &all,
        "`weights` of service `api` miss web-3",
        11,
        43,
        Some("every member"),
    );
    assert_problem(
        &all,
        "the `weights` of service `z` add up to zero",
        14,
        43,
        None,
    );
    assert_problem(&all, "unknown key `web-9`", 17, 74, None);
    assert_problem(
        &all,
        "`capacity` must be above zero",
        4,
        26,
        Some("capacity: 100/s"),
    );
    assert_problem(&all, "unknown service `wbe`", 20, 15, None);
    assert_problem(
        &all,
        "`service_time` belongs to the per-request mode",
        21,
        46,
        Some("add `mode: requests`"),
    );
    let all = problems(
        "name: x
nodes: [{name: web, count: 2, capacity: -5/s}]
services: [{name: web, nodes: web}]
",
    );
    assert_problem(&all, "`capacity`: `-5/s` is not a rate", 2, 41, None);
}

#[test]
fn a_per_request_pool_needs_service_times() {
    let all = problems(
        "name: x
nodes:
  - {name: web, count: 2}
  - {name: api, count: 2, capacity: 50/s}
services:
  - {name: web, nodes: web}
  - {name: api, nodes: api}
traffic:
  - {service: web, rate: 10/s, mode: requests}
  - {service: api, rate: 10/s, mode: request, timeout: -1s}
",
    );
    assert_problem(
        &all,
        "the per-request mode needs each request's service time, and node group `web` of service `web` has no `capacity`",
        9,
        38,
        Some("service_time"),
    );
    assert_problem(
        &all,
        "unknown traffic mode `request`",
        10,
        38,
        Some("mode: requests"),
    );
}

#[test]
fn cascading_overload_mistakes_are_refused_at_their_place() {
    let all = problems(
        "name: x
nodes:
  - {name: web, count: 2, capacity: 50/s}
  - {name: api, count: 2, capacity: 50/s}
  - {name: app, count: 2, capacity: 50/s}
  - {name: db, count: 2, capacity: 50/s}
services:
  - {name: web, nodes: web}
  - {name: api, nodes: api}
  - {name: app, nodes: app}
  - {name: db, nodes: db}
traffic:
  - {service: web, rate: 10/s, overload: collapse, tolerance: -1}
  - {service: api, rate: 10/s, collapse_after: 1m}
  - {service: app, rate: 10/s, overload: collapse, mode: requests}
  - {service: db, rate: 10/s, overload: collapse, pattern: {peak: 1, offpeak: 0.5, peak_hours: [8, 20]}}
",
    );
    assert_problem(
        &all,
        "`tolerance` must be a fraction of the capacity, at least 0",
        13,
        63,
        Some("tolerance: 0.2"),
    );
    assert_problem(
        &all,
        "`overload: collapse` needs a `restart` time",
        13,
        42,
        Some("restart: 2m"),
    );
    assert_problem(
        &all,
        "`collapse_after` belongs to `overload: collapse`",
        14,
        48,
        Some("add `overload: collapse`"),
    );
    assert_problem(
        &all,
        "`overload: collapse` in the per-request mode is not supported yet",
        15,
        42,
        None,
    );
    assert_problem(
        &all,
        "`overload: collapse` with a daily `pattern` is not supported yet",
        16,
        41,
        None,
    );
}

#[test]
fn a_demand_pattern_is_checked_like_traffic_s() {
    let all = problems(
        "name: x
nodes: [{name: web, count: 2, capacity: 100/s}]
services:
  - {name: a, nodes: web, demand: {rate: 150/s, pattern: [1, 2]}}
  - {name: b, nodes: web, demand: {rate: 150/s, patern: [1, 2]}}
  - {name: c, nodes: web, demand: {rate: 150/s, pattern: {peak: 1.5, offpeak: 1, peak_hours: [8, 20]}}}
",
    );
    assert_problem(
        &all,
        "a `pattern` has 24 hourly factors, found 2",
        4,
        58,
        None,
    );
    assert_problem(&all, "unknown key `patern`", 5, 49, Some("pattern"));
    assert_problem(
        &all,
        "service `c` has a `demand` of 225/s at its peak, above the 200/s of all its nodes together",
        6,
        35,
        None,
    );
}

#[test]
fn clients_in_an_unknown_domain_are_refused_with_a_suggestion() {
    let all = problems(
        "name: x
domains: [{name: zone-a}]
nodes: [{name: web, count: 2, domains: [zone-a, zone-a]}]
services: [{name: web, nodes: web}]
traffic: [{service: web, rate: 10/s, clients: zone-b}]
",
    );
    assert_problem(&all, "unknown domain `zone-b`", 5, 47, Some("zone-a"));
}

#[test]
fn a_slow_factor_is_a_number_of_slow_faults() {
    let all = problems(
        "name: x
nodes: [{name: web, count: 2}]
services: [{name: web, nodes: web}]
faults:
  - {at: 1h, action: crash, target: web-1, duration: 1h, factor: 2}
  - {at: 1h, action: slow, target: web-1, duration: 1h, factor: 0.5}
",
    );
    assert_problem(&all, "`factor` belongs to `action: slow`", 5, 66, None);
    assert_problem(
        &all,
        "`factor` must be a number at least 1",
        6,
        65,
        Some("factor: 4"),
    );
}

#[test]
fn monitoring_mistakes_are_refused_at_their_place() {
    let all = problems(
        "name: x
monitoring: {}
nodes:
  - name: web
    count: 1
    failures: [{name: crash, ttf: 100h, repair: 1h, monitoring: {alert: 5m, respnd: 1m}}]
services: [{name: web, nodes: web}]
",
    );
    assert_problem(
        &all,
        "`monitoring` has neither `alert` nor `respond`",
        2,
        13,
        Some("monitoring: none"),
    );
    assert_problem(&all, "unknown key `respnd`", 6, 77, Some("respond"));
}
