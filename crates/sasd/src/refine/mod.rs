//! Support refinement: a polish of a 1-D SaSD solution that replaces the
//! ℓ¹-regularised fit by a least-squares fit on a selected support.
//!
//! Why: for a smooth, coherent kernel (LQK+20 §5.2's Gaussian window
//! g_{100,0.5}) the Bilinear Lasso's own minimiser is about 1e-2 away from
//! the truth at any λ: shifted copies of the kernel are nearly collinear and
//! ℓ¹ prefers activations spread over neighbouring samples. With the right
//! support, least squares returns the kernel exactly
//! (docs/studies/coherent-gaussian.md). This module is not an algorithm of
//! the seeds; it starts where the pipeline (LQK+20 Alg. 1) stops.
//!
//! The steps, on the lifted kernel cut to its maximal-energy window ± a
//! margin (kernel length L):
//!
//! 1. Rounds of: coordinate-descent Lasso in x with the kernel fixed, at
//!    λ = τ_last·s; merge runs of same-sign atoms (gaps ≤ 2) into one atom at
//!    their centroid; least-squares refit of kernel, amplitudes and bias on
//!    the support (Levenberg–Marquardt on structured normal equations). The
//!    amplitude scale s = Σxᵢ²/Σ|xᵢ| is re-read after every refit (the
//!    solver's activation is shrunk by ℓ¹; the refit's is not), over the
//!    atoms within ten times the median |xᵢ|: on noisy data a least-squares
//!    fit of close atoms can give a few huge canceling pairs, and without
//!    the trim they set s ≈ 100 and the search pruned every atom (§5.2
//!    Gaussian, σ = 0.05, seed 2).
//! 2. A local search on the ℓ⁰ energy E = ½‖c ⊛ x + b − y‖² + κ·#atoms,
//!    with a continuation in κ = (τ·s)²/2 over the thresholds τ (default
//!    0.4, 0.2, 0.1, 0.05: an atom is worth keeping when its least-squares
//!    amplitude exceeds τ·s, the hard-threshold reading of κ; starting high
//!    settles the large atoms before small ones can compensate for them —
//!    from 0.2 seed 8 of the g_{100,0.5} instance ended at 1.2e-2, from 0.4
//!    at 1.5e-3). Each round
//!    prunes atoms whose removal lowers E, moves atoms within ±w samples
//!    where that lowers ½‖r‖², adds atoms where the residual's correlation
//!    with the kernel gains more than κ, and refits. Every move and every
//!    refit lowers E (or leaves it), so the search stops on its own: at a
//!    round that changes nothing, which is a local minimum of E for these
//!    moves (a round cap guards against slow creep).
//!
//! With x ≥ 0 ([`SupportRefinement::nonnegative`]) the Lasso, the
//! relocations and the additions use only atoms of positive amplitude, and
//! a refit step that pushes an atom below zero drops it (a projected step,
//! still accepted only when ½‖r‖² drops).
//!
//! Measured on the g_{100,0.5} instance, seeds 1–5, after 3000 iterations
//! of homotopy-iADM: see `tests/coherent_gaussian.rs` and the README.
//!
//! Cost: the Lasso's full sweeps and the additions correlate the residual
//! with the kernel at every position, O(mL) each; a refit step assembles
//! and solves the structured normal equations in O(kL·(neighbours) + t³)
//! (module `arrow`), k atoms, t ≈ L. About a second on the §5.2 instance
//! (m = 10⁴, L = 120), against 1–10 s per dense solve.

mod arrow;
mod fit;
mod refit;

use std::time::{Duration, Instant};

use crate::error::{Result, SasdError, check_at_least, check_finite, check_len};
use crate::geometry::{max_energy_window, shift_scaled};
use crate::objective::Baseline;

use fit::Fit;

/// The options of [`refine_support`].
#[derive(Debug, Clone, PartialEq)]
pub struct SupportRefinement {
    /// Taps kept on each side of the kernel's maximal-energy window (within
    /// the lifted kernel): room for the refit to move the kernel. `None`:
    /// ⌈n₀/10⌉.
    pub margin: Option<usize>,
    /// The thresholds τ of the ℓ⁰ continuation, relative to the amplitude
    /// scale s, in the order used (default `[0.4, 0.2, 0.1, 0.05]`). The last
    /// one also sets the Lasso's λ = τ·s.
    pub thresholds: Vec<f64>,
    /// Rounds of Lasso → merge → refit before the ℓ⁰ search (default 3).
    pub lasso_rounds: usize,
    /// How far (± samples) an atom may move in one relocation (default 3).
    pub relocate_window: usize,
    /// Rounds of the ℓ⁰ search per threshold at most (default 40; the
    /// search usually stops by itself within 10–20).
    pub max_rounds: usize,
    /// Constrain the amplitudes to x ≥ 0 (default off; the pipeline sets it
    /// for a run with [`nonnegative`](crate::pipeline::Deconvolution::nonnegative)).
    /// The Lasso, relocations and additions then use only atoms of positive
    /// amplitude, and a refit step that pushes an atom below zero drops it.
    pub nonnegative: bool,
    /// The noise level σ of y (default 0, noiseless). Every threshold is at
    /// least σ·√(2 ln m), the universal threshold, so that the search does
    /// not add atoms that fit noise.
    pub noise: f64,
}

