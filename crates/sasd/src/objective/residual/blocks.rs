//! [`BlockSpectra`]: the spectra of both blocks of a two-block objective,
//! cached so that an oracle at the point held fixed, or at the point just
//! evaluated, costs no FFT.

use super::SpectralResidual;
use crate::conv::{Plan, SpectrumCache};

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
    /// `kernels` kernels of shape `kernel` and activation maps of shape
    /// `signal` (the plan's under the circular model, m + n − 1 per axis
    /// under the linear one) against y given on x's grid (placed in its
    /// window); both blocks start at zero (whose spectra are zero: no FFT).
    /// `keep_residual`: whether the oracles keep R̂ ([`SpectralResidual::new`];
    /// always for N > 1 kernels).
    pub fn new(
        plan: P,
        y: &[f64],
        kernel: P::Shape,
        signal: P::Shape,
        kernels: usize,
        keep_residual: bool,
    ) -> Self {
        let cache = |shape| SpectrumCache::new(&plan, shape, kernels);
        let (a_fixed, a_last, x_fixed, x_last) = (cache(kernel), cache(kernel), cache(signal), cache(signal));
        Self {
            core: SpectralResidual::new(plan, y, signal, keep_residual || kernels > 1),
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
