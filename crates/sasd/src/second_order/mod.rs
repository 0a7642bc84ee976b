//! Second-order SaSD: trust region or curvilinear search on a *smooth*
//! SaSD objective, so that negative curvature can be used to leave saddles
//! and flat regions (ZLK+19 §3.1) and convergence is superlinear near a
//! minimiser.
//!
//! Two smooth objectives are offered ([`SmoothObjective`]):
//!
//! * the Huber-smoothed Bilinear Lasso ½‖y − a ⊛ x‖² + λh_μ(x) of ZLK+19,
//!   eq. (22), jointly over (a, x) ∈ S^{n−1} × ℝ^m — the "more efficient
//!   variant that optimises over the cross space of a and x together" of
//!   ZLK+19 §3.2 ([`HuberLasso`](crate::objective::HuberLasso));
//! * the smoothed approximate Bilinear Lasso marginal φ̂(a) over S^{n−1}
//!   alone (Zha19; its Huber-μ form is ZLK+19, eqs. (25)–(26)),
//!   [`Abl`] with [`AblEnergy::Huber`], with x recovered in closed form
//!   afterwards and optionally *rounded* by the Huber-smoothed Bilinear Lasso
//!   (Zha19's rounding step).
//!
//! The pipeline runs them as [`MethodSpec::SecondOrder`](crate::pipeline::MethodSpec)
//! with a [`SmoothSpec`], after LQK+20 Algorithm 1 / Zha19: lift the kernel
//! to n = 3n₀ − 2, initialise (the data-driven window of LQK+20 eq. 3.5 by
//! default), minimise here, and shift-correct to length n₀ (LQK+20
//! App. B.3).
//!
//! ```no_run
//! use sasd::pipeline::{Deconvolution, MethodSpec};
//! use sasd::second_order::{SecondOrderSolver, SmoothSpec};
//! # let y = vec![0.0; 5000];
//! let spec = SmoothSpec::with_solver(SecondOrderSolver::Curvilinear);
//! let out = Deconvolution::new(50).method(MethodSpec::SecondOrder(spec)).run(&y)?;
//! let cert = out.certificate.expect("second-order runs carry one");
//! println!("{:?} after {} iterations, {} Hessian products", out.stop, out.iterations, cert.hess_calls);
//! # Ok::<(), sasd::SasdError>(())
//! ```

mod balance;
mod solve;

use manifold::Sphere;
use optim::{OptimError, StopReason};

use crate::error::{Result, check_at_least, check_lambda};
use crate::objective::{Abl, AblEnergy};
use crate::trace::{Recorder, RunObserver};

pub(crate) use crate::limits::Limits;
pub(crate) use solve::{SolveSpec, Solved, huber_solve, lifted_length, solve_smooth};

/// Default λ of a fixed-λ second-order run: 0.1. It sits between
/// LQK+20's two anchors: its homotopy target 0.1/√n (≈ 8e-3 at n₀ = 50)
/// needs continuation to be reached safely, while its Fig. 9 landscape
/// study uses λ = 0.5 for ±1 activations. A fixed λ must keep the landscape
/// simple from a data-driven start (large λ) and the Lasso bias on the
/// kernel well below the target error (small λ); for unit-scale
/// activations λ = 0.1 does both (figures in `tests/second_order_sasd.rs`).
/// Scale λ with the amplitude of the activations.
pub const DEFAULT_LAMBDA: f64 = 0.1;

/// Default μ/λ: μ = λ/10 (see [`SmoothObjective`] for why).
pub const DEFAULT_MU_RATIO: f64 = 0.1;

/// The second-order solver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondOrderSolver {
    /// Riemannian trust region with truncated CG and eigensteps
    /// ([`optim::second_order::TrustRegion`]).
    TrustRegion,
    /// Curvilinear search along −grad f and a negative-curvature direction
    /// (Goldfarb; Zha19's "small-stepping curvilinear search",
    /// [`optim::second_order::CurvilinearSearch`]).
    Curvilinear,
}

