//! What a run returns, for one or N kernels, 1-D or 2-D.

use std::time::Duration;

use optim::{Record, StopReason};

use crate::conv::Boundary;
use crate::error::Result;
use crate::events::{Event, EventRule, detect, residual_noise};
use crate::geometry::Shape;
use crate::refine::RefinementReport;
use crate::synth::{Convolution, convolve};
use crate::two_stage::TwoStageReport;

/// The outcome of a [`Deconvolution`](super::Deconvolution) run, whichever
/// method ran: N kernels
/// and N activation maps (N = 1 for SaSD), 1-D or 2-D (row-major, see
/// [`Shape`]).
#[derive(Debug, Clone)]
pub struct Deconvolved {
    /// The kernels after shift correction (App. B.3): each of
    /// [`kernel_dims`](Self::kernel_dims) (length n₀, or n₁×n₂ row-major),
    /// unit norm.
    pub kernels: Vec<Vec<f64>>,
    /// The activation maps, one per kernel, each of
    /// [`signal_dims`](Self::signal_dims), shifted and scaled to match their
    /// kernel: Σ_k `kernels[k] ⊛ activations[k]` + b reproduces the fit on the
    /// kept windows.
    pub activations: Vec<Vec<f64>>,
    /// Shape of each kernel (n₀ or n₁×n₂).
    pub kernel_dims: Shape,
    /// Shape of the signal (m or rows×cols).
    pub signal_dims: Shape,
    /// Shape of each activation map: the signal's (circular model) or
    /// m + n₀ − 1 per axis (linear model: entry t is a spike at sample
    /// t − (n₀ − 1) of y, so events just before the window are kept).
    pub activation_dims: Shape,
    /// The observation model of the run.
    pub boundary: Boundary,
    /// The fitted bias b, when asked for (with a baseline, its mean).
    pub bias: Option<f64>,
    /// The fitted baseline, one value per sample of y, when asked for.
    pub baseline: Option<Vec<f64>>,
    /// The solver's kernels before shift correction, each of
    /// [`lifted_dims`](Self::lifted_dims), on the sphere S^{n−1}.
    pub lifted_kernels: Vec<Vec<f64>>,
    /// Shape of a lifted kernel: 3n₀ − 2, or (3n₁ − 2)×(3n₂ − 2).
    pub lifted_dims: Shape,
    /// Per kernel, the start of the kept window in the lifted kernel,
    /// `(along rows, along cols)`; `(s, 0)` in 1-D. The activation was shifted
    /// forward (cyclically) by the same amount.
    pub shifts: Vec<(usize, usize)>,
    /// λ of the final solve.
    pub lambda: f64,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Solver iterations (over all stages).
    pub iterations: usize,
    /// Real FFTs of the solve (the objective's counter; the initialisation
    /// and the shift correction are not counted).
    pub ffts: u64,
    /// Wall time of the solve.
    pub elapsed: Duration,
    /// One record per iteration: objective, step, λ or round tags, `elapsed`
    /// from the start of the solve, and the extras
    /// [`FFTS`](super::FFTS) (cumulative FFT count) and, when a truth was
    /// given, [`KERNEL_ERROR`](super::KERNEL_ERROR) (of the lifted kernels,
    /// on iteration 1 and every [`truth_every`](super::Deconvolution::truth_every)-th).
    pub history: Vec<Record>,
    /// When a truth was given: the kernel error (LQK+20 §5.1) of each true
    /// kernel against its shift-corrected estimate, after the best matching.
    pub truth_errors: Option<Vec<f64>>,
    /// The second-order methods' state at the final point (`None` for the
    /// first-order methods).
    pub certificate: Option<Certificate>,
    /// What stage I found and the stage-II schedule, for the two-stage
    /// algorithm.
    pub two_stage: Option<TwoStageReport>,
    /// What the support refinement did, when it ran
    /// ([`Deconvolution::refine_support`](super::Deconvolution::refine_support)).
    pub refinement: Option<RefinementReport>,
}

