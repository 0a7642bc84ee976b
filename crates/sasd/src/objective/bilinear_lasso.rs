//! The Bilinear Lasso and its multi-kernel (CDL) and 2-D forms.

use optim::{Composite, TwoBlockSmooth, WeightedL1};

use super::residual::{Block, BlockSpectra, SpectralResidual};
use super::shapes;
use crate::conv::{Plan, Plan1d, Plan2d};
use crate::error::{Result, check_finite, check_lambda};

/// The smooth part of the Bilinear Lasso
///
/// ψ(A, X) = ½‖y − Σ_{k=1}^N a_k ⊛ x_k − b·1‖²
///
/// — LQK+20 eq. 3.1 for N = 1, the CDL objective eq. 4.6 (App. C.1.2) for
/// N kernels, and their 2-D forms (App. C.2) with [`BilinearLasso2d`] —
/// with each kernel a_k of shape n zero-padded to the signal's shape m (ι_{n→m})
/// and ⊛ the cyclic convolution of length m. The penalty λ‖w ⊙ X‖₁ (and
/// x ≥ 0, App. B.3) is the [`lasso_penalty`](super::lasso_penalty) of the
/// [`Composite`] built by [`into_composite`](Self::into_composite).
///
/// Blocks: a = [a_1, …, a_N] (N·n entries, kernel after kernel; each 2-D
/// kernel column-major) on the sphere S^{n−1} (N = 1: `manifold::Sphere::new(n)`,
/// 2-D `Sphere::matrix(n₁, n₂)`) or the oblique manifold OB(n, N)
/// (`Oblique::new(n, N)`, 2-D `Oblique::of_matrices(n₁, n₂, N)`);
/// x = [x_1, …, x_N] (N·m entries).
///
/// Gradients (App. C.1.1, C.1.2, C.2) with r = Σ_j a_j ⊛ x_j + b·1 − y:
/// ∇_{x_k}ψ = ǎ_k ⊛ r and ∇_{a_k}ψ = ι*_{n→m}(x̌_k ⊛ r), both computed as
/// F⁻¹(conj(F ι·) ⊙ R̂).
///
/// Bias (App. B.3): when enabled ([`with_bias`](Self::with_bias)), b starts
/// at mean(y) and [`TwoBlockSmooth::refresh`] sets b = ⟨1, y − Σ a_k ⊛ x_k⟩/m
/// after every iteration; Σ(a ⊛ x) = (Σa)(Σx), so b costs no FFT, and b·1
/// enters only the DC bin of R̂.
///
/// # FFT budget
/// Values come from R̂ by Parseval (no inverse transform); the spectrum of
/// the fixed block is cached by `fix_a`/`fix_x`, and that of the last point
/// given to a value oracle in each block is kept, so holding fixed the point
/// just evaluated (ADM's accepted trial) costs no transform. A gradient at a
/// point no cache holds (iADM's extrapolated w and z) runs F, the pass and
/// F⁻¹ as one sweep and keeps nothing: no solver evaluates that point again.
/// Per ADM / iADM iteration (LQK+20, Alg. 2 / 5, as run by
/// `optim::InertialAdm`), with each backtracking accepting its first trial
/// and N = 1:
///
/// | oracle                         | real FFTs |
/// |--------------------------------|-----------|
/// | `fix_a(a)` (a = last a-trial)  | 0         |
/// | `grad_x(w)`: F(w), R̂ and conj(Â)R̂ in one pass, F⁻¹ | 2 |
/// | `value_x(x⁺)`: F(x⁺), Parseval in the same sweep | 1 |
/// | `fix_x(x⁺)` (reuses F(x⁺))     | 0         |
/// | `grad_a(z)`: F(ιz), R̂ and conj(X̂)R̂ in one pass, ι*F⁻¹ | 2 |
/// | `value_a(a⁺)`: F(ιa⁺), Parseval in the same sweep | 1 |
/// | `refresh` (bias, from DC bins) | 0         |
/// | **total**                      | **6**     |
///
/// plus one per extra backtracking trial; with N kernels every count is
/// multiplied by N. An oracle at the point currently held fixed reuses its
/// spectrum too: plain ADM (β = 0, w = x and z = a) costs 4 per iteration.
/// After a momentum restart `fix_a` and the bias refresh recompute what the
/// restart discarded (at most N + N more). Read the count with
/// [`ffts`](Self::ffts).
///
/// The passes over the spectra sum the residual energy with one accumulator
/// in bin order whatever the geometry or the instruction set, so values and
/// gradients do not depend on which path (cached or fused, AVX or not)
/// computed them.
///
/// Before the first `fix_a` / `fix_x`, the fixed blocks are zero.
/// No method allocates after construction.
#[derive(Debug, Clone)]
pub struct BilinearLasso<P: Plan = Plan1d> {
    blocks: BlockSpectra<P>,
    bias: Option<f64>,
}

/// The 2-D Bilinear Lasso / CDL (LQK+20, App. C.2): images m₁×m₂ and
/// kernels n₁×n₂, column-major.
pub type BilinearLasso2d = BilinearLasso<Plan2d>;

impl BilinearLasso<Plan1d> {
    /// SaSD with one kernel of length n (the caller lifts n = 3n₀ − 2,
    /// LQK+20 §3) for the observation y of length m > n.
    pub fn new(y: &[f64], n: usize) -> Result<Self> {
        Self::cdl(y, n, 1)
    }

