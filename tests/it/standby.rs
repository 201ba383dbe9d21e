//! Hot, warm and cold standby against exact answers: a Markov chain of the
//! takeover conventions (exponential switchover, coverage below 1), and the
//! renewal-reward closed form for a fixed switchover.

use crate::exact::Chain;
use crate::support::{
    Exact, assert_close, assert_figure, assert_steady_state, assert_unavailability, extra, figures,
};

/// Two members A (preferred) and B. A state is (A up, B up, active, phase)
/// with phase Serving, TakingOver(candidate) or Down. A member fails at
/// rate λ when serving or being switched in and at g λ when idle (g = 1 hot,
/// 0 < g < 1 warm, 0 cold); repairs are independent at rate μ; a takeover
/// takes Exp(σ) and succeeds with probability c.
struct Standby {
    lambda: f64,
    mu: f64,
    idle_factor: f64,
    sigma: f64,
    coverage: f64,
    /// `failback: auto`: A takes the active role back when repaired.
    failback: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    Serving,
    TakingOver(usize),
    Down,
}

impl Standby {
    fn index(up: [bool; 2], active: usize, phase: Phase) -> usize {
        let p = match phase {
            Phase::Serving => 0,
            Phase::TakingOver(c) => 1 + c,
            Phase::Down => 3,
        };
        ((usize::from(up[0]) * 2 + usize::from(up[1])) * 2 + active) * 4 + p
    }

    /// The chain, which states serve, and the failover rate out of each state.
    fn chain(&self) -> (Chain, Vec<bool>, Vec<f64>) {
        let mut chain = Chain::new(32);
        let mut serving = vec![false; 32];
        let mut failover_rate = vec![0.0; 32];
        for code in 0..8 {
            let up = [code & 4 != 0, code & 2 != 0];
            let active = code & 1;
            for phase in [
                Phase::Serving,
                Phase::TakingOver(0),
                Phase::TakingOver(1),
                Phase::Down,
            ] {
                let s = Self::index(up, active, phase);
                serving[s] = phase == Phase::Serving && up[active];
                for x in 0..2 {
                    let other = 1 - x;
                    // Busy: serving, or being switched in; a member back
                    // from repair during a takeover is idle.
                    let busy =
                        (x == active && phase == Phase::Serving) || phase == Phase::TakingOver(x);
                    let rate = if busy {
                        self.lambda
                    } else {
                        self.idle_factor * self.lambda
                    };
                    let mut down = up;
                    down[x] = false;
                    if up[x] && rate > 0.0 {
                        match phase {
                            // With the other member up, a failover (coverage
                            // c); with it down, none: both are down.
                            Phase::Serving if x == active && up[other] => {
                                failover_rate[s] += rate;
                                chain.add(
                                    s,
                                    Self::index(down, active, Phase::Down),
                                    rate * (1.0 - self.coverage),
                                );
                                let next = Phase::TakingOver(other);
                                chain.add(s, Self::index(down, active, next), rate * self.coverage);
                            }
                            Phase::Serving if x == active => {
                                chain.add(s, Self::index(down, active, Phase::Down), rate);
                            }
                            Phase::TakingOver(c) if c == x => {
                                let next = if up[other] {
                                    Phase::TakingOver(other)
                                } else {
                                    Phase::Down
                                };
                                chain.add(s, Self::index(down, active, next), rate);
                            }
                            _ => chain.add(s, Self::index(down, active, phase), rate),
                        }
                    }
                    let mut repaired = up;
                    repaired[x] = true;
                    if !up[x] {
                        let target = if phase == Phase::Down {
                            Self::index(repaired, x, Phase::Serving)
                        } else if self.failback && x == 0 && active == 1 && phase == Phase::Serving
                        {
                            Self::index(repaired, active, Phase::TakingOver(0))
                        } else {
                            Self::index(repaired, active, phase)
                        };
                        chain.add(s, target, self.mu);
                    }
                }
                if let Phase::TakingOver(c) = phase {
                    // A, back while B was being switched in, takes the role back.
                    let next = if self.failback && c == 1 && up[0] {
                        Self::index(up, 1, Phase::TakingOver(0))
                    } else {
                        Self::index(up, c, Phase::Serving)
                    };
                    chain.add(s, next, self.sigma);
                }
            }
        }
        // States the chain cannot reach (a cold standby never fails idle)
        // are made transient, so that the stationary solution is unique.
        let start = Self::index([true, true], 0, Phase::Serving);
        let mut reached = [false; 32];
        let mut stack = vec![start];
        while let Some(s) = stack.pop() {
            if !std::mem::replace(&mut reached[s], true) {
                stack.extend((0..32).filter(|&t| chain.rates[s][t] > 0.0));
            }
        }
        for s in (0..32).filter(|&s| !reached[s]) {
            chain.add(s, start, 1.0);
        }
        (chain, serving, failover_rate)
    }

