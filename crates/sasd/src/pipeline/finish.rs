//! From a solver's lifted kernels to the caller's result: shift correction
//! (LQK+20 App. B.3) and the errors against a truth.

use std::time::Duration;

use optim::{Record, StopReason};

use super::plan::GridPlan;
use super::run::Layout;
use super::shift::{self, ShiftCorrection};
use super::{Certificate, Deconvolution, Deconvolved};
use crate::conv::Boundary;
use crate::error::Result;
use crate::geometry::{Grid, max_energy_start, normalised_window, shift_scaled, window};
use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};
use crate::two_stage::TwoStageReport;

/// What a solve leaves, whichever method ran: the lifted kernels (N blocks
/// on the lifted grid) and their activations (N blocks on the signal grid).
pub(crate) struct Raw {
    pub lifted: Vec<f64>,
    pub x: Vec<f64>,
    pub bias: Option<f64>,
    pub baseline: Option<Vec<f64>>,
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
pub(crate) fn finish<P: GridPlan>(
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
        xgrid,
        boundary,
        count,
    } = *layout;
    let (n, xlen) = (layout.n(), layout.x_len());
    // Under the linear model the activation of the window at s is the
    // stretch of x whose spikes the window's taps reach inside y: it starts
    // at (n − n₀ − s) per axis and spans m + n₀ − 1 (no wrap-around).
    let (r, c) = grid;
    let xshape = match boundary {
        Boundary::Circular => grid,
        Boundary::Linear => (r + kgrid.0 - 1, c + kgrid.1 - 1),
    };
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
        let x = &raw.x[k * xlen..(k + 1) * xlen];
        activations.push(match boundary {
            Boundary::Circular => shift_scaled(x, grid, s, norm),
            Boundary::Linear => {
                let start = (lgrid.0 - kgrid.0 - s.0, lgrid.1 - kgrid.1 - s.1);
                window(x, xgrid, start, xshape).iter().map(|t| norm * t).collect()
            }
        });
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
        activation_dims: signal.like(xshape),
        boundary,
        bias: raw.bias,
        baseline: raw.baseline,
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
