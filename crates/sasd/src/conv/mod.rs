//! The FFT convolution engine (LQK+20, App. A operators; App. C.1, C.2).
//!
//! Conventions. Signals are flat `f64` slices; images are column-major
//! (entry (i, j) of an r×c image at `i + j·r`, as the matrix manifolds store
//! them). The cyclic convolution of length m is (u ⊛ v)_i = Σ_j u_j v_{(i−j) mod m}
//! (LQK+20, App. A) and its 2-D analogue is taken modulo (m₁, m₂). A shorter
//! operand of shape n enters through the zero-padding ι_{n→m} (its entries
//! first, zeros after, along every axis) and a shorter output through the
//! restriction ι*_{n→m} (the first n entries along every axis).
//!
//! * [`Plan`] is one geometry's pair of real FFTs (1-D: [`Plan1d`], 2-D:
//!   [`Plan2d`]) with ι and ι* folded into the transforms, owned scratch and a
//!   counter of the real FFTs run ([`Plan::ffts`]). Its hooks
//!   ([`Plan::forward_visit`], [`Plan::inverse_fill`],
//!   [`Plan::forward_map_inverse`]) let a pass over a spectrum run chunk by
//!   chunk inside the transforms, where a 2-D plan has each row in cache.
//! * [`Convolver`] computes ι*(ιu ⊛ ιv) and its adjoint (the correlation)
//!   for any shapes that fit the plan: cyclic convolution when the plan has
//!   the signal's size, linear convolution when it is padded to
//!   [`fast_len`] ≥ m + n − 1 ([`Convolver::linear_1d`], [`Convolver::linear_2d`]).
//! * [`SpectrumCache`] keeps the spectrum of the operand held fixed and of the
//!   last one transformed, so that repeated oracles on the same vector cost no
//!   FFT.
//! * [`parseval_norm_sq`] turns a half spectrum into ‖v‖² without an inverse
//!   transform.
//! * [`Boundary`] names the observation model at the recording's edges
//!   (circular, or linear over a window), which every objective accepts.

mod boundary;
mod cache;
mod convolver;
mod halves;
mod plan1d;
mod plan2d;

use std::fmt::Debug;
use std::ops::Range;

pub use boundary::Boundary;
pub(crate) use boundary::Window;
pub use cache::SpectrumCache;
pub use convolver::Convolver;
pub use plan1d::{HALVES_FROM, Plan1d};
pub use plan2d::Plan2d;
pub use realfft::num_complex::Complex64;

/// Sums a hook returns for its chunk of a spectrum (an energy, say, in its
/// first lane). A plan adds the chunks' sums lane by lane, from zero, chunk
/// after chunk in bin order, whatever order it ran them in: every sum over
/// a spectrum is formed this way (per chunk of [`Plan::chunk_len`] bins,
/// then the chunks in order), so that a plan can run its chunks (a 2-D
/// plan's rows, a long 1-D plan's runs of bins) on several threads and
/// still give the same bits.
pub type Sums = [f64; 4];

/// A hook reading one chunk of a spectrum: `visit(start, &spec[start..start + len])`.
pub type Visit<'h> = dyn Fn(usize, &[Complex64]) -> Sums + Sync + 'h;

/// A hook rewriting one chunk of a spectrum in place:
/// `rewrite(start, &mut spec[start..start + len])`.
pub type Rewrite<'h> = dyn Fn(usize, &mut [Complex64]) -> Sums + Sync + 'h;

/// A buffer whose entries are shared out among several threads, each entry
/// read and written by one thread only during a pass (the columns of a
/// transposition, the groups of bins of `halves`).
#[derive(Clone, Copy)]
pub(crate) struct Shared<T> {
    ptr: *mut T,
    len: usize,
}
// SAFETY: only used where each entry is touched by one thread during a
// pass, and the buffer is not used otherwise until the pass has joined;
// T crosses threads, so it must be Send.
unsafe impl<T: Send> Send for Shared<T> {}
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T: Copy> Shared<T> {
    /// The entries of `buf`, shared for one pass.
    pub fn new(buf: &mut [T]) -> Self {
        Self {
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
        }
    }

    /// Reads entry `i`.
    ///
    /// # Safety
    /// No other thread touches entry `i` during the pass (bounds are
    /// checked).
    pub unsafe fn read(&self, i: usize) -> T {
        assert!(i < self.len, "Shared: entry {i} of {}", self.len);
        unsafe { *self.ptr.add(i) }
    }

    /// Writes entry `i`.
    ///
    /// # Safety
    /// No other thread touches entry `i` during the pass (bounds are
    /// checked).
    pub unsafe fn write(&self, i: usize, z: T) {
        assert!(i < self.len, "Shared: entry {i} of {}", self.len);
        unsafe { *self.ptr.add(i) = z };
    }
}

