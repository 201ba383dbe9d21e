//! Durations, probabilities, rates and distributions as users write them.

use super::diag::{Sink, suggest};
use super::read::{self, Map};
use super::tree::{Node, Value};
use crate::model::Dist;
use std::sync::Arc;

const DURATION_UNITS: &[(&str, f64)] = &[
    ("us", 1.0 / 3.6e9),
    ("ms", 1.0 / 3.6e6),
    ("s", 1.0 / 3600.0),
    ("m", 1.0 / 60.0),
    ("h", 1.0),
    ("d", 24.0),
    ("w", 168.0),
    ("y", 8760.0),
];

/// Parses `250ms`, `4h`, `1h30m`, `1.5d` into hours. A year is 365 days.
pub fn parse_duration_h(text: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("a duration must not be empty".into());
    }
    if text == "0" {
        return Ok(0.0);
    }
    let mut rest = text;
    let mut total_h = 0.0;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
            .unwrap_or(rest.len());
        if number_len == 0 {
            return Err(format!("`{text}` is not a duration"));
        }
        let number: f64 = rest[..number_len]
            .replace('_', "")
            .parse()
            .map_err(|_| format!("`{}` is not a number", &rest[..number_len]))?;
        rest = rest[number_len..].trim_start();
        let unit_len = rest
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        if unit.is_empty() {
            return Err(format!("`{text}` has a number without a unit"));
        }
        let Some((_, factor)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) else {
            return Err(format!("`{unit}` is not a unit of time"));
        };
        total_h += number * factor;
        rest = rest[unit_len..].trim_start();
    }
    if !total_h.is_finite() {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(total_h)
}

const DURATION_HINT: &str =
    "write a number and a unit (us, ms, s, m, h, d, w, y), for example `30s`, `4h` or `1h30m`";

/// A duration in hours; `0` alone is accepted as zero.
pub fn duration_h(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    match &node.value {
        Value::Str(s) => match parse_duration_h(s) {
            Ok(h) => Some(h),
            Err(message) => {
                sink.error_hint(node.loc, format!("{what}: {message}"), DURATION_HINT);
                None
            }
        },
        Value::Int(0) => Some(0.0),
        Value::Int(_) | Value::Float(_) => {
            sink.error_hint(
                node.loc,
                format!("{what} needs a unit"),
                "add a unit, for example `10h` or `30s` (a year `y` is 365 days)",
            );
            None
        }
        other => {
            sink.error_hint(
                node.loc,
                format!("{what} must be a duration, found {}", other.kind()),
                DURATION_HINT,
            );
            None
        }
    }
}

/// A duration that must be strictly positive.
pub fn positive_duration_h(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    let h = duration_h(sink, node, what)?;
    if h <= 0.0 {
        sink.error_hint(
            node.loc,
            format!("{what} must be longer than zero"),
            "a mean, scale or period of zero would mean infinitely many events",
        );
        return None;
    }
    Some(h)
}

/// A probability: a fraction `0.9995` or a percentage string `"99.95%"`.
pub fn probability(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    let value = match &node.value {
        Value::Int(i) => *i as f64,
        Value::Float(x) => *x,
        Value::Str(s) => {
            let text = s.trim();
            let parsed = match text.strip_suffix('%') {
                Some(percent) => percent.trim().parse::<f64>().ok().map(|p| p / 100.0),
                None => text.parse::<f64>().ok(),
            };
            match parsed {
                Some(p) => p,
                None => {
                    sink.error_hint(
                        node.loc,
                        format!("{what}: `{s}` is not a probability"),
                        "write a fraction such as `0.999` or a percentage such as `\"99.9%\"`",
                    );
                    return None;
                }
            }
        }
        other => {
            sink.error_hint(
                node.loc,
                format!("{what} must be a probability, found {}", other.kind()),
                "write a fraction such as `0.999` or a percentage such as `\"99.9%\"`",
            );
            return None;
        }
    };
    if !(0.0..=1.0).contains(&value) {
        sink.error_hint(
            node.loc,
            format!("{what} must be between 0 and 1 (0% and 100%), found {value}"),
            "a probability above 1 is impossible; did you mean a percentage in quotes, like `\"99.9%\"`?",
        );
        return None;
    }
    Some(value)
}

