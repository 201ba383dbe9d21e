//! Running a scenario from text and comparing estimates with exact values.

use nines::experiment::{self, Settings};
use nines::metrics::{Estimate, Figures};
use nines::model::{Model, micros_from_hours};
use nines::report::Report;
use std::path::Path;

pub fn model(yaml: &str) -> Model {
    match nines::scenario::parse_bytes(yaml.as_bytes(), "test.yaml", Path::new(".")) {
        Ok(model) => model,
        Err(err) => panic!("scenario should be valid:\n{err}"),
    }
}

/// Run settings in hours, with no incident threshold.
pub fn settings(replications: u64, horizon_h: f64, warmup_h: f64, seed: u64) -> Settings {
    Settings {
        seed,
        n_replications: replications,
        horizon_us: micros_from_hours(horizon_h),
        warmup_us: micros_from_hours(warmup_h),
        incident_threshold_us: 0,
    }
}

/// Runs `yaml` with the given settings and returns the figures of the
/// system and then of each service.
pub fn figures(
    yaml: &str,
    replications: u64,
    horizon_h: f64,
    warmup_h: f64,
    seed: u64,
) -> Vec<Figures> {
    figures_with(yaml, settings(replications, horizon_h, warmup_h, seed))
}

/// Runs `yaml` with `settings` and returns the figures of the system and
/// then of each service.
pub fn figures_with(yaml: &str, settings: Settings) -> Vec<Figures> {
    let model = model(yaml);
    let results = experiment::run(&model, settings, None, &mut |_, _| {}, &|| {}).expect("run");
    Report::new(&model, &results)
        .entities
        .into_iter()
        .map(|(_, f)| f)
        .collect()
}

/// Asserts that `estimate` is within four standard errors of `exact`, and
/// that the standard error is small enough (`max_rel_se` of `scale`) for
/// the comparison to mean something.
pub fn assert_close(what: &str, estimate: &Estimate, exact: f64, scale: f64, max_rel_se: f64) {
    let mean = estimate
        .mean
        .unwrap_or_else(|| panic!("{what}: no estimate"));
    let se = estimate
        .std_err
        .unwrap_or_else(|| panic!("{what}: no standard error"));
    let z = (mean - exact) / se;
    eprintln!("{what}: estimate {mean:.9} exact {exact:.9} se {se:.3e} z {z:+.2}");
    assert!(
        se <= max_rel_se * scale.abs(),
        "{what}: standard error {se:.3e} too large to test against {exact} (limit {:.3e})",
        max_rel_se * scale.abs()
    );
    assert!(
        z.abs() <= 4.0,
        "{what}: estimate {mean} is {z:.2} standard errors from the exact {exact}"
    );
}

/// Asserts that `estimate` is within four standard errors of `exact`, and
/// that its standard error is at most a tenth of `exact`.
pub fn assert_figure(what: &str, estimate: &Estimate, exact: f64) {
    assert_close(what, estimate, exact, exact, 0.1);
}

/// Asserts that the availability of `f` is 1 − `unavailability`, within
/// four standard errors that are at most a tenth of the unavailability.
pub fn assert_unavailability(what: &str, f: &Figures, unavailability: f64) {
    assert_close(
        what,
        &f.availability,
        1.0 - unavailability,
        unavailability,
        0.1,
    );
}

/// Exact steady-state values of one design.
pub struct Exact {
    pub availability: f64,
    /// System failures per hour.
    pub frequency_per_h: f64,
    pub mttff_h: Option<f64>,
}

/// Checks every steady-state figure of `f` against `exact`.
pub fn assert_steady_state(name: &str, f: &Figures, exact: &Exact) {
    let a = exact.availability;
    let freq = exact.frequency_per_h;
    let unavailability = 1.0 - a;
    assert_close(
        &format!("{name} availability"),
        &f.availability,
        a,
        unavailability,
        0.1,
    );
    assert_close(
        &format!("{name} downtime"),
        &f.downtime_min_per_year,
        unavailability * 525_600.0,
        unavailability * 525_600.0,
        0.1,
    );
    assert_close(
        &format!("{name} failures/yr"),
        &f.failures_per_year,
        freq * 8760.0,
        freq * 8760.0,
        0.1,
    );
    assert_close(
        &format!("{name} MTBF"),
        &f.mtbf_h,
        1.0 / freq,
        1.0 / freq,
        0.1,
    );
    assert_close(&format!("{name} MUT"), &f.mut_h, a / freq, a / freq, 0.1);
    assert_close(
        &format!("{name} MTTR"),
        &f.mttr_h,
        unavailability / freq,
        unavailability / freq,
        0.1,
    );
    if let Some(mttff) = exact.mttff_h {
        assert_close(&format!("{name} MTTFF"), &f.mttff_h, mttff, mttff, 0.1);
    }
}

/// The shipped scenario files in `dirs`, sorted.
pub fn shipped_in(dirs: &[&str]) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in dirs {
        for entry in std::fs::read_dir(dir).expect("scenarios directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every shipped scenario, the benchmark workloads included.
pub fn shipped() -> Vec<std::path::PathBuf> {
    shipped_in(&["scenarios", "scenarios/bench"])
}

/// The extra figure `name` of `f` (request, failover, fault figures...).
pub fn extra<'a>(f: &'a Figures, name: &str) -> &'a Estimate {
    f.extras
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, e)| e)
        .unwrap_or_else(|| panic!("no figure {name}"))
}

/// The problems of a scenario as the CLI prints them (empty when valid).
pub fn problems_text(yaml: &str) -> String {
    nines::scenario::parse_bytes(yaml.as_bytes(), "t.yaml", std::path::Path::new("."))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

/// The `nines` binary, to run as a user would.
pub fn nines() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("nines").expect("binary")
}

/// Writes `text` to `dir/name` and returns the path as text.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}
