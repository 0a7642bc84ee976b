//! The two-stage algorithm of ZLK+19 (Algorithm 1; issue 6 acceptance,
//! release mode, fixed seeds): a random kernel, n₀ = 20, recovered to kernel
//! error ≤ 1e-3; its λ schedule; typed errors on bad input.
//!
//! Instance: LQK+20's n₀ = 20 landscape instance (§4, Fig. 9): m = 2·10³,
//! θ = n₀^{−3/4}, Bernoulli–Rademacher, cyclic, no noise.
//!
//! `cargo test -p sasd --release --test two_stage -- --ignored --nocapture`
//! prints the comparison with homotopy-iADM on the same instances.

use optim::StopReason;
use sasd::SasdError;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, MethodSpec};
use sasd::second_order::SecondOrderSolver;
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};
use sasd::two_stage::TwoStageSpec;

/// A two-stage run of `spec` for kernels of `n0`.
fn two_stage(n0: usize, spec: TwoStageSpec) -> Deconvolution {
    Deconvolution::new(n0).method(MethodSpec::TwoStage(spec))
}

/// The spec with `solver`.
fn with_solver(solver: SecondOrderSolver) -> TwoStageSpec {
    TwoStageSpec {
        solver,
        ..TwoStageSpec::default()
    }
}

const N0: usize = 20;
const M: usize = 2_000;

fn instance(seed: u64, law: ActivationLaw) -> Instance {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(M))
        .activation(law, (N0 as f64).powf(-0.75))
        .generate_seeded(seed)
        .expect("valid instance")
}

/// Runs the two-stage algorithm with its defaults (λ₀ = 0.5, λ_min = 0.1/√58,
/// β = 2, μ = λ/10) and returns (final error, stage I error).
fn recover(solver: SecondOrderSolver, seed: u64, law: ActivationLaw) -> (f64, f64) {
    let inst = instance(seed, law);
    let out = two_stage(N0, with_solver(solver))
        .seed(seed)
        .run(&inst.observation)
        .expect("run");
    let stages = out.two_stage.as_ref().expect("two-stage report");
    let cert = out.certificate.expect("certificate");
    let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
    let stage_one = kernel_error(inst.kernel(), &stages.stage_one_kernel).expect("metric");
    eprintln!(
        "{solver:?} {law:?} seed {seed}: kernel error {err:.2e} (stage I {stage_one:.2e} in {} iterations), \
         {} iterations, {} Hessian products, {} FFTs, {:.0} ms, stop {:?}, λ_min(Hess) {:?}",
        stages.stage_one_iterations,
        out.iterations,
        cert.hess_calls,
        out.ffts,
        out.elapsed.as_secs_f64() * 1e3,
        out.stop,
        cert.lambda_min
    );
    assert_eq!(out.kernel().len(), N0);
    assert_eq!(stages.stage_one_kernel.len(), N0);
    assert_eq!(out.lifted_kernel().len(), 3 * N0 - 2);
    assert_eq!(out.activation().len(), M);
    assert_eq!(out.stop, StopReason::SecondOrderStationary, "seed {seed}");
    assert!(cert.lambda_min.is_some_and(|l| l > 0.0));
    // Records of both stages, stage II at every λ of the schedule.
    assert!(out.history.iter().any(|r| r.extra("stage") == Some(0.0)));
    for lambda in &stages.schedule {
        assert!(
            out.history
                .iter()
                .any(|r| r.extra("stage") == Some(1.0) && r.extra("lambda") == Some(*lambda)),
            "no stage-II record at λ = {lambda}"
        );
    }
    (err, stage_one)
}

/// Trust region, seeds 1–5: 5 of 5 to ≤ 1e-3. Measured: 1.5e-6, 5.9e-6,
/// 8.8e-6, 1.1e-5, 9.5e-6; stage I alone, from a random point of S^{19}:
/// 1.9e-3, 0.11, 0.14, 0.10, 5.4e-2 (shift truncations, Theorem 2.1); in
/// 200–300 outer iterations and 900–1160 Hessian products over 8 solves.
/// (Stage I's start is drawn on a stream of its own: with the generator's
/// stream, seed s started at the very kernel the instance of seed s drew.)
#[test]
fn trust_region_two_stage_recovers_random_kernels() {
    for seed in 1..=5 {
        let (err, stage_one) = recover(
            SecondOrderSolver::TrustRegion,
            seed,
            ActivationLaw::BernoulliRademacher,
        );
        assert!(err <= 1e-3, "seed {seed}: kernel error {err:e}");
        // Stage II improves on stage I's truncated kernel (Lemma 3.1).
        assert!(err < stage_one, "seed {seed}: {err:e} vs stage I {stage_one:e}");
    }
}

/// Curvilinear search, seeds 1–3 (Bernoulli–Rademacher) and 1–2
/// (Bernoulli–Gaussian): all to ≤ 1e-3 (measured: the trust region's
/// minimisers, 1.5e-6 … 8.8e-6 and 7.2e-7, 5.6e-6).
#[test]
fn curvilinear_two_stage_recovers_random_kernels() {
    for (law, seeds) in [
        (ActivationLaw::BernoulliRademacher, 1..=3),
        (ActivationLaw::BernoulliGaussian, 1..=2),
    ] {
        for seed in seeds {
            let (err, _) = recover(SecondOrderSolver::Curvilinear, seed, law);
            assert!(err <= 1e-3, "{law:?} seed {seed}: kernel error {err:e}");
        }
    }
}

