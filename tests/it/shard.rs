//! `nines run --shard I/N` and `nines merge`: merged shards are the single
//! run, byte for byte; mixed, missing, duplicated and damaged parts are refused.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn nines(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(args)
        .output()
        .expect("binary runs")
}

fn ok(args: &[&str]) -> Output {
    let out = nines(args);
    assert!(
        out.status.success(),
        "nines {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn refused(args: &[&str], words: &[&str]) {
    let out = nines(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "nines {args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "nines {args:?}: `{w}` not in: {err}");
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const FILES: [&str; 3] = ["summary.json", "replications.csv", "report.html"];

/// Runs `scenario` whole and in 1, 3, 7 and 64 shards; each merge must
/// write the single run's files byte for byte.
fn merged_equals_single(scenario: &str, settings: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let single = dir.path().join("single");
    let mut args = vec!["run", scenario, "--out", s(&single)];
    args.extend(settings);
    ok(&args);
    for n in [1u64, 3, 7, 64] {
        let parts = dir.path().join(format!("parts{n}"));
        for i in 0..n {
            let shard = format!("{i}/{n}");
            let mut args = vec!["run", scenario, "--shard", &shard, "--out", s(&parts)];
            args.extend(settings);
            ok(&args);
        }
        let merged = dir.path().join(format!("merged{n}"));
        ok(&["merge", s(&parts), "--out", s(&merged)]);
        for f in FILES {
            let (a, b) = (std::fs::read(single.join(f)), std::fs::read(merged.join(f)));
            assert!(
                a.expect("single") == b.expect("merged"),
                "{scenario}: {f} of {n} shards differs from the single run"
            );
        }
    }
}

#[test]
fn merged_shards_equal_the_single_run_on_a_standby_scenario() {
    merged_equals_single("scenarios/hot-standby.yaml", &["--replications", "2100"]);
}

#[test]
fn merged_shards_equal_the_single_run_on_w1() {
    merged_equals_single(
        "scenarios/bench/w1.yaml",
        &["--replications", "2100", "--horizon", "2y"],
    );
}

#[test]
fn merged_shards_equal_the_single_run_with_traffic_collapse_and_monitoring() {
    // Request counts, collapses and the monitoring delays travel in the parts.
    merged_equals_single(
        "scenarios/lb-cascading-overload.yaml",
        &["--replications", "1100", "--horizon", "1y"],
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("monitored.yaml");
    let text = std::fs::read_to_string("scenarios/hot-standby.yaml").expect("scenario");
    std::fs::write(
        &file,
        format!("{text}\nmonitoring: {{alert: 10m, respond: {{dist: exponential, mean: 20m}}}}\n"),
    )
    .expect("write");
    merged_equals_single(s(&file), &["--replications", "1100"]);
}

#[test]
fn merged_shards_equal_the_single_run_with_leader_elections() {
    // Election counts travel in the parts.
    merged_equals_single(
        "scenarios/consensus-elections.yaml",
        &["--replications", "2100", "--horizon", "30d"],
    );
}

#[test]
fn merged_shards_equal_the_single_run_in_the_per_request_mode() {
    merged_equals_single(
        "scenarios/bench/w3-p2c.yaml",
        &["--replications", "1030", "--horizon", "2s"],
    );
}

fn parts(dir: &Path, n: u64, seed: &str) -> PathBuf {
    let parts = dir.join(format!("parts-{n}-{seed}"));
    for i in 0..n {
        let shard = format!("{i}/{n}");
        ok(&[
            "run",
            "scenarios/hot-standby.yaml",
            "--replications",
            "2500",
            "--seed",
            seed,
            "--shard",
            &shard,
            "--out",
            s(&parts),
        ]);
    }
    parts
}

fn part(dir: &Path, i: u64, n: u64) -> PathBuf {
    dir.join(format!("part-{i:05}-of-{n:05}.nines-part"))
}

#[test]
fn mixed_missing_duplicated_and_damaged_parts_are_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (a, b) = (parts(tmp.path(), 3, "1"), parts(tmp.path(), 3, "2"));
    let out = tmp.path().join("out");
    let o = s(&out);
    // Another seed: the part is named.
    let other = part(&b, 1, 3);
    refused(
        &[
            "merge",
            s(&part(&a, 0, 3)),
            s(&other),
            s(&part(&a, 2, 3)),
            "--out",
            o,
        ],
        &["part-00001-of-00003", "other settings"],
    );
    refused(
        &["merge", s(&part(&a, 0, 3)), s(&part(&a, 2, 3)), "--out", o],
        &["shard(s) 1/3 missing"],
    );
    refused(
        &["merge", s(&a), s(&part(&a, 1, 3)), "--out", o],
        &["both shard 1/3"],
    );
    // Another shard count.
    let four = parts(tmp.path(), 4, "1");
    refused(
        &[
            "merge",
            s(&part(&a, 0, 3)),
            s(&part(&four, 1, 4)),
            "--out",
            o,
        ],
        &["4 shards against 3"],
    );
    // Truncated, and one byte flipped in a block.
    let bytes = std::fs::read(part(&a, 1, 3)).expect("part");
    std::fs::write(part(&a, 1, 3), &bytes[..bytes.len() - 100]).expect("write");
    refused(
        &["merge", s(&a), "--out", o],
        &["part-00001-of-00003", "truncated"],
    );
    let mut flipped = bytes.clone();
    let at = flipped.len() - 200;
    flipped[at] ^= 0x10;
    std::fs::write(part(&a, 1, 3), &flipped).expect("write");
    refused(
        &["merge", s(&a), "--out", o],
        &["part-00001-of-00003", "corrupt"],
    );
    std::fs::write(part(&a, 1, 3), &bytes).expect("write");
    ok(&["merge", s(&a), "--out", o]);
    assert!(!out.join(".parts").exists());
}

#[test]
fn eight_shards_as_separate_processes_from_the_environment() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let parts = tmp.path().join("parts");
    let vars = [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "NINES_SHARD_INDEX",
    ];
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_nines"));
            for v in vars.iter().chain(&["AWS_BATCH_JOB_ARRAY_INDEX"]) {
                cmd.env_remove(v);
            }
            cmd.env(vars[i % 3], i.to_string())
                .args([
                    "run",
                    "scenarios/hot-standby.yaml",
                    "--replications",
                    "9000",
                ])
                .args(["--shard-from-env", "--shards", "8", "--out", s(&parts)])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for mut c in children {
        assert!(c.wait().expect("wait").success());
    }
    let merged = tmp.path().join("merged");
    ok(&["merge", s(&parts), "--out", s(&merged)]);
    let single = tmp.path().join("single");
    ok(&[
        "run",
        "scenarios/hot-standby.yaml",
        "--replications",
        "9000",
        "--out",
        s(&single),
    ]);
    for f in FILES {
        assert!(
            std::fs::read(single.join(f)).ok() == std::fs::read(merged.join(f)).ok(),
            "{f}"
        );
    }
    refused(
        &[
            "run",
            "scenarios/hot-standby.yaml",
            "--shard-from-env",
            "--shards",
            "8",
            "--out",
            s(&parts),
        ],
        &[],
    );
}

/// `nines check --shard I/N` writes parts of the whole budget; `nines merge
/// --check` judges them at one look, with the verdicts, estimates and bounds
/// of `nines check` run in one look on one machine, and its exit code.
#[test]
fn a_check_across_shards_judges_as_one_look_on_one_machine() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = std::fs::read_to_string("scenarios/slo-passes.yaml").expect("scenario");
    let without_window: String = scenario
        .lines()
        .filter(|l| !l.contains("window:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let file = dir.path().join("slo.yaml");
    std::fs::write(&file, &without_window).expect("write");
    let parts = dir.path().join("parts");
    for i in 0..3 {
        let shard = format!("{i}/3");
        ok(&[
            "check",
            s(&file),
            "--max-replications",
            "2500",
            "--shard",
            &shard,
            "--out",
            s(&parts),
        ]);
    }
    let merged = dir.path().join("merged");
    let junit = dir.path().join("slo.xml");
    let out = ok(&[
        "merge",
        s(&parts),
        "--out",
        s(&merged),
        "--check",
        "--json",
        "--junit",
        s(&junit),
    ]);
    let merged_json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let single = ok(&[
        "check",
        s(&file),
        "--max-replications",
        "2500",
        "--first-look",
        "2500",
        "--json",
    ]);
    let single_json: serde_json::Value = serde_json::from_slice(&single.stdout).expect("JSON");
    assert_eq!(merged_json["slos"], single_json["slos"]);
    assert_eq!(merged_json["slos"].as_array().map(Vec::len), Some(2));
    assert!(
        std::fs::read_to_string(&junit)
            .expect("junit")
            .contains("<testcase")
    );
    // A failing design fails the merge too (exit 1).
    let failing = without_window.replace("\"99.95%\"", "\"99.999%\"");
    std::fs::write(&file, failing).expect("write");
    let parts = dir.path().join("failing");
    ok(&[
        "check",
        s(&file),
        "--max-replications",
        "1000",
        "--shard",
        "0/1",
        "--out",
        s(&parts),
    ]);
    let out = nines(&[
        "merge",
        s(&parts),
        "--out",
        s(&dir.path().join("m2")),
        "--check",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Windowed objectives need flips, which parts do not keep.
    refused(
        &[
            "check",
            "scenarios/slo-passes.yaml",
            "--shard",
            "0/2",
            "--out",
            s(&dir.path().join("w")),
        ],
        &["`window`", "without --shard"],
    );
}

/// `nines sweep --shard I/N` runs each point's blocks of the shard; the
/// merged parts write the single sweep's files and table, byte for byte.
#[test]
fn sweep_shards_merge_into_the_single_sweep() {
    let dir = tempfile::tempdir().expect("temp dir");
    let sweep = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            "scenarios/web-tier-cost.yaml",
            "--set",
            "nodes.web.count=3,4",
            "--set",
            "cost.downtime=50/min,5/min",
            "--replications",
            "1100",
            "--objective",
            "total_cost_per_year",
            "--subject-to-slos",
        ];
        args.extend(extra);
        ok(&args)
    };
    let single = dir.path().join("single");
    let table = sweep(&["--out", s(&single)]).stdout;
    for n in [1u64, 3] {
        let parts = dir.path().join(format!("parts{n}"));
        for i in 0..n {
            let shard = format!("{i}/{n}");
            sweep(&["--shard", &shard, "--out", s(&parts)]);
        }
        let merged = dir.path().join(format!("merged{n}"));
        let out = ok(&["merge", s(&parts), "--out", s(&merged)]);
        assert!(out.stdout == table, "{n} shards: the table differs");
        for f in [
            "sweep.csv",
            "sweep.json",
            "sweep-1.svg",
            "sweep-2.svg",
            "tornado.svg",
            "frontier.svg",
        ] {
            let (a, b) = (std::fs::read(single.join(f)), std::fs::read(merged.join(f)));
            assert!(
                a.expect("single") == b.expect("merged"),
                "{n} shards: {f} differs"
            );
        }
    }
    // A sweep's parts and a run's do not mix; --check is for check parts.
    let run_parts = dir.path().join("parts3");
    ok(&[
        "run",
        "scenarios/web-tier-cost.yaml",
        "--replications",
        "1100",
        "--shard",
        "0/3",
        "--out",
        s(&dir.path().join("run")),
    ]);
    refused(
        &[
            "merge",
            s(&run_parts.join("part-00001-of-00003.nines-part")),
            s(&dir
                .path()
                .join("run")
                .join("part-00000-of-00003.nines-part")),
            "--out",
            s(&dir.path().join("mixed")),
        ],
        &["does not belong with"],
    );
    refused(
        &[
            "merge",
            s(&run_parts),
            "--out",
            s(&dir.path().join("c")),
            "--check",
        ],
        &["--subject-to-slos"],
    );
}
