//! The solvers behind `deconv`, `demo` and `compare`, under one name each, and
//! the one result type the program writes and plots.

use std::time::{Duration, Instant};

use clap::ValueEnum;
use optim::{Record, StopReason};
use sasd::conv::Boundary;
use sasd::events::Event;
use sasd::pipeline::{AdaptiveDecay, Deconvolution, Deconvolved, FFTS, KERNEL_ERROR, MethodSpec, Shape};
use sasd::pipeline::{DEFAULT_REFINE_MAX_ATOMS, RunObserver, SizeProbe};
use sasd::refine::{RefinementReport, SupportRefinement};
use sasd::shared::SharedKernel;
use sasd::two_stage::TwoStageSpec;

use crate::cmd::KernelSize;
use crate::error::CliError;

/// A solver, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// ADM (LQK+20 Alg. 2) at a fixed λ.
    Adm,
    /// Inertial ADM (Alg. 5) at a fixed λ.
    Iadm,
    /// iPALM with the kernel on the unit ball (the §5.3 baseline).
    Ipalm,
    /// Homotopy continuation in λ around ADM (Alg. 6).
    HomotopyAdm,
    /// Homotopy continuation in λ around iADM (Alg. 1 of LQK+20, the default).
    HomotopyIadm,
    /// Reweighted ℓ¹ around iADM (Alg. 7), for noisy data.
    ReweightedIadm,
    /// Homotopy around iADM down to λ, then the reweighting rounds (Alg. 6
    /// then Alg. 7), for noisy data.
    HomotopyReweightedIadm,
    /// Riemannian trust region on the Huber-smoothed Bilinear Lasso (ZLK+19
    /// eq. 22); 1-D, one kernel.
    TrustRegion,
    /// Curvilinear search with negative curvature on the same objective.
    Curvilinear,
    /// The two-stage algorithm of ZLK+19 (Algorithm 1): trust region on
    /// S^{n0−1}, zero-pad lift, continuation in λ.
    TwoStage,
}

impl Method {
    /// Every solver, in the order `compare` runs them.
    pub const ALL: [Method; 10] = [
        Method::Adm,
        Method::Iadm,
        Method::Ipalm,
        Method::HomotopyAdm,
        Method::HomotopyIadm,
        Method::ReweightedIadm,
        Method::HomotopyReweightedIadm,
        Method::TrustRegion,
        Method::Curvilinear,
        Method::TwoStage,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Method::Adm => "adm",
            Method::Iadm => "iadm",
            Method::Ipalm => "ipalm",
            Method::HomotopyAdm => "homotopy-adm",
            Method::HomotopyIadm => "homotopy-iadm",
            Method::ReweightedIadm => "reweighted-iadm",
            Method::HomotopyReweightedIadm => "homotopy-reweighted-iadm",
            Method::TrustRegion => "trust-region",
            Method::Curvilinear => "curvilinear",
            Method::TwoStage => "two-stage",
        }
    }

    /// The pipeline's method with its default options, η (the decay of λ
    /// per homotopy stage, or 1/β of the two-stage algorithm) when given.
    fn pipeline(self, eta: Option<f64>) -> MethodSpec {
        let spec = match self {
            Method::Adm => MethodSpec::adm(),
            Method::Iadm => MethodSpec::iadm(),
            Method::Ipalm => MethodSpec::ipalm(),
            Method::HomotopyAdm => MethodSpec::homotopy_adm(),
            Method::HomotopyIadm => MethodSpec::homotopy_iadm(),
            Method::ReweightedIadm => MethodSpec::reweighted_iadm(),
            Method::HomotopyReweightedIadm => MethodSpec::homotopy_reweighted_iadm(),
            Method::TrustRegion => MethodSpec::trust_region(),
            Method::Curvilinear => MethodSpec::curvilinear(),
            Method::TwoStage => MethodSpec::two_stage(),
        };
        match (spec, eta) {
            (MethodSpec::Homotopy(h), Some(eta)) => MethodSpec::Homotopy(h.fixed_eta(eta)),
            (MethodSpec::HomotopyReweighted(h, r), Some(eta)) => {
                MethodSpec::HomotopyReweighted(h.fixed_eta(eta), r)
            }
            (MethodSpec::TwoStage(t), Some(eta)) => {
                MethodSpec::TwoStage(TwoStageSpec { beta: 1.0 / eta, ..t })
            }
            (spec, _) => spec,
        }
    }

    /// The adaptive decay of a homotopy run of this method (none when `eta`
    /// fixes the decay), what `report.json` records.
    pub fn adaptive_decay(self, eta: Option<f64>) -> Option<AdaptiveDecay> {
        match self.pipeline(eta) {
            MethodSpec::Homotopy(h) | MethodSpec::HomotopyReweighted(h, _) => h.adaptive,
            _ => None,
        }
    }

    /// The η a run of this method uses (the slowest of an adaptive decay),
    /// `None` for the methods without a continuation in λ (what
    /// `report.json` records).
    pub fn effective_eta(self, eta: Option<f64>) -> Option<f64> {
        match self.pipeline(eta) {
            MethodSpec::Homotopy(h) | MethodSpec::HomotopyReweighted(h, _) => Some(h.eta),
            MethodSpec::TwoStage(t) => Some(1.0 / t.beta),
            _ => None,
        }
    }
}

