//! Spike scores of a recovered activation, after undoing the shift (and
//! sign) that the kernel was recovered with.

use crate::metrics::{MetricError, SpikeScores, kernel_alignment, spike_scores};

/// The recovered activation x̂ moved onto the frame of the truth: with
/// (d, σ) the shift and sign of [`kernel_alignment`]`(a₀, â)`
/// (â ≈ σ·s_d(a₀)), the pair (â, x̂) explains y as (a₀, σ·s_d(x̂)), so
/// x₀ ≈ σ·s_d[x̂], i.e. the returned vector is σ·x̂_{(i − d) mod m}
/// (LQK+20 §5.1 symmetries). 1-D.
///
/// Errors: those of [`kernel_alignment`] (empty, non-finite or zero kernels).
pub fn align_activation(
    truth_kernel: &[f64],
    kernel: &[f64],
    activation: &[f64],
) -> Result<Vec<f64>, MetricError> {
    let al = kernel_alignment(truth_kernel, kernel)?;
    let m = activation.len() as isize;
    let sign = al.sign.value();
    Ok((0..m)
        .map(|i| sign * activation[(i - al.shift.0).rem_euclid(m.max(1)) as usize])
        .collect())
}

/// [`spike_scores`] of x̂ against x₀ after [`align_activation`]: the true
/// spikes are the non-zeros of x₀, the detections the entries of the aligned
/// x̂ above `threshold` in magnitude, matched within ±`tolerance` samples.
/// This is the score to report for a blind run, whose kernel comes back
/// shifted by an unknown amount (e.g. the calcium study of LQK+20 §6.1.1).
pub fn aligned_spike_scores(
    truth_kernel: &[f64],
    truth_activation: &[f64],
    kernel: &[f64],
    activation: &[f64],
    threshold: f64,
    tolerance: usize,
) -> Result<SpikeScores, MetricError> {
    if activation.len() != truth_activation.len() {
        return Err(MetricError::LengthMismatch {
            what: "estimated activation",
            expected: truth_activation.len(),
            found: activation.len(),
        });
    }
    let aligned = align_activation(truth_kernel, kernel, activation)?;
    spike_scores(truth_activation, &aligned, threshold, tolerance)
}
