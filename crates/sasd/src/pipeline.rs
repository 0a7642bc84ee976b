//! The practical SaSD pipeline of seed 003 (Algorithm 1 of §4): data-driven
//! initialisation (eq. 3.5) on the lifted sphere S^{n−1}, n = 3n₀ − 2, a
//! Bilinear Lasso solve (homotopy-iADM by default), and shift correction back
//! to length n₀ (App. B.3).
//!
//! ```no_run
//! use sasd::pipeline::{Deconvolution, Method};
//! # let y = vec![0.0; 1000];
//! let out = Deconvolution::new(20).method(Method::HomotopyIadm).bias(true).run(&y)?;
//! println!("kernel {:?}, stop {:?}", out.kernel, out.stop);
//! # Ok::<(), sasd::SasdError>(())
//! ```

use std::time::{Duration, Instant};

use manifold::Sphere;
use optim::{
    Budget, CompositeResult, CompositeSolver, Homotopy, InertialAdm, KernelSet, NoObserver, Observer, Record,
    Reweighting, StopCriterion, StopReason,
};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::error::{Result, SasdError, check_finite, check_lambda};
use crate::objective::{BilinearLasso, lasso_penalty};

/// The solver of the Bilinear Lasso.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// ADM (seed 003, Alg. 2) at a fixed λ.
    Adm,
    /// iADM (Alg. 5, β = 0.9) at a fixed λ.
    Iadm,
    /// iPALM with the kernel on the unit ball (the §5.3 baseline) at a fixed λ.
    Ipalm,
    /// Homotopy continuation (Alg. 6) around ADM.
    HomotopyAdm,
    /// Homotopy continuation around iADM: Algorithm 1 of §4, the default.
    HomotopyIadm,
    /// Reweighted ℓ¹ (Alg. 7) around iADM at a fixed λ, for noisy data.
    ReweightedIadm,
}

/// The builder of a 1-D deconvolution run.
#[derive(Debug, Clone)]
pub struct Deconvolution {
    kernel_size: usize,
    method: Method,
    lambda: Option<f64>,
    lambda0: Option<f64>,
    eta: f64,
    delta: f64,
    bias: bool,
    nonnegative: bool,
    seed: u64,
    max_iterations: usize,
    step_tolerance: f64,
    time_budget: Option<Duration>,
    rounds: usize,
}

/// What a run returns.
#[derive(Debug, Clone)]
pub struct Deconvolved {
    /// The kernel after shift correction: length n₀, unit norm.
    pub kernel: Vec<f64>,
    /// The activation shifted to match `kernel` (length m), scaled so that
    /// kernel ⊛ activation reproduces the fit.
    pub activation: Vec<f64>,
    /// The fitted bias b, when asked for.
    pub bias: Option<f64>,
    /// The solver's kernel on S^{n−1}, n = 3n₀ − 2, before shift correction.
    pub lifted_kernel: Vec<f64>,
    /// Start of the kept length-n₀ window in the lifted kernel.
    pub shift: usize,
    /// λ of the final solve.
    pub lambda: f64,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Solver iterations (over all stages).
    pub iterations: usize,
    /// Real FFTs performed.
    pub ffts: u64,
    /// Wall time of the solve.
    pub elapsed: Duration,
    /// Per-iteration records (objective, time, step, λ or round tags).
    pub history: Vec<Record>,
}

impl Deconvolution {
    /// A run for kernels of length `kernel_size` (n₀ ≥ 1) with the defaults of
    /// seed 003 §4: homotopy-iADM, λ₀ = ‖ǎ⁽⁰⁾ ⋆ y‖∞, λ* = 0.1/√n, η = 0.9,
    /// δ = 0.1, no bias, no non-negativity, seed 0.
    pub fn new(kernel_size: usize) -> Self {
        Self {
            kernel_size,
            method: Method::HomotopyIadm,
            lambda: None,
            lambda0: None,
            eta: 0.9,
            delta: 0.1,
            bias: false,
            nonnegative: false,
            seed: 0,
            max_iterations: 20_000,
            step_tolerance: 1e-10,
            time_budget: None,
            rounds: 4,
        }
    }

    /// The solver.
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// λ of a fixed-λ method, or λ* of a homotopy (default 0.1/√n).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// λ₀ of a homotopy (default ‖ǎ⁽⁰⁾ ⋆ y‖∞).
    pub fn lambda0(mut self, lambda0: f64) -> Self {
        self.lambda0 = Some(lambda0);
        self
    }

