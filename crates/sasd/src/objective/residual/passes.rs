//! The per-bin passes over spectra (bins as `Complex64`, i.e. interleaved
//! re, im): the residual r = a ⊙ x − y, its energy Σ|r|², and the product
//! conj(o) ⊙ r / N that an inverse transform carries back to a block.
//!
//! The one-kernel passes ([`energy_of`], [`energy_and_product`],
//! [`energy_and_product_in_place`]) are written once, generic over pulp's
//! [`Simd`]: [`Arch::new`] picks the widest instruction set this CPU has at
//! run time (AVX2 + FMA on x86-64-v3, NEON on aarch64), and the same code
//! runs on [`pulp::Scalar`] for the tail of a pass and whenever a caller
//! forces it (`Arch::Scalar`, as the tests do).
//!
//! Why pulp and not `multiversion`: the step needs the complex bins split
//! into (re, im) registers and put back, and pulp's
//! `deinterleave_shfl_f64s` / `interleave_shfl_f64s` do that with the
//! backend's own shuffles (two unpacks on AVX2, as the hand-written AVX code
//! did), so the vector form of the step is written, not hoped for;
//! compiling the scalar loop for AVX (`multiversion`) would leave it to the
//! auto-vectoriser (not tried: pulp expressed the step and kept the speed).
//!
//! Why the results are bit for bit the same on every backend (the scalar
//! path defines them):
//! * every bin's arithmetic is lane-wise IEEE `mul`, `add`, `sub` in the
//!   order `num_complex` uses for `a * x - y` and `o.conj() * r * scale`,
//!   never `mul_add` (a fused multiply-add rounds once where they round
//!   twice);
//! * the energies go into one accumulator in bin order, whatever order the
//!   backend's deinterleaving leaves the bins in its lanes
//!   ([`add_energies`]).

use pulp::{Arch, Scalar, Simd, WithSimd, bytemuck};

use crate::conv::Complex64;

/// r = a ⊙ x − y bin by bin; with `energy`, also Σ|r|² (one accumulator, in
/// bin order: see [`energy_of`]). The N-kernel path: R̂ is kept.
pub(super) fn fill(
    r: &mut [Complex64],
    y: &[Complex64],
    a: &[Complex64],
    x: &[Complex64],
    energy: bool,
) -> f64 {
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
pub(super) fn accumulate(r: &mut [Complex64], a: &[Complex64], x: &[Complex64], energy: bool) -> f64 {
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

/// `acc` + Σ |a ⊙ x − y|² over the bins, read-only.
///
/// One accumulator in bin order on purpose: four partial sums were ~5%
/// faster but change ψ in the last bits, and the pipeline's seed-2 homotopy
/// run (tests/pipeline_acceptance.rs) is sensitive enough to that to land in
/// another basin. Passing `acc` on lets a caller sum chunk after chunk with
/// the very same additions.
pub(super) fn energy_of(acc: f64, y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
    Arch::new().dispatch(Energy { acc, y, a, x })
}

/// w = conj(o) ⊙ (a ⊙ x − y)·scale, and `acc` + Σ |a ⊙ x − y|² in bin order
/// (as [`energy_of`]), in one pass; w's bins as `o.conj() * r * scale`
/// computes them.
pub(super) fn energy_and_product(
    acc: f64,
    w: &mut [Complex64],
    y: &[Complex64],
    a: &[Complex64],
    x: &[Complex64],
    o: &[Complex64],
    scale: f64,
) -> f64 {
    let x = Some(x);
    Arch::new().dispatch(Product {
        acc,
        w,
        y,
        a,
        x,
        o,
        scale,
    })
}

/// t ← conj(f) ⊙ (f ⊙ t − y)·scale in place (t the trial block's spectrum,
/// f the fixed one's: the gradient's correlation is always with the fixed
/// block), and `acc` + Σ |f ⊙ t − y|² in bin order: [`energy_and_product`]
/// with w = t, bit for bit (f·t = t·f bin by bin: the products commute and
/// so does the sum of two of them).
pub(super) fn energy_and_product_in_place(
    acc: f64,
    t: &mut [Complex64],
    y: &[Complex64],
    f: &[Complex64],
    scale: f64,
) -> f64 {
    let (a, x, o) = (f, None, f);
    Arch::new().dispatch(Product {
        acc,
        w: t,
        y,
        a,
        x,
        o,
        scale,
    })
}

/// The pass of [`energy_of`], for any backend.
struct Energy<'s> {
    acc: f64,
    y: &'s [Complex64],
    a: &'s [Complex64],
    x: &'s [Complex64],
}

impl WithSimd for Energy<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        let Self { acc, y, a, x } = self;
        let (a, x) = (&a[..y.len()], &x[..y.len()]);
        // Whole steps on `simd`, the last bins one by one: the same
        // arithmetic and the same sum, so the split changes no bit.
        let body = y.len() - y.len() % S::F64_LANES;
        let acc = energy_steps(simd, acc, &y[..body], &a[..body], &x[..body]);
        energy_steps(Scalar::new(), acc, &y[body..], &a[body..], &x[body..])
    }
}

