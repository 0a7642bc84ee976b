//! The optional support refinement after a 1-D, one-kernel run
//! ([`Deconvolution::refine_support`](super::Deconvolution::refine_support),
//! [`crate::refine`]).

use super::result::Deconvolved;
use crate::error::Result;
use crate::geometry::shift_scaled;
use crate::metrics::kernel_error;
use crate::refine::{SupportRefinement, refine_support};

/// `out` with its kernel, activation, bias and shift replaced by those of the
/// refinement, its truth error recomputed against `truth` when given.
pub(super) fn refine(
    y: &[f64],
    mut out: Deconvolved,
    options: &SupportRefinement,
    truth: Option<&[Vec<f64>]>,
) -> Result<Deconvolved> {
    let m = y.len();
    let n0 = out.kernel().len();
    let s = out.shifts.first().map_or(0, |s| s.0);
    // The run's activation matches the window [s, s + n₀) of the lifted
    // kernel scaled to unit norm; undo both to get the lifted pair back.
    let lifted = out.lifted_kernel();
    let window_norm = lifted[s..s + n0].iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = if window_norm > 0.0 { 1.0 / window_norm } else { 1.0 };
    let x = shift_scaled(out.activation(), (m, 1), ((m - s % m) % m, 0), scale);
    let refined = refine_support(y, lifted, &x, out.bias, n0, options)?;
    out.truth_errors = match truth {
        Some([t]) => kernel_error(t, &refined.kernel).ok().map(|e| vec![e]),
        _ => out.truth_errors,
    };
    out.kernels = vec![refined.kernel];
    out.activations = vec![refined.activation];
    out.bias = refined.bias;
    out.shifts = vec![(refined.shift, 0)];
    out.refinement = Some(refined.report);
    Ok(out)
}