    /// Fit a constant bias b (App. B.3).
    pub fn bias(mut self, on: bool) -> Self {
        self.bias = on;
        self
    }

    /// Constrain the activation to x ≥ 0 (App. B.3, eq. B.11).
    pub fn nonnegative(mut self, on: bool) -> Self {
        self.nonnegative = on;
        self
    }

    /// Seed of the random window of the initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Iterations at most (over all stages).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// A fixed-λ solve stops when consecutive iterates are this close (the
    /// seed's §5 rule, 1e-6 there; 1e-10 by default).
    pub fn step_tolerance(mut self, tol: f64) -> Self {
        self.step_tolerance = tol;
        self
    }

    /// Wall-time budget of the solve.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
        self
    }

    /// Rounds of the reweighting (default 4).
    pub fn rounds(mut self, rounds: usize) -> Self {
        self.rounds = rounds;
        self
    }

    /// Deconvolves y (cyclic model, length m > 3n₀ − 2).
    pub fn run(&self, y: &[f64]) -> Result<Deconvolved> {
        self.run_observed(y, &mut NoObserver)
    }

    /// As [`run`](Self::run), with an observer that sees every iteration and
    /// may stop the run.
    pub fn run_observed<O: Observer>(&self, y: &[f64], observer: &mut O) -> Result<Deconvolved> {
        if self.kernel_size == 0 {
            return Err(SasdError::ZeroDimension { what: "kernel size" });
        }
        if y.is_empty() {
            return Err(SasdError::EmptySignal);
        }
        check_finite("observation", y)?;
        let n = 3 * self.kernel_size - 2;
        let objective = BilinearLasso::new(y, n)?;
        let objective = if self.bias {
            objective.with_bias()
        } else {
            objective
        };
        let offset = objective.bias().unwrap_or(0.0);
        let a0 = initial_kernel(y, self.kernel_size, offset, self.seed)?;
        let lambda_star = check_lambda(self.lambda.unwrap_or(0.1 / (n as f64).sqrt()))?;
        let penalty = lasso_penalty(y.len(), None, self.nonnegative)?;
        let mut problem = objective.into_composite(lambda_star, penalty)?;
        let sphere = Sphere::new(n).map_err(optim::OptimError::from)?;
        let x0 = vec![0.0; y.len()];
        let budget = Budget {
            stage_iterations: self.max_iterations,
            total_iterations: self.max_iterations,
            time: self.time_budget,
        };
        let mut stop =
            StopCriterion::MaxIterations(self.max_iterations) | StopCriterion::StepNorm(self.step_tolerance);
        if let Some(t) = self.time_budget {
            stop = stop | StopCriterion::TimeBudget(t);
        }
        let iadm = InertialAdm::for_manifold(&sphere);
        let start = Instant::now();
        problem.smooth.reset_ffts();
        let res: CompositeResult = match self.method {
            Method::Adm => InertialAdm::adm(manifold::Exponential).solve_composite(
                &sphere,
                &mut problem,
                &a0,
                &x0,
                &stop,
                observer,
            )?,
            Method::Iadm => iadm.solve_composite(&sphere, &mut problem, &a0, &x0, &stop, observer)?,
            Method::Ipalm => InertialAdm::ipalm(manifold::Exponential, KernelSet::Ball).solve_composite(
                &sphere,
                &mut problem,
                &a0,
                &x0,
                &stop,
                observer,
            )?,
            Method::HomotopyAdm | Method::HomotopyIadm => {
                let lambda0 = match self.lambda0 {
                    Some(l) => check_lambda(l)?,
                    None => initial_lambda(y, &a0, offset),
                }
                .max(lambda_star);
                let inner = match self.method {
                    Method::HomotopyAdm => InertialAdm::adm(manifold::Exponential),
                    _ => iadm,
                };
                let mut homotopy = Homotopy::new(inner, lambda0, lambda_star);
                homotopy.eta = self.eta;
                homotopy.delta = self.delta;
                // ε* = δ·λ*: tighter final precision buys no accuracy on the
                // §5.2 instance (kernel error 2–4e-7 either way) and ends in
                // line-search failures at rounding level.
                homotopy.eps_star = self.delta * lambda_star;
                homotopy.budget = budget;
                homotopy.solve(&sphere, &mut problem, &a0, &x0, observer)?
            }
            Method::ReweightedIadm => {
                // Every round gets its share of the iterations: with the whole
                // budget the first (unweighted) round used it all.
                let rounds = self.rounds.max(1);
                let rw = Reweighting {
                    inner: iadm,
                    rounds,
                    rank: Reweighting::<()>::seed_rank(self.kernel_size, y.len()),
                    eps_floor: 1e-3,
                    precision: 1e-3 * lambda_star,
                    budget: Budget {
                        stage_iterations: (self.max_iterations / rounds).max(1),
                        ..budget
                    },
                };
                rw.solve(&sphere, &mut problem, &a0, &x0, observer)?
            }
        };
        let elapsed = start.elapsed();
        let lifted: Vec<f64> = res.a.iter().copied().collect();
        let (shift, kernel, scale) = max_energy_window(&lifted, self.kernel_size);
        let m = y.len();
        let activation = (0..m).map(|i| scale * res.x[(i + m - shift % m) % m]).collect();
        Ok(Deconvolved {
            kernel,
            activation,
            bias: problem.smooth.bias(),
            lifted_kernel: lifted,
            shift,
            lambda: problem.lambda,
            stop: res.stop,
            iterations: res.iterations,
            ffts: problem.smooth.ffts(),
            elapsed,
            history: res.history,
        })
    }
}