/// `acc` += `s`, lane by lane.
pub(crate) fn add_sums(acc: &mut Sums, s: Sums) {
    acc.iter_mut().zip(s).for_each(|(a, s)| *a += s);
}

/// Chunks' sums (one per chunk, in bin order) added in that order.
pub(crate) fn in_order(sums: &[Sums]) -> Sums {
    let mut acc = Sums::default();
    sums.iter().for_each(|s| add_sums(&mut acc, *s));
    acc
}

/// The sums of `visit` over `spec` in chunks of `len` bins, in bin order.
pub(crate) fn visit_chunks(spec: &[Complex64], len: usize, visit: &Visit) -> Sums {
    let mut acc = Sums::default();
    for (i, chunk) in spec.chunks(len.max(1)).enumerate() {
        add_sums(&mut acc, visit(i * len, chunk));
    }
    acc
}

/// [`visit_chunks`] for a hook that rewrites the chunks.
pub(crate) fn rewrite_chunks(spec: &mut [Complex64], len: usize, rewrite: &Rewrite) -> Sums {
    let mut acc = Sums::default();
    for (i, chunk) in spec.chunks_mut(len.max(1)).enumerate() {
        add_sums(&mut acc, rewrite(i * len, chunk));
    }
    acc
}

/// A pair of real FFTs (forward and inverse) of one fixed size, with the
/// zero-padding ι folded into the forward transform and the restriction ι*
/// into the inverse one.
///
/// Spectra are half spectra (the other half is the conjugate mirror), laid
/// out as `rows × row_len` with the halved axis as rows, so that the Parseval
/// weights depend only on the row ([`Plan::edge_bins`]).
///
/// No method allocates: the plans, their scratch and the padding buffers are
/// built in the constructor.
///
/// The hooks ([`Visit`], [`Rewrite`]) see each chunk of [`chunk_len`](Plan::chunk_len)
/// bins once, as soon as it is final, possibly on another thread and not
/// in bin order; their [`Sums`] are added in bin order.
///
/// # Panics
/// The transform methods panic when a buffer's length does not match its
/// shape or the spectrum length (a programming error, like a slice index out
/// of bounds); the user-facing [`Convolver`] validates first and returns
/// errors.
pub trait Plan {
    /// Shape of a signal: `usize` in 1-D, `(rows, cols)` in 2-D.
    type Shape: Copy + Debug + PartialEq;

    /// Shape of the transform.
    fn shape(&self) -> Self::Shape;

    /// Entries of a signal of this shape.
    fn count(shape: Self::Shape) -> usize;

    /// Whether a signal of `shape` fits the transform along every axis.
    fn fits(&self, shape: Self::Shape) -> bool;

    /// Real samples N of the transform (product of the axes).
    fn samples(&self) -> usize {
        Self::count(self.shape())
    }

    /// Complex entries of a half spectrum.
    fn spectrum_len(&self) -> usize;

    /// Bins per chunk a hook sees (the last may be shorter): the whole
    /// spectrum on a 1-D plan's realfft path, 16 k bins on its halves path
    /// (from [`HALVES_FROM`] samples), a row in 2-D. Each [`edge_bins`](Self::edge_bins)
    /// range lies within one chunk.
    fn chunk_len(&self) -> usize {
        self.spectrum_len()
    }

    /// The bins counted once (not twice) in Parseval's identity: the rows of
    /// the halved axis at frequency 0 and, for an even length, N/2.
    fn edge_bins(&self) -> [Range<usize>; 2];

