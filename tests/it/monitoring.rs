//! Monitoring: alert and response delays before a repair is asked for,
//! against renewal theory (they add their means to the MTTR), the default
//! and a failure mode's own setting, and the solver's refusal.

use crate::support::{assert_close, assert_unavailability, extra, figures, model};

const SERVER: &str = "name: one server
monitoring: {alert: {dist: exponential, mean: 1h}, respond: 30m}
nodes:
  - name: web
    count: 1
    failures: [{name: crash, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 2h}}]
services: [{name: web, nodes: web}]
";

#[test]
fn alert_and_response_delays_add_their_means_to_the_mttr() {
    // Down for alert + respond + repair: 1 h + 0.5 h + 2 h on average.
    let f = figures(SERVER, 100, 20_000.0, 0.0, 3);
    assert_close("mttr", &f[1].mttr_h, 3.5, 3.5, 0.02);
    assert_close("mttd", extra(&f[0], "mttd_h"), 1.0, 1.0, 0.02);
    assert_eq!(extra(&f[0], "mtta_h").mean, Some(0.5));
    assert_unavailability("slow pager", &f[1], 3.5 / 503.5);
}

#[test]
fn a_failure_mode_s_own_monitoring_replaces_the_default() {
    // `monitoring: none` on the mode: repaired at once, MTTR 2 h.
    let yaml = SERVER.replace(
        "repair: {dist: exponential, mean: 2h}}",
        "repair: {dist: exponential, mean: 2h}, monitoring: none}",
    );
    let f = figures(&yaml, 100, 20_000.0, 0.0, 3);
    assert_close("mttr without monitoring", &f[1].mttr_h, 2.0, 2.0, 0.02);
    // Its own delays instead of the default's.
    let yaml = SERVER.replace(
        "repair: {dist: exponential, mean: 2h}}",
        "repair: {dist: exponential, mean: 2h}, monitoring: {alert: 2h}}",
    );
    let f = figures(&yaml, 100, 20_000.0, 0.0, 3);
    assert_close("mttr with its own alert", &f[1].mttr_h, 4.0, 4.0, 0.02);
}

#[test]
fn the_solver_refuses_monitoring_delays() {
    let Err(err) =
        nines::analytic::solve(&model(SERVER), &crate::support::settings(1, 10.0, 0.0, 1))
    else {
        panic!("a design with monitoring delays should be refused");
    };
    let text = format!("{err:?}");
    assert!(text.contains("`monitoring` delays"), "{text}");
}
