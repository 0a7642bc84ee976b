//! Riemannian trust region with truncated CG (Absil, Baker & Gallivan 2007),
//! with Manopt's defaults and safeguards, an eigenstep that escapes strict
//! saddles where the gradient vanishes, and a second-order certificate.

use manifold::vecops::dot;

use crate::error::OptimError;
use crate::record::Observer;
use crate::run::{Run, record};
use crate::stop::{StopCriterion, StopReason};
use manifold::{Manifold, Retraction};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::lanczos::{Eigenpair, LanczosOptions, smallest_eigenpair};
use super::oracle::SecondOrderOracle;
use super::result::SecondOrderResult;
use super::tcg::{Tcg, TcgOptions, TcgStop};

/// What the inner solver (or the eigenstep) did in one outer iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InnerStop {
    /// tCG stopped for this reason.
    Tcg(TcgStop),
    /// The gradient was (numerically) zero and the Hessian had a negative
    /// eigenvalue: the step went along its eigenvector to the boundary.
    Eigenstep,
}

impl InnerStop {
    fn on_boundary(self) -> bool {
        match self {
            InnerStop::Tcg(s) => s.on_boundary(),
            InnerStop::Eigenstep => true,
        }
    }
}

/// Options of [`TrustRegion`] (Manopt's defaults unless stated).
#[derive(Debug, Clone, PartialEq)]
pub struct TrustRegionOptions {
    /// Δ̄, the largest radius; `None` = the manifold's typical distance.
    pub max_radius: Option<f64>,
    /// Δ₀; `None` = Δ̄/8.
    pub initial_radius: Option<f64>,
    /// Accept a step when ρ > ρ' = 0.1.
    pub rho_prime: f64,
    /// ρ is regularised by adding max(1, |f|)·eps·`rho_regularization` (1e3)
    /// to its numerator and denominator: near convergence both are at
    /// rounding level and their ratio is noise.
    pub rho_regularization: f64,
    /// κ of tCG (0.1).
    pub kappa: f64,
    /// θ of tCG (1).
    pub theta: f64,
    /// Inner iterations at most; `None` = the manifold's dimension.
    pub max_inner: Option<usize>,
    /// Below this Riemannian gradient norm the solver asks Lanczos for
    /// λ_min(Hess f): it stops when λ_min ≥ −`eps_hessian`, otherwise it takes
    /// an eigenstep.
    pub eps_gradient: f64,
    /// Second-order tolerance ε_H.
    pub eps_hessian: f64,
    /// Options of the Lanczos runs.
    pub lanczos: LanczosOptions,
    /// Seed of Lanczos' start vectors (the run is deterministic).
    pub seed: u64,
}

impl Default for TrustRegionOptions {
    fn default() -> Self {
        Self {
            max_radius: None,
            initial_radius: None,
            rho_prime: 0.1,
            rho_regularization: 1e3,
            kappa: 0.1,
            theta: 1.0,
            max_inner: None,
            eps_gradient: 1e-6,
            eps_hessian: 1e-6,
            lanczos: LanczosOptions::default(),
            seed: 0,
        }
    }
}

/// One outer iteration of the trust region.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustRegionStep {
    /// Iteration number (1-based).
    pub iteration: usize,
    /// f at the iterate after this iteration.
    pub cost: f64,
    /// ‖grad f‖ at the iterate after this iteration.
    pub grad_norm: f64,
    /// Agreement ratio ρ of the proposed step.
    pub rho: f64,
    /// Radius Δ used for the step (before the update).
    pub radius: f64,
    /// Whether the step was accepted.
    pub accepted: bool,
    /// Inner iterations of tCG (0 for an eigenstep).
    pub inner: usize,
    /// Why the inner solver stopped.
    pub inner_stop: InnerStop,
    /// ‖η‖, the length of the proposed step.
    pub step_norm: f64,
}

/// The Riemannian trust-region solver, retracting with `R`.
#[derive(Debug, Clone)]
pub struct TrustRegion<R> {
    /// Options.
    pub options: TrustRegionOptions,
    /// When to stop besides second-order stationarity (1000 iterations).
    pub stop: StopCriterion,
    /// Retraction.
    pub retraction: R,
}

/// The smallest eigenpair of Hess f(x) on T_x M (a second-order certificate).
pub fn hessian_min_eig<M: Manifold, O: SecondOrderOracle<M>>(
    m: &M,
    oracle: &mut O,
    x: &[f64],
    opts: &LanczosOptions,
    seed: u64,
) -> Result<Eigenpair, OptimError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let pair = smallest_eigenpair(m, x, opts, &mut rng, |u: &[f64], out: &mut [f64]| {
        oracle.rhess(m, x, u, out).map_err(OptimError::from)
    })?;
    Ok(pair)
}

/// Result of a trust-region run.
pub type TrustRegionResult = SecondOrderResult<TrustRegionStep>;

impl<R> TrustRegion<R> {
    /// A trust region with the given options and retraction.
    pub fn new(options: TrustRegionOptions, retraction: R) -> Self {
        Self {
            options,
            stop: StopCriterion::MaxIterations(1000),
            retraction,
        }
    }

    /// The same solver with another stopping criterion.
    pub fn with_stop(mut self, stop: StopCriterion) -> Self {
        self.stop = stop;
        self
    }

    /// A trust region with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M, options: TrustRegionOptions) -> Self
    where
        R: Default,
    {
        Self::new(options, R::default())
    }
}

