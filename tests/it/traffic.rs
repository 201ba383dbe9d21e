//! Load balancing and traffic as a fluid: request figures against exact
//! answers (binomial up-sets, enumerated up-sets, ejection lag from the
//! drawn health-check delays, a daily pattern), and cost independent of the rate.

use crate::support::{assert_close, extra, figures, model};
use nines::experiment::{self, Settings};
use nines::model::{HOURS_PER_YEAR, micros_from_hours};

fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |c, i| c * f64::from(n - i) / f64::from(i + 1))
}

/// Four nodes (up 10/11 of the time, independently), `policy`, 300/s.
fn pool(policy: &str, capacity: &str) -> String {
    format!(
        "name: pool
nodes:
  - name: web
    count: 4
    capacity: {capacity}
    failures: [{{name: crash, ttf: {{dist: exponential, mean: 100h}}, repair: {{dist: exponential, mean: 10h}}}}]
services:
  - {{name: web, nodes: web, balancer: {{policy: {policy}}}}}
traffic: [{{service: web, rate: 300/s}}]
"
    )
}

#[test]
fn a_capacity_sized_pool_serves_the_expected_minimum_of_load_and_capacity_up() {
    // k members up with probability C(4,k) a^k (1-a)^(4-k); they serve min(300, 100 k).
    let a: f64 = 10.0 / 11.0;
    let exact: f64 = (0..=4u32)
        .map(|k| {
            let p = binomial(4, k) * a.powi(k as i32) * (1.0 - a).powi(4 - k as i32);
            p * (300.0f64).min(100.0 * f64::from(k)) / 300.0
        })
        .sum();
    for policy in ["round-robin", "least-connections"] {
        let f = figures(&pool(policy, "100/s"), 40, 20_000.0, 500.0, 11);
        let success = extra(&f[1], "request_success_ratio");
        assert_close(policy, success, exact, 1.0 - exact, 0.1);
    }
}

#[test]
fn weights_that_ignore_capacity_lose_what_each_up_set_overloads() {
    let yaml = "name: weighted
nodes:
  - name: web
    count: 3
    capacity: 100/s
    failures: [{name: crash, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]
services:
  - name: web
    nodes: web
    balancer: {policy: weighted, weights: {web-1: 2, web-2: 1, web-3: 1}}
traffic: [{service: web, rate: 240/s}]
";
    let (w, a, load) = ([2.0, 1.0, 1.0], 10.0 / 11.0, 240.0);
    let mut exact = 0.0;
    for set in 1u32..8 {
        let up = |i: usize| set & (1 << i) != 0;
        let p: f64 = (0..3).map(|i| if up(i) { a } else { 1.0 - a }).product();
        let total: f64 = (0..3).filter(|&i| up(i)).map(|i| w[i]).sum();
        let served: f64 = (0..3)
            .filter(|&i| up(i))
            .map(|i| (load * w[i] / total).min(100.0))
            .sum();
        exact += p * served / load;
    }
    let f = figures(yaml, 40, 20_000.0, 500.0, 12);
    let success = extra(&f[1], "request_success_ratio");
    assert_close("weighted", success, exact, 1.0 - exact, 0.1);
    // With every member up, web-1 gets 120/s against 100/s: overload never stops.
    let overload = extra(&f[1], "requests_failed_overload_per_year");
    assert!(overload.mean.unwrap() > 0.5 * 20.0 * 3600.0 * HOURS_PER_YEAR);
}

#[test]
fn a_dead_member_in_rotation_loses_its_share_until_the_checks_eject_it() {
    // Two members, no capacity limit: a failure loses half the load (the
    // other member up) for min(ejection delay, repair), the delay uniform on
    // [(u-1) I + T, u I + T] = [22 s, 32 s].
    let yaml = "name: lag
nodes:
  - name: web
    count: 2
    failures: [{name: crash, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 1h}}]
services:
  - name: web
    nodes: web
    balancer: {policy: round-robin, health_check: {interval: 10s, timeout: 2s, unhealthy_after: 3}}
traffic: [{service: web, rate: 1000/s}]
";
    let (mtbf, mttr, rate) = (100.0, 1.0, 1000.0);
    let (low, high) = (22.0f64, 32.0f64);
    let mu: f64 = 1.0 / (mttr * 3600.0);
    // E[min(D, R)] for D uniform, R exponential: E[(1 - e^{-mu D}) / mu].
    let lag_s = (high - low - ((-mu * low).exp() - (-mu * high).exp()) / mu) / (mu * (high - low));
    let failures_per_year = HOURS_PER_YEAR / (mtbf + mttr);
    let other_up = mtbf / (mtbf + mttr);
    let exact = 2.0 * failures_per_year * other_up * 0.5 * lag_s * rate;
    let f = figures(yaml, 40, 20_000.0, 100.0, 13);
    let lag = extra(&f[1], "requests_failed_ejection_lag_per_year");
    assert_close("ejection lag", lag, exact, exact, 0.1);
    // Without health checks the member leaves rotation at once.
    let instant = yaml.replace(
        ", health_check: {interval: 10s, timeout: 2s, unhealthy_after: 3}",
        "",
    );
    let f = figures(&instant, 4, 2_000.0, 0.0, 13);
    let lag = extra(&f[1], "requests_failed_ejection_lag_per_year");
    assert_eq!(lag.mean, Some(0.0));
}

