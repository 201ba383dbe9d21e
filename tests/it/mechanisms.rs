//! Each mechanism of the engine against an exact answer: Markov chains for
//! crews, quorum and group shocks; independence and series formulas for
//! domains and capacity; renewal theory for non-exponential distributions.

use crate::exact::{Chain, k_of_n, k_of_n_independent};
use crate::support::{Exact, assert_steady_state, figures};

/// A unit whose failure modes (mean time to failure, mean repair, in
/// hours) pause each other while it is down: each mode fails once per mean
/// time to failure of up time, so A = 1 / (1 + Σ MTTRᵢ / MTTFᵢ) and the
/// failure frequency is A Σ 1 / MTTFᵢ, whatever the distributions.
fn paused_modes(modes: &[(f64, f64)]) -> Exact {
    let availability = 1.0 / (1.0 + modes.iter().map(|(f, r)| r / f).sum::<f64>());
    Exact {
        availability,
        frequency_per_h: availability * modes.iter().map(|(f, _)| 1.0 / f).sum::<f64>(),
        mttff_h: None,
    }
}

fn exact_from_chain(chain: &Chain, up: &[bool], start: usize) -> Exact {
    let (availability, frequency_per_h) = chain.availability_and_frequency(up);
    Exact {
        availability,
        frequency_per_h,
        mttff_h: Some(chain.mean_time_to_down(up, start)),
    }
}

#[test]
fn k_of_n_with_limited_crews_matches_its_birth_death_chain() {
    let yaml = "
name: 3 of 5 with two repairers
crews: [{name: ops, size: 2}]
nodes:
  - name: unit
    count: 5
    failures: [{name: f, ttf: {dist: exponential, mean: 200h}, repair: {dist: exponential, mean: 20h}, crew: ops}]
services: [{name: s, nodes: unit, redundancy: {mode: active-active, min_up: 3}}]
";
    let (chain, up) = k_of_n(5, 3, 200.0, 20.0, 2);
    let f = figures(yaml, 200, 200_000.0, 1000.0, 11);
    assert_steady_state("3-of-5, 2 crews", &f[0], &exact_from_chain(&chain, &up, 0));
}

#[test]
fn five_node_quorum_with_one_crew_needs_a_majority() {
    let yaml = "
name: quorum of five
crews: [{name: ops, size: 1}]
nodes:
  - {name: member, count: 5, failures: [{name: f, ttf: {dist: exponential, mean: 300h}, repair: {dist: exponential, mean: 30h}, crew: ops}]}
services: [{name: consensus, nodes: member, redundancy: {mode: quorum}}]
";
    let (chain, up) = k_of_n(5, 3, 300.0, 30.0, 1);
    let f = figures(yaml, 200, 200_000.0, 2000.0, 12);
    assert_steady_state("quorum of 5", &f[1], &exact_from_chain(&chain, &up, 0));
}

#[test]
fn capacity_sized_pool_with_non_exponential_times_is_binomial() {
    // 4 nodes of 100/s for a demand of 250/s: 3 must be up. Units are
    // independent stationary alternating renewal processes, so the
    // binomial formulas are exact whatever the distributions.
    let yaml = "
name: capacity pool
nodes:
  - name: web
    count: 4
    capacity: 100/s
    failures: [{name: f, ttf: {dist: weibull, shape: 1.5, mean: 500h}, repair: {dist: lognormal, mean: 10h, sd: 8h}}]
services: [{name: web, nodes: web, demand: 250/s}]
";
    let p = 500.0 / 510.0;
    let (availability, frequency_per_h) = k_of_n_independent(4, 3, p, 510.0);
    let exact = Exact {
        availability,
        frequency_per_h,
        mttff_h: None,
    };
    let f = figures(yaml, 200, 200_000.0, 10_000.0, 13);
    assert_steady_state("capacity pool", &f[0], &exact);
}

#[test]
fn a_rack_and_its_power_feed_are_a_common_cause_in_series_with_the_pair() {
    let yaml = RACK_POWER_YAML;
    // Independent series of power, rack and the 1-of-2 pair:
    // A = Π Aᵢ and f = Σ fᵢ Π_{j≠i} Aⱼ.
    let (a_power, f_power) = (2000.0 / 2005.0, 1.0 / 2005.0);
    let (a_rack, f_rack) = (3000.0 / 3008.0, 1.0 / 3008.0);
    let (a_pair, f_pair) = k_of_n_independent(2, 1, 500.0 / 510.0, 510.0);
    let exact = Exact {
        availability: a_power * a_rack * a_pair,
        frequency_per_h: f_power * a_rack * a_pair
            + f_rack * a_power * a_pair
            + f_pair * a_power * a_rack,
        mttff_h: None,
    };
    let f = figures(yaml, 200, 300_000.0, 2000.0, 14);
    assert_steady_state("rack and power", &f[0], &exact);
}

