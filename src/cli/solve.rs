//! `nines solve`: the exact answer for a Markovian design.

use super::{EXIT_BAD_INPUT, EXIT_OK, Overrides, load, settings};
use crate::analytic::{self, Observer, Stage};
use crate::report;
use crate::scenario::values::parse_duration_h;
use anyhow::anyhow;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines solve scenarios/quorum-3.yaml\n  nines solve scenarios/quorum-5.yaml --horizon 1y --json\n  nines solve scenarios/three-tier.yaml --steady-state --max-time 1m"
)]
pub struct SolveArgs {
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
    /// The long-run figures only: skip those over the horizon (and the MTTFF
    /// restricted to it), the slower half of a large chain's solve
    #[arg(long, conflicts_with_all = ["horizon", "warmup"])]
    steady_state: bool,
    /// Stop after this long, e.g. 30s or 5m, saying how far the solve got and
    /// how long the whole would take at that pace (default: no limit)
    #[arg(long, value_name = "DUR")]
    max_time: Option<String>,
    /// Solve an approximation: `exponential` replaces every time by an
    /// exponential of the same mean (a standby's whole takeover by one), and
    /// lists each change; the answer is then approximate, and says so
    #[arg(long, value_name = "KIND", value_parser = ["exponential"])]
    approximate: Option<String>,
}

/// A spinner on stderr (shown only on a terminal, and only after a second)
/// and the `--max-time` deadline; remembers the last stage reported.
pub(super) struct Watch {
    bar: ProgressBar,
    started: Instant,
    deadline: Option<Duration>,
    last: Mutex<(Option<Stage>, u64, u64)>,
}

impl Observer for Watch {
    fn progress(&self, stage: Stage, done: u64, total: u64) {
        if let Ok(mut last) = self.last.lock() {
            *last = (Some(stage), done, total);
        }
        if self.started.elapsed() >= Duration::from_secs(1) {
            let what = match stage {
                Stage::Building => format!("{done} of {total} states explored"),
                Stage::Stationary | Stage::Deviation => format!("sweep {done}"),
                Stage::Transient => format!("step {done} of about {total}"),
            };
            self.bar.set_message(format!("{}: {what}", stage.name()));
            self.bar.tick();
        }
    }

    fn stop(&self) -> bool {
        self.deadline.is_some_and(|d| self.started.elapsed() >= d)
    }
}

impl Watch {
    /// The spinner goes.
    pub(super) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    pub(super) fn new(deadline: Option<Duration>) -> Self {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {msg}") {
            bar.set_style(style);
        }
        Watch {
            bar,
            started: Instant::now(),
            deadline,
            last: Mutex::new((None, 0, 0)),
        }
    }

    /// How far the solve got, and the whole at that pace where it can tell.
    fn how_far(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64();
        let (stage, done, total) = self.last.lock().map(|l| *l).unwrap_or((None, 0, 0));
        match stage {
            Some(Stage::Transient) if done > 0 => format!(
                "{elapsed:.1} s, in {}: step {done} of about {total} of one uniformization \
                 (the system and each service have one: about {:.0} s more for this one at this pace)",
                Stage::Transient.name(),
                elapsed / done as f64 * total.saturating_sub(done) as f64
            ),
            Some(Stage::Building) => format!(
                "{elapsed:.1} s, {done} states explored and {total} found so far (the limit is {})",
                analytic::MAX_STATES
            ),
            Some(stage) => format!("{elapsed:.1} s, in {} ({done})", stage.name()),
            None => format!("{elapsed:.1} s"),
        }
    }
}

pub fn solve(args: &SolveArgs) -> anyhow::Result<i32> {
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
    let deadline = match &args.max_time {
        Some(text) => {
            let h = parse_duration_h(text)
                .map_err(|e| anyhow!("--max-time {text}: {e}; write for example `30s` or `5m`"))?;
            Some(Duration::from_secs_f64(h * 3600.0))
        }
        None => None,
    };
    let (approximated, changes);
    let model = if args.approximate.is_some() {
        (approximated, changes) = analytic::approximate::exponential_model(&model);
        &approximated
    } else {
        changes = Vec::new();
        &model
    };
    let watch = Watch::new(deadline);
    let solved = analytic::solve_observed(model, (!args.steady_state).then_some(&settings), &watch);
    watch.bar.finish_and_clear();
    let solution = match solved {
        Ok(solution) => solution,
        Err(err) if err.is_stopped() => {
            eprintln!(
                "error: {} was not solved within --max-time {}: stopped after {}",
                args.file.display(),
                args.max_time.as_deref().unwrap_or(""),
                watch.how_far()
            );
            eprintln!(
                "  = hint: raise --max-time, try --steady-state (the long-run figures alone), or \
                 `nines run {}` to simulate it",
                args.file.display()
            );
            return Ok(EXIT_BAD_INPUT);
        }
        Err(err) => {
            eprintln!("error: cannot solve {} exactly: {err}", args.file.display());
            eprintln!(
                "  = hint: `nines run {}` simulates any design",
                args.file.display()
            );
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let mut text = if args.json {
        report::exact::solve_json(model, &settings, &solution)
    } else {
        report::exact::solve_table(model, &settings, &solution)
    };
    if args.approximate.is_some() {
        text = report::exact::mark_approximate(&text, &changes, args.json);
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(EXIT_OK)
}
