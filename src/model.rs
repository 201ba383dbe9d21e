//! The validated system a scenario describes: plain Rust types with every
//! name resolved to an index and every time in hours or microseconds.
//!
//! Nothing here can be invalid: the scenario module builds a [`Model`] only
//! when a file has no problems, so the engine never checks user input.

mod dist;

pub use dist::Dist;

/// Simulated time, in integer microseconds.
pub type Micros = u64;

pub const MICROS_PER_HOUR: f64 = 3.6e9;
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// Limits of what the engine can simulate, enforced when a scenario is
/// loaded (the engine relies on them and never checks them again).
///
/// Serving slots of one service are encoded in this many low bits of an event index.
pub const SLOT_BITS: u32 = 9;
/// The most serving slots (`active` of N+K) a service may have.
pub const MAX_SLOTS: u32 = 1 << SLOT_BITS;
/// The most links that may split one quorum service.
pub const MAX_SPLITTING_LINKS: usize = 12;
/// Fixed-point scale for capacities and demands (requests per second), so
/// that sums of capacities are exact and their order cannot change results.
pub const CAPACITY_SCALE: f64 = 1e6;

/// Converts hours to integer microseconds, rounding to the nearest and
/// saturating at [`Micros::MAX`] for times beyond any horizon.
pub fn micros_from_hours(hours: f64) -> Micros {
    let us = (hours * MICROS_PER_HOUR).round();
    if us >= Micros::MAX as f64 {
        Micros::MAX
    } else if us > 0.0 {
        us as Micros
    } else {
        0
    }
}

pub fn hours_from_micros(us: Micros) -> f64 {
    us as f64 / MICROS_PER_HOUR
}

#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub simulation: Simulation,
    pub domains: Vec<Domain>,
    pub crews: Vec<Crew>,
    pub groups: Vec<NodeGroup>,
    pub nodes: Vec<Node>,
    pub services: Vec<Service>,
    /// Indices of the services whose joint availability is "the system".
    pub system: Vec<usize>,
    pub links: Vec<Link>,
    pub traffic: Vec<Traffic>,
    pub faults: Vec<Fault>,
    pub slos: Vec<Slo>,
    /// `cost`: prices of the design and of its downtime (`None` without).
    pub cost: Option<Cost>,
}

/// `cost`: what the design costs a year, and what its downtime, failed
/// requests and lost writes cost. Prices are per year (hardware, people,
/// links) and per unit (a minute down, a request, a write).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Cost {
    /// Per node group (indexed like [`Model::groups`]): per instance and year.
    pub nodes: Vec<Option<f64>>,
    /// Per node group: what an idle cold-standby instance costs, relative
    /// to a running one (1 when not given).
    pub idle_factor: Vec<f64>,
    /// Per crew (indexed like [`Model::crews`]): per member and year.
    pub crews: Vec<Option<f64>>,
    /// Per link and year.
    pub links: Option<f64>,
    /// Per minute of the system's downtime.
    pub downtime_system: Option<f64>,
    /// Per service (indexed like [`Model::services`]): per minute down.
    pub downtime_services: Vec<Option<f64>>,
    /// Per failed request (services with traffic).
    pub failed_requests: Option<f64>,
    /// Per lost write (services with replication).
    pub lost_writes: Option<f64>,
    /// Per minute a service with sync replication serves but refuses
    /// writes (no replica to acknowledge them).
    pub write_unavailable: Option<f64>,
}

/// How long, how often and from which seed to simulate.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Measured time per replication (after the warm-up).
    pub horizon_us: Micros,
    /// Time simulated before measuring starts; 0 measures interval availability.
    pub warmup_us: Micros,
    pub n_replications: u64,
    pub seed: u64,
    /// Outages shorter than this count as downtime but not as incidents.
    pub incident_threshold_us: Micros,
}

/// One way a node, domain or link fails, and how it is repaired.
#[derive(Clone, Debug)]
pub struct FailureMode {
    pub name: String,
    pub ttf: Dist,
    pub repair: Dist,
    /// The crew that repairs it; `None` is repaired at once, independently.
    pub crew: Option<usize>,
    pub scope: Scope,
    /// `effect: slow` (nodes only): the node stays up for its clients but
    /// stalls, so it stops answering its monitor (a gray failure).
    pub slow: bool,
    /// `monitoring`: the delays before its repair is asked for; `None` asks
    /// at once (no draw).
    pub monitoring: Option<Monitoring>,
    /// `effect: slow` with `factor`: while stalled, the node's capacity for
    /// traffic is divided by it (as a `slow` fault's `factor`).
    pub factor: Option<f64>,
    /// `repair: {..., together: true}` (`scope: group` only): the instances
    /// one shock hits are repaired as one, by a single draw (a rollback).
    pub repair_together: bool,
    /// `loses_state: true` (nodes only): after its repair the node rebuilds
    /// its state by the `recovery` of its service (restore the last
    /// snapshot, replay the writes since) before it is up again.
    pub loses_state: bool,
}

