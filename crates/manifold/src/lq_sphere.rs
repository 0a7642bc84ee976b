//! The unit ℓ^q sphere {x ∈ ℝ^n : ‖x‖_q = 1}, the kernel constraint of the
//! ℓ^p–ℓ^q formulation (ZLK+19, Section 6, eq. 31).

use rand::Rng;

use crate::error::{ManifoldError, Result, check_args, check_len};
use crate::manifold::{Manifold, Vector, gaussian_vector};
use crate::retraction::{InverseRetraction, Normalize, ProjectionTransport, Retraction};
use crate::vecops::{is_zero, lincomb, max_abs, scale};

/// The unit ℓ^q sphere in ℝ^n with the metric induced by ℝ^n.
///
/// It is the level set h(x) = 1/q of h(x) = (1/q)·Σ|x_i|^q, whose gradient,
/// the normal, is ν(x)_i = sign(x_i)|x_i|^{q−1}.
///
/// * q ≥ 2: h is C², the set is a smooth (C²) embedded submanifold and every
///   operation is defined everywhere; q = 2 is the ordinary sphere.
/// * 1 < q < 2: h is only C¹ where a coordinate vanishes, so the set is a C¹
///   manifold. Tangent spaces, the projection, Riemannian gradients and the
///   normalisation retraction (and its inverse) are still well defined, but
///   the curvature term of the Riemannian Hessian contains |x_i|^{q−2}, which is
///   infinite at a zero coordinate: [`Manifold::ehess_to_rhess`] returns
///   [`ManifoldError::OutsideDomain`] at such points instead of an infinity.
/// * q ≤ 1 is refused: the set has corners (q = 1) or is not the boundary of a
///   convex body (q < 1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LqSphere {
    n: usize,
    q: f64,
}

impl LqSphere {
    /// The unit ℓ^q sphere in ℝ^n; errors when n = 0 or q is not finite and > 1.
    pub fn new(n: usize, q: f64) -> Result<Self> {
        if n == 0 {
            return Err(ManifoldError::ZeroDimension {
                what: "l^q sphere size",
            });
        }
        if !(q.is_finite() && q > 1.0) {
            return Err(ManifoldError::InvalidExponent { q });
        }
        Ok(Self { n, q })
    }

    /// The exponent q.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// ‖x‖_q.
    pub fn lq_norm(&self, x: &[f64]) -> f64 {
        let scale = max_abs(x);
        if scale == 0.0 || !scale.is_finite() {
            return scale;
        }
        scale
            * x.iter()
                .map(|t| (t.abs() / scale).powf(self.q))
                .sum::<f64>()
                .powf(1.0 / self.q)
    }

    /// ν(x)_i = sign(x_i)|x_i|^{q−1}, the gradient of (1/q)‖x‖_q^q.
    fn normal_entry(&self, t: f64) -> f64 {
        t.signum() * t.abs().powf(self.q - 1.0)
    }

    /// μ = ⟨ν, v⟩/⟨ν, ν⟩, the coefficient of v along the normal.
    fn normal_coefficient(&self, x: &[f64], v: &[f64]) -> f64 {
        let (mut nv, mut nn) = (0.0, 0.0);
        for (&xi, &vi) in x.iter().zip(v) {
            let ni = self.normal_entry(xi);
            nv += ni * vi;
            nn += ni * ni;
        }
        nv / nn
    }
}

impl Manifold for LqSphere {
    type Retraction = Normalize;
    type Transport = ProjectionTransport;

    fn name(&self) -> String {
        format!("LqSphere(n = {}, q = {})", self.n, self.q)
    }

    fn dim(&self) -> usize {
        self.n - 1
    }

    fn ambient_dim(&self) -> usize {
        self.n
    }

