//! The spectral least-squares core shared by the convolutional objectives:
//! the residual r = Σ_k a_k ⊛ x_k + b·1 − y built in the Fourier domain,
//! its norm by Parseval, and the correlations that carry it back to either
//! block (seed 003, App. C.1.1, C.1.2, C.2); and [`BlockSpectra`], the
//! caching of both blocks' spectra that every two-block objective uses.

use crate::conv::{Complex64, Plan, SpectrumCache, edge_energy};

/// Plan, spectrum of y and the buffers of one residual.
#[derive(Debug, Clone)]
pub(crate) struct SpectralResidual<P: Plan> {
    pub plan: P,
    y_hat: Vec<Complex64>,
    /// R̂ of the last [`residual`](Self::residual) call.
    resid: Vec<Complex64>,
    /// Products handed to the inverse FFT (which destroys its input); also
    /// the buffer a value trial transforms into before trading it with its
    /// cache's ([`SpectrumCache::update_visit`]).
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
        let energy = energy_of(0.0, &self.y_hat, ah, xh);
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
        let mut energy = 0.0;
        trial.update_visit(plan, v, work, &mut |start, chunk| {
            let end = start + chunk.len();
            // f·t = t·f bin by bin, bit for bit: the products commute and
            // so does the sum of two of them.
            energy = energy_of(energy, &y_hat[start..end], &f[start..end], chunk);
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
        let mut energy = 0.0;
        plan.inverse_fill(work, shape, out, &mut |start, chunk| {
            let end = start + chunk.len();
            let (y, a, x, o) = (
                &y_hat[start..end],
                &ah[start..end],
                &xh[start..end],
                &oh[start..end],
            );
            energy = energy_and_product(energy, chunk, y, a, x, o, scale);
            if start == 0 {
                chunk[0] = oh[0].conj() * dc * scale;
            }
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
        let (mut energy, mut edge) = (0.0, 0.0);
        let (mut r0, mut dc) = (Complex64::default(), Complex64::default());
        plan.forward_map_inverse((v, shape), work, (out, shape), &mut |start, chunk| {
            let end = start + chunk.len();
            let (y, f) = (&y_hat[start..end], &f[start..end]);
            // The edge bins count once in Parseval's sum, the DC bin takes
            // the bias: read them before the pass overwrites the chunk.
            for range in &edges {
                for i in range.start.max(start)..range.end.min(end) {
                    let r = f[i - start] * chunk[i - start] - y[i - start];
                    if i == 0 {
                        (r0, dc) = (r, r);
                        dc.re += bias * n;
                        edge += dc.norm_sqr();
                    } else {
                        edge += r.norm_sqr();
                    }
                }
            }
            energy = energy_and_product_in_place(energy, chunk, y, f, scale);
            if start == 0 {
                chunk[0] = f[0].conj() * dc * scale;
            }
        });
        // The trial's spectrum is gone: no residual to rebias from.
        self.last = None;
        psi_of(energy, r0, dc, edge, n)
    }

    /// ψ from Σ_all |R_k|² of the bias-free residual bins `r`: adds the bias
    /// to the DC bin and counts the edge bins once (Parseval).
    fn finish(&self, energy: f64, bias: f64, r: impl Fn(usize) -> Complex64) -> f64 {
        let n = self.samples() as f64;
        let r0 = r(0);
        let mut dc = r0;
        dc.re += bias * n;
        let mut edge = 0.0;
        for range in self.plan.edge_bins() {
            for i in range {
                edge += if i == 0 { dc.norm_sqr() } else { r(i).norm_sqr() };
            }
        }
        psi_of(energy, r0, dc, edge, n)
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

/// Which block of a two-block objective an oracle is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Block {
    /// The kernel(s) a.
    A,
    /// The activation map(s) x.
    X,
}

/// The residual core of a two-block objective with the spectra of both
/// blocks cached the one way all of them use: per block, the spectrum of
/// the point held fixed (`fix_a` / `fix_x`) and that of the last point
/// evaluated, so that an oracle at either costs no FFT and fixing the
/// point just evaluated (ADM's accepted trial) costs none either.
#[derive(Debug, Clone)]
pub(crate) struct BlockSpectra<P: Plan> {
    pub core: SpectralResidual<P>,
    pub kernel: P::Shape,
    pub signal: P::Shape,
    a_fixed: SpectrumCache<P>,
    a_last: SpectrumCache<P>,
    x_fixed: SpectrumCache<P>,
    x_last: SpectrumCache<P>,
}

impl<P: Plan> BlockSpectra<P> {
    /// `kernels` kernels of shape `kernel` against y, of the plan's shape;
    /// both blocks start at zero (whose spectra are zero: no FFT).
    pub fn new(plan: P, y: &[f64], kernel: P::Shape, kernels: usize) -> Self {
        let signal = plan.shape();
        let cache = |shape| SpectrumCache::new(&plan, shape, kernels);
        let (a_fixed, a_last, x_fixed, x_last) = (cache(kernel), cache(kernel), cache(signal), cache(signal));
        Self {
            core: SpectralResidual::new(plan, y),
            kernel,
            signal,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
        }
    }

    /// Number of kernels N.
    pub fn kernels(&self) -> usize {
        self.a_fixed.blocks()
    }

    /// Entries of the a block (N kernels).
    pub fn a_len(&self) -> usize {
        P::count(self.kernel) * self.kernels()
    }

    /// Entries of the x block (N maps).
    pub fn x_len(&self) -> usize {
        P::count(self.signal) * self.kernels()
    }

    /// Real FFTs run (excluding F(y)).
    pub fn ffts(&self) -> u64 {
        self.core.plan.ffts()
    }

    /// Resets the FFT counter.
    pub fn reset_ffts(&mut self) {
        self.core.plan.reset_ffts();
    }

    /// Holds `v` fixed in `block`: N FFTs, or none when v is the last point
    /// evaluated in that block (or is held already).
    pub fn fix(&mut self, block: Block, v: &[f64]) {
        let plan = &mut self.core.plan;
        match block {
            Block::A => self.a_fixed.fix_from(&mut self.a_last, plan, v),
            Block::X => self.x_fixed.fix_from(&mut self.x_last, plan, v),
        }
    }

    /// The core and the spectra (Â, X̂) at the point a, x: each from its
    /// block's fixed cache when that holds it, else from the last one
    /// (N FFTs unless it holds it too).
    pub fn point(
        &mut self,
        a: &[f64],
        x: &[f64],
    ) -> (&mut SpectralResidual<P>, &SpectrumCache<P>, &SpectrumCache<P>) {
        let Self {
            core,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
            ..
        } = self;
        let a_hat = SpectrumCache::lookup(a_fixed, a_last, &mut core.plan, a);
        let x_hat = SpectrumCache::lookup(x_fixed, x_last, &mut core.plan, x);
        (core, a_hat, x_hat)
    }

    /// The core and (Â, X̂) with `v` in `block` and the other block fixed
    /// (N FFTs unless a cache of `block` holds v).
    pub fn at(
        &mut self,
        block: Block,
        v: &[f64],
    ) -> (&mut SpectralResidual<P>, &SpectrumCache<P>, &SpectrumCache<P>) {
        let Self {
            core,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
            ..
        } = self;
        match block {
            Block::A => {
                let a_hat = SpectrumCache::lookup(a_fixed, a_last, &mut core.plan, v);
                (core, a_hat, x_fixed)
            }
            Block::X => {
                let x_hat = SpectrumCache::lookup(x_fixed, x_last, &mut core.plan, v);
                (core, a_fixed, x_hat)
            }
        }
    }

    /// ψ = ½‖Σ_k a_k ⊛ x_k + b·1 − y‖² with `v` in `block`, the other block
    /// fixed, by Parseval: N FFTs (none when a cache holds v). With one
    /// kernel and v not the fixed point, the energy pass runs inside the
    /// transform ([`SpectralResidual::value_trial`]).
    pub fn value(&mut self, block: Block, v: &[f64], bias: f64) -> f64 {
        let kernels = self.kernels();
        let Self {
            core,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
            ..
        } = self;
        let (fixed, last, other) = match block {
            Block::A => (&*a_fixed, a_last, &*x_fixed),
            Block::X => (&*x_fixed, x_last, &*a_fixed),
        };
        let trial = if fixed.holds(v) {
            fixed
        } else if kernels == 1 {
            return core.value_trial(other, last, v, block == Block::A, bias);
        } else {
            last.update(&mut core.plan, v);
            &*last
        };
        let (a, x) = ordered(block, trial, other);
        core.value(a, x, bias)
    }

    /// ψ and its gradient in `block` (∇_{x_k}ψ = ǎ_k ⊛ r, ∇_{a_k}ψ =
    /// ι*(x̌_k ⊛ r)) at `v`, the other block fixed: 2N FFTs (N when a cache
    /// holds v). With one kernel and v in no cache, the transforms and the
    /// pass run as one sweep ([`SpectralResidual::gradient_trial`]) and v's
    /// spectrum is not cached (a gradient point is not evaluated again).
    pub fn gradient(&mut self, block: Block, v: &[f64], bias: f64, grad: &mut [f64]) -> f64 {
        let kernels = self.kernels();
        let Self {
            core,
            kernel,
            signal,
            a_fixed,
            a_last,
            x_fixed,
            x_last,
        } = self;
        let (fixed, last, other, shape) = match block {
            Block::A => (&*a_fixed, a_last, &*x_fixed, *kernel),
            Block::X => (&*x_fixed, x_last, &*a_fixed, *signal),
        };
        let trial = if fixed.holds(v) {
            fixed
        } else if last.holds(v) {
            &*last
        } else if kernels > 1 {
            last.update(&mut core.plan, v);
            &*last
        } else {
            return core.gradient_trial(other, v, shape, bias, grad);
        };
        let (a, x) = ordered(block, trial, other);
        core.gradient(a, x, bias, block == Block::X, shape, grad)
    }

    /// R̂ (kept in the core) and ψ without bias at `v` in `block`, the other
    /// block fixed: N FFTs (none when a cache holds v).
    pub fn residual(&mut self, block: Block, v: &[f64]) -> f64 {
        let (core, a, x) = self.at(block, v);
        core.residual(a, x, 0.0)
    }

    /// The gradient in `block` of ⟨r, g⟩ for the g loaded into the core's
    /// residual: ι*(ǒ_k ⊛ g) with o the other, fixed block. N inverse FFTs.
    pub fn correlate_back(&mut self, block: Block, grad: &mut [f64]) {
        match block {
            Block::A => self.core.correlate_back(&self.x_fixed, self.kernel, grad),
            Block::X => self.core.correlate_back(&self.a_fixed, self.signal, grad),
        }
    }
}

/// (Â, X̂) from the spectra of `block` and of the other block.
fn ordered<'c, P: Plan>(
    block: Block,
    this: &'c SpectrumCache<P>,
    other: &'c SpectrumCache<P>,
) -> (&'c SpectrumCache<P>, &'c SpectrumCache<P>) {
    match block {
        Block::A => (this, other),
        Block::X => (other, this),
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

/// ψ = ½‖r‖² from Parseval's sums over the bias-free residual bins: Σ_all
/// |R_k|² (`energy`), the DC bin without and with the bias (`r0`, `dc`) and
/// Σ_edge |R_k|² with the DC bin biased (`edge`).
fn psi_of(mut energy: f64, r0: Complex64, dc: Complex64, edge: f64, n: f64) -> f64 {
    energy += dc.norm_sqr() - r0.norm_sqr();
    0.5 * (2.0 * energy - edge) / n
}

/// Bins per step of the passes below: the arithmetic of a step is
/// independent across bins (so it vectorises); only the sum is serial.
const LANES: usize = 8;

/// r = a·x − y for one bin, as `a * x - y` in `num_complex` computes it.
#[inline(always)]
fn residual_bin(a: Complex64, x: Complex64, y: Complex64) -> (f64, f64) {
    (a.re * x.re - a.im * x.im - y.re, a.re * x.im + a.im * x.re - y.im)
}

/// `acc` + Σ |a ⊙ x − y|² over the bins, read-only. One accumulator in bin
/// order on purpose: four partial sums were ~5% faster but change ψ in the
/// last bits, and the pipeline's seed-2 homotopy run
/// (tests/pipeline_acceptance.rs) is sensitive enough to that to land in
/// another basin. Passing `acc` on lets a caller sum chunk after chunk with
/// the very same additions.
fn energy_of(acc: f64, y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above).
        return unsafe { avx::energy_of(acc, y, a, x) };
    }
    energy_of_scalar(acc, y, a, x)
}

/// [`energy_of`] without SIMD intrinsics (and the tail of the AVX one).
fn energy_of_scalar(mut acc: f64, y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
    let len = y.len();
    let (a, x) = (&a[..len], &x[..len]);
    let (mut y8, mut a8, mut x8) = (
        y.chunks_exact(LANES),
        a.chunks_exact(LANES),
        x.chunks_exact(LANES),
    );
    for ((y, a), x) in (&mut y8).zip(&mut a8).zip(&mut x8) {
        let mut e = [0.0; LANES];
        for l in 0..LANES {
            let (re, im) = residual_bin(a[l], x[l], y[l]);
            e[l] = re * re + im * im;
        }
        for t in e {
            acc += t;
        }
    }
    for ((y, a), x) in y8.remainder().iter().zip(a8.remainder()).zip(x8.remainder()) {
        let (re, im) = residual_bin(*a, *x, *y);
        acc += re * re + im * im;
    }
    acc
}

/// w = conj(o) ⊙ (a ⊙ x − y)·scale, and `acc` + Σ |a ⊙ x − y|² in bin
/// order (as [`energy_of`]), in one pass; w's bins as
/// `o.conj() * r * scale` computes them.
fn energy_and_product(
    acc: f64,
    w: &mut [Complex64],
    y: &[Complex64],
    a: &[Complex64],
    x: &[Complex64],
    o: &[Complex64],
    scale: f64,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above).
        return unsafe { avx::energy_and_product(acc, w, y, a, x, o, scale) };
    }
    energy_and_product_scalar(acc, w, y, a, x, o, scale)
}

/// [`energy_and_product`] without SIMD intrinsics (and the tail of the AVX one).
fn energy_and_product_scalar(
    mut acc: f64,
    w: &mut [Complex64],
    y: &[Complex64],
    a: &[Complex64],
    x: &[Complex64],
    o: &[Complex64],
    scale: f64,
) -> f64 {
    let len = w.len();
    let (y, a, x, o) = (&y[..len], &a[..len], &x[..len], &o[..len]);
    let mut w8 = w.chunks_exact_mut(LANES);
    let (mut y8, mut a8, mut x8, mut o8) = (
        y.chunks_exact(LANES),
        a.chunks_exact(LANES),
        x.chunks_exact(LANES),
        o.chunks_exact(LANES),
    );
    let product = |o: Complex64, re: f64, im: f64| {
        Complex64::new((o.re * re + o.im * im) * scale, (o.re * im - o.im * re) * scale)
    };
    for ((((w, y), a), x), o) in (&mut w8).zip(&mut y8).zip(&mut a8).zip(&mut x8).zip(&mut o8) {
        let mut e = [0.0; LANES];
        for l in 0..LANES {
            let (re, im) = residual_bin(a[l], x[l], y[l]);
            e[l] = re * re + im * im;
            w[l] = product(o[l], re, im);
        }
        for t in e {
            acc += t;
        }
    }
    let rest = w8.into_remainder().iter_mut().zip(y8.remainder());
    for ((((w, y), a), x), o) in rest.zip(a8.remainder()).zip(x8.remainder()).zip(o8.remainder()) {
        let (re, im) = residual_bin(*a, *x, *y);
        acc += re * re + im * im;
        *w = product(*o, re, im);
    }
    acc
}

/// t ← conj(f) ⊙ (f ⊙ t − y)·scale in place (t the trial block's spectrum,
/// f the fixed one's: the gradient's correlation is always with the fixed
/// block), and `acc` + Σ |f ⊙ t − y|² in bin order: [`energy_and_product`]
/// with w = t, bit for bit (f·t = t·f bin by bin: the products commute and
/// so does the sum of two of them).
fn energy_and_product_in_place(
    acc: f64,
    t: &mut [Complex64],
    y: &[Complex64],
    f: &[Complex64],
    scale: f64,
) -> f64 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: the CPU has AVX (checked just above).
        return unsafe { avx::energy_and_product_in_place(acc, t, y, f, scale) };
    }
    energy_and_product_in_place_scalar(acc, t, y, f, scale)
}

