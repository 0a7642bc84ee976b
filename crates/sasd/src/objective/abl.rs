//! The approximate Bilinear Lasso (Zha19; LQK+20 §3, "ABL"): the
//! marginal φ(a) = min_x Ψ(a, x) in closed form once C_a*C_a ≈ I.

use optim::{HessianProblem, Problem};

use super::shapes::{self, Layout};
use crate::conv::{Boundary, Complex64, Plan, Plan1d, Plan2d, parseval_norm_sq};
use crate::error::{Result, check_at_least, check_lambda};

/// Which energy of the correlation c = y ⋆ a the objective subtracts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AblEnergy {
    /// E(t) = ½·S_λ(t)² (the exact ABL, Zha19): C¹, piecewise quadratic;
    /// E′ = S_λ, E″ = 1 on |t| > λ and 0 inside (the Hessian offered is this
    /// a.e. one).
    SoftThreshold,
    /// E(t) = ½t² − λ(√(λ² + t²) − λ): the Huber envelope ½t² − E inside the
    /// exact energy replaced by the pseudo-Huber function of width λ, so E is
    /// C^∞ (for second-order solvers). E′(t) = t − λt/√(λ² + t²),
    /// E″(t) = 1 − λ³/(λ² + t²)^{3/2}.
    PseudoHuber,
    /// The marginal of the Huber-smoothed Bilinear Lasso (ZLK+19, eqs.
    /// 22–26, with C_a*C_a ≈ I): E(t) = −min_x ½x² − xt + λh_μ(x), i.e.
    ///
    /// E(t) = μt²/(2(λ + μ)) − λμ/2 on |t| ≤ λ + μ, ½(|t| − λ)² outside,
    ///
    /// minimised by x = μt/(λ + μ) inside (eq. 25) and S_λ(t) outside.
    /// E is C¹ with E″ = μ/(λ + μ) inside and 1 outside. Unlike the exact and
    /// pseudo-Huber energies it has E″(0) > 0, so the region where y ⋆ a is
    /// small everywhere (x*(a) = 0 for the ℓ¹ penalty: a plateau of φ̂) is
    /// concave, −(μ/2(λ+μ))‖y ⋆ a‖² up to a constant (eq. 26), and a
    /// second-order method escapes it along negative curvature (ZLK+19
    /// §3.1). μ > 0; μ ≪ λ keeps E close to the exact energy.
    Huber {
        /// The Huber width μ of eq. (22).
        mu: f64,
    },
}

impl AblEnergy {
    fn eval(self, t: f64, lambda: f64) -> (f64, f64, f64) {
        match self {
            AblEnergy::SoftThreshold => {
                let s = t.signum() * (t.abs() - lambda).max(0.0);
                (0.5 * s * s, s, if t.abs() > lambda { 1.0 } else { 0.0 })
            }
            AblEnergy::PseudoHuber => {
                let r = (lambda * lambda + t * t).sqrt();
                let e = 0.5 * t * t - lambda * (r - lambda);
                (e, t - lambda * t / r, 1.0 - lambda.powi(3) / (r * r * r))
            }
            AblEnergy::Huber { mu } => {
                let k = mu / (lambda + mu);
                if t.abs() <= lambda + mu {
                    (0.5 * k * t * t - 0.5 * lambda * mu, k * t, k)
                } else {
                    let s = t.abs() - lambda;
                    (0.5 * s * s, t.signum() * s, 1.0)
                }
            }
        }
    }
}

