//! The state space of a Markovian design, lumped by symmetry: nodes of the
//! same group, in the same domain and serving the same services are
//! interchangeable, so a state counts how many of them are down in each
//! failure mode instead of naming them. Crew queues keep their order (first
//! come, first served), as a sequence of job types, one per (class, mode).
//!
//! Members of a standby pool are lumped too where that is exact (see
//! [`super::standby`]): the pool's state then counts, per class, members
//! serving and being switched in, and a failure in the class is one
//! transition per role (serving, switching in, idle), since idle members age
//! at the idle speed. Elsewhere each pool member is its own class.

use super::standby::{Layout, Pool, StandbySpec};

mod elect;
mod pool;
mod react;
use crate::model::{Dist, Model, Scope};
use std::collections::HashMap;

/// Interchangeable nodes: same group, domain and services.
#[derive(Clone, Debug)]
pub struct Class {
    pub group: usize,
    pub domain: Option<usize>,
    pub count: u32,
    /// Services the class's nodes belong to.
    pub services: Vec<usize>,
    pub capacity: f64,
    /// Index of this class's first slot in [`State::down`]; one slot per mode of its group.
    pub first_slot: usize,
    /// The node, for a member of a standby pool kept per member (its own
    /// class: it has a role).
    pub node: Option<usize>,
}

/// Whether interchangeable members of standby pools are lumped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lumping {
    /// Wherever that is exact: the default.
    Exact,
    /// Never: every pool member is its own class. For checking the lumped
    /// chain against the per-member one.
    Off,
}

/// The role of a class in a standby service.
#[derive(Clone, Copy, Debug)]
enum Role {
    /// Member `index` (pool order) of standby service `standby`, kept per member.
    Member { standby: usize, index: u32 },
    /// Run `run` of the lumped pool of standby service `standby`.
    Run { standby: usize, run: usize },
}

/// What a member of a lumped pool class does, which sets how fast it ages
/// and how its service reacts when it fails.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Busy {
    Serving,
    Switching,
    Idle,
}

/// A single failure in a lumped pool class and the role of the member it
/// hit: counts alone do not say which member went down.
#[derive(Clone, Copy, Debug)]
struct Hit {
    class: usize,
    role: Busy,
}

/// A transition before the standby services react to it.
struct Raw {
    state: State,
    rate: f64,
    hit: Option<Hit>,
}

/// What a repair job restores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    /// One node of a class, down in mode `mode` of its group.
    Node { class: usize, mode: usize },
    /// A domain, down in one of its modes.
    Domain { domain: usize, mode: usize },
}

/// Why a design cannot be turned into a Markov chain the solver can handle.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum SpaceError {
    #[error("not Markovian: {0}")]
    NotMarkovian(String),
    #[error(
        "the Markov chain has more than {limit} states ({what}); lump identical nodes into one \
         group and placement, or simulate instead with `nines run`"
    )]
    TooLarge { limit: usize, what: String },
    #[error("stopped while building the state space after {0} states")]
    Stopped(usize),
}

/// The most states the solver builds.
pub const MAX_STATES: usize = 500_000;
/// The most services a solved design may have (each is a bit in a mask).
const MAX_ENTITIES: usize = 63;

/// A state: down counts per (class, mode) slot, the mode a domain is down
/// in (0 = up), and the FIFO queue of each crew as job-type indices.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct State {
    pub down: Vec<u32>,
    pub domains: Vec<u32>,
    pub queues: Vec<Vec<u32>>,
    /// Member and phase of every slot of every standby service.
    pub standby: Vec<u32>,
    /// Per quorum service with `election`: the class of its leader + 1,
    /// or 0 for none.
    pub leaders: Vec<u32>,
}

/// The reachable states, the transitions between them and which
/// entities (system, then services) are up in each.
pub struct Space {
    pub states: Vec<State>,
    /// (from, to, rate per hour), with no self-loops.
    pub transitions: Vec<(u32, u32, f64)>,
    /// Bit 0: the system; bit 1 + s: service s.
    pub up_masks: Vec<u64>,
    pub n_classes: usize,
    /// (from, service, rate per hour) of the failovers a standby service
    /// starts from a state, counted as the engine counts them.
    pub failover_flows: Vec<(u32, u32, f64)>,
    /// The standby services (indices), in the order of their specs.
    pub standby_services: Vec<usize>,
}

