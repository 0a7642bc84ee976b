//! The practical SaSD / CDL pipeline of LQK+20 (Algorithm 1 of §4, with
//! the extensions of §4.3 and App. B.3, C.1.2, C.2), split by job:
//!
//! 1. check the spec against the data ([`Deconvolution`], `run.rs`);
//! 2. lift the kernel to n = 3n₀ − 2 (per axis in 2-D) and initialise it on
//!    the sphere S^{n−1} — or, for N kernels, the oblique manifold OB(n, N)
//!    (eq. 4.6, App. C.1.2) — from a random window of y (eq. 3.5), one
//!    generalized power-method step (eq. B.10), or at random ([`Init`]);
//! 3. solve by the [`MethodSpec`]: the Bilinear Lasso (eq. 3.1 / 4.6 /
//!    App. C.2) with ADM, iADM, iPALM, homotopy (Alg. 6), reweighting
//!    (Alg. 7) or both, with optional bias and non-negativity (App. B.3)
//!    (`lasso.rs`, `polish.rs`); or, for one 1-D kernel, a smoothed SaSD
//!    objective by trust region or curvilinear search, or ZLK+19's
//!    two-stage algorithm (`smooth.rs`, [`crate::second_order`],
//!    [`crate::two_stage`]);
//! 4. cut each lifted kernel back to n₀ by shift correction (App. B.3:
//!    maximal energy or Algorithm 8, [`ShiftCorrection`]) and shift its
//!    activation to match (`finish.rs`);
//! 5. optionally (1-D, one kernel), refine the kernel by support selection
//!    and least-squares refits ([`crate::refine`],
//!    [`Deconvolution::refine_support`]; not a step of the seeds).
//!
//! 1-D signals are slices; images are row-major slices with their
//! `(rows, cols)` ([`Shape`]). [`deconvolve_batch`] runs many signals in
//! parallel.
//!
//! ```no_run
//! use sasd::pipeline::{Deconvolution, HomotopySpec, MethodSpec};
//! # let y = vec![0.0; 1000];
//! let out = Deconvolution::new(20).bias(true).run(&y)?;
//! println!("kernel {:?}, stop {:?}", out.kernel(), out.stop);
//! // Three kernels (CDL), and an 8×8 kernel of a 128×128 image:
//! let cdl = Deconvolution::new(20).kernels(3).run(&y)?;
//! # let image = vec![0.0; 128 * 128];
//! let blind = Deconvolution::new_2d(8, 8).run_2d(&image, 128, 128)?;
//! // A faster homotopy, ZLK+19's two-stage algorithm, and a noisy trace
//! // (default λ = 2σ̂):
//! let fast = MethodSpec::Homotopy(HomotopySpec::default().fixed_eta(0.3));
//! let quick = Deconvolution::new(20).method(fast).run(&y)?;
//! let second = Deconvolution::new(20).method(MethodSpec::two_stage()).run(&y)?;
//! let noisy = Deconvolution::new(20).method(MethodSpec::homotopy_reweighted_iadm()).bias(true).run(&y)?;
//! # Ok::<(), sasd::SasdError>(())
//! ```

mod autosize;
mod batch;
mod finish;
mod lambda;
mod lasso;
mod method;
mod plan;
mod polish;
mod refined;
mod result;
mod run;
mod scoring;
mod shift;
mod smooth;

use std::time::Duration;

use optim::NoObserver;

use crate::conv::Boundary;
use crate::refine::SupportRefinement;

pub use crate::geometry::{Shape, max_energy_window};
pub use crate::init::{Init, initial_kernel, initial_lambda};
pub use crate::trace::{FFTS, KERNEL_ERROR, RunObserver};
pub use autosize::{EXTENT_ENERGY, FIRST_SIZE, SizeProbe, energy_extent};
pub use batch::{deconvolve_batch, deconvolve_batch_2d, deconvolve_batch_streamed};
pub use lambda::noise_level;
pub use method::{FirstOrder, FixedSpec, HomotopySpec, MethodSpec, ReweightedSpec};
pub use optim::AdaptiveDecay;
pub use result::{Certificate, Deconvolved, KernelWarning};
pub use scoring::{align_activation, aligned_spike_scores};
pub use shift::ShiftCorrection;

// The pieces the shared-kernel solve (`crate::shared`) reuses.
pub(crate) use finish::{Raw, finish};
pub(crate) use lambda::default_lambda;
pub(crate) use lasso::{MAX_ITERATIONS, lambda_max, schedule};
pub(crate) use plan::GridPlan;
pub(crate) use run::Layout;
pub use run::{DEFAULT_REFINE_MAX_ATOMS, refinement_atoms};

/// Name of the record extra (1.0) that marks the iterations of the
/// re-centring polish (see [`HomotopySpec::recenter`]).
pub const RECENTRED: &str = "recentred";

