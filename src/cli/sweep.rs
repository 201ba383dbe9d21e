//! `nines sweep`: one scenario over a grid of settings (`--set PATH=VALUES`,
//! several times), every point run on common random numbers.

use super::{EXIT_BAD_INPUT, EXIT_OK, RunSettingsArgs, settings};
use crate::experiment::{self, BLOCK, Settings};
use crate::metrics::paired::system_figure;
use crate::model::Model;
use crate::report::sweep::{
    Objective, Parameter, Point, best, csv_text, json, parameter_chart, table, tornado,
};
use crate::report::{self, Report};
use crate::scenario::{LoadError, set::Setting};
use crate::slo;
use anyhow::{anyhow, bail};
use clap::Args;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(
    after_help = "Every point runs with the same seed and the same replications: random \
streams are keyed by entity name, so a point differs from its neighbours by its settings, not by \
its dice. PATH walks the scenario's keys; a list entry is picked by its `name`. VALUES are \
comma-separated YAML values (commas inside {...} or [...] belong to the value) or an integer \
range A..B (both ends included). The first --set varies slowest.\n\n\
Examples:\n  nines sweep scenarios/hot-standby.yaml --set services.database.redundancy.failover.switchover=5s,30s,2m\n  \
nines sweep scenarios/capacity-pool.yaml --set nodes.api.count=4..7 --replications 500 --out sweep/\n  \
nines sweep scenarios/cold-standby.yaml --set 'nodes.erp.failures.stop.repair={dist: exponential, mean: 2h},8h' --json"
)]
pub struct SweepArgs {
    /// Scenario file (.yaml)
    file: PathBuf,
    /// A parameter and its values: PATH=V1,V2,... or PATH=A..B (repeat for a grid)
    #[arg(long = "set", value_name = "PATH=VALUES", required = true)]
    sets: Vec<String>,
    #[command(flatten)]
    run: RunSettingsArgs,
    /// Worker threads (default: one per core); results do not depend on it
    #[arg(long)]
    threads: Option<usize>,
    /// Print `{"parameters": [...], "points": [{"settings", "summary"}]}` as JSON instead of the table
    #[arg(long)]
    json: bool,
    /// Also write sweep.csv, sweep.json, a chart per parameter (sweep-N.svg), tornado.svg and,
    /// with `cost`, frontier.svg into this directory
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace a sweep already in the --out directory
    #[arg(long, requires = "out")]
    force: bool,
    /// The system figure to optimise, such as total_cost_per_year (lowest is best) or
    /// availability (highest is best): the best point is reported, with whether it is
    /// significantly better than the next
    #[arg(long, value_name = "FIGURE")]
    objective: Option<String>,
    /// Only points whose `slos` all pass (judged as `nines check` does, at one look) may be
    /// best; inconclusive ones are shown as such
    #[arg(long, requires = "objective")]
    subject_to_slos: bool,
    /// Refuse a point expected to process more events than this
    #[arg(long, value_name = "N", default_value_t = experiment::MAX_EXPECTED_EVENTS)]
    max_events: f64,
    /// Run shard I of N of the grid (each point's blocks of 1024 replications whose index mod
    /// N is I) and write it as a part into --out; `nines merge` writes what the whole sweep
    /// would
    #[arg(long, value_name = "I/N", requires = "out", conflicts_with_all = ["shard_from_env", "json"])]
    shard: Option<String>,
    /// Like --shard, with I from the batch system (see `nines run --shard-from-env`)
    #[arg(long, requires_all = ["out", "shards"], conflicts_with = "json")]
    shard_from_env: bool,
    /// The shard count N for --shard-from-env
    #[arg(long, value_name = "N", requires = "shard_from_env", value_parser = clap::value_parser!(u64).range(1..))]
    shards: Option<u64>,
}

/// The most points a sweep runs.
pub const MAX_POINTS: usize = 10_000;

