//! From a solver's lifted kernels to the caller's result: shift correction
//! (LQK+20 App. B.3) and the errors against a truth.

use std::time::Duration;

use optim::{Record, StopReason};

use super::plan::GridPlan;
use super::run::Layout;
use super::shift::{self, ShiftCorrection};
use super::{Certificate, Deconvolution, Deconvolved};
use crate::error::Result;
use crate::geometry::{Grid, max_energy_start, normalised_window, shift_scaled};
use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};
use crate::two_stage::TwoStageReport;

/// What a solve leaves, whichever method ran: the lifted kernels (N blocks
/// on the lifted grid) and their activations (N blocks on the signal grid).
pub(super) struct Raw {
    pub lifted: Vec<f64>,
    pub x: Vec<f64>,
    pub bias: Option<f64>,
    pub lambda: f64,
    pub stop: StopReason,
    pub iterations: usize,
    pub ffts: u64,
    pub elapsed: Duration,
    pub history: Vec<Record>,
    pub certificate: Option<Certificate>,
    pub two_stage: Option<TwoStageReport>,
}

/// Cuts every lifted kernel back to the kernel's shape (maximal energy or
/// Algorithm 8), shifts and scales its activation to keep the product, and
/// measures the result against the truth.
pub(super) fn finish<P: GridPlan>(
    spec: &Deconvolution,
    y: &[f64],
    layout: &Layout,
    raw: Raw,
) -> Result<Deconvolved> {
    let Layout {
        signal,
        kernel,
        grid,
        kgrid,
        lgrid,
        count,
    } = *layout;
    let (m, n) = (layout.m(), layout.n());
    let starts: Vec<Grid> = match spec.shift_correction {
        ShiftCorrection::MaxEnergy => raw
            .lifted
            .chunks_exact(n)
            .map(|a| max_energy_start(a, lgrid, kgrid))
            .collect(),
        ShiftCorrection::ReconstructionError => shift::reconstruction_starts::<P>(
            y,
            grid,
            raw.bias.unwrap_or(0.0),
            &raw.lifted,
            lgrid,
            &raw.x,
            kgrid,
        )?,
    };
    let (mut kernels, mut activations) = (Vec::with_capacity(count), Vec::with_capacity(count));
    for (k, &s) in starts.iter().enumerate() {
        let (kernel_k, norm) = normalised_window(&raw.lifted[k * n..(k + 1) * n], lgrid, s, kgrid);
        kernels.push(kernel_k);
        activations.push(shift_scaled(&raw.x[k * m..(k + 1) * m], grid, s, norm));
    }
    let truth_errors = spec.truth.as_ref().and_then(|truth| {
        if let ([t], [k]) = (truth.as_slice(), kernels.as_slice()) {
            kernel_error_2d(t, kernel, k, kernel).ok().map(|e| vec![e])
        } else {
            cdl_kernel_errors_2d(truth, kernel, &kernels, kernel)
                .ok()
                .map(|c| c.errors)
        }
    });
    let lifted_dims = kernel.like(lgrid);
    Ok(Deconvolved {
        kernels,
        activations,
        kernel_dims: kernel,
        signal_dims: signal,
        bias: raw.bias,
        lifted_kernels: raw.lifted.chunks_exact(n).map(<[f64]>::to_vec).collect(),
        lifted_dims,
        shifts: starts.iter().map(|&s| signal.offset(s)).collect(),
        lambda: raw.lambda,
        stop: raw.stop,
        iterations: raw.iterations,
        ffts: raw.ffts,
        elapsed: raw.elapsed,
        history: raw.history,
        truth_errors,
        certificate: raw.certificate,
        two_stage: raw.two_stage,
        refinement: None,
    })
}
