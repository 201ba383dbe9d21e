//! Solving a continuous-time Markov chain given by its transitions: the
//! stationary distribution and mean times to absorption by sparse LU
//! (faer), and time integrals of the transient distribution by
//! uniformization.

use faer::Col;
use faer::linalg::solvers::Solve;
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
}

/// A CTMC: `n` states and its off-diagonal rates.
pub struct Chain<'a> {
    pub n: usize,
    pub transitions: &'a [(u32, u32, f64)],
    /// Total rate out of each state.
    pub exit: Vec<f64>,
}

impl<'a> Chain<'a> {
    pub fn new(n: usize, transitions: &'a [(u32, u32, f64)]) -> Self {
        let mut exit = vec![0.0; n];
        for &(from, _, rate) in transitions {
            exit[from as usize] += rate;
        }
        Chain {
            n,
            transitions,
            exit,
        }
    }

    /// π with π Q = 0 and Σ π = 1: the system Qᵀ π = 0 with its last
    /// equation replaced by the normalisation.
    pub fn stationary(&self) -> Result<Vec<f64>, ChainError> {
        let n = self.n;
        let last = n - 1;
        let mut triplets = Vec::with_capacity(self.transitions.len() + 2 * n);
        for &(from, to, rate) in self.transitions {
            if to as usize != last {
                triplets.push(Triplet::new(to as usize, from as usize, rate));
            }
        }
        for i in 0..n {
            if i != last {
                triplets.push(Triplet::new(i, i, -self.exit[i]));
            }
            triplets.push(Triplet::new(last, i, 1.0));
        }
        let mut rhs = Col::<f64>::zeros(n);
        rhs[last] = 1.0;
        let x = solve(n, &triplets, &rhs)?;
        Ok((0..n).map(|i| x[i].max(0.0)).collect())
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
    /// `initial`, and the distribution at time b, by uniformization. States
    /// with `absorbing[i]` keep their mass (their exits are ignored).
    pub fn integrate(
        &self,
        initial: &[f64],
        a_h: f64,
        b_h: f64,
        absorbing: Option<&[bool]>,
    ) -> Result<(Vec<f64>, Vec<f64>), ChainError> {
        let n = self.n;
        let kept = |i: usize| absorbing.is_none_or(|abs| !abs[i]);
        let max_exit = (0..n)
            .filter(|&i| kept(i))
            .map(|i| self.exit[i])
            .fold(0.0, f64::max);
        // A margin above the largest exit rate gives every state a self-loop,
        // so the uniformized chain is aperiodic and its powers converge.
        let lambda = (max_exit * 1.05).max(1e-12);
        let (xa, xb) = (lambda * a_h, lambda * b_h);
        let steps = xb + 12.0 * xb.sqrt() + 50.0;
        const MAX_STEPS: f64 = 5e7;
        if steps > MAX_STEPS {
            return Err(ChainError::TooManySteps {
                steps,
                limit: MAX_STEPS,
            });
        }
        let (poisson_a, poisson_b) = (PoissonTail::new(xa), PoissonTail::new(xb));
        let mut v = initial.to_vec();
        let mut next = vec![0.0; n];
        let mut integral = vec![0.0; n];
        let mut at_b = vec![0.0; n];
        let mut used_weight = 0.0;
        let total_weight = xb - xa;
        let mut k = 0usize;
        loop {
            // Weight of v_k in ∫_a^b: P(N_b > k) − P(N_a > k).
            let weight = poisson_b.survival(k) - poisson_a.survival(k);
            let mass_b = poisson_b.pmf(k);
            for i in 0..n {
                integral[i] += weight * v[i];
                at_b[i] += mass_b * v[i];
            }
            used_weight += weight;
            // v_{k+1} = v_k P with P = I + Q/Λ.
            for i in 0..n {
                next[i] = if kept(i) {
                    v[i] * (1.0 - self.exit[i] / lambda)
                } else {
                    v[i]
                };
            }
            for &(from, to, rate) in self.transitions {
                if kept(from as usize) {
                    next[to as usize] += v[from as usize] * rate / lambda;
                }
            }
            let change: f64 = v.iter().zip(&next).map(|(x, y)| (x - y).abs()).sum();
            std::mem::swap(&mut v, &mut next);
            k += 1;
            let converged = change < 1e-15;
            if converged || k as f64 > steps {
                // Every later term is v itself: add the weight left over.
                let rest = (total_weight - used_weight).max(0.0);
                let rest_b = poisson_b.cdf_complement(k);
                for i in 0..n {
                    integral[i] += rest * v[i];
                    at_b[i] += rest_b * v[i];
                }
                break;
            }
        }
        for x in &mut integral {
            *x /= lambda;
        }
        Ok((integral, at_b))
    }
}

fn solve(
    n: usize,
    triplets: &[Triplet<usize, usize, f64>],
    rhs: &Col<f64>,
) -> Result<Col<f64>, ChainError> {
    let matrix = SparseColMat::<usize, f64>::try_new_from_triplets(n, n, triplets)
        .map_err(|e| ChainError::Singular(format!("{e:?}")))?;
    let lu = matrix
        .sp_lu()
        .map_err(|e| ChainError::Singular(format!("{e:?}")))?;
    let x = lu.solve(rhs);
    if (0..n).any(|i| !x[i].is_finite()) {
        return Err(ChainError::Singular("the solution is not finite".into()));
    }
    Ok(x)
}

/// Poisson probabilities of mean `x`, computed in log space so that
/// means of millions do not underflow, with a running sum for the tail.
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

    /// P(N ≥ k).
    fn cdf_complement(&self, k: usize) -> f64 {
        if k == 0 { 1.0 } else { self.survival(k - 1) }
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
        // Split intervals add up.
        let (first, _) = chain.integrate(&[1.0, 0.0], 0.0, 40.0, None).unwrap();
        let (second, _) = chain.integrate(&[1.0, 0.0], 40.0, 100.0, None).unwrap();
        assert!((first[0] + second[0] - integral[0]).abs() < 1e-9);
    }

    #[test]
    fn poisson_tails_are_consistent() {
        let p = PoissonTail::new(3.5);
        let sum: f64 = (0..=4).map(|k| p.pmf(k)).sum();
        assert!((1.0 - sum - p.survival(4)).abs() < 1e-12);
    }
}
