//! Rare-event splitting (`nines run --rare`) against exact answers at
//! six nines, against plain Monte Carlo where no exact answer exists, and
//! its determinism.

use crate::exact::k_of_n_independent;
use crate::support::{assert_close, model, nines, settings, write};
use nines::experiment::rare::{self, Method, RareChoice, RareResults};
use nines::experiment::{self, Settings};
use nines::report::Report;

fn rare_run(yaml: &str, settings: Settings, choice: RareChoice) -> RareResults {
    rare::run(&model(yaml), settings, None, choice, None, &|_, _| {}).expect("rare run")
}

fn pool(n: usize, k: usize, ttf: &str, repair: &str) -> String {
    format!(
        "name: pool\nnodes:\n  - name: box\n    count: {n}\n    failures:\n      - name: crash\n        \
         ttf: {ttf}\n        repair: {repair}\nservices:\n  - name: pool\n    nodes: box\n    \
         redundancy: {{mode: active-active, min_up: {k}}}\nsystem: [pool]\n"
    )
}

fn assert_restart(r: &RareResults) {
    assert!(
        matches!(r.method, Method::Restart(_)),
        "expected splitting, got {:?}",
        r.method
    );
    assert!(r.copies > 0, "no copies were made");
}

/// 16 of 20 exponential units (MTTF 1000 h, MTTR 10 h): the system is down
/// 1.27e-6 of the time, about 40 s a year; plain replications of ten years
/// see one outage in about eight.
#[test]
fn splitting_matches_the_binomial_at_six_nines() {
    let yaml = pool(
        20,
        16,
        "{dist: exponential, mean: 1000h}",
        "{dist: exponential, mean: 10h}",
    );
    let (a, f) = k_of_n_independent(20, 16, 1000.0 / 1010.0, 1010.0);
    let u = 1.0 - a;
    // Splitting estimates are skewed (most replications see little, a few
    // much). When copies were costed at 0.3 events a clock, 300 replications
    // understated the error and 2,000 were needed; with pooled clocks (0.05
    // a mode and unit) each tree holds about 15 times more copies and 500
    // are plenty.
    let r = rare_run(
        &yaml,
        settings(500, 87_600.0, 100.0, 3),
        RareChoice::Restart,
    );
    assert_restart(&r);
    assert_close("unavailability", &r.unavailability, u, u, 0.08);
    assert_close(
        "outages per year",
        &r.outages_per_year,
        f * 8766.0,
        f * 8766.0,
        0.08,
    );
}

/// Independent units with any distributions: in the steady state each is
/// down MTTR / (MTTF + MTTR) of the time, independently of the others, so
/// 2 of 3 with Weibull lives and lognormal repairs has the binomial answer.
#[test]
fn splitting_matches_the_renewal_answer_with_weibull_lives_and_lognormal_repairs() {
    let yaml = pool(
        3,
        2,
        "{dist: weibull, shape: 2, mean: 2000h}",
        "{dist: lognormal, mean: 2h, sd: 3h}",
    );
    let (a, _) = k_of_n_independent(3, 2, 2000.0 / 2002.0, 2002.0);
    let u = 1.0 - a;
    // The warm-up lets the renewal processes forget the all-new start.
    let r = rare_run(
        &yaml,
        settings(2000, 87_600.0, 8000.0, 5),
        RareChoice::Restart,
    );
    assert_restart(&r);
    assert_close("unavailability", &r.unavailability, u, u, 0.1);
}

/// Two exponential failure modes per unit (two pools in each copy; a unit
/// down for one mode parks the other's clock, which then leaves its pool)
/// with lognormal repairs: each unit is down (λ₁r₁ + λ₂r₂) / (1 + λ₁r₁ +
/// λ₂r₂) of the time, independently, so 3 of 5 has the binomial answer.
#[test]
fn splitting_matches_the_binomial_with_two_pooled_modes_per_unit() {
    let yaml = "name: two modes\nnodes:\n  - name: box\n    count: 5\n    failures:\n      \
                - name: crash\n        ttf: {dist: exponential, mean: 2000h}\n        \
                repair: {dist: lognormal, mean: 8h, sd: 12h}\n      - name: disk\n        \
                ttf: {dist: exponential, mean: 5000h}\n        \
                repair: {dist: lognormal, mean: 20h, sd: 10h}\nservices:\n  - name: pool\n    \
                nodes: box\n    redundancy: {mode: active-active, min_up: 3}\nsystem: [pool]\n";
    let down = 8.0 / 2000.0 + 20.0 / 5000.0;
    let (a, _) = k_of_n_independent(5, 3, 1.0 / (1.0 + down), 1.0);
    let u = 1.0 - a;
    let r = rare_run(
        yaml,
        settings(1000, 87_600.0, 2000.0, 21),
        RareChoice::Restart,
    );
    assert_restart(&r);
    assert_close("unavailability", &r.unavailability, u, u, 0.1);
}

