//! Riemannian trust region with truncated CG (Absil, Baker & Gallivan 2007),
//! with Manopt's defaults and safeguards, an eigenstep that escapes strict
//! saddles where the gradient vanishes, and a second-order certificate.

use manifold::vecops::dot;

use manifold::{Manifold, Retraction};
use rand::SeedableRng;
use rand::rngs::StdRng;

use super::lanczos::{Eigenpair, LanczosOptions, smallest_eigenpair};
use super::oracle::SecondOrderOracle;
use super::tcg::{Tcg, TcgOptions, TcgStop};
use crate::error::{OptimError, check_option};
use crate::executor::Executor;
use crate::problem::ManifoldProblem;
use crate::solution::Solution;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

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
    /// λ_min(Hess f) (into the state, for the
    /// [`SecondOrder`](StopCriterion::SecondOrder) criterion of the default
    /// stop); where λ_min < −`eps_hessian` it takes an eigenstep.
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

impl TrustRegionOptions {
    fn validate(&self) -> Result<(), OptimError> {
        let pos = |v: f64| v.is_finite() && v > 0.0;
        if let Some(r) = self.max_radius {
            check_option("max_radius", pos(r), "must be finite and > 0")?;
        }
        if let Some(r) = self.initial_radius {
            check_option("initial_radius", pos(r), "must be finite and > 0")?;
            if let Some(max) = self.max_radius {
                check_option("initial_radius", r <= max, "must be <= max_radius")?;
            }
        }
        check_option(
            "rho_prime",
            self.rho_prime >= 0.0 && self.rho_prime < 0.25,
            "must lie in [0, 0.25) (a step with ρ < 1/4 shrinks the radius)",
        )?;
        check_option(
            "rho_regularization",
            self.rho_regularization >= 0.0 && self.rho_regularization.is_finite(),
            "must be finite and >= 0",
        )?;
        check_option(
            "kappa",
            self.kappa > 0.0 && self.kappa < 1.0,
            "must lie in (0, 1)",
        )?;
        check_option(
            "theta",
            self.theta > 0.0 && self.theta <= 1.0,
            "must lie in (0, 1]",
        )?;
        if let Some(k) = self.max_inner {
            check_option("max_inner", k >= 1, "must be >= 1")?;
        }
        check_option("eps_gradient", self.eps_gradient >= 0.0, "must be >= 0")?;
        check_option("eps_hessian", self.eps_hessian >= 0.0, "must be >= 0")?;
        self.lanczos.validate()
    }
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

/// The Riemannian trust-region solver, retracting with `R`.
///
/// Records carry the extras `rho`, `radius`, `inner` (tCG iterations),
/// `accepted` and `eigenstep` (1 when the step followed the leftmost
/// eigenvector). Default stop: 1000 iterations, or
/// [`StopCriterion::SecondOrder`] with the options' ε_g and ε_H; the run
/// also ends with [`StopReason::RadiusCollapsed`] when the radius falls
/// below ε·Δ̄.
#[derive(Debug, Clone)]
pub struct TrustRegion<R> {
    options: TrustRegionOptions,
    retraction: R,
    work: Option<Work>,
}

/// Buffers and memory of a run.
#[derive(Debug, Clone)]
struct Work {
    tcg: Tcg,
    tcg_options: TcgOptions,
    x_prop: Vec<f64>,
    grad: Vec<f64>,
    eta: Vec<f64>,
    heta: Vec<f64>,
    radius: f64,
    max_radius: f64,
    lanczos_seed: u64,
    /// The leftmost eigenpair at the iterate, when computed there.
    eig: Option<Eigenpair>,
    work0: u64,
}

impl<R> TrustRegion<R> {
    /// A trust region with the given options and retraction.
    pub fn new(options: TrustRegionOptions, retraction: R) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            options,
            retraction,
            work: None,
        })
    }

    /// A trust region with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(
        _m: &M,
        options: TrustRegionOptions,
    ) -> Result<Self, OptimError>
    where
        R: Default,
    {
        Self::new(options, R::default())
    }

    /// The options.
    pub fn options(&self) -> &TrustRegionOptions {
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
    /// Cost and gradient at the (new) iterate, and where the gradient is
    /// small, where only curvature can tell a minimiser from a saddle, the
    /// leftmost eigenpair by Lanczos (each run with the next seed).
    fn evaluate<M: Manifold, S: SecondOrderOracle<M>>(
        &mut self,
        m: &M,
        oracle: &mut S,
        o: &TrustRegionOptions,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        let x = &state.iterate;
        state.cost = oracle.cost_rgrad(m, x, &mut self.grad)?;
        state.counts.grad += 1;
        let grad_norm = m.norm(x, &self.grad);
        state.grad_norm = Some(grad_norm);
        state.lambda_min = None;
        self.eig = None;
        if grad_norm <= o.eps_gradient {
            let eig = hessian_min_eig(m, oracle, x, &o.lanczos, self.lanczos_seed)?;
            self.lanczos_seed = self.lanczos_seed.wrapping_add(1);
            state.counts.hess += eig.hess_calls;
            state.lambda_min = Some(eig.value);
            self.eig = Some(eig);
        }
        Ok(())
    }
}

