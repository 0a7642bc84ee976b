//! Kernel error and alignment (LQK+20 §5.1).

use super::{MetricError, Result, Shape, Sign, argmax, checked_norm, cross_correlation};

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
    /// `x̂ ≈ sign · s_{−d}[x0]`, so pass it to [`SignRule::Fixed`](super::SignRule::Fixed).
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
