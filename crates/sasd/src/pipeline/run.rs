//! One run: the spec checked against the data, the solve of its method,
//! the shift correction and the optional refinement.

use super::finish::finish;
use super::{
    Deconvolution, Deconvolved, Init, MethodSpec, Refine, RunObserver, ShiftCorrection, lasso, noise_level,
    refined, smooth,
};
use crate::conv::Boundary;
use crate::conv::{Plan1d, Plan2d};
use crate::error::{Result, SasdError, check_finite};
use crate::geometry::{Grid, Shape, lift};
use crate::refine::SupportRefinement;
use optim::StopReason;

/// The largest |y| the solvers accept, and the smallest: beyond them sums of
/// squares overflow or underflow (the λ's, norms and line searches with
/// them).
const SCALE: (f64, f64) = (1e-150, 1e150);

/// The shapes of a run on the engine's grids (see [`crate::geometry`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// The data's shape as the caller gave it.
    pub signal: Shape,
    /// The kernel's shape, in the data's dimension.
    pub kernel: Shape,
    pub grid: Grid,
    pub kgrid: Grid,
    pub lgrid: Grid,
    /// Grid of one activation map: the signal's (circular) or longer by
    /// n − 1 per axis (linear).
    pub xgrid: Grid,
    /// The observation model.
    pub boundary: Boundary,
    /// Number of kernels N.
    pub count: usize,
}

impl Layout {
    /// Entries of a lifted kernel.
    pub fn n(&self) -> usize {
        self.lgrid.0 * self.lgrid.1
    }

    /// Entries of one activation map.
    pub fn x_len(&self) -> usize {
        self.xgrid.0 * self.xgrid.1
    }
}

impl Deconvolution {
    /// Validates, then runs in the geometry of the signal.
    pub(super) fn run_shape<O: RunObserver>(
        &self,
        y: &[f64],
        signal: Shape,
        observer: &mut O,
    ) -> Result<Deconvolved> {
        let layout = self.check(y, signal)?;
        let raw = if self.method.is_second_order() {
            smooth::solve(self, y, &layout, observer)?
        } else if signal.is_2d() {
            lasso::solve::<Plan2d, O>(self, y, &layout, observer)?
        } else {
            lasso::solve::<Plan1d, O>(self, y, &layout, observer)?
        };
        let out = if signal.is_2d() {
            finish::<Plan2d>(self, y, &layout, raw)?
        } else {
            finish::<Plan1d>(self, y, &layout, raw)?
        };
        self.refine_stage(y, signal, out)
    }

    /// The refinement a solve's result gets by this spec (step 5 of the
    /// pipeline): the one asked for, a recording's default, or none.
    pub(super) fn refine_stage(&self, y: &[f64], signal: Shape, out: Deconvolved) -> Result<Deconvolved> {
        let nonnegative = self.nonnegative;
        match &self.refine {
            Refine::With(options) => {
                let options = SupportRefinement {
                    nonnegative: options.nonnegative || nonnegative,
                    ..options.clone()
                };
                refined::refine(y, out, &options, self.baseline, self.truth.as_deref())
            }
            // A run stopped by its caller (an observer: Ctrl-C) or by its time
            // budget stands as it is, never refined on top; so does an
            // activation with more atoms than the default refinement takes.
            Refine::Auto
                if self.refines_by_default(signal) && !stopped(&out) && too_many_atoms(&out).is_none() =>
            {
                let options = SupportRefinement {
                    nonnegative,
                    noise: noise_level(y, y.len()),
                    ..SupportRefinement::default()
                };
                // An activation with no atom left has nothing to refine:
                // the solve's result stands.
                match refined::refine(y, out.clone(), &options, self.baseline, self.truth.as_deref()) {
                    Err(SasdError::EmptySupport) => Ok(out),
                    other => other,
                }
            }
            Refine::Auto | Refine::Off => Ok(out),
        }
    }

