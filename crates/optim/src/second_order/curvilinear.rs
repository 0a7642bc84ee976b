//! Curvilinear search with negative curvature (Goldfarb 1980; Goldfarb, Mu,
//! Wright & Zhou 2017) on a manifold: the minimisation over the sphere of
//! seed 002 ("small-stepping curvilinear search") and of seed 000 §3.

use manifold::vecops::dot;
use manifold::{Manifold, Retraction};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::lanczos::{LanczosOptions, smallest_eigenpair};
use super::oracle::SecondOrderOracle;
use super::result::SecondOrderResult;
use crate::error::OptimError;
use crate::record::Observer;
use crate::run::{Run, record};
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
    /// ε_g: stop when ‖grad f‖ ≤ ε_g and λ_min ≥ −ε_H.
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

/// One iteration of the curvilinear search.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvilinearStep {
    /// Iteration number (1-based).
    pub iteration: usize,
    /// f after the step.
    pub cost: f64,
    /// ‖grad f‖ after the step.
    pub grad_norm: f64,
    /// λ_min(Hess f) at the point the step started from, when computed.
    pub lambda_min: Option<f64>,
    /// Whether a negative-curvature direction was used.
    pub negative_curvature: bool,
    /// Accepted t (the step is R_x(t²·s + t·d)).
    pub t: f64,
    /// Cost evaluations of the backtracking.
    pub trials: usize,
}

/// Curvilinear search: at x, s = −grad f(x) and, when λ_min(Hess f(x)) < −ε_H,
/// d = |λ_min|·v for the leftmost unit eigenvector v signed so that
/// ⟨grad f, d⟩ ≤ 0 (else d = 0); the path x(t) = R_x(t²·s + t·d) is
/// backtracked until
/// f(x(t)) ≤ f(x) + γ·t²·(⟨grad f, s⟩ + ½⟨d, Hess f\[d\]⟩).
#[derive(Debug, Clone)]
pub struct CurvilinearSearch<R> {
    /// Options.
    pub options: CurvilinearOptions,
    /// When to stop besides second-order stationarity (10000 iterations).
    pub stop: StopCriterion,
    /// Retraction.
    pub retraction: R,
}

/// Result of a curvilinear-search run.
pub type CurvilinearResult = SecondOrderResult<CurvilinearStep>;

impl<R> CurvilinearSearch<R> {
    /// A search with the given options and retraction.
    pub fn new(options: CurvilinearOptions, retraction: R) -> Self {
        Self {
            options,
            stop: StopCriterion::MaxIterations(10_000),
            retraction,
        }
    }

    /// The same solver with another stopping criterion.
    pub fn with_stop(mut self, stop: StopCriterion) -> Self {
        self.stop = stop;
        self
    }

    /// A search with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M, options: CurvilinearOptions) -> Self
    where
        R: Default,
    {
        Self::new(options, R::default())
    }

