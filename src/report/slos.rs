//! The verdicts of `nines check` as text: the table, the JSON entries, and
//! the wording the JUnit and Markdown writers share.

use crate::slo::{Judgement, Verdict};
use serde_json::{Value, json};

/// "availability" or "availability ≥ 99.9% per 30d window in ≥ 90% of windows".
pub fn label(j: &Judgement) -> String {
    match &j.window {
        Some(w) => format!(
            "{} ≥ {} per {} window in ≥ {} of windows",
            j.objective,
            percent(w.availability_target),
            window(w.window_h),
            percent(j.target)
        ),
        None => j.objective.clone(),
    }
}

/// A share as a percentage with no trailing zeros: 0.999 → "99.9%".
fn percent(x: f64) -> String {
    let text = format!("{:.6}", x * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A window in days when whole, else in hours.
fn window(h: f64) -> String {
    if h >= 24.0 && h % 24.0 == 0.0 {
        format!("{}d", h / 24.0)
    } else {
        format!(
            "{}h",
            fmt_value(Some(h))
                .trim_end_matches('0')
                .trim_end_matches('.')
        )
    }
}

/// Six significant digits, or "-" when there is nothing.
pub fn fmt_value(x: Option<f64>) -> String {
    match x {
        Some(x) if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) => format!("{x:.5e}"),
        Some(x) => {
            let digits = (5 - x.abs().log10().floor().max(-3.0) as i32).clamp(0, 9) as usize;
            format!("{x:.digits$}")
        }
        None => "-".into(),
    }
}

/// One sentence: estimate, bound and target of an objective.
pub fn describe(j: &Judgement) -> String {
    let side = match (&j.window, j.figure.as_str()) {
        (Some(_), _) => "share of windows",
        (None, f) => f,
    };
    let against = if j.objective == "no_regression" {
        "baseline"
    } else {
        "target"
    };
    let mut text = format!(
        "{} {}: {side} estimate {}, one-sided bound {}, {against} {} ({} replications)",
        j.service,
        label(j),
        fmt_value(j.estimate),
        fmt_value(j.bound),
        fmt_value(Some(j.target)),
        j.replications
    );
    if let Some(w) = &j.window {
        text.push_str(&format!(
            "; mean error-budget burn per window {}",
            fmt_value(Some(w.budget_burn))
        ));
    }
    if j.verdict == Verdict::Inconclusive && j.bound.is_none() {
        text.push_str("; no bound: every replication alike (no downtime seen?)");
    }
    text
}

/// The `slos` entries of the JSON summary.
pub fn json(judgements: &[Judgement]) -> Value {
    judgements
        .iter()
        .map(|j| {
            let mut v = json!({
                "service": j.service,
                "objective": j.objective,
                "figure": j.figure,
                "target": j.target,
                "estimate": j.estimate,
                "bound": j.bound,
                "verdict": j.verdict.as_str(),
                "replications": j.replications,
            });
            if let Some(w) = &j.window {
                v["window_h"] = json!(w.window_h);
                v["window_availability_target"] = json!(w.availability_target);
                v["budget_burn"] = json!(w.budget_burn);
            }
            v
        })
        .collect()
}

/// The table printed by `nines check`.
pub fn table(judgements: &[Judgement]) -> String {
    let mut out = String::new();
    for j in judgements {
        let verdict = j.verdict.as_str().to_uppercase();
        out.push_str(&format!("{verdict:<13} {}\n", describe(j)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_as_an_sre_would_say_them() {
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.9), "90%");
        assert_eq!(window(720.0), "30d");
        assert_eq!(window(36.0), "36h");
    }
}
