//! One shared-kernel solve: the stacked objective, the start, the
//! pipeline's schedule, and each trace's result cut by the pipeline's
//! shift correction.

use manifold::Oblique;
use optim::{Blocks, Composite};
use rayon::prelude::*;

use super::{SharedDeconvolved, SharedLasso};
use crate::error::{Result, check_lambda};
use crate::geometry::Grid;
use crate::init;
use crate::limits::Limits;
use crate::objective::{BilinearLasso, lasso_penalty};
use crate::pipeline::{
    Deconvolution, GridPlan, Layout, MAX_ITERATIONS, Raw, RunObserver, default_lambda, finish, lambda_max,
    schedule,
};
use crate::trace::{Historian, Truth};

/// Builds the stacked problem of `traces` (checked, all of `layout`'s
/// shape), solves it by the spec's first-order schedule and cuts every
/// trace's result.
pub(super) fn solve<P, O>(
    spec: &Deconvolution,
    traces: &[Vec<f64>],
    layout: &Layout,
    observer: &mut O,
) -> Result<SharedDeconvolved>
where
    P: GridPlan,
    BilinearLasso<P>: optim::TwoBlockSmooth + Send,
    O: RunObserver,
{
    let Layout {
        grid,
        kgrid,
        lgrid,
        count,
        boundary,
        ..
    } = *layout;
    let (n, xlen, p) = (layout.n(), layout.x_len(), traces.len());
    // One objective per trace, each with its plan and its own offset.
    let objectives = traces
        .par_iter()
        .map(|y| {
            let objective = P::objective(y, grid, lgrid, count, boundary)?;
            match (spec.baseline, spec.bias) {
                (Some(period), _) => P::with_baseline(objective, period),
                (None, true) => Ok(objective.with_bias()),
                (None, false) => Ok(objective),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    // The traces side by side: column i of a (m, p) grid in 1-D, frames
    // stacked along the rows in 2-D. Windows of eq. 3.5 are drawn from the
    // traces less their own offsets (in 1-D never across two traces), the
    // noise level of the default λ is read over all of them.
    let stacked: Grid = (grid.0, grid.1 * p);
    let detrended: Vec<f64> = traces
        .iter()
        .zip(&objectives)
        .flat_map(|(y, o)| {
            let bias = o.bias().unwrap_or(0.0);
            y.iter().enumerate().map(move |(t, v)| match o.baseline() {
                Some(beta) => v - beta[t],
                None => v - bias,
            })
        })
        .collect();
    let a0 = init::initial_kernels(&detrended, stacked, kgrid, 0.0, spec.seed, count, spec.init)?;
    let lambda_star = check_lambda(spec.lambda.unwrap_or_else(|| {
        let all: Vec<f64> = traces.concat();
        default_lambda(&spec.method, n, &all, stacked, boundary)
    }))?;
    let mut problem = Composite {
        smooth: SharedLasso::from_traces(objectives)?,
        penalty: lasso_penalty(p * count * xlen, None, spec.nonnegative)?,
        lambda: lambda_star,
    };
    let manifold = Oblique::of_matrices(lgrid.0, lgrid.1, count).map_err(optim::OptimError::from)?;
    let lambda_max = lambda_max(&mut problem, &a0, lambda_star)?;
    problem.smooth.reset_ffts();
    let truth = spec.truth.as_deref().map(|kernels| Truth {
        kernels,
        shape: layout.kernel,
        every: spec.truth_every,
    });
    let mut historian = Historian::new(observer, truth, layout.kernel.like(lgrid));
    let start = historian.start;
    let limits = Limits {
        iterations: spec.max_iterations.unwrap_or(MAX_ITERATIONS),
        time_budget: spec.time_budget,
        start,
    };
    let res = schedule(
        &spec.method,
        &manifold,
        Blocks {
            a: a0,
            x: vec![0.0; p * count * xlen],
        },
        &mut problem,
        (lambda_max, lambda_star),
        (layout.kernel.len() * count, p * count * xlen),
        &limits,
        &mut historian,
    )?;
    let ffts = problem.smooth.ffts();
    let elapsed = start.elapsed();
    let history = std::mem::take(&mut historian.history);
    let per_trace = traces
        .iter()
        .zip(problem.smooth.traces())
        .zip(res.iterate.x.chunks_exact(count * xlen))
        .map(|((y, objective), x)| {
            let raw = Raw {
                lifted: res.iterate.a.clone(),
                x: x.to_vec(),
                bias: objective.bias(),
                baseline: objective.baseline().map(<[f64]>::to_vec),
                lambda: problem.lambda,
                stop: res.stop,
                iterations: res.iterations,
                ffts: objective.ffts(),
                elapsed,
                history: Vec::new(),
                certificate: None,
                two_stage: None,
            };
            finish::<P>(spec, y, layout, raw)
        })
        .collect::<Result<Vec<_>>>()?;
    let first = &per_trace[0];
    Ok(SharedDeconvolved {
        kernels: first.kernels.clone(),
        kernel_dims: first.kernel_dims,
        lifted_kernels: first.lifted_kernels.clone(),
        truth_errors: first.truth_errors.clone(),
        lambda: problem.lambda,
        stop: res.stop,
        iterations: res.iterations,
        ffts,
        elapsed,
        history,
        traces: per_trace,
    })
}
