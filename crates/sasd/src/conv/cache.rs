//! Spectra of operands kept between oracle calls.

use std::sync::atomic::{AtomicU64, Ordering};

use optim::Kept;

use super::{Complex64, Plan, Sums, Visit};

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
/// decided within the first entries, instead of paying K more FFTs.
///
/// The vector is kept as the mask of its nonzero entries and their values
/// (see `Kept`): recognising a sparse activation map then reads little more
/// than the map itself.
#[derive(Debug, Clone)]
pub struct SpectrumCache<P: Plan> {
    shape: P::Shape,
    blocks: usize,
    spectrum_len: usize,
    vector: Kept,
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
            vector: Kept::zeros(P::count(shape) * blocks),
            spectra: vec![Complex64::default(); plan.spectrum_len() * blocks],
            id: next_id(),
        }
    }

    /// Whether the cache holds exactly `v` (entries equal as f64: −0 = 0, and
    /// a NaN never matches, so it is always recomputed).
    pub fn holds(&self, v: &[f64]) -> bool {
        self.vector.equals(v)
    }

    /// Makes the cache hold `v`: K forward FFTs unless it already does.
    pub fn update(&mut self, plan: &mut P, v: &[f64]) {
        if self.holds(v) {
            return;
        }
        self.id = next_id();
        let len = P::count(self.shape);
        let kept = &mut self.vector;
        kept.clear();
        for (block, spec) in v
            .chunks_exact(len)
            .zip(self.spectra.chunks_exact_mut(self.spectrum_len))
        {
            plan.forward_tap(block, self.shape, &mut |chunk| kept.push(chunk), spec, &|_, _| {
                Sums::default()
            });
        }
    }

    /// [`update`](Self::update) of a single-block cache that also hands the
    /// spectrum to `visit` chunk by chunk and returns their sums: as the
    /// transform finishes them ([`Plan::forward_visit`]) when it runs, by
    /// [`Plan::visit`] when the cache holds `v` already.
    ///
    /// The transform writes into `spare` (a buffer of one spectrum's length),
    /// which then trades places with the cache's own: the caller's scratch,
    /// typically just used and still in cache, takes the new spectrum, and
    /// the cache's old buffer becomes the scratch. Why: writing a 2 MB
    /// spectrum into a buffer last touched an iteration ago first brings all
    /// of it in from memory.
    ///
    /// # Panics
    /// With more than one block, or `spare` of the wrong length (programming
    /// errors).
    pub(crate) fn update_visit(
        &mut self,
        plan: &mut P,
        v: &[f64],
        spare: &mut Vec<Complex64>,
        visit: &Visit,
    ) -> Sums {
        assert_eq!(self.blocks, 1, "update_visit: one block only");
        assert_eq!(spare.len(), self.spectra.len(), "update_visit: spare length");
        if self.holds(v) {
            return plan.visit(&self.spectra, visit);
        }
        self.id = next_id();
        let kept = &mut self.vector;
        kept.clear();
        let sums = plan.forward_tap(v, self.shape, &mut |chunk| kept.push(chunk), spare, visit);
        std::mem::swap(&mut self.spectra, spare);
        sums
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

    /// Number of blocks K.
    pub fn blocks(&self) -> usize {
        self.blocks
    }

    /// Shape of one block.
    pub fn shape(&self) -> P::Shape {
        self.shape
    }
}
