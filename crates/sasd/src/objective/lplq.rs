//! The ℓ^p–ℓ^q formulation (ZLK+19, eq. 31).

use manifold::LqSphere;
use optim::{Composite, TwoBlockSmooth, WeightedL1};

use super::residual::{Block, BlockSpectra, Masked, Offset};
use super::shapes;
use crate::conv::{Boundary, Plan, Plan1d};
use crate::error::{Result, check_at_least, check_lambda, check_len};

/// The smooth part of ZLK+19's eq. (31),
///
/// ψ_p(a, x) = (1/p)‖y − a ⊛ x‖_p^p,   ‖a‖_q = 1,
///
/// for the composite ψ_p + λ‖x‖₁ ([`into_composite`](Self::into_composite))
/// with a on the unit ℓ^q sphere ([`manifold`](Self::manifold)), cyclic
/// convolution of length m, a zero-padded (ι_{n→m}).
///
/// Gradients, with r = a ⊛ x − y and g = |r|^{p−1} ⊙ sign(r):
/// ∇_x ψ_p = ǎ ⊛ g, ∇_a ψ_p = ι*(x̌ ⊛ g).
///
/// Smoothness: for p ≥ 2, ψ_p is C² (p = 2 is the Bilinear Lasso without
/// bias); for 1 < p < 2 it is C¹ but its gradient is only Hölder-continuous
/// (|r|^{p−1} has unbounded slope at rᵢ = 0), so backtracking steps shrink
/// near exact fits and a Taylor check at a point with some rᵢ ≈ 0 shows a
/// slope between p and 2; for p = 1 it is nonsmooth and `grad_*` return the
/// subgradient with sign(0) = 0 — usable, without convergence guarantee.
///
/// FFTs (one kernel): the residual needs one inverse transform beyond the
/// Bilinear Lasso's, so value 2, gradient 4 (F of the evaluated block, F⁻¹
/// for r, F(g), F⁻¹ back), one less at a point a cache holds; the spectra of
/// both blocks are cached as the Bilinear Lasso's are (the fixed point and
/// the last one evaluated), so an ADM / iADM iteration whose searches accept
/// their first trials costs 2·2 + 2·4 = 12.
///
/// Under [`Boundary::Linear`] ([`new_with`](Self::new_with)) the loss is
/// taken over the observed window of the linear convolution only, r =
/// P_W(a ∗ x) − y with x of m + n − 1 entries (see [`Boundary`]); the FFT
/// counts are the same, of the padded length.
#[derive(Debug, Clone)]
pub struct LpLq<P: Plan = Plan1d> {
    blocks: BlockSpectra<P>,
    p: f64,
    q: f64,
    /// r on x's grid (masked to the window), then g = ℓ′(r).
    masked: Masked<P>,
}

impl LpLq<Plan1d> {
    /// y of length m, kernel length n < m, p ≥ 1, q ≥ 1; circular model.
    pub fn new(y: &[f64], n: usize, p: f64, q: f64) -> Result<Self> {
        Self::new_with(y, n, p, q, Boundary::Circular)
    }

    /// [`new`](Self::new) under the observation model `boundary`
    /// (x of m + n − 1 entries under [`Boundary::Linear`]).
    pub fn new_with(y: &[f64], n: usize, p: f64, q: f64, boundary: Boundary) -> Result<Self> {
        let layout = shapes::layout_1d(y, n, boundary)?;
        check_at_least("p", p, 1.0)?;
        check_at_least("q", q, 1.0)?;
        let full = layout.activation;
        Ok(Self {
            blocks: BlockSpectra::new(layout.plan, &layout.y, n, full, 1, true),
            p,
            q,
            masked: Masked::new(layout.window, full),
        })
    }

    /// The unit ℓ^q sphere of the kernel. Errors from `manifold` when q = 1
    /// (the ℓ¹ sphere is not smooth; the manifold needs q > 1).
    pub fn manifold(&self) -> std::result::Result<LqSphere, manifold::ManifoldError> {
        LqSphere::new(self.blocks.kernel, self.q)
    }
}

impl<P: Plan> LpLq<P> {
    /// Real FFTs run so far (excluding F(y)).
    pub fn ffts(&self) -> u64 {
        self.blocks.ffts()
    }

    /// Entries of x (m circular, m + n − 1 linear).
    pub fn activation_len(&self) -> usize {
        P::count(self.blocks.signal)
    }

    /// ψ_p + λ‖w ⊙ x‖₁ (ZLK+19, eq. 31).
    pub fn into_composite(self, lambda: f64, penalty: WeightedL1) -> Result<Composite<Self, WeightedL1>> {
        check_lambda(lambda)?;
        if !penalty.fits(self.x_len()) {
            check_len("weights", &penalty.weights, self.x_len())?;
        }
        Ok(Composite {
            smooth: self,
            penalty,
            lambda,
        })
    }

    /// (1/p)|r|^p and its derivative |r|^{p−1}sign(r) (0 at r = 0); p = 2
    /// without powf.
    fn loss_of(p: f64, r: f64) -> (f64, f64) {
        let m = r.abs();
        if p == 2.0 {
            (0.5 * m * m, if m == 0.0 { 0.0 } else { r })
        } else {
            let g = if m == 0.0 {
                0.0
            } else {
                r.signum() * m.powf(p - 1.0)
            };
            (m.powf(p) / p, g)
        }
    }

    /// r = P_W(a ⊛ x) − y at `v` in `block` (the other block fixed): the
    /// block's FFT unless cached, then 1 inverse FFT; returns (1/p)‖r‖_p^p.
    fn loss(&mut self, block: Block, v: &[f64]) -> f64 {
        let (core, a, x) = self.blocks.at(block, v);
        self.masked.form(core, a, x);
        let p = self.p;
        self.masked.sum(Offset::Zero, |r| Self::loss_of(p, r).0)
    }

    /// (1/p)‖r‖_p^p and its gradient in `block`: ǒ ⊛ g carried back from
    /// F(g), o the other block (2 FFTs beyond the loss).
    fn loss_grad(&mut self, block: Block, v: &[f64], grad: &mut [f64]) -> f64 {
        let (core, a, x) = self.blocks.at(block, v);
        self.masked.form(core, a, x);
        let p = self.p;
        let value = self.masked.load(core, Offset::Zero, |r| Self::loss_of(p, r));
        self.blocks.correlate_back(block, grad);
        value
    }
}

impl<P: Plan> TwoBlockSmooth for LpLq<P> {
    fn a_len(&self) -> usize {
        self.blocks.a_len()
    }

    fn x_len(&self) -> usize {
        self.blocks.x_len()
    }

    fn fix_a(&mut self, a: &[f64]) {
        self.blocks.fix(Block::A, a);
    }

    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.loss(Block::X, x)
    }

    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.loss_grad(Block::X, x, grad)
    }

    fn fix_x(&mut self, x: &[f64]) {
        self.blocks.fix(Block::X, x);
    }

    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.loss(Block::A, a)
    }

    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.loss_grad(Block::A, a, grad)
    }
}
