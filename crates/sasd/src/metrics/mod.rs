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

mod activation;
mod cdl;
mod kernel;
mod spikes;

use crate::synth::{Offset, accumulate_pairs};

pub use crate::geometry::Shape;
pub use activation::{ActivationError, SignRule, activation_error, activation_error_2d};
pub use cdl::{CdlMatch, cdl_kernel_errors, cdl_kernel_errors_2d};
pub use kernel::{KernelAlignment, kernel_alignment, kernel_alignment_2d, kernel_error, kernel_error_2d};
pub use spikes::{SpikeScores, match_spikes, spike_scores};

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

#[cfg(test)]
mod tests {
    use super::*;

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
