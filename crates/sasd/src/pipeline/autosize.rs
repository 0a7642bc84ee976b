//! The kernel length read from the data (`--kernel-size auto`; not a step
//! of the seeds): [`Deconvolution::run_auto_size`] states the rule and
//! what it measured.

use optim::{NoObserver, StopReason};

use super::{Deconvolution, Deconvolved, Refine, RunObserver};
use crate::error::{Result, SasdError};
use crate::geometry::Shape;

/// The size of the first probe, in samples.
pub const FIRST_SIZE: usize = 64;
/// The fraction of a lifted kernel's energy its extent holds.
pub const EXTENT_ENERGY: f64 = 0.95;
/// The size of the next probe, relative to the extent.
const MARGIN: f64 = 1.25;
/// Probes at most (16 · 3.75⁵ ≈ 11,900 samples: any kernel a signal of
/// up to 2²⁵ samples can hold is reached well before).
const MAX_PROBES: usize = 6;

/// One run of [`Deconvolution::run_auto_size`]: the size it ran at and the
/// extent of its lifted kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeProbe {
    /// The kernel size n of the run.
    pub size: usize,
    /// The length of the shortest stretch of its lifted kernel (3n − 2
    /// samples) that holds [`EXTENT_ENERGY`] of the energy.
    pub extent: usize,
}

impl std::fmt::Display for SizeProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (extent {})", self.size, self.extent)
    }
}

/// The length of the shortest contiguous stretch of `v` that holds at least
/// `fraction` of its energy (0 for a zero vector).
pub fn energy_extent(v: &[f64], fraction: f64) -> usize {
    let total: f64 = v.iter().map(|t| t * t).sum();
    if total <= 0.0 {
        return 0;
    }
    let need = fraction * total;
    // Two pointers: for every end, the latest start that still holds `need`.
    let (mut best, mut start, mut held) = (v.len(), 0, 0.0);
    for (end, t) in v.iter().enumerate() {
        held += t * t;
        while start < end && held - v[start] * v[start] >= need {
            held -= v[start] * v[start];
            start += 1;
        }
        if held >= need {
            best = best.min(end + 1 - start);
        }
    }
    best
}

impl Deconvolution {
    /// Deconvolves the 1-D signal y with a kernel size chosen from the data
    /// (one kernel; the spec's own size is ignored). Returns the last
    /// probe's run (at the chosen size, which its `kernel_dims` gives) and
    /// every probe.
    ///
    /// The rule rests on the lifting of LQK+20 §3: a run at kernel size n
    /// solves for a lifted kernel of 3n − 2 samples, so it sees a motif up to
    /// about three times longer than n, shifted and truncated. The length of
    /// the shortest stretch of the lifted kernel that holds 95 % of its energy
    /// (its *extent*, the complement of the 5 % that
    /// [`Deconvolved::kernel_warnings`] calls a kernel too short at) measures
    /// the motif. The first probe runs at [`FIRST_SIZE`] samples; while the
    /// extent exceeds the size, the next probe runs at ⌈1.25 · extent⌉ (up to
    /// 3.75× larger), and a first probe whose motif fills at most half of it is
    /// rerun once at ⌈1.25 · extent⌉. So the size ends with the motif inside
    /// its window and a quarter to spare.
    ///
    /// Why 64 and not smaller: a short window finds a sharp sub-motif that is a
    /// sparse code of its own — from 16 samples the real ECG
    /// ([`crate::datasets::ecg`]) stopped at its 9-sample QRS complex.
    ///
    /// Measured (`tests/kernel_size_auto.rs`, `examples/recordings.rs
    /// --kernel-size auto`, recordings with drift and noise σ = 0.05): a random
    /// 100-tap kernel ends at 110–119 with the kernel error of the given size
    /// (1.2e-3–1.4e-3); an AR(2) calcium kernel (99 % of its energy in 52
    /// taps) stays at 64 (error 3e-3–5e-3 against the 100-tap truth); a
    /// 12-tap kernel with sparse events (θ = 0.01) shrinks to 15 (9e-5).
    /// Where it misleads: dense events (below), and events at a
    /// regular rhythm with slow waves between them. On the ECG it grows to the
    /// largest size the 2 s baseline allows (240; kernel match to the mean beat
    /// 0.78 against 0.86 at a hand-picked 150), because the lifted kernel there
    /// holds the QRS complex and slow components that span the beat interval.
    ///
    /// The probes run without the support refinement; the spec's refinement
    /// (a recording's default, or asked) then refines the chosen probe. The largest size tried has a lifted kernel of at most
    /// m/8 samples (a kernel is learnt from several of its events) and no
    /// longer than a baseline's period. A motif that still does not fit
    /// there is returned with its
    /// [`KernelWarning::TooShort`](super::KernelWarning::TooShort) (the
    /// program adds a warning of its own). That is what dense events do:
    /// the rule needs a probe's window to hold few events, and at LQK+20's
    /// θ = n₀^(−3/4) with a 12-tap kernel (θ ≈ 0.16) a 64-sample probe holds
    /// ten, its kernel spreads over the whole lifted window, and the probes
    /// grow to the limit (measured: 64 → 126 on 3,000 samples).
    pub fn run_auto_size(&self, y: &[f64]) -> Result<(Deconvolved, Vec<SizeProbe>)> {
        self.run_auto_size_observed(y, &mut NoObserver)
    }

