//! The spectral least-squares core shared by the convolutional objectives:
//! the residual r = Σ_k a_k ⊛ x_k + b·1 − y built in the Fourier domain,
//! its norm by Parseval, and the correlations that carry it back to either
//! block (LQK+20, App. C.1.1, C.1.2, C.2); and [`BlockSpectra`], the
//! caching of both blocks' spectra that every two-block objective uses.
//!
//! By job:
//! * this file: [`SpectralResidual`], the residual R̂ kept for N kernels,
//!   and what is done with it (correlations, r itself, rebiasing);
//! * `fused`: the one-kernel oracles that form the residual, its energy and
//!   the correlation in one pass, inside the transforms, without keeping R̂;
//! * `blocks`: [`BlockSpectra`], which spectrum of which block an oracle
//!   reads, and when a transform can be skipped;
//! * `masked`: [`Masked`], the residual of a windowed (linear) model, or of
//!   one with a baseline, formed in the time domain;
//! * `passes`: the per-bin passes over spectra, SIMD written once (pulp).

mod blocks;
mod fused;
mod masked;
mod passes;

pub(crate) use blocks::{Block, BlockSpectra};
pub(crate) use masked::{Masked, Offset};

use crate::conv::{Complex64, Plan, SpectrumCache, edge_energy};
use passes::{accumulate, fill};

/// Plan, spectrum of y and the buffers of one residual.
#[derive(Debug, Clone)]
pub(crate) struct SpectralResidual<P: Plan> {
    pub plan: P,
    y_hat: Vec<Complex64>,
    /// R̂ of the last [`residual`](Self::residual) call; empty until needed
    /// when the objective was built not to keep it (one kernel, no window:
    /// the fused oracles never form it), which saves a spectrum of memory.
    resid: Vec<Complex64>,
    /// Products handed to the inverse FFT (which destroys its input); also
    /// the buffer a value trial transforms into before trading it with its
    /// cache's ([`SpectrumCache::update_visit`]).
    work: Vec<Complex64>,
    /// (id of Â, id of X̂, ψ) of the last residual: R̂ is still in `resid`.
    last: Option<(u64, u64, f64)>,
}

impl<P: Plan> SpectralResidual<P> {
    /// Plans the transforms and caches Ŷ = F(ι y) for y of `shape` (the
    /// plan's, or x's under the linear model: y placed in its window): one
    /// FFT, at construction. `keep`: whether oracles will keep R̂ (N
    /// kernels, a window, a non-quadratic loss); if not, its buffer is only
    /// allocated should one do so after all.
    pub fn new(mut plan: P, y: &[f64], shape: P::Shape, keep: bool) -> Self {
        let s = plan.spectrum_len();
        let mut y_hat = vec![Complex64::default(); s];
        plan.forward(y, shape, &mut y_hat);
        plan.reset_ffts();
        Self {
            plan,
            y_hat,
            resid: if keep {
                vec![Complex64::default(); s]
            } else {
                Vec::new()
            },
            work: vec![Complex64::default(); s],
            last: None,
        }
    }

    /// R̂ of the last [`residual`](Self::residual) call.
    pub fn resid(&self) -> &[Complex64] {
        debug_assert!(!self.resid.is_empty(), "R̂ read before any residual was kept");
        &self.resid
    }

