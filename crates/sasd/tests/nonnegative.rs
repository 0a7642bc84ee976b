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
use sasd::pipeline::{Deconvolution, MethodSpec};
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
