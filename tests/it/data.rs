//! Writes and async replication against exact answers: the loss per
//! failover is writes × lag, the loss-free year follows the Poisson formula,
//! and replication draws nothing the failures and failovers depend on.

use crate::exact::Chain;
use crate::support::{assert_close, extra, figures};
use nines::scenario::LoadError;
use nines::scenario::diag::Diagnostic;
use nines::scenario::parse_bytes;
use std::path::Path;

/// A hot-standby pair whose members fail every `ttf` hours on average and
/// are repaired in 10 h, writing `writes`, with `replication` (YAML).
fn pair(ttf_h: f64, writes: &str, replication: &str) -> String {
    format!(
        "name: pair
nodes: [{{name: db, count: 2, failures: [{{name: crash, ttf: {{dist: exponential, mean: {ttf_h}h}}, repair: {{dist: exponential, mean: 10h}}}}]}}]
services:
  - name: db
    nodes: db
    redundancy: {{mode: hot-standby}}
{writes}{replication}"
    )
}

const ASYNC_FIXED: &str = "    replication: {mode: async, lag: 2s}\n";

#[test]
fn async_replication_with_a_fixed_lag_loses_writes_times_lag_at_every_failover() {
    let yaml = pair(1000.0, "    writes: 100/s\n", ASYNC_FIXED);
    let f = &figures(&yaml, 200, 87_600.0, 0.0, 11)[1];
    let per = extra(f, "data_loss_writes_per_failover").mean.unwrap();
    assert!((per - 200.0).abs() < 1e-6, "per failover {per}");
    let rate = extra(f, "failovers_per_year").mean.unwrap();
    let lost = extra(f, "data_loss_writes_per_year").mean.unwrap();
    assert!(rate > 5.0, "failovers per year {rate}");
    assert!(
        (lost - 200.0 * rate).abs() < 1e-6 * lost,
        "{lost} vs 200 x {rate}"
    );
    assert_eq!(extra(f, "rpo_s").mean, Some(2.0));
    assert_eq!(extra(f, "rpo_s_p99").mean, Some(2.0));
    assert_eq!(extra(f, "rpo_s_max").mean, Some(2.0));
}

#[test]
fn an_exponential_lag_loses_writes_times_its_mean_on_average() {
    let rep = "    replication: {mode: async, lag: {dist: exponential, mean: 2s}}\n";
    let yaml = pair(1000.0, "    writes: 100/s\n", rep);
    let f = &figures(&yaml, 200, 87_600.0, 0.0, 12)[1];
    let per = extra(f, "data_loss_writes_per_failover");
    assert_close("writes lost per failover", per, 200.0, 200.0, 0.05);
    assert_close("rpo_s", extra(f, "rpo_s"), 2.0, 2.0, 0.05);
    // The lag's quantiles: 2 s × ln(1 / (1 − q)), each inside the interval
    // of its order statistics and within 5%.
    for (name, q) in [("rpo_s_p50", 0.5), ("rpo_s_p95", 0.95), ("rpo_s_p99", 0.99)] {
        let exact = -2.0 * f64::ln(1.0 - q);
        let e = extra(f, name);
        let [lo, hi] = e.ci95.expect(name);
        assert!(
            lo <= exact && exact <= hi,
            "{name}: [{lo}, {hi}] vs {exact}"
        );
        let mean = e.mean.unwrap();
        assert!(
            (mean / exact - 1.0).abs() < 0.05,
            "{name}: {mean} vs {exact}"
        );
    }
}

/// Failovers of a rarely failing pair are nearly a Poisson process, so a
/// year passes with no write lost with probability exp(−failovers a year).
#[test]
fn the_loss_free_year_follows_the_poisson_formula() {
    let yaml = pair(20_000.0, "    writes: 100/s\n", ASYNC_FIXED);
    let f = &figures(&yaml, 3000, 8760.0, 0.0, 13)[1];
    let rate = extra(f, "failovers_per_year").mean.unwrap();
    let p = extra(f, "data_loss_free_year_probability");
    assert_close("loss-free year", p, (-rate).exp(), 0.5, 0.03);
}

