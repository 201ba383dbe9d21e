//! `nines merge`: folds the parts written by `nines run --shard I/N` in
//! block order into exactly what a single `nines run --out` writes.
//! Parts are read block by block, so memory holds one block at a time.

use super::{EXIT_BAD_INPUT, EXIT_OK, output};
use crate::experiment::{Batches, Settings};
use crate::report::part::{self, Header};
use crate::report::{self, Report, csv::ReplicationWriter};
use anyhow::{Context, anyhow, bail};
use clap::Args;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  nines run w.yaml --shard 0/2 --out parts\n  nines run w.yaml --shard 1/2 --out parts\n  nines merge parts --out results"
)]
pub struct MergeArgs {
    /// Directories (or part files) holding the parts, all shards of one run
    #[arg(required = true)]
    parts: Vec<PathBuf>,
    /// Write summary.json, replications.csv and report.html into this directory
    #[arg(long, value_name = "DIR", required = true)]
    out: PathBuf,
    /// Replace the results already in the --out directory
    #[arg(long)]
    force: bool,
    /// Print the summary as JSON on stdout instead of the table
    #[arg(long)]
    json: bool,
    /// Also judge the scenario's `slos` on the merged replications, at one look, as `nines
    /// check` does (exit 0 pass, 1 fail, 3 inconclusive); the parts of `nines check --shard`
    #[arg(long)]
    check: bool,
    /// With --check: write JUnit XML here, one test case per objective
    #[arg(long, value_name = "FILE", requires = "check")]
    junit: Option<PathBuf>,
    /// With --check: write a Markdown summary here
    #[arg(long, value_name = "FILE", requires = "check")]
    markdown: Option<PathBuf>,
}

struct Part {
    path: PathBuf,
    header: Header,
    reader: BufReader<File>,
}

/// The part files named by `paths`: files as given, directories' parts in name order.
fn part_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "nines-part"))
                .collect();
            found.sort();
            if found.is_empty() {
                bail!("{} holds no part (*.nines-part)", p.display());
            }
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    Ok(files)
}

/// Opens a part: its header, and its trailer checked against its blocks.
fn open(path: &Path) -> anyhow::Result<Part> {
    let name = path.display();
    let file = File::open(path).with_context(|| format!("cannot read {name}"))?;
    let mut reader = BufReader::new(file);
    let mut magic = vec![0; part::MAGIC.len()];
    if reader.read_exact(&mut magic).is_err() || !magic.starts_with(b"nines-part ") {
        bail!("{name} is not a nines part (it does not begin with `nines-part`)");
    }
    if magic != part::MAGIC {
        let wanted = String::from_utf8_lossy(part::MAGIC);
        bail!(
            "{name} is a part of another format (`{}`, this nines reads `{}`): run its shard again with this version",
            String::from_utf8_lossy(&magic).trim(),
            wanted.trim()
        );
    }
    let mut line = Vec::new();
    reader.read_until(b'\n', &mut line)?;
    if line.pop() != Some(b'\n') {
        bail!("{name} is truncated: its header is incomplete");
    }
    let header = Header::decode(&line).map_err(|e| anyhow!("{name}: {e}"))?;
    let start = reader.stream_position()?;
    let len = reader.get_ref().metadata()?.len();
    let mut trailer = [0; part::TRAILER_LEN];
    let at = len
        .checked_sub(part::TRAILER_LEN as u64)
        .filter(|&at| at >= start);
    let count = match at {
        Some(at) => {
            reader.seek(SeekFrom::Start(at))?;
            reader.read_exact(&mut trailer)?;
            part::decode_trailer(&trailer)
        }
        None => None,
    };
    let expected = header.records().len() as u64;
    if count != Some(expected) {
        bail!(
            "{name} is truncated or corrupt: it does not end with its {expected} block(s); run shard {}/{} again",
            header.shard,
            header.shards
        );
    }
    reader.seek(SeekFrom::Start(start))?;
    Ok(Part {
        path: path.to_path_buf(),
        header,
        reader,
    })
}

