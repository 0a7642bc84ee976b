//! `sasd deconv`: deconvolve the user's signal, batch of signals or image.

mod batch;

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cmd::{self, KernelSize, SizeArg, check_eta, check_lambda};
use crate::error::CliError;
use crate::io::{self, Input};
use crate::limits;
use crate::output::{OutDir, SOLUTION_FILES, Truth, stacked_shape};
use crate::progress::Heartbeat;
use crate::progress::Progress;
use crate::report::solve_report;
use crate::solve::{Data, Method, Settings, Solution, solve, solve_batch_streamed, solve_shared};
use crate::{OutArgs, Verbosity, default_out};
use sasd::conv::Boundary;
use sasd::pipeline::Shape;

/// Options of `sasd deconv`.
#[derive(Debug, Args)]
pub struct DeconvArgs {
    /// The data: .npy (1-D signal or 2-D image, f32/f64), .csv/.txt (one
    /// signal per column; several columns are deconvolved in parallel),
    /// .png/.tif (grayscale image).
    input: PathBuf,
    /// Kernel length n0, N1xN2 (rows x columns) for an image, or `auto`
    /// (one 1-D signal, one kernel): runs from 16 samples, each next run at
    /// 1.25x the stretch of the previous run's lifted kernel (3·n0 − 2
    /// samples) that holds 95 % of its energy, until that stretch fits the
    /// size; report.json lists the runs.
    #[arg(long)]
    kernel_size: SizeArg,
    /// Number of kernels (convolutional dictionary learning when > 1).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    kernels: usize,
    /// The solver.
    #[arg(long, value_enum, default_value_t = Method::HomotopyIadm)]
    method: Method,
    /// λ of a fixed-λ method, or the final λ* of a homotopy. Default under
    /// the linear boundary (a recording), and for the reweighted methods:
    /// max(0.1/√n, 2σ̂), σ̂ the noise level read in the data's quietest
    /// stretches, so results do not depend on units; under the circular
    /// boundary 0.1/√n (the papers' noiseless data); n the number of entries
    /// of the lifted kernel, 3·n0 − 2 in 1-D; 0.1 for trust-region and
    /// curvilinear.
    #[arg(long, allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// Fixed decay of λ per homotopy stage, in (0, 1) (LQK+20 §4.2.2 uses
    /// 0.9). Default: adaptive, from 0.9 towards 0.3 while the kernel stays
    /// put (optim::AdaptiveDecay).
    #[arg(long, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Fit a constant bias b: y ≈ a ⊛ x + b (the default for a non-negative
    /// image: pixel values carry an offset, without which the solve runs to
    /// the iteration cap).
    #[arg(long, conflicts_with = "no_bias")]
    bias: bool,
    /// Fit no bias, also for a non-negative image.
    #[arg(long)]
    no_bias: bool,
    /// Constrain the activation to be non-negative.
    #[arg(long)]
    nonneg: bool,
    /// The observation model: `linear` (the data are a window of a longer
    /// recording: y = a ∗ x over the window, x longer than y by n0 − 1 —
    /// what a recording is; the default for the Bilinear Lasso methods) or
    /// `circular` (y = a ⊛ x mod m, the papers' synthetic model; the only
    /// one of trust-region, curvilinear and two-stage).
    #[arg(long, value_enum)]
    boundary: Option<BoundaryArg>,
    /// Fit a slowly varying baseline (drift) instead of a constant: a sum
    /// of cosines down to this shortest period, in samples (in seconds with
    /// --rate). Choose it a few kernel lengths long and at most a third of
    /// the drift's period (on drifting test recordings 5 kernel lengths
    /// recovered the kernel to 1e-3; 10 did not for a drift of 15). 1-D only.
    #[arg(long, allow_negative_numbers = true)]
    baseline: Option<f64>,
    /// Sampling rate in Hz: --baseline is then in seconds and events.csv
    /// gets a time column.
    #[arg(long, allow_negative_numbers = true)]
    rate: Option<f64>,
    /// Seed of the initialisation.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Iteration budget.
    #[arg(long, default_value_t = 20_000, allow_negative_numbers = true)]
    max_iterations: usize,
    /// After the solve, refine the kernel by support selection and
    /// least-squares refits (1-D, one kernel; x ≥ 0 with --nonneg): for smooth
    /// kernels, where the Bilinear Lasso's own minimiser is biased (seed
    /// 003's Gaussian g_{100,0.5}: kernel error 1e-2–5e-2 → 3e-4–4e-3).
    /// A 1-D, one-kernel run under the linear boundary refines by default,
    /// at the noise level estimated from the data (AR(2) recordings with
    /// drift and noise: kernel error 2e-2–4e-2 → 2e-3–6e-3), unless the
    /// activation has more than 3,000 atoms (its cost grows with their
    /// square; a note says so); this flag asks for it elsewhere too, and
    /// always, at the level of --noise.
    #[arg(long, conflicts_with = "no_refine")]
    refine_support: bool,
    /// Do not refine, not even a recording's default refinement.
    #[arg(long)]
    no_refine: bool,
    /// The noise level σ of the data, for --refine-support: no atom is kept
    /// whose amplitude is below σ·√(2 ln m) (without it, on noisy data the
    /// refinement fits the noise).
    #[arg(long, requires = "refine_support", allow_negative_numbers = true)]
    noise: Option<f64>,
    /// The true kernel (.npy: n0, N1xN2, or K stacked), to report kernel errors.
    #[arg(long)]
    truth_kernel: Option<PathBuf>,
    /// One kernel shared by all columns of a CSV batch (traces of one
    /// length, e.g. the neurons of a calcium recording): the sum of their
    /// Bilinear Lassos, each column with its own activation, bias or
    /// baseline and events. kernel.npy then holds the one kernel.
    #[arg(long)]
    shared_kernel: bool,
    /// Directory for the results (default ./sasd-deconv).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    out_args: OutArgs,
}

