//! The model flattened into the arrays the run loop works on: units (nodes
//! and domains) with their failure modes, group shocks, crews, and services
//! in compressed adjacency lists. Built once per experiment, shared by every
//! replication.

use super::rng::StreamKey;
use super::sampler::Sampler;
use crate::model::{CAPACITY_SCALE, FailureMode, FaultTarget, Model, Redundancy, Scope, Service};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitKind {
    Node(u32),
    Domain(u32),
    /// A network link: while it is down, its two sides cannot reach each other.
    Link(u32),
    /// The `effect: slow` failure modes of a node: while one is failed the
    /// node stays up but stalls, and its monitor hears nothing from it.
    Stall(u32),
    /// A one-way partition fault (index into [`Plan::deaf`]): while it is
    /// held down, monitors on one side cannot hear members on the other.
    Deaf(u32),
}

#[derive(Clone, Debug)]
pub struct UnitPlan {
    pub kind: UnitKind,
    /// Range of this unit's modes in [`Plan::modes`].
    pub modes_start: u32,
    pub modes_end: u32,
}

#[derive(Clone, Debug)]
pub struct ModePlan {
    pub unit: u32,
    /// `None` for the per-instance part of a group shock, which has no clock of its own.
    pub ttf: Option<Sampler>,
    pub repair: Sampler,
    pub crew: Option<u32>,
    pub ttf_key: StreamKey,
    pub repair_key: StreamKey,
    /// Its cause of downtime (see `causes`).
    pub cause: u32,
    /// `monitoring`: the alert and response delays before the repair is
    /// asked for, drawn from a stream of their own (`None`: no draw).
    pub monitor: Option<MonitorPlan>,
    /// `loses_state`: after the repair, the node rebuilds by this plan of
    /// [`Plan::recoveries`] before it is up.
    pub rebuild: Option<u32>,
    /// `effect: slow` with `factor`: the node's capacity divisor while stalled.
    pub factor: Option<f64>,
    /// `monitor`, `rebuild` or `factor`: a failure has more to do than ask
    /// for the repair.
    pub extras: bool,
}

/// The alert and response delays of a failure mode with `monitoring`.
#[derive(Clone, Debug)]
pub struct MonitorPlan {
    pub alert: Sampler,
    pub respond: Sampler,
    pub key: StreamKey,
}

fn monitor_plan(mode: &FailureMode, key: StreamKey) -> Option<MonitorPlan> {
    mode.monitoring.as_ref().map(|m| MonitorPlan {
        alert: Sampler::new(&m.alert),
        respond: Sampler::new(&m.respond),
        key,
    })
}