    /// Minimises f from `x0` until a second-order stationary point or the
    /// stopping criterion; the observer sees a [`crate::Record`] per iteration
    /// with extras `t` and `negative_curvature`.
    pub fn solve<M, S, O>(
        &self,
        m: &M,
        oracle: &mut S,
        x0: &[f64],
        observer: &mut O,
    ) -> Result<CurvilinearResult, OptimError>
    where
        M: Manifold,
        S: SecondOrderOracle<M>,
        R: Retraction<M>,
        O: Observer,
    {
        m.check_point(x0, 1e-8)?;
        let o = &self.options;
        let dim = m.ambient_dim();
        let mut rng = StdRng::seed_from_u64(o.seed);
        let mut x = x0.to_vec();
        let mut grad = vec![0.0; dim];
        let mut dir = vec![0.0; dim];
        let mut hd = vec![0.0; dim];
        let mut path = vec![0.0; dim];
        let mut x_new = vec![0.0; dim];
        let mut grad_new = vec![0.0; dim];
        let mut result = CurvilinearResult::start();
        let mut fx = oracle.cost_rgrad(m, &x, &mut grad)?;
        let mut grad_norm = m.norm(&x, &grad);
        let mut t_start = o.initial_t;
        let mut run = Run::new(&self.stop, observer, fx);
        loop {
            if !fx.is_finite() || !grad_norm.is_finite() {
                result.stop = StopReason::NonFinite;
                break;
            }
            let lambda = if grad_norm <= o.curvature_below.max(o.eps_gradient) {
                let eig = smallest_eigenpair(m, &x, &o.lanczos, &mut rng, |u: &[f64], out: &mut [f64]| {
                    oracle.rhess(m, &x, u, out).map_err(OptimError::from)
                })?;
                result.hess_calls += eig.hess_calls;
                Some(eig)
            } else {
                None
            };
            result.lambda_min = lambda.as_ref().map(|e| e.value);
            let curved = lambda.as_ref().filter(|e| e.value < -o.eps_hessian);
            if grad_norm <= o.eps_gradient && lambda.is_some() && curved.is_none() {
                result.stop = StopReason::SecondOrderStationary;
                break;
            }
            // d = |λ|·v signed downhill, and ⟨d, Hess f[d]⟩ by one product.
            let d_hd = match curved {
                Some(eig) => {
                    let sign = if dot(&grad, &eig.vector) > 0.0 { -1.0 } else { 1.0 };
                    let scale = sign * eig.value.abs();
                    dir.iter_mut().zip(&eig.vector).for_each(|(d, v)| *d = scale * v);
                    oracle.rhess(m, &x, &dir, &mut hd)?;
                    result.hess_calls += 1;
                    m.inner(&x, &dir, &hd)
                }
                None => {
                    dir.fill(0.0);
                    0.0
                }
            };
            let slope = -grad_norm * grad_norm + 0.5 * d_hd.min(0.0);
            let mut t = t_start;
            let mut trials = 0;
            // Cost at x_new when its gradient is already in `grad_new`.
            let mut known_new = None;
            let accepted = loop {
                path.iter_mut()
                    .zip(grad.iter().zip(&dir))
                    .for_each(|(p, (g, d))| *p = -t * t * g + t * d);
                self.retraction.retract(m, &x, &path, &mut x_new)?;
                let f_new = oracle.cost(m, &x_new);
                result.cost_calls += 1;
                trials += 1;
                if f_new <= fx + o.gamma * t * t * slope {
                    break true;
                }
                // Near a minimiser the decrease γt²|slope| falls below the
                // rounding of f and Armijo can certify nothing (the search
                // stalled at ‖grad‖ ≈ 5e-8 on f ≈ 0.5): inside the rounding band
                // the gradient decides, accepting when its norm decreases.
                if (f_new - fx).abs() <= 10.0 * f64::EPSILON * fx.abs().max(1.0) {
                    let f2 = oracle.cost_rgrad(m, &x_new, &mut grad_new)?;
                    result.grad_calls += 1;
                    if m.norm(&x_new, &grad_new) < grad_norm && f2.is_finite() {
                        known_new = Some(f2);
                        break true;
                    }
                    // Rejected: the oracle must be readied at x again.
                    oracle.cost_rgrad(m, &x, &mut grad_new)?;
                    result.grad_calls += 1;
                }
                t *= o.shrink;
                if t < o.min_t {
                    break false;
                }
            };
            if !accepted {
                result.stop = StopReason::LineSearchFailed;
                break;
            }
            std::mem::swap(&mut x, &mut x_new);
            if let Some(f_new) = known_new {
                std::mem::swap(&mut grad, &mut grad_new);
                fx = f_new;
            } else {
                fx = oracle.cost_rgrad(m, &x, &mut grad)?;
                result.grad_calls += 1;
            }
            grad_norm = m.norm(&x, &grad);
            t_start = (2.0 * t).min(o.max_t);
            result.iterations += 1;
            let step = CurvilinearStep {
                iteration: result.iterations,
                cost: fx,
                grad_norm,
                lambda_min: result.lambda_min,
                negative_curvature: curved.is_some(),
                t,
                trials,
            };
            result.lambda_min = None;
            let mut rec = record(step.iteration, fx, Some(grad_norm), t * t * grad_norm, t);
            rec.extras.extend([
                ("t", t),
                ("negative_curvature", f64::from(u8::from(step.negative_curvature))),
            ]);
            result.history.push(step);
            if let Some(reason) = run.end_iteration(rec) {
                result.stop = reason;
                break;
            }
        }
        result.cost = fx;
        result.grad_norm = grad_norm;
        result.x = x;
        Ok(result)
    }
}