/// Where a second-order run ended (trust region, curvilinear search,
/// two-stage; [`optim::StopReason::SecondOrderStationary`] when both
/// tolerances were met).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Certificate {
    /// ‖grad f‖ of the smoothed objective (in the solver's balanced
    /// coordinates, see
    /// [`SmoothSpec::balance`](crate::second_order::SmoothSpec::balance)).
    pub grad_norm: f64,
    /// λ_min(Hess f), when the solver computed it at the final point.
    pub lambda_min: Option<f64>,
    /// Hessian-vector products over all solves.
    pub hess_calls: usize,
    /// The Huber width μ of the last solve.
    pub mu: f64,
}

impl Deconvolved {
    /// The first (for SaSD, the only) kernel.
    pub fn kernel(&self) -> &[f64] {
        self.kernels.first().map_or(&[], Vec::as_slice)
    }

    /// The first (for SaSD, the only) activation map.
    pub fn activation(&self) -> &[f64] {
        self.activations.first().map_or(&[], Vec::as_slice)
    }

    /// The first lifted kernel.
    pub fn lifted_kernel(&self) -> &[f64] {
        self.lifted_kernels.first().map_or(&[], Vec::as_slice)
    }

    /// The largest of [`truth_errors`](Self::truth_errors).
    pub fn max_truth_error(&self) -> Option<f64> {
        self.truth_errors
            .as_ref()
            .map(|e| e.iter().copied().fold(0.0, f64::max))
    }

    /// Σₖ kernelₖ ⊛ activationₖ + b (or + the baseline) on the signal's
    /// shape, under the run's observation model (cyclic, or the window of
    /// the linear convolution): the model's fit of the data, by direct sums
    /// over the activations' non-zeros.
    pub fn reconstruction(&self) -> Result<Vec<f64>> {
        let (rows, cols) = (self.signal_dims.rows(), self.signal_dims.cols());
        let mut y = match &self.baseline {
            Some(b) => b.clone(),
            None => vec![self.bias.unwrap_or(0.0); self.signal_dims.len()],
        };
        for (a, x) in self.kernels.iter().zip(&self.activations) {
            match self.boundary {
                Boundary::Circular => {
                    let (c, _) = convolve(a, self.kernel_dims, x, self.signal_dims, Convolution::Cyclic)?;
                    y.iter_mut().zip(c).for_each(|(v, c)| *v += c);
                }
                Boundary::Linear => {
                    // The full linear convolution, then its valid window.
                    let (c, full) =
                        convolve(a, self.kernel_dims, x, self.activation_dims, Convolution::Linear)?;
                    let (k1, k2) = (self.kernel_dims.rows(), self.kernel_dims.cols());
                    for i in 0..rows {
                        for j in 0..cols {
                            y[i * cols + j] += c[(i + k1 - 1) * full.cols() + j + k2 - 1];
                        }
                    }
                }
            }
        }
        Ok(y)
    }

    /// Where sample 0 of the data sits in an activation (flat index along
    /// a 1-D signal): n₀ − 1 under the linear model, whose activation starts
    /// n₀ − 1 samples before the window, 0 under the circular one. An event
    /// at `index` is at sample `index − origin` of the data.
    pub fn origin(&self) -> usize {
        self.boundary.window_offset(self.kernel_dims.cols())
    }

    /// The events of the activations by [`crate::events::detect`] with the
    /// default [`EventRule`] (3σ̂), σ̂ the robust noise level of the
    /// residual y − [`reconstruction`](Self::reconstruction); y is the data
    /// the run was given. Returns the events and σ̂.
    pub fn events(&self, y: &[f64]) -> Result<(Vec<Event>, f64)> {
        self.events_with(y, &EventRule::default())
    }

    /// Kernel `kernel`'s events as an activation: each event's amplitude at
    /// its index, zeros elsewhere (the shape of the activations). With
    /// [`aligned_spike_scores`](crate::pipeline::aligned_spike_scores) at
    /// threshold 0 this scores the events against a known truth.
    pub fn event_activation(&self, events: &[Event], kernel: usize) -> Vec<f64> {
        let len = self.activation_dims.len();
        let mut x = vec![0.0; len];
        for e in events.iter().filter(|e| e.kernel == kernel && e.index < len) {
            x[e.index] = e.amplitude;
        }
        x
    }