/// [`Energy`] over a whole number of steps.
#[inline(always)]
fn energy_steps<S: Simd>(simd: S, mut acc: f64, y: &[Complex64], a: &[Complex64], x: &[Complex64]) -> f64 {
    for ((y, a), x) in steps::<S>(y).iter().zip(steps::<S>(a)).zip(steps::<S>(x)) {
        prefetch::<S>(y);
        prefetch::<S>(a);
        prefetch::<S>(x);
        let (re, im) = residual(simd, *a, *x, *y);
        acc = add_energies(simd, acc, re, im);
    }
    acc
}

/// The pass of [`energy_and_product`] (`x` given) and of
/// [`energy_and_product_in_place`] (`x` = `None`: x is `w` itself, each
/// step read before it is overwritten), for any backend.
struct Product<'s> {
    acc: f64,
    w: &'s mut [Complex64],
    y: &'s [Complex64],
    a: &'s [Complex64],
    x: Option<&'s [Complex64]>,
    o: &'s [Complex64],
    scale: f64,
}

impl WithSimd for Product<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> f64 {
        let Self {
            acc,
            w,
            y,
            a,
            x,
            o,
            scale,
        } = self;
        let len = w.len();
        let body = len - len % S::F64_LANES;
        let (w, w_tail) = w.split_at_mut(body);
        let (y, a, o) = (&y[..len], &a[..len], &o[..len]);
        let head = Product {
            acc,
            w,
            y: &y[..body],
            a: &a[..body],
            x: x.map(|x| &x[..body]),
            o: &o[..body],
            scale,
        };
        let acc = product_steps(simd, head);
        let tail = Product {
            acc,
            w: w_tail,
            y: &y[body..],
            a: &a[body..],
            x: x.map(|x| &x[body..len]),
            o: &o[body..],
            scale,
        };
        product_steps(Scalar::new(), tail)
    }
}

/// [`Product`] over a whole number of steps.
#[inline(always)]
fn product_steps<S: Simd>(simd: S, pass: Product<'_>) -> f64 {
    let Product {
        mut acc,
        w,
        y,
        a,
        x,
        o,
        scale,
    } = pass;
    let w = steps_mut::<S>(w);
    let n = w.len();
    let (y, a, o) = (&steps::<S>(y)[..n], &steps::<S>(a)[..n], &steps::<S>(o)[..n]);
    let x = x.map(|x| &steps::<S>(x)[..n]);
    let s = simd.splat_f64s(scale);
    for i in 0..n {
        prefetch::<S>(&y[i]);
        prefetch::<S>(&a[i]);
        prefetch::<S>(&o[i]);
        let xi = match x {
            Some(x) => {
                prefetch::<S>(&x[i]);
                x[i]
            }
            // In place the output is still in cache (the transform just
            // wrote it): no prefetch.
            None => w[i],
        };
        let (re, im) = residual(simd, a[i], xi, y[i]);
        acc = add_energies(simd, acc, re, im);
        w[i] = product(simd, o[i], re, im, s);
    }
    acc
}

/// One step of a pass: the bins that two registers hold, interleaved
/// (re₀, im₀, re₁, im₁, …) as in memory; `S::F64_LANES` bins.
type Step<S> = [<S as Simd>::f64s; 2];

