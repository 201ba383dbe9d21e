//! Reading scenario files: YAML in, a validated [`Model`] or every problem out.
//!
//! The YAML is parsed by `serde-saphyr` into a tree that remembers the line
//! and column of every value ([`tree`]); the builder then walks that tree,
//! checking keys, types, units, references and limits, and collects every
//! problem instead of stopping at the first ([`diag`]).

mod build;
mod build_cost;
mod build_data;
mod build_extras;
mod build_faults;
mod build_monitoring;
mod build_options;
mod build_overload;
mod build_redundancy;
mod build_services;
mod build_slos;
mod build_traffic;
pub mod diag;
mod read;
mod recover;
pub mod set;
pub mod tree;
pub mod values;

pub use build::{MAX_HORIZON_Y, MAX_NODES, MAX_REPLICATIONS};
pub use diag::{Diagnostic, Diagnostics};

use crate::model::Model;
use std::path::Path;
use tree::Loc;

/// The largest scenario file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {}", plain(source))]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// An I/O error in plain words, without the OS error number.
fn plain(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "there is no such file".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "it is a directory, not a scenario file".into(),
        _ => {
            let text = err.to_string();
            text.split(" (os error").next().unwrap_or(&text).to_string()
        }
    }
}

/// Reads and validates the scenario at `path`.
///
/// # Errors
/// [`LoadError::Io`] when the file cannot be read, [`LoadError::Invalid`]
/// with every problem found otherwise.
pub fn load(path: &Path) -> Result<Model, LoadError> {
    let label = path.display().to_string();
    let io_error = |source| LoadError::Io {
        path: label.clone(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    if size > MAX_FILE_BYTES {
        return Err(single(
            &label,
            String::new(),
            format!("the file is {size} bytes, above the limit of {MAX_FILE_BYTES} bytes (4 MiB)"),
            "a scenario describes a design in a few hundred lines; put large sample sets in a CSV read by `dist: empirical, file: ...`",
        ));
    }
    let bytes = std::fs::read(path).map_err(io_error)?;
    let base_dir = path.parent().unwrap_or(Path::new("."));
    parse_bytes(&bytes, &label, base_dir)
}

/// Validates scenario text; `label` names it in messages, and relative
/// paths inside it (empirical sample files) are read from `base_dir`.
///
/// # Errors
/// [`LoadError::Invalid`] with every problem found.
pub fn parse_bytes(bytes: &[u8], label: &str, base_dir: &Path) -> Result<Model, LoadError> {
    if bytes.contains(&0) {
        return Err(single(
            label,
            String::new(),
            "this is a binary file, not a YAML scenario".into(),
            "scenarios are text files; check the file name",
        ));
    }
    let Ok(source) = std::str::from_utf8(bytes) else {
        return Err(single(
            label,
            String::new(),
            "the file is not valid UTF-8 text".into(),
            "save the scenario as UTF-8",
        ));
    };
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let parse = |text: &str| {
        serde_saphyr::from_str_with_options::<tree::Node>(text, yaml_options())
            .map_err(|err| syntax_error(&err))
    };
    let (root, recovered) = match parse(source) {
        Ok(root) => (root, None),
        Err(first) => match recover::recover(source, &first, parse) {
            Some(mut recovered) => (
                std::mem::replace(&mut recovered.root, tree::Node::null()),
                Some(recovered),
            ),
            None => {
                return Err(LoadError::Invalid(Diagnostics {
                    path: label.to_string(),
                    source: source.to_string(),
                    items: vec![first],
                }));
            }
        },
    };
    let mut items = match build::Builder::new(base_dir).build(&root) {
        Ok(model) if recovered.is_none() => return Ok(model),
        Ok(_) => Vec::new(),
        Err(sink) => sink.items,
    };
    if let Some(recovered) = recovered {
        // Problems inside a broken piece are its syntax error's.
        items.retain(|d| !recovered.covers(d.loc.line));
        items.extend(recovered.errors);
    }
    items.sort_by_key(|d| d.loc);
    items.dedup();
    Err(LoadError::Invalid(Diagnostics {
        path: label.to_string(),
        source: source.to_string(),
        items,
    }))
}

/// A YAML syntax error as a problem at its place.
pub(crate) fn syntax_error(err: &serde_saphyr::Error) -> Diagnostic {
    let loc = err.location().map_or(Loc { line: 1, column: 1 }, |l| Loc {
        line: u32::try_from(l.line()).unwrap_or(1),
        column: u32::try_from(l.column()).unwrap_or(1),
    });
    let message = err.without_snippet().to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_string();
    Diagnostic {
        loc,
        message: format!("invalid YAML: {message}"),
        hint: Some("check the indentation and the brackets around this place".into()),
    }
}

/// YAML 1.2 booleans only (`true`/`false`): `yes`, `no`, `on` and `off`
/// are words, refused with a hint where a boolean is expected and read as
/// names elsewhere; a key given twice reaches the builder, which reports it
/// with the rest instead of stopping the parse.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    }
}

fn single(label: &str, source: String, message: String, hint: &str) -> LoadError {
    LoadError::Invalid(Diagnostics {
        path: label.to_string(),
        source,
        items: vec![Diagnostic {
            loc: Loc { line: 1, column: 1 },
            message,
            hint: Some(hint.to_string()),
        }],
    })
}