impl<R> TrustRegion<R> {
    /// Minimises f from `x0` until a second-order stationary point or the
    /// stopping criterion; the observer sees a [`Record`](crate::Record) per iteration with
    /// extras `rho`, `radius`, `inner` and `accepted`.
    pub fn solve<M, S, O>(
        &self,
        m: &M,
        oracle: &mut S,
        x0: &[f64],
        observer: &mut O,
    ) -> Result<TrustRegionResult, OptimError>
    where
        M: Manifold,
        S: SecondOrderOracle<M>,
        R: Retraction<M>,
        O: Observer,
    {
        m.check_point(x0, 1e-8)?;
        let o = &self.options;
        let d = m.ambient_dim();
        let max_radius = o.max_radius.unwrap_or_else(|| m.typical_dist());
        let mut radius = o.initial_radius.unwrap_or(max_radius / 8.0);
        let tcg_opts = TcgOptions {
            kappa: o.kappa,
            theta: o.theta,
            max_inner: o.max_inner.unwrap_or(m.dim()).max(1),
        };
        let mut tcg = Tcg::new(d);
        let mut x = x0.to_vec();
        let mut x_prop = vec![0.0; d];
        let mut grad = vec![0.0; d];
        let mut eta = vec![0.0; d];
        let mut heta = vec![0.0; d];
        let mut lanczos_seed = o.seed;
        let mut result = TrustRegionResult::start();
        let mut fx = oracle.cost_rgrad(m, &x, &mut grad)?;
        let mut grad_norm = m.norm(&x, &grad);
        let mut run = Run::new(&self.stop, observer, fx);
        loop {
            if !fx.is_finite() || !grad_norm.is_finite() {
                result.stop = StopReason::NonFinite;
                break;
            }
            // Where the gradient is small, only curvature can tell a minimiser
            // from a saddle: ask Lanczos.
            let mut inner_stop = None;
            if grad_norm <= o.eps_gradient {
                let eig = hessian_min_eig(m, oracle, &x, &o.lanczos, lanczos_seed)?;
                lanczos_seed = lanczos_seed.wrapping_add(1);
                result.hess_calls += eig.hess_calls;
                result.lambda_min = Some(eig.value);
                if eig.value >= -o.eps_hessian {
                    result.stop = StopReason::SecondOrderStationary;
                    break;
                }
                // Eigenstep: the model ⟨g, η⟩ + ½⟨η, Hη⟩ along the leftmost
                // eigenvector v, signed downhill, is minimised on the boundary.
                let sign = if dot(&grad, &eig.vector) > 0.0 { -1.0 } else { 1.0 };
                eta.iter_mut()
                    .zip(&eig.vector)
                    .for_each(|(e, v)| *e = sign * radius * v);
                oracle.rhess(m, &x, &eta, &mut heta)?;
                result.hess_calls += 1;
                inner_stop = Some((InnerStop::Eigenstep, 0));
            }
            let (inner_stop, inner) = match inner_stop {
                Some(s) => s,
                None => {
                    let outcome =
                        tcg.solve(m, &x, &grad, radius, &tcg_opts, |u: &[f64], out: &mut [f64]| {
                            oracle.rhess(m, &x, u, out)
                        })?;
                    result.hess_calls += outcome.hess_calls;
                    eta.copy_from_slice(tcg.eta());
                    heta.copy_from_slice(tcg.heta());
                    (InnerStop::Tcg(outcome.stop), outcome.inner)
                }
            };
            self.retraction.retract(m, &x, &eta, &mut x_prop)?;
            let f_prop = oracle.cost(m, &x_prop);
            result.cost_calls += 1;

            // ρ = (f(x) − f(R_x(η))) / (m(0) − m(η)), regularised.
            let reg = fx.abs().max(1.0) * f64::EPSILON * o.rho_regularization;
            let mut model_decrease = -dot(&grad, &eta);
            model_decrease -= 0.5 * dot(&eta, &heta);
            let rho_num = fx - f_prop + reg;
            let rho_den = model_decrease + reg;
            let model_decreased = rho_den >= 0.0;
            let rho = rho_num / rho_den;
            let step_radius = radius;
            if rho < 0.25 || !model_decreased || rho.is_nan() {
                radius /= 4.0;
            } else if rho > 0.75 && inner_stop.on_boundary() {
                radius = (2.0 * radius).min(max_radius);
            }
            let accepted = model_decreased && rho > o.rho_prime && f_prop.is_finite();
            if accepted {
                std::mem::swap(&mut x, &mut x_prop);
                fx = oracle.cost_rgrad(m, &x, &mut grad)?;
                result.grad_calls += 1;
                grad_norm = m.norm(&x, &grad);
                result.lambda_min = None;
            }
            result.iterations += 1;
            let step = TrustRegionStep {
                iteration: result.iterations,
                cost: fx,
                grad_norm,
                rho,
                radius: step_radius,
                accepted,
                inner,
                inner_stop,
                step_norm: m.norm(&x, &eta),
            };
            let mut rec = record(step.iteration, fx, Some(grad_norm), step.step_norm, step_radius);
            rec.extras.extend([
                ("rho", rho),
                ("radius", step_radius),
                ("inner", inner as f64),
                ("accepted", f64::from(u8::from(accepted))),
            ]);
            result.history.push(step);
            if let Some(reason) = run.end_iteration(rec) {
                result.stop = reason;
                break;
            }
            if radius < f64::EPSILON * max_radius {
                result.stop = StopReason::RadiusCollapsed;
                break;
            }
        }
        result.cost = fx;
        result.grad_norm = grad_norm;
        result.x = x;
        Ok(result)
    }
}
