//! The Huber-smoothed Bilinear Lasso on S^{n−1} × ℝ^m (ZLK+19, eq. 22),
//! a smooth joint problem for second-order solvers.

use optim::{HessianProblem, Problem};

use super::residual::{Masked, Offset, SpectralResidual};
use super::shapes::{self, Layout};
use crate::conv::{Boundary, Complex64, Plan, Plan1d, Plan2d, SpectrumCache};
use crate::error::{Result, check_at_least, check_lambda};

/// f(a, x) = ½‖y − a ⊛ x‖² + λ·h_μ(x), with the Huber function of ZLK+19
/// eq. (22)
///
/// h_μ(x) = Σ_{|xᵢ| ≤ μ} (xᵢ²/(2μ) + μ/2) + Σ_{|xᵢ| > μ} |xᵢ|,
///
/// as a [`Problem`] / [`HessianProblem`] on the product S^{n−1} × ℝ^m
/// (point [a; x]; `Product::new(Sphere::new(n), Euclidean::new(m))`, 2-D:
/// `Sphere::matrix(n₁, n₂)`), so that trust region and curvilinear search run
/// on the same SaSD problem as iADM.
///
/// With r = a ⊛ x − y and a direction (u, v), δr = u ⊛ x + a ⊛ v:
/// * ∇_a f = ι*(x̌ ⊛ r), ∇_x f = ǎ ⊛ r + λ h′_μ(x), h′_μ(t) = t/μ on |t| ≤ μ,
///   sign(t) outside;
/// * ∇²f[(u, v)] = ( ι*(x̌ ⊛ δr + v̌ ⊛ r), ǎ ⊛ δr + ǔ ⊛ r + λ h″_μ(x) ⊙ v ),
///   h″_μ = 1/μ on |t| < μ and 0 outside (h_μ is C¹: this is its Hessian
///   almost everywhere);
///
/// each pair of correlations summed in the Fourier domain before one inverse
/// transform. FFTs: cost 2, cost and gradient 4, Hessian-vector product 4
/// (+2 at a point other than the last one evaluated).
///
/// Under [`Boundary::Linear`] ([`new_with`](HuberLasso::new_with),
/// [`new_2d_with`](HuberLasso::new_2d_with)) r = P_W(a ∗ x) − y on the
/// observed window, x of m + n − 1 entries per axis (see [`Boundary`]); R̂
/// and δR̂ are then the spectra of the masked r and P_W*P_W δr (each one
/// inverse and one forward FFT more): cost 3, cost and gradient 6,
/// Hessian-vector product 6 at the point last evaluated.
#[derive(Debug, Clone)]
pub struct HuberLasso<P: Plan = Plan1d> {
    core: SpectralResidual<P>,
    kernel: P::Shape,
    signal: P::Shape,
    lambda: f64,
    mu: f64,
    a: SpectrumCache<P>,
    x: SpectrumCache<P>,
    u_hat: Vec<Complex64>,
    v_hat: Vec<Complex64>,
    /// δR̂ of a Hessian-vector product.
    dr_hat: Vec<Complex64>,
    work: Vec<Complex64>,
    /// The linear model's time-domain residual, δr buffer, and whether R̂
    /// holds the spectrum of the residual formed.
    masked: Option<(Masked<P>, Vec<f64>, bool)>,
}

impl HuberLasso<Plan1d> {
    /// 1-D: y of length m, kernel length n < m, λ > 0, μ > 0; circular model.
    pub fn new(y: &[f64], n: usize, lambda: f64, mu: f64) -> Result<Self> {
        Self::new_with(y, n, lambda, mu, Boundary::Circular)
    }

    /// [`new`](Self::new) under the observation model `boundary`.
    pub fn new_with(y: &[f64], n: usize, lambda: f64, mu: f64, boundary: Boundary) -> Result<Self> {
        Self::build(shapes::layout_1d(y, n, boundary)?, n, lambda, mu)
    }
}

impl HuberLasso<Plan2d> {
    /// 2-D: an m₁×m₂ image and an n₁×n₂ kernel; circular model.
    pub fn new_2d(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        lambda: f64,
        mu: f64,
    ) -> Result<Self> {
        Self::new_2d_with(y, image, kernel, lambda, mu, Boundary::Circular)
    }

    /// [`new_2d`](Self::new_2d) under the observation model `boundary`.
    pub fn new_2d_with(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        lambda: f64,
        mu: f64,
        boundary: Boundary,
    ) -> Result<Self> {
        Self::build(shapes::layout_2d(y, image, kernel, boundary)?, kernel, lambda, mu)
    }
}

impl<P: Plan> HuberLasso<P> {
    fn build(layout: Layout<P>, kernel: P::Shape, lambda: f64, mu: f64) -> Result<Self> {
        check_lambda(lambda)?;
        // μ > 0 (the smallest positive normal number is the bound stated).
        check_at_least("mu", mu, f64::MIN_POSITIVE)?;
        let Layout {
            plan,
            y,
            activation: signal,
            window,
        } = layout;
        let s = plan.spectrum_len();
        let (a, x) = (
            SpectrumCache::new(&plan, kernel, 1),
            SpectrumCache::new(&plan, signal, 1),
        );
        let masked = (!window.is_full()).then(|| {
            let len = window.len();
            (Masked::new(window, signal), vec![0.0; len], false)
        });
        Ok(Self {
            core: SpectralResidual::new(plan, &y, signal, true),
            kernel,
            signal,
            lambda,
            mu,
            a,
            x,
            u_hat: vec![Complex64::default(); s],
            v_hat: vec![Complex64::default(); s],
            dr_hat: vec![Complex64::default(); s],
            work: vec![Complex64::default(); s],
            masked,
        })
    }

