//! Recovery metrics for SaSD and SaS-CDL, invariant to the symmetries of the
//! problem: `(a0, x0)` and `(±s_ℓ[a0], ±s_{−ℓ}[x0])` give the same observation,
//! so errors are minimised over shifts, sign and (CDL) permutation.
//!
//! * [`kernel_error`] / [`kernel_alignment`]: LQK+20 §5.1,
//!   `min_{ℓ, ±} 1 − |⟨a0, s_ℓ[â]⟩|` with both kernels normalised.
//! * [`activation_error`]: `min_ℓ ‖x0 − s_ℓ[x̂]‖₂` (LQK+20 Figs. 17–18),
//!   absolute and relative to `‖x0‖₂`.
//! * [`spike_scores`] / [`match_spikes`]: precision, recall and F1 of spike
//!   detection within a tolerance window.
//! * [`cdl_kernel_errors`]: kernel errors after the best matching of N
//!   estimated kernels to N true ones.
//!
//! 1-D signals are the `n × 1` case of the 2-D functions (see
//! [`Shape`]); all inputs are validated and bad input is
//! a [`MetricError`], never a panic or a NaN.

use crate::synth::{Offset, Shape, accumulate_pairs};

/// Why a metric refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MetricError {
    /// An operand (or a list of kernels) was empty.
    #[error("{what} is empty")]
    Empty {
        /// Which operand.
        what: &'static str,
    },
    /// An operand held a NaN or an infinity.
    #[error("{what} holds a non-finite value")]
    NonFinite {
        /// Which operand.
        what: &'static str,
    },
    /// An operand that must be normalised (or whose norm divides) was zero.
    #[error("{what} is the zero vector")]
    ZeroVector {
        /// Which operand.
        what: &'static str,
    },
    /// Lengths or shapes that must agree did not.
    #[error("{what}: expected {expected} entries, found {found}")]
    LengthMismatch {
        /// Which operand.
        what: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A parameter was non-finite or out of its domain.
    #[error("invalid {name} = {value}: {requirement}")]
    InvalidParameter {
        /// Parameter name.
        name: &'static str,
        /// Value given.
        value: f64,
        /// What it must satisfy.
        requirement: &'static str,
    },
}

/// Result of the metrics.
pub type Result<T> = std::result::Result<T, MetricError>;

/// Validates `data` against `shape` and returns its Euclidean norm.
fn checked_norm(what: &'static str, data: &[f64], shape: Shape) -> Result<f64> {
    if shape.is_empty() || data.is_empty() {
        return Err(MetricError::Empty { what });
    }
    if data.len() != shape.len() {
        return Err(MetricError::LengthMismatch {
            what,
            expected: shape.len(),
            found: data.len(),
        });
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite { what });
    }
    Ok(scaled_norm(data))
}

/// Euclidean norm computed on `v / max|v_i|`, so that huge finite entries
/// cannot overflow to an infinite norm (nor tiny ones underflow to zero).
fn scaled_norm(v: &[f64]) -> f64 {
    let scale = max_abs(v);
    if scale == 0.0 {
        return 0.0;
    }
    scale * v.iter().map(|x| (x / scale).powi(2)).sum::<f64>().sqrt()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0_f64, |m, x| m.max(x.abs()))
}

/// A sign `±1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sign {
    /// `+1`.
    Plus,
    /// `−1`.
    Minus,
}

impl Sign {
    /// `+1.0` or `−1.0`.
    pub fn value(self) -> f64 {
        match self {
            Self::Plus => 1.0,
            Self::Minus => -1.0,
        }
    }

    fn of(v: f64) -> Self {
        if v < 0.0 { Self::Minus } else { Self::Plus }
    }
}

/// Cyclic cross-correlation on `out_shape`,
/// `c[d] = Σ_p u[p] · v[(p + d) mod out_shape]`, per dimension, as a vector in
/// storage order of `out_shape`. Iterates over the sparser operand.
fn cross_correlation(u: &[f64], u_shape: Shape, v: &[f64], v_shape: Shape, out_shape: Shape) -> Vec<f64> {
    let nnz = |w: &[f64]| w.iter().filter(|x| **x != 0.0).count();
    let mut c = vec![0.0; out_shape.len()];
    if nnz(u) <= nnz(v) {
        accumulate_pairs(u, u_shape, v, v_shape, &mut c, out_shape, Offset::Difference);
        return c;
    }
    // Σ_p v[p] u[p + e] is c[−e]: compute it with v as the sparse operand and flip.
    let mut flipped = vec![0.0; out_shape.len()];
    accumulate_pairs(
        v,
        v_shape,
        u,
        u_shape,
        &mut flipped,
        out_shape,
        Offset::Difference,
    );
    let (rows, cols) = out_shape.grid();
    for (i, value) in flipped.into_iter().enumerate() {
        let (r, k) = (i % rows, i / rows);
        c[(rows - r) % rows + ((cols - k) % cols) * rows] = value;
    }
    c
}

