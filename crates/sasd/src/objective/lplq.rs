//! The ℓ^p–ℓ^q formulation (ZLK+19, eq. 31).

use manifold::LqSphere;
use optim::{Composite, TwoBlockSmooth, WeightedL1};

use super::residual::{Block, BlockSpectra};
use super::shapes;
use crate::conv::{Plan, Plan1d};
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
#[derive(Debug, Clone)]
pub struct LpLq<P: Plan = Plan1d> {
    blocks: BlockSpectra<P>,
    p: f64,
    q: f64,
    /// r, then g = ℓ′(r).
    r: Vec<f64>,
}

impl LpLq<Plan1d> {
    /// y of length m, kernel length n < m, p ≥ 1, q ≥ 1.
    pub fn new(y: &[f64], n: usize, p: f64, q: f64) -> Result<Self> {
        shapes::check_1d(y, n)?;
        check_at_least("p", p, 1.0)?;
        check_at_least("q", q, 1.0)?;
        Ok(Self {
            blocks: BlockSpectra::new(Plan1d::new(y.len())?, y, n, 1),
            p,
            q,
            r: vec![0.0; y.len()],
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

    /// ψ_p + λ‖w ⊙ x‖₁ (ZLK+19, eq. 31).
    pub fn into_composite(self, lambda: f64, penalty: WeightedL1) -> Result<Composite<Self, WeightedL1>> {
        check_lambda(lambda)?;
        check_len("weights", &penalty.weights, self.x_len())?;
        Ok(Composite {
            smooth: self,
            penalty,
            lambda,
        })
    }

    /// r = a ⊛ x − y into `self.r` at `v` in `block` (the other block fixed):
    /// the block's FFT unless cached, then 1 inverse FFT; returns
    /// (1/p)‖r‖_p^p and, with `grad`, leaves g = |r|^{p−1}sign(r) in `self.r`.
    fn loss(&mut self, block: Block, v: &[f64], grad: bool) -> f64 {
        self.blocks.residual(block, v);
        self.blocks.core.residual_signal(&mut self.r);
        let p = self.p;
        let mut value = 0.0;
        for r in &mut self.r {
            let m = r.abs();
            // |r|^p / p and |r|^{p−1}·sign(r); p = 2 without powf.
            let (v, g) = if p == 2.0 {
                (0.5 * m * m, *r)
            } else {
                (m.powf(p) / p, r.signum() * m.powf(p - 1.0))
            };
            value += v;
            if grad {
                *r = if m == 0.0 { 0.0 } else { g };
            }
        }
        value
    }

    /// (1/p)‖r‖_p^p and its gradient in `block`: ǒ ⊛ g carried back from
    /// F(g), o the other block (2 FFTs beyond the loss).
    fn loss_grad(&mut self, block: Block, v: &[f64], grad: &mut [f64]) -> f64 {
        let value = self.loss(block, v, true);
        self.blocks.core.load_signal(&self.r);
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
        self.loss(Block::X, x, false)
    }

    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.loss_grad(Block::X, x, grad)
    }

    fn fix_x(&mut self, x: &[f64]) {
        self.blocks.fix(Block::X, x);
    }

    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.loss(Block::A, a, false)
    }

    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.loss_grad(Block::A, a, grad)
    }
}
