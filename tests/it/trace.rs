//! `nines trace`: a replication replayed with every state change is the
//! replication `run` simulated, on every shipped scenario.

use crate::support::{model, shipped};
use assert_cmd::Command;
use nines::engine::{Plan, RunSettings, simulate, simulate_traced};
use nines::model::micros_from_hours;
use serde_json::Value;

fn nines() -> Command {
    Command::cargo_bin("nines").expect("binary")
}

fn stdout(args: &[&str]) -> String {
    let out = nines().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "nines {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn the_trace_of_replication_k_has_row_k_of_replications_csv_on_every_shipped_scenario() {
    let dir = std::env::temp_dir().join(format!("nines-trace-{}", std::process::id()));
    for file in shipped() {
        let path = file.to_str().expect("path");
        // W2 has 10,000 nodes: one replication of a year is enough there.
        // The per-request mode simulates every request: ten minutes.
        let per_request =
            std::fs::read_to_string(&file).is_ok_and(|t| t.contains("mode: requests"));
        let (reps, horizon) = if path.ends_with("w2.yaml") {
            ("2", "1y")
        } else if per_request {
            ("3", "10m")
        } else {
            ("3", "10y")
        };
        let _ = std::fs::remove_dir_all(&dir);
        let run_args = [
            "run",
            path,
            "--replications",
            reps,
            "--horizon",
            horizon,
            "--out",
        ];
        let mut args = run_args.to_vec();
        let out = dir.to_str().expect("dir");
        args.push(out);
        stdout(&args);
        let mut reader = csv::Reader::from_path(dir.join("replications.csv")).expect("csv");
        let header = reader.headers().expect("header").clone();
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        let k = rows.len() - 1;
        let trace: Value = serde_json::from_str(&stdout(&[
            "trace",
            path,
            "--replications",
            reps,
            "--horizon",
            horizon,
            "--replication",
            &k.to_string(),
            "--json",
        ]))
        .expect("JSON");
        let figures = trace["figures"].as_object().expect("figures");
        assert_eq!(figures.len(), header.len(), "{path}: columns");
        for (name, text) in header.iter().zip(rows[k].iter()) {
            let value = &figures[name];
            let same = match (text.parse::<f64>(), value.as_f64()) {
                (Ok(a), Some(b)) => a == b,
                _ => text.is_empty() && value.is_null(),
            };
            assert!(
                same,
                "{path} replication {k} {name}: csv {text}, trace {value}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recording_a_trace_changes_no_outcome() {
    for file in shipped() {
        if file.ends_with("bench/w2.yaml") {
            continue;
        }
        let model = nines::scenario::load(&file).expect("loads");
        let plan = Plan::new(&model);
        let per_request = model.traffic.iter().any(|t| t.requests.is_some());
        let settings = RunSettings {
            seed: 7,
            warmup_us: 0,
            horizon_us: micros_from_hours(if per_request { 0.2 } else { 8760.0 * 3.0 }),
        };
        for rep in 0..3 {
            let (traced, events) = simulate_traced(&plan, settings, rep);
            assert_eq!(simulate(&plan, settings, rep), traced, "{}", file.display());
            assert!(events.windows(2).all(|w| w[0].time_us <= w[1].time_us));
        }
    }
}

#[test]
fn a_server_with_fixed_times_shows_each_failure_and_repair_at_its_time() {
    let yaml = "name: fixed\nsimulation: {horizon: 250h, replications: 1, seed: 1}\n\
        nodes:\n  - name: box\n    count: 1\n    failures:\n      \
        - {name: wear, ttf: 100h, repair: 10h}\nservices:\n  - {name: app, nodes: box}\n\
        system: [app]\n";
    let _ = model(yaml);
    let dir = std::env::temp_dir().join(format!("nines-trace-fixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("fixed.yaml");
    std::fs::write(&file, yaml).expect("write");
    let path = file.to_str().expect("path");
    let trace: Value =
        serde_json::from_str(&stdout(&["trace", path, "--replication", "0", "--json"]))
            .expect("JSON");
    let events: Vec<(f64, &str, &str)> = trace["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            (
                e["time_s"].as_f64().expect("time"),
                e["entity"].as_str().expect("entity"),
                e["kind"].as_str().expect("kind"),
            )
        })
        .collect();
    let hour = 3600.0;
    let mut expected = Vec::new();
    for start in [100.0, 210.0] {
        expected.push((start * hour, "box-1", "down"));
        expected.push((start * hour, "app", "service_down"));
        expected.push(((start + 10.0) * hour, "box-1", "up"));
        expected.push(((start + 10.0) * hour, "app", "service_up"));
    }
    // The system is the one service: its changes are that service's.
    let without_system: Vec<_> = events.iter().filter(|e| e.1 != "system").cloned().collect();
    assert_eq!(without_system, expected);
    assert_eq!(events.iter().filter(|e| e.1 == "system").count(), 4);
    assert_eq!(trace["figures"]["app_failures"], 2);
    // The window can be narrowed; the figures stay those of the whole replication.
    let part: Value = serde_json::from_str(&stdout(&[
        "trace",
        path,
        "--replication",
        "0",
        "--json",
        "--from",
        "150h",
        "--to",
        "215h",
    ]))
    .expect("JSON");
    assert_eq!(part["events"].as_array().expect("events").len(), 3);
    assert_eq!(part["figures"], trace["figures"]);
    let text = stdout(&["trace", path, "--replication", "0"]);
    assert!(text.contains("0y 004d 04:00:00.000   box-1"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_trace_requests_are_refused_with_the_reason() {
    let file = "scenarios/hot-standby.yaml";
    for (args, message) in [
        (
            vec!["--replication", "1000"],
            "not a replication of this run: it has 1000",
        ),
        (
            vec!["--replication", "5", "--replications", "5"],
            "numbered 0 to 4",
        ),
        (
            vec!["--replication", "0", "--from", "2y", "--to", "1y"],
            "--from 2y is after --to 1y",
        ),
        (
            vec!["--replication", "0", "--to", "11y"],
            "after the end of the run",
        ),
        (vec!["--replication", "0", "--from", "soon"], "--from soon"),
    ] {
        let mut all = vec!["trace", file];
        all.extend(args);
        nines()
            .args(&all)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
}

#[test]
fn run_names_its_worst_replications_and_trace_replays_them() {
    let summary: Value = serde_json::from_str(&stdout(&[
        "run",
        "scenarios/hot-standby.yaml",
        "--replications",
        "40",
        "--horizon",
        "2y",
        "--json",
    ]))
    .expect("JSON");
    let worst = summary["worst_replications"].as_array().expect("list");
    assert_eq!(worst.len(), 6, "{worst:?}");
    let most: Vec<f64> = worst[..3]
        .iter()
        .map(|w| w["downtime_min"].as_f64().expect("downtime"))
        .collect();
    assert!(most.windows(2).all(|w| w[0] >= w[1]), "{most:?}");
    for entry in worst {
        let command = entry["command"].as_str().expect("command");
        assert!(
            command.contains("--seed 42 --replications 40 --horizon 2y"),
            "{command}"
        );
        let mut args: Vec<&str> = command.split_whitespace().skip(1).collect();
        args.push("--json");
        let trace: Value = serde_json::from_str(&stdout(&args)).expect("JSON");
        let figures = &trace["figures"];
        let downtime_h = 2.0 * 8760.0 - figures["system_uptime_h"].as_f64().expect("uptime");
        let reported = entry["downtime_min"].as_f64().expect("downtime") / 60.0;
        assert!(
            (downtime_h - reported).abs() < 1e-6,
            "{command}: {downtime_h} h vs {reported} h"
        );
        // The longest outage is one the trace shows: a system_down to system_up span.
        let mut longest: f64 = 0.0;
        let mut since = None;
        for e in trace["events"].as_array().expect("events") {
            let t = e["time_s"].as_f64().expect("time");
            match e["kind"].as_str() {
                Some("system_down") => since = Some(t),
                Some("system_up") => longest = longest.max(t - since.take().expect("down first")),
                _ => {}
            }
        }
        if let Some(start) = since {
            longest = longest.max(2.0 * 8760.0 * 3600.0 - start);
        }
        let reported = entry["longest_outage_s"].as_f64().expect("longest");
        assert!(
            (longest - reported).abs() < 1e-3,
            "{command}: {longest} s vs {reported} s"
        );
    }
}

#[test]
fn the_timeline_picture_has_a_row_per_entity_and_a_bar_per_outage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("cascade.svg");
    let args = [
        "trace",
        "scenarios/lb-cascading-overload.yaml",
        "--replication",
        "52",
        "--to",
        "6h",
        "--svg",
        file.to_str().expect("path"),
    ];
    let table = stdout(&args);
    let svg = std::fs::read_to_string(&file).expect("svg written");
    assert!(svg.starts_with("<svg"), "{}", &svg[..svg.len().min(80)]);
    assert!(svg.contains("replication 52 (seed 2026)"));
    for row in ["web-1", "web-2", "web-3", "web-4", "web", "system"] {
        assert!(svg.contains(&format!("\n{row}\n</text>")), "no row {row}");
    }
    assert!(svg.contains("time since the start, hours"));
    // One bar per outage of the system in the window, as the table lists.
    let downs = table.matches("system_down").count();
    assert!(downs > 0);
    assert_eq!(
        svg.matches(r##"opacity="0.85" fill="#000000""##).count(),
        downs
    );
    // Nothing is written where the directory does not exist, and nothing panics.
    nines()
        .args([
            "trace",
            "scenarios/hot-standby.yaml",
            "--replication",
            "0",
            "--svg",
            "/nonexistent/x.svg",
        ])
        .assert()
        .code(2);
}

#[test]
fn a_leader_election_shows_in_the_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("roles.yaml");
    std::fs::write(
        &file,
        "name: roles
nodes: [{name: m, count: 3, failures: [{name: crash, ttf: {dist: exponential, mean: 1000000y}, repair: 1h}]}]
services:
  - {name: kv, nodes: m, redundancy: {mode: quorum, election: 10s}}
faults:
  - {at: 100h, action: crash, target: m-1, duration: 1h}
",
    )
    .expect("write");
    let out = stdout(&["trace", file.to_str().expect("path"), "--replication", "0"]);
    for expected in [
        "m-1 is no longer the leader",
        "a leader election begins",
        "is elected leader",
    ] {
        assert!(out.contains(expected), "no {expected:?} in\n{out}");
    }
    // The election's 10 s are the service's outage, between the two.
    let begins = out.find("a leader election begins").expect("begins");
    let elected = out.find("is elected leader").expect("elected");
    assert!(begins < elected, "{out}");
}

#[test]
fn sync_replication_shows_in_the_trace() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("semi.yaml");
    std::fs::write(
        &file,
        "name: semi
simulation: {horizon: 100h, replications: 1, seed: 3}
nodes: [{name: db, count: 2, failures: [{name: crash, ttf: {dist: exponential, mean: 1000000y}, repair: 1h}]}]
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby}
    writes: 100/s
    replication: {mode: sync, degrade_after: 5h}
faults:
  - {at: 10h, action: crash, target: db-2, duration: 20h}
  - {at: 20h, action: crash, target: db-1, duration: 20h}
",
    )
    .expect("write");
    let out = stdout(&["trace", file.to_str().expect("path"), "--replication", "0"]);
    let at = |kind: &str| {
        out.find(kind)
            .unwrap_or_else(|| panic!("no {kind} in\n{out}"))
    };
    // Blocked at 10 h, alone at 15 h, lost when the stale db-2 serves at 30 h.
    assert!(at("writes_blocked") < at("writes_alone"));
    assert!(at("writes_alone") < at("writes_lost"));
    assert!(
        out.contains("0y 000d 15:00:00.000   db      writes_alone"),
        "{out}"
    );
}
