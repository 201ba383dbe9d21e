//! Standby mechanisms whose parts play different roles, each against an
//! exact answer in which the roles give different values: a failed takeover
//! and both members down are different causes of downtime, and a stalled
//! member is suspected by its monitor, not the other way round.

use crate::exact::Chain;
use crate::support::{assert_close, assert_figure, assert_unavailability, extra, figures};

/// A hot-standby pair with instant detection and takeover, coverage `c`,
/// members failing at λ (serving or idle) and repaired at μ each. States:
/// both up and serving (S2), one up and serving (S1), the takeover failed
/// with the standby up (F1) or since failed too (F0: the cause stays a
/// failed takeover), and both down with nobody to take over (N0). The slot
/// is served again by the first member back from repair. With nobody left
/// to take over, a failure of the serving member is no failover (nothing
/// is counted nor drawn): S1 goes to N0 then.
fn pair_with_coverage(lambda: f64, mu: f64, c: f64) -> (Chain, [usize; 5]) {
    let [s2, s1, f1, f0, n0] = [0, 1, 2, 3, 4];
    let mut chain = Chain::new(5);
    chain.add(s2, s1, lambda * c + lambda); // covered takeover, or the standby fails
    chain.add(s2, f1, lambda * (1.0 - c));
    chain.add(s1, n0, lambda);
    chain.add(s1, s2, mu);
    chain.add(f1, f0, lambda);
    chain.add(f1, s2, mu);
    chain.add(f0, s1, 2.0 * mu);
    chain.add(n0, s1, 2.0 * mu);
    (chain, [s2, s1, f1, f0, n0])
}

#[test]
fn failed_takeovers_and_both_members_down_are_told_apart() {
    let (lambda, mu, c) = (1.0 / 200.0, 1.0 / 20.0, 0.6);
    let yaml = "name: hot pair with coverage
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 200h}, repair: {dist: exponential, mean: 20h}}]}
services:
  - {name: db, nodes: db, redundancy: {mode: hot-standby, failover: {coverage: 0.6}}}
";
    let (chain, [s2, _, f1, f0, n0]) = pair_with_coverage(lambda, mu, c);
    let pi = chain.stationary();
    let (failed, both_down) = (pi[f1] + pi[f0], pi[n0]);
    // The solver builds the same chain from the scenario on its own.
    let scenario = crate::support::model(yaml);
    let settings = nines::experiment::Settings::from_model(&scenario);
    let solved = nines::analytic::solve(&scenario, &settings).expect("solves");
    let solved = solved.entities[1].availability;
    assert!(
        ((1.0 - solved) / (failed + both_down) - 1.0).abs() < 1e-9,
        "solver {solved} vs chain {}",
        1.0 - failed - both_down
    );
    // A failed takeover (3 %) and both members down (0.6 %) differ by a
    // factor of five: a swap of the two causes is many standard errors off.
    let f = figures(yaml, 100, 20_000.0, 200.0, 61);
    assert_unavailability("A", &f[1], failed + both_down);
    let per_year = |p: f64| p * 525_600.0;
    assert_figure(
        "failed takeover downtime",
        extra(&f[1], "downtime_failed_takeover_min_per_year"),
        per_year(failed),
    );
    assert_figure(
        "both down downtime",
        extra(&f[1], "downtime_both_down_min_per_year"),
        per_year(both_down),
    );
    // A failure of the serving member is a failover when the standby is up
    // (S2); 1 − c of them fail.
    let failovers = lambda * pi[s2] * 8760.0;
    assert_figure(
        "failovers/yr",
        extra(&f[1], "failovers_per_year"),
        failovers,
    );
    assert_figure(
        "failed failovers/yr",
        extra(&f[1], "failed_failovers_per_year"),
        failovers * (1.0 - c),
    );
    for instant in [
        "downtime_detection_min_per_year",
        "downtime_switchover_min_per_year",
    ] {
        assert_eq!(extra(&f[1], instant).mean, Some(0.0), "{instant}");
    }
}

