//! Leader elections of quorum services against exact answers: a Markov
//! chain that knows who leads, the roles of leader and follower, and
//! partitions that leave the leader on the minority side.

use crate::exact::Chain;
use crate::support::{assert_close, extra, figures, figures_with, settings};
use nines::metrics::{Estimate, Figures};

const MIN_PER_YEAR: f64 = 525_600.0;

/// `n` members failing every `ttf` hours and repaired in `repair` hours
/// (exponential, no crew), a strict majority, elections of mean `election`.
fn cluster(n: u32, ttf_h: f64, repair_h: f64, election: &str) -> String {
    format!(
        "name: q
nodes: [{{name: m, count: {n}, failures: [{{name: crash, ttf: {{dist: exponential, mean: {ttf_h}h}}, repair: {{dist: exponential, mean: {repair_h}h}}}}]}}]
services:
  - {{name: kv, nodes: m, redundancy: {{mode: quorum, election: {election}}}}}
"
    )
}

/// The exact chain of an `n`-member cluster with majority `q`: per number
/// of members up, a leader in office or an election under way (with a
/// majority), or no majority. Returns (unavailability, elections per hour,
/// share of the time without a majority).
fn exact(n: usize, q: usize, lambda: f64, mu: f64, eta: f64) -> (f64, f64, f64) {
    // States: for k >= q, 2k (leader) and 2k + 1 (electing); for k < q, 2k.
    let id = |k: usize, leader: bool| 2 * k + usize::from(!leader && k >= q);
    let mut chain = Chain::new(2 * (n + 1));
    for k in 0..=n {
        for leader in [true, false] {
            if k < q && leader {
                continue;
            }
            let from = id(k, leader);
            if k > 0 {
                if leader {
                    // A follower fails: the leader stays while a majority does.
                    chain.add(from, id(k - 1, k > q), (k - 1) as f64 * lambda);
                    // The leader fails: an election (or no majority).
                    chain.add(from, id(k - 1, false), lambda);
                } else {
                    chain.add(from, id(k - 1, false), k as f64 * lambda);
                }
            }
            if k < n {
                chain.add(from, id(k + 1, leader), (n - k) as f64 * mu);
            }
            if !leader && k >= q {
                chain.add(from, id(k, true), eta);
            }
        }
    }
    // Unused slots (k < q, electing) are unreachable; give them a way out.
    for k in 0..q {
        chain.add(2 * k + 1, 2 * k, 1.0);
    }
    let pi = chain.stationary();
    let up = |s: usize| s.is_multiple_of(2) && s / 2 >= q;
    let unavailability: f64 = (0..pi.len()).filter(|&s| !up(s)).map(|s| pi[s]).sum();
    // Elections start on entering an electing state from elsewhere.
    let electing = |s: usize| s % 2 == 1 && s / 2 >= q;
    let starts: f64 = (0..pi.len())
        .filter(|&s| !electing(s))
        .map(|s| {
            pi[s]
                * (0..pi.len())
                    .filter(|&t| electing(t))
                    .map(|t| chain.rates[s][t])
                    .sum::<f64>()
        })
        .sum();
    let no_majority: f64 = (0..q).map(|k| pi[2 * k]).sum();
    (unavailability, starts, no_majority)
}

fn cause<'a>(f: &'a Figures, name: &str) -> &'a Estimate {
    &f.downtime_by_cause
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no cause {name}"))
        .1
}

fn check_against_chain(n: usize, reps: u64, seed: u64) {
    let (ttf, repair, election_h) = (100.0, 10.0, 1.0);
    let yaml = cluster(n as u32, ttf, repair, "{dist: exponential, mean: 1h}");
    // A warm-up of 200 h: the chain mixes in tens of hours.
    let f = &figures(&yaml, reps, 8760.0, 200.0, seed)[1];
    let (u, starts, no_majority) = exact(n, n / 2 + 1, 1.0 / ttf, 1.0 / repair, 1.0 / election_h);
    let what = format!("{n} members");
    assert_close(
        &format!("{what}: availability"),
        &f.availability,
        1.0 - u,
        u,
        0.1,
    );
    assert_close(
        &format!("{what}: elections per year"),
        extra(f, "elections_per_year"),
        starts * 8760.0,
        starts * 8760.0,
        0.05,
    );
    assert_close(
        &format!("{what}: downtime for lack of a majority"),
        cause(f, "m/crash"),
        no_majority * MIN_PER_YEAR,
        u * MIN_PER_YEAR,
        0.1,
    );
    assert_close(
        &format!("{what}: downtime in elections"),
        cause(f, "kv election"),
        (u - no_majority) * MIN_PER_YEAR,
        u * MIN_PER_YEAR,
        0.1,
    );
}

