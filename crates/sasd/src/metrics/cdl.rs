//! Kernel errors of N kernels after the best matching (Hungarian).

use super::{MetricError, Result, Shape, kernel_error, kernel_error_2d};

/// Kernel errors after matching estimated kernels to true ones.
#[derive(Debug, Clone, PartialEq)]
pub struct CdlMatch {
    /// `assignment[k]` is the index of the estimate matched to true kernel `k`.
    pub assignment: Vec<usize>,
    /// `errors[k]`: kernel error of true kernel `k` against its estimate.
    pub errors: Vec<f64>,
}

impl CdlMatch {
    /// The largest matched kernel error.
    pub fn max_error(&self) -> f64 {
        self.errors.iter().fold(0.0, |m, &e| m.max(e))
    }
}

/// Largest N for which [`cdl_kernel_errors`] enumerates all N! permutations.
pub const BRUTE_FORCE_MAX_KERNELS: usize = 8;

/// SaS-CDL kernel errors (LQK+20 §4.3: kernels are recovered up to sign,
/// shift and permutation), 1-D: the [`kernel_error`] of each true kernel
/// against its estimate, under the permutation minimising the sum of errors.
/// All N! permutations are tried for `N ≤ 8` (`BRUTE_FORCE_MAX_KERNELS`);
/// above, the Hungarian algorithm finds the same optimum in O(N³). Errors:
/// `N = 0`, different counts, or any error of [`kernel_error`].
pub fn cdl_kernel_errors<T: AsRef<[f64]>, U: AsRef<[f64]>>(truth: &[T], estimates: &[U]) -> Result<CdlMatch> {
    cdl_match(truth.len(), estimates.len(), |k, l| {
        kernel_error(truth[k].as_ref(), estimates[l].as_ref())
    })
}

/// 2-D [`cdl_kernel_errors`]: all true kernels of shape `truth_shape`, all
/// estimates of shape `estimate_shape`, row-major.
pub fn cdl_kernel_errors_2d<T: AsRef<[f64]>, U: AsRef<[f64]>>(
    truth: &[T],
    truth_shape: Shape,
    estimates: &[U],
    estimate_shape: Shape,
) -> Result<CdlMatch> {
    cdl_match(truth.len(), estimates.len(), |k, l| {
        kernel_error_2d(
            truth[k].as_ref(),
            truth_shape,
            estimates[l].as_ref(),
            estimate_shape,
        )
    })
}

fn cdl_match(n: usize, n_est: usize, error: impl Fn(usize, usize) -> Result<f64>) -> Result<CdlMatch> {
    if n == 0 {
        return Err(MetricError::Empty {
            what: "list of true kernels",
        });
    }
    if n_est != n {
        return Err(MetricError::LengthMismatch {
            what: "list of estimated kernels",
            expected: n,
            found: n_est,
        });
    }
    let mut cost = vec![vec![0.0; n]; n];
    for (k, row) in cost.iter_mut().enumerate() {
        for (l, c) in row.iter_mut().enumerate() {
            *c = error(k, l)?;
        }
    }
    let assignment = if n <= BRUTE_FORCE_MAX_KERNELS {
        best_permutation(&cost)
    } else {
        hungarian(&cost)
    };
    let errors = assignment.iter().enumerate().map(|(k, &l)| cost[k][l]).collect();
    Ok(CdlMatch { assignment, errors })
}

/// The permutation minimising `Σ_k cost[k][π(k)]`, by enumerating all of them
/// (Heap's algorithm); the first found wins ties.
pub(crate) fn best_permutation(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    let total = |p: &[usize]| p.iter().enumerate().map(|(k, &l)| cost[k][l]).sum::<f64>();
    let mut perm: Vec<usize> = (0..n).collect();
    let mut best = perm.clone();
    let mut best_cost = total(&perm);
    let mut counters = vec![0; n];
    let mut i = 1;
    while i < n {
        if counters[i] < i {
            let swap_with = if i % 2 == 0 { 0 } else { counters[i] };
            perm.swap(swap_with, i);
            let c = total(&perm);
            if c < best_cost {
                best_cost = c;
                best.clone_from(&perm);
            }
            counters[i] += 1;
            i = 1;
        } else {
            counters[i] = 0;
            i += 1;
        }
    }
    best
}

/// Minimum-cost perfect matching of a square cost matrix (Hungarian algorithm
/// with row/column potentials, O(N³)); returns `assignment[row] = column`.
pub(crate) fn hungarian(cost: &[Vec<f64>]) -> Vec<usize> {
    let n = cost.len();
    // 1-based arrays with a virtual column 0, as in the classic formulation.
    let mut u = vec![0.0; n + 1];
    let mut v = vec![0.0; n + 1];
    let mut row_of = vec![0usize; n + 1];
    let mut way = vec![0usize; n + 1];
    for row in 1..=n {
        row_of[0] = row;
        let mut col0 = 0;
        let mut min_to = vec![f64::INFINITY; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[col0] = true;
            let r0 = row_of[col0];
            let mut delta = f64::INFINITY;
            let mut col1 = 0;
            for col in 1..=n {
                if used[col] {
                    continue;
                }
                let reduced = cost[r0 - 1][col - 1] - u[r0] - v[col];
                if reduced < min_to[col] {
                    min_to[col] = reduced;
                    way[col] = col0;
                }
                if min_to[col] < delta {
                    delta = min_to[col];
                    col1 = col;
                }
            }
            for col in 0..=n {
                if used[col] {
                    u[row_of[col]] += delta;
                    v[col] -= delta;
                } else {
                    min_to[col] -= delta;
                }
            }
            col0 = col1;
            if row_of[col0] == 0 {
                break;
            }
        }
        // Augment along the alternating path back to the virtual column.
        while col0 != 0 {
            let prev = way[col0];
            row_of[col0] = row_of[prev];
            col0 = prev;
        }
    }
    let mut assignment = vec![0; n];
    for col in 1..=n {
        assignment[row_of[col] - 1] = col - 1;
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn hungarian_agrees_with_brute_force() {
        let mut rng = StdRng::seed_from_u64(3);
        for n in 1..=7 {
            for _ in 0..20 {
                let cost: Vec<Vec<f64>> = (0..n)
                    .map(|_| (0..n).map(|_| rng.random_range(0.0..1.0)).collect())
                    .collect();
                let total = |p: &[usize]| p.iter().enumerate().map(|(k, &l)| cost[k][l]).sum::<f64>();
                let (h, b) = (hungarian(&cost), best_permutation(&cost));
                assert!((total(&h) - total(&b)).abs() < 1e-12, "n = {n}: {h:?} vs {b:?}");
            }
        }
    }
}
