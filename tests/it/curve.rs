//! The availability-over-time curve against the exact transient of a
//! single repairable unit starting up: A(t) = μ/(λ+μ) + λ/(λ+μ)·e^{−(λ+μ)t}.

use crate::support::model;
use nines::experiment::{self, Settings};

#[test]
fn the_curve_follows_the_transient_of_a_unit_starting_up() {
    // Failures every 10 h, repairs in 5 h: settles within a few hours.
    let yaml = "
name: one unit
nodes: [{name: unit, count: 1, failures: [{name: f, ttf: {dist: exponential, mean: 10h}, repair: {dist: exponential, mean: 5h}}]}]
services: [{name: s, nodes: unit}]
";
    let model = model(yaml);
    let settings = Settings {
        seed: 4,
        n_replications: 4000,
        horizon_us: nines::model::micros_from_hours(40.0),
        warmup_us: 0,
        incident_threshold_us: 0,
    };
    let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
    let points = results.curve.points();
    assert_eq!(points.len(), nines::metrics::SLICES);
    let (lambda, mu) = (0.1, 0.2);
    let rate = lambda + mu;
    let steady = mu / rate;
    // ∫ A(t) dt from a to b.
    let integral = |a: f64, b: f64| {
        steady * (b - a) + lambda / (rate * rate) * ((-rate * a).exp() - (-rate * b).exp())
    };
    let mut worst: f64 = 0.0;
    for p in &points {
        let within = integral(p.start_h, p.end_h) / (p.end_h - p.start_h);
        let from_start = integral(0.0, p.end_h) / p.end_h;
        for (what, e, exact) in [
            ("slice", &p.availability, within),
            ("from start", &p.from_start, from_start),
        ] {
            let (mean, se) = (e.mean.unwrap(), e.std_err.unwrap());
            let z = (mean - exact) / se;
            worst = worst.max(z.abs());
            assert!(
                z.abs() <= 4.0,
                "{what} at {} h: {mean} ± {se} vs {exact}",
                p.end_h
            );
            assert!(se < 0.02, "{what} at {} h: standard error {se}", p.end_h);
        }
    }
    eprintln!("largest |z| over {} points: {worst:.2}", 2 * points.len());
    // It starts near 1 and settles to 2/3: the shape is checked, not just noise.
    assert!(points[0].availability.mean.unwrap() > 0.97);
    assert!((points[99].availability.mean.unwrap() - steady).abs() < 0.03);
}

/// With no warm-up, the last point from start-up is the run's availability
/// (same replications, same downtime), whether the system is one service
/// (whose tally it copies) or several; and the report draws the curve.
#[test]
fn the_curve_ends_at_the_runs_availability_and_is_drawn() {
    let one = "
name: pair
simulation: {horizon: 2y, replications: 50, seed: 9}
nodes: [{name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 300h}, repair: {dist: lognormal, mean: 10h, sd: 8h}}]}]
services: [{name: db, nodes: db, redundancy: {mode: hot-standby, failover: {switchover: 1m}}}]
";
    let two = format!(
        "{one}  - {{name: web, nodes: web, requires: [db]}}\n"
    )
    .replace(
        "nodes: [{name: db,",
        "nodes: [{name: web, count: 1, failures: [{name: f, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 2h}}]}, {name: db,",
    )
    .replace("services: [{name: db, nodes: db, redundancy: {mode: hot-standby, failover: {switchover: 1m}}}]", "services:\n  - {name: db, nodes: db, redundancy: {mode: hot-standby, failover: {switchover: 1m}}}");
    for (yaml, services) in [(one.to_string(), 1), (two, 2)] {
        let model = model(&yaml);
        assert_eq!(model.services.len(), services);
        let settings = Settings::from_model(&model);
        let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
        let report = nines::report::Report::new(&model, &results);
        let last = results
            .curve
            .points()
            .last()
            .unwrap()
            .from_start
            .mean
            .unwrap();
        let a = report.entities[0].1.availability.mean.unwrap();
        assert!((last - a).abs() < 1e-12, "{}: {last} vs {a}", model.name);
        assert!(a < 1.0, "{}: no downtime to check", model.name);
        let json = nines::report::json::summary_value(&report);
        let page =
            nines::report::html::render(&report, &json, "x.yaml", "nines run x.yaml").unwrap();
        assert!(page.contains("System availability over time from start-up"));
        assert!(page.contains("time from start-up, years"));
    }
}
