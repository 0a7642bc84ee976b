//! Events out of a noisy recording: the documented rule of `sasd::events`
//! (runs merged, one event per run at its peak, |amplitude| ≥ 3σ̂ of the
//! residual) finds the spikes of a noisy trace.

use sasd::metrics::{kernel_error, match_spikes};
use sasd::pipeline::{Deconvolution, MethodSpec, align_activation};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};

const N0: usize = 50;
const M: usize = 5_000;
const NOISE: f64 = 0.05;
/// Sparse events, as in a recording (spikes ±1 a kernel length apart on
/// average): at LQK+20's θ = n₀^(−3/4) ≈ 0.05 one spike in ten has a
/// neighbour of the other sign within a sample, and a merged run of +1 and
/// −1 cancels.
const THETA: f64 = 0.01;

fn noisy(seed: u64) -> Instance {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(M))
        .activation(ActivationLaw::BernoulliRademacher, THETA)
        .bias(1.0)
        .noise(NOISE)
        .generate_seeded(seed)
        .expect("instance")
}

fn spec() -> Deconvolution {
    Deconvolution::new(N0)
        .method(MethodSpec::homotopy_reweighted_iadm())
        .bias(true)
}

/// Seeds 1–3, σ = 0.05 (spikes ±1): event F1 ≥ 0.95 within ±2 samples (measured
/// 1.000 on all three, kernel errors 7e-4–1.5e-3), σ̂ within 10 % of σ
/// (measured within 1 %).
#[test]
fn events_of_a_noisy_trace_are_its_spikes() {
    for seed in 1..=3 {
        let inst = noisy(seed);
        let out = spec().seed(seed).run(&inst.observation).expect("run");
        let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
        let (events, noise) = out.events(&inst.observation).expect("events");
        // Events as a sparse vector, moved onto the truth's frame.
        let mut x = vec![0.0; M];
        for e in &events {
            x[e.index] = e.amplitude;
        }
        let aligned = align_activation(inst.kernel(), out.kernel(), &x).expect("align");
        let detected: Vec<usize> = (0..M).filter(|&i| aligned[i] != 0.0).collect();
        let truth: Vec<usize> = (0..M).filter(|&i| inst.activation()[i] != 0.0).collect();
        let scores = match_spikes(&truth, &detected, 2);
        eprintln!(
            "seed {seed}: kernel error {err:.1e}, {} events for {} spikes, F1 {:.3}, σ̂ {noise:.4}",
            events.len(),
            truth.len(),
            scores.f1
        );
        assert!(scores.f1 >= 0.95, "seed {seed}: F1 {}", scores.f1);
        assert!((noise / NOISE - 1.0).abs() < 0.1, "seed {seed}: σ̂ {noise}");
    }
}

/// The kernel-size warnings: none at the right size; "too short" when the
/// size asked for is 30 for a kernel of 50 (its tail spills out of the
/// window into the lifted kernel); "too long" when it is 250 for events
/// about 100 samples apart.
#[test]
fn kernel_size_warnings_fire_when_the_size_is_wrong() {
    use sasd::pipeline::KernelWarning;
    let inst = noisy(1);
    let y = &inst.observation;
    let warnings = |n0: usize| {
        let out = Deconvolution::new(n0)
            .method(MethodSpec::homotopy_reweighted_iadm())
            .bias(true)
            .lambda(2.0 * NOISE)
            .run(y)
            .expect("run");
        let (events, _) = out.events(y).expect("events");
        out.kernel_warnings(&events)
    };
    let right = warnings(N0);
    assert!(right.is_empty(), "{right:?}");
    let short = warnings(30);
    assert!(
        short.iter().any(|w| matches!(w, KernelWarning::TooShort { .. })),
        "{short:?}"
    );
    let long = warnings(250);
    assert!(
        long.iter().any(|w| matches!(w, KernelWarning::TooLong { .. })),
        "{long:?}"
    );
    eprintln!("n0 = 30: {}; n0 = 250: {}", short[0], long[0]);
}
