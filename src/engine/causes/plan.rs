//! The causes of downtime, named once per experiment: each failure mode of
//! a node group, domain or link, each failover phase of a standby service,
//! and "requires S" for each service others require; and, for the system
//! and every service, the causes it can be down for (columns of the CSV).

use super::super::plan::{ServicePlan, StandbyPlan, UnitKind, UnitPlan};
use crate::model::{FaultTarget, Model};
use indexmap::IndexSet;

/// The failover phases a standby service's own downtime is split into
/// (outages with no member left go to the failure that caused them).
pub const PHASES: [&str; 3] = ["detection", "switchover", "failed takeover"];

#[derive(Clone, Debug, Default)]
pub struct CausePlan {
    /// Cause names, such as `web/crash`, `zone-a/zone-outage`,
    /// `link zone-a~zone-b/fibre-cut`, `database failover: detection`,
    /// `requires database`.
    pub names: Vec<String>,
    /// The cause of each failure mode of the plan.
    pub mode: Vec<u32>,
    /// The unit of each domain and of each link.
    pub domain_unit: Vec<u32>,
    pub link_unit: Vec<u32>,
    /// The causes of each standby service's failover phases ([`PHASES`]).
    pub phases: Vec<[u32; 3]>,
    /// The cause "requires S" of each service S.
    pub requires: Vec<u32>,
    /// The cause "S election" of each service S (used by the quorum
    /// services with `election`).
    pub election: Vec<u32>,
    /// The cause of each fault entry, and the fault causes of each unit.
    pub fault: Vec<u32>,
    /// The cause "overload collapse: S" of each traffic entry with
    /// `overload: collapse`.
    pub collapse: Vec<Option<u32>>,
    /// The unit of each one-way partition fault, in fault order.
    pub deaf_unit: Vec<u32>,
    /// The stall unit of each node, if it has one.
    pub stall_unit: Vec<Option<u32>>,
    pub unit_faults: Vec<Vec<u32>>,
    /// The causes each entity can be down for, ascending: the system first,
    /// then each service.
    pub entity: Vec<Vec<u32>>,
    /// The system is one service that requires nothing: its downtime by
    /// cause is that service's, copied at the end instead of followed.
    pub system_mirror: Option<u32>,
    /// That one service, when it is no standby service and can be down for
    /// one cause only: all its downtime is that cause's, so the engine
    /// follows no holder for it and fills the total in at the end.
    pub unattributed: Option<u32>,
}

/// No cause: the entry of a service without elections in `election`.
const NO_CAUSE: u32 = u32::MAX;

struct Names(IndexSet<String>);

impl Names {
    fn id(&mut self, name: String) -> u32 {
        self.0.insert_full(name).0 as u32
    }
}

