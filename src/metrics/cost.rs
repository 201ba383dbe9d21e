//! `cost`: what a design costs a year. The infrastructure is priced as
//! provisioned (no random part); downtime, failed requests and lost
//! writes are priced replication by replication, so the total's interval
//! comes from the replications' totals (the parts are correlated: a bad
//! year costs downtime and lost writes together). Nothing is added to a
//! run but one sum per replication.

use super::stats::{Comoments, Estimate};
use super::{RepOutcome, Window};
use crate::model::{Cost, Model};

/// Prices resolved to the indices of a replication's outcome.
#[derive(Clone, Debug, Default)]
pub struct CostPlan {
    infrastructure: f64,
    /// (tally index, price per minute down): 0 the system, 1 + s service s.
    downtime: Vec<(usize, f64)>,
    /// Price per failed request, with traffic.
    requests: Option<f64>,
    /// (standby index, price per lost write), with replication.
    writes: Vec<(usize, f64)>,
    /// (standby index, price per minute without writes), with sync
    /// replication.
    blocked: Vec<(usize, f64)>,
}

impl CostPlan {
    /// The plan of `model`'s `cost`; `standby_services` lists the service
    /// of each standby service in the order of the outcome's counts.
    pub fn new(model: &Model, cost: &Cost, standby_services: &[usize]) -> CostPlan {
        let mut downtime = Vec::new();
        if let Some(price) = cost.downtime_system {
            downtime.push((0, price));
        }
        for (s, price) in cost.downtime_services.iter().enumerate() {
            if let Some(price) = price {
                downtime.push((s + 1, *price));
            }
        }
        let writes = match cost.lost_writes {
            Some(price) => standby_services
                .iter()
                .enumerate()
                .filter(|(_, s)| model.services[**s].replication.is_some())
                .map(|(k, _)| (k, price))
                .collect(),
            None => Vec::new(),
        };
        let blocked = match cost.write_unavailable {
            Some(price) => standby_services
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    model.services[**s]
                        .replication
                        .as_ref()
                        .is_some_and(|r| r.synchronous)
                })
                .map(|(k, _)| (k, price))
                .collect(),
            None => Vec::new(),
        };
        CostPlan {
            infrastructure: cost.infrastructure_per_year(model)[0],
            downtime,
            requests: cost.failed_requests.filter(|_| !model.traffic.is_empty()),
            writes,
            blocked,
        }
    }
}

impl CostPlan {
    /// One replication's random costs per year: downtime, failed requests,
    /// lost writes and minutes without writes.
    pub fn parts(&self, outcome: &RepOutcome, window: Window) -> [f64; 4] {
        let years = window.years();
        let downtime: f64 = self.downtime_costs(outcome, window).map(|(_, c)| c).sum();
        let requests = self.requests.map_or(0.0, |price| {
            let failed: f64 = outcome
                .requests
                .iter()
                .map(|r| {
                    r.failed_ejection_lag + r.failed_overload + r.failed_outage + r.failed_crash
                })
                .sum();
            price * failed / years
        });
        let writes: f64 = self
            .writes
            .iter()
            .filter_map(|&(k, price)| {
                Some(price * outcome.standby.get(k)?.data.lost_writes / years)
            })
            .sum();
        let blocked: f64 = self
            .blocked
            .iter()
            .filter_map(|&(k, price)| {
                let us = outcome.standby.get(k)?.data.write_blocked_us;
                Some(price * us as f64 / 6e7 / years)
            })
            .sum();
        [downtime, requests, writes, blocked]
    }

    /// One replication's downtime cost per year of each priced entity:
    /// (tally index, cost), 0 the system, 1 + s service s.
    fn downtime_costs<'a>(
        &'a self,
        outcome: &'a RepOutcome,
        window: Window,
    ) -> impl Iterator<Item = (usize, f64)> + 'a {
        let (years, length) = (window.years(), window.length_us());
        self.downtime.iter().filter_map(move |&(e, price)| {
            let up = outcome.tallies.get(e)?.uptime_us;
            Some((e, price * length.saturating_sub(up) as f64 / 6e7 / years))
        })
    }

    /// One replication's total cost per year.
    pub fn total(&self, outcome: &RepOutcome, window: Window) -> f64 {
        self.infrastructure + self.parts(outcome, window).iter().sum::<f64>()
    }
}

/// Running sums over replications of the random costs.
#[derive(Clone, Debug, Default)]
pub struct CostAccumulator {
    plan: CostPlan,
    downtime: Comoments,
    requests: Comoments,
    writes: Comoments,
    blocked: Comoments,
    total: Comoments,
    /// Per service priced on its own: its downtime's cost.
    services: Vec<(usize, Comoments)>,
}

impl CostAccumulator {
    pub fn new(plan: CostPlan) -> CostAccumulator {
        let services = plan
            .downtime
            .iter()
            .filter(|(e, _)| *e > 0)
            .map(|&(e, _)| (e - 1, Comoments::default()))
            .collect();
        CostAccumulator {
            plan,
            services,
            ..CostAccumulator::default()
        }
    }

    pub fn push(&mut self, outcome: &RepOutcome, window: Window) {
        let services = self
            .plan
            .downtime_costs(outcome, window)
            .filter(|(e, _)| *e > 0);
        for ((_, acc), (_, cost)) in self.services.iter_mut().zip(services) {
            acc.push(cost, 0.0);
        }
        let parts = self.plan.parts(outcome, window);
        let [downtime, requests, writes, blocked] = parts;
        self.downtime.push(downtime, 0.0);
        self.requests.push(requests, 0.0);
        self.writes.push(writes, 0.0);
        self.blocked.push(blocked, 0.0);
        self.total
            .push(self.plan.infrastructure + parts.iter().sum::<f64>(), 0.0);
    }

    pub fn plan(&self) -> &CostPlan {
        &self.plan
    }

    /// The downtime cost of each service priced on its own, by index.
    pub fn service_figures(&self) -> Vec<(usize, (&'static str, Estimate))> {
        self.services
            .iter()
            .map(|(s, acc)| (*s, ("downtime_cost_per_year", acc.mean_estimate())))
            .collect()
    }

    /// The system's cost figures, per year: infrastructure (exact), the
    /// priced parts given and the total, each with its interval.
    pub fn figures(&self) -> Vec<(&'static str, Estimate)> {
        let exact = Estimate {
            mean: Some(self.plan.infrastructure),
            ci95: Some([self.plan.infrastructure; 2]),
            std_err: Some(0.0),
            ..Estimate::UNDEFINED
        };
        let mut figures = vec![("infrastructure_cost_per_year", exact)];
        if !self.plan.downtime.is_empty() {
            figures.push(("downtime_cost_per_year", self.downtime.mean_estimate()));
        }
        if self.plan.requests.is_some() {
            figures.push((
                "failed_requests_cost_per_year",
                self.requests.mean_estimate(),
            ));
        }
        if !self.plan.writes.is_empty() {
            figures.push(("lost_writes_cost_per_year", self.writes.mean_estimate()));
        }
        if !self.plan.blocked.is_empty() {
            figures.push((
                "write_unavailable_cost_per_year",
                self.blocked.mean_estimate(),
            ));
        }
        figures.push(("total_cost_per_year", self.total.mean_estimate()));
        figures
    }
}
