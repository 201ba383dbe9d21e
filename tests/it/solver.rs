//! `nines solve`: the exact Markov-chain solution against CASES.md to 1e-9,
//! its limits, and its agreement with the simulator.

use crate::cases::cases;
use crate::support::model;
use nines::analytic::{self, SolveError, SpaceError};
use nines::experiment::Settings;
use nines::model::micros_from_hours;

fn settings(warmup_h: f64, horizon_h: f64) -> Settings {
    Settings {
        seed: 1,
        n_replications: 1,
        horizon_us: micros_from_hours(horizon_h),
        warmup_us: micros_from_hours(warmup_h),
    }
}

fn assert_relative(what: &str, got: f64, exact: f64, tolerance: f64) {
    let relative = ((got - exact) / exact).abs();
    assert!(
        relative <= tolerance,
        "{what}: {got} vs exact {exact} (relative error {relative:.2e})"
    );
}

#[test]
fn the_solver_reproduces_every_markovian_case_to_1e_9() {
    for case in cases() {
        let model = model(&case.yaml);
        if case.name == "C03" {
            // A fixed repair time is not exponential: refused, with the reason.
            let err = analytic::solve(&model, &settings(0.0, 100.0)).unwrap_err();
            assert!(err.to_string().contains("fixed distribution"), "{err}");
            continue;
        }
        for (horizon_h, a_int, failures, _) in case.interval {
            let solution = analytic::solve(&model, &settings(0.0, horizon_h)).expect("solves");
            let system = &solution.entities[0];
            let name = case.name;
            assert_relative(
                &format!("{name} A"),
                system.availability,
                case.exact.availability,
                1e-9,
            );
            assert_relative(
                &format!("{name} frequency"),
                system.failures_per_h,
                case.exact.frequency_per_h,
                1e-9,
            );
            assert_relative(
                &format!("{name} MTTFF"),
                system.mttff_h,
                case.exact.mttff_h.unwrap(),
                1e-9,
            );
            assert_relative(
                &format!("{name} A_int({horizon_h})"),
                system.window_availability,
                a_int,
                1e-9,
            );
            assert_relative(
                &format!("{name} N({horizon_h})"),
                system.window_failures,
                failures,
                1e-9,
            );
            let steady = system.steady_state();
            // MDT as printed in CASES.md (1 − A over f loses digits).
            let mdt = match name {
                "C01" | "C04b" => 10.0,
                "C04a" => 5.0,
                "C08a" => 10.1,
                "C08b" => 5.016_666_667,
                "C09a" => 4.325_166_552,
                _ => 5.619_000_289,
            };
            assert_relative(&format!("{name} MDT"), steady.mttr_h.unwrap(), mdt, 1e-9);
            assert_relative(
                &format!("{name} MTBF"),
                steady.mtbf_h.unwrap(),
                1.0 / case.exact.frequency_per_h,
                1e-9,
            );
        }
    }
}

#[test]
fn ninety_eight_of_a_hundred_with_two_crews_is_a_small_chain() {
    let yaml = "
name: 98 of 100, two crews
crews: [{name: ops, size: 2}]
nodes: [{name: unit, count: 100, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}, crew: ops}]}]
services: [{name: pool, nodes: unit, redundancy: {mode: active-active, min_up: 98}}]
";
    let solution = analytic::solve(&model(yaml), &settings(0.0, 87_600.0)).expect("solves");
    assert_eq!(solution.n_states, 101);
    assert_eq!(solution.n_classes, 1);
    let a = solution.entities[0].availability;
    assert!(
        a > 0.0 && a < 0.9224294748,
        "two crews repair slower than unlimited ones: {a}"
    );
}

#[test]
fn designs_that_are_not_markovian_are_refused_with_the_reason() {
    let yaml = "name: x\nnodes: [{name: web, failures: [{name: crash, ttf: {dist: weibull, shape: 2, mean: 100h}, repair: 1h}]}]\nservices: [{name: s, nodes: web}]\n";
    let err = analytic::solve(&model(yaml), &settings(0.0, 100.0)).unwrap_err();
    assert!(
        err.to_string().contains(
            "`ttf` of failure mode `crash` of node group `web` has a weibull distribution"
        ),
        "{err}"
    );
}

#[test]
fn chains_above_the_state_limit_are_refused_not_truncated() {
    // Twelve groups of 3 in different domains with one shared crew: the
    // first-come-first-served queue must remember the order of repairs.
    let mut yaml = String::from("name: big\ncrews: [{name: ops}]\ndomains:\n");
    for g in 0..12 {
        yaml.push_str(&format!("  - {{name: d{g}}}\n"));
    }
    yaml.push_str("nodes:\n");
    for g in 0..12 {
        yaml.push_str(&format!(
            "  - {{name: g{g}, count: 3, domains: [d{g}], failures: [{{name: f, ttf: {{dist: exponential, mean: 100h}}, repair: {{dist: exponential, mean: 10h}}, crew: ops}}]}}\n"
        ));
    }
    yaml.push_str("services: [{name: s, nodes: g0}]\n");
    match analytic::solve(&model(&yaml), &settings(0.0, 100.0)) {
        Err(SolveError::Space(SpaceError::TooLarge { limit, what })) => {
            assert_eq!(limit, analytic::MAX_STATES);
            assert!(what.contains("first-come-first-served"), "{what}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}
