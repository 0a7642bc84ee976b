//! The second-order methods behind the pipeline's one entry point
//! (`Deconvolution::method(Method::TrustRegion | Curvilinear | TwoStage)`):
//! the same outcome as their own runners, a certificate, the truth error,
//! and typed errors for what they do not handle.

use optim::StopReason;
use sasd::SasdError;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, FFTS, KERNEL_ERROR, Method};
use sasd::second_order::{SecondOrderDeconvolution, SecondOrderSolver, SmoothObjective};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};
use sasd::two_stage::TwoStage;

/// A random kernel of n₀ on S^{n₀−1}, Bernoulli–Rademacher θ = n₀^{−3/4},
/// no bias, no noise (as tests/second_order_sasd.rs and tests/two_stage.rs).
fn instance(n0: usize, m: usize, seed: u64) -> Instance {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(m))
        .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
        .generate_seeded(seed)
        .expect("valid instance")
}

#[test]
fn trust_region_and_curvilinear_match_their_runner() {
    let inst = instance(50, 5000, 3);
    for (method, solver) in [
        (Method::TrustRegion, SecondOrderSolver::TrustRegion),
        (Method::Curvilinear, SecondOrderSolver::Curvilinear),
    ] {
        let out = Deconvolution::new(50)
            .method(method)
            .seed(3)
            .truth_kernel(inst.kernel().to_vec())
            .run(&inst.observation)
            .expect("run");
        let direct = SecondOrderDeconvolution::new(50)
            .solver(solver)
            .seed(3)
            .run(&inst.observation)
            .expect("run");
        assert_eq!(out.kernel(), direct.kernel.as_slice(), "{method:?}");
        assert_eq!(out.activation(), direct.activation.as_slice());
        assert_eq!(out.lifted_kernel(), direct.lifted_kernel.as_slice());
        assert_eq!(out.shifts, vec![(direct.shift, 0)]);
        assert_eq!(
            (out.iterations, out.ffts, out.stop),
            (direct.iterations, direct.ffts, direct.stop)
        );
        assert_eq!(out.lambda, 0.1, "the fixed λ of the second-order runner");
        let cert = out.certificate.expect("second-order certificate");
        assert_eq!(cert.lambda_min, direct.lambda_min);
        assert_eq!((cert.hess_calls, cert.mu), (direct.hess_calls, direct.mu));
        assert_eq!(out.stop, StopReason::SecondOrderStationary);
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
    // The smoothed ABL is reachable too.
    let abl = SmoothObjective::SmoothAbl { mu: None };
    let out = Deconvolution::new(50)
        .method(Method::TrustRegion)
        .smooth_objective(abl)
        .seed(3)
        .run(&inst.observation)
        .expect("run");
    let direct = SecondOrderDeconvolution::new(50)
        .objective(abl)
        .seed(3)
        .run(&inst.observation)
        .expect("run");
    assert_eq!(out.kernel(), direct.kernel.as_slice());
}

#[test]
fn two_stage_matches_its_runner_with_the_pipeline_names_of_its_parameters() {
    let inst = instance(20, 2000, 1);
    // λ_min, λ₀, η = 1/β, δ under the pipeline's names.
    let out = Deconvolution::new(20)
        .method(Method::TwoStage)
        .lambda(0.02)
        .lambda0(0.4)
        .eta(0.25)
        .delta(0.2)
        .seed(1)
        .run(&inst.observation)
        .expect("run");
    let direct = TwoStage::new(20)
        .lambda_min(0.02)
        .lambda0(0.4)
        .beta(4.0)
        .delta(0.2)
        .seed(1)
        .run(&inst.observation)
        .expect("run");
    assert_eq!(direct.schedule, vec![0.4, 0.1, 0.025, 0.02]);
    assert_eq!(out.kernel(), direct.result.kernel.as_slice());
    assert_eq!(out.lambda, 0.02);
    assert_eq!(
        (out.iterations, out.ffts),
        (direct.result.iterations, direct.result.ffts)
    );
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
    for method in [Method::TrustRegion, Method::Curvilinear, Method::TwoStage] {
        let base = || Deconvolution::new(20).method(method).max_iterations(5);
        let unsupported = |r: sasd::Result<_>| matches!(r, Err(SasdError::Unsupported { .. }));
        assert!(unsupported(base().bias(true).run(y)), "{method:?} bias");
        assert!(unsupported(base().nonnegative(true).run(y)), "{method:?} x ≥ 0");
        assert!(unsupported(base().kernels(2).run(y)), "{method:?} CDL");
        assert!(unsupported(base().init(sasd::pipeline::Init::Random).run(y)));
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
