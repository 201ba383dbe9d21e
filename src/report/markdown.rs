//! The Markdown summary of a check, for a CI job summary or a pull-request
//! comment: one table row per objective.

use super::slos::{fmt_value, label};
use crate::slo::{Judgement, Verdict};

/// The Markdown summary of `judgements` after `replications` replications.
pub fn render(scenario: &str, judgements: &[Judgement], replications: u64, note: &str) -> String {
    let (pass, fail, open) = judgements
        .iter()
        .fold((0, 0, 0), |(p, f, i), j| match j.verdict {
            Verdict::Pass => (p + 1, f, i),
            Verdict::Fail => (p, f + 1, i),
            Verdict::Inconclusive => (p, f, i + 1),
        });
    let mut out = format!(
        "## nines check: {}\n\n{pass} passed, {fail} failed, {open} inconclusive ({replications} replications)\n\n",
        escape(scenario)
    );
    out.push_str("| verdict | service | objective | target | estimate | bound | replications |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for j in judgements {
        let icon = match j.verdict {
            Verdict::Pass => "✅ pass",
            Verdict::Fail => "❌ fail",
            Verdict::Inconclusive => "⚠️ inconclusive",
        };
        out.push_str(&format!(
            "| {icon} | {} | {} | {} | {} | {} | {} |\n",
            escape(&j.service),
            escape(&label(j)),
            fmt_value(Some(j.target)),
            fmt_value(j.estimate),
            fmt_value(j.bound),
            j.replications
        ));
    }
    if !note.is_empty() {
        out.push_str(&format!("\n{}\n", escape(note)));
    }
    out
}

/// Keeps a cell one cell: pipes and line breaks would end it.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}