/// Replication draws its lags from a stream of its own: with or without it,
/// and whatever the write rate, the failures, failovers and downtime are
/// the same, and the loss scales with the writes (no event per write).
/// The switchover and the coverage draw from the failover's stream.
#[test]
fn replication_and_the_write_rate_change_no_failure_and_no_event() {
    let drawn = |yaml: String| {
        yaml.replace(
            "{mode: hot-standby}",
            "{mode: hot-standby, failover: {switchover: {dist: exponential, mean: 1h}, coverage: 0.9}}",
        )
    };
    let run =
        |writes: &str, rep: &str| figures(&drawn(pair(1000.0, writes, rep)), 50, 87_600.0, 0.0, 14);
    let rep = "    replication: {mode: async, lag: {dist: exponential, mean: 2s}}\n";
    let (base, slow, fast) = (
        run("", ""),
        run("    writes: 1/s\n", rep),
        run("    writes: 1000000/s\n", rep),
    );
    let (base, slow, fast) = (&base[1], &slow[1], &fast[1]);
    for f in [slow, fast] {
        assert_eq!(f.availability, base.availability);
        assert_eq!(
            extra(f, "failovers_per_year"),
            extra(base, "failovers_per_year")
        );
    }
    let ratio = extra(fast, "data_loss_writes_per_year").mean.unwrap()
        / extra(slow, "data_loss_writes_per_year").mean.unwrap();
    assert!((ratio - 1e6).abs() < 1e-3, "ratio {ratio}");
    assert!(base.extras.iter().all(|(n, _)| !n.starts_with("data_loss")));
    let events = |writes: &str| {
        let model = crate::support::model(&drawn(pair(1000.0, writes, rep)));
        let settings = crate::support::settings(50, 87_600.0, 0.0, 14);
        let results = nines::experiment::run(&model, settings, None, &mut |_, _| {}, &|| {});
        results.expect("run").events
    };
    let plain = crate::support::model(&drawn(pair(1000.0, "", "")));
    let settings = crate::support::settings(50, 87_600.0, 0.0, 14);
    let base_events = nines::experiment::run(&plain, settings, None, &mut |_, _| {}, &|| {})
        .expect("run")
        .events;
    assert_eq!(events("    writes: 1/s\n"), base_events);
    assert_eq!(events("    writes: 1000000/s\n"), base_events);
}

fn problems(yaml: &str) -> Vec<Diagnostic> {
    match parse_bytes(yaml.as_bytes(), "bad.yaml", Path::new(".")) {
        Ok(_) => panic!("the scenario should be refused:\n{yaml}"),
        Err(LoadError::Invalid(d)) => d.items,
        Err(other) => panic!("unexpected error {other}"),
    }
}

fn refused(yaml: &str, message: &str, line: u32) {
    let all = problems(yaml);
    let d = all
        .iter()
        .find(|d| d.message.contains(message))
        .unwrap_or_else(|| panic!("no problem mentions {message:?}: {all:#?}"));
    assert_eq!(d.loc.line, line, "line of {message:?}");
    assert!(d.hint.is_some(), "{message:?} has no hint");
}

#[test]
fn bad_data_settings_are_refused_with_a_hint() {
    let one = "name: x\nnodes: [{name: db}]\nservices:\n  - name: s\n    nodes: db\n    writes: 10/s\n    replication: {mode: async, lag: 1s}\n";
    refused(one, "one member: there is nothing to replicate to", 7);
    refused(
        &pair(1000.0, "    writes: 10/s\n", ""),
        "`writes` of service `db` is used by nothing",
        7,
    );
    let sync_lag = "    replication: {mode: sync, lag: 1s}\n";
    refused(
        &pair(1000.0, "    writes: 10/s\n", sync_lag),
        "`sync` replication has no `lag`",
        8,
    );
    refused(
        &pair(
            1000.0,
            "    writes: 10/s\n",
            "    replication: {mode: async}\n",
        ),
        "has no `lag`",
        8,
    );
    refused(
        &pair(1000.0, "", ASYNC_FIXED),
        "has a `replication` but no `writes`",
        7,
    );
    let quorum = pair(1000.0, "    writes: 10/s\n", ASYNC_FIXED)
        .replace("{mode: hot-standby}", "{mode: quorum}");
    refused(
        &quorum,
        "`replication` on a `quorum` service is not supported yet",
        8,
    );
    refused(
        &pair(
            1000.0,
            "    writes: 10/s\n",
            "    replication: {mode: async, lag: 1s, degrade_after: 1m}\n",
        ),
        "`degrade_after` is for `sync` replication",
        8,
    );
    refused(
        &pair(
            1000.0,
            "    writes: 10/s\n",
            "    replication: {mode: sync}\n",
        )
        .replace("{mode: hot-standby}", "{mode: cold-standby}"),
        "is a cold standby: its idle member is switched off",
        8,
    );
    let election =
        pair(1000.0, "", "").replace("{mode: hot-standby}", "{mode: active-active, election: 1s}");
    assert!(!problems(&election).is_empty());
}

