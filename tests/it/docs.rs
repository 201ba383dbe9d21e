//! The teaching docs cannot rot: every `nines` command in docs/tutorial.md
//! runs with the exit code it states, and every scenario named in
//! docs/concepts.md exists and validates.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `nines ...` lines of the ```sh blocks, with the exit code a trailing
/// `# exits N` comment states (0 without one).
fn commands(markdown: &str) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in markdown.lines() {
        let line = line.trim();
        if line.starts_with("```") {
            in_sh = !in_sh && line == "```sh";
            continue;
        }
        if !in_sh || !line.starts_with("nines ") {
            continue;
        }
        let (command, comment) = line.split_once('#').unwrap_or((line, ""));
        let code = comment
            .trim()
            .strip_prefix("exits ")
            .map_or(0, |c| c.trim().parse().expect("exit code"));
        out.push((command.trim().to_string(), code));
    }
    out
}

#[test]
fn every_tutorial_command_runs() {
    let text = std::fs::read_to_string(root().join("docs/tutorial.md")).expect("tutorial");
    let commands = commands(&text);
    assert!(
        commands.len() >= 20,
        "found only {} commands",
        commands.len()
    );
    // Results go to a scratch directory that sees the shipped scenarios.
    let scratch = std::env::temp_dir().join(format!("nines-tutorial-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch");
    let link = scratch.join("scenarios");
    if !link.exists() {
        std::os::unix::fs::symlink(root().join("scenarios"), &link).expect("symlink");
    }
    for (command, expected) in &commands {
        assert!(
            !command.contains(['"', '\'', '$', '|', '>']),
            "{command}: keep it plain"
        );
        let args: Vec<&str> = command.split_whitespace().skip(1).collect();
        let out = Command::new(env!("CARGO_BIN_EXE_nines"))
            .args(&args)
            .current_dir(&scratch)
            .output()
            .expect("run nines");
        assert_eq!(
            out.status.code(),
            Some(*expected),
            "{command}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

#[test]
fn every_concept_has_a_valid_scenario_and_a_notebook() {
    let text = std::fs::read_to_string(root().join("docs/concepts.md")).expect("concepts");
    let rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('|') && l.contains("scenarios/"))
        .collect();
    assert!(rows.len() >= 12, "found only {} concepts", rows.len());
    for row in rows {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let mut named = 0;
        for word in row.split(['`', ' ', ',', '(', ')', '[', ']']) {
            if word.starts_with("scenarios/") && word.ends_with(".yaml") {
                let path = root().join(word);
                if let Err(err) = nines::scenario::load(&path) {
                    panic!("{row}: {word} does not load: {err}");
                }
                named += 1;
            }
            if word.starts_with("notebooks/") && word.ends_with(".ipynb") {
                assert!(Path::new(&root().join(word)).exists(), "{row}: no {word}");
            }
        }
        assert!(named > 0, "{row}: no scenario");
        assert!(
            cells.iter().any(|c| c.contains(".ipynb")),
            "{row}: no notebook"
        );
        assert!(
            cells.last().is_some_and(|c| c.is_empty()) && cells.len() >= 5,
            "{row}: columns"
        );
    }
}
