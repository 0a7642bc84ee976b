//! Calcium imaging (LQK+20 §6.1.1, Figs. 16–18): reweighted iADM
//! (Alg. 7 around Alg. 5, weights B.7 with the ε rule after B.9) recovers
//! the AR(2) transient and the spike train of a noisy synthetic trace.
//!
//! Instance (release mode, fixed seeds): AR(2) kernel, τ₁ = 0.2 s,
//! τ₂ = 0.03 s, 100 Hz, n₀ = 100; m = 10⁴; x₀ ~ B(θ), θ = n₀^(−4/5) ≈ 0.025
//! (spikes of height 1); bias b = 1; noise σ = 5·10⁻².
//!
//! Settings: bias and x ≥ 0 on, four rounds, 4000 iterations for the rounds
//! (1000 each: more buys nothing, the first round only creeps). λ = 0.1, the
//! λ of §6.1.1, for the pipeline's methods (seeds 1–5); 2σ̂, with σ̂ the
//! robust noise level of y from its first differences (median |Δy| /
//! (0.6745·√2); 2σ̂ ≈ 0.104 here), for the homotopy start (seeds 1–10). The
//! pipeline's default λ* = 0.1/√n ≈ 0.006 sits far below the noise and fits
//! it (kernel error 0.15–0.44, F1 0.1–0.3 on seeds 1–5).
//!
//! Spike F1: the recovered activation is moved onto the truth's frame by the
//! shift and sign of `kernel_alignment(a₀, â)` (`aligned_spike_scores`);
//! detections are its entries above 0.2 × its largest entry, matched to the
//! true spikes within ±2 samples. (The largest entry is often a merged pair
//! of spikes, ≈ 2, so the threshold is ≈ 0.4 of a single spike.)

use std::time::Duration;

use sasd::metrics::{SpikeScores, kernel_error};
use sasd::pipeline::{Deconvolution, MethodSpec, aligned_spike_scores, max_energy_window, noise_level};
use sasd::refine::SupportRefinement;
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};

const N0: usize = 100;

fn calcium_trace(seed: u64) -> Instance {
    let kernel = KernelSpec::Ar2 {
        n0: N0,
        tau1: 0.2,
        tau2: 0.03,
        rate_hz: 100.0,
    };
    InstanceSpec::new(kernel, Shape::d1(10_000))
        .activation(ActivationLaw::Bernoulli, (N0 as f64).powf(-0.8))
        .bias(1.0)
        .noise(5e-2)
        .generate_seeded(seed)
        .expect("valid instance")
}

struct Outcome {
    kernel_error: f64,
    f1: f64,
    iterations: usize,
    elapsed: Duration,
}

/// Kernel error and spike F1 (the rule of the module docs) of a recovered
/// kernel (any length: the pipeline's n₀ window or a lifted kernel) and the
/// activation in its frame.
fn score(inst: &Instance, kernel: &[f64], activation: &[f64]) -> (f64, SpikeScores) {
    let top = activation.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let scores = aligned_spike_scores(inst.kernel(), inst.activation(), kernel, activation, 0.2 * top, 2)
        .expect("scores");
    (kernel_error(inst.kernel(), kernel).expect("metric"), scores)
}

/// Homotopy then reweighting at its default λ = 2σ̂, with bias and x ≥ 0,
/// 8000 iterations.
fn homotopy_then_reweighting(seed: u64) -> Deconvolution {
    Deconvolution::new(N0)
        .method(MethodSpec::homotopy_reweighted_iadm())
        .bias(true)
        .nonnegative(true)
        .max_iterations(8000)
        .seed(seed)
}

/// The pipeline's `method` at λ = 0.1.
fn deconvolve(method: MethodSpec, seed: u64) -> Outcome {
    let inst = calcium_trace(seed);
    let out = Deconvolution::new(N0)
        .method(method)
        .lambda(0.1)
        .bias(true)
        .nonnegative(true)
        .max_iterations(4000)
        .seed(seed)
        .run(&inst.observation)
        .expect("run");
    let (kernel_error, scores) = score(&inst, out.kernel(), out.activation());
    eprintln!(
        "{method:?} seed {seed}: kernel error {kernel_error:.2e}, F1 {:.3} (P {:.2}, R {:.2}), {} iterations, {:.2} s, bias {:.3}, {:?}",
        scores.f1,
        scores.precision,
        scores.recall,
        out.iterations,
        out.elapsed.as_secs_f64(),
        out.bias.unwrap_or(f64::NAN),
        out.stop
    );
    Outcome {
        kernel_error,
        f1: scores.f1,
        iterations: out.iterations,
        elapsed: out.elapsed,
    }
}

