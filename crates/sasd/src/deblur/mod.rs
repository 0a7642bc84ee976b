//! Blind image deblurring in the gradient domain (ZLK+19 §4.1, eqs.
//! 27–28).
//!
//! A blurred image y = a₀ ⊛ x₀ (cyclic) has gradients ∇ₓy = a₀ ⊛ ∇ₓx₀ and
//! ∇ᵧy = a₀ ⊛ ∇ᵧx₀ (eq. 27, [`image_gradients`]): two short-and-sparse
//! observations of one kernel when x₀ is piecewise smooth. The kernel comes
//! from eq. 28,
//!
//! min_{a ∈ S^{k−1} ∩ ℝᵏ₊, x₁, x₂} ½‖∇ₓy − a ⊛ x₁‖² + λ‖x₁‖₁ + ½‖∇ᵧy − a ⊛ x₂‖² + λ‖x₂‖₁,
//!
//! with the smooth part a [`SharedKernel`] of two 2-D Bilinear Lassos, the
//! kernel lifted to (3k₁ − 2)×(3k₂ − 2) (LQK+20 §3, App. C.2), homotopy
//! continuation in λ (LQK+20 Alg. 6) around iPALM whose kernel step is the
//! projected gradient step a ← P(a − τ∇_aψ), P(z) = max(z, 0)/‖max(z, 0)‖
//! (`optim::prox::NonNegativeSphere`, defined for every z), and the
//! maximal-energy shift correction (App. B.3). [`deconvolve_tikhonov`] then
//! restores the sharp image from the kernel (non-blind step).
//!
//! That single-scale solve is exact on clean cyclic data but returns a
//! near-delta on photographs (noise, non-periodic borders:
//! `docs/studies/deblur-collapse.md`). For photographs use [`BlindDeblur`]:
//! eq. 28's two blocks (ℓ⁰ gradient maps, a non-negative least-squares
//! kernel read from the useful edges of XJ10's r-map) alternated coarse to
//! fine on a smoothly periodic extension of the
//! image, noise-aware weights ([`noise_level`]), and the hyper-Laplacian
//! restoration [`restore`] (KF09), at the kernel's centre of mass for an
//! estimate ([`restore_centred`]); colour through [`BlindDeblur::run`].
//! [`blur_image`], [`motion_path_kernel`], [`gaussian_blur_kernel`],
//! [`kernel_correlation`] and [`psnr`] make and score test cases.
//!
//! Images are row-major `rows × cols` slices, kernels row-major `k₁ × k₂`.
//!
//! ```no_run
//! use sasd::deblur::Deblur;
//! # let blurred = vec![0.0; 128 * 128];
//! let out = Deblur::new(7, 7).run(&blurred, 128, 128)?;
//! let sharp = out.restore(&blurred, 1e-3)?;
//! # Ok::<(), sasd::SasdError>(())
//! ```

mod blur;
mod colour;
mod edges;
mod extend;
mod fourier;
mod gradient;
mod init;
mod kernel_step;
mod latent;
mod noise;
mod nonblind;
mod photo;
mod resample;
mod restore;
mod shared;

use std::time::{Duration, Instant};

use manifold::{Exponential, Sphere};
use optim::{
    AUpdate, Blocks, Composite, Executor, Homotopy, HomotopyOptions, InertialAdm, InertialAdmOptions,
    ManifoldProblem, ProxBacktracking, Record, StopCriterion, StopReason, TwoBlockSmooth,
};

pub use blur::{
    Edges, blur_image, gaussian_blur_kernel, kernel_correlation, motion_path_kernel, psnr, psnr_subpixel,
};
pub use colour::{PhotoDeblurred, luminance};
pub use gradient::image_gradients;
pub use init::Init;
pub use noise::noise_level;
pub use nonblind::deconvolve_tikhonov;
pub use photo::{BlindDeblur, KernelEstimate, restore, restore_centred};
pub use shared::SharedKernel;

