//! Load balancing and offered traffic as a fluid: request figures are
//! integrals of rates over the state the engine already tracks.
//!
//! Between two events the offered rate (constant, or piecewise constant by
//! the hour of a daily pattern) and the state of every member are fixed, so
//! [`Sim::flush_traffic`], called before each event and at the end of the
//! window, adds the requests served and failed by cause in closed form: its
//! cost depends on the number of members and pattern hours, never on the
//! rate or on the time since the last event. Health checks are never
//! simulated one by one: a member's ejection and rejoin delays are drawn at
//! its failure and repair and cost one event each (`KIND_TRAFFIC`).

use super::overload::{CollapsePlan, CollapseState};
use super::requests::{Members, RequestPlan, RequestSim};
use super::rng::{Stream, StreamKey};
use super::{FutureEvents, KIND_TRAFFIC, Sim, payload};
use crate::metrics::RequestCounts;
use crate::model::{Micros, Model};

const HOUR_US: u64 = 3_600_000_000;
const DAY_US: u64 = 24 * HOUR_US;

/// The balancer and load of one service with traffic.
#[derive(Clone, Debug)]
pub struct TrafficPlan {
    pub service: u32,
    pub rate_per_s: f64,
    /// 24 hourly factors of the rate, if the load follows a daily pattern.
    pub pattern: Option<Vec<f64>>,
    pub members: Vec<u32>,
    /// Requests per second each member can serve; infinite without `capacity`.
    pub capacity: Vec<f64>,
    /// Each member's weight (1 for round-robin and random).
    pub weight: Vec<f64>,
    /// `least-connections` and `power-of-two`: load goes where there is room.
    pub fills: bool,
    /// Ejection delay `[low, high)` and rejoin delay `[low, high)`, µs.
    pub check: Option<([Micros; 2], [Micros; 2])>,
    /// Index of the first health-check slot of this service's members.
    pub first_slot: u32,
    pub keys: Vec<StreamKey>,
    /// `mode: requests`: simulated request by request (engine/requests.rs).
    pub requests: Option<RequestPlan>,
    /// `overload: collapse` (engine/overload.rs).
    pub collapse: Option<CollapsePlan>,
    /// `clients: DOMAIN`: that domain and the domains it sits in.
    pub clients: Option<Vec<u32>>,
}

/// Balancers and traffic of a plan.
#[derive(Clone, Debug, Default)]
pub struct TrafficPlans {
    pub entries: Vec<TrafficPlan>,
    /// Health-check slots: (entry, member position).
    pub slots: Vec<(u32, u32)>,
    /// The health-check slots of each node.
    pub node_slots: Vec<Vec<u32>>,
}