#[test]
fn a_daily_pattern_weights_outages_by_the_load_of_their_hour() {
    // One server down (1/11 of the time) independently of the hour: it loses
    // (1 - A) of the pattern-weighted load, 0.6 x 100/s on average.
    let yaml = "name: pattern
nodes:
  - name: web
    failures: [{name: crash, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]
services: [{name: web, nodes: web}]
traffic: [{service: web, rate: 100/s, pattern: {peak: 1.0, offpeak: 0.2, peak_hours: [8, 20]}}]
";
    let exact = 100.0 * 0.6 * 3600.0 * HOURS_PER_YEAR / 11.0;
    let f = figures(yaml, 40, 20_000.0, 500.0, 14);
    let outage = extra(&f[1], "requests_failed_outage_per_year");
    assert_close("pattern outage", outage, exact, exact, 0.1);
    let success = extra(&f[1], "request_success_ratio");
    assert_close("pattern success", success, 10.0 / 11.0, 1.0 / 11.0, 0.1);
}

#[test]
fn the_request_rate_changes_no_event_and_scales_the_figures() {
    let run = |rate: &str| {
        let yaml = pool("round-robin", "100/s").replace("rate: 300/s", &format!("rate: {rate}"));
        let model = model(&yaml);
        let settings = Settings {
            seed: 5,
            n_replications: 8,
            horizon_us: micros_from_hours(5_000.0),
            warmup_us: 0,
            incident_threshold_us: 0,
        };
        experiment::run(&model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run")
    };
    let (slow, fast) = (run("1/s"), run("1000000/s"));
    assert_eq!(slow.events, fast.events);
    assert!(slow.events > 100);
}

#[test]
fn the_shipped_load_balancing_scenarios_give_the_success_their_descriptions_state() {
    // Expected values: independent nodes, every up-set enumerated, plus the
    // ejection lag (failures x share x E[min(delay, repair)] x rate).
    for (file, exact, reps) in [
        ("lb-round-robin", 0.999_300_964, 40),
        ("lb-random", 0.999_300_964, 40),
        ("lb-weighted", 0.999_991_564, 60),
        ("lb-least-connections", 0.999_991_564, 60),
        ("lb-power-of-two", 0.999_991_564, 60),
        ("lb-health-check-fast", 0.999_956_774, 10),
        ("lb-health-check-slow", 0.999_678_369, 10),
        ("lb-weights-mismatch", 0.932_811_432, 10),
        ("lb-n-plus-one", 0.999_988_479, 100),
    ] {
        let yaml = std::fs::read_to_string(format!("scenarios/{file}.yaml")).unwrap();
        let f = figures(&yaml, reps, 10.0 * HOURS_PER_YEAR, 0.0, 3);
        let success = extra(&f[1], "request_success_ratio");
        assert_close(file, success, exact, 1.0 - exact, 0.25);
    }
}

/// Two 100/s nodes (up 10/11 of the time each) and a demand of 150/s from
/// 8:00 to 20:00, 75/s at night.
fn peak_sized(pattern: &str) -> String {
    format!(
        "name: peak
nodes:
  - name: web
    count: 2
    capacity: 100/s
    failures: [{{name: crash, ttf: {{dist: exponential, mean: 100h}}, repair: {{dist: exponential, mean: 10h}}}}]
services:
  - {{name: web, nodes: web, demand: {{rate: 150/s{pattern}}}}}
"
    )
}

#[test]
fn a_demand_that_follows_the_day_counts_a_pool_down_only_when_it_falls_short() {
    // One node down covers the night's 75/s but not the day's 150/s: down
    // half of the time one node is down, and whenever both are.
    let a: f64 = 10.0 / 11.0;
    let exact = 2.0 * a * (1.0 - a) * 0.5 + (1.0 - a).powi(2);
    let yaml = peak_sized(", pattern: {peak: 1.0, offpeak: 0.5, peak_hours: [8, 20]}");
    // 833 whole days per replication.
    let f = figures(&yaml, 40, 833.0 * 24.0, 0.0, 11);
    crate::support::assert_unavailability("day-night demand", &f[1], exact);
    // Without the pattern one node down is always short.
    let flat = 2.0 * a * (1.0 - a) + (1.0 - a).powi(2);
    let f = figures(&peak_sized(""), 40, 833.0 * 24.0, 0.0, 11);
    crate::support::assert_unavailability("flat demand", &f[1], flat);
}

#[test]
fn a_demand_pattern_costs_no_event_while_capacity_covers_every_hour() {
    let yaml = peak_sized(", pattern: {peak: 1.0, offpeak: 0.5, peak_hours: [8, 20]}")
        .replace("mean: 100h", "mean: 1000000000h");
    let model = model(&yaml);
    let settings = Settings {
        seed: 1,
        n_replications: 2,
        horizon_us: micros_from_hours(87_600.0),
        warmup_us: 0,
        incident_threshold_us: 0,
    };
    let results = experiment::run(&model, settings, Some(1), &mut |_, _| {}, &|| {}).expect("run");
    assert_eq!(results.events, 0);
}

#[test]
fn a_demand_pattern_takes_a_short_pool_down_at_the_hour_its_peak_starts() {
    // web-1 is crashed from 6:00 to 10:00; the peak starts at 8:00: the pool
    // is down from 8:00 to 10:00 exactly.
    let yaml = peak_sized(", pattern: {peak: 1.0, offpeak: 0.5, peak_hours: [8, 20]}")
        .replace("mean: 100h", "mean: 1000000000h")
        + "faults: [{at: 6h, action: crash, target: web-1, duration: 4h}]\n";
    let f = figures(&yaml, 2, 24.0, 0.0, 1);
    let down_h = (1.0 - f[1].availability.mean.expect("availability")) * 24.0;
    assert!((down_h - 2.0).abs() < 1e-9, "down {down_h} h");
}

/// Two 60/s nodes, one per zone, 100/s from clients in `clients`, and a
/// link between the zones cut 1/11 of the time.
fn two_zones(clients: &str) -> String {
    format!(
        "name: zones
domains: [{{name: zone-a}}, {{name: zone-b}}]
network:
  links:
    - between: [zone-a, zone-b]
      failures: [{{name: cut, ttf: {{dist: exponential, mean: 100h}}, repair: {{dist: exponential, mean: 10h}}}}]
nodes: [{{name: web, count: 2, capacity: 60/s, domains: [zone-a, zone-b]}}]
services: [{{name: web, nodes: web}}]
traffic: [{{service: web, rate: 100/s{clients}}}]
"
    )
}

#[test]
fn clients_in_a_zone_lose_the_members_a_cut_link_hides() {
    // During a cut the clients in zone-a reach web-1 only: 100/s against
    // 60/s, 40% fails (overload), 1/11 of the time.
    let f = figures(&two_zones(", clients: zone-a"), 40, 20_000.0, 0.0, 12);
    let exact = 1.0 - 0.4 / 11.0;
    let success = extra(&f[1], "request_success_ratio");
    assert_close("clients in zone-a", success, exact, 1.0 - exact, 0.05);
    // The service itself is up all the time (the link cuts nobody off from
    // the other members: active-active members serve alone).
    assert_eq!(f[1].availability.mean, Some(1.0));
    // Clients outside every zone reach both members: nothing fails.
    let f = figures(&two_zones(""), 4, 20_000.0, 0.0, 12);
    assert_eq!(extra(&f[1], "request_success_ratio").mean, Some(1.0));
}

#[test]
fn a_member_a_cut_hides_from_the_clients_is_ejected_by_the_health_check() {
    // Ejection D ~ U(22 s, 32 s) after the cut: until then web-2 keeps its
    // half (ejection lag), then web-1 alone is overloaded (40/s) until the
    // link is back and web-2 has passed its checks, R ~ U(10 s, 20 s) later.
    let yaml = two_zones(", clients: zone-a").replace(
        "services: [{name: web, nodes: web}]",
        "services: [{name: web, nodes: web, balancer: {health_check: {interval: 10s, timeout: 2s, unhealthy_after: 3, healthy_after: 2}}}]",
    );
    let f = figures(&yaml, 40, 20_000.0, 0.0, 13);
    let theta = 36_000.0f64;
    // E[min(D, C)] for C exponential (mean θ) and D uniform on [22, 32] s.
    let m = theta - theta * theta * ((-22.0 / theta).exp() - (-32.0 / theta).exp()) / 10.0;
    let per_cycle = 50.0 * m + 40.0 * (theta - m) + 40.0 * 15.0;
    let failed = per_cycle / 110.0 / (100.0 * 3600.0);
    let success = extra(&f[1], "request_success_ratio");
    assert_close(
        "health-checked clients",
        success,
        1.0 - failed,
        failed,
        0.05,
    );
    let lag = extra(&f[1], "requests_failed_ejection_lag_per_year");
    let exact_lag = 50.0 * m / 110.0 * HOURS_PER_YEAR;
    assert_close("lag behind the cut", lag, exact_lag, exact_lag, 0.05);
}