impl Default for SupportRefinement {
    fn default() -> Self {
        Self {
            margin: None,
            thresholds: vec![0.4, 0.2, 0.1, 0.05],
            lasso_rounds: 3,
            relocate_window: 3,
            max_rounds: 40,
            nonnegative: false,
            noise: 0.0,
        }
    }
}

/// The refined solution.
#[derive(Debug, Clone)]
pub struct Refined {
    /// The kernel, length n₀, unit norm: the maximal-energy window of the
    /// refitted kernel.
    pub kernel: Vec<f64>,
    /// The activation (length m), shifted and scaled to match `kernel`.
    pub activation: Vec<f64>,
    /// The refitted bias, when one was given.
    pub bias: Option<f64>,
    /// The refitted baseline on y's samples, when one was asked
    /// ([`refine_support_linear`] with [`Offset::Baseline`]).
    pub baseline: Option<Vec<f64>>,
    /// Start of `kernel` in the coordinates of the lifted kernel given (the
    /// activation was shifted forward cyclically by as much).
    pub shift: usize,
    /// What the refinement did.
    pub report: RefinementReport,
}

/// Figures of a refinement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RefinementReport {
    /// Atoms (nonzero entries) of the final activation.
    pub atoms: usize,
    /// Rounds of the ℓ⁰ search over all thresholds.
    pub rounds: usize,
    /// Levenberg–Marquardt steps over all refits.
    pub refit_steps: usize,
    /// ‖c ⊛ x + b − y‖ at the end (with the kernel of length L).
    pub residual_norm: f64,
    /// The amplitude scale s of the thresholds.
    pub scale: f64,
    /// Wall time.
    pub elapsed: Duration,
}

/// Refines a 1-D SaSD solution (y ≈ a ⊛ x + b, cyclic) by support selection
/// and least-squares refits (see the [module documentation](self)).
///
/// `lifted` is the solver's kernel (any length ≥ n₀, e.g. the 3n₀ − 2 of
/// the pipeline), `activation` its activation (length m = y.len()), `bias`
/// its bias if one was fitted (it is then refitted too), `n0` the kernel
/// length wanted.
///
/// # Errors
/// Empty or non-finite y, lifted kernel or activation; n₀ = 0 or longer
/// than the lifted kernel; an activation of the wrong length or without a
/// nonzero entry; a signal shorter than 2L + 1 (L = n₀ + 2·margin, capped at
/// the lifted length: the refit needs every pair of atoms to be near along
/// one way round the cycle at most); thresholds not finite and positive,
/// or none; a negative or non-finite noise level.
pub fn refine_support(
    y: &[f64],
    lifted: &[f64],
    activation: &[f64],
    bias: Option<f64>,
    n0: usize,
    options: &SupportRefinement,
) -> Result<Refined> {
    let start = Instant::now();
    check_input(y, lifted, activation, bias, n0, options, y.len())?;
    let m = y.len();
    // Crop the lifted kernel to its maximal-energy window ± the margin.
    let margin = options.margin.unwrap_or(n0.div_ceil(10));
    let (window, _, _) = max_energy_window(lifted, n0);
    let lo = window.saturating_sub(margin);
    let hi = (window + n0 + margin).min(lifted.len());
    let len = hi - lo;
    if m < 2 * len + 1 {
        return Err(SasdError::KernelTooLong {
            kernel: 2 * len + 1,
            signal: m,
            axis: 0,
        });
    }
    let crop = &lifted[lo..hi];
    let norm = crop.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Err(SasdError::ZeroDimension {
            what: "norm of the kernel",
        });
    }
    let kernel = crop.iter().map(|v| v / norm).collect();
    let x = shift_scaled(activation, (m, 1), (lo, 0), norm);
    let mut fit = Fit::new(y, kernel, &x, bias, options.nonnegative);
    let (scale, rounds, refit_steps) = search(&mut fit, options);
    if fit.positions.is_empty() {
        return Err(SasdError::EmptySupport);
    }
    let (s, kernel, wnorm) = max_energy_window(&fit.kernel, n0);
    let activation = shift_scaled(&fit.dense(), (m, 1), (s, 0), wnorm);
    Ok(Refined {
        kernel,
        activation,
        bias: fit.fit_bias.then_some(fit.bias),
        baseline: None,
        shift: lo + s,
        report: RefinementReport {
            atoms: fit.positions.len(),
            rounds,
            refit_steps,
            residual_norm: (2.0 * fit.loss()).sqrt(),
            scale,
            elapsed: start.elapsed(),
        },
    })
}

