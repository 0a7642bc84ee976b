//! `sasd deblur`: blind deblurring of a photograph. By default
//! (`--method photo`) the coarse-to-fine estimate of `sasd::deblur::BlindDeblur`
//! (seed 000 eq. 28's two blocks on a pyramid, for real, noisy, non-periodic
//! photographs; colour photographs give one kernel from the luminance) and a
//! hyper-Laplacian restoration of every channel; `--method sphere` runs the
//! single-scale solve of eq. 28 on the sphere (`sasd::deblur::Deblur`, exact
//! on clean cyclic data) and a Tikhonov restoration.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use crate::cmd::deconv::read_truth;
use crate::cmd::{KernelSize, check_eta, check_lambda};
use crate::error::CliError;
use crate::io::{self, Input, write_atomic};
use crate::limits;
use crate::output::OutDir;
use crate::plot::plot_image;
use crate::progress::Heartbeat;
use crate::solve::check_kernel_fits;
use crate::{OutArgs, Verbosity, default_out};
use sasd::deblur::{BlindDeblur, Deblur, kernel_correlation};
use sasd::metrics::kernel_error_2d;
use sasd::pipeline::Shape;

/// The files `sasd deblur` may write (the restored picture in one format).
const DEBLUR_FILES: [&str; 9] = [
    "kernel.npy",
    "restored.npy",
    "report.json",
    "kernel.png",
    "kernel.svg",
    "restored.png",
    "restored.tif",
    "blurred.png",
    "blurred.svg",
];

/// How the kernel is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Method {
    /// Coarse-to-fine, for photographs (noise, non-periodic borders).
    Photo,
    /// Seed 000 eq. 28 at one scale on the sphere (clean, cyclic data).
    Sphere,
}

/// The restored picture's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// restored.png
    Png,
    /// restored.tif
    Tiff,
}

/// Options of `sasd deblur`.
#[derive(Debug, Args)]
pub struct DeblurArgs {
    /// The blurred image: .png/.tif (grey or RGB, 8 or 16 bit) or a 2-D .npy.
    input: PathBuf,
    /// Blur kernel size N1xN2 (rows x columns); the kernel is non-negative.
    #[arg(long)]
    kernel_size: KernelSize,
    /// Estimation method.
    #[arg(long, value_enum, default_value_t = Method::Photo)]
    method: Method,
    /// photo: initial l0 weight on the [0, 1]-scaled image (default
    /// max(6e-3, 60 sigma^2)); sphere: final lambda of the continuation.
    #[arg(long, allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// photo: noise standard deviation in the image's units (default: estimated).
    #[arg(long, allow_negative_numbers = true)]
    noise: Option<f64>,
    /// sphere: decay of lambda per stage, in (0, 1) (default 0.5).
    #[arg(long, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// sphere: weight of the Tikhonov restoration.
    #[arg(long, default_value_t = 1e-3, allow_negative_numbers = true)]
    mu: f64,
    /// sphere: seed of the initialisation.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// sphere: iteration budget.
    #[arg(long, default_value_t = 20_000, allow_negative_numbers = true)]
    max_iterations: usize,
    /// Format of the restored picture.
    #[arg(long, value_enum, default_value_t = Format::Png)]
    format: Format,
    /// Bits per sample of the restored picture, 8 or 16 (default: the
    /// input picture's, 16 for .npy).
    #[arg(long)]
    bit_depth: Option<u8>,
    /// The true kernel (.npy, N1xN2), to report the kernel error and correlation.
    #[arg(long)]
    truth_kernel: Option<PathBuf>,
    /// Directory for the results (default ./sasd-deblur).
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    out_args: OutArgs,
}

/// A picture or array read for deblurring.
struct Picture {
    /// One (grey) or three (RGB) channels, row-major, [0, 1] for pictures.
    channels: Vec<Vec<f64>>,
    rows: usize,
    cols: usize,
    /// 8 or 16 for pictures, None for arrays.
    depth: Option<u8>,
}

