//! The practical SaSD / CDL pipeline of LQK+20 (Algorithm 1 of §4, with
//! the extensions of §4.3 and App. B.3, C.1.2, C.2):
//!
//! 1. lift the kernel to n = 3n₀ − 2 (per axis in 2-D) and initialise it on
//!    the sphere S^{n−1} — or, for N kernels, the oblique manifold OB(n, N)
//!    (eq. 4.6, App. C.1.2) — from a random window of y (eq. 3.5), one
//!    generalized power-method step (eq. B.10), or at random ([`Init`]);
//! 2. solve the Bilinear Lasso (eq. 3.1 / 4.6 / App. C.2) with ADM, iADM,
//!    iPALM, homotopy (Alg. 6, around ADM or iADM), reweighting (Alg. 7)
//!    or a homotopy followed by reweighting ([`Method`]), with optional bias
//!    and non-negativity (App. B.3); or, for one 1-D kernel, a smoothed SaSD
//!    objective by trust region or curvilinear search, or ZLK+19's
//!    two-stage algorithm ([`crate::second_order`], [`crate::two_stage`]);
//! 3. cut each lifted kernel back to n₀ by shift correction (App. B.3:
//!    maximal energy or Algorithm 8, [`ShiftCorrection`]) and shift its
//!    activation to match;
//! 4. optionally (1-D, one kernel), refine the kernel by support selection
//!    and least-squares refits ([`crate::refine`],
//!    [`Deconvolution::refine_support`]; not a step of the seeds).
//!
//! 1-D signals are slices; images are row-major slices with their
//! `(rows, cols)` ([`Dims`]). A 1-D kernel or signal used with a 2-D one is
//! the 1×n row it is. [`deconvolve_batch`] runs many signals in parallel.
//!
//! ```no_run
//! use sasd::pipeline::{Deconvolution, Method};
//! # let y = vec![0.0; 1000];
//! let out = Deconvolution::new(20).method(Method::HomotopyIadm).bias(true).run(&y)?;
//! println!("kernel {:?}, stop {:?}", out.kernel(), out.stop);
//! // Three kernels (CDL), and an 8×8 kernel of a 128×128 image:
//! let cdl = Deconvolution::new(20).kernels(3).run(&y)?;
//! # let image = vec![0.0; 128 * 128];
//! let blind = Deconvolution::new_2d(8, 8).run_2d(&image, 128, 128)?;
//! // ZLK+19's two-stage algorithm, and a noisy trace (default λ = 2σ̂):
//! let second = Deconvolution::new(20).method(Method::TwoStage).run(&y)?;
//! let noisy = Deconvolution::new(20).method(Method::HomotopyReweightedIadm).bias(true).run(&y)?;
//! # Ok::<(), sasd::SasdError>(())
//! ```

mod batch;
pub(crate) mod geometry;
mod history;
pub(crate) mod init;
mod lambda;
mod refined;
mod result;
mod scoring;
pub(crate) mod shift;
mod smooth;

use std::time::{Duration, Instant};

use manifold::Oblique;
use optim::{
    Blocks, Composite, Executor, Homotopy, HomotopyOptions, InertialAdm, KernelSet, ManifoldProblem,
    NoObserver, Regularizer, Reweighting, ReweightingOptions, Solution, Solver, StopCriterion, StopReason,
    TwoBlockSmooth,
};

use crate::conv::{Plan1d, Plan2d};
use crate::error::{Result, SasdError, check_finite, check_lambda};
use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};
use crate::objective::lasso_penalty;
use crate::refine::SupportRefinement;
use crate::second_order::SmoothObjective;
use crate::synth::Shape;

pub use batch::{deconvolve_batch, deconvolve_batch_2d};
pub use geometry::Dims;
pub use history::{FFTS, KERNEL_ERROR, RunObserver};
pub use init::{Init, initial_kernel, initial_lambda};
pub use lambda::noise_level;
pub use result::{Certificate, Deconvolved};
pub use scoring::{align_activation, aligned_spike_scores};
pub use shift::{ShiftCorrection, max_energy_window};

use geometry::{Grid, GridPlan, at, shift_scaled, user_offset};
use history::{Historian, Truth};

