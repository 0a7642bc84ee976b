//! ADMM for two-block composite problems min ψ(a, x) + λ·g(x), a ∈ M
//! (LQK+20 §5.3, the baseline after BPC+11): split x = z,
//!
//! L_ρ(a, x, z, u) = ψ(a, x) + λ·g(z) + (ρ/2)‖x − z + u‖² − (ρ/2)‖u‖²,
//!
//! and per iteration take one backtracked gradient step on x of
//! ψ(a, ·) + (ρ/2)‖· − z + u‖² (linearised ADMM), the exact z-step
//! z = prox_{(λ/ρ)g}(x + u), the scaled dual step u ← u + x − z, and one
//! Riemannian gradient step on a with the sparse block z fixed. ρ is the
//! paper's slack parameter (0.7 for incoherent, 0.5 for coherent kernels).

use manifold::{InverseRetraction, Manifold};

use crate::composite::{AStep, Composite, ProxBacktracking, ProxGradStep, XBlock};
use crate::error::{OptimError, check_option};
use crate::linesearch::{Armijo, memory_rule};
use crate::problem::{ManifoldProblem, Regularizer, TwoBlockSmooth};
use crate::solution::Blocks;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Options of [`Admm`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdmmOptions {
    /// The penalty (slack) parameter ρ > 0 (0.7).
    pub rho: f64,
    /// Backtracking of the x-step.
    pub x_step: ProxBacktracking,
    /// Armijo backtracking of the a-step.
    pub a_step: Armijo,
    /// First trial step τ of the a-step (1).
    pub initial_tau: f64,
}

impl Default for AdmmOptions {
    fn default() -> Self {
        Self {
            rho: 0.7,
            x_step: ProxBacktracking::default(),
            a_step: Armijo::default(),
            initial_tau: 1.0,
        }
    }
}

/// ½‖v − c‖², whose proximal operator pulls towards the centre c:
/// prox^r(v) = (v + r·c)/(1 + r). With weight ρ it is the augmentation of
/// the x-step.
#[derive(Debug, Clone)]
struct Pull {
    centre: Vec<f64>,
}

impl Regularizer for Pull {
    fn value(&self, v: &[f64]) -> f64 {
        0.5 * v
            .iter()
            .zip(&self.centre)
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
    }

    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
        let s = 1.0 / (1.0 + rho);
        out.iter_mut()
            .zip(z.iter().zip(&self.centre))
            .for_each(|(o, (zi, ci))| *o = (zi + rho * ci) * s);
    }
}

/// ADMM (see the [module](self) documentation). The iterate is (a, z),
/// the sparse block; the smooth copy x and the scaled dual u stay inside.
/// Ψ(a, z) is not monotone along an ADMM run; a non-finite value or a
/// failed search ends it. Default stop: 1000 iterations.
#[derive(Debug, Clone)]
pub struct Admm<R> {
    options: AdmmOptions,
    retraction: R,
    work: Option<Work>,
}

#[derive(Debug, Clone)]
struct Work {
    x: Vec<f64>,
    x_new: Vec<f64>,
    u: Vec<f64>,
    z_new: Vec<f64>,
    a_new: Vec<f64>,
    pull: Pull,
    x_step: ProxGradStep,
    a_step: AStep,
    t: f64,
    tau: f64,
    work0: u64,
}

impl<R> Admm<R> {
    /// ADMM with these options and this retraction.
    pub fn new(options: AdmmOptions, retraction: R) -> Result<Self, OptimError> {
        check_option(
            "rho",
            options.rho > 0.0 && options.rho.is_finite(),
            "must be finite and > 0",
        )?;
        options.x_step.validate()?;
        options.a_step.validate(options.initial_tau)?;
        Ok(Self {
            options,
            retraction,
            work: None,
        })
    }

    /// The options.
    pub fn options(&self) -> &AdmmOptions {
        &self.options
    }
}