/// A rate such as `100/s`, `6000/m` or `5/h`, in events per second.
pub fn rate_per_s(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    const HINT: &str = "write a number per unit of time, for example `100/s`, `6000/m` or `5/h`";
    let Value::Str(text) = &node.value else {
        sink.error_hint(
            node.loc,
            format!("{what} must be a rate, found {}", node.value.kind()),
            HINT,
        );
        return None;
    };
    let parsed = text.split_once('/').and_then(|(count, per)| {
        let count: f64 = count.trim().parse().ok()?;
        let per = per.trim();
        let per = if per.starts_with(|c: char| c.is_ascii_digit()) {
            per.to_string()
        } else {
            format!("1{per}")
        };
        let per_h = parse_duration_h(&per).ok()?;
        (per_h > 0.0).then(|| count / (per_h * 3600.0))
    });
    match parsed {
        Some(r) if r.is_finite() && r >= 0.0 => Some(r),
        _ => {
            sink.error_hint(node.loc, format!("{what}: `{text}` is not a rate"), HINT);
            None
        }
    }
}

const DISTS: &[&str] = &[
    "exponential",
    "weibull",
    "lognormal",
    "gamma",
    "normal",
    "uniform",
    "fixed",
    "empirical",
];

/// A distribution of durations: a mapping with `dist` and its parameters, or
/// a bare duration meaning exactly that time.
pub fn dist(sink: &mut Sink, node: &Node, what: &str, base_dir: &std::path::Path) -> Option<Dist> {
    if !matches!(node.value, Value::Map(_)) {
        return duration_h(sink, node, what).map(|value_h| Dist::Fixed { value_h });
    }
    let allowed = [
        "dist", "mean", "shape", "scale", "sd", "median", "sigma", "min", "max", "value",
        "samples", "file",
    ];
    let map = Map::read(sink, node, what, &allowed)?;
    let kind = map.required(sink, "dist", what).and_then(|kind_node| {
        let kind = read::string(sink, kind_node, "`dist`")?;
        if DISTS.contains(&kind) {
            return Some(kind);
        }
        sink.error_hint(
            kind_node.loc,
            format!("unknown distribution `{kind}`"),
            suggest(kind, DISTS),
        );
        None
    });
    let Some(kind) = kind else {
        // Without a known kind the parameters are still checked one by one.
        params_alone(sink, &map, what);
        return None;
    };
    let params: &[&[&str]] = match kind {
        "exponential" => &[&["mean"]],
        "weibull" => &[&["shape", "scale"], &["shape", "mean"]],
        "lognormal" => &[&["mean", "sd"], &["median", "sigma"], &["mean", "sigma"]],
        "gamma" => &[&["shape", "mean"]],
        "normal" => &[&["mean", "sd"]],
        "uniform" => &[&["min", "max"]],
        "fixed" => &[&["value"]],
        _ => &[&["samples"], &["file"]],
    };
    let given: Vec<&str> = map
        .keys()
        .map(|k| k.name.as_str())
        .filter(|k| *k != "dist")
        .collect();
    let Some(chosen) = params
        .iter()
        .find(|set| set.len() == given.len() && set.iter().all(|p| given.contains(p)))
    else {
        let alternatives: Vec<String> = params
            .iter()
            .map(|set| {
                set.iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            })
            .collect();
        // An unknown key is already reported, with the parameter it may mean.
        if given.iter().all(|k| allowed.contains(k)) {
            sink.error_hint(
                map.loc,
                format!(
                    "{kind} distribution for {what} has parameters [{}]",
                    given.join(", ")
                ),
                format!("give {}", alternatives.join(", or ")),
            );
        }
        params_alone(sink, &map, what);
        return None;
    };
    let dur = |sink: &mut Sink, key: &str| {
        positive_duration_h(sink, map.get(key)?, &format!("`{key}` of {what}"))
    };
    let shape = |sink: &mut Sink| {
        let node = map.get("shape")?;
        let shape = read::positive(sink, node, &format!("`shape` of {what}"))?;
        if shape < 0.05 {
            sink.error_hint(
                node.loc,
                format!("`shape` of {what} is {shape}, below the limit of 0.05"),
                "such a shape gives times spread over hundreds of orders of magnitude",
            );
            return None;
        }
        Some(shape)
    };
    let sigma = |sink: &mut Sink| {
        let node = map.get("sigma")?;
        let sigma = read::positive(sink, node, &format!("`sigma` of {what}"))?;
        if sigma > 10.0 {
            sink.error(
                node.loc,
                format!("`sigma` of {what} is {sigma}, above the limit of 10"),
            );
            return None;
        }
        Some(sigma)
    };
    match (kind, chosen[..].join(",").as_str()) {
        ("exponential", _) => Some(Dist::Exponential {
            mean_h: dur(sink, "mean")?,
        }),
        ("weibull", "shape,scale") => {
            let (k, s) = (shape(sink), dur(sink, "scale"));
            Some(Dist::Weibull {
                shape: k?,
                scale_h: s?,
            })
        }
        ("weibull", _) => {
            let (k, m) = (shape(sink), dur(sink, "mean"));
            Some(Dist::weibull_with_mean(k?, m?))
        }
        ("lognormal", "mean,sd") => {
            let (m, s) = (dur(sink, "mean"), dur(sink, "sd"));
            Some(Dist::lognormal_with_mean_sd(m?, s?))
        }
        ("lognormal", "median,sigma") => {
            let (m, s) = (dur(sink, "median"), sigma(sink));
            Some(Dist::LogNormal {
                mu: m?.ln(),
                sigma: s?,
            })
        }
        ("lognormal", _) => {
            let (m, s) = (dur(sink, "mean"), sigma(sink));
            Some(Dist::lognormal_with_mean_sigma(m?, s?))
        }
        ("gamma", _) => {
            let (k, m) = (shape(sink), dur(sink, "mean"));
            let (k, m) = (k?, m?);
            Some(Dist::Gamma {
                shape: k,
                scale_h: m / k,
            })
        }
        ("normal", _) => {
            let (m, s) = (dur(sink, "mean"), dur(sink, "sd"));
            let (m, s) = (m?, s?);
            if s > 4.0 * m {
                sink.error_hint(
                    map.loc,
                    format!("normal distribution for {what} has a standard deviation over 4 times its mean"),
                    "most draws would be negative and cut at zero; use a lognormal or gamma distribution",
                );
                return None;
            }
            Some(Dist::Normal { mean_h: m, sd_h: s })
        }
        ("uniform", _) => {
            let min_node = map.get("min")?;
            let (lo, hi) = (
                duration_h(sink, min_node, &format!("`min` of {what}")),
                dur(sink, "max"),
            );
            let (lo, hi) = (lo?, hi?);
            if lo > hi {
                sink.error_hint(
                    min_node.loc,
                    format!("uniform distribution for {what} has `min` above `max`"),
                    "swap `min` and `max`",
                );
                return None;
            }
            Some(Dist::Uniform {
                min_h: lo,
                max_h: hi,
            })
        }
        ("fixed", _) => Some(Dist::Fixed {
            value_h: duration_h(sink, map.get("value")?, &format!("`value` of {what}"))?,
        }),
        (_, "samples") => empirical_samples(sink, map.get("samples")?, what),
        _ => empirical_file(sink, map.get("file")?, what, base_dir),
    }
}