pub fn sweep(args: &SweepArgs) -> anyhow::Result<i32> {
    if args.threads == Some(0) {
        bail!("--threads must be at least 1");
    }
    let parameters = args
        .sets
        .iter()
        .map(|s| parse_set(s))
        .collect::<anyhow::Result<Vec<Parameter>>>()?;
    for (i, p) in parameters.iter().enumerate() {
        if parameters[..i].iter().any(|q| q.path == p.path) {
            bail!(
                "--set {}: the path is set twice; give all its values in one --set",
                p.path
            );
        }
    }
    let n_points: usize = parameters.iter().map(|p| p.values.len()).product();
    if n_points > MAX_POINTS {
        bail!(
            "the grid has {n_points} points, above the limit of {MAX_POINTS}; sweep fewer values at once"
        );
    }
    // Every point is read first, so that every problem is reported at once.
    // A problem shared by several points (a misspelt key) is shown once,
    // with the first point that has it.
    let grid = grid(&parameters);
    let mut models = Vec::with_capacity(grid.len());
    let mut seen = std::collections::HashSet::new();
    let mut bad = false;
    for point in &grid {
        let settings: Vec<Setting> = point_settings(&parameters, point);
        match crate::scenario::set::load_with(&args.file, &settings) {
            Ok(model) => models.push(model),
            Err(LoadError::Invalid(mut diagnostics)) => {
                bad = true;
                diagnostics
                    .items
                    .retain(|d| seen.insert((d.loc, d.message.clone())));
                if !diagnostics.items.is_empty() {
                    eprintln!("{diagnostics}");
                }
                // The file's own problems, or a path that leads nowhere,
                // are the same at every point.
                if !diagnostics.path.contains(" (with ")
                    || diagnostics
                        .items
                        .iter()
                        .any(|d| d.message.starts_with("`--set "))
                {
                    return Ok(EXIT_BAD_INPUT);
                }
            }
            Err(err @ LoadError::Io { .. }) => return Err(anyhow!("{err}")),
        }
    }
    if bad {
        return Ok(EXIT_BAD_INPUT);
    }
    let overrides = args.run.overrides();
    let run_settings = models
        .iter()
        .map(|m| settings(&overrides, m))
        .collect::<anyhow::Result<Vec<Settings>>>()?;
    for (model, s) in models.iter().zip(&run_settings) {
        experiment::check_budget(model, s, args.max_events)?;
    }
    let objective = match &args.objective {
        Some(figure) => Some(objective(figure, &models[0], run_settings[0])?),
        None => None,
    };
    if args.subject_to_slos && models.iter().any(|m| m.slos.is_empty()) {
        bail!(
            "--subject-to-slos: {} has no `slos` to judge the points by\n  = hint: add `slos:` to the scenario, or drop --subject-to-slos",
            args.file.display()
        );
    }
    if let Some(shard) = shard_of(args)? {
        return write_shard(args, &models, &run_settings, shard);
    }
    if let Some(dir) = &args.out {
        refuse_existing(dir, args.force)?;
    }
    let progress = std::io::stderr().is_terminal() && !args.json;
    let mut points = Vec::with_capacity(grid.len());
    for (k, ((model, s), point)) in models.iter().zip(&run_settings).zip(&grid).enumerate() {
        if progress {
            eprint!("\rpoint {}/{}", k + 1, grid.len());
        }
        points.push(run_point(model, *s, args, objective.as_ref(), point)?);
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    let header = describe(&args.file, &models[0], &run_settings[0], points.len());
    let done = Finished {
        parameters: &parameters,
        points: &points,
        objective: objective.as_ref(),
        header: &header,
    };
    done.write(args.out.as_deref(), args.json)?;
    Ok(EXIT_OK)
}

/// What a sweep (or the merge of its shards) ends with.
pub(super) struct Finished<'a> {
    pub parameters: &'a [Parameter],
    pub points: &'a [Point],
    pub objective: Option<&'a Objective>,
    /// The first lines of the table.
    pub header: &'a str,
}