impl<M, S, R> Solver<ManifoldProblem<'_, M, S>> for TrustRegion<R>
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
        let d = m.ambient_dim();
        let max_radius = o.max_radius.unwrap_or_else(|| m.typical_dist());
        let mut w = Work {
            tcg: Tcg::new(d),
            tcg_options: TcgOptions {
                kappa: o.kappa,
                theta: o.theta,
                max_inner: o.max_inner.unwrap_or(m.dim()).max(1),
            },
            x_prop: vec![0.0; d],
            grad: vec![0.0; d],
            eta: vec![0.0; d],
            heta: vec![0.0; d],
            radius: o.initial_radius.unwrap_or(max_radius / 8.0),
            max_radius,
            lanczos_seed: o.seed,
            eig: None,
            work0: p.objective.work(),
        };
        w.evaluate(m, p.objective, o, state)?;
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
        let grad_norm = state.grad_norm.unwrap_or(f64::NAN);
        if !state.cost.is_finite() || !grad_norm.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        let x = &state.iterate;
        let (inner_stop, inner) = match w.eig.as_ref().filter(|e| e.value < -o.eps_hessian) {
            Some(eig) => {
                // Eigenstep: the model ⟨g, η⟩ + ½⟨η, Hη⟩ along the leftmost
                // eigenvector v, signed downhill, is minimised on the boundary.
                let sign = if dot(&w.grad, &eig.vector) > 0.0 {
                    -1.0
                } else {
                    1.0
                };
                let r = w.radius;
                w.eta
                    .iter_mut()
                    .zip(&eig.vector)
                    .for_each(|(e, v)| *e = sign * r * v);
                oracle.rhess(m, x, &w.eta, &mut w.heta)?;
                state.counts.hess += 1;
                (InnerStop::Eigenstep, 0)
            }
            None => {
                let outcome = w.tcg.solve(
                    m,
                    x,
                    &w.grad,
                    w.radius,
                    &w.tcg_options,
                    |u: &[f64], out: &mut [f64]| oracle.rhess(m, x, u, out),
                )?;
                state.counts.hess += outcome.hess_calls;
                w.eta.copy_from_slice(w.tcg.eta());
                w.heta.copy_from_slice(w.tcg.heta());
                (InnerStop::Tcg(outcome.stop), outcome.inner)
            }
        };
        self.retraction.retract(m, x, &w.eta, &mut w.x_prop)?;
        let f_prop = oracle.cost(m, &w.x_prop);
        state.counts.cost += 1;

        // ρ = (f(x) − f(R_x(η))) / (m(0) − m(η)), regularised.
        let fx = state.cost;
        let reg = fx.abs().max(1.0) * f64::EPSILON * o.rho_regularization;
        let mut model_decrease = -dot(&w.grad, &w.eta);
        model_decrease -= 0.5 * dot(&w.eta, &w.heta);
        let rho_num = fx - f_prop + reg;
        let rho_den = model_decrease + reg;
        let model_decreased = rho_den >= 0.0;
        let rho = rho_num / rho_den;
        let step_radius = w.radius;
        if rho < 0.25 || !model_decreased || rho.is_nan() {
            w.radius /= 4.0;
        } else if rho > 0.75 && inner_stop.on_boundary() {
            w.radius = (2.0 * w.radius).min(w.max_radius);
        }
        let accepted = model_decreased && rho > o.rho_prime && f_prop.is_finite();
        state.step_norm = m.norm(x, &w.eta);
        state.step_size = step_radius;
        if accepted {
            std::mem::swap(&mut state.iterate, &mut w.x_prop);
            w.evaluate(m, oracle, o, state)?;
        }
        state.counts.work = oracle.work().saturating_sub(w.work0);
        state.tag("rho", rho);
        state.tag("radius", step_radius);
        state.tag("inner", inner as f64);
        state.tag("accepted", f64::from(u8::from(accepted)));
        state.tag(
            "eigenstep",
            f64::from(u8::from(inner_stop == InnerStop::Eigenstep)),
        );
        if w.radius < f64::EPSILON * w.max_radius {
            return Ok(Step::Finished(StopReason::RadiusCollapsed));
        }
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(1000)
            | StopCriterion::SecondOrder {
                gradient: self.options.eps_gradient,
                hessian: self.options.eps_hessian,
            }
    }
}
