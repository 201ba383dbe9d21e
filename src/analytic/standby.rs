//! Standby services in the Markov chain: the same takeover conventions as
//! the engine (engine/standby.rs), for exponential or zero takeover times
//! and no heartbeat detection. A pool is kept in one of two layouts.
//!
//! Lumped, where that is exact: pool members of the same group, domain and
//! services are one class, like any other nodes, and slots have no names.
//! The state holds, per class of the pool (a run, in pool order), how many
//! of its members serve a slot and how many are being switched in, then how
//! many slots are down (after a failed takeover or for lack of a member;
//! both wait for a member to come up and nothing else tells them apart, so
//! they are one count). Serving and switching members are always up; the
//! class's other members are idle, up or down, and age at the idle speed.
//! The reactions are in `space/pool.rs`.
//!
//! Lumping is exact when swapping two members of a class, or two slots,
//! changes nothing the engine does, which needs:
//! - `failback: manual`: with `auto`, member i is the home of slot i;
//! - each class's members in one run in pool order, since the engine
//!   switches in the first free member in pool order (within a run, any
//!   free up member is as good as another), and in node order, since
//!   members coming up at once fill down slots in node order.
//!   (A slot being taken over does not hold the member it lost: repaired
//!   meanwhile, that member is free like any other, engine and chain
//!   alike, so members of a class never differ by their past.)
//!
//! Domain outages and group shocks down every busy member of a class at
//! once; per member they are handled one by one in node order, each slot
//! taking the next free member in pool order, and the counts this ends
//! with depend only on how many failovers were covered.
//!
//! Per member, otherwise: each member of the pool is its own class, and each
//! slot adds its member and phase to the state.

use super::space::{SpaceError, State};
use crate::model::{Dist, Model, StandbyParts};

/// A slot's phase in the state: serving, down after a failed takeover,
/// down for lack of a member, or a member (pool index) being switched in.
pub const SERVING: u32 = 0;
pub const DOWN_FAILED: u32 = 1;
pub const DOWN_NO_MEMBER: u32 = 2;
pub const TAKING_OVER: u32 = 3;

/// How a standby service's pool is kept in the state.
#[derive(Clone, Debug)]
pub enum Layout {
    /// The class of each pool member (its own), in pool order; per slot,
    /// (member, phase) in [`State::standby`].
    PerMember { pool_classes: Vec<usize> },
    /// The pool's classes in pool order and their sizes; per class,
    /// (serving, switching in) in [`State::standby`], then the number of
    /// down slots. `up_order` lists the runs in node order, the order in
    /// which members coming up at once fill down slots.
    Lumped {
        runs: Vec<usize>,
        sizes: Vec<u32>,
        up_order: Vec<usize>,
    },
}

#[derive(Clone, Debug)]
pub struct StandbySpec {
    pub service: usize,
    pub layout: Layout,
    pub slots: usize,
    pub idle_speed: f64,
    /// Rate of the takeover delay; `None` when it is zero (instant).
    pub takeover_rate: Option<f64>,
    pub coverage: f64,
    pub failback_auto: bool,
    /// Index of this service's first entry in [`State::standby`].
    pub offset: usize,
}

impl StandbySpec {
    /// The class of each member of a pool kept per member, in pool order;
    /// empty for a lumped pool, whose members have no index.
    pub fn pool_classes(&self) -> &[usize] {
        match &self.layout {
            Layout::PerMember { pool_classes } => pool_classes,
            Layout::Lumped { .. } => &[],
        }
    }

    /// How many entries of [`State::standby`] the service uses.
    pub fn width(&self) -> usize {
        match &self.layout {
            Layout::PerMember { .. } => 2 * self.slots,
            Layout::Lumped { runs, .. } => 2 * runs.len() + 1,
        }
    }
}

/// The pool of a standby service: its first `slots + spares` members.
fn pool_of(model: &Model, service: usize) -> Option<&[usize]> {
    let s = &model.services[service];
    let parts = s.redundancy.standby_parts()?;
    Some(&s.members[..(parts.slots + parts.spares) as usize])
}

