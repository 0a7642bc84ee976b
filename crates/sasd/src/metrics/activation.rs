//! Activation error over cyclic shifts and signs (LQK+20 Figs. 17–18).

use super::{
    MetricError, Result, Shape, Sign, argmax, checked_norm, cross_correlation, max_abs, scaled_norm,
};

/// Which signs of `x̂` the activation error may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SignRule {
    /// Compare `x0` with `sign · x̂` only. `Fixed(Sign::Plus)` is the paper's
    /// `min_ℓ ‖x0 − s_ℓ[x̂]‖`; pass the [`KernelAlignment::sign`](super::KernelAlignment::sign) of the kernel
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