/// `bins` as whole steps (its length must be a multiple of the step).
#[inline(always)]
fn steps<S: Simd>(bins: &[Complex64]) -> &[Step<S>] {
    let (steps, rest) = S::as_simd_f64s(bytemuck::cast_slice(bins));
    debug_assert!(rest.is_empty());
    steps.as_chunks::<2>().0
}

/// [`steps`] of a buffer to write.
#[inline(always)]
fn steps_mut<S: Simd>(bins: &mut [Complex64]) -> &mut [Step<S>] {
    let (steps, rest) = S::as_mut_simd_f64s(bytemuck::cast_slice_mut(bins));
    debug_assert!(rest.is_empty());
    steps.as_chunks_mut::<2>().0
}

/// r = a·x − y for the bins of a step, as (re, im) registers, as `a * x - y`
/// in `num_complex` computes each bin: (a.re·x.re − a.im·x.im) − y.re,
/// (a.re·x.im + a.im·x.re) − y.im.
#[inline(always)]
fn residual<S: Simd>(simd: S, a: Step<S>, x: Step<S>, y: Step<S>) -> (S::f64s, S::f64s) {
    let [ar, ai] = simd.deinterleave_shfl_f64s(a);
    let [xr, xi] = simd.deinterleave_shfl_f64s(x);
    let [yr, yi] = simd.deinterleave_shfl_f64s(y);
    let re = simd.sub_f64s(simd.mul_f64s(ar, xr), simd.mul_f64s(ai, xi));
    let im = simd.add_f64s(simd.mul_f64s(ar, xi), simd.mul_f64s(ai, xr));
    (simd.sub_f64s(re, yr), simd.sub_f64s(im, yi))
}

/// conj(o)·r·s for the bins of a step, interleaved back into memory order,
/// as `o.conj() * r * scale` computes each bin: (o.re·r.re + o.im·r.im)·s,
/// (o.re·r.im − o.im·r.re)·s.
#[inline(always)]
fn product<S: Simd>(simd: S, o: Step<S>, re: S::f64s, im: S::f64s, s: S::f64s) -> Step<S> {
    let [or, oi] = simd.deinterleave_shfl_f64s(o);
    let wr = simd.add_f64s(simd.mul_f64s(or, re), simd.mul_f64s(oi, im));
    let wi = simd.sub_f64s(simd.mul_f64s(or, im), simd.mul_f64s(oi, re));
    simd.interleave_shfl_f64s([simd.mul_f64s(wr, s), simd.mul_f64s(wi, s)])
}

/// `acc` + re² + im² of each bin of a step, added in bin order.
///
/// The lanes hold the bins in the order the backend's deinterleaving left
/// them (on AVX2: 0, 2, 1, 3). Interleaving the energies with themselves
/// undoes that whatever the backend: memory order then reads e₀, e₀, e₁, e₁,
/// …, and every other entry is the energies in bin order.
#[inline(always)]
fn add_energies<S: Simd>(simd: S, mut acc: f64, re: S::f64s, im: S::f64s) -> f64 {
    let e = simd.add_f64s(simd.mul_f64s(re, re), simd.mul_f64s(im, im));
    let twice = simd.interleave_shfl_f64s([e, e]);
    for t in bytemuck::cast_slice::<S::f64s, f64>(&twice).iter().step_by(2) {
        acc += t;
    }
    acc
}

/// Bytes ahead of a step that the passes ask for (128 bins, 2 kB): far
/// enough to cover the time to fetch a line from memory, near enough to
/// stay in L1.
const AHEAD: usize = 2048;

