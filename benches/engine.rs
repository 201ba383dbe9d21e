//! Engine throughput on the reference workloads W1 (100 nodes) and W2
//! (10,000 nodes) from shared/bench/peers: events per second on one thread,
//! the cost per event on W2 relative to W1, and both future event lists on
//! both workloads (the engine picks the binary heap below 1,024 pending
//! events and the radix heap above).
//!
//! It also times `nines solve` on the 98-of-100 pool with two crews and on
//! the 20-server three-tier design, and on every shipped Markovian scenario
//! with its horizon against the steady state alone; and rare-event
//! splitting on W2 against plain replications (work-normalised variance).
//!
//! Run with `cargo bench --bench engine`; the comparison with the peer
//! simulators (rustdes, SimPy) is `benches/peers.sh`.

use nines::engine::queue::{BinaryHeap, FutureEvents, RadixHeap};
use nines::engine::{self, Plan, RunSettings};
use nines::experiment::{self, Settings};
use nines::model::Model;
use std::path::Path;
use std::time::Instant;

fn load(file: &str) -> Model {
    nines::scenario::load(Path::new(file)).expect("shipped scenario")
}

/// Events per second of the whole experiment on one thread.
fn experiment_rate(model: &Model, replications: u64) -> f64 {
    let mut settings = Settings::from_model(model);
    settings.n_replications = replications;
    let started = Instant::now();
    let results = experiment::run(model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
    results.events as f64 / started.elapsed().as_secs_f64()
}

/// Events per second of the engine alone with the event list `Q`.
fn queue_rate<Q: FutureEvents>(model: &Model, replications: u64) -> f64 {
    let plan = Plan::new(model);
    let settings = RunSettings {
        seed: model.simulation.seed,
        warmup_us: model.simulation.warmup_us,
        horizon_us: model.simulation.horizon_us,
    };
    let started = Instant::now();
    let events: u64 = (0..replications)
        .map(|r| engine::run::<Q>(&plan, settings, r).events)
        .sum();
    events as f64 / started.elapsed().as_secs_f64()
}

/// Calls of `f` per second, over at least 0.2 s.
fn per_second(mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    let mut calls = 0u64;
    while calls == 0 || started.elapsed().as_secs_f64() < 0.2 {
        f();
        calls += 1;
    }
    calls as f64 / started.elapsed().as_secs_f64()
}

fn best(runs: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..runs).map(|_| f()).fold(0.0, f64::max)
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: keep that quick.
    let full = std::env::args().any(|a| a == "--bench");
    let (w1_reps, w2_reps, runs) = if full { (2000, 20, 3) } else { (20, 1, 1) };
    let (w1, w2) = (
        load("scenarios/bench/w1.yaml"),
        load("scenarios/bench/w2.yaml"),
    );
    let w1_rate = best(runs, || experiment_rate(&w1, w1_reps));
    let w2_rate = best(runs, || experiment_rate(&w2, w2_reps));
    println!("W1: {w1_rate:.3e} events/s (one thread, best of {runs})");
    println!("W2: {w2_rate:.3e} events/s (one thread, best of {runs})");
    println!(
        "cost per event on W2 / on W1: {:.2} (target: at most 2)",
        w1_rate / w2_rate
    );
    let pool = nines::scenario::parse_bytes(
        b"name: 98 of 100, two crews
crews: [{name: ops, size: 2}]
nodes: [{name: unit, count: 100, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}, crew: ops}]}]
services: [{name: pool, nodes: unit, redundancy: {mode: active-active, min_up: 98}}]
",
        "98-of-100",
        Path::new("."),
    )
    .expect("valid");
    for model in [pool, load("scenarios/three-tier.yaml")] {
        let started = Instant::now();
        let solution =
            nines::analytic::solve(&model, &Settings::from_model(&model)).expect("solves");
        println!(
            "solve {}: {} states in {:.3} s",
            model.name,
            solution.n_states,
            started.elapsed().as_secs_f64()
        );
    }
    // `nines solve` with the figures over the horizon against the steady
    // state alone (`--steady-state`), on every shipped Markovian scenario
    // (target: at most 2×; `nines solve` refuses designs with traffic).
    let mut files: Vec<_> = std::fs::read_dir("scenarios")
        .expect("scenarios")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    for path in files {
        let model = nines::scenario::load(&path).expect("shipped scenario");
        let settings = Settings::from_model(&model);
        if !model.traffic.is_empty() || nines::analytic::solve_steady_state(&model).is_err() {
            continue;
        }
        let silent = &nines::analytic::Silent;
        let horizon = best(runs, || {
            per_second(|| {
                drop(nines::analytic::solve_observed(
                    &model,
                    Some(&settings),
                    silent,
                ))
            })
        });
        let steady = best(runs, || {
            per_second(|| drop(nines::analytic::solve_steady_state(&model)))
        });
        println!(
            "solve {}: {:.3} ms with the {} h horizon, {:.3} ms the steady state alone: {:.2}x (target: at most 2)",
            path.display(),
            1e3 / horizon,
            settings.horizon_us as f64 / 3.6e9,
            1e3 / steady,
            steady / horizon
        );
    }
    // Rare-event splitting on W2 against plain replications, one thread
    // each: the work-normalised variance (the squared relative standard
    // error of the unavailability × CPU seconds; smaller is better), whose
    // ratio is how many times faster splitting reaches a given precision
    // (issue 15 aims at 100). Plain W2 replications see an outage once in
    // about three, so their variance needs hundreds of them (full: 400,
    // about 70 s; splitting 40 replications, about 55 s).
    // Without `--bench`, a pool of 20 stands in for W2, briefly.
    let twenty = nines::scenario::parse_bytes(
        b"name: 16 of 20
nodes: [{name: unit, count: 20, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}}]}]
services: [{name: pool, nodes: unit, redundancy: {mode: active-active, min_up: 16}}]
",
        "16-of-20",
        Path::new("."),
    )
    .expect("valid");
    let (subject, plain_reps, rare_reps) = if full {
        (&w2, 400, 40)
    } else {
        (&twenty, 200, 20)
    };
    let normalised = |se: f64, mean: f64, seconds: f64| (se / mean).powi(2) * seconds;
    let mut settings = Settings::from_model(subject);
    settings.n_replications = plain_reps;
    let started = Instant::now();
    let results = experiment::run(subject, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
    let plain_s = started.elapsed().as_secs_f64();
    let report = nines::report::Report::new(subject, &results);
    let availability = &report.entities[0].1.availability;
    let plain_u = availability.mean.map(|a| 1.0 - a);
    settings.n_replications = rare_reps;
    let started = Instant::now();
    let rare = experiment::rare::run(
        subject,
        settings,
        Some(1),
        experiment::rare::RareChoice::Restart,
        None,
        &|_, _| {},
    )
    .expect("rare run");
    let rare_s = started.elapsed().as_secs_f64();
    let (u, se) = (rare.unavailability.mean, rare.unavailability.std_err);
    match (plain_u, availability.std_err, u, se) {
        (Some(pu), Some(ps), Some(u), Some(se)) if pu > 0.0 && u > 0.0 => {
            let (p, r) = (normalised(ps, pu, plain_s), normalised(se, u, rare_s));
            println!(
                "{} rare events: plain {plain_reps} replications in {plain_s:.1} s (U {pu:.3e} ± {ps:.1e}), \
                 splitting {rare_reps} in {rare_s:.1} s (U {u:.3e} ± {se:.1e}; W2's exact 6.318e-7); \
                 work-normalised variance {p:.3} against {r:.3}: {:.0}x (target on W2: at least 100)",
                subject.name,
                p / r
            );
        }
        _ => println!(
            "{} rare events: plain {plain_reps} replications in {plain_s:.1} s saw no outage; \
             splitting {rare_reps} in {rare_s:.1} s (U {u:?})",
            subject.name
        ),
    }
    // Heartbeats are derived, not simulated: a 1 s heartbeat over 10 years
    // must cost about what no detection costs (target: within 20%).
    let pair = |detection: &str| {
        let text = format!(
            "name: pair
nodes: [{{name: db, count: 2, failures: [{{name: f, ttf: {{dist: exponential, mean: 2000h}}, repair: {{dist: exponential, mean: 4h}}}}]}}]
services:
  - {{name: db, nodes: db, redundancy: {{mode: hot-standby, failover: {{switchover: 30s{detection}}}}}}}
"
        );
        nines::scenario::parse_bytes(text.as_bytes(), "pair", Path::new(".")).expect("valid")
    };
    let (plain, heartbeat) = (
        pair(""),
        pair(", detection: {heartbeat: {interval: 1s, timeout: 3s, loss: 0.001}}"),
    );
    let reps = if full { 20_000 } else { 100 };
    let seconds = |model: &Model| {
        let started = Instant::now();
        let mut settings = Settings::from_model(model);
        settings.n_replications = reps;
        experiment::run(model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
        started.elapsed().as_secs_f64()
    };
    let (plain_s, heartbeat_s) = (
        (0..runs)
            .map(|_| seconds(&plain))
            .fold(f64::INFINITY, f64::min),
        (0..runs)
            .map(|_| seconds(&heartbeat))
            .fold(f64::INFINITY, f64::min),
    );
    println!(
        "hot standby over 10 years, {reps} replications: no detection {plain_s:.3} s, 1 s heartbeat {heartbeat_s:.3} s ({:+.1}%, target within 20%)",
        100.0 * (heartbeat_s / plain_s - 1.0)
    );
    // Writes are never simulated one by one: a pair with async and with
    // semi-sync replication costs the same at 10 and at 100,000 writes/s
    // (target: within 10%).
    for mode in ["{mode: async, lag: 1s}", "{mode: sync, degrade_after: 10m}"] {
        let replicated = |writes: &str| {
            let text = format!(
                "name: replicated
nodes: [{{name: db, count: 2, failures: [{{name: f, ttf: {{dist: exponential, mean: 2000h}}, repair: {{dist: exponential, mean: 4h}}}}]}}]
services:
  - {{name: db, nodes: db, redundancy: {{mode: hot-standby}}, writes: {writes}, replication: {mode}}}
"
            );
            nines::scenario::parse_bytes(text.as_bytes(), "replicated", Path::new("."))
                .expect("valid")
        };
        let (few, many) = (replicated("10/s"), replicated("100000/s"));
        let fastest = |model: &Model| {
            (0..runs)
                .map(|_| seconds(model))
                .fold(f64::INFINITY, f64::min)
        };
        let (few_s, many_s) = (fastest(&few), fastest(&many));
        println!(
            "replication {mode}, {reps} replications: 10 writes/s {few_s:.3} s, 100,000 writes/s {many_s:.3} s ({:+.1}%, target within 10%)",
            100.0 * (many_s / few_s - 1.0)
        );
    }
    for (name, model, reps) in [("W1", &w1, w1_reps), ("W2", &w2, w2_reps)] {
        let heap = best(runs, || queue_rate::<BinaryHeap>(model, reps));
        let radix = best(runs, || queue_rate::<RadixHeap>(model, reps));
        println!("{name}: binary heap {heap:.3e} events/s, radix heap {radix:.3e} events/s");
    }
}
