//! Downtime by cause: the causes add up to the downtime exactly, and each
//! share matches its exact value.

use crate::exact::Chain;
use crate::support::shipped;
use crate::support::{assert_figure, extra, figures};
use nines::experiment::{self, Settings};
use nines::metrics::{Estimate, Figures, RepOutcome};
use nines::model::micros_from_hours;
use nines::scenario;

#[test]
fn causes_add_up_to_the_downtime_in_every_replication_of_every_shipped_scenario() {
    // W2 is W1 with 10,000 nodes, and sees no downtime in a short run.
    for file in shipped().into_iter().filter(|f| !f.ends_with("w2.yaml")) {
        let model = scenario::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        // The per-request mode simulates every request: a short warm-up.
        let per_request = model.traffic.iter().any(|t| t.requests.is_some());
        let long = if per_request { 0.01 } else { 10_000.0 };
        for warmup_h in [0.0, long] {
            let mut settings = Settings::from_model(&model);
            settings.warmup_us = micros_from_hours(warmup_h);
            // Up to 40 replications, about 300,000 events at most.
            settings.n_replications = 1;
            let per_replication = experiment::expected_events(&model, &settings);
            settings.n_replications = (3e5 / per_replication).clamp(2.0, 40.0) as u64;
            let what = format!("{} (warm-up {warmup_h} h)", file.display());
            let checked = assert_causes_add_up(&model, settings, &what);
            eprintln!("{what}: {checked} entity-replications with downtime");
        }
    }
}

/// Asserts that the causes add up to the downtime of every entity in
/// every replication of `model` under `settings`; returns how many
/// entity-replications had downtime.
fn assert_causes_add_up(model: &nines::model::Model, settings: Settings, what: &str) -> u64 {
    let window_us = settings.horizon_us;
    let mut checked = 0;
    let mut each = |rep: u64, outcome: &RepOutcome| {
        for (e, (tally, causes)) in outcome
            .tallies
            .iter()
            .zip(&outcome.downtime_by_cause_us)
            .enumerate()
        {
            let downtime = window_us - tally.uptime_us;
            let sum: u64 = causes.iter().sum();
            assert_eq!(
                sum, downtime,
                "{what} replication {rep} entity {e}: causes {causes:?}"
            );
            checked += u64::from(downtime > 0);
        }
    };
    experiment::run(model, settings, None, &mut each, &|| {}).expect("run");
    checked
}

#[test]
fn causes_add_up_on_generated_designs() {
    // The designs of the simulator-solver agreement test: standby modes,
    // N+K, failback, coverage, crews, domains, group shocks, `requires`.
    let mut picker = crate::agreement::Picker(2026);
    let mut checked = 0;
    for case in 0..60 {
        let yaml = crate::agreement::design(&mut picker);
        let model = crate::support::model(&yaml);
        let settings = Settings {
            n_replications: 10,
            horizon_us: micros_from_hours(20_000.0),
            warmup_us: micros_from_hours(100.0 * (case % 2) as f64),
            ..Settings::from_model(&model)
        };
        checked += assert_causes_add_up(&model, settings, &format!("case {case}\n{yaml}"));
    }
    assert!(
        checked > 500,
        "only {checked} entity-replications had downtime"
    );
}

fn cause<'a>(f: &'a Figures, name: &str) -> &'a Estimate {
    &f.downtime_by_cause
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = f.downtime_by_cause.iter().map(|(n, _)| n).collect();
            panic!("no cause {name} among {names:?}")
        })
        .1
}

const MIN_PER_YEAR: f64 = 525_600.0;

#[test]
fn each_failure_mode_of_a_node_owns_its_renewal_reward_share() {
    // Modes pause each other: in up time each fails once per mean time to
    // failure mᵢ and adds its repair rᵢ, so mode i holds the node down a
    // share A rᵢ/mᵢ of the time, A = 1 / (1 + Σ rⱼ/mⱼ).
    let yaml = "
name: two modes
nodes:
  - name: unit
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 200h}, repair: 1h}
      - {name: hardware, ttf: {dist: weibull, shape: 3, mean: 300h}, repair: {dist: lognormal, mean: 30h, sd: 20h}}
services: [{name: s, nodes: unit}]
";
    let modes = [("unit/crash", 200.0, 1.0), ("unit/hardware", 300.0, 30.0)];
    let a = 1.0 / (1.0 + modes.iter().map(|(_, m, r)| r / m).sum::<f64>());
    let f = figures(yaml, 200, 200_000.0, 5000.0, 91);
    for (name, m, r) in modes {
        for (entity, figures) in [("system", &f[0]), ("s", &f[1])] {
            let exact = a * r / m * MIN_PER_YEAR;
            assert_figure(&format!("{entity} {name}"), cause(figures, name), exact);
        }
    }
}