fn rate_of(dist: &Dist, what: &str) -> Result<f64, SpaceError> {
    match dist {
        Dist::Exponential { mean_h } => Ok(1.0 / mean_h),
        other => Err(SpaceError::NotMarkovian(format!(
            "{what} has a {} distribution; only exponential times make a Markov chain",
            other.name()
        ))),
    }
}

/// Rates and crews of every failure mode, checked to be exponential.
struct Rates {
    /// Per group, per mode: (failure rate, repair rate, crew).
    groups: Vec<Vec<(f64, f64, Option<usize>)>>,
    domains: Vec<Vec<(f64, f64, Option<usize>)>>,
}

fn rates(model: &Model) -> Result<Rates, SpaceError> {
    let mode_rates = |owner: &str, name: &str, modes: &[crate::model::FailureMode]| {
        modes
            .iter()
            .map(|m| {
                let what =
                    |part: &str| format!("{part} of failure mode `{}` of {owner} `{name}`", m.name);
                Ok((
                    rate_of(&m.ttf, &what("`ttf`"))?,
                    rate_of(&m.repair, &what("`repair`"))?,
                    m.crew,
                ))
            })
            .collect::<Result<Vec<_>, SpaceError>>()
    };
    let groups = model
        .groups
        .iter()
        .map(|g| mode_rates("node group", &g.name, &g.failures))
        .collect::<Result<_, _>>()?;
    let domains = model
        .domains
        .iter()
        .map(|d| mode_rates("domain", &d.name, &d.failures))
        .collect::<Result<_, _>>()?;
    Ok(Rates { groups, domains })
}

/// Checks that a design can be solved exactly, without building it.
///
/// # Errors
/// Every reason it cannot, at once, in words a user can act on.
pub fn check_markovian(model: &Model) -> Result<(), SpaceError> {
    let reasons = obstacles(model);
    match reasons.len() {
        0 => Ok(()),
        1 => Err(SpaceError::NotMarkovian(reasons.concat())),
        n => Err(SpaceError::NotMarkovian(format!(
            "{n} reasons:\n  - {}",
            reasons.join("\n  - ")
        ))),
    }
}

/// The node groups and domains with their failure modes, named for messages.
fn mode_owners(
    model: &Model,
) -> impl Iterator<Item = (&'static str, &String, &Vec<crate::model::FailureMode>)> {
    let groups = model
        .groups
        .iter()
        .map(|g| ("node group", &g.name, &g.failures));
    groups.chain(
        model
            .domains
            .iter()
            .map(|d| ("domain", &d.name, &d.failures)),
    )
}

/// Failure modes with `monitoring`: the chain has no alert and response
/// phases, and a chain without them would be wrong, so they are refused.
fn monitoring_obstacles(model: &Model) -> Vec<String> {
    let owners =
        mode_owners(model).chain(model.links.iter().map(|l| ("link", &l.name, &l.failures)));
    let mut reasons = Vec::new();
    for (owner, name, modes) in owners {
        for m in modes.iter().filter(|m| m.monitoring.is_some()) {
            reasons.push(format!(
                "failure mode `{}` of {owner} `{name}` has `monitoring` delays: the solver does \
                 not model alert and response phases; remove `monitoring` to solve it",
                m.name
            ));
        }
    }
    reasons
}

