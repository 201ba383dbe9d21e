//! Exact answers for the tests: small continuous-time Markov chains solved
#![allow(clippy::needless_range_loop)] // dense matrix code reads best with indices
//! densely, binomial k-of-n, and renewal-theory formulas.

/// A CTMC given by its transition rates; states are indices.
pub struct Chain {
    pub rates: Vec<Vec<f64>>,
}

impl Chain {
    pub fn new(n: usize) -> Chain {
        Chain {
            rates: vec![vec![0.0; n]; n],
        }
    }

    pub fn add(&mut self, from: usize, to: usize, rate: f64) {
        if from != to {
            self.rates[from][to] += rate;
        }
    }

    fn len(&self) -> usize {
        self.rates.len()
    }

    /// Stationary distribution: π Q = 0, Σ π = 1, by Gaussian elimination.
    pub fn stationary(&self) -> Vec<f64> {
        let n = self.len();
        // Rows of Qᵀ, with the last equation replaced by the normalisation.
        let mut a = vec![vec![0.0; n + 1]; n];
        for i in 0..n {
            let out: f64 = self.rates[i].iter().sum();
            for j in 0..n {
                a[j][i] += self.rates[i][j];
            }
            a[i][i] -= out;
        }
        for j in 0..n {
            a[n - 1][j] = 1.0;
        }
        a[n - 1][n] = 1.0;
        solve(a)
    }

    /// Steady-state availability and failure frequency for an up-set.
    pub fn availability_and_frequency(&self, up: &[bool]) -> (f64, f64) {
        let pi = self.stationary();
        let a: f64 = (0..self.len()).filter(|&i| up[i]).map(|i| pi[i]).sum();
        let f: f64 = (0..self.len())
            .filter(|&i| up[i])
            .map(|i| {
                pi[i]
                    * (0..self.len())
                        .filter(|&j| !up[j])
                        .map(|j| self.rates[i][j])
                        .sum::<f64>()
            })
            .sum();
        (a, f)
    }

    /// Mean time from `start` until the first down state.
    pub fn mean_time_to_down(&self, up: &[bool], start: usize) -> f64 {
        let ups: Vec<usize> = (0..self.len()).filter(|&i| up[i]).collect();
        let k = ups.len();
        let mut a = vec![vec![0.0; k + 1]; k];
        for (r, &i) in ups.iter().enumerate() {
            let out: f64 = self.rates[i].iter().sum();
            a[r][r] = -out;
            for (c, &j) in ups.iter().enumerate() {
                a[r][c] += self.rates[i][j];
            }
            a[r][k] = -1.0;
        }
        let m = solve(a);
        m[ups.iter().position(|&i| i == start).expect("start is up")]
    }
}

/// Solves the augmented system `a` (n rows of n + 1) by partial pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let n = a.len();
    for col in 0..n {
        let pivot = (col..n)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .unwrap();
        a.swap(col, pivot);
        for row in 0..n {
            if row != col {
                let factor = a[row][col] / a[col][col];
                if factor != 0.0 {
                    for k in col..=n {
                        a[row][k] -= factor * a[col][k];
                    }
                }
            }
        }
    }
    (0..n).map(|i| a[i][n] / a[i][i]).collect()
}

/// A k-of-n birth-death chain on the number of failed units, with `crews`
/// repairers (`usize::MAX` for unlimited). State j = j units down.
pub fn k_of_n(n: usize, k: usize, mttf_h: f64, mttr_h: f64, crews: usize) -> (Chain, Vec<bool>) {
    let mut chain = Chain::new(n + 1);
    for j in 0..=n {
        if j < n {
            chain.add(j, j + 1, (n - j) as f64 / mttf_h);
        }
        if j > 0 {
            chain.add(j, j - 1, j.min(crews) as f64 / mttr_h);
        }
    }
    let up = (0..=n).map(|j| n - j >= k).collect();
    (chain, up)
}

fn choose(n: usize, k: usize) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// Steady state of k-of-n independent alternating renewal units with unit
/// availability `p` and unit cycle length `cycle_h` (mean up + mean down):
/// A = P(Binomial(n, p) ≥ k); a system failure is a unit failing while
/// exactly k are up, so f = n (1/cycle) C(n−1, k−1) p^(k−1) (1−p)^(n−k).
pub fn k_of_n_independent(n: usize, k: usize, p: f64, cycle_h: f64) -> (f64, f64) {
    let a = (k..=n)
        .map(|j| choose(n, j) * p.powi(j as i32) * (1.0 - p).powi((n - j) as i32))
        .sum();
    let f = n as f64 / cycle_h
        * choose(n - 1, k - 1)
        * p.powi(k as i32 - 1)
        * (1.0 - p).powi((n - k) as i32);
    (a, f)
}
