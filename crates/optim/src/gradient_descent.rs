//! Riemannian gradient descent with Armijo backtracking (seed 003, Alg. 4).

use manifold::{Manifold, Retraction, Vector};

use crate::error::OptimError;
use crate::linesearch::{Armijo, smooth_start};
use crate::problem::Problem;
use crate::record::{Counts, Observer};
use crate::result::SolverResult;
use crate::run::{Run, record};
use crate::stop::{StopCriterion, StopReason};

/// Riemannian gradient descent: x ← R_x(−t·grad f(x)) with t from Armijo
/// backtracking, the first trial from Manopt's memory rule.
#[derive(Debug, Clone)]
pub struct GradientDescent<R> {
    /// When to stop.
    pub stop: StopCriterion,
    /// Line search.
    pub linesearch: Armijo,
    /// First trial step of the first iteration.
    pub initial_step: f64,
    /// Retraction.
    pub retraction: R,
}

impl<R> GradientDescent<R> {
    /// Gradient descent with this retraction, 1000 iterations or ‖grad‖ ≤ 1e-6.
    pub fn new(retraction: R) -> Self {
        Self {
            stop: StopCriterion::MaxIterations(1000) | StopCriterion::GradientNorm(1e-6),
            linesearch: Armijo::default(),
            initial_step: 1.0,
            retraction,
        }
    }

    /// Gradient descent with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M) -> Self
    where
        R: Default,
    {
        Self::new(R::default())
    }

    /// The same solver with another stopping criterion.
    pub fn with_stop(mut self, stop: StopCriterion) -> Self {
        self.stop = stop;
        self
    }

    /// Minimises f over M from `x0` (checked to be on M within 1e-8).
    pub fn solve<M, P, O>(
        &self,
        m: &M,
        p: &mut P,
        x0: &[f64],
        observer: &mut O,
    ) -> Result<SolverResult, OptimError>
    where
        M: Manifold,
        P: Problem,
        R: Retraction<M>,
        O: Observer,
    {
        let d = m.ambient_dim();
        let mut counts = Counts::default();
        let mut grad = vec![0.0; d];
        let mut fx = smooth_start(
            m,
            p,
            x0,
            &self.linesearch,
            self.initial_step,
            &mut grad,
            &mut counts,
        )?;
        let mut x = x0.to_vec();
        let mut x_new = vec![0.0; d];
        let mut dir = vec![0.0; d];
        let mut scratch = vec![0.0; d];
        let mut grad_norm = m.norm(&x, &grad);
        let mut run = Run::new(&self.stop, observer, fx);
        let mut t0 = self.initial_step;
        let mut iteration = 0;
        let stop = loop {
            dir.iter_mut().zip(&grad).for_each(|(di, g)| *di = -g);
            let slope = -grad_norm * grad_norm;
            let accepted = self.linesearch.search(
                m,
                &self.retraction,
                &x,
                &dir,
                fx,
                slope,
                t0,
                &mut |y| p.cost(y),
                &mut scratch,
                &mut x_new,
                &mut counts,
            )?;
            let Some(acc) = accepted else {
                break StopReason::LineSearchFailed;
            };
            if !acc.cost.is_finite() {
                break StopReason::NonFinite;
            }
            std::mem::swap(&mut x, &mut x_new);
            let step_norm = acc.step * grad_norm;
            fx = p.cost_grad(&x, &mut grad);
            counts.grad += 1;
            if !fx.is_finite() || grad.iter().any(|t| !t.is_finite()) {
                // Keep the last finite iterate; report instead of erroring.
                break StopReason::NonFinite;
            }
            m.egrad_to_rgrad(&x, &mut grad)?;
            grad_norm = m.norm(&x, &grad);
            t0 = self.linesearch.next_initial(&acc);
            iteration += 1;
            if let Some(reason) =
                run.end_iteration(record(iteration, fx, Some(grad_norm), step_norm, acc.step))
            {
                break reason;
            }
        };
        Ok(SolverResult {
            x: Vector::from_vec(x),
            cost: fx,
            grad_norm,
            stop,
            iterations: iteration,
            counts,
            elapsed: run.elapsed(),
            history: run.history,
        })
    }
}
