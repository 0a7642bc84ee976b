//! Exact convolution by direct summation, for generating data.
//!
//! O(nnz(x) · len(a)) and free of FFT round-off, so a generated `y` is the
//! reference the fast engine (`sasd::conv`) can be tested against; it is not
//! meant for the inner loop of a solver.

use super::{Offset, Result, Shape, SynthError, accumulate_pairs, check_operand};

/// Convolution model of the observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Convolution {
    /// Cyclic convolution on the signal's grid (the model of LQK+20, §4.4):
    /// `(a ⊛ x)[k] = Σ_j a[j] · x[(k − j) mod m]`, per dimension in 2-D. The
    /// kernel is zero-padded to the signal's shape, so it must fit inside it;
    /// the output has the signal's shape `m` (or `m1 × m2`).
    #[default]
    Cyclic,
    /// Full linear convolution `(a ∗ x)[k] = Σ_j a[j] · x[k − j]` with `x` zero
    /// outside its support: output length `m + n0 − 1` (or
    /// `(m1 + n1 − 1) × (m2 + n2 − 1)`), every sample that any spike touches.
    /// It equals the cyclic convolution of the zero-padded operands (LQK+20
    /// §4.4), which is how a solver built on cyclic convolution can fit it.
    Linear,
}

impl Convolution {
    /// Shape of `a ⊛ x` (cyclic) or `a ∗ x` (linear) for a kernel of shape
    /// `kernel` and an activation of shape `signal`.
    pub fn output_shape(self, kernel: Shape, signal: Shape) -> Result<Shape> {
        if kernel.is_empty() {
            return Err(SynthError::EmptyShape { what: "kernel" });
        }
        if signal.is_empty() {
            return Err(SynthError::EmptyShape { what: "activation" });
        }
        match self {
            Self::Cyclic if !kernel.fits_in(signal) => Err(SynthError::KernelTooLarge { kernel, signal }),
            Self::Cyclic => Ok(signal),
            Self::Linear => Ok(kernel.full(signal)),
        }
    }
}

/// `a ⊛ x` or `a ∗ x` (see [`Convolution`]) by direct summation, 1-D or 2-D
/// (row-major), returned with the output's shape.
pub fn convolve(
    a: &[f64],
    a_shape: Shape,
    x: &[f64],
    x_shape: Shape,
    model: Convolution,
) -> Result<(Vec<f64>, Shape)> {
    check_operand("kernel", a, a_shape)?;
    check_operand("activation", x, x_shape)?;
    let out_shape = model.output_shape(a_shape, x_shape)?;
    let mut out = vec![0.0; out_shape.len()];
    // x is the sparse operand: iterate over its spikes, stamping a copy of a.
    accumulate_pairs(x, x_shape, a, a_shape, &mut out, out_shape, Offset::Sum);
    Ok((out, out_shape))
}
