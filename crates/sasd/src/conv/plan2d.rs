//! Real 2-D FFT of one shape r×c (column-major images).

use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use super::{Complex64, Plan, Rewrite, Shared, Sums, Visit, add_sums, in_order, visit_chunks};
use crate::error::{Result, SasdError};

/// The 2-D [`Plan`]: a real FFT along the contiguous axis (the r rows of each
/// column, giving r/2 + 1 bins) followed by complex FFTs of length c along the
/// other axis. The half spectrum is stored as r/2 + 1 rows of c contiguous
/// bins (bin (k₁, k₂) at `k₁·c + k₂`), so the second pass runs on contiguous
/// rows and the Parseval weights depend on k₁ only.
///
/// The transposition between the two passes goes through `BLOCK` column
/// spectra at a time: writing one bin per row and column touched a new cache
/// line (and, for power-of-two c, the same cache set) per bin.
///
/// A zero-padded operand of shape n₁×n₂ costs n₂ (not c) column transforms:
/// the others are zero.
#[derive(Clone)]
pub struct Plan2d {
    rows: usize,
    cols: usize,
    col_forward: Arc<dyn RealToComplex<f64>>,
    col_inverse: Arc<dyn ComplexToReal<f64>>,
    row_forward: Arc<dyn Fft<f64>>,
    row_inverse: Arc<dyn Fft<f64>>,
    /// The calling thread's buffers (serial passes).
    own: Worker,
    /// One set of buffers per share of the parallel passes of large
    /// transforms ([`PARALLEL_FROM`]); empty for serial passes.
    workers: Vec<Worker>,
    /// The hooks' sums, row by row, until they are added in row order
    /// (parallel passes).
    sums: Vec<Sums>,
    ffts: u64,
}

/// A row pass's work on one row: (the worker's buffers, k₁, the row) → the
/// hook's sums.
type RowOp<'o> = dyn Fn(&mut Worker, usize, &mut [Complex64]) -> Sums + Sync + 'o;

/// Transforms of at least this many samples share their column and row
/// passes (with the hooks' visits, fills and maps) among rayon's threads.
/// Measured on 2 cores (solves to kernel error 1e-5, time per iteration):
/// against the serial plan, 256² 1.37 → 1.01–1.06 ms and 512² 7.2 →
/// 4.9–5.6 ms; against transforms shared with the hooks run serially
/// afterwards, 1024² 37.9 → 30.4 ms and 2048² 128 → 107–111 ms; at 128²
/// the same (0.41 ms) and at 64² slower, so smaller transforms stay serial.
pub(crate) const PARALLEL_FROM: usize = 256 * 256;

/// The buffers one thread needs for its share of a pass.
#[derive(Clone)]
struct Worker {
    /// One real column (realfft uses its input as scratch).
    col: Vec<f64>,
    /// Spectra of [`BLOCK`] columns, column after column.
    tile: Vec<Complex64>,
    scratch: Vec<Complex64>,
    /// One row of a spectrum ([`Plan::forward_map_inverse`] of narrow shapes).
    row: Vec<Complex64>,
}

impl Worker {
    fn new((rows, cols): (usize, usize), scratch_len: usize) -> Self {
        Self {
            col: vec![0.0; rows],
            tile: vec![Complex64::default(); BLOCK * (rows / 2 + 1)],
            scratch: vec![Complex64::default(); scratch_len],
            row: vec![Complex64::default(); cols],
        }
    }

    /// Bins per column spectrum, r/2 + 1.
    fn bins(&self) -> usize {
        self.tile.len() / BLOCK
    }