/// Every reason `model` is not a Markov chain the solver handles.
fn obstacles(model: &Model) -> Vec<String> {
    let mut reasons = Vec::new();
    if !model.links.is_empty() {
        reasons.push("network links are not modelled".to_string());
    }
    if !model.faults.is_empty() {
        reasons.push("faults are not modelled".to_string());
    }
    for service in model.services.iter().filter(|s| s.demand_pattern.is_some()) {
        reasons.push(format!(
            "the `demand` of `{}` follows a daily pattern: the chain would depend on the hour",
            service.name
        ));
    }
    for service in &model.services {
        if service
            .redundancy
            .standby_parts()
            .is_some_and(|p| p.failover.arbiter.is_some())
        {
            reasons.push(format!(
                "service `{}` has failover arbiters: the chain does not model who decides a \
                 failover; remove `arbiter` to solve it",
                service.name
            ));
        }
        if service
            .replication
            .as_ref()
            .is_some_and(|r| r.resync.is_some())
        {
            reasons.push(format!(
                "service `{}` has `resync`: the chain does not model members catching up \
                 after a repair; remove `resync` to solve it",
                service.name
            ));
        }
    }
    for service in model.services.iter().filter(|s| s.recovery.is_some()) {
        reasons.push(format!(
            "service `{}` rebuilds from snapshots and logs (`recovery`): a replay that depends on \
             the time since the last snapshot is not exponential",
            service.name
        ));
    }
    for service in &model.services {
        if let crate::model::Redundancy::Quorum {
            election: Some(time),
            ..
        } = &service.redundancy
            && !matches!(time, Dist::Exponential { .. })
        {
            reasons.push(format!(
                "the `election` of `{}` has a {} distribution; only exponential times make a \
                 Markov chain",
                service.name,
                time.name()
            ));
        }
    }
    for group in &model.groups {
        for mode in group.failures.iter().filter(|m| m.repair_together) {
            reasons.push(format!(
                "failure mode `{}` of `{}` is repaired `together`: one repair for every \
                 instance hit is not modelled",
                mode.name, group.name
            ));
        }
        for mode in group.failures.iter().filter(|m| m.slow) {
            reasons.push(format!(
                "failure mode `{}` of `{}` is `effect: slow`: a stall matters after a heartbeat \
                 timeout, a delay that is not exponential",
                mode.name, group.name
            ));
        }
    }
    reasons.extend(monitoring_obstacles(model));
    reasons.extend(super::standby::obstacles(model));
    if model.services.len() + 1 > MAX_ENTITIES {
        reasons.push(format!(
            "the solver handles at most {} services",
            MAX_ENTITIES - 1
        ));
    }
    for (owner, name, modes) in mode_owners(model) {
        for m in modes {
            for (part, dist) in [("`ttf`", &m.ttf), ("`repair`", &m.repair)] {
                if !matches!(dist, Dist::Exponential { .. }) {
                    reasons.push(format!(
                        "{part} of failure mode `{}` of {owner} `{name}` has a {} distribution; \
                         only exponential times make a Markov chain",
                        m.name,
                        dist.name()
                    ));
                }
            }
        }
    }
    reasons
}

struct Builder<'m> {
    model: &'m Model,
    rates: Rates,
    elections: Vec<elect::ElectionSpec>,
    classes: Vec<Class>,
    jobs: Vec<Job>,
    /// For each domain, its ancestors including itself.
    domain_chain: Vec<Vec<usize>>,
    /// Services ordered so that each comes after those it requires.
    topological: Vec<usize>,
    standbys: Vec<StandbySpec>,
    /// For each class: its role in a standby service, if any.
    role: Vec<Option<Role>>,
    /// Standby services kept per member although lumping was asked for, and why.
    not_lumped: Vec<(usize, String)>,
}

/// Which services' pools are lumped (`true` for a standby service whose
/// pool can be, when lumping is asked for), and why the others are not.
fn lumped_pools(model: &Model, lumping: Lumping) -> (Vec<bool>, Vec<(usize, String)>) {
    let mut lumped = vec![false; model.services.len()];
    let mut not_lumped = Vec::new();
    if lumping == Lumping::Off {
        return (lumped, not_lumped);
    }
    for (s, is_lumped) in lumped.iter_mut().enumerate() {
        if model.services[s].redundancy.standby_parts().is_none() {
            continue;
        }
        match super::standby::lumping_obstacle(model, s) {
            None => *is_lumped = true,
            Some(why) => not_lumped.push((s, why)),
        }
    }
    (lumped, not_lumped)
}