/// The spec of a deconvolution run: the settings every method shares, and
/// the [`MethodSpec`] with the method's own options. One kernel or N (CDL),
/// 1-D or 2-D.
#[derive(Debug, Clone)]
pub struct Deconvolution {
    pub(crate) kernel: Shape,
    pub(crate) kernels: usize,
    pub(crate) method: MethodSpec,
    pub(crate) lambda: Option<f64>,
    pub(crate) boundary: Boundary,
    pub(crate) bias: bool,
    pub(crate) baseline: Option<f64>,
    pub(crate) nonnegative: bool,
    pub(crate) seed: u64,
    pub(crate) max_iterations: Option<usize>,
    pub(crate) time_budget: Option<Duration>,
    pub(crate) init: Init,
    pub(crate) shift_correction: ShiftCorrection,
    pub(crate) truth: Option<Vec<Vec<f64>>>,
    pub(crate) truth_every: usize,
    pub(crate) refine: Refine,
}

/// Whether a run refines its kernel after the solve
/// ([`Deconvolution::refine_support`], [`Deconvolution::no_refinement`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Refine {
    /// The default: refine a recording's 1-D, one-kernel Bilinear Lasso run
    /// (the linear boundary) at the data's noise level; nothing else.
    Auto,
    /// Never.
    Off,
    /// Always, with these options.
    With(SupportRefinement),
}

impl Deconvolution {
    /// A 1-D run for kernels of length `kernel_size` (n₀ ≥ 1) with the
    /// defaults of LQK+20 §4: one kernel, homotopy-iADM (λ₀ = ‖ǎ⁽⁰⁾ ⋆ y‖∞,
    /// η = 0.9, δ = 0.1), λ* = 0.1/√n, the window initialisation (3.5),
    /// maximal-energy shift correction, no bias, no non-negativity, seed 0.
    pub fn new(kernel_size: usize) -> Self {
        Self::for_kernel(Shape::d1(kernel_size))
    }

    /// A 2-D run (LQK+20 App. C.2) for kernels of `rows × cols` (n₁ × n₂),
    /// lifted to (3n₁ − 2) × (3n₂ − 2) on the Frobenius sphere; run it with
    /// [`run_2d`](Self::run_2d). Defaults as [`new`](Self::new), with
    /// n = (3n₁ − 2)(3n₂ − 2) in λ* = 0.1/√n.
    pub fn new_2d(rows: usize, cols: usize) -> Self {
        Self::for_kernel(Shape::d2(rows, cols))
    }

    /// A run for kernels of `kernel` (1-D or 2-D), defaults as [`new`](Self::new).
    pub fn for_kernel(kernel: Shape) -> Self {
        Self {
            kernel,
            kernels: 1,
            method: MethodSpec::default(),
            lambda: None,
            boundary: Boundary::Circular,
            bias: false,
            baseline: None,
            nonnegative: false,
            seed: 0,
            max_iterations: None,
            time_budget: None,
            init: Init::Window,
            shift_correction: ShiftCorrection::MaxEnergy,
            truth: None,
            truth_every: 5,
            refine: Refine::Auto,
        }
    }

    /// Number of kernels N (convolutional dictionary learning, LQK+20
    /// eq. 4.6 and App. C.1.2: the kernels live on the oblique manifold
    /// OB(n, N), each from its own random window). N = 0 makes the run fail
    /// with [`SasdError::ZeroDimension`](crate::SasdError::ZeroDimension).
    pub fn kernels(mut self, count: usize) -> Self {
        self.kernels = count;
        self
    }

    /// The method and its options (default [`MethodSpec::homotopy_iadm`]).
    pub fn method(mut self, method: MethodSpec) -> Self {
        self.method = method;
        self
    }

    /// The method of this spec.
    pub fn method_spec(&self) -> &MethodSpec {
        &self.method
    }

    /// λ of a fixed-λ method, λ* of a homotopy, λ_min of the two-stage
    /// algorithm. Defaults: max(0.1/√n, 2σ̂) under the linear boundary (a
    /// recording) and for the reweighted methods, σ̂ the [`noise_level`] of
    /// y (λ ≪ σ fits the noise: on the §6.1.1 calcium trace 0.1/√n gave
    /// kernel error 0.15–0.44); 0.1/√n otherwise (LQK+20 §4.2.2, the
    /// papers' noiseless data); 0.1 for the fixed-λ trust region and
    /// curvilinear search ([`crate::second_order::DEFAULT_LAMBDA`]).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// The observation model: [`Boundary::Circular`] (y = a ⊛ x mod m, the
    /// papers' synthetic model and the default) or [`Boundary::Linear`] (y
    /// a window of a linear convolution, x longer than y by n − 1 per axis:
    /// what a recording is). Bilinear Lasso methods; under the linear model
    /// the shift correction is the maximal-energy window and there is no
    /// support refinement.
    pub fn boundary(mut self, boundary: Boundary) -> Self {
        self.boundary = boundary;
        self
    }

