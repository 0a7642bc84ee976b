//! Non-blind deblurring: the sharp image from a known kernel.

use super::gradient::{Axis, check_image};
use crate::conv::{Complex64, Plan, Plan2d};
use crate::error::{Result, SasdError, check_at_least, check_finite, check_len};

/// The sharp image x̂ of a cyclically blurred row-major `rows × cols` image y
/// for a known non-negative kernel k (row-major `k_rows × k_cols`, anchored
/// at the origin as in y = k ⊛ x):
///
/// x̂ = argmin_x ½‖k̄ ⊛ x − y‖² + (μ/2)(‖∇ₓx‖² + ‖∇ᵧx‖²),
/// X̂ = conj(K̄)·Ŷ / (|K̄|² + μ(|D̂ₓ|² + |D̂ᵧ|²))
///
/// with k̄ = k/Σk (a blur keeps the mean intensity, so x̂ has y's scale
/// whatever the norm of k: the unit-Frobenius kernels of ZLK+19 eq. 28
/// included), ∇ the cyclic differences of [`image_gradients`](super::image_gradients)
/// and D̂ their transfer functions. This is Tikhonov (Wiener) deconvolution
/// with a Gaussian prior on the image gradients, the quadratic stand-in for
/// the heavy-tailed gradient prior of the non-blind step ZLK+19 §5.3
/// borrows from Krishnan & Fergus 2009; it is exact for the cyclic model and costs five
/// FFTs. The denominator is at least min(1, μ·min_{ω≠0}|D̂(ω)|²) > 0 (at
/// ω = 0, K̄ = 1 and D̂ = 0), so x̂ is always finite. A kernel cut from a
/// shifted window restores the image shifted by the same amount (cyclically).
///
/// Errors: a bad image (empty, shape, non-finite), a kernel of the wrong
/// length or larger than the image, non-finite or with Σk ≤ 0, μ not
/// finite and > 0.
pub fn deconvolve_tikhonov(
    blurred: &[f64],
    (rows, cols): (usize, usize),
    kernel: &[f64],
    (k_rows, k_cols): (usize, usize),
    mu: f64,
) -> Result<Vec<f64>> {
    check_image(blurred, rows, cols)?;
    check_len("kernel", kernel, k_rows * k_cols)?;
    check_finite("kernel", kernel)?;
    for (axis, (k, m)) in [(k_rows, rows), (k_cols, cols)].into_iter().enumerate() {
        if k == 0 || k > m {
            return Err(SasdError::KernelTooLong {
                kernel: k,
                signal: m,
                axis,
            });
        }
    }
    let sum: f64 = kernel.iter().sum();
    check_at_least("kernel sum", sum, f64::MIN_POSITIVE)?;
    check_at_least("mu", mu, f64::MIN_POSITIVE)?;
    // Row-major r×c is column-major c×r: the engine grid is (cols, rows).
    let grid = (cols, rows);
    let mut plan = Plan2d::new(grid)?;
    let s = plan.spectrum_len();
    let spectrum = |plan: &mut Plan2d, v: &[f64], shape| {
        let mut out = vec![Complex64::default(); s];
        plan.forward(v, shape, &mut out);
        out
    };
    let unit: Vec<f64> = kernel.iter().map(|t| t / sum).collect();
    let k_hat = spectrum(&mut plan, &unit, (k_cols, k_rows));
    let mut y_hat = spectrum(&mut plan, blurred, grid);
    let d_hat = [Axis::X, Axis::Y].map(|axis| spectrum(&mut plan, &stencil(axis, rows, cols), grid));
    let scale = 1.0 / (rows * cols) as f64;
    for (i, y) in y_hat.iter_mut().enumerate() {
        let (k, dx, dy) = (k_hat[i], d_hat[0][i], d_hat[1][i]);
        let denominator = k.norm_sqr() + mu * (dx.norm_sqr() + dy.norm_sqr());
        *y = k.conj() * *y * (scale / denominator);
    }
    let mut out = vec![0.0; rows * cols];
    plan.inverse(&mut y_hat, grid, &mut out);
    Ok(out)
}

/// The difference along `axis` as a row-major image d (∇y = d ⊛ y):
/// +1 at −offset (cyclically), −1 at the origin.
fn stencil(axis: Axis, rows: usize, cols: usize) -> Vec<f64> {
    let (di, dj) = axis.offset();
    let mut d = vec![0.0; rows * cols];
    d[((rows - di) % rows) * cols + (cols - dj) % cols] += 1.0;
    d[0] -= 1.0;
    d
}
