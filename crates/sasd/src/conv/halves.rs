//! A real FFT of a long length m (a multiple of 4) on two threads: the
//! complex FFT of length n = m/2 of the packed signal z_j = v_{2j} + i·v_{2j+1}
//! (as realfft does), split once by decimation in time into two complex
//! FFTs of length h = n/2, over the even and the odd z_j, run at the same
//! time (`rayon::join`), then one pass that both recombines them
//! (Z_k = E_k + ω_n^k O_k, Z_{k+h} = E_k − ω_n^k O_k) and untangles the real
//! spectrum X_k = ½(Z_k + Z̄_{n−k}) − ½i·ω_m^k (Z_k − Z̄_{n−k}) (ω_N = e^{−2πi/N};
//! the packing: SJHB87, the even/odd split: CT65).
//!
//! That pass works in place on the output: the bins k, k + h, h − k and
//! 2h − k of X need exactly E and O at k and h − k, which the half FFTs left
//! at those four bins; groups of four are shared among the threads. The
//! inverse runs the same steps backwards. The two halves are always split
//! the same way, so any number of threads gives the same bits; the long
//! transforms stay rustfft's (AVX) ones, and the extra work is the one
//! recombining pass.

use std::f64::consts::PI;
use std::sync::Arc;

use rayon::prelude::*;
use rustfft::{Fft, FftPlanner};

use super::{Complex64, Shared};

/// ω_N^e = e^{−2πi·e/N} for 0 ≤ e < `limit`, as the product of two table
/// entries, ω_N^{e − e mod 2^s}·ω_N^{e mod 2^s}: two tables of about
/// √limit entries (in cache) instead of one of `limit`, for one complex
/// product (error within a few ulps).
#[derive(Clone)]
struct Twiddles {
    shift: u32,
    lo: Vec<Complex64>,
    hi: Vec<Complex64>,
}

impl Twiddles {
    fn new(den: usize, limit: usize) -> Self {
        let shift = limit.max(2).ilog2().div_ceil(2);
        let omega = |e: usize| {
            let t = -2.0 * PI * (e as f64) / (den as f64);
            Complex64::new(t.cos(), t.sin())
        };
        Self {
            shift,
            lo: (0..1usize << shift).map(omega).collect(),
            hi: (0..=(limit >> shift)).map(|h| omega(h << shift)).collect(),
        }
    }

    /// ω_N^e.
    #[inline]
    fn get(&self, e: usize) -> Complex64 {
        self.hi[e >> self.shift] * self.lo[e & ((1 << self.shift) - 1)]
    }
}

/// Groups of the recombining pass per task: enough to amortise a task,
/// few enough to balance two threads.
const GROUPS_PER_TASK: usize = 1 << 14;

/// Real FFTs of one length m = 4h, the two half transforms run at once.
#[derive(Clone)]
pub(crate) struct Halves {
    /// h = m/4: the length of each complex half transform.
    h: usize,
    /// The one plan (length h): the inverse runs it on conjugates.
    forward: Arc<dyn Fft<f64>>,
    /// ω_m^e for e ≤ 2h (ω_n^k = ω_m^{2k}).
    w: Twiddles,
    /// The even and the odd packed samples (h each), then the inverse's
    /// half outputs.
    half: [Vec<Complex64>; 2],
    scratch: [Vec<Complex64>; 2],
}

impl std::fmt::Debug for Halves {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Halves").field("m", &(4 * self.h)).finish()
    }
}

impl Halves {
    /// The plan for length m, or `None` unless m is a positive multiple of 4.
    pub fn new(m: usize) -> Option<Self> {
        if m == 0 || !m.is_multiple_of(4) {
            return None;
        }
        let h = m / 4;
        let mut planner = FftPlanner::<f64>::new();
        let forward = planner.plan_fft_forward(h);
        let scratch = forward.get_outofplace_scratch_len();
        Some(Self {
            h,
            forward,
            w: Twiddles::new(m, 2 * h + 1),
            half: [vec![Complex64::default(); h], vec![Complex64::default(); h]],
            scratch: [
                vec![Complex64::default(); scratch],
                vec![Complex64::default(); scratch],
            ],
        })
    }

