//! `cost`: the design priced as provisioned, its downtime, failed requests
//! and lost writes priced per replication; exact on a k-of-n pool, and
//! every bad price refused with its place.

use crate::support::{extra, figures};
use nines::scenario::parse_bytes;
use std::path::Path;

/// n independent nodes (fail every 100 h, repaired in 10 h), at least 2 up.
fn pool(n: u32, cost: &str) -> String {
    format!(
        "name: priced pool
nodes: [{{name: app, count: {n}, failures: [{{name: crash, ttf: {{dist: exponential, mean: 100h}}, repair: {{dist: exponential, mean: 10h}}}}]}}]
services: [{{name: app, nodes: app, redundancy: {{mode: active-active, min_up: 2}}}}]
cost:
{cost}"
    )
}

const PRICES: &str = "  nodes: {app: 2000/y}\n  downtime: 50/min\n";

/// P(fewer than 2 of n up), each up with probability 10/11.
fn unavailability(n: i32) -> f64 {
    let q: f64 = 1.0 / 11.0;
    let p = 1.0 - q;
    q.powi(n) + f64::from(n) * p * q.powi(n - 1)
}

#[test]
fn a_priced_pool_costs_its_nodes_plus_its_binomial_downtime() {
    for n in [3, 4] {
        let yaml = pool(n as u32, PRICES);
        let system = &figures(&yaml, 400, 87_600.0, 0.0, 3)[0];
        let infra = extra(system, "infrastructure_cost_per_year");
        assert_eq!(infra.mean, Some(2000.0 * f64::from(n)));
        assert_eq!(infra.ci95, Some([2000.0 * f64::from(n); 2]));
        let downtime = 50.0 * unavailability(n) * 525_600.0;
        let total = extra(system, "total_cost_per_year");
        let (mean, se) = (total.mean.unwrap(), total.std_err.unwrap());
        let exact = 2000.0 * f64::from(n) + downtime;
        assert!(
            (mean - exact).abs() <= 4.0 * se,
            "{n} nodes: {mean} ± {se} vs {exact}"
        );
        assert!(se < 0.05 * downtime, "{n} nodes: standard error {se}");
        // The total is infrastructure plus downtime, replication by replication.
        let d = extra(system, "downtime_cost_per_year").mean.unwrap();
        assert!((mean - 2000.0 * f64::from(n) - d).abs() < 1e-6 * mean);
        // And the downtime cost is the price times the downtime.
        let minutes = system.downtime_min_per_year.mean.unwrap();
        assert!((d - 50.0 * minutes).abs() < 1e-9 * d);
    }
}

#[test]
fn cold_spares_cost_their_idle_factor_and_crews_and_links_their_price() {
    let yaml = "
name: priced cold standby
crews: [{name: ops, size: 2}]
domains: [{name: a}, {name: b}]
network:
  links: [{between: [a, b], failures: [{name: cut, ttf: {dist: exponential, mean: 5000h}, repair: 1h}]}]
nodes:
  - {name: db, count: 3, domains: [a], failures: [{name: crash, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 8h}, crew: ops}]}
services: [{name: db, nodes: db, redundancy: {mode: cold-standby, boot: 2m}}]
cost:
  nodes: {db: 1000/month}
  idle_factor: {db: 0.25}
  crews: {ops: 100000/y}
  links: 100/month
";
    let system = &figures(yaml, 20, 8760.0, 0.0, 1)[0];
    // One running member at 12,000 a year, two idle spares at a quarter.
    let expected = 12_000.0 * (1.0 + 2.0 * 0.25) + 2.0 * 100_000.0 + 1200.0;
    let infra = extra(system, "infrastructure_cost_per_year").mean.unwrap();
    assert!((infra - expected).abs() < 1e-6, "{infra} vs {expected}");
    // Nothing random is priced: the total is the infrastructure.
    assert_eq!(extra(system, "total_cost_per_year").mean, Some(infra));
}

