//! The balanced coordinates of the Huber-smoothed Bilinear Lasso.

use optim::{HessianProblem, Problem};

/// The Huber-smoothed Bilinear Lasso in balanced coordinates (a, z),
/// x = σz: f̃(a, z) = f(a, σz).
///
/// Why: near a minimiser the a-block of the Hessian is ≈ ι*C_x*C_xι ≈ ‖x‖²·I
/// while the x-block is ≈ C_a*C_a ≈ I (plus λ/μ off the support): in the
/// product metric the problem is ill-conditioned by ‖x‖² (≈ θm, a few
/// hundred in LQK+20's instances), which costs the curvilinear search
/// (a gradient method away from saddles) thousands of iterations and tCG
/// many inner ones. With σ ≈ ‖x‖ both blocks have curvature ≈ ‖x‖² — a
/// diagonal change of variables (a block preconditioner) that leaves the
/// minimisers and their kernels unchanged. σ = ‖y‖ estimates ‖x‖ from the
/// data alone (‖a ⊛ x‖ ≈ ‖a‖‖x‖ for sparse x and unit a).
pub(crate) struct Balanced<'a, P> {
    inner: &'a mut P,
    n: usize,
    sigma: f64,
    point: Vec<f64>,
    dir: Vec<f64>,
}

impl<'a, P> Balanced<'a, P> {
    /// Wraps `inner` (kernel block of length `n`) with x = σz.
    pub fn new(inner: &'a mut P, n: usize, len: usize, sigma: f64) -> Self {
        Self {
            inner,
            n,
            sigma,
            point: vec![0.0; len],
            dir: vec![0.0; len],
        }
    }

    fn unscale(n: usize, sigma: f64, from: &[f64], to: &mut [f64]) {
        to[..n].copy_from_slice(&from[..n]);
        to[n..]
            .iter_mut()
            .zip(&from[n..])
            .for_each(|(t, f)| *t = sigma * f);
    }
}

impl<P: Problem> Problem for Balanced<'_, P> {
    fn work(&self) -> u64 {
        self.inner.work()
    }

    fn cost(&mut self, p: &[f64]) -> f64 {
        Self::unscale(self.n, self.sigma, p, &mut self.point);
        self.inner.cost(&self.point)
    }

    fn cost_grad(&mut self, p: &[f64], g: &mut [f64]) -> f64 {
        Self::unscale(self.n, self.sigma, p, &mut self.point);
        let f = self.inner.cost_grad(&self.point, g);
        g[self.n..].iter_mut().for_each(|t| *t *= self.sigma);
        f
    }
}

impl<P: HessianProblem> HessianProblem for Balanced<'_, P> {
    fn ehess(&mut self, p: &[f64], d: &[f64], out: &mut [f64]) {
        Self::unscale(self.n, self.sigma, p, &mut self.point);
        Self::unscale(self.n, self.sigma, d, &mut self.dir);
        self.inner.ehess(&self.point, &self.dir, out);
        out[self.n..].iter_mut().for_each(|t| *t *= self.sigma);
    }
}