/// The rate of a takeover made of the given delays: `None` when every
/// delay is zero; one exponential delay at most, since a sum of them is
/// not exponential.
fn takeover_rate(parts: &StandbyParts) -> Result<Option<f64>, String> {
    let mut rate = None;
    for dist in &parts.delays {
        match dist {
            d if d.is_zero() => {}
            Dist::Exponential { mean_h } if rate.is_none() => rate = Some(1.0 / mean_h),
            Dist::Exponential { .. } => {
                return Err(
                    "a takeover made of several exponential delays is not exponential; keep one"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "a takeover delay has a {} distribution; only exponential or zero ones make a Markov chain",
                    other.name()
                ));
            }
        }
    }
    Ok(rate)
}

/// What makes two nodes interchangeable: group, domain and services. (A
/// node is in at most one standby pool: the scenario checks it.)
pub fn node_key(model: &Model, n: usize) -> (usize, Option<usize>, Vec<usize>) {
    let node = &model.nodes[n];
    let services = (0..model.services.len())
        .filter(|&s| model.services[s].members.contains(&n))
        .collect();
    (node.group, node.domain, services)
}

/// Whether equal keys are adjacent: each key forms one run.
fn contiguous<K: PartialEq>(keys: &[K]) -> bool {
    keys.iter()
        .enumerate()
        .all(|(i, k)| i == 0 || keys[i - 1] == *k || !keys[..i].contains(k))
}

/// Why the pool of standby service `service` must be kept per member, in
/// words for a user; `None` when lumping it is exact (see the module doc).
pub fn lumping_obstacle(model: &Model, service: usize) -> Option<String> {
    let parts = model.services[service].redundancy.standby_parts()?;
    let pool = pool_of(model, service)?;
    if parts.failover.failback_auto {
        return Some("`failback: auto` makes member i the home of slot i".into());
    }
    let keys: Vec<_> = pool.iter().map(|&n| node_key(model, n)).collect();
    let mut by_node: Vec<usize> = pool.to_vec();
    by_node.sort_unstable();
    let node_keys: Vec<_> = by_node.iter().map(|&n| node_key(model, n)).collect();
    if !contiguous(&keys) || !contiguous(&node_keys) {
        return Some(
            "members of the same group, domain and services are not listed together, so the \
             order in which they are switched in depends on which member is which"
                .into(),
        );
    }
    None
}

/// The nodes of every standby pool kept per member, for giving each its own class.
pub fn pool_nodes(model: &Model, lumped: &[bool]) -> Vec<usize> {
    (0..model.services.len())
        .filter(|&s| !lumped[s])
        .filter_map(|s| pool_of(model, s))
        .flatten()
        .copied()
        .collect()
}

/// Every reason a standby service of `model` is not Markovian, each naming
/// its service.
pub fn obstacles(model: &Model) -> Vec<String> {
    let mut reasons = Vec::new();
    for service in &model.services {
        let Some(parts) = service.redundancy.standby_parts() else {
            continue;
        };
        if parts.failover.heartbeat.is_some() {
            reasons.push(format!(
                "service `{}`: heartbeat detection delays are uniform, not exponential; remove \
                 `detection` to solve it",
                service.name
            ));
        }
        if let Err(why) = takeover_rate(&parts) {
            reasons.push(format!("service `{}`: {why}", service.name));
        }
    }
    reasons
}

/// The standby services of `model`, checked to be Markovian; `lumped[s]`
/// says whether service s's pool is lumped.
pub fn specs(
    model: &Model,
    class_of_node: &[usize],
    lumped: &[bool],
) -> Result<Vec<StandbySpec>, SpaceError> {
    let mut specs = Vec::new();
    let mut offset = 0;
    for (s, service) in model.services.iter().enumerate() {
        let (Some(parts), Some(pool)) = (service.redundancy.standby_parts(), pool_of(model, s))
        else {
            continue;
        };
        let refuse =
            |why: String| SpaceError::NotMarkovian(format!("service `{}`: {why}", service.name));
        if parts.failover.heartbeat.is_some() {
            return Err(refuse(
                "heartbeat detection delays are uniform, not exponential; remove `detection` to solve it".into(),
            ));
        }
        let rate = takeover_rate(&parts).map_err(refuse)?;
        let pool_classes: Vec<usize> = pool.iter().map(|&n| class_of_node[n]).collect();
        let layout = if lumped[s] {
            lumped_layout(pool, &pool_classes)
        } else {
            Layout::PerMember { pool_classes }
        };
        let spec = StandbySpec {
            service: s,
            layout,
            slots: parts.slots as usize,
            idle_speed: parts.idle_speed,
            takeover_rate: rate,
            coverage: parts.failover.coverage,
            failback_auto: parts.failover.failback_auto,
            offset,
        };
        offset += spec.width();
        specs.push(spec);
    }
    Ok(specs)
}