    /// Entries of x (the second part of a point): m circular, m + n − 1 per
    /// axis linear.
    pub fn activation_len(&self) -> usize {
        P::count(self.signal)
    }

    /// Length of the kernel block (the first part of a point).
    pub fn a_len(&self) -> usize {
        P::count(self.kernel)
    }

    /// Real FFTs run so far (excluding F(y)).
    pub fn ffts(&self) -> u64 {
        self.core.plan.ffts()
    }

    fn huber(&self, t: f64) -> (f64, f64, f64) {
        let mu = self.mu;
        if t.abs() <= mu {
            (
                t * t / (2.0 * mu) + mu / 2.0,
                t / mu,
                if t.abs() < mu { 1.0 / mu } else { 0.0 },
            )
        } else {
            (t.abs(), t.signum(), 0.0)
        }
    }

    /// Spectra of (a, x) and, with `spectrum`, R̂ at the point p = [a; x];
    /// returns ½‖r‖². Linear model: R̂ is the spectrum of the masked
    /// residual (one forward FFT, once per point).
    fn at(&mut self, p: &[f64], spectrum: bool) -> f64 {
        let (a, x) = p.split_at(self.a_len());
        self.a.update(&mut self.core.plan, a);
        self.x.update(&mut self.core.plan, x);
        match &mut self.masked {
            None => self.core.residual(&self.a, &self.x, 0.0),
            Some((masked, _, loaded)) => {
                if masked.form(&mut self.core, &self.a, &self.x) {
                    *loaded = false;
                }
                if spectrum && !*loaded {
                    *loaded = true;
                    masked.load(&mut self.core, Offset::Zero, |r| (0.5 * r * r, r))
                } else {
                    masked.energy(Offset::Zero)
                }
            }
        }
    }

    /// `out` = ι*F⁻¹(`work`) for the block of `shape`.
    fn invert(&mut self, shape: P::Shape, out: &mut [f64]) {
        self.core.plan.inverse(&mut self.work, shape, out);
    }
}

impl<P: Plan> Problem for HuberLasso<P> {
    fn cost(&mut self, p: &[f64]) -> f64 {
        let half = self.at(p, false);
        let x = &p[self.a_len()..];
        half + self.lambda * x.iter().map(|t| self.huber(*t).0).sum::<f64>()
    }

    fn cost_grad(&mut self, p: &[f64], g: &mut [f64]) -> f64 {
        let half = self.at(p, true);
        let n = self.a_len();
        let scale = 1.0 / self.core.samples() as f64;
        let (ga, gx) = g.split_at_mut(n);
        for ((w, x), r) in self
            .work
            .iter_mut()
            .zip(self.x.spectrum(0))
            .zip(self.core.resid())
        {
            *w = x.conj() * r * scale;
        }
        self.invert(self.kernel, ga);
        for ((w, a), r) in self
            .work
            .iter_mut()
            .zip(self.a.spectrum(0))
            .zip(self.core.resid())
        {
            *w = a.conj() * r * scale;
        }
        self.invert(self.signal, gx);
        let mut penalty = 0.0;
        for (gi, xi) in gx.iter_mut().zip(&p[n..]) {
            let (h, dh, _) = self.huber(*xi);
            penalty += h;
            *gi += self.lambda * dh;
        }
        half + self.lambda * penalty
    }

    /// The real FFTs run so far.
    fn work(&self) -> u64 {
        self.ffts()
    }
}

impl<P: Plan> HessianProblem for HuberLasso<P> {
    fn ehess(&mut self, p: &[f64], d: &[f64], out: &mut [f64]) {
        self.at(p, true);
        let n = self.a_len();
        let (u, v) = d.split_at(n);
        let (kernel, signal) = (self.kernel, self.signal);
        self.core.plan.forward(u, kernel, &mut self.u_hat);
        self.core.plan.forward(v, signal, &mut self.v_hat);
        let scale = 1.0 / self.core.samples() as f64;
        // δR̂ = Û X̂ + Â V̂ (linear model: of P_W*P_W δr).
        let (ah, xh) = (self.a.spectrum(0), self.x.spectrum(0));
        for i in 0..self.dr_hat.len() {
            self.dr_hat[i] = self.u_hat[i] * xh[i] + ah[i] * self.v_hat[i];
        }
        if let Some((masked, dr, _)) = &mut self.masked {
            self.work
                .iter_mut()
                .zip(&self.dr_hat)
                .for_each(|(w, d)| *w = d * scale);
            self.core.plan.inverse(&mut self.work, signal, dr);
            masked.window().mask(dr);
            self.core.plan.forward(dr, signal, &mut self.dr_hat);
        }
        let (xh, rh, dr) = (self.x.spectrum(0), self.core.resid(), &self.dr_hat);
        // a-part: conj(X̂)·δR̂ + conj(V̂)·R̂.
        for i in 0..self.work.len() {
            self.work[i] = (xh[i].conj() * dr[i] + self.v_hat[i].conj() * rh[i]) * scale;
        }
        let (oa, ox) = out.split_at_mut(n);
        self.core.plan.inverse(&mut self.work, kernel, oa);
        let (ah, rh, dr) = (self.a.spectrum(0), self.core.resid(), &self.dr_hat);
        // x-part: conj(Â)·δR̂ + conj(Û)·R̂.
        for i in 0..self.work.len() {
            self.work[i] = (ah[i].conj() * dr[i] + self.u_hat[i].conj() * rh[i]) * scale;
        }
        self.core.plan.inverse(&mut self.work, signal, ox);
        for ((o, xi), vi) in ox.iter_mut().zip(&p[n..]).zip(v) {
            *o += self.lambda * self.huber(*xi).2 * vi;
        }
    }
}