/// The observation model, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BoundaryArg {
    /// A window of a linear convolution (recordings).
    Linear,
    /// Cyclic convolution (the papers' synthetic data).
    Circular,
}

impl From<BoundaryArg> for Boundary {
    fn from(b: BoundaryArg) -> Self {
        match b {
            BoundaryArg::Linear => Boundary::Linear,
            BoundaryArg::Circular => Boundary::Circular,
        }
    }
}

/// Runs `sasd deconv`.
pub fn run(mut args: DeconvArgs, verbosity: Verbosity) -> Result<(), CliError> {
    check_lambda(args.lambda)?;
    if let Some(rate) = args.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(CliError::new(format!(
            "--rate must be a frequency > 0 in Hz, got {rate}"
        )));
    }
    if let Some(p) = args.baseline
        && !(p.is_finite() && p > 0.0)
    {
        return Err(CliError::new(format!("--baseline must be a period > 0, got {p}")));
    }
    check_eta(args.eta)?;
    if let Some(s) = args.noise
        && !(s.is_finite() && s >= 0.0)
    {
        return Err(CliError::new(format!("--noise must be a number >= 0, got {s}")));
    }
    if args.kernels == 0 {
        return Err(CliError::new("--kernels must be at least 1"));
    }
    let auto_size = args.kernel_size == SizeArg::Auto;
    if auto_size && args.kernels > 1 {
        return Err(CliError::new(
            "--kernel-size auto finds the size of one kernel: give a size with --kernels",
        ));
    }
    if auto_size && args.truth_kernel.is_some() {
        return Err(CliError::new(
            "--kernel-size auto with --truth-kernel: the truth's length is the size, give it",
        ));
    }
    if auto_size && args.shared_kernel {
        return Err(CliError::new(
            "--kernel-size auto with --shared-kernel: give a size",
        ));
    }
    // `auto` starts from its first probe, which must fit the data.
    let kernel_size = match args.kernel_size {
        SizeArg::Given(k) => k,
        SizeArg::Auto => KernelSize::D1(sasd::pipeline::FIRST_SIZE),
    };
    let input = io::read_input(&args.input)?;
    if auto_size && !matches!(input, Input::Signal(_)) {
        return Err(CliError::new(
            "--kernel-size auto needs one 1-D signal (not an image or a batch): give a size",
        ));
    }
    if args.shared_kernel && !matches!(input, Input::Batch(_)) {
        return Err(CliError::new(
            "--shared-kernel needs several traces: a CSV/TXT with one trace per column",
        ));
    }
    let truth = args
        .truth_kernel
        .as_deref()
        .map(|p| read_truth(p, kernel_size, args.kernels))
        .transpose()?;
    let dims = match &input {
        Input::Signal(y) => Shape::D1(y.len()),
        Input::Batch(signals) => Shape::D1(signals.iter().map(Vec::len).min().unwrap_or(0)),
        Input::Image { rows, cols, .. } => Shape::D2 {
            rows: *rows,
            cols: *cols,
        },
    };
    // Sizes with checked arithmetic, before the solver allocates: the
    // kernel's lifted window fits the data, the K activations fit in memory.
    limits::check_kernel(kernel_size, cmd::data_size(dims))?;
    limits::check_total(
        &format!("--kernels {} × the data", args.kernels),
        args.kernels,
        Some(match &input {
            Input::Signal(y) => y.len(),
            Input::Batch(c) => c.iter().map(Vec::len).sum(),
            Input::Image { data, .. } => data.len(),
        }),
    )?;
    let image_bias = default_image_bias(&input, &args);
    if image_bias {
        args.bias = true;
        if verbosity != Verbosity::Quiet {
            println!(
                "note: the image is non-negative, so a constant offset b is fitted (as with --bias; --no-bias turns it off)"
            );
        }
    }
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.truth_kernel.as_deref());
    let out_path = args.out.clone().unwrap_or_else(|| default_out("deconv"));
    let settings = Settings {
        kernel: kernel_size,
        kernels: args.kernels,
        method: args.method,
        lambda: args.lambda,
        eta: args.eta,
        bias: args.bias,
        nonnegative: args.nonneg,
        seed: args.seed,
        max_iterations: args.max_iterations,
        refine_support: args.refine_support.then_some(args.noise.unwrap_or(0.0)),
        no_refine: args.no_refine,
        truth: truth.clone(),
        boundary: args.boundary.map(Boundary::from),
        baseline: args.baseline.map(|p| p * args.rate.unwrap_or(1.0)),
        auto_size,
    };
    settings.check_fits(dims)?;
    let out = OutDir::prepare(&out_path, &inputs, &SOLUTION_FILES, args.out_args.force)?;
    let path = args.input.display().to_string();
    let described = input.describe();
    let single_truth = truth.as_ref().filter(|t| t.len() == 1).map(|t| Truth {
        kernel: &t[0],
        activation: None,
    });
    let summary = match &input {
        Input::Signal(y) => {
            let s = solve_one(Data::Signal(y), &settings, verbosity)?;
            out.write_arrays(&s)?;
            out.write_events(&s, args.rate)?;
            warn(&s);
            let report = solve_report(
                json!({ "path": path, "data": described, "shape": [y.len()] }),
                &settings,
                &s,
                json!({}),
            );
            out.json("report.json", &report)?;
            out.write_plots(y, &s, single_truth)?;
            if let Some(t) = &truth {
                out.kernels_vs_truth(&s, t)?;
            }
            describe(&s)
        }
        Input::Image { data, rows, cols } => {
            let (rows, cols) = (*rows, *cols);
            let s = solve_one(Data::Image { data, rows, cols }, &settings, verbosity)?;
            out.write_arrays(&s)?;
            out.write_events(&s, None)?;
            warn(&s);
            let report = solve_report(
                json!({ "path": path, "data": described, "shape": [rows, cols] }),
                &settings,
                &s,
                json!({}),
            );
            out.json("report.json", &report)?;
            out.write_plots(data, &s, None)?;
            if let Some(t) = &truth {
                out.kernels_vs_truth(&s, t)?;
            }
            describe(&s)
        }
        Input::Batch(signals) => {
            if matches!(kernel_size, KernelSize::D2(..)) {
                return Err(CliError::new(
                    "a batch of 1-D signals needs a 1-D --kernel-size N",
                ));
            }
            // The solves run in parallel: no per-iteration progress, but the
            // count of columns done as their rounds end.
            let n = signals.len();
            let beat = if args.shared_kernel {
                Heartbeat::start(
                    &format!("deconvolving {n} signals with one shared kernel"),
                    verbosity,
                )
            } else {
                Heartbeat::counting(&format!("deconvolving {n} signals in parallel"), n, verbosity)
            };
            let mut writer = batch::BatchWriter::new(&out, signals.len(), args.rate, !args.shared_kernel)?;
            let mut per_signal = Vec::with_capacity(signals.len());
            let mut failed: Vec<String> = Vec::new();
            // Each solution is written as it arrives; after a failure nothing
            // will be committed, so the rest are only solved, to name every
            // failing column.
            let mut take = |i: usize, r: Result<Solution, CliError>| -> Result<(), CliError> {
                beat.advance();
                match r {
                    Ok(s) if failed.is_empty() => {
                        let mut entry = solve_report(json!({}), &settings, &s, json!({}))["result"].clone();
                        let row = writer.push(&signals[i], s)?;
                        entry["column"] = json!(row.column);
                        entry["completed"] = json!(row.completed);
                        entry["relative_misfit"] = json!(row.misfit);
                        per_signal.push(entry);
                    }
                    Ok(_) => {}
                    Err(e) => failed.push(format!("column {}: {e}", i + 1)),
                }
                Ok(())
            };
            if args.shared_kernel {
                for (i, s) in solve_shared(signals, &settings)?.into_iter().enumerate() {
                    take(i, Ok(s))?;
                }
            } else {
                solve_batch_streamed(signals, &settings, &mut take)?;
            }
            drop(beat);
            if !failed.is_empty() {
                return Err(CliError::new(format!(
                    "{} of {} signals failed ({}); nothing written",
                    failed.len(),
                    signals.len(),
                    failed.join("; ")
                )));
            }
            let batch::Written { rows, first, worst } = writer.finish()?;
            if args.shared_kernel {
                // One kernel for all columns: written once.
                out.npy(
                    "kernel.npy",
                    first.kernels.concat(),
                    stacked_shape(first.kernels.len(), first.kernel_dims),
                )?;
            }
            let worst_columns: Vec<usize> = worst.iter().map(|(r, _)| r.column).collect();
            let report = solve_report(
                json!({ "path": path, "data": described, "signals": signals.len(), "length": signals[0].len() }),
                &settings,
                &first,
                json!({ "batch": per_signal, "shared_kernel": args.shared_kernel, "plots": "fit.png, kernel.png, ...: column 1; batch-fit.png: the columns that fit worst", "batch_fit_columns": worst_columns }),
            );
            out.json("report.json", &report)?;
            out.write_plots(&signals[0], &first, single_truth)?;
            batch::plot_worst(&out, signals, &worst)?;
            if verbosity != Verbosity::Quiet {
                batch::print_table(&rows);
            }
            let incomplete = rows.iter().filter(|r| !r.completed).count();
            format!(
                "{} signals deconvolved {}, {}; plots of column 1, and batch-fit.png of columns {:?}",
                rows.len(),
                if args.shared_kernel {
                    "with one shared kernel"
                } else {
                    "in parallel"
                },
                if incomplete == 0 {
                    "all completed".to_string()
                } else {
                    format!("{incomplete} did NOT complete (see the table)")
                },
                worst_columns
            )
        }
    };
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!("{summary}; results in {}", out.dir().display());
    }
    Ok(())
}

