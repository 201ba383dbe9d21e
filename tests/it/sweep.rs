//! `nines sweep`: a grid of settings on common random numbers; each point
//! is exactly the run with those settings, paths that lead nowhere are
//! scenario problems with a did-you-mean, and the files it writes.

use crate::support::{nines, write};
use serde_json::Value;

const PAIR: &str = "name: pair
simulation: {horizon: 5y, replications: 60, seed: 7}
nodes:
  - name: db
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 1000h}, repair: {dist: lognormal, mean: 8h, sd: 6h}}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 30s}}
";

fn json_of(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

#[test]
fn a_sweep_point_is_exactly_the_run_with_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pair.yaml", PAIR);
    let out = nines()
        .args(["sweep", &file, "--json", "--set"])
        .arg("services.db.redundancy.failover.switchover=5s,{dist: exponential, mean: 2m}")
        .args(["--set", "nodes.db.count=2..3"])
        .output()
        .unwrap();
    let sweep = json_of(&out);
    let points = sweep["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    assert_eq!(sweep["parameters"][1]["values"], serde_json::json!([2, 3]));
    // The first parameter varies slowest.
    let settings: Vec<String> = points.iter().map(|p| p["settings"].to_string()).collect();
    assert!(settings[1].contains("\"5s\"") && settings[1].contains("\"nodes.db.count\":3"));
    assert!(settings[2].contains("mean: 2m"));
    // Point 2 (exponential switchover, 2 nodes), written in by hand.
    let edited = PAIR.replace(
        "switchover: 30s",
        "switchover: {dist: exponential, mean: 2m}",
    );
    let edited = write(dir.path(), "edited.yaml", &edited);
    let run = json_of(&nines().args(["run", &edited, "--json"]).output().unwrap());
    let summary = &points[2]["summary"];
    for key in ["events", "system", "services"] {
        assert_eq!(
            serde_json::to_string(&summary[key]).unwrap(),
            serde_json::to_string(&run[key]).unwrap(),
            "{key}"
        );
    }
    // Common random numbers: the switchover changes no failure.
    let failures = |p: &Value| p["summary"]["system"]["failures_per_year"]["mean"].clone();
    assert_eq!(failures(&points[0]), failures(&points[2]));
}

#[test]
fn each_point_of_a_pool_sweep_agrees_with_the_binomial() {
    // n independent nodes, at least 2 up: A = P(Binomial(n, 10/11) ≥ 2).
    let dir = tempfile::tempdir().unwrap();
    let pool = "name: pool
simulation: {horizon: 10y, replications: 400, seed: 3}
nodes: [{name: app, count: 2, failures: [{name: crash, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]}]
services: [{name: app, nodes: app, redundancy: {mode: active-active, min_up: 2}}]
";
    let file = write(dir.path(), "pool.yaml", pool);
    let out = nines()
        .args(["sweep", &file, "--json", "--set", "nodes.app.count=2..4"])
        .output()
        .unwrap();
    let sweep = json_of(&out);
    let p: f64 = 10.0 / 11.0;
    for (n, point) in (2..=4).zip(sweep["points"].as_array().unwrap()) {
        let n_f = f64::from(n);
        let down = (1.0 - p).powi(n) + n_f * p * (1.0 - p).powi(n - 1);
        let a = &point["summary"]["system"]["availability"];
        let (mean, se) = (a["mean"].as_f64().unwrap(), a["std_err"].as_f64().unwrap());
        let z = (mean - (1.0 - down)) / se;
        assert!(z.abs() <= 4.0, "{n} nodes: {mean} ± {se} vs {}", 1.0 - down);
        assert!(
            se < 0.1 * down,
            "{n} nodes: standard error {se} against {down}"
        );
    }
}

#[test]
fn a_path_that_leads_nowhere_is_a_scenario_problem_with_a_did_you_mean() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pair.yaml", PAIR);
    let out = nines()
        .args(["sweep", &file, "--set", "nodes.dbb.count=2..3"])
        .args(["--set", "services.db.redundancy.failover.switchovr=5s,10s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`nodes` has no entry named `dbb`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `db`?"), "{stderr}");
    assert!(stderr.contains("unknown key `switchovr`"), "{stderr}");
    assert!(stderr.contains("did you mean `switchover`?"), "{stderr}");
    // At the place in the file, every problem once.
    assert!(
        stderr.contains("pair.yaml (with nodes.dbb.count=2, "),
        "{stderr}"
    );
    assert!(stderr.contains("):4:3"), "{stderr}");
    assert_eq!(
        stderr.matches("unknown key `switchovr`").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_value_wrong_at_one_point_names_that_point() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pair.yaml", PAIR);
    let out = nines()
        .args(["sweep", &file, "--set", "nodes.db.count=0..2"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("(with nodes.db.count=0)"), "{stderr}");
    assert!(!stderr.contains("count=2)"), "{stderr}");
    // Malformed flags.
    for bad in [
        "nodes.db.count",
        "nodes.db.count=3..1",
        "nodes.db.count=1,,2",
        "=1",
    ] {
        let out = nines()
            .args(["sweep", &file, "--set", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn out_writes_the_csv_the_json_and_the_charts() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "pair.yaml", PAIR);
    let out_dir = dir.path().join("sweep");
    let out = nines()
        .args(["sweep", &file, "--out"])
        .arg(&out_dir)
        .args([
            "--set",
            "services.db.redundancy.failover.switchover=5s,30s,2m",
        ])
        .args(["--set", "nodes.db.count=2,3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("what moves the system's downtime most"),
        "{table}"
    );
    let csv = std::fs::read_to_string(out_dir.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 7);
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        header[..2],
        [
            "services.db.redundancy.failover.switchover",
            "nodes.db.count"
        ]
    );
    for column in [
        "system.availability",
        "system.availability.ci95_low",
        "system.availability.ci95_high",
        "db.failovers_per_year.ci95_high",
    ] {
        assert!(header.contains(&column), "{column}: {header:?}");
    }
    assert!(lines.iter().all(|l| l.split(',').count() == header.len()));
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("sweep.json")).unwrap())
            .unwrap();
    assert_eq!(json["points"].as_array().unwrap().len(), 6);
    let chart = std::fs::read_to_string(out_dir.join("sweep-1.svg")).unwrap();
    assert!(chart.starts_with("<svg"));
    assert!(
        chart.contains("system availability against services.db.redundancy.failover.switchover")
    );
    assert!(chart.contains("nines: -log10(1 - availability)"));
    for value in ["5s", "30s", "2m"] {
        assert!(chart.contains(&format!("\n{value}\n</text>")), "{value}");
    }
    let tornado = std::fs::read_to_string(out_dir.join("tornado.svg")).unwrap();
    assert!(tornado.contains("downtime most (each parameter alone)"));
    assert!(tornado.contains("nodes.db.count"));
    // A second sweep into the same directory is refused, nothing run.
    let again = nines()
        .args(["sweep", &file, "--out"])
        .arg(&out_dir)
        .args(["--set", "nodes.db.count=2,3"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a sweep"));
}
