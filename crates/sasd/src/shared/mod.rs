//! Short-and-sparse deconvolution of many traces that share one kernel:
//! the sum over p traces of the Bilinear Lasso (LQK+20 eq. 3.1),
//!
//! min_{a ∈ S^{n−1}, x_i, b_i} Σ_{i=1}^p [½‖y_i − a ⊛ x_i − b_i‖² + λ‖x_i‖₁],
//!
//! one kernel a on the sphere, one activation x_i and one bias b_i (or
//! slowly varying baseline β_i) per trace. In a calcium recording every
//! neuron's trace shares the indicator's transient, in a STORM stack every
//! frame shares the point-spread function: pooling the traces pools the
//! evidence for the kernel, so traces far too short to find it one by one
//! find it together.
//!
//! The stacked problem ([`SharedLasso`]) is a two-block composite whose
//! x-block concatenates the x_i (the ℓ¹ prox stays separable) and whose
//! smooth part sums the traces' terms, computed in parallel (rayon) by one
//! [`BilinearLasso`](crate::objective::BilinearLasso) per trace with its
//! FFT plan built once. It runs through the pipeline's own schedules —
//! ADM, iADM, iPALM, homotopy (LQK+20 Alg. 6), reweighting (Alg. 7) or
//! homotopy then reweighting — from the same initialisations, with the
//! same default λ (following the noise under the linear boundary,
//! [`crate::pipeline::noise_level`] read over all traces) and the same
//! shift correction, so [`SharedKernel`] takes every setting of a
//! [`Deconvolution`] that makes sense for it. Not a method of the seeds as
//! such: LQK+20's objective summed over traces, the "short" counterpart of
//! the multichannel model of Qu19 / QLZ20 ([`crate::multichannel`], full
//! length kernels).
//!
//! ```no_run
//! use sasd::conv::Boundary;
//! use sasd::pipeline::MethodSpec;
//! use sasd::shared::SharedKernel;
//! # let traces: Vec<Vec<f64>> = vec![vec![0.0; 2000]; 20];
//! let out = SharedKernel::new(100)
//!     .boundary(Boundary::Linear)
//!     .bias(true)
//!     .nonnegative(true)
//!     .method(MethodSpec::homotopy_reweighted_iadm())
//!     .run(&traces)?;
//! println!("kernel {:?}, {} iterations", out.kernel(), out.iterations);
//! for (i, (events, sigma)) in out.events(&traces)?.iter().enumerate() {
//!     println!("trace {i}: {} events (noise {sigma:.3})", events.len());
//! }
//! # Ok::<(), sasd::SasdError>(())
//! ```

mod objective;
mod solve;

use std::time::Duration;

use optim::{NoObserver, Record, StopReason};

pub use objective::SharedLasso;

use crate::conv::{Boundary, Plan1d, Plan2d};
use crate::error::{Result, SasdError};
use crate::events::Event;
use crate::geometry::Shape;
use crate::init::Init;
use crate::pipeline::{Deconvolution, Deconvolved, MethodSpec, RunObserver, ShiftCorrection};

/// The spec of a shared-kernel run: one kernel (or N, `kernels`) for all
/// traces, and the settings every [`Deconvolution`] has. Build it with
/// [`new`](Self::new) / [`new_2d`](Self::new_2d) and the setters, or from a
/// whole [`Deconvolution`] ([`from_spec`](Self::from_spec)); run it with
/// [`run`](Self::run) (1-D traces) or [`run_2d`](Self::run_2d) (a stack of
/// frames).
///
/// Refused ([`SasdError::Unsupported`]): the second-order methods and the
/// two-stage algorithm (one trace's smoothed objectives), the support
/// refinement, and Algorithm 8's shift correction (it would cut each trace
/// its own kernel). The homotopy's re-centring polish is not run.
#[derive(Debug, Clone)]
pub struct SharedKernel {
    spec: Deconvolution,
}

impl SharedKernel {
    /// Traces share a kernel of length `kernel_size`; defaults as
    /// [`Deconvolution::new`] (homotopy-iADM, circular model, no bias).
    pub fn new(kernel_size: usize) -> Self {
        Self::from_spec(Deconvolution::new(kernel_size))
    }

    /// Frames share a `rows × cols` kernel ([`Deconvolution::new_2d`]).
    pub fn new_2d(rows: usize, cols: usize) -> Self {
        Self::from_spec(Deconvolution::new_2d(rows, cols))
    }