/// A `scope: group` failure mode: one clock that fails every running member.
#[derive(Clone, Debug)]
pub struct ShockPlan {
    pub ttf: Sampler,
    pub ttf_key: StreamKey,
    /// `repair: {together: true}`: one repair drawn for every instance hit,
    /// from the stream of this key.
    pub together: Option<(Sampler, StreamKey)>,
    /// The per-instance mode of each member, in member order.
    pub member_modes: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct ServicePlan {
    pub min_up: u32,
    /// Healthy capacity needed, in units of 1/CAPACITY_SCALE requests per second.
    pub demand: Option<i64>,
    /// The demand of each hour of the day, when it follows a daily pattern.
    pub demand_hours: Option<Box<[i64; 24]>>,
    pub n_members: u32,
    pub capacity_total: i64,
    pub in_system: bool,
    /// Index into [`Plan::standbys`] for the standby modes.
    pub standby: Option<u32>,
    /// Index into [`Plan::elections`] for a quorum service with `election`.
    pub election: Option<u32>,
    /// A quorum service some link can split: it is up only while `min_up`
    /// healthy members can all reach each other.
    pub partitionable: bool,
    /// Some link can cut a member of this service off from every member of
    /// a service it requires: while a link is down, the service is up only
    /// if enough of its serving members reach a serving member of each.
    pub reach_exposed: bool,
    /// Some service that requires this one is `reach_exposed`: a change of
    /// who serves here re-evaluates them while a link is down.
    pub reach_dependents: bool,
    /// `reach_exposed` or `reach_dependents`: links matter to it.
    pub reach_linked: bool,
    /// `reach_linked` or `election`: `update_service` has more to check.
    pub rare_checks: bool,
}

/// A hot, warm or cold standby service: one member serves, the others wait.
#[derive(Clone, Debug)]
pub struct StandbyPlan {
    pub service: u32,
    /// Member nodes in order of preference: the first `slots` start serving.
    pub pool: Vec<u32>,
    /// Members serving at once: 1 for the standby modes, `active` for N+K.
    pub slots: u32,
    /// Clock speed of an idle standby: 1 hot, the idle failure factor warm, 0 cold.
    pub idle_speed: f64,
    /// Crash-to-detection delay, uniform between these bounds (heartbeats).
    pub detection_us: Option<(u64, u64)>,
    /// Delays added up for a takeover: switchover, VIP takeover, warm-up or boot and restore.
    pub takeover: Vec<Sampler>,
    pub coverage: f64,
    pub failback_auto: bool,
    /// False suspicions of the active member per microsecond, from runs of
    /// lost heartbeats; `None` without heartbeat loss.
    pub false_suspicion_per_us: Option<f64>,
    /// Heartbeat interval: after an unfenced false failover, the deposed
    /// member learns of it at the next heartbeat.
    pub interval_us: u64,
    pub fencing: bool,
    /// Some network link can cut two members of the pool apart.
    pub exposed: bool,
    pub key: StreamKey,
    /// Async replication: what each failover loses (`None` without).
    pub async_loss: Option<AsyncLoss>,
    /// `arbiter`: the arbiter nodes and how many must agree (empty: the
    /// member that would take over decides alone).
    pub arbiters: Vec<u32>,
    pub arbiter_quorum: u32,
    /// Sync replication (`None` without).
    pub sync: Option<SyncPlan>,
    /// `resync`: how long a member back from repair takes to catch up, and
    /// the first of this service's event indices (one per pool member).
    pub resync: Option<(Sampler, u32)>,
    pub resync_key: StreamKey,
    /// A cold standby with `recovery`: each takeover rebuilds the state by
    /// this plan of [`Plan::recoveries`] after the boot.
    pub recovery: Option<u32>,
}

/// Sync replication of a hot or warm standby service (`standby/sync`).
#[derive(Clone, Debug)]
pub struct SyncPlan {
    pub writes_per_s: f64,
    pub writes_pattern: Option<Vec<f64>>,
    pub degrade_after_us: Option<u64>,
}

fn sync_plan(service: &Service) -> Option<SyncPlan> {
    let replication = service.replication.as_ref()?;
    replication.synchronous.then(|| SyncPlan {
        writes_per_s: service.writes_per_s.unwrap_or(0.0),
        writes_pattern: service.writes_pattern.clone(),
        degrade_after_us: replication.degrade_after_us,
    })
}

/// Async replication of a standby service: at each failover a lag is drawn
/// and the writes of the last lag before the failure are lost.
#[derive(Clone, Debug)]
pub struct AsyncLoss {
    pub writes_per_s: f64,
    pub writes_pattern: Option<Vec<f64>>,
    pub lag: Sampler,
    /// The stream of the lag draws, apart from the failover's own draws so
    /// that adding replication leaves failures and failovers unchanged.
    pub key: StreamKey,
}

/// Compressed rows: the items of row `r` are `items[offsets[r]..offsets[r + 1]]`.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

impl Rows {
    pub fn from_lists(lists: &[Vec<u32>]) -> Rows {
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        let mut items = Vec::new();
        offsets.push(0);
        for list in lists {
            items.extend_from_slice(list);
            offsets.push(items.len() as u32);
        }
        Rows { offsets, items }
    }