    fn yaml(&self, mode: &str) -> String {
        let extra = match mode {
            "warm-standby" => format!(", idle_failure_factor: {}", self.idle_factor),
            _ => String::new(),
        };
        format!(
            "name: standby pair
nodes:
  - {{name: db, count: 2, failures: [{{name: f, ttf: {{dist: exponential, mean: {}h}}, repair: {{dist: exponential, mean: {}h}}}}]}}
services:
  - name: db
    nodes: db
    redundancy: {{mode: {mode}{extra}, failover: {{switchover: {{dist: exponential, mean: {}h}}, coverage: {}, failback: {}}}}}
",
            1.0 / self.lambda,
            1.0 / self.mu,
            1.0 / self.sigma,
            self.coverage,
            if self.failback { "auto" } else { "manual" }
        )
    }
}

fn check_against_chain(mode: &str, model: &Standby, seed: u64) {
    let (chain, serving, failover_rate) = model.chain();
    let initial = Standby::index([true, true], 0, Phase::Serving);
    let (availability, frequency_per_h) = chain.availability_and_frequency(&serving);
    let exact = Exact {
        availability,
        frequency_per_h,
        mttff_h: Some(chain.mean_time_to_down(&serving, initial)),
    };
    // The solver builds the same chain from the scenario on its own.
    let scenario = crate::support::model(&model.yaml(mode));
    let settings = nines::experiment::Settings::from_model(&scenario);
    let solved = &nines::analytic::solve(&scenario, &settings)
        .expect("solves")
        .entities[1];
    for (what, got, want) in [
        ("A", solved.availability, exact.availability),
        ("f", solved.failures_per_h, exact.frequency_per_h),
        ("MTTFF", solved.mttff_h, exact.mttff_h.unwrap_or(0.0)),
    ] {
        assert!(
            (got / want - 1.0).abs() < 1e-9,
            "{mode} solver {what}: {got} vs {want}"
        );
    }
    let f = figures(&model.yaml(mode), 300, 200_000.0, 2000.0, seed);
    assert_steady_state(mode, &f[1], &exact);
    let pi = chain.stationary();
    let failovers: f64 = (0..32).map(|s| pi[s] * failover_rate[s]).sum::<f64>() * 8760.0;
    assert_figure(
        &format!("{mode} failovers/yr"),
        extra(&f[1], "failovers_per_year"),
        failovers,
    );
    // Downtime by cause adds up to the downtime; the switchover share is the
    // time spent in the taking-over states.
    let causes: f64 = [
        "downtime_detection_min_per_year",
        "downtime_switchover_min_per_year",
        "downtime_failed_takeover_min_per_year",
        "downtime_both_down_min_per_year",
    ]
    .iter()
    .map(|name| extra(&f[1], name).mean.unwrap())
    .sum();
    let downtime = f[1].downtime_min_per_year.mean.unwrap();
    assert!(
        (causes - downtime).abs() <= 1e-6 * downtime,
        "{causes} != {downtime}"
    );
    let taking_over: f64 = (0..8)
        .flat_map(|code| {
            let up = [code & 4 != 0, code & 2 != 0];
            (0..2).map(move |c| Standby::index(up, code & 1, Phase::TakingOver(c)))
        })
        .map(|s| pi[s])
        .sum::<f64>()
        * 525_600.0;
    assert_figure(
        &format!("{mode} switchover downtime"),
        extra(&f[1], "downtime_switchover_min_per_year"),
        taking_over,
    );
    let failed = failovers * (1.0 - model.coverage);
    assert_figure(
        &format!("{mode} failed failovers/yr"),
        extra(&f[1], "failed_failovers_per_year"),
        failed,
    );
}

#[test]
fn hot_standby_with_coverage_matches_its_markov_chain() {
    let model = Standby {
        lambda: 1.0 / 500.0,
        mu: 1.0 / 20.0,
        idle_factor: 1.0,
        sigma: 2.0,
        coverage: 0.9,
        failback: false,
    };
    check_against_chain("hot-standby", &model, 31);
}

