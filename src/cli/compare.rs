//! `nines compare`: several designs run on common random numbers, side by
//! side, with each one's paired difference from the first.

use super::{EXIT_BAD_INPUT, EXIT_OK, RunSettingsArgs, load, settings};
use crate::experiment::{self, Settings};
use crate::metrics::paired::{PairedAccumulator, figures_of};
use crate::metrics::{RepOutcome, Window};
use crate::model::Model;
use crate::report::compare::{Difference, json, table};
use crate::report::{self, Report};
use anyhow::bail;
use clap::Args;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args, Debug)]
#[command(
    after_help = "Every design runs with the same seed, replications, horizon and warm-up (the flags, \
else the first file's): random streams are keyed by entity name, so the same failures of the same \
entities happen in every design, and the differences are not noise.\n\n\
Examples:\n  nines compare scenarios/hot-standby.yaml scenarios/warm-standby.yaml scenarios/cold-standby.yaml\n  \
nines compare scenarios/quorum-3.yaml scenarios/quorum-5.yaml --replications 2000 --json"
)]
pub struct CompareArgs {
    /// Scenario files (.yaml); the first is the baseline
    #[arg(required = true, num_args = 2..)]
    files: Vec<PathBuf>,
    #[command(flatten)]
    run: RunSettingsArgs,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Print `{"designs": [...], "differences": [...]}` as JSON instead of the table
    #[arg(long)]
    json: bool,
    /// Also write compare.json, compare.svg (the differences) and compare.html into this directory
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace a comparison already in the --out directory
    #[arg(long, requires = "out")]
    force: bool,
    /// Refuse a design expected to process more events than this
    #[arg(long, value_name = "N", default_value_t = experiment::MAX_EXPECTED_EVENTS)]
    max_events: f64,
}

/// The files `--out` writes.
const FILES: [&str; 4] = [
    "compare.json",
    "compare.svg",
    "compare.html",
    "frontier.svg",
];

pub fn compare(args: &CompareArgs) -> anyhow::Result<i32> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    // Every file is read, so that every problem is reported at once.
    let mut models = Vec::new();
    let mut bad = false;
    for file in &args.files {
        match load(file)? {
            Some(model) => models.push(model),
            None => bad = true,
        }
    }
    if bad {
        return Ok(EXIT_BAD_INPUT);
    }
    let overrides = args.run.overrides();
    let settings = settings(&overrides, &models[0])?;
    for (file, model) in args.files.iter().zip(&models).skip(1) {
        warn_if_settings_differ(args, file, model, &settings)?;
    }
    for model in &models {
        experiment::check_budget(model, &settings, args.max_events)?;
    }
    let window = Window {
        start_us: settings.warmup_us,
        end_us: settings.warmup_us.saturating_add(settings.horizon_us),
    };
    let names: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    // The baseline's figures of every replication, to pair with.
    let mut baseline: Vec<Vec<[f64; 3]>> = Vec::new();
    let base_plan = experiment::cost_plan(&models[0]);
    let mut base_cost: Vec<f64> = Vec::new();
    let mut each = |_: u64, o: &RepOutcome| {
        baseline.push(o.tallies.iter().map(|t| figures_of(t, window)).collect());
        if let Some(plan) = &base_plan {
            base_cost.push(plan.total(o, window));
        }
    };
    let first = experiment::run(&models[0], settings, args.threads, &mut each, &|| {})?;
    let mut results = vec![first];
    let mut differences = Vec::new();
    for (i, model) in models.iter().enumerate().skip(1) {
        let pairs = entity_pairs(&models[0], model);
        let mut accs = vec![PairedAccumulator::default(); pairs.len()];
        let plan = experiment::cost_plan(model).filter(|_| !base_cost.is_empty());
        let mut cost = crate::metrics::Comoments::default();
        let mut each = |rep: u64, o: &RepOutcome| {
            let base = &baseline[rep as usize];
            for (acc, &(_, e, b)) in accs.iter_mut().zip(&pairs) {
                acc.push(figures_of(&o.tallies[e], window), base[b]);
            }
            if let Some(plan) = &plan {
                cost.push(plan.total(o, window) - base_cost[rep as usize], 0.0);
            }
        };
        results.push(experiment::run(
            model,
            settings,
            args.threads,
            &mut each,
            &|| {},
        )?);
        differences.push(Difference {
            design: names[i].clone(),
            baseline: names[0].clone(),
            entities: pairs
                .iter()
                .zip(&accs)
                .map(|((name, _, _), acc)| (name.clone(), acc.estimates()))
                .collect(),
            cost: plan.is_some().then(|| cost.mean_estimate()),
        });
    }
    let designs: Vec<(String, Report)> = names
        .iter()
        .zip(models.iter().zip(&results))
        .map(|(name, (model, results))| (name.clone(), Report::new(model, results)))
        .collect();
    let summaries = designs
        .iter()
        .map(|(_, r)| report::json::summary_value(r))
        .collect();
    let text = report::json::pretty(&json(summaries, &differences));
    if let Some(dir) = &args.out {
        write_out(args, dir, &designs, &differences, &text, &settings)?;
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        stdout.write_all(text.as_bytes())?;
    } else {
        stdout.write_all(table(&designs, &differences).as_bytes())?;
    }
    Ok(EXIT_OK)
}