/// A hot standby pair with a fixed 2-minute switchover and lognormal
/// repairs has no closed form: splitting and plain replications agree.
#[test]
fn splitting_agrees_with_plain_replications_on_a_standby_pair() {
    let yaml = "name: standby pair\nnodes:\n  - name: db\n    count: 2\n    failures:\n      \
                - name: crash\n        ttf: {dist: exponential, mean: 2000h}\n        \
                repair: {dist: lognormal, mean: 20h, sd: 30h}\nservices:\n  - name: db\n    \
                nodes: db\n    redundancy:\n      mode: hot-standby\n      failover:\n        \
                switchover: {dist: fixed, value: 2m}\nsystem: [db]\n";
    let r = rare_run(yaml, settings(600, 87_600.0, 0.0, 12), RareChoice::Restart);
    assert_restart(&r);
    let s = settings(1500, 87_600.0, 0.0, 11);
    assert_agrees_with_plain("standby pair", &model(yaml), &r, s, 0.1);
}

/// Splitting's unavailability against plain replications with `plain`
/// settings: within 4 standard errors, each known to `within` of itself.
/// Returns the splitting estimate.
fn assert_agrees_with_plain(
    name: &str,
    m: &nines::model::Model,
    r: &RareResults,
    plain: Settings,
    within: f64,
) -> f64 {
    let results = experiment::run(m, plain, None, &mut |_, _| {}, &|| {}).expect("run");
    let plain = &Report::new(m, &results).entities[0].1.availability;
    let (pm, ps) = (1.0 - plain.mean.unwrap(), plain.std_err.unwrap());
    let (rm, rs) = (
        r.unavailability.mean.unwrap(),
        r.unavailability.std_err.unwrap(),
    );
    let z = (rm - pm) / (ps * ps + rs * rs).sqrt();
    eprintln!("{name}: splitting {rm:.4e} ± {rs:.1e}, plain {pm:.4e} ± {ps:.1e}, z {z:+.2}");
    assert!(
        z.abs() <= 4.0,
        "splitting and plain differ by {z:.2} standard errors"
    );
    assert!(rs < within * rm && ps < within * pm, "too wide to compare");
    rm
}

/// Six and a half nines without a closed form: a hot-standby trio with
/// lognormal repairs and a fixed one-second switchover. Its switchovers
/// are frequent (4 a year) and short; 60% of its unavailability comes from
/// rare triple failures. `auto` must see that the outages it counts are not
/// what makes the unavailability (it chose plain replications on the count
/// alone, and 20 of them claimed ±6.5% at 2.6× too low), split, and agree
/// with 150,000 plain replications.
#[test]
fn auto_splits_a_standby_trio_of_six_nines_and_agrees_with_long_plain_runs() {
    let yaml = "name: standby trio\nnodes:\n  - name: db\n    count: 3\n    failures:\n      \
                - name: crash\n        ttf: {dist: exponential, mean: 2000h}\n        \
                repair: {dist: lognormal, mean: 12h, sd: 18h}\nservices:\n  - name: db\n    \
                nodes: db\n    redundancy:\n      mode: hot-standby\n      failover:\n        \
                switchover: {dist: fixed, value: 1s}\nsystem: [db]\n";
    let m = model(yaml);
    let r = rare::run(
        &m,
        settings(20_000, 87_600.0, 0.0, 7),
        None,
        RareChoice::Auto,
        Some(0.1),
        &|_, _| {},
    )
    .expect("rare run");
    assert_restart(&r);
    assert!(
        r.precision.as_ref().is_some_and(|p| p.met),
        "{:?}",
        r.precision
    );
    let plain = settings(150_000, 87_600.0, 0.0, 8);
    let rm = assert_agrees_with_plain("standby trio", &m, &r, plain, 0.06);
    assert!(rm < 1e-6, "not six nines: {rm:e}");
}

#[test]
fn a_rare_run_is_the_same_on_any_number_of_threads() {
    let yaml = pool(
        12,
        9,
        "{dist: exponential, mean: 1000h}",
        "{dist: lognormal, mean: 10h, sd: 10h}",
    );
    let s = settings(40, 20_000.0, 0.0, 9);
    let one = rare::run(
        &model(&yaml),
        s,
        Some(1),
        RareChoice::Restart,
        None,
        &|_, _| {},
    )
    .unwrap();
    let two = rare::run(
        &model(&yaml),
        s,
        Some(2),
        RareChoice::Restart,
        None,
        &|_, _| {},
    )
    .unwrap();
    assert_restart(&one);
    assert_eq!(format!("{one:?}"), format!("{two:?}"));
}

