//! Curvilinear search with negative curvature (Goldfarb 1980; Goldfarb, Mu,
//! Wright & Zhou 2017) on a manifold: the minimisation over the sphere of
//! Zha19 ("small-stepping curvilinear search") and of ZLK+19 §3.

use manifold::vecops::dot;
use manifold::{Manifold, Retraction};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::lanczos::{Eigenpair, LanczosOptions, smallest_eigenpair};
use super::oracle::SecondOrderOracle;
use crate::error::{OptimError, check_option};
use crate::executor::Executor;
use crate::problem::ManifoldProblem;
use crate::solution::Solution;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Options of [`CurvilinearSearch`].
#[derive(Debug, Clone, PartialEq)]
pub struct CurvilinearOptions {
    /// Sufficient-decrease constant γ ∈ (0, 1) (1e-4).
    pub gamma: f64,
    /// Backtracking factor on t (0.5).
    pub shrink: f64,
    /// First trial t of the first iteration (1).
    pub initial_t: f64,
    /// Later iterations start from min(2·t_prev, `max_t`), Manopt's memory rule.
    pub max_t: f64,
    /// Backtracking gives up below this t.
    pub min_t: f64,
    /// ε_g of the default stop ([`StopCriterion::SecondOrder`]): ‖grad f‖ ≤ ε_g
    /// and λ_min ≥ −ε_H.
    pub eps_gradient: f64,
    /// ε_H: no negative-curvature direction when λ_min ≥ −ε_H.
    pub eps_hessian: f64,
    /// λ_min is computed (by Lanczos) only when ‖grad f‖ ≤ this; ∞ = every
    /// iteration, as in Goldfarb's method. A finite value saves Hessian
    /// products where the gradient alone gives ample decrease.
    pub curvature_below: f64,
    /// Options of the Lanczos runs.
    pub lanczos: LanczosOptions,
    /// Seed of Lanczos' start vectors.
    pub seed: u64,
}

impl Default for CurvilinearOptions {
    fn default() -> Self {
        Self {
            gamma: 1e-4,
            shrink: 0.5,
            initial_t: 1.0,
            max_t: 1e3,
            min_t: 1e-12,
            eps_gradient: 1e-6,
            eps_hessian: 1e-6,
            curvature_below: f64::INFINITY,
            lanczos: LanczosOptions::default(),
            seed: 0,
        }
    }
}

impl CurvilinearOptions {
    fn validate(&self) -> Result<(), OptimError> {
        check_option(
            "gamma",
            self.gamma > 0.0 && self.gamma < 1.0,
            "must lie in (0, 1)",
        )?;
        check_option(
            "shrink",
            self.shrink > 0.0 && self.shrink < 1.0,
            "must lie in (0, 1)",
        )?;
        let pos = |v: f64| v.is_finite() && v > 0.0;
        check_option("initial_t", pos(self.initial_t), "must be finite and > 0")?;
        check_option("max_t", pos(self.max_t), "must be finite and > 0")?;
        check_option(
            "min_t",
            self.min_t >= 0.0 && self.min_t < self.max_t,
            "must lie in [0, max_t)",
        )?;
        check_option("eps_gradient", self.eps_gradient >= 0.0, "must be >= 0")?;
        check_option("eps_hessian", self.eps_hessian >= 0.0, "must be >= 0")?;
        check_option("curvature_below", self.curvature_below >= 0.0, "must be >= 0")?;
        self.lanczos.validate()
    }
}

/// Curvilinear search: at x, s = −grad f(x) and, when λ_min(Hess f(x)) < −ε_H,
/// d = |λ_min|·v for the leftmost unit eigenvector v signed so that
/// ⟨grad f, d⟩ ≤ 0 (else d = 0); the path x(t) = R_x(t²·s + t·d) is
/// backtracked until
/// f(x(t)) ≤ f(x) + γ·t²·(⟨grad f, s⟩ + ½⟨d, Hess f\[d\]⟩).
///
/// Records carry the extras `t`, `trials`, `negative_curvature` (1 when
/// the step used the eigenvector) and, where it was computed at the step's
/// start, `lambda_min`. Default stop: 10 000 iterations, or
/// [`StopCriterion::SecondOrder`] with the options' ε_g and ε_H.
#[derive(Debug)]
pub struct CurvilinearSearch<R> {
    options: CurvilinearOptions,
    retraction: R,
    work: Option<Work>,
}

