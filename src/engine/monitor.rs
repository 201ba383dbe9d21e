//! Monitoring (`monitoring: {alert, respond}`): a failure's repair is asked
//! for only once it has been noticed (the alert delay) and acknowledged (the
//! response delay). Both delays are drawn at the failure from the mode's own
//! stream and cost one event (`KIND_MONITOR`) at the acknowledgement; the
//! repair then waits for a crew in FIFO order as without monitoring. Modes
//! without `monitoring` create no stream and draw nothing.

use super::queue::FutureEvents;
use super::rng::Stream;
use super::{KIND_MONITOR, Sim, payload};
use crate::metrics::trace::Happening;

/// One stream per failure mode with `monitoring` (`None` for the others;
/// the list is empty when no mode has one).
pub fn streams(plan: &super::Plan, seed: u64, replication: u64) -> Vec<Option<Stream>> {
    if plan.modes.iter().all(|m| m.monitor.is_none()) {
        return Vec::new();
    }
    plan.modes
        .iter()
        .map(|m| {
            m.monitor
                .as_ref()
                .map(|mon| Stream::new(seed, replication, mon.key))
        })
        .collect()
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Mode `m` failed and has `monitoring`: draws when it is noticed and
    /// acknowledged, counts the delays that end inside the window, and
    /// asks for the repair at the acknowledgement.
    #[cold]
    pub(super) fn raise_alert(&mut self, m: u32) {
        let plan = self.plan;
        let Some(mon) = &plan.modes[m as usize].monitor else {
            return;
        };
        let Some(stream) = self.monitor_streams[m as usize].as_mut() else {
            return;
        };
        let alert = mon.alert.sample_us(stream);
        let respond = mon.respond.sample_us(stream);
        let alerted = self.now.saturating_add(alert);
        let acknowledged = alerted.saturating_add(respond);
        if self.window.contains(alerted) {
            self.monitoring.alert.push(alert);
        }
        if self.window.contains(acknowledged) {
            self.monitoring.respond.push(respond);
        }
        if Self::TRACING {
            let unit = plan.modes[m as usize].unit;
            self.note_at(alerted, Happening::Alerted { unit });
        }
        self.queue.push(acknowledged, payload(KIND_MONITOR, m, 0));
    }

    /// The failure of mode `m` was acknowledged: its repair is asked for.
    #[cold]
    pub(super) fn on_acknowledged(&mut self, m: u32) {
        if Self::TRACING {
            let unit = self.plan.modes[m as usize].unit;
            self.note(Happening::Acknowledged { unit });
        }
        self.request_repair(m);
    }
}
