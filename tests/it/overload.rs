//! Cascading overload (`overload: collapse`): an exact timeline of a
//! cascade with back-off, the tolerance as a strict bound, and the
//! capacity-aware policies collapsing together.

use crate::support::{extra, figures, model};

/// Three members of 100/s take 250/s; web-1 is crashed from 1 h to 2 h.
fn cascade(policy: &str, tolerance: &str) -> String {
    format!(
        "name: cascade
nodes: [{{name: web, count: 3, capacity: 100/s}}]
services: [{{name: web, nodes: web, balancer: {{policy: {policy}}}}}]
traffic:
  - {{service: web, rate: 250/s, overload: collapse, tolerance: {tolerance},
     collapse_after: 30s, restart: 5m}}
faults: [{{at: 1h, action: crash, target: web-1, duration: 1h}}]
"
    )
}

#[test]
fn a_cascade_follows_its_exact_timeline_with_back_off() {
    // web-2 and web-3 get 125/s each: they collapse 30 s after the crash and
    // restart 5 min later, still overloaded, so they collapse again after
    // 60 s, 120 s, 240 s, 480 s, 960 s (the back-off doubles), down 5 min
    // each time: 25 min, then 1:56:30 to 2:00:00 (web-1 back) = 3.5 min.
    // web-1 alone takes 250/s: it collapses at 2:00:30 until web-2 and web-3
    // restart at 2:01:30 (1 min down); at 2:05:30 all three are up at 83/s.
    // 29.5 min of downtime, 13 collapses, in each replication.
    for policy in ["round-robin", "least-connections"] {
        let f = figures(&cascade(policy, "0"), 2, 3.0, 0.0, 1);
        let years = 3.0 / nines::model::HOURS_PER_YEAR;
        let downtime_min = f[1].downtime_min_per_year.mean.expect("downtime") * years;
        assert!(
            (downtime_min - 29.5).abs() < 1e-6,
            "{policy}: downtime {downtime_min} min"
        );
        let collapses = extra(&f[1], "overload_collapses_per_year")
            .mean
            .expect("collapses");
        assert!(
            (collapses * years - 13.0).abs() < 1e-6,
            "{policy}: {}",
            collapses * years
        );
    }
}

#[test]
fn a_share_at_the_tolerance_does_not_collapse() {
    // 125/s against 100/s is exactly 25% over: tolerated.
    let f = figures(&cascade("round-robin", "25%"), 2, 3.0, 0.0, 1);
    assert_eq!(f[1].availability.mean, Some(1.0));
    let c = extra(&f[1], "overload_collapses_per_year");
    assert_eq!(c.mean, Some(0.0));
    // Just below it collapses.
    let f = figures(&cascade("round-robin", "0.24"), 2, 3.0, 0.0, 1);
    assert!(f[1].availability.mean.is_some_and(|a| a < 1.0));
}

#[test]
fn collapse_keys_are_checked() {
    let m = model(&cascade("round-robin", "0"));
    assert!(m.traffic[0].collapse.is_some());
}
