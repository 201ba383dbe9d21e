//! Reading on past a YAML syntax error, so that the rest of the file is
//! checked in the same pass.
//!
//! A file that does not parse is cut into pieces by its layout: each
//! top-level key, and each item of a top-level list (a node group, a
//! service, ...). Every piece is parsed alone, at its own lines, so each
//! broken one gives its own syntax error. A broken list item is then
//! replaced by a stub that keeps its name (so references to it resolve) and
//! fails to build without a word, and the file is parsed again. Problems the
//! builder finds inside a stubbed piece are dropped: the syntax error stands
//! for them. When the pieces do not explain the error (it lies before them,
//! or in a section others refer to as a whole), nothing is recovered and the
//! first syntax error is reported alone, as before.

use super::diag::Diagnostic;
use super::tree::Node;

/// The file with its broken pieces stubbed, and what was found.
pub struct Recovered {
    /// The file with its broken pieces stubbed, every line in its place.
    pub root: Node,
    /// Lines (1-based, inclusive) whose problems the syntax errors stand for.
    pub blanked: Vec<(u32, u32)>,
    /// One syntax error per broken piece.
    pub errors: Vec<Diagnostic>,
}

impl Recovered {
    pub fn covers(&self, line: u32) -> bool {
        self.blanked.iter().any(|&(a, b)| (a..=b).contains(&line))
    }
}

/// A piece of the file: lines `start..=end` (0-based), and the top-level
/// list it is an item of, if any.
struct Piece<'a> {
    start: usize,
    end: usize,
    section: Option<&'a str>,
}

/// Sections that other parts refer to by the names of their items: a broken
/// one that cannot be cut into items is not recovered.
const REFERENCED: &[&str] = &["domains", "crews", "nodes", "services"];

/// The recovered file, when the syntax error `first` (found parsing the
/// whole file) can be isolated; `parse` parses text as the file would be.
pub fn recover(
    source: &str,
    first: &Diagnostic,
    parse: impl Fn(&str) -> Result<Node, Diagnostic>,
) -> Option<Recovered> {
    if first.message.contains("budget") {
        // A file too large to parse stays too large in pieces.
        return None;
    }
    let lines: Vec<&str> = source.lines().collect();
    let pieces = pieces(&lines);
    let mut text: Vec<String> = lines.iter().map(|l| (*l).to_string()).collect();
    let mut recovered = Recovered {
        root: Node::null(),
        blanked: Vec::new(),
        errors: Vec::new(),
    };
    for piece in &pieces {
        // Parsed alone; its lines are then moved back to where they are.
        let alone = lines[piece.start..=piece.end].join("\n") + "\n";
        let Err(mut error) = parse(&alone) else {
            continue;
        };
        error.loc.line = error.loc.line.saturating_add(piece.start as u32);
        if error.message.contains("alias") || error.message.contains("anchor") {
            // Anchors may be defined in another piece: cutting broke it.
            return None;
        }
        let last = piece.end as u32 + 1;
        if error.loc.line > last {
            error.loc.line = last;
            error.loc.column = lines[piece.end].chars().count() as u32 + 1;
        }
        let stub = match piece.section {
            Some(section) => stub_item(&lines[piece.start..=piece.end], section)?,
            None => stub_key(lines[piece.start])?,
        };
        text[piece.start] = stub;
        for line in &mut text[piece.start + 1..=piece.end] {
            line.clear();
        }
        recovered
            .blanked
            .push((piece.start as u32 + 1, piece.end as u32 + 1));
        recovered.errors.push(error);
    }
    let explained = recovered
        .blanked
        .first()
        .is_some_and(|&(start, _)| start <= first.loc.line);
    if !explained {
        return None;
    }
    recovered.root = parse(&(text.join("\n") + "\n")).ok()?;
    Some(recovered)
}

/// A line that opens a top-level key: it starts at the margin with a word.
fn is_top_key(line: &str) -> bool {
    line.starts_with(|c: char| !(c.is_whitespace() || c == '#' || c == '-'))
        && !line.starts_with("...")
}

