//! The simulator and the solver implement the same conventions separately;
//! on a fixed set of generated Markovian designs (standby modes, N+K, crews,
//! domains, group shocks, failback, coverage) they must agree. The designs
//! come from a fixed seed, so the test is as deterministic as any other.

use crate::support::{assert_close, figures, model};
use nines::analytic;
use nines::experiment::Settings;

/// SplitMix64: enough to pick designs, and the same on every machine.
pub struct Picker(pub u64);

impl Picker {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn one_of<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One group of nodes and its service, named `g{index}` and `s{index}`.
fn group(p: &mut Picker, index: usize, zoned: bool, largest: u64) -> (String, String) {
    let count = 2 + p.below(largest - 1);
    let mode = p.one_of(&[
        "hot-standby",
        "warm-standby",
        "cold-standby",
        "n-plus-k-hot",
        "n-plus-k-cold",
        "active-active",
        "quorum",
    ]);
    let (ttf, repair) = (100 + 100 * p.below(8), 2 + p.below(15));
    let crew = if p.below(2) == 1 { ", crew: ops" } else { "" };
    let mut nodes = format!(
        "  - name: g{index}\n    count: {count}\n{}    failures:\n      - {{name: f, ttf: {{dist: exponential, mean: {ttf}h}}, repair: {{dist: exponential, mean: {repair}h}}{crew}}}\n",
        if zoned { "    domains: [z1, z2]\n" } else { "" }
    );
    if p.below(3) == 0 {
        let crew = if p.below(2) == 1 { ", crew: ops" } else { "" };
        nodes.push_str(&format!("      - {{name: shock, ttf: {{dist: exponential, mean: 1500h}}, repair: {{dist: exponential, mean: 3h}}, scope: group{crew}}}\n"));
    }
    let switchover = if p.below(2) == 0 {
        ""
    } else {
        "switchover: {dist: exponential, mean: 30m}, "
    };
    let coverage = p.one_of(&["1", "0.95", "0.8"]);
    let failback = p.one_of(&["manual", "auto"]);
    let failover = format!("failover: {{{switchover}coverage: {coverage}, failback: {failback}}}");
    let redundancy = match mode {
        "hot-standby" | "cold-standby" => format!("{{mode: {mode}, {failover}}}"),
        "warm-standby" => format!("{{mode: warm-standby, idle_failure_factor: 0.3, {failover}}}"),
        "n-plus-k-hot" | "n-plus-k-cold" => {
            let spares = 1 + p.below(count - 1);
            format!(
                "{{mode: n-plus-k, active: {}, spares: {spares}, spare_mode: {}, {failover}}}",
                count - spares,
                &mode[9..]
            )
        }
        "quorum" => "{mode: quorum}".to_string(),
        _ => format!("{{mode: active-active, min_up: {}}}", 1 + p.below(count)),
    };
    let requires = if index > 0 && p.below(2) == 0 {
        format!(", requires: [s{}]", index - 1)
    } else {
        String::new()
    };
    let service =
        format!("  - {{name: s{index}, nodes: g{index}, redundancy: {redundancy}{requires}}}\n");
    (nodes, service)
}

pub fn design(p: &mut Picker) -> String {
    let zoned = p.below(3) == 0;
    let mut yaml = String::from("name: generated\ncrews: [{name: ops, size: 1}]\n");
    if zoned {
        yaml.push_str("domains:\n  - {name: z1, failures: [{name: out, ttf: {dist: exponential, mean: 3000h}, repair: {dist: exponential, mean: 5h}}]}\n  - {name: z2}\n");
    }
    // Two groups of up to 3, or one of up to 4: chains of at most a few
    // ten thousand states.
    let n_groups = 1 + p.below(2) as usize;
    let largest = if n_groups == 1 { 4 } else { 3 };
    let groups: Vec<_> = (0..n_groups).map(|g| group(p, g, zoned, largest)).collect();
    yaml.push_str("nodes:\n");
    for (nodes, _) in &groups {
        yaml.push_str(nodes);
    }
    yaml.push_str("services:\n");
    for (_, service) in &groups {
        yaml.push_str(service);
    }
    yaml
}

#[test]
fn the_simulator_agrees_with_the_solver_on_generated_markovian_designs() {
    let mut picker = Picker(2026);
    let mut checked = 0;
    for case in 0..60 {
        let yaml = design(&mut picker);
        let scenario = model(&yaml);
        // Only steady-state figures are compared: a short window keeps the
        // solver's transient part cheap.
        let window = Settings {
            horizon_us: nines::model::micros_from_hours(1.0),
            ..Settings::from_model(&scenario)
        };
        let Ok(solution) = analytic::solve(&scenario, &window) else {
            continue;
        };
        // The system: every service no other requires, together.
        let exact = &solution.entities[0];
        let (replications, horizon_h) = (100u32, 25_000.0);
        if exact.failures_per_h * horizon_h * f64::from(replications) < 400.0 {
            continue; // too reliable for a sample of this size to say anything
        }
        let f = &figures(&yaml, u64::from(replications), horizon_h, 1000.0, 70 + case)[0];
        let what = |figure: &str| format!("case {case} {figure}\n{yaml}");
        let unavailability = 1.0 - exact.availability;
        // Tolerances from the standard error, which must be at most a tenth
        // of the figure: designs with fewer than 400 outages in the sample
        // are skipped above, as they could not meet it.
        assert_close(
            &what("availability"),
            &f.availability,
            exact.availability,
            unavailability,
            0.1,
        );
        let per_year = exact.failures_per_h * 8760.0;
        assert_close(
            &what("failures/yr"),
            &f.failures_per_year,
            per_year,
            per_year,
            0.1,
        );
        checked += 1;
    }
    eprintln!("{checked} of 60 generated designs compared");
    assert!(checked >= 42, "only {checked} designs could be compared");
}
