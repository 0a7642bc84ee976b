//! The second-order methods of [`MethodSpec`] (trust region, curvilinear
//! search, two-stage) on the pipeline's initial kernel, their outcome
//! handed back for the common shift correction.

use std::time::Instant;

use super::finish::Raw;
use super::run::Layout;
use super::{Certificate, Deconvolution, MethodSpec, RunObserver, lambda};
use crate::error::Result;
use crate::init;
use crate::second_order::{self, Limits, lifted_length};
use crate::trace::{Recorder, Truth};
use crate::two_stage;

/// Runs the spec's second-order method on the 1-D signal y (checked by the
/// caller: one kernel, no bias, no x ≥ 0).
pub(super) fn solve<O: RunObserver>(
    spec: &Deconvolution,
    y: &[f64],
    layout: &Layout,
    observer: &mut O,
) -> Result<Raw> {
    let start = Instant::now();
    let n0 = layout.kernel.len();
    let n = lifted_length(y.len(), n0)?;
    let lambda = spec
        .lambda
        .unwrap_or_else(|| lambda::default_lambda(&spec.method, n, y, layout.grid, layout.boundary));
    let solver = match spec.method {
        MethodSpec::SecondOrder(s) => s.solver,
        MethodSpec::TwoStage(t) => t.solver,
        _ => unreachable!("only the second-order methods come here"),
    };
    let limits = Limits {
        iterations: spec.max_iterations.unwrap_or(solver.default_max_iterations()),
        time_budget: spec.time_budget,
        start,
    };
    let truth = spec.truth.as_deref().map(|kernels| Truth {
        kernels,
        shape: layout.kernel,
        every: spec.truth_every,
    });
    let mut history = Vec::new();
    let mut recorder = Recorder::new(observer, &mut history, truth);
    let (outcome, two_stage) = match &spec.method {
        MethodSpec::SecondOrder(s) => {
            let a0 = init::initial_kernels(y, layout.grid, layout.kgrid, 0.0, spec.seed, 1, spec.init)?;
            let o = second_order::run(s, y, &a0, lambda, spec.seed, limits, &mut recorder)?;
            (o, None)
        }
        MethodSpec::TwoStage(t) => {
            let (o, report) = two_stage::run(t, y, (n0, n), lambda, spec.seed, limits, &mut recorder)?;
            (o, Some(report))
        }
        _ => unreachable!("only the second-order methods come here"),
    };
    let elapsed = start.elapsed();
    let mut s = outcome.solved;
    let x = s.point.split_off(n);
    Ok(Raw {
        lifted: std::mem::take(&mut s.point),
        x,
        bias: None,
        baseline: None,
        lambda: outcome.lambda,
        stop: s.stop,
        iterations: s.iterations,
        ffts: outcome.ffts,
        elapsed,
        history,
        certificate: Some(Certificate {
            grad_norm: s.grad_norm,
            lambda_min: s.lambda_min,
            hess_calls: s.hess_calls,
            mu: outcome.mu,
        }),
        two_stage,
    })
}
