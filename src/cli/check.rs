//! `nines check`: runs the scenario in planned batches until every SLO is
//! decided or the budget is spent, then prints and writes the verdicts.

use super::{EXIT_BAD_INPUT, Overrides, load, output, settings};
use crate::experiment::{self, Batches, Settings};
use crate::model::{Model, hours_from_micros};
use crate::report::{self, Report};
use crate::scenario::values::parse_duration_h;
use crate::slo::{self, Check, Stop};
use anyhow::{Context, anyhow, bail};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines check scenarios/slo-passes.yaml\n  nines check scenarios/slo-fails.yaml --junit slo.xml --markdown slo.md\n  nines check design.yaml --baseline last/summary.json --max-replications 20000"
)]
pub struct CheckArgs {
    /// Scenario file (.yaml) with `slos`
    file: PathBuf,
    /// Refuse a budget expected to process more events than this, e.g. 1e12
    #[arg(long, value_name = "N", default_value_t = experiment::MAX_EXPECTED_EVENTS)]
    max_events: f64,
    /// Master seed (overrides `simulation.seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Measured time per replication, e.g. 10y (overrides `simulation.horizon`)
    #[arg(long)]
    horizon: Option<String>,
    /// Time simulated before measuring, e.g. 1y (overrides `simulation.warmup`)
    #[arg(long)]
    warmup: Option<String>,
    /// Most replications to run; the looks are planned up to it, so the
    /// verdict depends on it (and on the seed), never on the thread count
    #[arg(long, default_value_t = 20_000, value_name = "N")]
    max_replications: u64,
    /// Replications of the first look (then doubling up to the budget)
    #[arg(long, default_value_t = slo::FIRST_LOOK, value_name = "N")]
    first_look: u64,
    /// Stop at the first look after this much wall-clock time, e.g. 5m;
    /// the verdict then depends on the machine's speed (it is said so)
    #[arg(long, value_name = "DUR")]
    max_time: Option<String>,
    /// Worker threads (default: one per core); verdicts do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Print the run's summary with the verdicts (`slos`) as JSON
    #[arg(long)]
    json: bool,
    /// An earlier `nines check --json` (or `nines run --json`) summary: also
    /// fail when an objective's figure is significantly worse than there
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Also judge the objectives of these OpenSLO v1 `SLO` documents
    #[arg(long, value_name = "FILE.yaml")]
    slos: Option<PathBuf>,
    /// Write JUnit XML here: one test case per objective
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Markdown summary here (for $GITHUB_STEP_SUMMARY)
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Run shard I of N of the whole budget (--max-replications, in blocks of 1024) and
    /// write it as a part into --out; `nines merge --check` judges the merged run at one look
    #[arg(long, value_name = "I/N", requires = "out", conflicts_with_all = ["shard_from_env", "json", "junit", "markdown", "baseline", "slos", "max_time"])]
    shard: Option<String>,
    /// Like --shard, with I from the batch system (see `nines run --shard-from-env`)
    #[arg(long, requires_all = ["out", "shards"], conflicts_with_all = ["json", "junit", "markdown", "baseline", "slos", "max_time"])]
    shard_from_env: bool,
    /// The shard count N for --shard-from-env
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
    /// Where --shard writes its part
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the part already in --out
    #[arg(long, requires = "out")]
    force: bool,
}

