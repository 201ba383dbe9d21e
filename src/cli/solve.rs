//! `nines solve`: the exact answer for a Markovian design.

use super::{EXIT_BAD_INPUT, EXIT_OK, Overrides, load, settings};
use crate::analytic;
use crate::report;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines solve scenarios/quorum-3.yaml\n  nines solve scenarios/quorum-5.yaml --horizon 1y --json\n  nines solve scenarios/three-tier.yaml --steady-state"
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
    let solved = if args.steady_state {
        analytic::solve_steady_state(&model)
    } else {
        analytic::solve(&model, &settings)
    };
    let solution = match solved {
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