impl Finished<'_> {
    /// The files into `out` (each whole, all rendered first), then the
    /// table or the JSON on stdout.
    pub fn write(&self, out: Option<&Path>, as_json: bool) -> anyhow::Result<()> {
        let best = self.objective.and_then(|o| best(self.points, o));
        let text = report::json::pretty(&json(
            self.parameters,
            self.points,
            self.objective,
            best.as_ref(),
        ));
        if let Some(dir) = out {
            write_out(dir, self.parameters, self.points, &text)?;
        }
        let mut stdout = std::io::stdout().lock();
        if as_json {
            stdout.write_all(text.as_bytes())?;
        } else {
            stdout.write_all(self.header.as_bytes())?;
            let table = table(self.parameters, self.points, self.objective, best.as_ref());
            stdout.write_all(table.as_bytes())?;
        }
        Ok(())
    }
}

fn shard_of(args: &SweepArgs) -> anyhow::Result<Option<(u64, u64)>> {
    super::shard::requested(args.shard.as_deref(), args.shard_from_env, args.shards)
}

/// `--shard I/N`: each point's blocks whose index mod N is I, as one part
/// (`report/part.rs`, records indexed point << 32 | block) that carries
/// the grid, the objective and each point's settings for `nines merge`.
fn write_shard(
    args: &SweepArgs,
    models: &[Model],
    settings: &[Settings],
    shard: (u64, u64),
) -> anyhow::Result<i32> {
    if args.subject_to_slos
        && models
            .iter()
            .any(|m| m.slos.iter().any(|s| s.window_us.is_some()))
    {
        bail!(
            "--shard: an objective with a `window` is judged on each replication's flips, which parts do not keep\n  = hint: sweep with --subject-to-slos without --shard"
        );
    }
    let mut header = super::shard::header(&args.file, &settings[0], "", shard)?;
    header.sweep = Some(serde_json::json!({
        "sets": args.sets,
        "objective": args.objective,
        "subject_to_slos": args.subject_to_slos,
        "points": settings
            .iter()
            .map(|s| [s.seed, s.n_replications, s.horizon_us, s.warmup_us, s.incident_threshold_us])
            .collect::<Vec<_>>(),
    }));
    let dir = args.out.as_deref().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let path = dir.join(super::shard::part_name(shard.0, shard.1));
    if path.exists() && !args.force {
        bail!(
            "{} already exists; nothing was run\n  = hint: add --force to replace it",
            path.display()
        );
    }
    let mut out = std::io::BufWriter::new(super::output::temp_file(dir)?);
    out.write_all(&header.encode())?;
    let records = header.records();
    let mut batches: Option<(usize, experiment::Batches)> = None;
    for &record in &records {
        let (p, b) = ((record >> 32) as usize, record & 0xffff_ffff);
        let s = settings[p];
        if batches.as_ref().is_none_or(|(q, _)| *q != p) {
            batches = Some((p, experiment::Batches::new(&models[p], s, args.threads)?));
        }
        let Some((_, runner)) = &batches else {
            continue;
        };
        let (start, end) = (b * BLOCK, ((b + 1) * BLOCK).min(s.n_replications));
        let outcomes = runner.simulate_range(start, end, &|| {});
        out.write_all(&crate::report::part::encode_block(record, &outcomes))?;
    }
    out.write_all(&crate::report::part::encode_trailer(records.len() as u64))?;
    let file = out.into_inner().map_err(|e| e.into_error())?;
    super::output::persist(file, &path)?;
    println!(
        "wrote {} (shard {} of {} of a sweep of {} points); merge the parts with `nines merge {} --out DIR`",
        path.display(),
        shard.0,
        shard.1,
        models.len(),
        dir.display()
    );
    Ok(EXIT_OK)
}

/// Runs one point as `nines run` would, keeping each replication's value
/// of the objective (to pair neighbours) and judging the SLOs when asked.
fn run_point(
    model: &Model,
    s: Settings,
    args: &SweepArgs,
    objective: Option<&Objective>,
    point: &[usize],
) -> anyhow::Result<Point> {
    let mut batches = experiment::Batches::new(model, s, args.threads)?;
    let n = s.n_replications;
    let mut check = args
        .subject_to_slos
        .then(|| slo::Check::new(model, n, n, s.horizon_us));
    let record = check.as_ref().is_some_and(slo::Check::needs_flips);
    let plan = batches.cost_plan().cloned();
    let window = s.window();
    let mut per_replication = Vec::new();
    batches.advance(
        n,
        record,
        &mut |_, outcome, flips| {
            if let (Some(check), Some(flips)) = (check.as_mut(), flips) {
                check.observe(flips, s.warmup_us);
            }
            if let Some(o) = objective
                && let Some(x) = system_figure(&o.figure, outcome, window, plan.as_ref())
            {
                per_replication.push(x);
            }
        },
        &|| {},
    );
    point_of(model, &batches.results(), check, per_replication, point)
}

