//! The summary as a table for people: each figure with its 95% interval as
//! `mean ± half-width` when the interval is symmetric and `mean [low, high]`
//! when it is not, rounded to what the interval can support; `none seen
//! (< bound)` for a rate with no event, `> bound` for a figure that can only
//! be bounded from below.

use super::{Report, nines};
use crate::metrics::Estimate;
use std::fmt::Write;

/// Decimals that show the interval's half-width to two significant digits;
/// without a usable width (zero, as for a fixed takeover time, or
/// unbounded), four significant digits of `mean`.
fn decimals_for(half: f64, mean: f64) -> usize {
    if !(half.is_finite() && half > 0.0) {
        return significant_decimals(mean);
    }
    let digits = 1 - half.log10().floor() as i64;
    digits.clamp(0, 10) as usize
}

/// Decimals that show `x` to four significant digits.
fn significant_decimals(x: f64) -> usize {
    if x != 0.0 && x.is_finite() {
        (3 - x.abs().log10().floor() as i64).clamp(0, 10) as usize
    } else {
        0
    }
}

/// A bound, to four significant digits.
fn format_bound(x: f64) -> String {
    let d = significant_decimals(x);
    format!("{x:.d$}")
}

/// `mean ± half` (or `mean [low, high]`) in the given scale (for example
/// 100 for percentages).
pub fn format_estimate(e: &Estimate, scale: f64, unit: &str) -> String {
    let Some(mean) = e.mean else {
        return match e.lower95 {
            Some(low) => format!("> {}{unit}", format_bound(low * scale)),
            None => "n/a".to_string(),
        };
    };
    let mean = mean * scale;
    if let (Some(upper), true) = (e.upper95, mean == 0.0) {
        return format!("none seen (< {}{unit})", format_bound(upper * scale));
    }
    // A time (split brain, a cause's downtime) that no replication saw:
    // `0 ± 0` would read as a measured zero.
    if mean == 0.0 && e.ci95 == Some([0.0, 0.0]) {
        return "none seen".to_string();
    }
    match e.ci95 {
        Some([lo, hi]) => {
            let (lo, hi) = (lo * scale, hi * scale);
            let half = (hi - lo) / 2.0;
            let d = decimals_for(half, mean);
            let skew = ((mean - lo) - (hi - mean)).abs();
            if skew <= 1e-6 * half.abs().max(f64::MIN_POSITIVE) {
                format!("{mean:.d$}{unit} ± {half:.d$}")
            } else {
                format!("{mean:.d$}{unit} [{lo:.d$}, {hi:.d$}]")
            }
        }
        None => {
            let d = significant_decimals(mean);
            match e.lower95 {
                Some(low) => format!("{mean:.d$}{unit} [{}, ∞)", format_bound(low * scale)),
                None => format!("{mean:.d$}{unit}"),
            }
        }
    }
}

/// One column per service with extra figures, one row per figure (the
/// union of their names, in order; a service without one shows "-"). Beside
/// `request_success_ratio`, its nines and the time-based availability's.
fn extras_table(with_extras: &[&(&str, crate::metrics::Figures)], data: Block) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (_, f) in with_extras {
        for (k, _) in &f.extras {
            if !names.contains(k) && block_of(k) == data {
                names.push(k);
            }
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let with_extras: Vec<_> = with_extras
        .iter()
        .filter(|(_, f)| f.extras.iter().any(|(k, _)| block_of(k) == data))
        .copied()
        .collect();
    let mut rows = vec![
        std::iter::once(String::new())
            .chain(with_extras.iter().map(|(name, _)| (*name).to_string()))
            .collect::<Vec<_>>(),
    ];
    let find = |f: &crate::metrics::Figures, name: &str| {
        f.extras
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, e)| e.clone())
    };
    for name in names {
        rows.push(
            std::iter::once(name.replace('_', " "))
                .chain(with_extras.iter().map(|(_, f)| {
                    find(f, name).map_or("-".to_string(), |e| format_estimate(&e, 1.0, ""))
                }))
                .collect(),
        );
        if name == "request_success_ratio" {
            rows.push(
                std::iter::once("request success (nines)".to_string())
                    .chain(
                        with_extras.iter().map(|(_, f)| {
                            find(f, name).map_or("-".to_string(), |e| format_nines(&e))
                        }),
                    )
                    .collect(),
            );
            rows.push(
                std::iter::once("availability (nines, time-based)".to_string())
                    .chain(
                        with_extras
                            .iter()
                            .map(|(_, f)| format_nines(&f.availability)),
                    )
                    .collect(),
            );
        }
    }
    columns(&rows)
}