/// `scenarios/async-replica.yaml` gives the estimate its description states.
#[test]
fn the_async_replica_scenario_loses_what_its_description_says() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/async-replica.yaml");
    let yaml = std::fs::read_to_string(path).expect("scenario");
    let f = &figures(&yaml, 300, 87_600.0, 0.0, 42)[1];
    // The member not serving carries the repairs of both (every failure
    // leaves it down): a failover finds it down 2 × 8 / 2008 of the time.
    let rate = 8760.0 / 2000.0 * (1.0 - 2.0 * 8.0 / 2008.0);
    assert_close(
        "failovers",
        extra(f, "failovers_per_year"),
        rate,
        rate,
        0.02,
    );
    let lost = extra(f, "data_loss_writes_per_year");
    assert_close("lost writes", lost, 500.0 * rate, 500.0 * rate, 0.03);
    let free = extra(f, "data_loss_free_year_probability");
    assert_close("loss-free year", free, (-rate).exp(), 0.02, 0.3);
}

/// Sync replication on a hot-standby pair whose members fail every 100 h
/// and are repaired in 10 h, independently: writes stop while exactly one
/// member is up, a share 2p(1 − p) of the time with p = 10/11; nothing is
/// lost. With `degrade_after: 5h`, each period with one member up (entered
/// at rate π₂·2λ + π₀·2μ, lasting Exp(λ + μ)) blocks writes for
/// min(5 h, its length) and takes them alone for the rest.
#[test]
fn sync_replication_blocks_writes_while_no_replica_is_up() {
    let (lambda, mu) = (0.01, 0.1);
    let p = mu / (lambda + mu);
    let one_up = 2.0 * p * (1.0 - p);
    let min_per_year = 525_600.0;
    let sync = "    replication: {mode: sync}\n";
    let f = &figures(
        &pair(100.0, "    writes: 100/s\n", sync),
        200,
        87_600.0,
        0.0,
        41,
    )[1];
    let blocked = one_up * min_per_year;
    assert_close(
        "write unavailable",
        extra(f, "write_unavailable_min_per_year"),
        blocked,
        blocked,
        0.02,
    );
    assert_eq!(extra(f, "data_loss_writes_per_year").mean, Some(0.0));
    assert_eq!(extra(f, "data_loss_writes_per_failover").mean, Some(0.0));
    assert!(extra(f, "failovers_per_year").mean.unwrap() > 50.0);

    let semi = "    replication: {mode: sync, degrade_after: 5h}\n";
    let f = &figures(
        &pair(100.0, "    writes: 100/s\n", semi),
        200,
        87_600.0,
        0.0,
        42,
    )[1];
    let (pi2, pi0) = (p * p, (1.0 - p) * (1.0 - p));
    let entries_per_h = pi2 * 2.0 * lambda + pi0 * 2.0 * mu;
    let rate = lambda + mu;
    let blocked_share = entries_per_h * (1.0 - (-rate * 5.0_f64).exp()) / rate;
    let blocked = blocked_share * min_per_year;
    let degraded = (one_up - blocked_share) * min_per_year;
    assert_close(
        "write unavailable, degrading after 5 h",
        extra(f, "write_unavailable_min_per_year"),
        blocked,
        blocked,
        0.02,
    );
    assert_close(
        "degraded",
        extra(f, "sync_degraded_min_per_year"),
        degraded,
        degraded,
        0.02,
    );
    // Degraded writes are lost when the stale member serves first.
    assert!(extra(f, "data_loss_writes_per_year").mean.unwrap() > 0.0);
}