    /// P_x(v) = v − (⟨ν, v⟩/⟨ν, ν⟩)·ν.
    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
        check_len(x, self.n)?;
        check_len(v, self.n)?;
        let mu = self.normal_coefficient(x, v);
        for (vi, &xi) in v.iter_mut().zip(x) {
            *vi -= mu * self.normal_entry(xi);
        }
        Ok(())
    }

    /// Hess f\[u\] = P_x(∇²f\[u\] − μ·(q−1)·|x|^{q−2} ⊙ u), μ = ⟨ν, ∇f⟩/⟨ν, ν⟩ the
    /// Lagrange multiplier of the constraint (1/q)‖x‖_q^q = 1/q.
    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
        check_args(self.n, &[x, egrad, u], hess)?;
        if self.q < 2.0 && x.contains(&0.0) {
            return Err(ManifoldError::OutsideDomain {
                operation: "the Riemannian Hessian on the l^q sphere with q < 2",
                reason: "a coordinate of the point is zero, where the sphere is not twice differentiable",
            });
        }
        let mu = self.normal_coefficient(x, egrad);
        let c = mu * (self.q - 1.0);
        for ((hi, &xi), &ui) in hess.iter_mut().zip(x).zip(u) {
            // q = 2 gives |x|^0 = 1 even at x_i = 0 (powf(0, 0) = 1).
            *hi -= c * xi.abs().powf(self.q - 2.0) * ui;
        }
        self.project(x, hess)
    }

    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
        let mut x = gaussian_vector(self.n, rng);
        let nq = self.lq_norm(x.as_slice());
        x /= nq;
        x
    }

    /// π·n^{max(0, 1/2 − 1/q)}: the ℓ² diameter of the ℓ^q sphere grows like
    /// n^{1/2 − 1/q} for q > 2.
    fn typical_dist(&self) -> f64 {
        std::f64::consts::PI * (self.n as f64).powf((0.5 - 1.0 / self.q).max(0.0))
    }

    fn point_deviation(&self, x: &[f64]) -> f64 {
        (self.lq_norm(x) - 1.0).abs()
    }

    /// |⟨ν, v⟩|/‖ν‖: the component of v along the unit normal.
    fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64 {
        let (mut nv, mut nn) = (0.0, 0.0);
        for (&xi, &vi) in x.iter().zip(v) {
            let ni = self.normal_entry(xi);
            nv += ni * vi;
            nn += ni * ni;
        }
        (nv / nn.sqrt()).abs()
    }
}

/// R_x(v) = (x + v)/‖x + v‖_q.
impl Retraction<LqSphere> for Normalize {
    fn retract(&self, m: &LqSphere, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.n, &[x, v], out)?;
        if is_zero(v) {
            out.copy_from_slice(x);
            return Ok(());
        }
        lincomb(1.0, x, 1.0, v, out);
        let nq = m.lq_norm(out);
        if nq == 0.0 {
            return Err(ManifoldError::ZeroVector { column: 0 });
        }
        if !nq.is_finite() {
            return Err(ManifoldError::NonFinite { index: 0 });
        }
        scale(1.0 / nq, out);
        Ok(())
    }
}

/// R_x^{-1}(y) = y/⟨ν(x), y⟩ − x: x + v must be a positive multiple s·y of y
/// and tangent, ⟨ν, s·y − x⟩ = 0 with ⟨ν, x⟩ = ‖x‖_q^q = 1; defined for
/// ⟨ν(x), y⟩ > 0.
impl InverseRetraction<LqSphere> for Normalize {
    fn inverse_retract(&self, m: &LqSphere, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.n, &[x, y], out)?;
        let c: f64 = x.iter().zip(y).map(|(&xi, &yi)| m.normal_entry(xi) * yi).sum();
        let c = c / x.iter().map(|&xi| m.normal_entry(xi) * xi).sum::<f64>();
        if c <= 0.0 || !c.is_finite() {
            return Err(ManifoldError::OutsideDomain {
                operation: "the inverse of the l^q normalisation",
                reason: "the target is not on the positive side of the base point's tangent plane",
            });
        }
        lincomb(1.0 / c, y, -1.0, x, out);
        Ok(())
    }
}