/// How long a failure goes unnoticed (`alert`) and then unanswered
/// (`respond`) before its repair is asked for: a crew is then waited for in
/// FIFO order as without monitoring.
#[derive(Clone, Debug)]
pub struct Monitoring {
    pub alert: Dist,
    pub respond: Dist,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Each instance has its own clock.
    Instance,
    /// One clock for the whole group: when it fires every running instance fails.
    Group,
}

#[derive(Clone, Debug)]
pub struct Domain {
    pub name: String,
    pub parent: Option<usize>,
    pub failures: Vec<FailureMode>,
}

#[derive(Clone, Debug)]
pub struct Crew {
    pub name: String,
    pub size: u32,
}

/// A group of identical nodes, as written under `nodes:`.
#[derive(Clone, Debug)]
pub struct NodeGroup {
    pub name: String,
    /// Requests per second one node can serve.
    pub capacity_per_s: Option<f64>,
    pub failures: Vec<FailureMode>,
    /// Indices into [`Model::nodes`].
    pub members: Vec<usize>,
}

/// One server instance, such as `web-3`.
#[derive(Clone, Debug)]
pub struct Node {
    pub name: String,
    pub group: usize,
    pub domain: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct Service {
    pub name: String,
    /// Indices into [`Model::nodes`].
    pub members: Vec<usize>,
    /// Indices of the services this one needs.
    pub requires: Vec<usize>,
    pub redundancy: Redundancy,
    /// Requests per second the healthy members must be able to serve.
    pub demand_per_s: Option<f64>,
    /// 24 hourly factors of the demand (`demand: {rate, pattern}`), hour 0
    /// starting at simulated time 0.
    pub demand_pattern: Option<Vec<f64>>,
    pub balancer: Option<Balancer>,
    pub replication: Option<Replication>,
    pub recovery: Option<Recovery>,
    /// Writes per second while the service serves: what replication can
    /// lose and recovery must replay.
    pub writes_per_s: Option<f64>,
    /// `writes: {rate, pattern}`: the 24 hourly factors of the write rate,
    /// hour 0 starting at simulated time 0.
    pub writes_pattern: Option<Vec<f64>>,
}

/// The writes made between `from_us` and `to_us` at `rate_per_s`, times
/// the factor of each hour of the day when a daily `pattern` is given.
pub fn writes_between(
    rate_per_s: f64,
    pattern: Option<&[f64]>,
    from_us: Micros,
    to_us: Micros,
) -> f64 {
    if to_us <= from_us {
        return 0.0;
    }
    let Some(pattern) = pattern else {
        return rate_per_s * (to_us - from_us) as f64 / 1e6;
    };
    const HOUR: Micros = 3_600_000_000;
    const DAY: Micros = 24 * HOUR;
    let day_writes: f64 = pattern.iter().sum::<f64>() * 3600.0 * rate_per_s;
    // Whole days at once, then hour by hour (at most 24 steps).
    let days = (to_us - from_us) / DAY;
    let mut total = days as f64 * day_writes;
    let mut t = from_us + days * DAY;
    while t < to_us {
        let end = ((t / HOUR + 1) * HOUR).min(to_us);
        let factor = pattern[((t / HOUR) % 24) as usize];
        total += rate_per_s * factor * (end - t) as f64 / 1e6;
        t = end;
    }
    total
}

#[derive(Clone, Debug)]
pub enum Redundancy {
    ActiveActive {
        min_up: u32,
    },
    Quorum {
        min_up: u32,
        election: Option<Dist>,
    },
    HotStandby {
        standbys: u32,
        failover: Failover,
    },
    WarmStandby {
        standbys: u32,
        idle_failure_factor: f64,
        warmup: Option<Dist>,
        failover: Failover,
    },
    ColdStandby {
        standbys: u32,
        boot: Option<Dist>,
        restore: Option<Dist>,
        failover: Failover,
    },
    NPlusK {
        active: u32,
        spares: u32,
        spare_mode: SpareMode,
        failover: Failover,
    },
}

impl Service {
    /// The fewest healthy members with which the service can be up.
    pub fn min_up(&self) -> u32 {
        match &self.redundancy {
            Redundancy::ActiveActive { min_up } | Redundancy::Quorum { min_up, .. } => *min_up,
            // One serving member, in the standby modes.
            Redundancy::HotStandby { .. }
            | Redundancy::WarmStandby { .. }
            | Redundancy::ColdStandby { .. } => 1,
            Redundancy::NPlusK { active, .. } => *active,
        }
    }
}

/// What the standby modes have in common: serving slots, spares, how fast
/// an idle spare ages, the delays of a takeover and the failover settings.
pub struct StandbyParts<'a> {
    /// Members serving at once: 1 for the standby modes, `active` for N+K.
    pub slots: u32,
    pub spares: u32,
    /// Clock speed of an idle member: 1 hot, the idle failure factor warm, 0 cold.
    pub idle_speed: f64,
    /// Switchover, VIP takeover, and warm-up or boot and restore, where given.
    pub delays: Vec<&'a Dist>,
    pub failover: &'a Failover,
}