/// The pipeline's reweighted iADM against its plain iADM, same λ and budget.
///
/// Measured (seeds 1–5, 2 cores, load ≈ 1.5): kernel error 2.2e-3–2.9e-2,
/// F1 0.929–0.959, 1397–1905 iterations, 0.5–0.8 s each; plain iADM: F1
/// 0.70–0.84 (its activations stay dense: precision 0.54–0.77), 4000
/// iterations (its cap), 1.5–1.7 s.
///
/// Not every seed: a single start falls, for about one random window in
/// four, into a basin where the kernel loses its slow tail and the bias
/// takes it up (b ≈ 1.4, kernel error ≈ 0.25, F1 ≈ 0.8; seeds 9 and 10,
/// and seed 5 at λ = 0.106). The run below starts the reweighting from a
/// homotopy instead and recovers every seed.
#[test]
fn reweighted_iadm_recovers_the_calcium_kernel_and_spikes() {
    for seed in 1..=5 {
        let rw = deconvolve(MethodSpec::reweighted_iadm(), seed);
        let plain = deconvolve(MethodSpec::iadm(), seed);
        assert!(
            rw.kernel_error <= 5e-2,
            "seed {seed}: kernel error {:e}",
            rw.kernel_error
        );
        assert!(rw.f1 >= 0.9, "seed {seed}: F1 {}", rw.f1);
        assert!(
            rw.f1 >= plain.f1 + 0.05,
            "seed {seed}: reweighting F1 {} vs plain iADM {}",
            rw.f1,
            plain.f1
        );
        assert!(rw.iterations < plain.iterations && rw.elapsed < 4 * plain.elapsed);
    }
}

/// The pipeline's homotopy then reweighting at its default λ for the
/// reweighted methods, max(0.1/√n, 2σ̂) (2σ̂ ≈ 0.104 here), with 8000
/// iterations: half for the homotopy, a quarter of the rest per round.
///
/// Measured (seeds 1–10, load ≈ 5): kernel error 2.2e-3–1.1e-2, F1
/// 0.915–0.957, 4312–5296 iterations, 3.0–3.8 s each.
#[test]
fn homotopy_then_reweighting_recovers_every_seed() {
    for seed in 1..=10 {
        let inst = calcium_trace(seed);
        let y = &inst.observation;
        let out = homotopy_then_reweighting(seed).run(y).expect("run");
        let sigma = noise_level(y, y.len());
        assert_eq!(out.lambda, 2.0 * sigma, "the default λ is 2σ̂ here");
        assert!((sigma - 5e-2).abs() < 5e-3, "σ̂ = {sigma}");
        let (kernel_error, scores) = score(&inst, out.kernel(), out.activation());
        eprintln!(
            "homotopy + reweighting seed {seed}: λ {:.4}, kernel error {kernel_error:.2e}, F1 {:.3} (P {:.2}, R {:.2}), {} iterations, {:.2} s",
            out.lambda,
            scores.f1,
            scores.precision,
            scores.recall,
            out.iterations,
            out.elapsed.as_secs_f64()
        );
        assert!(kernel_error <= 5e-2, "seed {seed}: kernel error {kernel_error:e}");
        assert!(scores.f1 >= 0.9, "seed {seed}: F1 {}", scores.f1);
    }
}

/// The support refinement under x ≥ 0, told the noise level σ̂, after the
/// homotopy + reweighting run: the kernel improves on every seed and the
/// spikes stay found. Measured (seeds 1–5): kernel error 3.8e-3 → 2.9e-3,
/// 3.3e-3 → 1.6e-3, 4.2e-3 → 2.6e-3, 3.0e-3 → 2.3e-3, 1.1e-2 → 9.2e-3;
/// F1 0.930–0.954; 0.4–0.6 s per refinement.
#[test]
fn support_refinement_under_nonnegativity_sharpens_the_kernel() {
    for seed in 1..=3 {
        let inst = calcium_trace(seed);
        let y = &inst.observation;
        let out = homotopy_then_reweighting(seed)
            .refine_support(SupportRefinement {
                noise: noise_level(y, y.len()),
                ..SupportRefinement::default()
            })
            .run(y)
            .expect("run");
        // The lifted kernel is the solve's: its window is the kernel before.
        let solved =
            kernel_error(inst.kernel(), &max_energy_window(out.lifted_kernel(), N0).1).expect("metric");
        let (refined, scores) = score(&inst, out.kernel(), out.activation());
        eprintln!(
            "refined seed {seed}: kernel error {solved:.2e} -> {refined:.2e}, F1 {:.3}",
            scores.f1
        );
        assert!(out.activation().iter().all(|&v| v >= 0.0), "seed {seed}: x ≥ 0");
        assert!(refined < solved, "seed {seed}: {solved:e} -> {refined:e}");
        assert!(scores.f1 >= 0.9, "seed {seed}: F1 {}", scores.f1);
    }
}