/// The offset that a [`refine_support_linear`] fits beside the kernel and
/// the activation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Offset {
    /// None: y ≈ window of a ∗ x.
    None,
    /// A constant, starting from this value.
    Bias(f64),
    /// A baseline of DCT terms of period ≥ this many samples (as
    /// [`Deconvolution::baseline`](crate::pipeline::Deconvolution::baseline)),
    /// refitted exactly after every refit.
    Baseline(f64),
}

/// [`refine_support`] under the linear model of a recording: y (m samples)
/// ≈ the window of a ∗ x + offset, with x of m + n₀ − 1 samples in the
/// frame of [`Boundary::Linear`](crate::conv::Boundary::Linear) (its entry
/// p is the spike whose response starts at sample p − n₀ + 1 of y).
///
/// `kernel` is the run's kernel (n₀ taps, any norm), grown by the margin on
/// each side (zeros) so the refit can move it, and cut back to its
/// maximal-energy window of n₀ taps at the end; the returned activation is
/// in the same frame as the one given, `shift` is where the window starts
/// in the grown kernel minus the margin (so 0 when the kernel did not
/// move). Samples before the window are unobserved (see `fit`), which is
/// what makes the refit exact at the ends of a recording.
///
/// # Errors
/// As [`refine_support`]; an activation not m + n₀ − 1 long; a baseline
/// period shorter than the kernel or not finite.
pub fn refine_support_linear(
    y: &[f64],
    kernel: &[f64],
    activation: &[f64],
    offset: Offset,
    options: &SupportRefinement,
) -> Result<Refined> {
    let start = Instant::now();
    let n0 = kernel.len();
    let bias = match offset {
        Offset::Bias(b) => Some(b),
        _ => None,
    };
    check_input(
        y,
        kernel,
        activation,
        bias,
        n0,
        options,
        (n0 + y.len()).saturating_sub(1),
    )?;
    let m = y.len();
    let g = options.margin.unwrap_or(n0.div_ceil(10));
    let len = n0 + 2 * g;
    let big = m + len - 1;
    if big < 2 * len + 1 {
        return Err(SasdError::KernelTooLong {
            kernel: len + 2,
            signal: m,
            axis: 0,
        });
    }
    let norm = kernel.iter().map(|v| v * v).sum::<f64>().sqrt();
    if norm == 0.0 {
        return Err(SasdError::ZeroDimension {
            what: "norm of the kernel",
        });
    }
    let mut grown = vec![0.0; len];
    grown[g..g + n0]
        .iter_mut()
        .zip(kernel)
        .for_each(|(c, k)| *c = k / norm);
    // Atom p of the n₀ frame reaches y[p − n₀ + 1 + j] with tap j, i.e.
    // padded sample p + g + (g + j): position p + g of the grown frame.
    let mut x = vec![0.0; big];
    x[g..g + activation.len()]
        .iter_mut()
        .zip(activation)
        .for_each(|(v, a)| *v = a * norm);
    let mut padded = vec![0.0; len - 1];
    padded.extend_from_slice(y);
    let baseline = match offset {
        Offset::Baseline(period) => Some(Baseline::new(m, period, n0)?),
        _ => None,
    };
    let mut fit = Fit::new(&padded, grown, &x, bias, options.nonnegative).windowed(len - 1, baseline);
    let (scale, rounds, refit_steps) = search(&mut fit, options);
    if fit.positions.is_empty() {
        return Err(SasdError::EmptySupport);
    }
    let (s, kernel, wnorm) = max_energy_window(&fit.kernel, n0);
    // Position q of the grown frame with the window at s is the atom at
    // q + s − 2g of the n₀ frame.
    let mut activation = vec![0.0; m + n0 - 1];
    for (&q, &v) in fit.positions.iter().zip(&fit.amplitudes) {
        if let Some(p) = (q + s).checked_sub(2 * g).filter(|&p| p < activation.len()) {
            activation[p] = v * wnorm;
        }
    }
    Ok(Refined {
        kernel,
        activation,
        bias: fit.fit_bias.then_some(fit.bias),
        baseline: fit.baseline.as_ref().map(|b| b.values().to_vec()),
        shift: s,
        report: RefinementReport {
            atoms: fit.positions.len(),
            rounds,
            refit_steps,
            residual_norm: (2.0 * fit.loss()).sqrt(),
            scale,
            elapsed: start.elapsed(),
        },
    })
}

