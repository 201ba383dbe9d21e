//! The command line: output, exit codes, files, determinism.

use assert_cmd::Command;
use predicates::prelude::*;

fn nines() -> Command {
    Command::cargo_bin("nines").expect("binary")
}

const PAIR: &str = "scenarios/active-active-pair.yaml";

fn json(args: &[&str]) -> Vec<u8> {
    let out = nines().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn run_prints_a_table_with_the_nines_and_intervals() {
    nines()
        .args(["run", PAIR, "--replications", "50"])
        .assert()
        .success()
        .stdout(predicate::str::contains("availability (%)"))
        .stdout(predicate::str::contains("nines"))
        .stdout(predicate::str::contains("MTTFF (h)"))
        .stdout(predicate::str::contains("±"))
        .stdout(predicate::str::contains("interval availability"));
}

#[test]
fn run_json_has_the_contract_shape() {
    let out = json(&["run", PAIR, "--replications", "40", "--json", "--seed", "9"]);
    let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(v["nines_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["seed"], 9);
    assert_eq!(v["replications"], 40);
    assert_eq!(v["horizon_h"], 87600.0);
    assert_eq!(v["warmup_h"], 0.0);
    assert!(v["events"].as_u64().unwrap() > 0);
    for entity in [&v["system"], &v["services"]["app"]] {
        for key in [
            "availability",
            "downtime_min_per_year",
            "failures_per_year",
            "mtbf_h",
            "mut_h",
            "mttr_h",
            "incidents_per_year",
            "mtbi_h",
            "outage_s_p50",
            "mttff_restricted_h",
        ] {
            let e = &entity[key];
            assert!(e["mean"].is_number(), "{key}: {e}");
            assert_eq!(e["ci95"].as_array().map(Vec::len), Some(2), "{key}");
            assert!(e["std_err"].is_number(), "{key}");
        }
        // Ten years, some replications without a failure: MTTFF is censored,
        // bounded from below by the restricted mean's interval.
        assert_eq!(entity["mttff_censored"], true);
        assert_eq!(entity["mttff_restricted_to_h"], 87600.0);
        assert!(entity["mttff_h"]["mean"].is_null());
        let restricted_low = entity["mttff_restricted_h"]["ci95"][0].as_f64();
        assert_eq!(entity["mttff_h"]["lower95"].as_f64(), restricted_low);
    }
}

#[test]
fn command_line_overrides_the_scenario() {
    let out = json(&[
        "run",
        PAIR,
        "--replications",
        "7",
        "--horizon",
        "1y",
        "--warmup",
        "30d",
        "--seed",
        "3",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["replications"], 7);
    assert_eq!(v["horizon_h"], 8760.0);
    assert_eq!(v["warmup_h"], 720.0);
    assert_eq!(v["seed"], 3);
    assert!(v["measure"].as_str().unwrap().contains("steady state"));
}

#[test]
fn same_seed_gives_identical_bytes_on_one_and_two_threads() {
    let file = "scenarios/two-zone-web-shop.yaml";
    let one = json(&[
        "run",
        file,
        "--replications",
        "300",
        "--json",
        "--threads",
        "1",
    ]);
    let two = json(&[
        "run",
        file,
        "--replications",
        "300",
        "--json",
        "--threads",
        "2",
    ]);
    let again = json(&[
        "run",
        file,
        "--replications",
        "300",
        "--json",
        "--threads",
        "2",
    ]);
    assert_eq!(one, two);
    assert_eq!(two, again);
    let other_seed = json(&[
        "run",
        file,
        "--replications",
        "300",
        "--json",
        "--seed",
        "5",
    ]);
    assert_ne!(one, other_seed);
}

#[test]
fn out_writes_summary_and_replications_identically_for_any_thread_count() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (dir, threads) in dirs.iter().zip(["1", "2"]) {
        nines()
            .args([
                "run",
                PAIR,
                "--replications",
                "1500",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    assert_eq!(
        read(&dirs[0], "summary.json"),
        read(&dirs[1], "summary.json")
    );
    assert_eq!(
        read(&dirs[0], "replications.csv"),
        read(&dirs[1], "replications.csv")
    );
    let csv = String::from_utf8(read(&dirs[0], "replications.csv")).unwrap();
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.starts_with(
            "replication,events,system_availability,system_failures,system_incidents,system_uptime_h,\
             system_first_failure_h,app_availability,app_failures,app_incidents,app_uptime_h,\
             app_first_failure_h,system_downtime_h["
        ),
        "{header}"
    );
    assert_eq!(lines.count(), 1500);
    assert_eq!(read(&dirs[0], "report.html"), read(&dirs[1], "report.html"));
    // Only the three finished files: no temporary file is left behind.
    assert_eq!(std::fs::read_dir(dirs[0].path()).unwrap().count(), 3);
}

#[test]
fn replications_csv_has_the_standby_counts() {
    let dir = tempfile::tempdir().unwrap();
    nines()
        .args([
            "run",
            "scenarios/vip-failover.yaml",
            "--replications",
            "20",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(dir.path().join("replications.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let standby = header
        .iter()
        .position(|&h| h == "edge_failovers")
        .expect("standby columns");
    assert!(
        header[standby..].starts_with(&[
            "edge_failovers",
            "edge_failed_failovers",
            "edge_false_failovers",
            "edge_split_brains",
            "edge_split_brain_s",
            "edge_failbacks"
        ]),
        "{header:?}"
    );
    assert!(
        csv.lines()
            .skip(1)
            .all(|line| line.split(',').count() == header.len())
    );
}

#[test]
fn validate_accepts_good_files_and_lists_every_problem_of_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(
        &bad,
        "name: x\nnodes: [{name: web, cont: 2}]\nservices: [{name: s, nodes: wbe}]\n",
    )
    .unwrap();
    nines()
        .args(["validate", PAIR])
        .arg(&bad)
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "ok: scenarios/active-active-pair.yaml",
        ))
        .stderr(predicate::str::contains("bad.yaml:2:21"))
        .stderr(predicate::str::contains("did you mean `count`?"))
        .stderr(predicate::str::contains("bad.yaml:3:29"))
        .stderr(predicate::str::contains("2 problems"));
}

#[test]
fn bad_usage_and_missing_files_exit_with_2() {
    nines().args(["run"]).assert().code(2);
    nines()
        .args(["run", "no-such-file.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read"));
    nines()
        .args(["run", PAIR, "--horizon", "ten years"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--horizon"));
    nines()
        .args(["run", PAIR, "--replications", "0"])
        .assert()
        .code(2);
    nines()
        .args(["run", PAIR, "--threads", "0"])
        .assert()
        .code(2);
}

#[test]
fn runs_that_would_take_days_are_refused_before_they_start() {
    nines()
        .args([
            "run",
            "scenarios/bench/w2.yaml",
            "--replications",
            "10000000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("above the limit of 1e11"))
        .stderr(predicate::str::contains("--replications"))
        .stderr(predicate::str::contains("--max-events"));
    // The limit can be lowered (or raised) with --max-events.
    nines()
        .args(["run", "scenarios/bench/w2.yaml", "--max-events", "1e3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("above the limit of 1e3"));
}

#[test]
fn a_per_request_run_over_the_event_budget_is_refused_with_its_request_count() {
    nines()
        .args([
            "run",
            "scenarios/lb-black-hole.yaml",
            "--replications",
            "100000",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "two for each of about 2.5e11 requests simulated one by one",
        ))
        .stderr(predicate::str::contains(
            "raise the limit with `--max-events`",
        ));
}

#[test]
fn validate_refuses_settings_that_would_run_for_days() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.yaml");
    let w2 = std::fs::read_to_string("scenarios/bench/w2.yaml").unwrap();
    std::fs::write(
        &file,
        w2.replace("replications: 60", "replications: 5000000"),
    )
    .unwrap();
    nines()
        .arg("validate")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("above the limit of 1e11"))
        .stderr(predicate::str::contains("lower `replications`"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(["run", PAIR, "--replications", "20", "--json"])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(out.success());
}

#[test]
fn solve_prints_exact_figures_as_a_table_and_as_run_shaped_json() {
    nines()
        .args(["solve", PAIR])
        .assert()
        .success()
        .stdout(predicate::str::contains("0.9998039600"))
        .stdout(predicate::str::contains("3 states"));
    let out = json(&["solve", PAIR, "--json", "--horizon", "1000h"]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["states"], 3);
    assert_eq!(v["horizon_h"], 1000.0);
    let a = &v["system"]["availability"];
    assert!((a["mean"].as_f64().unwrap() - 0.999_803_96).abs() < 1e-10);
    assert!(a["ci95"].is_null() && a["std_err"].is_null());
    // C04b: A_int(1000 h) = 0.9998078608.
    let over = v["services"]["app"]["availability_over_horizon"]["mean"]
        .as_f64()
        .unwrap();
    assert!((over - 0.999_807_860_8).abs() < 1e-10);
    assert!(
        v["figures"]["steady_state"]
            .as_array()
            .unwrap()
            .contains(&"mtbf_h".into())
    );
    assert!(
        v["figures"]["over_horizon"]
            .as_array()
            .unwrap()
            .contains(&"availability_over_horizon".into())
    );
}

#[test]
fn solve_refuses_a_design_that_is_not_markovian_with_the_reason() {
    nines()
        .args(["solve", "scenarios/capacity-pool.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not Markovian"))
        .stderr(predicate::str::contains("weibull"))
        .stderr(predicate::str::contains("nines run"));
    // Every reason at once, so the file is edited once.
    let out = nines()
        .args(["solve", "scenarios/two-zone-web-shop.yaml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("13 reasons"), "{stderr}");
    for part in ["node group `lb`", "weibull", "domain `zone-b`", "rack-b2"] {
        assert!(stderr.contains(part), "{part}: {stderr}");
    }
    let out = nines()
        .args(["solve", "scenarios/hot-standby.yaml"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("heartbeat") && stderr.contains("uniform distribution"),
        "{stderr}"
    );
}

#[test]
fn run_cross_check_puts_the_exact_value_and_z_beside_each_estimate() {
    nines()
        .args(["run", PAIR, "--replications", "300", "--cross-check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cross-check"))
        .stdout(predicate::str::contains("mttr_h"));
    let out = json(&[
        "run",
        PAIR,
        "--replications",
        "300",
        "--cross-check",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let checks = v["cross_check"].as_object().unwrap();
    assert_eq!(checks.len(), 2, "system and one service");
    for (figure, check) in checks["system"].as_object().unwrap() {
        assert!(check["exact"].is_number(), "{figure}: {check}");
        if figure == "mttff_h" && check["simulated"].is_null() {
            continue; // censored: checked by its restricted mean
        }
        assert!(check["simulated"].is_number(), "{figure}: {check}");
        assert!(
            check["z"].as_f64().unwrap().abs() <= 4.0,
            "{figure}: {check}"
        );
    }
    nines()
        .args([
            "run",
            "scenarios/capacity-pool.yaml",
            "--replications",
            "20",
            "--cross-check",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "cross-check unavailable: not Markovian",
        ));
}

fn run_out(dir: &std::path::Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    nines()
        .args(["run", PAIR, "--replications", "20", "--out"])
        .arg(dir)
        .args(extra)
        .assert()
}

#[cfg(unix)]
#[test]
fn out_files_get_the_permissions_of_any_new_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    run_out(dir.path(), &[]).success();
    // A file created the ordinary way gets 0666 less the umask; ours 0644 less the umask.
    let probe = dir.path().join("probe");
    std::fs::write(&probe, b"").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let expected = mode(&probe) & 0o644;
    for file in ["summary.json", "replications.csv"] {
        assert_eq!(mode(&dir.path().join(file)), expected, "{file}");
    }
}

#[test]
fn out_refuses_a_directory_that_holds_results_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("replications.csv"), b"earlier results").unwrap();
    run_out(dir.path(), &[])
        .code(2)
        .stderr(predicate::str::contains(
            "already holds results (replications.csv)",
        ))
        .stderr(predicate::str::contains("--force"));
    assert_eq!(
        std::fs::read(dir.path().join("replications.csv")).unwrap(),
        b"earlier results"
    );
    assert!(!dir.path().join("summary.json").exists());
    run_out(dir.path(), &["--force"]).success();
    assert!(dir.path().join("summary.json").exists());
    // The run's own results count too.
    run_out(dir.path(), &[])
        .code(2)
        .stderr(predicate::str::contains("summary.json, replications.csv"));
}

#[test]
fn summary_records_the_input_path_and_hashes_of_its_content_and_settings() {
    use sha2::Digest;
    let input = |seed: &str| {
        let out = json(&[
            "run",
            PAIR,
            "--replications",
            "20",
            "--seed",
            seed,
            "--json",
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["input"].clone()
    };
    let (a, b) = (input("1"), input("2"));
    let hex: String = sha2::Sha256::digest(std::fs::read(PAIR).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(a["path"], PAIR);
    assert_eq!(a["sha256"], hex.as_str());
    assert_eq!(b["sha256"], hex.as_str());
    assert!(a["settings"].as_str().unwrap().contains("seed: 1,"), "{a}");
    assert_eq!(a["settings_sha256"].as_str().unwrap().len(), 64);
    assert_ne!(a["settings_sha256"], b["settings_sha256"]);
    // summary.json holds the same record.
    let dir = tempfile::tempdir().unwrap();
    run_out(dir.path(), &["--seed", "1"]).success();
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["input"], a);
}

#[test]
fn a_missing_input_file_is_reported_once_plainly() {
    for command in ["run", "solve", "validate"] {
        let out = nines().args([command, "missing.yaml"]).output().unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            "error: cannot read missing.yaml: there is no such file",
            "nines {command}"
        );
    }
}

#[test]
fn the_headline_shows_split_brain_and_false_failovers_beside_availability() {
    let out = json(&["run", "scenarios/vip-failover.yaml", "--replications", "50"]);
    let table = String::from_utf8(out).unwrap();
    let headline_end = table.find("MTBF (h)").unwrap();
    let risk = table
        .lines()
        .find(|l| l.trim_start().starts_with("edge: split brain"))
        .unwrap_or_else(|| panic!("no risk line:\n{table}"));
    assert!(table.find(risk).unwrap() < headline_end, "{table}");
    assert!(
        risk.contains(" min/yr (") && risk.contains("false failovers"),
        "{risk}"
    );
    let out = json(&[
        "run",
        "scenarios/heartbeat-tuning.yaml",
        "--replications",
        "20",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["services"]["gateway-fast"]["risks"],
        serde_json::json!(["false_failovers_per_year"])
    );
    assert_eq!(
        v["services"]["gateway-slow"]["risks"],
        serde_json::json!([])
    );
    let out = json(&[
        "run",
        "scenarios/vip-failover.yaml",
        "--replications",
        "20",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        v["services"]["edge"]["risks"],
        serde_json::json!(["split_brain_min_per_year", "false_failovers_per_year"])
    );
    // A design without them has no risk block.
    let out = json(&["run", PAIR, "--replications", "20"]);
    assert!(!String::from_utf8(out).unwrap().contains("risk"));
}

#[test]
fn solve_refuses_a_design_with_traffic_and_says_why() {
    nines()
        .args(["solve", "scenarios/lb-n-plus-one.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`traffic`"))
        .stderr(predicate::str::contains("no request"))
        .stderr(predicate::str::contains("nines run"));
}

#[test]
fn request_figures_are_identical_for_any_thread_count_and_in_the_csv() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for (dir, threads) in dirs.iter().zip(["1", "2"]) {
        nines()
            .args([
                "run",
                "scenarios/lb-health-check-slow.yaml",
                "--replications",
                "16",
                "--horizon",
                "1y",
                "--threads",
                threads,
                "--out",
            ])
            .arg(dir.path())
            .assert()
            .success();
    }
    let read = |d: &tempfile::TempDir, f: &str| std::fs::read(d.path().join(f)).unwrap();
    for file in ["summary.json", "replications.csv"] {
        assert_eq!(read(&dirs[0], file), read(&dirs[1], file), "{file}");
    }
    let csv = String::from_utf8(read(&dirs[0], "replications.csv")).unwrap();
    assert!(
        csv.contains("web_requests_offered,web_requests_served,web_requests_failed_ejection_lag")
    );
    // The success ratio is the ratio of the sums of the CSV's columns.
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let header = rows.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (offered, served) = (col("web_requests_offered"), col("web_requests_served"));
    let (mut sum_offered, mut sum_served) = (0.0, 0.0);
    for row in rows.records() {
        let row = row.unwrap();
        sum_offered += row[offered].parse::<f64>().unwrap();
        sum_served += row[served].parse::<f64>().unwrap();
    }
    let summary = String::from_utf8(read(&dirs[0], "summary.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let text = value.to_string();
    let at = text.find("\"request_success_ratio\":{\"mean\":").unwrap();
    let mean: f64 = text[at + 32..]
        .split([',', '}'])
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((mean - sum_served / sum_offered).abs() < 1e-12, "{mean}");
    for figure in [
        "request_success_ratio",
        "requests_failed_per_year",
        "requests_failed_ejection_lag_per_year",
        "requests_failed_overload_per_year",
        "requests_failed_outage_per_year",
    ] {
        assert!(summary.contains(figure), "{figure}");
    }
}

#[test]
fn solve_steady_state_skips_the_horizon_and_changes_no_steady_figure() {
    let parse =
        |bytes: Vec<u8>| -> serde_json::Value { serde_json::from_slice(&bytes).expect("JSON") };
    for file in ["scenarios/quorum-5.yaml", "scenarios/rack-power-pair.yaml"] {
        let full = parse(json(&["solve", file, "--json"]));
        let steady = parse(json(&["solve", file, "--json", "--steady-state"]));
        assert!(steady["figures"].get("over_horizon").is_none(), "{file}");
        assert!(steady["horizon_h"].is_null(), "{file}");
        for name in full["figures"]["steady_state"].as_array().expect("names") {
            let name = name.as_str().expect("name");
            assert_eq!(
                full["system"][name], steady["system"][name],
                "{file} {name}"
            );
        }
        assert!(steady["system"].get("availability_over_horizon").is_none());
    }
    nines()
        .args([
            "solve",
            "scenarios/quorum-3.yaml",
            "--steady-state",
            "--horizon",
            "1y",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn solve_max_time_stops_cleanly_and_says_how_far_it_got() {
    nines()
        .args(["solve", "scenarios/three-tier.yaml", "--max-time", "0s"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "was not solved within --max-time 0s: stopped after",
        ))
        .stderr(predicate::str::contains("states explored"))
        .stderr(predicate::str::contains("--steady-state"));
    nines()
        .args(["solve", "scenarios/quorum-3.yaml", "--max-time", "soon"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--max-time soon"));
    // A limit that is not reached changes nothing.
    assert_eq!(
        json(&["solve", "scenarios/quorum-5.yaml", "--json"]),
        json(&[
            "solve",
            "scenarios/quorum-5.yaml",
            "--json",
            "--max-time",
            "1h"
        ])
    );
}

#[test]
fn precision_adds_replications_in_looks_until_the_target_is_met() {
    let parse =
        |bytes: Vec<u8>| -> serde_json::Value { serde_json::from_slice(&bytes).expect("JSON") };
    let file = "scenarios/quorum-5.yaml";
    let mut run = parse(json(&["run", file, "--precision", "10%", "--json"]));
    let p = run["precision"].clone();
    assert_eq!(p["met"], true, "{p}");
    assert!(p["reached"].as_f64().expect("reached") <= 0.1);
    let n = run["replications"].as_u64().expect("count");
    assert!(
        n >= 100 && (n / 100).is_power_of_two(),
        "looks of 100 x 2^k: {n}"
    );
    // The look before fell short, so the run stopped at the first look that met it.
    let before = parse(json(&[
        "run",
        file,
        "--replications",
        &(n / 2).to_string(),
        "--json",
    ]));
    let a = &before["system"]["availability"];
    let [lo, hi] = [
        a["ci95"][0].as_f64().unwrap(),
        a["ci95"][1].as_f64().unwrap(),
    ];
    assert!((hi - lo) / 2.0 / (1.0 - a["mean"].as_f64().unwrap()) > 0.1);
    // It is the plain run of that many replications, whatever the threads.
    let mut plain = parse(json(&[
        "run",
        file,
        "--replications",
        &n.to_string(),
        "--json",
    ]));
    let mut one = parse(json(&[
        "run",
        file,
        "--precision",
        "10%",
        "--json",
        "--threads",
        "1",
    ]));
    for v in [&mut run, &mut plain, &mut one] {
        v.as_object_mut().expect("object").remove("precision");
        v.as_object_mut().expect("object").remove("input");
        v.as_object_mut()
            .expect("object")
            .remove("worst_replications");
    }
    assert_eq!(run, plain);
    assert_eq!(run, one);
    // A cap it cannot meet within is said, not hidden.
    let capped = parse(json(&[
        "run",
        file,
        "--precision",
        "1%",
        "--replications",
        "300",
        "--json",
    ]));
    assert_eq!(capped["precision"]["met"], false);
    assert_eq!(capped["replications"], 300);
    for bad in ["0%", "150%", "ten", "1.5"] {
        nines()
            .args(["run", file, "--precision", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--precision"));
    }
}

#[test]
fn solve_approximate_exponential_says_what_it_changed_and_is_marked() {
    let parse =
        |bytes: Vec<u8>| -> serde_json::Value { serde_json::from_slice(&bytes).expect("JSON") };
    let approx = parse(json(&[
        "solve",
        "scenarios/hot-standby.yaml",
        "--approximate",
        "exponential",
        "--json",
    ]));
    assert!(
        approx["method"]
            .as_str()
            .unwrap()
            .starts_with("APPROXIMATION")
    );
    let changes: Vec<&str> = approx["approximation"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        changes
            .iter()
            .any(|c| c.contains("one exponential delay of mean 29.5 s")),
        "{changes:?}"
    );
    // Close to the simulation of the real design (14.4 +- 1.4 min/yr with seed 42, 1000 replications):
    // a hot standby's steady state depends on its delays' means almost only.
    let downtime = approx["system"]["downtime_min_per_year"]["mean"]
        .as_f64()
        .unwrap();
    assert!((downtime - 14.67).abs() < 0.05, "{downtime}");
    // A design that is Markovian already changes nothing, and its figures are the exact ones.
    let exact = parse(json(&["solve", "scenarios/quorum-5.yaml", "--json"]));
    let same = parse(json(&[
        "solve",
        "scenarios/quorum-5.yaml",
        "--approximate",
        "exponential",
        "--json",
    ]));
    assert_eq!(same["approximation"], serde_json::json!([]));
    assert_eq!(exact["system"], same["system"]);
    nines()
        .args([
            "solve",
            "scenarios/hot-standby.yaml",
            "--approximate",
            "exponential",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "APPROXIMATION, not the exact answer",
        ));
    nines()
        .args([
            "solve",
            "scenarios/hot-standby.yaml",
            "--approximate",
            "gamma",
        ])
        .assert()
        .code(2);
}
