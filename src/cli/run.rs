//! `nines run`: simulate a scenario, print the table or JSON, and write
//! `summary.json` and `replications.csv` with `--out`.

use super::{EXIT_BAD_INPUT, EXIT_OK, RunSettingsArgs, load, output, settings};
use crate::analytic;
use crate::experiment::{self, Settings};
use crate::model::Model;
use crate::report::{self, Report, csv::ReplicationWriter};
use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines run scenarios/hot-standby.yaml\n  nines run scenarios/two-zone-web-shop.yaml --replications 2000 --seed 7 --out results/shop\n  nines run scenarios/hot-standby.yaml --cross-check --json"
)]
pub struct RunArgs {
    /// Scenario file (.yaml)
    file: PathBuf,
    #[command(flatten)]
    run: RunSettingsArgs,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Print the summary as JSON on stdout instead of the table
    #[arg(long)]
    json: bool,
    /// Also write summary.json and replications.csv into this directory
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the results already in the --out directory
    #[arg(long, requires = "out")]
    force: bool,
    /// Continue the run interrupted in --out (Ctrl-C, a kill, a crash) from the blocks of
    /// replications it completed; the results equal the uninterrupted run's
    #[arg(long, requires = "out", conflicts_with_all = ["precision", "shard", "shard_from_env"])]
    resume: bool,
    /// Also draw the report's charts as PNG files into --out/charts/ (for slides)
    #[arg(long, requires = "out")]
    png: bool,
    /// The width of the PNG charts in pixels (their height follows)
    #[arg(long, value_name = "PX", default_value_t = 1440, requires = "png", value_parser = clap::value_parser!(u32).range(200..=8000))]
    png_width: u32,
    /// Print the exact value (for Markovian designs) beside each estimate, with its z-score
    #[arg(long)]
    cross_check: bool,
    /// Add replications (100, 200, 400, ...) until the system's unavailability is known to
    /// this relative half-width, e.g. 10%; --replications is then the most it may run
    /// (default: as many as the event budget allows, at most 10 million)
    #[arg(long, value_name = "PERCENT")]
    precision: Option<String>,
    /// Estimate the system's unavailability by rare-event splitting (RESTART) for designs
    /// whose outages are too rare for plain replications: `auto` splits when a pilot finds
    /// system outages rare, `restart` always; system figures only
    #[arg(long, value_enum, value_name = "METHOD", conflicts_with_all = ["out", "resume", "shard", "shard_from_env"])]
    rare: Option<super::rare::RareArg>,
    /// Refuse a run expected to process more events than this (failures, repairs, takeovers;
    /// two per request in the per-request traffic mode), e.g. 1e12
    #[arg(long, value_name = "N", default_value_t = experiment::MAX_EXPECTED_EVENTS)]
    max_events: f64,
    /// Run shard I of N (blocks of 1024 replications whose index mod N is I) and write it as
    /// a part into --out, for `nines merge`
    #[arg(long, value_name = "I/N", requires = "out", conflicts_with_all = ["precision", "cross_check", "json", "shard_from_env"])]
    shard: Option<String>,
    /// Like --shard, with I from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID,
    /// AWS_BATCH_JOB_ARRAY_INDEX or NINES_SHARD_INDEX (the first set) and N from --shards
    #[arg(long, requires_all = ["out", "shards"], conflicts_with_all = ["precision", "cross_check", "json"])]
    shard_from_env: bool,
    /// The shard count N for --shard-from-env
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
}

fn progress_bar(n: u64, expected_events: f64) -> ProgressBar {
    // Runs of a moment (under ~20 million events) get no bar at all.
    if expected_events < 2e7 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {elapsed} (eta {eta})")
    {
        bar.set_style(style);
    }
    bar
}