/// Writes the three files into `dir`, each whole or not at all; a
/// directory that holds a comparison is refused unless `--force`.
fn write_out(
    args: &CompareArgs,
    dir: &std::path::Path,
    designs: &[(String, Report)],
    differences: &[Difference],
    json_text: &str,
    settings: &Settings,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let present: Vec<&str> = FILES.into_iter().filter(|f| dir.join(f).exists()).collect();
    if !present.is_empty() && !args.force {
        bail!(
            "{} already holds a comparison ({}); nothing was written\n  = hint: add --force to replace it, or choose another directory",
            dir.display(),
            present.join(", ")
        );
    }
    let command = format!(
        "nines compare {} --seed {} --replications {} --horizon {}h --warmup {}h",
        args.files
            .iter()
            .map(|f| f.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        settings.seed,
        settings.n_replications,
        crate::model::hours_from_micros(settings.horizon_us),
        crate::model::hours_from_micros(settings.warmup_us),
    );
    let page = crate::report::compare::page(designs, differences, &command)
        .map_err(|e| anyhow::anyhow!("cannot render compare.html: {e}"))?;
    let chart = crate::report::compare::differences_chart(differences);
    let frontier = crate::report::compare::frontier_chart(designs);
    // Rendered before anything is written: a failure leaves no file behind.
    let mut files = vec![
        ("compare.json", json_text),
        ("compare.svg", chart.as_str()),
        ("compare.html", page.as_str()),
    ];
    if let Some(frontier) = &frontier {
        files.push(("frontier.svg", frontier.as_str()));
    }
    for (name, text) in files {
        let mut file = super::output::temp_file(dir)?;
        file.write_all(text.as_bytes())?;
        super::output::persist(file, &dir.join(name))?;
    }
    Ok(())
}

/// The entities two designs share: the system, and the services with the
/// same name, as (name, index in `design`, index in `baseline`) of tallies.
fn entity_pairs(baseline: &Model, design: &Model) -> Vec<(String, usize, usize)> {
    let mut pairs = vec![("system".to_string(), 0, 0)];
    for (s, service) in design.services.iter().enumerate() {
        if let Some(b) = baseline
            .services
            .iter()
            .position(|x| x.name == service.name)
        {
            pairs.push((service.name.clone(), s + 1, b + 1));
        }
    }
    pairs
}

/// A design whose own `simulation` settings differ from those used (the
/// flags, else the baseline's) is run with those: said once, on stderr.
fn warn_if_settings_differ(
    args: &CompareArgs,
    file: &std::path::Path,
    model: &Model,
    used: &Settings,
) -> anyhow::Result<()> {
    let own = settings(&args.run.overrides(), model)?;
    let mut differ = Vec::new();
    if own.seed != used.seed {
        differ.push("seed");
    }
    if own.n_replications != used.n_replications {
        differ.push("replications");
    }
    if own.horizon_us != used.horizon_us {
        differ.push("horizon");
    }
    if own.warmup_us != used.warmup_us {
        differ.push("warm-up");
    }
    if !differ.is_empty() {
        eprintln!(
            "warning: {}: its {} differ from the baseline's; every design runs with the baseline's \
             (or the flags'), so that they are paired",
            file.display(),
            differ.join(", ")
        );
    }
    Ok(())
}
