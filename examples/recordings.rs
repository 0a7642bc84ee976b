//! Issue 14's acceptance on synthetic recordings: y is a window of a
//! linear convolution a₀ ∗ x₀ (not a cyclic one), plus a sine drift whose
//! peak-to-peak swing is 3× the largest spike response and whose period is
//! 15 kernel lengths, plus white noise σ = 0.05. Kernels: random on the
//! sphere and AR(2) calcium transients (τ₁ = 0.2 s, τ₂ = 0.03 s at
//! 100 Hz), n₀ = 100; m = 2·10⁴; Bernoulli–Rademacher (random) or
//! Bernoulli (AR(2), with x ≥ 0) spikes at θ = 0.005.
//!
//! Every run uses the default options of a recording (the linear model,
//! homotopy-iADM, the default λ = max(0.1/√n, 2σ̂), the support refinement
//! at the noise level σ̂) plus a baseline of period 5 kernel lengths (and
//! x ≥ 0 for the calcium kernel, which a user of calcium data sets);
//! `--refine off` shows the solve alone. Printed per seed: kernel error (LQK+20
//! §5.1), event F1 within ±2 samples (`Deconvolved::events`, aligned to
//! the truth's shift), λ, iterations, stop reason, time; then how many
//! seeds met kernel error ≤ 1e-2 and F1 ≥ 0.95.
//!
//! ```sh
//! cargo run --release --example recordings -- --seed 1..=10
//! ```

mod common;

use sasd::conv::Boundary;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, HomotopySpec, MethodSpec, aligned_spike_scores};
use sasd::synth::{ActivationLaw, KernelSpec, Recording, RecordingSpec, Shape};
use serde_json::json;

const USAGE: &str = "usage: recordings [--seed N | --seed A..=B] [--json PATH] [--m M] [--theta T] [--refine on|off] [--kernel-size N|auto] [--eta ETA|adaptive]";
const N0: usize = 100;
const NOISE: f64 = 0.05;

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    // A fixed decay of the homotopy, or its adaptive default.
    let eta: String = args.get("eta", "adaptive".to_string());
    let fixed_eta: Option<f64> =
        (eta != "adaptive").then(|| eta.parse().expect("--eta: a number or 'adaptive'"));
    let m: usize = args.get("m", 20_000);
    let theta: f64 = args.get("theta", 0.005);
    let refine = args.get::<String>("refine", "on".into()) != "off";
    // `auto`: the size read from the data (`Deconvolution::run_auto_size`).
    let size: String = args.get("kernel-size", N0.to_string());
    let auto = size == "auto";
    let n0: usize = if auto {
        N0
    } else {
        size.parse().unwrap_or_else(|_| {
            eprintln!("error: --kernel-size must be a length or 'auto', got '{size}'");
            std::process::exit(2)
        })
    };
    let mut rows = Vec::new();
    for (name, calcium) in [("random", false), ("AR(2)", true)] {
        let mut met = 0;
        for &seed in &args.seeds {
            let (kernel, law) = if calcium {
                let k = KernelSpec::Ar2 {
                    n0: N0,
                    tau1: 0.2,
                    tau2: 0.03,
                    rate_hz: 100.0,
                };
                (k, ActivationLaw::Bernoulli)
            } else {
                (
                    KernelSpec::RandomSphere(Shape::d1(N0)),
                    ActivationLaw::BernoulliRademacher,
                )
            };
            let Recording {
                y,
                kernel: a0,
                activation: x0,
                ..
            } = RecordingSpec::new(kernel, law, theta, m)
                .drift(3.0, 15.0 * N0 as f64)
                .noise(NOISE)
                .generate_seeded(seed)
                .expect("recording");
            let mut run = Deconvolution::new(n0)
                .boundary(Boundary::Linear)
                .baseline(5.0 * N0 as f64)
                .nonnegative(calcium)
                .seed(seed);
            if let Some(eta) = fixed_eta {
                run = run.method(MethodSpec::Homotopy(HomotopySpec::default().fixed_eta(eta)));
            }
            if !refine {
                run = run.no_refinement();
            }
            let start = std::time::Instant::now();
            let (out, probes) = if auto {
                run.run_auto_size(&y)
            } else {
                run.run(&y).map(|out| (out, Vec::new()))
            }
            .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            let seconds = start.elapsed().as_secs_f64();
            let err = kernel_error(&a0, out.kernel()).expect("metric");
            let (events, _) = out.events(&y).expect("events");
            let scores = aligned_spike_scores(
                &a0,
                &x0,
                out.kernel(),
                &in_frame(&out.event_activation(&events, 0), out.kernel_dims.len(), x0.len()),
                0.0,
                2,
            )
            .expect("scores");
            let f1 = scores.f1;
            met += usize::from(err <= 1e-2 && f1 >= 0.95);
            println!(
                "{name:7} seed {seed:2}: kernel error {err:.2e}, event F1 {f1:.3}, size {}{}, λ {:.3}, {} iterations, {:?}, {:.2} s",
                out.kernel_dims.len(),
                if probes.is_empty() {
                    String::new()
                } else {
                    let runs: Vec<String> = probes.iter().map(ToString::to_string).collect();
                    format!(" (runs at {})", runs.join(", "))
                },
                out.lambda,
                out.iterations,
                out.stop,
                seconds
            );
            rows.push(
                json!({"kernel": name, "seed": seed, "kernel_error": err, "f1": f1, "kernel_size": out.kernel_dims.len(),
                "lambda": out.lambda, "iterations": out.iterations, "seconds": seconds}),
            );
        }
        println!(
            "{name}: {met} of {} seeds with kernel error ≤ 1e-2 and F1 ≥ 0.95",
            args.seeds.len()
        );
    }
    if let Some(path) = &args.json {
        common::write_json(path, &json!({"m": m, "theta": theta, "runs": rows}));
    }
}

/// An activation of the linear model for a kernel of `n` samples (entry t
/// a spike at sample t − (n − 1) of y) in the frame of `len` entries of the
/// truth's kernel, n₀ = len − m + 1 (the same spike at t + n₀ − n).
fn in_frame(x: &[f64], n: usize, len: usize) -> Vec<f64> {
    let m = x.len() + 1 - n;
    let n0 = len + 1 - m;
    (0..len)
        .map(|t| {
            let src = t as isize + n as isize - n0 as isize;
            usize::try_from(src)
                .ok()
                .and_then(|s| x.get(s))
                .copied()
                .unwrap_or(0.0)
        })
        .collect()
}
