//! Injected faults against exact answers: a crash at a fixed time, a
//! random crash process (renewal theory), working-hours windows, domain
//! outages and partitions.

use crate::support::{assert_close, extra, figures_with, model, settings};
use nines::experiment;

/// A hot-standby pair that (practically) never fails by itself.
const PAIR: &str = "
name: pair
simulation: {horizon: 1y, replications: 10, seed: 1}
nodes:
  - name: db
    count: 2
    failures:
      - {name: stop, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - name: database
    nodes: db
    redundancy:
      mode: hot-standby
      failover:
        detection: {heartbeat: {interval: 1s, timeout: 5s}}
        switchover: 20s
system: [database]
";

#[test]
fn a_crash_of_the_primary_costs_one_detection_and_one_switchover() {
    let yaml =
        format!("{PAIR}faults:\n  - {{at: 100h, action: crash, target: db-1, duration: 2h}}\n");
    let f = figures_with(&yaml, settings(400, 8760.0, 0.0, 3));
    // Detection uniform on [4 s, 5 s], then a 20 s switchover: 24.5 s.
    let per_year = 24.5 / 60.0;
    assert_close(
        "downtime",
        &f[1].downtime_min_per_year,
        per_year,
        per_year,
        0.01,
    );
    assert_eq!(
        f[1].failures_per_year.mean,
        Some(1.0),
        "exactly one outage each"
    );
    assert_eq!(f[1].failures_per_year.std_err, Some(0.0));
    let injected = extra(&f[0], "downtime_injected_min_per_year");
    assert_close("injected", injected, per_year, per_year, 0.01);
    // A crash of the standby costs nothing.
    let standby =
        format!("{PAIR}faults:\n  - {{at: 100h, action: crash, target: db-2, duration: 2h}}\n");
    let f = figures_with(&standby, settings(50, 8760.0, 0.0, 3));
    assert_eq!(f[1].failures_per_year.mean, Some(0.0));
}

const SERVER: &str = "
name: server
simulation: {horizon: 1y, replications: 10, seed: 1}
nodes:
  - name: box
    count: 1
    failures:
      - {name: stop, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - {name: app, nodes: box}
system: [app]
";

#[test]
fn a_poisson_crash_process_gives_the_renewal_availability() {
    // Firings at rate 1/M; one that finds the server down is skipped, so up
    // periods are exponential with mean M and down periods last d: A = M/(M + d).
    let (m, d) = (240.0, 6.0);
    let yaml = format!(
        "{SERVER}faults:\n  - {{every: {{dist: exponential, mean: {m}h}}, action: crash, target: box, duration: {d}h}}\n"
    );
    let model = model(&yaml);
    let results = experiment::run(
        &model,
        settings(300, 8760.0, 0.0, 5),
        None,
        &mut |_, _| {},
        &|| {},
    )
    .expect("run");
    let f = nines::report::Report::new(&model, &results)
        .entities
        .remove(0)
        .1;
    let a = m / (m + d);
    assert_close("availability", &f.availability, a, 1.0 - a, 0.02);
    let fault = results.faults[0].figures();
    let firings = fault.injections_per_year.mean.unwrap() + fault.skipped_per_year.mean.unwrap();
    let rate = 8760.0 / m;
    assert!(
        (firings - rate).abs() < 4.0 * (rate / 300.0).sqrt(),
        "{firings} vs {rate}"
    );
    // Hits are the firings that find it up: a share A of them.
    assert_close("hits", &fault.injections_per_year, rate * a, rate * a, 0.01);
}

#[test]
fn working_hours_thin_the_process_to_the_window() {
    // Monday to Friday, 9 to 17: 40 of the 168 hours of a week.
    let yaml = format!(
        "{SERVER}faults:\n  - {{every: {{dist: exponential, mean: 8h}}, during: {{days: [mon, fri], hours: [9, 17]}}, \
         action: crash, target: box, duration: 1m}}\n"
    );
    let model = model(&yaml);
    let results = experiment::run(
        &model,
        settings(100, 8760.0, 0.0, 7),
        None,
        &mut |_, _| {},
        &|| {},
    )
    .expect("run");
    let fault = results.faults[0].figures();
    // 52 weeks and a day (Monday) of window time a year: 52 x 40 + 8 hours.
    let expected = (52.0 * 40.0 + 8.0) / 8.0;
    assert_close("hits", &fault.injections_per_year, expected, expected, 0.01);
    // Every crash falls on a weekday between 9 and 17: its first failure too.
    let trace_check = nines::engine::simulate_traced(
        &nines::engine::Plan::new(&model),
        nines::engine::RunSettings {
            seed: 7,
            warmup_us: 0,
            horizon_us: nines::model::micros_from_hours(8760.0),
        },
        0,
    )
    .1;
    let hour = 3_600_000_000u64;
    let mut crashes = 0;
    for e in trace_check {
        if let nines::metrics::trace::Happening::Fault { .. } = e.what {
            crashes += 1;
            let day = e.time_us / (24 * hour) % 7;
            let h = e.time_us % (24 * hour) / hour;
            assert!(
                day < 5 && (9..17).contains(&h),
                "a crash at day {day} hour {h}"
            );
        }
    }
    assert!(crashes > 200, "{crashes}");
}

#[test]
fn a_domain_outage_takes_every_node_inside_down_for_its_duration() {
    let yaml = "
name: zone
simulation: {horizon: 1y, replications: 10, seed: 1}
domains: [{name: zone-a}, {name: zone-b}]
nodes:
  - name: web
    count: 4
    domains: [zone-a, zone-a, zone-b, zone-b]
    failures:
      - {name: stop, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - {name: site, nodes: web, redundancy: {mode: active-active, min_up: 3}}
system: [site]
faults:
  - {at: 1000h, action: domain-outage, target: zone-a, duration: {dist: exponential, mean: 2h}}
  - {at: 3000h, action: domain-outage, target: zone-b, duration: 30m}
";
    let f = figures_with(yaml, settings(400, 8760.0, 0.0, 11));
    let minutes = 120.0 + 30.0;
    assert_close(
        "downtime",
        &f[0].downtime_min_per_year,
        minutes,
        minutes,
        0.1,
    );
    assert_eq!(
        f[0].failures_per_year.mean,
        Some(2.0),
        "exactly two outages each"
    );
}

#[test]
fn a_partition_makes_a_standby_fail_over_a_healthy_primary() {
    let yaml = "
name: split
simulation: {horizon: 1y, replications: 10, seed: 1}
domains: [{name: zone-a}, {name: zone-b}]
network:
  links:
    - {between: [zone-a, zone-b]}
nodes:
  - name: db
    count: 2
    domains: [zone-a, zone-b]
    failures:
      - {name: stop, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - name: database
    nodes: db
    redundancy:
      mode: hot-standby
      failover:
        detection: {heartbeat: {interval: 1s, timeout: 5s}}
        switchover: 20s
system: [database]
faults:
  - {at: 100h, action: partition, between: [zone-a, zone-b], duration: 2m}
";
    let f = figures_with(yaml, settings(100, 8760.0, 0.0, 13));
    assert_eq!(extra(&f[1], "false_failovers_per_year").mean, Some(1.0));
    // Fenced: the false failover is an outage of the 20 s switchover.
    let downtime = f[1].downtime_min_per_year.mean.expect("downtime");
    assert!((downtime - 20.0 / 60.0).abs() < 1e-6, "{downtime} min/yr");
}

#[test]
fn bad_faults_are_refused_with_where_and_why() {
    let base = "name: x
simulation: {horizon: 1y, replications: 10, seed: 1}
domains: [{name: zone-a}, {name: zone-b}, {name: zone-c}]
network:
  links: [{between: [zone-a, zone-b]}]
nodes: [{name: web, count: 2, domains: [zone-a, zone-b]}]
services: [{name: site, nodes: web}]
faults:
";
    for (fault, message) in [
        (
            "{at: 1h, action: crash, target: wbe, duration: 1m}",
            "unknown fault target `wbe`",
        ),
        (
            "{at: 1h, action: crash, target: zone-a, duration: 1m}",
            "is a domain: use `action: domain-outage`",
        ),
        (
            "{at: 1h, action: domain-outage, target: zone-x, duration: 1m}",
            "unknown domain `zone-x`",
        ),
        (
            "{at: 1h, action: partition, between: [zone-a, zone-c], duration: 1m}",
            "no link between `zone-a` and `zone-c`",
        ),
        (
            "{at: 1h, action: crash, target: web-1}",
            "a fault needs a `duration`",
        ),
        (
            "{at: 1h, action: crash, target: web-1, duration: -5m}",
            "`duration`",
        ),
        (
            "{at: 1h, action: crash, target: web-1, duration: 0s}",
            "`duration` is zero",
        ),
        (
            "{at: 2y, action: crash, target: web-1, duration: 1m}",
            "`at` is after the end of a replication",
        ),
        (
            "{every: 0s, action: crash, target: web-1, duration: 1m}",
            "`every` has a mean of zero",
        ),
        (
            "{action: crash, target: web-1, duration: 1m}",
            "exactly one of `at` and `every`",
        ),
        (
            "{at: 1h, every: 1d, action: crash, target: web-1, duration: 1m}",
            "exactly one of `at` and `every`",
        ),
        (
            "{at: 1h, action: partition, between: [zone-a, zone-b], direction: [zone-a, zone-c], duration: 1m}",
            "`direction` names `zone-c`, which is not in `between`",
        ),
        (
            "{at: 1h, action: crsh, target: web-1, duration: 1m}",
            "unknown fault action `crsh`",
        ),
        (
            "{at: 1h, action: partition, target: web-1, duration: 1m}",
            "it has `between`, not `target`",
        ),
        (
            "{every: 1d, during: {days: [mon, fry]}, action: crash, target: web-1, duration: 1m}",
            "unknown day `fry`",
        ),
        (
            "{every: 1d, during: {hours: [17, 9]}, action: crash, target: web-1, duration: 1m}",
            "the first before the second",
        ),
        (
            "{at: 1h, during: {hours: [9, 17]}, action: crash, target: web-1, duration: 1m}",
            "`during` applies to repeated faults only",
        ),
        (
            "{at: 1h, action: slow, target: web, rolling: true, duration: 1m}",
            "`rolling` belongs to `action: maintenance`",
        ),
    ] {
        let yaml = format!("{base}  - {fault}\n");
        let err = match nines::scenario::parse_bytes(
            yaml.as_bytes(),
            "f.yaml",
            std::path::Path::new("."),
        ) {
            Ok(_) => panic!("{fault} accepted"),
            Err(err) => err.to_string(),
        };
        assert!(err.contains(message), "{fault}: {err}");
        assert!(
            err.contains("f.yaml:9:"),
            "{fault}: no line and column: {err}"
        );
    }
}

#[test]
fn a_heartbeat_loss_or_a_slow_member_fools_the_monitor_into_a_false_failover() {
    for action in ["heartbeat-loss", "slow"] {
        let yaml = format!(
            "{PAIR}faults:\n  - {{at: 100h, action: {action}, target: db-1, duration: 1m}}\n"
        );
        let f = figures_with(&yaml, settings(50, 8760.0, 0.0, 17));
        assert_eq!(
            extra(&f[1], "false_failovers_per_year").mean,
            Some(1.0),
            "{action}"
        );
        // Fenced: the healthy primary is shut off, so the switchover is an outage.
        let downtime = f[1].downtime_min_per_year.mean.expect("downtime");
        assert!(
            (downtime - 20.0 / 60.0).abs() < 1e-6,
            "{action}: {downtime}"
        );
        // Unfenced: no outage, but both serve until the stall ends (split brain).
        let unfenced = yaml.replace("switchover: 20s", "switchover: 20s\n        fencing: false");
        let f = figures_with(&unfenced, settings(50, 8760.0, 0.0, 17));
        assert_eq!(f[1].downtime_min_per_year.mean, Some(0.0), "{action}");
        assert_eq!(
            extra(&f[1], "split_brains_per_year").mean,
            Some(1.0),
            "{action}"
        );
    }
    // Shorter than the detection delay (4 to 5 s): nobody notices.
    let yaml = format!(
        "{PAIR}faults:\n  - {{at: 100h, action: heartbeat-loss, target: db-1, duration: 3s}}\n"
    );
    let f = figures_with(&yaml, settings(20, 8760.0, 0.0, 17));
    assert_eq!(extra(&f[1], "false_failovers_per_year").mean, Some(0.0));
}

#[test]
fn a_slow_fault_with_a_factor_divides_the_capacity_its_traffic_sees() {
    // Two 100/s members take 150/s; web-1 runs at half speed from 1 h to
    // 2 h: its 75/s share against 50/s loses 25/s for an hour, 90,000.
    let yaml = "name: slow
nodes: [{name: web, count: 2, capacity: 100/s}]
services: [{name: web, nodes: web}]
traffic: [{service: web, rate: 150/s}]
faults: [{at: 1h, action: slow, target: web-1, duration: 1h, factor: 2}]
";
    let f = crate::support::figures(yaml, 2, 3.0, 0.0, 1);
    let overload = f[1]
        .extras
        .iter()
        .find(|(k, _)| *k == "requests_failed_overload_per_year")
        .map(|(_, e)| e.mean.expect("mean"))
        .expect("figure");
    let per_run = overload * 3.0 / nines::model::HOURS_PER_YEAR;
    assert!((per_run - 90_000.0).abs() < 1e-3, "{per_run}");
}

#[test]
fn a_slow_server_serves_each_request_factor_times_slower() {
    // Random splitting of 300/s over 8 servers of 100/s, server-1 at half
    // speed all along: M/M/1 queues with sojourn means 16 ms (7 of them)
    // and 80 ms (λ = 37.5/s against μ = 50/s): 24 ms on average.
    let yaml = "name: slow
nodes: [{name: server, count: 8, capacity: 100/s}]
services: [{name: pool, nodes: server, balancer: {policy: random}}]
traffic: [{service: pool, rate: 300/s, mode: requests}]
faults: [{at: 0s, action: slow, target: server-1, duration: 10h, factor: 2}]
";
    let f = crate::support::figures(yaml, 6, 0.25, 60.0 / 3600.0, 2);
    let latency = f[1]
        .extras
        .iter()
        .find(|(k, _)| *k == "latency_ms")
        .map(|(_, e)| e)
        .expect("latency");
    crate::support::assert_close("slow server latency", latency, 24.0, 24.0, 0.02);
}

#[test]
fn a_one_way_partition_fools_only_the_monitor_on_its_deaf_side() {
    // db-1 (zone-a) serves, db-2 (zone-b) watches it. zone-b deaf to zone-a:
    // the standby hears nothing and takes over (one false failover, 20 s of
    // switchover). zone-a deaf to zone-b: nobody watching is deaf, nothing.
    let yaml = |direction: &str| {
        format!(
            "
name: one way
domains: [{{name: zone-a}}, {{name: zone-b}}]
network:
  links:
    - {{between: [zone-a, zone-b]}}
nodes:
  - name: db
    count: 2
    domains: [zone-a, zone-b]
    failures:
      - {{name: stop, ttf: {{dist: exponential, mean: 100000y}}, repair: 1h}}
services:
  - name: database
    nodes: db
    redundancy:
      mode: hot-standby
      failover:
        detection: {{heartbeat: {{interval: 1s, timeout: 5s}}}}
        switchover: 20s
system: [database]
faults:
  - {{at: 100h, action: partition, between: [zone-a, zone-b], direction: {direction}, duration: 2m}}
"
        )
    };
    let f = figures_with(&yaml("[zone-b, zone-a]"), settings(20, 8760.0, 0.0, 13));
    assert_eq!(extra(&f[1], "false_failovers_per_year").mean, Some(1.0));
    let downtime = f[1].downtime_min_per_year.mean.expect("downtime");
    assert!((downtime - 20.0 / 60.0).abs() < 1e-6, "{downtime} min/yr");
    let f = figures_with(&yaml("[zone-a, zone-b]"), settings(20, 8760.0, 0.0, 13));
    assert_eq!(extra(&f[1], "false_failovers_per_year").mean, Some(0.0));
    assert_eq!(f[1].availability.mean, Some(1.0));
}

/// A bad release hits three servers (one clock for the group, every 100 h)
/// and is rolled back once (`repair: {..., together: true}`): the service,
/// up while any server is, is down for the whole rollback, U = 1/101.
/// Repaired one by one, it is back with the first: U = (1/3)/(100 + 1/3).
#[test]
fn a_group_failure_repaired_together_is_one_repair() {
    let yaml = |repair: &str| {
        format!(
            "name: release
nodes:
  - name: app
    count: 3
    failures:
      - {{name: bad-release, ttf: {{dist: exponential, mean: 100h}}, repair: {repair}, scope: group}}
services:
  - {{name: app, nodes: app, redundancy: {{mode: active-active, min_up: 1}}}}
"
        )
    };
    let together = yaml("{dist: exponential, mean: 1h, together: true}");
    let f = figures_with(&together, settings(200, 8760.0, 0.0, 61));
    let u = 1.0 / 101.0;
    assert_close(
        "availability, together",
        &f[1].availability,
        1.0 - u,
        u,
        0.05,
    );
    let apart = yaml("{dist: exponential, mean: 1h}");
    let f = figures_with(&apart, settings(200, 8760.0, 0.0, 61));
    let u = (1.0 / 3.0) / (100.0 + 1.0 / 3.0);
    assert_close(
        "availability, one by one",
        &f[1].availability,
        1.0 - u,
        u,
        0.05,
    );
    // Only for group failures, and without a crew.
    let alone = together.replace(", scope: group", "");
    let err = crate::support::problems_text(&alone);
    assert!(
        err.contains("`together` repairs a `scope: group` failure as one"),
        "{err}"
    );
}

/// An `effect: slow` failure mode with `factor: 2` on the members of an
/// active-active pool: each member stalls every 100 h for 1 h, serving at
/// half speed meanwhile. Two 100/s members take 150/s: a stalled one's
/// 75/s share against 50/s loses 25/s for each hour, so a year loses
/// 2 × 8760/101 × 3600 × 25 = 15.6 million requests (renewal theory). The
/// service stays up. Without traffic the factor would change nothing, and
/// is refused.
#[test]
fn a_slow_failure_mode_with_a_factor_slows_its_members_traffic() {
    let yaml = "name: gc
nodes:
  - name: web
    count: 2
    capacity: 100/s
    failures:
      - {name: gc, ttf: {dist: exponential, mean: 100h}, repair: 1h, effect: slow, factor: 2}
services: [{name: web, nodes: web}]
traffic: [{service: web, rate: 150/s}]
";
    let f = figures_with(yaml, settings(200, 8760.0, 0.0, 62));
    let expected = 2.0 * 8760.0 / 101.0 * 3600.0 * 25.0;
    assert_close(
        "overload failures",
        extra(&f[1], "requests_failed_overload_per_year"),
        expected,
        expected,
        0.02,
    );
    assert_eq!(f[1].downtime_min_per_year.mean, Some(0.0));
    let without = yaml.replace("traffic: [{service: web, rate: 150/s}]\n", "");
    let err = crate::support::problems_text(&without);
    assert!(
        err.contains("changes nothing: service `web` has no `traffic`"),
        "{err}"
    );
    let no_factor = yaml.replace(", factor: 2", "");
    let err = crate::support::problems_text(&no_factor);
    assert!(err.contains("is not supported yet"), "{err}");
}