/// The runs of a lumped pool (its members' classes, in pool order), their
/// sizes, and their order by node index.
fn lumped_layout(pool: &[usize], pool_classes: &[usize]) -> Layout {
    let mut runs: Vec<usize> = Vec::new();
    let mut sizes: Vec<u32> = Vec::new();
    let mut first_node: Vec<usize> = Vec::new();
    for (&node, &c) in pool.iter().zip(pool_classes) {
        match (runs.last(), sizes.last_mut(), first_node.last_mut()) {
            (Some(&last), Some(size), Some(first)) if last == c => {
                *size += 1;
                *first = (*first).min(node);
            }
            _ => {
                runs.push(c);
                sizes.push(1);
                first_node.push(node);
            }
        }
    }
    let mut up_order: Vec<usize> = (0..runs.len()).collect();
    up_order.sort_by_key(|&j| first_node[j]);
    Layout::Lumped {
        runs,
        sizes,
        up_order,
    }
}

/// The initial entries: member i serves slot i.
pub fn initial(specs: &[StandbySpec]) -> Vec<u32> {
    let mut entries = Vec::new();
    for spec in specs {
        match &spec.layout {
            Layout::PerMember { .. } => {
                entries.extend((0..spec.slots as u32).flat_map(|i| [i, SERVING]));
            }
            Layout::Lumped { sizes, .. } => {
                // Pool positions 0..slots serve; a run's positions follow the previous run's.
                let mut first = 0;
                for &size in sizes {
                    let serving = (spec.slots as u32).saturating_sub(first).min(size);
                    entries.extend([serving, 0]);
                    first += size;
                }
                entries.push(0);
            }
        }
    }
    entries
}

/// Reads and writes the counts of one lumped standby service in a state.
pub struct Pool<'a> {
    pub spec: &'a StandbySpec,
}

impl Pool<'_> {
    /// Members of run `j` serving a slot.
    pub fn serving(&self, state: &State, j: usize) -> u32 {
        state.standby[self.spec.offset + 2 * j]
    }
    /// Members of run `j` being switched into a slot.
    pub fn switching(&self, state: &State, j: usize) -> u32 {
        state.standby[self.spec.offset + 2 * j + 1]
    }
    pub fn serving_mut<'s>(&self, state: &'s mut State, j: usize) -> &'s mut u32 {
        &mut state.standby[self.spec.offset + 2 * j]
    }
    pub fn switching_mut<'s>(&self, state: &'s mut State, j: usize) -> &'s mut u32 {
        &mut state.standby[self.spec.offset + 2 * j + 1]
    }
    /// Slots down, after a failed takeover or for lack of a member.
    pub fn down(&self, state: &State) -> u32 {
        state.standby[self.spec.offset + self.spec.width() - 1]
    }
    pub fn down_mut<'s>(&self, state: &'s mut State) -> &'s mut u32 {
        &mut state.standby[self.spec.offset + self.spec.width() - 1]
    }
}

/// Reads and writes the slots of one per-member standby service in a state.
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
        self.assigned(state, i, None)
    }

    /// Whether member `i` serves a slot or is being switched into one, not
    /// counting slot `skip`: the engine's `assigned` (the member a slot lost
    /// holds nothing once its takeover has begun).
    pub fn assigned(&self, state: &State, i: u32, skip: Option<usize>) -> bool {
        (0..self.spec.slots).any(|slot| {
            let (member, phase) = (self.member(state, slot), self.phase(state, slot));
            Some(slot) != skip && ((member == i && phase == SERVING) || phase == TAKING_OVER + i)
        })
    }
}