impl TrafficPlans {
    pub fn new(model: &Model, collapse_causes: &[Option<u32>]) -> TrafficPlans {
        let mut plans = TrafficPlans {
            node_slots: vec![Vec::new(); model.nodes.len()],
            ..TrafficPlans::default()
        };
        for (index, t) in model.traffic.iter().enumerate() {
            let service = &model.services[t.service];
            let policy = service
                .balancer
                .as_ref()
                .map_or("round-robin", |b| &b.policy);
            let weight = service
                .members
                .iter()
                .map(|m| match service.balancer.as_ref() {
                    Some(b) if policy == "weighted" => {
                        b.weights.iter().find(|w| w.0 == *m).map_or(0.0, |w| w.1)
                    }
                    _ => 1.0,
                })
                .collect();
            let check = service
                .balancer
                .as_ref()
                .and_then(|b| b.health_check.as_ref())
                .map(|h| {
                    let (i, u, k) = (h.interval_us, u64::from(h.unhealthy_after), h.healthy_after);
                    (
                        [(u - 1) * i + h.timeout_us, u * i + h.timeout_us],
                        [u64::from(k - 1) * i, u64::from(k) * i],
                    )
                });
            let first_slot = plans.slots.len() as u32;
            let collapse = CollapsePlan::new(model, index, collapse_causes[index]);
            let clients = t.clients.map(|d| {
                let mut chain = vec![d as u32];
                let mut parent = model.domains[d].parent;
                while let Some(p) = parent {
                    if chain.contains(&(p as u32)) {
                        break;
                    }
                    chain.push(p as u32);
                    parent = model.domains[p].parent;
                }
                chain
            });
            if check.is_some() || collapse.is_some() || clients.is_some() {
                for (pos, &m) in service.members.iter().enumerate() {
                    plans.node_slots[m].push(plans.slots.len() as u32);
                    plans.slots.push((plans.entries.len() as u32, pos as u32));
                }
            }
            plans.entries.push(TrafficPlan {
                service: t.service as u32,
                rate_per_s: t.rate_per_s,
                pattern: t.pattern.clone(),
                members: service.members.iter().map(|&m| m as u32).collect(),
                capacity: service
                    .members
                    .iter()
                    .map(|&m| {
                        let group = &model.groups[model.nodes[m].group];
                        group.capacity_per_s.unwrap_or(f64::INFINITY)
                    })
                    .collect(),
                weight,
                fills: matches!(policy, "least-connections" | "power-of-two"),
                check,
                first_slot,
                keys: service
                    .members
                    .iter()
                    .map(|&m| {
                        StreamKey::of(&["traffic", &service.name, &model.nodes[m].name, "check"])
                    })
                    .collect(),
                requests: RequestPlan::new(model, index),
                collapse,
                clients,
            });
        }
        plans
    }
}

/// The run-time state of one service with traffic.
#[derive(Clone)]
pub struct TrafficState {
    /// Members the balancer sends load to.
    pub(super) in_rotation: Vec<bool>,
    /// Bumped when a pending ejection or rejoin is called off.
    epoch: Vec<u32>,
    /// Members up and reachable from the clients, as last seen (entries
    /// with `clients` only: a link change may leave a member as it was).
    pub(super) reachable: Vec<bool>,
    /// Health-check delays (only with `health_check`).
    streams: Vec<Stream>,
    pub counts: RequestCounts,
    /// The per-request simulation (`mode: requests` only).
    requests: Option<RequestSim>,
    /// Pending and past collapses (`overload: collapse` only).
    pub(super) collapse: Option<CollapseState>,
}

impl TrafficState {
    pub fn new(plan: &TrafficPlan, seed: u64, replication: u64) -> TrafficState {
        let n = plan.members.len();
        TrafficState {
            in_rotation: vec![true; n],
            epoch: vec![0; n],
            reachable: vec![true; n],
            streams: match plan.check {
                Some(_) => plan
                    .keys
                    .iter()
                    .map(|&k| Stream::new(seed, replication, k))
                    .collect(),
                None => Vec::new(),
            },
            counts: RequestCounts::default(),
            requests: plan
                .requests
                .as_ref()
                .map(|r| RequestSim::new(r, seed, replication)),
            collapse: plan
                .collapse
                .as_ref()
                .map(|c| CollapseState::new(c, seed, replication)),
        }
    }

    /// Arrivals and completions simulated one by one (per-request mode).
    pub fn request_events(&self) -> u64 {
        self.requests.as_ref().map_or(0, |r| r.events)
    }

    /// The replication's request figures.
    pub fn finish(&mut self) -> RequestCounts {
        let mut counts = match &mut self.requests {
            Some(r) => r.finish(),
            None => self.counts.clone(),
        };
        counts.collapses = self.collapse.as_ref().map(|c| c.count as f64);
        counts
    }
}