/// Eq. 3.5: a⁽⁰⁾ = P_S([0_{n₀−1}; y_i … y_{i+n₀−1}; 0_{n₀−1}]) for a random
/// window start i (from `seed`). With a fitted bias the window is taken from
/// y − b₀ (b₀ = mean y, the bias' own initial value, App. B.3): otherwise the
/// constant dominates the window. Windows that vanish are redrawn; a signal
/// whose every window vanishes has nothing to deconvolve.
pub fn initial_kernel(y: &[f64], n0: usize, offset: f64, seed: u64) -> Result<Vec<f64>> {
    let m = y.len();
    let n = 3 * n0 - 2;
    let mut rng = StdRng::seed_from_u64(seed);
    let starts = m.saturating_sub(n0) + 1;
    for attempt in 0..64 {
        let i = if attempt < 63 {
            rng.random_range(0..starts)
        } else {
            argmax_window(y, n0, offset)
        };
        let mut a = vec![0.0; n];
        for (k, v) in a[n0 - 1..2 * n0 - 1].iter_mut().enumerate() {
            *v = y[i + k] - offset;
        }
        let norm = a.iter().map(|t| t * t).sum::<f64>().sqrt();
        if norm > 0.0 && norm.is_finite() {
            a.iter_mut().for_each(|t| *t /= norm);
            return Ok(a);
        }
    }
    Err(SasdError::NoSignal)
}

/// The window start with the most energy (the last resort of the initialisation).
fn argmax_window(y: &[f64], n0: usize, offset: f64) -> usize {
    let energy = |i: usize| y[i..i + n0].iter().map(|t| (t - offset).powi(2)).sum::<f64>();
    (0..=y.len().saturating_sub(n0))
        .max_by(|&i, &j| energy(i).total_cmp(&energy(j)))
        .unwrap_or(0)
}

/// λ₀ = ‖ǎ⁽⁰⁾ ⋆ y‖∞ = max_ℓ |⟨s_ℓ[ι a⁽⁰⁾], y − b₀⟩| (seed 003 §4.2.2), the
/// smallest λ at which x = 0 solves the x-subproblem: homotopy starts sparse.
pub fn initial_lambda(y: &[f64], a0: &[f64], offset: f64) -> f64 {
    let m = y.len();
    (0..m)
        .map(|l| {
            a0.iter()
                .enumerate()
                .map(|(j, aj)| aj * (y[(l + j) % m] - offset))
                .sum::<f64>()
                .abs()
        })
        .fold(0.0, f64::max)
}

/// Shift correction by the maximal-energy window (seed 003, App. B.3): the
/// length-n₀ window of the lifted kernel with the largest ℓ² norm, returned
/// normalised with its start and norm (the activation is scaled by the norm
/// and shifted by the start so that the product is unchanged on the window).
pub fn max_energy_window(lifted: &[f64], n0: usize) -> (usize, Vec<f64>, f64) {
    let energy = |s: usize| lifted[s..s + n0].iter().map(|t| t * t).sum::<f64>();
    let s = (0..=lifted.len() - n0)
        .max_by(|&i, &j| energy(i).total_cmp(&energy(j)))
        .unwrap_or(0);
    let norm = energy(s).sqrt();
    let kernel = lifted[s..s + n0]
        .iter()
        .map(|t| if norm > 0.0 { t / norm } else { 0.0 })
        .collect();
    (s, kernel, norm)
}