/// Checks each parameter of a distribution whose kind or set of parameters
/// is wrong, so that a bad value is reported in the same pass.
fn params_alone(sink: &mut Sink, map: &Map, what: &str) {
    for key in map.keys() {
        let Some(node) = map.get(&key.name) else {
            continue;
        };
        let label = format!("`{}` of {what}", key.name);
        match key.name.as_str() {
            "mean" | "scale" | "sd" | "median" | "min" | "max" | "value" => {
                duration_h(sink, node, &label);
            }
            "shape" | "sigma" => {
                read::positive(sink, node, &label);
            }
            "samples" => {
                for item in read::sequence(sink, node, &label) {
                    duration_h(sink, item, &format!("a sample of {what}"));
                }
            }
            _ => {}
        }
    }
}

/// The most samples an empirical distribution may have.
pub const MAX_EMPIRICAL_SAMPLES: usize = 1_000_000;

fn empirical_samples(sink: &mut Sink, node: &Node, what: &str) -> Option<Dist> {
    let items = read::sequence(sink, node, &format!("`samples` of {what}"));
    let mut samples = Vec::with_capacity(items.len());
    let mut ok = true;
    for item in items {
        match duration_h(sink, item, &format!("a sample of {what}")) {
            Some(h) => samples.push(h),
            None => ok = false,
        }
    }
    finish_empirical(sink, node, what, samples, ok)
}