/// The approximate Bilinear Lasso marginal (Zha19, "Simplified Lasso")
///
/// φ̂(a) = min_x ½‖x‖² − ⟨a ⊛ x, y⟩ + ½‖y‖² + λ‖x‖₁ = ½‖y‖² − Σᵢ E(cᵢ),
/// c = C*_a y = y ⋆ a (= ǎ ⊛ y),
///
/// with E(t) = ½S_λ(t)² for the exact objective (minimiser x* = S_λ(c)) or
/// its smooth pseudo-Huber variant ([`AblEnergy`]), for a on the sphere
/// S^{n−1} (1-D, a zero-padded to m) or the Frobenius sphere (2-D).
///
/// With L a = ǎ ⊛ y (F: conj(Â)Ŷ) and its adjoint Lᵀv = ι*(v̌ ⊛ y)
/// (F: conj(V̂)Ŷ, restricted):
/// ∇φ̂(a) = −Lᵀ E′(c), ∇²φ̂(a)\[u\] = −Lᵀ(E″(c) ⊙ L u).
///
/// FFTs: cost 2, cost and gradient 4, Hessian-vector product 4 (2 more when
/// called at a point other than the last one evaluated).
///
/// Under [`Boundary::Linear`] ([`new_with`](Abl::new_with),
/// [`new_2d_with`](Abl::new_2d_with)) C_a is the valid convolution (see
/// [`Boundary`]), so c = C_a* y = ι*(ǎ ⊛ ỹ) has m + n − 1 entries per axis
/// (ỹ: y in its window of a zero-padded buffer, transformed at the padded
/// fast length); the same formulas and FFT counts hold.
#[derive(Debug, Clone)]
pub struct Abl<P: Plan = Plan1d> {
    plan: P,
    kernel: P::Shape,
    /// Shape of c and x (the activation's).
    signal: P::Shape,
    lambda: f64,
    energy: AblEnergy,
    y_hat: Vec<Complex64>,
    half_y_sq: f64,
    spec: Vec<Complex64>,
    /// c = y ⋆ a at `at`.
    c: Vec<f64>,
    at: Vec<f64>,
    valid: bool,
    work: Vec<f64>,
}

impl Abl<Plan1d> {
    /// 1-D ABL for y of length m and kernels of length n < m; circular model.
    pub fn new(y: &[f64], n: usize, lambda: f64, energy: AblEnergy) -> Result<Self> {
        Self::new_with(y, n, lambda, energy, Boundary::Circular)
    }

    /// [`new`](Self::new) under the observation model `boundary`.
    pub fn new_with(y: &[f64], n: usize, lambda: f64, energy: AblEnergy, boundary: Boundary) -> Result<Self> {
        Self::build(shapes::layout_1d(y, n, boundary)?, n, lambda, energy)
    }
}

impl Abl<Plan2d> {
    /// 2-D ABL for an m₁×m₂ image and n₁×n₂ kernels.
    pub fn new_2d(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        lambda: f64,
        energy: AblEnergy,
    ) -> Result<Self> {
        Self::new_2d_with(y, image, kernel, lambda, energy, Boundary::Circular)
    }

    /// [`new_2d`](Self::new_2d) under the observation model `boundary`.
    pub fn new_2d_with(
        y: &[f64],
        image: (usize, usize),
        kernel: (usize, usize),
        lambda: f64,
        energy: AblEnergy,
        boundary: Boundary,
    ) -> Result<Self> {
        Self::build(
            shapes::layout_2d(y, image, kernel, boundary)?,
            kernel,
            lambda,
            energy,
        )
    }
}

impl<P: Plan> Abl<P> {
    fn build(layout: Layout<P>, kernel: P::Shape, lambda: f64, energy: AblEnergy) -> Result<Self> {
        let Layout {
            mut plan,
            y,
            activation: signal,
            ..
        } = layout;
        check_lambda(lambda)?;
        if let AblEnergy::Huber { mu } = energy {
            // μ > 0 (the smallest positive normal number is the bound stated).
            check_at_least("mu", mu, f64::MIN_POSITIVE)?;
        }
        let (m, s) = (P::count(signal), plan.spectrum_len());
        let mut y_hat = vec![Complex64::default(); s];
        plan.forward(&y, signal, &mut y_hat);
        plan.reset_ffts();
        let half_y_sq = 0.5 * parseval_norm_sq(&plan, &y_hat);
        Ok(Self {
            plan,
            kernel,
            signal,
            lambda,
            energy,
            y_hat,
            half_y_sq,
            spec: vec![Complex64::default(); s],
            c: vec![0.0; m],
            at: vec![0.0; P::count(kernel)],
            valid: false,
            work: vec![0.0; m],
        })
    }