/// [`energy_and_product_in_place`] without SIMD intrinsics (and the tail of
/// the AVX one).
fn energy_and_product_in_place_scalar(
    mut acc: f64,
    t: &mut [Complex64],
    y: &[Complex64],
    f: &[Complex64],
    scale: f64,
) -> f64 {
    let len = t.len();
    let (y, f) = (&y[..len], &f[..len]);
    let mut t8 = t.chunks_exact_mut(LANES);
    let (mut y8, mut f8) = (y.chunks_exact(LANES), f.chunks_exact(LANES));
    let product = |o: Complex64, re: f64, im: f64| {
        Complex64::new((o.re * re + o.im * im) * scale, (o.re * im - o.im * re) * scale)
    };
    for ((t, y), f) in (&mut t8).zip(&mut y8).zip(&mut f8) {
        let mut e = [0.0; LANES];
        for l in 0..LANES {
            let (re, im) = residual_bin(f[l], t[l], y[l]);
            e[l] = re * re + im * im;
            t[l] = product(f[l], re, im);
        }
        for s in e {
            acc += s;
        }
    }
    for ((t, y), f) in t8
        .into_remainder()
        .iter_mut()
        .zip(y8.remainder())
        .zip(f8.remainder())
    {
        let (re, im) = residual_bin(*f, *t, *y);
        acc += re * re + im * im;
        *t = product(*f, re, im);
    }
    acc
}

