//! `nines compare`: designs on common random numbers, paired differences.

use crate::support::{nines, write};
use serde_json::Value;
use std::path::Path;

const HOT: &str = "name: hot
simulation: {horizon: 10y, replications: 300, seed: 42}
nodes:
  - name: db
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 2000h}, repair: {dist: lognormal, mean: 8h, sd: 6h}}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 30s}}
";

/// The pair with a 30 s switchover, and the same with 5 min.
fn two_switchovers(dir: &Path) -> (String, String) {
    let slow = HOT.replace("switchover: 30s", "switchover: 5m");
    (write(dir, "a.yaml", HOT), write(dir, "b.yaml", &slow))
}

fn compare_json(files: &[&str]) -> Value {
    let out = nines()
        .arg("compare")
        .args(files)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

#[test]
fn a_design_against_itself_differs_by_exactly_zero() {
    let dir = tempfile::tempdir().expect("dir");
    let a = write(dir.path(), "a.yaml", HOT);
    let json = compare_json(&[&a, &a]);
    let d = &json["differences"][0];
    for figure in ["availability", "downtime_min_per_year", "failures_per_year"] {
        assert_eq!(d[figure]["mean"], 0.0, "{figure}");
        assert_eq!(d[figure]["ci95"], serde_json::json!([0.0, 0.0]), "{figure}");
        assert_eq!(d["services"]["db"][figure]["mean"], 0.0, "{figure}");
    }
    assert_eq!(json["designs"][0], json["designs"][1]);
}

/// Each design's summary is what `nines run --json` prints for it, with
/// the same settings.
#[test]
fn each_design_is_the_run_of_its_file() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = two_switchovers(dir.path());
    let json = compare_json(&[&a, &b]);
    let out = nines().args(["run", &b, "--json"]).output().expect("runs");
    let run: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["designs"][1]["system"], run["system"]);
    assert_eq!(json["designs"][1]["services"], run["services"]);
}

/// Common random numbers pay off where the designs share their failures:
/// a 5 min switchover against 30 s gives an interval on the difference 9.8
/// times narrower than two independent runs would (measured); a crew of
/// one against unlimited repairs 1.6 times; hot against cold standby not
/// at all (1.0: an idle cold standby does not age, so the failure
/// histories part after the first failover).
#[test]
fn paired_differences_are_narrower_than_independent_runs() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = two_switchovers(dir.path());
    let json = compare_json(&[&a, &b]);
    let se = |v: &Value| v["system"]["availability"]["std_err"].as_f64().expect("se");
    let unpaired = se(&json["designs"][0]).hypot(se(&json["designs"][1]));
    let d = &json["differences"][0]["availability"];
    let paired = d["std_err"].as_f64().expect("se");
    let ratio = unpaired / paired;
    eprintln!("switchover 30 s against 5 min: paired interval {ratio:.1} times narrower");
    assert!(ratio > 5.0, "ratio {ratio}");
    // The difference itself: 4.5 min more per failover, about 4.4 a year.
    let down = json["differences"][0]["downtime_min_per_year"]["mean"]
        .as_f64()
        .expect("mean");
    assert!((down - 4.5 * 4.4).abs() < 2.0, "{down} min/yr");
}

#[test]
fn bad_compare_requests_are_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let a = write(dir.path(), "a.yaml", HOT);
    // One design only.
    nines().args(["compare", &a]).assert().code(2);
    // A missing file.
    let missing = dir.path().join("missing.yaml").display().to_string();
    nines().args(["compare", &a, &missing]).assert().code(2);
    // A scenario problem, reported with its place, for every file at once.
    let bad = write(
        dir.path(),
        "bad.yaml",
        &HOT.replace("mean: 2000h", "mean: -1h"),
    );
    let bad2 = write(
        dir.path(),
        "bad2.yaml",
        &HOT.replace("hot-standby", "hot-stand"),
    );
    let out = nines()
        .args(["compare", &a, &bad, &bad2])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.yaml:7:") && err.contains("bad2.yaml:11:"),
        "{err}"
    );
    // Settings that differ are said, and the baseline's used.
    let other = write(dir.path(), "c.yaml", &HOT.replace("seed: 42", "seed: 7"));
    let out = nines()
        .args(["compare", &a, &other, "--replications", "20"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("its seed differ"));
}

/// `--out DIR` writes the JSON, the chart of the differences and a page;
/// a directory that holds a comparison is refused without `--force`.
#[test]
fn compare_out_writes_the_json_a_chart_and_a_page() {
    let dir = tempfile::tempdir().expect("dir");
    let (a, b) = two_switchovers(dir.path());
    let out = dir.path().join("out");
    let out_s = out.display().to_string();
    let run = |extra: &[&str]| {
        nines()
            .args(["compare", &a, &b, "--replications", "50", "--out", &out_s])
            .args(extra)
            .output()
            .expect("runs")
    };
    assert!(run(&[]).status.success());
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("compare.json")).expect("json"))
            .expect("valid");
    assert_eq!(json["designs"].as_array().map(Vec::len), Some(2));
    let svg = std::fs::read_to_string(out.join("compare.svg")).expect("svg");
    assert!(
        svg.starts_with("<svg") && svg.contains("design − baseline"),
        "{svg}"
    );
    let page = std::fs::read_to_string(out.join("compare.html")).expect("html");
    for expected in [
        "2 designs on common random numbers",
        "Differences from the baseline, paired by replication",
        "b.yaml − ",
        "<svg",
        "nines compare ",
    ] {
        assert!(page.contains(expected), "no {expected:?} in the page");
    }
    // Again without --force: refused, nothing changed.
    let again = run(&[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already holds a comparison"));
    assert!(run(&["--force"]).status.success());
}
