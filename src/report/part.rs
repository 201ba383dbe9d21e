//! The partial results of `nines run --shard I/N` (a "part"), as bytes: no
//! file access here (`cli/shard.rs` and `cli/merge.rs` do the I/O).
//!
//! A part holds every outcome of the replications of its blocks, so that
//! `nines merge` folds them again in replication order, exactly as a single
//! run does: floating-point sums come out with the same bits.
//!
//! Layout: [`MAGIC`], one line of JSON (the [`Header`]), then one record
//! per block, `BLK`, block index, replication count, payload length (u64
//! little-endian each), SHA-256 of the payload, the payload; then `END` and
//! the number of blocks (u64), which a truncated part lacks.

use crate::metrics::LatencySummary;
use crate::metrics::data::{DataCounts, RecoveryCounts};
use crate::metrics::elections::ElectionCounts;
use crate::metrics::faults::{FaultCounts, Injected};
use crate::metrics::monitoring::{Delays, MonitorCounts};
use crate::metrics::{Outcome, RepOutcome, RequestCounts, StandbyCounts};
use sha2::{Digest, Sha256};

/// The first bytes of every part.
pub const MAGIC: &[u8] = b"nines-part 2\n";
/// Bytes of the trailer (`END` and a u64).
pub const TRAILER_LEN: usize = 11;
/// Bytes of a block record before its payload.
pub const RECORD_HEAD_LEN: usize = 3 + 8 * 3 + 32;

/// What a part was produced from. Parts merge only when everything but
/// `shard` (and the path as typed) is equal.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Header {
    pub version: String,
    pub shard: u64,
    pub shards: u64,
    pub block: u64,
    pub seed: u64,
    pub replications: u64,
    pub horizon_us: u64,
    pub warmup_us: u64,
    pub incident_threshold_us: u64,
    /// `input` of the summary (path, SHA-256 of scenario and settings).
    pub input: serde_json::Value,
    /// `nines trace FILE --seed ...` with the flags of the run.
    pub replay: String,
    /// The scenario's text, so that the merge needs nothing else.
    pub scenario: String,
    /// A part of `nines sweep --shard`: `{"sets": [PATH=VALUES, ...],
    /// "objective": FIGURE or null, "subject_to_slos": bool, "points":
    /// [[seed, replications, horizon_us, warmup_us, incident_threshold_us],
    /// ...]}`; its records are indexed point << 32 | block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sweep: Option<serde_json::Value>,
}

impl Header {
    /// The header as one line of JSON after [`MAGIC`].
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend(serde_json::to_vec(self).unwrap_or_default());
        out.push(b'\n');
        out
    }

    /// Reads the JSON line (without its newline).
    pub fn decode(line: &[u8]) -> Result<Header, String> {
        let v: serde_json::Value =
            serde_json::from_slice(line).map_err(|e| format!("unreadable header: {e}"))?;
        let num = |k: &str| {
            v[k].as_u64()
                .ok_or_else(|| format!("header field `{k}` missing"))
        };
        let text = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("header field `{k}` missing"))
        };
        Ok(Header {
            version: text("version")?,
            shard: num("shard")?,
            shards: num("shards")?,
            block: num("block")?,
            seed: num("seed")?,
            replications: num("replications")?,
            horizon_us: num("horizon_us")?,
            warmup_us: num("warmup_us")?,
            incident_threshold_us: num("incident_threshold_us")?,
            input: v["input"].clone(),
            replay: text("replay")?,
            scenario: text("scenario")?,
            sweep: v.get("sweep").cloned(),
        })
    }

    /// What must be equal for parts to merge: all but the shard index.
    pub fn fingerprint(&self) -> Header {
        let mut h = self.clone();
        h.shard = 0;
        h
    }

    /// The blocks of the run, and those of this shard.
    pub fn total_blocks(&self) -> u64 {
        self.replications.div_ceil(self.block)
    }

    pub fn blocks(&self) -> impl Iterator<Item = u64> {
        (self.shard..self.total_blocks()).step_by(self.shards.max(1) as usize)
    }

    /// The replications of each point of a sweep part (empty otherwise).
    pub fn sweep_replications(&self) -> Vec<u64> {
        self.sweep
            .as_ref()
            .and_then(|s| s["points"].as_array())
            .map(|points| points.iter().map(|p| p[1].as_u64().unwrap_or(0)).collect())
            .unwrap_or_default()
    }

    /// The record indices this shard holds, in order: its blocks, or for a
    /// sweep part point << 32 | block for each point's blocks of this shard.
    pub fn records(&self) -> Vec<u64> {
        if self.sweep.is_none() {
            return self.blocks().collect();
        }
        let step = self.shards.max(1) as usize;
        self.sweep_replications()
            .iter()
            .enumerate()
            .flat_map(|(p, n)| {
                (self.shard..n.div_ceil(self.block))
                    .step_by(step)
                    .map(move |b| (p as u64) << 32 | b)
            })
            .collect()
    }
}