    /// Every setting of `spec` (kernel shape, method, λ, boundary, bias or
    /// baseline, x ≥ 0, seed, budgets, initialisation, truth) for a
    /// shared-kernel run.
    pub fn from_spec(spec: Deconvolution) -> Self {
        Self { spec }
    }

    /// The settings as a [`Deconvolution`] (what a single trace would run).
    pub fn spec(&self) -> &Deconvolution {
        &self.spec
    }

    /// Number of kernels N shared by the traces ([`Deconvolution::kernels`]).
    pub fn kernels(self, count: usize) -> Self {
        self.map(|s| s.kernels(count))
    }

    /// The method ([`Deconvolution::method`]; first-order methods only).
    pub fn method(self, method: MethodSpec) -> Self {
        self.map(|s| s.method(method))
    }

    /// λ, one for all traces ([`Deconvolution::lambda`]). Default: as one
    /// trace's, with σ̂ read over all traces.
    pub fn lambda(self, lambda: f64) -> Self {
        self.map(|s| s.lambda(lambda))
    }

    /// The observation model of every trace ([`Deconvolution::boundary`]).
    pub fn boundary(self, boundary: Boundary) -> Self {
        self.map(|s| s.boundary(boundary))
    }

    /// A constant bias b_i per trace ([`Deconvolution::bias`]).
    pub fn bias(self, on: bool) -> Self {
        self.map(|s| s.bias(on))
    }

    /// A slowly varying baseline β_i per trace ([`Deconvolution::baseline`],
    /// 1-D).
    pub fn baseline(self, period: f64) -> Self {
        self.map(|s| s.baseline(period))
    }

    /// x_i ≥ 0 for every trace ([`Deconvolution::nonnegative`]).
    pub fn nonnegative(self, on: bool) -> Self {
        self.map(|s| s.nonnegative(on))
    }

    /// Seed of the initial window ([`Deconvolution::seed`]).
    pub fn seed(self, seed: u64) -> Self {
        self.map(|s| s.seed(seed))
    }

    /// Iterations at most, over all stages ([`Deconvolution::max_iterations`]).
    pub fn max_iterations(self, n: usize) -> Self {
        self.map(|s| s.max_iterations(n))
    }

    /// Wall-time budget ([`Deconvolution::time_budget`]).
    pub fn time_budget(self, budget: Duration) -> Self {
        self.map(|s| s.time_budget(budget))
    }

    /// The initialisation ([`Deconvolution::init`]): windows are drawn from
    /// all traces, each less its own offset.
    pub fn init(self, init: Init) -> Self {
        self.map(|s| s.init(init))
    }

    /// A ground-truth kernel for the history and
    /// [`truth_errors`](SharedDeconvolved::truth_errors).
    pub fn truth_kernel(self, kernel: Vec<f64>) -> Self {
        self.map(|s| s.truth_kernel(kernel))
    }

    fn map(self, f: impl FnOnce(Deconvolution) -> Deconvolution) -> Self {
        Self { spec: f(self.spec) }
    }

    /// Deconvolves p 1-D traces of one length with one shared kernel.
    ///
    /// Errors, each one line: no trace ([`SasdError::ZeroDimension`]),
    /// traces of different lengths ([`SasdError::UnequalTraces`]), a kernel
    /// not shorter than the traces ([`SasdError::KernelTooLong`]), a bad
    /// trace ([`SasdError::InTrace`] with the trace's index), unsupported
    /// settings ([`SasdError::Unsupported`]), and what a single run refuses.
    pub fn run(&self, traces: &[Vec<f64>]) -> Result<SharedDeconvolved> {
        self.run_observed(traces, &mut NoObserver)
    }

    /// As [`run`](Self::run), with an observer of every iteration's record.
    pub fn run_observed<O: RunObserver>(
        &self,
        traces: &[Vec<f64>],
        observer: &mut O,
    ) -> Result<SharedDeconvolved> {
        let len = traces.first().map_or(0, Vec::len);
        self.run_shape(traces, Shape::d1(len), observer)
    }

    /// Deconvolves p frames (row-major, each `rows × cols`, LQK+20 App.
    /// C.2's model) with one shared 2-D kernel: a STORM stack and its
    /// point-spread function.
    pub fn run_2d(&self, frames: &[Vec<f64>], rows: usize, cols: usize) -> Result<SharedDeconvolved> {
        self.run_shape(frames, Shape::d2(rows, cols), &mut NoObserver)
    }

