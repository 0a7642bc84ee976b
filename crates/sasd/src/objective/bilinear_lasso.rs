//! The Bilinear Lasso and its multi-kernel (CDL) and 2-D forms.

use optim::{Composite, TwoBlockSmooth, WeightedL1};

use super::baseline::Baseline;
use super::residual::{Block, BlockSpectra, Masked, Offset, SpectralResidual};
use super::shapes::{self, Layout};
use crate::conv::{Boundary, Plan, Plan1d, Plan2d, Window};
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
/// # Linear model and baseline
/// Built with [`Boundary::Linear`] ([`new_with`](Self::new_with),
/// [`cdl_with`](Self::cdl_with), [`new_2d_with`](BilinearLasso::new_2d_with),
/// [`cdl_2d_with`](BilinearLasso::cdl_2d_with)) the model is
/// ψ = ½‖y − P_W Σ_k a_k ∗ x_k − b·1‖², the window W of the linear
/// convolution (see [`Boundary`]); each x_k has m + n − 1 samples per axis
/// ([`activation_shape`](Self::activation_shape)). With a baseline
/// ([`with_baseline`](BilinearLasso::with_baseline), 1-D) the constant b·1
/// becomes a slowly varying β = B c, fitted exactly in the same refresh step.
/// Both go through the time-domain residual: value 2, gradient 4 real FFTs
/// per kernel (of the padded length), so an iADM iteration costs 12 (N = 1),
/// against 6 for the circular model without baseline; the bias or baseline
/// step at the accepted point still costs none.
///
/// Before the first `fix_a` / `fix_x`, the fixed blocks are zero.
/// No method allocates after construction.
#[derive(Debug, Clone)]
pub struct BilinearLasso<P: Plan = Plan1d> {
    blocks: BlockSpectra<P>,
    bias: Option<f64>,
    boundary: Boundary,
    /// y's shape.
    observed: P::Shape,
    /// The time-domain residual: under the linear model or with a baseline.
    masked: Option<Masked<P>>,
    baseline: Option<Baseline>,
}

/// The 2-D Bilinear Lasso / CDL (LQK+20, App. C.2): images m₁×m₂ and
/// kernels n₁×n₂, column-major.
pub type BilinearLasso2d = BilinearLasso<Plan2d>;

impl BilinearLasso<Plan1d> {
    /// SaSD with one kernel of length n (the caller lifts n = 3n₀ − 2,
    /// LQK+20 §3) for the observation y of length m > n; circular model.
    pub fn new(y: &[f64], n: usize) -> Result<Self> {
        Self::cdl(y, n, 1)
    }

    /// CDL with N kernels of length n (LQK+20, eq. 4.6); circular model.
    pub fn cdl(y: &[f64], n: usize, kernels: usize) -> Result<Self> {
        Self::cdl_with(y, n, kernels, Boundary::Circular)
    }

    /// [`new`](Self::new) under the observation model `boundary`; under
    /// [`Boundary::Linear`] x has m + n − 1 entries.
    pub fn new_with(y: &[f64], n: usize, boundary: Boundary) -> Result<Self> {
        Self::cdl_with(y, n, 1, boundary)
    }

    /// [`cdl`](Self::cdl) under the observation model `boundary`; under
    /// [`Boundary::Linear`] each x_k has m + n − 1 entries.
    pub fn cdl_with(y: &[f64], n: usize, kernels: usize, boundary: Boundary) -> Result<Self> {
        shapes::check_kernels(kernels)?;
        let layout = shapes::layout_1d(y, n, boundary)?;
        Ok(Self::build(layout, y.len(), n, kernels, boundary))
    }

    /// Replaces the constant bias by a slowly varying baseline β: the
    /// DCT-II terms of period ≥ `period` samples (K = ⌊2m/P⌋ + 1 of them,
    /// the constant included), fitted by least squares in the bias step of
    /// every iteration ([`TwoBlockSmooth::refresh`]), exactly as the bias
    /// is (LQK+20 App. B.3, generalised). It starts as the fit to y itself.
    /// Works under both boundary models; the model then runs on the
    /// time-domain residual (see the FFT budget above).
    ///
    /// How to choose P: longer than any feature the kernel must explain
    /// (several kernel lengths; 10 is a safe start) and shorter than the
    /// drift's own time scale.
    ///
    /// Errors: [`SasdError::BaselinePeriod`](crate::SasdError::BaselinePeriod)
    /// when `period` is not finite, not positive, or shorter than the
    /// kernel length n.
    pub fn with_baseline(mut self, period: f64) -> Result<Self> {
        let mut baseline = Baseline::new(self.observed, period, self.blocks.kernel)?;
        let shape = self.blocks.signal;
        // y back from Ŷ (one inverse FFT, at build time).
        let mut y = vec![0.0; shape];
        self.blocks.core.target_signal(shape, &mut y);
        let masked = self
            .masked
            .get_or_insert_with(|| Masked::new(Window::d1(shape, 0, shape), shape));
        let run = masked.window().runs()[0].clone();
        baseline.fit(y[run].iter().copied());
        self.blocks.core.keep_residual();
        self.baseline = Some(baseline);
        self.bias = None;
        Ok(self)
    }
}