fn is_blank(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The list item that opens at this line, at `indent` spaces.
fn opens_item(line: &str, indent: usize) -> bool {
    // The bytes before `indent` are checked first, so slicing there is safe.
    line.len() > indent
        && line.as_bytes()[..indent].iter().all(|&b| b == b' ')
        && (line[indent..].starts_with("- ") || line[indent..].trim_end() == "-")
}

fn pieces<'a>(lines: &[&'a str]) -> Vec<Piece<'a>> {
    let tops: Vec<usize> = (0..lines.len()).filter(|&i| is_top_key(lines[i])).collect();
    let mut pieces = Vec::new();
    for (k, &top) in tops.iter().enumerate() {
        let end = tops.get(k + 1).map_or(lines.len(), |&n| n) - 1;
        let key = lines[top].split(':').next().unwrap_or("").trim();
        let value = lines[top].split_once(':').map_or("", |(_, v)| v);
        let opens_block = is_blank(value) && !value.trim_start().starts_with('|');
        let first_item = (top + 1..=end).find(|&i| !is_blank(lines[i]));
        let indent = first_item.map(|i| lines[i].len() - lines[i].trim_start_matches(' ').len());
        let items: Vec<usize> = match (opens_block, indent) {
            (true, Some(indent)) if opens_item(lines[first_item.unwrap_or(0)], indent) => (top + 1
                ..=end)
                .filter(|&i| opens_item(lines[i], indent))
                .collect(),
            _ => Vec::new(),
        };
        if items.is_empty() {
            pieces.push(Piece {
                start: top,
                end,
                section: None,
            });
            continue;
        }
        for (j, &item) in items.iter().enumerate() {
            let mut item_end = items.get(j + 1).map_or(end, |&n| n - 1);
            // Trailing comments and blank lines belong to no item.
            while item_end > item && is_blank(lines[item_end]) {
                item_end -= 1;
            }
            pieces.push(Piece {
                start: item,
                end: item_end,
                section: Some(key),
            });
        }
    }
    pieces
}

/// A list item that keeps its name and quietly fails to build: a node group
/// without a readable `count`, a service without `nodes`.
fn stub_item(lines: &[&str], section: &str) -> Option<String> {
    let first = lines[0];
    let indent = &first[..first.len() - first.trim_start_matches(' ').len()];
    let poison = match section {
        "nodes" => ", count: ~",
        "services" => ", nodes: ~",
        _ => "",
    };
    Some(match item_name(lines) {
        Some(name) => format!("{indent}- {{name: \"{name}\"{poison}}}"),
        None => format!("{indent}- {{}}"),
    })
}

/// The value of the item's first `name:`, when it is a plain word.
fn item_name(lines: &[&str]) -> Option<String> {
    let text = lines.join("\n");
    let mut from = 0;
    while let Some(at) = text[from..].find("name:") {
        let at = from + at;
        from = at + 5;
        let before = text[..at].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            continue;
        }
        let value = text[at + 5..]
            .split(['\n', ',', '}', '#'])
            .next()?
            .trim()
            .trim_matches(['"', '\'']);
        let plain = !value.is_empty()
            && value
                .chars()
                .all(|c| c.is_alphanumeric() || "-_.~/ ".contains(c));
        return plain.then(|| value.to_string());
    }
    None
}

/// A broken top-level key is kept as an empty key; one of the sections that
/// others refer to is not recovered at all.
fn stub_key(line: &str) -> Option<String> {
    let key = line.split(':').next().unwrap_or("").trim();
    if REFERENCED.contains(&key) || !line.contains(':') {
        return None;
    }
    Some(format!("{key}: {{}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_cut_into_top_keys_and_list_items() {
        let text =
            "name: x\nnodes:\n  - name: a\n    count: 2\n\n  - {name: b}\n# end\nsystem: [a]\n";
        let lines: Vec<&str> = text.lines().collect();
        let cut: Vec<(usize, usize, Option<&str>)> = pieces(&lines)
            .iter()
            .map(|p| (p.start, p.end, p.section))
            .collect();
        assert_eq!(
            cut,
            [
                (0, 0, None),
                (2, 3, Some("nodes")),
                (5, 5, Some("nodes")),
                (7, 7, None)
            ]
        );
    }

    #[test]
    fn lines_of_any_text_are_cut_without_panicking() {
        // ` é` splits `é` at byte 2, the items' indentation.
        let text = "nodes:\n  - name: é\n é- x\néé:\n - ü\n  -\n";
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(pieces(&lines).len(), 2);
    }

    #[test]
    fn a_stub_keeps_the_name() {
        assert_eq!(
            stub_item(&["  - name: db # primary", "    count: [2"], "nodes").as_deref(),
            Some("  - {name: \"db\", count: ~}")
        );
        assert_eq!(
            stub_item(&["- {name: web, nodes: [a"], "services").as_deref(),
            Some("- {name: \"web\", nodes: ~}")
        );
        assert_eq!(item_name(&["  - hostname: x"]), None);
    }
}