/// One block's record: head and payload.
pub fn encode_block(index: u64, outcomes: &[RepOutcome]) -> Vec<u8> {
    let mut payload = Vec::new();
    for o in outcomes {
        encode_outcome(&mut payload, o);
    }
    let mut out = Vec::with_capacity(RECORD_HEAD_LEN + payload.len());
    out.extend(b"BLK");
    for x in [index, outcomes.len() as u64, payload.len() as u64] {
        out.extend(x.to_le_bytes());
    }
    out.extend(Sha256::digest(&payload));
    out.extend(payload);
    out
}

/// A record's head: block index, replications, payload length, checksum.
pub fn decode_record_head(head: &[u8]) -> Result<(u64, u64, u64, [u8; 32]), String> {
    if head.len() != RECORD_HEAD_LEN || &head[..3] != b"BLK" {
        return Err("a block record is damaged".into());
    }
    let word =
        |i: usize| u64::from_le_bytes(head[3 + 8 * i..11 + 8 * i].try_into().unwrap_or([0; 8]));
    let mut sum = [0; 32];
    sum.copy_from_slice(&head[27..]);
    Ok((word(0), word(1), word(2), sum))
}

/// The outcomes of a payload, after checking it against its checksum.
pub fn decode_payload(
    payload: &[u8],
    count: u64,
    sum: &[u8; 32],
) -> Result<Vec<RepOutcome>, String> {
    if Sha256::digest(payload).as_slice() != sum {
        return Err("a block's checksum does not match: the file is corrupt".into());
    }
    let mut r = Reader {
        bytes: payload,
        at: 0,
    };
    let outcomes = (0..count)
        .map(|_| decode_outcome(&mut r))
        .collect::<Option<Vec<_>>>()
        .ok_or("a block ends early: the file is corrupt")?;
    if r.at != payload.len() {
        return Err("a block has bytes left over: the file is corrupt".into());
    }
    Ok(outcomes)
}

pub fn encode_trailer(blocks: u64) -> Vec<u8> {
    let mut out = b"END".to_vec();
    out.extend(blocks.to_le_bytes());
    out
}

/// The block count of a trailer, `None` if these bytes are none.
pub fn decode_trailer(bytes: &[u8]) -> Option<u64> {
    (bytes.len() == TRAILER_LEN && &bytes[..3] == b"END")
        .then(|| u64::from_le_bytes(bytes[3..].try_into().unwrap_or([0; 8])))
}