#[test]
fn warm_standby_with_coverage_matches_its_markov_chain() {
    let model = Standby {
        lambda: 1.0 / 500.0,
        mu: 1.0 / 20.0,
        idle_factor: 0.3,
        sigma: 2.0,
        coverage: 0.9,
        failback: false,
    };
    check_against_chain("warm-standby", &model, 32);
}

#[test]
fn cold_standby_with_coverage_matches_its_markov_chain() {
    let model = Standby {
        lambda: 1.0 / 500.0,
        mu: 1.0 / 20.0,
        idle_factor: 0.0,
        sigma: 2.0,
        coverage: 0.9,
        failback: false,
    };
    check_against_chain("cold-standby", &model, 33);
}

#[test]
fn warm_standby_with_automatic_failback_matches_its_markov_chain() {
    let model = Standby {
        lambda: 1.0 / 300.0,
        mu: 1.0 / 15.0,
        idle_factor: 0.5,
        sigma: 1.0,
        coverage: 0.95,
        failback: true,
    };
    check_against_chain("warm-standby", &model, 35);
}

#[test]
fn hot_standby_with_a_fixed_switchover_follows_renewal_reward() {
    // Members are independent (hot), each up with probability p. The
    // service is down while both are down (q²), and for min(D, time until
    // the standby fails) after each failure of the active member while the
    // standby is up (rate λ p²), where D is the detection delay (uniform
    // between timeout − interval and timeout) plus switchover and VIP
    // takeover: U = q² + p² (1 − E[e^{−λD}]). Repairs finishing during the
    // 15 s of detection are neglected (a relative effect below 1e-3).
    let yaml = "name: hot pair
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 400h}, repair: {dist: exponential, mean: 10h}}]}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 25m, vip: {takeover: 2m}, detection: {heartbeat: {interval: 5s, timeout: 15s}}}}
";
    let (lambda, mu) = (1.0f64 / 400.0, 1.0f64 / 10.0);
    let (p, q) = (mu / (lambda + mu), lambda / (lambda + mu));
    let (lo, hi) = (27.0 / 60.0 + 10.0 / 3600.0, 27.0 / 60.0 + 15.0 / 3600.0);
    let laplace = ((-lambda * lo).exp() - (-lambda * hi).exp()) / (lambda * (hi - lo));
    let availability = 1.0 - q * q - p * p * (1.0 - laplace);
    let f = figures(yaml, 400, 200_000.0, 1000.0, 34);
    assert_close(
        "hot standby A",
        &f[1].availability,
        availability,
        1.0 - availability,
        0.1,
    );
    // A completed takeover took the detection delay (12.5 s on average) plus 27 minutes.
    assert_close(
        "takeover_s",
        extra(&f[1], "takeover_s"),
        27.0 * 60.0 + 12.5,
        1.0,
        0.5,
    );
    assert_close("detection_s", extra(&f[1], "detection_s"), 12.5, 1.0, 0.5);
    // The outage splits at the detection moment (one event for both, in
    // the engine). Every failure of the serving member (at λ while it
    // serves) waits 12.5 s for detection, whether or not the standby is up;
    // those with the standby up (λ p²) are then a switchover, cut short if
    // the standby fails: (1 − e^(−λ S)) / λ. Repairs and standby failures
    // within the 12.5 s are neglected (relative 1e-4).
    let per_year = |rate_per_h: f64, hours: f64| rate_per_h * hours * 525_600.0;
    assert_figure(
        "detection downtime",
        extra(&f[1], "downtime_detection_min_per_year"),
        per_year(lambda * availability, 12.5 / 3600.0),
    );
    let switchover_h = 27.0 / 60.0;
    assert_figure(
        "switchover downtime",
        extra(&f[1], "downtime_switchover_min_per_year"),
        per_year(
            lambda * p * p,
            (1.0 - (-lambda * switchover_h).exp()) / lambda,
        ),
    );
}

/// Nodes so reliable that they practically never fail, heartbeats every 1 s
/// lost with probability 0.2, suspected after 3 s: false suspicions arrive
/// at (1 − 0.2) 0.2³ per second. With fencing each one is an unnecessary
/// failover with an outage of the takeover time; without fencing there is
/// no outage, but both members serve for a uniform part of an interval.
fn lossy_pair(fencing: bool) -> String {
    lossy_pair_with(fencing, "manual")
}

