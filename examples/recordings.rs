//! Issue 14's acceptance on synthetic recordings: y is a window of a
//! linear convolution a₀ ∗ x₀ (not a cyclic one), plus a sine drift whose
//! peak-to-peak swing is 3× the largest spike response and whose period is
//! 15 kernel lengths, plus white noise σ = 0.05. Kernels: random on the
//! sphere and AR(2) calcium transients (τ₁ = 0.2 s, τ₂ = 0.03 s at
//! 100 Hz), n₀ = 100; m = 2·10⁴; Bernoulli–Rademacher (random) or
//! Bernoulli (AR(2), with x ≥ 0) spikes at θ = 0.005.
//!
//! Every run uses the default options of a recording (the linear model,
//! homotopy-iADM, the default λ = max(0.1/√n, 2σ̂)) plus a baseline of
//! period 5 kernel lengths (and x ≥ 0 for the calcium kernel, which a
//! user of calcium data sets). Printed per seed: kernel error (LQK+20
//! §5.1), event F1 within ±2 samples (`Deconvolved::events`, aligned to
//! the truth's shift), λ, iterations, stop reason, time; then how many
//! seeds met kernel error ≤ 1e-2 and F1 ≥ 0.95.
//!
//! ```sh
//! cargo run --release --example recordings -- --seed 1..=10
//! ```

mod common;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use sasd::conv::Boundary;
use sasd::metrics::{kernel_error, match_spikes};
use sasd::pipeline::{Deconvolution, Deconvolved, align_activation};
use sasd::synth::{ActivationLaw, Convolution, InstanceSpec, KernelSpec, Shape};
use serde_json::json;

const USAGE: &str = "usage: recordings [--seed N | --seed A..=B] [--json PATH] [--m M] [--theta T]";
const N0: usize = 100;
const NOISE: f64 = 0.05;

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    let m: usize = args.get("m", 20_000);
    let theta: f64 = args.get("theta", 0.005);
    let mut rows = Vec::new();
    for (name, calcium) in [("random", false), ("AR(2)", true)] {
        let mut met = 0;
        for &seed in &args.seeds {
            let (y, a0, x0) = recording(calcium, m, theta, seed);
            let out = Deconvolution::new(N0)
                .boundary(Boundary::Linear)
                .baseline(5.0 * N0 as f64)
                .nonnegative(calcium)
                .seed(seed)
                .run(&y)
                .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
            let err = kernel_error(&a0, out.kernel()).expect("metric");
            let f1 = event_f1(&out, &y, &a0, &x0);
            met += usize::from(err <= 1e-2 && f1 >= 0.95);
            println!(
                "{name:7} seed {seed:2}: kernel error {err:.2e}, event F1 {f1:.3}, λ {:.3}, {} iterations, {:?}, {:.2} s",
                out.lambda,
                out.iterations,
                out.stop,
                out.elapsed.as_secs_f64()
            );
            rows.push(
                json!({"kernel": name, "seed": seed, "kernel_error": err, "f1": f1,
                "lambda": out.lambda, "iterations": out.iterations, "seconds": out.elapsed.as_secs_f64()}),
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

/// (y, a₀, x₀): the valid window of a₀ ∗ x₀ (x₀ of m + n₀ − 1 samples, in
/// the frame of the linear model's activation), drift and noise.
fn recording(calcium: bool, m: usize, theta: f64, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
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
    let full_len = m + N0 - 1;
    let inst = InstanceSpec::new(kernel, Shape::d1(full_len))
        .activation(law, theta)
        .convolution(Convolution::Linear)
        .generate_seeded(seed)
        .expect("instance");
    let full = &inst.observation;
    let peak = full.iter().fold(0.0_f64, |a, t| a.max(t.abs()));
    let mut rng = StdRng::seed_from_u64(100 + seed);
    let noise = Normal::new(0.0, NOISE).expect("normal");
    let period = 15.0 * N0 as f64;
    let y = full[N0 - 1..N0 - 1 + m]
        .iter()
        .enumerate()
        .map(|(t, v)| {
            let drift = 1.5 * peak * (std::f64::consts::TAU * t as f64 / period + seed as f64).sin();
            v + drift + noise.sample(&mut rng)
        })
        .collect();
    (y, inst.kernel().to_vec(), inst.activation().to_vec())
}

/// Event F1 within ±2 samples of the run's events against x₀.
fn event_f1(out: &Deconvolved, y: &[f64], a0: &[f64], x0: &[f64]) -> f64 {
    let (events, _) = out.events(y).expect("events");
    let mut x = vec![0.0; out.activation_dims.len()];
    for e in &events {
        x[e.index] = e.amplitude;
    }
    let aligned = align_activation(a0, out.kernel(), &x).expect("align");
    let detected: Vec<usize> = (0..x.len()).filter(|&i| aligned[i] != 0.0).collect();
    let truth: Vec<usize> = (0..x0.len()).filter(|&i| x0[i] != 0.0).collect();
    match_spikes(&truth, &detected, 2).f1
}