/// A u64 in LEB128: seven bits a byte, low first (outage lengths take
/// five bytes instead of eight).
fn put(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

fn put_f(out: &mut Vec<u8>, x: f64) {
    out.extend(x.to_bits().to_le_bytes());
}

fn put_list(out: &mut Vec<u8>, xs: &[u64]) {
    put(out, xs.len() as u64);
    for &x in xs {
        put(out, x);
    }
}

fn encode_outcome(out: &mut Vec<u8>, o: &RepOutcome) {
    put(out, o.events);
    put(out, o.tallies.len() as u64);
    for t in &o.tallies {
        put(out, t.uptime_us);
        put(out, t.failures);
        // 0 for none, else 1 + the time (which is below the u64 range).
        put(out, t.first_failure_us.map_or(0, |t| t.saturating_add(1)));
        put_list(out, &t.outages_us);
        put_list(out, &t.slices_down_us);
    }
    put(out, o.standby.len() as u64);
    for s in &o.standby {
        let d = &s.data;
        for x in [
            s.failovers,
            s.failed_failovers,
            s.takeovers,
            s.takeover_us,
            s.failbacks,
            s.failback_us,
            s.detections,
            s.detection_us,
            s.false_failovers,
            s.split_brains,
            s.split_brain_us,
        ]
        .into_iter()
        .chain(s.downtime_us)
        {
            put(out, x);
        }
        put(out, d.losses);
        put_f(out, d.lost_writes);
        for x in [
            d.lag_us,
            d.lag_max_us,
            d.last_year,
            d.loss_years,
            d.write_blocked_us,
            d.degraded_us,
            d.resyncs,
            d.resync_us,
            d.resync_waits,
        ] {
            put(out, x);
        }
    }
    put(out, o.takeovers_us.len() as u64);
    for t in &o.takeovers_us {
        put_list(out, t);
    }
    put(out, o.lags_us.len() as u64);
    for lags in &o.lags_us {
        put_list(out, lags);
    }
    put(out, o.downtime_by_cause_us.len() as u64);
    for d in &o.downtime_by_cause_us {
        put_list(out, d);
    }
    put(out, o.requests.len() as u64);
    for r in &o.requests {
        for x in [
            r.offered,
            r.served,
            r.failed_ejection_lag,
            r.failed_overload,
            r.failed_outage,
            r.failed_crash,
        ] {
            put_f(out, x);
        }
        put_option(out, r.collapses, put_f);
        put_option(out, r.latency.as_ref(), |out, l| {
            put_quad(out, &l.whole);
            put(out, l.batches.len() as u64);
            for b in &l.batches {
                put_quad(out, b);
            }
        });
    }
    put(out, o.faults.len() as u64);
    for f in &o.faults {
        for x in [
            f.injections,
            f.skipped,
            f.system_outages,
            f.system_downtime_us,
        ] {
            put(out, x);
        }
    }
    put(out, o.injected.len() as u64);
    for i in &o.injected {
        put(out, i.outages);
        put(out, i.downtime_us);
    }
    for d in [&o.monitoring.alert, &o.monitoring.respond] {
        put(out, d.n);
        put_f(out, d.sum_h);
        put_f(out, d.sum_sq_h2);
    }
    put(out, o.elections.len() as u64);
    for e in &o.elections {
        for x in [e.started, e.called_off, e.completed, e.completed_us] {
            put(out, x);
        }
    }
    put(out, o.recoveries.len() as u64);
    for r in &o.recoveries {
        for x in [r.rebuilds, r.restore_us, r.replay_us, r.age_us] {
            put(out, x);
        }
    }
}

/// `0`, or `1` and the value.
fn put_option<T>(out: &mut Vec<u8>, x: Option<T>, each: impl FnOnce(&mut Vec<u8>, T)) {
    match x {
        None => put(out, 0),
        Some(x) => {
            put(out, 1);
            each(out, x);
        }
    }
}

fn put_quad(out: &mut Vec<u8>, q: &[f64; 4]) {
    for &x in q {
        put_f(out, x);
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u(&mut self) -> Option<u64> {
        let mut x = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at)?;
            self.at += 1;
            x |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b < 0x80 {
                return Some(x);
            }
        }
        None
    }
    fn f(&mut self) -> Option<f64> {
        let b = self.bytes.get(self.at..self.at + 8)?;
        self.at += 8;
        Some(f64::from_bits(u64::from_le_bytes(b.try_into().ok()?)))
    }
    /// A length, which cannot exceed the bytes left.
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u()?).ok()?;
        (n <= self.bytes.len() - self.at).then_some(n)
    }
    fn list(&mut self) -> Option<Vec<u64>> {
        let n = self.len()?;
        (0..n).map(|_| self.u()).collect()
    }
    /// `Some(None)` for a `0`, `Some(Some(x))` for a `1` and `x`.
    fn option<T>(&mut self, each: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.u()? {
            0 => Some(None),
            1 => each(self).map(Some),
            _ => None,
        }
    }
    fn quad(&mut self) -> Option<[f64; 4]> {
        Some([self.f()?, self.f()?, self.f()?, self.f()?])
    }
    fn many<T>(&mut self, each: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        let mut each = each;
        (0..n).map(|_| each(self)).collect()
    }
}

fn decode_outcome(r: &mut Reader) -> Option<RepOutcome> {
    let events = r.u()?;
    let tallies = r.many(|r| {
        let (uptime_us, failures, first) = (r.u()?, r.u()?, r.u()?);
        Some(Outcome {
            uptime_us,
            failures,
            first_failure_us: first.checked_sub(1),
            outages_us: r.list()?,
            slices_down_us: r.list()?,
        })
    })?;
    let standby = r.many(decode_standby)?;
    let takeovers_us = r.many(Reader::list)?;
    let lags_us = r.many(Reader::list)?;
    let downtime_by_cause_us = r.many(Reader::list)?;
    let requests = r.many(|r| {
        Some(RequestCounts {
            offered: r.f()?,
            served: r.f()?,
            failed_ejection_lag: r.f()?,
            failed_overload: r.f()?,
            failed_outage: r.f()?,
            failed_crash: r.f()?,
            collapses: r.option(Reader::f)?,
            latency: r.option(|r| {
                Some(LatencySummary {
                    whole: r.quad()?,
                    batches: r.many(Reader::quad)?,
                })
            })?,
        })
    })?;
    let faults = r.many(|r| {
        Some(FaultCounts {
            injections: r.u()?,
            skipped: r.u()?,
            system_outages: r.u()?,
            system_downtime_us: r.u()?,
        })
    })?;
    let injected = r.many(|r| {
        Some(Injected {
            outages: r.u()?,
            downtime_us: r.u()?,
        })
    })?;
    let mut delays = || {
        Some(Delays {
            n: r.u()?,
            sum_h: r.f()?,
            sum_sq_h2: r.f()?,
        })
    };
    let monitoring = MonitorCounts {
        alert: delays()?,
        respond: delays()?,
    };
    let elections = r.many(|r| {
        Some(ElectionCounts {
            started: r.u()?,
            called_off: r.u()?,
            completed: r.u()?,
            completed_us: r.u()?,
        })
    })?;
    let recoveries = r.many(|r| {
        Some(RecoveryCounts {
            rebuilds: r.u()?,
            restore_us: r.u()?,
            replay_us: r.u()?,
            age_us: r.u()?,
        })
    })?;
    Some(RepOutcome {
        events,
        tallies,
        standby,
        takeovers_us,
        lags_us,
        downtime_by_cause_us,
        requests,
        faults,
        injected,
        monitoring,
        elections,
        recoveries,
    })
}