    /// The real FFTs of v's columns j0.. (`width` of them, n₁ rows each,
    /// zero-padded to r) into the tile, column after column.
    fn forward_block(&mut self, fft: &dyn RealToComplex<f64>, v: &[f64], n1: usize, j0: usize, width: usize) {
        let bins = self.bins();
        for (jl, spec) in self.tile.chunks_exact_mut(bins).take(width).enumerate() {
            let j = j0 + jl;
            self.col[..n1].copy_from_slice(&v[j * n1..(j + 1) * n1]);
            self.col[n1..].fill(0.0);
            fft.process_with_scratch(&mut self.col, spec, &mut self.scratch)
                .expect("forward: column length mismatch");
        }
    }

    /// The inverse real FFTs of the columns j0.. of `spec` (rows of c bins;
    /// `width` columns, gathered into the tile), restricted to n₁ rows, into
    /// `out`: those columns, n₁ samples each.
    fn inverse_block(
        &mut self,
        fft: &dyn ComplexToReal<f64>,
        spec: &[Complex64],
        c: usize,
        (j0, width): (usize, usize),
        n1: usize,
        out: &mut [f64],
    ) {
        let (bins, rows) = (self.bins(), self.col.len());
        for (k1, row) in spec.chunks_exact(c).enumerate() {
            for (jl, z) in row[j0..j0 + width].iter().enumerate() {
                self.tile[jl * bins + k1] = *z;
            }
        }
        for (jl, col_spec) in self.tile.chunks_exact_mut(bins).take(width).enumerate() {
            // After the row pass, the DC and Nyquist rows of a real image's
            // spectrum are real up to rounding; realfft wants them exactly real.
            col_spec[0].im = 0.0;
            if rows.is_multiple_of(2) {
                col_spec[bins - 1].im = 0.0;
            }
            let target = &mut out[jl * n1..(jl + 1) * n1];
            if n1 == rows {
                fft.process_with_scratch(col_spec, target, &mut self.scratch)
            } else {
                fft.process_with_scratch(col_spec, &mut self.col, &mut self.scratch)
            }
            .expect("inverse: column length mismatch");
            if n1 < rows {
                target.copy_from_slice(&self.col[..n1]);
            }
        }
    }
}

/// Columns transposed together: their spectra (16 B × (r/2 + 1) each) stay
/// in L1 for r up to a few hundred, and each row receives 128 contiguous bytes.
const BLOCK: usize = 8;

impl std::fmt::Debug for Plan2d {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan2d")
            .field("rows", &self.rows)
            .field("cols", &self.cols)
            .field("ffts", &self.ffts)
            .finish()
    }
}

impl Plan2d {
    /// Plans the real 2-D FFTs of shape (rows, cols), both ≥ 1; from
    /// 256 × 256 samples on, their column and row passes are shared among
    /// rayon's threads ([`with_threads`](Self::with_threads)).
    pub fn new(shape: (usize, usize)) -> Result<Self> {
        let threads = if shape.0.saturating_mul(shape.1) >= PARALLEL_FROM {
            rayon::current_num_threads()
        } else {
            1
        };
        Self::with_threads(shape, threads)
    }

    /// [`new`](Self::new) with the passes split into `threads` shares (1:
    /// all on the calling thread), run on rayon's pool. Any count gives the
    /// same bits: each column and row is transformed alone, each row's
    /// visit, fill or map runs with its row transform, and their [`Sums`]
    /// are added in row order.
    pub fn with_threads((rows, cols): (usize, usize), threads: usize) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(SasdError::EmptySignal);
        }
        let mut real = RealFftPlanner::<f64>::new();
        let col_forward = real.plan_fft_forward(rows);
        let col_inverse = real.plan_fft_inverse(rows);
        let mut complex = FftPlanner::<f64>::new();
        let row_forward = complex.plan_fft_forward(cols);
        let row_inverse = complex.plan_fft_inverse(cols);
        let scratch_len = [
            col_forward.get_scratch_len(),
            col_inverse.get_scratch_len(),
            row_forward.get_inplace_scratch_len(),
            row_inverse.get_inplace_scratch_len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let own = Worker::new((rows, cols), scratch_len);
        let workers = if threads > 1 {
            vec![own.clone(); threads]
        } else {
            Vec::new()
        };
        Ok(Self {
            rows,
            cols,
            col_forward,
            col_inverse,
            row_forward,
            row_inverse,
            own,
            workers,
            sums: vec![Sums::default(); if threads > 1 { rows / 2 + 1 } else { 0 }],
            ffts: 0,
        })
    }
}

