//! The spectral least-squares core shared by the convolutional objectives:
//! the residual r = Σ_k a_k ⊛ x_k + b·1 − y built in the Fourier domain,
//! its norm by Parseval, and the correlations that carry it back to either
//! block (seed 003, App. C.1.1, C.1.2, C.2).

use crate::conv::{Complex64, Plan, SpectrumCache, edge_energy};

/// Plan, spectrum of y and the buffers of one residual.
#[derive(Debug, Clone)]
pub(crate) struct SpectralResidual<P: Plan> {
    pub plan: P,
    y_hat: Vec<Complex64>,
    /// R̂ of the last [`residual`](Self::residual) call.
    resid: Vec<Complex64>,
    /// Products handed to the inverse FFT (which destroys its input).
    work: Vec<Complex64>,
}

impl<P: Plan> SpectralResidual<P> {
    /// Plans the transforms and caches Ŷ = F(y): one FFT, at construction.
    pub fn new(mut plan: P, y: &[f64]) -> Self {
        let s = plan.spectrum_len();
        let mut y_hat = vec![Complex64::default(); s];
        plan.forward(y, plan.shape(), &mut y_hat);
        plan.reset_ffts();
        Self {
            plan,
            y_hat,
            resid: vec![Complex64::default(); s],
            work: vec![Complex64::default(); s],
        }
    }

    /// Samples N of a signal.
    pub fn samples(&self) -> usize {
        self.plan.samples()
    }

    /// Σ y = Ŷ(0).
    pub fn sum_y(&self) -> f64 {
        self.y_hat[0].re
    }

    /// Σ_k (Σ a_k)(Σ x_k), the sum of Σ_k a_k ⊛ x_k (a cyclic convolution's
    /// sum is the product of its operands' sums): the DC bins, no FFT.
    pub fn sum_model(a: &SpectrumCache<P>, x: &SpectrumCache<P>) -> f64 {
        (0..a.blocks())
            .map(|k| a.spectrum(k)[0].re * x.spectrum(k)[0].re)
            .sum()
    }

    /// R̂ = Σ_k Â_k X̂_k + b·N·δ₀ − Ŷ (the bias b·1 lives in the DC bin only)
    /// and ψ = ½‖r‖² by Parseval, in one pass over the spectra per kernel.
    pub fn residual(&mut self, a: &SpectrumCache<P>, x: &SpectrumCache<P>, bias: f64) -> f64 {
        let blocks = a.blocks();
        let mut energy = 0.0;
        for k in 0..blocks {
            let (ak, xk) = (a.spectrum(k), x.spectrum(k));
            let last = k + 1 == blocks;
            let first = k == 0;
            for (((r, y), ai), xi) in self.resid.iter_mut().zip(&self.y_hat).zip(ak).zip(xk) {
                let base = if first { -*y } else { *r };
                *r = base + ai * xi;
                if last {
                    energy += r.norm_sqr();
                }
            }
        }
        let n = self.samples() as f64;
        let dc_before = self.resid[0].norm_sqr();
        self.resid[0].re += bias * n;
        energy += self.resid[0].norm_sqr() - dc_before;
        0.5 * (2.0 * energy - edge_energy(&self.plan, &self.resid)) / n
    }

    /// Block k of `out` = ι*(ǒ_k ⊛ r) = ι* F⁻¹(conj(Ô_k) R̂)
    /// for the R̂ of the last [`residual`](Self::residual): the x-gradient
    /// ǎ_k ⊛ r with `other` = a and the signal shape, the a-gradient
    /// ι*_{n→m} x̌_k ⊛ r with `other` = x and the kernel shape. One inverse FFT
    /// per block.
    pub fn correlate_back(&mut self, other: &SpectrumCache<P>, shape: P::Shape, out: &mut [f64]) {
        let scale = 1.0 / self.samples() as f64;
        let len = P::count(shape);
        for (k, block) in out.chunks_exact_mut(len).enumerate() {
            for ((w, o), r) in self.work.iter_mut().zip(other.spectrum(k)).zip(&self.resid) {
                *w = o.conj() * r * scale;
            }
            self.plan.inverse(&mut self.work, shape, block);
        }
    }
}