impl<'m> Builder<'m> {
    fn new(model: &'m Model, lumping: Lumping) -> Result<Self, SpaceError> {
        check_markovian(model)?;
        let rates = rates(model)?;
        let (lumped, not_lumped) = lumped_pools(model, lumping);
        // Classes, in the order of their first member.
        let mut classes: Vec<Class> = Vec::new();
        let mut class_of_node = Vec::with_capacity(model.nodes.len());
        let pool_nodes = super::standby::pool_nodes(model, &lumped);
        let mut slot = 0;
        for (n, node) in model.nodes.iter().enumerate() {
            let (_, _, services) = super::standby::node_key(model, n);
            let own = pool_nodes.contains(&n).then_some(n);
            let existing = classes.iter().position(|c| {
                own.is_none()
                    && c.node.is_none()
                    && c.group == node.group
                    && c.domain == node.domain
                    && c.services == services
            });
            class_of_node.push(existing.unwrap_or(classes.len()));
            let existing = existing.map(|c| &mut classes[c]);
            match existing {
                Some(class) => class.count += 1,
                None => {
                    let group = &model.groups[node.group];
                    classes.push(Class {
                        group: node.group,
                        domain: node.domain,
                        count: 1,
                        services,
                        capacity: group.capacity_per_s.unwrap_or(0.0),
                        first_slot: slot,
                        node: own,
                    });
                    slot += group.failures.len();
                }
            }
        }
        for (g, group) in model.groups.iter().enumerate() {
            let n_classes = classes.iter().filter(|c| c.group == g).count();
            for mode in &group.failures {
                if mode.scope == Scope::Group && mode.crew.is_some() && n_classes > 1 {
                    return Err(SpaceError::NotMarkovian(format!(
                        "the group shock `{}` of `{}` queues repairs of nodes in different places \
                         for one crew, and their order is lost when identical nodes are counted",
                        mode.name, group.name
                    )));
                }
            }
        }
        let mut jobs = Vec::new();
        for (c, class) in classes.iter().enumerate() {
            for mode in 0..model.groups[class.group].failures.len() {
                jobs.push(Job::Node { class: c, mode });
            }
        }
        for (d, domain) in model.domains.iter().enumerate() {
            for mode in 0..domain.failures.len() {
                jobs.push(Job::Domain { domain: d, mode });
            }
        }
        let domain_chain = (0..model.domains.len())
            .map(|d| {
                let mut chain = vec![d];
                let mut current = model.domains[d].parent;
                while let Some(p) = current {
                    if chain.contains(&p) {
                        break;
                    }
                    chain.push(p);
                    current = model.domains[p].parent;
                }
                chain
            })
            .collect();
        // `requires` has no cycles (validated): repeatedly take the services
        // whose requirements are all placed.
        let mut topological = Vec::with_capacity(model.services.len());
        while topological.len() < model.services.len() {
            let before = topological.len();
            for (s, service) in model.services.iter().enumerate() {
                if !topological.contains(&s)
                    && service.requires.iter().all(|r| topological.contains(r))
                {
                    topological.push(s);
                }
            }
            if topological.len() == before {
                break;
            }
        }
        let standbys = super::standby::specs(model, &class_of_node, &lumped)?;
        let mut role = vec![None; classes.len()];
        for (k, spec) in standbys.iter().enumerate() {
            match &spec.layout {
                Layout::PerMember { pool_classes } => {
                    for (i, &c) in pool_classes.iter().enumerate() {
                        role[c] = Some(Role::Member {
                            standby: k,
                            index: i as u32,
                        });
                    }
                }
                Layout::Lumped { runs, .. } => {
                    for (j, &c) in runs.iter().enumerate() {
                        role[c] = Some(Role::Run { standby: k, run: j });
                    }
                }
            }
        }
        let elections = model
            .services
            .iter()
            .enumerate()
            .filter_map(|(s, service)| match &service.redundancy {
                crate::model::Redundancy::Quorum {
                    election: Some(time),
                    min_up,
                } => {
                    let mut service_classes: Vec<usize> =
                        service.members.iter().map(|&n| class_of_node[n]).collect();
                    service_classes.sort_unstable();
                    service_classes.dedup();
                    Some(
                        rate_of(time, &format!("the `election` of `{}`", service.name)).map(
                            |rate| elect::ElectionSpec {
                                service: s,
                                rate,
                                min_up: *min_up,
                                classes: service_classes,
                                first: class_of_node[service.members[0]],
                            },
                        ),
                    )
                }
                _ => None,
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Builder {
            model,
            rates,
            elections,
            classes,
            jobs,
            domain_chain,
            topological,
            standbys,
            role,
            not_lumped,
        })
    }

    fn job_index(&self, job: Job) -> u32 {
        self.jobs.iter().position(|j| *j == job).unwrap_or(0) as u32
    }

    fn slot_count(&self) -> usize {
        self.classes.last().map_or(0, |c| {
            c.first_slot + self.model.groups[c.group].failures.len()
        })
    }

    fn up_count(&self, state: &State, c: usize) -> u32 {
        let class = &self.classes[c];
        let modes = self.model.groups[class.group].failures.len();
        let down: u32 = state.down[class.first_slot..class.first_slot + modes]
            .iter()
            .sum();
        class.count - down
    }

    /// Which entities are up: bit 0 the system, bit 1 + s service s.
    fn up_mask(&self, state: &State) -> u64 {
        let model = self.model;
        let mut members = vec![0u32; model.services.len()];
        let mut capacity = vec![0.0f64; model.services.len()];
        for (c, class) in self.classes.iter().enumerate() {
            let domains_up = class
                .domain
                .is_none_or(|d| self.domain_chain[d].iter().all(|&a| state.domains[a] == 0));
            let up = if domains_up {
                self.up_count(state, c)
            } else {
                0
            };
            for &s in &class.services {
                members[s] += up;
                capacity[s] += f64::from(up) * class.capacity;
            }
        }
        let mut up = vec![false; model.services.len()];
        for &s in &self.topological {
            let service = &model.services[s];
            let standby = self.standbys.iter().find(|spec| spec.service == s);
            let own = match standby {
                Some(spec) => self.standby_serves(state, spec),
                None => {
                    members[s] >= service.min_up()
                        && service.demand_per_s.is_none_or(|d| capacity[s] + 1e-9 >= d)
                        && self.has_leader(state, s)
                }
            };
            up[s] = own && service.requires.iter().all(|&r| up[r]);
        }
        let mut mask = 0u64;
        if model.system.iter().all(|&s| up[s]) {
            mask |= 1;
        }
        for (s, &u) in up.iter().enumerate() {
            if u {
                mask |= 1 << (s + 1);
            }
        }
        mask
    }

    /// The members of class `c` that can fail in one of its instance modes,
    /// by role: (how many, how fast they age, the role for a lumped pool).
    fn failing(&self, state: &State, c: usize) -> Vec<(u32, f64, Option<Busy>)> {
        let up = self.up_count(state, c);
        match self.role[c] {
            Some(Role::Run { standby, run }) => {
                let spec = &self.standbys[standby];
                let pool = Pool { spec };
                let (serving, switching) = (pool.serving(state, run), pool.switching(state, run));
                let idle = up.saturating_sub(serving + switching);
                vec![
                    (serving, 1.0, Some(Busy::Serving)),
                    (switching, 1.0, Some(Busy::Switching)),
                    (idle, spec.idle_speed, Some(Busy::Idle)),
                ]
            }
            _ => vec![(up, self.speed(state, c), None)],
        }
    }

    /// How many members of class `c` a group shock hits: those up and
    /// running (an idle cold standby is switched off).
    fn running(&self, state: &State, c: usize) -> u32 {
        self.failing(state, c)
            .into_iter()
            .filter(|&(_, speed, _)| speed > 0.0)
            .map(|(count, _, _)| count)
            .sum()
    }

    /// Every transition out of `state`, with its rate.
    fn raw_successors(&self, state: &State, out: &mut Vec<Raw>) {
        let model = self.model;
        // A job starts or waits with its crew, or is repaired on its own.
        let enqueue = |next: &mut State, crew: Option<usize>, job: u32| {
            if let Some(k) = crew {
                next.queues[k].push(job);
            }
        };
        let raw = |state: State, rate: f64| Raw {
            state,
            rate,
            hit: None,
        };
        for (c, class) in self.classes.iter().enumerate() {
            let modes = &self.rates.groups[class.group];
            let failing = self.failing(state, c);
            for (m, &(lambda, mu, crew)) in modes.iter().enumerate() {
                let slot = class.first_slot + m;
                let scope = model.groups[class.group].failures[m].scope;
                // An idle warm standby ages slowly, an idle cold one not at all.
                for &(count, speed, role) in &failing {
                    if scope != Scope::Instance || count == 0 || speed <= 0.0 {
                        continue;
                    }
                    let mut next = state.clone();
                    next.down[slot] += 1;
                    enqueue(
                        &mut next,
                        crew,
                        self.job_index(Job::Node { class: c, mode: m }),
                    );
                    out.push(Raw {
                        state: next,
                        rate: f64::from(count) * lambda * speed,
                        hit: role.map(|role| Hit { class: c, role }),
                    });
                }
                if crew.is_none() && state.down[slot] > 0 {
                    let mut next = state.clone();
                    next.down[slot] -= 1;
                    out.push(raw(next, f64::from(state.down[slot]) * mu));
                }
            }
        }
        // Group shocks: every running instance of the group fails at once.
        for (g, group) in model.groups.iter().enumerate() {
            for (m, mode) in group.failures.iter().enumerate() {
                if mode.scope != Scope::Group {
                    continue;
                }
                let (lambda, _, crew) = self.rates.groups[g][m];
                let mut next = state.clone();
                let mut hit = 0;
                for (c, class) in self
                    .classes
                    .iter()
                    .enumerate()
                    .filter(|(_, cl)| cl.group == g)
                {
                    // An idle cold standby is switched off and not hit.
                    let up = self.running(state, c);
                    next.down[class.first_slot + m] += up;
                    for _ in 0..up {
                        enqueue(
                            &mut next,
                            crew,
                            self.job_index(Job::Node { class: c, mode: m }),
                        );
                    }
                    hit += up;
                }
                if hit > 0 {
                    out.push(raw(next, lambda));
                }
            }
        }
        for (d, modes) in self.rates.domains.iter().enumerate() {
            match state.domains[d] {
                0 => {
                    for (m, &(lambda, _, crew)) in modes.iter().enumerate() {
                        let mut next = state.clone();
                        next.domains[d] = m as u32 + 1;
                        enqueue(
                            &mut next,
                            crew,
                            self.job_index(Job::Domain { domain: d, mode: m }),
                        );
                        out.push(raw(next, lambda));
                    }
                }
                down => {
                    let (_, mu, crew) = modes[down as usize - 1];
                    if crew.is_none() {
                        let mut next = state.clone();
                        next.domains[d] = 0;
                        out.push(raw(next, mu));
                    }
                }
            }
        }
        // Crews: the first `size` jobs of each queue are being repaired.
        for (k, queue) in state.queues.iter().enumerate() {
            let size = model.crews[k].size as usize;
            for (position, &job) in queue.iter().enumerate().take(size) {
                let job = self.jobs[job as usize];
                let mut next = state.clone();
                next.queues[k].remove(position);
                let mu = match job {
                    Job::Node { class, mode } => {
                        next.down[self.classes[class].first_slot + mode] -= 1;
                        self.rates.groups[self.classes[class].group][mode].1
                    }
                    Job::Domain { domain, mode } => {
                        next.domains[domain] = 0;
                        self.rates.domains[domain][mode].1
                    }
                };
                out.push(raw(next, mu));
            }
        }
    }
}

/// Builds the reachable state space from everything up, breadth first,
/// lumping standby pools wherever that is exact.
///
/// # Errors
/// When the design is not Markovian, or has more than [`MAX_STATES`] states.
pub fn build(model: &Model) -> Result<Space, SpaceError> {
    build_with(model, Lumping::Exact)
}

/// [`build`], choosing whether standby pools are lumped.
///
/// # Errors
/// When the design is not Markovian, or has more than [`MAX_STATES`] states.
pub fn build_with(model: &Model, lumping: Lumping) -> Result<Space, SpaceError> {
    build_observed(model, lumping, &super::chain::Silent)
}

/// [`build_with`], reporting to `observer` every 4096 states explored.
///
/// # Errors
/// As [`build_with`], and when the observer stops it.
pub fn build_observed(
    model: &Model,
    lumping: Lumping,
    observer: &dyn super::chain::Observer,
) -> Result<Space, SpaceError> {
    let builder = Builder::new(model, lumping)?;
    let initial = State {
        down: vec![0; builder.slot_count()],
        domains: vec![0; model.domains.len()],
        queues: vec![Vec::new(); model.crews.len()],
        standby: super::standby::initial(&builder.standbys),
        leaders: builder
            .elections
            .iter()
            .map(|e| e.first as u32 + 1)
            .collect(),
    };
    let mut index: HashMap<State, u32> = HashMap::new();
    let mut states = vec![initial.clone()];
    index.insert(initial, 0);
    let mut transitions = Vec::new();
    let mut successors = Vec::new();
    let (mut failovers, mut failover_flows) = (Vec::new(), Vec::new());
    let mut next_to_visit = 0;
    while next_to_visit < states.len() {
        let from = next_to_visit as u32;
        if next_to_visit.is_multiple_of(4096) {
            let stage = super::chain::Stage::Building;
            observer.progress(stage, next_to_visit as u64, states.len() as u64);
            if observer.stop() {
                return Err(SpaceError::Stopped(states.len()));
            }
        }
        successors.clear();
        failovers.clear();
        builder.successors(&states[next_to_visit], &mut successors, &mut failovers);
        next_to_visit += 1;
        for &(k, rate) in &failovers {
            let service = builder.standbys[k as usize].service as u32;
            failover_flows.push((from, service, rate));
        }
        for (next, rate) in successors.drain(..) {
            let to = match index.get(&next) {
                Some(&to) => to,
                None => {
                    if states.len() >= MAX_STATES {
                        return Err(SpaceError::TooLarge {
                            limit: MAX_STATES,
                            what: describe(&builder),
                        });
                    }
                    let to = states.len() as u32;
                    index.insert(next.clone(), to);
                    states.push(next);
                    to
                }
            };
            if to != from && rate > 0.0 {
                transitions.push((from, to, rate));
            }
        }
    }
    let up_masks = states.iter().map(|s| builder.up_mask(s)).collect();
    Ok(Space {
        states,
        transitions,
        up_masks,
        n_classes: builder.classes.len(),
        failover_flows,
        standby_services: builder.standbys.iter().map(|s| s.service).collect(),
    })
}

fn describe(builder: &Builder) -> String {
    let crews_shared = builder
        .model
        .crews
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let types = builder
                .jobs
                .iter()
                .filter(|job| match job {
                    Job::Node { class, mode } => {
                        builder.rates.groups[builder.classes[*class].group][*mode].2 == Some(*k)
                    }
                    Job::Domain { domain, mode } => {
                        builder.rates.domains[*domain][*mode].2 == Some(*k)
                    }
                })
                .count();
            types > 1
        })
        .count();
    let mut what = format!(
        "{} classes of interchangeable nodes, {} domains",
        builder.classes.len(),
        builder.model.domains.len()
    );
    if crews_shared > 0 {
        what.push_str(&format!(
            ", {crews_shared} crew(s) whose first-come-first-served queue must remember the order of different kinds of repair"
        ));
    }
    for (s, why) in &builder.not_lumped {
        what.push_str(&format!(
            "; the pool of `{}` is kept member by member: {why}",
            builder.model.services[*s].name
        ));
    }
    what
}
