//! `--baseline`: each objective's figure against the same figure in an
//! earlier run's JSON summary, by a one-sided two-sample z test on the two
//! means and their standard errors, so that a regression is caught while the
//! SLO still passes.

use super::{Judgement, Objective, Verdict, z_quantile};
use serde_json::Value;

/// The mean and standard error of `figure` of `service` in a summary.
fn figure_in(summary: &Value, service: &str, figure: &str) -> Option<(f64, f64)> {
    let entity = if service == "system" {
        &summary["system"]
    } else {
        &summary["services"][service]
    };
    let f = &entity[figure];
    Some((f["mean"].as_f64()?, f["std_err"].as_f64().unwrap_or(0.0)))
}

/// One verdict per distinct (service, figure) of `objectives`: fail when
/// the current figure is worse than the baseline's at one-sided level
/// `1 − confidence`. Figures missing from either summary are listed apart.
pub fn compare(
    objectives: &[Objective],
    current: &Value,
    baseline: &Value,
    replications: u64,
) -> (Vec<Judgement>, Vec<String>) {
    let mut seen: Vec<(String, &str)> = Vec::new();
    let mut out = Vec::new();
    let mut missing = Vec::new();
    for o in objectives {
        let key = (o.service.clone(), o.figure);
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let (Some((b, b_se)), Some((c, c_se))) = (
            figure_in(baseline, &o.service, o.figure),
            figure_in(current, &o.service, o.figure),
        ) else {
            missing.push(format!("{} {}", o.service, o.figure));
            continue;
        };
        let z = z_quantile(1.0 - o.slo.confidence);
        let se = (b_se * b_se + c_se * c_se).sqrt();
        // Worse is lower for ratios, higher for downtime.
        let sign = if o.higher_is_better { 1.0 } else { -1.0 };
        let bound = c + sign * z * se;
        let worse = sign * (b - c) > z * se;
        out.push(Judgement {
            service: o.service.clone(),
            objective: "no_regression".into(),
            figure: o.figure.into(),
            target: b,
            estimate: Some(c),
            bound: Some(bound),
            verdict: if worse { Verdict::Fail } else { Verdict::Pass },
            replications,
            window: None,
        });
    }
    (out, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_significant_drop_fails_a_small_one_does_not() {
        let summary =
            |mean: f64| json!({"system": {"availability": {"mean": mean, "std_err": 1e-4}}});
        let slo = crate::model::Slo {
            service: None,
            objective: "availability".into(),
            target: 0.99,
            window_us: None,
            meets: 0.9,
            confidence: 0.95,
        };
        let o = Objective {
            slo,
            entity: 0,
            service: "system".into(),
            figure: "availability",
            higher_is_better: true,
            target: 0.99,
            window_availability: None,
        };
        let objectives = [o];
        let base = summary(0.9990);
        let (j, _) = compare(&objectives, &summary(0.9986), &base, 100);
        assert_eq!(
            j[0].verdict,
            Verdict::Fail,
            "4e-4 below, se of the difference 1.4e-4"
        );
        let (j, _) = compare(&objectives, &summary(0.9989), &base, 100);
        assert_eq!(j[0].verdict, Verdict::Pass);
        let (j, _) = compare(&objectives, &summary(0.9999), &base, 100);
        assert_eq!(j[0].verdict, Verdict::Pass, "better is no regression");
    }
}