/// Index of the entry maximising `score`, the first one on ties.
fn argmax(values: &[f64], score: impl Fn(f64) -> f64) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if score(v) > score(values[best]) {
            best = i;
        }
    }
    best
}

/// The best signed shift of an estimated kernel onto the true one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KernelAlignment {
    /// `1 − |⟨a0, s_ℓ[â]⟩|` at the best shift, both normalised; in `[0, 1]`.
    pub error: f64,
    /// Offset `(d_rows, d_cols)` of the match, `â[i + d] ≈ sign · a0[i]`
    /// (normalised), i.e. `â ≈ sign · s_d[a0]`; `d_cols = 0` in 1-D. Ranges
    /// over `−(n0 − 1) ..= n̂ − 1` per dimension.
    pub shift: (isize, isize),
    /// Sign of the match. A correctly recovered `(â, x̂)` has
    /// `x̂ ≈ sign · s_{−d}[x0]`, so pass it to [`SignRule::Fixed`].
    pub sign: Sign,
}

/// Kernel error and alignment of LQK+20 §5.1, 1-D:
///
/// `min_{ℓ} 1 − |⟨a0/‖a0‖, s_ℓ[â]/‖â‖⟩|`,
///
/// the minimum over sign being the absolute value. Both kernels are
/// zero-padded to the common length `L = n0 + n̂ − 1` and shifted cyclically
/// there: this length is the smallest at which every relative position of the
/// two supports (full or partial overlap) is one cyclic shift, and at which no
/// shift wraps one kernel's entries onto its own other end — so the cyclic
/// shifts are exactly the linear ones, the true ambiguity of a kernel much
/// shorter than the signal. For a lifted `a⋆ ∈ S^{3n0−2}` this agrees with the
/// paper's `min_{ℓ∈[2n0]} 1 − |⟨a0, ι* s_ℓ[a⋆]⟩|` whenever the best match lies
/// inside `a⋆`, without that formula's wrap-around windows; it also accepts
/// `â` of length `n0` (after shift correction), shorter than `a0`, or any
/// other length. Errors: empty, non-finite or zero input.
pub fn kernel_alignment(a0: &[f64], a_hat: &[f64]) -> Result<KernelAlignment> {
    kernel_alignment_2d(a0, Shape::d1(a0.len()), a_hat, Shape::d1(a_hat.len()))
}

/// 2-D [`kernel_alignment`]: the same with 2-D shifts on the common grid
/// `(n1 + n̂1 − 1) × (n2 + n̂2 − 1)`; kernels are row-major in their shapes
/// (LQK+20 App. C.2).
pub fn kernel_alignment_2d(
    a0: &[f64],
    a0_shape: Shape,
    a_hat: &[f64],
    a_hat_shape: Shape,
) -> Result<KernelAlignment> {
    let n0 = checked_norm("true kernel", a0, a0_shape)?;
    let nh = checked_norm("estimated kernel", a_hat, a_hat_shape)?;
    if n0 == 0.0 {
        return Err(MetricError::ZeroVector { what: "true kernel" });
    }
    if nh == 0.0 {
        return Err(MetricError::ZeroVector {
            what: "estimated kernel",
        });
    }
    // Normalise first: the correlation of huge finite entries would overflow.
    let unit = |v: &[f64], norm: f64| v.iter().map(|x| x / norm).collect::<Vec<f64>>();
    let common = a0_shape.full(a_hat_shape);
    let c = cross_correlation(&unit(a0, n0), a0_shape, &unit(a_hat, nh), a_hat_shape, common);
    let best = argmax(&c, f64::abs);
    let cosine = c[best];
    // Offsets past the estimate's extent are the negative ones, wrapped.
    let signed = |d: usize, hat_extent: usize, extent: usize| {
        if d < hat_extent {
            d as isize
        } else {
            d as isize - extent as isize
        }
    };
    // On the engine grids (the transposes), then in the caller's axes.
    let ((gr, gc), (hr, hc)) = (common.grid(), a_hat_shape.grid());
    let (r, k) = (best % gr, best / gr);
    let (along_grid_rows, along_grid_cols) = (signed(r, hr, gr), signed(k, hc, gc));
    Ok(KernelAlignment {
        // Rounding can push |cos| a hair above 1; the metric lives in [0, 1].
        error: (1.0 - cosine.abs()).clamp(0.0, 1.0),
        shift: if common.is_2d() {
            (along_grid_cols, along_grid_rows)
        } else {
            (along_grid_rows, along_grid_cols)
        },
        sign: Sign::of(cosine),
    })
}

