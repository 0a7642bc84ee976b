//! Riemannian gradient descent with Armijo backtracking (LQK+20, Alg. 4).

use manifold::{Manifold, Retraction};

use crate::error::OptimError;
use crate::executor::Executor;
use crate::linesearch::{Armijo, smooth_start};
use crate::problem::{ManifoldProblem, Problem};
use crate::solution::Solution;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Options of [`GradientDescent`] and [`ConjugateGradient`](crate::ConjugateGradient).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LineSearchOptions {
    /// The Armijo backtracking.
    pub linesearch: Armijo,
    /// First trial step of the first iteration (1).
    pub initial_step: Option<f64>,
}

impl LineSearchOptions {
    pub(crate) fn validated(self) -> Result<(Armijo, f64), OptimError> {
        let t0 = self.initial_step.unwrap_or(1.0);
        self.linesearch.validate(t0)?;
        Ok((self.linesearch, t0))
    }
}

/// Riemannian gradient descent: x ← R_x(−t·grad f(x)) with t from Armijo
/// backtracking, the first trial from Manopt's memory rule.
///
/// Default stop: 1000 iterations, ‖grad f‖ ≤ 1e-6, or a relative cost
/// change ≤ 1e-15 (progress at the rounding level of f: when |f| is large,
/// ‖grad f‖ can stall above 1e-6 while f is exact to rounding).
#[derive(Debug, Clone)]
pub struct GradientDescent<R> {
    linesearch: Armijo,
    initial_step: f64,
    retraction: R,
    work: Work,
}

/// Buffers and memory of a run.
#[derive(Debug, Clone, Default)]
struct Work {
    grad: Vec<f64>,
    x_new: Vec<f64>,
    dir: Vec<f64>,
    scratch: Vec<f64>,
    t0: f64,
    work0: u64,
}

/// The default stop of the smooth first-order solvers.
pub(crate) fn first_order_stop() -> StopCriterion {
    StopCriterion::MaxIterations(1000)
        | StopCriterion::GradientNorm(1e-6)
        | StopCriterion::RelativeCostChange(1e-15)
}

impl<R> GradientDescent<R> {
    /// Gradient descent with these options and this retraction.
    pub fn new(options: LineSearchOptions, retraction: R) -> Result<Self, OptimError> {
        let (linesearch, initial_step) = options.validated()?;
        Ok(Self {
            linesearch,
            initial_step,
            retraction,
            work: Work::default(),
        })
    }

    /// Gradient descent with the default options and the manifold's default
    /// retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M) -> Self
    where
        R: Default,
    {
        Self {
            linesearch: Armijo::default(),
            initial_step: 1.0,
            retraction: R::default(),
            work: Work::default(),
        }
    }

    /// Minimises f over M from `x0` with the default stop and no observer
    /// (use an [`Executor`] for more).
    pub fn solve<M, P>(&self, m: &M, p: &mut P, x0: &[f64]) -> Result<Solution<Vec<f64>>, OptimError>
    where
        M: Manifold,
        P: Problem + ?Sized,
        R: Retraction<M> + Clone,
    {
        Executor::new(self.clone(), ManifoldProblem::new(m, p)).run(x0.to_vec())
    }
}

impl<M, P, R> Solver<ManifoldProblem<'_, M, P>> for GradientDescent<R>
where
    M: Manifold,
    P: Problem + ?Sized,
    R: Retraction<M>,
{
    type Iterate = Vec<f64>;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        let (m, d) = (p.manifold, p.manifold.ambient_dim());
        let w = &mut self.work;
        for buf in [&mut w.grad, &mut w.x_new, &mut w.dir, &mut w.scratch] {
            buf.clear();
            buf.resize(d, 0.0);
        }
        w.work0 = p.objective.work();
        let fx = smooth_start(
            m,
            &mut *p.objective,
            &state.iterate,
            &self.linesearch,
            self.initial_step,
            &mut w.grad,
            &mut state.counts,
        )?;
        state.cost = fx;
        state.grad_norm = Some(m.norm(&state.iterate, &w.grad));
        w.t0 = self.initial_step;
        Ok(())
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<Step, OptimError> {
        let m = p.manifold;
        let w = &mut self.work;
        let grad_norm = state.grad_norm.unwrap_or(0.0);
        w.dir.iter_mut().zip(&w.grad).for_each(|(di, g)| *di = -g);
        let slope = -grad_norm * grad_norm;
        let objective = &mut *p.objective;
        let accepted = self.linesearch.search(
            m,
            &self.retraction,
            &state.iterate,
            &w.dir,
            state.cost,
            slope,
            w.t0,
            &mut |y| objective.cost(y),
            &mut w.scratch,
            &mut w.x_new,
            &mut state.counts,
        )?;
        let Some(acc) = accepted else {
            return Ok(Step::Halt(StopReason::LineSearchFailed));
        };
        if !acc.cost.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        let fx = objective.cost_grad(&w.x_new, &mut w.grad);
        state.counts.grad += 1;
        state.counts.work = objective.work().saturating_sub(w.work0);
        if !fx.is_finite() || w.grad.iter().any(|t| !t.is_finite()) {
            // Keep the last finite iterate; report instead of erroring.
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        std::mem::swap(&mut state.iterate, &mut w.x_new);
        m.egrad_to_rgrad(&state.iterate, &mut w.grad)?;
        state.step_norm = acc.step * grad_norm;
        state.step_size = acc.step;
        state.cost = fx;
        state.grad_norm = Some(m.norm(&state.iterate, &w.grad));
        w.t0 = self.linesearch.next_initial(&acc);
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        first_order_stop()
    }
}