pub fn check(args: &CheckArgs) -> anyhow::Result<i32> {
    let Some((model, not_mapped)) = objectives(args)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    let (settings, max_time) = plan(args, &model)?;
    if let Some(shard) = shard_of(args)? {
        return check_shard(args, &model, settings, shard);
    }
    let mut check = Check::new(
        &model,
        args.first_look,
        settings.n_replications,
        settings.horizon_us,
    );
    let mut batches = Batches::new(&model, settings, args.threads)?;
    let started = Instant::now();
    let out_of_time = || max_time.is_some_and(|t| started.elapsed() >= t);
    let stop = slo::run_looks(
        &model,
        &mut check,
        &mut batches,
        settings.warmup_us,
        &out_of_time,
    )
    .map_err(|e| anyhow!(e))?;
    let results = batches.results();
    let n = results.settings.n_replications;
    let report = Report::new(&model, &results);
    let mut judgements = check.judgements().to_vec();
    let mut note = note(stop, &check, max_time);
    if !not_mapped.is_empty() {
        add_note(
            &mut note,
            &format!("OpenSLO keys not mapped: {}", not_mapped.join("; ")),
        );
    }
    let mut json = report::json::summary_value(&report);
    if let Some(path) = &args.baseline {
        let base = read_baseline(path)?;
        let (regressions, missing) = slo::baseline::compare(&check.objectives, &json, &base, n);
        judgements.extend(regressions);
        if !missing.is_empty() {
            let text = format!(
                "not in both summaries, so not compared with the baseline: {}",
                missing.join(", ")
            );
            add_note(&mut note, &text);
        }
    }
    json["input"] = output::input_json(&args.file, &settings)?;
    json["slos"] = report::slos::json(&judgements);
    if args.slos.is_some() {
        json["openslo_not_mapped"] = serde_json::json!(not_mapped);
    }
    json["check"] = serde_json::json!({
        "method": "one-sided t bounds (Wilson too for window shares), Bonferroni alpha spending over the planned looks",
        "looks": check.looks,
        "replications": n,
        "stopped": stop.as_str(),
        "note": note,
    });
    emit(args, &model.name, &json, &judgements, n, &note)?;
    Ok(slo::exit_code(&judgements))
}

fn shard_of(args: &CheckArgs) -> anyhow::Result<Option<(u64, u64)>> {
    super::shard::requested(args.shard.as_deref(), args.shard_from_env, args.shards)
}

/// `--shard I/N`: the shard's blocks of the whole budget as a part of a
/// run of `--max-replications`, judged after `nines merge --check`.
fn check_shard(
    args: &CheckArgs,
    model: &Model,
    settings: Settings,
    shard: (u64, u64),
) -> anyhow::Result<i32> {
    if model.slos.iter().any(|s| s.window_us.is_some()) {
        bail!(
            "--shard: an objective with a `window` is judged on each replication's flips, which parts do not keep\n  = hint: check windowed objectives without --shard"
        );
    }
    let mut replay = format!(
        "nines trace {} --seed {} --replications {}",
        args.file.display(),
        settings.seed,
        settings.n_replications
    );
    for (flag, value) in [("horizon", &args.horizon), ("warmup", &args.warmup)] {
        if let Some(v) = value {
            replay.push_str(&format!(" --{flag} {v}"));
        }
    }
    let dir = args.out.as_deref().unwrap_or(Path::new("."));
    let path = super::shard::run_shard(&super::shard::ShardRun {
        file: &args.file,
        model,
        settings,
        threads: args.threads,
        dir,
        force: args.force,
        replay,
        shard,
    })?;
    println!(
        "wrote {} (shard {} of {} of {} replications); judge the merged run with `nines merge {} --out DIR --check`",
        path.display(),
        shard.0,
        shard.1,
        settings.n_replications,
        dir.display()
    );
    Ok(super::EXIT_OK)
}

fn add_note(note: &mut String, text: &str) {
    if !note.is_empty() {
        note.push('\n');
    }
    note.push_str(text);
}

/// The scenario with the objectives of `--slos` added, and what of those
/// could not be mapped; `None` (after printing why) on bad input.
fn objectives(args: &CheckArgs) -> anyhow::Result<Option<(Model, Vec<String>)>> {
    let Some(mut model) = load(&args.file)? else {
        return Ok(None);
    };
    let mut not_mapped = Vec::new();
    if let Some(path) = &args.slos {
        match read_openslo(path, &model)? {
            Ok(mapped) => {
                model.slos.extend(mapped.slos);
                not_mapped = mapped.not_mapped;
            }
            Err(errors) => {
                for e in errors {
                    eprintln!("error: {}: {e}", path.display());
                }
                return Ok(None);
            }
        }
    }
    for line in &not_mapped {
        eprintln!("note: --slos: not mapped: {line}");
    }
    if model.slos.is_empty() {
        eprintln!(
            "error: {} has no `slos`: nothing to check\n  = hint: add for example `slos: [{{service: web, availability: \"99.9%\"}}]`",
            args.file.display()
        );
        return Ok(None);
    }
    Ok(Some((model, not_mapped)))
}

