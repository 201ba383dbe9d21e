//! Standby services in the Markov chain: the same takeover conventions as
//! the engine (engine/standby.rs), for exponential or zero takeover times
//! and no heartbeat detection. Each member of a standby pool is its own
//! class, since members have roles; each slot of a service adds its member
//! and phase to the state.

use super::space::{SpaceError, State};
use crate::model::{Dist, Model};

/// A slot's phase in the state: serving, down after a failed takeover,
/// down for lack of a member, or a member (pool index) being switched in.
pub const SERVING: u32 = 0;
pub const DOWN_FAILED: u32 = 1;
pub const DOWN_NO_MEMBER: u32 = 2;
pub const TAKING_OVER: u32 = 3;

#[derive(Clone, Debug)]
pub struct StandbySpec {
    pub service: usize,
    /// The class of each pool member, in pool order.
    pub pool_classes: Vec<usize>,
    pub slots: usize,
    pub idle_speed: f64,
    /// Rate of the takeover delay; `None` when it is zero (instant).
    pub takeover_rate: Option<f64>,
    pub coverage: f64,
    pub failback_auto: bool,
    /// Index of this service's first slot entry in [`State::standby`].
    pub offset: usize,
}

/// The nodes of every standby pool, for giving each its own class.
pub fn pool_nodes(model: &Model) -> Vec<usize> {
    model
        .services
        .iter()
        .filter_map(|s| {
            let parts = s.redundancy.standby_parts()?;
            Some(s.members[..(parts.slots + parts.spares) as usize].to_vec())
        })
        .flatten()
        .collect()
}

/// The standby services of `model`, checked to be Markovian.
pub fn specs(model: &Model, class_of_node: &[usize]) -> Result<Vec<StandbySpec>, SpaceError> {
    let mut specs = Vec::new();
    let mut offset = 0;
    for (s, service) in model.services.iter().enumerate() {
        let Some(parts) = service.redundancy.standby_parts() else {
            continue;
        };
        let (slots, spares, idle_speed, failover) =
            (parts.slots, parts.spares, parts.idle_speed, parts.failover);
        let refuse =
            |why: String| SpaceError::NotMarkovian(format!("service `{}`: {why}", service.name));
        if failover.heartbeat.is_some() {
            return Err(refuse(
                "heartbeat detection delays are uniform, not exponential; remove `detection` to solve it".into(),
            ));
        }
        let mut rate = None;
        for dist in parts.delays {
            match dist {
                d if d.is_zero() => {}
                Dist::Exponential { mean_h } if rate.is_none() => rate = Some(1.0 / mean_h),
                Dist::Exponential { .. } => {
                    return Err(refuse(
                        "a takeover made of several exponential delays is not exponential; keep one".into(),
                    ));
                }
                other => {
                    return Err(refuse(format!(
                        "a takeover delay has a {} distribution; only exponential or zero ones make a Markov chain",
                        other.name()
                    )));
                }
            }
        }
        let pool: Vec<usize> = service.members[..(slots + spares) as usize].to_vec();
        specs.push(StandbySpec {
            service: s,
            pool_classes: pool.iter().map(|&n| class_of_node[n]).collect(),
            slots: slots as usize,
            idle_speed,
            takeover_rate: rate,
            coverage: failover.coverage,
            failback_auto: failover.failback_auto,
            offset,
        });
        offset += 2 * slots as usize;
    }
    Ok(specs)
}

/// The initial slot entries: member i serves slot i.
pub fn initial(specs: &[StandbySpec]) -> Vec<u32> {
    specs
        .iter()
        .flat_map(|spec| (0..spec.slots as u32).flat_map(|i| [i, SERVING]))
        .collect()
}

/// Reads and writes the slots of one standby service in a state.
pub struct Slots<'a> {
    pub spec: &'a StandbySpec,
}

impl Slots<'_> {
    pub fn member(&self, state: &State, slot: usize) -> u32 {
        state.standby[self.spec.offset + 2 * slot]
    }
    pub fn phase(&self, state: &State, slot: usize) -> u32 {
        state.standby[self.spec.offset + 2 * slot + 1]
    }
    pub fn set(&self, state: &mut State, slot: usize, member: u32, phase: u32) {
        state.standby[self.spec.offset + 2 * slot] = member;
        state.standby[self.spec.offset + 2 * slot + 1] = phase;
    }

    /// Whether member `i` is busy (serves a slot or is being switched in),
    /// which sets its speed: the engine's `busy`.
    pub fn busy(&self, state: &State, i: u32) -> bool {
        (0..self.spec.slots).any(|slot| {
            let (member, phase) = (self.member(state, slot), self.phase(state, slot));
            (member == i && phase == SERVING) || phase == TAKING_OVER + i
        })
    }

    /// Whether member `i` serves a slot that is not down, or is being
    /// switched in, not counting slot `skip`: the engine's `assigned`.
    pub fn assigned(&self, state: &State, i: u32, skip: Option<usize>) -> bool {
        (0..self.spec.slots).any(|slot| {
            let (member, phase) = (self.member(state, slot), self.phase(state, slot));
            Some(slot) != skip
                && ((member == i && phase != DOWN_FAILED && phase != DOWN_NO_MEMBER)
                    || phase == TAKING_OVER + i)
        })
    }
}
