//! The command line: flags are parsed by clap, merged with the scenario into
//! a run configuration, and the outcome is mapped to an exit code. The only
//! module that touches stdout, stderr and the file system for output.

mod check;
mod output;

use crate::analytic;
use crate::experiment::{self, Settings};
use crate::model::{Model, micros_from_hours};
use crate::report::{self, Report, csv::ReplicationWriter};
use crate::scenario::{self, LoadError, MAX_HORIZON_Y, MAX_REPLICATIONS, values::parse_duration_h};
use anyhow::{anyhow, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Exit codes: success, a checked objective failed, bad input or I/O, an
/// objective inconclusive (and none failed).
pub const EXIT_OK: i32 = 0;
pub const EXIT_OBJECTIVE_FAILED: i32 = 1;
pub const EXIT_BAD_INPUT: i32 = 2;
pub const EXIT_INCONCLUSIVE: i32 = 3;

#[derive(Parser, Debug)]
#[command(
    name = "nines",
    version,
    about = "Chaos-testing simulator and availability modeler"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate a scenario and print availability, MTBF, MTTR... with 95% intervals
    Run(RunArgs),
    /// Solve a Markovian design exactly (every time exponential): steady state and over the horizon
    Solve(SolveArgs),
    /// Judge the scenario's SLOs: pass, fail or inconclusive (exit 0, 1 or 3), sequentially
    Check(check::CheckArgs),
    /// Check scenarios without running them; every problem is listed
    Validate {
        /// Scenario files (.yaml)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// Scenario file (.yaml)
    file: PathBuf,
    /// Master seed (overrides `simulation.seed`)
    #[arg(long)]
    seed: Option<u64>,
    /// Number of replications (overrides `simulation.replications`)
    #[arg(long)]
    replications: Option<u64>,
    /// Measured time per replication, e.g. 10y (overrides `simulation.horizon`)
    #[arg(long)]
    horizon: Option<String>,
    /// Time simulated before measuring, e.g. 1y (overrides `simulation.warmup`)
    #[arg(long)]
    warmup: Option<String>,
    /// Outages shorter than this are downtime but no incident, e.g. 1m
    /// (overrides `simulation.incident_threshold`; default 0: every outage)
    #[arg(long, value_name = "DUR")]
    incident_threshold: Option<String>,
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
    /// Print the exact value (for Markovian designs) beside each estimate, with its z-score
    #[arg(long)]
    cross_check: bool,
}

#[derive(Args, Debug)]
struct SolveArgs {
    /// Scenario file (.yaml)
    file: PathBuf,
    /// Horizon for the figures over the horizon, e.g. 10y (overrides `simulation.horizon`)
    #[arg(long)]
    horizon: Option<String>,
    /// Warm-up before the horizon, e.g. 1y (overrides `simulation.warmup`)
    #[arg(long)]
    warmup: Option<String>,
    /// Print the solution as JSON (the shape of `nines run --json`) instead of the table
    #[arg(long)]
    json: bool,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
        }
    };
    let outcome = match cli.command {
        Command::Run(args) => run(&args),
        Command::Solve(args) => solve(&args),
        Command::Check(args) => check::check(&args),
        Command::Validate { files } => validate(&files),
    };
    match outcome {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => EXIT_OK,
        Err(err) => {
            eprintln!("error: {err:#}");
            EXIT_BAD_INPUT
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Loads a scenario; problems are printed to stderr and turned into `None`.
fn load(path: &Path) -> anyhow::Result<Option<Model>> {
    match scenario::load(path) {
        Ok(model) => Ok(Some(model)),
        Err(LoadError::Invalid(diagnostics)) => {
            eprintln!("{diagnostics}");
            Ok(None)
        }
        // Its own words only: the I/O error is part of the message already.
        Err(err @ LoadError::Io { .. }) => Err(anyhow!("{err}")),
    }
}

fn validate(files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut code = EXIT_OK;
    for file in files {
        match scenario::load(file) {
            Ok(model) => {
                // The run its own settings ask for must be one `nines run` accepts.
                let expected = experiment::expected_events(&model, &Settings::from_model(&model));
                if expected > experiment::MAX_EXPECTED_EVENTS {
                    eprintln!(
                        "error: {}: its `simulation` settings would process about {expected:.1e} events, \
                         above the limit of {:.0e}\n  = hint: lower `replications` or `horizon`\n",
                        file.display(),
                        experiment::MAX_EXPECTED_EVENTS
                    );
                    code = EXIT_BAD_INPUT;
                    continue;
                }
                println!(
                    "ok: {} ({} nodes, {} services)",
                    file.display(),
                    model.nodes.len(),
                    model.services.len()
                );
            }
            Err(LoadError::Invalid(diagnostics)) => {
                eprintln!("{diagnostics}\n");
                code = EXIT_BAD_INPUT;
            }
            Err(err) => {
                eprintln!("error: {err}\n");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    Ok(code)
}

/// Command-line overrides of the scenario's `simulation` settings.
#[derive(Default)]
struct Overrides<'a> {
    seed: Option<u64>,
    replications: Option<u64>,
    horizon: Option<&'a str>,
    warmup: Option<&'a str>,
    incident_threshold: Option<&'a str>,
}

/// Merges the command-line overrides into the scenario's settings.
fn settings(overrides: &Overrides, model: &Model) -> anyhow::Result<Settings> {
    let mut settings = Settings::from_model(model);
    let duration = |flag: &str, text: &str| -> anyhow::Result<u64> {
        let h = parse_duration_h(text)
            .map_err(|e| anyhow!("--{flag} {text}: {e}; write for example `10y` or `8760h`"))?;
        if h > MAX_HORIZON_Y * 8760.0 {
            bail!("--{flag} {text} is above the limit of {MAX_HORIZON_Y} years");
        }
        Ok(micros_from_hours(h))
    };
    if let Some(seed) = overrides.seed {
        settings.seed = seed;
    }
    if let Some(n) = overrides.replications {
        if n == 0 || n > MAX_REPLICATIONS as u64 {
            bail!("--replications must be between 1 and {MAX_REPLICATIONS}, found {n}");
        }
        settings.n_replications = n;
    }
    if let Some(h) = overrides.horizon {
        settings.horizon_us = duration("horizon", h)?;
        if settings.horizon_us == 0 {
            bail!(
                "--horizon {h}: the horizon is the time measured in each replication, so it must \
                 be longer than zero; write for example `10y` or `8760h`"
            );
        }
    }
    if let Some(w) = overrides.warmup {
        settings.warmup_us = duration("warmup", w)?;
    }
    if let Some(t) = overrides.incident_threshold {
        settings.incident_threshold_us = duration("incident-threshold", t)?;
    }
    Ok(settings)
}

fn solve(args: &SolveArgs) -> anyhow::Result<i32> {
    let Some(model) = load(&args.file)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    let overrides = Overrides {
        horizon: args.horizon.as_deref(),
        warmup: args.warmup.as_deref(),
        ..Overrides::default()
    };
    let settings = settings(&overrides, &model)?;
    if !model.traffic.is_empty() {
        eprintln!(
            "error: cannot solve {} exactly: it has `traffic`, and the solver computes no request \
             figures (they depend on health-check delays and capacities it does not model)",
            args.file.display()
        );
        eprintln!(
            "  = hint: `nines run {}` simulates the requests; `--cross-check` compares its \
             time-based figures with the solver",
            args.file.display()
        );
        return Ok(EXIT_BAD_INPUT);
    }
    let solution = match analytic::solve(&model, &settings) {
        Ok(solution) => solution,
        Err(err) => {
            eprintln!("error: cannot solve {} exactly: {err}", args.file.display());
            eprintln!(
                "  = hint: `nines run {}` simulates any design",
                args.file.display()
            );
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let text = if args.json {
        report::exact::solve_json(&model, &settings, &solution)
    } else {
        report::exact::solve_table(&model, &settings, &solution)
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(EXIT_OK)
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

fn run(args: &RunArgs) -> anyhow::Result<i32> {
    let Some(model) = load(&args.file)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let overrides = Overrides {
        seed: args.seed,
        replications: args.replications,
        horizon: args.horizon.as_deref(),
        warmup: args.warmup.as_deref(),
        incident_threshold: args.incident_threshold.as_deref(),
    };
    let settings = settings(&overrides, &model)?;
    let mut csv = match &args.out {
        Some(dir) => {
            output::prepare_dir(dir, args.force)?;
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
    let results = experiment::run(
        &model,
        settings,
        args.threads,
        &mut |rep, outcome| {
            if let Some(writer) = csv.as_mut()
                && let Err(e) = writer.write(rep, outcome)
            {
                csv_error.get_or_insert(e);
            }
        },
        &|| bar.inc(1),
    )?;
    bar.finish_and_clear();
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
    json_value["input"] = output::input_json(&args.file, &settings)?;
    let json = report::json::pretty(&json_value);
    if let (Some(dir), Some(writer)) = (&args.out, csv) {
        let file = writer.finish()?.into_inner().map_err(|e| e.into_error())?;
        output::persist(file, &dir.join("replications.csv"))?;
        let mut summary = output::temp_file(dir)?;
        summary.write_all(json.as_bytes())?;
        output::persist(summary, &dir.join("summary.json"))?;
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        stdout.write_all(json.as_bytes())?;
    } else {
        stdout.write_all(report::table::render(&report, Some(elapsed_s)).as_bytes())?;
        if let Some(checks) = &checks {
            writeln!(stdout)?;
            stdout.write_all(report::exact::cross_check_table(checks).as_bytes())?;
        }
        if let Some(dir) = &args.out {
            writeln!(
                stdout,
                "wrote {0}/summary.json and {0}/replications.csv",
                dir.display()
            )?;
        }
    }
    stdout.flush()?;
    Ok(EXIT_OK)
}

type Checks = Vec<(String, Vec<report::exact::Check>)>;

/// The exact solution beside the estimates; warns on stderr about any
/// |z| above the flag, with the command that replays the run.
fn cross_check(model: &Model, settings: &Settings, report: &Report, file: &Path) -> Option<Checks> {
    let solution = match analytic::solve(model, settings) {
        Ok(solution) => solution,
        Err(err) => {
            eprintln!("cross-check unavailable: {err}");
            return None;
        }
    };
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
