//! The per-request traffic mode against exact queueing answers: random
//! splitting of Poisson arrivals gives independent M/M/1 queues, round-robin
//! E_k/M/1 queues (the W3 workload of ../shared/bench/peers), a timeout the
//! tail of an exponential sojourn, a crashed member in rotation the
//! least-connections black hole, and a daily pattern thins the arrivals.

use crate::support::{assert_close, extra, figures, settings};
use nines::metrics::{Estimate, Figures};

/// W3: eight FIFO servers of capacity 100/s, 700 requests/s, `policy`.
fn w3(policy: &str, extra: &str) -> String {
    format!(
        "name: w3
nodes: [{{name: server, count: 8, capacity: 100/s}}]
services: [{{name: pool, nodes: server, balancer: {{policy: {policy}}}}}]
traffic: [{{service: pool, rate: 700/s, mode: requests{extra}}}]
"
    )
}

/// Latency mean, p50, p95 and p99 (ms) of an exponential sojourn of `rate` per second.
fn exponential_sojourn_ms(rate: f64) -> [f64; 4] {
    let mean = 1000.0 / rate;
    [
        mean,
        mean * 2f64.ln(),
        mean * 20f64.ln(),
        mean * 100f64.ln(),
    ]
}

fn assert_latency(what: &str, f: &Figures, exact: [f64; 4]) {
    let names = [
        "latency_ms",
        "latency_ms_p50",
        "latency_ms_p95",
        "latency_ms_p99",
    ];
    for (name, exact) in names.into_iter().zip(exact) {
        assert_close(
            &format!("{what} {name}"),
            extra(f, name),
            exact,
            exact,
            0.02,
        );
    }
}

/// 8 replications of 15 minutes after 10 s of warm-up from empty.
const REPS: u64 = 8;
const HORIZON_H: f64 = 0.25;
const WARMUP_H: f64 = 10.0 / 3600.0;

#[test]
fn random_splitting_gives_independent_mm1_queues() {
    // λ = 87.5/s per server, μ = 100/s: the sojourn is exponential with rate 12.5/s.
    let f = figures(&w3("random", ""), REPS, HORIZON_H, WARMUP_H, 3);
    assert_latency("random", &f[1], exponential_sojourn_ms(12.5));
    let success = extra(&f[1], "request_success_ratio");
    assert_eq!(success.mean, Some(1.0));
    assert_close(
        "throughput",
        extra(&f[1], "throughput_per_s"),
        700.0,
        700.0,
        0.01,
    );
}

#[test]
fn round_robin_gives_erlang_arrivals_at_each_queue() {
    // E8/M/1: σ the root in (0,1) of σ = (700 / (700 + 100 (1 − σ)))^8; the
    // sojourn is exponential with rate μ (1 − σ).
    let mut sigma: f64 = 0.5;
    for _ in 0..200 {
        sigma = (700.0 / (700.0 + 100.0 * (1.0 - sigma))).powi(8);
    }
    assert!((sigma - 0.785_335_074_6).abs() < 1e-9);
    let f = figures(&w3("round-robin", ""), REPS, HORIZON_H, WARMUP_H, 4);
    assert_latency(
        "round-robin",
        &f[1],
        exponential_sojourn_ms(100.0 * (1.0 - sigma)),
    );
}

#[test]
fn a_timeout_fails_the_tail_of_the_sojourn() {
    // Timed-out requests keep their place, so the queues are still M/M/1 and
    // P(sojourn > 100 ms) = exp(−12.5 × 0.1).
    let f = figures(
        &w3("random", ", timeout: 100ms"),
        REPS,
        HORIZON_H,
        WARMUP_H,
        5,
    );
    let exact = (-1.25f64).exp();
    let success = extra(&f[1], "request_success_ratio");
    assert_close("timeout success", success, 1.0 - exact, exact, 0.01);
}

