//! Riemannian nonlinear conjugate gradient (Polak–Ribière+, transported
//! directions), the baseline users expect beside gradient descent.

use manifold::{Manifold, Retraction, VectorTransport};

use crate::error::OptimError;
use crate::executor::Executor;
use crate::gradient_descent::{LineSearchOptions, first_order_stop};
use crate::linesearch::{Armijo, smooth_start};
use crate::problem::{ManifoldProblem, Problem};
use crate::solution::Solution;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Riemannian CG: d_{k+1} = −g_{k+1} + β_k·T(d_k) with
/// β_k = max(0, ⟨g_{k+1}, g_{k+1} − T(g_k)⟩/‖g_k‖²) (PR+), T the vector
/// transport to the new point; a direction that is not a descent direction is
/// replaced by −g (restart). Steps by Armijo backtracking from
/// t₀ = 2·(f_prev − f)/(−⟨g, d⟩) (Nocedal & Wright eq. 3.60: the step whose
/// linear model repeats the last decrease), which follows the changing scale
/// of CG directions; Armijo alone never grows a step, and the slope-ratio
/// rule left CG crawling with steps it could not enlarge.
///
/// Records carry the extra `beta`. Default stop as
/// [`GradientDescent`](crate::GradientDescent).
#[derive(Debug, Clone)]
pub struct ConjugateGradient<R, T> {
    linesearch: Armijo,
    initial_step: f64,
    retraction: R,
    transport: T,
    work: Work,
}

/// Buffers and memory of a run.
#[derive(Debug, Clone, Default)]
struct Work {
    grad: Vec<f64>,
    x_new: Vec<f64>,
    grad_new: Vec<f64>,
    dir: Vec<f64>,
    moved: Vec<f64>,
    scratch: Vec<f64>,
    grad_sq: f64,
    t0: f64,
    prev_cost: Option<f64>,
    work0: u64,
}

impl<R, T> ConjugateGradient<R, T> {
    /// CG with these options, retraction and transport.
    pub fn new(options: LineSearchOptions, retraction: R, transport: T) -> Result<Self, OptimError> {
        let (linesearch, initial_step) = options.validated()?;
        Ok(Self {
            linesearch,
            initial_step,
            retraction,
            transport,
            work: Work::default(),
        })
    }

    /// CG with the default options and the manifold's default retraction and
    /// transport.
    pub fn for_manifold<M: Manifold<Retraction = R, Transport = T>>(_m: &M) -> Self
    where
        R: Default,
        T: Default,
    {
        Self {
            linesearch: Armijo::default(),
            initial_step: 1.0,
            retraction: R::default(),
            transport: T::default(),
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
        T: VectorTransport<M> + Clone,
    {
        Executor::new(self.clone(), ManifoldProblem::new(m, p)).run(x0.to_vec())
    }
}

impl<M, P, R, T> Solver<ManifoldProblem<'_, M, P>> for ConjugateGradient<R, T>
where
    M: Manifold,
    P: Problem + ?Sized,
    R: Retraction<M>,
    T: VectorTransport<M>,
{
    type Iterate = Vec<f64>;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        let (m, n) = (p.manifold, p.manifold.ambient_dim());
        let w = &mut self.work;
        for buf in [
            &mut w.grad,
            &mut w.x_new,
            &mut w.grad_new,
            &mut w.dir,
            &mut w.moved,
            &mut w.scratch,
        ] {
            buf.clear();
            buf.resize(n, 0.0);
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
        w.grad_sq = m.inner(&state.iterate, &w.grad, &w.grad);
        w.dir.iter_mut().zip(&w.grad).for_each(|(d, g)| *d = -g);
        w.t0 = self.initial_step;
        w.prev_cost = None;
        state.cost = fx;
        state.grad_norm = Some(w.grad_sq.sqrt());
        Ok(())
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<Step, OptimError> {
        let m = p.manifold;
        let w = &mut self.work;
        let x = &state.iterate;
        let fx = state.cost;
        let mut slope = m.inner(x, &w.grad, &w.dir);
        if slope >= 0.0 {
            w.dir.iter_mut().zip(&w.grad).for_each(|(d, g)| *d = -g);
            slope = -w.grad_sq;
        }
        if let Some(f_prev) = w.prev_cost {
            let guess = 2.0 * (f_prev - fx) / -slope;
            if guess.is_finite() && guess > 0.0 {
                w.t0 = guess;
            }
        }
        let objective = &mut *p.objective;
        let accepted = self.linesearch.search(
            m,
            &self.retraction,
            x,
            &w.dir,
            fx,
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
        let step_norm = acc.step * m.norm(x, &w.dir);
        w.prev_cost = Some(fx);
        w.t0 = self.linesearch.next_initial(&acc);
        let f_new = objective.cost_grad(&w.x_new, &mut w.grad_new);
        state.counts.grad += 1;
        state.counts.work = objective.work().saturating_sub(w.work0);
        if !f_new.is_finite() || w.grad_new.iter().any(|t| !t.is_finite()) {
            // Keep the last finite iterate; report instead of erroring.
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        m.egrad_to_rgrad(&w.x_new, &mut w.grad_new)?;
        let grad_new_sq = m.inner(&w.x_new, &w.grad_new, &w.grad_new);
        // β (PR+) with the old gradient transported to the new point.
        self.transport.transport(m, x, &w.x_new, &w.grad, &mut w.moved)?;
        let pr = (grad_new_sq - m.inner(&w.x_new, &w.grad_new, &w.moved)) / w.grad_sq;
        let beta = if pr.is_finite() { pr.max(0.0) } else { 0.0 };
        self.transport.transport(m, x, &w.x_new, &w.dir, &mut w.moved)?;
        w.dir
            .iter_mut()
            .zip(w.grad_new.iter().zip(&w.moved))
            .for_each(|(d, (g, td))| *d = -g + beta * td);
        std::mem::swap(&mut state.iterate, &mut w.x_new);
        std::mem::swap(&mut w.grad, &mut w.grad_new);
        w.grad_sq = grad_new_sq;
        state.cost = f_new;
        state.grad_norm = Some(grad_new_sq.sqrt());
        state.step_norm = step_norm;
        state.step_size = acc.step;
        state.tag("beta", beta);
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        first_order_stop()
    }
}
