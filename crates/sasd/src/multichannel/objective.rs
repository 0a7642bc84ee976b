//! The preconditioned multichannel objective (Qu19, "Reducing the Problem to
//! Dictionary Learning"; QLZ20 §2):
//!
//! f(q) = (1/(np)) Σ_i Σ_j φ((C_{y_i} P q)_j),  q ∈ S^{n−1},
//!
//! the problem min_q φ(qᵀȲ) of complete dictionary learning with
//! Ȳ = (YYᵀ)^{−1/2}Y, written for circulant blocks. Every product with
//! W_i = C_{y_i}P is a pointwise product of half spectra, so a cost costs
//! p + 1 real FFTs and a gradient or a Hessian-vector product 2p + 2.

use optim::{HessianProblem, Problem};

use super::preconditioner::Preconditioned;
use crate::conv::{Complex64, Plan, Plan1d};
use crate::error::{Result, SasdError};

/// The sparsity-promoting function φ applied entrywise (Qu19: φ = ‖·‖₁ or
/// −‖·‖₄⁴).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sparsity {
    /// φ(z) = −z⁴/4: ℓ⁴ maximisation (Qu19; the ℓ⁴ formulation of
    /// multichannel blind deconvolution of LB18). Smooth, no parameter.
    NegativeL4,
    /// The Huber function of QLZ20 §2, a smoothed ℓ¹:
    /// h_μ(z) = |z| for |z| ≥ μ, z²/(2μ) + μ/2 otherwise. The preconditioned
    /// entries have unit variance, so μ is on that scale (QLZ20 use small μ,
    /// here 0.1 works).
    Huber {
        /// The smoothing width μ > 0.
        mu: f64,
    },
}

impl Sparsity {
    /// Fails unless μ (for Huber) is finite and positive.
    pub(crate) fn validate(self) -> Result<Self> {
        match self {
            Sparsity::Huber { mu } if !(mu.is_finite() && mu > 0.0) => Err(SasdError::InvalidParameter {
                name: "huber mu",
                value: mu,
                min: f64::MIN_POSITIVE,
            }),
            s => Ok(s),
        }
    }

    /// φ(z).
    fn value(self, z: f64) -> f64 {
        match self {
            Sparsity::NegativeL4 => -0.25 * (z * z) * (z * z),
            Sparsity::Huber { mu } if z.abs() >= mu => z.abs(),
            Sparsity::Huber { mu } => z * z / (2.0 * mu) + 0.5 * mu,
        }
    }

    /// φ'(z).
    fn first(self, z: f64) -> f64 {
        match self {
            Sparsity::NegativeL4 => -z * z * z,
            Sparsity::Huber { mu } => (z / mu).clamp(-1.0, 1.0),
        }
    }

    /// φ''(z) (for Huber, 0 at the kinks |z| = μ).
    fn second(self, z: f64) -> f64 {
        match self {
            Sparsity::NegativeL4 => -3.0 * z * z,
            Sparsity::Huber { mu } if z.abs() < mu => 1.0 / mu,
            Sparsity::Huber { .. } => 0.0,
        }
    }
}

/// f(q) of the module's problem with its gradient and Hessian-vector
/// products, for the `optim` solvers on the sphere S^{n−1}.
///
/// Keeps z_i = W_i q of the last point it saw, so the Hessian-vector
/// products of a trust-region step at that point cost no recomputation.
/// Counts its real FFTs ([`Problem::work`]).
#[derive(Debug, Clone)]
pub struct MultichannelObjective {
    data: Preconditioned,
    sparsity: Sparsity,
    plan: Plan1d,
    /// Half spectrum of the point (or direction) being applied.
    point_spec: Vec<Complex64>,
    /// Half-spectrum scratch for one signal's product.
    spec: Vec<Complex64>,
    /// Σ_i conj(Ŵ_i)·(…)̂, the adjoint sums.
    acc: Vec<Complex64>,
    /// z_i = W_i q at `at`, signal after signal (p × n).
    z: Vec<f64>,
    /// The point z was computed at (empty before the first call).
    at: Vec<f64>,
    /// One signal's worth of real scratch.
    buf: Vec<f64>,
    /// Half spectrum of a Hessian's direction u.
    dir_spec: Vec<Complex64>,
    /// d_i ⊙ W_i u, signal after signal (p × n).
    dir_outputs: Vec<f64>,
    /// φ''(z_i) at `at` (p × n), the Hessian's weights.
    curvature: Vec<f64>,
}

impl MultichannelObjective {
    /// The objective of preconditioned data with this φ. Errors: an invalid
    /// Huber μ.
    pub fn new(data: Preconditioned, sparsity: Sparsity) -> Result<Self> {
        let sparsity = sparsity.validate()?;
        let (n, p, bins) = (data.n, data.p, data.bins());
        let zero = Complex64::new(0.0, 0.0);
        Ok(Self {
            plan: Plan1d::new(n)?,
            point_spec: vec![zero; bins],
            spec: vec![zero; bins],
            acc: vec![zero; bins],
            z: vec![0.0; n * p],
            at: Vec::with_capacity(n),
            buf: vec![0.0; n],
            dir_spec: vec![zero; bins],
            dir_outputs: vec![0.0; n * p],
            curvature: Vec::with_capacity(n * p),
            data,
            sparsity,
        })
    }

