//! The one-kernel oracles of [`SpectralResidual`]: the residual, its energy
//! and, for a gradient, the correlation conj(Ô)R̂/N are formed in one pass
//! over the spectra, run chunk by chunk inside the transforms (where a 2-D
//! plan has each row in cache, on whichever thread transformed it), and R̂
//! is not kept. Each sums per chunk and adds the chunks in bin order
//! ([`Sums`]), as the N-kernel path does: the same sums in the same order
//! on the same spectra.

use super::SpectralResidual;
use super::passes::{energy_and_product, energy_and_product_in_place, energy_of};
use crate::conv::{Complex64, Plan, SpectrumCache, edge_sum};

impl<P: Plan> SpectralResidual<P> {
    /// ψ = ½‖r‖² without keeping R̂ (value-only oracles): for one kernel a
    /// single read-only pass over Ŷ, Â, X̂ — no write of R̂ — with the DC
    /// (bias) and edge bins fixed afterwards; for N kernels, [`residual`](Self::residual).
    pub fn value(&mut self, a: &SpectrumCache<P>, x: &SpectrumCache<P>, bias: f64) -> f64 {
        if a.blocks() > 1 {
            return self.residual(a, x, bias);
        }
        let (ah, xh) = (a.spectrum(0), x.spectrum(0));
        let Self { plan, y_hat, .. } = self;
        let [energy, ..] = plan.visit(xh, &|start, chunk| {
            let end = start + chunk.len();
            [
                energy_of(0.0, &y_hat[start..end], &ah[start..end], chunk),
                0.0,
                0.0,
                0.0,
            ]
        });
        let psi = self.finish(energy, bias, |i| ah[i] * xh[i] - self.y_hat[i]);
        self.last = Some((a.id(), x.id(), psi));
        psi
    }

    /// [`value`](Self::value) at a new point of one block (one kernel):
    /// `trial` takes v (one FFT unless it holds v already) and the energy
    /// pass runs inside the transform, chunk by chunk as the spectrum is
    /// finished ([`Plan::forward_visit`]), against `fixed`, the other block.
    /// Same sums in the same order as [`value`](Self::value).
    pub fn value_trial(
        &mut self,
        fixed: &SpectrumCache<P>,
        trial: &mut SpectrumCache<P>,
        v: &[f64],
        trial_is_a: bool,
        bias: f64,
    ) -> f64 {
        let Self {
            plan, y_hat, work, ..
        } = self;
        let f = fixed.spectrum(0);
        let [energy, ..] = trial.update_visit(plan, v, work, &|start, chunk| {
            let end = start + chunk.len();
            // f·t = t·f bin by bin, bit for bit: the products commute and
            // so does the sum of two of them.
            [
                energy_of(0.0, &y_hat[start..end], &f[start..end], chunk),
                0.0,
                0.0,
                0.0,
            ]
        });
        let (a, x) = if trial_is_a {
            (&*trial, fixed)
        } else {
            (fixed, &*trial)
        };
        let (ah, xh) = (a.spectrum(0), x.spectrum(0));
        let psi = self.finish(energy, bias, |i| ah[i] * xh[i] - self.y_hat[i]);
        self.last = Some((a.id(), x.id(), psi));
        psi
    }

    /// ψ and, block by block, ι*(ǒ_k ⊛ r) into `out` (see
    /// [`correlate_back`](Self::correlate_back)); for one kernel the residual,
    /// its energy and the product conj(Ô)R̂/N are formed in one pass that
    /// fills the inverse transform's input chunk by chunk
    /// ([`Plan::inverse_fill`]), R̂ not kept.
    pub fn gradient(
        &mut self,
        a: &SpectrumCache<P>,
        x: &SpectrumCache<P>,
        bias: f64,
        other_is_a: bool,
        shape: P::Shape,
        out: &mut [f64],
    ) -> f64 {
        if a.blocks() > 1 {
            let psi = self.residual(a, x, bias);
            self.correlate_back(if other_is_a { a } else { x }, shape, out);
            return psi;
        }
        let (ah, xh) = (a.spectrum(0), x.spectrum(0));
        let oh = if other_is_a { ah } else { xh };
        let n = self.samples() as f64;
        let scale = 1.0 / n;
        // The bias moves the DC bin only.
        let r0 = ah[0] * xh[0] - self.y_hat[0];
        let mut dc = r0;
        dc.re += bias * n;
        let Self {
            plan, y_hat, work, ..
        } = self;
        let [energy, ..] = plan.inverse_fill(work, shape, out, &|start, chunk| {
            let end = start + chunk.len();
            let (y, a, x, o) = (
                &y_hat[start..end],
                &ah[start..end],
                &xh[start..end],
                &oh[start..end],
            );
            let energy = energy_and_product(0.0, chunk, y, a, x, o, scale);
            if start == 0 {
                chunk[0] = oh[0].conj() * dc * scale;
            }
            [energy, 0.0, 0.0, 0.0]
        });
        let psi = self.finish(energy, bias, |i| ah[i] * xh[i] - self.y_hat[i]);
        self.last = Some((a.id(), x.id(), psi));
        psi
    }