/// The two passes with AVX, four bins per step: every bin's arithmetic is the
/// scalar one (packed IEEE operations, no fused multiply-add), and the
/// energies are added one by one in bin order, so the results are the same
/// bit for bit (tested against the scalar passes).
#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::{
        __m256d, _mm256_add_pd, _mm256_loadu_pd, _mm256_mul_pd, _mm256_set1_pd, _mm256_storeu_pd,
        _mm256_sub_pd, _mm256_unpackhi_pd, _mm256_unpacklo_pd,
    };

    use super::Complex64;

    /// Bins ahead that the passes ask for (2 kB): far enough to cover the
    /// time to fetch a line from memory, near enough to stay in L1.
    const AHEAD: usize = 128;

    /// Asks for the cache line [`AHEAD`] bins past the start of `bins`.
    ///
    /// Why: the passes stream Ŷ and the fixed block's spectrum (2.1 MB each
    /// at 512×512, out of L2) one row per visit, with a row FFT between
    /// visits; the hardware prefetcher restarts at every 4 kB page and every
    /// visit, and the pass waited on memory. Asking one line ahead per line
    /// read keeps the stream flowing into the next row while the FFT runs
    /// (measured here: the 2-D passes ran ~20% faster).
    ///
    /// The address may lie past the end of the slice (the next row of the
    /// same array, or beyond the array): a prefetch dereferences nothing and
    /// never faults, and `wrapping_add` keeps the address computation defined.
    #[inline(always)]
    fn prefetch(bins: &[Complex64]) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let line = bins.as_ptr().wrapping_add(AHEAD).cast::<i8>();
        // SAFETY: a prefetch has no effect on memory or on the program's
        // state, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line) };
    }

    /// Four bins as (re, im) registers, lanes holding bins 0, 2, 1, 3.
    #[target_feature(enable = "avx")]
    fn split(bins: &[Complex64]) -> (__m256d, __m256d) {
        assert!(bins.len() >= 4);
        let p = bins.as_ptr().cast::<f64>();
        // SAFETY: four `Complex64` (`repr(C)`: re, im) are eight readable f64.
        let (lo, hi) = unsafe { (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4))) };
        (_mm256_unpacklo_pd(lo, hi), _mm256_unpackhi_pd(lo, hi))
    }

    /// r = a·x − y for four bins, as [`super::residual_bin`].
    #[target_feature(enable = "avx")]
    fn residual(a: &[Complex64], x: &[Complex64], y: &[Complex64]) -> (__m256d, __m256d) {
        let ((ar, ai), (xr, xi), (yr, yi)) = (split(a), split(x), split(y));
        let re = _mm256_sub_pd(_mm256_sub_pd(_mm256_mul_pd(ar, xr), _mm256_mul_pd(ai, xi)), yr);
        let im = _mm256_sub_pd(_mm256_add_pd(_mm256_mul_pd(ar, xi), _mm256_mul_pd(ai, xr)), yi);
        (re, im)
    }

    /// `acc` + the energies of four bins, added in bin order.
    #[target_feature(enable = "avx")]
    fn add_energies(acc: f64, re: __m256d, im: __m256d) -> f64 {
        let mut e = [0.0; 4];
        // SAFETY: `e` has room for four f64.
        unsafe {
            _mm256_storeu_pd(
                e.as_mut_ptr(),
                _mm256_add_pd(_mm256_mul_pd(re, re), _mm256_mul_pd(im, im)),
            )
        };
        acc + e[0] + e[2] + e[1] + e[3]
    }

    /// [`super::energy_of`].
    #[target_feature(enable = "avx")]
    pub(super) fn energy_of(mut acc: f64, y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
        let len = y.len();
        let (a, x) = (&a[..len], &x[..len]);
        let body = len - len % 4;
        for ((y, a), x) in y[..body]
            .chunks_exact(4)
            .zip(a.chunks_exact(4))
            .zip(x.chunks_exact(4))
        {
            // Four bins are one cache line of each array.
            prefetch(y);
            prefetch(a);
            prefetch(x);
            let (re, im) = residual(a, x, y);
            acc = add_energies(acc, re, im);
        }
        super::energy_of_scalar(acc, &y[body..], &a[body..], &x[body..])
    }

    /// [`super::energy_and_product_in_place`].
    #[target_feature(enable = "avx")]
    pub(super) fn energy_and_product_in_place(
        mut acc: f64,
        t: &mut [Complex64],
        y: &[Complex64],
        f: &[Complex64],
        scale: f64,
    ) -> f64 {
        let len = t.len();
        let (y, f) = (&y[..len], &f[..len]);
        let body = len - len % 4;
        let s = _mm256_set1_pd(scale);
        let (head, tail) = t.split_at_mut(body);
        for ((t, y), f) in head
            .chunks_exact_mut(4)
            .zip(y.chunks_exact(4))
            .zip(f.chunks_exact(4))
        {
            prefetch(y);
            prefetch(f);
            let (re, im) = residual(f, t, y);
            acc = add_energies(acc, re, im);
            let (fr, fi) = split(f);
            store(t, product(fr, fi, re, im, s));
        }
        super::energy_and_product_in_place_scalar(acc, tail, &y[body..], &f[body..], scale)
    }

    /// conj(o)·r·s for four bins, as (re, im) registers.
    #[target_feature(enable = "avx")]
    fn product(or: __m256d, oi: __m256d, re: __m256d, im: __m256d, s: __m256d) -> (__m256d, __m256d) {
        let wr = _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(or, re), _mm256_mul_pd(oi, im)), s);
        let wi = _mm256_mul_pd(_mm256_sub_pd(_mm256_mul_pd(or, im), _mm256_mul_pd(oi, re)), s);
        (wr, wi)
    }

    /// Writes four bins given as (re, im) registers (lanes: bins 0, 2, 1, 3).
    #[target_feature(enable = "avx")]
    fn store(bins: &mut [Complex64], (wr, wi): (__m256d, __m256d)) {
        assert!(bins.len() >= 4);
        let p = bins.as_mut_ptr().cast::<f64>();
        // SAFETY: four `Complex64` are eight writable f64.
        unsafe {
            _mm256_storeu_pd(p, _mm256_unpacklo_pd(wr, wi));
            _mm256_storeu_pd(p.add(4), _mm256_unpackhi_pd(wr, wi));
        }
    }

    /// [`super::energy_and_product`].
    #[target_feature(enable = "avx")]
    pub(super) fn energy_and_product(
        mut acc: f64,
        w: &mut [Complex64],
        y: &[Complex64],
        a: &[Complex64],
        x: &[Complex64],
        o: &[Complex64],
        scale: f64,
    ) -> f64 {
        let len = w.len();
        let (y, a, x, o) = (&y[..len], &a[..len], &x[..len], &o[..len]);
        let body = len - len % 4;
        let s = _mm256_set1_pd(scale);
        let (head, tail) = w.split_at_mut(body);
        let ins = y.chunks_exact(4).zip(a.chunks_exact(4)).zip(x.chunks_exact(4));
        for (w, (((y, a), x), o)) in head.chunks_exact_mut(4).zip(ins.zip(o.chunks_exact(4))) {
            prefetch(y);
            prefetch(a);
            prefetch(x);
            prefetch(o);
            let (re, im) = residual(a, x, y);
            acc = add_energies(acc, re, im);
            let (or, oi) = split(o);
            store(w, product(or, oi, re, im, s));
        }
        let (y, a, x, o) = (&y[body..], &a[body..], &x[body..], &o[body..]);
        super::energy_and_product_scalar(acc, tail, y, a, x, o, scale)
    }
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};

    use super::*;

    fn spectrum(rng: &mut StdRng, len: usize) -> Vec<Complex64> {
        (0..len)
            .map(|_| Complex64::new(rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)))
            .collect()
    }

    fn bits(v: &[Complex64]) -> Vec<(u64, u64)> {
        v.iter().map(|z| (z.re.to_bits(), z.im.to_bits())).collect()
    }

    /// Every path of the passes — SIMD or scalar, whole or chunk by chunk,
    /// out of place or in place, either operand order — gives the same bits
    /// as `num_complex` arithmetic summed bin after bin.
    #[test]
    fn passes_agree_bit_for_bit_on_every_path() {
        let mut rng = StdRng::seed_from_u64(5);
        for len in (0..41).chain([257, 1001]) {
            let (y, a, x) = (
                spectrum(&mut rng, len),
                spectrum(&mut rng, len),
                spectrum(&mut rng, len),
            );
            let scale = 1.0 / 7.0;
            let mut want_energy = 0.0;
            let mut want_w = vec![Complex64::default(); len];
            for i in 0..len {
                let r = a[i] * x[i] - y[i];
                want_energy += r.norm_sqr();
                want_w[i] = a[i].conj() * r * scale;
            }
            let e = energy_of(0.0, &y, &a, &x);
            assert_eq!(e.to_bits(), want_energy.to_bits(), "len {len}");
            assert_eq!(energy_of_scalar(0.0, &y, &a, &x).to_bits(), want_energy.to_bits());
            // Chunk by chunk, with the accumulator passed on.
            let cut = len / 3;
            let chunked = energy_of(
                energy_of(0.0, &y[..cut], &a[..cut], &x[..cut]),
                &y[cut..],
                &a[cut..],
                &x[cut..],
            );
            assert_eq!(chunked.to_bits(), want_energy.to_bits());

            let mut w = vec![Complex64::default(); len];
            let e = energy_and_product(0.0, &mut w, &y, &a, &x, &a, scale);
            assert_eq!((e.to_bits(), bits(&w)), (want_energy.to_bits(), bits(&want_w)));
            let e = energy_and_product_scalar(0.0, &mut w, &y, &a, &x, &a, scale);
            assert_eq!((e.to_bits(), bits(&w)), (want_energy.to_bits(), bits(&want_w)));

            // In place, the fixed block a first (x-gradient)...
            let mut t = x.clone();
            let e = energy_and_product_in_place(0.0, &mut t, &y, &a, scale);
            assert_eq!((e.to_bits(), bits(&t)), (want_energy.to_bits(), bits(&want_w)));
            let mut t = x.clone();
            let e = energy_and_product_in_place_scalar(0.0, &mut t, &y, &a, scale);
            assert_eq!((e.to_bits(), bits(&t)), (want_energy.to_bits(), bits(&want_w)));
            // ...and second (a-gradient: t = â, the correlation with x̂).
            let mut want_wa = vec![Complex64::default(); len];
            for i in 0..len {
                want_wa[i] = x[i].conj() * (a[i] * x[i] - y[i]) * scale;
            }
            let mut t = a.clone();
            let e = energy_and_product_in_place(0.0, &mut t, &y, &x, scale);
            assert_eq!((e.to_bits(), bits(&t)), (want_energy.to_bits(), bits(&want_wa)));
        }
    }
}