impl Plan2d {
    /// First half of a forward transform: the real FFTs of v's n₂ columns
    /// (zero-padded to r), transposed into the rows of `out` [`BLOCK`] columns
    /// at a time; hands each column of v to `tap`, in order. Columns n₂.. of
    /// `out` are neither read nor written. With workers, each takes a
    /// contiguous range of column blocks (`tap` sees every column first, on
    /// the calling thread): the same transforms of the same columns, the
    /// same bits.
    fn columns_forward(
        &mut self,
        v: &[f64],
        (n1, n2): (usize, usize),
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
    ) {
        assert!(
            self.fits((n1, n2)) && v.len() == n1 * n2 && out.len() == self.spectrum_len(),
            "forward: shape mismatch"
        );
        let (c, bins) = (self.cols, self.rows / 2 + 1);
        let fft = &*self.col_forward;
        if self.workers.is_empty() {
            for j0 in (0..n2).step_by(BLOCK) {
                let width = BLOCK.min(n2 - j0);
                v[j0 * n1..(j0 + width) * n1]
                    .chunks_exact(n1.max(1))
                    .for_each(&mut *tap);
                self.own.forward_block(fft, v, n1, j0, width);
                for (k1, row) in out.chunks_exact_mut(c).enumerate() {
                    for (jl, z) in row[j0..j0 + width].iter_mut().enumerate() {
                        *z = self.own.tile[jl * bins + k1];
                    }
                }
            }
            return;
        }
        v.chunks_exact(n1.max(1)).take(n2).for_each(&mut *tap);
        let blocks = n2.div_ceil(BLOCK);
        let per = blocks.div_ceil(self.workers.len());
        let dst = Shared::new(out);
        self.workers.par_iter_mut().enumerate().for_each(|(t, w)| {
            for block in t * per..((t + 1) * per).min(blocks) {
                let (j0, width) = (block * BLOCK, BLOCK.min(n2 - block * BLOCK));
                w.forward_block(fft, v, n1, j0, width);
                for k1 in 0..bins {
                    for jl in 0..width {
                        // SAFETY: k1·c + j0 + jl < bins·c = out.len(), and
                        // columns j0..j0 + width are this worker's alone.
                        unsafe { dst.write(k1 * c + j0 + jl, w.tile[jl * bins + k1]) };
                    }
                }
            }
        });
    }

    /// Second half of an inverse transform, after every row's inverse FFT:
    /// the inverse real FFTs of the n₂ columns of `spec` (gathered
    /// [`BLOCK`] at a time), restricted to n₁ rows, into `out`. With
    /// workers, each takes a contiguous range of column blocks and writes
    /// its own columns of `out`.
    fn columns_inverse(&mut self, spec: &[Complex64], (n1, n2): (usize, usize), out: &mut [f64]) {
        let c = self.cols;
        let fft = &*self.col_inverse;
        if self.workers.is_empty() {
            for j0 in (0..n2).step_by(BLOCK) {
                let width = BLOCK.min(n2 - j0);
                let mine = &mut out[j0 * n1..(j0 + width) * n1];
                self.own.inverse_block(fft, spec, c, (j0, width), n1, mine);
            }
            return;
        }
        let blocks = n2.div_ceil(BLOCK);
        let per = blocks.div_ceil(self.workers.len());
        self.workers
            .par_iter_mut()
            .zip(out.par_chunks_mut((per * BLOCK * n1).max(1)))
            .enumerate()
            .for_each(|(t, (w, mine))| {
                for block in t * per..((t + 1) * per).min(blocks) {
                    let (j0, width) = (block * BLOCK, BLOCK.min(n2 - block * BLOCK));
                    let local = (j0 - t * per * BLOCK) * n1;
                    w.inverse_block(
                        fft,
                        spec,
                        c,
                        (j0, width),
                        n1,
                        &mut mine[local..local + width * n1],
                    );
                }
            });
    }