/// The blocks of extra figures in the table.
#[derive(Clone, Copy, PartialEq)]
enum Block {
    Mechanisms,
    Data,
    Cost,
}

fn block_of(name: &str) -> Block {
    if name.ends_with("_cost_per_year") {
        Block::Cost
    } else if is_data(name) {
        Block::Data
    } else {
        Block::Mechanisms
    }
}

/// Whether an extra figure belongs to the "data" block: replication,
/// recovery, elections and the recovery time.
fn is_data(name: &str) -> bool {
    const PREFIXES: [&str; 12] = [
        "data_loss",
        "rpo_",
        "rto_",
        "write_",
        "sync_",
        "resync",
        "rebuild",
        "replay_",
        "snapshot_",
        "election",
        "elections",
        "sync",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p))
}

pub(crate) fn format_nines(e: &Estimate) -> String {
    match e.mean.map(nines) {
        Some(n) if n.is_finite() => format!("{n:.2}"),
        Some(_) => "∞".to_string(),
        None => "n/a".to_string(),
    }
}

fn human_hours(h: f64) -> String {
    if h >= 8760.0 && (h / 8760.0).fract() == 0.0 {
        format!("{}y", h / 8760.0)
    } else if h >= 24.0 && (h / 24.0).fract() == 0.0 {
        format!("{}d", h / 24.0)
    } else {
        format!("{h}h")
    }
}

