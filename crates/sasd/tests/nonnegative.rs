//! Non-negativity (LQK+20 App. B.3, eq. B.11; §5.1 Fig. 10c): with
//! non-negative Bernoulli activations, constraining x ≥ 0 recovers the kernel
//! at a sparsity θ where the signed formulation (the same data, x free) fails.
//!
//! Instance (release mode, fixed seeds): a random kernel on S^{n₀−1},
//! n₀ = 30, m = 100·n₀ = 3000 (the m/n₀ of Fig. 10), x₀ ~ B(θ) (entries 0 or
//! 1), y = a₀ ⊛ x₀, no bias, no noise; homotopy-iADM with the pipeline's
//! defaults (λ* = 0.1/√n), at most 20 000 iterations; success is Fig. 10's
//! kernel error ≤ 1e-2.
//!
//! Measured (seeds 1–5, θ sweep on the same instance): both formulations
//! recover every seed at θ = 0.05 and 0.1 (errors ≤ 5e-6); at θ = 0.15 the
//! signed one recovers 3 of 5, at 0.2 2 of 5, at 0.25 and 0.3 none, while
//! x ≥ 0 recovers 5, 5, 5 and 2 of 5 (errors ≤ 5e-5 up to θ = 0.25).

use sasd::metrics::kernel_error;
use sasd::pipeline::{AdaptiveDecay, Deconvolution, HomotopySpec, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

const N0: usize = 30;

/// Kernel errors of the signed and the non-negative formulation on seed
/// `seed` at rate θ.
fn errors(theta: f64, seed: u64) -> (f64, f64) {
    let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(100 * N0))
        .activation(ActivationLaw::Bernoulli, theta)
        .generate_seeded(seed)
        .expect("valid instance");
    let run = |nonnegative: bool| {
        let out = Deconvolution::new(N0)
            .method(MethodSpec::homotopy_iadm())
            .nonnegative(nonnegative)
            .seed(seed)
            .max_iterations(20_000)
            .run(&inst.observation)
            .expect("run");
        if nonnegative {
            assert!(
                out.activation().iter().all(|v| *v >= 0.0),
                "x ≥ 0 must hold exactly"
            );
        }
        let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
        eprintln!(
            "θ = {theta}, seed {seed}, x ≥ 0 {nonnegative}: kernel error {err:.2e}, {} iterations, {:.0} ms, {:?}",
            out.iterations,
            out.elapsed.as_secs_f64() * 1e3,
            out.stop
        );
        err
    };
    (run(false), run(true))
}

/// θ = 0.25: x ≥ 0 recovers all five seeds (measured ≤ 4.8e-5), the signed
/// formulation none (measured 0.21–0.62).
#[test]
fn nonnegativity_recovers_denser_bernoulli_activations() {
    let (mut signed_ok, mut nonneg_ok) = (0, 0);
    for seed in 1..=5 {
        let (signed, nonneg) = errors(0.25, seed);
        assert!(nonneg <= 1e-3, "seed {seed}: x ≥ 0 reached only {nonneg:e}");
        signed_ok += usize::from(signed <= 1e-2);
        nonneg_ok += usize::from(nonneg <= 1e-2);
    }
    assert_eq!(nonneg_ok, 5);
    assert!(
        signed_ok <= 1,
        "the signed formulation recovered {signed_ok} of 5 seeds at θ = 0.25"
    );
}

/// θ = 0.1: sparse enough for both (measured ≤ 5.2e-6): the gap at θ = 0.25
/// is the constraint's doing, not a broken signed run.
#[test]
fn both_formulations_recover_sparse_bernoulli_activations() {
    for seed in 1..=3 {
        let (signed, nonneg) = errors(0.1, seed);
        assert!(signed <= 1e-4, "seed {seed}: signed {signed:e}");
        assert!(nonneg <= 1e-4, "seed {seed}: x ≥ 0 {nonneg:e}");
    }
}

/// Kernel error and whether the homotopy started over (λ rose
/// between two records) of an x ≥ 0 run with the decay's probe
/// ([`AdaptiveDecay::probe`] at 0.3) on seed `seed` at rate θ.
fn probed(theta: f64, seed: u64) -> (f64, bool) {
    let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(100 * N0))
        .activation(ActivationLaw::Bernoulli, theta)
        .generate_seeded(seed)
        .expect("valid instance");
    let method = MethodSpec::Homotopy(HomotopySpec {
        adaptive: Some(AdaptiveDecay {
            probe: Some(0.3),
            ..AdaptiveDecay::default()
        }),
        ..HomotopySpec::default()
    });
    let out = Deconvolution::new(N0)
        .method(method)
        .nonnegative(true)
        .seed(seed)
        .max_iterations(20_000)
        .run(&inst.observation)
        .expect("run");
    let lambdas: Vec<f64> = out.history.iter().filter_map(|r| r.extra("lambda")).collect();
    let started_over = lambdas.windows(2).any(|w| w[1] > w[0]);
    let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
    eprintln!(
        "probe: θ = {theta}, seed {seed}: kernel error {err:.2e}, {} iterations, started over {started_over}",
        out.iterations
    );
    (err, started_over)
}

/// The probe's two outcomes end to end: at θ = 0.25 the fast start moves
/// the kernel too far on every seed 1–5 (η_min = 0.3 alone fails seeds 4
/// and 5, `docs/studies/homotopy-decay.md`), so the homotopy starts over
/// from its start with a fresh inner solver and recovers them (measured
/// 1.1e-5–5.5e-5; carrying the inner solver's state over instead ends seed
/// 1 at 0.20, and not restoring the start ends seed 4 at 5.5e-2); at
/// θ = 0.1 the probe passes and the run recovers the kernel (1.5e-6)
/// without starting over. Not faster there, though: 3,102 iterations
/// against the default's 384 (seed 1), one more reason the probe is off by
/// default.
#[test]
fn the_probe_starts_over_on_dense_activations_and_not_on_sparse_ones() {
    for seed in [1, 2, 3, 4, 5] {
        let (err, started_over) = probed(0.25, seed);
        assert!(started_over, "seed {seed}: the probe must fail and start over");
        assert!(err <= 1e-3, "seed {seed}: after the start over {err:e}");
    }
    let (err, started_over) = probed(0.1, 1);
    assert!(!started_over, "a sparse run keeps the fast start");
    assert!(err <= 1e-4, "sparse: {err:e}");
}
