//! Riemannian nonlinear conjugate gradient (Polak–Ribière+, transported
//! directions), the baseline users expect beside gradient descent.

use manifold::{Manifold, Retraction, Vector, VectorTransport};

use crate::error::OptimError;
use crate::linesearch::{Armijo, smooth_start};
use crate::problem::Problem;
use crate::record::{Counts, Observer};
use crate::result::SolverResult;
use crate::run::{Run, record};
use crate::stop::{StopCriterion, StopReason};

/// Riemannian CG: d_{k+1} = −g_{k+1} + β_k·T(d_k) with
/// β_k = max(0, ⟨g_{k+1}, g_{k+1} − T(g_k)⟩/‖g_k‖²) (PR+), T the vector
/// transport to the new point; a direction that is not a descent direction is
/// replaced by −g (restart). Steps by Armijo backtracking from
/// t₀ = 2·(f_prev − f)/(−⟨g, d⟩) (Nocedal & Wright eq. 3.60: the step whose
/// linear model repeats the last decrease), which follows the changing scale
/// of CG directions; Armijo alone never grows a step, and the slope-ratio
/// rule left CG crawling with steps it could not enlarge.
#[derive(Debug, Clone)]
pub struct ConjugateGradient<R, T> {
    /// When to stop.
    pub stop: StopCriterion,
    /// Line search.
    pub linesearch: Armijo,
    /// First trial step of the first iteration.
    pub initial_step: f64,
    /// Retraction.
    pub retraction: R,
    /// Vector transport.
    pub transport: T,
}

impl<R, T> ConjugateGradient<R, T> {
    /// CG with this retraction and transport; 1000 iterations or ‖grad‖ ≤ 1e-6.
    pub fn new(retraction: R, transport: T) -> Self {
        Self {
            stop: StopCriterion::MaxIterations(1000) | StopCriterion::GradientNorm(1e-6),
            linesearch: Armijo::default(),
            initial_step: 1.0,
            retraction,
            transport,
        }
    }

    /// CG with the manifold's default retraction and transport.
    pub fn for_manifold<M: Manifold<Retraction = R, Transport = T>>(_m: &M) -> Self
    where
        R: Default,
        T: Default,
    {
        Self::new(R::default(), T::default())
    }

    /// The same solver with another stopping criterion.
    pub fn with_stop(mut self, stop: StopCriterion) -> Self {
        self.stop = stop;
        self
    }

    /// Minimises f over M from `x0`.
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
        T: VectorTransport<M>,
        O: Observer,
    {
        let n = m.ambient_dim();
        let mut counts = Counts::default();
        let mut grad = vec![0.0; n];
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
        let mut x_new = vec![0.0; n];
        let mut grad_new = vec![0.0; n];
        let mut dir = vec![0.0; n];
        let mut moved = vec![0.0; n];
        let mut scratch = vec![0.0; n];
        let mut grad_sq = m.inner(&x, &grad, &grad);
        dir.iter_mut().zip(&grad).for_each(|(d, g)| *d = -g);
        let mut run = Run::new(&self.stop, observer, fx);
        let mut t0 = self.initial_step;
        let mut prev_cost: Option<f64> = None;
        let mut iteration = 0;
        let stop = loop {
            let mut slope = m.inner(&x, &grad, &dir);
            if slope >= 0.0 {
                dir.iter_mut().zip(&grad).for_each(|(d, g)| *d = -g);
                slope = -grad_sq;
            }
            if let Some(f_prev) = prev_cost {
                let guess = 2.0 * (f_prev - fx) / -slope;
                if guess.is_finite() && guess > 0.0 {
                    t0 = guess;
                }
            }
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
            let step_norm = acc.step * m.norm(&x, &dir);
            prev_cost = Some(fx);
            t0 = self.linesearch.next_initial(&acc);
            fx = p.cost_grad(&x_new, &mut grad_new);
            counts.grad += 1;
            if !fx.is_finite() || grad_new.iter().any(|t| !t.is_finite()) {
                // Keep the last finite iterate; report instead of erroring.
                break StopReason::NonFinite;
            }
            m.egrad_to_rgrad(&x_new, &mut grad_new)?;
            let grad_new_sq = m.inner(&x_new, &grad_new, &grad_new);
            // β (PR+) with the old gradient transported to the new point.
            self.transport.transport(m, &x, &x_new, &grad, &mut moved)?;
            let pr = (grad_new_sq - m.inner(&x_new, &grad_new, &moved)) / grad_sq;
            let beta = if pr.is_finite() { pr.max(0.0) } else { 0.0 };
            self.transport.transport(m, &x, &x_new, &dir, &mut moved)?;
            dir.iter_mut()
                .zip(grad_new.iter().zip(&moved))
                .for_each(|(d, (g, td))| *d = -g + beta * td);
            std::mem::swap(&mut x, &mut x_new);
            std::mem::swap(&mut grad, &mut grad_new);
            grad_sq = grad_new_sq;
            iteration += 1;
            let mut rec = record(iteration, fx, Some(grad_sq.sqrt()), step_norm, acc.step);
            rec.extras.push(("beta", beta));
            if let Some(reason) = run.end_iteration(rec) {
                break reason;
            }
        };
        Ok(SolverResult {
            x: Vector::from_vec(x),
            cost: fx,
            grad_norm: grad_sq.sqrt(),
            stop,
            iterations: iteration,
            counts,
            elapsed: run.elapsed(),
            history: run.history,
        })
    }
}