impl Redundancy {
    /// The standby parts of a hot, warm or cold standby or N+K service.
    pub fn standby_parts(&self) -> Option<StandbyParts<'_>> {
        let (slots, spares, idle_speed, extra, failover): (
            u32,
            u32,
            f64,
            Vec<&Option<Dist>>,
            &Failover,
        ) = match self {
            Redundancy::HotStandby { standbys, failover } => (1, *standbys, 1.0, vec![], failover),
            Redundancy::WarmStandby {
                standbys,
                idle_failure_factor,
                warmup,
                failover,
            } => (1, *standbys, *idle_failure_factor, vec![warmup], failover),
            Redundancy::ColdStandby {
                standbys,
                boot,
                restore,
                failover,
            } => (1, *standbys, 0.0, vec![boot, restore], failover),
            Redundancy::NPlusK {
                active,
                spares,
                spare_mode,
                failover,
            } => {
                let idle = if *spare_mode == SpareMode::Hot {
                    1.0
                } else {
                    0.0
                };
                (*active, *spares, idle, vec![], failover)
            }
            _ => return None,
        };
        let delays = [&failover.switchover, &failover.vip_takeover]
            .into_iter()
            .chain(extra)
            .flatten()
            .collect();
        Some(StandbyParts {
            slots,
            spares,
            idle_speed,
            delays,
            failover,
        })
    }

    pub fn mode_name(&self) -> &'static str {
        match self {
            Redundancy::ActiveActive { .. } => "active-active",
            Redundancy::Quorum { .. } => "quorum",
            Redundancy::HotStandby { .. } => "hot-standby",
            Redundancy::WarmStandby { .. } => "warm-standby",
            Redundancy::ColdStandby { .. } => "cold-standby",
            Redundancy::NPlusK { .. } => "n-plus-k",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpareMode {
    Hot,
    Cold,
}

#[derive(Clone, Debug, Default)]
pub struct Failover {
    pub heartbeat: Option<Heartbeat>,
    pub switchover: Option<Dist>,
    pub vip_takeover: Option<Dist>,
    pub coverage: f64,
    pub fencing: bool,
    pub failback_auto: bool,
    /// `arbiter: {nodes: GROUP, quorum: N}`: a failover needs N of these
    /// monitors up, reaching each other, and unable to hear the active
    /// member; `None`: the member that would take over decides alone.
    pub arbiter: Option<Arbiter>,
}

/// Separate monitors that decide failovers (Redis Sentinel, etcd behind
/// Patroni, MongoDB arbiters).
#[derive(Clone, Debug)]
pub struct Arbiter {
    /// The node group of the arbiters.
    pub group: usize,
    pub quorum: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Heartbeat {
    pub interval_us: Micros,
    pub timeout_us: Micros,
    pub loss: f64,
}

#[derive(Clone, Debug)]
pub struct Balancer {
    pub policy: String,
    pub weights: Vec<(usize, f64)>,
    pub health_check: Option<HealthCheck>,
}

#[derive(Clone, Debug)]
pub struct HealthCheck {
    pub interval_us: Micros,
    pub timeout_us: Micros,
    pub unhealthy_after: u32,
    pub healthy_after: u32,
}

#[derive(Clone, Debug)]
pub struct Replication {
    pub synchronous: bool,
    pub lag: Option<Dist>,
    pub resync: Option<Dist>,
    /// Sync only: after writes have been blocked this long for want of a
    /// replica, the active member accepts them alone (semi-synchronous).
    pub degrade_after_us: Option<Micros>,
}

#[derive(Clone, Debug)]
pub struct Recovery {
    pub snapshot_every_us: Option<Micros>,
    pub restore: Option<Dist>,
    pub replay_per_s: Option<f64>,
}

/// A network link between two domains: while it is down, no node inside
/// one side (or its child domains) can reach a node inside the other.
#[derive(Clone, Debug)]
pub struct Link {
    /// `a~b`, from the two domain names, for random streams and messages.
    pub name: String,
    pub between: [usize; 2],
    pub failures: Vec<FailureMode>,
}

impl Cost {
    /// What the design costs a year, as provisioned: every instance at its
    /// group's price, the members that start as spares of a cold standby
    /// (switched off while idle) at `idle_factor` of it, every crew member
    /// and every link. Returns the total and its parts (nodes, crews, links).
    pub fn infrastructure_per_year(&self, model: &Model) -> [f64; 4] {
        let mut idle = vec![0u32; model.groups.len()];
        for service in &model.services {
            if let Some(parts) = service.redundancy.standby_parts()
                && parts.idle_speed == 0.0
            {
                for &n in service.members.iter().skip(parts.slots as usize) {
                    idle[model.nodes[n].group] += 1;
                }
            }
        }
        let nodes: f64 = model
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let price = self.nodes.get(g).copied().flatten().unwrap_or(0.0);
                let factor = self.idle_factor.get(g).copied().unwrap_or(1.0);
                let idle = f64::from(idle[g]);
                price * (group.members.len() as f64 - idle + factor * idle)
            })
            .sum();
        let crews: f64 = model
            .crews
            .iter()
            .enumerate()
            .map(|(k, crew)| {
                self.crews.get(k).copied().flatten().unwrap_or(0.0) * f64::from(crew.size)
            })
            .sum();
        let links = self.links.unwrap_or(0.0) * model.links.len() as f64;
        [nodes + crews + links, nodes, crews, links]
    }
}

