//! Real FFT of one length m, with zero-padding and restriction folded in.

use std::ops::Range;
use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::{Complex64, Plan, Sums, Visit};
use crate::error::{Result, SasdError};

/// The 1-D [`Plan`]: real FFTs of length m (half spectrum of m/2 + 1 bins).
#[derive(Clone)]
pub struct Plan1d {
    m: usize,
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
    /// Real input/output buffer: realfft uses its input as scratch, and ι/ι*
    /// need a full-length buffer anyway.
    buf: Vec<f64>,
    scratch: Vec<Complex64>,
    ffts: u64,
}

/// Entries per chunk of [`Plan::forward_tap`] (4 kB): small enough to stay
/// in L1 between the copy and the tap, a multiple of 64 so that a cache's
/// nonzero mask fills whole words.
const TAP_CHUNK: usize = 512;

impl std::fmt::Debug for Plan1d {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan1d")
            .field("m", &self.m)
            .field("ffts", &self.ffts)
            .finish()
    }
}

impl Plan1d {
    /// Plans the real FFTs of length m ≥ 1.
    pub fn new(m: usize) -> Result<Self> {
        if m == 0 {
            return Err(SasdError::EmptySignal);
        }
        let mut planner = RealFftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(m);
        let inverse = planner.plan_fft_inverse(m);
        let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
        Ok(Self {
            m,
            forward,
            inverse,
            buf: vec![0.0; m],
            scratch: vec![Complex64::default(); scratch_len],
            ffts: 0,
        })
    }

    /// `out` = F(ι v) for `buf` holding v in its first n entries: zero-pads
    /// and runs the real FFT (which uses `buf` as scratch).
    fn transform(&mut self, n: usize, out: &mut [Complex64]) {
        self.buf[n..].fill(0.0);
        self.forward
            .process_with_scratch(&mut self.buf, out, &mut self.scratch)
            .expect("forward: spectrum length mismatch");
        self.ffts += 1;
    }
}

impl Plan for Plan1d {
    type Shape = usize;

    fn shape(&self) -> usize {
        self.m
    }

    fn count(shape: usize) -> usize {
        shape
    }

    fn fits(&self, shape: usize) -> bool {
        shape <= self.m
    }

    fn spectrum_len(&self) -> usize {
        self.m / 2 + 1
    }

    fn edge_bins(&self) -> [Range<usize>; 2] {
        let nyquist = if self.m.is_multiple_of(2) && self.m > 1 {
            self.m / 2..self.m / 2 + 1
        } else {
            0..0
        };
        [0..1, nyquist]
    }

    fn forward(&mut self, v: &[f64], n: usize, out: &mut [Complex64]) {
        assert!(n <= self.m && v.len() == n, "forward: shape mismatch");
        self.buf[..n].copy_from_slice(v);
        self.transform(n, out);
    }

    /// Taps v in chunks of `TAP_CHUNK` entries as it copies them into the
    /// transform's buffer: each chunk is read from memory once and tapped
    /// while in L1 (the default would read all of v twice).
    fn forward_tap(
        &mut self,
        v: &[f64],
        n: usize,
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        assert!(n <= self.m && v.len() == n, "forward: shape mismatch");
        for (b, chunk) in self.buf[..n].chunks_mut(TAP_CHUNK).zip(v.chunks(TAP_CHUNK)) {
            b.copy_from_slice(chunk);
            tap(chunk);
        }
        self.transform(n, out);
        self.visit(out, visit)
    }

    fn inverse(&mut self, spec: &mut [Complex64], n: usize, out: &mut [f64]) {
        assert!(n <= self.m && out.len() == n, "inverse: shape mismatch");
        // The spectrum of a real signal has real DC and Nyquist bins; rounding
        // in the products that built `spec` cannot change that, but realfft
        // checks it, so state it exactly.
        let last = spec.len() - 1;
        spec[0].im = 0.0;
        if self.m.is_multiple_of(2) {
            spec[last].im = 0.0;
        }
        let target: &mut [f64] = if n == self.m { out } else { &mut self.buf };
        self.inverse
            .process_with_scratch(spec, target, &mut self.scratch)
            .expect("inverse: spectrum length mismatch");
        if n < self.m {
            out.copy_from_slice(&self.buf[..n]);
        }
        self.ffts += 1;
    }

    fn ffts(&self) -> u64 {
        self.ffts
    }

    fn reset_ffts(&mut self) {
        self.ffts = 0;
    }
}