#[test]
fn a_stalled_member_is_suspected_by_its_monitor_not_the_reverse() {
    // The primary stalls every 2 h on average, the replica every 20 h, each
    // for Exp(4 s); a member is suspected after D ~ U(2 s, 3 s) of silence,
    // by the member that would take over. Only the serving member's stalls
    // can cause a false failover, with P(stall > D) = 4 (e^(−1/2) − e^(−3/4)).
    // With `failback: auto` the primary serves but for the 20 s switchover
    // and the 20 s failback after each of its false failovers (it is exiled
    // only while it stalls, Exp(4 s)), so false failovers come at the
    // primary's stall rate (10 times the replica's); the replica's stalls,
    // are neglected; a stall of the primary while it is not serving (40 s
    // per false failover: 0.3 % of the time) is mostly over before it
    // serves again. Each false failover costs 40 s of downtime.
    let yaml = "name: gc pauses, one member worse
nodes:
  - name: primary
    failures:
      - {name: gc-pause, ttf: {dist: exponential, mean: 2h}, repair: {dist: exponential, mean: 4s}, effect: slow}
      - {name: crash, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
  - name: replica
    failures:
      - {name: gc-pause, ttf: {dist: exponential, mean: 20h}, repair: {dist: exponential, mean: 4s}, effect: slow}
      - {name: crash, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - name: app
    nodes: [primary, replica]
    redundancy: {mode: hot-standby, failover: {switchover: 20s, failback: auto, detection: {heartbeat: {interval: 1s, timeout: 3s}}}}
";
    let p = 4.0 * ((-0.5f64).exp() - (-0.75f64).exp());
    let stalls_per_h = 1.0 / (2.0 + 4.0 / 3600.0);
    // x = r p (1 − x × 40 s): the primary is eligible while it serves.
    let per_h = stalls_per_h * p / (1.0 + stalls_per_h * p * 40.0 / 3600.0);
    let f = figures(yaml, 20, 2000.0, 0.0, 62);
    assert_close(
        "false failovers/yr",
        extra(&f[1], "false_failovers_per_year"),
        per_h * 8760.0,
        per_h * 8760.0,
        0.03,
    );
    assert_figure(
        "failbacks/yr",
        extra(&f[1], "failbacks_per_year"),
        per_h * 8760.0,
    );
    assert_unavailability("A", &f[1], per_h * 40.0 / 3600.0);
}

#[test]
fn a_deposed_member_rejoins_only_once_it_can_be_heard_again() {
    // Only the primary stalls, every 20 h for Exp(60 s), often longer than
    // the 20 s switchover. A stall outlasting D ~ U(2 s, 3 s) is a false
    // failover, P = E[e^(−D/60 s)] = 60 (e^(−1/30) − e^(−1/20)). The deposed
    // primary is exiled while it stalls: it fails back (a second 20 s
    // switchover) only once it is heard again, so each false failover costs
    // 40 s. Taken back while still silent, it would be suspected again at
    // once. The rare stalls that start in the 20 s or so after a stall ends
    // and before it serves again mostly outlast that and D, and count as
    // well (checked to 0.1 % over 4,000 replications).
    let yaml = "name: long pauses
nodes:
  - name: primary
    failures:
      - {name: gc-pause, ttf: {dist: exponential, mean: 20h}, repair: {dist: exponential, mean: 60s}, effect: slow}
      - {name: crash, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
  - {name: replica, failures: [{name: crash, ttf: {dist: exponential, mean: 100000y}, repair: 1h}]}
services:
  - name: app
    nodes: [primary, replica]
    redundancy: {mode: hot-standby, failover: {switchover: 20s, failback: auto, detection: {heartbeat: {interval: 1s, timeout: 3s}}}}
";
    let p = 60.0 * ((-1.0f64 / 30.0).exp() - (-1.0f64 / 20.0).exp());
    let stalls_per_h = 1.0 / (20.0 + 60.0 / 3600.0);
    let per_h = stalls_per_h * p;
    let f = figures(yaml, 20, 4000.0, 0.0, 63);
    for figure in ["false_failovers_per_year", "failbacks_per_year"] {
        assert_close(
            figure,
            extra(&f[1], figure),
            per_h * 8760.0,
            per_h * 8760.0,
            0.03,
        );
    }
    assert_unavailability("A", &f[1], per_h * 40.0 / 3600.0);
}
