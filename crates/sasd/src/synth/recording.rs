//! A synthetic recording: what a real one obeys, with the truth known.
//!
//! y is a window of m samples of the linear convolution a₀ ∗ x₀ (x₀ starts
//! n₀ − 1 samples before the window, so the window opens in the middle of
//! responses, as a recording does), plus a sine drift and white noise:
//!
//! y_t = (a₀ ∗ x₀)_{t + n₀ − 1} + ½·swing·peak·sin(2πt/P + φ) + σ·n_t,
//!
//! with peak the largest |a₀ ∗ x₀|, so `swing` is the drift's peak-to-peak
//! size in units of the largest spike response. x₀ is in the frame of the
//! pipeline's linear model ([`crate::conv::Boundary::Linear`]): its entry p
//! is the spike whose response starts at sample p − n₀ + 1 of y. Issue 14's
//! acceptance instances are m = 2·10⁴, n₀ = 100, θ = 0.005, swing 3,
//! P = 15n₀, σ = 0.05.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

use super::{ActivationLaw, Convolution, InstanceSpec, KernelSpec, Result, Shape, SynthError};

/// A recording's specification (builder); draw one with
/// [`generate_seeded`](Self::generate_seeded).
#[derive(Debug, Clone, PartialEq)]
pub struct RecordingSpec {
    kernel: KernelSpec,
    law: ActivationLaw,
    theta: f64,
    samples: usize,
    swing: f64,
    period: f64,
    noise: f64,
}

/// A drawn recording and its truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The observation (m samples).
    pub y: Vec<f64>,
    /// The kernel a₀ (unit norm).
    pub kernel: Vec<f64>,
    /// The activation x₀ (m + n₀ − 1 samples, the linear model's frame).
    pub activation: Vec<f64>,
    /// The drift added (m samples).
    pub drift: Vec<f64>,
}

impl RecordingSpec {
    /// `samples` samples of a recording with kernel `kernel` (1-D) and
    /// spikes of `law` at rate θ; no drift and no noise until asked.
    pub fn new(kernel: KernelSpec, law: ActivationLaw, theta: f64, samples: usize) -> Self {
        Self {
            kernel,
            law,
            theta,
            samples,
            swing: 0.0,
            period: 1.0,
            noise: 0.0,
        }
    }

    /// A sine drift of peak-to-peak `swing` × the largest spike response
    /// and period `period` samples.
    pub fn drift(mut self, swing: f64, period: f64) -> Self {
        self.swing = swing;
        self.period = period;
        self
    }

    /// White Gaussian noise of standard deviation σ.
    pub fn noise(mut self, sigma: f64) -> Self {
        self.noise = sigma;
        self
    }

    /// Draws the recording of `seed` (spikes and kernel as
    /// [`InstanceSpec::generate_seeded`], the drift's phase and the noise
    /// from the seed too).
    ///
    /// # Errors
    /// A 2-D kernel, no samples, a negative or non-finite swing or noise, a
    /// period not finite and positive, and whatever [`InstanceSpec`]
    /// refuses.
    pub fn generate_seeded(&self, seed: u64) -> Result<Recording> {
        let shape = self.kernel.shape();
        if shape.is_2d() {
            return Err(SynthError::InvalidParameter {
                name: "kernel",
                value: shape.len() as f64,
                requirement: "a recording is 1-D: the kernel must be 1-D",
            });
        }
        if self.samples == 0 {
            return Err(SynthError::EmptyShape {
                what: "recording (samples)",
            });
        }
        for (name, value, ok) in [
            ("drift swing", self.swing, self.swing >= 0.0),
            ("drift period", self.period, self.period > 0.0),
            ("noise std", self.noise, self.noise >= 0.0),
        ] {
            if !(value.is_finite() && ok) {
                return Err(SynthError::InvalidParameter {
                    name,
                    value,
                    requirement: "must be finite and >= 0 (the period > 0)",
                });
            }
        }
        let n0 = shape.len();
        let full_len = self.samples + n0 - 1;
        let inst = InstanceSpec::new(self.kernel.clone(), Shape::d1(full_len))
            .activation(self.law, self.theta)
            .convolution(Convolution::Linear)
            .generate_seeded(seed)?;
        let full = &inst.observation;
        let peak = full.iter().fold(0.0_f64, |a, t| a.max(t.abs()));
        let mut rng = StdRng::seed_from_u64(seed.wrapping_add(100));
        let phase = seed as f64;
        let drift: Vec<f64> = (0..self.samples)
            .map(|t| 0.5 * self.swing * peak * (std::f64::consts::TAU * t as f64 / self.period + phase).sin())
            .collect();
        let y = full[n0 - 1..n0 - 1 + self.samples]
            .iter()
            .zip(&drift)
            .map(|(v, d)| {
                let n: f64 = StandardNormal.sample(&mut rng);
                v + d + self.noise * n
            })
            .collect();
        Ok(Recording {
            y,
            kernel: inst.kernel().to_vec(),
            activation: inst.activation().to_vec(),
            drift,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::convolve;

    /// Without drift and noise y is the valid window of a₀ ∗ x₀ by direct
    /// sums; the drift has the asked swing; bad parameters are refused.
    #[test]
    fn the_window_of_the_linear_convolution_plus_drift() {
        let spec = RecordingSpec::new(
            KernelSpec::RandomSphere(Shape::d1(7)),
            ActivationLaw::BernoulliRademacher,
            0.1,
            50,
        );
        let r = spec.generate_seeded(3).unwrap();
        assert_eq!((r.y.len(), r.activation.len()), (50, 56));
        for t in 0..50 {
            let direct: f64 = (0..7).map(|j| r.kernel[j] * r.activation[t + 6 - j]).sum();
            assert!((r.y[t] - direct).abs() < 1e-12);
        }
        let (full, _) = convolve(
            &r.kernel,
            Shape::d1(7),
            &r.activation,
            Shape::d1(56),
            Convolution::Linear,
        )
        .unwrap();
        let peak = full.iter().fold(0.0_f64, |a, t| a.max(t.abs()));
        let drifting = spec.clone().drift(3.0, 10.0).generate_seeded(3).unwrap();
        let (lo, hi) = drifting
            .drift
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), d| (l.min(*d), h.max(*d)));
        assert!(
            (hi - lo - 3.0 * peak).abs() < 0.05 * peak,
            "swing {} vs {}",
            hi - lo,
            3.0 * peak
        );
        assert!(spec.clone().noise(-1.0).generate_seeded(1).is_err());
        assert!(spec.clone().drift(1.0, 0.0).generate_seeded(1).is_err());
        assert!(spec.clone().drift(f64::NAN, 5.0).generate_seeded(1).is_err());
    }
}