    /// As [`run_auto_size`](Self::run_auto_size), with an observer that
    /// sees every iteration's record of every probe (each probe counts its
    /// iterations from 1) and may stop the run: a probe stopped by the
    /// observer ends the search, and its run (unrefined, as any stopped run)
    /// is returned with the probes so far.
    pub fn run_auto_size_observed<O: RunObserver>(
        &self,
        y: &[f64],
        observer: &mut O,
    ) -> Result<(Deconvolved, Vec<SizeProbe>)> {
        if self.kernel.is_2d() {
            return Err(SasdError::Unsupported {
                method: "the automatic kernel size",
                feature: "images or 2-D kernels",
            });
        }
        if self.kernels != 1 {
            return Err(SasdError::Unsupported {
                method: "the automatic kernel size",
                feature: "several kernels",
            });
        }
        if self.truth.is_some() {
            return Err(SasdError::Unsupported {
                method: "the automatic kernel size",
                feature: "a truth kernel (its length fixes the size)",
            });
        }
        // 3n − 2 ≤ m/8 (a kernel is learnt from several of its events, and
        // a probe that long on short data is hopeless: it only costs), and
        // 3n − 2 ≤ P for a baseline of period P.
        let mut largest = (y.len() / 8).div_ceil(3);
        if let Some(period) = self.baseline.filter(|p| p.is_finite() && *p > 0.0) {
            largest = largest.min(((period + 2.0) / 3.0).floor() as usize);
        }
        let largest = largest.max(1);
        let mut size = FIRST_SIZE.min(largest);
        let mut probes = Vec::new();
        // Probes measure the motif; the refinement (when the spec asks for
        // one) runs once, at the size chosen.
        let probe = Self {
            refine: Refine::Off,
            ..self.clone()
        };
        loop {
            let spec = Self {
                kernel: Shape::d1(size),
                ..probe.clone()
            };
            let out = spec.run_observed(y, observer)?;
            let extent = energy_extent(out.lifted_kernel(), EXTENT_ENERGY);
            probes.push(SizeProbe { size, extent });
            if out.stop == StopReason::Observer {
                return Ok((out, probes));
            }
            let next = ((MARGIN * extent as f64).ceil() as usize).clamp(1, largest);
            let grow = extent > size && next > size;
            // Shrink once, from the first probe only: a motif far shorter
            // than the window it was found in.
            let shrink = probes.len() == 1 && 2 * next <= size;
            if !(grow || shrink) || probes.len() == MAX_PROBES {
                let chosen = Self {
                    kernel: Shape::d1(size),
                    ..self.clone()
                };
                return Ok((chosen.refine_stage(y, Shape::d1(y.len()), out)?, probes));
            }
            size = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use optim::{Control, Record, StopReason};

    use super::energy_extent;
    use crate::geometry::Shape;
    use crate::pipeline::Deconvolution;
    use crate::synth::{InstanceSpec, KernelSpec};

    #[test]
    fn an_observer_that_stops_a_probe_ends_the_search() {
        let y = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(12)), Shape::d1(2000))
            .generate_seeded(1)
            .unwrap()
            .observation;
        // As Ctrl-C's flag: once raised, every later record is told to stop
        // (a homotopy asks again at each stage).
        let mut seen = 0;
        let mut stop_from_3 = |_: &Record| {
            seen += 1;
            if seen >= 3 {
                Control::Stop
            } else {
                Control::Continue
            }
        };
        let (out, probes) = Deconvolution::new(12)
            .run_auto_size_observed(&y, &mut stop_from_3)
            .unwrap();
        assert_eq!(out.stop, StopReason::Observer);
        assert_eq!(probes.len(), 1);
        assert_eq!(probes[0].size, super::FIRST_SIZE);
        assert_eq!(out.kernels[0].len(), super::FIRST_SIZE);
    }

    #[test]
    fn the_extent_is_the_shortest_stretch_holding_the_energy() {
        assert_eq!(energy_extent(&[0.0; 5], 0.95), 0);
        assert_eq!(energy_extent(&[0.0, 0.0, 3.0, 0.0], 0.95), 1);
        // 1 + 4 + 16 + 4 + 1 = 26: 99 % needs all five, 95 % (24.7) four,
        // 80 % (20.8) the middle three.
        let v = [1.0, 2.0, 4.0, 2.0, 1.0];
        assert_eq!(energy_extent(&v, 0.99), 5);
        assert_eq!(energy_extent(&v, 0.95), 4);
        assert_eq!(energy_extent(&v, 0.8), 3);
        // A motif of 10 inside zeros, wherever it sits.
        let mut w = vec![0.0; 40];
        w[20..30].iter_mut().for_each(|t| *t = 1.0);
        assert_eq!(energy_extent(&w, 0.95), 10);
        assert_eq!(energy_extent(&w, 1.0), 10);
    }
}