impl CausePlan {
    pub fn new(
        model: &Model,
        units: &[UnitPlan],
        services: &[ServicePlan],
        standbys: &[StandbyPlan],
    ) -> CausePlan {
        let mut names = Names(IndexSet::new());
        let mut plan = CausePlan {
            domain_unit: vec![0; model.domains.len()],
            link_unit: vec![0; model.links.len()],
            ..CausePlan::default()
        };
        for (u, unit) in units.iter().enumerate() {
            let (prefix, modes): (String, Vec<&str>) = match unit.kind {
                UnitKind::Node(n) | UnitKind::Stall(n) => {
                    let group = &model.groups[model.nodes[n as usize].group];
                    let slow = matches!(unit.kind, UnitKind::Stall(_));
                    let modes = group.failures.iter().filter(|m| m.slow == slow);
                    (group.name.clone(), modes.map(|m| m.name.as_str()).collect())
                }
                UnitKind::Domain(d) => {
                    plan.domain_unit[d as usize] = u as u32;
                    let domain = &model.domains[d as usize];
                    // A domain named like a node group keeps its causes apart.
                    let clash = model.groups.iter().any(|g| g.name == domain.name);
                    let prefix = if clash {
                        format!("domain {}", domain.name)
                    } else {
                        domain.name.clone()
                    };
                    (
                        prefix,
                        domain.failures.iter().map(|m| m.name.as_str()).collect(),
                    )
                }
                UnitKind::Deaf(_) => (String::new(), Vec::new()),
                UnitKind::Link(l) => {
                    plan.link_unit[l as usize] = u as u32;
                    let link = &model.links[l as usize];
                    let modes = link.failures.iter().map(|m| m.name.as_str()).collect();
                    (format!("link {}", link.name), modes)
                }
            };
            debug_assert_eq!(modes.len() as u32, unit.modes_end - unit.modes_start);
            for mode in modes {
                let id = names.id(format!("{prefix}/{mode}"));
                plan.mode.push(id);
            }
        }
        plan.unit_faults = vec![Vec::new(); units.len()];
        plan.stall_unit = vec![None; model.nodes.len()];
        for (u, unit) in units.iter().enumerate() {
            if let UnitKind::Stall(n) = unit.kind {
                plan.stall_unit[n as usize] = Some(u as u32);
            }
        }
        // The units of the one-way partition faults, in fault order.
        plan.deaf_unit = units
            .iter()
            .enumerate()
            .filter(|(_, u)| matches!(u.kind, UnitKind::Deaf(_)))
            .map(|(u, _)| u as u32)
            .collect();
        let mut one_way = 0;
        for fault in &model.faults {
            let id = names.id(format!("fault: {}", fault.name));
            plan.fault.push(id);
            let hit: Vec<u32> = match &fault.target {
                FaultTarget::Nodes(n) | FaultTarget::RandomNode(n) if fault.action.stalls() => {
                    n.iter().filter_map(|&n| plan.stall_unit[n]).collect()
                }
                FaultTarget::Nodes(n) | FaultTarget::RandomNode(n) => {
                    n.iter().map(|&n| n as u32).collect()
                }
                FaultTarget::Domain(d) => vec![plan.domain_unit[*d]],
                FaultTarget::Link(l) => vec![plan.link_unit[*l]],
                FaultTarget::OneWay { .. } => vec![plan.deaf_unit[one_way]],
            };
            if matches!(fault.target, FaultTarget::OneWay { .. }) {
                one_way += 1;
            }
            for u in hit {
                plan.unit_faults[u as usize].push(id);
            }
        }
        for t in &model.traffic {
            let id = t.collapse.as_ref().map(|_| {
                let service = &model.services[t.service];
                let id = names.id(format!("overload collapse: {}", service.name));
                for &m in &service.members {
                    plan.unit_faults[m].push(id);
                }
                id
            });
            plan.collapse.push(id);
        }
        for sb in standbys {
            let service = &model.services[sb.service as usize].name;
            plan.phases
                .push(PHASES.map(|p| names.id(format!("{service} failover: {p}"))));
        }
        for service in &model.services {
            plan.requires
                .push(names.id(format!("requires {}", service.name)));
        }
        for (service, spec) in model.services.iter().zip(services) {
            // Named only where it can happen, so no other list grows.
            let name = format!("{} election", service.name);
            plan.election.push(match spec.election {
                Some(_) => names.id(name),
                None => NO_CAUSE,
            });
        }
        plan.names = names.0.into_iter().collect();
        plan.entity = plan.entity_causes(model, units, services);
        if let [t] = model.system[..]
            && model.services[t].requires.is_empty()
        {
            plan.system_mirror = Some(t as u32);
            if plan.entity[t + 1].len() == 1 && services[t].standby.is_none() {
                plan.unattributed = Some(t as u32);
            }
        }
        plan
    }

    /// The causes of each entity: a service's own (its members' and their
    /// domains' failure modes, links that can cut it, its failover phases)
    /// and "requires S" for each S it requires; the system's are those of
    /// its services with every "requires S" replaced by the causes of S.
    fn entity_causes(
        &self,
        model: &Model,
        units: &[UnitPlan],
        services: &[ServicePlan],
    ) -> Vec<Vec<u32>> {
        let unit_causes = |u: usize| {
            let unit = &units[u];
            let mut causes = self.mode[unit.modes_start as usize..unit.modes_end as usize].to_vec();
            causes.extend(&self.unit_faults[u]);
            causes
        };
        let own: Vec<Vec<u32>> = (0..model.services.len())
            .map(|s| {
                let mut causes = Vec::new();
                for &n in &model.services[s].members {
                    causes.extend(unit_causes(n));
                    let mut domain = model.nodes[n].domain;
                    for _ in 0..model.domains.len() {
                        let Some(d) = domain else { break };
                        causes.extend(unit_causes(self.domain_unit[d] as usize));
                        domain = model.domains[d].parent;
                    }
                }
                let spec = &services[s];
                if spec.partitionable || spec.reach_exposed {
                    for &u in &self.link_unit {
                        causes.extend(unit_causes(u as usize));
                    }
                }
                if let Some(sb) = spec.standby {
                    causes.extend(self.phases[sb as usize]);
                }
                if spec.election.is_some() {
                    causes.push(self.election[s]);
                }
                causes
            })
            .collect();
        let mut entity = vec![Vec::new()];
        for (s, service) in model.services.iter().enumerate() {
            let mut causes = own[s].clone();
            causes.extend(service.requires.iter().map(|&r| self.requires[r]));
            entity.push(sorted(causes));
        }
        // The system: its services and, through `requires`, what they need.
        let mut seen = vec![false; model.services.len()];
        let mut stack: Vec<usize> = model.system.clone();
        let mut system = Vec::new();
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut seen[s], true) {
                continue;
            }
            system.extend(&own[s]);
            stack.extend(&model.services[s].requires);
        }
        entity[0] = sorted(system);
        entity
    }
}

fn sorted(mut causes: Vec<u32>) -> Vec<u32> {
    causes.sort_unstable();
    causes.dedup();
    causes
}
