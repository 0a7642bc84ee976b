//! The optional support refinement after a 1-D, one-kernel run
//! ([`Deconvolution::refine_support`](super::Deconvolution::refine_support),
//! [`crate::refine`]).

use super::result::Deconvolved;
use crate::conv::Boundary;
use crate::error::Result;
use crate::geometry::shift_scaled;
use crate::metrics::kernel_error;
use crate::refine::{Offset, SupportRefinement, refine_support, refine_support_linear};

/// `out` with its kernel, activation, bias (or baseline of period
/// `baseline`) and shift replaced by those of the refinement, its truth
/// error recomputed against `truth` when given.
pub(super) fn refine(
    y: &[f64],
    out: Deconvolved,
    options: &SupportRefinement,
    baseline: Option<f64>,
    truth: Option<&[Vec<f64>]>,
) -> Result<Deconvolved> {
    let refined = match out.boundary {
        Boundary::Circular => cyclic(y, &out, options)?,
        Boundary::Linear => {
            let offset = match (baseline, out.bias) {
                (Some(period), _) => Offset::Baseline(period),
                (None, Some(b)) => Offset::Bias(b),
                (None, None) => Offset::None,
            };
            let mut r = refine_support_linear(y, out.kernel(), out.activation(), offset, options)?;
            // Report the kernel's start in the lifted kernel as the run did,
            // moved by as much as the refinement moved it.
            let margin = options.margin.unwrap_or(out.kernel().len().div_ceil(10));
            let s = out.shifts.first().map_or(0, |s| s.0);
            r.shift = (s + r.shift).saturating_sub(margin);
            r
        }
    };
    Ok(replace(out, refined, truth))
}

/// The run's result with the refinement's kernel, activation and offset.
fn replace(mut out: Deconvolved, refined: crate::refine::Refined, truth: Option<&[Vec<f64>]>) -> Deconvolved {
    out.truth_errors = match truth {
        Some([t]) => kernel_error(t, &refined.kernel).ok().map(|e| vec![e]),
        _ => out.truth_errors,
    };
    out.kernels = vec![refined.kernel];
    out.activations = vec![refined.activation];
    out.bias = refined.bias;
    if refined.baseline.is_some() {
        out.baseline = refined.baseline;
    }
    out.shifts = vec![(refined.shift, 0)];
    out.refinement = Some(refined.report);
    out
}

/// The cyclic refinement of [`refine_support`] on the run's lifted kernel.
fn cyclic(y: &[f64], out: &Deconvolved, options: &SupportRefinement) -> Result<crate::refine::Refined> {
    let m = y.len();
    let n0 = out.kernel().len();
    let s = out.shifts.first().map_or(0, |s| s.0);
    // The run's activation matches the window [s, s + n₀) of the lifted
    // kernel scaled to unit norm; undo both to get the lifted pair back.
    let lifted = out.lifted_kernel();
    let window_norm = lifted[s..s + n0].iter().map(|v| v * v).sum::<f64>().sqrt();
    let scale = if window_norm > 0.0 { 1.0 / window_norm } else { 1.0 };
    let x = shift_scaled(out.activation(), (m, 1), ((m - s % m) % m, 0), scale);
    refine_support(y, lifted, &x, out.bias, n0, options)
}
