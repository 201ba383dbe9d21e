//! Typed reading of the YAML tree: every getter records a problem in the
//! [`Sink`] and returns `None` instead of stopping, so one pass finds them all.

use super::diag::{Sink, suggest};
use super::tree::{Key, Loc, Node, Value};

/// The entries of one mapping, checked against the keys it may have.
pub struct Map<'a> {
    pub loc: Loc,
    entries: &'a [(Key, Node)],
}

impl<'a> Map<'a> {
    /// Reads `node` as a mapping whose keys must be among `allowed`; reports
    /// unknown keys (with the closest allowed key) and duplicates.
    pub fn read(sink: &mut Sink, node: &'a Node, what: &str, allowed: &[&str]) -> Option<Map<'a>> {
        let Value::Map(entries) = &node.value else {
            sink.error_hint(
                node.loc,
                format!("{what} must be a mapping, found {}", node.value.kind()),
                format!(
                    "write it as `key: value` lines; allowed keys: {}",
                    allowed.join(", ")
                ),
            );
            return None;
        };
        for (i, (key, _)) in entries.iter().enumerate() {
            if !allowed.contains(&key.name.as_str()) {
                sink.error_hint(
                    key.loc,
                    format!("unknown key `{}` in {what}", key.name),
                    suggest(&key.name, allowed),
                );
            } else if entries[..i].iter().any(|(k, _)| k.name == key.name) {
                sink.error(
                    key.loc,
                    format!("key `{}` is given twice in {what}", key.name),
                );
            }
        }
        Some(Map {
            loc: node.loc,
            entries,
        })
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value of a key that must be present.
    pub fn required(&self, sink: &mut Sink, key: &str, what: &str) -> Option<&'a Node> {
        let found = self.get(key);
        if found.is_none() {
            sink.error_hint(
                self.loc,
                format!("{what} is missing `{key}`"),
                format!("add `{key}: ...`"),
            );
        }
        found
    }

    pub fn keys(&self) -> impl Iterator<Item = &'a Key> {
        self.entries.iter().map(|(k, _)| k)
    }
}

pub fn string<'a>(sink: &mut Sink, node: &'a Node, what: &str) -> Option<&'a str> {
    match &node.value {
        Value::Str(s) if !s.trim().is_empty() => Some(s),
        Value::Str(_) => {
            sink.error(node.loc, format!("{what} must not be empty"));
            None
        }
        Value::Bool(_) => {
            sink.error_hint(
                node.loc,
                format!("{what} must be a string, found a boolean"),
                "YAML reads true and false as booleans: put the name in quotes",
            );
            None
        }
        other => {
            sink.error(
                node.loc,
                format!("{what} must be a string, found {}", other.kind()),
            );
            None
        }
    }
}

/// `true` or `false`, and nothing else: YAML 1.1 spellings (`yes`, `no`,
/// `on`, `off`, `y`, `n`) and quoted booleans are refused with a hint, the
/// same for every boolean key.
pub fn boolean(sink: &mut Sink, node: &Node, what: &str) -> Option<bool> {
    let meant = |text: &str| match text.trim().to_lowercase().as_str() {
        "true" | "yes" | "y" | "on" => Some(true),
        "false" | "no" | "n" | "off" => Some(false),
        _ => None,
    };
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::Str(text) => {
            let hint = match meant(text) {
                Some(b) if matches!(text.trim().to_lowercase().as_str(), "true" | "false") => {
                    format!("write `{b}` without quotes: a quoted `\"{text}\"` is a string")
                }
                Some(b) => format!(
                    "write `{b}`: nines reads YAML 1.2, where `{text}` is a word, not a boolean \
                     (YAML 1.1 read it as {b})"
                ),
                None => "write `true` or `false`".to_string(),
            };
            sink.error_hint(
                node.loc,
                format!("{what} must be true or false, found the string `{text}`"),
                hint,
            );
            None
        }
        other => {
            sink.error_hint(
                node.loc,
                format!("{what} must be true or false, found {}", other.kind()),
                "write `true` or `false`",
            );
            None
        }
    }
}

/// A whole number in `min..=max`.
pub fn integer(sink: &mut Sink, node: &Node, what: &str, min: i64, max: i64) -> Option<i64> {
    let value = match &node.value {
        Value::Int(i) => *i,
        Value::Float(x) if x.fract() == 0.0 && x.abs() < 9.0e18 => *x as i64,
        other => {
            sink.error(
                node.loc,
                format!("{what} must be a whole number, found {}", other.kind()),
            );
            return None;
        }
    };
    if value < min {
        sink.error(
            node.loc,
            format!("{what} must be at least {min}, found {value}"),
        );
        return None;
    }
    if value > max {
        sink.error_hint(
            node.loc,
            format!("{what} is {value}, above the limit of {max}"),
            "nines refuses sizes that would take days or exhaust memory; use a smaller value",
        );
        return None;
    }
    Some(value)
}

/// Any finite number.
pub fn number(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    match &node.value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(x) if x.is_finite() => Some(*x),
        Value::Float(_) => {
            sink.error(node.loc, format!("{what} must be a finite number"));
            None
        }
        other => {
            sink.error(
                node.loc,
                format!("{what} must be a number, found {}", other.kind()),
            );
            None
        }
    }
}

/// A number that must be strictly positive.
pub fn positive(sink: &mut Sink, node: &Node, what: &str) -> Option<f64> {
    let x = number(sink, node, what)?;
    if x <= 0.0 {
        sink.error(node.loc, format!("{what} must be positive, found {x}"));
        return None;
    }
    Some(x)
}

/// A list; a single item written without brackets is accepted as a list of one.
pub fn list(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        _ => vec![node],
    }
}

/// A list that must be written as a YAML sequence.
pub fn sequence<'a>(sink: &mut Sink, node: &'a Node, what: &str) -> Vec<&'a Node> {
    match &node.value {
        Value::Seq(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => {
            sink.error_hint(
                node.loc,
                format!("{what} must be a list, found {}", other.kind()),
                "write each item on its own line starting with `- `",
            );
            Vec::new()
        }
    }
}

/// The value of an optional key, read with `read` only when present:
/// `Some(None)` when absent, `Some(Some(v))` when valid, `None` when present
/// but invalid (its problem is already in the sink).
pub fn optional<T>(read: Option<Option<T>>) -> Option<Option<T>> {
    match read {
        None => Some(None),
        Some(value) => value.map(Some),
    }
}