impl Model {
    /// Whether an injected `slow` or `heartbeat-loss` fault may stall node `n`.
    pub fn stall_fault_targets(&self, n: usize) -> bool {
        self.faults.iter().any(|f| {
            f.action.stalls()
                && matches!(&f.target, FaultTarget::Nodes(v) | FaultTarget::RandomNode(v) if v.contains(&n))
        })
    }

    /// Whether node `n` is placed inside domain `d`, directly or through `parent`.
    pub fn node_in_domain(&self, n: usize, d: usize) -> bool {
        let mut current = self.nodes[n].domain;
        for _ in 0..self.domains.len() {
            match current {
                Some(c) if c == d => return true,
                Some(c) => current = self.domains[c].parent,
                None => return false,
            }
        }
        false
    }

    /// Whether link `l` separates some two of `members`.
    /// Whether link `l` has a node of `a` on one side and a node of `b` on
    /// the other, so that cutting it can separate the two sets.
    pub fn link_separates_sets(&self, l: usize, a: &[usize], b: &[usize]) -> bool {
        let [x, y] = self.links[l].between;
        let inside = |set: &[usize], d| set.iter().any(|&n| self.node_in_domain(n, d));
        (inside(a, x) && inside(b, y)) || (inside(a, y) && inside(b, x))
    }

    /// Whether a one-way partition fault has members of `members` on both
    /// of its sides.
    pub fn one_way_separates(&self, members: &[usize]) -> bool {
        self.faults.iter().any(|f| match f.target {
            FaultTarget::OneWay { deaf, unheard } => {
                let inside = |d| members.iter().any(|&n| self.node_in_domain(n, d));
                inside(deaf) && inside(unheard)
            }
            _ => false,
        })
    }

    pub fn link_separates(&self, l: usize, members: &[usize]) -> bool {
        let [x, y] = self.links[l].between;
        let inside = |d| members.iter().any(|&n| self.node_in_domain(n, d));
        inside(x) && inside(y)
    }
}

#[derive(Clone, Debug)]
pub struct Traffic {
    pub service: usize,
    /// The offered load, requests per second (times the hour's factor).
    pub rate_per_s: f64,
    /// 24 hourly factors of the rate, hour 0 starting at simulated time 0.
    pub pattern: Option<Vec<f64>>,
    /// `mode: requests`: every request simulated one by one.
    pub requests: Option<RequestMode>,
    /// `overload: collapse`: overloaded members crash.
    pub collapse: Option<Collapse>,
    /// `clients: DOMAIN`: the clients sit in this domain and reach only the
    /// members no cut link separates them from.
    pub clients: Option<usize>,
}

