//! Ctrl-C stops a run cleanly: the figures printed are those of a run of
//! the replications done, and `--out` keeps what it held; a run killed
//! outright leaves the old files too.

use std::process::{Command, Stdio};
use std::time::Duration;

const W1: &str = "scenarios/bench/w1.yaml";

fn long_run(out: &std::path::Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_nines"))
        .args([
            "run",
            W1,
            "--replications",
            "1000000",
            "--horizon",
            "1y",
            "--json",
            "--force",
        ])
        .arg("--out")
        .arg(out)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

fn signal(child: &std::process::Child, name: &str) {
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
}

fn old_results(dir: &std::path::Path) {
    std::fs::create_dir_all(dir).expect("dir");
    for f in ["summary.json", "replications.csv", "report.html"] {
        std::fs::write(dir.join(f), "old").expect("write");
    }
}

fn still_old(dir: &std::path::Path) {
    for f in ["summary.json", "replications.csv", "report.html"] {
        assert_eq!(std::fs::read_to_string(dir.join(f)).expect(f), "old", "{f}");
    }
}

#[test]
fn ctrl_c_reports_the_replications_done_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    old_results(&out);
    let child = long_run(&out);
    signal(&child, "-INT");
    let result = child.wait_with_output().expect("wait");
    assert_eq!(
        result.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(String::from_utf8_lossy(&result.stderr).contains("interrupted"));
    still_old(&out);
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ".nines-checkpoint",
            "replications.csv",
            "report.html",
            "summary.json"
        ],
        "no temporary file is left; the checkpoint is"
    );
    assert!(String::from_utf8_lossy(&result.stderr).contains("add --resume"));
    let json: serde_json::Value = serde_json::from_slice(&result.stdout).expect("JSON");
    let done = json["replications"].as_u64().expect("replications");
    assert!(done > 0 && done.is_multiple_of(1024) && done < 1_000_000);
    let plain = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args([
            "run",
            W1,
            "--replications",
            &done.to_string(),
            "--horizon",
            "1y",
            "--json",
        ])
        .output()
        .expect("run");
    assert!(
        plain.stdout == result.stdout,
        "the stopped run is a run of {done}"
    );
}

#[test]
fn a_killed_run_leaves_the_old_results() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("out");
    old_results(&out);
    let mut child = long_run(&out);
    signal(&child, "-KILL");
    assert_eq!(child.wait().expect("wait").code(), None);
    still_old(&out);
}

/// A run of 3,000 replications of W1 over 4 years: three blocks, about
/// 2.1e7 events (enough to keep a checkpoint).
fn w1_args(out: &std::path::Path) -> Vec<String> {
    [
        "run",
        W1,
        "--replications",
        "3000",
        "--horizon",
        "4y",
        "--out",
        out.to_str().expect("path"),
    ]
    .map(String::from)
    .to_vec()
}

fn files(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    ["summary.json", "replications.csv", "report.html"]
        .iter()
        .map(|f| (f.to_string(), std::fs::read(dir.join(f)).expect(f)))
        .collect()
}

/// Killed outright after its first block, a run leaves the old results
/// and its checkpoint; `--resume` finishes it with the bytes of the run
/// that was never interrupted (and removes the checkpoint).
#[test]
fn resume_after_a_kill_equals_the_uninterrupted_run() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let whole = tmp.path().join("whole");
    let status = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(w1_args(&whole))
        .stdout(Stdio::null())
        .status()
        .expect("run");
    assert!(status.success());
    assert!(
        !whole.join(".nines-checkpoint").exists(),
        "a finished run removes it"
    );
    let out = tmp.path().join("out");
    old_results(&out);
    let mut args = w1_args(&out);
    args.push("--force".into());
    let mut child = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // Killed as soon as the checkpoint holds more than its header.
    let checkpoint = out.join(".nines-checkpoint");
    let mut waited = 0;
    while std::fs::metadata(&checkpoint).map_or(0, |m| m.len()) < 50_000 {
        std::thread::sleep(Duration::from_millis(5));
        waited += 1;
        assert!(waited < 4000, "no block was checkpointed in 20 s");
    }
    let _ = child.kill();
    let killed = child.wait().expect("wait");
    if killed.success() {
        // Too fast to catch on this machine: nothing left to resume.
        eprintln!("the run finished before it was killed");
        return;
    }
    still_old(&out);
    // Without the checkpoint's blocks: a run with other settings is refused.
    let mut other = args.clone();
    other.extend(["--resume".into(), "--seed".into(), "7".into()]);
    let refused = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(&other)
        .output()
        .expect("run");
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("cannot be resumed"));
    still_old(&out);
    args.push("--resume".into());
    let resumed = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(&args)
        .output()
        .expect("run");
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert!(files(&out) == files(&whole), "resumed results differ");
    let names: Vec<_> = std::fs::read_dir(&out).expect("dir").collect();
    assert_eq!(
        names.len(),
        3,
        "neither checkpoint nor temporary file is left"
    );
    // Nothing to resume now.
    let again = Command::new(env!("CARGO_BIN_EXE_nines"))
        .args(&args)
        .output()
        .expect("run");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no interrupted run to resume"));
}
