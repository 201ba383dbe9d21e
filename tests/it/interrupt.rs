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
    let names: Vec<_> = std::fs::read_dir(&out).expect("dir").collect();
    assert_eq!(names.len(), 3, "no temporary file is left");
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
