//! Non-blind restoration with a hyper-Laplacian gradient prior (KF09):
//! min_u (λ/2)‖k ⊛ u − y‖² + Σ_p |∂ₓu(p)|^α + |∂ᵧu(p)|^α, α = 2/3, by
//! half-quadratic splitting in the Fourier domain. The image is first
//! extended to a smooth periodic one ([`Frame`]) so the cyclic solve rings
//! neither at the borders nor across them.

use super::extend::Frame;
use super::fourier::{Fourier, gradients, gradients_adjoint};
use crate::error::Result;

/// The prior's exponent (KF09 §5: α = 2/3 fits natural images' gradients).
const ALPHA: f64 = 2.0 / 3.0;
/// KF09's continuation: β from 1 to 256 by factors of 2√2.
const BETA0: f64 = 1.0;
const BETA_MAX: f64 = 256.0;
const BETA_RATE: f64 = 2.0 * std::f64::consts::SQRT_2;
/// Points of the w-lookup table per unit of |v|, and its range.
const LUT_STEP: f64 = 1e-3;
const LUT_MAX: f64 = 4.0;

/// The sharp image from a known kernel: KF09's HQS with
/// w = argmin |w|^α + (β/2)(w − ∂u)² (a lookup table per β) and
/// û = (λK̄Ŷ + βF[∇ᵀw]) / (λ|K̂|² + β(|D̂ₓ|² + |D̂ᵧ|²)).
/// `weight` is λ; larger trusts the data more (less noise). The kernel's
/// origin is `origin` pixels (any reals) from its centre tap (k₁/2, k₂/2):
/// (0, 0) restores the image in the frame of that tap, the kernel's centre
/// of mass in the frame of the blurred image's features.
pub(crate) fn hyper_laplacian(
    blurred: &[f64],
    dims: (usize, usize),
    kernel: &[f64],
    kdims: (usize, usize),
    origin: (f64, f64),
    weight: f64,
) -> Result<Vec<f64>> {
    let frame = Frame::new(dims, kdims.0.max(kdims.1) * 2);
    let y = frame.extend(blurred);
    let mut fourier = Fourier::new(frame.outer.0, frame.outer.1)?;
    let big = fourier.dims();
    let mut k_hat = fourier.kernel_spectrum(kernel, kdims);
    if origin != (0.0, 0.0) {
        let back = fourier.translation_spectrum((-origin.0, -origin.1));
        k_hat.iter_mut().zip(&back).for_each(|(k, t)| *k *= t);
    }
    let y_hat = fourier.forward(&y);
    let lap = fourier.laplacian().to_vec();
    let numerator: Vec<_> = k_hat
        .iter()
        .zip(&y_hat)
        .map(|(k, y)| weight * k.conj() * y)
        .collect();
    let k2: Vec<f64> = k_hat.iter().map(|k| weight * k.norm_sqr()).collect();
    let mut u = y.clone();
    let mut beta = BETA0;
    while beta <= BETA_MAX * 1.0001 {
        let table = Shrinkage::new(beta);
        let [mut h, mut v] = gradients(&u, big);
        h.iter_mut()
            .chain(v.iter_mut())
            .for_each(|t| *t = table.apply(*t));
        let mut spec = fourier.forward(&gradients_adjoint(&h, &v, big));
        for (i, s) in spec.iter_mut().enumerate() {
            *s = (numerator[i] + beta * *s) / (k2[i] + beta * lap[i]);
        }
        u = fourier.inverse(spec);
        beta *= BETA_RATE;
    }
    Ok(frame.crop(&u))
}

/// w*(v) = argmin_w |w|^α + (β/2)(w − v)², tabulated on |v| ≤ `LUT_MAX`
/// and interpolated linearly (KF09 §4 uses a table too); exact beyond.
struct Shrinkage {
    beta: f64,
    table: Vec<f64>,
}

impl Shrinkage {
    fn new(beta: f64) -> Self {
        let n = (LUT_MAX / LUT_STEP) as usize + 1;
        let table = (0..n).map(|i| shrink(i as f64 * LUT_STEP, beta)).collect();
        Self { beta, table }
    }

    fn apply(&self, v: f64) -> f64 {
        let a = v.abs();
        let x = a / LUT_STEP;
        let i = x as usize;
        let w = if i + 1 < self.table.len() {
            let f = x - i as f64;
            self.table[i] * (1.0 - f) + self.table[i + 1] * f
        } else {
            shrink(a, self.beta)
        };
        w.copysign(v)
    }
}

/// The minimiser for v ≥ 0: 0 or the root of α w^{α−1} + β(w − v) = 0 on
/// the convex branch w ≥ w₀ = (α(1 − α)/β)^{1/(2 − α)}, by bisection,
/// whichever costs less.
fn shrink(v: f64, beta: f64) -> f64 {
    let cost = |w: f64| w.powf(ALPHA) + 0.5 * beta * (w - v) * (w - v);
    let w0 = (ALPHA * (1.0 - ALPHA) / beta).powf(1.0 / (2.0 - ALPHA));
    if v <= w0 {
        return 0.0;
    }
    let slope = |w: f64| ALPHA * w.powf(ALPHA - 1.0) + beta * (w - v);
    if slope(w0) > 0.0 {
        // Increasing on the whole convex branch: no interior minimum there.
        return 0.0;
    }
    let (mut lo, mut hi) = (w0, v);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if slope(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let w = 0.5 * (lo + hi);
    if cost(w) < cost(0.0) { w } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The w-step against a brute-force search, and the table against it.
    #[test]
    fn shrinkage_minimises_the_splitting_cost() {
        for beta in [1.0, 8.0, 256.0] {
            let table = Shrinkage::new(beta);
            for v in [-2.0, -0.3, 0.0, 0.05, 0.2, 0.7, 1.5, 5.0] {
                let cost = |w: f64| w.abs().powf(ALPHA) + 0.5 * beta * (w - v) * (w - v);
                let brute = (0..=40_000)
                    .map(|i| -6.0 + 12.0 * f64::from(i) / 40_000.0)
                    .fold(0.0, |b, w| if cost(w) < cost(b) { w } else { b });
                let w = shrink(v.abs(), beta).copysign(v);
                assert!(
                    cost(w) <= cost(brute) + 1e-9,
                    "beta {beta}, v {v}: {w} vs {brute}"
                );
                assert!((table.apply(v) - w).abs() < 1e-2, "table at {v}");
            }
        }
    }
}