/// Renders rows of cells as aligned columns, the first left-aligned.
pub fn columns(rows: &[Vec<String>]) -> String {
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..n)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let pad = widths[c] - cell.chars().count();
            if c == 0 {
                line.push_str(cell);
                line.push_str(&" ".repeat(pad));
            } else {
                line.push_str("   ");
                line.push_str(&" ".repeat(pad));
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The whole summary; `elapsed_s` adds the run time and speed when given.
pub fn render(report: &Report, elapsed_s: Option<f64>) -> String {
    let settings = &report.results.settings;
    let mut out = String::new();
    let _ = writeln!(out, "{}", report.model.name);
    let _ = writeln!(
        out,
        "{} replications × {} (warm-up {}), seed {}, nines {}",
        settings.n_replications,
        human_hours(report.horizon_h()),
        human_hours(report.warmup_h()),
        settings.seed,
        env!("CARGO_PKG_VERSION"),
    );
    let _ = writeln!(out, "measured: {}", report.measure());
    let events = report.results.events;
    match elapsed_s {
        Some(s) if s > 0.0 => {
            let _ = writeln!(
                out,
                "{events} events in {s:.2} s ({:.3e} events/s)",
                events as f64 / s
            );
        }
        _ => {
            let _ = writeln!(out, "{events} events");
        }
    }
    out.push('\n');
    out.push_str(&headline_tables(report));
    let with_extras: Vec<_> = report
        .entities
        .iter()
        .filter(|(_, f)| !f.extras.is_empty())
        .collect();
    for block in [Block::Mechanisms, Block::Data, Block::Cost] {
        let table = extras_table(&with_extras, block);
        if !table.is_empty() {
            out.push('\n');
            match block {
                Block::Data => out.push_str(
                    "data: writes lost and blocked, rebuilds, elections, recovery time\n",
                ),
                Block::Cost => out.push_str(
                    "cost per year: the design as provisioned, and what its downtime, failed requests and lost writes cost\n",
                ),
                Block::Mechanisms => {}
            }
            out.push_str(&table);
        }
    }
    out.push_str(&super::faults::table(report));
    let causes = super::causes::render(report);
    if !causes.is_empty() {
        out.push('\n');
        out.push_str(&causes);
    }
    out.push_str(FOOTNOTE);
    out
}

const FOOTNOTE: &str =
    "\n± is the half-width of the 95% confidence interval, [low, high] the interval when it is not
symmetric; none seen (< x): no event in any replication, x the one-sided 95% upper bound
(none seen alone: no such time in any replication);
> x: at least x (95%); n/a: no failure was seen.\n";

/// MTTFF: `> x, censored` when some replication saw no failure.
fn format_mttff(f: &crate::metrics::Figures) -> String {
    let text = format_estimate(&f.mttff_h, 1.0, "");
    if f.mttff_censored {
        format!(
            "{text}, censored at {}",
            format_bound(f.mttff_restricted_to_h)
        )
    } else {
        text
    }
}

/// Availability and downtime; `none seen` when no replication was ever down.
pub(crate) fn format_availability(f: &crate::metrics::Figures) -> [String; 2] {
    if f.availability.mean == Some(1.0) && f.availability.ci95.is_none() {
        return ["100, none seen".into(), "none seen".into()];
    }
    [
        format_estimate(&f.availability, 100.0, ""),
        format_estimate(&f.downtime_min_per_year, 1.0, ""),
    ]
}

/// The figures of the system and every service: availability, downtime,
/// failures (and incidents when a threshold sets them apart); times between
/// and to failures; outage lengths.
fn headline_tables(report: &Report) -> String {
    let incidents = report.results.settings.incident_threshold_us > 0;
    let mut first = vec![vec![
        String::new(),
        "availability (%)".into(),
        "nines".into(),
        "downtime (min/yr)".into(),
        "failures (/yr)".into(),
    ]];
    let mut second = vec![vec![
        String::new(),
        "MTBF (h)".into(),
        "MUT (h)".into(),
        "MTTR (h)".into(),
        "MTTFF (h)".into(),
    ]];
    let mut third = vec![vec![
        String::new(),
        "outage p50 (s)".into(),
        "outage p95 (s)".into(),
        "outage p99 (s)".into(),
    ]];
    if incidents {
        first[0].push("incidents (/yr)".into());
        third[0].insert(1, "MTBI (h)".into());
    }
    for (name, f) in &report.entities {
        let [availability, downtime] = format_availability(f);
        let mut row = vec![
            (*name).to_string(),
            availability,
            format_nines(&f.availability),
        ];
        row.push(downtime);
        row.push(format_estimate(&f.failures_per_year, 1.0, ""));
        let mut outages = vec![(*name).to_string()];
        if incidents {
            row.push(format_estimate(&f.incidents_per_year, 1.0, ""));
            outages.push(format_estimate(&f.mtbi_h, 1.0, ""));
        }
        first.push(row);
        second.push(vec![
            (*name).to_string(),
            format_estimate(&f.mtbf_h, 1.0, ""),
            format_estimate(&f.mut_h, 1.0, ""),
            format_estimate(&f.mttr_h, 1.0, ""),
            format_mttff(f),
        ]);
        for e in [&f.outage_s_p50, &f.outage_s_p95, &f.outage_s_p99] {
            outages.push(format_estimate(e, 1.0, ""));
        }
        third.push(outages);
    }
    let mut out = columns(&first);
    out.push_str(&super::risk::block(report));
    for table in [second, third] {
        out.push('\n');
        out.push_str(&columns(&table));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_rounded_to_their_interval() {
        let e = Estimate {
            mean: Some(0.999_805),
            ci95: Some([0.999_793, 0.999_817]),
            std_err: Some(6e-6),
            ..Estimate::UNDEFINED
        };
        assert_eq!(format_estimate(&e, 100.0, ""), "99.9805 ± 0.0012");
    }

    #[test]
    fn an_interval_that_is_not_symmetric_is_printed_whole() {
        // A clamped interval: its bad side is shown, not halved away.
        let e = Estimate {
            mean: Some(0.999_995_8),
            ci95: Some([0.999_987_7, 1.0]),
            std_err: Some(3e-6),
            ..Estimate::UNDEFINED
        };
        assert_eq!(
            format_estimate(&e, 100.0, ""),
            "99.99958 [99.99877, 100.00000]"
        );
    }

    #[test]
    fn nothing_seen_and_lower_bounds_are_said() {
        let e = Estimate {
            mean: Some(0.0),
            ci95: Some([0.0, 0.0369]),
            std_err: Some(0.0),
            upper95: Some(0.03),
            lower95: None,
        };
        assert_eq!(format_estimate(&e, 1.0, ""), "none seen (< 0.03000)");
        let e = Estimate {
            mean: Some(0.0),
            ci95: Some([0.0, 0.0]),
            std_err: Some(0.0),
            upper95: None,
            lower95: None,
        };
        assert_eq!(format_estimate(&e, 1.0, ""), "none seen");
        let e = Estimate {
            lower95: Some(87_123.4),
            ..Estimate::UNDEFINED
        };
        assert_eq!(format_estimate(&e, 1.0, ""), "> 87123");
    }
}