    /// Fit a constant bias b (App. B.3; Bilinear Lasso methods).
    pub fn bias(mut self, on: bool) -> Self {
        self.bias = on;
        self
    }

    /// Fit a slowly varying baseline of shortest period `period` samples
    /// (⌊2m/P⌋ + 1 DCT-II terms, solved exactly where the bias is; it holds
    /// the constant term, so it replaces [`bias`](Self::bias)). For drifting
    /// recordings: choose P a few times longer than the kernel and shorter
    /// than the drift's period (P ≥ 10 kernel lengths recovered the kernel
    /// under a drift 3.5× the largest spike response, `tests/linear_recovery.rs`).
    /// 1-D Bilinear Lasso methods; a period shorter than the lifted kernel
    /// is refused.
    pub fn baseline(mut self, period: f64) -> Self {
        self.baseline = Some(period);
        self
    }

    /// Constrain the activations to x ≥ 0 (App. B.3, eq. B.11; Bilinear
    /// Lasso methods).
    pub fn nonnegative(mut self, on: bool) -> Self {
        self.nonnegative = on;
        self
    }

    /// Seed of the random windows (or random point) of the initialisation.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Iterations at most: over all stages for the Bilinear Lasso methods
    /// (default 20 000); per solve for the second-order ones (default
    /// [`SecondOrderSolver::default_max_iterations`](crate::second_order::SecondOrderSolver::default_max_iterations)).
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = Some(n);
        self
    }

    /// Wall-time budget of the solve.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
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

    /// After the run, refine the kernel by support selection and
    /// least-squares refits ([`crate::refine`]; not part of the seeds'
    /// methods). For smooth, coherent kernels, where the Bilinear Lasso's
    /// minimiser itself is biased: on LQK+20 §5.2's Gaussian g_{100,0.5} it
    /// takes homotopy-iADM from kernel error 8e-3–5e-2 to the figures of
    /// `tests/coherent_gaussian.rs`. 1-D, one kernel
    /// ([`SasdError::Unsupported`](crate::SasdError::Unsupported) otherwise);
    /// a run with [`nonnegative`](Self::nonnegative) refines under x ≥ 0 too.
    /// The result's [`refinement`](Deconvolved::refinement) says what it did,
    /// and its `lifted_kernels`, `history` and `elapsed` stay those of the
    /// solve.
    ///
    /// **Default:** a 1-D, one-kernel first-order run under the linear
    /// boundary (a recording) refines with the default options at the
    /// noise level σ̂ of [`noise_level`] (and keeps the solve's result when
    /// the refinement finds no support); nothing else refines unless asked.
    /// Why: on recordings with an AR(2) calcium kernel, drift and noise
    /// σ = 0.05 (`examples/recordings.rs`) the solve alone leaves kernel
    /// errors of 1.7e-2–4.2e-2 — the ℓ¹ shrinkage that the baseline soaks
    /// up biases the kernel — and the refinement brings them to 2e-3–6e-3,
    /// event F1 from 0.73–0.84 to ≥ 0.95 on 10 of 10 seeds. The default
    /// skips an activation of more than [`DEFAULT_REFINE_MAX_ATOMS`] atoms
    /// (its cost grows with their square); asking for it here does not.
    pub fn refine_support(mut self, options: SupportRefinement) -> Self {
        self.refine = Refine::With(options);
        self
    }

    /// No support refinement, not even the default one of a recording
    /// ([`refine_support`](Self::refine_support)).
    pub fn no_refinement(mut self) -> Self {
        self.refine = Refine::Off;
        self
    }

    /// Deconvolves the 1-D signal y (cyclic model, length m > 3n₀ − 2).
    pub fn run(&self, y: &[f64]) -> crate::Result<Deconvolved> {
        self.run_observed(y, &mut NoObserver)
    }

    /// As [`run`](Self::run), with an observer that sees every iteration's
    /// record (with the [`FFTS`] and [`KERNEL_ERROR`] extras) and may stop
    /// the run.
    pub fn run_observed<O: RunObserver>(&self, y: &[f64], observer: &mut O) -> crate::Result<Deconvolved> {
        self.run_shape(y, Shape::d1(y.len()), observer)
    }

    /// Deconvolves an image (row-major, `rows × cols`, cyclic 2-D model,
    /// LQK+20 App. C.2).
    pub fn run_2d(&self, image: &[f64], rows: usize, cols: usize) -> crate::Result<Deconvolved> {
        self.run_2d_observed(image, rows, cols, &mut NoObserver)
    }

    /// As [`run_2d`](Self::run_2d), with an observer.
    pub fn run_2d_observed<O: RunObserver>(
        &self,
        image: &[f64],
        rows: usize,
        cols: usize,
        observer: &mut O,
    ) -> crate::Result<Deconvolved> {
        self.run_shape(image, Shape::d2(rows, cols), observer)
    }
}
