//! Figures that looked right and were wrong (issue 8): each test fails
//! without its fix.

use crate::support::{Exact, assert_close, assert_steady_state, extra, figures};
use nines::metrics::Figures;

#[test]
fn detection_delay_counts_only_failures_that_were_detected() {
    // Restarts take R ~ Exp(mean 5 s); the monitor notices after
    // D ~ U(1 s, 10 s), and only if the member is still down then
    // (R > D). The mean delay of detected failures is
    // E[D e^(−D/r)] / E[e^(−D/r)], well below the 5.5 s of all failures.
    let yaml = "name: quick restarts
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 10h}, repair: {dist: exponential, mean: 5s}}]}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 10s, detection: {heartbeat: {interval: 9s, timeout: 10s}}}}
";
    let (a, b, r) = (1.0f64, 10.0f64, 5.0f64);
    // Antiderivatives of e^(−x/r) and x e^(−x/r).
    let weight = |x: f64| -r * (-x / r).exp();
    let moment = |x: f64| -r * x * (-x / r).exp() - r * r * (-x / r).exp();
    let exact = (moment(b) - moment(a)) / (weight(b) - weight(a));
    let f = figures(yaml, 40, 20_000.0, 0.0, 81);
    assert_close("detection_s", extra(&f[1], "detection_s"), exact, 1.0, 0.02);
}

/// A hot-standby pair whose active member fails at exactly 10 h and is
/// repaired after 1000 h, with a fixed 1 h switchover and no detection
/// delay; the standby never fails.
const STRADDLING_TAKEOVER: &str = "name: takeover across the warm-up
nodes:
  - {name: a, failures: [{name: f, ttf: 10h, repair: 1000h}]}
  - {name: b, failures: [{name: f, ttf: 100000h, repair: 1h}]}
services:
  - {name: db, nodes: [a, b], redundancy: {mode: hot-standby, failover: {switchover: 1h}}}
";

#[test]
fn takeover_time_counts_only_outages_that_begin_in_the_window() {
    // Warm-up 10.5 h: the outage [10 h, 11 h] straddles it. The downtime
    // counts its measured half; takeover_s does not count it at all, rather
    // than an hour of which half was before measuring started.
    let f = figures(STRADDLING_TAKEOVER, 2, 5.0, 10.5, 1);
    assert_unavailability_exact(&f[1], 0.5 / 5.0);
    assert_eq!(extra(&f[1], "takeover_s").mean, None);
    // Warm-up 9.5 h: the whole outage is measured, and is one takeover.
    let f = figures(STRADDLING_TAKEOVER, 2, 5.0, 9.5, 1);
    assert_unavailability_exact(&f[1], 1.0 / 5.0);
    assert_eq!(extra(&f[1], "takeover_s").mean, Some(3600.0));
}

fn assert_unavailability_exact(f: &Figures, unavailability: f64) {
    let a = f.availability.mean.expect("availability");
    assert!(
        (1.0 - a - unavailability).abs() < 1e-12,
        "unavailability {} instead of {unavailability}",
        1.0 - a
    );
}

/// A front end that requires a database in zone-b, with the link between
/// the zones cut now and then; `front` places the front's nodes.
fn front_requires_db(front: &str) -> String {
    format!(
        "name: front needs db across a link
domains: [{{name: zone-a}}, {{name: zone-b}}]
network:
  links:
    - between: [zone-a, zone-b]
      failures: [{{name: fibre-cut, ttf: {{dist: exponential, mean: 200h}}, repair: {{dist: exponential, mean: 4h}}}}]
nodes:
  - {{name: front, {front}, failures: [{{name: crash, ttf: {{dist: exponential, mean: 500h}}, repair: {{dist: exponential, mean: 2h}}}}]}}
  - {{name: db, domains: [zone-b], failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000h}}, repair: {{dist: exponential, mean: 5h}}}}]}}
services:
  - {{name: front, nodes: front, requires: [db]}}
  - {{name: db, nodes: db}}
"
    )
}

#[test]
fn a_cut_link_between_a_service_and_what_it_requires_takes_it_down() {
    // Front, db and link are independent two-state units in series:
    // A = A_front A_db A_link, failures at A Σ λ.
    let yaml = front_requires_db("domains: [zone-a]");
    let (front, db, link) = (500.0 / 502.0, 1000.0 / 1005.0, 200.0 / 204.0);
    let availability = front * db * link;
    let exact = Exact {
        availability,
        frequency_per_h: availability * (1.0 / 500.0 + 1.0 / 1000.0 + 1.0 / 200.0),
        mttff_h: None,
    };
    let f = figures(&yaml, 100, 100_000.0, 1000.0, 82);
    assert_steady_state("front across a cut link", &f[1], &exact);
    assert_steady_state("system", &f[0], &exact);
}

#[test]
fn a_member_on_the_far_side_of_a_cut_still_reaches_what_it_requires() {
    // Two front members, one per zone, one needed; db in zone-b. While the
    // link is cut only the zone-b member reaches db:
    // A = A_db (p_b + (1 − p_b) p_a A_link), with p the front members' availability.
    let yaml = front_requires_db("count: 2, domains: [zone-a, zone-b]");
    let (p, db, link) = (500.0 / 502.0, 1000.0 / 1005.0, 200.0 / 204.0);
    let availability = db * (p + (1.0 - p) * p * link);
    let f = figures(&yaml, 100, 100_000.0, 1000.0, 83);
    crate::support::assert_unavailability("front, one member per zone", &f[1], 1.0 - availability);
}
