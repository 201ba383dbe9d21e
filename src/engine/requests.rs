//! The per-request traffic mode (`mode: requests`): every request simulated
//! one by one, for windows of minutes to hours.
//!
//! Requests never enter the main event queue. Each service in this mode
//! keeps its own tiny event structure (the next arrival and each member's
//! service completion), and [`RequestSim::advance`] runs it up to the time
//! of the next main event while the state of the members is fixed, so
//! crashes, repairs, ejections and rejoins apply at their instants. A member
//! found down loses the requests present (they fail); a request sent to a
//! member down but still in rotation fails at once and leaves nothing in its
//! queue (the least-connections black hole). A request whose wait plus
//! service exceeds `timeout` fails when its service ends: it keeps its
//! place in the queue. Requests still present at the end of the window are
//! left out of every figure. The cost grows with the number of requests,
//! only in this mode; without it nothing here runs and nothing is drawn.

use super::rng::{Stream, StreamKey};
use super::sampler::Sampler;
use crate::metrics::{LatencySummary, LogHistogram, RequestCounts, Window};
use crate::model::{Dist, Model};
use std::collections::VecDeque;

const HOUR_US: u64 = 3_600_000_000;

/// Batches of a single replication's batch-means interval.
const BATCHES: usize = 20;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    RoundRobin,
    Random,
    PowerOfTwo,
    LeastConnections,
    Weighted,
}

/// The per-request settings of one traffic entry.
#[derive(Clone, Debug)]
pub struct RequestPlan {
    pub policy: Policy,
    pub rate_per_s: f64,
    /// Each member's service time.
    pub service: Vec<Sampler>,
    /// Cumulative weights of the members (weighted policy).
    pub weights: Vec<f64>,
    pub timeout_us: Option<u64>,
    /// The daily pattern's 24 hourly factors divided by the largest: an
    /// arrival of the Poisson process at the peak rate is kept with the
    /// factor of its hour (thinning).
    pub thinning: Option<Vec<f64>>,
    keys: [StreamKey; 3],
}

impl RequestPlan {
    pub fn new(model: &Model, t: usize) -> Option<RequestPlan> {
        let traffic = &model.traffic[t];
        let mode = traffic.requests.as_ref()?;
        let service = &model.services[traffic.service];
        let policy = match service.balancer.as_ref().map(|b| b.policy.as_str()) {
            Some("random") => Policy::Random,
            Some("power-of-two") => Policy::PowerOfTwo,
            Some("least-connections") => Policy::LeastConnections,
            Some("weighted") => Policy::Weighted,
            _ => Policy::RoundRobin,
        };
        let mut total = 0.0;
        let weights = service
            .members
            .iter()
            .map(|m| {
                total += service
                    .balancer
                    .as_ref()
                    .and_then(|b| b.weights.iter().find(|w| w.0 == *m))
                    .map_or(1.0, |w| w.1);
                total
            })
            .collect();
        let samplers = service
            .members
            .iter()
            .map(|&m| match &mode.service_time {
                Some(d) => Sampler::new(d),
                None => {
                    let cap = model.groups[model.nodes[m].group].capacity_per_s;
                    let mean_h = cap.map_or(0.0, |c| 1.0 / c / 3600.0);
                    Sampler::new(&Dist::Exponential { mean_h })
                }
            })
            .collect();
        let key = |purpose| StreamKey::of(&["requests", &service.name, purpose]);
        let peak = traffic
            .pattern
            .as_ref()
            .map_or(1.0, |p| p.iter().copied().fold(0.0, f64::max));
        let thinning = traffic
            .pattern
            .as_ref()
            .filter(|_| peak > 0.0)
            .map(|p| p.iter().map(|f| f / peak).collect());
        Some(RequestPlan {
            policy,
            rate_per_s: traffic.rate_per_s * peak,
            thinning,
            service: samplers,
            weights,
            timeout_us: mode.timeout_us,
            keys: [key("arrivals"), key("policy"), key("service")],
        })
    }
}