/// A point from its folded replications: its summary, its SLO verdict (at
/// one look, with `check`) and its objective's values per replication.
pub(super) fn point_of(
    model: &Model,
    results: &experiment::Results,
    mut check: Option<slo::Check>,
    per_replication: Vec<f64>,
    point: &[usize],
) -> anyhow::Result<Point> {
    let n = results.settings.n_replications;
    let report = Report::new(model, results);
    let verdict = match &mut check {
        Some(check) => {
            check.look(&report, n).map_err(|e| anyhow!("{e}"))?;
            let judgements = check.judgements();
            Some(
                if judgements.iter().any(|j| j.verdict == slo::Verdict::Fail) {
                    slo::Verdict::Fail
                } else if judgements.iter().all(|j| j.verdict == slo::Verdict::Pass) {
                    slo::Verdict::Pass
                } else {
                    slo::Verdict::Inconclusive
                },
            )
        }
        None => None,
    };
    Ok(Point {
        values: point.to_vec(),
        summary: report::json::summary_value(&report),
        verdict,
        per_replication,
    })
}

/// The objective `--objective FIGURE` names, checked against the figures
/// of the system (those of a run of this scenario, read from an empty one).
fn objective(figure: &str, model: &Model, s: Settings) -> anyhow::Result<Objective> {
    let empty = experiment::Batches::new(model, s, Some(1))?.results();
    let summary = report::json::summary_value(&Report::new(model, &empty));
    let names: Vec<&str> = summary["system"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| v.get("mean").is_some())
                .map(|(k, _)| k.as_str())
                .collect()
        })
        .unwrap_or_default();
    if !names.contains(&figure) {
        bail!(
            "--objective {figure}: the system has no such figure\n  = hint: {}",
            crate::scenario::diag::suggest(figure, &names)
        );
    }
    Ok(Objective::new(figure))
}

pub(super) fn describe(file: &Path, model: &Model, settings: &Settings, n: usize) -> String {
    format!(
        "{}: sweep of {} ({} point{}, {} replications of {} h each, seed {}, common random numbers)\n\n",
        model.name,
        file.display(),
        n,
        if n == 1 { "" } else { "s" },
        settings.n_replications,
        crate::model::hours_from_micros(settings.horizon_us),
        settings.seed
    )
}

/// `PATH=VALUES`: comma-separated YAML values (commas inside brackets or
/// quotes belong to a value) or an integer range `A..B`.
pub(super) fn parse_set(text: &str) -> anyhow::Result<Parameter> {
    let Some((path, values)) = text.split_once('=') else {
        bail!("--set {text}: expected PATH=VALUES, for example `nodes.web.count=2..6`");
    };
    let path = path.trim();
    if path.is_empty() {
        bail!("--set {text}: the path is empty; for example `nodes.web.count=2..6`");
    }
    let values = match integer_range(values.trim()) {
        Some(range) => range?,
        None => split_values(values),
    };
    if values.is_empty() || values.iter().any(String::is_empty) {
        bail!("--set {text}: a value is empty; separate values with single commas");
    }
    Ok(Parameter {
        path: path.to_string(),
        values,
    })
}

/// `A..B` with integers A ≤ B: every integer from A to B.
fn integer_range(text: &str) -> Option<anyhow::Result<Vec<String>>> {
    let (a, b) = text.split_once("..")?;
    let (a, b) = (a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?);
    if a > b {
        return Some(Err(anyhow!(
            "the range {text} is empty: write the smaller end first"
        )));
    }
    if b - a >= MAX_POINTS as i64 {
        return Some(Err(anyhow!(
            "the range {text} has more than {MAX_POINTS} values"
        )));
    }
    Some(Ok((a..=b).map(|i| i.to_string()).collect()))
}

