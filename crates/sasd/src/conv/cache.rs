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

    /// Whether the cache holds exactly `v` (entries equal as f64: −0 = 0, and
    /// a NaN never matches, so it is always recomputed).
    pub fn holds(&self, v: &[f64]) -> bool {
        same(&self.vector, v)
    }

    /// Makes the cache hold `v`: K forward FFTs unless it already does.
    pub fn update(&mut self, plan: &mut P, v: &[f64]) {
        if self.holds(v) {
            return;
        }
        self.id = next_id();
        let len = P::count(self.shape);
        let kept = self.vector.chunks_exact_mut(len);
        for ((block, keep), spec) in v
            .chunks_exact(len)
            .zip(kept)
            .zip(self.spectra.chunks_exact_mut(self.spectrum_len))
        {
            plan.forward_keep(block, self.shape, keep, spec, &mut |_, _| {});
        }
    }

    /// [`update`](Self::update) of a single-block cache that also hands the
    /// spectrum to `visit` in bin-ordered chunks: as the transform finishes
    /// them ([`Plan::forward_visit`]) when it runs, in one chunk when the
    /// cache holds `v` already.
    ///
    /// # Panics
    /// With more than one block (a programming error).
    pub(crate) fn update_visit(
        &mut self,
        plan: &mut P,
        v: &[f64],
        visit: &mut dyn FnMut(usize, &[Complex64]),
    ) {
        assert_eq!(self.blocks, 1, "update_visit: one block only");
        if self.holds(v) {
            visit(0, &self.spectra);
            return;
        }
        self.id = next_id();
        plan.forward_keep(v, self.shape, &mut self.vector, &mut self.spectra, visit);
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

/// `a == b` entry by entry (f64 equality: a NaN never matches), in chunks
/// whose comparisons vectorise; exits at the first differing chunk.
fn same(a: &[f64], b: &[f64]) -> bool {
    const CHUNK: usize = 16;
    if a.len() != b.len() {
        return false;
    }
    let (mut ac, mut bc) = (a.chunks_exact(CHUNK), b.chunks_exact(CHUNK));
    for (p, q) in (&mut ac).zip(&mut bc) {
        if !p.iter().zip(q).fold(true, |equal, (s, t)| equal & (s == t)) {
            return false;
        }
    }
    ac.remainder() == bc.remainder()
}
