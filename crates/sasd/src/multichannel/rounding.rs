//! The rounding step of QLZ20: from a point r close to a
//! target solution, the linear program
//!
//! min_q (1/(np)) Σ_i ‖C_{y_i}Pq‖₁  subject to  ⟨r, q⟩ = 1
//!
//! has the target itself (scaled) as its solution, so it removes the small
//! bias that any smooth φ leaves (the ℓ⁴ minimiser sits ~1e-2 away at
//! p = 50, n = 200). Solved here by iteratively reweighted least squares
//! (Daubechies, DeVore, Fornasier & Güntürk 2010, DDFG10): with weights
//! d = 1/max(|z|, ε) and a shrinking ε, each step is the equality-
//! constrained least squares min Σ d·z² s.t. ⟨r, q⟩ = 1, whose solution is
//! q = M⁻¹r / ⟨r, M⁻¹r⟩ with M = (1/(np)) Σ_i W_iᵀ D_i W_i, found by
//! conjugate gradients on FFT products.

use manifold::vecops::dot;

use super::objective::MultichannelObjective;

/// Settings of the rounding.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rounding {
    /// Reweighting steps.
    pub steps: usize,
    /// ε of the first step, relative to the RMS of z (1: z has unit
    /// variance after preconditioning).
    pub first_eps: f64,
    /// ε shrinks by this factor per step, down to `last_eps`.
    pub shrink: f64,
    /// The smallest ε.
    pub last_eps: f64,
    /// Conjugate-gradient iterations per step at most.
    pub cg_iterations: usize,
    /// Relative residual at which CG stops.
    pub cg_tolerance: f64,
}

impl Default for Rounding {
    fn default() -> Self {
        Self {
            steps: 12,
            first_eps: 1e-1,
            shrink: 0.2,
            last_eps: 1e-9,
            cg_iterations: 400,
            cg_tolerance: 1e-12,
        }
    }
}

/// What a rounding did.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(crate) struct RoundingReport {
    /// Reweighting steps run.
    pub steps: usize,
    /// CG iterations in all.
    pub cg_iterations: usize,
}

/// Rounds r (a unit vector near a solution) by IRLS for the linear program
/// of the [module](self); returns the rounded point on the sphere, or r
/// itself when a step breaks down (a non-finite or vanishing ⟨r, M⁻¹r⟩).
pub(crate) fn round(
    objective: &mut MultichannelObjective,
    r: &[f64],
    opts: Rounding,
) -> (Vec<f64>, RoundingReport) {
    let n = r.len();
    let mut q = r.to_vec();
    let mut v = r.to_vec();
    let mut weights = Vec::new();
    let mut report = RoundingReport {
        steps: 0,
        cg_iterations: 0,
    };
    let mut eps = opts.first_eps;
    for _ in 0..opts.steps {
        let z = objective.preconditioned_outputs(&q);
        weights.clear();
        weights.extend(z.iter().map(|zj| 1.0 / zj.abs().max(eps)));
        report.cg_iterations += conjugate_gradient(objective, &weights, r, &mut v, opts);
        let rv = dot(r, &v);
        if !(rv.is_finite() && rv.abs() > 0.0) {
            return (r.to_vec(), report);
        }
        q.iter_mut().zip(&v).for_each(|(qj, vj)| *qj = vj / rv);
        report.steps += 1;
        eps = (eps * opts.shrink).max(opts.last_eps);
    }
    let norm = dot(&q, &q).sqrt();
    if !(norm.is_finite() && norm > 0.0) || n == 0 {
        return (r.to_vec(), report);
    }
    q.iter_mut().for_each(|t| *t /= norm);
    (q, report)
}

/// Solves M v = b by CG from the v given (warm start); returns iterations.
fn conjugate_gradient(
    objective: &mut MultichannelObjective,
    weights: &[f64],
    b: &[f64],
    v: &mut [f64],
    opts: Rounding,
) -> usize {
    let n = b.len();
    let mut mv = vec![0.0; n];
    objective.weighted_normal_product(weights, v, &mut mv);
    let mut res: Vec<f64> = b.iter().zip(&mv).map(|(bi, mi)| bi - mi).collect();
    let mut dir = res.clone();
    let mut rr = dot(&res, &res);
    let target = opts.cg_tolerance * opts.cg_tolerance * dot(b, b);
    let mut md = vec![0.0; n];
    for k in 0..opts.cg_iterations {
        if rr <= target {
            return k;
        }
        objective.weighted_normal_product(weights, &dir, &mut md);
        let curvature = dot(&dir, &md);
        if !(curvature.is_finite() && curvature > 0.0) {
            return k;
        }
        let alpha = rr / curvature;
        v.iter_mut().zip(&dir).for_each(|(vi, di)| *vi += alpha * di);
        res.iter_mut().zip(&md).for_each(|(ri, mi)| *ri -= alpha * mi);
        let rr_new = dot(&res, &res);
        let beta = rr_new / rr;
        rr = rr_new;
        dir.iter_mut()
            .zip(&res)
            .for_each(|(di, ri)| *di = ri + beta * *di);
    }
    opts.cg_iterations
}