use crate::error::{Result, SasdError, check_at_least, check_lambda};
use crate::geometry::{Grid, lift, max_energy_start, normalised_window, shift_scaled};
use crate::objective::lasso_penalty;

/// The builder of a blind deblurring run (ZLK+19 eq. 28).
#[derive(Debug, Clone)]
pub struct Deblur {
    kernel: (usize, usize),
    lambda: Option<f64>,
    lambda0: Option<f64>,
    eta: f64,
    delta: f64,
    seed: u64,
    init: Init,
    max_iterations: usize,
    time_budget: Option<Duration>,
}

/// The outcome of [`Deblur::run`].
#[derive(Debug, Clone)]
pub struct Deblurred {
    /// The kernel after shift correction: row-major `k₁ × k₂`
    /// ([`kernel_dims`](Self::kernel_dims)), entries ≥ 0, unit Frobenius norm.
    pub kernel: Vec<f64>,
    /// `(k₁, k₂)`.
    pub kernel_dims: (usize, usize),
    /// The sparse gradient maps [x₁, x₂] ≈ [∇ₓx₀, ∇ᵧx₀] (up to the kernel's
    /// scale), row-major like the image, shifted and scaled to match
    /// [`kernel`](Self::kernel): `kernel ⊛ gradients[s]` reproduces the fit
    /// on the kept window.
    pub gradients: [Vec<f64>; 2],
    /// The image's `(rows, cols)`.
    pub image_dims: (usize, usize),
    /// The solver's kernel before shift correction, row-major
    /// [`lifted_dims`](Self::lifted_dims), on S^{n−1} ∩ ℝⁿ₊.
    pub lifted_kernel: Vec<f64>,
    /// `(3k₁ − 2, 3k₂ − 2)`.
    pub lifted_dims: (usize, usize),
    /// Start of the kept window in the lifted kernel, `(row, col)`; the
    /// gradient maps were shifted forward (cyclically) by the same amount.
    pub shift: (usize, usize),
    /// λ of the final stage (λ*).
    pub lambda: f64,
    /// Ψ at the solver's final point (lifted kernel).
    pub cost: f64,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Solver iterations over all stages.
    pub iterations: usize,
    /// Real FFTs of the solve.
    pub ffts: u64,
    /// Wall time of the solve.
    pub elapsed: Duration,
    /// One record per iteration, tagged with the stage's `lambda` and
    /// `stage` (LQK+20 Alg. 6).
    pub history: Vec<Record>,
}

impl Deblurred {
    /// The sharp image from the recovered kernel by
    /// [`deconvolve_tikhonov`] with weight `mu`, shifted cyclically by the
    /// kernel window's position like the kernel itself.
    pub fn restore(&self, blurred: &[f64], mu: f64) -> Result<Vec<f64>> {
        deconvolve_tikhonov(blurred, self.image_dims, &self.kernel, self.kernel_dims, mu)
    }
}

impl Deblur {
    /// A run for a `rows × cols` kernel (k₁ × k₂ ≥ 1), lifted to
    /// (3k₁ − 2)×(3k₂ − 2), with the defaults: λ* = 0.1/√n·σ (n the lifted
    /// size, σ the root mean square of the gradient fields, so that λ* scales
    /// with the image), λ₀ = ‖∇ₓψ(a⁽⁰⁾, 0)‖∞ (LQK+20 §4.2.2: x = 0 solves
    /// the first stage's x-subproblem), η = 0.5, δ = 0.1, [`Init::Box`],
    /// seed 0, 20 000 iterations.
    ///
    /// η = 0.5 rather than LQK+20's 0.9: λ₀/λ* is about 10³–10⁴ on images,
    /// and on the 128×128 test images (7×7 Gaussian, 9×9 motion blur) η = 0.5
    /// took 1.7–2.1× fewer iterations (3.2–4.8k against 6.1–8.5k) for the same
    /// kernel errors.
    pub fn new(rows: usize, cols: usize) -> Self {
        Self {
            kernel: (rows, cols),
            lambda: None,
            lambda0: None,
            eta: 0.5,
            delta: 0.1,
            seed: 0,
            init: Init::Box,
            max_iterations: 20_000,
            time_budget: None,
        }
    }

