//! The two-stage algorithm of ZLK+19 (§3, Algorithm 1, "Nonconvex Sparse
//! Blind Deconvolution"):
//!
//! 1. **Stage I** (§3.1): from a random point, minimise the Huber-smoothed
//!    objective (eq. 22) at λ₀ on the kernel's own sphere S^{n₀−1}. The Huber
//!    smoothing turns the flat region R_{h,0} (eq. 23) of the ℓ¹ objective
//!    into a concave one (eq. 26), so a second-order method leaves it along
//!    negative curvature; the local minimiser found is close to a signed
//!    shift truncation ā = ±ι*s_τ\[a₀\]/‖ι*s_τ\[a₀\]‖ (Theorem 2.1).
//! 2. **Lift** (Fig. 3): zero-pad ā to the higher-dimensional sphere
//!    S^{n−1}, n = 3n₀ − 2, with ā in the middle, so that every shift of a₀
//!    overlapping ā fits.
//! 3. **Stage II** (§3.2): minimise the same objective on S^{n−1} from the
//!    padded ā (Lemma 3.1: it is close enough to a shift of a₀), with
//!    continuation λ_{t+1} = λ_t/β from λ₁ = λ₀ down to λ_min: a large λ
//!    keeps the landscape simple, a small λ makes the minimiser accurate
//!    (Fig. 4).
//!
//! As the paper suggests (§3.2, after Fig. 4), each "argmin φ_λ(a)" is
//! solved over the cross space of (a, x) jointly: the Huber-smoothed
//! Bilinear Lasso ½‖y − a ⊛ x‖² + λh_μ(x) ([`crate::objective::HuberLasso`]),
//! by trust region or curvilinear search, warm-started in both a and x. The
//! Huber width follows λ, μ_t = (μ/λ)·λ_t, so that μ ≪ λ holds at every
//! stage (§3.1). The lifted kernel is finally shift-corrected to length n₀
//! by the maximal-energy window (LQK+20 App. B.3).
//!
//! ```no_run
//! use sasd::two_stage::TwoStage;
//! # let y = vec![0.0; 2000];
//! let out = TwoStage::new(20).run(&y)?;
//! println!("λ schedule {:?}, stop {:?}", out.schedule, out.result.stop);
//! # Ok::<(), sasd::SasdError>(())
//! ```

use std::time::{Duration, Instant};

use manifold::{Manifold, Sphere};
use optim::{NoObserver, OptimError, StopCriterion, StopReason};

use crate::pipeline::RunObserver;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::{Result, SasdError, check_at_least, check_lambda};
use crate::objective::{Abl, AblEnergy};
use crate::pipeline::init::RANDOM_INIT_STREAM;
use crate::second_order::{
    DEFAULT_MU_RATIO, Recorder, SecondOrderDeconvolved, SecondOrderSolver, SolveSpec, Solved, Trace,
    huber_solve, lifted_length, shift_correct, stop_criterion,
};

/// Default λ₀ of stage I and of the first stage-II solve.
pub const DEFAULT_LAMBDA0: f64 = 0.5;

/// Default continuation factor β of Algorithm 1.
pub const DEFAULT_BETA: f64 = 2.0;

/// Builder of a two-stage run (1-D, cyclic model).
#[derive(Debug, Clone)]
pub struct TwoStage {
    kernel_size: usize,
    solver: SecondOrderSolver,
    lambda0: f64,
    lambda_min: Option<f64>,
    beta: f64,
    mu_ratio: f64,
    delta: f64,
    seed: u64,
    max_iterations: Option<usize>,
    time_budget: Option<Duration>,
    eps_gradient: f64,
    eps_hessian: f64,
}