fn finish_empirical(
    sink: &mut Sink,
    node: &Node,
    what: &str,
    samples: Vec<f64>,
    ok: bool,
) -> Option<Dist> {
    if !ok {
        return None;
    }
    if samples.is_empty() || samples.iter().all(|s| *s == 0.0) {
        sink.error(
            node.loc,
            format!("empirical distribution for {what} needs at least one sample above zero"),
        );
        return None;
    }
    if samples.len() > MAX_EMPIRICAL_SAMPLES {
        sink.error(
            node.loc,
            format!(
                "empirical distribution for {what} has {} samples, above the limit of {MAX_EMPIRICAL_SAMPLES}",
                samples.len()
            ),
        );
        return None;
    }
    Some(Dist::Empirical {
        samples_h: Arc::from(samples),
    })
}

fn empirical_file(
    sink: &mut Sink,
    node: &Node,
    what: &str,
    base_dir: &std::path::Path,
) -> Option<Dist> {
    let name = read::string(sink, node, &format!("`file` of {what}"))?;
    let path = base_dir.join(name);
    let mut reader = match csv::ReaderBuilder::new()
        .has_headers(false)
        .comment(Some(b'#'))
        .flexible(true)
        .from_path(&path)
    {
        Ok(reader) => reader,
        Err(err) => {
            sink.error_hint(
                node.loc,
                format!("cannot read `{}`: {err}", path.display()),
                "the path is relative to the scenario file",
            );
            return None;
        }
    };
    let mut samples = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row + 1;
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                sink.error(node.loc, format!("{}: line {line}: {err}", path.display()));
                return None;
            }
        };
        let Some(field) = record.get(0).map(str::trim) else {
            continue;
        };
        match parse_duration_h(field) {
            Ok(h) => samples.push(h),
            // A header line such as `duration` is skipped.
            Err(_) if line == 1 => {}
            Err(message) => {
                sink.error_hint(
                    node.loc,
                    format!("{}: line {line}: {message}", path.display()),
                    DURATION_HINT,
                );
                return None;
            }
        }
        if samples.len() > MAX_EMPIRICAL_SAMPLES {
            break;
        }
    }
    finish_empirical(sink, node, what, samples, true)
}

/// A capacity divisor (`factor`): a number at least 1. `what_for` ends
/// the hint: "while it stalls", "while the fault lasts".
pub fn factor(sink: &mut Sink, node: &Node, what_for: &str) -> Option<f64> {
    let value = match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) => Some(*x),
        _ => None,
    };
    match value {
        Some(f) if f.is_finite() && f >= 1.0 => Some(f),
        _ => {
            sink.error_hint(
                node.loc,
                "`factor` must be a number at least 1",
                format!("`factor: 4` divides the member's capacity by 4 {what_for}"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_year_is_exactly_8760_hours() {
        assert_eq!(parse_duration_h("1y").unwrap(), 8760.0);
        assert_eq!(parse_duration_h("0").unwrap(), 0.0);
        assert_eq!(parse_duration_h("10y").unwrap(), 87600.0);
    }

    #[test]
    fn durations_combine_units() {
        assert_eq!(parse_duration_h("1h30m").unwrap(), 1.5);
        assert_eq!(parse_duration_h("2d").unwrap(), 48.0);
        assert_eq!(parse_duration_h("1w").unwrap(), 168.0);
        assert!((parse_duration_h("250ms").unwrap() * 3.6e6 - 250.0).abs() < 1e-9);
        assert!((parse_duration_h("30s").unwrap() - 30.0 / 3600.0).abs() < 1e-15);
    }

    #[test]
    fn durations_without_units_or_with_unknown_units_are_rejected() {
        assert!(parse_duration_h("10").is_err());
        assert!(parse_duration_h("10 hours").is_err());
        assert!(parse_duration_h("h").is_err());
        assert!(parse_duration_h("").is_err());
    }
}