    /// `out` = F(ι v): the half spectrum of v (of `shape`) zero-padded to the
    /// transform's shape. One real FFT.
    fn forward(&mut self, v: &[f64], shape: Self::Shape, out: &mut [Complex64]);

    /// `out` = ι*(N · F⁻¹ spec): the unnormalised inverse transform restricted
    /// to `shape` (callers fold 1/N into the spectrum they build anyway). The
    /// spectrum is used as scratch. One real FFT.
    fn inverse(&mut self, spec: &mut [Complex64], shape: Self::Shape, out: &mut [f64]);

    /// The sums of `visit` over the chunks of `spec` (a pass over a spectrum
    /// no transform is making; a 2-D plan shares its rows among its threads).
    fn visit(&mut self, spec: &[Complex64], visit: &Visit) -> Sums {
        visit_chunks(spec, self.chunk_len(), visit)
    }

    /// [`forward`](Self::forward), handing each chunk of the spectrum to
    /// `visit` as soon as it is final, and returning their sums. A 2-D plan
    /// visits each row right after its row transform, while it is still in
    /// cache, so that a pass over the spectrum (a residual energy, say)
    /// costs no extra trip through memory. One real FFT.
    fn forward_visit(&mut self, v: &[f64], shape: Self::Shape, out: &mut [Complex64], visit: &Visit) -> Sums {
        self.forward_tap(v, shape, &mut |_| {}, out, visit)
    }

    /// [`forward_visit`](Self::forward_visit) that also hands v to `tap` in
    /// consecutive chunks, in order, on the calling thread, as the transform
    /// reads them (a 2-D plan: column by column), so that a cache keeping
    /// the vector it transforms reads it once. The default taps v whole
    /// first. One real FFT.
    fn forward_tap(
        &mut self,
        v: &[f64],
        shape: Self::Shape,
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        tap(v);
        self.forward(v, shape, out);
        self.visit(out, visit)
    }

    /// [`forward_tap`](Self::forward_tap) copying v into `keep` (of v's
    /// length). One real FFT.
    fn forward_keep(
        &mut self,
        v: &[f64],
        shape: Self::Shape,
        keep: &mut [f64],
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        assert_eq!(keep.len(), v.len(), "forward: shape mismatch");
        let mut at = 0;
        let mut copy = |chunk: &[f64]| {
            keep[at..at + chunk.len()].copy_from_slice(chunk);
            at += chunk.len();
        };
        self.forward_tap(v, shape, &mut copy, out, visit)
    }

    /// [`inverse`](Self::inverse) of a spectrum that `fill` writes chunk by
    /// chunk, each just before the transform needs it (a 2-D plan fills a
    /// row and runs its row transform at once), returning their sums.
    /// `fill` sees the chunk's previous contents and must write every bin.
    /// One real FFT.
    fn inverse_fill(
        &mut self,
        spec: &mut [Complex64],
        shape: Self::Shape,
        out: &mut [f64],
        fill: &Rewrite,
    ) -> Sums {
        let sums = rewrite_chunks(spec, self.chunk_len(), fill);
        self.inverse(spec, shape, out);
        sums
    }

    /// `out` (of shape `so`) = ι* F⁻¹ map(F ι v) for v of shape `sv`: the
    /// forward transform into `spec`, then `map(start, chunk)` rewriting each
    /// chunk of it in place as soon as it is final, then the inverse
    /// transform (with `spec` as scratch); returns the maps' sums. A 2-D
    /// plan maps each row between its forward and inverse row FFTs, while it
    /// is in cache. The default is [`forward`](Self::forward) then
    /// [`inverse_fill`](Self::inverse_fill). Two real FFTs.
    fn forward_map_inverse(
        &mut self,
        (v, sv): (&[f64], Self::Shape),
        spec: &mut [Complex64],
        (out, so): (&mut [f64], Self::Shape),
        map: &Rewrite,
    ) -> Sums {
        self.forward(v, sv, spec);
        self.inverse_fill(spec, so, out, map)
    }

    /// Real FFTs (forward and inverse) run since construction or the last
    /// [`reset_ffts`](Self::reset_ffts); a 2-D transform counts as one.
    fn ffts(&self) -> u64;