/// 3 members, each down 10 h every 100 h, elections of 1 h on average:
/// 18,441 min/yr down, 6,200 of them in 105.2 elections a year. A follower's
/// failure starts no election: if it did, the election share would more
/// than double.
#[test]
fn a_three_member_cluster_with_elections_matches_its_markov_chain() {
    check_against_chain(3, 200, 21);
}

#[test]
fn a_five_member_cluster_with_elections_matches_its_markov_chain() {
    check_against_chain(5, 200, 22);
}

/// A completed election lasts its draw: a fixed 30 s election shows as
/// exactly 30 s, and the quorum-loss downtime is the chain's.
#[test]
fn an_election_of_fixed_length_lasts_exactly_that() {
    let yaml = cluster(3, 100.0, 10.0, "30s");
    let f = &figures(&yaml, 20, 8760.0, 0.0, 23)[1];
    let length = extra(f, "election_s").mean.unwrap();
    assert!((length - 30.0).abs() < 1e-9, "{length} s");
    let elections = extra(f, "elections_per_year").mean.unwrap();
    let completed_min = elections - extra(f, "elections_called_off_per_year").mean.unwrap();
    let election_min = cause(f, "kv election").mean.unwrap();
    // Every completed election is 30 s of downtime (0.5 min); the ones
    // called off end early, inside the quorum loss that follows.
    assert!(
        election_min <= elections * 0.5 + 1e-6 && election_min >= completed_min * 0.5 - 1e-6,
        "{election_min} min/yr in {elections} elections"
    );
}

/// Three members in two zones and a partition of one hour between them:
/// with the leader alone on one side, it steps down and the two on the
/// other side elect one (10 s down); with the leader on the side of two,
/// nothing happens. Swapping the sides swaps the answers.
#[test]
fn a_partition_deposes_a_leader_on_the_minority_side_only() {
    let yaml = |zones: &str| {
        format!(
            "name: split
domains: [{{name: a}}, {{name: b}}]
network: {{links: [{{between: [a, b]}}]}}
nodes:
  - name: m
    count: 3
    domains: [{zones}]
    failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]
services:
  - {{name: kv, nodes: m, redundancy: {{mode: quorum, election: 10s}}}}
faults:
  - {{at: 100h, action: partition, between: [a, b], duration: 1h}}
"
        )
    };
    // The leader at time zero is the first member, m-1.
    let alone = figures_with(&yaml("a, b, b"), settings(3, 8760.0, 0.0, 24));
    let kv = &alone[1];
    assert_eq!(extra(kv, "elections_per_year").mean, Some(1.0));
    let down_min = kv.downtime_min_per_year.mean.unwrap();
    assert!((down_min - 10.0 / 60.0).abs() < 1e-9, "{down_min} min/yr");
    assert!((cause(kv, "kv election").mean.unwrap() - 10.0 / 60.0).abs() < 1e-9);
    let with_majority = figures_with(&yaml("a, a, b"), settings(3, 8760.0, 0.0, 24));
    assert_eq!(
        extra(&with_majority[1], "elections_per_year").mean,
        Some(0.0)
    );
    assert_eq!(with_majority[1].downtime_min_per_year.mean, Some(0.0));
}