/// The solver: first-order methods on the Bilinear Lasso (LQK+20), or
/// second-order methods on a smoothed SaSD objective (ZLK+19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// ADM (LQK+20, Alg. 2) at a fixed λ.
    Adm,
    /// iADM (Alg. 5, β = 0.9) at a fixed λ.
    Iadm,
    /// iPALM with the kernel on the unit ball (the §5.3 baseline) at a fixed λ.
    Ipalm,
    /// Homotopy continuation (Alg. 6) around ADM.
    HomotopyAdm,
    /// Homotopy continuation around iADM: Algorithm 1 of §4, the default.
    HomotopyIadm,
    /// Reweighted ℓ¹ (Alg. 7) around iADM at a fixed λ, for noisy data
    /// (default λ = max(0.1/√n, 2σ̂), σ̂ the [`noise_level`] of y).
    ReweightedIadm,
    /// Homotopy around iADM (Alg. 6) down to λ, then the reweighting rounds
    /// of Alg. 7 from its solution: the homotopy brings the kernel into the
    /// basin of the truth at a sparse activation, the rounds then remove the
    /// ℓ¹ shrinkage. Not an algorithm of LQK+20 but its two parts in
    /// sequence; on the §6.1.1 calcium trace it recovers the seeds where a
    /// reweighting from the window falls into a basin that loses the
    /// kernel's slow tail (10 of 10 against 8 of 10, `tests/calcium.rs`).
    HomotopyReweightedIadm,
    /// Riemannian trust region on a smoothed objective
    /// ([`smooth_objective`](Deconvolution::smooth_objective), default the
    /// Huber-smoothed Bilinear Lasso of ZLK+19 eq. 22) at a fixed λ
    /// ([`crate::second_order`]). 1-D, one kernel, no bias, no x ≥ 0.
    TrustRegion,
    /// Curvilinear search with negative curvature on the same objective
    /// ([`crate::second_order`]). Same restrictions.
    Curvilinear,
    /// The two-stage algorithm of ZLK+19 (Algorithm 1): trust region on
    /// S^{n₀−1}, zero-pad lift, continuation in λ down to λ_min
    /// ([`crate::two_stage`]). Same restrictions.
    TwoStage,
}

impl Method {
    /// Whether the method runs a second-order solver on a smoothed objective
    /// (trust region, curvilinear search, two-stage).
    pub fn is_second_order(self) -> bool {
        matches!(self, Method::TrustRegion | Method::Curvilinear | Method::TwoStage)
    }
}

/// The builder of a deconvolution run: one kernel or N (CDL), 1-D or 2-D.
#[derive(Debug, Clone)]
pub struct Deconvolution {
    kernel: Dims,
    kernels: usize,
    method: Method,
    lambda: Option<f64>,
    lambda0: Option<f64>,
    eta: Option<f64>,
    delta: f64,
    bias: bool,
    nonnegative: bool,
    seed: u64,
    max_iterations: Option<usize>,
    step_tolerance: f64,
    time_budget: Option<Duration>,
    rounds: usize,
    init: Init,
    shift_correction: ShiftCorrection,
    truth: Option<Vec<Vec<f64>>>,
    truth_every: usize,
    recenter: bool,
    smooth_objective: SmoothObjective,
    refine: Option<SupportRefinement>,
}

/// Name of the record extra (1.0) that marks the iterations of the
/// re-centring polish (see [`Deconvolution::recenter`]).
pub const RECENTRED: &str = "recentred";

impl Deconvolution {
    /// A 1-D run for kernels of length `kernel_size` (n₀ ≥ 1) with the
    /// defaults of LQK+20 §4: one kernel, homotopy-iADM, λ₀ = ‖ǎ⁽⁰⁾ ⋆ y‖∞,
    /// λ* = 0.1/√n, η = 0.9, δ = 0.1, the window initialisation (3.5),
    /// maximal-energy shift correction, no bias, no non-negativity, seed 0.
    pub fn new(kernel_size: usize) -> Self {
        Self::with_kernel(Dims::D1(kernel_size))
    }

    /// A 2-D run (LQK+20 App. C.2) for kernels of `rows × cols` (n₁ × n₂),
    /// lifted to (3n₁ − 2) × (3n₂ − 2) on the Frobenius sphere; run it with
    /// [`run_2d`](Self::run_2d). Defaults as [`new`](Self::new), with
    /// n = (3n₁ − 2)(3n₂ − 2) in λ* = 0.1/√n.
    pub fn new_2d(rows: usize, cols: usize) -> Self {
        Self::with_kernel(Dims::D2 { rows, cols })
    }

    fn with_kernel(kernel: Dims) -> Self {
        Self {
            kernel,
            kernels: 1,
            method: Method::HomotopyIadm,
            lambda: None,
            lambda0: None,
            eta: None,
            delta: 0.1,
            bias: false,
            nonnegative: false,
            seed: 0,
            max_iterations: None,
            step_tolerance: 1e-10,
            time_budget: None,
            rounds: 4,
            init: Init::Window,
            shift_correction: ShiftCorrection::MaxEnergy,
            truth: None,
            truth_every: 5,
            recenter: true,
            smooth_objective: SmoothObjective::default(),
            refine: None,
        }
    }