#[test]
fn a_group_shock_hits_every_running_instance_as_its_markov_chain_says() {
    let yaml = GROUP_SHOCK_YAML;
    let (chain, up) = group_shock_chain();
    let f = figures(yaml, 200, 300_000.0, 2000.0, 15);
    assert_steady_state("group shock", &f[0], &exact_from_chain(&chain, &up, 0));
}

#[test]
fn non_exponential_single_units_follow_renewal_theory() {
    // A = E[T] / (E[T] + E[R]); failures per hour 1 / (E[T] + E[R]); MTTFF = E[T].
    let cases = [
        (
            "{dist: weibull, shape: 2, mean: 100h}",
            100.0,
            "{dist: lognormal, mean: 5h, sd: 3h}",
            5.0,
        ),
        (
            "{dist: gamma, shape: 3, mean: 80h}",
            80.0,
            "{dist: uniform, min: 2h, max: 6h}",
            4.0,
        ),
        (
            "{dist: normal, mean: 120h, sd: 30h}",
            120.0,
            "{dist: empirical, samples: [1h, 2h, 9h]}",
            4.0,
        ),
        (
            "{dist: lognormal, median: 60h, sigma: 0.5}",
            60.0 * (0.125f64).exp(),
            "3h",
            3.0,
        ),
        (
            "{dist: weibull, shape: 0.7, scale: 90h}",
            // 90 h × Γ(1 + 1/0.7)
            nines::model::Dist::Weibull {
                shape: 0.7,
                scale_h: 90.0,
            }
            .mean_h(),
            "{dist: gamma, shape: 0.5, mean: 6h}",
            6.0,
        ),
    ];
    for (ttf, mean_ttf, repair, mean_repair) in cases {
        let yaml = format!(
            "name: renewal\nnodes:\n  - {{name: unit, failures: [{{name: f, ttf: {ttf}, repair: {repair}}}]}}\nservices: [{{name: s, nodes: unit}}]\n"
        );
        let cycle = mean_ttf + mean_repair;
        let exact = Exact {
            availability: mean_ttf / cycle,
            frequency_per_h: 1.0 / cycle,
            mttff_h: Some(mean_ttf),
        };
        let f = figures(&yaml, 500, 2000.0 * cycle, 50.0 * cycle, 16);
        assert_steady_state(&format!("ttf {ttf}, repair {repair}"), &f[0], &exact);
    }
}

#[test]
fn a_node_with_two_modes_pauses_one_clock_while_repairing_the_other() {
    // In running time each mode is a renewal process with rate 1/mᵢ, and
    // each failure adds its repair time rᵢ: A = 1 / (1 + Σ rᵢ/mᵢ), and the
    // failure frequency is A Σ 1/mᵢ, whatever the ttf distributions.
    let yaml = "
name: two modes
nodes:
  - name: unit
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 200h}, repair: 1h}
      - {name: hardware, ttf: {dist: weibull, shape: 3, mean: 300h}, repair: {dist: lognormal, mean: 30h, sd: 20h}}
services: [{name: s, nodes: unit}]
";
    let exact = paused_modes(&[(200.0, 1.0), (300.0, 30.0)]);
    let f = figures(yaml, 200, 500_000.0, 5000.0, 17);
    assert_steady_state("two modes", &f[0], &exact);
}

#[test]
fn a_service_is_down_while_a_service_it_requires_is_down() {
    // C10 written with `requires`: web needs db, and the system is web alone.
    let yaml = "
name: web needs db
nodes:
  - {name: web, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 10h}}]}
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 5000h}, repair: {dist: exponential, mean: 24h}}]}
services:
  - {name: web, nodes: web, requires: [db]}
  - {name: db, nodes: db}
";
    let exact = Exact {
        availability: 0.999_879_152_2,
        frequency_per_h: 0.188_401_206_3 / 8760.0,
        mttff_h: Some(46_928.540_49),
    };
    let f = figures(yaml, 300, 3_000_000.0, 1000.0, 18);
    assert_steady_state("system (web requires db)", &f[0], &exact);
    assert_steady_state("service web", &f[1], &exact);
}

