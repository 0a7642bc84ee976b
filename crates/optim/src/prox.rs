//! Penalties g with cheap proximal operators, for the composite problems
//! min ψ(a, x) + λ·g(x) (LQK+20, App. B.1.1, C.1.1, B.3).
//!
//! `prox(z, ρ)` is argmin_u ρ·g(u) + ½‖u − z‖²; solvers call it with ρ = λ·t.

use crate::problem::Regularizer;

/// S_ρ(z) = sign(z)·max(|z| − ρ, 0), the soft-thresholding operator.
#[inline]
pub fn soft_threshold(z: f64, rho: f64) -> f64 {
    z.signum() * (z.abs() - rho).max(0.0)
}

/// g(x) = ‖x‖₁; prox = soft thresholding (LQK+20, App. C.1.1). With
/// `nonnegative`, g also includes the indicator of x ≥ 0 and the prox becomes
/// max(z − ρ, 0) (LQK+20, B.11).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct L1 {
    /// Constrain x ≥ 0.
    pub nonnegative: bool,
}

/// g(x) = Σ w_i|x_i| with w ≥ 0 (LQK+20, B.6/B.8, the reweighted penalty);
/// optional non-negativity as for [`L1`].
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedL1 {
    /// The weights w (one per entry of x, all ≥ 0 and finite).
    pub weights: Vec<f64>,
    /// Constrain x ≥ 0.
    pub nonnegative: bool,
}

/// The indicator of the non-negative orthant: prox = max(z, 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NonNegative;

/// The indicator of the ℓ² ball {‖x‖ ≤ r}: prox = projection onto the ball.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct L2Ball {
    /// The radius r > 0.
    pub radius: f64,
}

fn outside_orthant(x: &[f64]) -> bool {
    x.iter().any(|t| *t < 0.0)
}

impl Regularizer for L1 {
    fn value(&self, x: &[f64]) -> f64 {
        if self.nonnegative && outside_orthant(x) {
            return f64::INFINITY;
        }
        x.iter().map(|t| t.abs()).sum()
    }

    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
        if self.nonnegative {
            out.iter_mut().zip(z).for_each(|(o, zi)| *o = (zi - rho).max(0.0));
        } else {
            out.iter_mut()
                .zip(z)
                .for_each(|(o, zi)| *o = soft_threshold(*zi, rho));
        }
    }
}

impl WeightedL1 {
    /// Unit weights for m entries.
    pub fn uniform(m: usize, nonnegative: bool) -> Self {
        Self {
            weights: vec![1.0; m],
            nonnegative,
        }
    }
}

impl Regularizer for WeightedL1 {
    fn value(&self, x: &[f64]) -> f64 {
        if self.nonnegative && outside_orthant(x) {
            return f64::INFINITY;
        }
        x.iter().zip(&self.weights).map(|(t, w)| w * t.abs()).sum()
    }

    /// Separable: entry i is thresholded at ρ·w_i (LQK+20, after B.9).
    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]) {
        let entries = out.iter_mut().zip(z).zip(&self.weights);
        if self.nonnegative {
            entries.for_each(|((o, zi), w)| *o = (zi - rho * w).max(0.0));
        } else {
            entries.for_each(|((o, zi), w)| *o = soft_threshold(*zi, rho * w));
        }
    }
}

impl Regularizer for NonNegative {
    fn value(&self, x: &[f64]) -> f64 {
        if outside_orthant(x) { f64::INFINITY } else { 0.0 }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = zi.max(0.0));
    }
}

impl Regularizer for L2Ball {
    fn value(&self, x: &[f64]) -> f64 {
        let n = manifold::vecops::norm(x);
        if n <= self.radius * (1.0 + 1e-12) {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        let n = manifold::vecops::norm(z);
        let s = if n > self.radius { self.radius / n } else { 1.0 };
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = s * zi);
    }
}

/// A penalty whose per-entry weights the reweighting scheme (LQK+20,
/// Alg. 7) may reset.
pub trait Reweightable: Regularizer {
    /// Replaces the weights (one per entry of x).
    fn set_weights(&mut self, weights: &[f64]);
}

impl Reweightable for WeightedL1 {
    fn set_weights(&mut self, weights: &[f64]) {
        self.weights.clear();
        self.weights.extend_from_slice(weights);
    }
}

/// The indicator of the unit sphere {‖x‖ = 1} (nonconvex); its "prox" is the
/// normalisation x/‖x‖, the metric projection (a zero vector is left as is,
/// where the projection is undefined, and has value +∞).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitSphere;

impl Regularizer for UnitSphere {
    fn value(&self, x: &[f64]) -> f64 {
        if (manifold::vecops::norm(x) - 1.0).abs() <= 1e-10 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        let n = manifold::vecops::norm(z);
        let s = if n > 0.0 { 1.0 / n } else { 1.0 };
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = s * zi);
    }
}

/// The indicator of S^{n−1} ∩ ℝⁿ₊ = {‖x‖ = 1, x ≥ 0} (nonconvex; the kernel
/// set of ZLK+19 eq. 28); its "prox" is the metric projection:
/// max(z, 0)/‖max(z, 0)‖ when some zᵢ > 0 (⟨u, z⟩ ≤ ⟨u, z₊⟩ ≤ ‖z₊‖ for every
/// feasible u), else the basis vector e_i at i = argmax zᵢ (then
/// ⟨u, z⟩ ≤ maxᵢ zᵢ·Σuᵢ ≤ maxᵢ zᵢ, with equality at e_i): defined for every
/// finite z, so no fallback is needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NonNegativeSphere;

impl Regularizer for NonNegativeSphere {
    fn value(&self, x: &[f64]) -> f64 {
        if !outside_orthant(x) && (manifold::vecops::norm(x) - 1.0).abs() <= 1e-10 {
            0.0
        } else {
            f64::INFINITY
        }
    }

    fn prox(&self, z: &[f64], _rho: f64, out: &mut [f64]) {
        out.iter_mut().zip(z).for_each(|(o, zi)| *o = zi.max(0.0));
        let n = manifold::vecops::norm(out);
        if n > 0.0 && n.is_finite() {
            out.iter_mut().for_each(|o| *o /= n);
        } else if let Some(i) = (0..z.len()).max_by(|&i, &j| z[i].total_cmp(&z[j])) {
            out.iter_mut().for_each(|o| *o = 0.0);
            out[i] = 1.0;
        }
    }
}
