//! [`Masked`]: the residual of a windowed model in the time domain.
//!
//! Under the linear model (and whenever a baseline is fitted) the residual
//! is r = P_W(Σ_k a_k ⊛ x_k) + o − y, with P_W the restriction to the
//! observed window and o the bias or baseline on it. Its energy is no longer
//! a Parseval sum over R̂ (the mask does not commute with the transform), so
//! the model goes back to the time domain once per oracle (one inverse FFT),
//! is masked there, and a gradient carries the masked residual back with
//! one forward FFT more: value 1 + 1, gradient 1 + 1 + 1 + 1 real FFTs per
//! kernel (LQK+20 App. C.1.1 gradients with C_a replaced by P_W C_a, whose
//! adjoint C_a* P_W* zero-fills outside the window).

use super::SpectralResidual;
use crate::conv::{Plan, SpectrumCache, Window};

/// What the model adds to Σ_k a_k ⊛ x_k on the window: nothing, a constant
/// bias b, or a baseline signal (one value per observed sample, in y's
/// order).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Offset<'a> {
    Zero,
    Constant(f64),
    Signal(&'a [f64]),
}

impl Offset<'_> {
    #[inline]
    fn at(&self, i: usize) -> f64 {
        match self {
            Offset::Zero => 0.0,
            Offset::Constant(b) => *b,
            Offset::Signal(s) => s[i],
        }
    }
}

/// The masked residual d = P_W*(P_W ι*(Σ_k a_k ⊛ x_k) − y) on x's grid
/// (zero outside the window; bias and baseline not included), with the
/// spectra ids of the point it was formed at, so that the bias or baseline
/// step at the point just evaluated costs no FFT.
#[derive(Debug, Clone)]
pub(crate) struct Masked<P: Plan> {
    window: Window,
    shape: P::Shape,
    d: Vec<f64>,
    /// ℓ′(r) on the window, zero outside (never written there).
    g: Vec<f64>,
    at: Option<(u64, u64)>,
}

impl<P: Plan> Masked<P> {
    /// For x's grid of `shape` with the observed `window`.
    pub fn new(window: Window, shape: P::Shape) -> Self {
        let len = window.len();
        Self {
            window,
            shape,
            d: vec![0.0; len],
            g: vec![0.0; len],
            at: None,
        }
    }

    /// The observed window.
    pub fn window(&self) -> &Window {
        &self.window
    }

    /// Forms d at the point whose spectra are `a`, `x` (R̂ with Ŷ of y placed
    /// in its window, then one inverse FFT and the mask); nothing when d is
    /// at that point already. Whether d was formed anew.
    pub fn form(
        &mut self,
        core: &mut SpectralResidual<P>,
        a: &SpectrumCache<P>,
        x: &SpectrumCache<P>,
    ) -> bool {
        let ids = (a.id(), x.id());
        if self.at == Some(ids) {
            return false;
        }
        core.residual(a, x, 0.0);
        core.residual_signal(self.shape, &mut self.d);
        self.window.mask(&mut self.d);
        self.at = Some(ids);
        true
    }

    /// The observed entries of d (model − y, no offset), in y's order.
    pub fn observed(&self) -> impl Iterator<Item = f64> + '_ {
        self.window
            .runs()
            .iter()
            .flat_map(|r| self.d[r.clone()].iter().copied())
    }

    /// Σ_i ℓ(rᵢ) over the window, rᵢ = dᵢ + oᵢ.
    pub fn sum(&self, offset: Offset<'_>, mut loss: impl FnMut(f64) -> f64) -> f64 {
        let mut total = 0.0;
        for (i, d) in self.observed().enumerate() {
            total += loss(d + offset.at(i));
        }
        total
    }

    /// ½‖r‖² over the window.
    pub fn energy(&self, offset: Offset<'_>) -> f64 {
        0.5 * self.sum(offset, |r| r * r)
    }

    /// Σ ℓ(rᵢ), and g = ℓ′(r) on the window (zero outside) loaded as the
    /// core's residual for [`SpectralResidual::correlate_back`]: one forward
    /// FFT. `loss` returns (ℓ(r), ℓ′(r)).
    pub fn load(
        &mut self,
        core: &mut SpectralResidual<P>,
        offset: Offset<'_>,
        mut loss: impl FnMut(f64) -> (f64, f64),
    ) -> f64 {
        let mut total = 0.0;
        let mut i = 0;
        for run in self.window.runs() {
            for (g, d) in self.g[run.clone()].iter_mut().zip(&self.d[run.clone()]) {
                let (value, slope) = loss(d + offset.at(i));
                total += value;
                *g = slope;
                i += 1;
            }
        }
        core.load_signal(&self.g, self.shape);
        total
    }
}
