//! Solving a continuous-time Markov chain given by its transitions: the
//! stationary distribution and mean times to absorption by sparse LU
//! (faer), and time integrals of the transient distribution by
//! uniformization.

use faer::Col;
use faer::linalg::solvers::Solve;
use faer::sparse::linalg::solvers::Lu;
use faer::sparse::{SparseColMat, Triplet};
use statrs::function::gamma::ln_gamma;

#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum ChainError {
    #[error("the linear system of the Markov chain is singular ({0})")]
    Singular(String),
    #[error(
        "the horizon needs {steps} uniformization steps, above the limit of {limit}; \
         use a shorter horizon, or simulate instead"
    )]
    TooManySteps { steps: f64, limit: f64 },
    #[error("stopped during {0}")]
    Stopped(&'static str),
}

/// The stages of a solve, as reported to an [`Observer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Building the state space: `done` states explored of `total` found.
    Building,
    /// The stationary distribution by Gauss-Seidel: `done` sweeps.
    Stationary,
    /// Uniformization over the horizon: `done` steps of at most `total`.
    Transient,
    /// The integral of the whole transient by Gauss-Seidel: `done` sweeps.
    Deviation,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Building => "building the state space",
            Stage::Stationary => "the stationary distribution",
            Stage::Transient => "the figures over the horizon",
            Stage::Deviation => "the transient's integral",
        }
    }
}

/// What a long solve reports, and how it is stopped: the command line draws
/// a progress bar and enforces `--max-time`; the library does no I/O. Calls
/// come from several threads, every few thousand states, sweeps or steps.
pub trait Observer: Sync {
    fn progress(&self, _stage: Stage, _done: u64, _total: u64) {}
    /// True to stop the solve (it returns `Stopped`).
    fn stop(&self) -> bool {
        false
    }
}

/// Reports nothing and never stops.
pub struct Silent;

impl Observer for Silent {}

/// Chains up to this size are solved by sparse LU, larger ones iteratively.
pub const DIRECT_MAX_STATES: usize = 4000;
/// The most Gauss-Seidel sweeps before giving up.
const MAX_SWEEPS: usize = 200_000;

/// A CTMC: `n` states and its off-diagonal rates.
pub struct Chain<'a> {
    pub n: usize,
    pub transitions: &'a [(u32, u32, f64)],
    /// Total rate out of each state.
    pub exit: Vec<f64>,
    pub observer: &'a dyn Observer,
}

impl<'a> Chain<'a> {
    pub fn new(n: usize, transitions: &'a [(u32, u32, f64)]) -> Self {
        Self::observed(n, transitions, &Silent)
    }

    /// [`Chain::new`] reporting to `observer`.
    pub fn observed(
        n: usize,
        transitions: &'a [(u32, u32, f64)],
        observer: &'a dyn Observer,
    ) -> Self {
        let mut exit = vec![0.0; n];
        for &(from, _, rate) in transitions {
            exit[from as usize] += rate;
        }
        Chain {
            n,
            transitions,
            exit,
            observer,
        }
    }

    /// π with π Q = 0 and Σ π = 1: by sparse LU for chains of up to
    /// [`DIRECT_MAX_STATES`] states, by Gauss-Seidel above (the LU factors
    /// of a many-dimensional grid of states fill in quickly).
    pub fn stationary(&self) -> Result<Vec<f64>, ChainError> {
        if self.n <= DIRECT_MAX_STATES {
            self.stationary_direct()
        } else {
            self.stationary_gauss_seidel()
        }
    }

    /// Gauss-Seidel on the balance equations πᵢ qᵢ = Σⱼ πⱼ qⱼᵢ, starting
    /// from the uniform distribution, until no probability changes by more
    /// than 1e-13 of itself in a sweep.
    fn stationary_gauss_seidel(&self) -> Result<Vec<f64>, ChainError> {
        let n = self.n;
        let (offsets, incoming) = self.incoming();
        let mut pi = vec![1.0 / n as f64; n];
        for sweep in 0..MAX_SWEEPS {
            self.report(Stage::Stationary, sweep, MAX_SWEEPS)?;
            let mut largest_change = 0.0f64;
            for i in 0..n {
                let inflow: f64 = incoming[offsets[i]..offsets[i + 1]]
                    .iter()
                    .map(|&(from, rate)| pi[from as usize] * rate)
                    .sum();
                let value = inflow / self.exit[i];
                let change = (value - pi[i]).abs() / value.max(1e-300);
                largest_change = largest_change.max(change);
                pi[i] = value;
            }
            let total: f64 = pi.iter().sum();
            for p in &mut pi {
                *p /= total;
            }
            if largest_change < 1e-13 {
                return Ok(pi);
            }
        }
        Err(ChainError::Singular(format!(
            "Gauss-Seidel did not converge in {MAX_SWEEPS} sweeps"
        )))
    }