impl BilinearLasso<Plan2d> {
    /// 2-D SaSD: image y of shape (m₁, m₂), one kernel of shape (n₁, n₂);
    /// circular model.
    pub fn new_2d(y: &[f64], image: (usize, usize), kernel: (usize, usize)) -> Result<Self> {
        Self::cdl_2d(y, image, kernel, 1)
    }

    /// 2-D CDL with N kernels of shape (n₁, n₂) (LQK+20, App. C.2);
    /// circular model.
    pub fn cdl_2d(y: &[f64], image: (usize, usize), kernel: (usize, usize), kernels: usize) -> Result<Self> {
        Self::cdl_2d_with(y, image, kernel, kernels, Boundary::Circular)
    }

    /// [`new_2d`](Self::new_2d) under the observation model `boundary`;
    /// under [`Boundary::Linear`] x is (m₁ + n₁ − 1)×(m₂ + n₂ − 1).
    pub fn new_2d_with(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        boundary: Boundary,
    ) -> Result<Self> {
        Self::cdl_2d_with(y, image, kernel, 1, boundary)
    }

    /// [`cdl_2d`](Self::cdl_2d) under the observation model `boundary`.
    pub fn cdl_2d_with(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        kernels: usize,
        boundary: Boundary,
    ) -> Result<Self> {
        shapes::check_kernels(kernels)?;
        let layout = shapes::layout_2d(y, image, kernel, boundary)?;
        Ok(Self::build(layout, image, kernel, kernels, boundary))
    }
}

impl<P: Plan> BilinearLasso<P> {
    fn build(
        layout: Layout<P>,
        observed: P::Shape,
        kernel: P::Shape,
        kernels: usize,
        boundary: Boundary,
    ) -> Self {
        let Layout {
            plan,
            y,
            activation,
            window,
        } = layout;
        let masked = (!window.is_full()).then(|| Masked::new(window, activation));
        Self {
            blocks: BlockSpectra::new(plan, &y, kernel, activation, kernels, masked.is_some()),
            bias: None,
            boundary,
            observed,
            masked,
            baseline: None,
        }
    }

    /// Samples of y.
    fn observed_len(&self) -> usize {
        P::count(self.observed)
    }

    /// Enables the bias b of LQK+20 App. B.3, starting at the mean of y.
    /// With a baseline (which holds the constant term) it changes nothing.
    pub fn with_bias(mut self) -> Self {
        if self.baseline.is_none() {
            self.bias = Some(self.blocks.core.sum_y() / self.observed_len() as f64);
        }
        self
    }

    /// Enables the bias with a given starting value b₀ (finite).
    pub fn with_bias_value(mut self, b0: f64) -> Result<Self> {
        check_finite("bias", &[b0])?;
        self.bias = Some(b0);
        Ok(self)
    }

    /// The current bias b (`None` when the model has none); with a
    /// baseline, the baseline's mean.
    pub fn bias(&self) -> Option<f64> {
        match &self.baseline {
            Some(b) => Some(b.values().iter().sum::<f64>() / b.values().len() as f64),
            None => self.bias,
        }
    }

    /// The current baseline β (one value per sample of y), when enabled by
    /// [`with_baseline`](BilinearLasso::with_baseline).
    pub fn baseline(&self) -> Option<&[f64]> {
        self.baseline.as_ref().map(|b| b.values())
    }

    /// The shortest period P of the baseline and its number of DCT terms K.
    pub fn baseline_terms(&self) -> Option<(f64, usize)> {
        self.baseline.as_ref().map(|b| (b.period(), b.terms()))
    }

    /// The observation model.
    pub fn boundary(&self) -> Boundary {
        self.boundary
    }

    /// Number of kernels N.
    pub fn kernels(&self) -> usize {
        self.blocks.kernels()
    }

    /// Shape of one kernel.
    pub fn kernel_shape(&self) -> P::Shape {
        self.blocks.kernel
    }

    /// Shape of the observation y.
    pub fn signal_shape(&self) -> P::Shape {
        self.observed
    }

    /// Shape of each activation map x_k: y's (circular) or m + n − 1 per
    /// axis (linear; entry t is a spike at time t − (n − 1) of y's clock).
    pub fn activation_shape(&self) -> P::Shape {
        self.blocks.signal
    }