    /// The final λ* of eq. 28 (finite, > 0).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// The homotopy's first λ₀ (finite, > 0; raised to λ* if smaller).
    pub fn lambda0(mut self, lambda0: f64) -> Self {
        self.lambda0 = Some(lambda0);
        self
    }

    /// The decay η ∈ (0, 1) of λ between stages (LQK+20 Alg. 6).
    pub fn eta(mut self, eta: f64) -> Self {
        self.eta = eta;
        self
    }

    /// The precision factor δ ∈ (0, 1): stage k stops at a gradient mapping
    /// below δ·λ_k (LQK+20 Alg. 6).
    pub fn delta(mut self, delta: f64) -> Self {
        self.delta = delta;
        self
    }

    /// Seed of [`Init::Random`].
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The initial kernel.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Iterations at most, over all stages.
    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }

    /// Wall-time budget of the solve.
    pub fn time_budget(mut self, budget: Duration) -> Self {
        self.time_budget = Some(budget);
        self
    }

    /// Estimates the kernel of a blurred row-major `rows × cols` image.
    ///
    /// Errors: an empty image or kernel ([`SasdError::EmptySignal`],
    /// [`SasdError::ZeroDimension`]), `rows × cols` not the image's length
    /// ([`SasdError::ShapeMismatch`]), a non-finite entry
    /// ([`SasdError::NonFinite`]), a kernel not smaller than the image or
    /// whose lifted size does not fit in it ([`SasdError::KernelTooLong`]),
    /// λ or λ₀ not finite and > 0 ([`SasdError::InvalidLambda`]), η or δ
    /// outside (0, 1), no iteration allowed ([`SasdError::InvalidParameter`]),
    /// a constant image ([`SasdError::NoSignal`]).
    pub fn run(&self, blurred: &[f64], rows: usize, cols: usize) -> Result<Deblurred> {
        let [gx, gy] = image_gradients(blurred, rows, cols)?;
        let (grid, kgrid, lgrid) = self.grids(rows, cols)?;
        let lambda_user = self.lambda.map(check_lambda).transpose()?;
        let lambda0_user = self.lambda0.map(check_lambda).transpose()?;
        self.check_options()?;
        // Also refuses a lifted kernel as large as the image.
        let mut smooth = SharedKernel::bilinear_lasso_2d(&[&gx, &gy], grid, lgrid)?;
        let m = rows * cols;
        let energy: f64 = gx.iter().chain(&gy).map(|t| t * t).sum();
        if energy == 0.0 {
            return Err(SasdError::NoSignal);
        }
        let n = lgrid.0 * lgrid.1;
        let lambda_star =
            lambda_user.unwrap_or_else(|| 0.1 / (n as f64).sqrt() * (energy / (2 * m) as f64).sqrt());
        let a0 = init::initial_kernel(self.init, kgrid, self.seed);
        let lambda0 = lambda0_user
            .unwrap_or_else(|| initial_lambda(&mut smooth, &a0))
            .max(lambda_star);
        let mut problem = Composite {
            penalty: lasso_penalty(smooth.x_len(), None, false)?,
            smooth,
            lambda: lambda_star,
        };
        let sphere = Sphere::matrix(lgrid.0, lgrid.1).map_err(optim::OptimError::from)?;
        let start = Instant::now();
        let mut stop = StopCriterion::MaxIterations(self.max_iterations);
        if let Some(t) = self.time_budget {
            stop = stop | StopCriterion::TimeBudget(t);
        }
        let res = Executor::new(
            self.homotopy(lambda0, lambda_star)?,
            ManifoldProblem::new(&sphere, &mut problem),
        )
        .stop(stop)
        .run(Blocks {
            a: a0,
            x: vec![0.0; 2 * m],
        })?;
        let elapsed = start.elapsed();
        let lifted = res.iterate.a.clone();
        let s = max_energy_start(&lifted, lgrid, kgrid);
        let (kernel, norm) = normalised_window(&lifted, lgrid, s, kgrid);
        if !(norm > 0.0 && norm.is_finite()) {
            // Unreachable for a finite point of the sphere (the best window
            // holds at least 1/#windows of its energy): never a NaN kernel.
            return Err(SasdError::NoSignal);
        }
        let x = res.iterate.x.as_slice();
        Ok(Deblurred {
            kernel,
            kernel_dims: self.kernel,
            gradients: [0, 1].map(|b| shift_scaled(&x[b * m..(b + 1) * m], grid, s, norm)),
            image_dims: (rows, cols),
            lifted_kernel: lifted,
            lifted_dims: (lgrid.1, lgrid.0),
            shift: (s.1, s.0),
            lambda: problem.lambda,
            cost: res.cost,
            stop: res.stop,
            iterations: res.iterations,
            ffts: problem.smooth.ffts(),
            elapsed,
            history: res.history,
        })
    }

    /// The engine's column-major grids of the image, the kernel and the
    /// lifted kernel (a row-major r×c array is the column-major c×r one),
    /// once the lifted kernel is known to fit in the image.
    fn grids(&self, rows: usize, cols: usize) -> Result<(Grid, Grid, Grid)> {
        let (k1, k2) = self.kernel;
        if k1 == 0 || k2 == 0 {
            return Err(SasdError::ZeroDimension { what: "kernel size" });
        }
        let kgrid = (k2, k1);
        let lgrid = lift(kgrid);
        for (axis, (l, m)) in [(lgrid.1, rows), (lgrid.0, cols)].into_iter().enumerate() {
            if l > m {
                return Err(SasdError::KernelTooLong {
                    kernel: l,
                    signal: m,
                    axis,
                });
            }
        }
        Ok(((cols, rows), kgrid, lgrid))
    }

    /// η, δ ∈ (0, 1) and at least one iteration.
    fn check_options(&self) -> Result<()> {
        for (name, v) in [("eta (in (0, 1))", self.eta), ("delta (in (0, 1))", self.delta)] {
            if !(v > 0.0 && v < 1.0) {
                return Err(SasdError::InvalidParameter {
                    name,
                    value: v,
                    min: 0.0,
                });
            }
        }
        check_at_least("max_iterations", self.max_iterations as f64, 1.0)?;
        Ok(())
    }

    /// LQK+20 Alg. 6 from λ₀ to λ* (final precision δ·λ*) around iPALM
    /// (β = 0.9) with the kernel projected onto S^{n−1} ∩ ℝⁿ₊.
    fn homotopy(&self, lambda0: f64, lambda_star: f64) -> Result<Homotopy<InertialAdm<Exponential>>> {
        let options = InertialAdmOptions {
            a_update: AUpdate::ProjectedNonNegative {
                rule: ProxBacktracking::default(),
            },
            ..InertialAdmOptions::iadm()
        };
        let ipalm = InertialAdm::new(options, Exponential)?;
        let options = HomotopyOptions {
            eta: self.eta,
            delta: self.delta,
            eps_star: Some(self.delta * lambda_star),
            stage_iterations: self.max_iterations,
            ..HomotopyOptions::new(lambda0, lambda_star)
        };
        Ok(Homotopy::new(ipalm, options)?)
    }
}

/// λ₀ = ‖∇ₓψ(a⁽⁰⁾, 0)‖∞ = maxₛ ‖ǎ⁽⁰⁾ ⋆ gₛ‖∞ (LQK+20 §4.2.2): the smallest
/// λ at which x = 0 solves the x-subproblem, so the homotopy starts sparse.
fn initial_lambda<S: TwoBlockSmooth>(smooth: &mut S, a0: &[f64]) -> f64 {
    let (x, mut g) = (vec![0.0; smooth.x_len()], vec![0.0; smooth.x_len()]);
    smooth.fix_a(a0);
    smooth.grad_x(&x, &mut g);
    g.iter().fold(0.0, |m, t| m.max(t.abs()))
}
