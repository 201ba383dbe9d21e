//! `nines trace`: replay one replication of a run as a timeline.

use super::{EXIT_BAD_INPUT, EXIT_OK, RunSettingsArgs, load, settings};
use crate::experiment;
use crate::model::micros_from_hours;
use crate::report::trace::{Trace, clock};
use crate::scenario::values::parse_duration_h;
use anyhow::{anyhow, bail};
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines trace scenarios/hot-standby.yaml --replication 3\n  \
    nines trace scenarios/partitioned-pair.yaml --replication 0 --from 30d --to 60d\n  \
    nines trace scenarios/hot-standby.yaml --replication 3 --json\n  \
    nines trace scenarios/lb-cascading-overload.yaml --replication 52 --to 100d --svg cascade.svg"
)]
pub struct TraceArgs {
    /// Scenario file (.yaml)
    file: PathBuf,
    /// The replication to replay, numbered as in replications.csv (from 0)
    #[arg(long)]
    replication: u64,
    /// The settings of the run being replayed (the replication must be one of its replications)
    #[command(flatten)]
    run: RunSettingsArgs,
    /// Show the events from this time on, e.g. 30d (default: the start)
    #[arg(long, value_name = "DUR")]
    from: Option<String>,
    /// Show the events up to this time, e.g. 2y (default: the end)
    #[arg(long, value_name = "DUR")]
    to: Option<String>,
    /// Print the trace as JSON, with the replication's row of replications.csv as `figures`
    #[arg(long)]
    json: bool,
    /// Also draw the timeline (a row per node, link, service and the system; bars while down,
    /// marks for detections, takeovers, faults) into this SVG file
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

pub fn trace(args: &TraceArgs) -> anyhow::Result<i32> {
    let Some(model) = load(&args.file)? else {
        return Ok(EXIT_BAD_INPUT);
    };
    let settings = settings(&args.run.overrides(), &model)?;
    if args.replication >= settings.n_replications {
        bail!(
            "--replication {} is not a replication of this run: it has {} (numbered 0 to {}); \
             pass --replications to trace a larger run",
            args.replication,
            settings.n_replications,
            settings.n_replications - 1
        );
    }
    let end_us = settings.warmup_us.saturating_add(settings.horizon_us);
    let time = |flag: &str, text: &Option<String>, default: u64| -> anyhow::Result<u64> {
        let Some(text) = text else { return Ok(default) };
        let h = parse_duration_h(text)
            .map_err(|e| anyhow!("--{flag} {text}: {e}; write for example `30d` or `2y`"))?;
        let us = micros_from_hours(h);
        if us > end_us {
            bail!(
                "--{flag} {text} is after the end of the run ({}, warm-up and horizon)",
                clock(end_us)
            );
        }
        Ok(us)
    };
    let (from_us, to_us) = (time("from", &args.from, 0)?, time("to", &args.to, end_us)?);
    if from_us > to_us {
        bail!(
            "--from {} is after --to {}",
            args.from.as_deref().unwrap_or(""),
            args.to.as_deref().unwrap_or("")
        );
    }
    let (plan, outcome, events) = experiment::trace(&model, &settings, args.replication);
    let view = Trace {
        model: &model,
        plan: &plan,
        settings: &settings,
        replication: args.replication,
        outcome: &outcome,
        events: &events,
        from_us,
        to_us,
    };
    if let Some(path) = &args.svg {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        let mut file = super::output::temp_file(dir)?;
        file.write_all(view.svg().as_bytes())?;
        super::output::persist(file, path)?;
    }
    let text = if args.json {
        view.json()?
    } else {
        view.table()
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()?;
    Ok(EXIT_OK)
}