#[test]
fn cost_adds_no_event_and_changes_no_figure() {
    let priced = pool(3, PRICES);
    let plain = priced.split("cost:").next().unwrap().to_string();
    let a = &figures(&priced, 50, 8760.0, 0.0, 5)[0];
    let b = &figures(&plain, 50, 8760.0, 0.0, 5)[0];
    assert_eq!(a.availability, b.availability);
    assert_eq!(a.failures_per_year, b.failures_per_year);
    let events = |yaml: &str| {
        let model = crate::support::model(yaml);
        let settings = nines::experiment::Settings::from_model(&model);
        nines::experiment::run(&model, settings, None, &mut |_, _| {}, &|| {})
            .unwrap()
            .events
    };
    assert_eq!(events(&priced), events(&plain));
}

fn problems(yaml: &str) -> Vec<String> {
    match parse_bytes(yaml.as_bytes(), "t.yaml", Path::new(".")) {
        Ok(_) => Vec::new(),
        Err(nines::scenario::LoadError::Invalid(d)) => d
            .items
            .iter()
            .map(|i| {
                format!(
                    "{}:{} {} ({})",
                    i.loc.line,
                    i.loc.column,
                    i.message,
                    i.hint.clone().unwrap_or_default()
                )
            })
            .collect(),
        Err(e) => vec![e.to_string()],
    }
}

#[test]
fn bad_prices_are_refused_each_at_its_place() {
    let yaml = pool(
        3,
        "  nodes: {ap: 2000/y, app: -5/y}
  crews: {ops: 100/y}
  idle_factor: {app: 1.5}
  downtime: {apx: 50/min}
  links: 1200
  failed_requests: 0.01
  lost_writes: -1
",
    );
    let found = problems(&yaml);
    let expect = [
        "5:11 unknown key `ap` in `cost.nodes` (did you mean `app`?)",
        "5:28 the price of `app` is negative: `-5/y`",
        "6:11 unknown key `ops` in `cost.crews`",
        "7:17 the idle factor of `app` changes nothing: none of its nodes is a cold spare",
        "7:22 the idle factor of `app` is 1.5, not between 0 and 1",
        "8:14 unknown key `apx` in `cost.downtime` (did you mean `app`?)",
        "9:10 the price of a link has no unit of time",
        "9:10 `cost.links` prices links, but the scenario has none",
        "10:20 `cost.failed_requests` prices failed requests, but no service has `traffic`",
        "11:16 the price of a lost write is negative: -1",
        "11:16 `cost.lost_writes` prices lost writes, but no service has `replication`",
    ];
    for e in expect {
        assert!(
            found.iter().any(|f| f.starts_with(e)),
            "missing {e}: {found:#?}"
        );
    }
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    let found = problems(&pool(
        3,
        "  nodes: {app: 2000}\n  downtime: 50/fortnight\n  write_unavailable: 5/min\n",
    ));
    assert!(found[0].contains("has no unit of time"), "{found:?}");
    assert!(
        found[1].contains("`50/fortnight` is not a price"),
        "{found:?}"
    );
    assert!(
        found[2].contains("no service has `replication`"),
        "{found:?}"
    );
    assert_eq!(found.len(), 3, "{found:?}");
}

/// Lost writes and failed requests are priced replication by replication:
/// their cost is the price times the figure the run reports.
#[test]
fn lost_writes_and_failed_requests_cost_their_price_times_the_figure() {
    let read = |f: &str| std::fs::read_to_string(format!("scenarios/{f}")).unwrap();
    let yaml = format!(
        "{}\ncost: {{lost_writes: 0.5}}\n",
        read("async-replica.yaml")
    );
    let f = figures(&yaml, 100, 87_600.0, 0.0, 2);
    let lost = extra(&f[1], "data_loss_writes_per_year").mean.unwrap();
    let cost = extra(&f[0], "lost_writes_cost_per_year").mean.unwrap();
    assert!(
        lost > 1000.0 && (cost - 0.5 * lost).abs() < 1e-9 * cost,
        "{cost} vs {lost}"
    );
    let yaml = format!(
        "{}\ncost: {{failed_requests: 0.002}}\n",
        read("lb-round-robin.yaml")
    );
    let f = figures(&yaml, 20, 8760.0, 0.0, 2);
    let failed: f64 = f[1..]
        .iter()
        .filter_map(|s| {
            s.extras
                .iter()
                .find(|(n, _)| *n == "requests_failed_per_year")
        })
        .map(|(_, e)| e.mean.unwrap())
        .sum();
    let cost = extra(&f[0], "failed_requests_cost_per_year").mean.unwrap();
    assert!(
        failed > 0.0 && (cost - 0.002 * failed).abs() < 1e-9 * cost,
        "{cost} vs {failed}"
    );
}

