//! `nines run --shard I/N --out DIR`: runs the blocks of replications whose
//! index mod N is I and writes them as a part (`report/part.rs`) for
//! `nines merge`. `--shard-from-env` reads I from the batch system.

use super::output;
use crate::experiment::{self, BLOCK, Batches, Settings};
use crate::model::Model;
use crate::report::part::{self, Header};
use anyhow::{Context, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The variables `--shard-from-env` reads the shard index from, in order:
/// Kubernetes Indexed Jobs, Slurm arrays, AWS Batch arrays, and the generic
/// one for CI matrices and anything else.
pub const INDEX_VARIABLES: [&str; 4] = [
    "JOB_COMPLETION_INDEX",
    "SLURM_ARRAY_TASK_ID",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "NINES_SHARD_INDEX",
];

/// `I/N` as (I, N), with I in 0..N.
pub fn parse_shard(text: &str) -> anyhow::Result<(u64, u64)> {
    let parsed = text
        .split_once('/')
        .and_then(|(i, n)| Some((i.trim().parse::<u64>().ok()?, n.trim().parse::<u64>().ok()?)));
    match parsed {
        Some((i, n)) if n >= 1 && i < n => Ok((i, n)),
        Some((i, n)) if n >= 1 => bail!(
            "--shard {text}: the index {i} is not below the shard count {n}; shards are numbered 0 to {}",
            n - 1
        ),
        _ => bail!("--shard {text}: write the shard index and count as I/N, such as 0/8"),
    }
}

/// The shard index from the first of [`INDEX_VARIABLES`] that is set.
pub fn index_from_env(
    shards: u64,
    var: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<(u64, u64)> {
    let Some((name, value)) = INDEX_VARIABLES
        .iter()
        .find_map(|name| var(name).map(|v| (*name, v)))
    else {
        bail!(
            "--shard-from-env: none of {} is set; set NINES_SHARD_INDEX (0 to {}) or use --shard I/N",
            INDEX_VARIABLES.join(", "),
            shards.saturating_sub(1)
        );
    };
    let Ok(i) = value.trim().parse::<u64>() else {
        bail!("--shard-from-env: {name}={value} is not a shard index (a whole number)");
    };
    if i >= shards {
        bail!(
            "--shard-from-env: {name}={i} is not below --shards {shards}; indices run from 0 \
             (for Slurm, use --array=0-{})",
            shards - 1
        );
    }
    Ok((i, shards))
}

/// The shard a command was asked to run: `--shard I/N`, or
/// `--shard-from-env` with `--shards N`; `None` for a whole run.
pub fn requested(
    shard: Option<&str>,
    from_env: bool,
    shards: Option<u64>,
) -> anyhow::Result<Option<(u64, u64)>> {
    if let Some(text) = shard {
        return parse_shard(text).map(Some);
    }
    match (from_env, shards) {
        (true, Some(n)) => index_from_env(n, &|name| std::env::var(name).ok()).map(Some),
        _ => Ok(None),
    }
}

/// The file name of shard `i` of `n`.
pub fn part_name(i: u64, n: u64) -> String {
    format!("part-{i:05}-of-{n:05}.nines-part")
}

/// What a shard needs from `nines run`.
pub struct ShardRun<'a> {
    pub file: &'a Path,
    pub model: &'a Model,
    pub settings: Settings,
    pub threads: Option<usize>,
    pub dir: &'a Path,
    pub force: bool,
    pub replay: String,
    pub shard: (u64, u64),
}

/// The header of shard `i` of `n` of a run of `file` with settings `s`.
pub fn header(
    file: &Path,
    s: &Settings,
    replay: &str,
    (i, n): (u64, u64),
) -> anyhow::Result<Header> {
    let scenario =
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    Ok(Header {
        version: env!("CARGO_PKG_VERSION").into(),
        shard: i,
        shards: n,
        block: BLOCK,
        seed: s.seed,
        replications: s.n_replications,
        horizon_us: s.horizon_us,
        warmup_us: s.warmup_us,
        incident_threshold_us: s.incident_threshold_us,
        input: output::input_json_bytes(file, &scenario, s),
        replay: replay.to_string(),
        scenario: String::from_utf8_lossy(&scenario).into_owned(),
        sweep: None,
    })
}

pub fn run_shard(run: &ShardRun) -> anyhow::Result<PathBuf> {
    let (i, n) = run.shard;
    let s = run.settings;
    let header = header(run.file, &s, &run.replay, run.shard)?;
    let blocks: Vec<u64> = header.blocks().collect();
    let share = blocks.len() as f64 / header.total_blocks().max(1) as f64;
    let expected = experiment::expected_events(run.model, &s) * share;
    if expected > experiment::MAX_EXPECTED_EVENTS {
        bail!(
            "this shard would process about {expected:.1e} events, above the limit of {:.0e}; use more shards",
            experiment::MAX_EXPECTED_EVENTS
        );
    }
    std::fs::create_dir_all(run.dir)
        .with_context(|| format!("cannot create {}", run.dir.display()))?;
    let path = run.dir.join(part_name(i, n));
    if path.exists() && !run.force {
        bail!(
            "{} already exists; nothing was run\n  = hint: add --force to replace it",
            path.display()
        );
    }
    let batches = Batches::new(run.model, s, run.threads)?;
    let mut out = std::io::BufWriter::new(output::temp_file(run.dir)?);
    out.write_all(&header.encode())?;
    for &b in &blocks {
        let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(s.n_replications));
        let outcomes = batches.simulate_range(start, end, &|| {});
        out.write_all(&part::encode_block(b, &outcomes))?;
    }
    out.write_all(&part::encode_trailer(blocks.len() as u64))?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    output::persist(file, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_flags_and_variables() {
        assert_eq!(parse_shard("2/8").unwrap(), (2, 8));
        assert!(parse_shard("8/8").is_err());
        assert!(parse_shard("1/0").is_err());
        assert!(parse_shard("x").is_err());
        let env = |name: &str| (name == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
        assert_eq!(index_from_env(4, &env).unwrap(), (3, 4));
        assert!(index_from_env(3, &env).is_err());
        assert!(index_from_env(4, &|_| None).is_err());
    }
}
