//! Downtime by cause: the causes add up to the downtime exactly, and each
//! share matches its exact value.

use nines::experiment::{self, Settings};
use nines::metrics::RepOutcome;
use nines::model::micros_from_hours;
use nines::scenario;

fn shipped() -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for dir in ["scenarios", "scenarios/bench"] {
        for entry in std::fs::read_dir(dir).expect("scenarios directory") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn causes_add_up_to_the_downtime_in_every_replication_of_every_shipped_scenario() {
    for file in shipped() {
        let model = scenario::load(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for warmup_h in [0.0, 10_000.0] {
            let mut settings = Settings::from_model(&model);
            settings.n_replications = if file.starts_with("scenarios/bench") { 3 } else { 40 };
            settings.warmup_us = micros_from_hours(warmup_h);
            let window_us = settings.horizon_us;
            let mut checked = 0;
            let mut each = |rep: u64, outcome: &RepOutcome| {
                for (e, (tally, causes)) in outcome
                    .tallies
                    .iter()
                    .zip(&outcome.downtime_by_cause_us)
                    .enumerate()
                {
                    let downtime = window_us - tally.uptime_us;
                    let sum: u64 = causes.iter().sum();
                    assert_eq!(
                        sum,
                        downtime,
                        "{} (warm-up {warmup_h} h) replication {rep} entity {e}: causes {causes:?}",
                        file.display()
                    );
                    checked += u64::from(downtime > 0);
                }
            };
            experiment::run(&model, settings, None, &mut each, &|| {}).expect("run");
            eprintln!("{}: {checked} entities with downtime", file.display());
        }
    }
}
