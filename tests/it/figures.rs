//! Figures that stay honest: censored MTTFF, intervals for few events,
//! incidents apart from blips, quantiles of equal values.

use crate::support::{assert_close, figures, model};
use nines::experiment::{self, Settings};
use nines::metrics::{Estimate, Figures};
use nines::model::micros_from_hours;
use nines::report::Report;

/// Runs `yaml` with an incident threshold.
fn figures_with_threshold(
    yaml: &str,
    n: u64,
    horizon_h: f64,
    warmup_h: f64,
    seed: u64,
    threshold_h: f64,
) -> Vec<Figures> {
    let settings = Settings {
        incident_threshold_us: micros_from_hours(threshold_h),
        ..crate::support::settings(n, horizon_h, warmup_h, seed)
    };
    crate::support::figures_with(yaml, settings)
}

fn contains(e: &Estimate, x: f64) -> bool {
    e.ci95.is_some_and(|[lo, hi]| lo <= x && x <= hi)
}

const WEAR_OUT: &str = "name: wear-out disk
nodes:
  - {name: disk, count: 1, failures: [{name: wear, ttf: {dist: weibull, shape: 3, mean: 20y}, repair: 1d}]}
services:
  - {name: disk, nodes: disk}
";

/// ∫₀^τ exp(−(t/η)³) dt by Simpson's rule, in hours.
fn weibull_restricted_mean_h(eta_h: f64, tau_h: f64) -> f64 {
    let n = 20_000;
    let h = tau_h / f64::from(n);
    let s = |t: f64| (-(t / eta_h).powi(3)).exp();
    let mut sum = s(0.0) + s(tau_h);
    for i in 1..n {
        sum += s(f64::from(i) * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    sum * h / 3.0
}

#[test]
fn mttff_of_a_wear_out_disk_over_a_shorter_horizon_is_censored_not_114_years() {
    // Weibull shape 3, mean 20 y, over 10 y: most replications see no
    // failure. Total time on test gave 114 y; the mean is not estimable.
    let f = &figures(WEAR_OUT, 2000, 87_600.0, 0.0, 5)[1];
    assert!(f.mttff_censored);
    assert_eq!(
        f.mttff_h.mean, None,
        "MTTFF printed as {:?}",
        f.mttff_h.mean
    );
    let eta_h = 20.0 * 8760.0 / 0.892_979_511_569_249_2; // Γ(4/3)
    let restricted = weibull_restricted_mean_h(eta_h, 87_600.0);
    assert_close(
        "restricted MTTFF",
        &f.mttff_restricted_h,
        restricted,
        restricted,
        0.01,
    );
    let lower = f.mttff_h.lower95.unwrap();
    assert!(
        lower < restricted && lower < 20.0 * 8760.0,
        "lower bound {lower}"
    );
    // Over 100 years every replication fails: the plain mean, 20 y.
    let f = &figures(WEAR_OUT, 400, 876_000.0, 0.0, 6)[1];
    assert!(!f.mttff_censored);
    assert_close("MTTFF", &f.mttff_h, 20.0 * 8760.0, 20.0 * 8760.0, 0.05);
}

#[test]
fn cross_check_compares_the_restricted_mttff_with_its_exact_value() {
    // Exponential, MTTF 1000 h, over 1000 h: E[min(T, τ)] = 1000 (1 − e⁻¹).
    let yaml = "name: one
nodes:
  - {name: s, count: 1, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: s, nodes: s}
";
    let model = model(yaml);
    let settings = Settings {
        seed: 3,
        n_replications: 2000,
        horizon_us: micros_from_hours(1000.0),
        warmup_us: 0,
        incident_threshold_us: 0,
    };
    let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
    let report = Report::new(&model, &results);
    let solution = nines::analytic::solve(&model, &settings).unwrap();
    let checks = nines::report::exact::cross_check(&report, &solution);
    let find = |name: &str| {
        checks[1]
            .1
            .iter()
            .find(|c| c.figure == name)
            .unwrap()
            .clone()
    };
    let restricted = find("mttff_restricted_h");
    let exact = 1000.0 * (1.0 - (-1.0f64).exp());
    assert!((restricted.exact.unwrap() - exact).abs() < 1e-6 * exact);
    assert!(restricted.z.unwrap().abs() <= 4.0, "{restricted:?}");
    // The true mean, not the censored limit, and no estimate to set beside it.
    let mttff = find("mttff_h");
    assert!((mttff.exact.unwrap() - 1000.0).abs() < 1e-6);
    assert_eq!(mttff.estimate, None);
}

#[test]
fn mttr_from_outages_all_in_one_replication_keeps_their_spread() {
    // quorum-5, 5 replications, seed 2: two outages, both in one replication.
    // The delta method gave 2.229581163 ± 0.000000093 (z = −3.4e7).
    let model = nines::scenario::load(std::path::Path::new("scenarios/quorum-5.yaml")).unwrap();
    let settings = Settings {
        seed: 2,
        n_replications: 5,
        ..Settings::from_model(&model)
    };
    let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
    let f = &Report::new(&model, &results).entities[0].1;
    let [lo, hi] = f.mttr_h.ci95.unwrap();
    let mttr = f.mttr_h.mean.unwrap();
    eprintln!(
        "MTTR {mttr} [{lo}, {hi}], failures/yr {:?}",
        f.failures_per_year.ci95
    );
    assert!((mttr - 2.229_581).abs() < 1e-5, "the same two outages");
    assert!(hi / lo > 2.0, "[{lo}, {hi}] from two outages");
    assert!(
        contains(&f.mttr_h, 3.349_905),
        "exact MTTR outside [{lo}, {hi}]"
    );
    // Its standard error (the cross-check's z) shows the outages' spread too.
    let se = f.mttr_h.std_err.unwrap();
    assert!(se > 0.1 * mttr, "standard error {se} from one cluster");
    // Two failures: Garwood's interval of the rate, not one from one cluster.
    let [flo, fhi] = f.failures_per_year.ci95.unwrap();
    assert!(
        flo > 0.0 && contains(&f.failures_per_year, 0.025),
        "[{flo}, {fhi}]"
    );
}

#[test]
fn a_rate_never_seen_has_a_one_sided_bound() {
    let yaml = "name: one
nodes:
  - {name: s, count: 1, failures: [{name: f, ttf: {dist: exponential, mean: 1000y}, repair: 1h}]}
services:
  - {name: s, nodes: s}
";
    let f = &figures(yaml, 20, 1.0, 0.0, 1)[1];
    assert_eq!(f.failures_per_year.mean, Some(0.0));
    let bound = f.failures_per_year.upper95.unwrap();
    // −ln 0.05 events over 20 hours, per year.
    assert!((bound - 2.995_732 / 20.0 * 8760.0).abs() < 1e-3, "{bound}");
    assert_eq!(f.availability.mean, Some(1.0));
    assert_eq!(f.availability.ci95, None, "no outage seen bounds nothing");
    assert!(f.mtbf_h.mean.is_none() && f.mtbf_h.lower95.is_some());
}

/// A server restarts in 30 s (mean every 100 h) or loses a disk (mean
/// every 1000 h, repaired in an exponential 4 h); while it is down its
/// other clock pauses, so the up time is a Poisson process of both.
const RESTARTS_AND_DISKS: &str = "name: blips and incidents
nodes:
  - name: s
    count: 1
    failures:
      - {name: restart, ttf: {dist: exponential, mean: 100h}, repair: 30s}
      - {name: disk, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 4h}}
services:
  - {name: s, nodes: s}
";

#[test]
fn incidents_leave_out_outages_shorter_than_the_threshold() {
    let (l1, l2) = (1.0 / 100.0, 1.0 / 1000.0);
    let a = 1.0 / (1.0 + l1 * 30.0 / 3600.0 + l2 * 4.0);
    // With a threshold of 1 minute: disk outages of at least a minute.
    let incidents = a * l2 * (-1.0f64 / 240.0).exp() * 8760.0;
    let f = &figures_with_threshold(RESTARTS_AND_DISKS, 400, 20_000.0, 1000.0, 8, 1.0 / 60.0)[1];
    assert_close(
        "incidents/yr",
        &f.incidents_per_year,
        incidents,
        incidents,
        0.05,
    );
    assert_close(
        "MTBI",
        &f.mtbi_h,
        8760.0 / incidents,
        8760.0 / incidents,
        0.05,
    );
    let failures = a * (l1 + l2) * 8760.0;
    assert_close(
        "failures/yr",
        &f.failures_per_year,
        failures,
        failures,
        0.05,
    );
    // Outage lengths: 30 s with probability 10/11, else exponential 4 h.
    // p50 is 30 s exactly; P(X > x) = (1/11) e^(−x / 4 h) gives p95 and p99.
    assert_eq!(f.outage_s_p50.mean, Some(30.0));
    assert!(contains(&f.outage_s_p50, 30.0));
    for (e, q) in [(&f.outage_s_p95, 0.95f64), (&f.outage_s_p99, 0.99)] {
        let exact = 4.0 * 3600.0 * (1.0 / (11.0 * (1.0 - q))).ln();
        let [lo, hi] = e.ci95.unwrap();
        eprintln!("p{q}: {:?} [{lo}, {hi}] exact {exact}", e.mean);
        assert!(
            lo <= exact && exact <= hi,
            "p{q}: exact {exact} outside [{lo}, {hi}]"
        );
        assert!(hi / lo < 1.15, "p{q}: [{lo}, {hi}] too wide to test");
    }
    // Without a threshold every failure is an incident.
    let f = &figures_with_threshold(RESTARTS_AND_DISKS, 20, 20_000.0, 1000.0, 8, 0.0)[1];
    assert_eq!(f.incidents_per_year, f.failures_per_year);
    assert_eq!(f.mtbi_h, f.mtbf_h);
}

#[test]
fn a_fixed_takeover_has_its_quantiles_at_that_time() {
    // A fixed 30 s switchover, no detection: every takeover takes 30 s
    // (p50 was 30.0089 ± 0.0000, an interval that excluded the truth).
    let yaml = "name: fixed takeover
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 400h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: db, nodes: db, redundancy: {mode: hot-standby, failover: {switchover: 30s}}}
";
    let f = &figures(yaml, 20, 87_600.0, 0.0, 4)[1];
    for name in ["takeover_s_p50", "takeover_s_p95", "takeover_s_p99"] {
        let e = &f.extras.iter().find(|(n, _)| *n == name).unwrap().1;
        assert_eq!(e.mean, Some(30.0), "{name}");
        assert!(contains(e, 30.0), "{name}: {:?}", e.ci95);
    }
}

