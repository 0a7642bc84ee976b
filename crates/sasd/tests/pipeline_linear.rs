//! The pipeline on recordings: y a window of a linear convolution (not a
//! cyclic one), a drifting baseline and noise (issue 14's model, at a size
//! the fast suite affords; `examples/linear_boundary.rs` has the timings).

use sasd::conv::Boundary;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, Deconvolved, MethodSpec, aligned_spike_scores};
use sasd::synth::{ActivationLaw, KernelSpec, RecordingSpec, Shape};

const N0: usize = 50;
const M: usize = 6_000;
const NOISE: f64 = 0.05;

/// A recording of M − N0 + 1 samples (random kernel, Bernoulli–Rademacher
/// spikes at θ = 0.01), a sine drift of peak-to-peak `swing` × the largest
/// spike response and period 15 kernel lengths, white noise σ = 0.05:
/// (y, a0, x0), x0 in the frame of the linear model's activation.
fn recording(seed: u64, swing: f64) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let r = RecordingSpec::new(
        KernelSpec::RandomSphere(Shape::d1(N0)),
        ActivationLaw::BernoulliRademacher,
        0.01,
        M - N0 + 1,
    )
    .drift(swing, 15.0 * N0 as f64)
    .noise(NOISE)
    .generate_seeded(seed)
    .expect("recording");
    (r.y, r.kernel, r.activation)
}

/// Event F1 within ±2 samples of the run's events against x0.
fn event_f1(out: &Deconvolved, y: &[f64], a0: &[f64], x0: &[f64]) -> f64 {
    let (events, _) = out.events(y).expect("events");
    aligned_spike_scores(a0, x0, out.kernel(), &out.event_activation(&events, 0), 0.0, 2)
        .expect("scores")
        .f1
}

/// Seeds 1–3, drift swing 3× the largest spike response, period 15 kernel
/// lengths: the linear model with a baseline of P = 5 kernel lengths and
/// λ = 2σ recovers the kernel to ≤ 1e-2 and the events to F1 ≥ 0.9
/// (measured: 1.1e-3, 6.6e-4, 1.6e-3; F1 0.983, 1.000, 0.921 — issue 14
/// asks 0.95 on 10 of 10 seeds: not met yet). The
/// baseline's period must sit well below the drift's: P = 10 kernel
/// lengths (2/3 of the drift period) gave 3e-2–2.4e-1, P = 20 failed; and
/// without a baseline every model fails (kernel error 0.28–0.44, F1 < 0.07).
/// λ is given: the default 2σ̂ of `noise_level` measures a random kernel's
/// own jumps (0.157 here, error 0.13).
#[test]
fn linear_model_with_a_baseline_recovers_a_drifting_noisy_recording() {
    for seed in 1..=3 {
        let (y, a0, x0) = recording(seed, 3.0);
        let out = Deconvolution::new(N0)
            .method(MethodSpec::homotopy_reweighted_iadm())
            .lambda(2.0 * NOISE)
            .boundary(Boundary::Linear)
            .baseline(5.0 * N0 as f64)
            .seed(seed)
            .run(&y)
            .expect("run");
        assert_eq!(out.activation_dims, Shape::d1(y.len() + N0 - 1));
        assert_eq!(out.baseline.as_ref().map(Vec::len), Some(y.len()));
        let err = kernel_error(&a0, out.kernel()).expect("metric");
        let f1 = event_f1(&out, &y, &a0, &x0);
        eprintln!(
            "seed {seed}: kernel error {err:.2e}, event F1 {f1:.3}, {} iterations, {:?}, {:.2} s",
            out.iterations,
            out.stop,
            out.elapsed.as_secs_f64()
        );
        assert!(err <= 1e-2, "seed {seed}: kernel error {err:e}");
        assert!(f1 >= 0.9, "seed {seed}: F1 {f1}");
    }
}

