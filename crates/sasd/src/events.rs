//! Events out of an activation map: the list a scientist reads off a
//! deconvolution (spike times, beats, transients) instead of a vector of
//! mostly-zero amplitudes.
//!
//! The rule ([`detect`]), for each kernel's activation x:
//!
//! 1. **Runs.** Entries with |xᵢ| above a dust level (1e-9 of the largest
//!    |x| over all kernels) form runs of consecutive samples, gaps of up to
//!    `merge_gap` − 1 zeros included (default 1: adjacent samples only). A
//!    spike between two samples, or one blurred by the ℓ¹ solution over a
//!    few samples, is one run.
//! 2. **One event per run**, at its largest |xᵢ|, with amplitude Σ xᵢ over
//!    the run (the total weight of the kernel placed there: for a unit-norm
//!    kernel the event's response has energy amplitude²).
//! 3. **Threshold tied to the noise.** An event is kept when |amplitude| ≥
//!    `k_sigma`·σ̂ (default 3σ̂): with a unit-norm kernel the matched-filter
//!    signal-to-noise ratio of an event of amplitude A in white noise of
//!    level σ is |A|/σ, so 3σ̂ keeps what the data can tell apart from the
//!    noise. σ̂ is the robust level 1.4826·MAD of the fit's residual
//!    y − Σₖ aₖ ⊛ xₖ − b ([`crate::pipeline::Deconvolved::events`]).
//!
//! Not a step of the seeds (LQK+20 §6.1 thresholds its calcium activations
//! by hand); a documented rule so that the event list does not depend on the
//! data's units: scaling y scales the activations and σ̂ alike.

/// One event: where, how large, which kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Sample index (row-major flat index for an image) in the activation's
    /// frame: the kernel's first tap sits here.
    pub index: usize,
    /// Σ xᵢ over the event's run (signed).
    pub amplitude: f64,
    /// Which kernel (0 for SaSD).
    pub kernel: usize,
}

/// The parameters of [`detect`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRule {
    /// Keep events with |amplitude| ≥ `k_sigma`·σ̂ (default 3).
    pub k_sigma: f64,
    /// Entries at most this many samples apart belong to one run (default 1:
    /// adjacent).
    pub merge_gap: usize,
}

impl Default for EventRule {
    fn default() -> Self {
        Self {
            k_sigma: 3.0,
            merge_gap: 1,
        }
    }
}

/// The events of every kernel's activation at noise level `noise` (σ̂ ≥ 0),
/// in order of kernel, then index.
pub fn detect(activations: &[Vec<f64>], noise: f64, rule: &EventRule) -> Vec<Event> {
    let largest = activations
        .iter()
        .flatten()
        .fold(0.0_f64, |acc, t| acc.max(t.abs()));
    if !(largest > 0.0 && largest.is_finite()) {
        return Vec::new();
    }
    let dust = 1e-9 * largest;
    let threshold = (rule.k_sigma * noise).max(dust);
    let gap = rule.merge_gap.max(1);
    let mut out = Vec::new();
    for (kernel, x) in activations.iter().enumerate() {
        let mut run: Option<(usize, usize, f64)> = None; // (argmax, last index, sum)
        let close = |run: Option<(usize, usize, f64)>, out: &mut Vec<Event>| {
            if let Some((index, _, amplitude)) = run
                && amplitude.abs() >= threshold
            {
                out.push(Event {
                    index,
                    amplitude,
                    kernel,
                });
            }
        };
        for (i, &v) in x.iter().enumerate() {
            if v.abs() <= dust {
                continue;
            }
            run = match run {
                Some((best, last, sum)) if i - last <= gap => {
                    let best = if v.abs() > x[best].abs() { i } else { best };
                    Some((best, i, sum + v))
                }
                done => {
                    close(done, &mut out);
                    Some((i, i, v))
                }
            };
        }
        close(run, &mut out);
    }
    out
}

/// The robust noise level 1.4826·median|rᵢ − median r| of a residual (the
/// standard deviation for Gaussian noise); 0 for an empty one.
pub fn residual_noise(residual: &[f64]) -> f64 {
    fn median(v: &mut [f64]) -> f64 {
        let mid = v.len() / 2;
        let (_, m, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
        *m
    }
    if residual.is_empty() {
        return 0.0;
    }
    let mut r = residual.to_vec();
    let center = median(&mut r);
    let mut dev: Vec<f64> = residual.iter().map(|t| (t - center).abs()).collect();
    1.4826 * median(&mut dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_into_one_event_at_their_peak_and_small_ones_are_dropped() {
        let x = vec![0.0, 0.3, 0.9, 0.0, 0.0, -0.2, 0.0, 0.0, 1.0, 0.0, 0.05];
        let events = detect(&[x], 0.1, &EventRule::default());
        // 0.3 + 0.9 at 2; −0.2 below 3σ = 0.3; 1.0 at 8; 0.05 dropped.
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].index, events[1].index), (2, 8));
        assert!((events[0].amplitude - 1.2).abs() < 1e-15);
        // A gap of 3 merges the run at 5 with the one at 8 (−0.2 + 1.0).
        let x = vec![0.0, 0.0, 0.0, 0.0, 0.0, -0.2, 0.0, 0.0, 1.0];
        let wide = EventRule {
            merge_gap: 3,
            ..EventRule::default()
        };
        let events = detect(&[x], 0.1, &wide);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].index, 8);
        assert!((events[0].amplitude - 0.8).abs() < 1e-15);
        assert!(detect(&[vec![0.0; 5]], 0.1, &EventRule::default()).is_empty());
    }

    #[test]
    fn residual_noise_is_the_scaled_mad() {
        assert_eq!(residual_noise(&[]), 0.0);
        // Median 0, absolute deviations 2, 1, 0, 1, 2: MAD 1.
        let r = [-2.0, -1.0, 0.0, 1.0, 2.0];
        assert!((residual_noise(&r) - 1.4826).abs() < 1e-12);
    }
}