    /// Number of kernels N (convolutional dictionary learning, LQK+20
    /// eq. 4.6 and App. C.1.2: the kernels live on the oblique manifold
    /// OB(n, N), each from its own random window). N = 0 makes the run fail
    /// with [`SasdError::ZeroDimension`].
    pub fn kernels(mut self, count: usize) -> Self {
        self.kernels = count;
        self
    }

    /// The solver.
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// λ of a fixed-λ method, λ* of a homotopy, λ_min of the two-stage
    /// algorithm. Defaults: 0.1/√n (LQK+20 §4.2.2, noiseless data);
    /// max(0.1/√n, 2σ̂) for the reweighted methods, σ̂ the [`noise_level`] of
    /// y (λ ≪ σ fits the noise: on the §6.1.1 calcium trace 0.1/√n gave
    /// kernel error 0.15–0.44); 0.1 for the fixed-λ trust region and
    /// curvilinear search ([`crate::second_order::DEFAULT_LAMBDA`]).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// λ₀ of a homotopy (default ‖ǎ⁽⁰⁾ ⋆ y‖∞, the largest over kernels), or
    /// of the two-stage algorithm's stage I (default
    /// [`two_stage::DEFAULT_LAMBDA0`](crate::two_stage::DEFAULT_LAMBDA0)).
    pub fn lambda0(mut self, lambda0: f64) -> Self {
        self.lambda0 = Some(lambda0);
        self
    }