fn lossy_pair_with(fencing: bool, failback: &str) -> String {
    format!(
        "name: lossy heartbeats
nodes:
  - {{name: db, count: 2, failures: [{{name: f, ttf: {{dist: exponential, mean: 100000y}}, repair: 1h}}]}}
services:
  - name: db
    nodes: db
    redundancy: {{mode: hot-standby, failover: {{switchover: 20s, coverage: 0.9, fencing: {fencing}, failback: {failback}, detection: {{heartbeat: {{interval: 1s, timeout: 3s, loss: 0.2}}}}}}}}
"
    )
}

/// False suspicions act only while the active member serves: the service
/// alternates between serving, Exp(rate), and a 20 s takeover, so the
/// fraction of time serving is 1 / (1 + 20 s × rate).
fn serving_fraction() -> f64 {
    let rate_per_s = 0.8 * 0.2f64.powi(3);
    1.0 / (1.0 + 20.0 * rate_per_s)
}

#[test]
fn lost_heartbeats_cause_false_failovers_at_the_rate_they_imply() {
    let rate_per_year = 0.8 * 0.2f64.powi(3) * 3600.0 * 8760.0 * serving_fraction();
    let f = figures(&lossy_pair(true), 40, 24.0, 0.0, 36);
    let false_failovers = extra(&f[1], "false_failovers_per_year");
    assert_figure("false failovers/yr", false_failovers, rate_per_year);
    assert_figure(
        "all failovers/yr",
        extra(&f[1], "failovers_per_year"),
        rate_per_year,
    );
    let failed = rate_per_year * 0.1;
    assert_figure(
        "failed failovers/yr",
        extra(&f[1], "failed_failovers_per_year"),
        failed,
    );
    // Each false failover is an outage of 20 s (a failed one is rolled back, also in 20 s).
    let unavailability = 1.0 - serving_fraction();
    assert_unavailability("fenced A", &f[1], unavailability);
    assert_eq!(extra(&f[1], "split_brain_min_per_year").mean, Some(0.0));
}

#[test]
fn with_automatic_failback_a_false_failover_is_undone_by_a_second_switchover() {
    // The falsely suspected member is healthy, so with `failback: auto` it
    // takes the role back at once: a successful false failover (90%) costs
    // two 20 s switchovers, a failed one (rolled back) one.
    let rate_per_s = 0.8 * 0.2f64.powi(3);
    let outage_s = 0.9 * 40.0 + 0.1 * 20.0;
    let serving = 1.0 / (1.0 + outage_s * rate_per_s);
    let f = figures(&lossy_pair_with(true, "auto"), 40, 24.0, 0.0, 41);
    assert_close(
        "A with failback",
        &f[1].availability,
        serving,
        1.0 - serving,
        0.1,
    );
    let rate_per_year = rate_per_s * 3600.0 * 8760.0 * serving;
    assert_figure(
        "false failovers/yr",
        extra(&f[1], "false_failovers_per_year"),
        rate_per_year,
    );
    // Failovers and failbacks alike take the 20 s switchover; only the
    // successful false failovers (90%) are failed back.
    assert_close("takeover_s", extra(&f[1], "takeover_s"), 20.0, 1.0, 0.01);
    assert_close("failback_s", extra(&f[1], "failback_s"), 20.0, 1.0, 0.01);
    assert_figure(
        "failbacks/yr",
        extra(&f[1], "failbacks_per_year"),
        0.9 * rate_per_year,
    );
}

#[test]
fn without_fencing_a_false_failover_is_split_brain_not_an_outage() {
    let rate_per_year = 0.8 * 0.2f64.powi(3) * 3600.0 * 8760.0 * serving_fraction();
    // With `failback: auto` the suspected member, which never stopped,
    // keeps the role when the split brain ends: no second switchover.
    for (failback, seed) in [("manual", 37), ("auto", 47)] {
        let f = figures(&lossy_pair_with(false, failback), 40, 24.0, 0.0, seed);
        assert_eq!(f[1].availability.mean, Some(1.0), "someone always serves");
        // Successful takeovers (90%) end in a split brain of U(0, 1 s): 0.5 s on average.
        let split_min = rate_per_year * 0.9 * 0.5 / 60.0;
        assert_figure(
            &format!("split brain min/yr, failback {failback}"),
            extra(&f[1], "split_brain_min_per_year"),
            split_min,
        );
    }
}

