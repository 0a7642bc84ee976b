//! The second-order methods of [`Method`] (trust region, curvilinear search,
//! two-stage) behind the pipeline's one entry point: the builder's settings
//! are handed to [`SecondOrderDeconvolution`] or [`TwoStage`], and their
//! outcome comes back as a [`Deconvolved`] like any other run.

use super::history::RunObserver;

use super::geometry::Dims;
use super::result::{Certificate, Deconvolved};
use super::shift::ShiftCorrection;
use super::{Deconvolution, Init, Method, lambda};
use crate::error::{Result, SasdError};
use crate::metrics::kernel_error;
use crate::second_order::{SecondOrderDeconvolution, SecondOrderSolver, Trace};
use crate::two_stage::TwoStage;

/// Runs a second-order `spec` on the 1-D signal y (already checked non-empty
/// and finite by the caller; the runners check the lengths).
pub(super) fn run<O: RunObserver>(
    spec: &Deconvolution,
    y: &[f64],
    signal: Dims,
    observer: &mut O,
) -> Result<Deconvolved> {
    let name = match spec.method {
        Method::TrustRegion => "the trust region",
        Method::Curvilinear => "the curvilinear search",
        _ => "the two-stage algorithm",
    };
    let unsupported = |feature| {
        Err(SasdError::Unsupported {
            method: name,
            feature,
        })
    };
    let n0 = match spec.kernel {
        Dims::D1(n0) if !signal.is_2d() => n0,
        _ => return unsupported("images or 2-D kernels"),
    };
    if spec.kernels != 1 {
        return unsupported("several kernels");
    }
    if spec.bias {
        return unsupported("a bias");
    }
    if spec.nonnegative {
        return unsupported("non-negative activations");
    }
    if spec.init != Init::Window {
        return unsupported("initialisations other than the window (3.5)");
    }
    if spec.shift_correction != ShiftCorrection::MaxEnergy {
        return unsupported("shift corrections other than the maximal-energy window");
    }
    let solver = match spec.method {
        Method::Curvilinear => SecondOrderSolver::Curvilinear,
        _ => SecondOrderSolver::TrustRegion,
    };
    let n = 3 * n0 - 2;
    let trace = Trace {
        truth: match spec.truth.as_deref() {
            Some([t]) => Some(t.as_slice()),
            _ => None,
        },
        every: spec.truth_every,
    };
    let lambda = spec
        .lambda
        .unwrap_or_else(|| lambda::default_lambda(spec.method, n, y, (y.len(), 1)));
    let o = if spec.method == Method::TwoStage {
        let mut run = TwoStage::new(n0)
            .solver(solver)
            .lambda_min(lambda)
            .delta(spec.delta)
            .seed(spec.seed);
        if let Some(l) = spec.lambda0 {
            run = run.lambda0(l);
        }
        if let Some(eta) = spec.eta {
            run = run.beta(1.0 / eta);
        }
        if let Some(k) = spec.max_iterations {
            run = run.max_iterations(k);
        }
        if let Some(t) = spec.time_budget {
            run = run.time_budget(t);
        }
        run.run_traced(y, observer, trace)?.result
    } else {
        let mut run = SecondOrderDeconvolution::new(n0)
            .solver(solver)
            .objective(spec.smooth_objective)
            .lambda(lambda)
            .seed(spec.seed);
        if let Some(k) = spec.max_iterations {
            run = run.max_iterations(k);
        }
        if let Some(t) = spec.time_budget {
            run = run.time_budget(t);
        }
        run.run_traced(y, observer, trace)?
    };
    let truth_errors = match spec.truth.as_deref() {
        Some([t]) => kernel_error(t, &o.kernel).ok().map(|e| vec![e]),
        _ => None,
    };
    Ok(Deconvolved {
        kernels: vec![o.kernel],
        activations: vec![o.activation],
        kernel_dims: Dims::D1(n0),
        signal_dims: signal,
        bias: None,
        lifted_dims: Dims::D1(o.lifted_kernel.len()),
        lifted_kernels: vec![o.lifted_kernel],
        shifts: vec![(o.shift, 0)],
        lambda: o.lambda,
        stop: o.stop,
        iterations: o.iterations,
        ffts: o.ffts,
        elapsed: o.elapsed,
        history: o.history,
        truth_errors,
        refinement: None,
        certificate: Some(Certificate {
            grad_norm: o.grad_norm,
            lambda_min: o.lambda_min,
            hess_calls: o.hess_calls,
            mu: o.mu,
        }),
    })
}
