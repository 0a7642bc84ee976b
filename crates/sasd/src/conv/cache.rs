//! Spectra of operands kept between oracle calls.

use std::sync::atomic::{AtomicU64, Ordering};

use super::{Complex64, Plan};

/// Source of [`SpectrumCache::id`]s: unique per content ever held.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

/// The spectra F(ι v_k) of a block v = [v_1, …, v_K] of K signals of one
/// shape (K kernels, or K activation maps), with the vector they came from.
///
/// Two-block solvers evaluate the objective at a trial point and then often
/// hold that very point fixed (the accepted prox step x⁺ of ADM becomes the
/// fixed x of the a-update). Keeping the last transformed vector lets
/// [`fix_from`](Self::fix_from) recognise it by comparison, O(len) and usually
/// decided at the first entry, instead of paying K more FFTs.
#[derive(Debug, Clone)]
pub struct SpectrumCache<P: Plan> {
    shape: P::Shape,
    blocks: usize,
    spectrum_len: usize,
    vector: Vec<f64>,
    spectra: Vec<Complex64>,
    id: u64,
}

impl<P: Plan> SpectrumCache<P> {
    /// A cache for `blocks` signals of `shape`, holding the zero vector (whose
    /// spectrum is exactly zero, so no FFT is needed).
    pub fn new(plan: &P, shape: P::Shape, blocks: usize) -> Self {
        Self {
            shape,
            blocks,
            spectrum_len: plan.spectrum_len(),
            vector: vec![0.0; P::count(shape) * blocks],
            spectra: vec![Complex64::default(); plan.spectrum_len() * blocks],
            id: next_id(),
        }
    }

    /// Whether the cache holds exactly `v` (bitwise equal entries; a NaN never
    /// matches, so it is always recomputed).
    pub fn holds(&self, v: &[f64]) -> bool {
        self.vector == v
    }

    /// Makes the cache hold `v`: K forward FFTs unless it already does.
    pub fn update(&mut self, plan: &mut P, v: &[f64]) {
        if self.holds(v) {
            return;
        }
        self.vector.copy_from_slice(v);
        self.id = next_id();
        let len = P::count(self.shape);
        for (block, spec) in v
            .chunks_exact(len)
            .zip(self.spectra.chunks_exact_mut(self.spectrum_len))
        {
            plan.forward(block, self.shape, spec);
        }
    }

    /// Makes `self` (the fixed operand) hold `v`, taking the spectra from
    /// `last` by a swap when `last` holds `v` already: no FFT in that case.
    pub fn fix_from(&mut self, last: &mut Self, plan: &mut P, v: &[f64]) {
        if self.holds(v) {
            return;
        }
        if last.holds(v) {
            std::mem::swap(self, last);
            return;
        }
        self.update(plan, v);
    }

    /// The cache holding `v`'s spectra: `fixed` when it holds `v` already
    /// (an oracle at the point held fixed), else `last`, updated (K FFTs
    /// unless `last` holds `v` too).
    pub fn lookup<'c>(fixed: &'c Self, last: &'c mut Self, plan: &mut P, v: &[f64]) -> &'c Self {
        if fixed.holds(v) {
            fixed
        } else {
            last.update(plan, v);
            last
        }
    }

    /// A label of the content held, unique across all caches and updates
    /// (it moves with the content in a swap): equal ids mean equal spectra.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// All spectra, block after block.
    pub fn spectra(&self) -> &[Complex64] {
        &self.spectra
    }

    /// The spectrum of block k.
    pub fn spectrum(&self, k: usize) -> &[Complex64] {
        &self.spectra[k * self.spectrum_len..(k + 1) * self.spectrum_len]
    }

    /// The vector held.
    pub fn vector(&self) -> &[f64] {
        &self.vector
    }

    /// Number of blocks K.
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// Shape of one block.
    pub fn shape(&self) -> P::Shape {
        self.shape
    }
}
