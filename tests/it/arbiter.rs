//! Failover arbitration: a quorum of separate monitors decides failovers.

use crate::support::{extra, figures_with, problems_text, settings};

/// A hot-standby pair across zones a (db-1, active) and b (db-2), three
/// sentinels in a, b and c (two must agree), and the `faults` given.
fn sentinels(arbiter: bool, faults: &str) -> String {
    let failover = if arbiter {
        "{detection: {heartbeat: {interval: 1s, timeout: 5s}}, switchover: 20s, arbiter: {nodes: sentinel, quorum: 2}}"
    } else {
        "{detection: {heartbeat: {interval: 1s, timeout: 5s}}, switchover: 20s}"
    };
    format!(
        "name: sentinels
domains: [{{name: a}}, {{name: b}}, {{name: c}}]
network:
  links: [{{between: [a, b]}}, {{between: [b, c]}}, {{between: [a, c]}}]
nodes:
  - {{name: db, count: 2, domains: [a, b], failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}
  - {{name: sentinel, count: 3, domains: [a, b, c], failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}
services:
  - {{name: db, nodes: db, redundancy: {{mode: hot-standby, failover: {failover}}}}}
system: [db]
faults:
{faults}"
    )
}

fn false_failovers(yaml: &str) -> f64 {
    let f = figures_with(yaml, settings(2, 8760.0, 0.0, 71));
    extra(&f[1], "false_failovers_per_year").mean.unwrap()
}

/// A cut between a and b: alone, the standby in b hears nothing from the
/// active in a and takes over (a false failover); with sentinels, only the
/// one in b is deaf, a and c still hear the active: no quorum, nothing.
#[test]
fn a_partition_fools_the_standby_but_not_a_quorum_of_arbiters() {
    let cut = "  - {at: 100h, action: partition, between: [a, b], duration: 1h}\n";
    assert_eq!(false_failovers(&sentinels(false, cut)), 1.0);
    assert_eq!(false_failovers(&sentinels(true, cut)), 0.0);
    // Zone a cut off from both others: the sentinels in b and c, reaching
    // each other, stop hearing the active: a quorum fails over.
    let isolated = "  - {at: 100h, action: partition, between: [a, b], duration: 1h}
  - {at: 100h, action: partition, between: [a, c], duration: 1h}\n";
    assert_eq!(false_failovers(&sentinels(true, isolated)), 1.0);
}

/// The active member crashes at 99:30 while the sentinels are down (99:00
/// to 100:00): nobody may decide, so the pair waits until they are back,
/// then switches over in 20 s: 30 min 20 s down. Without arbiters, the
/// standby decides after its detection (4 to 5 s), then 20 s.
#[test]
fn without_a_quorum_of_arbiters_there_is_no_failover() {
    let faults = "  - {at: 99h, action: crash, target: sentinel, duration: 1h}
  - {at: 99.5h, action: crash, target: db-1, duration: 2h}\n";
    let down_s = |yaml: &str| {
        let f = figures_with(yaml, settings(1, 200.0, 0.0, 72));
        f[1].downtime_min_per_year.mean.unwrap() * 60.0 * 200.0 / 8760.0
    };
    let waited = down_s(&sentinels(true, faults));
    assert!((waited - 1820.0).abs() < 1e-6, "{waited} s");
    let alone = down_s(&sentinels(false, faults));
    assert!(alone > 24.0 && alone <= 25.0 + 1e-6, "{alone} s");
}

#[test]
fn bad_arbiters_are_refused() {
    let yaml = sentinels(true, "  []\n").replace("faults:\n  []\n", "");
    assert_eq!(problems_text(&yaml), "");
    for (from, to, expected) in [
        ("quorum: 2", "quorum: 4", "has 3 node(s)"),
        ("quorum: 2", "quorum: 0", "at least 1"),
        (
            "nodes: sentinel",
            "nodes: sentinal",
            "unknown node group `sentinal`",
        ),
        ("nodes: sentinel", "nodes: db", "are among its members"),
    ] {
        let err = problems_text(&yaml.replace(from, to));
        assert!(err.contains(expected), "{to}: {err}");
    }
    let solve = nines::analytic::solve_steady_state(&crate::support::model(&yaml))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(solve.contains("failover arbiters"), "{solve}");
}