    /// The preconditioned data.
    pub fn data(&self) -> &Preconditioned {
        &self.data
    }

    /// The φ in use.
    pub fn sparsity(&self) -> Sparsity {
        self.sparsity
    }

    /// z_i = W_i q = C_{y_i}Pq for every signal, signal after signal (the
    /// rows of qᵀȲ; at a solution, the shifted sparse activations up to
    /// scale).
    pub fn preconditioned_outputs(&mut self, q: &[f64]) -> &[f64] {
        self.ensure_outputs(q);
        &self.z
    }

    /// Recomputes z at q unless it is already there: p + 1 FFTs.
    fn ensure_outputs(&mut self, q: &[f64]) {
        if self.at.as_slice() == q {
            return;
        }
        let (n, bins) = (self.data.n, self.data.bins());
        self.plan.forward(q, n, &mut self.point_spec);
        for (w, z) in self.data.filters.chunks(bins).zip(self.z.chunks_mut(n)) {
            self.spec
                .iter_mut()
                .zip(w.iter().zip(&self.point_spec))
                .for_each(|(s, (wk, qk))| *s = wk * qk);
            self.plan.inverse(&mut self.spec, n, z);
        }
        self.at.clear();
        self.at.extend_from_slice(q);
    }

    /// out = (1/(np)) Σ_i W_iᵀ g(i, ·) where g fills one signal's vector
    /// from its index: 2 FFTs per signal and one inverse.
    fn adjoint_sum(&mut self, out: &mut [f64], mut fill: impl FnMut(usize, &[f64], &mut [f64])) {
        let (n, p, bins) = (self.data.n, self.data.p, self.data.bins());
        self.acc.fill(Complex64::new(0.0, 0.0));
        for (i, (w, z)) in self.data.filters.chunks(bins).zip(self.z.chunks(n)).enumerate() {
            fill(i, z, &mut self.buf);
            self.plan.forward(&self.buf, n, &mut self.spec);
            self.acc
                .iter_mut()
                .zip(w.iter().zip(&self.spec))
                .for_each(|(a, (wk, sk))| *a += wk.conj() * sk);
        }
        self.plan.inverse(&mut self.acc, n, out);
        let scale = 1.0 / (n * p) as f64;
        out.iter_mut().for_each(|o| *o *= scale);
    }

    /// out = (1/(np)) Σ_i W_iᵀ (d_i ⊙ W_i u) for weights d (p × n, signal
    /// after signal): the Hessian's form, and the normal matrix of the
    /// reweighted least squares of the rounding step. 2p + 2 FFTs.
    pub(crate) fn weighted_normal_product(&mut self, weights: &[f64], u: &[f64], out: &mut [f64]) {
        let (n, bins) = (self.data.n, self.data.bins());
        self.plan.forward(u, n, &mut self.dir_spec);
        let weighted = self.dir_outputs.chunks_mut(n).zip(weights.chunks(n));
        for (w, (wu, d)) in self.data.filters.chunks(bins).zip(weighted) {
            self.spec
                .iter_mut()
                .zip(w.iter().zip(&self.dir_spec))
                .for_each(|(c, (wk, uk))| *c = wk * uk);
            self.plan.inverse(&mut self.spec, n, wu);
            wu.iter_mut().zip(d).for_each(|(v, dj)| *v *= dj);
        }
        let weighted = std::mem::take(&mut self.dir_outputs);
        self.adjoint_sum(out, |i, _, buf| {
            buf.copy_from_slice(&weighted[i * n..(i + 1) * n])
        });
        self.dir_outputs = weighted;
    }

    fn total(&self) -> f64 {
        let s = self.sparsity;
        self.z.iter().map(|&z| s.value(z)).sum::<f64>() / self.z.len() as f64
    }
}

impl Problem for MultichannelObjective {
    /// f(q) = (1/(np)) Σ_{i,j} φ((W_i q)_j).
    fn cost(&mut self, q: &[f64]) -> f64 {
        self.ensure_outputs(q);
        self.total()
    }

    /// ∇f(q) = (1/(np)) Σ_i W_iᵀ φ'(W_i q).
    fn cost_grad(&mut self, q: &[f64], egrad: &mut [f64]) -> f64 {
        self.ensure_outputs(q);
        let s = self.sparsity;
        self.adjoint_sum(egrad, |_, z, buf| {
            buf.iter_mut().zip(z).for_each(|(b, &zj)| *b = s.first(zj));
        });
        self.total()
    }

    fn work(&self) -> u64 {
        self.plan.ffts()
    }
}

impl HessianProblem for MultichannelObjective {
    /// ∇²f(q)\[u\] = (1/(np)) Σ_i W_iᵀ (φ''(W_i q) ⊙ W_i u).
    fn ehess(&mut self, q: &[f64], u: &[f64], out: &mut [f64]) {
        self.ensure_outputs(q);
        let s = self.sparsity;
        let mut curvature = std::mem::take(&mut self.curvature);
        curvature.clear();
        curvature.extend(self.z.iter().map(|&z| s.second(z)));
        self.weighted_normal_product(&curvature, u, out);
        self.curvature = curvature;
    }
}