    /// Tells the observer how far `stage` is, and stops if it says so.
    fn report(&self, stage: Stage, done: usize, total: usize) -> Result<(), ChainError> {
        self.observer.progress(stage, done as u64, total as u64);
        if self.observer.stop() {
            return Err(ChainError::Stopped(stage.name()));
        }
        Ok(())
    }

    /// The incoming transitions of each state, as compressed rows: those of
    /// state i are `incoming[offsets[i]..offsets[i + 1]]`, as (from, rate).
    fn incoming(&self) -> (Vec<usize>, Vec<(u32, f64)>) {
        let n = self.n;
        let mut offsets = vec![0usize; n + 1];
        for &(_, to, _) in self.transitions {
            offsets[to as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut incoming = vec![(0u32, 0.0f64); self.transitions.len()];
        let mut fill = offsets.clone();
        for &(from, to, rate) in self.transitions {
            incoming[fill[to as usize]] = (from, rate);
            fill[to as usize] += 1;
        }
        (offsets, incoming)
    }

    /// The integral over the window [a, b] (hours) of the transient
    /// distribution started from `initial`, given the stationary
    /// distribution `pi`, at about the cost of the stationary solve
    /// whatever the horizon.
    ///
    /// With δ(t) = p(t) − π, the integral is (b − a) π + Y(a) − Y(b), where
    /// Y(t) = ∫ₜ^∞ δ solves Y Q = −δ(t) with Σ Y = 0 (one linear solve of
    /// the size of the stationary one, [`Deviations`]). Y(b) vanishes once
    /// the window outlasts the chain's slowest relaxation; that time is
    /// estimated from the moments of the transient (Z Q = −Y gives
    /// ∫ t δ(t) dt, W Q = −Z the next; for one mode of time τ each ratio of
    /// norms is τ, and with several the ratios grow towards the slowest),
    /// and the window must be [`LONG_WINDOW_RELAXATIONS`] of them long.
    /// A shorter window is integrated by uniformization ([`Chain::integrate`]),
    /// whose cost is then small; a warm-up shorter than that gives δ(a) by
    /// uniformization too.
    ///
    /// # Errors
    /// When a solve is singular or does not converge, or is stopped.
    pub fn window_integral(
        &self,
        initial: &[f64],
        pi: &[f64],
        a_h: f64,
        b_h: f64,
    ) -> Result<Vec<f64>, ChainError> {
        let n = self.n;
        let deviations = Deviations::new(self, pi)?;
        let start: Vec<f64> = (0..n).map(|i| initial[i] - pi[i]).collect();
        let y = deviations.solve(&start)?;
        let z = deviations.solve(&y)?;
        let w = deviations.solve(&z)?;
        let l1 = |v: &[f64]| v.iter().map(|x| x.abs()).sum::<f64>();
        let relaxation_h = if l1(&z) > 0.0 {
            (l1(&z) / l1(&y)).max(l1(&w) / l1(&z))
        } else {
            0.0
        };
        let long_h = LONG_WINDOW_RELAXATIONS * relaxation_h;
        let width_h = b_h - a_h;
        if width_h < long_h || !long_h.is_finite() {
            return Ok(self.integrate(initial, a_h, b_h, None)?.0);
        }
        let at_a = if a_h == 0.0 {
            y
        } else if a_h >= long_h {
            // δ(a) has vanished with the window's end.
            vec![0.0; n]
        } else {
            let (_, p_a) = self.integrate(initial, 0.0, a_h, None)?;
            let start: Vec<f64> = (0..n).map(|i| p_a[i] - pi[i]).collect();
            deviations.solve(&start)?
        };
        Ok((0..n).map(|i| width_h * pi[i] + at_a[i]).collect())
    }

    /// With π₀ fixed at 1, the balance
    /// equations of the other states, Σⱼ πⱼ qⱼᵢ = 0 for i ≠ 0, form a sparse
    /// nonsingular system (the chain is irreducible); then π is normalised.
    /// A dense normalisation row would make the LU factors fill in.
    fn stationary_direct(&self) -> Result<Vec<f64>, ChainError> {
        let n = self.n;
        if n == 1 {
            return Ok(vec![1.0]);
        }
        // The matrix is Q without state 0 (rows from, columns to); the
        // balance equations are its transpose, solved with the same factors.
        let mut triplets = Vec::with_capacity(self.transitions.len() + n);
        let mut rhs = Col::<f64>::zeros(n - 1);
        for &(from, to, rate) in self.transitions {
            let (from, to) = (from as usize, to as usize);
            if to == 0 {
                continue;
            }
            if from == 0 {
                rhs[to - 1] -= rate;
            } else {
                triplets.push(Triplet::new(from - 1, to - 1, rate));
            }
        }
        for i in 1..n {
            triplets.push(Triplet::new(i - 1, i - 1, -self.exit[i]));
        }
        let x = solve_with(n - 1, &triplets, &rhs, true)?;
        let mut pi: Vec<f64> = std::iter::once(1.0)
            .chain((0..n - 1).map(|i| x[i].max(0.0)))
            .collect();
        let total: f64 = pi.iter().sum();
        for p in &mut pi {
            *p /= total;
        }
        Ok(pi)
    }

    /// Mean time to leave the set `inside` from state `start` (which is
    /// inside). Up to [`DIRECT_MAX_STATES`] states by sparse LU
    /// ([`Chain::mean_time_to_exit`]); above, without a factorisation whose
    /// fill-in grows past memory: every transition that leaves the set is
    /// sent back to `start` instead, and by renewal reward the mean time to
    /// leave is one over the rate of those transitions in the stationary
    /// distribution of that chain (solved by Gauss-Seidel). Infinite when the
    /// set cannot be left from `start`.
    ///
    /// # Errors
    /// When a linear system is singular or Gauss-Seidel does not converge.
    pub fn mean_time_to_exit_from(&self, start: usize, inside: &[bool]) -> Result<f64, ChainError> {
        if self.n <= DIRECT_MAX_STATES {
            return Ok(self.mean_time_to_exit(inside)?[start]);
        }
        // The states of the set that `start` reaches without leaving it.
        let mut position = vec![u32::MAX; self.n];
        let mut order = vec![start];
        position[start] = 0;
        let mut rows = vec![Vec::new(); self.n];
        for &(from, to, rate) in self.transitions {
            rows[from as usize].push((to, rate));
        }
        let mut next = 0;
        while next < order.len() {
            let state = order[next];
            next += 1;
            for &(to, _) in &rows[state] {
                let to = to as usize;
                if inside[to] && position[to] == u32::MAX {
                    position[to] = order.len() as u32;
                    order.push(to);
                }
            }
        }
        let mut transitions = Vec::new();
        let mut leaving = vec![0.0; order.len()];
        for (i, &state) in order.iter().enumerate() {
            for &(to, rate) in &rows[state] {
                let to = to as usize;
                if inside[to] {
                    transitions.push((i as u32, position[to], rate));
                } else {
                    leaving[i] += rate;
                    if i != 0 {
                        transitions.push((i as u32, 0, rate));
                    }
                }
            }
        }
        drop(rows);
        if leaving.iter().all(|&r| r == 0.0) {
            return Ok(f64::INFINITY);
        }
        let renewed = Chain::observed(order.len(), &transitions, self.observer);
        let pi = renewed.stationary()?;
        let rate: f64 = pi.iter().zip(&leaving).map(|(p, r)| p * r).sum();
        Ok(if rate > 0.0 {
            1.0 / rate
        } else {
            f64::INFINITY
        })
    }

    /// Mean time to leave the set `inside` (a boolean per state), from each
    /// state of the set: solves Q_SS m = −1.
    pub fn mean_time_to_exit(&self, inside: &[bool]) -> Result<Vec<f64>, ChainError> {
        let position: Vec<Option<usize>> = {
            let mut next = 0;
            inside
                .iter()
                .map(|&i| {
                    i.then(|| {
                        next += 1;
                        next - 1
                    })
                })
                .collect()
        };
        let k = inside.iter().filter(|&&i| i).count();
        let mut triplets = Vec::new();
        for &(from, to, rate) in self.transitions {
            if let (Some(r), Some(c)) = (position[from as usize], position[to as usize]) {
                triplets.push(Triplet::new(r, c, rate));
            }
        }
        for (i, p) in position.iter().enumerate() {
            if let Some(r) = p {
                triplets.push(Triplet::new(*r, *r, -self.exit[i]));
            }
        }
        let rhs = Col::<f64>::from_fn(k, |_| -1.0);
        let x = solve(k, &triplets, &rhs)?;
        Ok(position.iter().map(|p| p.map_or(0.0, |r| x[r])).collect())
    }

    /// The integral over [a, b] of the transient distribution started from
    /// `initial`, and the distribution at time b, by uniformization. Mass
    /// that enters a state with `dropped[i]` leaves the chain (for times to
    /// absorption), so the result then covers the other states only.
    ///
    /// Once the iterates settle into a fixed shape (v_{k+1} = r v_k: the
    /// stationary distribution, r = 1, or the quasi-stationary one of a
    /// leaking chain, r < 1), the remaining Poisson-weighted terms are
    /// summed as scalars, so a long horizon costs no more matrix products.
    pub fn integrate(
        &self,
        initial: &[f64],
        a_h: f64,
        b_h: f64,
        dropped: Option<&[bool]>,
    ) -> Result<(Vec<f64>, Vec<f64>), ChainError> {
        let n = self.n;
        let kept: Vec<bool> = (0..n).map(|i| dropped.is_none_or(|d| !d[i])).collect();
        let max_exit = (0..n)
            .filter(|&i| kept[i])
            .map(|i| self.exit[i])
            .fold(0.0, f64::max);
        // A margin above the largest exit rate gives every state a self-loop,
        // so the uniformized chain is aperiodic and its powers converge.
        let lambda = (max_exit * 1.05).max(1e-12);
        let (xa, xb) = (lambda * a_h, lambda * b_h);
        let steps = xb + 12.0 * xb.sqrt() + 50.0;
        const MAX_STEPS: f64 = 5e7;
        let (poisson_a, poisson_b) = (PoissonTail::new(xa), PoissonTail::new(xb));
        let weight = |k: usize| poisson_b.survival(k) - poisson_a.survival(k);
        let step = Step::new(self, &kept, lambda);
        let mut v: Vec<f64> = (0..n)
            .map(|i| if kept[i] { initial[i] } else { 0.0 })
            .collect();
        let mut next = vec![0.0; n];
        let mut integral = vec![0.0; n];
        let mut at_b = vec![0.0; n];
        let mut k = 0usize;
        // Σ weight(j) and Σ pmf_b(j) over the steps done, for the tail.
        let (mut weights_done, mut pmf_done) = (0.0, 0.0);
        let mut mass: f64 = v.iter().sum();
        let mut last_shape = f64::MAX;
        loop {
            let (w, m) = (weight(k), poisson_b.pmf(k));
            weights_done += w;
            pmf_done += m;
            // v_{k+1} = v_k P with P = I + Q/Λ, dropping what reaches dropped states.
            let next_mass = step.apply(&v, &mut next);
            let ratio = if mass > 0.0 { next_mass / mass } else { 0.0 };
            let mut shape_change = 0.0;
            for i in 0..n {
                integral[i] += w * v[i];
                at_b[i] += m * v[i];
                shape_change += (next[i] - ratio * v[i]).abs();
            }
            mass = next_mass;
            std::mem::swap(&mut v, &mut next);
            k += 1;
            if k.is_multiple_of(64) {
                // The shape settles geometrically: where it will have settled
                // at its pace over the last 64 steps (at most `steps`).
                let target = 1e-13 * next_mass;
                let pace = (shape_change / last_shape).powf(1.0 / 64.0);
                let settled = if pace < 1.0 && shape_change > target {
                    k as f64 + (shape_change / target).ln() / -pace.ln()
                } else {
                    steps
                };
                last_shape = shape_change;
                self.report(Stage::Transient, k, settled.min(steps) as usize)?;
            }
            if next_mass <= 1e-300 || shape_change <= 1e-13 * next_mass {
                // Every later iterate is v r^j: sum the weights as scalars.
                let (tail_w, tail_m) = if kept.iter().all(|&k| k) {
                    // Nothing leaks, so r = 1 (settled to π, up to rounding,
                    // which a million powers of r would magnify): Σ_j weight(j)
                    // = E[N_b] − E[N_a] and Σ_j pmf_b(j) = 1, minus the terms
                    // already used.
                    (
                        ((xb - xa) - weights_done).max(0.0),
                        (1.0 - pmf_done).max(0.0),
                    )
                } else {
                    let (mut tail_w, mut tail_m, mut factor) = (0.0, 0.0, 1.0);
                    let mut j = k;
                    let last = steps.max(k as f64 + 1.0);
                    while factor > 1e-18 && (j as f64) <= last {
                        tail_w += weight(j) * factor;
                        tail_m += poisson_b.pmf(j) * factor;
                        factor *= ratio;
                        j += 1;
                    }
                    (tail_w, tail_m)
                };
                for i in 0..n {
                    integral[i] += tail_w * v[i];
                    at_b[i] += tail_m * v[i];
                }
                break;
            }
            if k as f64 > steps {
                break;
            }
            if k as f64 > MAX_STEPS {
                return Err(ChainError::TooManySteps {
                    steps,
                    limit: MAX_STEPS,
                });
            }
        }
        for x in &mut integral {
            *x /= lambda;
        }
        Ok((integral, at_b))
    }
}

/// A window counts as long when it lasts this many of the chain's
/// estimated relaxation times: what the transient still holds at its end is
/// then below e^−200 of what it held at the start, even if the estimate is
/// ten times short.
pub const LONG_WINDOW_RELAXATIONS: f64 = 200.0;

/// Solves Y Q = −d with Σ Y = 0, for a d that sums to zero (the deviation
/// of a distribution from π, or a previous solution): by sparse LU with
/// Y₀ fixed at zero for chains of up to [`DIRECT_MAX_STATES`] states (the
/// matrix of the stationary solve, factored once), by Gauss-Seidel above;
/// either solution is then shifted along π onto Σ Y = 0.
struct Deviations<'c> {
    chain: &'c Chain<'c>,
    pi: &'c [f64],
    how: Solver,
}

enum Solver {
    Direct(Box<Lu<usize, f64>>),
    Iterative {
        offsets: Vec<usize>,
        incoming: Vec<(u32, f64)>,
    },
    /// One state: every deviation is zero.
    Trivial,
}

impl<'c> Deviations<'c> {
    fn new(chain: &'c Chain<'c>, pi: &'c [f64]) -> Result<Self, ChainError> {
        Self::with_direct(chain, pi, chain.n <= DIRECT_MAX_STATES)
    }

