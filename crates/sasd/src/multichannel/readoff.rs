//! Reading the kernel and the activations off a solution q of the
//! preconditioned problem (QLZ20 §2), and the
//! cyclic kernel error the recovery is measured with.
//!
//! At a target solution W_i q = C_{y_i}Pq is a shifted, scaled copy of x_i,
//! so h = Pq is an inverse filter of the kernel: a ⊛ h = α·e_ℓ. Hence
//! â = α e^{−2πikℓ/n} / ĥ, i.e. a ∝ s_ℓ[F⁻¹(1 ⊘ (P̂ ⊙ q̂))], read off up to the
//! shift and scale that no method can resolve.

use super::objective::MultichannelObjective;
use crate::conv::{Complex64, Plan, Plan1d};
use crate::error::{Result, SasdError, check_finite};

/// The kernel on the sphere and the activations recovered from a point q.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOff {
    /// The kernel a, ‖a‖ = 1 (length n).
    pub kernel: Vec<f64>,
    /// The inverse filter h = Pq (length n).
    pub inverse_filter: Vec<f64>,
    /// One activation x_i per signal, in the data's units, such that
    /// y_i = a ⊛ x_i exactly: x_i = F⁻¹(ŷ_i ĥ)/c for a = c·F⁻¹(1 ⊘ ĥ).
    pub activations: Vec<Vec<f64>>,
}

/// Reads a = F⁻¹(1 ⊘ (P̂ ⊙ q̂)) (normalised) and x_i off a point q of the
/// sphere. Errors: q of the wrong length or non-finite
/// ([`SasdError::LengthMismatch`], [`SasdError::NonFinite`]), or an inverse
/// filter with a vanishing frequency ([`SasdError::VanishingSpectrum`]: q
/// is far from any solution).
pub fn read_off(objective: &mut MultichannelObjective, q: &[f64]) -> Result<ReadOff> {
    let (n, scale) = (objective.data().n, objective.data().scale);
    crate::error::check_len("q", q, n)?;
    check_finite("q", q)?;
    let mut plan = Plan1d::new(n)?;
    let mut spec = vec![Complex64::new(0.0, 0.0); plan.spectrum_len()];
    plan.forward(q, n, &mut spec);
    spec.iter_mut()
        .zip(&objective.data().precond)
        .for_each(|(c, d)| *c *= *d / n as f64);
    let mut inverse_filter = vec![0.0; n];
    let h_spec = spec.clone();
    plan.inverse(&mut spec, n, &mut inverse_filter);
    let largest = h_spec.iter().fold(0.0_f64, |m, c| m.max(c.norm()));
    if let Some(bin) = h_spec
        .iter()
        .position(|c| !c.norm().is_finite() || c.norm() <= largest * 1e-12)
    {
        return Err(SasdError::VanishingSpectrum { bin });
    }
    // h_spec holds ĥ/n and `inverse` multiplies by n: feed 1/(n·ĥ).
    let mut kernel_spec: Vec<Complex64> = h_spec.iter().map(|c| c.inv() / (n * n) as f64).collect();
    let mut kernel = vec![0.0; n];
    plan.inverse(&mut kernel_spec, n, &mut kernel);
    let norm = kernel.iter().map(|v| v * v).sum::<f64>().sqrt();
    check_finite("kernel", &kernel)?;
    kernel.iter_mut().for_each(|v| *v /= norm);
    // a = c·F⁻¹(1 ⊘ ĥ) with c = 1/‖F⁻¹(1 ⊘ ĥ)‖; z_i = W_i q is in units of
    // y/scale, and x_i = F⁻¹(ŷ_i ĥ)/c = scale · z_i / c.
    let factor = scale * norm;
    let p = objective.data().p;
    let z = objective.preconditioned_outputs(q);
    let activations = z
        .chunks(n)
        .take(p)
        .map(|zi| zi.iter().map(|v| v * factor).collect())
        .collect();
    Ok(ReadOff {
        kernel,
        inverse_filter,
        activations,
    })
}

/// The best cyclic alignment of an estimated kernel onto the true one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CyclicAlignment {
    /// min_{ℓ, ±} 1 − |⟨a0/‖a0‖, s_ℓ\[â\]/‖â‖⟩| ∈ [0, 1]: the error of LQK+20
    /// §5.1 (as [`crate::metrics::kernel_error`]) over the cyclic shifts of
    /// the full-length kernels of QLZ20.
    pub error: f64,
    /// The shift ℓ ∈ [0, n) with â\[(j + ℓ) mod n\] ≈ ±a0\[j\].
    pub shift: usize,
    /// The sign of the match.
    pub negative: bool,
}

/// The cyclic kernel error of two kernels of one length n (QLZ20: the
/// kernels are full length, so the shift ambiguity is cyclic; the linear
/// shifts of [`crate::metrics::kernel_error`] would not see it). Computed
/// by one FFT cross-correlation. Errors: empty, different lengths,
/// non-finite or zero kernels.
pub fn cyclic_kernel_error(a0: &[f64], a_hat: &[f64]) -> Result<CyclicAlignment> {
    let n = a0.len();
    if n == 0 {
        return Err(SasdError::EmptySignal);
    }
    crate::error::check_len("estimated kernel", a_hat, n)?;
    check_finite("true kernel", a0)?;
    check_finite("estimated kernel", a_hat)?;
    let norm = |v: &[f64]| v.iter().map(|t| t * t).sum::<f64>().sqrt();
    let (n0, nh) = (norm(a0), norm(a_hat));
    if n0 == 0.0 || nh == 0.0 {
        return Err(SasdError::NoSignal);
    }
    let mut plan = Plan1d::new(n)?;
    let bins = plan.spectrum_len();
    let (mut s0, mut sh) = (
        vec![Complex64::new(0.0, 0.0); bins],
        vec![Complex64::new(0.0, 0.0); bins],
    );
    plan.forward(a0, n, &mut s0);
    plan.forward(a_hat, n, &mut sh);
    // c[ℓ] = Σ_j a0[j] â[j + ℓ]: spectrum conj(â0)·â.
    let scale = 1.0 / (n as f64 * n0 * nh);
    let mut cross: Vec<Complex64> = s0.iter().zip(&sh).map(|(u, v)| u.conj() * v * scale).collect();
    let mut c = vec![0.0; n];
    plan.inverse(&mut cross, n, &mut c);
    let (shift, best) =
        c.iter().copied().enumerate().fold(
            (0, 0.0_f64),
            |b, (l, v)| if v.abs() > b.1.abs() { (l, v) } else { b },
        );
    Ok(CyclicAlignment {
        error: (1.0 - best.abs()).clamp(0.0, 1.0),
        shift,
        negative: best < 0.0,
    })
}