    #[inline]
    pub fn row(&self, r: usize) -> &[u32] {
        &self.items[self.offsets[r] as usize..self.offsets[r + 1] as usize]
    }
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub units: Vec<UnitPlan>,
    pub modes: Vec<ModePlan>,
    pub shocks: Vec<ShockPlan>,
    pub crew_sizes: Vec<u32>,
    pub n_nodes: usize,
    /// The (deaf, unheard) domains of each one-way partition fault.
    pub deaf: Vec<[u32; 2]>,
    /// Some service's `demand` follows a daily pattern (`engine/demand`).
    pub demand_patterns: bool,
    /// A node's change may matter beyond its services: traffic, a daily
    /// demand pattern, a rolling maintenance or arbiters (checked once in
    /// `node_changed`).
    pub node_extras: bool,
    /// The standby services each node is an arbiter of.
    pub node_arbiters: Rows,
    /// Services of each node.
    pub node_services: Rows,
    /// Capacity of each node, scaled by [`CAPACITY_SCALE`].
    pub node_capacity: Vec<i64>,
    /// Nodes inside each domain, including those of its child domains.
    pub domain_nodes: Rows,
    pub services: Vec<ServicePlan>,
    /// Services that require each service.
    pub dependents: Rows,
    pub standbys: Vec<StandbyPlan>,
    /// Leader elections of the quorum services with `election`.
    pub elections: Vec<super::election::ElectionPlan>,
    /// How the services with `recovery` rebuild their state.
    pub recoveries: Vec<super::recovery::RecoveryPlan>,
    /// The two domains of each network link.
    pub links: Vec<[u32; 2]>,
    /// The domains each node is inside, its own first, then their parents.
    pub node_domains: Rows,
    /// The members of each service.
    pub service_members: Rows,
    /// The services each service requires.
    pub requires: Rows,
    /// The services the system is made of.
    pub system_services: Vec<u32>,
    /// The causes of downtime.
    pub causes: super::causes::plan::CausePlan,
    /// Balancers and traffic of the services with traffic.
    pub traffic: super::traffic::TrafficPlans,
    /// Injected faults, in scenario order.
    pub faults: Vec<super::faults::FaultPlan>,
    /// The modes whose exponential clocks a splitting copy runs as one
    /// clock per mean (`rare`).
    pub pools: super::rare::PoolClasses,
}

/// The standby mechanism of a service in a standby mode.
fn standby_plan(model: &Model, s: usize, service: &Service) -> Option<StandbyPlan> {
    let parts = service.redundancy.standby_parts()?;
    let (slots, spares, failover) = (parts.slots, parts.spares, parts.failover);
    let takeover = parts.delays.into_iter().map(Sampler::new).collect();
    let pool = &service.members[..(slots + spares) as usize];
    let arbiters: Vec<u32> = failover
        .arbiter
        .as_ref()
        .map(|a| {
            model.groups[a.group]
                .members
                .iter()
                .map(|&n| n as u32)
                .collect()
        })
        .unwrap_or_default();
    // The pool and its arbiters: who must hear whom.
    let watched: Vec<usize> = pool
        .iter()
        .copied()
        .chain(arbiters.iter().map(|&n| n as usize))
        .collect();
    Some(StandbyPlan {
        arbiter_quorum: failover.arbiter.as_ref().map_or(0, |a| a.quorum),
        arbiters,
        service: s as u32,
        pool: pool.iter().map(|&m| m as u32).collect(),
        slots,
        idle_speed: parts.idle_speed,
        detection_us: failover
            .heartbeat
            .as_ref()
            .map(|hb| (hb.timeout_us.saturating_sub(hb.interval_us), hb.timeout_us)),
        takeover,
        coverage: failover.coverage,
        failback_auto: failover.failback_auto,
        false_suspicion_per_us: failover
            .heartbeat
            .as_ref()
            .and_then(|hb| false_suspicion_rate_per_us(hb.interval_us, hb.timeout_us, hb.loss)),
        interval_us: failover.heartbeat.as_ref().map_or(0, |hb| hb.interval_us),
        fencing: failover.fencing,
        exposed: (0..model.links.len()).any(|l| model.link_separates(l, &watched))
            || model.one_way_separates(pool)
            || pool.iter().any(|&n| {
                model.groups[model.nodes[n].group]
                    .failures
                    .iter()
                    .any(|m| m.slow)
                    || model.stall_fault_targets(n)
            }),
        key: StreamKey::of(&["service", &service.name, "failover"]),
        async_loss: async_loss(service),
        sync: sync_plan(service),
        resync: service
            .replication
            .as_ref()
            .and_then(|r| r.resync.as_ref())
            .map(|d| (Sampler::new(d), 0)),
        resync_key: StreamKey::of(&["service", &service.name, "replication", "resync"]),
        recovery: None,
    })
}

fn async_loss(service: &Service) -> Option<AsyncLoss> {
    let replication = service.replication.as_ref()?;
    if replication.synchronous {
        return None;
    }
    Some(AsyncLoss {
        writes_per_s: service.writes_per_s?,
        writes_pattern: service.writes_pattern.clone(),
        lag: Sampler::new(replication.lag.as_ref()?),
        key: StreamKey::of(&["service", &service.name, "replication", "lag"]),
    })
}

/// The rate of false suspicions implied by heartbeats every `interval`,
/// each lost with probability `loss`, and a monitor that suspects a member
/// after `timeout` without one: a suspicion needs m = ⌊timeout / interval⌋
/// heartbeats lost in a row, and such runs start at rate (1 − loss) lossᵐ
/// per interval.
pub fn false_suspicion_rate_per_us(interval_us: u64, timeout_us: u64, loss: f64) -> Option<f64> {
    if loss <= 0.0 || interval_us == 0 {
        return None;
    }
    let m = (timeout_us / interval_us).max(1) as i32;
    Some((1.0 - loss) * loss.powi(m) / interval_us as f64)
}

/// Adds a unit whose failure modes each have a clock of their own (a
/// domain, a node's slow modes, a link); `owner` names their random streams.
fn push_unit(
    units: &mut Vec<UnitPlan>,
    modes: &mut Vec<ModePlan>,
    kind: UnitKind,
    owner: [&str; 2],
    failures: &[FailureMode],
) {
    let start = modes.len() as u32;
    let unit = units.len() as u32;
    for mode in failures {
        let key = |purpose: &str| StreamKey::of(&[owner[0], owner[1], &mode.name, purpose]);
        modes.push(ModePlan {
            unit,
            ttf: Some(Sampler::new(&mode.ttf)),
            repair: Sampler::new(&mode.repair),
            crew: mode.crew.map(|c| c as u32),
            ttf_key: key("ttf"),
            repair_key: key("repair"),
            cause: 0,
            monitor: monitor_plan(mode, key("monitoring")),
            rebuild: None,
            factor: mode.factor,
            extras: mode.monitoring.is_some() || mode.factor.is_some(),
        });
    }
    units.push(UnitPlan {
        kind,
        modes_start: start,
        modes_end: modes.len() as u32,
    });
}

/// The recovery plan node `n` rebuilds by: that of the one service with
/// `recovery` it is a member of (checked when the scenario is read).
fn rebuild_of(model: &Model, recovery_of: &[Option<u32>], n: usize) -> Option<u32> {
    model
        .services
        .iter()
        .zip(recovery_of)
        .find(|(s, r)| r.is_some() && s.members.contains(&n))
        .and_then(|(_, r)| *r)
}

fn scaled(rate_per_s: f64) -> i64 {
    (rate_per_s * CAPACITY_SCALE).round() as i64
}

impl Plan {
    pub fn new(model: &Model) -> Plan {
        let (recoveries, recovery_of) = super::recovery::plans(model);
        let mut units = Vec::new();
        let mut modes = Vec::new();
        let mut shocks: Vec<ShockPlan> = Vec::new();
        // Group shocks are created once per group mode, then filled with member modes.
        let mut shock_of: Vec<Vec<Option<usize>>> = model
            .groups
            .iter()
            .map(|g| g.failures.iter().map(|_| None).collect())
            .collect();
        for (n, node) in model.nodes.iter().enumerate() {
            let group = &model.groups[node.group];
            // Unit n is node n; the slow modes of nodes have units of their
            // own after the nodes', so that they neither block the node nor
            // pause its other clocks.
            let start = modes.len() as u32;
            let unit = units.len() as u32;
            for (m, mode) in group.failures.iter().enumerate() {
                if mode.slow {
                    continue;
                }
                let key = |purpose: &str| StreamKey::of(&["node", &node.name, &mode.name, purpose]);
                if mode.scope == Scope::Group {
                    let shock = *shock_of[node.group][m].get_or_insert_with(|| {
                        shocks.push(ShockPlan {
                            ttf: Sampler::new(&mode.ttf),
                            ttf_key: StreamKey::of(&["group", &group.name, &mode.name, "ttf"]),
                            together: mode.repair_together.then(|| {
                                (
                                    Sampler::new(&mode.repair),
                                    StreamKey::of(&["group", &group.name, &mode.name, "repair"]),
                                )
                            }),
                            member_modes: Vec::new(),
                        });
                        shocks.len() - 1
                    });
                    shocks[shock].member_modes.push(modes.len() as u32);
                }
                modes.push(ModePlan {
                    unit,
                    ttf: (mode.scope == Scope::Instance).then(|| Sampler::new(&mode.ttf)),
                    repair: Sampler::new(&mode.repair),
                    crew: mode.crew.map(|c| c as u32),
                    ttf_key: key("ttf"),
                    repair_key: key("repair"),
                    cause: 0,
                    monitor: monitor_plan(mode, key("monitoring")),
                    rebuild: mode
                        .loses_state
                        .then(|| rebuild_of(model, &recovery_of, n))
                        .flatten(),
                    factor: None,
                    extras: mode.monitoring.is_some() || mode.loses_state,
                });
            }
            units.push(UnitPlan {
                kind: UnitKind::Node(n as u32),
                modes_start: start,
                modes_end: modes.len() as u32,
            });
        }
        for (d, domain) in model.domains.iter().enumerate() {
            let kind = UnitKind::Domain(d as u32);
            push_unit(
                &mut units,
                &mut modes,
                kind,
                ["domain", &domain.name],
                &domain.failures,
            );
        }
        for (n, node) in model.nodes.iter().enumerate() {
            let slow: Vec<_> = model.groups[node.group]
                .failures
                .iter()
                .filter(|m| m.slow)
                .cloned()
                .collect();
            // A node that an injected fault may stall needs a stall unit too.
            if !slow.is_empty() || model.stall_fault_targets(n) {
                let kind = UnitKind::Stall(n as u32);
                push_unit(&mut units, &mut modes, kind, ["node", &node.name], &slow);
            }
        }
        for (l, link) in model.links.iter().enumerate() {
            let kind = UnitKind::Link(l as u32);
            push_unit(
                &mut units,
                &mut modes,
                kind,
                ["link", &link.name],
                &link.failures,
            );
        }
        // One unit per one-way partition fault, with no failure mode.
        let mut deaf = Vec::new();
        for fault in &model.faults {
            if let FaultTarget::OneWay { deaf: d, unheard } = fault.target {
                let kind = UnitKind::Deaf(deaf.len() as u32);
                deaf.push([d as u32, unheard as u32]);
                push_unit(&mut units, &mut modes, kind, ["one-way", &fault.name], &[]);
            }
        }

        let mut node_services = vec![Vec::new(); model.nodes.len()];
        let mut dependents = vec![Vec::new(); model.services.len()];
        let mut services = Vec::new();
        let (elections, election_of) = super::election::plans(model);
        // Resync event indices: consecutive ranges, one per standby with `resync`.
        let mut resync_base = 0u32;
        let mut standbys = Vec::new();
        for (s, service) in model.services.iter().enumerate() {
            let standby = standby_plan(model, s, service).map(|mut plan| {
                if let Some((_, base)) = &mut plan.resync {
                    *base = resync_base;
                    resync_base += plan.pool.len() as u32;
                }
                if matches!(service.redundancy, Redundancy::ColdStandby { .. }) {
                    plan.recovery = recovery_of[s];
                }
                standbys.push(plan);
                standbys.len() as u32 - 1
            });
            for &m in &service.members {
                node_services[m].push(s as u32);
            }
            for &r in &service.requires {
                dependents[r].push(s as u32);
            }
            let min_up = service.min_up();
            let capacity_total = service
                .members
                .iter()
                .map(|&m| {
                    scaled(
                        model.groups[model.nodes[m].group]
                            .capacity_per_s
                            .unwrap_or(0.0),
                    )
                })
                .sum();
            let partitionable = matches!(service.redundancy, Redundancy::Quorum { .. })
                && (0..model.links.len()).any(|l| model.link_separates(l, &service.members));
            let reach_exposed = service.requires.iter().any(|&r| {
                (0..model.links.len()).any(|l| {
                    model.link_separates_sets(l, &service.members, &model.services[r].members)
                })
            });
            services.push(ServicePlan {
                partitionable,
                reach_exposed,
                reach_dependents: false,
                reach_linked: false,
                rare_checks: election_of[s].is_some()
                    || service.replication.as_ref().is_some_and(|r| r.synchronous),
                min_up,
                demand: service.demand_per_s.map(scaled),
                demand_hours: service
                    .demand_per_s
                    .zip(service.demand_pattern.as_ref())
                    .map(|(d, p)| Box::new(std::array::from_fn(|h| scaled(d * p[h])))),
                n_members: service.members.len() as u32,
                capacity_total,
                in_system: model.system.contains(&s),
                standby,
                election: election_of[s],
            });
        }
        for s in 0..services.len() {
            if services[s].reach_exposed {
                services[s].reach_linked = true;
                services[s].rare_checks = true;
                for &r in &model.services[s].requires {
                    services[r].reach_dependents = true;
                    services[r].reach_linked = true;
                    services[r].rare_checks = true;
                }
            }
        }
        let node_capacity = model
            .nodes
            .iter()
            .map(|n| scaled(model.groups[n.group].capacity_per_s.unwrap_or(0.0)))
            .collect();

        let mut domain_nodes = vec![Vec::new(); model.domains.len()];
        let mut node_domains = vec![Vec::new(); model.nodes.len()];
        for (n, node) in model.nodes.iter().enumerate() {
            let mut current = node.domain;
            // Parents form a tree (validated), so this walk ends.
            for _ in 0..model.domains.len() {
                let Some(d) = current else { break };
                domain_nodes[d].push(n as u32);
                node_domains[n].push(d as u32);
                current = model.domains[d].parent;
            }
        }

        let causes = super::causes::plan::CausePlan::new(model, &units, &services, &standbys);
        for (mode, &cause) in modes.iter_mut().zip(&causes.mode) {
            mode.cause = cause;
        }
        let faults = super::faults::plans(
            model,
            &causes.fault,
            &causes.domain_unit,
            &causes.link_unit,
            &causes.stall_unit,
            &causes.deaf_unit,
        );
        let traffic = super::traffic::TrafficPlans::new(model, &causes.collapse);
        let demand_patterns = model.services.iter().any(|s| s.demand_pattern.is_some());
        let mut node_arbiters = vec![Vec::new(); model.nodes.len()];
        for (sb, plan) in standbys.iter().enumerate() {
            for &n in &plan.arbiters {
                node_arbiters[n as usize].push(sb as u32);
            }
        }
        Plan {
            node_extras: !traffic.slots.is_empty()
                || demand_patterns
                || model.faults.iter().any(|f| f.rolling)
                || standbys.iter().any(|sb| !sb.arbiters.is_empty()),
            node_arbiters: Rows::from_lists(&node_arbiters),
            faults,
            traffic,
            causes,
            system_services: model.system.iter().map(|&s| s as u32).collect(),
            units,
            pools: super::rare::PoolClasses::of(&modes),
            modes,
            shocks,
            crew_sizes: model.crews.iter().map(|c| c.size).collect(),
            n_nodes: model.nodes.len(),
            deaf,
            demand_patterns,
            node_services: Rows::from_lists(&node_services),
            node_capacity,
            domain_nodes: Rows::from_lists(&domain_nodes),
            services,
            dependents: Rows::from_lists(&dependents),
            standbys,
            elections,
            recoveries,
            links: model
                .links
                .iter()
                .map(|l| [l.between[0] as u32, l.between[1] as u32])
                .collect(),
            node_domains: Rows::from_lists(&node_domains),
            requires: Rows::from_lists(
                &model
                    .services
                    .iter()
                    .map(|s| s.requires.iter().map(|&r| r as u32).collect())
                    .collect::<Vec<_>>(),
            ),
            service_members: Rows::from_lists(
                &model
                    .services
                    .iter()
                    .map(|s| s.members.iter().map(|&m| m as u32).collect())
                    .collect::<Vec<_>>(),
            ),
        }
    }
}

impl Plan {
    /// A person's name for unit `unit`: the node, the domain, the link
    /// between two domains, or a node's stall (`nines trace`).
    pub fn unit_name(&self, model: &Model, unit: u32) -> String {
        match self.units[unit as usize].kind {
            UnitKind::Node(n) => model.nodes[n as usize].name.clone(),
            UnitKind::Domain(d) => model.domains[d as usize].name.clone(),
            UnitKind::Link(l) => {
                let [a, b] = self.links[l as usize];
                format!(
                    "link {}~{}",
                    model.domains[a as usize].name, model.domains[b as usize].name
                )
            }
            UnitKind::Stall(n) => format!("{} (stall)", model.nodes[n as usize].name),
            UnitKind::Deaf(k) => {
                let [d, u] = self.deaf[k as usize];
                format!(
                    "{} deaf to {}",
                    model.domains[d as usize].name, model.domains[u as usize].name
                )
            }
        }
    }

    /// The name of cause `cause`, if it is one (`nines trace`).
    pub fn cause_name(&self, cause: u32) -> Option<&str> {
        self.causes.names.get(cause as usize).map(String::as_str)
    }

    /// Whether unit `unit` is a stall: its "down" means stalled, not down.
    pub fn unit_is_stall(&self, unit: u32) -> bool {
        matches!(self.units[unit as usize].kind, UnitKind::Stall(_))
    }
}