/// Splits at commas outside brackets and quotes.
fn split_values(text: &str) -> Vec<String> {
    let (mut values, mut current) = (Vec::new(), String::new());
    let (mut depth, mut quote) = (0i32, None);
    for c in text.chars() {
        match (c, quote) {
            ('"' | '\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('{' | '[', None) => depth += 1,
            ('}' | ']', None) => depth -= 1,
            (',', None) if depth == 0 => {
                values.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    values.push(current.trim().to_string());
    values
}

/// Every combination of the parameters' values (indices), the first
/// parameter varying slowest.
pub(super) fn grid(parameters: &[Parameter]) -> Vec<Vec<usize>> {
    let mut points = vec![Vec::new()];
    for p in parameters {
        points = points
            .into_iter()
            .flat_map(|point| {
                (0..p.values.len()).map(move |v| {
                    let mut next = point.clone();
                    next.push(v);
                    next
                })
            })
            .collect();
    }
    points
}

pub(super) fn point_settings(parameters: &[Parameter], point: &[usize]) -> Vec<Setting> {
    parameters
        .iter()
        .zip(point)
        .map(|(p, &v)| Setting {
            path: p.path.clone(),
            value: p.values[v].clone(),
        })
        .collect()
}

const FILES: [&str; 4] = ["sweep.csv", "sweep.json", "tornado.svg", "frontier.svg"];

pub(super) fn refuse_existing(dir: &Path, force: bool) -> anyhow::Result<()> {
    let present: Vec<&str> = FILES.into_iter().filter(|f| dir.join(f).exists()).collect();
    if !present.is_empty() && !force {
        bail!(
            "{} already holds a sweep ({}); nothing was run\n  = hint: add --force to replace it, or choose another directory",
            dir.display(),
            present.join(", ")
        );
    }
    Ok(())
}

/// Writes the files, each whole or not at all, all rendered first.
fn write_out(
    dir: &Path,
    parameters: &[Parameter],
    points: &[Point],
    json_text: &str,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut files = vec![
        ("sweep.csv".to_string(), csv_text(parameters, points)?),
        ("sweep.json".to_string(), json_text.to_string()),
    ];
    for k in 0..parameters.len() {
        files.push((
            format!("sweep-{}.svg", k + 1),
            parameter_chart(parameters, points, k),
        ));
    }
    if parameters.len() >= 2 {
        files.push(("tornado.svg".to_string(), tornado(parameters, points)));
    }
    if let Some(chart) = crate::report::sweep::frontier(parameters, points) {
        files.push(("frontier.svg".to_string(), chart));
    }
    for (name, text) in files {
        let mut file = super::output::temp_file(dir)?;
        file.write_all(text.as_bytes())?;
        super::output::persist(file, &dir.join(name))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_split_at_top_level_commas_and_ranges_expand() {
        let p = parse_set("a.b={dist: exponential, mean: 5m},8h, '1,2'").unwrap();
        assert_eq!(p.values, ["{dist: exponential, mean: 5m}", "8h", "'1,2'"]);
        let p = parse_set("nodes.web.count=2..5").unwrap();
        assert_eq!(p.values, ["2", "3", "4", "5"]);
        assert!(parse_set("x=5..2").is_err());
        assert!(parse_set("x=1,,2").is_err());
        assert!(parse_set("novalue").is_err());
        assert!(parse_set("=3").is_err());
    }

    #[test]
    fn the_grid_varies_the_first_parameter_slowest() {
        let p = |n: usize| Parameter {
            path: String::new(),
            values: vec![String::new(); n],
        };
        assert_eq!(
            grid(&[p(2), p(3)]),
            vec![
                vec![0, 0],
                vec![0, 1],
                vec![0, 2],
                vec![1, 0],
                vec![1, 1],
                vec![1, 2]
            ]
        );
    }
}