    /// By LU when `direct`, else by Gauss-Seidel (the tests compare both).
    fn with_direct(chain: &'c Chain<'c>, pi: &'c [f64], direct: bool) -> Result<Self, ChainError> {
        let n = chain.n;
        let how = if n == 1 {
            Solver::Trivial
        } else if direct {
            let mut triplets = Vec::with_capacity(chain.transitions.len() + n);
            for &(from, to, rate) in chain.transitions {
                let (from, to) = (from as usize, to as usize);
                if from != 0 && to != 0 {
                    triplets.push(Triplet::new(from - 1, to - 1, rate));
                }
            }
            for i in 1..n {
                triplets.push(Triplet::new(i - 1, i - 1, -chain.exit[i]));
            }
            Solver::Direct(Box::new(factor(n - 1, &triplets)?))
        } else {
            let (offsets, incoming) = chain.incoming();
            Solver::Iterative { offsets, incoming }
        };
        Ok(Deviations { chain, pi, how })
    }

    fn solve(&self, d: &[f64]) -> Result<Vec<f64>, ChainError> {
        let (n, pi) = (self.chain.n, self.pi);
        let mut y = match &self.how {
            Solver::Trivial => return Ok(vec![0.0; n]),
            Solver::Direct(lu) => {
                let rhs = Col::<f64>::from_fn(n - 1, |i| -d[i + 1]);
                let x = solve_factored(lu, &rhs, true)?;
                std::iter::once(0.0)
                    .chain((0..n - 1).map(|i| x[i]))
                    .collect()
            }
            Solver::Iterative { offsets, incoming } => self.gauss_seidel(offsets, incoming, d)?,
        };
        let total: f64 = y.iter().sum();
        for (y, p) in y.iter_mut().zip(pi) {
            *y -= total * p;
        }
        Ok(y)
    }