#[test]
fn no_interval_leaves_its_figures_range_on_any_shipped_scenario() {
    // 200 replications each (gc-pauses, 80 times slower than the others, 12).
    let paths = crate::support::shipped_in(&["scenarios"]);
    let mut checked = 0;
    for path in paths {
        let model = nines::scenario::load(&path).unwrap();
        let slow = path.ends_with("gc-pauses.yaml");
        // The per-request scenarios: as many as 2e7 events allow.
        let one = Settings {
            n_replications: 1,
            ..Settings::from_model(&model)
        };
        let by_budget = (2e7 / experiment::expected_events(&model, &one)).clamp(2.0, 200.0) as u64;
        let settings = Settings {
            n_replications: if slow { 12 } else { by_budget },
            ..Settings::from_model(&model)
        };
        let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).unwrap();
        for (entity, f) in Report::new(&model, &results).entities {
            let all = f
                .named()
                .into_iter()
                .chain(f.extras.iter().map(|(n, e)| (*n, e)));
            for (figure, e) in all {
                let what = format!("{} {entity} {figure}: {e:?}", path.display());
                let high = if figure == "availability" {
                    1.0
                } else {
                    f64::INFINITY
                };
                if let Some([lo, hi]) = e.ci95 {
                    assert!(lo >= 0.0 && hi <= high && lo <= hi, "{what}");
                    let mean = e.mean.unwrap();
                    assert!(lo <= mean && mean <= hi, "{what}");
                }
                for bound in [e.upper95, e.lower95].into_iter().flatten() {
                    assert!((0.0..=high).contains(&bound), "{what}");
                }
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked} scenarios");
}

/// Interval availability of one repairable unit over [0, t] from new
/// (failure rate λ, repair rate μ): μ/s + λ/(s² t)·(1 − e^(−s t)), s = λ + μ.
fn interval_availability(lambda: f64, mu: f64, t: f64) -> f64 {
    let s = lambda + mu;
    mu / s + lambda / (s * s * t) * (1.0 - (-s * t).exp())
}

#[test]
fn intervals_cover_the_exact_value_near_95_percent_when_outages_are_rare() {
    // One server, MTTF 1000 h, MTTR 10 h, over 50 h: about 5% of
    // replications see a failure; 200 replications per seed, 300 seeds.
    let yaml = "name: rare outages
nodes:
  - {name: s, count: 1, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: s, nodes: s}
";
    let (lambda, mu, t) = (1.0 / 1000.0, 1.0 / 10.0, 50.0);
    let a = interval_availability(lambda, mu, t);
    // Failures begin while up: λ·A·t in the window; downtime / failures for MTTR.
    let failures_per_year = lambda * a * 8760.0;
    let mttr = (1.0 - a) / (lambda * a);
    let model = model(yaml);
    let seeds = 300u64;
    let mut covered = [0u32; 3];
    for seed in 0..seeds {
        let settings = Settings {
            seed,
            n_replications: 200,
            horizon_us: micros_from_hours(t),
            warmup_us: 0,
            incident_threshold_us: 0,
        };
        let results = experiment::run(&model, settings, Some(1), &mut |_, _| {}, &|| {}).unwrap();
        let f = &Report::new(&model, &results).entities[1].1;
        let hits = [
            contains(&f.availability, a),
            contains(&f.failures_per_year, failures_per_year),
            contains(&f.mttr_h, mttr),
        ];
        for (c, hit) in covered.iter_mut().zip(hits) {
            *c += u32::from(hit);
        }
    }
    let rates = covered.map(|c| f64::from(c) / seeds as f64);
    eprintln!(
        "coverage over {seeds} seeds: availability {:.3}, failures/yr {:.3}, MTTR {:.3}",
        rates[0], rates[1], rates[2]
    );
    // Binomial sd of a 95% coverage over 300 seeds: 1.3%.
    for (name, rate) in ["availability", "failures/yr", "MTTR"]
        .into_iter()
        .zip(rates)
    {
        assert!((0.92..=0.99).contains(&rate), "{name}: coverage {rate:.3}");
    }
}

fn nines_cmd() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("nines").expect("binary")
}