#[test]
fn a_daily_pattern_thins_the_arrivals() {
    // Hours 0-11 at factor 0.5, 12-23 at 1: over the first hour, 350/s.
    let pattern = format!(
        ", pattern: [{}]",
        ["0.5"; 12]
            .into_iter()
            .chain(["1"; 12])
            .collect::<Vec<_>>()
            .join(", ")
    );
    let f = figures(&w3("random", &pattern), 4, 0.1, 0.0, 6);
    assert_close(
        "thinned throughput",
        extra(&f[1], "throughput_per_s"),
        350.0,
        350.0,
        0.01,
    );
    // λ = 43.75/s per server: exponential sojourn of rate 56.25/s.
    assert_close(
        "thinned latency",
        extra(&f[1], "latency_ms"),
        1000.0 / 56.25,
        1000.0 / 56.25,
        0.02,
    );
}

/// W3f shortened: server-1 crashes at 100 s for 50 s and is ejected 10 s
/// later; 200 s per replication.
fn black_hole(policy: &str) -> Vec<Figures> {
    let yaml = format!(
        "name: w3f
nodes: [{{name: server, count: 8, capacity: 100/s}}]
services:
  - name: pool
    nodes: server
    balancer:
      policy: {policy}
      health_check: {{interval: 1ms, timeout: 9999ms, unhealthy_after: 1, healthy_after: 1}}
traffic: [{{service: pool, rate: 700/s, mode: requests}}]
faults: [{{at: 100s, action: crash, target: server-1, duration: 50s}}]
"
    );
    figures(&yaml, 16, 200.0 / 3600.0, 0.0, 7)
}

/// Requests of one replication sent to the dead member while it was in
/// rotation (the per-year figure times the window in years).
fn ejection_lag(f: &Figures) -> Estimate {
    let per_year = extra(f, "requests_failed_ejection_lag_per_year");
    let years = 200.0 / 3600.0 / nines::model::HOURS_PER_YEAR;
    Estimate {
        mean: per_year.mean.map(|m| m * years),
        std_err: per_year.std_err.map(|s| s * years),
        ..per_year.clone()
    }
}

#[test]
fn least_connections_sends_every_request_to_a_dead_member_until_it_is_ejected() {
    // The dead member has nothing present, so it is always the emptiest:
    // every request of the 10 s (7,000 on average) fails. Round-robin and
    // random send it one in eight (875).
    let lc = black_hole("least-connections");
    let lag = ejection_lag(&lc[1]);
    assert_close("lc ejection lag", &lag, 7000.0, 7000.0, 0.01);
    // Its queue at the crash fails too: about 1.6 requests.
    let crash = extra(&lc[1], "requests_failed_crash_per_year");
    assert!(crash.mean.is_some_and(|m| m > 0.0));
    for policy in ["round-robin", "random"] {
        let f = black_hole(policy);
        assert_close(
            &format!("{policy} ejection lag"),
            &ejection_lag(&f[1]),
            875.0,
            875.0,
            0.03,
        );
    }
    // The total, crash included: 879 (rr) and 882 (random) in W3f.
    let rr = black_hole("round-robin");
    let failed = extra(&rr[1], "requests_failed");
    assert_close("rr failed", failed, 879.08, 879.0, 0.03);
}

#[test]
fn one_replication_gets_a_batch_means_interval() {
    let f = figures(&w3("round-robin", ""), 1, HORIZON_H, WARMUP_H, 8);
    for name in ["latency_ms", "latency_ms_p50", "latency_ms_p99"] {
        let e = extra(&f[1], name);
        let [lo, hi] = e.ci95.unwrap_or_else(|| panic!("{name}: no interval"));
        let mean = e.mean.expect("mean");
        assert!(lo < mean && mean < hi, "{name}: {lo} {mean} {hi}");
    }
}

#[test]
fn the_per_request_run_is_deterministic_and_independent_of_threads() {
    let model = crate::support::model(&w3("power-of-two", ""));
    let run = |threads| {
        let results = nines::experiment::run(
            &model,
            settings(4, 0.02, 0.0, 9),
            Some(threads),
            &mut |_, _| {},
            &|| {},
        )
        .expect("run");
        format!("{:?}", results.requests)
    };
    assert_eq!(run(1), run(2));
}
