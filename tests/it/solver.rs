//! `nines solve`: the exact Markov-chain solution against CASES.md to 1e-9,
//! its limits, and its agreement with the simulator.

use crate::cases::cases;
use crate::support::model;
use nines::analytic::{self, Lumping, SolveError, SpaceError};
use nines::experiment::Settings;
use nines::model::micros_from_hours;

fn settings(warmup_h: f64, horizon_h: f64) -> Settings {
    Settings {
        seed: 1,
        n_replications: 1,
        horizon_us: micros_from_hours(horizon_h),
        warmup_us: micros_from_hours(warmup_h),
        incident_threshold_us: 0,
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

/// The shipped scenarios the solver can solve, with their paths.
fn shipped_markovian_scenarios() -> Vec<(std::path::PathBuf, nines::model::Model)> {
    let paths = crate::support::shipped_in(&["scenarios"]);
    paths
        .into_iter()
        .map(|path| {
            let model = nines::scenario::load(&path).unwrap();
            (path, model)
        })
        // The load-balancing scenarios are built to be almost never down:
        // their request figures are checked in `traffic`.
        .filter(|(_, model)| model.traffic.is_empty() && analytic::check_markovian(model).is_ok())
        .collect()
}

/// The cap on the standard error of a cross-checked figure, relative to
/// the figure (to the unavailability, for availability): a comparison with
/// a wider one could not tell a wrong figure from a right one.
const MAX_REL_SE: f64 = 0.1;

/// Entities with fewer outages than this over a whole run (expected from
/// the exact failure rate) cannot meet the cap; they are skipped and counted.
const MIN_OUTAGES: f64 = 100.0;

#[test]
fn the_simulator_agrees_with_the_solver_on_every_shipped_markovian_scenario() {
    let (mut scenarios, mut entities, mut figures, mut skipped) = (0, 0, 0, Vec::new());
    for (path, model) in shipped_markovian_scenarios() {
        let settings = Settings::from_model(&model);
        let results =
            nines::experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
        let report = nines::report::Report::new(&model, &results);
        let solution = analytic::solve(&model, &settings).unwrap();
        let years = settings.n_replications as f64 * settings.horizon_us as f64 / 3.6e9 / 8760.0;
        for (entity, checks) in nines::report::exact::cross_check(&report, &solution) {
            let outages = checks
                .iter()
                .find(|c| c.figure == "failures_per_year")
                .and_then(|c| c.exact)
                .unwrap_or(0.0)
                * years;
            if outages < MIN_OUTAGES {
                skipped.push(format!("{} {entity}", path.display()));
                continue;
            }
            // A censored MTTFF (some replication saw no failure) has no
            // estimate by design; its restricted mean is checked instead.
            let censored = checks
                .iter()
                .any(|c| c.figure == "mttff_h" && c.estimate.is_none());
            assert!(
                !censored || checks.iter().any(|c| c.figure == "mttff_restricted_h"),
                "{} {entity}: a censored MTTFF without its restricted mean",
                path.display()
            );
            for check in checks {
                if censored && check.figure == "mttff_h" {
                    continue;
                }
                let what = format!("{} {entity} {}", path.display(), check.figure);
                assert_check(&what, &check);
                figures += 1;
            }
            entities += 1;
        }
        scenarios += 1;
    }
    eprintln!("{scenarios} scenarios, {entities} entities, {figures} figures; skipped {skipped:?}");
    assert!(
        scenarios >= 9 && entities >= 18 && figures >= 120 && skipped.len() <= 1,
        "only {scenarios} shipped scenarios, {entities} entities, {figures} figures checked; skipped {skipped:?}"
    );
}

/// One figure of the cross-check: every figure has an exact value and a
/// z-score, a standard error within the cap, and |z| ≤ 4.
fn assert_check(what: &str, check: &nines::report::exact::Check) {
    let (Some(exact), Some(se), Some(z)) = (check.exact, check.std_err, check.z) else {
        panic!("{what}: nothing to compare ({check:?})");
    };
    let scale = if check.figure == "availability" {
        1.0 - exact
    } else {
        exact
    };
    assert!(
        se <= MAX_REL_SE * scale.abs(),
        "{what}: standard error {se:.3e} above {MAX_REL_SE} of {scale:.3e}"
    );
    assert!(
        z.abs() <= 4.0,
        "{what}: z = {z:.2} (simulated {:?}, exact {exact})",
        check.estimate
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

/// Solves `yaml` with standby pools lumped where exact and member by
/// member, and checks every figure of every entity agrees to 1e-9. Returns
/// the numbers of states (lumped, per member).
fn assert_lumping_changes_nothing(what: &str, yaml: &str) -> (usize, usize) {
    let model = model(yaml);
    let settings = settings(100.0, 2000.0);
    let lumped = analytic::solve_with(&model, &settings, Lumping::Exact).expect("solves lumped");
    let per_member = analytic::solve_with(&model, &settings, Lumping::Off).expect("solves");
    let close = |figure: &str, a: f64, b: f64| {
        let equal = a == b || ((a - b) / b).abs() <= 1e-9;
        assert!(equal, "{what} {figure}: lumped {a} vs per member {b}");
    };
    for (e, (l, p)) in lumped.entities.iter().zip(&per_member.entities).enumerate() {
        close(&format!("entity {e} A"), l.availability, p.availability);
        close(&format!("entity {e} f"), l.failures_per_h, p.failures_per_h);
        close(&format!("entity {e} MTTFF"), l.mttff_h, p.mttff_h);
        close(
            &format!("entity {e} window A"),
            l.window_availability,
            p.window_availability,
        );
        close(
            &format!("entity {e} window failures"),
            l.window_failures,
            p.window_failures,
        );
        match (l.censored_mttff_h, p.censored_mttff_h) {
            (Some(a), Some(b)) => close(&format!("entity {e} censored MTTFF"), a, b),
            (a, b) => assert_eq!(a, b, "{what} entity {e} censored MTTFF"),
        }
        // Failovers, counted as the engine counts them.
        let pairs = [
            ("failovers", l.failovers_per_h, p.failovers_per_h),
            ("window failovers", l.window_failovers, p.window_failovers),
        ];
        for (figure, a, b) in pairs {
            match (a, b) {
                (Some(a), Some(b)) => close(&format!("entity {e} {figure}"), a, b),
                (a, b) => assert_eq!(a, b, "{what} entity {e} {figure}"),
            }
        }
    }
    eprintln!(
        "{what}: {} states lumped, {} per member",
        lumped.n_states, per_member.n_states
    );
    (lumped.n_states, per_member.n_states)
}

#[test]
fn lumping_changes_no_figure_of_any_shipped_markovian_standby_scenario() {
    let mut compared = 0;
    for (path, model) in shipped_markovian_scenarios() {
        let standby = model
            .services
            .iter()
            .any(|s| s.redundancy.standby_parts().is_some());
        if standby {
            let yaml = std::fs::read_to_string(&path).unwrap();
            assert_lumping_changes_nothing(&path.display().to_string(), &yaml);
            compared += 1;
        }
    }
    assert!(
        compared >= 3,
        "only {compared} shipped Markovian scenarios have a standby service"
    );
}

const EXPONENTIAL_SWITCHOVER: &str = "switchover: {dist: exponential, mean: 15m}";

fn n_plus_k(
    count: u32,
    active: u32,
    spares: u32,
    spare_mode: &str,
    crew: &str,
    failover: &str,
) -> String {
    let crews = if crew.is_empty() {
        String::new()
    } else {
        format!("crews: [{{name: ops, size: {crew}}}]\n")
    };
    let crew_of_mode = if crew.is_empty() { "" } else { ", crew: ops" };
    format!(
        "
name: pool
{crews}nodes:
  - name: worker
    count: {count}
    failures:
      - {{name: crash, ttf: {{dist: exponential, mean: 1000h}}, repair: {{dist: exponential, mean: 24h}}{crew_of_mode}}}
services:
  - name: batch
    nodes: worker
    redundancy: {{mode: n-plus-k, active: {active}, spares: {spares}, spare_mode: {spare_mode}, failover: {{{failover}}}}}
"
    )
}

#[test]
fn lumping_n_plus_one_hot_spares_changes_no_figure() {
    // Instant takeovers: lumped, 3 members in one class.
    let yaml = n_plus_k(3, 2, 1, "hot", "", "coverage: 0.9");
    let (lumped, per_member) = assert_lumping_changes_nothing("N+1 hot, instant", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
    // With a switchover, two slots.
    let yaml = std::fs::read_to_string("scenarios/n-plus-one-hot-spares.yaml").unwrap();
    let (lumped, per_member) = assert_lumping_changes_nothing("N+1 hot, switchover", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

#[test]
fn lumping_n_plus_two_cold_spares_with_a_crew_of_one_changes_no_figure() {
    let yaml = n_plus_k(4, 2, 2, "cold", "1", "coverage: 0.95");
    let (lumped, per_member) = assert_lumping_changes_nothing("N+2 cold, crew of 1", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
    let yaml = n_plus_k(4, 2, 2, "cold", "1", EXPONENTIAL_SWITCHOVER);
    let (lumped, per_member) =
        assert_lumping_changes_nothing("N+2 cold, crew of 1, switchover", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

#[test]
fn lumping_a_warm_standby_with_coverage_and_a_switchover_changes_no_figure() {
    let yaml = "
name: warm
crews: [{name: ops, size: 1}]
nodes:
  - name: app
    count: 3
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 10h}, crew: ops}
      - {name: disk, ttf: {dist: exponential, mean: 3000h}, repair: {dist: exponential, mean: 30h}}
services:
  - name: app
    nodes: app
    redundancy:
      mode: warm-standby
      standbys: 2
      idle_failure_factor: 0.4
      failover: {coverage: 0.9, switchover: {dist: exponential, mean: 20m}}
";
    let (lumped, per_member) = assert_lumping_changes_nothing("warm standby", yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

/// Two zones and a hot standby of `order` (group names, in pool order).
fn zoned_hot_standby(groups: &str, order: &str, extra: &str) -> String {
    format!(
        "
name: zoned
crews: [{{name: ops, size: 1}}]
domains:
  - {{name: zone-a, failures: [{{name: power, ttf: {{dist: exponential, mean: 2000h}}, repair: {{dist: exponential, mean: 5h}}, crew: ops}}]}}
  - {{name: zone-b, failures: [{{name: power, ttf: {{dist: exponential, mean: 3000h}}, repair: {{dist: exponential, mean: 4h}}}}]}}
nodes:
{groups}
services:
  - name: db
    nodes: {order}
    redundancy:
      mode: hot-standby
      standbys: 3
      failover: {{coverage: 0.95, {EXPONENTIAL_SWITCHOVER}{extra}}}
"
    )
}

const CRASH: &str = "failures: [{name: crash, ttf: {dist: exponential, mean: 800h}, repair: {dist: exponential, mean: 12h}, crew: ops}]";

#[test]
fn a_hot_standby_across_zones_is_lumped_only_when_each_zone_is_listed_together() {
    // One group spread over two zones: pool order a, b, a, b. Per member.
    let groups = format!("  - {{name: db, count: 4, domains: [zone-a, zone-b], {CRASH}}}");
    let yaml = zoned_hot_standby(&groups, "db", "");
    let (lumped, per_member) = assert_lumping_changes_nothing("interleaved zones", &yaml);
    assert_eq!(lumped, per_member);
    // Failback auto gives slots a home member: per member.
    let groups = format!(
        "  - {{name: a, count: 2, domains: [zone-a], {CRASH}}}\n  - {{name: b, count: 2, domains: [zone-b], {CRASH}}}"
    );
    let yaml = zoned_hot_standby(&groups, "[a, b]", ", failback: auto");
    let (lumped, per_member) = assert_lumping_changes_nothing("failback auto", &yaml);
    assert_eq!(lumped, per_member);
    // One group per zone, listed zone by zone: lumped, and a zone outage
    // takes two members down at once.
    let yaml = zoned_hot_standby(&groups, "[a, b]", "");
    let (lumped, per_member) = assert_lumping_changes_nothing("zone by zone", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

#[test]
fn lumping_an_instant_n_plus_k_across_zones_and_shocks_changes_no_figure() {
    // Members of both places come back at once when the shared power does:
    // down slots are filled in node order, class by class.
    let yaml = "
name: zoned pool
domains:
  - {name: power, failures: [{name: cut, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 3h}}]}
  - {name: zone-a, parent: power, failures: [{name: switch, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 5h}}]}
nodes:
  - name: a
    count: 2
    domains: [zone-a]
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 700h}, repair: {dist: exponential, mean: 10h}}
      - {name: release, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 1h}, scope: group}
  - name: b
    count: 2
    domains: [power]
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 700h}, repair: {dist: exponential, mean: 10h}}
services:
  - name: pool
    nodes: [a, b]
    redundancy: {mode: n-plus-k, active: 2, spares: 2, spare_mode: hot, failover: {coverage: 0.8}}
";
    let (lumped, per_member) = assert_lumping_changes_nothing("zoned instant N+K", yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
    // Spares are taken in pool order (b first), returning members fill
    // down slots in node order (a first).
    let reversed = yaml.replace("nodes: [a, b]", "nodes: [b, a]");
    let (lumped, per_member) = assert_lumping_changes_nothing("pool order b, a", &reversed);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
    // Cold spares are not hit by a group shock while idle.
    let yaml = yaml.replace("spare_mode: hot", "spare_mode: cold");
    let (lumped, per_member) = assert_lumping_changes_nothing("zoned instant cold N+K", &yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

#[test]
fn a_warm_standby_hit_by_group_shocks_in_two_groups_is_lumped_exactly() {
    let yaml = "
name: shocks
nodes:
  - name: a
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 600h}, repair: {dist: exponential, mean: 8h}}
      - {name: release, ttf: {dist: exponential, mean: 1500h}, repair: {dist: exponential, mean: 2h}, scope: group}
  - name: b
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 900h}, repair: {dist: exponential, mean: 8h}}
services:
  - name: app
    nodes: [a, b]
    redundancy:
      mode: warm-standby
      standbys: 3
      idle_failure_factor: 0.5
      failover: {coverage: 0.97, switchover: {dist: exponential, mean: 6m}}
";
    let (lumped, per_member) = assert_lumping_changes_nothing("warm, shocks", yaml);
    assert!(lumped < per_member, "{lumped} vs {per_member}");
}

/// N+K with `spares` hot spares, instant takeovers, coverage `c` and a crew
/// of `crew`, built by hand on (members down d, slots down z). A slot is
/// down after a failed takeover, or with no free member, until a member
/// comes back; so z ≤ d ≤ z + spares, with 8 − z serving and
/// spares + z − d idle members up.
fn n_plus_k_chain(
    active: usize,
    spares: usize,
    crew: usize,
    c: f64,
    (mttf_h, mttr_h): (f64, f64),
) -> (crate::exact::Chain, Vec<bool>, usize) {
    let states: Vec<(usize, usize)> = (0..=active)
        .flat_map(|z| (z..=(z + spares).min(active + spares)).map(move |d| (d, z)))
        .collect();
    let index = |d: usize, z: usize| states.iter().position(|&s| s == (d, z)).unwrap();
    let mut chain = crate::exact::Chain::new(states.len());
    let (lambda, mu) = (1.0 / mttf_h, 1.0 / mttr_h);
    for (i, &(d, z)) in states.iter().enumerate() {
        let (serving, idle_up) = (active - z, spares + z - d);
        if serving > 0 {
            let rate = serving as f64 * lambda;
            let covered_to = if idle_up > 0 { z } else { z + 1 };
            chain.add(i, index(d + 1, covered_to), rate * c);
            chain.add(i, index(d + 1, z + 1), rate * (1.0 - c));
        }
        if idle_up > 0 {
            chain.add(i, index(d + 1, z), idle_up as f64 * lambda);
        }
        if d > 0 {
            chain.add(
                i,
                index(d - 1, z.saturating_sub(1)),
                d.min(crew) as f64 * mu,
            );
        }
    }
    let up = states.iter().map(|&(_, z)| z == 0).collect();
    (chain, up, states.len())
}

#[test]
fn eight_active_and_two_spares_are_small_chains_the_simulator_agrees_with() {
    let yaml = n_plus_k(10, 8, 2, "hot", "2", "coverage: 0.99");
    let solution = analytic::solve(&model(&yaml), &settings(0.0, 8760.0)).expect("solves");
    eprintln!(
        "8+2, instant takeovers: {} states, {} transitions, {} classes",
        solution.n_states, solution.n_transitions, solution.n_classes
    );
    let (chain, up, n) = n_plus_k_chain(8, 2, 2, 0.99, (1000.0, 24.0));
    assert_eq!(n, 27);
    assert_eq!(solution.n_states, n);
    let (a, f) = chain.availability_and_frequency(&up);
    let system = &solution.entities[0];
    assert_relative("8+2 A", system.availability, a, 1e-10);
    assert_relative("8+2 f", system.failures_per_h, f, 1e-9);
    assert_relative(
        "8+2 MTTFF",
        system.mttff_h,
        chain.mean_time_to_down(&up, 0),
        1e-9,
    );

    // With a switchover delay the chain stays small, and the simulator,
    // which names every member and slot, agrees with it.
    let yaml = n_plus_k(10, 8, 2, "hot", "2", EXPONENTIAL_SWITCHOVER);
    let scenario = model(&yaml);
    let solution = analytic::solve(&scenario, &Settings::from_model(&scenario)).expect("solves");
    eprintln!("8+2, switchover: {} states", solution.n_states);
    assert!(solution.n_states < 200, "{} states", solution.n_states);
    let exact = &solution.entities[1];
    let f = crate::support::figures(&yaml, 200, 100_000.0, 1000.0, 61);
    crate::support::assert_steady_state(
        "8+2 with a switchover",
        &f[1],
        &crate::support::Exact {
            availability: exact.availability,
            frequency_per_h: exact.failures_per_h,
            mttff_h: None,
        },
    );

    // With `failback: auto` each member has a home slot: the pool is kept
    // member by member, the chain is too large, and the refusal says why.
    let yaml = n_plus_k(
        10,
        8,
        2,
        "hot",
        "2",
        &format!("{EXPONENTIAL_SWITCHOVER}, failback: auto"),
    );
    match analytic::solve(&model(&yaml), &settings(0.0, 8760.0)) {
        Err(SolveError::Space(SpaceError::TooLarge { what, .. })) => {
            assert!(
                what.contains("the pool of `batch` is kept member by member"),
                "{what}"
            );
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_lumped_pool_hit_by_group_shocks_repaired_by_one_crew_agrees_with_the_simulator() {
    // Per member, a group shock queuing repairs of several classes for one
    // crew cannot be solved (the queue order is lost); lumped, the pool is
    // one class and every job is the same. Only the simulator can check it.
    // (It also caught the engine letting a shock hit the cold spares it had
    // just switched in: 34 standard errors off.)
    let yaml = "
name: cold spares and bad releases
crews: [{name: ops, size: 1}]
nodes:
  - name: app
    count: 4
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 400h}, repair: {dist: exponential, mean: 10h}, crew: ops}
      - {name: release, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 3h}, scope: group, crew: ops}
services:
  - name: app
    nodes: app
    redundancy: {mode: n-plus-k, active: 2, spares: 2, spare_mode: cold, failover: {switchover: {dist: exponential, mean: 20m}, coverage: 0.95}}
";
    let scenario = model(yaml);
    let solution = analytic::solve(&scenario, &Settings::from_model(&scenario)).expect("solves");
    let exact = &solution.entities[1];
    let f = crate::support::figures(yaml, 200, 100_000.0, 1000.0, 62);
    crate::support::assert_steady_state(
        "lumped pool, crewed shocks",
        &f[1],
        &crate::support::Exact {
            availability: exact.availability,
            frequency_per_h: exact.failures_per_h,
            mttff_h: None,
        },
    );
}

/// A hot-standby pair with instant takeovers and independent repairs:
/// (both up, one down, both down) is a birth-death chain, and a failover
/// is the active member failing while both are up, λ·π₂ per hour.
fn pair_failovers_per_h(mttf_h: f64, mttr_h: f64) -> f64 {
    let (lambda, mu) = (1.0 / mttf_h, 1.0 / mttr_h);
    let (p1, p0) = (2.0 * lambda / mu, lambda * lambda / (mu * mu));
    lambda / (1.0 + p1 + p0)
}

const ASYNC_PAIR: &str = "
name: async pair
simulation: {horizon: 10y, replications: 300, seed: 5}
nodes: [{name: pg, count: 2, failures: [{name: crash, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 20h}}]}]
services:
  - name: db
    nodes: pg
    writes: {rate: 200/s, pattern: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]}
    redundancy: {mode: hot-standby}
    replication: {mode: async, lag: {dist: exponential, mean: 2s}}
";

#[test]
fn the_solver_prices_async_replication_losses_exactly() {
    let model = model(ASYNC_PAIR);
    let solution = analytic::solve(&model, &settings(0.0, 87_600.0)).unwrap();
    let db = solution.entities[1].steady_state();
    let failovers = pair_failovers_per_h(500.0, 20.0) * 8760.0;
    assert_relative("failovers", db.failovers_per_year.unwrap(), failovers, 1e-9);
    // The pattern averages 27/24: 225 writes/s × 2 s per failover.
    let per_failover = db.data_loss_writes_per_failover.unwrap();
    assert_relative("writes per failover", per_failover, 450.0, 1e-12);
    let lost = db.data_loss_writes_per_year.unwrap();
    assert_relative("writes lost a year", lost, failovers * 450.0, 1e-9);
    assert_eq!(solution.entities[0].steady_state().failovers_per_year, None);

    // The simulation agrees (every figure the solver knows, |z| ≤ 4).
    let settings = Settings::from_model(&model);
    let results = nines::experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
    let report = nines::report::Report::new(&model, &results);
    let solution = analytic::solve(&model, &settings).unwrap();
    let checks = nines::report::exact::cross_check(&report, &solution);
    let db = &checks[1].1;
    for figure in ["failovers_per_year", "data_loss_writes_per_year"] {
        let check = db.iter().find(|c| c.figure == figure).expect(figure);
        eprintln!("async pair {figure}: {check:?}");
        assert_check(&format!("async pair {figure}"), check);
    }

    // Sync replication loses nothing; semi-sync is not priced by the chain.
    let sync = ASYNC_PAIR.replace(
        "{mode: async, lag: {dist: exponential, mean: 2s}}",
        "{mode: sync}",
    );
    let solution = analytic::solve(&crate::support::model(&sync), &settings).unwrap();
    let db = solution.entities[1].steady_state();
    assert_eq!(db.data_loss_writes_per_year, Some(0.0));
    assert_relative(
        "sync failovers",
        db.failovers_per_year.unwrap(),
        failovers,
        1e-9,
    );
    let semi = sync.replace("{mode: sync}", "{mode: sync, degrade_after: 10s}");
    let solution = analytic::solve(&crate::support::model(&semi), &settings).unwrap();
    let db = solution.entities[1].steady_state();
    assert_eq!(db.data_loss_writes_per_year, None);
    assert!(db.failovers_per_year.is_some());
}