    /// The atoms of `out` when a recording's default refinement was skipped
    /// for their number ([`DEFAULT_REFINE_MAX_ATOMS`]), so that a caller can
    /// say so; `None` when it ran, was not due, or the run was stopped.
    pub fn refinement_skipped_for_size(&self, out: &Deconvolved) -> Option<usize> {
        (matches!(self.refine, Refine::Auto) && self.refines_by_default(out.signal_dims) && !stopped(out))
            .then(|| too_many_atoms(out))
            .flatten()
    }

    /// Whether [`Refine::Auto`] refines: a recording (the linear boundary),
    /// 1-D, one kernel, a first-order method.
    fn refines_by_default(&self, signal: Shape) -> bool {
        self.boundary == Boundary::Linear
            && !signal.is_2d()
            && !self.kernel.is_2d()
            && self.kernels == 1
            && !self.method.is_second_order()
    }

    /// Every check that needs no solve: counts and shapes, the data, the
    /// truth, and what the method supports.
    pub(crate) fn check(&self, y: &[f64], signal: Shape) -> Result<Layout> {
        if self.kernels == 0 {
            return Err(SasdError::ZeroDimension {
                what: "number of kernels",
            });
        }
        if self.kernel.is_empty() {
            return Err(SasdError::ZeroDimension { what: "kernel size" });
        }
        if y.is_empty() {
            return Err(SasdError::EmptySignal);
        }
        // A 1-D kernel or signal next to a 2-D one is a 1×n row.
        let (kernel, signal) = if self.kernel.is_2d() || signal.is_2d() {
            (self.kernel.as_2d(), signal.as_2d())
        } else {
            (self.kernel, signal)
        };
        if signal.rows().checked_mul(signal.cols()) != Some(y.len()) {
            return Err(SasdError::ShapeMismatch {
                what: "image",
                rows: signal.rows(),
                cols: signal.cols(),
                len: y.len(),
            });
        }
        // Checked before anything is allocated: 3n − 2 must not overflow.
        let too_long = |k: usize, s: usize, axis| SasdError::KernelTooLong {
            kernel: k,
            signal: s,
            axis,
        };
        if signal.is_2d() {
            // An image's kernel, lifted, must fit inside it along each axis.
            for (axis, (k, s)) in [(kernel.rows(), signal.rows()), (kernel.cols(), signal.cols())]
                .into_iter()
                .enumerate()
            {
                if k > s {
                    return Err(too_long(k, s, axis));
                }
                if k > 1 && 3 * k - 2 > s {
                    return Err(too_long(3 * k - 2, s, axis));
                }
            }
        } else if kernel.len() >= signal.len() {
            // A 1-D kernel must be shorter than the signal.
            return Err(too_long(kernel.len(), signal.len(), 0));
        }
        if self.kernels.saturating_mul(kernel.len()) > y.len() {
            return Err(SasdError::TooManyKernels {
                kernels: self.kernels,
                kernel_len: kernel.len(),
                signal: y.len(),
            });
        }
        check_finite("observation", y)?;
        let max_abs = y.iter().fold(0.0_f64, |acc, t| acc.max(t.abs()));
        if max_abs > 0.0 && !(SCALE.0..=SCALE.1).contains(&max_abs) {
            return Err(SasdError::BadScale {
                max_abs,
                min: SCALE.0,
                max: SCALE.1,
            });
        }
        if let Some(truth) = &self.truth {
            check_truth(truth, self.kernels, kernel.len())?;
        }
        let unsupported = |method, feature| Err(SasdError::Unsupported { method, feature });
        let linear = self.boundary == Boundary::Linear;
        if self.baseline.is_some() && signal.is_2d() {
            return unsupported("the baseline", "images");
        }
        if linear && self.shift_correction == ShiftCorrection::ReconstructionError {
            return unsupported("Algorithm 8's shift correction", "the linear boundary");
        }
        if matches!(self.refine, Refine::With(_)) {
            if signal.is_2d() {
                return unsupported("the support refinement", "images or 2-D kernels");
            }
            if self.kernels != 1 {
                return unsupported("the support refinement", "several kernels");
            }
        }
        if self.method.is_second_order() {
            // The smoothed objectives are 1-D, one kernel, without a bias or
            // a sign constraint (ZLK+19 eq. 22, Zha19).
            let name = self.method.name();
            if signal.is_2d() {
                return unsupported(name, "images or 2-D kernels");
            }
            if self.kernels != 1 {
                return unsupported(name, "several kernels");
            }
            if self.bias {
                return unsupported(name, "a bias");
            }
            if self.nonnegative {
                return unsupported(name, "non-negative activations");
            }
            if self.baseline.is_some() {
                return unsupported(name, "a baseline");
            }
            if linear {
                return unsupported(name, "the linear boundary");
            }
            if matches!(self.method, MethodSpec::TwoStage(_)) && self.init != Init::Window {
                return unsupported(name, "an initialisation (stage I starts at random)");
            }
        }
        let (grid, kgrid) = (signal.grid(), kernel.grid());
        let lgrid = lift(kgrid);
        Ok(Layout {
            signal,
            kernel,
            grid,
            kgrid,
            lgrid,
            xgrid: self.boundary.activation_shape(grid, lgrid),
            boundary: self.boundary,
            count: self.kernels,
        })
    }
}