    /// Allocates R̂'s buffer if `new` was told not to keep it (an objective
    /// that turns to a windowed residual after construction calls it then,
    /// so that no oracle allocates; the oracles that keep R̂ call it too,
    /// as a fallback).
    pub fn keep_residual(&mut self) {
        if self.resid.is_empty() {
            self.resid = vec![Complex64::default(); self.plan.spectrum_len()];
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
        let len = self.plan.chunk_len();
        self.keep_residual();
        let mut energy = 0.0;
        for k in 0..blocks {
            let (ak, xk) = (a.spectrum(k), x.spectrum(k));
            let last = k + 1 == blocks;
            // The energy chunk by chunk, the chunks added in bin order
            // (`Sums`), as the one-kernel passes sum it.
            energy = 0.0;
            for (c, r) in self.resid.chunks_mut(len).enumerate() {
                let bins = c * len..c * len + r.len();
                let e = if k == 0 {
                    fill(r, &self.y_hat[bins.clone()], &ak[bins.clone()], &xk[bins], last)
                } else {
                    accumulate(r, &ak[bins.clone()], &xk[bins], last)
                };
                energy += e;
            }
        }
        let n = self.samples() as f64;
        let dc_before = self.resid[0].norm_sqr();
        self.resid[0].re += bias * n;
        energy += self.resid[0].norm_sqr() - dc_before;
        let psi = 0.5 * (2.0 * energy - edge_energy(&self.plan, &self.resid)) / n;
        self.last = Some((a.id(), x.id(), psi));
        psi
    }

    /// ψ at bias `b_new` for the (Â, X̂) of the last residual, held at bias
    /// `b_old`, when `b_new` minimises ψ over b (App. B.3): then
    /// ψ(b_new) = ψ(b_old) − ½·N·(b_old − b_new)², with no pass over the
    /// spectra. `None` when the last residual was at another pair.
    pub fn rebias(
        &mut self,
        a: &SpectrumCache<P>,
        x: &SpectrumCache<P>,
        b_old: f64,
        b_new: f64,
    ) -> Option<f64> {
        let (ia, ix, psi) = self.last?;
        if (ia, ix) != (a.id(), x.id()) {
            return None;
        }
        let n = self.samples() as f64;
        let psi = (psi - 0.5 * n * (b_old - b_new).powi(2)).max(0.0);
        self.last = Some((ia, ix, psi));
        Some(psi)
    }

    /// Block k of `out` = ι*(ǒ_k ⊛ r) = ι* F⁻¹(conj(Ô_k) R̂)
    /// for the R̂ of the last [`residual`](Self::residual): the x-gradient
    /// ǎ_k ⊛ r with `other` = a and the signal shape, the a-gradient
    /// ι*_{n→m} x̌_k ⊛ r with `other` = x and the kernel shape. One inverse FFT
    /// per block.
    pub fn correlate_back(&mut self, other: &SpectrumCache<P>, shape: P::Shape, out: &mut [f64]) {
        debug_assert!(!self.resid.is_empty(), "R̂ read before any residual was kept");
        let scale = 1.0 / self.samples() as f64;
        let len = P::count(shape);
        for (k, block) in out.chunks_exact_mut(len).enumerate() {
            for ((w, o), r) in self.work.iter_mut().zip(other.spectrum(k)).zip(&self.resid) {
                *w = o.conj() * r * scale;
            }
            self.plan.inverse(&mut self.work, shape, block);
        }
    }

    /// r itself, restricted to `shape` (ι*), from the R̂ of the last
    /// [`residual`](Self::residual): one inverse FFT.
    pub fn residual_signal(&mut self, shape: P::Shape, out: &mut [f64]) {
        debug_assert!(!self.resid.is_empty(), "R̂ read before any residual was kept");
        let scale = 1.0 / self.samples() as f64;
        self.work
            .iter_mut()
            .zip(&self.resid)
            .for_each(|(w, r)| *w = r * scale);
        self.plan.inverse(&mut self.work, shape, out);
    }

    /// ỹ itself (y as given on x's grid), restricted to `shape`, from Ŷ:
    /// one inverse FFT.
    pub fn target_signal(&mut self, shape: P::Shape, out: &mut [f64]) {
        let scale = 1.0 / self.samples() as f64;
        self.work
            .iter_mut()
            .zip(&self.y_hat)
            .for_each(|(w, y)| *w = y * scale);
        self.plan.inverse(&mut self.work, shape, out);
    }

    /// Makes `g` (of `shape`, zero-padded: e.g. ℓ′(r) for a non-quadratic
    /// loss ℓ, or a masked residual) the residual that
    /// [`correlate_back`](Self::correlate_back) carries back: R̂ ← F(ι g).
    /// One forward FFT.
    pub fn load_signal(&mut self, g: &[f64], shape: P::Shape) {
        self.keep_residual();
        self.plan.forward(g, shape, &mut self.resid);
        self.last = None;
    }
}
