//! Shift correction (LQK+20 App. B.3): from the lifted kernel on
//! S^{n−1}, n = 3n₀ − 2 (per axis in 2-D), back to a kernel of the true size
//! n₀, with the activation shifted the opposite way.

use super::plan::GridPlan;
use crate::conv::{Complex64, parseval_norm_sq};
use crate::error::Result;
use crate::geometry::{Grid, at};

/// How the length-n₀ kernel is cut out of the lifted one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShiftCorrection {
    /// The length-n₀ window (n₁×n₂ patch) of largest ℓ² (Frobenius) norm
    /// (LQK+20 App. B.3). The default.
    #[default]
    MaxEnergy,
    /// Algorithm 8 (LQK+20 App. B.3): the window whose truncated kernel,
    /// convolved with the activation shifted to match, reconstructs y best,
    /// argmin_i ‖ι_{n→n₀}s_{−i}[a⋆] ⊛ s_i[x⋆] + b·1 − y‖₂ ("more reliable"
    /// under heavy noise). Per kernel, with the other kernels of a CDL run
    /// held at their lifted values; the candidates are the 2n₀ − 1 windows
    /// that lie inside the lifted kernel ((2n₁ − 1)(2n₂ − 1) in 2-D). One FFT
    /// per candidate, plus 1 + 2N.
    ReconstructionError,
}

/// Algorithm 8: for each kernel k (a block of `lifted` on `lgrid`, with its
/// activation the block k of `x` on `grid`), the window start minimising
/// ‖Σ_{j≠k} a_j ⊛ x_j + (a_k restricted to the window) ⊛ x_k + b − y‖²,
/// evaluated in the Fourier domain by Parseval. Shifting both the window and
/// x_k (as Alg. 8 writes it) leaves this product unchanged, so the kernel is
/// masked in place.
pub(crate) fn reconstruction_starts<P: GridPlan>(
    y: &[f64],
    grid: Grid,
    bias: f64,
    lifted: &[f64],
    lgrid: Grid,
    x: &[f64],
    kgrid: Grid,
) -> Result<Vec<Grid>> {
    let mut plan = P::for_grid(grid)?;
    let (sig, ker) = (P::shape_of(grid), P::shape_of(lgrid));
    let (m, n) = (grid.0 * grid.1, lgrid.0 * lgrid.1);
    let s = plan.spectrum_len();
    let spectrum = |plan: &mut P, v: &[f64], shape| {
        let mut out = vec![Complex64::default(); s];
        plan.forward(v, shape, &mut out);
        out
    };
    let target: Vec<f64> = y.iter().map(|t| t - bias).collect();
    let y_hat = spectrum(&mut plan, &target, sig);
    let a_hat: Vec<_> = lifted
        .chunks_exact(n)
        .map(|a| spectrum(&mut plan, a, ker))
        .collect();
    let x_hat: Vec<_> = x.chunks_exact(m).map(|v| spectrum(&mut plan, v, sig)).collect();
    let (lr, lc) = lgrid;
    let (kr, kc) = kgrid;
    let mut starts = Vec::with_capacity(a_hat.len());
    let (mut masked, mut m_hat, mut resid) = (
        vec![0.0; n],
        vec![Complex64::default(); s],
        vec![Complex64::default(); s],
    );
    for k in 0..a_hat.len() {
        // Ŷ − Σ_{j≠k} Â_j X̂_j: what kernel k must explain.
        let mut base = y_hat.clone();
        for (j, (aj, xj)) in a_hat.iter().zip(&x_hat).enumerate() {
            if j != k {
                base.iter_mut()
                    .zip(aj.iter().zip(xj))
                    .for_each(|(b, (a, x))| *b -= a * x);
            }
        }
        let block = &lifted[k * n..(k + 1) * n];
        let mut best = ((0, 0), f64::INFINITY);
        for sc in 0..=lc - kc {
            for sr in 0..=lr - kr {
                masked.iter_mut().for_each(|t| *t = 0.0);
                for j in 0..kc {
                    for i in 0..kr {
                        let idx = at(lr, sr + i, sc + j);
                        masked[idx] = block[idx];
                    }
                }
                plan.forward(&masked, ker, &mut m_hat);
                resid
                    .iter_mut()
                    .zip(m_hat.iter().zip(&x_hat[k]).zip(&base))
                    .for_each(|(r, ((a, x), b))| *r = a * x - b);
                let err = parseval_norm_sq(&plan, &resid);
                if err < best.1 {
                    best = ((sr, sc), err);
                }
            }
        }
        starts.push(best.0);
    }
    Ok(starts)
}