/// A clone is the same solver before any run (a run's random stream is not
/// copied).
impl<R: Clone> Clone for CurvilinearSearch<R> {
    fn clone(&self) -> Self {
        Self {
            options: self.options.clone(),
            retraction: self.retraction.clone(),
            work: None,
        }
    }
}

/// Buffers and memory of a run.
#[derive(Debug)]
struct Work {
    rng: StdRng,
    grad: Vec<f64>,
    dir: Vec<f64>,
    hd: Vec<f64>,
    path: Vec<f64>,
    x_new: Vec<f64>,
    grad_new: Vec<f64>,
    t_start: f64,
    /// The leftmost eigenpair at the iterate, when computed there.
    eig: Option<Eigenpair>,
    work0: u64,
}

impl<R> CurvilinearSearch<R> {
    /// A search with the given options and retraction.
    pub fn new(options: CurvilinearOptions, retraction: R) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            options,
            retraction,
            work: None,
        })
    }

    /// A search with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(
        _m: &M,
        options: CurvilinearOptions,
    ) -> Result<Self, OptimError>
    where
        R: Default,
    {
        Self::new(options, R::default())
    }

    /// The options.
    pub fn options(&self) -> &CurvilinearOptions {
        &self.options
    }

    /// Minimises f from `x0` with the default stop and no observer (use an
    /// [`Executor`] for more).
    pub fn solve<M, S>(&self, m: &M, oracle: &mut S, x0: &[f64]) -> Result<Solution<Vec<f64>>, OptimError>
    where
        M: Manifold,
        S: SecondOrderOracle<M>,
        R: Retraction<M> + Clone,
    {
        Executor::new(self.clone(), ManifoldProblem::new(m, oracle)).run(x0.to_vec())
    }
}

impl Work {
    /// λ_min(Hess f) at x by Lanczos where ‖grad f‖ ≤ the threshold (into the
    /// state), else nothing.
    fn curvature<M: Manifold, S: SecondOrderOracle<M>>(
        &mut self,
        m: &M,
        oracle: &mut S,
        o: &CurvilinearOptions,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        self.eig = None;
        state.lambda_min = None;
        let x = &state.iterate;
        if state
            .grad_norm
            .is_some_and(|g| g <= o.curvature_below.max(o.eps_gradient))
        {
            let eig = smallest_eigenpair(m, x, &o.lanczos, &mut self.rng, |u: &[f64], out: &mut [f64]| {
                oracle.rhess(m, x, u, out).map_err(OptimError::from)
            })?;
            state.counts.hess += eig.hess_calls;
            state.lambda_min = Some(eig.value);
            self.eig = Some(eig);
        }
        Ok(())
    }
}