    /// Runs `op` on every row of `spec` (rows of c bins): on this thread, or
    /// shared among the workers by contiguous row ranges; adds the rows'
    /// sums in row order either way.
    fn rows(&mut self, spec: &mut [Complex64], op: &RowOp) -> Sums {
        let c = self.cols;
        if self.workers.is_empty() {
            let mut acc = Sums::default();
            for (k1, row) in spec.chunks_exact_mut(c).enumerate() {
                add_sums(&mut acc, op(&mut self.own, k1, row));
            }
            return acc;
        }
        let n = spec.len() / c;
        let per = n.div_ceil(self.workers.len());
        self.workers
            .par_iter_mut()
            .zip(spec.par_chunks_mut(per * c))
            .zip(self.sums.par_chunks_mut(per))
            .enumerate()
            .for_each(|(t, ((w, rows), sums))| {
                for (i, (row, s)) in rows.chunks_exact_mut(c).zip(sums).enumerate() {
                    *s = op(w, t * per + i, row);
                }
            });
        in_order(&self.sums[..n])
    }

    fn check_inverse(&self, spec: &[Complex64], (n1, n2): (usize, usize), out: &[f64]) {
        assert!(
            self.fits((n1, n2)) && out.len() == n1 * n2 && spec.len() == self.spectrum_len(),
            "inverse: shape mismatch"
        );
    }

    /// [`Plan::forward_tap`]: the column pass, then each row's FFT (after
    /// clearing its columns n₂.., whose transforms vanish) and visit.
    fn forward_rows(
        &mut self,
        v: &[f64],
        shape: (usize, usize),
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        let c = self.cols;
        self.columns_forward(v, shape, tap, out);
        let fft = Arc::clone(&self.row_forward);
        let sums = self.rows(out, &|w, k1, row| {
            row[shape.1..].fill(Complex64::default());
            fft.process_with_scratch(row, &mut w.scratch);
            visit(k1 * c, row)
        });
        self.ffts += 1;
        sums
    }
}

impl Plan for Plan2d {
    type Shape = (usize, usize);

    fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    fn count((r, c): (usize, usize)) -> usize {
        r * c
    }

    fn fits(&self, (r, c): (usize, usize)) -> bool {
        r <= self.rows && c <= self.cols
    }

    fn spectrum_len(&self) -> usize {
        (self.rows / 2 + 1) * self.cols
    }

    fn edge_bins(&self) -> [Range<usize>; 2] {
        let c = self.cols;
        let nyquist = if self.rows.is_multiple_of(2) && self.rows > 1 {
            let k = self.rows / 2;
            k * c..(k + 1) * c
        } else {
            0..0
        };
        [0..c, nyquist]
    }

    fn chunk_len(&self) -> usize {
        self.cols
    }

    fn forward(&mut self, v: &[f64], shape: (usize, usize), out: &mut [Complex64]) {
        self.forward_rows(v, shape, &mut |_| {}, out, &|_, _| Sums::default());
    }

    fn inverse(&mut self, spec: &mut [Complex64], shape: (usize, usize), out: &mut [f64]) {
        self.inverse_fill(spec, shape, out, &|_, _| Sums::default());
    }