/// The settings of the whole budget and the time budget, checked.
fn plan(args: &CheckArgs, model: &Model) -> anyhow::Result<(Settings, Option<Duration>)> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    if args.first_look < 2 {
        bail!("--first-look must be at least 2 replications");
    }
    let overrides = Overrides {
        seed: args.seed,
        replications: Some(args.max_replications),
        horizon: args.horizon.as_deref(),
        warmup: args.warmup.as_deref(),
        incident_threshold: None,
    };
    let settings = settings(&overrides, model).map_err(|e| {
        anyhow!(
            "{}",
            e.to_string()
                .replace("--replications", "--max-replications")
        )
    })?;
    check_windows(model, settings.horizon_us)?;
    experiment::check_budget(model, &settings, args.max_events).map_err(|e| {
        anyhow!(
            "{}",
            e.to_string()
                .replace("--replications", "--max-replications")
        )
    })?;
    let max_time = args
        .max_time
        .as_deref()
        .map(|t| {
            parse_duration_h(t)
                .map(|h| Duration::from_secs_f64(h * 3600.0))
                .map_err(|e| anyhow!("--max-time {t}: {e}; write for example `5m`"))
        })
        .transpose()?;
    Ok((settings, max_time))
}

/// The JUnit and Markdown files, then the table or the JSON on stdout.
fn emit(
    args: &CheckArgs,
    scenario: &str,
    json: &serde_json::Value,
    judgements: &[slo::Judgement],
    n: u64,
    note: &str,
) -> anyhow::Result<()> {
    if let Some(path) = &args.junit {
        output::write_file(path, &report::junit::render(scenario, judgements))?;
    }
    if let Some(path) = &args.markdown {
        output::write_file(
            path,
            &report::markdown::render(scenario, judgements, n, note),
        )?;
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        stdout.write_all(report::json::pretty(json).as_bytes())?;
    } else {
        // Which design, and how many replications decided it, before the verdicts.
        writeln!(
            stdout,
            "{scenario}: {n} replications, seed {}\n",
            args_seed(json)
        )?;
        stdout.write_all(report::slos::table(judgements).as_bytes())?;
        if !note.is_empty() {
            writeln!(stdout, "{note}")?;
        }
    }
    stdout.flush()?;
    Ok(())
}

/// The seed the run used, as the JSON summary records it.
fn args_seed(json: &serde_json::Value) -> u64 {
    json["seed"].as_u64().unwrap_or_default()
}

fn note(stop: Stop, check: &Check, max_time: Option<Duration>) -> String {
    match stop {
        Stop::Decided => String::new(),
        Stop::Budget if check.all_decided() => String::new(),
        Stop::Budget => format!(
            "the budget of {} replications ran out before every objective was decided; raise --max-replications",
            check.looks.last().copied().unwrap_or(0)
        ),
        Stop::Time => format!(
            "stopped by --max-time {:.0} s: this verdict depends on the machine's speed, not only on the seed and budget",
            max_time.map_or(0.0, |t| t.as_secs_f64())
        ),
    }
}

type OpenSlo = Result<slo::openslo::Mapped, Vec<String>>;

fn read_openslo(path: &Path, model: &Model) -> anyhow::Result<OpenSlo> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--slos: cannot read {}", path.display()))?;
    let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text)
        .map_err(|e| anyhow!("--slos {}: not YAML ({e})", path.display()))?;
    Ok(slo::openslo::map(&docs, model))
}

fn read_baseline(path: &Path) -> anyhow::Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("--baseline: cannot read {}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        anyhow!(
            "--baseline {}: not a JSON summary ({e})\n  = hint: save one with `nines check FILE --json > baseline.json`",
            path.display()
        )
    })
}

/// A window longer than the horizon (after `--horizon`) is bad input.
fn check_windows(model: &Model, horizon_us: u64) -> anyhow::Result<()> {
    for slo in &model.slos {
        if let Some(w) = slo.window_us.filter(|&w| w > horizon_us) {
            bail!(
                "an SLO's window ({} h) is longer than the horizon ({} h): no window fits in a replication\n  = hint: lengthen --horizon",
                hours_from_micros(w),
                hours_from_micros(horizon_us)
            );
        }
    }
    Ok(())
}