#[test]
fn takeover_quantiles_follow_the_switchover_distribution() {
    // Reliable members, no detection, an exponential switchover of mean 1 h:
    // each outage is Exp(1 h) (a takeover restarted by a failure of the
    // member being switched in, probability about 1e-3, is neglected).
    let yaml = "name: quantiles
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 1000h}, repair: {dist: exponential, mean: 1h}}]}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: {dist: exponential, mean: 1h}}}
";
    let f = figures(yaml, 200, 100_000.0, 0.0, 38);
    for (name, q) in [
        ("takeover_s_p50", 0.5f64),
        ("takeover_s_p95", 0.95),
        ("takeover_s_p99", 0.99),
    ] {
        let exact = -(1.0 - q).ln() * 3600.0;
        let estimate = extra(&f[1], name);
        let [low, high] = estimate.ci95.unwrap();
        assert!(
            low <= exact * 1.002 && exact <= high * 1.002,
            "{name}: {exact} outside [{low}, {high}]"
        );
        assert!(
            high - low < 0.1 * exact,
            "{name}: interval [{low}, {high}] too wide to mean anything"
        );
    }
    assert_close(
        "takeover_s",
        extra(&f[1], "takeover_s"),
        3600.0,
        3600.0,
        0.05,
    );
}

fn n_plus_k_yaml(spare_mode: &str) -> String {
    format!(
        "name: N+1
nodes:
  - {{name: app, count: 3, failures: [{{name: f, ttf: {{dist: exponential, mean: 1000h}}, repair: {{dist: exponential, mean: 10h}}}}]}}
services:
  - {{name: app, nodes: app, redundancy: {{mode: n-plus-k, active: 2, spares: 1, spare_mode: {spare_mode}}}}}
"
    )
}

#[test]
fn n_plus_one_with_a_hot_spare_and_instant_takeover_is_two_of_three() {
    // Without detection or switchover, a hot spare replaces a failed
    // member at once: the service is up while 2 of 3 are up (case C08b).
    let exact = Exact {
        availability: 0.999_707_852_4,
        frequency_per_h: 0.510_142_181_8 / 8760.0,
        mttff_h: Some(17_500.0),
    };
    let scenario = crate::support::model(&n_plus_k_yaml("hot"));
    let settings = nines::experiment::Settings::from_model(&scenario);
    let solved = &nines::analytic::solve(&scenario, &settings)
        .expect("solves")
        .entities[1];
    assert!((solved.availability / exact.availability - 1.0).abs() < 1e-9);
    let f = figures(&n_plus_k_yaml("hot"), 300, 1_000_000.0, 1000.0, 39);
    assert_steady_state("N+1 hot", &f[1], &exact);
}

#[test]
fn n_plus_one_with_a_cold_spare_matches_its_birth_death_chain() {
    // A cold spare does not fail while idle: with j members down the
    // failure rate is 2λ for j = 0 and 1 (two serve), λ for j = 2.
    let (lambda, mu) = (1.0 / 1000.0, 1.0 / 10.0);
    let mut chain = Chain::new(4);
    for (j, rate) in [2.0 * lambda, 2.0 * lambda, lambda].into_iter().enumerate() {
        chain.add(j, j + 1, rate);
        chain.add(j + 1, j, (j + 1) as f64 * mu);
    }
    let up = [true, true, false, false];
    let (availability, frequency_per_h) = chain.availability_and_frequency(&up);
    let exact = Exact {
        availability,
        frequency_per_h,
        mttff_h: Some(chain.mean_time_to_down(&up, 0)),
    };
    let scenario = crate::support::model(&n_plus_k_yaml("cold"));
    let settings = nines::experiment::Settings::from_model(&scenario);
    let solved = &nines::analytic::solve(&scenario, &settings)
        .expect("solves")
        .entities[1];
    assert!((solved.availability / exact.availability - 1.0).abs() < 1e-9);
    assert!((solved.failures_per_h / exact.frequency_per_h - 1.0).abs() < 1e-9);
    let f = figures(&n_plus_k_yaml("cold"), 300, 1_000_000.0, 1000.0, 40);
    assert_steady_state("N+1 cold", &f[1], &exact);
}

