//! Spectra of operands kept between oracle calls.

use std::sync::atomic::{AtomicU64, Ordering};

use pulp::{Arch, Simd, WithSimd};

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

/// A copy of a vector kept only to recognise it: the mask of its nonzero
/// entries (one bit each) and their values in order.
///
/// Why not a plain copy: an ADM iteration recognises the accepted x⁺ twice
/// (`fix_x`, then the bias refresh) and keeps a copy of every x-trial; for a
/// 512×512 activation map a plain copy costs 2 MB written per trial and
/// 4 MB read per recognition, more than the map's own transform moves. An
/// activation map after the ℓ¹ prox is mostly exact zeros, and then this copy
/// is a few kB: recognising reads the map and little else. On dense vectors
/// it costs what a plain copy costs (plus the mask, 1/64 of it).
///
/// Equality is f64 equality entry by entry: −0 and 0 are both "zero" here, a
/// NaN is "nonzero" and never equals its copy.
#[derive(Debug, Clone)]
struct Kept {
    len: usize,
    /// Bit i % 64 of word i / 64 is set when entry i is nonzero.
    mask: Vec<u64>,
    /// The nonzero entries in order: the first `count` are valid (the
    /// buffer has room for a dense vector, so that keeping never allocates).
    values: Vec<f64>,
    count: usize,
    /// Entries pushed since the last [`clear`](Self::clear).
    filled: usize,
}

impl Kept {
    /// The zero vector of `len` entries.
    fn zeros(len: usize) -> Self {
        Self {
            len,
            mask: vec![0; len.div_ceil(64)],
            values: vec![0.0; len],
            count: 0,
            filled: len,
        }
    }

    /// Starts a new copy, to be given by [`push`](Self::push) in order.
    fn clear(&mut self) {
        (self.count, self.filled) = (0, 0);
    }

    /// Appends the next entries of the vector.
    fn push(&mut self, chunk: &[f64]) {
        self.push_on(Arch::new(), chunk);
    }

    /// Whether the copy is complete and equals `v` entry by entry (f64
    /// equality); decides a mismatch at the first differing word.
    fn equals(&self, v: &[f64]) -> bool {
        self.equals_on(Arch::new(), v)
    }

    /// [`push`](Self::push) compiled for `arch` (pulp's run-time dispatch;
    /// `Arch::Scalar` forces the plain path).
    fn push_on(&mut self, arch: Arch, chunk: &[f64]) {
        arch.dispatch(Push { kept: self, chunk });
    }

    /// [`equals`](Self::equals) compiled for `arch`, as [`push_on`](Self::push_on).
    fn equals_on(&self, arch: Arch, v: &[f64]) -> bool {
        arch.dispatch(Equals { kept: self, v })
    }

    /// [`push`](Self::push), inlined into the backend it runs on.
    #[inline(always)]
    fn push_with(&mut self, mut chunk: &[f64]) {
        assert!(self.filled + chunk.len() <= self.len, "Kept: vector too long");
        while !chunk.is_empty() {
            let (word, offset) = (self.filled / 64, self.filled % 64);
            let (head, rest) = chunk.split_at((64 - offset).min(chunk.len()));
            let nonzero = nonzero_bits(head);
            if offset == 0 {
                self.mask[word] = nonzero;
            } else {
                self.mask[word] |= nonzero << offset;
            }
            for_each_bit(nonzero, |i| {
                self.values[self.count] = head[i];
                self.count += 1;
            });
            self.filled += head.len();
            chunk = rest;
        }
    }

    /// [`equals`](Self::equals), inlined into the backend it runs on.
    #[inline(always)]
    fn equals_with(&self, v: &[f64]) -> bool {
        if v.len() != self.len || self.filled != self.len {
            return false;
        }
        let mut next = 0;
        for (block, &want) in v.chunks(64).zip(&self.mask) {
            prefetch_ahead(block);
            let nonzero = nonzero_bits(block);
            if nonzero != want {
                return false;
            }
            let values = &self.values[next..next + nonzero.count_ones() as usize];
            let mut same = true;
            let mut k = 0;
            for_each_bit(nonzero, |i| {
                same &= block[i] == values[k];
                k += 1;
            });
            if !same {
                return false;
            }
            next += values.len();
        }
        true
    }
}

/// [`Kept::push`] on a pulp backend.
///
/// Written once as plain Rust, and not with pulp's vector operations: the
/// loops run inside the backend's `vectorize` (its target features on), and
/// there the compiler turns [`nonzero_bits`] of a whole word into packed
/// compares, masks and a tree of ORs (~3 instructions per 4 entries, on
/// AVX2). pulp's generic API has no mask-to-bits (movemask) operation, and
/// reading a compare's lanes one by one compiled to ~17 instructions per 4
/// entries (checked in the assembly).
struct Push<'k> {
    kept: &'k mut Kept,
    chunk: &'k [f64],
}

