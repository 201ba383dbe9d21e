//! Recovery from snapshots and logs (`recovery: {snapshot_every, restore,
//! replay}`): a member that must rebuild the service's state restores the
//! last snapshot (a draw from `restore`) and replays the writes made since
//! it, up to the failure, at `replay` writes a second. Snapshots are taken
//! on a fixed schedule from time zero, so the log to replay is the writes
//! of `failure time mod snapshot_every`.
//!
//! Two takeovers rebuild: a cold standby's, after its boot (the rebuild
//! takes the place of the cold standby's `restore`), and the repair of a
//! node whose failure mode `loses_state`, which stays down after its
//! repair until the rebuild ends (`KIND_REBUILD`, one event). Nothing is
//! simulated per write, and services without `recovery` draw nothing.

use super::queue::FutureEvents;
use super::rng::{Stream, StreamKey};
use super::sampler::Sampler;
use super::{KIND_REBUILD, Sim, payload};
use crate::metrics::data::RecoveryCounts;
use crate::model::{Micros, Model, micros_from_hours};

/// How one service rebuilds its state.
#[derive(Clone, Debug)]
pub struct RecoveryPlan {
    pub service: u32,
    pub every_us: Micros,
    pub restore: Option<Sampler>,
    pub writes_per_s: f64,
    pub writes_pattern: Option<Vec<f64>>,
    pub replay_per_s: f64,
    pub key: StreamKey,
}

/// The recovery plans of the services with `recovery`, and each service's
/// plan index.
pub fn plans(model: &Model) -> (Vec<RecoveryPlan>, Vec<Option<u32>>) {
    let mut plans = Vec::new();
    let index = model
        .services
        .iter()
        .enumerate()
        .map(|(s, service)| {
            let recovery = service.recovery.as_ref()?;
            plans.push(RecoveryPlan {
                service: s as u32,
                every_us: recovery
                    .snapshot_every_us
                    .unwrap_or(micros_from_hours(24.0))
                    .max(1),
                restore: recovery.restore.as_ref().map(Sampler::new),
                writes_per_s: service.writes_per_s.unwrap_or(0.0),
                writes_pattern: service.writes_pattern.clone(),
                replay_per_s: recovery.replay_per_s.unwrap_or(1.0),
                key: StreamKey::of(&["service", &service.name, "recovery"]),
            });
            Some(plans.len() as u32 - 1)
        })
        .collect();
    (plans, index)
}

/// Run-time state of one service's recovery.
#[derive(Clone, Debug)]
pub struct RecoveryState {
    stream: Stream,
    pub counts: RecoveryCounts,
}

impl RecoveryState {
    pub fn new(plan: &RecoveryPlan, seed: u64, replication: u64) -> Self {
        RecoveryState {
            stream: Stream::new(seed, replication, plan.key),
            counts: RecoveryCounts::default(),
        }
    }
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Draws how long rebuilding the state as of `failed_at` takes by
    /// recovery plan `r`: the restore of the last snapshot, then the replay
    /// of the writes since; counts it when it starts inside the window.
    pub(super) fn rebuild_us(&mut self, r: u32, failed_at: Micros) -> Micros {
        let plan = &self.plan.recoveries[r as usize];
        let state = &mut self.recoveries[r as usize];
        let restore = plan
            .restore
            .as_ref()
            .map_or(0, |d| d.sample_us(&mut state.stream));
        let age_us = failed_at % plan.every_us;
        let log = crate::model::writes_between(
            plan.writes_per_s,
            plan.writes_pattern.as_deref(),
            failed_at - age_us,
            failed_at,
        );
        let replay = (log / plan.replay_per_s * 1e6).round() as Micros;
        if self.window.contains(self.now) {
            state.counts.record(restore, replay, age_us);
        }
        restore.saturating_add(replay)
    }

    /// Mode `m`, which loses its state, was repaired: its node rebuilds
    /// before it is up (the mode stays failed until `KIND_REBUILD`). If its
    /// service served on meanwhile, the state to reach is now's (from the
    /// latest snapshot); otherwise the state at the failure.
    #[cold]
    pub(super) fn start_rebuild(&mut self, m: u32, r: u32) {
        let service = self.plan.recoveries[r as usize].service;
        let target = if self.services[service as usize].up {
            self.now
        } else {
            self.failed_at[m as usize]
        };
        let delay = self.rebuild_us(r, target);
        if Self::TRACING {
            let unit = self.plan.modes[m as usize].unit;
            self.note(crate::metrics::trace::Happening::Rebuilding { unit });
        }
        self.queue
            .push(self.now.saturating_add(delay), payload(KIND_REBUILD, m, 0));
    }
}
