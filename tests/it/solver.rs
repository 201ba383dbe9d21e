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

#[test]
fn the_simulator_agrees_with_the_solver_on_every_shipped_markovian_scenario() {
    let mut checked = 0;
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let model = nines::scenario::load(&path).unwrap();
        if analytic::check_markovian(&model).is_err() {
            continue;
        }
        let settings = Settings::from_model(&model);
        let results =
            nines::experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
        let report = nines::report::Report::new(&model, &results);
        let solution = analytic::solve(&model, &settings).unwrap();
        for (entity, checks) in nines::report::exact::cross_check(&report, &solution) {
            for check in checks {
                let what = format!("{} {entity} {}", path.display(), check.figure);
                assert!(check.exact.is_some(), "{what}: no exact value");
                if let Some(z) = check.z {
                    assert!(
                        z.abs() <= 4.0,
                        "{what}: z = {z:.2} (simulated {:?}, exact {:?})",
                        check.estimate,
                        check.exact
                    );
                }
            }
        }
        checked += 1;
    }
    assert!(
        checked >= 6,
        "only {checked} shipped scenarios are Markovian"
    );
}

#[test]
fn the_solver_agrees_with_hand_built_chains_for_crews_domains_and_group_shocks() {
    // The group-shock design of the mechanisms tests, solved both ways.
    let yaml = crate::mechanisms::GROUP_SHOCK_YAML;
    let solution = analytic::solve(&model(yaml), &settings(0.0, 1000.0)).unwrap();
    let (chain, up) = crate::mechanisms::group_shock_chain();
    let (a, f) = chain.availability_and_frequency(&up);
    assert_relative("group shock A", solution.entities[0].availability, a, 1e-10);
    assert_relative(
        "group shock f",
        solution.entities[0].failures_per_h,
        f,
        1e-9,
    );
    assert_relative(
        "group shock MTTFF",
        solution.entities[0].mttff_h,
        chain.mean_time_to_down(&up, 0),
        1e-9,
    );

    // A pair in a rack on a power feed: an independent series.
    let yaml = crate::mechanisms::RACK_POWER_YAML;
    let solution = analytic::solve(&model(yaml), &settings(0.0, 1000.0)).unwrap();
    let (a_pair, f_pair) = crate::exact::k_of_n_independent(2, 1, 500.0 / 510.0, 510.0);
    let (a_power, a_rack) = (2000.0 / 2005.0, 3000.0 / 3008.0);
    let f = a_rack * a_pair / 2005.0 + a_power * a_pair / 3008.0 + f_pair * a_power * a_rack;
    assert_relative(
        "rack A",
        solution.entities[0].availability,
        a_power * a_rack * a_pair,
        1e-10,
    );
    assert_relative("rack f", solution.entities[0].failures_per_h, f, 1e-9);

    // 3 of 5 with a crew of two: a birth-death chain.
    let yaml = "
name: 3 of 5 with two repairers
crews: [{name: ops, size: 2}]
nodes: [{name: unit, count: 5, failures: [{name: f, ttf: {dist: exponential, mean: 200h}, repair: {dist: exponential, mean: 20h}, crew: ops}]}]
services: [{name: s, nodes: unit, redundancy: {mode: active-active, min_up: 3}}]
";
    let solution = analytic::solve(&model(yaml), &settings(0.0, 1000.0)).unwrap();
    let (chain, up) = crate::exact::k_of_n(5, 3, 200.0, 20.0, 2);
    let (a, f) = chain.availability_and_frequency(&up);
    assert_relative("3-of-5 A", solution.entities[0].availability, a, 1e-10);
    assert_relative("3-of-5 f", solution.entities[0].failures_per_h, f, 1e-9);
}
