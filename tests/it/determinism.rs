//! Results depend on the seed alone: not on the thread count (see `cli`),
//! nor on which future event list the engine picks for the model's size.

use crate::support::model;
use nines::engine::queue::{BinaryHeap, RadixHeap};
use nines::engine::{Plan, RunSettings, run};
use nines::model::micros_from_hours;

#[test]
fn both_event_lists_give_identical_replications() {
    for file in [
        "scenarios/two-zone-web-shop.yaml",
        "scenarios/vip-failover.yaml",
        "scenarios/n-plus-two-cold-spares.yaml",
        "scenarios/partitioned-pair.yaml",
        "scenarios/heartbeat-tuning.yaml",
        "scenarios/lb-health-check-slow.yaml",
    ] {
        identical_with_both_lists(file);
    }
}

fn identical_with_both_lists(file: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let model = model(&text);
    let plan = Plan::new(&model);
    let settings = RunSettings {
        seed: 99,
        warmup_us: micros_from_hours(100.0),
        horizon_us: micros_from_hours(87_600.0),
    };
    for replication in 0..50 {
        let heap = run::<BinaryHeap>(&plan, settings, replication);
        let radix = run::<RadixHeap>(&plan, settings, replication);
        assert!(heap.events > 0);
        assert_eq!(heap, radix, "replication {replication}");
    }
}