/// Two nodes, each Up, Crashed or hit by the Release; the release clock is
/// shared and fails every node that is up. System up: at least one Up.
pub fn group_shock_chain() -> (Chain, Vec<bool>) {
    let (lc, mc, lg, mg) = (1.0 / 400.0, 1.0 / 8.0, 1.0 / 1000.0, 1.0 / 2.0);
    let index = |a: usize, b: usize| a * 3 + b;
    let mut chain = Chain::new(9);
    for a in 0..3 {
        for b in 0..3 {
            let s = index(a, b);
            for (node, state) in [(0, a), (1, b)] {
                let with = |x: usize| if node == 0 { index(x, b) } else { index(a, x) };
                match state {
                    0 => chain.add(s, with(1), lc),
                    1 => chain.add(s, with(0), mc),
                    _ => chain.add(s, with(0), mg),
                }
            }
            let hit = |x: usize| if x == 0 { 2 } else { x };
            chain.add(s, index(hit(a), hit(b)), lg);
        }
    }
    let up: Vec<bool> = (0..9).map(|s| s / 3 == 0 || s % 3 == 0).collect();
    (chain, up)
}

/// Two app servers with their own crashes and a shared bad-release shock.
pub const GROUP_SHOCK_YAML: &str = "
name: bad release
nodes:
  - name: app
    count: 2
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 400h}, repair: {dist: exponential, mean: 8h}}
      - {name: release, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 2h}, scope: group}
services: [{name: app, nodes: app}]
";

/// A redundant pair in one rack on one power feed.
pub const RACK_POWER_YAML: &str = "
name: pair in one rack
domains:
  - {name: power, failures: [{name: cut, ttf: {dist: exponential, mean: 2000h}, repair: {dist: exponential, mean: 5h}}]}
  - {name: rack, parent: power, failures: [{name: switch, ttf: {dist: exponential, mean: 3000h}, repair: {dist: exponential, mean: 8h}}]}
nodes:
  - {name: db, count: 2, domains: [rack], failures: [{name: f, ttf: {dist: exponential, mean: 500h}, repair: {dist: exponential, mean: 10h}}]}
services: [{name: db, nodes: db}]
";

#[test]
fn paused_clocks_are_visible_when_repairs_are_long() {
    // The same renewal argument with a node down half of the time: a clock
    // that went on running during the other mode's repairs would give the
    // hardware mode about twice its failures, and a visibly lower A.
    let yaml = "
name: two modes, long repairs
nodes:
  - name: unit
    failures:
      - {name: crash, ttf: {dist: exponential, mean: 50h}, repair: 50h}
      - {name: hardware, ttf: {dist: weibull, shape: 3, mean: 300h}, repair: 100h}
services: [{name: s, nodes: unit}]
";
    let exact = paused_modes(&[(50.0, 50.0), (300.0, 100.0)]);
    let f = figures(yaml, 200, 500_000.0, 5000.0, 19);
    assert_steady_state("two modes, long repairs", &f[0], &exact);
}

#[test]
fn a_quorum_split_by_a_partition_needs_a_majority_on_one_side() {
    // q-1 and q-3 in zone-a, q-2 in zone-b. While the link is up, 2 of 3
    // healthy members are enough; while it is cut, only q-1 and q-3
    // together are. Members and link are independent two-state units, so
    // A = A_L P(≥ 2 of 3) + (1 − A_L) p², and the failure frequency is the
    // sum over units of (failure rate) × P(that unit is up and critical).
    let yaml = "name: split quorum
domains: [{name: zone-a}, {name: zone-b}]
network:
  links:
    - {between: [zone-a, zone-b], failures: [{name: cut, ttf: {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 5h}}]}
nodes:
  - {name: q, count: 3, domains: [zone-a, zone-b], failures: [{name: f, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: q, nodes: q, redundancy: {mode: quorum}}
";
    let (lambda, lambda_link) = (1.0 / 100.0, 1.0 / 50.0);
    let (p, a_link) = (100.0 / 110.0, 50.0 / 55.0);
    let q = 1.0 - p;
    let two_of_three = p * p * p + 3.0 * p * p * q;
    let availability = a_link * two_of_three + (1.0 - a_link) * p * p;
    // The link is critical when exactly q-2 and one zone-a member are up;
    // a zone-a member when exactly one other is up (link up) or when the
    // other zone-a member is up (link cut); q-2 when exactly one zone-a
    // member is up and the link is up.
    let frequency_per_h = lambda_link * a_link * 2.0 * p * p * q
        + 2.0 * lambda * (a_link * 2.0 * p * p * q + (1.0 - a_link) * p * p)
        + lambda * a_link * 2.0 * p * p * q;
    let exact = Exact {
        availability,
        frequency_per_h,
        mttff_h: None,
    };
    let f = figures(yaml, 200, 100_000.0, 1000.0, 15);
    assert_steady_state("split quorum", &f[1], &exact);
}