/// What a two-stage run returns: the final solve's outcome (at λ_min, with
/// the counts, time and history of all solves) and what stage I found.
#[derive(Debug, Clone)]
pub struct TwoStageDeconvolved {
    /// The outcome as a second-order run reports it: the shift-corrected
    /// kernel and activation, stage II's lifted kernel, λ = λ_min and μ of
    /// the last solve, why it stopped ([`StopReason::SecondOrderStationary`]
    /// when its certificate holds), outer iterations, Hessian products,
    /// evaluations and FFTs over all solves, the final cost, gradient norm
    /// and λ_min(Hess f), the wall time of the whole run, and the records of
    /// all solves with extras `stage` (0 or 1) and `lambda`.
    pub result: SecondOrderDeconvolved,
    /// Stage I's kernel ā on S^{n₀−1} (a signed shift truncation of a₀ when
    /// stage I succeeds).
    pub stage_one_kernel: Vec<f64>,
    /// λ of stage I.
    pub lambda0: f64,
    /// The λ of each stage-II solve, in order (the last is λ_min).
    pub schedule: Vec<f64>,
    /// Outer iterations of stage I.
    pub stage_one_iterations: usize,
}

impl TwoStage {
    /// A two-stage run for kernels of length `kernel_size` (n₀ ≥ 1): trust
    /// region, λ₀ = [`DEFAULT_LAMBDA0`], λ_min = 0.1/√n (n = 3n₀ − 2),
    /// β = [`DEFAULT_BETA`], μ = λ/10 at every stage, stage tolerance δ = 0.1,
    /// seed 0, the solver's
    /// [`default_max_iterations`](SecondOrderSolver::default_max_iterations)
    /// per solve, ε_g = ε_H = 1e-6 for the certified solves.
    ///
    /// Why these: λ₀ = 0.5 is the λ of LQK+20's landscape study of random
    /// kernels with ±1 activations (§4, Fig. 9, n₀ = 20), large enough that
    /// "a larger λ induces a simpler and smoother function landscape" (seed
    /// 000 §3.2) yet below the activation amplitude, so x*(a) ≠ 0 near a₀
    /// (the flat-region bound of ZLK+19's footnote 7). λ_min = 0.1/√n is
    /// LQK+20's homotopy target λ* (§4.2.2). β = 2 halves λ per stage:
    /// each warm-started solve then starts close to its minimiser (LQK+20's
    /// η = 0.9 needs ten times the stages for the same range, and with a
    /// second-order inner solver every stage pays a certificate).
    pub fn new(kernel_size: usize) -> Self {
        Self {
            kernel_size,
            solver: SecondOrderSolver::TrustRegion,
            lambda0: DEFAULT_LAMBDA0,
            lambda_min: None,
            beta: DEFAULT_BETA,
            mu_ratio: DEFAULT_MU_RATIO,
            delta: 0.1,
            seed: 0,
            max_iterations: None,
            time_budget: None,
            eps_gradient: 1e-6,
            eps_hessian: 1e-6,
        }
    }

    /// The second-order solver of both stages.
    pub fn solver(mut self, solver: SecondOrderSolver) -> Self {
        self.solver = solver;
        self
    }

    /// λ₀ > 0: stage I's λ and the first of stage II.
    pub fn lambda0(mut self, lambda0: f64) -> Self {
        self.lambda0 = lambda0;
        self
    }

    /// λ_min > 0, the last λ of stage II (default 0.1/√n).
    pub fn lambda_min(mut self, lambda_min: f64) -> Self {
        self.lambda_min = Some(lambda_min);
        self
    }

    /// β > 1: λ_{t+1} = λ_t/β.
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// μ/λ > 0, kept at every stage (default 0.1; ZLK+19 asks μ ≪ λ).
    pub fn mu_ratio(mut self, ratio: f64) -> Self {
        self.mu_ratio = ratio;
        self
    }

    /// δ > 0: an intermediate stage-II solve ends once ‖grad_x f‖ ≲ δ·λ_t
    /// (LQK+20's homotopy precision ε_t = δλ_t, §4.2.2); only the last
    /// solve runs to (ε_g, ε_H) with a second-order certificate.
    pub fn delta(mut self, delta: f64) -> Self {
        self.delta = delta;
        self
    }