pub fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let Some(model) = load(&args.file)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let mut settings = settings(&args.run.overrides(), &model)?;
    let precision = match &args.precision {
        Some(text) => {
            let target = parse_percent(text)?;
            if args.run.replications.is_none() {
                settings.n_replications = precision_cap(&model, &settings, args.max_events);
            }
            Some(target)
        }
        None => None,
    };
    if let Some(method) = args.rare {
        experiment::check_budget(&model, &settings, args.max_events)?;
        return super::rare::run(
            &model,
            settings,
            args.threads,
            method,
            precision,
            args.json,
            args.cross_check,
        );
    }
    if let Some(shard) = shard_of(args)? {
        // A shard's budget is its share of the run.
        let share = Settings {
            n_replications: settings.n_replications.div_ceil(shard.1),
            ..settings
        };
        experiment::check_budget(&model, &share, args.max_events)?;
        let path = super::shard::run_shard(&super::shard::ShardRun {
            file: &args.file,
            model: &model,
            settings,
            threads: args.threads,
            dir: args.out.as_deref().unwrap_or(Path::new(".")),
            force: args.force,
            replay: replay_prefix(args, &settings),
            shard,
        })?;
        println!(
            "wrote {} (shard {} of {})",
            path.display(),
            shard.0,
            shard.1
        );
        return Ok(EXIT_OK);
    }
    experiment::check_budget(&model, &settings, args.max_events)?;
    let mut csv = match &args.out {
        Some(dir) => {
            // Resuming replaces what an earlier run left there.
            output::prepare_dir(dir, args.force || args.resume)?;
            let file = output::temp_file(dir)?;
            Some(ReplicationWriter::new(
                std::io::BufWriter::new(file),
                &model,
                &settings,
            )?)
        }
        None => None,
    };
    let bar = progress_bar(
        settings.n_replications,
        experiment::expected_events(&model, &settings),
    );
    let started = Instant::now();
    let mut csv_error = None;
    let mut checkpoint = None;
    let mut write_row = |rep: u64, outcome: &crate::metrics::RepOutcome| {
        if let Some(writer) = csv.as_mut()
            && let Err(e) = writer.write(rep, outcome)
        {
            csv_error.get_or_insert(e);
        }
    };
    let (results, reached) = match precision {
        Some(target) => {
            let (results, reached) = experiment::run_to_precision(
                &model,
                settings,
                args.threads,
                target,
                &mut write_row,
                &|| bar.inc(1),
                &mut |done, width| {
                    let width =
                        width.map_or("no downtime yet".into(), |w| format!("±{:.1}%", w * 100.0));
                    bar.set_message(format!("after {done}: unavailability {width}"));
                },
            )?;
            (results, Some(reached))
        }
        None => {
            let stop = super::interrupt::flag();
            // Runs of a moment keep no checkpoint: nothing to resume.
            let long =
                experiment::expected_events(&model, &settings) >= super::resume::CHECKPOINT_EVENTS;
            match args.out.as_ref().filter(|_| long || args.resume) {
                Some(dir) => {
                    let header = super::shard::header(
                        &args.file,
                        &settings,
                        &replay_prefix(args, &settings),
                        (0, 1),
                    )?;
                    let run = super::resume::Checkpointed {
                        dir,
                        header,
                        resume: args.resume,
                        stop,
                    };
                    let batches = experiment::Batches::new(&model, settings, args.threads)?;
                    let (results, _) = run.run(batches, &mut write_row, &|| bar.inc(1))?;
                    checkpoint = Some(run);
                    (results, None)
                }
                None => {
                    let results = experiment::run_stoppable(
                        &model,
                        settings,
                        args.threads,
                        &mut write_row,
                        &|| bar.inc(1),
                        stop,
                    )?;
                    (results, None)
                }
            }
        }
    };
    let asked = settings.n_replications;
    // A precision run stops early by design; only a plain run is interrupted.
    let interrupted = reached.is_none() && results.settings.n_replications < asked;
    bar.finish_and_clear();
    let settings = results.settings;
    let elapsed_s = started.elapsed().as_secs_f64();
    if let Some(e) = csv_error {
        bail!("cannot write replications.csv: {e}");
    }
    let report = Report::new(&model, &results);
    let mut json_value = report::json::summary_value(&report);
    let checks = if args.cross_check {
        cross_check(&model, &settings, &report, &args.file)
    } else {
        None
    };
    if let Some(checks) = &checks {
        json_value["cross_check"] = report::exact::cross_check_json(checks);
    }
    if let Some(p) = &reached {
        json_value["precision"] = serde_json::json!({
            "target": p.target,
            "reached": p.reached,
            "met": p.met,
            "replications": settings.n_replications,
        });
    }
    let replay = replay_prefix(args, &settings);
    json_value["worst_replications"] = report::worst::json(&results.worst, &replay);
    json_value["input"] = output::input_json(&args.file, &settings)?;
    let json = report::json::pretty(&json_value);
    if interrupted {
        return super::interrupt::report_stop(
            &report,
            &json,
            args.json,
            asked,
            args.out.as_deref(),
            checkpoint.is_some(),
        );
    }
    if let (Some(dir), Some(writer)) = (&args.out, csv) {
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        let command = replay_prefix(args, &settings).replacen("nines trace", "nines run", 1);
        let page = report::html::render(
            &report,
            &json_value,
            &args.file.display().to_string(),
            &command,
        )
        .map_err(|e| anyhow::anyhow!("cannot render report.html: {e}"))?;
        if args.png {
            output::write_png_charts(dir, &report, args.png_width)?;
        }
        output::write_results(dir, file, &json, &page)?;
        if let Some(checkpoint) = &checkpoint {
            checkpoint.finish()?;
        }
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        stdout.write_all(json.as_bytes())?;
    } else {
        stdout.write_all(report::table::render(&report, Some(elapsed_s)).as_bytes())?;
        stdout.write_all(report::worst::table(&results.worst, &replay).as_bytes())?;
        if let Some(p) = &reached {
            writeln!(stdout, "\n{}", precision_line(p, settings.n_replications))?;
        }
        if let Some(checks) = &checks {
            writeln!(stdout)?;
            stdout.write_all(report::exact::cross_check_table(checks).as_bytes())?;
        }
        if let Some(dir) = &args.out {
            writeln!(
                stdout,
                "wrote {0}/summary.json, {0}/replications.csv and {0}/report.html{1}",
                dir.display(),
                if args.png {
                    format!(" (charts as PNG in {}/charts/)", dir.display())
                } else {
                    String::new()
                }
            )?;
        }
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

fn shard_of(args: &RunArgs) -> anyhow::Result<Option<(u64, u64)>> {
    super::shard::requested(args.shard.as_deref(), args.shard_from_env, args.shards)
}

type Checks = Vec<(String, Vec<report::exact::Check>)>;

/// The exact solution over the run's window for `--cross-check`, with the
/// solver's spinner after a second (as `nines solve`); `None`, said on
/// stderr, when the design has none.
pub(super) fn exact_solution(model: &Model, settings: &Settings) -> Option<analytic::Solution> {
    let watch = super::solve::Watch::new(None);
    let solved = analytic::solve_for_cross_check(model, settings, &watch);
    watch.finish();
    solved
        .map_err(|err| eprintln!("cross-check unavailable: {err}"))
        .ok()
}

/// The exact solution beside the estimates; warns on stderr about any
/// |z| above the flag, with the command that replays the run.
fn cross_check(model: &Model, settings: &Settings, report: &Report, file: &Path) -> Option<Checks> {
    let solution = exact_solution(model, settings)?;
    let checks = report::exact::cross_check(report, &solution);
    let flagged: Vec<String> = checks
        .iter()
        .flat_map(|(name, list)| {
            list.iter()
                .filter(|c| c.flagged())
                .map(move |c| format!("{name} {} (z = {:+.2})", c.figure, c.z.unwrap_or(0.0)))
        })
        .collect();
    if !flagged.is_empty() {
        eprintln!(
            "warning: {} simulated figure(s) more than 4 standard errors from the exact value, a likely model or engine bug: {}",
            flagged.len(),
            flagged.join(", ")
        );
        eprintln!(
            "  replay: nines run {} --seed {} --replications {} --cross-check",
            file.display(),
            settings.seed,
            settings.n_replications
        );
    }
    Some(checks)
}

/// `nines trace` with the settings of this run, so that it replays the
/// same replications.
fn replay_prefix(args: &RunArgs, settings: &Settings) -> String {
    let file = args.file.display().to_string();
    let file = if file.contains(|c: char| c.is_whitespace() || "'\"$`\\".contains(c)) {
        format!("'{}'", file.replace('\'', "'\\''"))
    } else {
        file
    };
    let mut prefix = format!(
        "nines trace {file} --seed {} --replications {}",
        settings.seed, settings.n_replications
    );
    for (flag, value) in [
        ("horizon", &args.run.horizon),
        ("warmup", &args.run.warmup),
        ("incident-threshold", &args.run.incident_threshold),
    ] {
        if let Some(v) = value {
            prefix.push_str(&format!(" --{flag} {v}"));
        }
    }
    prefix
}

/// `10%` or `0.1` as a fraction in (0, 1).
fn parse_percent(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(x) if x > 0.0 && x < 1.0 => Ok(x),
        _ => bail!(
            "--precision {text}: write a relative half-width between 0% and 100%, such as `10%`"
        ),
    }
}

/// The most replications a precision run may make: as many as the event
/// budget allows, at most the scenario limit.
fn precision_cap(model: &Model, settings: &Settings, max_events: f64) -> u64 {
    let one = experiment::expected_events(
        model,
        &Settings {
            n_replications: 1,
            ..*settings
        },
    );
    let by_budget = if one > 0.0 {
        (max_events / one).floor() as u64
    } else {
        u64::MAX
    };
    by_budget.clamp(100, crate::scenario::MAX_REPLICATIONS as u64)
}

fn precision_line(p: &experiment::Precision, replications: u64) -> String {
    let target = p.target * 100.0;
    match (p.met, p.reached) {
        (true, Some(r)) => format!(
            "precision: the system's unavailability is known to ±{:.1}% (target ±{target}%) after {replications} replications",
            r * 100.0
        ),
        (false, Some(r)) => format!(
            "precision: NOT reached: ±{:.1}% after {replications} replications, the most allowed (target ±{target}%); raise --replications",
            r * 100.0
        ),
        (_, None) => format!(
            "precision: NOT reached: no system downtime in {replications} replications, so its relative precision is unknown; raise --replications"
        ),
    }
}