fn sweep_json(yaml: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pool.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = assert_cmd::Command::cargo_bin("nines")
        .unwrap()
        .arg("sweep")
        .arg(&file)
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (
        out.status.code(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sweep over the pool's size prices every count as the exact
/// formula does (2000 a node, 50 a minute down times the binomial
/// unavailability) and picks the cheapest, 6, significantly cheaper than 7.
#[test]
fn the_sweep_finds_the_count_that_minimises_the_total_cost() {
    let yaml = format!(
        "simulation: {{horizon: 10y, replications: 400, seed: 3}}\n{}",
        pool(3, PRICES)
    );
    let (code, json, stderr) = sweep_json(
        &yaml,
        &[
            "--set",
            "nodes.app.count=3..8",
            "--objective",
            "total_cost_per_year",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let exact = |n: i32| 2000.0 * f64::from(n) + 50.0 * unavailability(n) * 525_600.0;
    let argmin = (3..=8)
        .min_by(|&a, &b| exact(a).total_cmp(&exact(b)))
        .unwrap();
    assert_eq!(argmin, 6);
    for (n, point) in (3..=8).zip(json["points"].as_array().unwrap()) {
        let total = &point["summary"]["system"]["total_cost_per_year"];
        let (mean, se) = (
            total["mean"].as_f64().unwrap(),
            total["std_err"].as_f64().unwrap(),
        );
        assert!(
            (mean - exact(n)).abs() <= 4.0 * se,
            "{n}: {mean} ± {se} vs {}",
            exact(n)
        );
    }
    let best = &json["best"];
    assert_eq!(best["settings"]["nodes.app.count"], 6);
    assert_eq!(best["runner_up"]["settings"]["nodes.app.count"], 7);
    assert_eq!(best["paired"], true);
    assert_eq!(best["significant"], true);
    assert_eq!(json["objective"]["best"], "lowest");
}

/// With `--subject-to-slos` only points whose SLOs pass may be best:
/// at 99.999% the cheapest counts fail and the best is the cheapest that
/// passes; each point carries its verdict.
#[test]
fn subject_to_slos_only_passing_points_may_be_best() {
    let yaml = format!(
        "simulation: {{horizon: 10y, replications: 400, seed: 3}}\nslos: [{{availability: 99.999%}}]\n{}",
        pool(3, PRICES)
    );
    let (code, json, stderr) = sweep_json(
        &yaml,
        &[
            "--set",
            "nodes.app.count=5..8",
            "--objective",
            "total_cost_per_year",
            "--subject-to-slos",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let verdicts: Vec<&str> = json["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slos"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts[..2], ["fail", "fail"], "{verdicts:?}");
    assert_eq!(verdicts[3], "pass", "{verdicts:?}");
    let best = json["best"]["settings"]["nodes.app.count"]
        .as_i64()
        .unwrap();
    let first_pass = 5 + verdicts.iter().position(|v| *v == "pass").unwrap() as i64;
    assert_eq!(best, first_pass);
    // Bad objectives.
    let (code, _, stderr) = sweep_json(
        &yaml,
        &["--set", "nodes.app.count=5,6", "--objective", "total_cost"],
    );
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("did you mean `total_cost_per_year`?"),
        "{stderr}"
    );
    let plain = yaml.replace("slos: [{availability: 99.999%}]\n", "");
    let (code, _, stderr) = sweep_json(
        &plain,
        &[
            "--set",
            "nodes.app.count=5,6",
            "--objective",
            "total_cost_per_year",
            "--subject-to-slos",
        ],
    );
    assert_eq!(code, Some(2));
    assert!(stderr.contains("has no `slos`"), "{stderr}");
}

/// Minutes without writes under sync replication cost their price.
#[test]
fn minutes_without_writes_cost_their_price() {
    let yaml = std::fs::read_to_string("scenarios/replication-cost.yaml")
        .unwrap()
        .replace(
            "{mode: async, lag: {dist: exponential, mean: 1s}}",
            "{mode: sync}",
        );
    let f = figures(&yaml, 100, 87_600.0, 0.0, 4);
    let minutes = extra(&f[1], "write_unavailable_min_per_year").mean.unwrap();
    let cost = extra(&f[0], "write_unavailable_cost_per_year")
        .mean
        .unwrap();
    assert!(minutes > 1000.0, "{minutes}");
    assert!(
        (cost - 200.0 * minutes).abs() < 1e-9 * cost,
        "{cost} vs {minutes}"
    );
}

/// `nines compare` prices each design and pairs their costs: a design
/// against itself differs by exactly zero; hot against cold spare gives
/// the difference with its interval, and the frontier says which count.
#[test]
fn compare_pairs_the_designs_costs() {
    let run = |files: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("nines")
            .unwrap()
            .arg("compare")
            .args(files)
            .args(["--replications", "300", "--json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let hot = "scenarios/priced-n-plus-one-hot.yaml";
    let cold = "scenarios/priced-n-plus-one-cold.yaml";
    let same = run(&[hot, hot]);
    let d = &same["differences"][0]["total_cost_per_year"];
    assert_eq!(d["mean"], 0.0);
    assert_eq!(d["ci95"], serde_json::json!([0.0, 0.0]));
    let both = run(&[hot, cold]);
    let d = &both["differences"][0]["total_cost_per_year"];
    let (mean, se) = (d["mean"].as_f64().unwrap(), d["std_err"].as_f64().unwrap());
    // The cold spare saves 0.7 × 6,000 a year and loses about 62 min/yr of
    // takeovers at 100 a minute: about +2,000.
    assert!((mean - 2000.0).abs() < 4.0 * se + 400.0, "{mean} ± {se}");
    let total = |i: usize| {
        both["designs"][i]["system"]["total_cost_per_year"]["std_err"]
            .as_f64()
            .unwrap()
    };
    let independent = (total(0).powi(2) + total(1).powi(2)).sqrt();
    assert!(
        se < independent,
        "paired {se} against independent {independent}"
    );
}

/// Downtime priced per service: each service's cost is its price times
/// its downtime, and the system's is their sum.
#[test]
fn downtime_priced_per_service_adds_up() {
    let yaml = "
name: two services priced apart
nodes:
  - {name: web, count: 2, failures: [{name: crash, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 5h}}]}
  - {name: db, count: 1, failures: [{name: crash, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 8h}}]}
services:
  - {name: web, nodes: web, redundancy: {mode: active-active, min_up: 1}, requires: [db]}
  - {name: db, nodes: db}
cost:
  nodes: {web: 1000/y, db: 5000/y}
  downtime: {web: 80/min, db: 20/min}
";
    let f = figures(yaml, 100, 87_600.0, 0.0, 8);
    let cost = |i: usize| extra(&f[i], "downtime_cost_per_year").mean.unwrap();
    for (i, price) in [(1, 80.0), (2, 20.0)] {
        let minutes = f[i].downtime_min_per_year.mean.unwrap();
        assert!((cost(i) - price * minutes).abs() < 1e-9 * cost(i));
    }
    assert!((cost(0) - cost(1) - cost(2)).abs() < 1e-9 * cost(0));
    assert_eq!(
        extra(&f[0], "infrastructure_cost_per_year").mean,
        Some(7000.0)
    );
}
