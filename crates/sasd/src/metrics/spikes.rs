//! Spike-detection scores within a tolerance window.

use super::{MetricError, Result, Shape, checked_norm};

/// Spike-detection scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpikeScores {
    /// True spikes matched to a detection.
    pub true_positives: usize,
    /// Detections matched to no true spike (false alarms).
    pub false_positives: usize,
    /// True spikes matched to no detection (misses).
    pub false_negatives: usize,
    /// `TP / (TP + FP)`; 1 when nothing was detected (no false alarm).
    pub precision: f64,
    /// `TP / (TP + FN)`; 1 when there is no true spike (nothing missed).
    pub recall: f64,
    /// `2·P·R / (P + R)`; 0 when `P + R = 0`.
    pub f1: f64,
}

/// Precision, recall and F1 of detected spike positions against true ones,
/// with a detection counting as a hit when it lies within `±tolerance`
/// samples of a true spike, each detection and each spike used at most once.
///
/// The matching is a maximum one-to-one matching, found greedily: scanning
/// true spikes in increasing order, each takes the earliest unused detection
/// in its window. Because all windows have the same width, this greedy choice
/// is optimal (exchange argument: the earliest usable detection is the one
/// least useful to later spikes). Distances are linear, not cyclic: on a
/// cyclic signal a spike within `tolerance` of one end is not matched across
/// to the other end. Repeated positions are counted once.
pub fn match_spikes(truth: &[usize], detected: &[usize], tolerance: usize) -> SpikeScores {
    let sorted_unique = |v: &[usize]| {
        let mut v = v.to_vec();
        v.sort_unstable();
        v.dedup();
        v
    };
    let (truth, detected) = (sorted_unique(truth), sorted_unique(detected));
    let mut next = 0;
    let mut hits = 0;
    for &t in &truth {
        // Detections too early for t are too early for every later spike too.
        while next < detected.len() && detected[next].saturating_add(tolerance) < t {
            next += 1;
        }
        if next < detected.len() && detected[next] <= t.saturating_add(tolerance) {
            hits += 1;
            next += 1;
        }
    }
    let ratio = |num: usize, den: usize| if den == 0 { 1.0 } else { num as f64 / den as f64 };
    let precision = ratio(hits, detected.len());
    let recall = ratio(hits, truth.len());
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    SpikeScores {
        true_positives: hits,
        false_positives: detected.len() - hits,
        false_negatives: truth.len() - hits,
        precision,
        recall,
        f1,
    }
}

/// [`match_spikes`] on signals: the true spikes are the non-zero entries of
/// `x0`, the detections the entries with `|x̂_i| > threshold` (magnitude, so a
/// sign-flipped estimate is scored like its flip; for non-negative estimates
/// it is `x̂_i > threshold`). `x̂` must already be aligned to `x0` (e.g. by the
/// pipeline's shift correction or [`activation_error`](super::activation_error)'s shift).
pub fn spike_scores(x0: &[f64], x_hat: &[f64], threshold: f64, tolerance: usize) -> Result<SpikeScores> {
    checked_norm("true activation", x0, Shape::d1(x0.len()))?;
    checked_norm("estimated activation", x_hat, Shape::d1(x0.len()))?;
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(MetricError::InvalidParameter {
            name: "threshold",
            value: threshold,
            requirement: "must be finite and >= 0",
        });
    }
    let positions = |v: &[f64], hit: &dyn Fn(f64) -> bool| -> Vec<usize> {
        v.iter()
            .enumerate()
            .filter(|(_, x)| hit(**x))
            .map(|(i, _)| i)
            .collect()
    };
    let truth = positions(x0, &|v| v != 0.0);
    let detected = positions(x_hat, &|v| v.abs() > threshold);
    Ok(match_spikes(&truth, &detected, tolerance))
}