fn decode_standby(r: &mut Reader) -> Option<StandbyCounts> {
    let mut w = [0u64; 15];
    for x in &mut w {
        *x = r.u()?;
    }
    let mut data = DataCounts {
        losses: r.u()?,
        lost_writes: r.f()?,
        ..DataCounts::default()
    };
    data.lag_us = r.u()?;
    data.lag_max_us = r.u()?;
    data.last_year = r.u()?;
    data.loss_years = r.u()?;
    data.write_blocked_us = r.u()?;
    data.degraded_us = r.u()?;
    data.resyncs = r.u()?;
    data.resync_us = r.u()?;
    data.resync_waits = r.u()?;
    Some(StandbyCounts {
        failovers: w[0],
        failed_failovers: w[1],
        takeovers: w[2],
        takeover_us: w[3],
        failbacks: w[4],
        failback_us: w[5],
        detections: w[6],
        detection_us: w[7],
        false_failovers: w[8],
        split_brains: w[9],
        split_brain_us: w[10],
        downtime_us: [w[11], w[12], w[13], w[14]],
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> RepOutcome {
        let mut data = DataCounts::default();
        data.record(3.5, 7, 2);
        RepOutcome {
            events: 42,
            tallies: vec![Outcome {
                uptime_us: 9,
                failures: 2,
                first_failure_us: Some(0),
                outages_us: vec![1, 200, u64::MAX],
                slices_down_us: vec![0, 3, 0],
            }],
            standby: vec![StandbyCounts {
                downtime_us: [1, 2, 3, 4],
                data,
                ..StandbyCounts::default()
            }],
            takeovers_us: vec![vec![5]],
            lags_us: vec![vec![7, 0]],
            downtime_by_cause_us: vec![vec![1, 2], vec![]],
            requests: vec![
                RequestCounts {
                    offered: 0.1,
                    ..RequestCounts::default()
                },
                RequestCounts {
                    failed_crash: 2.0,
                    collapses: Some(3.0),
                    latency: Some(LatencySummary {
                        whole: [1.0, 2.0, 3.0, 4.5],
                        batches: vec![[0.5; 4], [0.25, 1.0, 2.0, 3.0]],
                    }),
                    ..RequestCounts::default()
                },
            ],
            faults: vec![FaultCounts::default()],
            injected: vec![Injected {
                outages: 1,
                downtime_us: 3,
            }],
            monitoring: MonitorCounts {
                alert: Delays {
                    n: 2,
                    sum_h: 1.5,
                    sum_sq_h2: 1.25,
                },
                respond: Delays::default(),
            },
            elections: vec![ElectionCounts {
                started: 3,
                called_off: 1,
                completed: 2,
                completed_us: 7_000_000,
            }],
            recoveries: vec![RecoveryCounts {
                rebuilds: 2,
                restore_us: 5,
                replay_us: 9,
                age_us: 11,
            }],
        }
    }

    #[test]
    fn outcomes_come_back_identical_and_damage_is_caught() {
        let outcomes = vec![sample(), sample()];
        let record = encode_block(7, &outcomes);
        let (index, count, len, sum) = decode_record_head(&record[..RECORD_HEAD_LEN]).unwrap();
        assert_eq!(
            (index, count, len as usize),
            (7, 2, record.len() - RECORD_HEAD_LEN)
        );
        let payload = &record[RECORD_HEAD_LEN..];
        assert_eq!(decode_payload(payload, count, &sum).unwrap(), outcomes);
        let mut bad = payload.to_vec();
        bad[10] ^= 1;
        assert!(decode_payload(&bad, count, &sum).is_err());
        assert_eq!(decode_trailer(&encode_trailer(5)), Some(5));
    }
}
