//! Any valid scenario runs without panicking, and its figures are those
//! its replications' rows give.

use nines::experiment;
use nines::metrics::Figures;
use nines::report::{Report, csv::ReplicationWriter};
use proptest::prelude::*;

/// The header and rows of a CSV file.
type Table = (Vec<String>, Vec<Vec<String>>);

/// Runs `yaml` as `nines run --out` would: the figures of the system and of
/// each service, `replications.csv` read back, and the entities' names.
fn figures_and_csv(
    yaml: &str,
    replications: u64,
    horizon_h: f64,
    warmup_h: f64,
    seed: u64,
) -> (Vec<Figures>, Table, Vec<String>) {
    let model = crate::support::model(yaml);
    let settings = crate::support::settings(replications, horizon_h, warmup_h, seed);
    let mut writer = ReplicationWriter::new(Vec::new(), &model, &settings).unwrap();
    let results = experiment::run(
        &model,
        settings,
        None,
        &mut |rep, outcome| {
            writer.write(rep, outcome).unwrap();
        },
        &|| {},
    )
    .expect("run");
    let bytes = writer.finish().unwrap();
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let figures = Report::new(&model, &results)
        .entities
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let names = std::iter::once("system".to_string())
        .chain(model.services.iter().map(|s| s.name.clone()))
        .collect();
    (figures, (header, rows), names)
}

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

    /// The summary's figures are what the replications' rows of
    /// `replications.csv` give when recomputed from their definitions.
    #[test]
    fn any_valid_scenario_runs_and_its_figures_follow_from_its_replications(yaml in scenario(), seed in any::<u64>()) {
        let (figures, csv, names) = figures_and_csv(&yaml, 4, 2000.0, 100.0, seed);
        for (f, name) in figures.iter().zip(&names) {
            let column = |suffix: &str| -> Vec<f64> {
                let i = csv.0.iter().position(|h| *h == format!("{name}_{suffix}")).unwrap();
                csv.1.iter().map(|row| row[i].parse().unwrap()).collect()
            };
            let (availability, failures, uptime_h) = (column("availability"), column("failures"), column("uptime_h"));
            let reps = availability.len() as f64;
            let (horizon_h, years) = (2000.0, 2000.0 / 8760.0);
            let close = |what: &str, got: Option<f64>, want: f64| -> Result<(), TestCaseError> {
                let got = got.unwrap_or_else(|| panic!("{name} {what}: no estimate"));
                prop_assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{name} {what}: summary {got}, from the rows {want}");
                Ok(())
            };
            for (a, up) in availability.iter().zip(&uptime_h) {
                prop_assert!((0.0..=1.0).contains(a), "{name} availability {a}");
                prop_assert!((a - up / horizon_h).abs() <= 1e-12, "{name}: availability {a} with uptime {up} h");
            }
            let mean_a = availability.iter().sum::<f64>() / reps;
            close("availability", f.availability.mean, mean_a)?;
            close("downtime", f.downtime_min_per_year.mean, (1.0 - mean_a) * 525_600.0)?;
            let total = failures.iter().sum::<f64>();
            close("failures/yr", f.failures_per_year.mean, total / reps / years)?;
            let up: f64 = uptime_h.iter().sum();
            if total > 0.0 {
                close("MTBF", f.mtbf_h.mean, reps * horizon_h / total)?;
                close("MUT", f.mut_h.mean, up / total)?;
                close("MTTR", f.mttr_h.mean, (reps * horizon_h - up) / total)?;
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