/// Default options on a recording (the linear model, homotopy-iADM, the
/// default λ = max(0.1/√n, 2σ̂), σ̂ read between the events) plus a
/// baseline, in three units: every stopping test is in the data's units
/// (`InertialAdm`'s stationarity, the noise-following λ), so y × 1024
/// (exact in floating point) gives the same run bit for bit, and y × 1000
/// the same kernel (kernel error between the two runs ≤ 1e-6) and the same
/// events, with amplitudes × 1000.
#[test]
fn a_recording_in_other_units_gives_the_same_kernel_and_events() {
    let (y, a0, x0) = recording(1, 3.0);
    let run = |scale: f64| {
        let ys: Vec<f64> = y.iter().map(|v| v * scale).collect();
        let out = Deconvolution::new(N0)
            .boundary(Boundary::Linear)
            .baseline(5.0 * N0 as f64)
            .seed(1)
            .run(&ys)
            .expect("run");
        let (events, _) = out.events(&ys).expect("events");
        (out, events)
    };
    let (base, events) = run(1.0);
    let err = kernel_error(&a0, base.kernel()).expect("metric");
    let f1 = event_f1(&base, &y, &a0, &x0);
    eprintln!(
        "defaults: λ {:.3}, kernel error {err:.2e}, event F1 {f1:.3}, {} iterations, {:?}",
        base.lambda, base.iterations, base.stop
    );
    assert!(err <= 1e-2 && f1 >= 0.9, "kernel error {err:e}, F1 {f1}");
    let (binary, _) = run(1024.0);
    assert_eq!(binary.kernel(), base.kernel());
    assert_eq!(binary.iterations, base.iterations);
    assert_eq!(binary.lambda, 1024.0 * base.lambda);
    let (decimal, decimal_events) = run(1000.0);
    let between = kernel_error(base.kernel(), decimal.kernel()).expect("metric");
    eprintln!(
        "× 1000: kernel error between the runs {between:.1e}, {} iterations",
        decimal.iterations
    );
    assert!(between <= 1e-6, "kernel error between the runs {between:e}");
    assert!((decimal.lambda / base.lambda - 1000.0).abs() < 1e-6);
    assert_eq!(decimal_events.len(), events.len());
    for (d, e) in decimal_events.iter().zip(&events) {
        assert_eq!(d.index, e.index);
        let ratio = d.amplitude / e.amplitude / 1000.0;
        assert!((ratio - 1.0).abs() < 1e-9, "{} vs {}", d.amplitude, e.amplitude);
    }
}

/// Issue 14's calcium case, one seed of `examples/recordings.rs` (m = 2·10⁴,
/// AR(2) kernel n₀ = 100, θ = 0.005, drift swing 3 of period 15n₀, σ =
/// 0.05), default options plus a baseline and x ≥ 0: the solve alone leaves
/// the kernel 2.3e-2 off (the ℓ¹ shrinkage that the baseline soaks up
/// biases it) and splits events (F1 0.78); the default refinement of a
/// recording brings it to 3.8e-3 and F1 0.966 (measured, seed 1).
#[test]
fn the_default_refinement_recovers_a_calcium_recording() {
    let r = RecordingSpec::new(
        KernelSpec::Ar2 {
            n0: 100,
            tau1: 0.2,
            tau2: 0.03,
            rate_hz: 100.0,
        },
        ActivationLaw::Bernoulli,
        0.005,
        20_000,
    )
    .drift(3.0, 1500.0)
    .noise(NOISE)
    .generate_seeded(1)
    .expect("recording");
    let run = Deconvolution::new(100)
        .boundary(Boundary::Linear)
        .baseline(500.0)
        .nonnegative(true)
        .seed(1);
    let refined = run.clone().run(&r.y).expect("run");
    let alone = run.no_refinement().run(&r.y).expect("run");
    let score = |out: &Deconvolved| {
        let err = kernel_error(&r.kernel, out.kernel()).expect("metric");
        (err, event_f1(out, &r.y, &r.kernel, &r.activation))
    };
    let ((err, f1), (err0, f10)) = (score(&refined), score(&alone));
    eprintln!("refined: kernel error {err:.2e}, F1 {f1:.3}; solve alone: {err0:.2e}, F1 {f10:.3}");
    assert!(refined.refinement.is_some() && alone.refinement.is_none());
    assert!(
        err <= 1e-2 && f1 >= 0.95,
        "refined: kernel error {err:e}, F1 {f1}"
    );
}
