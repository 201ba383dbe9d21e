//! Changing a scenario from the command line (`nines sweep --set`): a
//! dotted path into the YAML tree (`services.db.redundancy.failover.switchover`,
//! `nodes.web.count`), where a list's entry is picked by its `name` (or its
//! index), and a YAML value put there. The changed tree is then validated
//! like any scenario, so a value or a key that is wrong gets the same
//! error, at the line of the file the path leads to.

use super::diag::{Diagnostic, Diagnostics, suggest};
use super::tree::{Key, Loc, Node, Value};
use super::{LoadError, build, yaml_options};
use crate::model::Model;
use std::path::Path;

/// One `--set PATH=VALUE`: the path's keys and the value as YAML text.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub path: String,
    pub value: String,
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

/// Reads the scenario at `path` with `settings` applied in order.
///
/// # Errors
/// As [`super::load`] for the file itself; for a setting, [`LoadError::Invalid`]
/// with every problem of the changed scenario (a path that leads nowhere,
/// a value that does not parse, or what validation finds), labelled with
/// the settings.
pub fn load_with(path: &Path, settings: &[Setting]) -> Result<Model, LoadError> {
    // The file alone first: its own problems are reported as they are.
    super::load(path)?;
    let label = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: label.clone(),
        source,
    })?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    source_with(&source, &label, base_dir, settings)
}

/// [`load_with`] on scenario text (`nines merge` has it from the parts):
/// `label` names it in messages, and `base_dir` holds its sample files.
///
/// # Errors
/// As [`load_with`].
pub fn source_with(
    source: &str,
    label: &str,
    base_dir: &Path,
    settings: &[Setting],
) -> Result<Model, LoadError> {
    let label = label.to_string();
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let invalid = |items: Vec<Diagnostic>| {
        let with: Vec<String> = settings.iter().map(Setting::to_string).collect();
        LoadError::Invalid(Diagnostics {
            path: format!("{label} (with {})", with.join(", ")),
            source: source.to_string(),
            items,
        })
    };
    let mut root = serde_saphyr::from_str_with_options::<Node>(source, yaml_options())
        .map_err(|err| invalid(vec![super::syntax_error(&err)]))?;
    // A path that leads nowhere is reported with whatever else the
    // other settings make wrong.
    let mut problems: Vec<Diagnostic> = settings
        .iter()
        .filter_map(|setting| apply(&mut root, setting).err())
        .collect();
    match build::Builder::new(base_dir).build(&root) {
        Ok(model) if problems.is_empty() => Ok(model),
        Ok(_) => Err(invalid(problems)),
        Err(sink) => {
            problems.extend(sink.items);
            problems.sort_by_key(|d| d.loc);
            problems.dedup();
            Err(invalid(problems))
        }
    }
}

/// Puts the setting's value at its path in `root`. A missing key is
/// added (validation then judges it, with a did-you-mean for a typo); a
/// list entry that is not there is an error here.
fn apply(root: &mut Node, setting: &Setting) -> Result<(), Diagnostic> {
    let keys: Vec<&str> = setting.path.split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(Diagnostic {
            loc: root.loc,
            message: format!("`--set {setting}`: the path has an empty key"),
            hint: Some("write keys separated by single dots: `nodes.web.count=3`".into()),
        });
    }
    let mut node = root;
    for (depth, key) in keys.iter().enumerate() {
        let last = depth + 1 == keys.len();
        let walked = keys[..depth].join(".");
        let here = node.loc;
        node = match &mut node.value {
            Value::Map(entries) => {
                let position = match entries.iter().position(|(k, _)| k.name == *key) {
                    Some(position) => position,
                    None => {
                        let fresh = if last {
                            Value::Null
                        } else {
                            Value::Map(Vec::new())
                        };
                        entries.push((
                            Key {
                                name: key.to_string(),
                                loc: here,
                            },
                            Node {
                                value: fresh,
                                loc: here,
                            },
                        ));
                        entries.len() - 1
                    }
                };
                &mut entries[position].1
            }
            Value::Seq(items) => {
                let found = items
                    .iter()
                    .position(|item| name_of(item) == Some(key))
                    .or_else(|| key.parse::<usize>().ok().filter(|&i| i < items.len()));
                let Some(index) = found else {
                    let names: Vec<&str> = items.iter().filter_map(name_of).collect();
                    return Err(Diagnostic {
                        loc: here,
                        message: format!(
                            "`--set {setting}`: `{walked}` has no entry named `{key}`"
                        ),
                        hint: Some(suggest(key, &names)),
                    });
                };
                &mut items[index]
            }
            other => {
                return Err(Diagnostic {
                    loc: here,
                    message: format!(
                        "`--set {setting}`: `{walked}` is {}, which has no key `{key}`",
                        other.kind()
                    ),
                    hint: Some("the path goes through mappings and lists only".into()),
                });
            }
        };
    }
    let value = serde_saphyr::from_str_with_options::<Node>(&setting.value, yaml_options())
        .map_err(|err| Diagnostic {
            loc: node.loc,
            message: format!(
                "`--set {setting}`: the value is not valid YAML: {}",
                err.without_snippet()
            ),
            hint: Some("quote it, or write a mapping as `{dist: exponential, mean: 5m}`".into()),
        })?;
    *node = relocated(value, node.loc);
    Ok(())
}

