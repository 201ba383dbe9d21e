//! Recovery from snapshots and logs against exact answers: a rebuild
//! restores the last snapshot and replays the writes since, so its length
//! is restore + writes × (time since the snapshot) / replay rate, with the
//! time since the snapshot uniform over the snapshot interval.

use crate::support::{assert_close, extra, figures, model};
use nines::scenario::{LoadError, parse_bytes};
use std::path::Path;

/// A cold-standby pair (boot 60 s) writing `writes`, snapshots every
/// `every`, a restore of 120 s and a replay of 1000 writes/s.
fn cold(writes: &str, every: &str) -> String {
    format!(
        "name: cold
nodes: [{{name: db, count: 2, failures: [{{name: crash, ttf: {{dist: exponential, mean: 500h}}, repair: {{dist: exponential, mean: 5h}}}}]}}]
services:
  - name: db
    nodes: db
    redundancy: {{mode: cold-standby, boot: 60s}}
    writes: {writes}
    recovery: {{snapshot_every: {every}, restore: 120s, replay: 1000/s}}
"
    )
}

/// Hourly snapshots, 100 writes/s replayed at 1000/s: the replay is
/// uniform on [0, 360 s], so a takeover is boot + restore + replay, uniform
/// on [180, 540] s: 360 s on average, 522 s at the 95th percentile. Twice
/// the writes, twice the replay; nightly snapshots, 24 times the replay.
#[test]
fn a_cold_standby_takeover_is_boot_plus_restore_plus_the_replay_since_the_last_snapshot() {
    let f = &figures(&cold("100/s", "1h"), 200, 87_600.0, 0.0, 31)[1];
    assert_close("takeover s", extra(f, "takeover_s"), 360.0, 360.0, 0.01);
    assert_close("replay s", extra(f, "replay_s"), 180.0, 180.0, 0.02);
    assert_close(
        "snapshot age s",
        extra(f, "snapshot_age_s"),
        1800.0,
        1800.0,
        0.02,
    );
    // The distribution, not only the mean: a replay of a fixed mean would
    // put the 95th percentile at 360 s.
    let p95 = extra(f, "takeover_s_p95").mean.unwrap();
    assert!((p95 - 522.0).abs() < 6.0, "takeover p95 {p95} s");
    let failovers = extra(f, "failovers_per_year").mean.unwrap();
    let rebuilds = extra(f, "rebuilds_per_year").mean.unwrap();
    assert!(
        (failovers - rebuilds).abs() < 1e-9,
        "{failovers} vs {rebuilds}"
    );

    let double = &figures(&cold("200/s", "1h"), 200, 87_600.0, 0.0, 32)[1];
    assert_close(
        "replay s, 200/s",
        extra(double, "replay_s"),
        360.0,
        360.0,
        0.02,
    );
    let nightly = &figures(&cold("100/s", "24h"), 200, 87_600.0, 0.0, 33)[1];
    assert_close(
        "replay s, nightly",
        extra(nightly, "replay_s"),
        4320.0,
        4320.0,
        0.02,
    );
}

/// A single server whose disk loss takes its state: after the 1 h repair
/// it restores the nightly snapshot (10 min) and replays 100 writes/s of
/// half a day on average at 2000/s (0.6 h): MTTR = 1 + 1/6 + 0.6 h, and the
/// availability is MTTF / (MTTF + MTTR).
#[test]
fn a_member_that_loses_its_state_is_down_until_rebuilt() {
    let yaml = "name: disk
nodes:
  - name: db
    failures:
      - {name: disk, ttf: {dist: exponential, mean: 1000h}, repair: 1h, loses_state: true}
services:
  - name: db
    nodes: db
    writes: 100/s
    recovery: {snapshot_every: 24h, restore: 10m, replay: 2000/s}
";
    let f = &figures(yaml, 400, 87_600.0, 0.0, 34)[1];
    let mttr = 1.0 + 1.0 / 6.0 + 0.6;
    assert_close("MTTR", &f.mttr_h, mttr, mttr, 0.01);
    let u = mttr / (1000.0 + mttr);
    assert_close("availability", &f.availability, 1.0 - u, u, 0.05);
    assert_close("rebuild s", extra(f, "rebuild_s"), 2760.0, 2760.0, 0.01);
    // The recovery time objective as measured: the outage, in seconds.
    assert_close(
        "rto s",
        extra(f, "rto_s"),
        mttr * 3600.0,
        mttr * 3600.0,
        0.01,
    );
    // Uniform replay of up to 1.2 h after 1 h 10 min: p95 at 1h10 + 0.95 × 1.2 h.
    let p95 = extra(f, "rto_s_p95").mean.unwrap();
    let exact = 4200.0 + 0.95 * 4320.0;
    assert!(
        (p95 - exact).abs() < 0.01 * exact,
        "rto p95 {p95} s against {exact}"
    );
    // Without `loses_state` the repair is the whole outage.
    let plain = yaml.replace(", loses_state: true", "").replace(
        "    writes: 100/s\n    recovery: {snapshot_every: 24h, restore: 10m, replay: 2000/s}\n",
        "",
    );
    let f = &figures(&plain, 50, 87_600.0, 0.0, 34)[1];
    assert!((f.mttr_h.mean.unwrap() - 1.0).abs() < 1e-9);
}