    /// Real FFTs run so far (excluding F(y)).
    pub fn ffts(&self) -> u64 {
        self.plan.ffts()
    }

    /// Entries of c and x*(a): m (circular) or m + n − 1 per axis (linear).
    pub fn activation_len(&self) -> usize {
        P::count(self.signal)
    }

    /// x*(a) = S_λ(y ⋆ a), the activation that attains the minimum (exact
    /// energy), written into `out` ([`activation_len`](Self::activation_len)
    /// entries).
    pub fn activation(&mut self, a: &[f64], out: &mut [f64]) {
        self.correlation(a);
        out.iter_mut()
            .zip(&self.c)
            .for_each(|(o, t)| *o = t.signum() * (t.abs() - self.lambda).max(0.0));
    }

    /// `out` = L a = ι*(ǎ ⊛ ỹ) (x's shape): 2 FFTs.
    fn apply(&mut self, a: &[f64], out: &mut [f64]) {
        self.plan.forward(a, self.kernel, &mut self.spec);
        let scale = 1.0 / self.plan.samples() as f64;
        self.spec
            .iter_mut()
            .zip(&self.y_hat)
            .for_each(|(s, y)| *s = s.conj() * y * scale);
        self.plan.inverse(&mut self.spec, self.signal, out);
    }

    /// `out` = −Lᵀ v = −ι*(v̌ ⊛ y) (kernel shape): 2 FFTs.
    fn apply_adjoint_neg(&mut self, v: &[f64], out: &mut [f64]) {
        self.plan.forward(v, self.signal, &mut self.spec);
        let scale = -1.0 / self.plan.samples() as f64;
        self.spec
            .iter_mut()
            .zip(&self.y_hat)
            .for_each(|(s, y)| *s = s.conj() * y * scale);
        self.plan.inverse(&mut self.spec, self.kernel, out);
    }

    /// Makes `c` hold y ⋆ a (2 FFTs unless it already does).
    fn correlation(&mut self, a: &[f64]) {
        if self.valid && self.at == a {
            return;
        }
        let mut c = std::mem::take(&mut self.c);
        self.apply(a, &mut c);
        self.c = c;
        self.at.copy_from_slice(a);
        self.valid = true;
    }
}

impl<P: Plan> Problem for Abl<P> {
    fn cost(&mut self, a: &[f64]) -> f64 {
        self.correlation(a);
        let (lambda, energy) = (self.lambda, self.energy);
        self.half_y_sq - self.c.iter().map(|t| energy.eval(*t, lambda).0).sum::<f64>()
    }

    fn cost_grad(&mut self, a: &[f64], egrad: &mut [f64]) -> f64 {
        self.correlation(a);
        let (lambda, energy) = (self.lambda, self.energy);
        let mut e = 0.0;
        for (w, t) in self.work.iter_mut().zip(&self.c) {
            let (v, d, _) = energy.eval(*t, lambda);
            e += v;
            *w = d;
        }
        let work = std::mem::take(&mut self.work);
        self.apply_adjoint_neg(&work, egrad);
        self.work = work;
        self.half_y_sq - e
    }

    /// The real FFTs run so far.
    fn work(&self) -> u64 {
        self.ffts()
    }
}

impl<P: Plan> HessianProblem for Abl<P> {
    fn ehess(&mut self, a: &[f64], u: &[f64], out: &mut [f64]) {
        self.correlation(a);
        let mut lu = std::mem::take(&mut self.work);
        self.apply(u, &mut lu);
        let (lambda, energy) = (self.lambda, self.energy);
        lu.iter_mut()
            .zip(&self.c)
            .for_each(|(l, t)| *l *= energy.eval(*t, lambda).2);
        self.apply_adjoint_neg(&lu, out);
        self.work = lu;
    }
}