#[test]
fn n_plus_k_failback_agrees_with_the_solver_and_costs_a_switchover_per_repair() {
    // N+1 with a cold spare, an exponential 1 h switchover and automatic
    // failback: each repaired member takes its slot back from the spare, one
    // more outage per repair. Simulator and solver implement the rule
    // separately; they must agree, and the failback must cost availability.
    let yaml = |failback: &str| {
        format!(
            "name: N+1 failback
nodes:
  - {{name: app, count: 3, failures: [{{name: f, ttf: {{dist: exponential, mean: 200h}}, repair: {{dist: exponential, mean: 10h}}}}]}}
services:
  - {{name: app, nodes: app, redundancy: {{mode: n-plus-k, active: 2, spares: 1, spare_mode: cold, failover: {{switchover: {{dist: exponential, mean: 1h}}, failback: {failback}}}}}}}
"
        )
    };
    let solve = |failback: &str| {
        let scenario = crate::support::model(&yaml(failback));
        let settings = nines::experiment::Settings::from_model(&scenario);
        nines::analytic::solve(&scenario, &settings)
            .expect("solves")
            .entities[1]
            .clone()
    };
    let (auto, manual) = (solve("auto"), solve("manual"));
    let exact = Exact {
        availability: auto.availability,
        frequency_per_h: auto.failures_per_h,
        mttff_h: None,
    };
    let f = figures(&yaml("auto"), 200, 200_000.0, 1000.0, 42);
    assert_steady_state("N+1 cold with failback", &f[1], &exact);
    let se = f[1].availability.std_err.unwrap();
    assert!(
        manual.availability - auto.availability > 10.0 * se,
        "failback should cost availability: manual {} auto {} (se {se})",
        manual.availability,
        auto.availability
    );
}

#[test]
fn a_member_back_before_its_detection_causes_no_failover() {
    // The active member restarts in exactly 2.5 s; its monitor notices
    // after U(2 s, 3 s). Half the failures are over before anyone notices
    // (an outage of 2.5 s); the other half are detected after U(2 s, 2.5 s)
    // and the standby serves 10 s later (the restarted member stays a
    // standby). This exercises a failure changing course between the
    // failure and its detection, and during the takeover.
    let yaml = "name: quick restarts
nodes:
  - {name: db, count: 2, failures: [{name: f, ttf: {dist: exponential, mean: 100h}, repair: 2500ms}]}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby, failover: {switchover: 10s, detection: {heartbeat: {interval: 1s, timeout: 3s}}}}
";
    let f = figures(yaml, 100, 100_000.0, 0.0, 44);
    let per_hour = 1.0 / 100.0;
    let outage_s = 0.5 * 2.5 + 0.5 * (2.25 + 10.0);
    let unavailability = per_hour * outage_s / 3600.0;
    assert_unavailability("A", &f[1], unavailability);
    let failovers = 0.5 * per_hour * 8760.0;
    assert_figure(
        "failovers/yr",
        extra(&f[1], "failovers_per_year"),
        failovers,
    );
    assert_close("takeover_s", extra(&f[1], "takeover_s"), 12.25, 1.0, 0.1);
    // Only the detected failures count: their delays are U(2 s, 2.5 s).
    assert_close("detection_s", extra(&f[1], "detection_s"), 2.25, 1.0, 0.1);
}

/// A hot-standby pair split across two zones whose only link is cut every
/// 10 h on average for Exp(10 s); members never fail. The standby hears no
/// heartbeat during a cut and suspects the active after D ~ U(4 s, 5 s):
/// a cut longer than D is a false failover.
fn partitioned_pair(fencing: bool) -> String {
    format!(
        "name: partitioned pair
domains: [{{name: zone-a}}, {{name: zone-b}}]
network:
  links:
    - between: [zone-a, zone-b]
      failures: [{{name: cut, ttf: {{dist: exponential, mean: 10h}}, repair: {{dist: exponential, mean: 10s}}}}]
nodes:
  - {{name: db, count: 2, domains: [zone-a, zone-b], failures: [{{name: f, ttf: {{dist: exponential, mean: 100000y}}, repair: 1h}}]}}
services:
  - name: db
    nodes: db
    redundancy: {{mode: hot-standby, failover: {{switchover: 20s, fencing: {fencing}, detection: {{heartbeat: {{interval: 1s, timeout: 5s}}}}}}}}
"
    )
}

/// P(R > D) for R ~ Exp(mean 10 s) and D ~ U(4 s, 5 s), and cuts per hour.
fn partition_odds() -> (f64, f64) {
    let m = 10.0f64;
    let longer_than_detection = m * ((-4.0 / m).exp() - (-5.0 / m).exp());
    let cuts_per_h = 1.0 / (10.0 + 10.0 / 3600.0);
    (longer_than_detection, cuts_per_h)
}

