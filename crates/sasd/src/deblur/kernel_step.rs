//! The kernel block of the blind solve (CL09 solve it in the Fourier
//! domain without the support; here it is exact on the support): ZLK+19 eq. 28's least squares in the
//! kernel for fixed gradient maps, min_a Σ_s ½‖∇_s y − a ⊛ x_s‖², solved
//! exactly on the k₁ × k₂ support with a ≥ 0 (the orthant of eq. 28).
//!
//! Where this departs from eq. 28: the sphere ‖a‖₂ = 1 is replaced by a
//! small ridge γ‖a‖² and the kernel is rescaled to Σa = 1 afterwards (a blur
//! keeps the mean intensity); with x fixed the scale is free anyway, and the
//! ridge keeps the normal equations well posed when an edge direction is
//! missing. The normal equations are built from FFT correlations:
//! Q[τ, τ'] = Σ_s R_s[τ' − τ] (autocorrelation of x_s) and
//! b[τ] = Σ_s (x_s ⋆ ∇_s y)[τ], then solved by projected FISTA on a ≥ 0
//! (step 1/L, L = max_ω Σ_s|X̂_s(ω)|² + γ ≥ ‖Q + γI‖).

use super::fourier::{Fourier, gradients};
use crate::conv::Complex64;

/// FISTA iterations of the non-negative least squares.
const ITERATIONS: usize = 300;

/// The non-negative kernel (row-major `k₁ × k₂`, centred) that best maps the
/// gradients of `latent` to those of `blurred` (both extended images of the
/// `fourier` size), ridge `gamma` relative to Σ_s‖x_s‖², started from `warm`.
/// With a `mask` (0/1 per pixel), only the latent gradients where it is 1
/// enter (XJ10's selected edges ∇S; the blurred gradients stay whole).
pub(crate) fn estimate_kernel(
    fourier: &mut Fourier,
    latent: &[f64],
    blurred: &[f64],
    (k1, k2): (usize, usize),
    gamma: f64,
    warm: &[f64],
    mask: Option<&[f64]>,
) -> Vec<f64> {
    let dims = fourier.dims();
    let [mut lx, mut ly] = gradients(latent, dims);
    if let Some(m) = mask {
        for ((a, b), w) in lx.iter_mut().zip(ly.iter_mut()).zip(m) {
            *a *= w;
            *b *= w;
        }
    }
    let [bx, by] = gradients(blurred, dims);
    let (lx, ly) = (fourier.forward(&lx), fourier.forward(&ly));
    let (bx, by) = (fourier.forward(&bx), fourier.forward(&by));
    let mut power = vec![Complex64::default(); lx.len()];
    let mut cross = vec![Complex64::default(); lx.len()];
    let mut lip: f64 = 0.0;
    for i in 0..lx.len() {
        let p = lx[i].norm_sqr() + ly[i].norm_sqr();
        lip = lip.max(p);
        power[i] = Complex64::new(p, 0.0);
        cross[i] = lx[i].conj() * bx[i] + ly[i].conj() * by[i];
    }
    let auto = fourier.inverse(power);
    let cross = fourier.inverse(cross);
    let (rows, cols) = dims;
    let ridge = gamma * auto[0];
    let b = fourier.centred_window(&cross, (k1, k2));
    let n = k1 * k2;
    // Q[(a, c), (a', c')] = R[a' − a, c' − c] (cyclic lags).
    let mut q = vec![0.0; n * n];
    for a in 0..k1 {
        for c in 0..k2 {
            let row = &mut q[(a * k2 + c) * n..(a * k2 + c + 1) * n];
            for a2 in 0..k1 {
                let di = (a2 + rows - a) % rows;
                for c2 in 0..k2 {
                    let dj = (c2 + cols - c) % cols;
                    row[a2 * k2 + c2] = auto[di * cols + dj];
                }
            }
            row[a * k2 + c] += ridge;
        }
    }
    let step = 1.0 / (lip + ridge);
    nonnegative_least_squares(&q, &b, warm, step)
}