impl SecondOrderSolver {
    /// Outer iterations allowed per solve unless the caller says otherwise:
    /// 500 for the trust region (each iteration solves a model with truncated
    /// CG; ≤ 300 were needed on LQK+20-style instances), 20 000 for the
    /// curvilinear search, whose steps away from saddles are gradient steps.
    pub fn default_max_iterations(self) -> usize {
        match self {
            SecondOrderSolver::TrustRegion => 500,
            SecondOrderSolver::Curvilinear => 20_000,
        }
    }
}

/// The smooth objective the solver minimises.
///
/// μ is the Huber width of ZLK+19, eq. (22); `None` picks μ = λ/10.
/// ZLK+19 asks for μ ≪ λ ("the μ-huber function closely approximates the
/// ℓ¹ norm"): with μ = λ/10 the x-entries the ℓ¹ penalty would set to zero
/// are only shrunk, by μ/(λ + μ) ≈ 0.09 (eq. 25), and the kernel error
/// stays within the λ-bias (≤ 8.3e-4 at λ = 0.1 on LQK+20-style random
/// kernels, n₀ = 50, m = 5000). A smaller μ buys little accuracy and costs
/// convergence: h_μ is only C¹, its curvature λ/μ switches on and off as
/// entries cross |x| = μ, and the trust region's models fail more often —
/// at μ = λ/30 one seed of five, at μ = λ/100 all five, hit 500 iterations
/// uncertified (against 80–260 certified iterations at λ/10).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SmoothObjective {
    /// ½‖y − a ⊛ x‖² + λh_μ(x) on S^{n−1} × ℝ^m (ZLK+19, eq. 22).
    Huber {
        /// Huber width μ > 0 (`None`: λ/10).
        mu: Option<f64>,
    },
    /// The Huber-μ ABL marginal φ̂(a) = ½‖y‖² − Σ E(y ⋆ a) on S^{n−1}
    /// (ZLK+19, eqs. 25–26; [`AblEnergy::Huber`]), x = S_λ(y ⋆ a)
    /// afterwards (Zha19).
    SmoothAbl {
        /// Huber width μ > 0 (`None`: λ/10).
        mu: Option<f64>,
    },
}

impl Default for SmoothObjective {
    fn default() -> Self {
        SmoothObjective::Huber { mu: None }
    }
}

impl SmoothObjective {
    pub(crate) fn mu(self, lambda: f64) -> Result<f64> {
        let mu = match self {
            SmoothObjective::Huber { mu } | SmoothObjective::SmoothAbl { mu } => {
                mu.unwrap_or(DEFAULT_MU_RATIO * lambda)
            }
        };
        check_at_least("mu", mu, f64::MIN_POSITIVE)
    }
}

/// The options of a second-order run at a fixed λ
/// ([`MethodSpec::SecondOrder`](crate::pipeline::MethodSpec)). The default:
/// trust region on the Huber-smoothed Bilinear Lasso in balanced
/// coordinates, μ = λ/10, ε_g = ε_H = 1e-6, rounding on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmoothSpec {
    /// The solver.
    pub solver: SecondOrderSolver,
    /// The smooth objective.
    pub objective: SmoothObjective,
    /// Stationarity tolerance ‖grad f‖ ≤ ε_g, in the solver's coordinates
    /// (see [`balance`](Self::balance)).
    pub eps_gradient: f64,
    /// Curvature tolerance λ_min(Hess f) ≥ −ε_H.
    pub eps_hessian: f64,
    /// After an ABL solve, refine (a, x) by the Huber-smoothed Bilinear
    /// Lasso (Zha19's rounding step; the ABL is only an approximation of
    /// the Bilinear Lasso when C_a*C_a ≠ I). Ignored for the Huber objective.
    pub rounding: bool,
    /// Solve the Huber-smoothed Bilinear Lasso in the balanced coordinates
    /// (a, x/‖y‖), so that both blocks of the Hessian have the same scale
    /// (off solves in (a, x) as written in ZLK+19 eq. 22). Either way the
    /// minimiser is the same.
    pub balance: bool,
}

