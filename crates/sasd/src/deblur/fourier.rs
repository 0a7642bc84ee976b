//! Cyclic convolutions of one padded image size through the crate's real
//! 2-D FFT (`conv::Plan2d`): the spectra of images, of centred kernels and
//! of the two forward differences, and the way back.

use crate::conv::{Complex64, Plan, Plan2d};
use crate::error::Result;

/// FFTs of row-major `rows × cols` images, with the transfer functions of
/// the cyclic forward differences cached.
pub(crate) struct Fourier {
    rows: usize,
    cols: usize,
    plan: Plan2d,
    /// |D̂ₓ|² + |D̂ᵧ|²: the spectrum of the discrete Laplacian −Δ.
    laplacian: Vec<f64>,
}

impl Fourier {
    /// Plans the FFTs of `rows × cols` images (both ≥ 1).
    pub(crate) fn new(rows: usize, cols: usize) -> Result<Self> {
        // A row-major r×c image is the column-major c×r one of the engine.
        // One thread: with the passes shared, camera at 1024² took 8.5–11.8 s
        // against 6.9–10.9 s (same kernels, CPU time and page faults; the
        // cause is not found: docs/studies/2d-oracle-overhead.md).
        let plan = Plan2d::with_threads((cols, rows), 1)?;
        let mut f = Self {
            rows,
            cols,
            plan,
            laplacian: Vec::new(),
        };
        let mut lap = vec![0.0; rows * cols];
        lap[0] = 4.0;
        for (di, dj) in [(1, 0), (rows - 1, 0), (0, 1), (0, cols - 1)] {
            lap[(di % rows) * cols + dj % cols] -= 1.0;
        }
        f.laplacian = f.forward(&lap).iter().map(|z| z.re).collect();
        Ok(f)
    }

