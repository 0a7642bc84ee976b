//! 2-D deconvolution for microscopy (LQK+20 §6.2):
//!
//! - **STM** (Fig. 29): an image of a crystal surface with two kinds of
//!   dopant defects, each a dimer motif with an oscillating halo
//!   (`sasd::synth::StmMotif`) at two orientations, sparsely placed. 2-D CDL
//!   with two kernels on the oblique manifold of matrices recovers both motifs.
//! - **STORM-like frames** (Figs. 25–27): frames of blinking point emitters
//!   blurred by one Gaussian PSF; each frame is deconvolved on its own, in
//!   parallel (`deconvolve_batch_2d`), with non-negative activations, and the
//!   PSF estimates are compared with the truth.
//!
//! The generator and the pipeline both hold images row-major.
//!
//! ```sh
//! cargo run --release --example microscopy_2d -- --seed 1 --json microscopy.json
//! ```

mod common;

use std::time::Instant;

use sasd::metrics::{cdl_kernel_errors, kernel_error};
use sasd::pipeline::{Deconvolution, deconvolve_batch_2d};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape, StmMotif};
use serde_json::json;

const USAGE: &str =
    "usage: microscopy_2d [--seed N | --seed A..=B] [--json PATH] [--size PIXELS] [--frames N]";

fn main() {
    let args = common::parse(USAGE, &[1]);
    let size: usize = args.get("size", 128);
    let frames: usize = args.get("frames", 4);
    let mut runs = Vec::new();
    for &seed in &args.seeds {
        // STM: two motifs of 10×10 at orientations π/4 and −π/4.
        let k = 10;
        let motif = |angle: f64| {
            KernelSpec::Stm(StmMotif {
                angle,
                ..StmMotif::new(k, k)
            })
        };
        let motifs = vec![
            motif(std::f64::consts::FRAC_PI_4),
            motif(-std::f64::consts::FRAC_PI_4),
        ];
        let stm = InstanceSpec::new(motifs[0].clone(), Shape::d2(size, size))
            .kernels(motifs)
            .activation(ActivationLaw::BernoulliGaussian, 2e-3)
            .noise(0.005)
            .generate_seeded(seed)
            .expect("valid STM instance");
        let start = Instant::now();
        let out = Deconvolution::new_2d(k, k)
            .kernels(2)
            .seed(seed)
            .max_iterations(4000)
            .run_2d(&stm.observation, size, size)
            .expect("2-D CDL runs");
        let stm_time = start.elapsed().as_secs_f64();
        let matched = cdl_kernel_errors(&stm.kernels, &out.kernels).expect("errors");
        println!(
            "seed {seed}  STM {size}x{size}, two {k}x{k} motifs: kernel errors {:.2e} {:.2e}, {} iterations, {stm_time:.1} s",
            matched.errors[0], matched.errors[1], out.iterations
        );

        // STORM-like: one 9×9 Gaussian PSF, positive emitters, several frames.
        let psf = KernelSpec::Gaussian2d {
            rows: 9,
            cols: 9,
            sigma: 0.3,
        };
        let frames_data: Vec<_> = (0..frames as u64)
            .map(|f| {
                InstanceSpec::new(psf.clone(), Shape::d2(size, size))
                    .activation(ActivationLaw::Bernoulli, 3e-3)
                    .noise(0.005)
                    .generate_seeded(seed * 1000 + f)
                    .expect("valid frame")
            })
            .collect();
        let images: Vec<Vec<f64>> = frames_data.iter().map(|i| i.observation.clone()).collect();
        let start = Instant::now();
        let spec = Deconvolution::new_2d(9, 9)
            .nonnegative(true)
            .seed(seed)
            .max_iterations(4000);
        let results = deconvolve_batch_2d(&spec, &images, size, size);
        let storm_time = start.elapsed().as_secs_f64();
        let errors: Vec<f64> = results
            .iter()
            .zip(&frames_data)
            .map(|(r, inst)| match r {
                Ok(d) => kernel_error(inst.kernel(), d.kernel()).unwrap_or(f64::NAN),
                Err(_) => f64::NAN,
            })
            .collect();
        let shown: Vec<String> = errors.iter().map(|e| format!("{e:.1e}")).collect();
        println!(
            "seed {seed}  STORM-like: {frames} frames {size}x{size}, 9x9 Gaussian PSF: kernel errors [{}], {storm_time:.1} s in parallel",
            shown.join(", ")
        );
        runs.push(json!({
            "seed": seed,
            "stm": { "kernel_errors": matched.errors, "iterations": out.iterations, "seconds": stm_time },
            "storm": { "kernel_errors": errors, "seconds": storm_time },
        }));
    }
    if let Some(path) = &args.json {
        common::write_json(path, &json!({ "size": size, "frames": frames, "runs": runs }));
    }
}
