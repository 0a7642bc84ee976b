//! What the spec refuses before any solve, with a typed error: data whose
//! scale the solvers cannot work in, a λ at which the activation is zero,
//! more kernel entries than samples, and a kernel size whose lift would
//! overflow.

use sasd::SasdError;
use sasd::pipeline::{Deconvolution, FirstOrder, HomotopySpec, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

fn trace() -> Vec<f64> {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(10)), Shape::d1(500))
        .activation(ActivationLaw::BernoulliRademacher, 0.1)
        .generate_seeded(1)
        .expect("instance")
        .observation
}

#[test]
fn data_out_of_the_working_range_is_named_not_called_constant() {
    let y = trace();
    for scale in [1e300, 1e-300, f64::MIN_POSITIVE] {
        let scaled: Vec<f64> = y.iter().map(|t| t * scale).collect();
        let err = Deconvolution::new(10).run(&scaled).unwrap_err();
        assert!(
            matches!(err, SasdError::BadScale { .. }),
            "scale {scale:e}: {err}"
        );
        assert!(err.to_string().contains("rescale"), "{err}");
    }
    // The working range itself runs.
    let scaled: Vec<f64> = y.iter().map(|t| t * 1e6).collect();
    assert!(Deconvolution::new(10).max_iterations(5).run(&scaled).is_ok());
}

#[test]
fn lambda_at_or_above_lambda_max_is_refused_for_every_first_order_method() {
    let y = trace();
    let methods = [
        MethodSpec::iadm(),
        MethodSpec::homotopy_iadm(),
        MethodSpec::Homotopy(HomotopySpec::new(FirstOrder::Adm)),
        MethodSpec::reweighted_iadm(),
        MethodSpec::homotopy_reweighted_iadm(),
    ];
    for method in methods {
        let err = Deconvolution::new(10)
            .method(method)
            .lambda(1e308)
            .run(&y)
            .unwrap_err();
        match err {
            SasdError::LambdaTooLarge { lambda, lambda_max } => {
                assert_eq!(lambda, 1e308);
                assert!(lambda_max > 0.0 && lambda_max < 100.0, "{lambda_max}");
            }
            other => panic!("{method:?}: {other}"),
        }
    }
}

#[test]
fn more_kernel_entries_than_samples_and_huge_kernels_are_refused() {
    let y = trace();
    assert!(matches!(
        Deconvolution::new(10).kernels(10_000).run(&y),
        Err(SasdError::TooManyKernels {
            kernels: 10_000,
            kernel_len: 10,
            signal: 500
        })
    ));
    // 3n − 2 of this n overflows: refused as too long, not wrapped.
    let huge = 6_148_914_691_236_517_206;
    assert!(matches!(
        Deconvolution::new(huge).run(&y),
        Err(SasdError::KernelTooLong { .. })
    ));
    let image = vec![1.0; 64];
    assert!(matches!(
        Deconvolution::new_2d(huge, 2).run_2d(&image, 8, 8),
        Err(SasdError::KernelTooLong { .. })
    ));
}