/// The settings of one solve.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Kernel size n₀ or n₁×n₂.
    pub kernel: KernelSize,
    /// Number of kernels N.
    pub kernels: usize,
    /// The solver.
    pub method: Method,
    /// λ (fixed-λ methods) or λ* (homotopy); the method's default when `None`.
    pub lambda: Option<f64>,
    /// Decay of λ per homotopy stage, fixed; the adaptive decay from
    /// LQK+20's 0.9 when `None`.
    pub eta: Option<f64>,
    /// Fit a constant bias.
    pub bias: bool,
    /// Constrain the activation to be non-negative.
    pub nonnegative: bool,
    /// Seed of the initialisation.
    pub seed: u64,
    /// Iteration budget.
    pub max_iterations: usize,
    /// Refine the kernel by support selection and least-squares refits
    /// after the solve (1-D, one kernel; `sasd::refine`), with
    /// this noise level σ of the data (0: noiseless).
    pub refine_support: Option<f64>,
    /// No refinement at all, not even a recording's default one.
    pub no_refine: bool,
    /// The true kernels, when known: the history and the result then carry
    /// kernel errors.
    pub truth: Option<Vec<Vec<f64>>>,
    /// The observation model; `None`: linear (a recording window) for the
    /// Bilinear Lasso methods, circular for the second-order ones, which
    /// have only that.
    pub boundary: Option<Boundary>,
    /// Shortest period, in samples, of a fitted baseline (in place of the
    /// bias).
    pub baseline: Option<f64>,
    /// Read the kernel size from the data (`--kernel-size auto`: 1-D, one
    /// kernel, `Deconvolution::run_auto_size`); `kernel` is then the size
    /// of the first probe.
    pub auto_size: bool,
}

impl Settings {
    /// Checks that the kernel fits the data (LQK+20 lifts a kernel of n₀ to
    /// 3n₀ − 2 entries, per axis, and that must be shorter than the data),
    /// so that a hopeless run fails before any output is prepared.
    pub fn check_fits(&self, data: Shape) -> Result<(), CliError> {
        check_kernel_fits(self.kernel, data)?;
        match (self.kernel, data) {
            _ if self.refine_support.is_some() && self.kernels > 1 => {
                Err(CliError::new("--refine-support handles one kernel"))
            }
            (KernelSize::D2(..), _) if self.refine_support.is_some() => {
                Err(CliError::new("--refine-support handles 1-D signals only"))
            }
            _ if self.method.pipeline(None).is_second_order()
                && (self.kernels > 1 || self.bias || self.nonnegative) =>
            {
                Err(CliError::new(format!(
                    "--method {} handles one kernel without --bias or --nonneg",
                    self.method.name()
                )))
            }
            _ => Ok(()),
        }
    }

    /// The observation model these settings run.
    pub fn boundary(&self) -> Boundary {
        self.boundary
            .unwrap_or(if self.method.pipeline(None).is_second_order() {
                Boundary::Circular
            } else {
                Boundary::Linear
            })
    }

    /// The pipeline run these settings describe.
    fn pipeline(&self) -> Deconvolution {
        let run = match self.kernel {
            KernelSize::D1(n0) => Deconvolution::new(n0),
            KernelSize::D2(n1, n2) => Deconvolution::new_2d(n1, n2),
        };
        let mut run = run
            .kernels(self.kernels)
            .method(self.method.pipeline(self.eta))
            .boundary(self.boundary())
            .bias(self.bias)
            .nonnegative(self.nonnegative)
            .seed(self.seed)
            .max_iterations(self.max_iterations);
        if let Some(l) = self.lambda {
            run = run.lambda(l);
        }
        if let Some(t) = &self.truth {
            run = run.truth_kernels(t.clone());
        }
        if let Some(period) = self.baseline {
            run = run.baseline(period);
        }
        if self.no_refine {
            run = run.no_refinement();
        }
        if let Some(noise) = self.refine_support {
            run = run.refine_support(SupportRefinement {
                noise,
                ..SupportRefinement::default()
            });
        }
        run
    }
}

