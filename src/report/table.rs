//! The summary as a table for people: each figure with its 95% interval as
//! `mean ± half-width`, rounded to what the interval can support.

use super::{Report, nines};
use crate::metrics::Estimate;
use std::fmt::Write;

/// Decimals that show the interval's half-width to two significant digits.
fn decimals_for(half: f64) -> usize {
    if !(half.is_finite() && half > 0.0) {
        return 4;
    }
    let digits = 1 - half.log10().floor() as i64;
    digits.clamp(0, 10) as usize
}

/// `mean ± half` in the given scale (for example 100 for percentages).
pub fn format_estimate(e: &Estimate, scale: f64, unit: &str) -> String {
    let Some(mean) = e.mean else {
        return "n/a".to_string();
    };
    let mean = mean * scale;
    match e.ci95 {
        Some([lo, hi]) => {
            let half = (hi - lo) * scale / 2.0;
            let d = decimals_for(half);
            format!("{mean:.d$}{unit} ± {half:.d$}")
        }
        None => format!("{mean:.4}{unit}"),
    }
}

fn format_nines(e: &Estimate) -> String {
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
    for (name, f) in &report.entities {
        first.push(vec![
            (*name).to_string(),
            format_estimate(&f.availability, 100.0, ""),
            format_nines(&f.availability),
            format_estimate(&f.downtime_min_per_year, 1.0, ""),
            format_estimate(&f.failures_per_year, 1.0, ""),
        ]);
        second.push(vec![
            (*name).to_string(),
            format_estimate(&f.mtbf_h, 1.0, ""),
            format_estimate(&f.mut_h, 1.0, ""),
            format_estimate(&f.mttr_h, 1.0, ""),
            format_estimate(&f.mttff_h, 1.0, ""),
        ]);
    }
    out.push_str(&columns(&first));
    out.push('\n');
    out.push_str(&columns(&second));
    let with_extras: Vec<_> = report
        .entities
        .iter()
        .filter(|(_, f)| !f.extras.is_empty())
        .collect();
    if let Some((_, first_with)) = with_extras.first() {
        // One column per service, one row per figure: there are many.
        let mut third = vec![
            std::iter::once(String::new())
                .chain(with_extras.iter().map(|(name, _)| (*name).to_string()))
                .collect::<Vec<_>>(),
        ];
        for (i, (figure, _)) in first_with.extras.iter().enumerate() {
            third.push(
                std::iter::once(figure.replace('_', " "))
                    .chain(
                        with_extras
                            .iter()
                            .map(|(_, f)| format_estimate(&f.extras[i].1, 1.0, "")),
                    )
                    .collect(),
            );
        }
        out.push('\n');
        out.push_str(&columns(&third));
    }
    let causes = super::causes::render(report);
    if !causes.is_empty() {
        out.push('\n');
        out.push_str(&causes);
    }
    out.push_str(
        "\n± is the half-width of the 95% confidence interval; n/a: no failure was seen.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_are_rounded_to_their_interval() {
        let e = Estimate {
            mean: Some(0.999_805_123),
            ci95: Some([0.999_793, 0.999_817]),
            std_err: Some(6e-6),
        };
        assert_eq!(format_estimate(&e, 100.0, ""), "99.9805 ± 0.0012");
    }
}
