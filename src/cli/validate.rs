//! `nines validate`: check scenarios without running them.

use super::{EXIT_BAD_INPUT, EXIT_OK};
use crate::experiment::{self, Settings};
use crate::scenario::{self, LoadError};
use std::path::PathBuf;

pub fn validate(files: &[PathBuf]) -> anyhow::Result<i32> {
    let mut code = EXIT_OK;
    for file in files {
        match scenario::load(file) {
            Ok(model) => {
                // The run its own settings ask for must be one `nines run` accepts.
                let expected = experiment::expected_events(&model, &Settings::from_model(&model));
                if expected > experiment::MAX_EXPECTED_EVENTS {
                    eprintln!(
                        "error: {}: its `simulation` settings would process about {expected:.1e} events, \
                         above the limit of {:.0e}\n  = hint: lower `replications` or `horizon`\n",
                        file.display(),
                        experiment::MAX_EXPECTED_EVENTS
                    );
                    code = EXIT_BAD_INPUT;
                    continue;
                }
                println!(
                    "ok: {} ({} nodes, {} services)",
                    file.display(),
                    model.nodes.len(),
                    model.services.len()
                );
            }
            Err(LoadError::Invalid(diagnostics)) => {
                eprintln!("{diagnostics}\n");
                code = EXIT_BAD_INPUT;
            }
            Err(err) => {
                eprintln!("error: {err}\n");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    Ok(code)
}