/// Checks that a kernel of `kernel` fits `data`: same dimension, and the
/// lifted kernel (3n − 2 per axis, LQK+20 §3) shorter than a signal or
/// inside an image.
pub fn check_kernel_fits(kernel: KernelSize, data: Shape) -> Result<(), CliError> {
    let lifted = |n: usize| 3 * n - 2;
    match (kernel, data) {
        (KernelSize::D1(n0), Shape::D1(m)) if lifted(n0) >= m => Err(CliError::new(format!(
            "--kernel-size {n0} is too large for a signal of {m} samples: the lifted kernel has 3·n0 − 2 = {} entries and must be shorter than the signal",
            lifted(n0)
        ))),
        (KernelSize::D2(n1, n2), Shape::D2 { rows, cols }) if lifted(n1) > rows || lifted(n2) > cols => {
            Err(CliError::new(format!(
                "--kernel-size {n1}x{n2} is too large for a {rows}x{cols} image: the lifted kernel is {}x{} (3·n − 2 per axis) and must fit in the image",
                lifted(n1),
                lifted(n2)
            )))
        }
        (KernelSize::D2(..), Shape::D1(_)) => Err(CliError::new("a 1-D signal needs a 1-D --kernel-size N")),
        (KernelSize::D1(_), Shape::D2 { .. }) => {
            Err(CliError::new("an image needs a 2-D --kernel-size N1xN2"))
        }
        _ => Ok(()),
    }
}