/// Algorithm 1's schedule λ₀, λ₀/β, … > λ_min, then λ_min itself.
#[test]
fn schedule_halves_lambda_down_to_lambda_min() {
    let spec = TwoStageSpec::default();
    let s = spec.schedule(0.05).unwrap();
    assert_eq!(s, vec![0.5, 0.25, 0.125, 0.0625, 0.05]);
    // The run's default λ_min is 0.1/√n, n = 3n₀ − 2 = 58.
    let inst = instance(1, ActivationLaw::BernoulliRademacher);
    let out = two_stage(N0, spec)
        .max_iterations(2)
        .run(&inst.observation)
        .expect("run");
    let default = &out.two_stage.as_ref().expect("report").schedule;
    assert_eq!(default.last().copied(), Some(0.1 / 58f64.sqrt()));
    assert_eq!(default.first().copied(), Some(0.5));
    // λ_min ≥ λ₀: one solve at λ_min.
    let low = TwoStageSpec {
        lambda0: 0.1,
        ..TwoStageSpec::default()
    };
    assert_eq!(low.schedule(0.2).unwrap(), vec![0.2]);
}

/// Bad input: a typed error, never a panic.
#[test]
fn bad_input_gives_typed_errors() {
    let y: Vec<f64> = (0..300).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
    let run = |b: Deconvolution, y: &[f64]| b.run(y).map(|_| ());
    let new = || two_stage(5, TwoStageSpec::default());
    let with = |spec: TwoStageSpec| two_stage(5, spec);
    let base = TwoStageSpec::default();
    assert_eq!(run(new(), &[]), Err(SasdError::EmptySignal));
    let mut nan = y.clone();
    nan[3] = f64::INFINITY;
    assert!(matches!(
        run(new(), &nan),
        Err(SasdError::NonFinite { index: 3, .. })
    ));
    assert!(matches!(
        run(two_stage(300, base), &y),
        Err(SasdError::KernelTooLong { kernel: 300, .. })
    ));
    assert!(matches!(
        run(two_stage(0, base), &y),
        Err(SasdError::ZeroDimension { .. })
    ));
    for bad in [0.0, -0.5, f64::NAN] {
        assert!(matches!(
            run(with(TwoStageSpec { lambda0: bad, ..base }), &y),
            Err(SasdError::InvalidLambda(_))
        ));
        assert!(matches!(
            run(new().lambda(bad), &y),
            Err(SasdError::InvalidLambda(_))
        ));
        assert!(matches!(
            run(
                with(TwoStageSpec {
                    mu_ratio: bad,
                    ..base
                }),
                &y
            ),
            Err(SasdError::InvalidParameter { .. })
        ));
    }
    for beta in [1.0, 0.5, f64::INFINITY] {
        assert!(matches!(
            run(with(TwoStageSpec { beta, ..base }), &y),
            Err(SasdError::InvalidParameter { name: "beta", .. })
        ));
    }
    assert_eq!(run(new(), &[0.0; 300]), Err(SasdError::NoSignal));
}

/// A zero time budget ends stage I before its first iteration (the
/// executor asks the criterion at the start too) and skips stage II.
#[test]
fn time_budget_is_a_stop_reason() {
    let inst = instance(1, ActivationLaw::BernoulliRademacher);
    let out = two_stage(N0, TwoStageSpec::default())
        .time_budget(std::time::Duration::ZERO)
        .run(&inst.observation)
        .expect("run");
    assert_eq!(out.stop, StopReason::TimeBudget);
    assert_eq!(out.iterations, 0);
    assert_eq!(out.two_stage.as_ref().map(|s| s.stage_one_iterations), Some(0));
    assert!(out.kernel().iter().chain(out.activation()).all(|t| t.is_finite()));
}

/// Two-stage vs homotopy-iADM on the same instances (printed; run with
/// `--ignored --nocapture`).
#[test]
#[ignore = "figures for the notes, not an acceptance test"]
fn figures_two_stage_vs_homotopy() {
    for seed in 1..=5 {
        let inst = instance(seed, ActivationLaw::BernoulliRademacher);
        let h = Deconvolution::new(N0)
            .method(MethodSpec::homotopy_iadm())
            .seed(seed)
            .run(&inst.observation)
            .expect("homotopy");
        let herr = kernel_error(inst.kernel(), h.kernel()).expect("metric");
        eprintln!(
            "homotopy-iADM seed {seed}: kernel error {herr:.2e}, {} iterations, {} FFTs, {:.0} ms",
            h.iterations,
            h.ffts,
            h.elapsed.as_secs_f64() * 1e3
        );
        for solver in [SecondOrderSolver::TrustRegion, SecondOrderSolver::Curvilinear] {
            recover(solver, seed, ActivationLaw::BernoulliRademacher);
        }
    }
}
