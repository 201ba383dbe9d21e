//! The recipes in docs/recipes/ run as written: each one's `nines run`
//! command, given the index variable its batch system sets, for every index
//! of its array, then its `nines merge` command, give the single run's files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `nines ...` commands of a recipe, up to the end of the line or a
/// closing quote, with shell expansions of the thread count set to 1.
fn commands(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            l.find("nines run")
                .or(l.find("nines merge"))
                .map(|at| &l[at..])
        })
        .map(|c| {
            let c = c.split('"').next().unwrap_or(c);
            c.split_whitespace()
                .skip(1)
                .map(|w| {
                    if w.starts_with("\"$") || w.starts_with('$') {
                        "1".into()
                    } else {
                        w.into()
                    }
                })
                .collect()
        })
        .collect()
}

fn run(dir: &Path, args: &[String], var: Option<(&str, u64)>) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_nines"));
    for v in [
        "JOB_COMPLETION_INDEX",
        "SLURM_ARRAY_TASK_ID",
        "AWS_BATCH_JOB_ARRAY_INDEX",
        "NINES_SHARD_INDEX",
    ] {
        cmd.env_remove(v);
    }
    if let Some((name, value)) = var {
        cmd.env(name, value.to_string());
    }
    let out = cmd
        .args(args)
        .current_dir(dir)
        .output()
        .expect("nines runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `recipe` with `var` set to each of `shards` indices.
fn check(recipe: &str, var: &str, shards: u64) {
    let text = std::fs::read_to_string(root().join("docs/recipes").join(recipe)).expect("recipe");
    assert!(recipe.ends_with(".sh") || text.contains(var) || var == "JOB_COMPLETION_INDEX");
    let commands = commands(&text);
    assert_eq!(commands.len(), 2, "{recipe}: one run and one merge command");
    let (shard, merge) = (&commands[0], &commands[1]);
    assert_eq!(shard[0], "run");
    assert_eq!(merge[0], "merge");
    let n = shard
        .iter()
        .position(|w| w == "--shards")
        .map(|i| shard[i + 1].clone());
    assert_eq!(
        n,
        Some(shards.to_string()),
        "{recipe}: --shards must match the array"
    );
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        root().join("scenarios/hot-standby.yaml"),
        tmp.path().join("scenario.yaml"),
    )
    .expect("scenario");
    for i in 0..shards {
        run(tmp.path(), shard, Some((var, i)));
    }
    run(tmp.path(), merge, None);
    let single: Vec<String> = ["run", "scenario.yaml", "--out", "single"]
        .map(String::from)
        .into();
    run(tmp.path(), &single, None);
    for f in ["summary.json", "replications.csv", "report.html"] {
        let read = |d: &str| std::fs::read(tmp.path().join(d).join(f)).ok();
        assert!(
            read("results").is_some() && read("results") == read("single"),
            "{recipe}: {f}"
        );
    }
}

#[test]
fn the_kubernetes_indexed_job_runs() {
    let text = std::fs::read_to_string(root().join("docs/recipes/kubernetes-indexed-job.yaml"))
        .expect("recipe");
    assert!(text.contains("completions: 8") && text.contains("completionMode: Indexed"));
    check("kubernetes-indexed-job.yaml", "JOB_COMPLETION_INDEX", 8);
}

#[test]
fn the_slurm_array_runs() {
    let text = std::fs::read_to_string(root().join("docs/recipes/slurm-array.sh")).expect("recipe");
    assert!(text.contains("#SBATCH --array=0-7"));
    let syntax = Command::new("sh")
        .args(["-n", "docs/recipes/slurm-array.sh"])
        .current_dir(root())
        .status()
        .expect("sh");
    assert!(syntax.success());
    check("slurm-array.sh", "SLURM_ARRAY_TASK_ID", 8);
}

#[test]
fn the_github_actions_matrix_runs() {
    let text =
        std::fs::read_to_string(root().join("docs/recipes/github-actions.yml")).expect("recipe");
    assert!(text.contains("shard: [0, 1, 2, 3, 4, 5, 6, 7]"));
    assert!(text.contains("NINES_SHARD_INDEX: ${{ matrix.shard }}"));
    check("github-actions.yml", "NINES_SHARD_INDEX", 8);
}
