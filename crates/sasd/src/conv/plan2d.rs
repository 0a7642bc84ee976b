//! Real 2-D FFT of one shape r×c (column-major images).

use std::ops::Range;
use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use super::{Complex64, Plan};
use crate::error::{Result, SasdError};

/// The 2-D [`Plan`]: a real FFT along the contiguous axis (the r rows of each
/// column, giving r/2 + 1 bins) followed by complex FFTs of length c along the
/// other axis. The half spectrum is stored as r/2 + 1 rows of c contiguous
/// bins (bin (k₁, k₂) at `k₁·c + k₂`), so the second pass runs on contiguous
/// rows and the Parseval weights depend on k₁ only.
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
    col: Vec<f64>,
    col_spec: Vec<Complex64>,
    scratch: Vec<Complex64>,
    ffts: u64,
}

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
    /// Plans the real 2-D FFTs of shape (rows, cols), both ≥ 1.
    pub fn new((rows, cols): (usize, usize)) -> Result<Self> {
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
        Ok(Self {
            rows,
            cols,
            col_forward,
            col_inverse,
            row_forward,
            row_inverse,
            col: vec![0.0; rows],
            col_spec: vec![Complex64::default(); rows / 2 + 1],
            scratch: vec![Complex64::default(); scratch_len],
            ffts: 0,
        })
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

    fn forward(&mut self, v: &[f64], (n1, n2): (usize, usize), out: &mut [Complex64]) {
        assert!(
            self.fits((n1, n2)) && v.len() == n1 * n2,
            "forward: shape mismatch"
        );
        let c = self.cols;
        for j in 0..n2 {
            self.col[..n1].copy_from_slice(&v[j * n1..(j + 1) * n1]);
            self.col[n1..].fill(0.0);
            self.col_forward
                .process_with_scratch(&mut self.col, &mut self.col_spec, &mut self.scratch)
                .expect("forward: column length mismatch");
            for (k1, z) in self.col_spec.iter().enumerate() {
                out[k1 * c + j] = *z;
            }
        }
        // Columns beyond n₂ are zero-padding: their transforms vanish.
        for row in out.chunks_exact_mut(c) {
            row[n2..].fill(Complex64::default());
        }
        self.row_forward.process_with_scratch(out, &mut self.scratch);
        self.ffts += 1;
    }

    fn inverse(&mut self, spec: &mut [Complex64], (n1, n2): (usize, usize), out: &mut [f64]) {
        assert!(
            self.fits((n1, n2)) && out.len() == n1 * n2,
            "inverse: shape mismatch"
        );
        let c = self.cols;
        self.row_inverse.process_with_scratch(spec, &mut self.scratch);
        let last = self.col_spec.len() - 1;
        for j in 0..n2 {
            for (k1, z) in self.col_spec.iter_mut().enumerate() {
                *z = spec[k1 * c + j];
            }
            // After the row pass, the DC and Nyquist rows of a real image's
            // spectrum are real up to rounding; realfft wants them exactly real.
            self.col_spec[0].im = 0.0;
            if self.rows.is_multiple_of(2) {
                self.col_spec[last].im = 0.0;
            }
            self.col_inverse
                .process_with_scratch(&mut self.col_spec, &mut self.col, &mut self.scratch)
                .expect("inverse: column length mismatch");
            out[j * n1..(j + 1) * n1].copy_from_slice(&self.col[..n1]);
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
