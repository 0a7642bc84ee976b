//! Calcium imaging (LQK+20 §6.1.1, Figs. 16–18): a fluorescence trace is a
//! calcium transient (AR(1), eq. 6.2, τ = 0.25 s; or AR(2), eq. 6.3,
//! τ₁ = 0.2 s, τ₂ = 0.03 s; 100 Hz, n₀ = 100) convolved with a spike train
//! x₀ ~ B(n₀^(−4/5)), plus a baseline b = 1 and noise σ = 0.05 (m = 10⁴).
//! Deconvolution with a bias and x ≥ 0 recovers the transient and the spike
//! times.
//!
//! Methods, per kernel model and seed:
//! * `iADM`: plain iADM (Alg. 5) at λ, from the window of eq. 3.5;
//! * `reweighted`: the pipeline's reweighted iADM (Alg. 7: four rounds,
//!   weights B.7, ε rule after B.9) at λ;
//! * `homotopy`: the pipeline's homotopy-iADM (Alg. 6) down to λ;
//! * `homotopy+rw`: the pipeline's homotopy down to λ, then the four
//!   reweighting rounds (`HomotopyReweightedIadm`). A single start of
//!   `reweighted` lands, for about one window in four, in a basin where the
//!   kernel loses its slow tail to the bias (b ≈ 1.4, kernel error ≈ 0.2,
//!   F1 ≈ 0.8); starting from the homotopy avoided it on every seed tried.
//!
//! λ: `--lambda L`, by default 2σ̂ with σ̂ = median |Δy| / (0.6745·√2)
//! (`sasd::pipeline::noise_level`), the noise level of a trace smooth at the
//! sampling rate (≈ 0.10 here, the paper's λ = 0.1, and the pipeline's
//! default for its reweighted methods; its homotopy default 0.1/√n ≈ 0.006
//! fits the noise).
//!
//! Printed per run: the kernel error (LQK+20 §5.1) of the n₀ window, the
//! spike F1 within ±2 samples after undoing the kernel's shift and sign
//! (detections: entries above a fifth of the largest, which is often a merged
//! pair of spikes), precision and recall, iterations and time; then the mean
//! per kernel and method and how many seeds reached kernel error ≤ 5e-2 with
//! F1 ≥ 0.9.
//!
//! `--nonneg-study true` adds the non-negativity study of LQK+20 Fig. 10c:
//! a random kernel (n₀ = 30, m = 3000), Bernoulli activations at several
//! rates θ, homotopy-iADM with x free (signed) and with x ≥ 0; recovery is
//! kernel error ≤ 1e-2.
//!
//! ```sh
//! cargo run --release --example calcium -- --seed 1..=3 --json calcium.json
//! cargo run --release --example calcium -- --seed 1..=5 --nonneg-study true
//! ```

mod common;

use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, MethodSpec, aligned_spike_scores, noise_level};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};
use serde_json::{Value, json};

const USAGE: &str = "usage: calcium [--seed N | --seed A..=B] [--json PATH] [--lambda L] [--noise SIGMA] \
[--iterations N] [--nonneg-study true|false]";

const N0: usize = 100;

/// One run's figures.
struct Run {
    kernel_error: f64,
    f1: f64,
    precision: f64,
    recall: f64,
    iterations: usize,
    seconds: f64,
}

/// Kernel error, spike F1, precision and recall of a kernel and the
/// activation in its frame.
fn score(inst: &Instance, kernel: &[f64], activation: &[f64]) -> (f64, f64, f64, f64) {
    let top = activation.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let err = kernel_error(inst.kernel(), kernel).unwrap_or(f64::NAN);
    match aligned_spike_scores(inst.kernel(), inst.activation(), kernel, activation, 0.2 * top, 2) {
        Ok(s) => (err, s.f1, s.precision, s.recall),
        Err(_) => (err, f64::NAN, f64::NAN, f64::NAN),
    }
}

/// A pipeline method.
fn pipeline(inst: &Instance, method: MethodSpec, lambda: f64, iterations: usize, seed: u64) -> Run {
    let out = Deconvolution::new(N0)
        .method(method)
        .lambda(lambda)
        .bias(true)
        .nonnegative(true)
        .max_iterations(iterations)
        .seed(seed)
        .run(&inst.observation)
        .expect("deconvolution runs");
    let (kernel_error, f1, precision, recall) = score(inst, out.kernel(), out.activation());
    Run {
        kernel_error,
        f1,
        precision,
        recall,
        iterations: out.iterations,
        seconds: out.elapsed.as_secs_f64(),
    }
}