/// The replica down from 10 h to 30 h, the active from 20 h to 40 h: with
/// `degrade_after: 5h` the active takes writes alone from 15 h to 20 h; the
/// stale replica serves first at 30 h and those 5 h of writes (1.8 million
/// at 100/s) are lost. If the old active comes back first, nothing is lost.
#[test]
fn degraded_writes_are_lost_only_if_a_stale_member_serves_first() {
    let yaml = |active_back_h: u32| {
        format!(
            "name: semi
nodes: [{{name: db, count: 2, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - name: db
    nodes: db
    redundancy: {{mode: hot-standby}}
    writes: 100/s
    replication: {{mode: sync, degrade_after: 5h}}
faults:
  - {{at: 10h, action: crash, target: db-2, duration: 20h}}
  - {{at: 20h, action: crash, target: db-1, duration: {}h}}
",
            active_back_h - 20
        )
    };
    let lost = |back: u32| {
        let f = &figures(&yaml(back), 1, 100.0, 0.0, 43)[1];
        extra(f, "data_loss_writes_per_year").mean.unwrap() * 100.0 / 8760.0
    };
    let stale_first = lost(40);
    assert!((stale_first - 1.8e6).abs() < 1.0, "{stale_first} writes");
    assert_eq!(lost(25), 0.0);
}

/// `resync: Exp(2 h)` on a hot-standby pair (failures every 100 h, repairs
/// of Exp(10 h), instant failover): a member back from repair catches up
/// before it is a standby, so a failure of the active member meanwhile waits
/// for the resync. The chain over (active up, the other synced / down /
/// resyncing) and (active down, the other down / resyncing) gives the
/// availability, the share of time some member resyncs and the resyncs.
#[test]
fn a_member_back_from_repair_resyncs_before_it_can_take_over() {
    let (lambda, mu, rho) = (0.01, 0.1, 0.5);
    // 0: up + synced, 1: up + down, 2: up + resyncing, 3: down + down, 4: down + resyncing.
    let mut chain = Chain::new(5);
    chain.add(0, 1, 2.0 * lambda);
    chain.add(1, 3, lambda);
    chain.add(1, 2, mu);
    chain.add(2, 4, lambda);
    chain.add(2, 0, rho);
    chain.add(2, 1, lambda);
    chain.add(3, 1, 2.0 * mu);
    chain.add(4, 1, rho);
    chain.add(4, 3, lambda);
    chain.add(4, 2, mu);
    let pi = chain.stationary();
    let u = pi[3] + pi[4];
    let resyncing_share = pi[2] + pi[4];
    let resyncs = pi[1] * mu * 8760.0;
    let rep = "    replication: {mode: async, lag: 1s, resync: {dist: exponential, mean: 2h}}\n";
    let f = &figures(
        &pair(100.0, "    writes: 100/s\n", rep),
        200,
        87_600.0,
        200.0,
        44,
    )[1];
    assert_close("availability", &f.availability, 1.0 - u, u, 0.1);
    let minutes = resyncing_share * 525_600.0;
    assert_close(
        "resync degraded",
        extra(f, "resync_degraded_min_per_year"),
        minutes,
        minutes,
        0.02,
    );
    assert_close(
        "resyncs per year",
        extra(f, "resyncs_per_year"),
        resyncs,
        resyncs,
        0.02,
    );
    // Failovers that found only a member catching up, and waited for it:
    // the active member failing while the other resyncs (2 → 4 at λ).
    let waits = pi[2] * lambda * 8760.0;
    assert_close(
        "failovers waiting for a resync",
        extra(f, "failovers_waiting_for_resync_per_year"),
        waits,
        waits,
        0.05,
    );
    // The solver does not model it, and says so rather than answer without it.
    let err = nines::analytic::solve_steady_state(&crate::support::model(&pair(
        100.0,
        "    writes: 100/s\n",
        rep,
    )))
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("has `resync`"), "{err}");
}

/// Writes that follow the day (`writes: {rate, pattern}`): none in the
/// first 12 hours of each day, twice the rate in the last 12. A failover at
/// 3:00 (a crash of the primary, fixed lag 2 s) loses nothing; one at
/// 15:00 loses 2 × 100/s × 2 s = 400 writes. A rebuild from a snapshot at
/// midnight, for a failure at 15:00, replays 3 h of writes at 200/s.
#[test]
fn writes_that_follow_the_day_are_lost_and_replayed_by_the_hour() {
    let pattern = "{rate: 100/s, pattern: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]}";
    let lost_at = |hour: u32| {
        let yaml = format!(
            "name: day
nodes: [{{name: db, count: 2, failures: [{{name: crash, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - name: db
    nodes: db
    redundancy: {{mode: hot-standby}}
    writes: {pattern}
    replication: {{mode: async, lag: 2s}}
faults:
  - {{at: {hour}h, action: crash, target: db-1, duration: 1h}}
"
        );
        let f = &crate::support::figures(&yaml, 1, 100.0, 0.0, 45)[1];
        extra(f, "data_loss_writes_per_failover").mean.unwrap()
    };
    assert_eq!(lost_at(3), 0.0);
    assert!((lost_at(15) - 400.0).abs() < 1e-9, "{}", lost_at(15));
    let disk = format!(
        "name: disk
nodes: [{{name: db, failures: [{{name: disk, ttf: {{dist: exponential, mean: 1000000y}}, repair: 1h}}]}}]
services:
  - name: db
    nodes: db
    writes: {pattern}
    recovery: {{snapshot_every: 24h, replay: 1000/s}}
"
    )
    .replace(
        "failures: [{name: disk, ttf: {dist: exponential, mean: 1000000y}, repair: 1h}]",
        "failures: [{name: disk, ttf: 15h, repair: 1h, loses_state: true}]",
    );
    let f = &crate::support::figures(&disk, 1, 20.0, 0.0, 46)[1];
    // 3 h × 3600 s × 200 writes/s = 2.16 million writes, at 1000/s.
    let replay = extra(f, "replay_s").mean.unwrap();
    assert!((replay - 2160.0).abs() < 1e-6, "{replay} s");
}