    /// Decay η ∈ (0, 1) of the homotopy's λ (Alg. 6; default 0.9, LQK+20
    /// §4.2.2). For the two-stage algorithm, λ_{t+1} = ηλ_t, i.e. its
    /// β = 1/η (default η = 1/[`DEFAULT_BETA`](crate::two_stage::DEFAULT_BETA) = 0.5).
    ///
    /// A faster decay loses nothing on the §5.2 random-kernel instances:
    /// with η = 0.3 homotopy-ADM and homotopy-iADM reached kernel error
    /// 1e-5 on seeds 1–20 in 35–120 and 75–240 iterations (against 320–1070
    /// and 630–2940 at η = 0.9) and ended at the same 1e-7–5e-7
    /// (`examples/time_to_accuracy.rs`). Also measured at η = 0.3, same
    /// errors in fewer iterations: CDL (N = 3, n₀ = 50, seeds 1–3) 200–461
    /// against 915–1495; 2-D 8×8 random 202 against 699, Gaussian 5869
    /// against 12 335; calcium (homotopy + reweighting, seeds 1–3) kernel
    /// error 2.2e-3–2.9e-3 against 3.3e-3–4.2e-3, F1 0.93–0.95 either way.
    /// The default stays the paper's.
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = Some(eta);
        self
    }

    /// Precision factor δ ∈ (0, 1) of the homotopy's stages (Alg. 6;
    /// default 0.1).
    pub fn delta(mut self, delta: f64) -> Self {
        self.delta = delta;
        self
    }

    /// Fit a constant bias b (App. B.3).
    pub fn bias(mut self, on: bool) -> Self {
        self.bias = on;
        self
    }

    /// Constrain the activations to x ≥ 0 (App. B.3, eq. B.11).
    pub fn nonnegative(mut self, on: bool) -> Self {
        self.nonnegative = on;
        self
    }

    /// Seed of the random windows (or random point) of the initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Iterations at most: over all stages for the first-order methods
    /// (default 20 000); per solve for the second-order ones (default
    /// [`SecondOrderSolver::default_max_iterations`](crate::second_order::SecondOrderSolver::default_max_iterations)).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = Some(n);
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

    /// Rounds of the reweighting (default 4), each with an equal share of
    /// the iterations.
    pub fn rounds(mut self, rounds: usize) -> Self {
        self.rounds = rounds;
        self
    }

    /// The initialisation (default [`Init::Window`], eq. 3.5).
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// The shift correction (default [`ShiftCorrection::MaxEnergy`]).
    pub fn shift_correction(mut self, correction: ShiftCorrection) -> Self {
        self.shift_correction = correction;
        self
    }

    /// A ground-truth kernel (of the kernel's shape, row-major in 2-D): the
    /// history then carries its kernel error and the result its
    /// [`truth_errors`](Deconvolved::truth_errors). Same as
    /// [`truth_kernels`](Self::truth_kernels) with one kernel.
    pub fn truth_kernel(self, kernel: Vec<f64>) -> Self {
        self.truth_kernels(vec![kernel])
    }

    /// Ground-truth kernels of a CDL run (one per kernel, any order: errors
    /// are taken after the best matching, metrics::cdl_kernel_errors).
    pub fn truth_kernels(mut self, kernels: Vec<Vec<f64>>) -> Self {
        self.truth = Some(kernels);
        self
    }

    /// The history's kernel error is computed on iteration 1 and every
    /// `k`-th iteration (default 5, the marker spacing of LQK+20 Fig. 15;
    /// a shift search costs about a tenth of a 1-D iteration). 0 counts as 1.
    pub fn truth_every(mut self, k: usize) -> Self {
        self.truth_every = k.max(1);
        self
    }

    /// Re-centre and polish (default on; homotopy methods only — the
    /// fixed-λ methods keep the reference behaviour of LQK+20 §5).
    /// The lifted domain n = 3n₀ − 2 holds every shift of the kernel whole,
    /// but a solve may still end at a shift pressed against its edge, with
    /// the taps beyond it cut off: a shift-truncation minimum (LQK+20 §3).
    /// When a kernel's maximal-energy window touches the edge of the lifted
    /// kernel (along an axis where it can move), the run moves that kernel
    /// so that the window sits in the middle (entries pushed past the edge
    /// dropped, then renormalised), moves its activation the opposite way so
    /// the product is unchanged, and resumes the inner solver (iADM or ADM)
    /// at λ* until the homotopy's final precision δ·λ* (or the step
    /// tolerance), within what is left of the iteration and time budgets.
    /// Its records carry the extra [`RECENTRED`]. Kernels away from the edge
    /// are left alone, and so are runs where none touches it. Not part of
    /// LQK+20's Algorithm 1: it rescues §5.2 runs that end one tap short
    /// (measured on seed 2: kernel error 5.7e-3 → 2.5e-7).
    pub fn recenter(mut self, on: bool) -> Self {
        self.recenter = on;
        self
    }

    /// The smooth objective of [`Method::TrustRegion`] and
    /// [`Method::Curvilinear`] (default the Huber-smoothed Bilinear Lasso,
    /// ZLK+19 eq. 22; or the smoothed ABL of Zha19). The two-stage
    /// algorithm always uses the Huber-smoothed Bilinear Lasso, with μ = λ/10.
    pub fn smooth_objective(mut self, objective: SmoothObjective) -> Self {
        self.smooth_objective = objective;
        self
    }

    /// After the run, refine the kernel by support selection and
    /// least-squares refits ([`crate::refine`]; off by default, not part of
    /// the seeds' methods). For smooth, coherent kernels, where the Bilinear
    /// Lasso's minimiser itself is biased: on LQK+20 §5.2's Gaussian
    /// g_{100,0.5} it takes homotopy-iADM from kernel error 8e-3–5e-2 to
    /// the figures of `tests/coherent_gaussian.rs`. 1-D, one kernel
    /// ([`SasdError::Unsupported`] otherwise); a run with
    /// [`nonnegative`](Self::nonnegative) refines under x ≥ 0 too. The result's
    /// [`refinement`](Deconvolved::refinement) says what it did, and its
    /// `lifted_kernels`, `history` and `elapsed` stay those of the solve.
    pub fn refine_support(mut self, options: SupportRefinement) -> Self {
        self.refine = Some(options);
        self
    }

    /// The iteration budget of a first-order run.
    fn iteration_budget(&self) -> usize {
        self.max_iterations.unwrap_or(20_000)
    }

    /// Deconvolves the 1-D signal y (cyclic model, length m > 3n₀ − 2).
    pub fn run(&self, y: &[f64]) -> Result<Deconvolved> {
        self.run_observed(y, &mut NoObserver)
    }

    /// As [`run`](Self::run), with an observer that sees every iteration's
    /// record (with the [`FFTS`] and [`KERNEL_ERROR`] extras) and may stop
    /// the run.
    pub fn run_observed<O: RunObserver>(&self, y: &[f64], observer: &mut O) -> Result<Deconvolved> {
        self.run_dims(y, Dims::D1(y.len()), observer)
    }

    /// Deconvolves an image (row-major, `rows × cols`, cyclic 2-D model,
    /// LQK+20 App. C.2).
    pub fn run_2d(&self, image: &[f64], rows: usize, cols: usize) -> Result<Deconvolved> {
        self.run_2d_observed(image, rows, cols, &mut NoObserver)
    }

    /// As [`run_2d`](Self::run_2d), with an observer.
    pub fn run_2d_observed<O: RunObserver>(
        &self,
        image: &[f64],
        rows: usize,
        cols: usize,
        observer: &mut O,
    ) -> Result<Deconvolved> {
        self.run_dims(image, Dims::D2 { rows, cols }, observer)
    }

    /// Validates, then runs in the geometry of the signal.
    fn run_dims<O: RunObserver>(&self, y: &[f64], signal: Dims, observer: &mut O) -> Result<Deconvolved> {
        if self.kernels == 0 {
            return Err(SasdError::ZeroDimension {
                what: "number of kernels",
            });
        }
        if self.kernel.is_empty() {
            return Err(SasdError::ZeroDimension { what: "kernel size" });
        }
        if y.is_empty() {
            return Err(SasdError::EmptySignal);
        }
        // A 1-D kernel or signal next to a 2-D one is a 1×n row.
        let row = |d: Dims| match d {
            Dims::D1(n) => Dims::D2 { rows: 1, cols: n },
            d => d,
        };
        let (kernel, signal) = if self.kernel.is_2d() || signal.is_2d() {
            (row(self.kernel), row(signal))
        } else {
            (self.kernel, signal)
        };
        if let Dims::D2 { rows, cols } = signal {
            if rows.checked_mul(cols) != Some(y.len()) {
                return Err(SasdError::ShapeMismatch {
                    what: "image",
                    rows,
                    cols,
                    len: y.len(),
                });
            }
            if let Dims::D2 { rows: lr, cols: lc } = kernel.lifted()
                && let Some((axis, (k, s))) = [(lr, rows), (lc, cols)]
                    .into_iter()
                    .enumerate()
                    .find(|(_, (k, s))| k > s)
            {
                return Err(SasdError::KernelTooLong {
                    kernel: k,
                    signal: s,
                    axis,
                });
            }
        }
        check_finite("observation", y)?;
        if let Some(truth) = &self.truth {
            check_truth(truth, self.kernels, kernel.len())?;
        }
        if self.refine.is_some() {
            let unsupported = |feature| {
                Err(SasdError::Unsupported {
                    method: "the support refinement",
                    feature,
                })
            };
            if signal.is_2d() {
                return unsupported("images or 2-D kernels");
            }
            if self.kernels != 1 {
                return unsupported("several kernels");
            }
        }
        let out = if self.method.is_second_order() {
            smooth::run(self, y, signal, observer)?
        } else {
            match signal {
                Dims::D1(_) => self.solve::<Plan1d, O>(y, kernel, signal, observer)?,
                Dims::D2 { .. } => self.solve::<Plan2d, O>(y, kernel, signal, observer)?,
            }
        };
        match &self.refine {
            Some(options) => {
                let options = SupportRefinement {
                    nonnegative: options.nonnegative || self.nonnegative,
                    ..options.clone()
                };
                refined::refine(y, out, &options, self.truth.as_deref())
            }
            None => Ok(out),
        }
    }

    /// Alg. 6 around `inner` from λ₀ (given, or `auto_lambda0`) down to λ*,
    /// each stage at most `stage_iterations`.
    fn homotopy<S>(
        &self,
        inner: S,
        auto_lambda0: f64,
        lambda_star: f64,
        stage_iterations: usize,
    ) -> Result<Homotopy<S>> {
        let lambda0 = match self.lambda0 {
            Some(l) => check_lambda(l)?,
            None => auto_lambda0,
        }
        .max(lambda_star);
        let options = HomotopyOptions {
            eta: self.eta.unwrap_or(0.9),
            delta: self.delta,
            // ε* = δ·λ*: tighter final precision buys no accuracy on the §5.2
            // instance (kernel error 2–4e-7 either way) and ends in line-search
            // failures at rounding level.
            eps_star: Some(self.delta * lambda_star),
            stage_iterations: stage_iterations.max(1),
            ..HomotopyOptions::new(lambda0, lambda_star)
        };
        Ok(Homotopy::new(inner, options)?)
    }

    /// Alg. 7 around `inner` at λ*, every round with its share of the
    /// `total` iterations (with the whole budget the first, unweighted, round
    /// used it all); `n` and `m` count the entries of all kernels and all
    /// activations.
    fn reweighting<S>(
        &self,
        inner: S,
        n: usize,
        m: usize,
        lambda_star: f64,
        total: usize,
    ) -> Result<Reweighting<S>> {
        let rounds = self.rounds.max(1);
        let options = ReweightingOptions {
            rounds,
            rank: Reweighting::<()>::seed_rank(n, m),
            eps_floor: 1e-3,
            precision: 1e-3 * lambda_star,
            stage_iterations: (total / rounds).max(1),
        };
        Ok(Reweighting::new(inner, options)?)
    }

    /// Initialise, solve, shift-correct (LQK+20 Alg. 1 and App. B.3).
    fn solve<P: GridPlan, O: RunObserver>(
        &self,
        y: &[f64],
        kernel: Dims,
        signal: Dims,
        observer: &mut O,
    ) -> Result<Deconvolved> {
        let (grid, kgrid) = (signal.grid(), kernel.grid());
        let lgrid: Grid = init::lift(kgrid);
        let (m, n, count) = (y.len(), lgrid.0 * lgrid.1, self.kernels);
        let objective = P::objective(y, grid, lgrid, count)?;
        let objective = if self.bias {
            objective.with_bias()
        } else {
            objective
        };
        let offset = objective.bias().unwrap_or(0.0);
        let a0 = init::initial_kernels(y, grid, kgrid, offset, self.seed, count, self.init)?;
        let max_iterations = self.iteration_budget();
        let lambda_star = check_lambda(
            self.lambda
                .unwrap_or_else(|| lambda::default_lambda(self.method, n, y, grid)),
        )?;
        let penalty = lasso_penalty(count * m, None, self.nonnegative)?;
        let mut problem = Composite {
            smooth: objective,
            penalty,
            lambda: lambda_star,
        };
        let manifold = Oblique::of_matrices(lgrid.0, lgrid.1, count).map_err(optim::OptimError::from)?;
        let x0 = vec![0.0; count * m];
        let truth_shape = Shape::d2(kgrid.0, kgrid.1);
        let mut historian = Historian {
            user: observer,
            truth: self.truth.as_deref().map(|kernels| Truth {
                kernels,
                shape: truth_shape,
                lifted: Shape::d2(lgrid.0, lgrid.1),
            }),
            every: self.truth_every,
            start: Instant::now(),
            history: Vec::new(),
            offset: 0,
            ffts_offset: 0,
            tags: Vec::new(),
        };
        let iadm = InertialAdm::for_manifold(&manifold);
        let exp = manifold::Exponential;
        let start = Instant::now();
        // λ₀ = ‖ǎ⁽⁰⁾ ⋆ (y − b₀)‖∞ (§4.2.2; for N kernels the largest of the
        // N correlations, eq. 4.6) is ‖∇_x ψ(a⁽⁰⁾, 0)‖∞: the smallest λ at
        // which x = 0 solves the x-subproblem, so the homotopy starts
        // sparse. Taken from the objective's own FFTs (two transforms, not
        // counted: the counter is reset below) rather than by direct sums.
        let auto_lambda0 = {
            let f = &mut problem.smooth;
            f.fix_a(&a0);
            let mut g = vec![0.0_f64; count * m];
            f.grad_x(&x0, &mut g);
            g.iter().fold(0.0_f64, |acc, t| acc.max(t.abs()))
        };
        problem.smooth.reset_ffts();
        // The whole run's limits: the iteration budget and the time budget.
        let limits = |iterations: usize, since: Instant| {
            let stop = StopCriterion::MaxIterations(iterations);
            match self.time_budget {
                Some(t) => stop | StopCriterion::TimeBudget(t.saturating_sub(since.elapsed())),
                None => stop,
            }
        };
        let single = limits(max_iterations, start) | StopCriterion::StepNorm(self.step_tolerance);
        let blocks = |a: &[f64], x: &[f64]| Blocks {
            a: a.to_vec(),
            x: x.to_vec(),
        };
        let res: Solution<Blocks> = match self.method {
            Method::Adm => solve_from(
                &manifold,
                blocks(&a0, &x0),
                InertialAdm::adm(exp),
                &mut problem,
                single,
                &mut historian,
            )?,
            Method::Iadm => solve_from(
                &manifold,
                blocks(&a0, &x0),
                iadm,
                &mut problem,
                single,
                &mut historian,
            )?,
            Method::Ipalm => solve_from(
                &manifold,
                blocks(&a0, &x0),
                InertialAdm::ipalm(exp, KernelSet::Ball),
                &mut problem,
                single,
                &mut historian,
            )?,
            Method::HomotopyAdm | Method::HomotopyIadm => {
                let inner = match self.method {
                    Method::HomotopyAdm => InertialAdm::adm(exp),
                    _ => iadm,
                };
                let homotopy = self.homotopy(inner, auto_lambda0, lambda_star, max_iterations)?;
                solve_from(
                    &manifold,
                    blocks(&a0, &x0),
                    homotopy,
                    &mut problem,
                    limits(max_iterations, start),
                    &mut historian,
                )?
            }
            Method::ReweightedIadm => {
                let rw =
                    self.reweighting(iadm, kernel.len() * count, m * count, lambda_star, max_iterations)?;
                solve_from(
                    &manifold,
                    blocks(&a0, &x0),
                    rw,
                    &mut problem,
                    limits(max_iterations, start),
                    &mut historian,
                )?
            }
            Method::HomotopyReweightedIadm => {
                // Half of the budget for the homotopy, at most a round's
                // share per stage (one slow stage must not take it all), and
                // the rest for the rounds.
                let half = (max_iterations / 2).max(1);
                let per_stage = (max_iterations / (2 * self.rounds.max(1))).max(1);
                let homotopy = self.homotopy(iadm, auto_lambda0, lambda_star, per_stage)?;
                let warm = solve_from(
                    &manifold,
                    blocks(&a0, &x0),
                    homotopy,
                    &mut problem,
                    limits(half, start),
                    &mut historian,
                )?;
                if matches!(warm.stop, StopReason::Observer | StopReason::TimeBudget) {
                    warm
                } else {
                    let left = max_iterations.saturating_sub(warm.iterations).max(1);
                    let inner = InertialAdm::for_manifold(&manifold);
                    let rw = self.reweighting(inner, kernel.len() * count, m * count, lambda_star, left)?;
                    historian.after(warm.iterations, warm.counts.work);
                    // A homotopy cut short by its budget ends above λ*.
                    problem.lambda = lambda_star;
                    let rounds = solve_from(
                        &manifold,
                        warm.iterate.clone(),
                        rw,
                        &mut problem,
                        limits(left, start),
                        &mut historian,
                    )?;
                    Solution {
                        iterations: warm.iterations + rounds.iterations,
                        ..rounds
                    }
                }
            }
            Method::TrustRegion | Method::Curvilinear | Method::TwoStage => {
                unreachable!("second-order methods are dispatched before the solve")
            }
        };
        let mut res = res;
        let polishes = matches!(self.method, Method::HomotopyAdm | Method::HomotopyIadm);
        let left = max_iterations.saturating_sub(res.iterations);
        if self.recenter
            && polishes
            && left > 0
            && let Some((a1, x1)) = recentre(&res.iterate.a, &res.iterate.x, grid, lgrid, kgrid)
        {
            // LQK+20 Alg. 1 ends here; the polish is this pipeline's own
            // safeguard (see `recenter`).
            let stop = limits(left, start)
                | StopCriterion::StepNorm(self.step_tolerance)
                | StopCriterion::GradientNorm(self.delta * lambda_star);
            let inner = match self.method {
                Method::HomotopyAdm => InertialAdm::adm(exp),
                _ => InertialAdm::for_manifold(&manifold),
            };
            historian.after(res.iterations, problem.smooth.ffts());
            historian.tags = vec![("lambda", problem.lambda), (RECENTRED, 1.0)];
            let polish = solve_from(
                &manifold,
                blocks(&a1, &x1),
                inner,
                &mut problem,
                stop,
                &mut historian,
            )?;
            res = Solution {
                iterations: res.iterations + polish.iterations,
                stop: match polish.stop {
                    StopReason::GradientNorm | StopReason::StepNorm | StopReason::MaxIterations => res.stop,
                    other => other,
                },
                ..polish
            };
        }
        let elapsed = start.elapsed();
        let history = std::mem::take(&mut historian.history);
        let bias = problem.smooth.bias();
        let lifted = res.iterate.a.as_slice();
        let x = res.iterate.x.as_slice();
        let starts: Vec<Grid> = match self.shift_correction {
            ShiftCorrection::MaxEnergy => lifted
                .chunks_exact(n)
                .map(|a| shift::max_energy_start(a, lgrid, kgrid))
                .collect(),
            ShiftCorrection::ReconstructionError => {
                shift::reconstruction_starts::<P>(y, grid, bias.unwrap_or(0.0), lifted, lgrid, x, kgrid)?
            }
        };
        let (mut kernels, mut activations) = (Vec::with_capacity(count), Vec::with_capacity(count));
        for (k, &s) in starts.iter().enumerate() {
            let (kernel_k, norm) = shift::normalised_window(&lifted[k * n..(k + 1) * n], lgrid, s, kgrid);
            kernels.push(kernel_k);
            activations.push(shift_scaled(&x[k * m..(k + 1) * m], grid, s, norm));
        }
        let truth_errors = self.truth.as_ref().and_then(|truth| {
            let shape = truth_shape;
            if let ([t], [k]) = (truth.as_slice(), kernels.as_slice()) {
                kernel_error_2d(t, shape, k, shape).ok().map(|e| vec![e])
            } else {
                cdl_kernel_errors_2d(truth, shape, &kernels, shape)
                    .ok()
                    .map(|c| c.errors)
            }
        });
        Ok(Deconvolved {
            kernels,
            activations,
            kernel_dims: kernel,
            signal_dims: signal,
            bias,
            lifted_kernels: lifted.chunks_exact(n).map(<[f64]>::to_vec).collect(),
            lifted_dims: kernel.like(lgrid),
            shifts: starts.iter().map(|&s| user_offset(signal, s)).collect(),
            lambda: problem.lambda,
            stop: res.stop,
            iterations: res.iterations,
            ffts: problem.smooth.ffts(),
            elapsed,
            history,
            truth_errors,
            certificate: None,
            refinement: None,
        })
    }
}