/// Requests per second (served, failed to ejection lag, to overload, to an
/// outage) at an offered rate `load`, from the state of the members.
pub(super) fn split(
    plan: &TrafficPlan,
    rot: &[bool],
    up: &[bool],
    capacity: &[f64],
    load: f64,
) -> [f64; 4] {
    let n = plan.members.len();
    let (mut weight_in, mut dead_weight, mut room) = (0.0, 0.0, 0.0);
    for i in (0..n).filter(|&i| rot[i]) {
        weight_in += plan.weight[i];
        if up[i] {
            room += capacity[i];
        } else {
            dead_weight += plan.weight[i];
        }
    }
    if weight_in <= 0.0 {
        return [0.0, 0.0, 0.0, load];
    }
    let lag = load * dead_weight / weight_in;
    if plan.fills {
        let served = (load - lag).min(room);
        return [served, lag, load - lag - served, 0.0];
    }
    let mut served = 0.0;
    for i in (0..n).filter(|&i| rot[i] && up[i]) {
        served += (load * plan.weight[i] / weight_in).min(capacity[i]);
    }
    let served = served.min(load - lag);
    [served, lag, load - lag - served, 0.0]
}

/// Adds the integral over `[a, b)` of the rates of `rates(factor)`, in
/// requests, hour by hour of the pattern (whole days at once).
fn integrate(a: u64, b: u64, pattern: Option<&[f64]>, rates: impl Fn(f64) -> [f64; 4]) -> [f64; 4] {
    let mut out = [0.0; 4];
    let mut add = |r: [f64; 4], us: f64| {
        for (o, x) in out.iter_mut().zip(r) {
            *o += x * us * 1e-6;
        }
    };
    let Some(pattern) = pattern else {
        add(rates(1.0), (b - a) as f64);
        return out;
    };
    let mut a = a;
    let days = (b - a) / DAY_US;
    if days > 0 {
        for &f in pattern {
            add(rates(f), (days * HOUR_US) as f64);
        }
        a += days * DAY_US;
    }
    while a < b {
        let hour = a / HOUR_US;
        let end = b.min((hour + 1) * HOUR_US);
        add(rates(pattern[(hour % 24) as usize]), (end - a) as f64);
        a = end;
    }
    out
}

