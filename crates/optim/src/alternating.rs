//! Alternating minimisation for two-block composite problems
//! min ψ(a, x) + λ·g(x), a ∈ M (LQK+20 §5.3, the baseline after KZLW19):
//! each iteration minimises over x with a fixed by accelerated proximal
//! gradient (FISTA), then over a with x fixed by accelerated Riemannian
//! gradient descent, each with backtracking, for a fixed number of inner
//! steps. Unlike ADM (one step per block) it spends several oracle calls
//! on a block before the other one moves.

use manifold::{InverseRetraction, Manifold};

use crate::composite::{AStep, Composite, ProxBacktracking, ProxGradStep, XBlock, rounding_slack};
use crate::error::{OptimError, check_option};
use crate::linesearch::{Armijo, memory_rule};
use crate::problem::{ManifoldProblem, Regularizer, TwoBlockSmooth};
use crate::solution::Blocks;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Options of [`AlternatingMinimization`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlternatingOptions {
    /// Accelerated proximal-gradient steps on x per iteration (10).
    pub inner_x: usize,
    /// Accelerated Riemannian gradient steps on a per iteration (10).
    pub inner_a: usize,
    /// Backtracking of the x-steps (LQK+20 Alg. 3).
    pub x_step: ProxBacktracking,
    /// Armijo backtracking of the a-steps (LQK+20 Alg. 4).
    pub a_step: Armijo,
    /// First trial step τ of the a-steps (1).
    pub initial_tau: f64,
}

impl Default for AlternatingOptions {
    fn default() -> Self {
        Self {
            inner_x: 10,
            inner_a: 10,
            x_step: ProxBacktracking::default(),
            a_step: Armijo::default(),
            initial_tau: 1.0,
        }
    }
}

impl AlternatingOptions {
    fn validate(&self) -> Result<(), OptimError> {
        check_option("inner_x", self.inner_x >= 1, "must be >= 1")?;
        check_option("inner_a", self.inner_a >= 1, "must be >= 1")?;
        self.x_step.validate()?;
        self.a_step.validate(self.initial_tau)
    }
}

/// Alternating minimisation (see the [module](self) documentation).
///
/// Momentum: the k-th inner step of a block extrapolates with Nesterov's
/// β_k = (k − 1)/(k + 2), as FISTA does; a step that would increase the
/// block's objective beyond rounding is redone without momentum, and the
/// count restarts (O'Donoghue & Candès' function restart), so Ψ never
/// increases. A block whose plain step fails ends that block's inner loop;
/// an iteration in which neither block could move ends the run with
/// [`StopReason::LineSearchFailed`].
///
/// Default stop: 1000 iterations. Records carry `t` (the last x-step).
#[derive(Debug, Clone)]
pub struct AlternatingMinimization<R> {
    options: AlternatingOptions,
    retraction: R,
    work: Option<Work>,
}

#[derive(Debug, Clone)]
struct Work {
    prev: Vec<f64>,
    a_prev: Vec<f64>,
    a_new: Vec<f64>,
    start_a: Vec<f64>,
    start_x: Vec<f64>,
    x_step: ProxGradStep,
    a_step: AStep,
    t: f64,
    tau: f64,
    work0: u64,
}

impl<R> AlternatingMinimization<R> {
    /// The solver with these options and this retraction (its inverse
    /// carries the a-block's momentum, as in iADM).
    pub fn new(options: AlternatingOptions, retraction: R) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            options,
            retraction,
            work: None,
        })
    }

    /// The options.
    pub fn options(&self) -> &AlternatingOptions {
        &self.options
    }
}

/// Nesterov's β_k = (k − 1)/(k + 2) for the k-th step since a (re)start, k ≥ 1.
fn nesterov(k: usize) -> f64 {
    (k as f64 - 1.0) / (k as f64 + 2.0)
}

impl<M, S, G, R> Solver<ManifoldProblem<'_, M, Composite<S, G>>> for AlternatingMinimization<R>
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
            prev: vec![0.0; m],
            a_prev: vec![0.0; n],
            a_new: vec![0.0; n],
            start_a: vec![0.0; n],
            start_x: vec![0.0; m],
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
        let Blocks { a, x } = &mut state.iterate;
        w.start_a.copy_from_slice(a);
        w.start_x.copy_from_slice(x);
        // x block: FISTA with function restart.
        problem.smooth.fix_a(a);
        let mut cost = state.cost;
        let (mut x_moved, mut x_res) = (false, 0.0);
        w.prev.copy_from_slice(x);
        let mut k = 1;
        for _ in 0..o.inner_x {
            let beta = nesterov(k);
            let step = w.x_step.run(
                &mut XBlock(&mut problem.smooth),
                &problem.penalty,
                lambda,
                x,
                &mut w.prev,
                beta,
                w.t,
                &o.x_step,
                &mut state.counts,
            );
            let noise = w.x_step.rounding().noise();
            let new_cost = step.map(|s| s.psi + lambda * problem.penalty.value(&w.prev));
            match (step, new_cost) {
                (Some(s), Some(c)) if c.is_finite() && c <= cost + rounding_slack(cost, noise) => {
                    // prev holds x⁺: x moves on, prev keeps the old x.
                    std::mem::swap(&mut w.prev, x);
                    cost = c;
                    w.t = memory_rule(s.step, s.may_grow, o.x_step.growth);
                    x_res = s.residual;
                    x_moved = true;
                    k += 1;
                }
                _ if beta > 0.0 => {
                    w.prev.copy_from_slice(x);
                    k = 1;
                }
                _ => break,
            }
        }
        // a block: accelerated Riemannian gradient with function restart.
        problem.smooth.fix_x(x);
        let mut psi = cost - lambda * problem.penalty.value(x);
        let (mut a_moved, mut a_res, mut tau_used) = (false, 0.0, w.tau);
        w.a_prev.copy_from_slice(a);
        let mut k = 1;
        for _ in 0..o.inner_a {
            let beta = nesterov(k);
            let step = w.a_step.run(
                m,
                &self.retraction,
                &mut problem.smooth,
                a,
                &w.a_prev,
                beta,
                w.tau,
                &o.a_step,
                &mut w.a_new,
                &mut state.counts,
            )?;
            let noise = w.a_step.rounding().noise();
            match step {
                Some(s) if s.psi.is_finite() && s.psi <= psi + rounding_slack(psi, noise) => {
                    std::mem::swap(&mut w.a_prev, a);
                    a.copy_from_slice(&w.a_new);
                    psi = s.psi;
                    tau_used = s.step;
                    w.tau = memory_rule(s.step, s.may_grow, o.a_step.growth);
                    a_res = s.residual;
                    a_moved = true;
                    k += 1;
                }
                _ if beta > 0.0 => {
                    w.a_prev.copy_from_slice(a);
                    k = 1;
                }
                _ => break,
            }
        }
        let psi = problem.smooth.refresh(a, x).unwrap_or(psi);
        state.counts.work = problem.smooth.work().saturating_sub(w.work0);
        if !x_moved && !a_moved {
            return Ok(Step::Halt(StopReason::LineSearchFailed));
        }
        let new_cost = psi + lambda * problem.penalty.value(x);
        if !new_cost.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        state.cost = new_cost;
        let moved: f64 = a
            .iter()
            .zip(&w.start_a)
            .chain(x.iter().zip(&w.start_x))
            .map(|(u, v)| (u - v) * (u - v))
            .sum();
        state.step_norm = moved.sqrt();
        state.step_size = tau_used;
        state.grad_norm = Some(f64::hypot(x_res, a_res));
        state.tag("t", w.t);
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(1000)
    }
}