/// Ground truths: one per kernel, each of the kernel's size, finite, not zero.
fn check_truth(truth: &[Vec<f64>], count: usize, len: usize) -> Result<()> {
    if truth.len() != count {
        return Err(SasdError::LengthMismatch {
            what: "list of truth kernels",
            expected: count,
            found: truth.len(),
        });
    }
    for t in truth {
        crate::error::check_len("truth kernel", t, len)?;
        check_finite("truth kernel", t)?;
        if t.iter().all(|v| *v == 0.0) {
            return Err(SasdError::InvalidParameter {
                name: "truth kernel norm",
                value: 0.0,
                min: f64::MIN_POSITIVE,
            });
        }
    }
    Ok(())
}

/// The most atoms ([`refinement_atoms`] of the solve's activation) the
/// default support refinement of a recording takes; above it the solve's
/// result stands ([`Deconvolution::refine_support`] still refines on
/// request). The refinement's rounds and refits grow with the atoms and
/// each refit costs O(atoms · L²): measured 8 s for 723 atoms, 14 s for
/// the real ECG's 2,001 (150 taps, after the adaptive decay's solve; it
/// was 2,000 until that run was skipped by one atom), 611 s for 6,202 (the
/// §5.2 instance on 2·10⁵ samples, after a 69 s solve).
pub const DEFAULT_REFINE_MAX_ATOMS: usize = 3_000;

/// Whether the caller (an observer) or the time budget stopped the run.
fn stopped(out: &Deconvolved) -> bool {
    matches!(out.stop, StopReason::Observer | StopReason::TimeBudget)
}

/// The atoms of `out` when more than [`DEFAULT_REFINE_MAX_ATOMS`].
fn too_many_atoms(out: &Deconvolved) -> Option<usize> {
    Some(refinement_atoms(out.activation())).filter(|&atoms| atoms > DEFAULT_REFINE_MAX_ATOMS)
}

/// The atoms a support refinement would keep after its first round: the
/// entries of x at or above its first default threshold, 0.4·s with
/// s = Σxᵢ²/Σ|xᵢ| the refinement's amplitude scale ([`crate::refine`]). A
/// Lasso activation's many small entries do not count: the §5.2 instance
/// on 2·10⁵ samples has 6,192; the real ECG's 150-tap run about 2,000.
pub fn refinement_atoms(x: &[f64]) -> usize {
    let (l2, l1) = x.iter().fold((0.0, 0.0), |(q, a), v| (q + v * v, a + v.abs()));
    if l1 == 0.0 {
        return 0;
    }
    let floor = 0.4 * l2 / l1;
    x.iter().filter(|v| v.abs() >= floor).count()
}