    /// Sets the FFT counter to zero.
    fn reset_ffts(&mut self);
}

/// ‖v‖² from the half spectrum V = F(v) of a real v of N samples (Parseval):
/// ‖v‖² = (1/N)·(2·Σ_all |V_k|² − Σ_edge |V_k|²), the edge bins being those
/// without a mirror image in the other half.
pub fn parseval_norm_sq<P: Plan + ?Sized>(plan: &P, spec: &[Complex64]) -> f64 {
    let total: f64 = spec.iter().map(|c| c.norm_sqr()).sum();
    (2.0 * total - edge_energy(plan, spec)) / plan.samples() as f64
}

/// Σ |V_k|² over the edge bins of a half spectrum (see [`Plan::edge_bins`]).
pub(crate) fn edge_energy<P: Plan + ?Sized>(plan: &P, spec: &[Complex64]) -> f64 {
    edge_sum(&plan.edge_bins(), 0..spec.len(), |i| spec[i].norm_sqr())
}

/// Σ f(i) over the edge bins in `bins` (a chunk, or the whole spectrum):
/// each range summed from zero in bin order, the ranges added in order.
/// As each range lies within one chunk, adding the chunks' sums in bin
/// order gives the whole spectrum's, bit for bit ([`Sums`]).
pub(crate) fn edge_sum(
    edges: &[Range<usize>; 2],
    bins: Range<usize>,
    mut f: impl FnMut(usize) -> f64,
) -> f64 {
    let mut total = 0.0;
    for range in edges {
        let (lo, hi) = (range.start.max(bins.start), range.end.min(bins.end));
        if lo < hi {
            total += (lo..hi).map(&mut f).fold(0.0, |a, t| a + t);
        }
    }
    total
}

/// The FFT length a padded transform of at least `n` samples uses: the
/// smallest 5-smooth integer (2^a·3^b·5^c) ≥ `n` (FFT lengths with only
/// small prime factors run several times faster per point than prime
/// ones, so linear convolutions pad to this length); from [`HALVES_FROM`]
/// on, the smallest 5-smooth multiple of 4, which a 1-D plan splits into
/// two half transforms on two threads (2.4 % longer at 300 099, where the
/// plain 5-smooth length would be 1.2 % longer but 2 mod 4).
pub fn fast_len(n: usize) -> usize {
    if n >= HALVES_FROM {
        4 * smooth_at_least(n.div_ceil(4))
    } else {
        smooth_at_least(n)
    }
}

/// The smallest 5-smooth integer ≥ `n`.
fn smooth_at_least(n: usize) -> usize {
    if n <= 1 {
        return 1;
    }
    let mut best = usize::MAX;
    let mut p5 = 1usize;
    while p5 < best {
        let mut p35 = p5;
        while p35 < best {
            // Smallest power of two that lifts p35 to at least n.
            let mut v = p35;
            while v < n {
                v *= 2;
            }
            best = best.min(v);
            p35 = p35.saturating_mul(3);
        }
        p5 = p5.saturating_mul(5);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_len_is_the_next_5_smooth_integer() {
        let smooth = |mut k: usize| {
            for p in [2, 3, 5] {
                while k.is_multiple_of(p) {
                    k /= p;
                }
            }
            k == 1
        };
        for n in 1..2000 {
            let f = fast_len(n);
            assert!(f >= n && smooth(f), "n = {n}, got {f}");
            assert!((n..f).all(|k| !smooth(k)), "n = {n}, got {f}");
        }
        assert_eq!(fast_len(10_007), 10_125);
        // Long transforms: 5-smooth multiples of 4, for the halves plan
        // (the plain next 5-smooth length of 300 099 is 303 750 = 2 mod 4).
        for n in [HALVES_FROM, 300_099, 1_000_099, 10_000_099] {
            let f = fast_len(n);
            assert!(f >= n && f.is_multiple_of(4) && smooth(f), "n = {n}, got {f}");
            assert!(
                ((n.div_ceil(4) * 4)..f).step_by(4).all(|k| !smooth(k)),
                "n = {n}, got {f}"
            );
            assert!((f - n) as f64 <= 0.03 * n as f64, "n = {n}, got {f}");
        }
    }
}