/// `auto` keeps plain replications where outages are not rare, and says why.
#[test]
fn auto_keeps_plain_replications_for_frequent_outages() {
    let yaml = pool(
        2,
        2,
        "{dist: exponential, mean: 100h}",
        "{dist: exponential, mean: 1h}",
    );
    let r = rare_run(&yaml, settings(50, 8760.0, 0.0, 1), RareChoice::Auto);
    let Method::Plain(why) = &r.method else {
        panic!("expected plain replications, got {:?}", r.method)
    };
    assert!(why.contains("not rare"), "{why}");
    assert_eq!(r.copies, 0);
    // Two units in series, each down 1/101 of the time.
    let u = 1.0 - (100.0f64 / 101.0).powi(2);
    assert_close("unavailability", &r.unavailability, u, u, 0.05);
    // Under a precision target, plain replications look first where the
    // pilot stopped (20 could miss a rare kind of outage altogether).
    let target = rare::run(
        &model(&yaml),
        settings(1000, 8760.0, 0.0, 1),
        None,
        RareChoice::Auto,
        Some(0.5),
        &|_, _| {},
    )
    .expect("rare run");
    assert!(matches!(target.method, Method::Plain(_)));
    assert_eq!(target.replications, target.pilot_replications);
}

#[test]
fn the_cli_prints_the_method_and_refuses_what_it_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "pool.yaml",
        &pool(
            20,
            16,
            "{dist: exponential, mean: 1000h}",
            "{dist: exponential, mean: 10h}",
        ),
    );
    let out = nines()
        .args([
            "run",
            &file,
            "--rare",
            "restart",
            "--replications",
            "20",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["rare"]["method"], "restart");
    assert_eq!(json["rare"]["replications"], 20);
    assert!(json["rare"]["unavailability"]["mean"].as_f64().unwrap() > 0.0);
    assert!(
        !json["rare"]["splitting"]["thresholds"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let table = nines()
        .args(["run", &file, "--rare", "restart", "--precision", "30%"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("importance splitting (RESTART)"), "{text}");
    assert!(text.contains("precision: ±"), "{text}");
    // Beside the exact answer of the Markov chain.
    let checked = nines()
        .args([
            "run",
            &file,
            "--rare",
            "restart",
            "--replications",
            "100",
            "--cross-check",
            "--json",
        ])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&checked.stdout).unwrap();
    let check = &json["rare"]["cross_check"]["unavailability"];
    let exact = check["exact"].as_f64().unwrap();
    assert!((exact - 1.303e-6).abs() < 0.002e-6, "{check}");
    assert!(check["z"].as_f64().unwrap().abs() <= 4.0, "{check}");
    // Three replications: one of them makes much of the estimate, said.
    let few = nines()
        .args(["run", &file, "--rare", "restart", "--replications", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&few.stdout);
    assert!(text.contains("WARNING: one replication makes"), "{text}");
    let refused = nines()
        .args([
            "run",
            &file,
            "--rare",
            "auto",
            "--out",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--out"));
    let bad = nines()
        .args(["run", &file, "--rare", "splitting"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("possible values"));
}

/// Splitting copies on every shipped scenario, every mechanism in play
/// (standbys, faults, traffic, elections, recoveries...): each spare's
/// update is checked against a whole copy in debug builds, which the tests
/// are (`a write escaped the journal` otherwise), and a tree with copies
/// ends like any replication. Forced splitting (every importance value a
/// threshold, factor 1.5) over one year, two replications each.
#[test]
fn copies_are_exact_on_every_shipped_scenario() {
    use nines::engine::rare::{Importance, Splitting, simulate};
    // Beside them, slow members in a pool under traffic (no shipped
    // scenario splits with `factor`: its slowdowns went unchecked).
    let slow_pool = "name: slow pool\nnodes:\n  - name: box\n    count: 6\n    capacity: 400/s\n    \
                     failures:\n      - {name: crash, ttf: {dist: exponential, mean: 200h}, \
                     repair: {dist: lognormal, mean: 10h, sd: 5h}}\n      - {name: gc, ttf: \
                     {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 1h}, \
                     effect: slow, factor: 2}\nservices:\n  - name: pool\n    nodes: box\n    \
                     redundancy: {mode: active-active, min_up: 3}\nfaults:\n  - name: slow box\n    \
                     every: {dist: exponential, mean: 40h}\n    action: slow\n    target: {random: box}\n    \
                     duration: {dist: exponential, mean: 2h}\n    factor: 4\ntraffic:\n  - \
                     {service: pool, rate: 900/s}\nsystem: [pool]\n";
    let shipped = crate::support::shipped_in(&["scenarios"]).into_iter();
    let models = shipped
        .map(|path| {
            (
                format!("{path:?}"),
                nines::scenario::load(&path).expect("valid"),
            )
        })
        .chain([("slow pool".to_string(), model(slow_pool))]);
    let mut copied = 0;
    for (path, m) in models {
        let plan = nines::engine::Plan::new(&m);
        let importance = Importance::of(&plan);
        if importance.top < 2 {
            continue;
        }
        let thresholds: Vec<u32> = (1..importance.top).collect();
        let splitting = Splitting {
            factors: vec![1.5; thresholds.len()],
            thresholds,
        };
        let mut run = Settings::from_model(&m).run_settings();
        run.horizon_us = run.horizon_us.min(8_760 * 3_600_000_000);
        for rep in 0..2 {
            let out = simulate(&plan, run, rep, &splitting, &importance);
            assert!(out.down_us.is_finite() && out.down_us >= 0.0, "{path}");
            copied += out.copies;
        }
    }
    assert!(copied > 1000, "{copied} copies: the check saw too few");
}
