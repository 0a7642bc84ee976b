//! The sparse-gradient block of the blind solve: given the kernel, the
//! latent image whose gradient maps are the sparse activations of ZLK+19
//! eq. 28, one for each gradient field.
//!
//! Eq. 28 lets ∇ₓ and ∇ᵧ carry independent maps x₁, x₂ with ℓ¹ penalties.
//! Here they are the two gradients of one latent image u (x₁ = ∂ₓu,
//! x₂ = ∂ᵧu) and the penalty is ℓ⁰, as in XZJ13 and PHSY14: the ℓ⁰ prior keeps only salient edges, which is what a kernel
//! can be read from, and unlike ℓ¹ it does not prefer the blurred image
//! (LWDF09: blur lowers ‖∇u‖₁ but not ‖∇u‖₀).

use super::fourier::{Fourier, gradients, gradients_adjoint};
use crate::conv::Complex64;

/// Half-quadratic splitting ratio and ceiling of XLXJ11.
const KAPPA: f64 = 2.0;
const BETA_MAX: f64 = 1e5;

/// min_u ‖k ⊛ u − y‖² + λ‖∇u‖₀ by half-quadratic splitting (XLXJ11): with auxiliary gradients w, alternately
/// w = ∇u where |∇u|² ≥ λ/β (else 0) and
/// û = (K̄·Ŷ + β·F[∇ᵀw]) / (|K|² + β(|D̂ₓ|² + |D̂ᵧ|²)),
/// for β = 2λ, 2κλ, … up to 10⁵. `y_hat` is the blurred (extended) image's
/// spectrum, `k_hat` the kernel's; costs two FFTs per β.
pub(crate) fn l0_latent(
    fourier: &mut Fourier,
    y: &[f64],
    y_hat: &[Complex64],
    k_hat: &[Complex64],
    lambda: f64,
) -> Vec<f64> {
    let dims = fourier.dims();
    let lap = fourier.laplacian().to_vec();
    let numerator: Vec<Complex64> = k_hat.iter().zip(y_hat).map(|(k, y)| k.conj() * y).collect();
    let k2: Vec<f64> = k_hat.iter().map(|k| k.norm_sqr()).collect();
    let mut u = y.to_vec();
    let mut beta = 2.0 * lambda;
    while beta < BETA_MAX {
        let [mut h, mut v] = gradients(&u, dims);
        let threshold = lambda / beta;
        for (a, b) in h.iter_mut().zip(v.iter_mut()) {
            if *a * *a + *b * *b < threshold {
                *a = 0.0;
                *b = 0.0;
            }
        }
        let mut spec = fourier.forward(&gradients_adjoint(&h, &v, dims));
        for (i, s) in spec.iter_mut().enumerate() {
            *s = (numerator[i] + beta * *s) / (k2[i] + beta * lap[i]);
        }
        u = fourier.inverse(spec);
        beta *= KAPPA;
    }
    u
}