    /// Seed of stage I's random start and of Lanczos' start vectors.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Outer iterations at most, per solve (default
    /// [`SecondOrderSolver::default_max_iterations`]).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = Some(n);
        self
    }

    /// Wall-time budget of the whole run.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
        self
    }

    /// Tolerances (ε_g, ε_H) of the certified solves (stage I and the last).
    pub fn tolerances(mut self, eps_gradient: f64, eps_hessian: f64) -> Self {
        self.eps_gradient = eps_gradient;
        self.eps_hessian = eps_hessian;
        self
    }

    /// The stage-II schedule λ₀, λ₀/β, … (while > λ_min), then λ_min: the
    /// loop of Algorithm 1 with its last solve at exactly λ_min, so the
    /// final λ is the one asked for.
    pub fn schedule(&self) -> Result<Vec<f64>> {
        let lambda0 = check_lambda(self.lambda0)?;
        if !(self.beta.is_finite() && self.beta > 1.0) {
            return Err(SasdError::InvalidParameter {
                name: "beta",
                value: self.beta,
                min: 1.0 + f64::EPSILON,
            });
        }
        let n = (3 * self.kernel_size.max(1) - 2) as f64;
        let lambda_min = check_lambda(self.lambda_min.unwrap_or(0.1 / n.sqrt()))?;
        let mut out = Vec::new();
        let mut lambda = lambda0;
        while lambda > lambda_min && out.len() < 200 {
            out.push(lambda);
            lambda /= self.beta;
        }
        out.push(lambda_min);
        Ok(out)
    }

    /// Deconvolves y (cyclic model, length m > 3n₀ − 2).
    pub fn run(&self, y: &[f64]) -> Result<TwoStageDeconvolved> {
        self.run_observed(y, &mut NoObserver)
    }

    /// As [`run`](Self::run), with an observer that sees every iteration of
    /// every solve and may stop the run.
    pub fn run_observed<O: RunObserver>(&self, y: &[f64], observer: &mut O) -> Result<TwoStageDeconvolved> {
        self.run_traced(y, observer, Trace::NONE)
    }

    /// As [`run_observed`](Self::run_observed), with the kernel error
    /// against `trace`'s truth in the records (extra
    /// [`KERNEL_ERROR`](crate::pipeline::KERNEL_ERROR); of ā in stage I, of
    /// the lifted kernel in stage II).
    pub(crate) fn run_traced<O: RunObserver>(
        &self,
        y: &[f64],
        observer: &mut O,
        trace: Trace<'_>,
    ) -> Result<TwoStageDeconvolved> {
        let start = Instant::now();
        let n0 = self.kernel_size;
        let n = lifted_length(y, n0)?;
        let m = y.len();
        let schedule = self.schedule()?;
        let max_iterations = self
            .max_iterations
            .unwrap_or(self.solver.default_max_iterations());
        let lambda0 = self.lambda0;
        let ratio = check_at_least("mu ratio", self.mu_ratio, f64::MIN_POSITIVE)?;
        let delta = check_at_least("delta", self.delta, 0.0)?;
        if y.iter().all(|t| *t == 0.0) {
            return Err(SasdError::NoSignal);
        }
        // The balanced coordinates scale gradients by ‖y‖ (second_order's
        // `Balanced`): the stage tolerance δλ_t on ‖grad_x f‖ reads δλ_t‖y‖.
        let norm_y = y.iter().map(|t| t * t).sum::<f64>().sqrt();
        let remaining = |t: Option<Duration>| t.map(|b| b.saturating_sub(start.elapsed()));
        let mut history = Vec::new();
        let mut recorder = Recorder::new(observer, &mut history, trace);

        // Stage I: random a on S^{n₀−1}, x = S_λ₀(y ⋆ a) (the ABL minimiser).
        let sphere = Sphere::new(n0).map_err(OptimError::from)?;
        // A stream of its own: the synthetic generators draw a random kernel
        // from StdRng::seed_from_u64(seed), and the same stream here would
        // start stage I at the truth whenever the run's seed is the data's.
        let mut rng = StdRng::seed_from_u64(self.seed ^ RANDOM_INIT_STREAM);
        let a_start = sphere.random_point(&mut rng);
        let mut p = a_start.as_slice().to_vec();
        p.resize(n0 + m, 0.0);
        let mut abl = Abl::new(y, n0, lambda0, AblEnergy::SoftThreshold)?;
        abl.activation(a_start.as_slice(), &mut p[n0..]);
        let mut ffts = abl.ffts();
        recorder.add_ffts(ffts);
        let certified = |stage: f64, lambda: f64, time: Option<Duration>| SolveSpec {
            solver: self.solver,
            kernel_len: if stage == 0.0 { n0 } else { n },
            eps_gradient: self.eps_gradient,
            eps_hessian: self.eps_hessian,
            stop: stop_criterion(max_iterations, time),
            seed: self.seed,
            tags: vec![("stage", stage), ("lambda", lambda)],
        };
        let (one, f1) = huber_solve(
            y,
            n0,
            (lambda0, ratio * lambda0),
            &p,
            true,
            &certified(0.0, lambda0, remaining(self.time_budget)),
            &mut recorder,
        )?;
        ffts += f1;
        let stage_one_kernel = one.point[..n0].to_vec();
        let stage_one_iterations = one.iterations;
        let mut total = one.clone();

        // Lift: ā in the middle of S^{n−1}; a ⊛ x is kept by shifting x back
        // by the same n₀ − 1 samples.
        let mut lifted = vec![0.0; n + m];
        lifted[n0 - 1..2 * n0 - 1].copy_from_slice(&stage_one_kernel);
        let x1 = &one.point[n0..];
        for (j, v) in lifted[n..].iter_mut().enumerate() {
            *v = x1[(j + n0 - 1) % m];
        }

        // Stage II: continuation in λ.
        let mut last = one;
        let mut point = lifted;
        let stop_early = matches!(last.stop, StopReason::Observer | StopReason::TimeBudget);
        let mut mu = ratio * lambda0;
        if !stop_early {
            for (t, &lambda) in schedule.iter().enumerate() {
                mu = ratio * lambda;
                let time = remaining(self.time_budget);
                let spec = if t + 1 == schedule.len() {
                    certified(1.0, lambda, time)
                } else {
                    SolveSpec {
                        // ε_g below reach: the stage ends on the gradient
                        // criterion, without a Lanczos certificate.
                        eps_gradient: 0.0,
                        stop: stop_criterion(max_iterations, time)
                            | StopCriterion::GradientNorm(delta * lambda * norm_y),
                        ..certified(1.0, lambda, time)
                    }
                };
                let (s, f) = huber_solve(y, n, (lambda, mu), &point, true, &spec, &mut recorder)?;
                ffts += f;
                point.copy_from_slice(&s.point);
                total = add_counts(&total, &s);
                last = s;
                if matches!(last.stop, StopReason::Observer | StopReason::TimeBudget) {
                    break;
                }
            }
        }
        let (a, x) = point.split_at(n);
        let corrected = shift_correct(a, x, n0);
        let lambda = schedule.last().copied().unwrap_or(lambda0);
        Ok(TwoStageDeconvolved {
            result: SecondOrderDeconvolved {
                kernel: corrected.kernel,
                activation: corrected.activation,
                lifted_kernel: a.to_vec(),
                shift: corrected.shift,
                lambda,
                mu,
                stop: last.stop,
                iterations: total.iterations,
                hess_calls: total.hess_calls,
                grad_calls: total.grad_calls,
                cost_calls: total.cost_calls,
                ffts,
                cost: last.cost,
                grad_norm: last.grad_norm,
                lambda_min: last.lambda_min,
                elapsed: start.elapsed(),
                history,
            },
            stage_one_kernel,
            lambda0,
            schedule,
            stage_one_iterations,
        })
    }
}

/// `earlier`'s counts plus `next`'s.
fn add_counts(earlier: &Solved, next: &Solved) -> Solved {
    next.clone().merged_after(earlier)
}
