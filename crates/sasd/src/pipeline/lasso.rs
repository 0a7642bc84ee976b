//! The Bilinear Lasso (LQK+20 eq. 3.1 / 4.6 / App. C.2) by a first-order
//! schedule: the objective and the initial point, then a fixed-λ solve, a
//! homotopy (Alg. 6), a reweighting (Alg. 7) or both, through the executor.

use manifold::Oblique;
use optim::{
    Blocks, Composite, Executor, Homotopy, HomotopyOptions, ManifoldProblem, Regularizer, Reweightable,
    Reweighting, ReweightingOptions, Solution, Solver, StopCriterion, StopReason, TwoBlockSmooth,
};

use super::finish::Raw;
use super::method::{HomotopySpec, ReweightedSpec};
use super::plan::GridPlan;
use super::run::Layout;
use super::{Deconvolution, MethodSpec, RunObserver, lambda, polish};
use crate::error::{Result, SasdError, check_lambda};
use crate::init;
use crate::limits::Limits;
use crate::objective::lasso_penalty;
use crate::trace::{Historian, Truth};

/// The default iteration budget of a first-order run, over all stages.
pub(crate) const MAX_ITERATIONS: usize = 20_000;

/// Initialise, then solve by the spec's schedule (LQK+20 Alg. 1).
pub(super) fn solve<P: GridPlan, O: RunObserver>(
    spec: &Deconvolution,
    y: &[f64],
    layout: &Layout,
    observer: &mut O,
) -> Result<Raw> {
    let Layout {
        grid,
        kgrid,
        lgrid,
        count,
        ..
    } = *layout;
    let (n, xlen) = (layout.n(), layout.x_len());
    let objective = P::objective(y, grid, lgrid, count, layout.boundary)?;
    let objective = match (spec.baseline, spec.bias) {
        (Some(period), _) => P::with_baseline(objective, period)?,
        (None, true) => objective.with_bias(),
        (None, false) => objective,
    };
    // The windows of eq. 3.5 come from y less its fitted offset: the
    // baseline's start (its fit to y) or the bias' (mean y).
    let a0 = match objective.baseline() {
        Some(beta) => {
            let detrended: Vec<f64> = y.iter().zip(beta).map(|(v, b)| v - b).collect();
            init::initial_kernels(&detrended, grid, kgrid, 0.0, spec.seed, count, spec.init)?
        }
        None => {
            let offset = objective.bias().unwrap_or(0.0);
            init::initial_kernels(y, grid, kgrid, offset, spec.seed, count, spec.init)?
        }
    };
    let lambda_star = check_lambda(
        spec.lambda
            .unwrap_or_else(|| lambda::default_lambda(&spec.method, n, y, grid, layout.boundary)),
    )?;
    let penalty = lasso_penalty(count * xlen, None, spec.nonnegative)?;
    let mut problem = Composite {
        smooth: objective,
        penalty,
        lambda: lambda_star,
    };
    let manifold = Oblique::of_matrices(lgrid.0, lgrid.1, count).map_err(optim::OptimError::from)?;
    let x0 = vec![0.0; count * xlen];
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
    let point = Blocks { a: a0, x: x0 };
    let sizes = (layout.kernel.len() * count, xlen * count);
    let mut res = schedule(
        &spec.method,
        &manifold,
        point,
        &mut problem,
        (lambda_max, lambda_star),
        sizes,
        &limits,
        &mut historian,
    )?;
    if let MethodSpec::Homotopy(h) = spec.method
        && h.recenter
    {
        res = polish::recentre_and_polish(&manifold, &h, layout, res, &mut problem, &limits, &mut historian)?;
    }
    Ok(Raw {
        bias: problem.smooth.bias(),
        baseline: problem.smooth.baseline().map(<[f64]>::to_vec),
        lambda: problem.lambda,
        stop: res.stop,
        iterations: res.iterations,
        ffts: problem.smooth.ffts(),
        elapsed: start.elapsed(),
        history: std::mem::take(&mut historian.history),
        lifted: res.iterate.a,
        x: res.iterate.x,
        certificate: None,
        two_stage: None,
    })
}

/// λ_max = ‖ǎ⁽⁰⁾ ⋆ (y − b₀)‖∞ (§4.2.2; for N kernels the largest of the
/// N correlations, eq. 4.6) is ‖∇_x ψ(a⁽⁰⁾, 0)‖∞: the smallest λ at which
/// x = 0 solves the x-subproblem, the homotopy's λ₀. Taken from the
/// objective's own FFTs (two transforms per kernel, which the caller
/// leaves out of its count) rather than by direct sums; a λ* at or above
/// it is refused. Any coupling: the shared-kernel problem (one x block per
/// trace) takes the largest over its traces the same way.
pub(crate) fn lambda_max<T: TwoBlockSmooth, G>(
    problem: &mut Composite<T, G>,
    a0: &[f64],
    lambda_star: f64,
) -> Result<f64> {
    let f = &mut problem.smooth;
    f.fix_a(a0);
    let x0 = vec![0.0; f.x_len()];
    let mut g = vec![0.0_f64; f.x_len()];
    f.grad_x(&x0, &mut g);
    let lambda_max = g.iter().fold(0.0_f64, |acc, t| acc.max(t.abs()));
    if lambda_star >= lambda_max && lambda_max > 0.0 {
        return Err(SasdError::LambdaTooLarge {
            lambda: lambda_star,
            lambda_max,
        });
    }
    Ok(lambda_max)
}