/// Every part of one run, in shard order; refuses mixed runs and missing
/// or duplicated shards, naming the parts.
fn open_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Part>> {
    let mut parts = part_files(paths)?
        .iter()
        .map(|p| open(p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let first = parts[0].header.fingerprint();
    for p in &parts[1..] {
        let h = p.header.fingerprint();
        if h != first {
            let what = if h.version != first.version {
                format!("nines {} against {}", h.version, first.version)
            } else if h.scenario != first.scenario {
                "another scenario".into()
            } else if h.shards != first.shards {
                format!("{} shards against {}", h.shards, first.shards)
            } else {
                "other settings (seed, replications, horizon, warm-up or threshold)".into()
            };
            bail!(
                "{} does not belong with {}: {what}; nothing was merged",
                p.path.display(),
                parts[0].path.display()
            );
        }
    }
    parts.sort_by_key(|p| p.header.shard);
    for w in parts.windows(2) {
        if w[0].header.shard == w[1].header.shard {
            bail!(
                "{} and {} are both shard {}/{}; nothing was merged",
                w[0].path.display(),
                w[1].path.display(),
                w[0].header.shard,
                first.shards
            );
        }
    }
    let missing: Vec<String> = (0..first.shards)
        .filter(|i| parts.iter().all(|p| p.header.shard != *i))
        .map(|i| format!("{i}/{}", first.shards))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard(s) {} missing (found {} of {}); nothing was merged",
            missing.join(", "),
            parts.len(),
            first.shards
        );
    }
    Ok(parts)
}

/// The next block of `part`, checked, which must hold `expected`
/// replications; `what` names it in messages.
fn read_block(
    part: &mut Part,
    index: u64,
    expected: u64,
    what: &str,
) -> anyhow::Result<Vec<crate::metrics::RepOutcome>> {
    let outcomes = read_record(part, index)?;
    if outcomes.len() as u64 != expected {
        bail!(
            "{} is corrupt: {what} holds {} replications, not {expected}",
            part.path.display(),
            outcomes.len()
        );
    }
    Ok(outcomes)
}

fn read_record(part: &mut Part, index: u64) -> anyhow::Result<Vec<crate::metrics::RepOutcome>> {
    let name = part.path.display();
    let mut head = [0; part::RECORD_HEAD_LEN];
    part.reader
        .read_exact(&mut head)
        .with_context(|| format!("{name} is truncated before block {index}"))?;
    let (got, count, len, sum) =
        part::decode_record_head(&head).map_err(|e| anyhow!("{name}: {e}"))?;
    if got != index || count > part.header.block {
        bail!("{name} is corrupt: found block {got} where block {index} was expected");
    }
    let mut payload = vec![0; usize::try_from(len).unwrap_or(usize::MAX).min(1 << 34)];
    part.reader
        .read_exact(&mut payload)
        .with_context(|| format!("{name} is truncated in block {index}"))?;
    part::decode_payload(&payload, count, &sum).map_err(|e| anyhow!("{name}: block {index}: {e}"))
}

/// Every block in block order, each replication folded and written to the CSV.
fn fold<W: Write>(
    parts: &mut [Part],
    h: &Header,
    model: &crate::model::Model,
    settings: Settings,
    csv: &mut ReplicationWriter<W>,
) -> anyhow::Result<crate::experiment::Results> {
    let mut batches = Batches::new(model, settings, Some(1))?;
    for b in 0..h.total_blocks() {
        let part = &mut parts[(b % h.shards) as usize];
        let expected = (h.replications - b * h.block).min(h.block);
        let outcomes = read_block(part, b, expected, &format!("block {b}"))?;
        for (k, o) in outcomes.iter().enumerate() {
            let rep = b * h.block + k as u64;
            batches.push(rep, o);
            csv.write(rep, o)?;
        }
    }
    Ok(batches.results())
}