impl<M, S, R> Solver<ManifoldProblem<'_, M, S>> for CurvilinearSearch<R>
where
    M: Manifold,
    S: SecondOrderOracle<M>,
    R: Retraction<M>,
{
    type Iterate = Vec<f64>;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, S>,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        let (m, o) = (p.manifold, &self.options);
        m.check_point(&state.iterate, 1e-8)?;
        let dim = m.ambient_dim();
        let z = || vec![0.0; dim];
        let mut w = Work {
            rng: StdRng::seed_from_u64(o.seed),
            grad: z(),
            dir: z(),
            hd: z(),
            path: z(),
            x_new: z(),
            grad_new: z(),
            t_start: o.initial_t,
            eig: None,
            work0: p.objective.work(),
        };
        state.cost = p.objective.cost_rgrad(m, &state.iterate, &mut w.grad)?;
        state.counts.grad += 1;
        state.grad_norm = Some(m.norm(&state.iterate, &w.grad));
        if state.cost.is_finite() && state.grad_norm.is_some_and(f64::is_finite) {
            w.curvature(m, p.objective, o, state)?;
        }
        state.counts.work = p.objective.work().saturating_sub(w.work0);
        self.work = Some(w);
        Ok(())
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, S>,
        state: &mut State<Vec<f64>>,
    ) -> Result<Step, OptimError> {
        let (m, o) = (p.manifold, &self.options);
        let oracle = &mut *p.objective;
        let w = self.work.as_mut().expect("init runs before next_iter");
        let (fx, grad_norm) = (state.cost, state.grad_norm.unwrap_or(f64::NAN));
        if !fx.is_finite() || !grad_norm.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        let x = &state.iterate;
        let lambda_start = w.eig.as_ref().map(|e| e.value);
        let curved = w.eig.as_ref().filter(|e| e.value < -o.eps_hessian);
        let negative_curvature = curved.is_some();
        // d = |λ|·v signed downhill, and ⟨d, Hess f[d]⟩ by one product.
        let d_hd = match curved {
            Some(eig) => {
                let sign = if dot(&w.grad, &eig.vector) > 0.0 {
                    -1.0
                } else {
                    1.0
                };
                let scale = sign * eig.value.abs();
                w.dir
                    .iter_mut()
                    .zip(&eig.vector)
                    .for_each(|(d, v)| *d = scale * v);
                oracle.rhess(m, x, &w.dir, &mut w.hd)?;
                state.counts.hess += 1;
                m.inner(x, &w.dir, &w.hd)
            }
            None => {
                w.dir.fill(0.0);
                0.0
            }
        };
        let slope = -grad_norm * grad_norm + 0.5 * d_hd.min(0.0);
        let mut t = w.t_start;
        let mut trials = 0;
        // Cost at x_new when its gradient is already in `grad_new`.
        let mut known_new = None;
        let accepted = loop {
            w.path
                .iter_mut()
                .zip(w.grad.iter().zip(&w.dir))
                .for_each(|(p, (g, d))| *p = -t * t * g + t * d);
            self.retraction.retract(m, x, &w.path, &mut w.x_new)?;
            let f_new = oracle.cost(m, &w.x_new);
            state.counts.cost += 1;
            trials += 1;
            if f_new <= fx + o.gamma * t * t * slope {
                break true;
            }
            // Near a minimiser the decrease γt²|slope| falls below the
            // rounding of f and Armijo can certify nothing (the search
            // stalled at ‖grad‖ ≈ 5e-8 on f ≈ 0.5): inside the rounding band
            // the gradient decides, accepting when its norm decreases.
            if (f_new - fx).abs() <= 10.0 * f64::EPSILON * fx.abs().max(1.0) {
                let f2 = oracle.cost_rgrad(m, &w.x_new, &mut w.grad_new)?;
                state.counts.grad += 1;
                if m.norm(&w.x_new, &w.grad_new) < grad_norm && f2.is_finite() {
                    known_new = Some(f2);
                    break true;
                }
                // Rejected: the oracle must be readied at x again.
                oracle.cost_rgrad(m, x, &mut w.grad_new)?;
                state.counts.grad += 1;
            }
            t *= o.shrink;
            if t < o.min_t {
                break false;
            }
        };
        if !accepted {
            state.counts.work = oracle.work().saturating_sub(w.work0);
            return Ok(Step::Halt(StopReason::LineSearchFailed));
        }
        std::mem::swap(&mut state.iterate, &mut w.x_new);
        if let Some(f_new) = known_new {
            std::mem::swap(&mut w.grad, &mut w.grad_new);
            state.cost = f_new;
        } else {
            state.cost = oracle.cost_rgrad(m, &state.iterate, &mut w.grad)?;
            state.counts.grad += 1;
        }
        let grad_norm = m.norm(&state.iterate, &w.grad);
        state.grad_norm = Some(grad_norm);
        w.t_start = (2.0 * t).min(o.max_t);
        state.step_norm = t * t * grad_norm;
        state.step_size = t;
        if state.cost.is_finite() && grad_norm.is_finite() {
            w.curvature(m, oracle, o, state)?;
        }
        state.counts.work = oracle.work().saturating_sub(w.work0);
        state.tag("t", t);
        state.tag("trials", trials as f64);
        state.tag("negative_curvature", f64::from(u8::from(negative_curvature)));
        if let Some(l) = lambda_start {
            state.tag("lambda_min", l);
        }
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(10_000)
            | StopCriterion::SecondOrder {
                gradient: self.options.eps_gradient,
                hessian: self.options.eps_hessian,
            }
    }
}