/// What a method returns.
struct Outcome {
    kernel: Vec<f64>,
    restored: Vec<Vec<f64>>,
    report: Value,
    summary: String,
}

/// Runs `sasd deblur`.
pub fn run(args: DeblurArgs, verbosity: Verbosity) -> Result<(), CliError> {
    check_lambda(args.lambda)?;
    check_eta(args.eta)?;
    for (name, v) in [("--mu", Some(args.mu)), ("--noise", args.noise)] {
        if let Some(v) = v.filter(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(CliError::new(format!(
                "{name} must be a positive number, got {v}"
            )));
        }
    }
    if let Some(d) = args.bit_depth.filter(|d| *d != 8 && *d != 16) {
        return Err(CliError::new(format!("--bit-depth must be 8 or 16, got {d}")));
    }
    let pic = read_picture(&args.input)?;
    let (rows, cols) = (pic.rows, pic.cols);
    if rows < 2 || cols < 2 {
        return Err(CliError::new(format!(
            "{}: {rows}x{cols} is 1-D data; sasd deblur needs an image of at least 2 rows and 2 columns",
            args.input.display()
        )));
    }
    limits::check_kernel(args.kernel_size, KernelSize::D2(rows, cols))?;
    if args.method == Method::Sphere {
        check_kernel_fits(args.kernel_size, Shape::D2 { rows, cols })?;
    }
    let KernelSize::D2(k1, k2) = args.kernel_size else {
        return Err(CliError::new("an image needs a 2-D --kernel-size N1xN2"));
    };
    if args.method == Method::Photo && (4 * k1 > rows || 4 * k2 > cols) {
        return Err(CliError::new(format!(
            "--kernel-size {k1}x{k2} is too large for a {rows}x{cols} image: blind deblurring needs a kernel at most a quarter of the image per axis"
        )));
    }
    let truth = match args.truth_kernel.as_deref() {
        Some(p) => read_truth(p, args.kernel_size, 1)?.pop(),
        None => None,
    };
    let mut inputs = vec![args.input.as_path()];
    inputs.extend(args.truth_kernel.as_deref());
    let out_path = args.out.clone().unwrap_or_else(|| default_out("deblur"));
    let out = OutDir::prepare(&out_path, &inputs, &DEBLUR_FILES, args.out_args.force)?;

    let beat = Heartbeat::start(&format!("deblurring a {rows}x{cols} image"), verbosity);
    let outcome = match args.method {
        Method::Photo => run_photo(&args, &pic)?,
        Method::Sphere => run_sphere(&args, &pic)?,
    };
    drop(beat);
    let kdims = Shape::d2(k1, k2);
    let (kernel_error, correlation) = match truth.as_deref() {
        Some(t) => (
            Some(
                kernel_error_2d(t, kdims, &outcome.kernel, kdims)
                    .map_err(|e| CliError::new(format!("kernel error: {e}")))?,
            ),
            Some(kernel_correlation(&outcome.kernel, (k1, k2), t, (k1, k2))?),
        ),
        None => (None, None),
    };

    out.npy("kernel.npy", outcome.kernel.clone(), vec![k1, k2])?;
    let c = outcome.restored.len();
    let (restored_flat, shape) = if c == 1 {
        (outcome.restored[0].clone(), vec![rows, cols])
    } else {
        let flat = (0..rows * cols)
            .flat_map(|p| outcome.restored.iter().map(move |ch| ch[p]))
            .collect();
        (flat, vec![rows, cols, c])
    };
    out.npy("restored.npy", restored_flat, shape)?;
    plot_image(
        &out.path("kernel"),
        "recovered blur kernel",
        &outcome.kernel,
        k1,
        k2,
    )?;
    let range = match pic.depth {
        Some(_) => (0.0, 1.0),
        None => grey_range(&pic.channels[0]),
    };
    let depth = args.bit_depth.or(pic.depth).unwrap_or(16);
    let name = match args.format {
        Format::Png => "restored.png",
        Format::Tiff => "restored.tif",
    };
    write_picture(
        &out.path(name),
        &outcome.restored,
        (rows, cols),
        range,
        depth,
        args.format,
    )?;
    let luma = sasd::deblur::luminance(&pic.channels.iter().map(Vec::as_slice).collect::<Vec<_>>())?;
    plot_image(&out.path("blurred"), "blurred image", &luma, rows, cols)?;
    let report = json!({
        "program": format!("sasd {}", env!("CARGO_PKG_VERSION")),
        "input": { "path": args.input.display().to_string(), "shape": [rows, cols], "channels": c },
        "parameters": {
            "kernel_size": args.kernel_size.to_string(),
            "method": format!("{:?}", args.method).to_lowercase(),
            "lambda": args.lambda,
            "noise": args.noise,
            "eta": args.eta,
            "mu": args.mu,
            "seed": args.seed,
            "max_iterations": args.max_iterations,
        },
        "result": merge(outcome.report, json!({
            "kernel_error": kernel_error,
            "kernel_correlation": correlation,
            "restored": name,
            "bit_depth": depth,
        })),
    });
    out.json("report.json", &report)?;
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!(
            "deblurred: {}{}; results in {}",
            outcome.summary,
            kernel_error
                .map(|e| format!(
                    ", kernel error {e:.2e}, correlation {:.3}",
                    correlation.unwrap_or(0.0)
                ))
                .unwrap_or_default(),
            out.dir().display()
        );
    }
    Ok(())
}