    /// Shares the rows among the workers, as the transforms do.
    fn visit(&mut self, spec: &[Complex64], visit: &Visit) -> Sums {
        let c = self.cols;
        if self.workers.is_empty() {
            return visit_chunks(spec, c, visit);
        }
        let n = spec.len() / c;
        let per = n.div_ceil(self.workers.len());
        spec.par_chunks(per * c)
            .zip(self.sums.par_chunks_mut(per))
            .enumerate()
            .for_each(|(t, (rows, sums))| {
                for (i, (row, s)) in rows.chunks_exact(c).zip(sums).enumerate() {
                    *s = visit((t * per + i) * c, row);
                }
            });
        in_order(&self.sums[..n])
    }

    /// Visits each row right after its row FFT.
    fn forward_visit(
        &mut self,
        v: &[f64],
        shape: (usize, usize),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        self.forward_rows(v, shape, &mut |_| {}, out, visit)
    }

    /// Taps v column by column as the column FFTs read it.
    fn forward_tap(
        &mut self,
        v: &[f64],
        shape: (usize, usize),
        tap: &mut dyn FnMut(&[f64]),
        out: &mut [Complex64],
        visit: &Visit,
    ) -> Sums {
        self.forward_rows(v, shape, tap, out, visit)
    }

    /// Fills each row right before its inverse row FFT.
    fn inverse_fill(
        &mut self,
        spec: &mut [Complex64],
        shape: (usize, usize),
        out: &mut [f64],
        fill: &Rewrite,
    ) -> Sums {
        self.check_inverse(spec, shape, out);
        let c = self.cols;
        let fft = Arc::clone(&self.row_inverse);
        let sums = self.rows(spec, &|w, k1, row| {
            let s = fill(k1 * c, row);
            fft.process_with_scratch(row, &mut w.scratch);
            s
        });
        self.columns_inverse(spec, shape, out);
        self.ffts += 1;
        sums
    }

    /// Each row goes through its forward FFT, `map` and its inverse FFT in
    /// one visit: the spectrum never makes the trip through memory between.
    ///
    /// When both operands are narrower than the transform (a kernel-shaped
    /// gradient: ι* F⁻¹ map(F ι v) with v and the output n₁×n₂), only the
    /// first n₂ bins of each row of `spec` carry anything across the row
    /// pass (the column spectra in, the restricted output back): each row is
    /// then built, transformed, mapped and transformed back in a row buffer
    /// that stays in L1, and `spec` is touched on n₂ bins per row instead of
    /// all c (for 16 of 512 columns, 66 kB instead of 2.1 MB written and read
    /// back). Same operations on the same values: same bits.
    fn forward_map_inverse(
        &mut self,
        (v, sv): (&[f64], (usize, usize)),
        spec: &mut [Complex64],
        (out, so): (&mut [f64], (usize, usize)),
        map: &Rewrite,
    ) -> Sums {
        self.check_inverse(spec, so, out);
        let c = self.cols;
        self.columns_forward(v, sv, &mut |_| {}, spec);
        let narrow = sv.1.max(so.1) < c;
        let (forward, inverse) = (Arc::clone(&self.row_forward), Arc::clone(&self.row_inverse));
        let sums = self.rows(spec, &|w, k1, row| {
            let Worker {
                row: buf, scratch, ..
            } = w;
            if narrow {
                buf[..sv.1].copy_from_slice(&row[..sv.1]);
                buf[sv.1..].fill(Complex64::default());
                forward.process_with_scratch(buf, scratch);
                let s = map(k1 * c, buf);
                inverse.process_with_scratch(buf, scratch);
                row[..so.1].copy_from_slice(&buf[..so.1]);
                s
            } else {
                row[sv.1..].fill(Complex64::default());
                forward.process_with_scratch(row, scratch);
                let s = map(k1 * c, row);
                inverse.process_with_scratch(row, scratch);
                s
            }
        });
        self.columns_inverse(spec, so, out);
        self.ffts += 2;
        sums
    }

    fn ffts(&self) -> u64 {
        self.ffts
    }

    fn reset_ffts(&mut self) {
        self.ffts = 0;
    }
}
