//! Quorums split by a cut link, against the Markov chain of independent
//! two-state units (members and link): which members a link separates
//! decides which groups can still reach a majority.

use crate::exact::Chain;
use crate::support::{Exact, assert_steady_state, figures};

/// Independent units, each failing at 1 / MTTF and repaired at 1 / MTTR
/// (hours); a state is the set of units up. `up` says whether the system
/// is up given which units are up.
fn independent_units(units: &[(f64, f64)], up: impl Fn(&[bool]) -> bool) -> Exact {
    let n = units.len();
    let flags = |s: usize| (0..n).map(|i| s & (1 << i) == 0).collect::<Vec<bool>>();
    let mut chain = Chain::new(1 << n);
    for s in 0..1 << n {
        for (i, &(mttf, mttr)) in units.iter().enumerate() {
            let rate = if s & (1 << i) == 0 {
                1.0 / mttf
            } else {
                1.0 / mttr
            };
            chain.add(s, s ^ (1 << i), rate);
        }
    }
    let system_up: Vec<bool> = (0..1 << n).map(|s| up(&flags(s))).collect();
    let (availability, frequency_per_h) = chain.availability_and_frequency(&system_up);
    Exact {
        availability,
        frequency_per_h,
        mttff_h: None,
    }
}

const MEMBER: (f64, f64) = (100.0, 10.0);
const LINK: (f64, f64) = (50.0, 5.0);

fn count(flags: &[bool]) -> usize {
    flags.iter().filter(|&&u| u).count()
}

#[test]
fn a_member_outside_both_zones_of_a_cut_link_reaches_both_sides() {
    // One member in each of three zones; only the link a~b fails. While it
    // is cut, the zone-c member still reaches both sides: the quorum is up
    // with it and either other member (a cluster that left it out would be
    // down for every cut).
    let yaml = "name: quorum over three zones
domains: [{name: zone-a}, {name: zone-b}, {name: zone-c}]
network:
  links:
    - {between: [zone-a, zone-b], failures: [{name: cut, ttf: {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 5h}}]}
nodes:
  - {name: q, count: 3, domains: [zone-a, zone-b, zone-c], failures: [{name: f, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: q, nodes: q, redundancy: {mode: quorum}}
";
    // Units: q-1 (zone-a), q-2 (zone-b), q-3 (zone-c), the link.
    let exact = independent_units(&[MEMBER, MEMBER, MEMBER, LINK], |u| {
        if u[3] {
            count(&u[..3]) >= 2
        } else {
            u[2] && (u[0] || u[1])
        }
    });
    let f = figures(yaml, 100, 50_000.0, 500.0, 81);
    assert_steady_state("three-zone quorum", &f[1], &exact);
}

#[test]
fn members_in_racks_inside_zones_are_split_by_a_link_between_the_zones() {
    // q-1 and q-3 in rack-a (in hall-a, in zone-a), q-2 in rack-b (in
    // zone-b); the link joins the zones, not the racks. While it is cut,
    // only q-1 and q-3 together are a majority.
    let yaml = "name: quorum in racks
domains:
  - {name: zone-a}
  - {name: zone-b}
  - {name: hall-a, parent: zone-a}
  - {name: rack-a, parent: hall-a}
  - {name: rack-b, parent: zone-b}
network:
  links:
    - {between: [zone-a, zone-b], failures: [{name: cut, ttf: {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 5h}}]}
nodes:
  - {name: q, count: 3, domains: [rack-a, rack-b], failures: [{name: f, ttf: {dist: exponential, mean: 100h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - {name: q, nodes: q, redundancy: {mode: quorum}}
";
    // Units: q-1 (zone-a), q-2 (zone-b), q-3 (zone-a), the link.
    let exact = independent_units(&[MEMBER, MEMBER, MEMBER, LINK], |u| {
        if u[3] {
            count(&u[..3]) >= 2
        } else {
            u[0] && u[2]
        }
    });
    let f = figures(yaml, 100, 50_000.0, 500.0, 82);
    assert_steady_state("quorum in racks", &f[1], &exact);
}
