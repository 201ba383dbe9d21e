//! Figures that looked right and were wrong (issue 8): each test fails
//! without its fix.

use crate::support::{assert_close, figures};
use nines::metrics::{Estimate, Figures};

fn extra<'a>(f: &'a Figures, name: &str) -> &'a Estimate {
    &f.extras
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

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
