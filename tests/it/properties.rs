//! Any valid scenario runs without panicking, and its figures are consistent.

use crate::support::figures;
use proptest::prelude::*;

const DISTS: &[&str] = &[
    "{dist: exponential, mean: 300h}",
    "{dist: weibull, shape: 0.6, mean: 500h}",
    "{dist: weibull, shape: 3, scale: 200h}",
    "{dist: lognormal, mean: 5h, sd: 9h}",
    "{dist: lognormal, median: 2h, sigma: 1.5}",
    "{dist: gamma, shape: 0.3, mean: 4h}",
    "{dist: normal, mean: 3h, sd: 2h}",
    "{dist: uniform, min: 0s, max: 8h}",
    "{dist: empirical, samples: [0s, 1m, 5h]}",
    "0s",
    "30s",
];

prop_compose! {
    fn scenario()(
        groups in proptest::collection::vec((1u32..5, 0usize..DISTS.len(), 0usize..DISTS.len(), any::<bool>(), 0u8..5, any::<bool>()), 1..4),
        domain_ttf in 0usize..DISTS.len(),
        crew_size in 1u32..3,
        min_up_seed in any::<u32>(),
    ) -> String {
        let mut yaml = format!("name: random\ncrews: [{{name: ops, size: {crew_size}}}]\n");
        yaml.push_str(&format!(
            "domains:\n  - {{name: zone, failures: [{{name: out, ttf: {{dist: exponential, mean: 2000h}}, repair: {}}}]}}\n  - {{name: rack, parent: zone}}\n  - {{name: zone-b}}\n",
            DISTS[domain_ttf]
        ));
        // A link that flaps often, so partitions meet every other mechanism.
        yaml.push_str("network:\n  links:\n    - {between: [zone, zone-b], failures: [{name: flap, ttf: {dist: exponential, mean: 50h}, repair: {dist: exponential, mean: 30s}}]}\n");
        yaml.push_str("nodes:\n");
        // Which services are active-active or quorum: their groups get a
        // capacity (active-active) and no stalls (which only standby
        // services react to; elsewhere they are refused).
        let plain = |g: usize, count: u32, crew: bool| match (g % 4, count) {
            (1, _) => Some("quorum"),
            (2, 2..) | (3, 2..) => None,
            (0, 3..) if crew => None,
            _ => Some("active-active"),
        };
        for (g, (count, ttf, repair, crew, placement, shock)) in groups.iter().enumerate() {
            // Times to failure must have a positive mean: shift the zero ones.
            let ttf = if DISTS[*ttf].starts_with('0') || DISTS[*ttf] == "30s" { DISTS[0] } else { DISTS[*ttf] };
            let domains = ["[]", "[zone]", "[rack, zone]", "[zone, zone-b]", "[rack, zone-b]"][*placement as usize];
            let crew = if *crew { ", crew: ops" } else { "" };
            yaml.push_str(&format!(
                "  - name: g{g}\n    count: {count}\n{}    domains: {domains}\n    failures:\n      - {{name: f, ttf: {ttf}, repair: {}{crew}}}\n",
                if plain(g, *count, !crew.is_empty()) == Some("active-active") { "    capacity: 10/s\n" } else { "" },
                DISTS[*repair]
            ));
            if *shock || plain(g, *count, !crew.is_empty()).is_some() {
                yaml.push_str("      - {name: shock, ttf: {dist: exponential, mean: 1000h}, repair: 1h, scope: group}\n");
            } else {
                yaml.push_str("      - {name: stall, ttf: {dist: exponential, mean: 20h}, repair: {dist: exponential, mean: 3s}, effect: slow}\n");
            }
        }
        yaml.push_str("services:\n");
        for (g, (count, _, _, crew, ..)) in groups.iter().enumerate() {
            let min_up = 1 + min_up_seed.wrapping_shr(g as u32) % count;
            let requires = if g > 0 { format!(", requires: [s{}]", g - 1) } else { String::new() };
            let redundancy = match (g % 4, count) {
                (1, _) => format!("{{mode: quorum, min_up: {min_up}}}"),
                (2, 2..) => "{mode: hot-standby, failover: {switchover: 1m, coverage: 0.9, failback: auto, fencing: false, detection: {heartbeat: {interval: 1s, timeout: 2s, loss: 0.05}}}}".to_string(),
                (0, 3..) if *crew => format!("{{mode: n-plus-k, active: {}, spares: 1, spare_mode: cold, failover: {{switchover: 20s, failback: auto, detection: {{heartbeat: {{interval: 1s, timeout: 3s}}}}}}}}", count - 1),
                (3, 2..) => "{mode: cold-standby, boot: 2m, restore: {dist: exponential, mean: 5m}, failover: {detection: {heartbeat: {interval: 1s, timeout: 3s}}}}".to_string(),
                _ => format!("{{mode: active-active, min_up: {min_up}}}, demand: 5/s"),
            };
            yaml.push_str(&format!("  - {{name: s{g}, nodes: g{g}, redundancy: {redundancy}{requires}}}\n"));
        }
        yaml
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_valid_scenario_runs_and_its_figures_add_up(yaml in scenario(), seed in any::<u64>()) {
        for f in figures(&yaml, 4, 2000.0, 100.0, seed) {
            let a = f.availability.mean.unwrap();
            prop_assert!((0.0..=1.0).contains(&a), "availability {a}");
            prop_assert!(f.failures_per_year.mean.unwrap() >= 0.0);
            if let (Some(mtbf), Some(mut_), Some(mttr)) = (f.mtbf_h.mean, f.mut_h.mean, f.mttr_h.mean) {
                prop_assert!((mtbf - mut_ - mttr).abs() <= 1e-6 * mtbf, "{mtbf} != {mut_} + {mttr}");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// The engine picks its event list by model size; any design gives the
    /// same replications with either list, standby services included.
    #[test]
    fn any_valid_scenario_is_the_same_with_either_event_list(yaml in scenario(), seed in any::<u64>()) {
        use nines::engine::queue::{BinaryHeap, RadixHeap};
        use nines::engine::{run, Plan, RunSettings};
        let model = crate::support::model(&yaml);
        let plan = Plan::new(&model);
        let settings = RunSettings {
            seed,
            warmup_us: nines::model::micros_from_hours(100.0),
            horizon_us: nines::model::micros_from_hours(5000.0),
        };
        for replication in 0..3 {
            prop_assert_eq!(
                run::<BinaryHeap>(&plan, settings, replication),
                run::<RadixHeap>(&plan, settings, replication)
            );
        }
    }
}