/// LQK+20 Fig. 10c: success rates of the signed and the non-negative
/// formulation on Bernoulli activations, per θ.
fn nonnegativity_study(seeds: &[u64]) -> Vec<Value> {
    let (n0, m) = (30, 3000);
    println!(
        "\nnon-negativity (seed 003 Fig. 10c): random kernel n0 = {n0}, m = {m}, x0 ~ B(theta), homotopy-iADM"
    );
    println!(
        "{:>6} {:>14} {:>14} {:>22} {:>22}",
        "theta", "signed: ok", "x >= 0: ok", "signed: worst error", "x >= 0: worst error"
    );
    let mut rows = Vec::new();
    for theta in [0.05, 0.1, 0.15, 0.2, 0.25, 0.3] {
        let mut stats = [(0usize, 0.0_f64); 2];
        for &seed in seeds {
            let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(m))
                .activation(ActivationLaw::Bernoulli, theta)
                .generate_seeded(seed)
                .expect("valid instance");
            for (k, nonnegative) in [false, true].into_iter().enumerate() {
                let out = Deconvolution::new(n0)
                    .method(MethodSpec::homotopy_iadm())
                    .nonnegative(nonnegative)
                    .seed(seed)
                    .max_iterations(20_000)
                    .run(&inst.observation)
                    .expect("deconvolution runs");
                let err = kernel_error(inst.kernel(), out.kernel()).unwrap_or(f64::NAN);
                stats[k].0 += usize::from(err <= 1e-2);
                stats[k].1 = stats[k].1.max(err);
                rows.push(json!({"theta": theta, "seed": seed, "nonnegative": nonnegative,
                    "kernel_error": err, "iterations": out.iterations,
                    "seconds": out.elapsed.as_secs_f64()}));
            }
        }
        let s = seeds.len();
        println!(
            "{theta:>6} {:>10}/{s:<3} {:>10}/{s:<3} {:>22.2e} {:>22.2e}",
            stats[0].0, stats[1].0, stats[0].1, stats[1].1
        );
    }
    rows
}

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    let noise: f64 = args.get("noise", 5e-2);
    let fixed_lambda: f64 = args.get("lambda", 0.0);
    let iterations: usize = args.get("iterations", 4000);
    let study: bool = args.get("nonneg-study", false);
    let m = 10_000;
    let models = [
        (
            "AR(1)",
            KernelSpec::Ar1 {
                n0: N0,
                tau: 0.25,
                rate_hz: 100.0,
            },
        ),
        (
            "AR(2)",
            KernelSpec::Ar2 {
                n0: N0,
                tau1: 0.2,
                tau2: 0.03,
                rate_hz: 100.0,
            },
        ),
    ];
    let methods = ["iADM", "reweighted", "homotopy", "homotopy+rw"];
    println!(
        "calcium traces: n0 = {N0}, m = {m}, theta = n0^(-4/5), b = 1, noise {noise}; bias and x >= 0 on; \
         lambda {}",
        if fixed_lambda > 0.0 {
            format!("{fixed_lambda}")
        } else {
            "2 sigma_hat".into()
        }
    );
    println!(
        "{:<6} {:<12} {:>4} {:>7} {:>10} {:>6} {:>5} {:>5} {:>10} {:>8}",
        "kernel", "method", "seed", "lambda", "kernel err", "F1", "P", "R", "iterations", "time [s]"
    );
    let mut rows = Vec::new();
    let mut summary = Vec::new();
    for (name, spec) in &models {
        let mut totals = vec![(0.0, 0.0, 0usize); methods.len()];
        for &seed in &args.seeds {
            let inst = InstanceSpec::new(spec.clone(), Shape::d1(m))
                .activation(ActivationLaw::Bernoulli, (N0 as f64).powf(-0.8))
                .bias(1.0)
                .noise(noise)
                .generate_seeded(seed)
                .expect("valid instance");
            let lambda = if fixed_lambda > 0.0 {
                fixed_lambda
            } else {
                2.0 * noise_level(&inst.observation, m)
            };
            for (k, method) in methods.iter().enumerate() {
                let run = match k {
                    0 => pipeline(&inst, MethodSpec::iadm(), lambda, iterations, seed),
                    1 => pipeline(&inst, MethodSpec::reweighted_iadm(), lambda, iterations, seed),
                    2 => pipeline(&inst, MethodSpec::homotopy_iadm(), lambda, 2 * iterations, seed),
                    _ => pipeline(
                        &inst,
                        MethodSpec::homotopy_reweighted_iadm(),
                        lambda,
                        2 * iterations,
                        seed,
                    ),
                };
                println!(
                    "{name:<6} {method:<12} {seed:>4} {lambda:>7.4} {:>10.2e} {:>6.3} {:>5.2} {:>5.2} {:>10} {:>8.2}",
                    run.kernel_error, run.f1, run.precision, run.recall, run.iterations, run.seconds
                );
                totals[k].0 += run.kernel_error;
                totals[k].1 += run.f1;
                totals[k].2 += usize::from(run.kernel_error <= 5e-2 && run.f1 >= 0.9);
                rows.push(json!({
                    "kernel": name, "method": method, "seed": seed, "lambda": lambda,
                    "kernel_error": run.kernel_error, "f1": run.f1, "precision": run.precision,
                    "recall": run.recall, "iterations": run.iterations, "seconds": run.seconds,
                }));
            }
        }
        for (method, (err, f1, ok)) in methods.iter().zip(totals) {
            let s = args.seeds.len() as f64;
            summary.push((name, method, err / s, f1 / s, ok));
        }
    }
    println!("\nmeans over {} seeds", args.seeds.len());
    println!(
        "{:<6} {:<12} {:>10} {:>6} {:>26}",
        "kernel", "method", "kernel err", "F1", "err <= 5e-2 and F1 >= 0.9"
    );
    for (name, method, err, f1, ok) in &summary {
        println!(
            "{name:<6} {method:<12} {err:>10.2e} {f1:>6.3} {ok:>22}/{}",
            args.seeds.len()
        );
    }
    let study_rows = if study {
        nonnegativity_study(&args.seeds)
    } else {
        Vec::new()
    };
    if let Some(path) = &args.json {
        common::write_json(
            path,
            &json!({
                "n0": N0, "m": m, "noise": noise,
                "lambda": if fixed_lambda > 0.0 { json!(fixed_lambda) } else { json!("2 sigma_hat") },
                "iterations": iterations, "runs": rows, "nonnegativity_study": study_rows,
            }),
        );
    }
}
