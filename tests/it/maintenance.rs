//! Planned maintenance (`action: maintenance`): drained from balancers
//! first, handed over by standbys without detection, and with `rolling`
//! one target at a time, each only when every other target is up.

use crate::support::{extra, figures_with, settings};

/// Three members that never fail by themselves, 2 of 3 needed, and the
/// `faults` given.
fn trio(faults: &str) -> String {
    format!(
        "name: trio
nodes: [{{name: web, count: 3, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - {{name: web, nodes: web, redundancy: {{mode: active-active, min_up: 2}}}}
faults:
{faults}"
    )
}

/// How many targets the first fault entry hit in one replication of 100 h.
fn injections(yaml: &str) -> u64 {
    let mut hits = 0;
    let mut each = |_: u64, o: &nines::metrics::RepOutcome| hits += o.faults[0].injections;
    nines::experiment::run(
        &crate::support::model(yaml),
        settings(1, 100.0, 0.0, 51),
        None,
        &mut each,
        &|| {},
    )
    .expect("run");
    hits
}

fn downtime_h(yaml: &str) -> f64 {
    let f = figures_with(yaml, settings(1, 100.0, 0.0, 51));
    f[1].downtime_min_per_year.mean.unwrap() / 60.0 * 100.0 / 8760.0
}

/// Rolling, the three members go down one after the other and the service
/// never goes down; all at once, it is down for the hour.
#[test]
fn a_rolling_maintenance_takes_one_member_at_a_time() {
    let rolling =
        trio("  - {at: 10h, action: maintenance, target: web, duration: 1h, rolling: true}\n");
    assert!(downtime_h(&rolling) < 1e-9);
    let f = figures_with(&rolling, settings(1, 100.0, 0.0, 51));
    assert_eq!(f[1].failures_per_year.mean, Some(0.0));
    // Yet every member went down: three injections, one per member.
    assert_eq!(injections(&rolling), 3);
    let at_once = trio("  - {at: 10h, action: maintenance, target: web, duration: 1h}\n");
    assert!((downtime_h(&at_once) - 1.0).abs() < 1e-9);
}

/// The wave waits for a member that is down: web-3 crashes at 10:30 for
/// 3 h, while web-1 is in maintenance (10:00 to 11:00): the service is down
/// from 10:30 to 11:00 (two members down), then web-2 waits until web-3 is
/// back at 13:30. Without the wait, web-2 would go down at 11:00 beside the
/// crashed web-3: another 1 h down.
#[test]
fn a_rolling_maintenance_waits_until_every_other_target_is_up() {
    let yaml = trio(
        "  - {at: 10h, action: maintenance, target: web, duration: 1h, rolling: true}
  - {at: 10.5h, action: crash, target: web-3, duration: 3h}\n",
    );
    let down = downtime_h(&yaml);
    assert!((down - 0.5).abs() < 1e-9, "{down} h down");
}

/// A planned handover of the active member of a hot-standby pair costs the
/// switchover alone (20 s); the same outage as a crash costs detection too.
#[test]
fn maintenance_of_the_active_member_is_a_planned_switchover() {
    let pair = |action: &str| {
        format!(
            "name: pair
nodes: [{{name: db, count: 2, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - name: db
    nodes: db
    redundancy:
      mode: hot-standby
      failover: {{detection: {{heartbeat: {{interval: 1s, timeout: 5s}}}}, switchover: 20s}}
faults:
  - {{at: 10h, action: {action}, target: db-1, duration: 1h}}
"
        )
    };
    let seconds = |yaml: &str| downtime_h(yaml) * 3600.0;
    let planned = seconds(&pair("maintenance"));
    assert!((planned - 20.0).abs() < 1e-6, "{planned} s");
    let crash = seconds(&pair("crash"));
    assert!(crash > 24.0 && crash <= 25.0 + 1e-6, "{crash} s");
}

/// Behind a balancer with health checks, a crashed member receives requests
/// until it is ejected; a member in maintenance is drained first and loses
/// none.
#[test]
fn maintenance_drains_a_member_from_its_balancer_first() {
    let pool = |action: &str| {
        format!(
            "name: pool
nodes: [{{name: web, count: 4, capacity: 150/s, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - name: web
    nodes: web
    balancer:
      policy: round-robin
      health_check: {{interval: 2s, timeout: 1s, unhealthy_after: 2, healthy_after: 2}}
traffic:
  - {{service: web, rate: 300/s}}
faults:
  - {{at: 10h, action: {action}, target: web, duration: 10m, rolling: ROLLING}}
"
        )
    };
    let lag = |yaml: &str| {
        let f = figures_with(yaml, settings(1, 100.0, 0.0, 52));
        extra(&f[1], "requests_failed_ejection_lag_per_year")
            .mean
            .unwrap()
    };
    assert_eq!(lag(&pool("maintenance").replace("ROLLING", "true")), 0.0);
    // A crash of one member: requests fail until the checks eject it.
    let crash = pool("crash")
        .replace(", rolling: ROLLING", "")
        .replace("target: web,", "target: web-1,");
    assert!(lag(&crash) > 0.0);
    // Maintenance of the same member: drained, nothing lost, although it
    // was down as long.
    let one = pool("maintenance")
        .replace(", rolling: ROLLING", "")
        .replace("target: web,", "target: web-1,");
    assert_eq!(lag(&one), 0.0);
    assert_eq!(injections(&one), 1);
}

#[test]
fn rolling_is_refused_outside_maintenance_and_with_a_random_target() {
    for (fault, expected) in [
        (
            "  - {at: 1h, action: crash, target: web, duration: 1h, rolling: true}\n",
            "`rolling` belongs to `action: maintenance`",
        ),
        (
            "  - {at: 1h, action: maintenance, target: {random: web}, duration: 1h, rolling: true}\n",
            "`{random: ...}` picks one",
        ),
        (
            "  - {at: 1h, action: maintenance, target: web-1, duration: 1h, rolling: true}\n",
            "a rolling maintenance of one instance is a plain maintenance",
        ),
    ] {
        let yaml = trio(fault);
        let err = crate::support::problems_text(&yaml);
        assert!(err.contains(expected), "{expected:?} not in {err}");
    }
}
