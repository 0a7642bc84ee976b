//! Real FFT of one length m, with zero-padding and restriction folded in.

use std::ops::Range;
use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use rayon::prelude::*;

use super::halves::Halves;
use super::{Complex64, Plan, Rewrite, Sums, Visit, in_order};
use crate::error::{Result, SasdError};

/// The 1-D [`Plan`]: real FFTs of length m (half spectrum of m/2 + 1 bins).
///
/// From [`HALVES_FROM`] samples (m a multiple of 4) each transform is split
/// into two half-length complex FFTs run on two threads (`conv::halves`);
/// shorter or other lengths use realfft on the calling thread. The split
/// does not depend on the number of threads, so neither do the bits.
#[derive(Clone)]
pub struct Plan1d {
    m: usize,
    engine: Engine,
    ffts: u64,
}

/// How a [`Plan1d`] transforms.
#[derive(Clone)]
enum Engine {
    /// realfft, on the calling thread.
    Serial {
        forward: Arc<dyn RealToComplex<f64>>,
        inverse: Arc<dyn ComplexToReal<f64>>,
        /// Real input/output buffer: realfft uses its input as scratch, and
        /// ι/ι* need a full-length buffer anyway.
        buf: Vec<f64>,
        scratch: Vec<Complex64>,
    },
    /// Two half transforms at once; it reads v and writes ι* itself, so no
    /// full-length real buffer (nor realfft's two long plans) is held. The
    /// hooks run on chunks of [`HOOK_CHUNK`] bins shared among the threads,
    /// their sums kept per chunk (`sums`) and added in bin order.
    Halves { halves: Halves, sums: Vec<Sums> },
}

/// Bins per hook chunk of a halves plan (256 kB of spectrum): enough to
/// amortise a task, small enough to share the passes evenly.
const HOOK_CHUNK: usize = 1 << 14;

/// Transforms of at least this many samples (and a multiple of 4) run as
/// two half transforms on two threads. Forward and inverse, against
/// realfft on one thread (2 cores): 2¹⁸ 2.40 → 1.64 ms, 10⁶ 14.4 → 10.4
/// ms, 10⁷ 191 → 131 ms; at 1.3·10⁵ slower (0.91 → 1.13 ms), the recombining
/// pass then outweighing the shared transforms. On a single thread the
/// halves cost 1.1–1.3× realfft at these sizes: the price of bits that do
/// not depend on the thread count.
pub const HALVES_FROM: usize = 1 << 18;

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
        let halves = if m >= HALVES_FROM { Halves::new(m) } else { None };
        let engine = match halves {
            Some(halves) => Engine::Halves {
                halves,
                sums: vec![Sums::default(); (m / 2 + 1).div_ceil(HOOK_CHUNK)],
            },
            None => {
                let mut planner = RealFftPlanner::<f64>::new();
                let forward = planner.plan_fft_forward(m);
                let inverse = planner.plan_fft_inverse(m);
                let scratch_len = forward.get_scratch_len().max(inverse.get_scratch_len());
                Engine::Serial {
                    forward,
                    inverse,
                    buf: vec![0.0; m],
                    scratch: vec![Complex64::default(); scratch_len],
                }
            }
        };
        Ok(Self { m, engine, ffts: 0 })
    }

    /// `out` = F(ι v), handing v to `tap` in chunks as it is read.
    fn transform(&mut self, v: &[f64], n: usize, tap: &mut dyn FnMut(&[f64]), out: &mut [Complex64]) {
        assert!(n <= self.m && v.len() == n, "forward: shape mismatch");
        match &mut self.engine {
            Engine::Serial {
                forward,
                buf,
                scratch,
                ..
            } => {
                for (b, chunk) in buf[..n].chunks_mut(TAP_CHUNK).zip(v.chunks(TAP_CHUNK)) {
                    b.copy_from_slice(chunk);
                    tap(chunk);
                }
                buf[n..].fill(0.0);
                forward
                    .process_with_scratch(buf, out, scratch)
                    .expect("forward: spectrum length mismatch");
            }
            Engine::Halves { halves, .. } => {
                v.chunks(TAP_CHUNK).for_each(&mut *tap);
                halves.forward(v, out);
            }
        }
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
        self.transform(v, n, &mut |_| {}, out);
    }

    /// Taps v in chunks of `TAP_CHUNK` entries as it copies them into the
    /// transform's buffer: each chunk is read from memory once and tapped
    /// while in L1 (the default would read all of v twice). The halves
    /// engine reads v in its own order (two threads), so it taps v first.
    fn forward_tap(
        &mut self,
        v: &[f64],
        n: usize,
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        self.transform(v, n, tap, out);
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
        match &mut self.engine {
            Engine::Serial {
                inverse,
                buf,
                scratch,
                ..
            } => {
                let target: &mut [f64] = if n == self.m { out } else { buf };
                inverse
                    .process_with_scratch(spec, target, scratch)
                    .expect("inverse: spectrum length mismatch");
                if n < self.m {
                    out.copy_from_slice(&buf[..n]);
                }
            }
            Engine::Halves { halves, .. } => halves.inverse(spec, out),
        }
        self.ffts += 1;
    }

    /// The whole spectrum on realfft's path, 16 k bins on the
    /// halves' (whose hooks are shared among the threads).
    fn chunk_len(&self) -> usize {
        match self.engine {
            Engine::Serial { .. } => self.spectrum_len(),
            Engine::Halves { .. } => HOOK_CHUNK,
        }
    }

    fn visit(&mut self, spec: &[Complex64], visit: &Visit) -> Sums {
        assert_eq!(spec.len(), self.spectrum_len(), "visit: spectrum length mismatch");
        match &mut self.engine {
            Engine::Serial { .. } => visit(0, spec),
            Engine::Halves { sums, .. } => {
                spec.par_chunks(HOOK_CHUNK)
                    .zip(sums.par_iter_mut())
                    .enumerate()
                    .for_each(|(c, (chunk, s))| *s = visit(c * HOOK_CHUNK, chunk));
                in_order(sums)
            }
        }
    }

    /// Fills the chunks (shared among the threads on the halves' path),
    /// then transforms.
    fn inverse_fill(&mut self, spec: &mut [Complex64], n: usize, out: &mut [f64], fill: &Rewrite) -> Sums {
        assert_eq!(
            spec.len(),
            self.spectrum_len(),
            "inverse: spectrum length mismatch"
        );
        let total = match &mut self.engine {
            Engine::Serial { .. } => fill(0, spec),
            Engine::Halves { sums, .. } => {
                spec.par_chunks_mut(HOOK_CHUNK)
                    .zip(sums.par_iter_mut())
                    .enumerate()
                    .for_each(|(c, (chunk, s))| *s = fill(c * HOOK_CHUNK, chunk));
                in_order(sums)
            }
        };
        self.inverse(spec, n, out);
        total
    }

    fn ffts(&self) -> u64 {
        self.ffts
    }

    fn reset_ffts(&mut self) {
        self.ffts = 0;
    }
}