/// The coarse-to-fine estimate and the hyper-Laplacian restoration.
fn run_photo(args: &DeblurArgs, pic: &Picture) -> Result<Outcome, CliError> {
    let KernelSize::D2(k1, k2) = args.kernel_size else {
        return Err(CliError::new("an image needs a 2-D --kernel-size N1xN2"));
    };
    let mut run = BlindDeblur::new(k1, k2);
    if let Some(l) = args.lambda {
        run = run.lambda(l);
    }
    if let Some(s) = args.noise {
        run = run.noise(s);
    }
    let views: Vec<&[f64]> = pic.channels.iter().map(Vec::as_slice).collect();
    let start = std::time::Instant::now();
    let out = run.run(&views, pic.rows, pic.cols)?;
    let seconds = start.elapsed().as_secs_f64();
    let est = &out.estimate;
    Ok(Outcome {
        kernel: est.kernel.clone(),
        restored: out.channels,
        report: json!({
            "method": "photo",
            "noise": est.noise,
            "levels": est.levels,
            "estimate_seconds": est.elapsed.as_secs_f64(),
            "seconds": seconds,
        }),
        summary: format!(
            "{} pyramid levels, noise {:.3e}, {seconds:.2} s",
            est.levels, est.noise
        ),
    })
}

/// Seed 000 eq. 28 at one scale and the Tikhonov restoration (grey only).
fn run_sphere(args: &DeblurArgs, pic: &Picture) -> Result<Outcome, CliError> {
    let KernelSize::D2(k1, k2) = args.kernel_size else {
        return Err(CliError::new("an image needs a 2-D --kernel-size N1xN2"));
    };
    let mut deblur = Deblur::new(k1, k2)
        .seed(args.seed)
        .max_iterations(args.max_iterations);
    if let Some(l) = args.lambda {
        deblur = deblur.lambda(l);
    }
    if let Some(e) = args.eta {
        deblur = deblur.eta(e);
    }
    let views: Vec<&[f64]> = pic.channels.iter().map(Vec::as_slice).collect();
    let luma = sasd::deblur::luminance(&views)?;
    let result = deblur.run(&luma, pic.rows, pic.cols)?;
    let restored = views
        .iter()
        .map(|c| result.restore(c, args.mu))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Outcome {
        kernel: result.kernel.clone(),
        restored,
        report: json!({
            "method": "sphere",
            "stop_reason": result.stop.to_string(),
            "iterations": result.iterations,
            "seconds": result.elapsed.as_secs_f64(),
            "ffts": result.ffts,
            "lambda": result.lambda,
        }),
        summary: format!(
            "{} iterations, {} FFTs, {:.2} s, stopped: {}",
            result.iterations,
            result.ffts,
            result.elapsed.as_secs_f64(),
            result.stop
        ),
    })
}

