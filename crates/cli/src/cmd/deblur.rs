//! `sasd deblur`: blind deblurring of a photo in the gradient domain (seed
//! 000 §4.1, eqs. 27–28; `sasd::deblur`), then a non-blind Tikhonov
//! restoration with the recovered kernel.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use crate::cmd::deconv::read_truth;
use crate::cmd::{KernelSize, check_eta, check_lambda};
use crate::error::CliError;
use crate::io::{self, Input, write_grey_png};
use crate::limits;
use crate::output::OutDir;
use crate::plot::plot_image;
use crate::progress::Heartbeat;
use crate::solve::check_kernel_fits;
use crate::{OutArgs, Verbosity, default_out};
use sasd::deblur::Deblur;
use sasd::metrics::kernel_error_2d;
use sasd::pipeline::Shape;

/// The files `sasd deblur` writes.
const DEBLUR_FILES: [&str; 8] = [
    "kernel.npy",
    "restored.npy",
    "report.json",
    "kernel.png",
    "kernel.svg",
    "restored.png",
    "blurred.png",
    "blurred.svg",
];

/// Options of `sasd deblur`.
#[derive(Debug, Args)]
pub struct DeblurArgs {
    /// The blurred image: .png/.tif (grayscale) or a 2-D .npy.
    input: PathBuf,
    /// Blur kernel size N1xN2 (rows x columns); the kernel is non-negative.
    #[arg(long)]
    kernel_size: KernelSize,
    /// Final λ of the continuation (default 0.1/√n scaled by the gradients'
    /// root mean square, n the lifted kernel's size).
    #[arg(long, allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// Decay of λ per stage, in (0, 1) (default 0.5).
    #[arg(long, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Weight of the Tikhonov restoration (larger: smoother, less ringing).
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    mu: f64,
    /// Seed of the initialisation.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Iteration budget.
    #[arg(long, default_value_t = 20_000, allow_negative_numbers = true)]
    max_iterations: usize,
    /// The true kernel (.npy, N1xN2), to report the kernel error.
    #[arg(long)]
    truth_kernel: Option<PathBuf>,
    /// Directory for the results (default ./sasd-deblur).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    out_args: OutArgs,
}

/// Runs `sasd deblur`.
pub fn run(args: DeblurArgs, verbosity: Verbosity) -> Result<(), CliError> {
    check_lambda(args.lambda)?;
    check_eta(args.eta)?;
    if !(args.mu.is_finite() && args.mu > 0.0) {
        return Err(CliError::new(format!(
            "--mu must be a positive number, got {}",
            args.mu
        )));
    }
    let Input::Image { data, rows, cols } = io::read_input(&args.input)? else {
        return Err(CliError::new(format!(
            "{}: sasd deblur needs an image (.png, .tif or a 2-D .npy)",
            args.input.display()
        )));
    };
    limits::check_kernel(args.kernel_size, KernelSize::D2(rows, cols))?;
    check_kernel_fits(args.kernel_size, Shape::D2 { rows, cols })?;
    let KernelSize::D2(k1, k2) = args.kernel_size else {
        unreachable!("check_kernel_fits refuses a 1-D kernel for an image");
    };
    let truth = match args.truth_kernel.as_deref() {
        Some(p) => read_truth(p, args.kernel_size, 1)?.pop(),
        None => None,
    };
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.truth_kernel.as_deref());
    let out_path = args.out.clone().unwrap_or_else(|| default_out("deblur"));
    let out = OutDir::prepare(&out_path, &inputs, &DEBLUR_FILES, args.out_args.force)?;

    let mut deblur = Deblur::new(k1, k2)
        .seed(args.seed)
        .max_iterations(args.max_iterations);
    if let Some(l) = args.lambda {
        deblur = deblur.lambda(l);
    }
    if let Some(e) = args.eta {
        deblur = deblur.eta(e);
    }
    let beat = Heartbeat::start(&format!("deblurring a {rows}x{cols} image"), verbosity);
    let result = deblur.run(&data, rows, cols)?;
    let restored = result.restore(&data, args.mu)?;
    drop(beat);
    let kernel_error = truth
        .as_deref()
        .map(|t| kernel_error_2d(t, Shape::d2(k1, k2), &result.kernel, Shape::d2(k1, k2)))
        .transpose()
        .map_err(|e| CliError::new(format!("kernel error: {e}")))?;

    out.npy("kernel.npy", result.kernel.clone(), vec![k1, k2])?;
    out.npy("restored.npy", restored.clone(), vec![rows, cols])?;
    plot_image(
        &out.path("kernel"),
        "recovered blur kernel",
        &result.kernel,
        k1,
        k2,
    )?;
    // The restored photo as a picture file, on the blurred input's grey scale.
    write_grey_png(
        &out.path("restored.png"),
        &restored,
        rows,
        cols,
        grey_range(&data),
    )?;
    plot_image(&out.path("blurred"), "blurred image", &data, rows, cols)?;
    let report = json!({
        "program": format!("sasd {}", env!("CARGO_PKG_VERSION")),
        "input": { "path": args.input.display().to_string(), "shape": [rows, cols] },
        "parameters": {
            "kernel_size": args.kernel_size.to_string(),
            "lambda": args.lambda,
            "eta": args.eta,
            "mu": args.mu,
            "seed": args.seed,
            "max_iterations": args.max_iterations,
        },
        "result": {
            "stop_reason": result.stop.to_string(),
            "iterations": result.iterations,
            "seconds": result.elapsed.as_secs_f64(),
            "ffts": result.ffts,
            "lambda": result.lambda,
            "kernel_error": kernel_error,
        },
    });
    out.json("report.json", &report)?;
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!(
            "deblurred: {} iterations, {} FFTs, {:.2} s, stopped: {}{}; results in {}",
            result.iterations,
            result.ffts,
            result.elapsed.as_secs_f64(),
            result.stop,
            kernel_error
                .map(|e| format!(", kernel error {e:.2e}"))
                .unwrap_or_default(),
            out.dir().display()
        );
    }
    Ok(())
}

/// The grey scale of a picture of `data`: \[0, 1\] for an image read from a
/// PNG or TIFF (or any data inside it), else the data's own range.
fn grey_range(data: &[f64]) -> (f64, f64) {
    let (lo, hi) = data
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| {
            (l.min(v), h.max(v))
        });
    if lo >= 0.0 && hi <= 1.0 {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}