/// The `name` of a list entry, if it is a mapping with one.
fn name_of(item: &Node) -> Option<&str> {
    let Value::Map(entries) = &item.value else {
        return None;
    };
    entries
        .iter()
        .find_map(|(k, v)| match (&*k.name, &v.value) {
            ("name", Value::Str(name)) => Some(name.as_str()),
            _ => None,
        })
}

/// `node` with every location set to `loc`: problems in a value given on
/// the command line are reported at the place in the file it replaces.
fn relocated(node: Node, loc: Loc) -> Node {
    let value = match node.value {
        Value::Seq(items) => Value::Seq(items.into_iter().map(|n| relocated(n, loc)).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Key { name: k.name, loc }, relocated(v, loc)))
                .collect(),
        ),
        other => other,
    };
    Node { value, loc }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(yaml: &str) -> Node {
        serde_saphyr::from_str_with_options::<Node>(yaml, yaml_options()).unwrap()
    }

    fn set(path: &str, value: &str) -> Setting {
        Setting {
            path: path.into(),
            value: value.into(),
        }
    }

    const YAML: &str = "nodes:\n  - name: web\n    count: 2\n  - name: db\n    count: 1\n";

    #[test]
    fn a_list_entry_is_picked_by_name_and_its_key_replaced() {
        let mut root = tree(YAML);
        apply(&mut root, &set("nodes.db.count", "3")).unwrap();
        let Value::Map(top) = &root.value else {
            panic!()
        };
        let Value::Seq(nodes) = &top[0].1.value else {
            panic!()
        };
        let Value::Map(db) = &nodes[1].value else {
            panic!()
        };
        assert!(matches!(db[1].1.value, Value::Int(3)));
        // Reported where the old value was written.
        assert_eq!(
            db[1].1.loc,
            Loc {
                line: 5,
                column: 12
            }
        );
    }

    #[test]
    fn a_missing_entry_is_an_error_with_a_did_you_mean() {
        let mut root = tree(YAML);
        let err = apply(&mut root, &set("nodes.wbe.count", "3")).unwrap_err();
        assert!(
            err.message.contains("`nodes` has no entry named `wbe`"),
            "{}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some("did you mean `web`?"));
        let err = apply(&mut root, &set("nodes.web.count.x", "3")).unwrap_err();
        assert!(err.message.contains("is a number"), "{}", err.message);
        let err = apply(&mut root, &set("nodes..count", "3")).unwrap_err();
        assert!(err.message.contains("empty key"), "{}", err.message);
    }

    #[test]
    fn missing_keys_are_added_for_validation_to_judge() {
        let mut root = tree(YAML);
        apply(&mut root, &set("nodes.web.failures", "[]")).unwrap();
        apply(&mut root, &set("simulation.horizon", "1y")).unwrap();
        let Value::Map(top) = &root.value else {
            panic!()
        };
        assert_eq!(top[1].0.name, "simulation");
    }
}