/// The errors of [`refine_support`] that its input alone decides.
fn check_input(
    y: &[f64],
    lifted: &[f64],
    activation: &[f64],
    bias: Option<f64>,
    n0: usize,
    options: &SupportRefinement,
    activation_len: usize,
) -> Result<()> {
    if y.is_empty() {
        return Err(SasdError::EmptySignal);
    }
    check_finite("observation", y)?;
    check_finite("lifted kernel", lifted)?;
    check_len("activation", activation, activation_len)?;
    check_finite("activation", activation)?;
    if let Some(b) = bias {
        check_finite("bias", &[b])?;
    }
    if n0 == 0 {
        return Err(SasdError::ZeroDimension { what: "kernel size" });
    }
    if n0 > lifted.len() {
        return Err(SasdError::LengthMismatch {
            what: "lifted kernel (shorter than n0)",
            expected: n0,
            found: lifted.len(),
        });
    }
    if options.thresholds.is_empty() {
        return Err(SasdError::ZeroDimension {
            what: "list of thresholds",
        });
    }
    if let Some(&t) = options.thresholds.iter().find(|t| !(t.is_finite() && **t > 0.0)) {
        return Err(SasdError::InvalidParameter {
            name: "threshold",
            value: t,
            min: f64::MIN_POSITIVE,
        });
    }
    check_at_least("noise", options.noise, 0.0)?;
    if activation.iter().all(|&v| v == 0.0) {
        return Err(SasdError::EmptySupport);
    }
    if options.nonnegative
        && let Some(&v) = activation.iter().find(|&&v| v < 0.0)
    {
        return Err(SasdError::InvalidParameter {
            name: "activation entry (x >= 0 asked)",
            value: v,
            min: 0.0,
        });
    }
    Ok(())
}

/// Steps 1 and 2 of the [module documentation](self) on `fit`; returns the
/// amplitude scale s of the ℓ⁰ search, its rounds and the refit steps.
fn search(fit: &mut Fit, options: &SupportRefinement) -> (f64, usize, usize) {
    let floor = options.noise * (2.0 * (fit.m() as f64).ln()).sqrt();
    let last = options.thresholds.last().copied().unwrap_or(0.0);
    let mut scale = amplitude_scale(&fit.amplitudes);
    let mut refit_steps = 0;
    for _ in 0..options.lasso_rounds {
        fit.lasso((last * scale).max(floor), 50);
        fit.merge(2);
        refit_steps += refit::refit(fit);
        fit.fit_baseline();
        scale = robust_scale(&fit.amplitudes).max(f64::MIN_POSITIVE);
    }
    let mut rounds = 0;
    for &tau in &options.thresholds {
        let kappa = 0.5 * (tau * scale).max(floor).powi(2);
        for _ in 0..options.max_rounds {
            let pruned = fit.prune(kappa);
            let moved = fit.relocate(options.relocate_window);
            let cap = 10 + fit.positions.len() / 20;
            let added = fit.add(kappa, cap);
            refit_steps += refit::refit(fit);
            fit.fit_baseline();
            rounds += 1;
            if pruned + moved + added == 0 {
                break;
            }
        }
    }
    (scale, rounds, refit_steps)
}

/// [`amplitude_scale`] of the atoms within ten times the median |xᵢ|.
fn robust_scale(amplitudes: &[f64]) -> f64 {
    let mut a: Vec<f64> = amplitudes.iter().map(|v| v.abs()).collect();
    if a.is_empty() {
        return 0.0;
    }
    let mid = a.len() / 2;
    let median = *a.select_nth_unstable_by(mid, f64::total_cmp).1;
    a.retain(|&v| v <= 10.0 * median);
    amplitude_scale(&a)
}

/// s = Σxᵢ²/Σ|xᵢ|: the mean amplitude weighted by amplitude, which the many
/// tiny entries an ℓ¹ solver leaves hardly move (0 for no atoms).
fn amplitude_scale(amplitudes: &[f64]) -> f64 {
    let l1: f64 = amplitudes.iter().map(|v| v.abs()).sum();
    if l1 > 0.0 {
        amplitudes.iter().map(|v| v * v).sum::<f64>() / l1
    } else {
        0.0
    }
}

/// max_i |u_i − v_i| for the tests, NaN when a difference is NaN (so that a
/// NaN never passes for a small error, as it would through `f64::max`).
#[cfg(test)]
fn max_diff(u: &[f64], v: &[f64]) -> f64 {
    assert_eq!(u.len(), v.len(), "max_diff: lengths");
    let d: Vec<f64> = u.iter().zip(v).map(|(a, b)| a - b).collect();
    manifold::vecops::max_abs(&d)
}