    /// [`gradient`](Self::gradient) at a point v of one block (one kernel)
    /// whose spectrum no cache holds, against `fixed`, the other block: F(ιv),
    /// the residual, its energy and conj(F̂)R̂/N formed in place, F⁻¹, all in
    /// one sweep ([`Plan::forward_map_inverse`]: in 2-D each row goes through
    /// both row FFTs and the pass while in cache). The spectrum of v is not
    /// kept. Same sums in the same order as [`gradient`](Self::gradient).
    pub fn gradient_trial(
        &mut self,
        fixed: &SpectrumCache<P>,
        v: &[f64],
        shape: P::Shape,
        bias: f64,
        out: &mut [f64],
    ) -> f64 {
        let f = fixed.spectrum(0);
        let n = self.samples() as f64;
        let scale = 1.0 / n;
        let edges = self.plan.edge_bins();
        let Self {
            plan, y_hat, work, ..
        } = self;
        let with_bias = |r: Complex64| Complex64::new(r.re + bias * n, r.im);
        let [energy, edge, r0_re, r0_im] =
            plan.forward_map_inverse((v, shape), work, (out, shape), &|start, chunk| {
                let end = start + chunk.len();
                let (y, f) = (&y_hat[start..end], &f[start..end]);
                // The edge bins count once in Parseval's sum, the DC bin takes
                // the bias: read them before the pass overwrites the chunk.
                let mut r0 = Complex64::default();
                let edge = edge_sum(&edges, start..end, |i| {
                    let r = f[i - start] * chunk[i - start] - y[i - start];
                    if i == 0 {
                        r0 = r;
                        with_bias(r).norm_sqr()
                    } else {
                        r.norm_sqr()
                    }
                });
                let energy = energy_and_product_in_place(0.0, chunk, y, f, scale);
                if start == 0 {
                    chunk[0] = f[0].conj() * with_bias(r0) * scale;
                }
                // r0 is zero in every other chunk: the sum is the DC bin's.
                [energy, edge, r0.re, r0.im]
            });
        let r0 = Complex64::new(r0_re, r0_im);
        // The trial's spectrum is gone: no residual to rebias from.
        self.last = None;
        psi_of(energy, r0, with_bias(r0), edge, n)
    }

    /// ψ from Σ_all |R_k|² of the bias-free residual bins `r`: adds the bias
    /// to the DC bin and counts the edge bins once (Parseval).
    fn finish(&self, energy: f64, bias: f64, r: impl Fn(usize) -> Complex64) -> f64 {
        let n = self.samples() as f64;
        let r0 = r(0);
        let mut dc = r0;
        dc.re += bias * n;
        let edges = self.plan.edge_bins();
        let bins = 0..self.plan.spectrum_len();
        let edge = edge_sum(
            &edges,
            bins,
            |i| if i == 0 { dc.norm_sqr() } else { r(i).norm_sqr() },
        );
        psi_of(energy, r0, dc, edge, n)
    }
}

/// |R_k|² (`energy`), the DC bin without and with the bias (`r0`, `dc`) and
/// Σ_edge |R_k|² with the DC bin biased (`edge`).
fn psi_of(mut energy: f64, r0: Complex64, dc: Complex64, edge: f64, n: f64) -> f64 {
    energy += dc.norm_sqr() - r0.norm_sqr();
    0.5 * (2.0 * energy - edge) / n
}