/// One solve of the pipeline from `start`, through the executor, its
/// records stamped by the historian.
fn solve_from<S, T, G, O>(
    manifold: &Oblique,
    start: Blocks,
    solver: S,
    problem: &mut Composite<T, G>,
    stop: StopCriterion,
    historian: &mut Historian<'_, O>,
) -> Result<Solution<Blocks>>
where
    S: for<'a> Solver<ManifoldProblem<'a, Oblique, Composite<T, G>>, Iterate = Blocks>,
    T: TwoBlockSmooth,
    G: Regularizer,
    O: RunObserver,
{
    Ok(Executor::new(solver, ManifoldProblem::new(manifold, problem))
        .stop(stop)
        .keep_history(false)
        .observe(historian)
        .run(start)?)
}

/// Ground truths: one per kernel, each of the kernel's size, finite, not zero.
fn check_truth(truth: &[Vec<f64>], count: usize, len: usize) -> Result<()> {
    if truth.len() != count {
        return Err(SasdError::LengthMismatch {
            what: "list of truth kernels",
            expected: count,
            found: truth.len(),
        });
    }
    for t in truth {
        crate::error::check_len("truth kernel", t, len)?;
        check_finite("truth kernel", t)?;
        if t.iter().all(|v| *v == 0.0) {
            return Err(SasdError::InvalidParameter {
                name: "truth kernel norm",
                value: 0.0,
                min: f64::MIN_POSITIVE,
            });
        }
    }
    Ok(())
}