/// A crash of the leader costs an election; a crash of a follower costs
/// nothing while the majority holds (the first member leads at time zero).
#[test]
fn only_the_leader_failing_starts_an_election() {
    let yaml = |target: &str| {
        format!(
            "name: roles
nodes: [{{name: m, count: 3, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - {{name: kv, nodes: m, redundancy: {{mode: quorum, election: 10s}}}}
faults:
  - {{at: 100h, action: crash, target: {target}, duration: 1h}}
"
        )
    };
    let leader = figures_with(&yaml("m-1"), settings(3, 8760.0, 0.0, 25));
    assert_eq!(extra(&leader[1], "elections_per_year").mean, Some(1.0));
    assert_eq!(extra(&leader[1], "election_s").mean, Some(10.0));
    let down_min = leader[1].downtime_min_per_year.mean.unwrap();
    assert!((down_min - 10.0 / 60.0).abs() < 1e-9, "{down_min} min/yr");
    let follower = figures_with(&yaml("m-2"), settings(3, 8760.0, 0.0, 25));
    assert_eq!(extra(&follower[1], "elections_per_year").mean, Some(0.0));
    assert_eq!(follower[1].downtime_min_per_year.mean, Some(0.0));
}

/// A stalled leader (a `heartbeat-loss` or `slow` fault, or an `effect:
/// slow` failure) is unheard by its followers: it is deposed and an
/// election follows; a stalled follower changes nothing.
#[test]
fn a_stalled_leader_costs_an_election_and_a_stalled_follower_nothing() {
    let yaml = |action: &str, target: &str| {
        format!(
            "name: stall
nodes: [{{name: m, count: 3, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - {{name: kv, nodes: m, redundancy: {{mode: quorum, election: 10s}}}}
faults:
  - {{at: 100h, action: {action}, target: {target}, duration: 1m}}
"
        )
    };
    for action in ["heartbeat-loss", "slow"] {
        let leader = figures_with(&yaml(action, "m-1"), settings(2, 8760.0, 0.0, 26));
        assert_eq!(extra(&leader[1], "elections_per_year").mean, Some(1.0));
        let down_min = leader[1].downtime_min_per_year.mean.unwrap();
        assert!(
            (down_min - 10.0 / 60.0).abs() < 1e-9,
            "{action}: {down_min}"
        );
        let follower = figures_with(&yaml(action, "m-3"), settings(2, 8760.0, 0.0, 26));
        assert_eq!(extra(&follower[1], "elections_per_year").mean, Some(0.0));
    }
    // As a failure mode of its own (`effect: slow`), accepted with elections.
    let slow_mode = cluster(3, 1000.0, 10.0, "10s").replace(
        "repair: {dist: exponential, mean: 10h}}]",
        "repair: {dist: exponential, mean: 10h}}, {name: gc, ttf: {dist: exponential, mean: 100h}, repair: 30s, effect: slow}]",
    );
    let f = &figures(&slow_mode, 40, 8760.0, 0.0, 27)[1];
    // The leader stalls every 100 h and crashes every 1000 h: an election
    // each time, 8760 × 0.011 = 96.4 a year (quorum losses add 0.05).
    let rate = 8760.0 * 0.011;
    assert_close(
        "elections per year",
        extra(f, "elections_per_year"),
        rate,
        rate,
        0.05,
    );
}

/// `nines solve` tracks the leader's class: it gives the hand-built chain's
/// availability for 3 and 5 interchangeable members, and agrees with the
/// simulation on members spread over zones that fail (classes that are not
/// interchangeable: a zone outage takes the leader with it only if it
/// leads from there).
#[test]
fn the_solver_models_who_leads() {
    for n in [3usize, 5] {
        let yaml = cluster(n as u32, 100.0, 10.0, "{dist: exponential, mean: 1h}");
        let solution =
            nines::analytic::solve_steady_state(&crate::support::model(&yaml)).expect("solvable");
        let (u, _, _) = exact(n, n / 2 + 1, 0.01, 0.1, 1.0);
        let a = solution.entities[1].availability;
        assert!(
            (a - (1.0 - u)).abs() < 1e-9,
            "{n} members: {a} against {}",
            1.0 - u
        );
    }
    let zoned = "name: zones
domains:
  - {name: a, failures: [{name: outage, ttf: {dist: exponential, mean: 300h}, repair: {dist: exponential, mean: 5h}}]}
  - {name: b, failures: [{name: outage, ttf: {dist: exponential, mean: 300h}, repair: {dist: exponential, mean: 5h}}]}
  - {name: c}
nodes:
  - name: m
    count: 5
    domains: [a, b, c]
    failures: [{name: crash, ttf: {dist: exponential, mean: 200h}, repair: {dist: exponential, mean: 10h}}]
services:
  - {name: kv, nodes: m, redundancy: {mode: quorum, election: {dist: exponential, mean: 2h}}}
";
    let solution =
        nines::analytic::solve_steady_state(&crate::support::model(zoned)).expect("solvable");
    let exact_a = solution.entities[1].availability;
    let f = &figures(zoned, 200, 8760.0, 500.0, 28)[1];
    assert_close(
        "zoned availability",
        &f.availability,
        exact_a,
        1.0 - exact_a,
        0.1,
    );
    let per_year = solution.entities[1].failures_per_h * 8760.0;
    assert_close(
        "zoned failures per year",
        &f.failures_per_year,
        per_year,
        per_year,
        0.05,
    );
    // Elections cost something here: without them, the answer differs.
    let instant = zoned.replace(", election: {dist: exponential, mean: 2h}", "");
    let without = nines::analytic::solve_steady_state(&crate::support::model(&instant))
        .expect("solvable")
        .entities[1]
        .availability;
    assert!(
        without - exact_a > 10.0 * (1.0 - exact_a) / 100.0,
        "{without} vs {exact_a}"
    );
}
