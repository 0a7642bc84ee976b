//! The default λ of each method, and the noise level it may depend on.

use super::MethodSpec;
use crate::geometry::Grid;
use crate::second_order::DEFAULT_LAMBDA;

/// σ̂ = median |y_{i+1} − y_i| / (0.6745·√2): a robust noise level of a
/// signal whose clean part is smooth at the sampling rate (for white noise
/// of level σ the differences have level σ√2, and 0.6745 is the median of
/// |N(0, 1)|). The differences are taken along each run of `run` contiguous
/// samples (a whole 1-D signal, or each row of a row-major image), never
/// across the end of one run and the start of the next. 0 when there are
/// no differences.
///
/// The estimate is only meaningful for smooth kernels (calcium transients,
/// blurs, point-spread functions): for a random kernel the clean signal
/// itself jumps from sample to sample and σ̂ measures the signal, not the
/// noise.
pub fn noise_level(y: &[f64], run: usize) -> f64 {
    let run = run.max(1);
    let mut d: Vec<f64> = y
        .chunks(run)
        .flat_map(|r| r.windows(2).map(|w| (w[1] - w[0]).abs()))
        .collect();
    if d.is_empty() {
        return 0.0;
    }
    let mid = d.len() / 2;
    let (_, median, _) = d.select_nth_unstable_by(mid, f64::total_cmp);
    *median / (0.6745 * std::f64::consts::SQRT_2)
}

/// The λ a run of `method` uses when the caller gives none (for a homotopy,
/// its target λ*; for the two-stage algorithm, its λ_min), for a lifted
/// kernel of n entries and the signal y on `grid`:
///
/// * ADM, iADM, iPALM, the homotopies and the two-stage algorithm:
///   λ* = 0.1/√n (LQK+20 §4.2.2), the λ of noiseless data;
/// * the reweighted methods, made for noisy data: max(0.1/√n, 2σ̂), with σ̂
///   the [`noise_level`] of y along its contiguous axis. At λ ≪ σ the
///   activation fits the noise (LQK+20 §6.1.1's calcium trace at
///   0.1/√n ≈ 6e-3: kernel error 0.15–0.44, spike F1 0.1–0.3); 2σ̂ ≈ 0.1
///   there, the λ of §6.1.1, and recovers 10 of 10 seeds with the homotopy
///   start (tests/calcium.rs);
/// * trust region and curvilinear search at a fixed λ on a smoothed
///   objective: [`DEFAULT_LAMBDA`] = 0.1 (see its documentation).
pub(super) fn default_lambda(method: &MethodSpec, n: usize, y: &[f64], grid: Grid) -> f64 {
    let lambda_star = 0.1 / (n as f64).sqrt();
    match method {
        MethodSpec::Reweighted(_) | MethodSpec::HomotopyReweighted(..) => {
            lambda_star.max(2.0 * noise_level(y, grid.0))
        }
        MethodSpec::SecondOrder(_) => DEFAULT_LAMBDA,
        _ => lambda_star,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_level_of_white_noise_and_of_a_smooth_ramp() {
        use rand::SeedableRng;
        use rand_distr::{Distribution, Normal};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let normal = Normal::new(0.0, 0.05).unwrap();
        // A slow ramp plus noise of level 0.05: the ramp adds 1e-4 per step.
        let y: Vec<f64> = (0..20_000)
            .map(|i| 1e-4 * i as f64 + normal.sample(&mut rng))
            .collect();
        let sigma = noise_level(&y, y.len());
        assert!((sigma - 0.05).abs() < 2e-3, "σ̂ = {sigma}");
        // Runs: a staircase read as rows of one sample has no differences;
        // read as one run, every difference is 10.
        let steps: Vec<f64> = (0..100).map(|r| r as f64 * 10.0).collect();
        assert_eq!(noise_level(&steps, 1), 0.0);
        let expected = 10.0 / (0.6745 * std::f64::consts::SQRT_2);
        assert!((noise_level(&steps, steps.len()) - expected).abs() < 1e-12);
        assert_eq!(noise_level(&[1.0], 1), 0.0);
    }
}