/// The input's channels: a .png/.tif picture as grey or RGB in [0, 1] (an
/// alpha channel dropped), anything else through `io::read_input`.
fn read_picture(path: &Path) -> Result<Picture, CliError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_lowercase);
    if matches!(ext.as_deref(), Some("png" | "tif" | "tiff")) {
        // Validated (size limits, format) by the crate's reader first.
        let Input::Image { data, rows, cols } = io::read_input(path)? else {
            return Err(CliError::new(format!("{}: not an image", path.display())));
        };
        let img = image::open(path)
            .map_err(|e| CliError::new(format!("{}: cannot decode ({e})", path.display())))?;
        let depth = if img.color().bytes_per_pixel() / img.color().channel_count() >= 2 {
            16
        } else {
            8
        };
        let channels = if img.color().has_color() {
            let rgb = img.to_rgb32f();
            (0..3)
                .map(|c| rgb.pixels().map(|p| f64::from(p.0[c])).collect())
                .collect()
        } else {
            vec![data]
        };
        return Ok(Picture {
            channels,
            rows,
            cols,
            depth: Some(depth),
        });
    }
    match io::read_input(path)? {
        Input::Image { data, rows, cols } => Ok(Picture {
            channels: vec![data],
            rows,
            cols,
            depth: None,
        }),
        _ => Err(CliError::new(format!(
            "{}: sasd deblur needs an image (.png, .tif or a 2-D .npy)",
            path.display()
        ))),
    }
}

/// Writes one (grey) or three (RGB) channels as an 8- or 16-bit PNG or
/// TIFF, `range.0` black and `range.1` white, values outside clipped.
fn write_picture(
    path: &Path,
    channels: &[Vec<f64>],
    (rows, cols): (usize, usize),
    (lo, hi): (f64, f64),
    depth: u8,
    format: Format,
) -> Result<(), CliError> {
    if channels.len() == 1 && depth == 16 && format == Format::Png {
        io::write_grey_png(path, &channels[0], rows, cols, (lo, hi))?;
        return Ok(());
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let max = if depth == 8 { 255.0 } else { 65535.0 };
    let samples: Vec<f64> = (0..rows * cols)
        .flat_map(|p| channels.iter().map(move |c| c[p]))
        .map(|v| {
            if v.is_finite() {
                ((v - lo) / span).clamp(0.0, 1.0) * max
            } else {
                0.0
            }
        })
        .collect();
    let (w, h) = (cols as u32, rows as u32);
    let bad = || CliError::new(format!("{}: image size does not match its data", path.display()));
    let img: image::DynamicImage = match (channels.len(), depth) {
        (1, 8) => image::GrayImage::from_raw(w, h, samples.iter().map(|t| t.round() as u8).collect())
            .ok_or_else(bad)?
            .into(),
        (1, _) => image::ImageBuffer::<image::Luma<u16>, _>::from_raw(
            w,
            h,
            samples.iter().map(|t| t.round() as u16).collect(),
        )
        .ok_or_else(bad)?
        .into(),
        (_, 8) => image::RgbImage::from_raw(w, h, samples.iter().map(|t| t.round() as u8).collect())
            .ok_or_else(bad)?
            .into(),
        _ => image::ImageBuffer::<image::Rgb<u16>, _>::from_raw(
            w,
            h,
            samples.iter().map(|t| t.round() as u16).collect(),
        )
        .ok_or_else(bad)?
        .into(),
    };
    let fmt = match format {
        Format::Png => image::ImageFormat::Png,
        Format::Tiff => image::ImageFormat::Tiff,
    };
    let mut bytes = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut bytes), fmt)
        .map_err(|e| CliError::new(format!("{}: cannot encode ({e})", path.display())))?;
    write_atomic(path, &bytes)?;
    Ok(())
}

/// `a` with the keys of `b` added.
fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

/// The grey scale of a picture of `data`: \[0, 1\] for data inside it, else
/// the data's own range.
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