/// The point moved by the re-centring of [`Deconvolution::recenter`]:
/// every kernel block whose maximal-energy window touches the edge of the
/// lifted grid (along an axis longer than the kernel) is shifted, without
/// wrap-around, so that the window starts at n − 1 (the middle), and
/// renormalised; its activation is shifted back and scaled to keep the
/// product. `None` when no block touches the edge.
fn recentre(a: &[f64], x: &[f64], grid: Grid, lgrid: Grid, kgrid: Grid) -> Option<(Vec<f64>, Vec<f64>)> {
    let ((lr, lc), (kr, kc), (r, c)) = (lgrid, kgrid, grid);
    let n = lr * lc;
    let m = r * c;
    let touches = |s: usize, l: usize, k: usize| l > k && (s == 0 || s == l - k);
    let (mut a1, mut x1) = (a.to_vec(), x.to_vec());
    let mut moved = false;
    for (k, block) in a.chunks_exact(n).enumerate() {
        let (sr, sc) = shift::max_energy_start(block, lgrid, kgrid);
        if !(touches(sr, lr, kr) || touches(sc, lc, kc)) {
            continue;
        }
        // New index = old + (target − start) per axis.
        let (dr, dc) = ((kr - 1) as isize - sr as isize, (kc - 1) as isize - sc as isize);
        let out = &mut a1[k * n..(k + 1) * n];
        out.iter_mut().for_each(|t| *t = 0.0);
        for j in 0..lc {
            for i in 0..lr {
                let (ti, tj) = (i as isize + dr, j as isize + dc);
                if (0..lr as isize).contains(&ti) && (0..lc as isize).contains(&tj) {
                    out[at(lr, ti as usize, tj as usize)] = block[at(lr, i, j)];
                }
            }
        }
        let norm = out.iter().map(|t| t * t).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        out.iter_mut().for_each(|t| *t /= norm);
        // x₁ = norm · s_{−d}[x]: shift_scaled moves forward by (−d mod m).
        let back = (
            dr.rem_euclid(r as isize) as usize,
            dc.rem_euclid(c as isize) as usize,
        );
        let back = ((r - back.0) % r, (c - back.1) % c);
        x1[k * m..(k + 1) * m].copy_from_slice(&shift_scaled(&x[k * m..(k + 1) * m], grid, back, norm));
        moved = true;
    }
    moved.then_some((a1, x1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cyclic convolution of a (zero-padded) with x, length m.
    fn conv(a: &[f64], x: &[f64]) -> Vec<f64> {
        let m = x.len();
        (0..m)
            .map(|i| a.iter().enumerate().map(|(j, aj)| aj * x[(i + m - j) % m]).sum())
            .collect()
    }

    #[test]
    fn recentring_moves_an_edge_kernel_to_the_middle_and_keeps_the_product() {
        // n₀ = 4, lifted n = 10; the kernel sits at the right edge (start 6).
        let mut a = vec![0.0; 10];
        a[6..].copy_from_slice(&[0.5, -0.5, 0.5, 0.5]);
        let x: Vec<f64> = (0..30)
            .map(|i| if i % 7 == 2 { 1.0 + i as f64 } else { 0.0 })
            .collect();
        let (a1, x1) = recentre(&a, &x, (30, 1), (10, 1), (4, 1)).expect("touches the edge");
        assert_eq!(a1[3..7], [0.5, -0.5, 0.5, 0.5]);
        assert!(a1[..3].iter().chain(&a1[7..]).all(|t| *t == 0.0));
        let (before, after) = (conv(&a, &x), conv(&a1, &x1));
        assert!(before.iter().zip(&after).all(|(u, v)| (u - v).abs() < 1e-12));
        // A kernel in the middle is left alone.
        assert!(recentre(&a1, &x1, (30, 1), (10, 1), (4, 1)).is_none());
    }
}