/// The run-time state of one service in the per-request mode.
#[derive(Clone)]
pub struct RequestSim {
    next_arrival: u64,
    /// Arrival times of the requests present at each member, the one in
    /// service first.
    queues: Vec<VecDeque<u64>>,
    /// When the request in service at each member ends (`u64::MAX`: idle).
    done_at: Vec<u64>,
    cursor: usize,
    arrivals: Stream,
    choice: Stream,
    service: Stream,
    /// Latencies in µs of the requests served, by batch of the window.
    batches: Vec<LogHistogram>,
    sums: Vec<(f64, u64)>,
    pub counts: RequestCounts,
    /// Arrivals and completions processed (every arrival of the Poisson
    /// process at the peak rate counts, kept or thinned).
    pub events: u64,
}

/// What the rest of the engine says about one service during an advance.
pub struct Members<'a> {
    pub up: &'a [bool],
    pub rotation: &'a [bool],
    pub service_up: bool,
    pub window: Window,
    /// Each member's service-time multiplier under `slow` faults with a
    /// factor (`None`: none is slowed).
    pub slowdown: Option<&'a [f64]>,
}

impl RequestSim {
    pub fn new(plan: &RequestPlan, seed: u64, replication: u64) -> RequestSim {
        let n = plan.service.len();
        let [a, c, s] = plan.keys.map(|k| Stream::new(seed, replication, k));
        let mut sim = RequestSim {
            next_arrival: 0,
            queues: vec![VecDeque::new(); n],
            done_at: vec![u64::MAX; n],
            cursor: 0,
            arrivals: a,
            choice: c,
            service: s,
            batches: vec![LogHistogram::default(); BATCHES],
            sums: vec![(0.0, 0); BATCHES],
            counts: RequestCounts::default(),
            events: 0,
        };
        sim.next_arrival = sim.gap(plan);
        sim
    }

    fn gap(&mut self, plan: &RequestPlan) -> u64 {
        if plan.rate_per_s <= 0.0 {
            return u64::MAX;
        }
        let u = self.arrivals.uniform();
        let x = -(1.0 - u).ln() / plan.rate_per_s * 1e6;
        (x + 0.5) as u64
    }

    /// Runs arrivals and completions before `to` under the members' state.
    pub fn advance(&mut self, plan: &RequestPlan, to: u64, m: &Members) {
        let w = m.window;
        // A member found down lost the requests present at its crash.
        for i in 0..self.queues.len() {
            if !m.up[i] && !self.queues[i].is_empty() {
                for arrived in self.queues[i].drain(..) {
                    if arrived >= w.start_us {
                        self.counts.failed_crash += 1.0;
                    }
                }
                self.done_at[i] = u64::MAX;
            }
        }
        loop {
            let (mut member, mut done) = (usize::MAX, u64::MAX);
            for (i, &d) in self.done_at.iter().enumerate() {
                if d < done {
                    (member, done) = (i, d);
                }
            }
            let arrival = self.next_arrival;
            if arrival.min(done) >= to {
                return;
            }
            self.events += 1;
            if done <= arrival {
                let slow = m.slowdown.map_or(1.0, |s| s[member]);
                self.complete(plan, member, done, w, slow);
            } else {
                self.next_arrival = arrival.saturating_add(self.gap(plan));
                if arrival >= w.end_us {
                    self.next_arrival = u64::MAX;
                } else if self.kept(plan, arrival) {
                    self.arrive(plan, arrival, m);
                }
            }
        }
    }

    /// Whether an arrival at the peak rate is one of the pattern's.
    fn kept(&mut self, plan: &RequestPlan, at: u64) -> bool {
        match &plan.thinning {
            None => true,
            Some(factors) => {
                let hour = (at / HOUR_US % 24) as usize;
                self.arrivals.uniform() < factors[hour]
            }
        }
    }

    /// A service time of member `i`, multiplied by its slowdown.
    fn service_time(&mut self, plan: &RequestPlan, i: usize, slow: f64) -> u64 {
        let t = plan.service[i].sample_us(&mut self.service);
        if slow == 1.0 {
            t
        } else {
            (t as f64 * slow).round() as u64
        }
    }

    fn complete(&mut self, plan: &RequestPlan, i: usize, now: u64, w: Window, slow: f64) {
        let arrived = self.queues[i].pop_front().unwrap_or(now);
        let sojourn = now - arrived;
        if arrived >= w.start_us {
            if plan.timeout_us.is_some_and(|t| sojourn > t) {
                self.counts.failed_overload += 1.0;
            } else {
                self.counts.served += 1.0;
                let len = w.length_us().max(1);
                let b = ((now.saturating_sub(w.start_us)) as u128 * BATCHES as u128
                    / u128::from(len)) as usize;
                let b = b.min(BATCHES - 1);
                self.batches[b].push(sojourn as f64);
                self.sums[b].0 += sojourn as f64;
                self.sums[b].1 += 1;
            }
        }
        self.done_at[i] = match self.queues[i].is_empty() {
            true => u64::MAX,
            false => now + self.service_time(plan, i, slow),
        };
    }