impl Default for SmoothSpec {
    fn default() -> Self {
        Self {
            solver: SecondOrderSolver::TrustRegion,
            objective: SmoothObjective::default(),
            eps_gradient: 1e-6,
            eps_hessian: 1e-6,
            rounding: true,
            balance: true,
        }
    }
}

impl SmoothSpec {
    /// The default spec with `solver`.
    pub fn with_solver(solver: SecondOrderSolver) -> Self {
        Self {
            solver,
            ..Self::default()
        }
    }
}

/// What the smooth runs return to the pipeline: the λ and μ of the last
/// solve, its state (its point the final [lifted kernel; activation]) with
/// the counts of all solves, and the FFTs of the whole run.
pub(crate) struct SmoothOutcome {
    pub lambda: f64,
    pub mu: f64,
    pub solved: Solved,
    pub ffts: u64,
}

/// Minimises `spec`'s smooth objective at λ from the lifted kernel `a0` on
/// S^{n−1} (n = `a0.len()`), the activation started at the ABL minimiser
/// x⁰ = S_λ(y ⋆ a⁰) (Zha19).
pub(crate) fn run<O: RunObserver>(
    spec: &SmoothSpec,
    y: &[f64],
    a0: &[f64],
    lambda: f64,
    seed: u64,
    limits: Limits,
    recorder: &mut Recorder<'_, O>,
) -> Result<SmoothOutcome> {
    let lambda = check_lambda(lambda)?;
    let mu = spec.objective.mu(lambda)?;
    let (n, m) = (a0.len(), y.len());
    let solve = |stage: f64| SolveSpec {
        solver: spec.solver,
        kernel_len: n,
        eps_gradient: spec.eps_gradient,
        eps_hessian: spec.eps_hessian,
        stop: limits.stop(),
        seed,
        tags: vec![("stage", stage), ("lambda", lambda)],
    };
    let (solved, ffts) = match spec.objective {
        SmoothObjective::Huber { .. } => {
            // At x = 0 the kernel gradient ι*(x̌ ⊛ r) vanishes and the first
            // steps would only fit x: start x at the ABL minimiser for a⁰.
            let mut abl = Abl::new(y, n, lambda, AblEnergy::SoftThreshold)?;
            let mut p0 = a0.to_vec();
            p0.resize(n + m, 0.0);
            abl.activation(a0, &mut p0[n..]);
            recorder.add_ffts(abl.ffts());
            let (s, ffts) = huber_solve(y, n, (lambda, mu), &p0, spec.balance, &solve(1.0), recorder)?;
            (s, ffts + abl.ffts())
        }
        SmoothObjective::SmoothAbl { .. } => {
            let mut abl = Abl::new(y, n, lambda, AblEnergy::Huber { mu })?;
            let sphere = Sphere::new(n).map_err(OptimError::from)?;
            let mut s = solve_smooth(&sphere, &mut abl, a0, &solve(0.0), recorder)?;
            // The point [a; x] with x in closed form (Zha19).
            let mut p = std::mem::take(&mut s.point);
            p.resize(n + m, 0.0);
            let solve_ffts = abl.ffts();
            let (a, x) = p.split_at_mut(n);
            abl.activation(a, x);
            recorder.add_ffts(abl.ffts() - solve_ffts);
            if spec.rounding && s.stop != StopReason::Observer && s.stop != StopReason::TimeBudget {
                let (r, ffts) = huber_solve(y, n, (lambda, mu), &p, spec.balance, &solve(1.0), recorder)?;
                (r.merged_after(&s), ffts + abl.ffts())
            } else {
                (Solved { point: p, ..s }, abl.ffts())
            }
        }
    };
    Ok(SmoothOutcome {
        lambda,
        mu,
        solved,
        ffts,
    })
}
