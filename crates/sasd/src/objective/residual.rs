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
    /// (id of Â, id of X̂, ψ) of the last residual: R̂ is still in `resid`.
    last: Option<(u64, u64, f64)>,
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
            last: None,
        }
    }

    /// R̂ of the last [`residual`](Self::residual) call.
    pub fn resid(&self) -> &[Complex64] {
        &self.resid
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
            match (k == 0, k + 1 == blocks) {
                (true, true) => energy = fill(&mut self.resid, &self.y_hat, ak, xk, true),
                (true, false) => _ = fill(&mut self.resid, &self.y_hat, ak, xk, false),
                (false, last) => energy = accumulate(&mut self.resid, ak, xk, last),
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

    /// ψ = ½‖r‖² without keeping R̂ (value-only oracles): for one kernel a
    /// single read-only pass over Ŷ, Â, X̂ — no write of R̂ — with the DC
    /// (bias) and edge bins fixed afterwards; for N kernels, [`residual`](Self::residual).
    pub fn value(&mut self, a: &SpectrumCache<P>, x: &SpectrumCache<P>, bias: f64) -> f64 {
        if a.blocks() > 1 {
            return self.residual(a, x, bias);
        }
        let (ah, xh) = (a.spectrum(0), x.spectrum(0));
        let energy = energy_of(&self.y_hat, ah, xh);
        let psi = self.finish(energy, bias, |i| ah[i] * xh[i] - self.y_hat[i]);
        self.last = Some((a.id(), x.id(), psi));
        psi
    }

    /// ψ and, block by block, ι*(ǒ_k ⊛ r) into `out` (see
    /// [`correlate_back`](Self::correlate_back)); for one kernel the residual
    /// and the product conj(Ô)R̂/N are formed in one pass, R̂ not kept.
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
        let scale = 1.0 / self.samples() as f64;
        let energy = energy_and_product(&mut self.work, &self.y_hat, ah, xh, oh, scale);
        let r = |i: usize| ah[i] * xh[i] - self.y_hat[i];
        let r0 = r(0);
        let psi = self.finish(energy, bias, r);
        // The bias moves the DC bin only.
        let mut dc = r0;
        dc.re += bias * self.samples() as f64;
        self.work[0] = oh[0].conj() * dc * scale;
        self.last = Some((a.id(), x.id(), psi));
        self.plan.inverse(&mut self.work, shape, out);
        psi
    }

    /// ψ from Σ_all |R_k|² of the bias-free residual bins `r`: adds the bias
    /// to the DC bin and counts the edge bins once (Parseval).
    fn finish(&self, mut energy: f64, bias: f64, r: impl Fn(usize) -> Complex64) -> f64 {
        let n = self.samples() as f64;
        let r0 = r(0);
        let mut dc = r0;
        dc.re += bias * n;
        energy += dc.norm_sqr() - r0.norm_sqr();
        let mut edge = 0.0;
        for range in self.plan.edge_bins() {
            for i in range {
                edge += if i == 0 { dc.norm_sqr() } else { r(i).norm_sqr() };
            }
        }
        0.5 * (2.0 * energy - edge) / n
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

    /// r itself (full shape), from the R̂ of the last
    /// [`residual`](Self::residual): one inverse FFT.
    pub fn residual_signal(&mut self, out: &mut [f64]) {
        let scale = 1.0 / self.samples() as f64;
        self.work
            .iter_mut()
            .zip(&self.resid)
            .for_each(|(w, r)| *w = r * scale);
        self.plan.inverse(&mut self.work, self.plan.shape(), out);
    }

    /// Makes `g` (full shape, e.g. ℓ′(r) for a non-quadratic loss ℓ) the
    /// residual that [`correlate_back`](Self::correlate_back) carries back:
    /// R̂ ← F(g). One forward FFT.
    pub fn load_signal(&mut self, g: &[f64]) {
        self.plan.forward(g, self.plan.shape(), &mut self.resid);
    }
}

/// r = a ⊙ x − y bin by bin; with `energy`, also Σ|r|² (one accumulator, in bin order:
/// see `energy_of`).
fn fill(r: &mut [Complex64], y: &[Complex64], a: &[Complex64], x: &[Complex64], energy: bool) -> f64 {
    let mut acc = 0.0;
    let mut r4 = r.chunks_exact_mut(4);
    let (mut y4, mut a4, mut x4) = (y.chunks_exact(4), a.chunks_exact(4), x.chunks_exact(4));
    for (((r, y), a), x) in (&mut r4).zip(&mut y4).zip(&mut a4).zip(&mut x4) {
        for l in 0..4 {
            r[l] = a[l] * x[l] - y[l];
            acc += r[l].norm_sqr();
        }
    }
    for (((r, y), a), x) in r4
        .into_remainder()
        .iter_mut()
        .zip(y4.remainder())
        .zip(a4.remainder())
        .zip(x4.remainder())
    {
        *r = a * x - y;
        acc += r.norm_sqr();
    }
    if energy { acc } else { 0.0 }
}

/// r += a ⊙ x bin by bin; with `energy`, also returns Σ|r|².
fn accumulate(r: &mut [Complex64], a: &[Complex64], x: &[Complex64], energy: bool) -> f64 {
    let mut acc = 0.0;
    let mut r4 = r.chunks_exact_mut(4);
    let (mut a4, mut x4) = (a.chunks_exact(4), x.chunks_exact(4));
    for ((r, a), x) in (&mut r4).zip(&mut a4).zip(&mut x4) {
        for l in 0..4 {
            r[l] += a[l] * x[l];
            acc += r[l].norm_sqr();
        }
    }
    for ((r, a), x) in r4
        .into_remainder()
        .iter_mut()
        .zip(a4.remainder())
        .zip(x4.remainder())
    {
        *r += a * x;
        acc += r.norm_sqr();
    }
    if energy { acc } else { 0.0 }
}

/// Σ |a ⊙ x − y|² over all bins, read-only. One accumulator in bin order
/// on purpose: four partial sums were ~5% faster but change ψ in the last
/// bits, and the pipeline's seed-2 homotopy run (tests/pipeline_acceptance.rs)
/// is sensitive enough to that to land in another basin.
fn energy_of(y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
    let mut acc = 0.0;
    let (mut y4, mut a4, mut x4) = (y.chunks_exact(4), a.chunks_exact(4), x.chunks_exact(4));
    for ((y, a), x) in (&mut y4).zip(&mut a4).zip(&mut x4) {
        for l in 0..4 {
            acc += (a[l] * x[l] - y[l]).norm_sqr();
        }
    }
    for ((y, a), x) in y4.remainder().iter().zip(a4.remainder()).zip(x4.remainder()) {
        acc += (a * x - y).norm_sqr();
    }
    acc
}

/// w = conj(o) ⊙ (a ⊙ x − y)·scale and Σ |a ⊙ x − y|², in one pass.
fn energy_and_product(
    w: &mut [Complex64],
    y: &[Complex64],
    a: &[Complex64],
    x: &[Complex64],
    o: &[Complex64],
    scale: f64,
) -> f64 {
    let mut acc = 0.0;
    let body = w.len() / 4 * 4;
    for i in (0..body).step_by(4) {
        for l in 0..4 {
            let r = a[i + l] * x[i + l] - y[i + l];
            acc += r.norm_sqr();
            w[i + l] = o[i + l].conj() * r * scale;
        }
    }
    for i in body..w.len() {
        let r = a[i] * x[i] - y[i];
        acc += r.norm_sqr();
        w[i] = o[i].conj() * r * scale;
    }
    acc
}
