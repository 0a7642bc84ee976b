//! The second-order methods behind the pipeline's one entry point
//! (`Deconvolution::method(MethodSpec::SecondOrder(..) | TwoStage(..))`): a
//! certificate, the truth error, the history's axes, their own options in
//! their spec, and typed errors for what they do not handle.

use optim::StopReason;
use sasd::SasdError;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, FFTS, Init, KERNEL_ERROR, MethodSpec, ShiftCorrection};
use sasd::second_order::{SecondOrderSolver, SmoothObjective, SmoothSpec};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};
use sasd::two_stage::TwoStageSpec;

/// A random kernel of n₀ on S^{n₀−1}, Bernoulli–Rademacher θ = n₀^{−3/4},
/// no bias, no noise (as tests/second_order_sasd.rs and tests/two_stage.rs).
fn instance(n0: usize, m: usize, seed: u64) -> Instance {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(m))
        .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
        .generate_seeded(seed)
        .expect("valid instance")
}

#[test]
fn trust_region_and_curvilinear_certify_a_recovered_kernel() {
    let inst = instance(50, 5000, 3);
    for method in [MethodSpec::trust_region(), MethodSpec::curvilinear()] {
        let out = Deconvolution::new(50)
            .method(method)
            .seed(3)
            .truth_kernel(inst.kernel().to_vec())
            .run(&inst.observation)
            .expect("run");
        assert_eq!(out.lambda, 0.1, "the fixed λ of the second-order runs");
        let cert = out.certificate.expect("second-order certificate");
        assert!(cert.lambda_min.is_some_and(|l| l > 0.0), "{cert:?}");
        assert!(cert.grad_norm <= 1e-6 && cert.hess_calls > 0, "{cert:?}");
        assert!((cert.mu - 0.01).abs() < 1e-15, "μ = λ/10");
        assert_eq!(out.stop, StopReason::SecondOrderStationary);
        assert!(out.two_stage.is_none());
        let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
        assert_eq!(out.truth_errors, Some(vec![err]));
        assert!(err <= 1e-3, "{method:?}: kernel error {err:e}");
        assert!(out.bias.is_none());
        // The history has the pipeline's axes: cumulative FFTs on every
        // record, the truth's kernel error on iteration 1 and every 5th.
        let ffts: Vec<f64> = out.history.iter().map(|r| r.extra(FFTS).expect("ffts")).collect();
        assert!(ffts.windows(2).all(|w| w[0] <= w[1]) && ffts[0] > 0.0);
        assert!(*ffts.last().unwrap() <= out.ffts as f64);
        let errors: Vec<(usize, f64)> = out
            .history
            .iter()
            .filter_map(|r| r.extra(KERNEL_ERROR).map(|e| (r.iteration, e)))
            .collect();
        assert_eq!(errors.len(), 1 + out.iterations / 5, "{method:?}");
        assert!(errors.iter().all(|&(i, _)| i == 1 || i % 5 == 0));
        let (first, last) = (errors[0].1, errors.last().unwrap().1);
        eprintln!(
            "{method:?}: kernel error {first:.2e} at iteration 1, {last:.2e} at the last check, {err:.2e} final"
        );
        assert!(first > 10.0 * last && last < 2e-3, "{first:e} → {last:e}");
    }
    // The pipeline's other initialisation and shift correction serve the
    // second-order methods too.
    let out = Deconvolution::new(50)
        .method(MethodSpec::trust_region())
        .init(Init::POWER_STEP)
        .shift_correction(ShiftCorrection::ReconstructionError)
        .seed(3)
        .run(&inst.observation)
        .expect("run");
    let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
    assert!(err <= 1e-3, "power step + Algorithm 8: kernel error {err:e}");
    // The smoothed ABL is reachable too (a poor model at this θ, see
    // tests/second_order_sasd.rs: only its certificate is asserted).
    let abl = MethodSpec::SecondOrder(SmoothSpec {
        objective: SmoothObjective::SmoothAbl { mu: None },
        ..SmoothSpec::with_solver(SecondOrderSolver::TrustRegion)
    });
    let out = Deconvolution::new(50)
        .method(abl)
        .seed(3)
        .run(&inst.observation)
        .expect("run");
    assert!(out.certificate.is_some() && out.kernel().iter().all(|t| t.is_finite()));
}

#[test]
fn two_stage_runs_its_own_options_down_to_the_runs_lambda() {
    let inst = instance(20, 2000, 1);
    // λ_min is the run's λ; λ₀, β and δ are the two-stage spec's own.
    let spec = TwoStageSpec {
        lambda0: 0.4,
        beta: 4.0,
        delta: 0.2,
        ..TwoStageSpec::default()
    };
    let out = Deconvolution::new(20)
        .method(MethodSpec::TwoStage(spec))
        .lambda(0.02)
        .seed(1)
        .run(&inst.observation)
        .expect("run");
    let stages = out.two_stage.as_ref().expect("two-stage report");
    assert_eq!(stages.schedule, vec![0.4, 0.1, 0.025, 0.02]);
    assert_eq!((stages.lambda0, stages.stage_one_kernel.len()), (0.4, 20));
    assert!(stages.stage_one_iterations > 0 && stages.stage_one_iterations < out.iterations);
    assert_eq!(out.lambda, 0.02);
    assert_eq!(out.stop, StopReason::SecondOrderStationary);
    let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
    eprintln!(
        "two-stage through the pipeline: kernel error {err:.2e}, {} iterations",
        out.iterations
    );
    assert!(err <= 1e-3, "kernel error {err:e}");
}

#[test]
fn second_order_methods_refuse_what_they_do_not_handle() {
    let inst = instance(20, 2000, 2);
    let y = &inst.observation;
    for method in [
        MethodSpec::trust_region(),
        MethodSpec::curvilinear(),
        MethodSpec::two_stage(),
    ] {
        let base = || Deconvolution::new(20).method(method).max_iterations(5);
        let unsupported = |r: sasd::Result<_>| matches!(r, Err(SasdError::Unsupported { .. }));
        assert!(unsupported(base().bias(true).run(y)), "{method:?} bias");
        assert!(unsupported(base().nonnegative(true).run(y)), "{method:?} x ≥ 0");
        assert!(unsupported(base().kernels(2).run(y)), "{method:?} CDL");
        if matches!(method, MethodSpec::TwoStage(_)) {
            assert!(
                unsupported(base().init(Init::Random).run(y)),
                "stage I starts at random"
            );
        }
        let image = vec![1.0; 40 * 40];
        assert!(unsupported(
            Deconvolution::new_2d(3, 3).method(method).run_2d(&image, 40, 40)
        ));
        let msg = base().bias(true).run(y).unwrap_err().to_string();
        assert!(msg.contains("does not support a bias"), "{msg}");
        // Bad input still gets the pipeline's errors.
        let mut bad = y.clone();
        bad[3] = f64::NAN;
        assert!(matches!(
            base().run(&bad),
            Err(SasdError::NonFinite { index: 3, .. })
        ));
        assert!(matches!(
            base().lambda(0.0).run(y),
            Err(SasdError::InvalidLambda(_))
        ));
    }
}