/// `overload: collapse` of a traffic entry (fluid mode): a member whose share
/// exceeds its capacity by more than `tolerance` crashes `after` later
/// (doubled for each consecutive collapse), and restarts `restart` later.
#[derive(Clone, Debug)]
pub struct Collapse {
    /// A fraction of the capacity (0.2: a share up to 120% is tolerated).
    pub tolerance: f64,
    pub after: Dist,
    /// Each member's restart time, in member order (by default the repair
    /// of its group's first failure mode).
    pub restart: Vec<Dist>,
}

impl Traffic {
    /// The rate's factor averaged over a day (1 without a pattern).
    pub fn mean_factor(&self) -> f64 {
        self.pattern
            .as_ref()
            .map_or(1.0, |p| p.iter().sum::<f64>() / p.len() as f64)
    }
}

/// The per-request mode of a traffic entry.
#[derive(Clone, Debug)]
pub struct RequestMode {
    /// Each request's service time; `None`: exponential, mean 1/capacity.
    pub service_time: Option<Dist>,
    /// A request that has waited and been served longer than this fails.
    pub timeout_us: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Fault {
    /// The fault's name in reports and causes of downtime: its `name`, or
    /// its action and target (`crash db-1`).
    pub name: String,
    pub action: FaultAction,
    pub target: FaultTarget,
    /// Injected once, at this time from the start of a replication...
    pub at_us: Option<Micros>,
    /// ...or repeatedly: the gaps of a renewal process, counted in the
    /// time inside `during` when there is one.
    pub every: Option<Dist>,
    pub during: Option<FaultWindow>,
    /// How long each injection keeps its target down.
    pub duration: Dist,
    /// `action: slow` only: the target's capacity is divided by this for
    /// the duration (with traffic; in the per-request mode its service
    /// times are multiplied by it).
    pub factor: Option<f64>,
    /// `action: maintenance, rolling: true`: the targets one at a time,
    /// each when every other target is up.
    pub rolling: bool,
}

/// What an injected fault does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultAction {
    /// The target instances are down for the duration, then healthy again.
    Crash,
    /// A domain is down for the duration (every node inside it).
    DomainOutage,
    /// A link between two domains is cut for the duration.
    Partition,
    /// The target instances stay up, but their monitors stop hearing them
    /// for the duration (a gray failure): suspected like a stall.
    Slow,
    /// The target instances' heartbeats are lost for the duration: their
    /// monitors suspect them although they serve.
    HeartbeatLoss,
    /// Planned downtime of the target instances: drained from their
    /// balancers first, and a standby's active role handed over with a
    /// planned switchover (no detection delay).
    Maintenance,
}

impl FaultAction {
    /// Whether the fault stalls its targets (they stay up) instead of
    /// taking them down.
    pub fn stalls(self) -> bool {
        matches!(self, FaultAction::Slow | FaultAction::HeartbeatLoss)
    }

    pub fn key(self) -> &'static str {
        match self {
            FaultAction::Crash => "crash",
            FaultAction::DomainOutage => "domain-outage",
            FaultAction::Partition => "partition",
            FaultAction::Slow => "slow",
            FaultAction::HeartbeatLoss => "heartbeat-loss",
            FaultAction::Maintenance => "maintenance",
        }
    }
}

/// What an injected fault hits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultTarget {
    /// These instances (one, or every instance of a group), each running one.
    Nodes(Vec<usize>),
    /// One running instance among these, chosen uniformly at each injection.
    RandomNode(Vec<usize>),
    Domain(usize),
    Link(usize),
    /// A one-way partition (`direction: [deaf, unheard]`): monitors inside
    /// `deaf` cannot hear members inside `unheard`; clients still reach both.
    OneWay {
        deaf: usize,
        unheard: usize,
    },
}

/// When a repeated fault may fire: on these days of the week (time zero is
/// a Monday at 00:00), between these hours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultWindow {
    /// Monday first.
    pub days: [bool; 7],
    pub from_h: u32,
    pub to_h: u32,
}

impl FaultWindow {
    /// Hours of window time in one week.
    pub fn hours_per_week(&self) -> u32 {
        self.days.iter().filter(|&&d| d).count() as u32 * (self.to_h - self.from_h)
    }
}

/// One objective of `slos`, judged by `nines check`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// The service's index, or `None` for the system.
    pub service: Option<usize>,
    /// The scenario key: `availability`, `downtime_per_year`, ...
    pub objective: String,
    /// A probability for ratios, hours per year for `downtime_per_year`,
    /// hours for the durations.
    pub target: f64,
    /// With a window, the objective is on each window of this length.
    pub window_us: Option<Micros>,
    /// The share of windows that must meet the target (default 0.9).
    pub meets: f64,
    /// The confidence of the verdict's one-sided bound (default 0.95).
    pub confidence: f64,
}