/// The kernel error of [`kernel_alignment`] alone (1-D).
pub fn kernel_error(a0: &[f64], a_hat: &[f64]) -> Result<f64> {
    kernel_alignment(a0, a_hat).map(|m| m.error)
}

/// The kernel error of [`kernel_alignment_2d`] alone.
pub fn kernel_error_2d(a0: &[f64], a0_shape: Shape, a_hat: &[f64], a_hat_shape: Shape) -> Result<f64> {
    kernel_alignment_2d(a0, a0_shape, a_hat, a_hat_shape).map(|m| m.error)
}

/// Which signs of `x̂` the activation error may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignRule {
    /// Compare `x0` with `sign · x̂` only. `Fixed(Sign::Plus)` is the paper's
    /// `min_ℓ ‖x0 − s_ℓ[x̂]‖`; pass the [`KernelAlignment::sign`] of the kernel
    /// estimate so that a kernel recovered as `−a0` is paired with `−x̂`.
    Fixed(Sign),
    /// Minimise over both signs (sign-invariant, like the kernel error).
    Best,
}

/// Activation error at the best cyclic shift and allowed sign.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivationError {
    /// `min_{ℓ, sign} ‖x0 − sign · s_ℓ[x̂]‖₂`.
    pub absolute: f64,
    /// `absolute / ‖x0‖₂`.
    pub relative: f64,
    /// The minimising cyclic shift `ℓ = (ℓ_rows, ℓ_cols)`, with
    /// `s_ℓ[v][i] = v[(i − ℓ) mod m]` per dimension; `ℓ_cols = 0` in 1-D.
    pub shift: (usize, usize),
    /// The minimising sign.
    pub sign: Sign,
}

/// Activation error (LQK+20 Figs. 17–18), 1-D:
/// `min_ℓ ‖x0 − sign · s_ℓ[x̂]‖₂` over cyclic shifts `ℓ` of the signal length
/// and the signs allowed by `rule`, reported absolute and relative to
/// `‖x0‖₂` (computed on rescaled copies, so never NaN; +∞ only if the true
/// value exceeds the largest `f64`). `x̂ = 0` is allowed (relative error 1); `x0 = 0` is an error (the
/// relative error and the shift would be meaningless).
///
/// The best shift maximises the cyclic cross-correlation (computed over the
/// sparser operand); the error is then re-summed directly so that it is
/// accurate even when tiny.
pub fn activation_error(x0: &[f64], x_hat: &[f64], rule: SignRule) -> Result<ActivationError> {
    activation_error_2d(x0, x_hat, Shape::d1(x0.len()), rule)
}

/// 2-D [`activation_error`], 2-D cyclic shifts on `shape` (row-major).
pub fn activation_error_2d(
    x0: &[f64],
    x_hat: &[f64],
    shape: Shape,
    rule: SignRule,
) -> Result<ActivationError> {
    let norm0 = checked_norm("true activation", x0, shape)?;
    checked_norm("estimated activation", x_hat, shape)?;
    if norm0 == 0.0 {
        return Err(MetricError::ZeroVector {
            what: "true activation",
        });
    }
    // One common scale for both keeps every entry in [−1, 1]: no overflow in
    // the correlation or the sum of squares, whatever the magnitudes.
    let scale = max_abs(x0).max(max_abs(x_hat));
    let (u, v): (Vec<f64>, Vec<f64>) = x0.iter().zip(x_hat).map(|(a, b)| (a / scale, b / scale)).unzip();
    // c[d] = ⟨x0, s_{−d}[x̂]⟩; ‖x0 − σ s_{−d} x̂‖² = ‖x0‖² + ‖x̂‖² − 2σ c[d].
    let c = cross_correlation(&u, shape, &v, shape, shape);
    let best = match rule {
        SignRule::Fixed(s) => argmax(&c, |c| s.value() * c),
        SignRule::Best => argmax(&c, f64::abs),
    };
    let sign = match rule {
        SignRule::Fixed(s) => s,
        SignRule::Best => Sign::of(c[best]),
    };
    // Re-summed directly rather than from the expansion above, which cancels
    // catastrophically when the error is small.
    let (rows, cols) = shape.grid();
    let (dr, dc) = (best % rows, best / rows);
    let residual: Vec<f64> = u
        .iter()
        .enumerate()
        .map(|(i, &u_i)| {
            let (r, k) = (i % rows, i / rows);
            u_i - sign.value() * v[(r + dr) % rows + ((k + dc) % cols) * rows]
        })
        .collect();
    let relative = scaled_norm(&residual) / scaled_norm(&u);
    Ok(ActivationError {
        absolute: relative * norm0,
        relative,
        shift: shape.offset(((rows - dr) % rows, (cols - dc) % cols)),
        sign,
    })
}

