//! [`Kept`]: a copy of a vector as the mask of its nonzero entries and
//! their values, cheap for the sparse iterates of ℓ¹ problems.

use pulp::{Arch, Simd, WithSimd};

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
#[derive(Debug, Clone, Default)]
pub struct Kept {
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
    /// The zero vector of `len` entries (the values' buffer is reserved
    /// for a dense vector but, zeroed by the allocator, only occupies memory
    /// as far as values are written).
    pub fn zeros(len: usize) -> Self {
        Self {
            len,
            mask: vec![0; len.div_ceil(64)],
            values: vec![0.0; len],
            count: 0,
            filled: len,
        }
    }

    /// Starts a new copy, to be given by [`push`](Self::push) in order.
    pub fn clear(&mut self) {
        (self.count, self.filled) = (0, 0);
    }

    /// Appends the next entries of the vector.
    pub fn push(&mut self, chunk: &[f64]) {
        self.push_on(Arch::new(), chunk);
    }

    /// Whether the copy is complete and equals `v` entry by entry (f64
    /// equality); decides a mismatch at the first differing word.
    pub fn equals(&self, v: &[f64]) -> bool {
        self.equals_on(Arch::new(), v)
    }

    /// Entries of the vector.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keeps `v` (of any length): [`zeros`](Self::zeros) when the length
    /// changes (an allocation), then [`clear`](Self::clear) and
    /// [`push`](Self::push).
    pub fn keep(&mut self, v: &[f64]) {
        if v.len() != self.len {
            *self = Self::zeros(v.len());
        }
        self.clear();
        self.push(v);
    }

    /// Writes the kept vector into `out` (of its length), zeros included.
    ///
    /// # Panics
    /// When `out`'s length differs or the copy is incomplete.
    pub fn restore(&self, out: &mut [f64]) {
        assert!(
            out.len() == self.len && self.filled == self.len,
            "Kept: restore of another length, or of an incomplete copy"
        );
        let mut next = 0;
        for (block, &bits) in out.chunks_mut(64).zip(&self.mask) {
            block.fill(0.0);
            for_each_bit(bits, |i| {
                block[i] = self.values[next];
                next += 1;
            });
        }
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

    /// `restore` gives back the vector kept (−0 as 0), at any length.
    #[test]
    fn restore_writes_the_vector_back() {
        let mut kept = Kept::default();
        for len in [0, 1, 63, 64, 65, 200] {
            let v: Vec<f64> = (0..len)
                .map(|i| if i % 3 == 0 { 0.0 } else { i as f64 * 0.5 - 7.0 })
                .collect();
            kept.keep(&v);
            let mut out = vec![f64::NAN; len];
            kept.restore(&mut out);
            assert_eq!(out, v, "length {len}");
            assert!(kept.equals(&out));
        }
    }
}