/// Asks for the cache lines [`AHEAD`] bytes past those of `step` (on
/// x86-64; elsewhere, and for the scalar backend, nothing).
///
/// Why: the passes stream Ŷ and the fixed block's spectrum (2.1 MB each at
/// 512×512, out of L2) one row per visit, with a row FFT between visits;
/// the hardware prefetcher restarts at every 4 kB page and every visit, and
/// the pass waited on memory. Asking one line ahead per line read keeps the
/// stream flowing into the next row while the FFT runs (measured: the 2-D
/// passes ran ~20% faster).
///
/// The address may lie past the end of the slice (the next row of the
/// same array, or beyond the array): a prefetch dereferences nothing and
/// never faults, and `wrapping_add` keeps the address computation defined.
#[inline(always)]
fn prefetch<S: Simd>(step: &Step<S>) {
    #[cfg(target_arch = "x86_64")]
    if !S::IS_SCALAR {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let at = std::ptr::from_ref(step).cast::<i8>().wrapping_add(AHEAD);
        for line in (0..size_of::<Step<S>>()).step_by(64) {
            // SAFETY: a prefetch has no effect on memory or on the
            // program's state, whatever the address.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(at.wrapping_add(line)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = step;
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

    /// The backends to check: pulp's scalar one (forced) and the one that
    /// run-time dispatch picks on this CPU — not the scalar one wherever
    /// pulp has SIMD for it, so that both paths are compared.
    fn backends() -> [Arch; 2] {
        let native = Arch::new();
        #[cfg(target_arch = "x86_64")]
        if pulp::x86::V3::is_available() {
            assert!(matches!(native, Arch::V3(_)), "dispatch picked {native:?}");
        }
        [Arch::Scalar, native]
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
            let mut want_wa = vec![Complex64::default(); len];
            for i in 0..len {
                let r = a[i] * x[i] - y[i];
                want_energy += r.norm_sqr();
                want_w[i] = a[i].conj() * r * scale;
                want_wa[i] = x[i].conj() * r * scale;
            }
            let want = |w: &[Complex64]| (want_energy.to_bits(), bits(w));
            for arch in backends() {
                let energy = |acc, y, a, x| arch.dispatch(Energy { acc, y, a, x });
                let e = energy(0.0, &y, &a, &x);
                assert_eq!(e.to_bits(), want_energy.to_bits(), "len {len}, {arch:?}");
                // Chunk by chunk, with the accumulator passed on.
                let cut = len / 3;
                let first = energy(0.0, &y[..cut], &a[..cut], &x[..cut]);
                let chunked = energy(first, &y[cut..], &a[cut..], &x[cut..]);
                assert_eq!(chunked.to_bits(), want_energy.to_bits(), "{arch:?}");

                let mut w = vec![Complex64::default(); len];
                let pass = Product {
                    acc: 0.0,
                    w: &mut w,
                    y: &y,
                    a: &a,
                    x: Some(&x),
                    o: &a,
                    scale,
                };
                let e = arch.dispatch(pass);
                assert_eq!((e.to_bits(), bits(&w)), want(&want_w), "{arch:?}");

                // In place (x = None: x is t), the fixed block f first
                // (x-gradient: t = x̂, f = â)...
                let in_place = |t: &mut Vec<Complex64>, f: &[Complex64]| {
                    let (w, y, a, o) = (&mut t[..], &y[..], f, f);
                    arch.dispatch(Product {
                        acc: 0.0,
                        w,
                        y,
                        a,
                        x: None,
                        o,
                        scale,
                    })
                };
                let mut t = x.clone();
                let e = in_place(&mut t, &a);
                assert_eq!((e.to_bits(), bits(&t)), want(&want_w), "{arch:?}");
                // ...and second (a-gradient: t = â, the correlation with x̂).
                let mut t = a.clone();
                let e = in_place(&mut t, &x);
                assert_eq!((e.to_bits(), bits(&t)), want(&want_wa), "{arch:?}");
            }
            // The entry points, on the dispatched backend.
            assert_eq!(energy_of(0.0, &y, &a, &x).to_bits(), want_energy.to_bits());
            let mut w = vec![Complex64::default(); len];
            let e = energy_and_product(0.0, &mut w, &y, &a, &x, &a, scale);
            assert_eq!((e.to_bits(), bits(&w)), want(&want_w));
            let mut t = x.clone();
            let e = energy_and_product_in_place(0.0, &mut t, &y, &a, scale);
            assert_eq!((e.to_bits(), bits(&t)), want(&want_w));
            let mut t = a.clone();
            let e = energy_and_product_in_place(0.0, &mut t, &y, &x, scale);
            assert_eq!((e.to_bits(), bits(&t)), want(&want_wa));
        }
    }
}
