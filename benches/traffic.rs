//! Fluid request accounting costs the same at any request rate: the same
//! scenario (lb-round-robin's pool) at 1 request/s and at 10^6 requests/s,
//! side by side, in events and in CPU time; and W1 with no traffic, whose
//! cost the traffic hooks must not change (a flag per event).
//!
//! Run with `cargo bench --bench traffic`.

use nines::experiment::{self, Settings};
use nines::model::Model;
use std::path::Path;
use std::time::Instant;

fn load(file: &str) -> Model {
    nines::scenario::load(Path::new(file)).expect("shipped scenario")
}

/// (events, seconds) of the whole experiment on one thread, best of `runs`.
fn timed(model: &Model, replications: u64, runs: usize) -> (u64, f64) {
    let mut settings = Settings::from_model(model);
    settings.n_replications = replications;
    let mut best = (0, f64::INFINITY);
    for _ in 0..runs {
        let started = Instant::now();
        let results =
            experiment::run(model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
        let s = started.elapsed().as_secs_f64();
        if s < best.1 {
            best = (results.events, s);
        }
    }
    best
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (reps, runs) = if full { (2000, 9) } else { (20, 1) };
    let mut pool = load("scenarios/lb-round-robin.yaml");
    // Interleaved, best of `runs` each, so that a busy machine hurts both alike.
    let mut rows = vec![(1.0, 0, f64::INFINITY), (1e6, 0, f64::INFINITY)];
    for _ in 0..runs {
        for row in &mut rows {
            pool.traffic[0].rate_per_s = row.0;
            let (events, s) = timed(&pool, reps, 1);
            row.1 = events;
            row.2 = row.2.min(s);
        }
    }
    for &(rate, events, s) in &rows {
        println!(
            "traffic {rate:>9}/s: {events} events in {s:.3} s ({:.3e} events/s)",
            events as f64 / s
        );
    }
    assert_eq!(rows[0].1, rows[1].1, "the rate must not change the events");
    println!(
        "time at 10^6/s relative to 1/s: {:.3}",
        rows[1].2 / rows[0].2
    );
    let w1 = load("scenarios/bench/w1.yaml");
    let (events, s) = timed(&w1, reps / 4, runs);
    println!(
        "W1 (no traffic): {events} events in {s:.3} s ({:.3e} events/s)",
        events as f64 / s
    );
}