/// The first-order schedule of `method` (a fixed-λ solve, Alg. 6, Alg. 7,
/// or Alg. 6 then Alg. 7) on any two-block coupling from `point`, with
/// `(λ_max, λ*)` and `sizes` = (kernel entries, activation entries) for the
/// reweighting's rank. The re-centring polish is the caller's.
#[allow(clippy::too_many_arguments)]
pub(crate) fn schedule<T, G, O>(
    method: &MethodSpec,
    manifold: &Oblique,
    point: Blocks,
    problem: &mut Composite<T, G>,
    (lambda_max, lambda_star): (f64, f64),
    sizes: (usize, usize),
    limits: &Limits,
    historian: &mut Historian<'_, O>,
) -> Result<Solution<Blocks>>
where
    T: TwoBlockSmooth,
    G: Reweightable,
    O: RunObserver,
{
    let total = limits.iterations;
    Ok(match *method {
        MethodSpec::Fixed(f) => solve_from(
            manifold,
            point,
            f.solver.solver(manifold),
            problem,
            limits.stop_after(total) | StopCriterion::StepNorm(f.step_tolerance),
            historian,
        )?,
        MethodSpec::Homotopy(h) => {
            let homotopy = homotopy(&h, h.inner.solver(manifold), lambda_max, lambda_star, total)?;
            solve_from(
                manifold,
                point,
                homotopy,
                problem,
                limits.stop_after(total),
                historian,
            )?
        }
        MethodSpec::Reweighted(r) => {
            let inner = super::FirstOrder::Iadm.solver(manifold);
            let rw = reweighting(&r, inner, sizes, lambda_star, total)?;
            solve_from(manifold, point, rw, problem, limits.stop_after(total), historian)?
        }
        MethodSpec::HomotopyReweighted(h, r) => {
            // Half of the budget for the homotopy, at most a round's share
            // per stage (one slow stage must not take it all), and the rest
            // for the rounds.
            let half = (total / 2).max(1);
            let per_stage = (total / (2 * r.rounds.max(1))).max(1);
            let homotopy = homotopy(&h, h.inner.solver(manifold), lambda_max, lambda_star, per_stage)?;
            let warm = solve_from(
                manifold,
                point,
                homotopy,
                problem,
                limits.stop_after(half),
                historian,
            )?;
            if matches!(warm.stop, StopReason::Observer | StopReason::TimeBudget) {
                warm
            } else {
                let left = total.saturating_sub(warm.iterations).max(1);
                let inner = super::FirstOrder::Iadm.solver(manifold);
                let rw = reweighting(&r, inner, sizes, lambda_star, left)?;
                historian.after(warm.iterations, warm.counts.work);
                // A homotopy cut short by its budget ends above λ*.
                problem.lambda = lambda_star;
                let rounds = solve_from(
                    manifold,
                    warm.iterate.clone(),
                    rw,
                    problem,
                    limits.stop_after(left),
                    historian,
                )?;
                Solution {
                    iterations: warm.iterations + rounds.iterations,
                    ..rounds
                }
            }
        }
        MethodSpec::SecondOrder(_) | MethodSpec::TwoStage(_) => {
            unreachable!("the second-order methods are dispatched before the Bilinear Lasso")
        }
    })
}

/// Alg. 6 around `inner` from λ₀ (given, or λ_max) down to λ*, each stage
/// at most `stage_iterations`.
fn homotopy<S>(
    h: &HomotopySpec,
    inner: S,
    lambda_max: f64,
    lambda_star: f64,
    stage_iterations: usize,
) -> Result<Homotopy<S>> {
    let lambda0 = match h.lambda0 {
        Some(l) => check_lambda(l)?,
        None => lambda_max,
    }
    .max(lambda_star);
    let options = HomotopyOptions {
        eta: h.eta,
        delta: h.delta,
        // ε* = δ·λ*: tighter final precision buys no accuracy on the §5.2
        // instance (kernel error 2–4e-7 either way) and ends in line-search
        // failures at rounding level.
        eps_star: Some(h.delta * lambda_star),
        stage_iterations: stage_iterations.max(1),
        // η at or below η_min leaves nothing to adapt: a fixed decay.
        adaptive: h.adaptive.filter(|a| a.eta_min < h.eta),
        ..HomotopyOptions::new(lambda0, lambda_star)
    };
    Ok(Homotopy::new(inner, options)?)
}

/// Alg. 7 around `inner` at λ*, every round with its share of the `total`
/// iterations; `(n, m)` count the entries of all kernels and all
/// activations.
fn reweighting<S>(
    r: &ReweightedSpec,
    inner: S,
    (n, m): (usize, usize),
    lambda_star: f64,
    total: usize,
) -> Result<Reweighting<S>> {
    let rounds = r.rounds.max(1);
    let options = ReweightingOptions {
        rounds,
        rank: Reweighting::<()>::seed_rank(n, m),
        eps_floor: 1e-3,
        precision: 1e-3 * lambda_star,
        stage_iterations: (total / rounds).max(1),
    };
    Ok(Reweighting::new(inner, options)?)
}

/// One solve of the pipeline from `start`, through the executor, its
/// records stamped by the historian.
pub(super) fn solve_from<S, T, G, O>(
    manifold: &Oblique,
    start: Blocks,
    solver: S,
    problem: &mut Composite<T, G>,
    stop: StopCriterion,
    historian: &mut Historian<'_, O>,
) -> Result<Solution<Blocks>>
where
    S: for<'a> Solver<ManifoldProblem<'a, Oblique, Composite<T, G>>, Iterate = Blocks>,
    T: TwoBlockSmooth,
    G: Regularizer,
    O: RunObserver,
{
    Ok(Executor::new(solver, ManifoldProblem::new(manifold, problem))
        .stop(stop)
        .keep_history(false)
        .observe(historian)
        .run(start)?)
}