    /// `(rows, cols)`.
    pub(crate) fn dims(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    /// |D̂ₓ(ω)|² + |D̂ᵧ(ω)|², bin by bin.
    pub(crate) fn laplacian(&self) -> &[f64] {
        &self.laplacian
    }

    /// The (half) spectrum of a full-size image.
    pub(crate) fn forward(&mut self, image: &[f64]) -> Vec<Complex64> {
        let mut out = vec![Complex64::default(); self.plan.spectrum_len()];
        self.plan.forward(image, (self.cols, self.rows), &mut out);
        out
    }

    /// The image of a spectrum (consumed as scratch), with the 1/N of the
    /// inverse DFT applied.
    pub(crate) fn inverse(&mut self, mut spectrum: Vec<Complex64>) -> Vec<f64> {
        let scale = 1.0 / (self.rows * self.cols) as f64;
        spectrum.iter_mut().for_each(|z| *z *= scale);
        let mut out = vec![0.0; self.rows * self.cols];
        self.plan.inverse(&mut spectrum, (self.cols, self.rows), &mut out);
        out
    }

    /// The transfer function of a row-major `k₁ × k₂` kernel centred at
    /// (k₁/2, k₂/2): entry (a, b) sits at offset (a − k₁/2, b − k₂/2) mod the
    /// image (`psf2otf`).
    pub(crate) fn kernel_spectrum(&mut self, kernel: &[f64], (k1, k2): (usize, usize)) -> Vec<Complex64> {
        let mut full = vec![0.0; self.rows * self.cols];
        for a in 0..k1 {
            let i = (a + self.rows - k1 / 2) % self.rows;
            for b in 0..k2 {
                let j = (b + self.cols - k2 / 2) % self.cols;
                full[i * self.cols + j] += kernel[a * k2 + b];
            }
        }
        self.forward(&full)
    }

    /// The transfer function of a translation by `(d₁, d₂)` pixels (down
    /// the rows, along the columns; any real numbers, sub-pixel included):
    /// e^{−2πi(ω₁d₁/R + ω₂d₂/C)} at the signed frequencies ω. At a Nyquist
    /// frequency, where ±N/2 alias, the factor of that axis is the mean of
    /// the two, cos(πd): real, so the translated image stays real, and
    /// (−1)^d for whole pixels, where the spectrum is the shifted delta's.
    pub(crate) fn translation_spectrum(&self, (d1, d2): (f64, f64)) -> Vec<Complex64> {
        let (r, c) = (self.rows, self.cols);
        let factor = |w: usize, n: usize, d: f64| {
            if 2 * w == n {
                return Complex64::new((std::f64::consts::PI * d).cos(), 0.0);
            }
            let signed = if 2 * w > n { w as f64 - n as f64 } else { w as f64 };
            Complex64::from_polar(1.0, -2.0 * std::f64::consts::PI * signed * d / n as f64)
        };
        // Bin p of the half spectrum is (ω₂, ω₁) = (p / R, p % R): the
        // engine's contiguous axis is the image's column index.
        (0..self.plan.spectrum_len())
            .map(|p| factor(p % r, r, d1) * factor(p / r, c, d2))
            .collect()
    }

    /// The `k₁ × k₂` window centred at the origin of a full-size cyclic
    /// image (lags −k₁/2 … k₁ − 1 − k₁/2 by row, likewise by column): the
    /// inverse of [`kernel_spectrum`](Self::kernel_spectrum)'s placement.
    pub(crate) fn centred_window(&self, full: &[f64], (k1, k2): (usize, usize)) -> Vec<f64> {
        let mut out = vec![0.0; k1 * k2];
        for a in 0..k1 {
            let i = (a + self.rows - k1 / 2) % self.rows;
            for b in 0..k2 {
                let j = (b + self.cols - k2 / 2) % self.cols;
                out[a * k2 + b] = full[i * self.cols + j];
            }
        }
        out
    }
}

/// The cyclic forward differences (∂ₓu, ∂ᵧu) of a row-major image:
/// u[i, j+1] − u[i, j] and u[i+1, j] − u[i, j].
pub(crate) fn gradients(u: &[f64], (rows, cols): (usize, usize)) -> [Vec<f64>; 2] {
    let mut gx = vec![0.0; u.len()];
    let mut gy = vec![0.0; u.len()];
    for i in 0..rows {
        let down = ((i + 1) % rows) * cols;
        for j in 0..cols {
            let p = i * cols + j;
            gx[p] = u[i * cols + (j + 1) % cols] - u[p];
            gy[p] = u[down + j] - u[p];
        }
    }
    [gx, gy]
}

/// Dₓᵀh + Dᵧᵀv: the adjoint of [`gradients`] (minus the divergence),
/// h[i, j−1] − h[i, j] + v[i−1, j] − v[i, j].
pub(crate) fn gradients_adjoint(h: &[f64], v: &[f64], (rows, cols): (usize, usize)) -> Vec<f64> {
    let mut out = vec![0.0; h.len()];
    for i in 0..rows {
        let up = ((i + rows - 1) % rows) * cols;
        for j in 0..cols {
            let p = i * cols + j;
            out[p] = h[i * cols + (j + cols - 1) % cols] - h[p] + v[up + j] - v[p];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A whole-pixel translation's spectrum is that of the shifted delta
    /// (rows and columns of both parities), and a fractional one moves a
    /// smooth bump by that fraction: its centre of mass follows to 1e-6.
    #[test]
    fn translations_are_phase_ramps() {
        for (rows, cols) in [(12, 10), (9, 15), (8, 7)] {
            let mut f = Fourier::new(rows, cols).unwrap();
            let delta = f.kernel_spectrum(&[1.0], (1, 1));
            for d in [(1, 0), (0, 1), (2, 3), (rows - 1, cols - 2)] {
                let mut shifted = vec![0.0; rows * cols];
                shifted[d.0 * cols + d.1] = 1.0;
                let want = f.forward(&shifted);
                let ramp = f.translation_spectrum((d.0 as f64, d.1 as f64));
                for ((w, r), z) in want.iter().zip(&ramp).zip(&delta) {
                    assert!((w - r * z).norm() < 1e-10, "{rows}x{cols} shift {d:?}");
                }
            }
        }
        let (rows, cols) = (64, 64);
        let mut f = Fourier::new(rows, cols).unwrap();
        let bump: Vec<f64> = (0..rows * cols)
            .map(|p| {
                let (i, j) = ((p / cols) as f64 - 32.0, (p % cols) as f64 - 32.0);
                (-(i * i + j * j) / 18.0).exp()
            })
            .collect();
        let mut spec = f.forward(&bump);
        let ramp = f.translation_spectrum((0.3, -0.45));
        spec.iter_mut().zip(&ramp).for_each(|(s, r)| *s *= r);
        let moved = f.inverse(spec);
        let mass: f64 = moved.iter().sum();
        let ci = moved
            .iter()
            .enumerate()
            .map(|(p, v)| (p / cols) as f64 * v)
            .sum::<f64>()
            / mass;
        let cj = moved
            .iter()
            .enumerate()
            .map(|(p, v)| (p % cols) as f64 * v)
            .sum::<f64>()
            / mass;
        assert!((ci - 32.3).abs() < 1e-6 && (cj - 31.55).abs() < 1e-6, "{ci} {cj}");
    }
}