    /// The group starts k ∈ [0, ⌊h/2⌋] of the in-place passes, in tasks.
    fn tasks(&self) -> impl ParallelIterator<Item = std::ops::Range<usize>> + use<> {
        let groups = self.h / 2 + 1;
        let tasks = groups.div_ceil(GROUPS_PER_TASK);
        (0..tasks)
            .into_par_iter()
            .map(move |t| t * GROUPS_PER_TASK..((t + 1) * GROUPS_PER_TASK).min(groups))
    }

    /// `out` (2h + 1 bins) = the half spectrum of v zero-padded to m = 4h.
    pub fn forward(&mut self, v: &[f64], out: &mut [Complex64]) {
        let h = self.h;
        let n = 2 * h;
        assert!(v.len() <= 2 * n && out.len() == n + 1, "forward: shape mismatch");
        let fft = &*self.forward;
        let (even_out, rest) = out.split_at_mut(h);
        let odd_out = &mut rest[..h];
        let [even, odd] = &mut self.half;
        let [s0, s1] = &mut self.scratch;
        // E = FFT_h(z_{2j}), O = FFT_h(z_{2j+1}), z_j = v_{2j} + i·v_{2j+1}:
        // packed from v (zeros past its end), into the two halves of `out`.
        let half_fft =
            |p: usize, buf: &mut Vec<Complex64>, dst: &mut [Complex64], scratch: &mut Vec<Complex64>| {
                let quads = v.chunks_exact(4);
                let rest = quads.remainder();
                let full = quads.len();
                for (z, q) in buf.iter_mut().zip(quads) {
                    *z = Complex64::new(q[2 * p], q[2 * p + 1]);
                }
                // The last partial quad, then zeros.
                let part = |i: usize| rest.get(2 * p + i).copied().unwrap_or(0.0);
                if let Some(z) = buf.get_mut(full) {
                    *z = Complex64::new(part(0), part(1));
                }
                buf.get_mut(full + 1..)
                    .into_iter()
                    .for_each(|t| t.fill(Complex64::default()));
                fft.process_outofplace_with_scratch(buf, dst, scratch);
            };
        rayon::join(
            || half_fft(0, even, even_out, s0),
            || half_fft(1, odd, odd_out, s1),
        );
        let (w, dst) = (&self.w, Shared::new(out));
        let half_i = Complex64::new(0.0, -0.5);
        // X_i = ½(Z_i + Z̄_{n−i}) − ½i·ω_m^i (Z_i − Z̄_{n−i}).
        let untangle = |wi: Complex64, zi: Complex64, zmirror: Complex64| {
            let zm = zmirror.conj();
            (zi + zm) * 0.5 + wi * ((zi - zm) * half_i)
        };
        self.tasks().for_each(|range| {
            // SAFETY (all reads and writes below): the group of k touches
            // bins k, k + h, h − k, 2h − k (and 2h for k = 0) only, no other
            // group touches them, and each group reads its bins before it
            // writes them.
            let at = |i: usize| unsafe { dst.read(i) };
            for k in range {
                if k == 0 {
                    // Z_0 = E_0 + O_0 and Z_h = E_0 − O_0: X_0 and X_n are
                    // real, X_h = Z̄_h (ω_m^h = −i).
                    let (e, o) = (at(0), at(h));
                    let (z0, zh) = (e + o, e - o);
                    unsafe {
                        dst.write(0, Complex64::new(z0.re + z0.im, 0.0));
                        dst.write(n, Complex64::new(z0.re - z0.im, 0.0));
                        dst.write(h, zh.conj());
                    }
                    continue;
                }
                let kk = h - k;
                // ω_n^k and ω_m^k; by symmetry (m = 4h): ω_n^{h−k} = −ω̄_n^k,
                // ω_m^{k+h} = −i·ω_m^k, ω_m^{h−k} = −i·ω̄_m^k, ω_m^{2h−k} = −ω̄_m^k.
                let (t, u) = (w.get(2 * k), w.get(k));
                let (e, o) = (at(k), at(h + k) * t);
                let (e2, o2) = (at(kk), at(h + kk) * -t.conj());
                let (z_k, z_kh, z_kk, z_kkh) = (e + o, e - o, e2 + o2, e2 - o2);
                let minus_i = Complex64::new(0.0, -1.0);
                unsafe {
                    if k != kk {
                        dst.write(k, untangle(u, z_k, z_kkh));
                        dst.write(k + h, untangle(minus_i * u, z_kh, z_kk));
                    }
                    // At k = h/2 the group is the pair (k, k + h), written once.
                    dst.write(kk, untangle(minus_i * u.conj(), z_kk, z_kh));
                    dst.write(kk + h, untangle(-u.conj(), z_kkh, z_k));
                }
            }
        });
    }