pub fn merge(args: &MergeArgs) -> anyhow::Result<i32> {
    let mut parts = open_all(&args.parts)?;
    let h = parts[0].header.clone();
    if h.sweep.is_some() {
        return merge_sweep(args, &mut parts, &h);
    }
    let path = PathBuf::from(h.input["path"].as_str().unwrap_or("scenario.yaml"));
    let base = path.parent().unwrap_or(Path::new("."));
    let model = match crate::scenario::parse_bytes(
        h.scenario.as_bytes(),
        &path.display().to_string(),
        base,
    ) {
        Ok(model) => model,
        Err(err) => {
            eprintln!("{err}");
            return Ok(EXIT_BAD_INPUT);
        }
    };
    let settings = Settings {
        seed: h.seed,
        n_replications: h.replications,
        horizon_us: h.horizon_us,
        warmup_us: h.warmup_us,
        incident_threshold_us: h.incident_threshold_us,
    };
    output::prepare_dir(&args.out, args.force)?;
    let mut csv = ReplicationWriter::new(
        std::io::BufWriter::new(output::temp_file(&args.out)?),
        &model,
        &settings,
    )?;
    let results = fold(&mut parts, &h, &model, settings, &mut csv)?;
    let report = Report::new(&model, &results);
    let judgements = if args.check {
        Some(judge(&model, &report, &settings)?)
    } else {
        None
    };
    let mut json_value = report::json::summary_value(&report);
    if let Some(judgements) = &judgements {
        json_value["slos"] = report::slos::json(judgements);
    }
    json_value["worst_replications"] = report::worst::json(&results.worst, &h.replay);
    json_value["input"] = h.input.clone();
    let json = report::json::pretty(&json_value);
    let command = h.replay.replacen("nines trace", "nines run", 1);
    let page = report::html::render(&report, &json_value, &path.display().to_string(), &command)
        .map_err(|e| anyhow!("cannot render report.html: {e}"))?;
    let file = csv.finish()?.into_inner().map_err(|e| e.into_error())?;
    output::write_results(&args.out, file, &json, &page)?;
    let mut stdout = std::io::stdout().lock();
    if args.json {
        stdout.write_all(json.as_bytes())?;
    } else {
        stdout.write_all(report::table::render(&report, None).as_bytes())?;
        stdout.write_all(report::worst::table(&results.worst, &h.replay).as_bytes())?;
        writeln!(
            stdout,
            "merged {} part(s); wrote {1}/summary.json, {1}/replications.csv and {1}/report.html",
            parts.len(),
            args.out.display()
        )?;
    }
    let Some(judgements) = judgements else {
        stdout.flush()?;
        return Ok(EXIT_OK);
    };
    let n = settings.n_replications;
    if let Some(path) = &args.junit {
        super::output::write_file(path, &report::junit::render(&model.name, &judgements))?;
    }
    if let Some(path) = &args.markdown {
        let note = "judged at one look on the merged replications";
        super::output::write_file(
            path,
            &report::markdown::render(&model.name, &judgements, n, note),
        )?;
    }
    if !args.json {
        writeln!(
            stdout,
            "\nobjectives, judged at one look on the {n} merged replications"
        )?;
        stdout.write_all(report::slos::table(&judgements).as_bytes())?;
    }
    stdout.flush()?;
    Ok(crate::slo::exit_code(&judgements))
}