    /// [`events`](Self::events) with a rule of the caller's.
    pub fn events_with(&self, y: &[f64], rule: &EventRule) -> Result<(Vec<Event>, f64)> {
        crate::error::check_len("observation", y, self.signal_dims.len())?;
        let fit = self.reconstruction()?;
        let residual: Vec<f64> = y.iter().zip(&fit).map(|(a, b)| a - b).collect();
        let noise = residual_noise(&residual);
        Ok((detect(&self.activations, noise, rule), noise))
    }

    /// What the result says about the kernel size ([`KernelWarning`]),
    /// given the run's [`events`](Self::events):
    ///
    /// * **too short** when more than 5 % of some lifted kernel's energy
    ///   lies outside the kept window (a kernel that fits its window leaves
    ///   next to nothing outside it; one longer than the window spreads its
    ///   tail into the lifted kernel, LQK+20 §3);
    /// * **too long** (1-D) when at least half of the intervals between
    ///   consecutive events of a kernel are shorter than the kernel: the
    ///   window then typically holds more than one event, as a heartbeat
    ///   kernel longer than the beat interval does (or the activation is not
    ///   sparse: at LQK+20's θ = n₀^(−3/4) it fires, since random spikes
    ///   that dense overlap by design; for Poisson events of rate θ the
    ///   fraction is 1 − e^(−θn₀), half at θn₀ = 0.7).
    pub fn kernel_warnings(&self, events: &[Event]) -> Vec<KernelWarning> {
        let mut out = Vec::new();
        let outside = self
            .lifted_kernels
            .iter()
            .zip(&self.shifts)
            .map(|(lifted, &shift)| {
                let total: f64 = lifted.iter().map(|t| t * t).sum();
                let (lr, lc) = (self.lifted_dims.rows(), self.lifted_dims.cols());
                let (kr, kc) = (self.kernel_dims.rows(), self.kernel_dims.cols());
                // A 1-D shift (s, 0) runs along the columns of the 1×n row.
                let (sr, sc) = if self.lifted_dims.is_2d() {
                    shift
                } else {
                    (0, shift.0)
                };
                let inside: f64 = (sr..sr + kr)
                    .flat_map(|i| (sc..sc + kc).map(move |j| (i, j)))
                    .filter(|&(i, j)| i < lr && j < lc)
                    .map(|(i, j)| lifted[i * lc + j] * lifted[i * lc + j])
                    .sum();
                if total > 0.0 { 1.0 - inside / total } else { 0.0 }
            })
            .fold(0.0_f64, f64::max);
        if outside > 0.05 {
            out.push(KernelWarning::TooShort { outside });
        }
        if !self.signal_dims.is_2d() {
            let n0 = self.kernel_dims.len();
            for k in 0..self.kernels.len() {
                let at: Vec<usize> = events.iter().filter(|e| e.kernel == k).map(|e| e.index).collect();
                let gaps: Vec<usize> = at.windows(2).map(|w| w[1] - w[0]).collect();
                let close = gaps.iter().filter(|&&g| g < n0).count();
                if !gaps.is_empty() && 2 * close >= gaps.len() {
                    out.push(KernelWarning::TooLong {
                        kernel: k,
                        closer: close as f64 / gaps.len() as f64,
                        shortest: gaps.iter().copied().min().unwrap_or(0),
                    });
                }
            }
        }
        out
    }
}

/// A sign that the kernel size does not fit the data
/// ([`Deconvolved::kernel_warnings`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KernelWarning {
    /// This fraction of a lifted kernel's energy lies outside its kept
    /// window: the kernel is probably longer than the size asked for.
    TooShort {
        /// Largest fraction over kernels.
        outside: f64,
    },
    /// Events of one kernel come closer than the kernel's length.
    TooLong {
        /// Which kernel.
        kernel: usize,
        /// Fraction of the intervals between its events shorter than it.
        closer: f64,
        /// The shortest interval, in samples.
        shortest: usize,
    },
}

impl std::fmt::Display for KernelWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KernelWarning::TooShort { outside } => write!(
                f,
                "{:.0} % of the kernel's energy lies outside its window: the kernel size may be too short",
                100.0 * outside
            ),
            KernelWarning::TooLong {
                kernel,
                closer,
                shortest,
            } => write!(
                f,
                "{:.0} % of kernel {kernel}'s events are closer than the kernel length (shortest {shortest} samples): the kernel size may be too long, or the events not sparse",
                100.0 * closer
            ),
        }
    }
}