/// The data of one solve.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// A 1-D signal.
    Signal(&'a [f64]),
    /// An image, row-major.
    Image {
        /// Pixels, row-major.
        data: &'a [f64],
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
}

/// One point of a solve's history.
#[derive(Debug, Clone, Copy)]
pub struct HistoryPoint {
    /// Iteration (over all stages).
    pub iteration: usize,
    /// Objective value.
    pub cost: f64,
    /// Seconds since the start.
    pub seconds: f64,
    /// λ of the stage, for continuation methods.
    pub lambda: Option<f64>,
    /// Real FFTs so far.
    pub ffts: Option<u64>,
    /// Kernel error against the truth (on the iterations where it was taken).
    pub kernel_error: Option<f64>,
}

impl From<&Record> for HistoryPoint {
    fn from(r: &Record) -> Self {
        Self {
            iteration: r.iteration,
            cost: r.cost,
            seconds: r.elapsed.as_secs_f64(),
            lambda: r.extra("lambda"),
            ffts: r.extra(FFTS).map(|f| f as u64),
            kernel_error: r.extra(KERNEL_ERROR),
        }
    }
}

/// What a solve returns, whichever solver ran.
#[derive(Debug, Clone)]
pub struct Solution {
    /// The solver.
    pub method: Method,
    /// The kernels after shift correction, unit norm (row-major in 2-D).
    pub kernels: Vec<Vec<f64>>,
    /// Shape of each kernel.
    pub kernel_dims: Shape,
    /// The activations, aligned with their kernels.
    pub activations: Vec<Vec<f64>>,
    /// Shape of each activation (the data's, or m + n0 − 1 per axis under
    /// the linear model).
    pub activation_dims: Shape,
    /// The observation model.
    pub boundary: Boundary,
    /// The fitted baseline, when asked for.
    pub baseline: Option<Vec<f64>>,
    /// The events of the activations (`sasd::events`), indices in the
    /// activation's frame.
    pub events: Vec<Event>,
    /// Where sample 0 of the data sits in the activation's frame (n0 − 1
    /// under the linear model, 0 otherwise).
    pub origin: usize,
    /// The robust noise level of the fit's residual (the events' 3σ̂ rule).
    pub noise: f64,
    /// What the result says about the kernel size (`Deconvolved::kernel_warnings`).
    pub warnings: Vec<String>,
    /// Shape of the data and of each activation.
    pub signal_dims: Shape,
    /// The fitted bias, if asked for.
    pub bias: Option<f64>,
    /// Σ_k kernel_k ⊛ activation_k + bias: the model's fit of the data.
    pub reconstruction: Vec<f64>,
    /// λ of the final solve.
    pub lambda: f64,
    /// Why the solver stopped.
    pub stop: StopReason,
    /// Iterations over all stages.
    pub iterations: usize,
    /// Real FFTs performed.
    pub ffts: u64,
    /// Wall time of the solve.
    pub elapsed: Duration,
    /// Objective, λ, FFTs and kernel error along the way.
    pub history: Vec<HistoryPoint>,
    /// The largest kernel error against the truth (LQK+20 §5.1, after the
    /// best matching of kernels), when a truth was given.
    pub kernel_error: Option<f64>,
    /// What the support refinement did, when it ran.
    pub refinement: Option<RefinementReport>,
    /// The probes of `--kernel-size auto`, in order (empty otherwise).
    pub size_probes: Vec<SizeProbe>,
}

/// Deconvolves one signal or image.
pub fn solve<O: RunObserver>(data: Data<'_>, s: &Settings, observer: &mut O) -> Result<Solution, CliError> {
    let run = s.pipeline();
    let start = Instant::now();
    let (out, probes) = match data {
        Data::Signal(y) if s.auto_size => {
            s.check_fits(Shape::D1(y.len()))?;
            run.run_auto_size_observed(y, observer)?
        }
        Data::Signal(y) => {
            s.check_fits(Shape::D1(y.len()))?;
            (run.run_observed(y, observer)?, Vec::new())
        }
        Data::Image { data, rows, cols } => {
            s.check_fits(Shape::D2 { rows, cols })?;
            (run.run_2d_observed(data, rows, cols, observer)?, Vec::new())
        }
    };
    let y = match data {
        Data::Signal(y) => y,
        Data::Image { data, .. } => data,
    };
    let skipped = run.refinement_skipped_for_size(&out);
    let mut solution = solution(s.method, out, y)?;
    if let Some(atoms) = skipped {
        solution.warnings.push(format!(
            "the default support refinement was skipped: the activation has {atoms} atoms, more than \
             its limit of {DEFAULT_REFINE_MAX_ATOMS} (its cost grows with their square); \
             --refine-support runs it anyway"
        ));
    }
    if let Some(last) = probes.last().filter(|p| p.extent > p.size) {
        solution.warnings.push(format!(
            "--kernel-size auto ended at {} samples with the motif still wider than its window \
             (extent {}): the events may be too dense for the rule, or the kernel too long for \
             this signal (auto tries up to a lifted kernel of m/8); give --kernel-size",
            last.size, last.extent
        ));
    }
    if !probes.is_empty() {
        // Every probe's time, not only the last run's.
        solution.elapsed = start.elapsed();
    }
    solution.size_probes = probes;
    Ok(solution)
}

/// Deconvolves many signals in parallel, handing each solution to `sink` in
/// input order as soon as its round is done
/// ([`sasd::pipeline::deconvolve_batch_streamed`]): the batch holds a few
/// solutions at a time. The first error of `sink` stops it.
pub fn solve_batch_streamed(
    signals: &[Vec<f64>],
    s: &Settings,
    mut sink: impl FnMut(usize, Result<Solution, CliError>) -> Result<(), CliError>,
) -> Result<(), CliError> {
    sasd::pipeline::deconvolve_batch_streamed(&s.pipeline(), signals, |i, r| {
        let out = r
            .map_err(CliError::from)
            .and_then(|d| solution(s.method, d, &signals[i]));
        sink(i, out)
    })
}

/// Deconvolves many signals of one length with one kernel shared by all
/// (`sasd::shared::SharedKernel`, the sum of their Bilinear Lassos): one
/// solution per signal, in input order, each with the shared kernel, its
/// own activation, bias or baseline and events; the run's history rides on
/// the first.
pub fn solve_shared(signals: &[Vec<f64>], s: &Settings) -> Result<Vec<Solution>, CliError> {
    let out = SharedKernel::from_spec(s.pipeline()).run(signals)?;
    let mut history = out.history;
    out.traces
        .into_iter()
        .zip(signals)
        .map(|(mut d, y)| {
            d.history = std::mem::take(&mut history);
            solution(s.method, d, y)
        })
        .collect()
}

fn solution(method: Method, out: Deconvolved, y: &[f64]) -> Result<Solution, CliError> {
    let reconstruction = out.reconstruction()?;
    let (events, noise) = out.events(y)?;
    let warnings = out
        .kernel_warnings(&events)
        .iter()
        .map(ToString::to_string)
        .collect();
    let origin = out.origin();
    Ok(Solution {
        method,
        kernel_error: out.max_truth_error(),
        refinement: out.refinement,
        history: out.history.iter().map(HistoryPoint::from).collect(),
        kernels: out.kernels,
        kernel_dims: out.kernel_dims,
        activations: out.activations,
        activation_dims: out.activation_dims,
        boundary: out.boundary,
        baseline: out.baseline,
        events,
        origin,
        noise,
        warnings,
        signal_dims: out.signal_dims,
        bias: out.bias,
        reconstruction,
        lambda: out.lambda,
        stop: out.stop,
        iterations: out.iterations,
        ffts: out.ffts,
        elapsed: out.elapsed,
        size_probes: Vec::new(),
    })
}