impl<M, S, G, R> Solver<ManifoldProblem<'_, M, Composite<S, G>>> for Admm<R>
where
    M: Manifold,
    S: TwoBlockSmooth,
    G: Regularizer,
    R: InverseRetraction<M>,
{
    type Iterate = Blocks;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
    ) -> Result<(), OptimError> {
        let problem = &mut *p.objective;
        let Blocks { a, x } = &state.iterate;
        let work0 = problem.smooth.work();
        let cost = problem.checked_start(p.manifold, a, x, true, &mut state.counts)?;
        let (n, m) = (a.len(), x.len());
        self.work = Some(Work {
            x: x.clone(),
            x_new: vec![0.0; m],
            u: vec![0.0; m],
            z_new: vec![0.0; m],
            a_new: vec![0.0; n],
            pull: Pull { centre: vec![0.0; m] },
            x_step: ProxGradStep::new(m, None),
            a_step: AStep::new(n, None),
            t: self.options.x_step.initial_step,
            tau: self.options.initial_tau,
            work0,
        });
        state.cost = cost;
        state.grad_norm = None;
        Ok(())
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
    ) -> Result<Step, OptimError> {
        let o = self.options;
        let m = p.manifold;
        let problem = &mut *p.objective;
        let lambda = problem.lambda;
        let w = self.work.as_mut().expect("init runs before next_iter");
        let Blocks { a, x: z } = &mut state.iterate;
        // x-step on ψ(a, ·) + (ρ/2)‖· − (z − u)‖².
        problem.smooth.fix_a(a);
        w.pull
            .centre
            .iter_mut()
            .zip(z.iter().zip(&w.u))
            .for_each(|(c, (zi, ui))| *c = zi - ui);
        let Some(xs) = w.x_step.run(
            &mut XBlock(&mut problem.smooth),
            &w.pull,
            o.rho,
            &w.x,
            &mut w.x_new,
            0.0,
            w.t,
            &o.x_step,
            &mut state.counts,
        ) else {
            return Ok(Step::Halt(StopReason::LineSearchFailed));
        };
        w.t = memory_rule(xs.step, xs.may_grow, o.x_step.growth);
        std::mem::swap(&mut w.x, &mut w.x_new);
        // z-step and dual step; x_new is scratch for x + u.
        w.x_new
            .iter_mut()
            .zip(w.x.iter().zip(&w.u))
            .for_each(|(v, (xi, ui))| *v = xi + ui);
        problem.penalty.prox(&w.x_new, lambda / o.rho, &mut w.z_new);
        state.counts.prox += 1;
        let mut primal = 0.0;
        for ((ui, xi), zi) in w.u.iter_mut().zip(&w.x).zip(&w.z_new) {
            *ui += xi - zi;
            primal += (xi - zi) * (xi - zi);
        }
        // a-step with the sparse block fixed.
        problem.smooth.fix_x(&w.z_new);
        let Some(as_) = w.a_step.run(
            m,
            &self.retraction,
            &mut problem.smooth,
            a,
            a,
            0.0,
            w.tau,
            &o.a_step,
            &mut w.a_new,
            &mut state.counts,
        )?
        else {
            return Ok(Step::Halt(StopReason::LineSearchFailed));
        };
        w.tau = memory_rule(as_.step, as_.may_grow, o.a_step.growth);
        let psi = problem.smooth.refresh(&w.a_new, &w.z_new).unwrap_or(as_.psi);
        state.counts.work = problem.smooth.work().saturating_sub(w.work0);
        let cost = psi + lambda * problem.penalty.value(&w.z_new);
        if !cost.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        let moved: f64 = a
            .iter()
            .zip(&w.a_new)
            .chain(z.iter().zip(&w.z_new))
            .map(|(p, q)| (p - q) * (p - q))
            .sum();
        std::mem::swap(a, &mut w.a_new);
        std::mem::swap(z, &mut w.z_new);
        state.cost = cost;
        state.step_norm = moved.sqrt();
        state.step_size = as_.step;
        state.grad_norm = Some(f64::hypot(xs.residual, as_.residual));
        state.tag("t", xs.step);
        state.tag("primal_residual", primal.sqrt());
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(1000)
    }
}