    /// Gauss-Seidel on Yᵢ qᵢ = Σⱼ Yⱼ qⱼᵢ + dᵢ until no entry changes by more
    /// than 1e-12 of itself, or of its share πᵢ of the solution's norm (an
    /// entry can cross zero), or of 1e-200 (states whose probability
    /// underflows), in a sweep. The sweeps leave the solution's
    /// component along π alone ([`Deviations::solve`] removes it once): π
    /// is exact to about 1e-13 only, and projecting along it after each
    /// sweep kept the entries cycling at 6e-13 on `three-tier.yaml`. d is
    /// first made to sum to zero to rounding, or the component would drift.
    fn gauss_seidel(
        &self,
        offsets: &[usize],
        incoming: &[(u32, f64)],
        d: &[f64],
    ) -> Result<Vec<f64>, ChainError> {
        let (chain, pi) = (self.chain, self.pi);
        let n = chain.n;
        let excess: f64 = d.iter().sum();
        let d: Vec<f64> = d.iter().zip(pi).map(|(d, p)| d - excess * p).collect();
        let mut y = vec![0.0; n];
        let mut norm = 0.0;
        for sweep in 0..MAX_SWEEPS {
            chain.report(Stage::Deviation, sweep, MAX_SWEEPS)?;
            let mut settled = sweep > 0;
            let mut next_norm = 0.0;
            for i in 0..n {
                let inflow: f64 = incoming[offsets[i]..offsets[i + 1]]
                    .iter()
                    .map(|&(from, rate)| y[from as usize] * rate)
                    .sum();
                let value = (inflow + d[i]) / chain.exit[i];
                if (value - y[i]).abs() > 1e-12 * value.abs().max(pi[i] * norm).max(1e-200) {
                    settled = false;
                }
                y[i] = value;
                next_norm += value.abs();
            }
            norm = next_norm;
            if settled {
                return Ok(y);
            }
        }
        Err(ChainError::Singular(format!(
            "Gauss-Seidel did not converge in {MAX_SWEEPS} sweeps"
        )))
    }
}

/// One step of the uniformized chain, v ↦ v P with P = I + Q/Λ, as a
/// gather over the incoming transitions of each state (compressed rows,
/// probabilities divided by Λ once), so a step reads `v` and writes each
/// entry of the result once.
struct Step {
    stay: Vec<f64>,
    offsets: Vec<u32>,
    incoming: Vec<(u32, f64)>,
}

impl Step {
    /// Dropped states receive nothing (their rows are empty and they stay
    /// at zero), so what reaches them leaves the chain.
    fn new(chain: &Chain, kept: &[bool], lambda: f64) -> Self {
        let n = chain.n;
        let mut offsets = vec![0u32; n + 1];
        for &(_, to, _) in chain.transitions {
            if kept[to as usize] {
                offsets[to as usize + 1] += 1;
            }
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut incoming = vec![(0u32, 0.0f64); offsets[n] as usize];
        let mut fill = offsets.clone();
        for &(from, to, rate) in chain.transitions {
            if kept[to as usize] {
                incoming[fill[to as usize] as usize] = (from, rate / lambda);
                fill[to as usize] += 1;
            }
        }
        let stay = (0..n)
            .map(|i| {
                if kept[i] {
                    1.0 - chain.exit[i] / lambda
                } else {
                    0.0
                }
            })
            .collect();
        Step {
            stay,
            offsets,
            incoming,
        }
    }

    /// Writes v P into `next` and returns its total mass.
    fn apply(&self, v: &[f64], next: &mut [f64]) -> f64 {
        let mut mass = 0.0;
        for (i, out) in next.iter_mut().enumerate() {
            let row = &self.incoming[self.offsets[i] as usize..self.offsets[i + 1] as usize];
            let mut x = v[i] * self.stay[i];
            for &(from, p) in row {
                x += v[from as usize] * p;
            }
            *out = x;
            mass += x;
        }
        mass
    }
}

fn solve(
    n: usize,
    triplets: &[Triplet<usize, usize, f64>],
    rhs: &Col<f64>,
) -> Result<Col<f64>, ChainError> {
    solve_with(n, triplets, rhs, false)
}

/// Solves A x = b, or Aᵀ x = b with `transpose`, by sparse LU.
fn solve_with(
    n: usize,
    triplets: &[Triplet<usize, usize, f64>],
    rhs: &Col<f64>,
    transpose: bool,
) -> Result<Col<f64>, ChainError> {
    solve_factored(&factor(n, triplets)?, rhs, transpose)
}

/// The sparse LU factors of the n × n matrix given by `triplets`.
fn factor(n: usize, triplets: &[Triplet<usize, usize, f64>]) -> Result<Lu<usize, f64>, ChainError> {
    SparseColMat::<usize, f64>::try_new_from_triplets(n, n, triplets)
        .map_err(|e| ChainError::Singular(format!("{e:?}")))?
        .sp_lu()
        .map_err(|e| ChainError::Singular(format!("{e:?}")))
}

/// Solves A x = b (or Aᵀ x = b) with A's LU factors, refusing a solution
/// that is not finite.
fn solve_factored(
    lu: &Lu<usize, f64>,
    rhs: &Col<f64>,
    transpose: bool,
) -> Result<Col<f64>, ChainError> {
    let x = if transpose {
        lu.solve_transpose(rhs)
    } else {
        lu.solve(rhs)
    };
    if (0..x.nrows()).any(|i| !x[i].is_finite()) {
        return Err(ChainError::Singular("the solution is not finite".into()));
    }
    Ok(x)
}

/// Poisson probabilities of mean `x`, computed in log space so that
/// means of millions do not underflow.
struct PoissonTail {
    x: f64,
    ln_x: f64,
}

impl PoissonTail {
    fn new(x: f64) -> Self {
        PoissonTail { x, ln_x: x.ln() }
    }

