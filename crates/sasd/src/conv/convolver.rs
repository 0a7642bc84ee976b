//! Convolution and correlation of two signals through one plan.

use super::{Complex64, Plan, Plan1d, Plan2d, fast_len};
use crate::error::{Result, SasdError, check_finite};

/// u ⊛ v and its adjoint through one [`Plan`], for operands and outputs of
/// any shapes that fit the plan:
///
/// * [`conv`](Self::conv): w = ι*(ιu ⊛ ιv), the cyclic convolution of seed
///   003 App. A (C_u ι v) taken modulo the plan's shape;
/// * [`corr`](Self::corr): the adjoint of v ↦ ι*(ιu ⊛ ιv), namely
///   v′ = ι*(ǔ ⊛ ι r) with ǔ the cyclic reversal (the correlation C*_{ιu} r
///   of App. A; with u = a it is the x-gradient ǎ ⊛ r of App. C.1.1, with
///   u = x and a kernel-shaped output it is ∇_a = ι*_{n→m} x̌ ⊛ r).
///
/// With the plan of the signal's own size this is cyclic convolution; with a
/// plan of [`fast_len`](super::fast_len)(m + n − 1) per axis it is linear
/// convolution (no wrap-around): the output of shape m + n − 1 is the full
/// linear convolution w_i = Σ_j u_j v_{i−j} over 0 ≤ j < n, 0 ≤ i − j < m,
/// entry 0 aligned with the first samples of both operands.
///
/// Three real FFTs per call. No allocation after construction.
#[derive(Debug, Clone)]
pub struct Convolver<P: Plan> {
    plan: P,
    u_hat: Vec<Complex64>,
    v_hat: Vec<Complex64>,
}

impl<P: Plan> Convolver<P> {
    /// A convolver over `plan`.
    pub fn new(plan: P) -> Self {
        let s = plan.spectrum_len();
        Self {
            plan,
            u_hat: vec![Complex64::default(); s],
            v_hat: vec![Complex64::default(); s],
        }
    }

    /// The plan (for its shape and FFT counter).
    pub fn plan(&self) -> &P {
        &self.plan
    }

    /// Real FFTs run so far (see [`Plan::ffts`]).
    pub fn ffts(&self) -> u64 {
        self.plan.ffts()
    }

    /// Resets the FFT counter.
    pub fn reset_ffts(&mut self) {
        self.plan.reset_ffts();
    }

    fn check(&self, what: &'static str, v: &[f64], shape: P::Shape) -> Result<()> {
        if !self.plan.fits(shape) {
            return Err(SasdError::LengthMismatch {
                what,
                expected: self.plan.samples(),
                found: P::count(shape),
            });
        }
        if v.len() != P::count(shape) {
            return Err(SasdError::LengthMismatch {
                what,
                expected: P::count(shape),
                found: v.len(),
            });
        }
        check_finite(what, v)
    }

    /// `out` (of `so`) = ι*(ι u ⊛ ι v) for u of shape `su` and v of `sv`.
    pub fn conv(
        &mut self,
        (u, su): (&[f64], P::Shape),
        (v, sv): (&[f64], P::Shape),
        (out, so): (&mut [f64], P::Shape),
    ) -> Result<()> {
        self.check("u", u, su)?;
        self.check("v", v, sv)?;
        self.check("out", out, so)?;
        self.plan.forward(u, su, &mut self.u_hat);
        self.plan.forward(v, sv, &mut self.v_hat);
        let scale = 1.0 / self.plan.samples() as f64;
        self.v_hat
            .iter_mut()
            .zip(&self.u_hat)
            .for_each(|(v, u)| *v *= u * scale);
        self.plan.inverse(&mut self.v_hat, so, out);
        Ok(())
    }

    /// `out` (of `so`) = ι*(ǔ ⊛ ι r): the adjoint of v ↦ ι*(ιu ⊛ ιv) from
    /// the output space (r of shape `sr`) back to v's space (shape `so`),
    /// computed as F⁻¹(conj(F ιu) ⊙ F ιr).
    pub fn corr(
        &mut self,
        (u, su): (&[f64], P::Shape),
        (r, sr): (&[f64], P::Shape),
        (out, so): (&mut [f64], P::Shape),
    ) -> Result<()> {
        self.check("u", u, su)?;
        self.check("r", r, sr)?;
        self.check("out", out, so)?;
        self.plan.forward(u, su, &mut self.u_hat);
        self.plan.forward(r, sr, &mut self.v_hat);
        let scale = 1.0 / self.plan.samples() as f64;
        self.v_hat
            .iter_mut()
            .zip(&self.u_hat)
            .for_each(|(v, u)| *v *= u.conj() * scale);
        self.plan.inverse(&mut self.v_hat, so, out);
        Ok(())
    }
}

impl Convolver<Plan1d> {
    /// Cyclic convolution of length m.
    pub fn cyclic_1d(m: usize) -> Result<Self> {
        Ok(Self::new(Plan1d::new(m)?))
    }

    /// Linear convolution of a length-m signal with a length-n kernel: the
    /// plan has length [`fast_len`](m + n − 1); outputs have length m + n − 1.
    pub fn linear_1d(m: usize, n: usize) -> Result<Self> {
        if m == 0 || n == 0 {
            return Err(SasdError::EmptySignal);
        }
        Self::cyclic_1d(fast_len(m + n - 1))
    }
}

impl Convolver<Plan2d> {
    /// Cyclic 2-D convolution of shape (m₁, m₂).
    pub fn cyclic_2d(shape: (usize, usize)) -> Result<Self> {
        Ok(Self::new(Plan2d::new(shape)?))
    }

    /// Linear 2-D convolution of an m₁×m₂ image with an n₁×n₂ kernel: the plan
    /// has shape (fast_len(m₁ + n₁ − 1), fast_len(m₂ + n₂ − 1)); outputs have
    /// shape (m₁ + n₁ − 1, m₂ + n₂ − 1).
    pub fn linear_2d((m1, m2): (usize, usize), (n1, n2): (usize, usize)) -> Result<Self> {
        if m1 * m2 == 0 || n1 * n2 == 0 {
            return Err(SasdError::EmptySignal);
        }
        Self::cyclic_2d((fast_len(m1 + n1 - 1), fast_len(m2 + n2 - 1)))
    }
}
