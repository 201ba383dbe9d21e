//! The shipped scenarios and the documentation's examples.

use crate::support::shipped;
use nines::scenario;
use std::path::Path;

#[test]
fn every_shipped_scenario_is_valid_and_explains_itself() {
    let files = shipped();
    assert!(files.len() >= 10, "{files:?}");
    for file in files {
        let model = scenario::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert!(
            model.description.len() > 80,
            "{} needs a description a student can follow",
            file.display()
        );
    }
}

#[test]
fn every_yaml_example_in_the_docs_is_a_valid_scenario() {
    for doc in ["README.md", "docs/scenario-reference.md"] {
        let Ok(text) = std::fs::read_to_string(doc) else {
            panic!("{doc} is missing");
        };
        let mut count = 0;
        for (i, block) in text.split("```yaml\n").skip(1).enumerate() {
            let example = block.split("```").next().unwrap_or("");
            if let Err(e) = scenario::parse_bytes(
                example.as_bytes(),
                &format!("{doc} example {}", i + 1),
                Path::new("."),
            ) {
                panic!("{e}");
            }
            count += 1;
        }
        assert!(count > 0 || doc == "README.md", "{doc} has no yaml example");
    }
}
