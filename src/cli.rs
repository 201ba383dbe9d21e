//! The command line: flags are parsed by clap, merged with the scenario into
//! a run configuration, and the outcome is mapped to an exit code. The only
//! module that touches stdout, stderr and the file system for output.

mod check;
mod compare;
mod interrupt;
mod merge;
mod output;
mod rare;
mod resume;
mod run;
mod shard;
mod solve;
mod sweep;
mod trace;
mod validate;

use crate::experiment::Settings;
use crate::model::{Model, micros_from_hours};
use crate::scenario::{self, LoadError, MAX_HORIZON_Y, MAX_REPLICATIONS, values::parse_duration_h};
use anyhow::{anyhow, bail};
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

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
    Run(run::RunArgs),
    /// Merge the parts of `nines run --shard I/N` into what a single run writes
    Merge(merge::MergeArgs),
    /// Run several designs on common random numbers; each one's paired difference from the first
    Compare(compare::CompareArgs),
    /// Run one scenario over a grid of settings (--set PATH=VALUES), on common random numbers
    Sweep(sweep::SweepArgs),
    /// Solve a Markovian design exactly (every time exponential): steady state and over the horizon
    Solve(solve::SolveArgs),
    /// Judge the scenario's SLOs: pass, fail or inconclusive (exit 0, 1 or 3), sequentially
    Check(check::CheckArgs),
    /// Replay one replication of a run as a timeline (what failed, what noticed, what was down)
    Trace(trace::TraceArgs),
    /// Check scenarios without running them; every problem is listed
    #[command(
        after_help = "Examples:\n  nines validate scenarios/*.yaml\n  nines validate my-design.yaml"
    )]
    Validate {
        /// Scenario files (.yaml)
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
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
        Command::Run(args) => run::run(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Solve(args) => solve::solve(&args),
        Command::Compare(args) => compare::compare(&args),
        Command::Sweep(args) => sweep::sweep(&args),
        Command::Check(args) => check::check(&args),
        Command::Trace(args) => trace::trace(&args),
        Command::Validate { files } => validate::validate(&files),
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

/// The flags that override a run's `simulation` settings, shared by `run`
/// and `trace` (which must replay the run's settings).
#[derive(clap::Args, Debug)]
pub struct RunSettingsArgs {
    /// Master seed (overrides `simulation.seed`)
    #[arg(long)]
    pub seed: Option<u64>,
    /// Number of replications (overrides `simulation.replications`)
    #[arg(long)]
    pub replications: Option<u64>,
    /// Measured time per replication, e.g. 10y (overrides `simulation.horizon`)
    #[arg(long)]
    pub horizon: Option<String>,
    /// Time simulated before measuring, e.g. 1y (overrides `simulation.warmup`)
    #[arg(long)]
    pub warmup: Option<String>,
    /// Outages shorter than this are downtime but no incident, e.g. 1m
    /// (overrides `simulation.incident_threshold`; default 0: every outage)
    #[arg(long, value_name = "DUR")]
    pub incident_threshold: Option<String>,
}

impl RunSettingsArgs {
    fn overrides(&self) -> Overrides<'_> {
        Overrides {
            seed: self.seed,
            replications: self.replications,
            horizon: self.horizon.as_deref(),
            warmup: self.warmup.as_deref(),
            incident_threshold: self.incident_threshold.as_deref(),
        }
    }
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