#[test]
fn a_node_in_a_domain_hands_its_outage_over_to_what_still_holds_it_down() {
    // Node and domain are independent two-state units in series. An outage
    // belongs to whichever went down first until it is repaired; if the
    // other is still down then, the rest belongs to the other. States: up,
    // node down, domain down, both (node first), both (domain first).
    let yaml = "
name: node in a rack
domains: [{name: rack, failures: [{name: power, ttf: {dist: exponential, mean: 80h}, repair: {dist: exponential, mean: 30h}}]}]
nodes:
  - {name: box, domains: [rack], failures: [{name: crash, ttf: {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 20h}}]}
services: [{name: s, nodes: box}]
";
    let (ln, mn, ld, md) = (1.0 / 50.0, 1.0 / 20.0, 1.0 / 80.0, 1.0 / 30.0);
    let (up, node, domain, both_node, both_domain) = (0, 1, 2, 3, 4);
    let mut chain = Chain::new(5);
    chain.add(up, node, ln);
    chain.add(up, domain, ld);
    chain.add(node, up, mn);
    chain.add(node, both_node, ld);
    chain.add(domain, up, md);
    chain.add(domain, both_domain, ln);
    chain.add(both_node, domain, mn);
    chain.add(both_node, node, md);
    chain.add(both_domain, node, md);
    chain.add(both_domain, domain, mn);
    let pi = chain.stationary();
    let f = figures(yaml, 100, 100_000.0, 1000.0, 92);
    for (entity, figures) in [("system", &f[0]), ("s", &f[1])] {
        assert_figure(
            &format!("{entity} box/crash"),
            cause(figures, "box/crash"),
            (pi[node] + pi[both_node]) * MIN_PER_YEAR,
        );
        assert_figure(
            &format!("{entity} rack/power"),
            cause(figures, "rack/power"),
            (pi[domain] + pi[both_domain]) * MIN_PER_YEAR,
        );
    }
}

#[test]
fn a_standby_service_splits_its_downtime_into_failover_phases_and_root_causes() {
    // A hot pair (λ = 1/400 h, μ = 1/10 h): the failover phases are the
    // standby's own split (checked against renewal reward in `standby`),
    // and outages with no member left go to the members' failure mode:
    // about the time both are down, q², less the detection delays of the
    // failures that found the standby down (neglected, relative 1e-3).
    let yaml = "name: hot pair
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 400h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 25m, detection: {heartbeat: {interval: 5s, timeout: 15s}}}}
";
    let (lambda, mu) = (1.0f64 / 400.0, 1.0f64 / 10.0);
    let q = lambda / (lambda + mu);
    let f = figures(yaml, 200, 100_000.0, 1000.0, 93);
    for (entity, figures) in [("system", &f[0]), ("db", &f[1])] {
        for (phase, figure) in [
            ("detection", "downtime_detection_min_per_year"),
            ("switchover", "downtime_switchover_min_per_year"),
            ("failed takeover", "downtime_failed_takeover_min_per_year"),
        ] {
            let name = format!("db failover: {phase}");
            assert_eq!(
                cause(figures, &name).mean,
                extra(&f[1], figure).mean,
                "{entity} {name}"
            );
        }
        assert_figure(
            &format!("{entity} db/f"),
            cause(figures, "db/f"),
            q * q * MIN_PER_YEAR,
        );
    }
}

#[test]
fn the_web_shop_splits_zone_outages_from_bad_releases() {
    // Each zone is down 4 h every 5 y (lognormal repair, exponential
    // failures) and takes the web tier below its demand; a bad release
    // takes every web server down for 30 min once a year. Overlaps are
    // below 1e-3 of each share.
    let text = std::fs::read_to_string("scenarios/two-zone-web-shop.yaml").expect("scenario");
    let f = figures(&text, 400, 87_600.0, 0.0, 94);
    let zone = 4.0 / (5.0 * 8760.0 + 4.0) * MIN_PER_YEAR;
    let release = 0.5 / (8760.0 + 0.5) * MIN_PER_YEAR;
    for (entity, figures) in [("system", &f[0]), ("web", &f[4])] {
        assert_figure(
            &format!("{entity} zone-a"),
            cause(figures, "zone-a/zone-outage"),
            zone,
        );
        assert_figure(
            &format!("{entity} zone-b"),
            cause(figures, "zone-b/zone-outage"),
            zone,
        );
        assert_figure(
            &format!("{entity} bad release"),
            cause(figures, "web/bad-release"),
            release,
        );
    }
}