/// Spike-detection scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeScores {
    /// True spikes matched to a detection.
    pub true_positives: usize,
    /// Detections matched to no true spike (false alarms).
    pub false_positives: usize,
    /// True spikes matched to no detection (misses).
    pub false_negatives: usize,
    /// `TP / (TP + FP)`; 1 when nothing was detected (no false alarm).
    pub precision: f64,
    /// `TP / (TP + FN)`; 1 when there is no true spike (nothing missed).
    pub recall: f64,
    /// `2·P·R / (P + R)`; 0 when `P + R = 0`.
    pub f1: f64,
}

/// Precision, recall and F1 of detected spike positions against true ones,
/// with a detection counting as a hit when it lies within `±tolerance`
/// samples of a true spike, each detection and each spike used at most once.
///
/// The matching is a maximum one-to-one matching, found greedily: scanning
/// true spikes in increasing order, each takes the earliest unused detection
/// in its window. Because all windows have the same width, this greedy choice
/// is optimal (exchange argument: the earliest usable detection is the one
/// least useful to later spikes). Distances are linear, not cyclic: on a
/// cyclic signal a spike within `tolerance` of one end is not matched across
/// to the other end. Repeated positions are counted once.
pub fn match_spikes(truth: &[usize], detected: &[usize], tolerance: usize) -> SpikeScores {
    let sorted_unique = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (truth, detected) = (sorted_unique(truth), sorted_unique(detected));
    let mut next = 0;
    let mut hits = 0;
    for &t in &truth {
        // Detections too early for t are too early for every later spike too.
        while next < detected.len() && detected[next].saturating_add(tolerance) < t {
            next += 1;
        }
        if next < detected.len() && detected[next] <= t.saturating_add(tolerance) {
            hits += 1;
            next += 1;
        }
    }
    let ratio = |num: usize, den: usize| if den == 0 { 1.0 } else { num as f64 / den as f64 };
    let precision = ratio(hits, detected.len());
    let recall = ratio(hits, truth.len());
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    SpikeScores {
        true_positives: hits,
        false_positives: detected.len() - hits,
        false_negatives: truth.len() - hits,
        precision,
        recall,
        f1,
    }
}

/// [`match_spikes`] on signals: the true spikes are the non-zero entries of
/// `x0`, the detections the entries with `|x̂_i| > threshold` (magnitude, so a
/// sign-flipped estimate is scored like its flip; for non-negative estimates
/// it is `x̂_i > threshold`). `x̂` must already be aligned to `x0` (e.g. by the
/// pipeline's shift correction or [`activation_error`]'s shift).
pub fn spike_scores(x0: &[f64], x_hat: &[f64], threshold: f64, tolerance: usize) -> Result<SpikeScores> {
    checked_norm("true activation", x0, Shape::d1(x0.len()))?;
    checked_norm("estimated activation", x_hat, Shape::d1(x0.len()))?;
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(MetricError::InvalidParameter {
            name: "threshold",
            value: threshold,
            requirement: "must be finite and >= 0",
        });
    }
    let positions = |v: &[f64], hit: &dyn Fn(f64) -> bool| -> Vec<usize> {
        v.iter()
            .enumerate()
            .filter(|(_, x)| hit(**x))
            .map(|(i, _)| i)
            .collect()
    };
    let truth = positions(x0, &|v| v != 0.0);
    let detected = positions(x_hat, &|v| v.abs() > threshold);
    Ok(match_spikes(&truth, &detected, tolerance))
}

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
/// All N! permutations are tried for `N ≤ 8` ([`BRUTE_FORCE_MAX_KERNELS`]);
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

    #[test]
    fn flipped_correlation_matches_direct() {
        // Dense u, sparse v forces the flipped branch; compare with the direct one.
        let u = [1.0, 2.0, 3.0, 4.0, 5.0];
        let v = [0.0, 0.0, 7.0, 0.0, 0.0];
        let s = Shape::d1(5);
        let c = cross_correlation(&u, s, &v, s, s);
        let mut direct = vec![0.0; 5];
        accumulate_pairs(&u, s, &v, s, &mut direct, s, Offset::Difference);
        assert_eq!(c, direct);
    }
}
