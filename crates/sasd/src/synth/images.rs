//! Test images and blur kernels for blind deblurring (ZLK+19 §4.1, §5.3):
//! a piecewise-constant "cartoon" whose gradients are sparse (the prior
//! behind eq. 27), and a camera-shake motion line. Images and kernels are
//! row-major.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{Result, SynthError, check_param};

/// A piecewise-constant `rows × cols` image: `shapes` random axis-aligned
/// rectangles and ellipses (alternately; sides 8–30 px, so edges run in
/// every direction), each of a uniform grey level in [0, 1), painted over a
/// background of 0.3, from `seed`. Its gradients are non-zero only on the
/// shapes' outlines: the sparse signals of ZLK+19 eq. 27.
pub fn cartoon_image(rows: usize, cols: usize, shapes: usize, seed: u64) -> Result<Vec<f64>> {
    if rows == 0 || cols == 0 {
        return Err(SynthError::EmptyShape { what: "image" });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut img = vec![0.3; rows * cols];
    for s in 0..shapes {
        let v: f64 = rng.random_range(0.0..1.0);
        let (ci, cj) = (rng.random_range(0..rows) as f64, rng.random_range(0..cols) as f64);
        let (h, w): (f64, f64) = (rng.random_range(8.0..30.0), rng.random_range(8.0..30.0));
        for i in 0..rows {
            for j in 0..cols {
                let (di, dj) = (i as f64 - ci, j as f64 - cj);
                let inside = if s % 2 == 0 {
                    di.abs() <= h / 2.0 && dj.abs() <= w / 2.0
                } else {
                    (di / h).powi(2) + (dj / w).powi(2) <= 0.25
                };
                if inside {
                    img[i * cols + j] = v;
                }
            }
        }
    }
    Ok(img)
}

/// A `k × k` motion-blur kernel: the segment from `from` to `to` ((row,
/// col), in pixels, both inside [0, k − 1]²) sampled at 201 points and
/// splatted bilinearly; non-negative, summing to 1 (the camera's path during
/// the exposure).
pub fn motion_blur_kernel(k: usize, from: (f64, f64), to: (f64, f64)) -> Result<Vec<f64>> {
    if k == 0 {
        return Err(SynthError::EmptyShape {
            what: "motion kernel",
        });
    }
    let last = (k - 1) as f64;
    for v in [from.0, from.1, to.0, to.1] {
        check_param(
            "motion endpoint",
            v,
            (0.0..=last).contains(&v),
            "must lie in [0, k - 1]",
        )?;
    }
    let mut a = vec![0.0; k * k];
    for t in 0..=200 {
        let s = f64::from(t) / 200.0;
        let (r, c) = (from.0 + s * (to.0 - from.0), from.1 + s * (to.1 - from.1));
        let (r0, c0) = (r.floor() as usize, c.floor() as usize);
        let (fr, fc) = (r - r0 as f64, c - c0 as f64);
        for (dr, wr) in [(0, 1.0 - fr), (1, fr)] {
            for (dc, wc) in [(0, 1.0 - fc), (1, fc)] {
                // On the last row or column the far weight is 0: skip it
                // rather than index past the grid.
                if wr * wc > 0.0 {
                    a[(r0 + dr) * k + c0 + dc] += wr * wc;
                }
            }
        }
    }
    let sum: f64 = a.iter().sum();
    Ok(a.iter().map(|t| t / sum).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_motion_line_sums_to_one_and_stays_on_its_segment() {
        let a = motion_blur_kernel(9, (4.0, 0.0), (4.0, 8.0)).unwrap();
        assert!((a.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!(a.iter().enumerate().all(|(i, &t)| (i / 9 == 4) == (t > 0.0)));
        // Endpoints on the last row and column are fine.
        let corner = motion_blur_kernel(5, (4.0, 4.0), (0.0, 0.0)).unwrap();
        assert!(corner[24] > 0.0 && corner[0] > 0.0);
        assert!(motion_blur_kernel(5, (0.0, 0.0), (5.0, 1.0)).is_err());
        assert!(motion_blur_kernel(0, (0.0, 0.0), (0.0, 0.0)).is_err());
    }

    #[test]
    fn a_cartoon_is_piecewise_constant() {
        let img = cartoon_image(64, 48, 10, 3).unwrap();
        assert_eq!(img.len(), 64 * 48);
        let jumps = img.windows(2).filter(|w| w[0] != w[1]).count();
        assert!(jumps > 0 && jumps < img.len() / 5, "{jumps} jumps");
        assert!(cartoon_image(0, 5, 1, 0).is_err());
    }
}