    /// `out` = the first out.len() ≤ m samples of the unnormalised inverse
    /// real FFT (m·v) of the half spectrum `spec` (2h + 1 bins, used as
    /// scratch; the imaginary parts of bins 0 and 2h are taken as zero by
    /// the caller).
    pub fn inverse(&mut self, spec: &mut [Complex64], out: &mut [f64]) {
        let h = self.h;
        let n = 2 * h;
        assert!(
            out.len() <= 2 * n && spec.len() == n + 1,
            "inverse: shape mismatch"
        );
        let (w, dst) = (&self.w, Shared::new(spec));
        let i = Complex64::new(0.0, 1.0);
        // Z_i = (X_i + X̄_{n−i}) + i·ω_m^{−i}(X_i − X̄_{n−i}) (twice the
        // packed spectrum, so that the unnormalised inverse is m·v).
        let pack = |wi: Complex64, xi: Complex64, xmirror: Complex64| {
            let xm = xmirror.conj();
            (xi + xm) + i * wi.conj() * (xi - xm)
        };
        // A_k = Z_k + Z_{k+h} and C_k = ω_n^{−k}(Z_k − Z_{k+h}), whose
        // inverse FFTs are the even and the odd z_j, stored conjugated: the
        // forward FFT of Ā is the conjugate of the inverse FFT of A, so one
        // plan serves both directions.
        let split =
            |t: Complex64, z_k: Complex64, z_kh: Complex64| ((z_k + z_kh).conj(), (z_k - z_kh).conj() * t);
        self.tasks().for_each(|range| {
            // SAFETY: as in `forward`, each group reads then writes its own
            // bins (k, k + h, h − k, 2h − k; bin 2h only read, by k = 0).
            let at = |i: usize| unsafe { dst.read(i) };
            for k in range {
                let (t, u) = (w.get(2 * k), w.get(k));
                // X_{h−k} (= X_{k'} but for k = 0) and X_{n−k} (= X_{k'+h}).
                let (x_k, x_kh, x_kk, x_kkh) = (at(k), at(k + h), at(h - k), at(n - k));
                let minus_i = Complex64::new(0.0, -1.0);
                let (z_k, z_kh) = (pack(u, x_k, x_kkh), pack(minus_i * u, x_kh, x_kk));
                let (a, c) = split(t, z_k, z_kh);
                if k == 0 || 2 * k == h {
                    // Bin n is only read; at k = h/2 the group is one pair.
                    unsafe {
                        dst.write(k, a);
                        dst.write(k + h, c);
                    }
                    continue;
                }
                let kk = h - k;
                let z_kk = pack(minus_i * u.conj(), x_kk, x_kh);
                let z_kkh = pack(-u.conj(), x_kkh, x_k);
                let (a2, c2) = split(-t.conj(), z_kk, z_kkh);
                unsafe {
                    dst.write(k, a);
                    dst.write(k + h, c);
                    dst.write(kk, a2);
                    dst.write(kk + h, c2);
                }
            }
        });
        let fft = &*self.forward;
        let (a, rest) = spec.split_at_mut(h);
        let c = &mut rest[..h];
        let [even, odd] = &mut self.half;
        let [s0, s1] = &mut self.scratch;
        rayon::join(
            || fft.process_outofplace_with_scratch(a, even, s0),
            || fft.process_outofplace_with_scratch(c, odd, s1),
        );
        // Interleave the conjugated outputs: v_{4j}, v_{4j+1} from the even
        // z_j, v_{4j+2}, v_{4j+3} from the odd one.
        let (even, odd) = (&self.half[0], &self.half[1]);
        out.par_chunks_mut(4 * GROUPS_PER_TASK)
            .enumerate()
            .for_each(|(t, chunk)| {
                let j0 = t * GROUPS_PER_TASK;
                let j = j0 + chunk.len() / 4;
                let mut quads = chunk.chunks_exact_mut(4);
                for (j, q) in (j0..).zip(&mut quads) {
                    q.copy_from_slice(&[even[j].re, -even[j].im, odd[j].re, -odd[j].im]);
                }
                for (r, x) in quads.into_remainder().iter_mut().enumerate() {
                    let z = if r < 2 { even[j] } else { odd[j] };
                    *x = if r % 2 == 0 { z.re } else { -z.im };
                }
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    fn signal(len: usize) -> Vec<f64> {
        (0..len)
            .map(|i| ((i * 7919 % 1013) as f64 / 1013.0 - 0.5) * (1.0 + (i % 3) as f64))
            .collect()
    }

    /// Runs `f` on a pool of `threads` threads.
    fn on<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(f)
    }

    /// Against realfft in both directions (padding and restriction, h odd
    /// and even, the group k = h/2), and 1 or 3 threads give the same bits.
    #[test]
    fn match_realfft_on_any_thread_count() {
        for (m, len_in, len_out) in [
            (8, 8, 8),
            (12, 5, 12),
            (4 * 1024, 4096, 4096),
            (4 * 999, 100, 3000),
            (4 * 40_000, 159_999, 1),
        ] {
            let v = signal(len_in);
            let mut planner = RealFftPlanner::<f64>::new();
            let mut padded = v.clone();
            padded.resize(m, 0.0);
            let mut want = vec![Complex64::default(); m / 2 + 1];
            planner
                .plan_fft_forward(m)
                .process(&mut padded, &mut want)
                .unwrap();
            let top = want.iter().map(|z| z.norm()).fold(0.0, f64::max);
            let got: Vec<Vec<Complex64>> = [1, 3]
                .into_iter()
                .map(|threads| {
                    let mut out = vec![Complex64::new(f64::NAN, f64::NAN); m / 2 + 1];
                    on(threads, || Halves::new(m).unwrap().forward(&v, &mut out));
                    out
                })
                .collect();
            assert_eq!(got[0], got[1], "m = {m}: the thread count changed the bits");
            for (g, w) in got[0].iter().zip(&want) {
                assert!((g - w).norm() <= 1e-13 * top, "m = {m}: {g} vs {w}");
            }
            let mut full = vec![0.0; m];
            planner
                .plan_fft_inverse(m)
                .process(&mut want.clone(), &mut full)
                .unwrap();
            let top = full.iter().fold(0.0, |a: f64, x| a.max(x.abs()));
            let back: Vec<Vec<f64>> = [1, 3]
                .into_iter()
                .map(|threads| {
                    let mut out = vec![f64::NAN; len_out];
                    on(threads, || {
                        Halves::new(m).unwrap().inverse(&mut want.clone(), &mut out)
                    });
                    out
                })
                .collect();
            assert_eq!(back[0], back[1], "m = {m}: the thread count changed the bits");
            for (g, w) in back[0].iter().zip(&full) {
                assert!((g - w).abs() <= 1e-13 * top, "m = {m}: {g} vs {w}");
            }
        }
    }

    #[test]
    fn declines_lengths_not_divisible_by_4() {
        assert!(Halves::new(0).is_none());
        assert!(Halves::new(1002).is_none());
        assert!(Halves::new(4).is_some());
    }
}
