//! The ℓ^p–ℓ^q formulation (seed 000, eq. 31).

use manifold::LqSphere;
use optim::{Composite, TwoBlockSmooth, WeightedL1};

use super::residual::SpectralResidual;
use super::shapes;
use crate::conv::{Plan, Plan1d, SpectrumCache};
use crate::error::{Result, check_at_least, check_lambda, check_len};

/// The smooth part of seed 000's eq. (31),
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
/// for r, F(g), F⁻¹ back); with the same caching of the fixed block and the
/// last evaluated point, an ADM / iADM iteration whose searches accept their
/// first trials costs 2·2 + 2·4 = 12.
#[derive(Debug, Clone)]
pub struct LpLq<P: Plan = Plan1d> {
    core: SpectralResidual<P>,
    kernel: P::Shape,
    signal: P::Shape,
    p: f64,
    q: f64,
    a_fixed: SpectrumCache<P>,
    a_last: SpectrumCache<P>,
    x_fixed: SpectrumCache<P>,
    x_last: SpectrumCache<P>,
    r: Vec<f64>,
}

impl LpLq<Plan1d> {
    /// y of length m, kernel length n < m, p ≥ 1, q ≥ 1.
    pub fn new(y: &[f64], n: usize, p: f64, q: f64) -> Result<Self> {
        shapes::check_1d(y, n)?;
        check_at_least("p", p, 1.0)?;
        check_at_least("q", q, 1.0)?;
        let plan = Plan1d::new(y.len())?;
        let m = y.len();
        let cache = |shape| SpectrumCache::new(&plan, shape, 1);
        let (a_fixed, a_last, x_fixed, x_last) = (cache(n), cache(n), cache(m), cache(m));
        Ok(Self {
            core: SpectralResidual::new(plan, y),
            kernel: n,
            signal: m,
            p,
            q,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
            r: vec![0.0; m],
        })
    }

    /// The unit ℓ^q sphere of the kernel. Errors from `manifold` when q = 1
    /// (the ℓ¹ sphere is not smooth; the manifold needs q > 1).
    pub fn manifold(&self) -> std::result::Result<LqSphere, manifold::ManifoldError> {
        LqSphere::new(self.kernel, self.q)
    }
}

impl<P: Plan> LpLq<P> {
    /// Real FFTs run so far (excluding F(y)).
    pub fn ffts(&self) -> u64 {
        self.core.plan.ffts()
    }

    /// ψ_p + λ‖w ⊙ x‖₁ (seed 000, eq. 31).
    pub fn into_composite(self, lambda: f64, penalty: WeightedL1) -> Result<Composite<Self, WeightedL1>> {
        check_lambda(lambda)?;
        check_len("weights", &penalty.weights, self.x_len())?;
        Ok(Composite {
            smooth: self,
            penalty,
            lambda,
        })
    }

    /// r = a ⊛ x − y into `self.r` from the cached spectra (1 inverse FFT);
    /// returns (1/p)‖r‖_p^p and, with `grad`, leaves g = |r|^{p−1}sign(r) in
    /// `self.r`.
    fn loss(&mut self, a_is_fixed: bool, grad: bool) -> f64 {
        let (a, x) = if a_is_fixed {
            (&self.a_fixed, &self.x_last)
        } else {
            (&self.a_last, &self.x_fixed)
        };
        self.core.residual(a, x, 0.0);
        self.core.residual_signal(&mut self.r);
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
}

impl<P: Plan> TwoBlockSmooth for LpLq<P> {
    fn a_len(&self) -> usize {
        P::count(self.kernel)
    }

    fn x_len(&self) -> usize {
        P::count(self.signal)
    }

    fn fix_a(&mut self, a: &[f64]) {
        self.a_fixed.fix_from(&mut self.a_last, &mut self.core.plan, a);
    }

    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.x_last.update(&mut self.core.plan, x);
        self.loss(true, false)
    }

    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.x_last.update(&mut self.core.plan, x);
        let v = self.loss(true, true);
        self.core.load_signal(&self.r);
        self.core.correlate_back(&self.a_fixed, self.signal, grad);
        v
    }

    fn fix_x(&mut self, x: &[f64]) {
        self.x_fixed.fix_from(&mut self.x_last, &mut self.core.plan, x);
    }

    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.a_last.update(&mut self.core.plan, a);
        self.loss(false, false)
    }

    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.a_last.update(&mut self.core.plan, a);
        let v = self.loss(false, true);
        self.core.load_signal(&self.r);
        self.core.correlate_back(&self.x_fixed, self.kernel, grad);
        v
    }
}