    fn pmf(&self, k: usize) -> f64 {
        if self.x == 0.0 {
            return if k == 0 { 1.0 } else { 0.0 };
        }
        let kf = k as f64;
        (-self.x + kf * self.ln_x - ln_gamma(kf + 1.0)).exp()
    }

    /// P(N > k).
    fn survival(&self, k: usize) -> f64 {
        if self.x == 0.0 {
            return 0.0;
        }
        statrs::function::gamma::gamma_lr(k as f64 + 1.0, self.x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_two_state_chain_has_its_textbook_answers() {
        // Up (0) fails at 1e-3/h, down (1) is repaired at 0.1/h.
        let transitions = [(0u32, 1u32, 1e-3), (1, 0, 0.1)];
        let chain = Chain::new(2, &transitions);
        let pi = chain.stationary().unwrap();
        assert!((pi[0] - 0.990_099_009_9).abs() < 1e-10);
        let m = chain.mean_time_to_exit(&[true, false]).unwrap();
        assert!((m[0] - 1000.0).abs() < 1e-9);
        // C01: A_int(100 h) = 0.9910792657.
        let (integral, _) = chain.integrate(&[1.0, 0.0], 0.0, 100.0, None).unwrap();
        assert!((integral[0] / 100.0 - 0.991_079_265_7).abs() < 1e-10);
        // Both ways of finding π agree.
        let gs = chain.stationary_gauss_seidel().unwrap();
        assert!((gs[0] - pi[0]).abs() < 1e-12);
        // A long horizon with a fast repair (a million uniformization steps)
        // against the closed form ∫ A(t) dt = μT/(λ+μ) + λ/(λ+μ)² (1 − e^{−(λ+μ)T}).
        let (lambda, mu, horizon) = (1e-3, 10.0, 100_000.0);
        let fast = [(0u32, 1u32, lambda), (1, 0, mu)];
        let (long, at_end) = Chain::new(2, &fast)
            .integrate(&[1.0, 0.0], 0.0, horizon, None)
            .unwrap();
        let total = lambda + mu;
        let exact =
            mu * horizon / total + lambda / (total * total) * (1.0 - (-total * horizon).exp());
        assert!(
            (long[0] / exact - 1.0).abs() < 1e-12,
            "{} vs {exact}",
            long[0]
        );
        assert!((at_end[0] - mu / total).abs() < 1e-12);
        // Split intervals add up.
        let (first, _) = chain.integrate(&[1.0, 0.0], 0.0, 40.0, None).unwrap();
        let (second, _) = chain.integrate(&[1.0, 0.0], 40.0, 100.0, None).unwrap();
        assert!((first[0] + second[0] - integral[0]).abs() < 1e-9);
    }

    /// States 0..n counting the units down: each of the n − k up units
    /// fails at `rate`; with `down` units down one is repaired at
    /// `repair(down)`.
    fn birth_death(n: usize, rate: f64, repair: impl Fn(usize) -> f64) -> Vec<(u32, u32, f64)> {
        let mut transitions = Vec::new();
        for k in 0..n - 1 {
            transitions.push((k as u32, k as u32 + 1, rate * (n - k) as f64));
            transitions.push((k as u32 + 1, k as u32, repair(k + 1)));
        }
        transitions
    }

    #[test]
    fn the_renewal_mean_time_to_exit_equals_the_direct_one() {
        // A birth-death chain of DIRECT_MAX_STATES + 101 states (failures at
        // 1e-3 per unit up, one repairer at 0.5), left when 3 are down: the
        // renewal path against the LU solve of the same absorbing set.
        let n = DIRECT_MAX_STATES + 101;
        let transitions = birth_death(n, 1e-3, |_| 0.5);
        let chain = Chain::new(n, &transitions);
        let inside: Vec<bool> = (0..n).map(|k| k < 3).collect();
        let renewal = chain.mean_time_to_exit_from(0, &inside).unwrap();
        let direct = chain.mean_time_to_exit(&inside).unwrap()[0];
        assert!(
            (renewal / direct - 1.0).abs() < 1e-10,
            "{renewal} vs {direct}"
        );
        // A set that cannot be left.
        let all = vec![true; n];
        assert_eq!(
            chain.mean_time_to_exit_from(0, &all).unwrap(),
            f64::INFINITY
        );
    }

    /// ∫ₐᵇ A(t) dt of a two-state chain started up: μ(b − a)/s +
    /// λ/s² (e^{−sa} − e^{−sb}) with s = λ + μ.
    fn two_state_uptime(lambda: f64, mu: f64, a: f64, b: f64) -> f64 {
        let s = lambda + mu;
        mu * (b - a) / s + lambda / (s * s) * ((-s * a).exp() - (-s * b).exp())
    }

    #[test]
    fn window_integrals_match_the_closed_form_on_every_path() {
        // Relaxation time 1/(λ + μ) ≈ 9.9 h: windows of 100 h are
        // integrated by uniformization, of 100,000 h from the deviations;
        // warm-ups of 500 h (by uniformization, then a deviation) and of
        // 50,000 h (the transient has vanished).
        let (lambda, mu) = (1e-3, 0.1);
        let transitions = [(0u32, 1u32, lambda), (1, 0, mu)];
        let chain = Chain::new(2, &transitions);
        let pi = chain.stationary().unwrap();
        for (a, b) in [
            (0.0, 100.0),
            (0.0, 1e5),
            (500.0, 1e5),
            (5e4, 2e5),
            (20.0, 60.0),
        ] {
            let integral = chain.window_integral(&[1.0, 0.0], &pi, a, b).unwrap();
            let exact = two_state_uptime(lambda, mu, a, b);
            let down = (b - a) - exact;
            assert!(
                (integral[0] / exact - 1.0).abs() < 1e-12
                    && (integral[1] / down - 1.0).abs() < 1e-9,
                "[{a}, {b}]: {integral:?} against {exact}, {down}"
            );
        }
    }

    #[test]
    fn deviations_by_gauss_seidel_equal_those_by_lu() {
        // A birth-death chain of DIRECT_MAX_STATES + 101 states (failures at
        // 1e-4 per unit up, each down unit repaired at 0.5: about 0.8 down
        // on average; most states' probabilities underflow), started with
        // everything up, over 10,000 h.
        let n = DIRECT_MAX_STATES + 101;
        let transitions = birth_death(n, 1e-4, |down| 0.5 * down as f64);
        let chain = Chain::new(n, &transitions);
        let pi = chain.stationary().unwrap();
        let mut start = vec![0.0; n];
        start[0] = 1.0;
        let d: Vec<f64> = (0..n).map(|i| start[i] - pi[i]).collect();
        let by_lu = Deviations::with_direct(&chain, &pi, true)
            .unwrap()
            .solve(&d)
            .unwrap();
        let by_gs = Deviations::with_direct(&chain, &pi, false)
            .unwrap()
            .solve(&d)
            .unwrap();
        for k in 0..12 {
            assert!(
                (by_gs[k] - by_lu[k]).abs() <= 1e-9 * by_lu[k].abs(),
                "state {k}: {} against {}",
                by_gs[k],
                by_lu[k]
            );
        }
        // The time with 3 or more down (5% of it): the units are
        // independent, so the number down at t is binomial with
        // p(t) = λ/s (1 − e^{−st}); its transient integrated by Simpson's
        // rule (it has vanished by 200 h, a hundred relaxation times).
        let (b, at_least_3) = (1e4, |v: &[f64]| v[3..].iter().sum::<f64>());
        let (lambda, s) = (1e-4, 1e-4 + 0.5);
        let tail = |p: f64| {
            let (m, q) = (n as f64, 1.0 - p);
            1.0 - q.powi(n as i32 - 2) * (q * q + m * p * q + m * (m - 1.0) / 2.0 * p * p)
        };
        let stationary = tail(lambda / s);
        let deficit = |t: f64| stationary - tail(lambda / s * (1.0 - (-s * t).exp()));
        let (intervals, h) = (100_000, 200.0 / 100_000.0);
        let simpson: f64 = (0..=intervals)
            .map(|j| {
                let weight = if j == 0 || j == intervals {
                    1.0
                } else {
                    (2 + 2 * (j % 2)) as f64
                };
                weight * deficit(j as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0;
        let exact = b * stationary - simpson;
        let fast = at_least_3(&chain.window_integral(&start, &pi, 0.0, b).unwrap());
        assert!((fast / exact - 1.0).abs() < 1e-11, "{fast} against {exact}");
        // Uniformization stops where the distribution has settled to 1e-13
        // in total: 1.4e-9 off here.
        let slow = at_least_3(&chain.integrate(&start, 0.0, b, None).unwrap().0);
        assert!((slow / exact - 1.0).abs() < 1e-8, "{slow} against {exact}");
    }

    #[test]
    fn poisson_tails_are_consistent() {
        let p = PoissonTail::new(3.5);
        let sum: f64 = (0..=4).map(|k| p.pmf(k)).sum();
        assert!((1.0 - sum - p.survival(4)).abs() < 1e-12);
    }
}
