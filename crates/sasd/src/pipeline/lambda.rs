//! The default λ of each method, and the noise level it may depend on.

use super::MethodSpec;
use crate::conv::Boundary;
use crate::geometry::Grid;
use crate::second_order::DEFAULT_LAMBDA;

/// σ̂, the level of white noise in y, read where y is quietest: y's
/// samples are paired, (y₂ⱼ, y₂ⱼ₊₁), along each run of `run` contiguous
/// samples (a whole 1-D signal, or each row of a row-major image); each
/// pair's half squared difference ½(y₂ⱼ₊₁ − y₂ⱼ)² has mean σ² on noise and
/// cancels a constant or slow baseline; their means over sliding windows
/// of W = 8 pairs are σ²·χ²_W/W on noise alone; σ̂² is their 1 % quantile
/// divided by that of χ²_W/W (Wilson–Hilferty). The quietest 1 % of a
/// sparse recording lies between its events, where y is baseline and
/// noise only, so σ̂ reads the noise whatever the kernel: it is 0 on the
/// noiseless §5.2 instance (where a random kernel's clean signal jumps
/// like noise and the median first difference reads 0.17), 0.050 on an
/// AR(2) trace with σ = 0.05, 0.0137 mV on the real ECG
/// ([`crate::datasets::ecg`]). It reads high when fewer than 1 % of the
/// windows are quiet (dense activations: 0.097 on a random-kernel trace
/// with σ = 0.05 whose spikes cover 96 % of the samples). Runs too short
/// for a window fall back to the median first difference,
/// median |y_{i+1} − y_i| / (0.6745·√2). 0 when there are no pairs.
pub fn noise_level(y: &[f64], run: usize) -> f64 {
    const W: usize = 8;
    const P: f64 = 0.01;
    /// z of the 1 % quantile of N(0, 1).
    const Z: f64 = -2.326_347_874;
    let run = run.max(1);
    let mut windows = Vec::new();
    for r in y.chunks(run) {
        let halves: Vec<f64> = r.chunks_exact(2).map(|p| 0.5 * (p[1] - p[0]).powi(2)).collect();
        if halves.len() < W {
            continue;
        }
        let mut sum: f64 = halves[..W].iter().sum();
        windows.push(sum / W as f64);
        for j in W..halves.len() {
            sum += halves[j] - halves[j - W];
            windows.push(sum.max(0.0) / W as f64);
        }
    }
    if windows.is_empty() {
        return median_difference(y, run);
    }
    let k = ((P * windows.len() as f64) as usize).min(windows.len() - 1);
    let (_, low, _) = windows.select_nth_unstable_by(k, f64::total_cmp);
    let w = W as f64;
    let chi2_quantile = (1.0 - 2.0 / (9.0 * w) + Z * (2.0 / (9.0 * w)).sqrt()).powi(3);
    (*low / chi2_quantile).sqrt()
}

/// median |y_{i+1} − y_i| / (0.6745·√2) along each run (for white noise of
/// level σ the differences have level σ√2; 0.6745 is the median of
/// |N(0, 1)|); 0 when there are no differences.
fn median_difference(y: &[f64], run: usize) -> f64 {
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
/// kernel of n entries and the signal y on `grid` under `boundary`:
///
/// * a recording (the linear model), any Bilinear Lasso method, and the
///   reweighted methods under either model: max(0.1/√n, 2σ̂), with σ̂ the
///   [`noise_level`] of y along its contiguous axis. At λ ≪ σ the
///   activation fits the noise and the kernel follows (LQK+20 §6.1.1's
///   calcium trace at 0.1/√n ≈ 6e-3: kernel error 0.15–0.44, spike F1
///   0.1–0.3; an AR(2) trace with σ = 0.05: kernel error 0.21); 2σ̂ ≈ 0.1
///   there, the λ of §6.1.1. It is in the data's units, so y × 1000 gives
///   the same kernel and events;
/// * the other first-order methods and the two-stage algorithm under the
///   circular model, the papers' synthetic model: λ* = 0.1/√n (LQK+20
///   §4.2.2), the λ of noiseless data. The papers' instances are noiseless
///   and some dense (θ up to 0.3 in Fig. 10, spikes in every window): there
///   no window is quiet and σ̂ would read the signal;
/// * trust region and curvilinear search at a fixed λ on a smoothed
///   objective: [`DEFAULT_LAMBDA`] = 0.1 (see its documentation).
pub(crate) fn default_lambda(
    method: &MethodSpec,
    n: usize,
    y: &[f64],
    grid: Grid,
    boundary: Boundary,
) -> f64 {
    let lambda_star = 0.1 / (n as f64).sqrt();
    let noise_aware = || lambda_star.max(2.0 * noise_level(y, grid.0));
    match method {
        MethodSpec::SecondOrder(_) => DEFAULT_LAMBDA,
        MethodSpec::TwoStage(_) => lambda_star,
        MethodSpec::Reweighted(_) | MethodSpec::HomotopyReweighted(..) => noise_aware(),
        _ if boundary == Boundary::Linear => noise_aware(),
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
        // The 1 % quantile of ~10⁴ overlapping windows: within 5 %.
        let sigma = noise_level(&y, y.len());
        assert!((sigma - 0.05).abs() < 2.5e-3, "σ̂ = {sigma}");
        // Runs: a staircase read as rows of one sample has no pairs; read
        // as one run, every pair differs by 10: every window is 50, and
        // σ̂² = 50 over the 1 % quantile of χ²₈/8 (Wilson–Hilferty: 0.1997).
        let steps: Vec<f64> = (0..100).map(|r| r as f64 * 10.0).collect();
        assert_eq!(noise_level(&steps, 1), 0.0);
        let sigma = noise_level(&steps, steps.len());
        assert!((sigma - (50.0_f64 / 0.1997).sqrt()).abs() < 0.01, "σ̂ = {sigma}");
        // Runs of 10 samples (5 pairs) are too short for a window: the
        // median first difference.
        let expected = 10.0 / (0.6745 * std::f64::consts::SQRT_2);
        assert!((noise_level(&steps, 10) - expected).abs() < 1e-12);
        assert_eq!(noise_level(&[1.0], 1), 0.0);
    }

    #[test]
    fn noise_level_reads_the_noise_between_events_not_the_events() {
        use rand::{RngExt, SeedableRng};
        use rand_distr::{Distribution, Normal};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        // Spikes of height 1..2 every ~200 samples, each a random 50-tap
        // kernel (a clean signal as rough as white noise where it is not
        // zero), on a baseline of 1.
        let kernel: Vec<f64> = (0..50).map(|_| rng.random_range(-0.3..0.3)).collect();
        let mut clean = vec![1.0; 20_000];
        for t in (0..19_800).step_by(200) {
            let (h, jitter) = (rng.random_range(1.0..2.0), rng.random_range(0..100));
            for (k, a) in kernel.iter().enumerate() {
                clean[t + jitter + k] += h * a;
            }
        }
        assert_eq!(noise_level(&clean, clean.len()), 0.0, "noiseless: σ̂ = 0");
        let normal = Normal::new(0.0, 0.05).unwrap();
        let noisy: Vec<f64> = clean.iter().map(|v| v + normal.sample(&mut rng)).collect();
        // A quarter of the windows hold an event: the quantile read is the
        // noise's 1.3 % one, a few % high (measured 0.054).
        let sigma = noise_level(&noisy, noisy.len());
        assert!((sigma - 0.05).abs() < 5e-3, "σ̂ = {sigma}");
    }
}