impl WithSimd for Push<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        self.kept.push_with(self.chunk);
    }
}

/// [`Kept::equals`] on a pulp backend, as [`Push`].
struct Equals<'k> {
    kept: &'k Kept,
    v: &'k [f64],
}

impl WithSimd for Equals<'_> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> bool {
        self.kept.equals_with(self.v)
    }
}

/// Asks for the 8 cache lines (64 entries) 512 entries (4 kB) past the
/// start of `block`.
///
/// Why: recognising a kept 512×512 map reads the caller's 2 MB vector from
/// memory in a plain stream, and the hardware prefetcher restarts at every
/// 4 kB page: the loop waited on memory (measured here: ~25% faster).
/// The address may lie past the end of the vector: a prefetch dereferences
/// nothing and never faults, and `wrapping_add` keeps the address
/// computation defined.
#[inline(always)]
fn prefetch_ahead(block: &[f64]) {
    #[cfg(target_arch = "x86_64")]
    for line in 0..8 {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = block.as_ptr().wrapping_add(512 + 8 * line).cast::<i8>();
        // SAFETY: a prefetch has no effect on memory or on the program's
        // state, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = block;
}

/// Bit i set when `block[i] != 0.0`, for at most 64 entries (a NaN counts
/// as nonzero). A whole word goes through a fixed-length loop, which the
/// compiler unrolls and vectorises under a backend's target features.
#[inline(always)]
fn nonzero_bits(block: &[f64]) -> u64 {
    let bits = |entries: &[f64]| {
        entries
            .iter()
            .enumerate()
            .fold(0, |bits, (i, t)| bits | (u64::from(*t != 0.0) << i))
    };
    match <&[f64; 64]>::try_from(block) {
        Ok(word) => bits(word),
        Err(_) => {
            assert!(block.len() <= 64);
            bits(block)
        }
    }
}

/// Calls `f(i)` for each set bit i of `bits`, lowest first.
fn for_each_bit(mut bits: u64, mut f: impl FnMut(usize)) {
    while bits != 0 {
        f(bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The copy recognises exactly the vectors equal entry by entry as f64,
    /// whatever the chunks it was given in, and the plain path (pulp's
    /// scalar backend, forced) and the dispatched one agree: each recognises
    /// the other's copies.
    #[test]
    fn kept_copy_is_f64_equality() {
        let mut v: Vec<f64> = (0..203)
            .map(|i| match i % 7 {
                0 | 3 => 0.0,
                5 => -0.0,
                _ => i as f64 - 100.5,
            })
            .collect();
        let native = Arch::new();
        #[cfg(target_arch = "x86_64")]
        if pulp::x86::V3::is_available() {
            assert!(matches!(native, Arch::V3(_)), "dispatch picked {native:?}");
        }
        for (put, get) in [
            (Arch::Scalar, Arch::Scalar),
            (Arch::Scalar, native),
            (native, Arch::Scalar),
            (native, native),
        ] {
            let mut kept = Kept::zeros(v.len());
            kept.clear();
            kept.push_on(put, &v[..70]);
            kept.push_on(put, &v[70..]);
            assert_eq!(kept.mask, {
                let mut plain = Kept::zeros(v.len());
                plain.clear();
                v.iter().for_each(|t| plain.push_on(Arch::Scalar, &[*t]));
                plain.mask
            });
            assert!(kept.equals_on(get, &v), "{put:?} then {get:?}");
            let mut w = v.clone();
            w[150] += 1.0;
            assert!(!kept.equals_on(get, &w));
        }
        for cut in [0, 1, 63, 64, 65, 130, 203] {
            let mut kept = Kept::zeros(v.len());
            kept.clear();
            assert!(!kept.equals(&v), "incomplete");
            kept.push(&v[..cut]);
            kept.push(&v[cut..]);
            assert!(kept.equals(&v), "cut {cut}");
            assert!(!kept.equals(&v[1..]));
            for i in [0, 5, 17, 64, 202] {
                let keep = v[i];
                for other in [1.0, -0.0, 0.0, 1e-300] {
                    v[i] = other;
                    for arch in [Arch::Scalar, native] {
                        let got = kept.equals_on(arch, &v);
                        assert_eq!(got, other == keep, "entry {i}: {keep} -> {other}, {arch:?}");
                    }
                }
                v[i] = f64::NAN;
                assert!(!kept.equals_on(Arch::Scalar, &v));
                assert!(!kept.equals(&v));
                v[i] = keep;
            }
        }
        v[9] = f64::NAN;
        let mut kept = Kept::zeros(v.len());
        kept.clear();
        kept.push(&v);
        assert!(!kept.equals(&v), "a NaN never matches");
        assert!(Kept::zeros(3).equals(&[0.0, -0.0, 0.0]));
    }
}