#[test]
fn a_bare_zero_is_a_duration_on_the_command_line_too() {
    use predicates::prelude::*;
    // `0` is a duration, as in a scenario: a zero warm-up and threshold run.
    nines_cmd()
        .args(["run", "scenarios/single-server.yaml", "--replications", "5"])
        .args(["--warmup", "0", "--incident-threshold", "0"])
        .assert()
        .success();
    // A zero horizon is refused for what it is, not for a missing unit.
    nines_cmd()
        .args(["run", "scenarios/single-server.yaml", "--horizon", "0"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("must be longer than zero"))
        .stderr(predicate::str::contains("unit").not());
}

#[test]
fn the_incident_threshold_is_a_scenario_setting_and_a_flag() {
    let yaml = RESTARTS_AND_DISKS.replace(
        "name: blips and incidents\n",
        "name: blips and incidents\nsimulation: {horizon: 5000h, replications: 20, incident_threshold: 1m}\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blips.yaml");
    std::fs::write(&path, yaml).unwrap();
    let run = |extra: &[&str]| -> serde_json::Value {
        let out = nines_cmd()
            .arg("run")
            .arg(&path)
            .args(["--json"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let scenario = run(&[]);
    let flag = run(&["--incident-threshold", "0"]);
    let s = &scenario["system"];
    let incidents = s["incidents_per_year"]["mean"].as_f64().unwrap();
    let failures = s["failures_per_year"]["mean"].as_f64().unwrap();
    assert!(incidents < failures / 5.0, "{incidents} of {failures}");
    assert!(s["mtbi_h"]["mean"].as_f64().unwrap() > s["mtbf_h"]["mean"].as_f64().unwrap());
    assert_eq!(
        flag["system"]["incidents_per_year"],
        flag["system"]["failures_per_year"]
    );
    for p in ["outage_s_p50", "outage_s_p95", "outage_s_p99"] {
        assert!(s[p]["mean"].is_number(), "{p}");
    }
}

#[test]
fn the_readme_quotes_what_nines_solve_prints_for_quorum_5() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = "$ nines solve scenarios/quorum-5.yaml\n";
    let quoted = readme
        .split(start)
        .nth(1)
        .and_then(|rest| rest.split("```").next());
    let out = nines_cmd()
        .args(["solve", "scenarios/quorum-5.yaml"])
        .output()
        .unwrap();
    assert_eq!(quoted, Some(String::from_utf8_lossy(&out.stdout).as_ref()));
}