/// argmin_{a ≥ 0} ½aᵀQa − bᵀa by FISTA with projection, from `warm` scaled
/// to the best multiple along itself.
fn nonnegative_least_squares(q: &[f64], b: &[f64], warm: &[f64], step: f64) -> Vec<f64> {
    let n = b.len();
    let apply = |v: &[f64], out: &mut [f64]| {
        for (i, o) in out.iter_mut().enumerate() {
            *o = q[i * n..(i + 1) * n].iter().zip(v).map(|(a, b)| a * b).sum();
        }
    };
    let mut qa = vec![0.0; n];
    apply(warm, &mut qa);
    let (num, den) = (
        warm.iter().zip(b).map(|(a, b)| a * b).sum::<f64>(),
        warm.iter().zip(&qa).map(|(a, b)| a * b).sum::<f64>(),
    );
    let scale = if den > 0.0 && num > 0.0 { num / den } else { 1.0 };
    let mut a: Vec<f64> = warm.iter().map(|t| t * scale).collect();
    let mut z = a.clone();
    let mut t = 1.0f64;
    let mut grad = vec![0.0; n];
    for _ in 0..ITERATIONS {
        apply(&z, &mut grad);
        let prev = a.clone();
        for i in 0..n {
            a[i] = (z[i] - step * (grad[i] - b[i])).max(0.0);
        }
        let t1 = (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0;
        for i in 0..n {
            z[i] = a[i] + (t - 1.0) / t1 * (a[i] - prev[i]);
        }
        t = t1;
    }
    a
}

/// The kernel's final form: entries below `floor` × the largest set to 0,
/// every 8-connected piece but the heaviest removed (a camera path is one
/// connected curve and a defocus or Gaussian blur one blob; PHSY14 prune
/// small pieces, and on a periodic texture such as a brick wall a second
/// copy of the kernel one period away fits the data as well: keeping it
/// cost brick × Gaussian at 512² 11 dB), then
/// Σ = 1 (the projection of ZLK+19's non-negative sphere point onto the
/// simplex a blur lives on). `None` when nothing positive remains.
pub(crate) fn clean_kernel(k: &mut [f64], (k1, k2): (usize, usize), floor: f64) -> Option<()> {
    let max = k.iter().copied().fold(0.0, f64::max);
    if max <= 0.0 || !max.is_finite() {
        return None;
    }
    k.iter_mut().for_each(|t| {
        if *t < floor * max {
            *t = 0.0;
        }
    });
    let mut label = vec![usize::MAX; k.len()];
    let mut pieces: Vec<(Vec<usize>, f64)> = Vec::new();
    for seed in 0..k.len() {
        if k[seed] <= 0.0 || label[seed] != usize::MAX {
            continue;
        }
        let (mut stack, mut members) = (vec![seed], Vec::new());
        label[seed] = seed;
        while let Some(p) = stack.pop() {
            members.push(p);
            let (i, j) = (p / k2, p % k2);
            for di in -1isize..=1 {
                for dj in -1isize..=1 {
                    let (a, b) = (i as isize + di, j as isize + dj);
                    if a < 0 || b < 0 || a >= k1 as isize || b >= k2 as isize {
                        continue;
                    }
                    let q = a as usize * k2 + b as usize;
                    if k[q] > 0.0 && label[q] == usize::MAX {
                        label[q] = seed;
                        stack.push(q);
                    }
                }
            }
        }
        let mass = members.iter().map(|&p| k[p]).sum::<f64>();
        pieces.push((members, mass));
    }
    let largest = pieces.iter().map(|p| p.1).fold(0.0, f64::max);
    for (members, mass) in &pieces {
        if *mass < largest {
            members.iter().for_each(|&p| k[p] = 0.0);
        }
    }
    let sum: f64 = k.iter().sum();
    if sum <= 0.0 {
        return None;
    }
    k.iter_mut().for_each(|t| *t /= sum);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deblur::blur::{Edges, blur_image};

    /// With the sharp image as the latent one and a cyclic, noiseless blur,
    /// the kernel block returns the kernel (the normal equations are exact).
    #[test]
    fn the_kernel_block_is_exact_on_cyclic_data() {
        let (rows, cols) = (40, 48);
        let img: Vec<f64> = (0..rows * cols)
            .map(|p| {
                let (i, j) = ((p / cols) as f64, (p % cols) as f64);
                f64::from(u8::from((i - 20.0).powi(2) + (j - 22.0).powi(2) < 90.0))
                    + 0.4 * f64::from(u8::from(j > 30.0 + 0.3 * i))
            })
            .collect();
        let truth = [0.0, 0.1, 0.0, 0.2, 0.3, 0.1, 0.0, 0.25, 0.05];
        let y = blur_image(&img, (rows, cols), &truth, (3, 3), Edges::Cyclic).unwrap();
        let mut fourier = Fourier::new(rows, cols).unwrap();
        let k = estimate_kernel(&mut fourier, &img, &y, (3, 3), 1e-12, &[1.0 / 9.0; 9], None);
        for (a, b) in k.iter().zip(&truth) {
            assert!((a - b).abs() < 1e-4, "{k:?}");
        }
        // 0.01 is below 5 % of the largest; (0.2, 0.2) is a second piece
        // holding 42 % of the mass, lighter than (0.3, 0.25): removed.
        let mut noisy = vec![0.3, 0.25, 0.0, 0.2, 0.2, 0.01, 0.0];
        clean_kernel(&mut noisy, (1, 7), 0.05).unwrap();
        let want = [0.3 / 0.55, 0.25 / 0.55, 0.0, 0.0, 0.0, 0.0, 0.0];
        assert!(
            noisy.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12),
            "{noisy:?}"
        );
        // Diagonal neighbours are one piece.
        let mut diagonal = vec![0.5, 0.0, 0.0, 0.5];
        clean_kernel(&mut diagonal, (2, 2), 0.05).unwrap();
        assert_eq!(diagonal, [0.5, 0.0, 0.0, 0.5]);
        assert!(clean_kernel(&mut [0.0; 4], (2, 2), 0.05).is_none());
    }
}