    fn arrive(&mut self, plan: &RequestPlan, now: u64, m: &Members) {
        let counted = now >= m.window.start_us;
        let pick = if m.service_up {
            self.pick(plan, m.rotation)
        } else {
            None
        };
        let Some(i) = pick else {
            if counted {
                self.counts.failed_outage += 1.0;
            }
            return;
        };
        if !m.up[i] {
            if counted {
                self.counts.failed_ejection_lag += 1.0;
            }
            return;
        }
        self.queues[i].push_back(now);
        if self.queues[i].len() == 1 {
            let slow = m.slowdown.map_or(1.0, |s| s[i]);
            self.done_at[i] = now + self.service_time(plan, i, slow);
        }
    }

    /// The member the balancer sends a request to, among those in rotation.
    fn pick(&mut self, plan: &RequestPlan, rot: &[bool]) -> Option<usize> {
        let n = rot.len();
        let present = |q: &[VecDeque<u64>], i: usize| q[i].len();
        match plan.policy {
            Policy::RoundRobin => {
                let i = (0..n).map(|k| (self.cursor + k) % n).find(|&i| rot[i])?;
                self.cursor = (i + 1) % n;
                Some(i)
            }
            Policy::LeastConnections => (0..n)
                .filter(|&i| rot[i])
                .min_by_key(|&i| present(&self.queues, i)),
            Policy::Random | Policy::PowerOfTwo => {
                let k = rot.iter().filter(|&&r| r).count();
                if k == 0 {
                    return None;
                }
                let nth = |j: usize| (0..n).filter(|&i| rot[i]).nth(j);
                let a = ((self.choice.uniform() * k as f64) as usize).min(k - 1);
                if plan.policy == Policy::Random || k == 1 {
                    return nth(a);
                }
                let mut b = ((self.choice.uniform() * (k - 1) as f64) as usize).min(k - 2);
                if b >= a {
                    b += 1;
                }
                let (a, b) = (nth(a)?, nth(b)?);
                Some(if present(&self.queues, b) < present(&self.queues, a) {
                    b
                } else {
                    a
                })
            }
            Policy::Weighted => {
                let weight =
                    |i: usize| plan.weights[i] - if i > 0 { plan.weights[i - 1] } else { 0.0 };
                let total: f64 = (0..n).filter(|&i| rot[i]).map(weight).sum();
                if total <= 0.0 {
                    return None;
                }
                let mut x = self.choice.uniform() * total;
                let last = (0..n).rfind(|&i| rot[i])?;
                for i in (0..n).filter(|&i| rot[i]) {
                    x -= weight(i);
                    if x < 0.0 {
                        return Some(i);
                    }
                }
                Some(last)
            }
        }
    }

    /// The counts and the latency summary of the replication, in ms.
    pub fn finish(&mut self) -> RequestCounts {
        let mut all = LogHistogram::default();
        let (mut sum, mut count) = (0.0, 0u64);
        let mut batches = Vec::with_capacity(BATCHES);
        for (h, &(s, c)) in self.batches.iter().zip(&self.sums) {
            all.merge(h);
            sum += s;
            count += c;
            if c > 0 {
                batches.push(summary(h, s, c));
            }
        }
        let mut counts = self.counts.clone();
        counts.offered = counts.served
            + counts.failed_ejection_lag
            + counts.failed_overload
            + counts.failed_outage
            + counts.failed_crash;
        counts.latency = Some(LatencySummary {
            whole: summary(&all, sum, count),
            batches,
        });
        counts
    }
}

fn summary(h: &LogHistogram, sum: f64, count: u64) -> [f64; 4] {
    let q = |p: f64| h.quantile(p).mean.unwrap_or(f64::NAN) / 1e3;
    let mean = if count > 0 {
        sum / count as f64 / 1e3
    } else {
        f64::NAN
    };
    [mean, q(0.5), q(0.95), q(0.99)]
}