/// A member of a pair that loses its state while the other serves rebuilds
/// to the present: the log since the latest snapshot, whenever it failed.
/// The service is not down for it, and the rebuilds are counted.
#[test]
fn a_standby_rebuilds_while_the_other_member_serves() {
    let yaml = "name: pair
nodes:
  - name: db
    count: 2
    failures:
      - {name: disk, ttf: {dist: exponential, mean: 1000h}, repair: 1h, loses_state: true}
services:
  - name: db
    nodes: db
    redundancy: {mode: hot-standby}
    writes: 100/s
    recovery: {snapshot_every: 24h, restore: 10m, replay: 2000/s}
";
    let f = &figures(yaml, 200, 87_600.0, 0.0, 35)[1];
    // Every failure of either member is rebuilt: 2 × 8760 / (1000 + 1.77).
    let rate = 2.0 * 8760.0 / (1000.0 + 1.0 + 1.0 / 6.0 + 0.6);
    assert_close(
        "rebuilds per year",
        extra(f, "rebuilds_per_year"),
        rate,
        rate,
        0.02,
    );
    assert_close("rebuild s", extra(f, "rebuild_s"), 2760.0, 2760.0, 0.02);
    // To the present, not to the failure: the standby's disk fails at 15:00,
    // is replaced at 19:00 while the primary serves, and replays the 19 h
    // since the midnight snapshot (100/s × 19 h / 2000/s = 3420 s), not 15 h.
    let standby_disk = "name: pair
nodes:
  - {name: a, failures: [{name: crash, ttf: {dist: exponential, mean: 1000000y}, repair: 1h}]}
  - {name: b, failures: [{name: disk, ttf: 15h, repair: 4h, loses_state: true}]}
services:
  - name: db
    nodes: [a, b]
    redundancy: {mode: hot-standby}
    writes: 100/s
    recovery: {snapshot_every: 24h, replay: 2000/s}
";
    let f = &figures(standby_disk, 1, 30.0, 0.0, 36)[1];
    let replay = extra(f, "replay_s").mean.unwrap();
    assert!((replay - 3420.0).abs() < 1e-6, "{replay} s");
}

fn problems(yaml: &str) -> Vec<String> {
    match parse_bytes(yaml.as_bytes(), "t.yaml", Path::new(".")) {
        Ok(_) => Vec::new(),
        Err(LoadError::Invalid(d)) => d.items.into_iter().map(|d| d.message).collect(),
        Err(other) => panic!("unexpected error {other}"),
    }
}

#[test]
fn bad_recovery_settings_are_refused_with_the_reason() {
    let base = cold("100/s", "1h");
    let cases = [
        (
            base.replace("snapshot_every: 1h, ", ""),
            "has no `snapshot_every`",
        ),
        (base.replace("1h, restore", "0h, restore"), "longer than zero"),
        (base.replace("replay: 1000/s", "replay: 0/s"), "`replay` rate of zero"),
        (base.replace(", replay: 1000/s", ""), "has no `replay`"),
        (
            base.replace("    writes: 100/s\n", ""),
            "has a `recovery` but no `writes`",
        ),
        (
            base.replace("boot: 60s}", "boot: 60s, restore: 2m}"),
            "both a cold-standby `restore` and a `recovery`",
        ),
        (
            base.replace("cold-standby, boot: 60s", "hot-standby"),
            "is used by nothing",
        ),
        (
            base.replace("repair: {dist: exponential, mean: 5h}}", "repair: {dist: exponential, mean: 5h}, loses_state: true}")
                .replace("    writes: 100/s\n    recovery: {snapshot_every: 1h, restore: 120s, replay: 1000/s}\n", ""),
            "no service it serves has a `recovery`",
        ),
        (
            base.replace("loses_state", "x")
                + "domains: [{name: z, failures: [{name: f, ttf: 1y, repair: 1h, loses_state: true}]}]\n",
            "unknown key `loses_state`",
        ),
        (
            base.replace(
                "repair: {dist: exponential, mean: 5h}}",
                "repair: {dist: exponential, mean: 5h}}, {name: gc, ttf: 100h, repair: 1m, effect: slow, loses_state: true}",
            ),
            "cannot lose its state",
        ),
    ];
    for (yaml, expected) in cases {
        let found = problems(&yaml);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "expected {expected:?} for\n{yaml}\nfound {found:?}"
        );
    }
    // The valid one is accepted.
    model(&base);
}