fn solve_one(data: Data<'_>, settings: &Settings, verbosity: Verbosity) -> Result<Solution, CliError> {
    let mut progress = Progress::new(settings.method.name(), settings.max_iterations, verbosity);
    let solution = solve(data, settings, &mut progress);
    progress.finish();
    solution
}

/// The result's warnings on stderr, one line each.
fn warn(s: &Solution) {
    for w in &s.warnings {
        eprintln!("warning: {w}");
    }
}

fn describe(s: &Solution) -> String {
    format!(
        "{} ({} model): {} events, {} iterations, {} FFTs, {:.2} s, stopped: {}{}",
        s.method.name(),
        format!("{:?}", s.boundary).to_lowercase(),
        s.events.len(),
        s.iterations,
        s.ffts,
        s.elapsed.as_secs_f64(),
        s.stop,
        s.kernel_error
            .map(|e| format!(", kernel error {e:.2e}"))
            .unwrap_or_default(),
    ) + &auto_size_note(s)
}

/// `--kernel-size auto`: the size chosen and the runs that chose it.
fn auto_size_note(s: &Solution) -> String {
    if s.size_probes.is_empty() {
        return String::new();
    }
    let probes: Vec<String> = s.size_probes.iter().map(ToString::to_string).collect();
    format!(
        "; kernel size auto: {} (runs at {})",
        s.kernel_dims.len(),
        probes.join(", ")
    )
}

/// Whether a bias is fitted by default: the input is an image with no
/// negative value (pixels carry an offset), neither `--bias` nor
/// `--no-bias` was given, and the method can fit one.
fn default_image_bias(input: &Input, args: &DeconvArgs) -> bool {
    matches!(input, Input::Image { data, .. } if data.iter().all(|&v| v >= 0.0))
        && !args.bias
        && !args.no_bias
        && !cmd::second_order(args.method)
}

/// Reads the true kernel(s): K stacked arrays of the kernel's shape.
pub(crate) fn read_truth(
    path: &std::path::Path,
    size: KernelSize,
    kernels: usize,
) -> Result<Vec<Vec<f64>>, CliError> {
    let per = limits::check_size("--kernel-size", size)?;
    let expected = limits::check_total("the true kernels", kernels, Some(per))?;
    let array = io::read_input(path)?.to_array();
    if array.data.len() != expected {
        return Err(CliError::new(format!(
            "{}: the true kernel has {} entries, expected {expected} ({} kernel(s) of size {size})",
            path.display(),
            array.data.len(),
            kernels
        )));
    }
    Ok(array.data.chunks(per).map(<[f64]>::to_vec).collect())
}
