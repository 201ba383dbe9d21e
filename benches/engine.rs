//! Engine throughput on the reference workloads W1 (100 nodes) and W2
//! (10,000 nodes) from shared/bench/peers: events per second on one thread,
//! and the cost per event on W2 relative to W1.
//!
//! Run with `cargo bench --bench engine`; the comparison with the peer
//! simulators (rustdes, SimPy) is `benches/peers.sh`.

use nines::experiment::{self, Settings};
use std::path::Path;
use std::time::Instant;

fn events_per_second(file: &str, replications: u64) -> (f64, u64) {
    let model = nines::scenario::load(Path::new(file)).expect("shipped scenario");
    let mut settings = Settings::from_model(&model);
    settings.n_replications = replications;
    let started = Instant::now();
    let results = experiment::run(&model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
    let seconds = started.elapsed().as_secs_f64();
    (results.events as f64 / seconds, results.events)
}

fn main() {
    // `cargo test --benches` runs this with `--bench` absent: keep that quick.
    let full = std::env::args().any(|a| a == "--bench");
    let (w1_reps, w2_reps) = if full { (2000, 20) } else { (20, 1) };
    let mut w1 = Vec::new();
    let mut w2 = Vec::new();
    for _ in 0..if full { 3 } else { 1 } {
        w1.push(events_per_second("scenarios/bench/w1.yaml", w1_reps).0);
        w2.push(events_per_second("scenarios/bench/w2.yaml", w2_reps).0);
    }
    let best = |v: &[f64]| v.iter().copied().fold(0.0, f64::max);
    let (w1, w2) = (best(&w1), best(&w2));
    println!("W1: {w1:.3e} events/s (one thread, best of runs)");
    println!("W2: {w2:.3e} events/s (one thread, best of runs)");
    println!(
        "cost per event on W2 / on W1: {:.2} (target: at most 2)",
        w1 / w2
    );
}
