//! Which edges the kernel is read from (XJ10's r-map): an edge narrower
//! than the kernel, or a texture of many small edges, is blurred into
//! something whose sharp version the latent step cannot guess, and it
//! misleads the kernel step; an isolated edge wider than the kernel is
//! where the blur shows cleanly. XJ10 §3.1 measure it on the blurred image:
//!
//! r(p) = ‖Σ_{q ∈ N(p)} ∇y(q)‖ / (Σ_{q ∈ N(p)} ‖∇y(q)‖ + ε),
//!
//! near 1 where the gradients of a window agree in direction (one step
//! edge), near 0 where they cancel (texture, fur, noise).

use super::extend::Frame;
use super::fourier::gradients;

/// XJ10's ε (0.5 on 0–255 images), on the [0, 1] scale.
const EPSILON: f64 = 0.5 / 255.0;

/// The r-map of a cyclic row-major image over square windows of side
/// 2·`half` + 1.
pub(crate) fn r_map(y: &[f64], dims: (usize, usize), half: usize) -> Vec<f64> {
    let [gx, gy] = gradients(y, dims);
    let mag: Vec<f64> = gx.iter().zip(&gy).map(|(a, b)| a.hypot(*b)).collect();
    let (sx, sy, sm) = (
        box_sum(&gx, dims, half),
        box_sum(&gy, dims, half),
        box_sum(&mag, dims, half),
    );
    sx.iter()
        .zip(&sy)
        .zip(&sm)
        .map(|((a, b), m)| a.hypot(*b) / (m + EPSILON))
        .collect()
}

/// The 0/1 mask of the pixels whose gradients the kernel step uses: r ≥
/// `threshold` inside the original image (the extension's gap, where the
/// blur was not the kernel's, is left out).
pub(crate) fn edge_mask(y: &[f64], frame: &Frame, half: usize, threshold: f64) -> Vec<f64> {
    let dims = frame.outer;
    let r = r_map(y, dims, half);
    let (r0, c0) = frame.offset;
    let (rows, cols) = frame.inner;
    let inside = |i: usize, j: usize| i >= r0 && i < r0 + rows && j >= c0 && j < c0 + cols;
    (0..dims.0 * dims.1)
        .map(|p| {
            let (i, j) = (p / dims.1, p % dims.1);
            f64::from(u8::from(inside(i, j) && r[p] >= threshold))
        })
        .collect()
}

/// Cyclic sums over (2h + 1) × (2h + 1) windows, separably by running sums.
fn box_sum(v: &[f64], (rows, cols): (usize, usize), h: usize) -> Vec<f64> {
    let line = |get: &dyn Fn(usize) -> f64, n: usize, out: &mut dyn FnMut(usize, f64)| {
        let w = (2 * h + 1).min(n);
        let lo = |i: usize| (i + n - h % n) % n;
        let mut s: f64 = (0..w).map(|d| get((lo(0) + d) % n)).sum();
        for i in 0..n {
            out(i, s);
            s += get((lo(i) + w) % n) - get(lo(i));
        }
    };
    let mut tmp = vec![0.0; rows * cols];
    for i in 0..rows {
        let row = &v[i * cols..(i + 1) * cols];
        line(&|j| row[j], cols, &mut |j, s| tmp[i * cols + j] = s);
    }
    let mut out = vec![0.0; rows * cols];
    for j in 0..cols {
        line(&|i| tmp[i * cols + j], rows, &mut |i, s| out[i * cols + j] = s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_sums_match_brute_force() {
        let dims = (7, 9);
        let v: Vec<f64> = (0..63).map(|p| ((p * 37) % 11) as f64).collect();
        let s = box_sum(&v, dims, 2);
        for i in 0..7 {
            for j in 0..9 {
                let mut want = 0.0;
                for di in 0..5 {
                    for dj in 0..5 {
                        want += v[((i + 7 + di - 2) % 7) * 9 + (j + 9 + dj - 2) % 9];
                    }
                }
                assert!((s[i * 9 + j] - want).abs() < 1e-9, "{i} {j}");
            }
        }
    }

    /// One straight step edge scores near 1 next to it; a checkerboard
    /// texture of the same contrast scores near 0.
    #[test]
    fn a_step_edge_scores_high_and_a_texture_low() {
        let dims = (32, 32);
        let step: Vec<f64> = (0..1024).map(|p| f64::from(u8::from(p % 32 >= 16))).collect();
        let r = r_map(&step, dims, 2);
        assert!(r[10 * 32 + 15] > 0.95, "{}", r[10 * 32 + 15]);
        let board: Vec<f64> = (0..1024)
            .map(|p| f64::from(u8::from((p / 32 + p % 32) % 2 == 0)))
            .collect();
        let r = r_map(&board, dims, 2);
        assert!(
            r.iter().all(|t| *t < 0.3),
            "{:?}",
            r.iter().copied().fold(0.0, f64::max)
        );
    }
}
