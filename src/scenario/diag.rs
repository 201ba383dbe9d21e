//! Problems found in a scenario, each tied to a line and column, and their
//! rendering as `file:line:column` with the offending line and a caret.

use super::tree::Loc;
use std::fmt;

/// One problem in a scenario file.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub loc: Loc,
    pub message: String,
    pub hint: Option<String>,
}

/// Every problem found in one scenario file, in the order of the file.
#[derive(Clone, Debug)]
pub struct Diagnostics {
    pub path: String,
    pub source: String,
    pub items: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<&str> = self.source.lines().collect();
        for (index, diag) in self.items.iter().enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            render(f, &self.path, &lines, diag)?;
        }
        let n = self.items.len();
        write!(
            f,
            "\n{} problem{} in {}",
            n,
            if n == 1 { "" } else { "s" },
            self.path
        )
    }
}

fn render(
    f: &mut fmt::Formatter<'_>,
    path: &str,
    lines: &[&str],
    diag: &Diagnostic,
) -> fmt::Result {
    writeln!(f, "error: {}", diag.message)?;
    let text = (diag.loc.line as usize)
        .checked_sub(1)
        .and_then(|i| lines.get(i));
    let number = diag.loc.line.to_string();
    let pad = " ".repeat(number.len());
    writeln!(f, "{pad}--> {}:{}:{}", path, diag.loc.line, diag.loc.column)?;
    if let Some(text) = text {
        // Long lines (a one-line blob, say) are cut so the caret stays readable.
        let shown: String = text.chars().take(160).collect();
        let caret_col = (diag.loc.column as usize)
            .saturating_sub(1)
            .min(shown.chars().count());
        let indent: String = shown
            .chars()
            .take(caret_col)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        writeln!(f, "{pad} |")?;
        writeln!(f, "{number} | {shown}")?;
        writeln!(f, "{pad} | {indent}^")?;
    }
    if let Some(hint) = &diag.hint {
        writeln!(
            f,
            "{} = hint: {hint}",
            " ".repeat(diag.loc.line.to_string().len())
        )?;
    }
    Ok(())
}

/// Collects problems while a scenario is read; reading goes on after each one.
#[derive(Default)]
pub struct Sink {
    pub items: Vec<Diagnostic>,
}

impl Sink {
    pub fn error(&mut self, loc: Loc, message: impl Into<String>) {
        self.items.push(Diagnostic {
            loc,
            message: message.into(),
            hint: None,
        });
    }
    pub fn error_hint(&mut self, loc: Loc, message: impl Into<String>, hint: impl Into<String>) {
        self.items.push(Diagnostic {
            loc,
            message: message.into(),
            hint: Some(hint.into()),
        });
    }
    pub fn error_maybe_hint(&mut self, loc: Loc, message: impl Into<String>, hint: Option<String>) {
        self.items.push(Diagnostic {
            loc,
            message: message.into(),
            hint,
        });
    }
}

/// The closest of `candidates` to `word`, when it is close enough to be a
/// likely typo: a few edits away (transpositions count as one), or sharing
/// a long prefix.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter_map(|c| {
            let lower = c.to_lowercase();
            let edits = strsim::osa_distance(&word_lower, &lower);
            let similarity = strsim::jaro_winkler(&word_lower, &lower);
            let allowed_edits = (lower.chars().count() / 3).max(1);
            (edits <= allowed_edits || similarity >= 0.85).then_some((edits, -similarity, c))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, c)| c)
}

/// Words a user may bring from other tools or textbooks, and the key or
/// value nines calls that (compared after lower-casing, `-` read as `_`).
const SYNONYMS: &[(&str, &str)] = &[
    ("stddev", "sd"),
    ("std_dev", "sd"),
    ("stdev", "sd"),
    ("standard_deviation", "sd"),
    ("deviation", "sd"),
    ("avg", "mean"),
    ("average", "mean"),
    ("mu", "mean"),
    ("mttr", "repair"),
    ("repair_time", "repair"),
    ("time_to_repair", "repair"),
    ("recovery_time", "repair"),
    ("mttf", "ttf"),
    ("mtbf", "ttf"),
    ("mttf", "mean"),
    ("mtbf", "mean"),
    ("mttr", "mean"),
    ("time_to_failure", "ttf"),
    ("failure_rate", "ttf"),
    ("lifetime", "ttf"),
    ("distribution", "dist"),
    ("type", "dist"),
    ("kind", "dist"),
    ("replicas", "count"),
    ("instances", "count"),
    ("size", "count"),
    ("members", "nodes"),
    ("servers", "nodes"),
    ("hosts", "nodes"),
    ("depends_on", "requires"),
    ("dependencies", "requires"),
    ("needs", "requires"),
    ("zones", "domains"),
    ("zone", "domains"),
    ("rack", "domains"),
    ("quorum", "min_up"),
    ("min_healthy", "min_up"),
    ("min_available", "min_up"),
    ("replicas_needed", "min_up"),
    ("stonith", "fencing"),
    ("fence", "fencing"),
    ("heartbeat_interval", "interval"),
    ("heartbeat_timeout", "timeout"),
    ("period", "interval"),
    ("packet_loss", "loss"),
    ("failover_time", "switchover"),
    ("exp", "exponential"),
    ("exponent", "exponential"),
    ("log_normal", "lognormal"),
    ("constant", "fixed"),
    ("deterministic", "fixed"),
    ("gaussian", "normal"),
    ("active_passive", "hot-standby"),
    ("primary_backup", "hot-standby"),
    ("master_slave", "hot-standby"),
    ("failover", "hot-standby"),
    ("raft", "quorum"),
    ("paxos", "quorum"),
    ("majority", "quorum"),
    ("n+k", "n-plus-k"),
    ("pool", "n-plus-k"),
    ("load_balanced", "active-active"),
];

/// What nines calls `word`, when it is a known synonym of one of `candidates`.
pub fn synonym<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let normal = word.trim().to_lowercase().replace('-', "_");
    SYNONYMS
        .iter()
        .filter(|(from, _)| *from == normal)
        .find_map(|(_, to)| candidates.iter().copied().find(|c| c == to))
}

/// "did you mean `x`?" for a synonym or the closest candidate, or a list of
/// what is allowed.
pub fn suggest(word: &str, candidates: &[&str]) -> String {
    if let Some(c) = synonym(word, candidates) {
        return format!("did you mean `{c}`? (nines writes `{word}` as `{c}`)");
    }
    match closest(word, candidates.iter().copied()) {
        Some(c) => format!("did you mean `{c}`?"),
        None if candidates.is_empty() => "none are defined".to_string(),
        None => format!(
            "expected one of: {}",
            candidates
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_come_before_spelling() {
        let keys = ["name", "ttf", "repair", "crew"];
        assert_eq!(
            suggest("mttr", &keys),
            "did you mean `repair`? (nines writes `mttr` as `repair`)"
        );
        assert!(suggest("Time-To-Failure", &keys).starts_with("did you mean `ttf`?"));
        assert_eq!(suggest("repiar", &keys), "did you mean `repair`?");
        // A synonym whose meaning is not allowed here gives no false lead.
        assert_eq!(synonym("stddev", &keys), None);
        assert_eq!(synonym("stddev", &["mean", "sd"]), Some("sd"));
    }
}