impl<Q: FutureEvents, const MODE: u8> Sim<'_, Q, MODE> {
    /// Adds the requests of every service with traffic from the last flush
    /// to `now` (inside the window), under the state that held meanwhile.
    pub(super) fn flush_traffic(&mut self, now: u64) {
        let a = self.traffic_at.max(self.window.start_us);
        let b = now.min(self.window.end_us);
        self.traffic_at = now;
        let plans = &self.plan.traffic.entries;
        let mut up = std::mem::take(&mut self.traffic_up);
        let mut slowed_capacity = Vec::new();
        for (plan, state) in plans.iter().zip(&mut self.traffic) {
            if a >= b && state.requests.is_none() {
                continue;
            }
            up.clear();
            match &plan.clients {
                None => up.extend(
                    plan.members
                        .iter()
                        .map(|&m| self.node_blockers[m as usize] == 0),
                ),
                Some(_) => up.extend_from_slice(&state.reachable),
            }
            let rot: &[bool] = if plan.check.is_some() {
                &state.in_rotation
            } else {
                &up
            };
            let service_up = self.services[plan.service as usize].up;
            // `slow` faults with a factor divide their members' capacity.
            let slowdown = (self.n_slowed > 0).then(|| {
                plan.members
                    .iter()
                    .map(|&m| self.slowdown[m as usize])
                    .collect::<Vec<f64>>()
            });
            let capacity: &[f64] = match &slowdown {
                None => &plan.capacity,
                Some(s) => {
                    slowed_capacity.clear();
                    slowed_capacity.extend(plan.capacity.iter().zip(s).map(|(c, d)| c / d));
                    &slowed_capacity
                }
            };
            if let (Some(sim), Some(rp)) = (&mut state.requests, &plan.requests) {
                let members = Members {
                    up: &up,
                    rotation: rot,
                    service_up,
                    window: self.window,
                    slowdown: slowdown.as_deref(),
                };
                sim.advance(rp, now.min(self.window.end_us), &members);
                continue;
            }
            let rate = plan.rate_per_s;
            let r = integrate(a, b, plan.pattern.as_deref(), |f| {
                if service_up {
                    split(plan, rot, &up, capacity, rate * f)
                } else {
                    [0.0, 0.0, 0.0, rate * f]
                }
            });
            let c = &mut state.counts;
            c.served += r[0];
            c.failed_ejection_lag += r[1];
            c.failed_overload += r[2];
            c.failed_outage += r[3];
            c.offered += r.iter().sum::<f64>();
        }
        self.traffic_up = up;
    }

    /// Node `n` went down or came back: its health checks start failing or
    /// passing, and it leaves or rejoins rotation after a drawn delay.
    pub(super) fn traffic_member_changed(&mut self, n: u32, up: bool) {
        let plan = self.plan;
        for &slot in &plan.traffic.node_slots[n as usize] {
            let (e, pos) = plan.traffic.slots[slot as usize];
            let entry = &plan.traffic.entries[e as usize];
            let up = match &entry.clients {
                None => up,
                Some(chain) => {
                    let reachable = up && !self.cut_from(chain, n);
                    let state = &mut self.traffic[e as usize];
                    if state.reachable[pos as usize] == reachable {
                        continue;
                    }
                    state.reachable[pos as usize] = reachable;
                    reachable
                }
            };
            if entry.collapse.is_some() {
                self.check_overload(e);
            }
            self.member_seen(e, pos, slot, up);
        }
    }

    /// Node `n`'s capacity for traffic changed (a `slow` fault with a
    /// factor): the overload of its services' members is looked at again.
    pub(super) fn traffic_capacity_changed(&mut self, n: u32) {
        let plan = self.plan;
        for &slot in &plan.traffic.node_slots[n as usize] {
            let (e, _) = plan.traffic.slots[slot as usize];
            if plan.traffic.entries[e as usize].collapse.is_some() {
                self.check_overload(e);
            }
        }
    }

    /// Links changed: the members of entries with `clients` that the
    /// clients stop or start reaching look changed to the balancer.
    pub(super) fn traffic_reach_changed(&mut self) {
        let plan = self.plan;
        for (e, entry) in plan.traffic.entries.iter().enumerate() {
            let Some(chain) = &entry.clients else {
                continue;
            };
            let mut changed = false;
            for (p, &n) in entry.members.iter().enumerate() {
                let reachable = self.node_blockers[n as usize] == 0 && !self.cut_from(chain, n);
                let state = &mut self.traffic[e];
                if state.reachable[p] != reachable {
                    state.reachable[p] = reachable;
                    changed = true;
                    self.member_seen(e as u32, p as u32, entry.first_slot + p as u32, reachable);
                }
            }
            if changed && entry.collapse.is_some() {
                self.check_overload(e as u32);
            }
        }
    }

    /// Member `pos` of entry `e` went down or came back for the balancer:
    /// its health checks start failing or passing, and it leaves or rejoins
    /// rotation after a drawn delay.
    fn member_seen(&mut self, e: u32, pos: u32, slot: u32, up: bool) {
        let plan = self.plan;
        let entry = &plan.traffic.entries[e as usize];
        let Some((eject, rejoin)) = entry.check else {
            return;
        };
        let state = &mut self.traffic[e as usize];
        let p = pos as usize;
        state.epoch[p] = state.epoch[p].wrapping_add(1);
        // A member already where the checks would take it needs no event.
        if state.in_rotation[p] == up {
            return;
        }
        if !up && self.planned {
            // Planned maintenance drains it first: out of rotation at once.
            return self.rotation_changed(e, pos, false);
        }
        let [low, high] = if up { rejoin } else { eject };
        let u = state.streams[p].uniform();
        let delay = low + ((high - low) as f64 * u) as u64;
        let at = self.now.saturating_add(delay);
        self.queue
            .push(at, payload(KIND_TRAFFIC, slot, state.epoch[p]));
    }

    /// Whether a cut link separates the clients' domains `chain` from node `n`.
    fn cut_from(&self, chain: &[u32], n: u32) -> bool {
        let plan = self.plan;
        let domains = plan.node_domains.row(n as usize);
        self.down_links.iter().any(|&l| {
            let [x, y] = plan.links[l as usize];
            (chain.contains(&x) && domains.contains(&y))
                || (chain.contains(&y) && domains.contains(&x))
        })
    }

    /// A member's drawn ejection or rejoin delay is over; false if stale.
    pub(super) fn on_rotation(&mut self, slot: u32, epoch: u32) -> bool {
        let (e, pos) = self.plan.traffic.slots[slot as usize];
        let state = &mut self.traffic[e as usize];
        if state.epoch[pos as usize] != epoch {
            return false;
        }
        let in_rotation = !state.in_rotation[pos as usize];
        self.rotation_changed(e, pos, in_rotation);
        true
    }

    /// Member `pos` of traffic entry `e` enters or leaves rotation now.
    fn rotation_changed(&mut self, e: u32, pos: u32, in_rotation: bool) {
        let p = pos as usize;
        self.traffic[e as usize].in_rotation[p] = in_rotation;
        if Self::TRACING {
            let node = self.plan.traffic.entries[e as usize].members[p];
            self.note(crate::metrics::trace::Happening::Rotation { node, in_rotation });
        }
        if self.plan.traffic.entries[e as usize].collapse.is_some() {
            self.check_overload(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(weight: Vec<f64>, capacity: Vec<f64>, fills: bool) -> TrafficPlan {
        TrafficPlan {
            service: 0,
            rate_per_s: 1.0,
            pattern: None,
            members: (0..weight.len() as u32).collect(),
            capacity,
            weight,
            fills,
            check: None,
            first_slot: 0,
            keys: Vec::new(),
            requests: None,
            collapse: None,
            clients: None,
        }
    }

    #[test]
    fn round_robin_overloads_a_member_while_least_connections_fills_room() {
        let rr = pool(vec![1.0; 3], vec![40.0; 3], false);
        let (rot, up) = ([true, true, true], [true, true, true]);
        assert_eq!(
            split(&rr, &rot, &up, &rr.capacity, 90.0),
            [90.0, 0.0, 0.0, 0.0]
        );
        // One dead member still in rotation: its third is lost to lag.
        let up1 = [true, true, false];
        assert_eq!(
            split(&rr, &rot, &up1, &rr.capacity, 90.0),
            [60.0, 30.0, 0.0, 0.0]
        );
        // Ejected: 45 each against 40 of capacity.
        let rot1 = [true, true, false];
        assert_eq!(
            split(&rr, &rot1, &up1, &rr.capacity, 90.0),
            [80.0, 0.0, 10.0, 0.0]
        );
        let weighted = pool(vec![2.0, 1.0, 1.0], vec![40.0; 3], false);
        assert_eq!(
            split(&weighted, &rot, &up, &weighted.capacity, 100.0),
            [90.0, 0.0, 10.0, 0.0]
        );
        let lc = pool(vec![1.0; 3], vec![20.0, 40.0, 40.0], true);
        assert_eq!(
            split(&lc, &rot, &up, &lc.capacity, 90.0),
            [90.0, 0.0, 0.0, 0.0]
        );
        assert_eq!(
            split(&lc, &rot1, &up1, &lc.capacity, 90.0),
            [60.0, 0.0, 30.0, 0.0]
        );
        assert_eq!(
            split(&lc, &[false; 3], &up, &lc.capacity, 9.0),
            [0.0, 0.0, 0.0, 9.0]
        );
    }

    #[test]
    fn a_pattern_is_integrated_hour_by_hour_and_whole_days_at_once() {
        let pattern: Vec<f64> = (0..24).map(f64::from).collect();
        let day_total: f64 = pattern.iter().sum::<f64>() * 3600.0;
        let r = integrate(0, 3 * DAY_US, Some(&pattern), |f| [f, 0.0, 0.0, 0.0]);
        assert!((r[0] - 3.0 * day_total).abs() < 1e-6 * day_total);
        // From 01:30 to 02:30: half an hour at 1, half an hour at 2.
        let r = integrate(HOUR_US * 3 / 2, HOUR_US * 5 / 2, Some(&pattern), |f| {
            [f, 0.0, 0.0, 0.0]
        });
        assert!((r[0] - 1.5 * 3600.0).abs() < 1e-6);
    }
}