#[test]
fn a_partition_longer_than_the_detection_delay_is_a_false_failover() {
    // With fencing each such cut costs the 20 s switchover; the deposed
    // member rejoins as the standby when the link is back.
    let (p, cuts_per_h) = partition_odds();
    let f = figures(&partitioned_pair(true), 100, 100_000.0, 0.0, 45);
    let per_year = cuts_per_h * p * 8760.0;
    assert_figure(
        "false failovers/yr",
        extra(&f[1], "false_failovers_per_year"),
        per_year,
    );
    let unavailability = cuts_per_h * p * 20.0 / 3600.0;
    assert_unavailability("A", &f[1], unavailability);
    assert_eq!(extra(&f[1], "split_brain_min_per_year").mean, Some(0.0));
}

#[test]
fn without_fencing_a_partition_is_split_brain_until_it_heals() {
    // No outage: the deposed member serves on. Once the takeover is done
    // (D + 20 s after the cut) both serve until the link is back, or for
    // U(0, 1 s) more (the next heartbeat) if it came back during the
    // takeover: E[(R − D − 20)⁺] + 0.5 s × P(D < R < D + 20 s) per cut.
    let (p, cuts_per_h) = partition_odds();
    let tail = (-20.0f64 / 10.0).exp();
    let split_s = 10.0 * tail * p + 0.5 * p * (1.0 - tail);
    let f = figures(&partitioned_pair(false), 20, 100_000.0, 0.0, 46);
    assert_eq!(f[1].availability.mean, Some(1.0), "someone always serves");
    let per_year = cuts_per_h * 8760.0 * split_s / 60.0;
    assert_figure(
        "split brain min/yr",
        extra(&f[1], "split_brain_min_per_year"),
        per_year,
    );
    // Every false failover ends in a split brain, long or short.
    let occurrences = cuts_per_h * p * 8760.0;
    assert_figure(
        "split brains/yr",
        extra(&f[1], "split_brains_per_year"),
        occurrences,
    );
}

#[test]
fn a_stall_longer_than_the_detection_delay_is_a_false_failover() {
    // Gray failures: each member stalls about once an hour for Exp(4 s)
    // (`effect: slow`: up for its clients, silent to its monitor), and is
    // suspected after D ~ U(2 s, 3 s). A stall of the serving member that
    // outlasts D is a false failover: P = E[e^(−D/4 s)] = 4 (e^(−1/2) − e^(−3/4)).
    // With fencing each costs the 20 s switchover.
    let yaml = "name: gc pauses
nodes:
  - name: jvm
    count: 2
    failures:
      - {name: gc-pause, ttf: {dist: exponential, mean: 1h}, repair: {dist: exponential, mean: 4s}, effect: slow}
      - {name: crash, ttf: {dist: exponential, mean: 100000y}, repair: 1h}
services:
  - name: app
    nodes: jvm
    redundancy: {mode: hot-standby, failover: {switchover: 20s, detection: {heartbeat: {interval: 1s, timeout: 3s}}}}
";
    let p = 4.0 * ((-0.5f64).exp() - (-0.75f64).exp());
    let stalls_per_h = 1.0 / (1.0 + 4.0 / 3600.0);
    let f = figures(yaml, 40, 20_000.0, 0.0, 51);
    let unavailability = stalls_per_h * p * 20.0 / 3600.0;
    // Only a serving member can be suspected: not during a takeover.
    let per_year = stalls_per_h * p * 8760.0 * (1.0 - unavailability);
    assert_figure(
        "false failovers/yr",
        extra(&f[1], "false_failovers_per_year"),
        per_year,
    );
    assert_unavailability("A", &f[1], unavailability);
    // Without a standby's monitor a stall would change nothing: it is
    // refused, not ignored.
    let single = "name: one jvm
nodes:
  - {name: jvm, failures: [{name: gc-pause, ttf: {dist: exponential, mean: 1h}, repair: 4s, effect: slow}]}
services: [{name: app, nodes: jvm}]
";
    let refused =
        nines::scenario::parse_bytes(single.as_bytes(), "x.yaml", std::path::Path::new("."));
    assert!(refused.is_err_and(|e| e.to_string().contains("`effect: slow`")));
}