    /// CDL with N kernels of length n (LQK+20, eq. 4.6).
    pub fn cdl(y: &[f64], n: usize, kernels: usize) -> Result<Self> {
        shapes::check_1d(y, n)?;
        shapes::check_kernels(kernels)?;
        Ok(Self::build(Plan1d::new(y.len())?, y, n, kernels))
    }
}

impl BilinearLasso<Plan2d> {
    /// 2-D SaSD: image y of shape (m₁, m₂), one kernel of shape (n₁, n₂).
    pub fn new_2d(y: &[f64], image: (usize, usize), kernel: (usize, usize)) -> Result<Self> {
        Self::cdl_2d(y, image, kernel, 1)
    }

    /// 2-D CDL with N kernels of shape (n₁, n₂) (LQK+20, App. C.2).
    pub fn cdl_2d(y: &[f64], image: (usize, usize), kernel: (usize, usize), kernels: usize) -> Result<Self> {
        shapes::check_2d(y, image, kernel)?;
        shapes::check_kernels(kernels)?;
        Ok(Self::build(Plan2d::new(image)?, y, kernel, kernels))
    }
}

impl<P: Plan> BilinearLasso<P> {
    fn build(plan: P, y: &[f64], kernel: P::Shape, kernels: usize) -> Self {
        Self {
            blocks: BlockSpectra::new(plan, y, kernel, kernels),
            bias: None,
        }
    }

    /// Enables the bias b of LQK+20 App. B.3, starting at the mean of y.
    pub fn with_bias(mut self) -> Self {
        let core = &self.blocks.core;
        self.bias = Some(core.sum_y() / core.samples() as f64);
        self
    }

    /// Enables the bias with a given starting value b₀ (finite).
    pub fn with_bias_value(mut self, b0: f64) -> Result<Self> {
        check_finite("bias", &[b0])?;
        self.bias = Some(b0);
        Ok(self)
    }

    /// The current bias b (`None` when the model has none).
    pub fn bias(&self) -> Option<f64> {
        self.bias
    }

    /// Number of kernels N.
    pub fn kernels(&self) -> usize {
        self.blocks.kernels()
    }

    /// Shape of one kernel.
    pub fn kernel_shape(&self) -> P::Shape {
        self.blocks.kernel
    }

    /// Shape of the signal (and of each activation map).
    pub fn signal_shape(&self) -> P::Shape {
        self.blocks.signal
    }

    /// Real FFTs run since construction (excluding F(y)) or the last reset.
    pub fn ffts(&self) -> u64 {
        self.blocks.ffts()
    }

    /// Resets the FFT counter.
    pub fn reset_ffts(&mut self) {
        self.blocks.reset_ffts();
    }

    /// The composite problem ψ(a, x) + λ·‖w ⊙ x‖₁ (LQK+20, eq. 3.1) with
    /// `penalty` from [`lasso_penalty`](super::lasso_penalty).
    ///
    /// Errors: λ not finite and positive, weights of the wrong length.
    pub fn into_composite(self, lambda: f64, penalty: WeightedL1) -> Result<Composite<Self, WeightedL1>> {
        check_lambda(lambda)?;
        crate::error::check_len("weights", &penalty.weights, self.x_len())?;
        Ok(Composite {
            smooth: self,
            penalty,
            lambda,
        })
    }

    fn b(&self) -> f64 {
        self.bias.unwrap_or(0.0)
    }
}

impl<P: Plan> TwoBlockSmooth for BilinearLasso<P> {
    fn a_len(&self) -> usize {
        self.blocks.a_len()
    }

    fn x_len(&self) -> usize {
        self.blocks.x_len()
    }

    /// Caches Â (N FFTs, or none when a is the last a-trial evaluated).
    fn fix_a(&mut self, a: &[f64]) {
        self.blocks.fix(Block::A, a);
    }

    /// ψ by Parseval: N FFTs.
    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.blocks.value(Block::X, x, self.b())
    }

    /// ψ and ∇_{x_k}ψ = ǎ_k ⊛ r (App. C.1.1, C.1.2): 2N FFTs.
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.blocks.gradient(Block::X, x, self.b(), grad)
    }

    /// Caches X̂ (N FFTs, or none when x is the last x-trial evaluated).
    fn fix_x(&mut self, x: &[f64]) {
        self.blocks.fix(Block::X, x);
    }

    /// ψ by Parseval: N FFTs.
    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.blocks.value(Block::A, a, self.b())
    }

    /// ψ and ∇_{a_k}ψ = ι*_{n→m}(x̌_k ⊛ r) (App. C.1.1, C.1.2, C.2): 2N FFTs.
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.blocks.gradient(Block::A, a, self.b(), grad)
    }

    /// The bias step of App. B.3: b = (Σy − Σ_k (Σa_k)(Σx_k))/m from the DC
    /// bins, then ψ at the new b (ψ − ½m(Δb)² when the last residual was at
    /// (a, x), else by Parseval). No FFT when (a, x) are the
    /// points just evaluated (the accepted iterate); `None` without bias.
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        let b_old = self.bias?;
        let (core, a_hat, x_hat) = self.blocks.point(a, x);
        let b = (core.sum_y() - SpectralResidual::sum_model(a_hat, x_hat)) / core.samples() as f64;
        // Usually the residual at (a, x) was the last one formed (the
        // accepted a-trial): then ψ at the new b needs no pass at all.
        let psi = match core.rebias(a_hat, x_hat, b_old, b) {
            Some(psi) => psi,
            None => core.value(a_hat, x_hat, b),
        };
        self.bias = Some(b);
        Some(psi)
    }

    fn work(&self) -> u64 {
        self.ffts()
    }
}