/// The parts of `nines sweep --shard`: each point's blocks folded in order,
/// then what the whole sweep writes (its files into `--out`, its table or
/// JSON on stdout).
fn merge_sweep(args: &MergeArgs, parts: &mut [Part], h: &Header) -> anyhow::Result<i32> {
    use super::sweep::{self, Finished};
    if args.check {
        bail!(
            "--check judges the parts of `nines check --shard`; a sweep judges its points with `--subject-to-slos`"
        );
    }
    let spec = h.sweep.clone().unwrap_or_default();
    let sets: Vec<String> = spec["sets"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let parameters = sets
        .iter()
        .map(|s| sweep::parse_set(s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let objective = spec["objective"]
        .as_str()
        .map(crate::report::sweep::Objective::new);
    let subject = spec["subject_to_slos"].as_bool().unwrap_or(false);
    let path = PathBuf::from(h.input["path"].as_str().unwrap_or("scenario.yaml"));
    let base = path.parent().unwrap_or(Path::new("."));
    let grid = sweep::grid(&parameters);
    let counts = h.sweep_replications();
    if counts.len() != grid.len() {
        bail!(
            "{} is corrupt: its grid has {} points, its settings {}",
            parts[0].path.display(),
            grid.len(),
            counts.len()
        );
    }
    std::fs::create_dir_all(&args.out)?;
    sweep::refuse_existing(&args.out, args.force)?;
    let mut points = Vec::with_capacity(grid.len());
    let mut first = None;
    for (p, point) in grid.iter().enumerate() {
        let with = sweep::point_settings(&parameters, point);
        let model = crate::scenario::set::source_with(
            &h.scenario,
            &path.display().to_string(),
            base,
            &with,
        )
        .map_err(|e| anyhow!("{e}"))?;
        let row = &spec["points"][p];
        let field = |i: usize| row[i].as_u64().unwrap_or(0);
        let settings = Settings {
            seed: field(0),
            n_replications: field(1),
            horizon_us: field(2),
            warmup_us: field(3),
            incident_threshold_us: field(4),
        };
        let mut batches = Batches::new(&model, settings, Some(1))?;
        let plan = batches.cost_plan().cloned();
        let window = settings.window();
        let mut per_replication = Vec::new();
        for b in 0..settings.n_replications.div_ceil(h.block) {
            let part = &mut parts[(b % h.shards) as usize];
            let expected = (settings.n_replications - b * h.block).min(h.block);
            let what = format!("point {p} block {b}");
            let outcomes = read_block(part, (p as u64) << 32 | b, expected, &what)?;
            for (k, o) in outcomes.iter().enumerate() {
                batches.push(b * h.block + k as u64, o);
                if let Some(o2) = &objective
                    && let Some(x) =
                        crate::metrics::paired::system_figure(&o2.figure, o, window, plan.as_ref())
                {
                    per_replication.push(x);
                }
            }
        }
        let n = settings.n_replications;
        let check = subject.then(|| crate::slo::Check::new(&model, n, n, settings.horizon_us));
        points.push(sweep::point_of(
            &model,
            &batches.results(),
            check,
            per_replication,
            point,
        )?);
        if first.is_none() {
            first = Some((model, settings));
        }
    }
    let Some((model, settings)) = first else {
        bail!("the parts hold no point");
    };
    let header = sweep::describe(&path, &model, &settings, points.len());
    Finished {
        parameters: &parameters,
        points: &points,
        objective: objective.as_ref(),
        header: &header,
    }
    .write(Some(&args.out), args.json)?;
    Ok(EXIT_OK)
}

/// The scenario's objectives judged on the merged run at one look (all its
/// replications): `nines check` with the whole budget in one batch.
fn judge(
    model: &crate::model::Model,
    report: &Report,
    settings: &Settings,
) -> anyhow::Result<Vec<crate::slo::Judgement>> {
    if model.slos.is_empty() {
        bail!("--check: the scenario of these parts has no `slos`: nothing to judge");
    }
    if model.slos.iter().any(|s| s.window_us.is_some()) {
        bail!(
            "--check: an objective with a `window` needs each replication's flips, which parts do not keep\n  = hint: check windowed objectives with `nines check` on one machine"
        );
    }
    let n = settings.n_replications;
    let mut check = crate::slo::Check::new(model, n, n, settings.horizon_us);
    check.look(report, n).map_err(|e| anyhow!(e))?;
    Ok(check.judgements().to_vec())
}