    fn run_shape<O: RunObserver>(
        &self,
        traces: &[Vec<f64>],
        signal: Shape,
        observer: &mut O,
    ) -> Result<SharedDeconvolved> {
        let spec = &self.spec;
        if traces.is_empty() {
            return Err(SasdError::ZeroDimension {
                what: "number of traces",
            });
        }
        let first = traces[0].len();
        if let Some((trace, t)) = traces.iter().enumerate().find(|(_, t)| t.len() != first) {
            return Err(SasdError::UnequalTraces {
                trace,
                len: t.len(),
                first,
            });
        }
        let unsupported = |feature| {
            Err(SasdError::Unsupported {
                method: "the shared-kernel run",
                feature,
            })
        };
        if spec.method.is_second_order() {
            return unsupported("the second-order methods or the two-stage algorithm");
        }
        if matches!(spec.refine, crate::pipeline::Refine::With(_)) {
            return unsupported("the support refinement");
        }
        if spec.shift_correction == ShiftCorrection::ReconstructionError {
            return unsupported("Algorithm 8's shift correction");
        }
        // The spec's own checks on every trace: what is wrong with a
        // trace's values names the trace; shapes and options, the same for
        // all, are reported as they are.
        let in_trace = |trace: usize| {
            move |e: SasdError| match e {
                SasdError::NonFinite { .. }
                | SasdError::BadScale { .. }
                | SasdError::EmptySignal
                | SasdError::NoSignal => SasdError::InTrace {
                    trace,
                    error: Box::new(e),
                },
                other => other,
            }
        };
        let layout = spec.check(&traces[0], signal).map_err(in_trace(0))?;
        for (trace, y) in traces.iter().enumerate().skip(1) {
            spec.check(y, signal).map_err(in_trace(trace))?;
        }
        if signal.is_2d() || spec.kernel.is_2d() {
            solve::solve::<Plan2d, O>(spec, traces, &layout, observer)
        } else {
            solve::solve::<Plan1d, O>(spec, traces, &layout, observer)
        }
    }
}

/// The result of a shared-kernel run: the kernel(s) once, and per trace a
/// [`Deconvolved`] holding its activation(s), bias or baseline (its
/// `kernels` are the shared ones, its `stop`, `iterations` and `elapsed`
/// the run's, its `ffts` the trace's own share, its `history` empty).
#[derive(Debug, Clone)]
pub struct SharedDeconvolved {
    /// The shared kernels, each cut back to the kernel's shape and
    /// normalised.
    pub kernels: Vec<Vec<f64>>,
    /// The kernels' shape.
    pub kernel_dims: Shape,
    /// The solver's lifted kernels.
    pub lifted_kernels: Vec<Vec<f64>>,
    /// Per trace, in input order.
    pub traces: Vec<Deconvolved>,
    /// λ at the end (λ* of a homotopy).
    pub lambda: f64,
    /// Why the solve stopped.
    pub stop: StopReason,
    /// Iterations over all stages.
    pub iterations: usize,
    /// Real FFTs over all traces.
    pub ffts: u64,
    /// Wall time of the solve.
    pub elapsed: Duration,
    /// Every iteration's record (objective summed over the traces, λ, FFTs,
    /// and the kernel error when a truth was given).
    pub history: Vec<Record>,
    /// Kernel errors against the truth, when one was given.
    pub truth_errors: Option<Vec<f64>>,
}

impl SharedDeconvolved {
    /// The first (for SaSD, the only) shared kernel.
    pub fn kernel(&self) -> &[f64] {
        self.kernels.first().map_or(&[], Vec::as_slice)
    }

    /// Trace i's first activation map.
    pub fn activation(&self, trace: usize) -> &[f64] {
        self.traces.get(trace).map_or(&[], Deconvolved::activation)
    }

    /// Each trace's bias (`None` without one).
    pub fn biases(&self) -> Vec<Option<f64>> {
        self.traces.iter().map(|t| t.bias).collect()
    }

    /// The events of every trace ([`Deconvolved::events`]: 3σ̂ of the
    /// trace's own residual), with that σ̂; `traces` are the data the run
    /// was given.
    pub fn events(&self, traces: &[Vec<f64>]) -> Result<Vec<(Vec<Event>, f64)>> {
        if traces.len() != self.traces.len() {
            return Err(SasdError::LengthMismatch {
                what: "list of traces",
                expected: self.traces.len(),
                found: traces.len(),
            });
        }
        self.traces.iter().zip(traces).map(|(d, y)| d.events(y)).collect()
    }
}
