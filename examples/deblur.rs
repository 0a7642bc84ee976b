//! Blind image deblurring in the gradient domain (ZLK+19 §4.1, eqs.
//! 27–28): a 128×128 cartoon image is blurred (cyclically) by a camera-shake
//! motion line or a Gaussian; the kernel is recovered on S^{k−1} ∩ ℝᵏ₊ from
//! the two gradient images, and the sharp image restored by a Tikhonov
//! (gradient-regularised) deconvolution with it.
//!
//! Printed per blur: kernel error (LQK+20 §5.1), iterations, FFTs, time,
//! and the relative error ‖x̂ − x₀‖/‖x₀‖ of the blurred image, of the
//! restoration with the recovered kernel and of the one with the true kernel.
//! `--out DIR` writes sharp.png, blurred-*.png, restored-*.png and
//! kernel-*.png (kernels scaled up 16×).
//!
//! ```sh
//! cargo run --release --example deblur -- --out deblur-demo
//! ```

mod common;

use std::path::Path;

use sasd::deblur::{Deblur, deconvolve_tikhonov};
use sasd::metrics::kernel_error_2d;
use sasd::synth::{Convolution, Shape, cartoon_image, convolve, gaussian_kernel_2d, motion_blur_kernel};

const USAGE: &str = "usage: deblur [--seed N] [--out DIR] [--mu MU]";
const SIDE: usize = 128;

/// Cyclic blur of a row-major image by a row-major k×k kernel.
fn blur(img: &[f64], k: &[f64], side: usize) -> Vec<f64> {
    convolve(
        k,
        Shape::d2(side, side),
        img,
        Shape::d2(SIDE, SIDE),
        Convolution::Cyclic,
    )
    .expect("valid shapes")
    .0
}

/// ‖u − v‖/‖v‖, after the best cyclic shift of u within ±r pixels (a
/// kernel recovered up to a shift restores a shifted image).
fn relative_error(u: &[f64], v: &[f64], r: usize) -> f64 {
    let norm = v.iter().map(|t| t * t).sum::<f64>().sqrt();
    let n = SIDE;
    let mut best = f64::INFINITY;
    for di in 0..=2 * r {
        for dj in 0..=2 * r {
            let e: f64 = (0..n * n)
                .map(|p| {
                    let (i, j) = (p / n, p % n);
                    let q = ((i + n + di - r) % n) * n + (j + n + dj - r) % n;
                    (u[q] - v[p]).powi(2)
                })
                .sum();
            best = best.min(e.sqrt());
        }
    }
    best / norm
}

/// Writes a grayscale PNG of a row-major image, scaled to its range and
/// enlarged `zoom` times.
fn write_png(dir: &Path, name: &str, img: &[f64], (rows, cols): (usize, usize), zoom: usize) {
    let (lo, hi) = img.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &t| {
        (a.min(t), b.max(t))
    });
    let scale = if hi > lo { 255.0 / (hi - lo) } else { 0.0 };
    let (w, h) = ((cols * zoom) as u32, (rows * zoom) as u32);
    let png = image::GrayImage::from_fn(w, h, |x, y| {
        let t = img[(y as usize / zoom) * cols + x as usize / zoom];
        image::Luma([((t - lo) * scale).round() as u8])
    });
    let path = dir.join(name);
    png.save(&path)
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn main() {
    let args = common::parse(USAGE, &[1]);
    let mu: f64 = args.get("mu", 2e-3);
    let out: String = args.get("out", String::new());
    let dir = (!out.is_empty()).then(|| Path::new(&out).to_path_buf());
    if let Some(d) = &dir {
        std::fs::create_dir_all(d).expect("output directory");
    }
    let seed = args.seeds[0];
    let sharp = cartoon_image(SIDE, SIDE, 24, seed).expect("image");
    let gaussian = {
        let g = gaussian_kernel_2d(7, 7, 0.5).expect("kernel");
        let sum: f64 = g.iter().sum();
        g.iter().map(|t| t / sum).collect::<Vec<_>>()
    };
    let blurs = [
        (
            "motion",
            motion_blur_kernel(9, (2.0, 1.0), (6.0, 7.5)).expect("kernel"),
            9,
        ),
        ("gaussian", gaussian, 7),
    ];
    println!("cartoon {SIDE}x{SIDE} (seed {seed}), Tikhonov mu = {mu}");
    println!(
        "{:<9} {:>10} {:>10} {:>8} {:>8} | {:>9} {:>9} {:>11}",
        "blur", "kernel err", "iterations", "FFTs", "time [s]", "blurred", "restored", "true kernel"
    );
    if let Some(d) = &dir {
        write_png(d, "sharp.png", &sharp, (SIDE, SIDE), 1);
    }
    for (name, kernel, k) in &blurs {
        let blurred = blur(&sharp, kernel, *k);
        let run = Deblur::new(*k, *k)
            .seed(seed)
            .run(&blurred, SIDE, SIDE)
            .expect("deblur runs");
        let shape = Shape::d2(*k, *k);
        let err = kernel_error_2d(kernel, shape, &run.kernel, shape).expect("metric");
        let restored = run.restore(&blurred, mu).expect("restoration");
        let bench = deconvolve_tikhonov(&blurred, (SIDE, SIDE), kernel, (*k, *k), mu).expect("restoration");
        println!(
            "{name:<9} {err:>10.2e} {:>10} {:>8} {:>8.2} | {:>9.3} {:>9.3} {:>11.3}",
            run.iterations,
            run.ffts,
            run.elapsed.as_secs_f64(),
            relative_error(&blurred, &sharp, 0),
            relative_error(&restored, &sharp, *k),
            relative_error(&bench, &sharp, 0),
        );
        if let Some(d) = &dir {
            write_png(d, &format!("blurred-{name}.png"), &blurred, (SIDE, SIDE), 1);
            write_png(d, &format!("restored-{name}.png"), &restored, (SIDE, SIDE), 1);
            write_png(d, &format!("kernel-{name}.png"), &run.kernel, (*k, *k), 16);
            write_png(d, &format!("kernel-{name}-true.png"), kernel, (*k, *k), 16);
        }
    }
}