    /// Entries of each activation map x_k ([`activation_shape`](Self::activation_shape)).
    pub fn activation_len(&self) -> usize {
        P::count(self.blocks.signal)
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
        if !penalty.fits(self.x_len()) {
            crate::error::check_len("weights", &penalty.weights, self.x_len())?;
        }
        Ok(Composite {
            smooth: self,
            penalty,
            lambda,
        })
    }

    fn b(&self) -> f64 {
        self.bias.unwrap_or(0.0)
    }

    /// ψ at `v` in `block` on the time-domain residual: N + 1 FFTs (1 when a
    /// cache holds v, none when the residual is at that point already).
    fn masked_value(&mut self, block: Block, v: &[f64]) -> Option<f64> {
        let masked = self.masked.as_mut()?;
        let offset = offset(self.bias, self.baseline.as_ref());
        let (core, a, x) = self.blocks.at(block, v);
        masked.form(core, a, x);
        Some(masked.energy(offset))
    }

    /// ψ and its gradient in `block` on the time-domain residual: the value's
    /// FFTs, then F of the masked residual and N inverse FFTs back.
    fn masked_gradient(&mut self, block: Block, v: &[f64], grad: &mut [f64]) -> Option<f64> {
        let masked = self.masked.as_mut()?;
        let offset = offset(self.bias, self.baseline.as_ref());
        let (core, a, x) = self.blocks.at(block, v);
        masked.form(core, a, x);
        let psi = masked.load(core, offset, |r| (0.5 * r * r, r));
        self.blocks.correlate_back(block, grad);
        Some(psi)
    }

    /// The bias or baseline step on the time-domain residual at (a, x): the
    /// exact minimiser over b (the window's mean of y − model) or over β
    /// (its projection onto the baseline's basis); no FFT when the residual
    /// is at (a, x) already.
    fn masked_refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        let masked = self.masked.as_mut()?;
        if self.bias.is_none() && self.baseline.is_none() {
            return None;
        }
        let (core, a_hat, x_hat) = self.blocks.point(a, x);
        masked.form(core, a_hat, x_hat);
        if let Some(baseline) = self.baseline.as_mut() {
            baseline.fit(masked.observed().map(|d| -d));
        } else {
            let m = masked.window().observed() as f64;
            self.bias = Some(-masked.observed().sum::<f64>() / m);
        }
        Some(masked.energy(offset(self.bias, self.baseline.as_ref())))
    }
}

/// What the time-domain residual adds to the model: the baseline, else the
/// bias, else nothing.
fn offset(bias: Option<f64>, baseline: Option<&Baseline>) -> Offset<'_> {
    match (baseline, bias) {
        (Some(b), _) => Offset::Signal(b.values()),
        (None, Some(b)) => Offset::Constant(b),
        (None, None) => Offset::Zero,
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

    /// ψ by Parseval: N FFTs (time-domain residual: N + 1).
    fn value_x(&mut self, x: &[f64]) -> f64 {
        match self.masked_value(Block::X, x) {
            Some(psi) => psi,
            None => self.blocks.value(Block::X, x, self.b()),
        }
    }

    /// ψ and ∇_{x_k}ψ = ǎ_k ⊛ r (App. C.1.1, C.1.2): 2N FFTs (time-domain
    /// residual: 2N + 2).
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        match self.masked_gradient(Block::X, x, grad) {
            Some(psi) => psi,
            None => self.blocks.gradient(Block::X, x, self.b(), grad),
        }
    }

    /// Caches X̂ (N FFTs, or none when x is the last x-trial evaluated).
    fn fix_x(&mut self, x: &[f64]) {
        self.blocks.fix(Block::X, x);
    }

    /// ψ by Parseval: N FFTs (time-domain residual: N + 1).
    fn value_a(&mut self, a: &[f64]) -> f64 {
        match self.masked_value(Block::A, a) {
            Some(psi) => psi,
            None => self.blocks.value(Block::A, a, self.b()),
        }
    }

    /// ψ and ∇_{a_k}ψ = ι*_{n→m}(x̌_k ⊛ r) (App. C.1.1, C.1.2, C.2): 2N FFTs
    /// (time-domain residual: 2N + 2).
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        match self.masked_gradient(Block::A, a, grad) {
            Some(psi) => psi,
            None => self.blocks.gradient(Block::A, a, self.b(), grad),
        }
    }

    /// The bias step of App. B.3: b = (Σy − Σ_k (Σa_k)(Σx_k))/m from the DC
    /// bins, then ψ at the new b (ψ − ½m(Δb)² when the last residual was at
    /// (a, x), else by Parseval). No FFT when (a, x) are the
    /// points just evaluated (the accepted iterate); `None` without bias.
    /// Under the linear model or with a baseline, the same step on the
    /// time-domain residual (the window's mean, or the baseline's
    /// least-squares fit), also free at the point just evaluated.
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        if self.masked.is_some() {
            return self.masked_refresh(a, x);
        }
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
