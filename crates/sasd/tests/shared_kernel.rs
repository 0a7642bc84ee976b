//! The shared-kernel Bilinear Lasso (`sasd::shared`): its value is the sum
//! of the traces' own, its joint gradient passes the Taylor check (1-D
//! circular, 1-D linear with a bias and a baseline per trace, 2-D frames),
//! the run recovers a kernel shared by traces and by frames, and bad input
//! is refused by a typed one-line error.

use manifold::{Euclidean, Manifold, Product, Sphere};
use optim::TwoBlockSmooth;
use optim::check::check_gradient;
use sasd::SasdError;
use sasd::conv::{Boundary, Plan2d};
use sasd::metrics::{kernel_error, kernel_error_2d};
use sasd::objective::BilinearLasso;
use sasd::pipeline::{Deconvolution, MethodSpec};
use sasd::shared::{SharedKernel, SharedLasso};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

mod common;
use common::{Joint, random, rng, sparse, unit_blocks};

/// ψ = Σ_i ψ_i at a random point, then a joint Taylor check on S × ℝ^{p·m}.
fn check_shared<P: sasd::conv::Plan>(traces: Vec<BilinearLasso<P>>, manifold_a: impl Manifold, seed: u64)
where
    BilinearLasso<P>: TwoBlockSmooth + Send + Clone,
{
    let mut singles = traces.clone();
    let mut psi = SharedLasso::from_traces(traces).unwrap();
    let mut r = rng(seed);
    let (a_len, x_len) = (psi.a_len(), psi.x_len());
    let a = unit_blocks(&mut r, a_len, 1);
    let x = sparse(&mut r, x_len, 0.2);
    psi.fix_a(&a);
    let total = psi.value_x(&x);
    let sum: f64 = singles
        .iter_mut()
        .zip(x.chunks_exact(x_len / psi.len()))
        .map(|(s, xi)| {
            s.fix_a(&a);
            s.value_x(xi)
        })
        .sum();
    assert!((total - sum).abs() <= 1e-12 * sum, "{total} vs {sum}");
    let product = Product::new(manifold_a, Euclidean::new(x_len).unwrap());
    let mut joint = Joint { smooth: psi, a_len };
    let point: Vec<f64> = a.iter().chain(&x).copied().collect();
    let d = random(&mut r, a_len + x_len);
    let report = check_gradient(&product, &mut joint, &point, &d).unwrap();
    assert!(report.passed, "gradient check failed: slope {}", report.slope);
    assert!((report.slope - 2.0).abs() < 0.1, "slope {}", report.slope);
}

#[test]
fn stacked_gradient_passes_the_taylor_check() {
    let mut r = rng(3);
    let n = 19;
    // 1-D circular, no bias.
    let traces = (0..4)
        .map(|_| BilinearLasso::new(&random(&mut r, 211), n).unwrap())
        .collect();
    check_shared(traces, Sphere::new(n).unwrap(), 1);
    // 1-D linear, a bias per trace (held fixed by the oracles), and
    // baselines.
    let traces = (0..3)
        .map(|i| {
            let y: Vec<f64> = random(&mut r, 150).iter().map(|v| v + i as f64).collect();
            BilinearLasso::new_with(&y, n, Boundary::Linear)
                .unwrap()
                .with_bias()
        })
        .collect();
    check_shared(traces, Sphere::new(n).unwrap(), 2);
    let traces = (0..3)
        .map(|_| {
            BilinearLasso::new_with(&random(&mut r, 150), n, Boundary::Linear)
                .unwrap()
                .with_baseline(60.0)
                .unwrap()
        })
        .collect();
    check_shared(traces, Sphere::new(n).unwrap(), 3);
    // 2-D frames, with a bias.
    let traces: Vec<BilinearLasso<Plan2d>> = (0..3)
        .map(|_| {
            BilinearLasso::new_2d(&random(&mut r, 20 * 17), (20, 17), (5, 4))
                .unwrap()
                .with_bias()
        })
        .collect();
    check_shared(traces, Sphere::new(20).unwrap(), 4);
}

/// The refresh fits every trace's own bias: traces offset by 0, 1, 2, … get
/// biases that differ by the same steps.
#[test]
fn every_trace_gets_its_own_bias() {
    let spec = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(10)), Shape::d1(400))
        .activation(ActivationLaw::BernoulliRademacher, 0.05);
    let traces: Vec<Vec<f64>> = (0..5)
        .map(|i| {
            let inst = spec.clone().bias(i as f64).generate_seeded(1).unwrap();
            inst.observation
        })
        .collect();
    let out = SharedKernel::new(10).bias(true).seed(1).run(&traces).unwrap();
    for (i, b) in out.biases().iter().enumerate() {
        let b = b.expect("a bias");
        assert!((b - i as f64).abs() < 1e-3, "trace {i}: bias {b}");
    }
}

/// Noiseless traces, each too short (m = 150 samples for n₀ = 20) to hold
/// many spikes, share a random kernel: the shared run recovers it; so do
/// frames of a 2-D stack.
#[test]
fn shared_run_recovers_the_kernel_of_traces_and_frames() {
    let kernel = KernelSpec::RandomSphere(Shape::d1(20));
    let mut a0 = Vec::new();
    let traces: Vec<Vec<f64>> = (0..8)
        .map(|i| {
            // The same kernel (seeded), activations of their own.
            let inst = InstanceSpec::new(kernel.clone(), Shape::d1(150))
                .activation(ActivationLaw::BernoulliRademacher, 0.04)
                .generate_seeded(1)
                .unwrap();
            a0 = inst.kernel().to_vec();
            let mut rr = rng(100 + i);
            let x = sparse(&mut rr, 150, 0.04);
            let (y, _) = sasd::synth::convolve(
                &a0,
                Shape::d1(20),
                &x,
                Shape::d1(150),
                sasd::synth::Convolution::Cyclic,
            )
            .unwrap();
            y
        })
        .collect();
    let out = SharedKernel::new(20).seed(2).run(&traces).unwrap();
    let err = kernel_error(&a0, out.kernel()).unwrap();
    assert!(err < 1e-4, "kernel error {err}, stop {:?}", out.stop);
    assert_eq!(out.traces.len(), 8);
    assert!(out.ffts > 0 && out.iterations > 0 && !out.history.is_empty());

    let k0 = KernelSpec::RandomSphere(Shape::d2(4, 4))
        .generate(&mut rng(7))
        .unwrap();
    let frames: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            let mut rr = rng(200 + i);
            let x = sparse(&mut rr, 24 * 24, 0.02);
            sasd::synth::convolve(
                &k0,
                Shape::d2(4, 4),
                &x,
                Shape::d2(24, 24),
                sasd::synth::Convolution::Cyclic,
            )
            .unwrap()
            .0
        })
        .collect();
    let out = SharedKernel::new_2d(4, 4)
        .method(MethodSpec::homotopy_iadm())
        .max_iterations(3000)
        .run_2d(&frames, 24, 24)
        .unwrap();
    let err = kernel_error_2d(&k0, Shape::d2(4, 4), out.kernel(), Shape::d2(4, 4)).unwrap();
    assert!(err < 1e-2, "2-D kernel error {err}");
}

#[test]
fn bad_input_gives_one_line_typed_errors() {
    let spec = SharedKernel::new(10);
    let one_line = |e: &SasdError| {
        let s = e.to_string();
        assert!(!s.contains('\n') && !s.is_empty(), "{s}");
    };
    let e = spec.run(&[]).unwrap_err();
    assert!(matches!(e, SasdError::ZeroDimension { .. }), "{e}");
    one_line(&e);
    let mut r = rng(1);
    let traces = vec![random(&mut r, 100), random(&mut r, 100), random(&mut r, 99)];
    let e = spec.run(&traces).unwrap_err();
    assert!(
        matches!(
            e,
            SasdError::UnequalTraces {
                trace: 2,
                len: 99,
                first: 100
            }
        ),
        "{e}"
    );
    one_line(&e);
    let short = vec![random(&mut r, 8), random(&mut r, 8)];
    let e = spec.run(&short).unwrap_err();
    assert!(matches!(e, SasdError::KernelTooLong { .. }), "{e}");
    one_line(&e);
    let mut nan = vec![random(&mut r, 100), random(&mut r, 100)];
    nan[1][5] = f64::NAN;
    let e = spec.run(&nan).unwrap_err();
    assert!(matches!(e, SasdError::InTrace { trace: 1, .. }), "{e}");
    assert!(e.to_string().starts_with("trace 1: "), "{e}");
    one_line(&e);
    let ok = vec![random(&mut r, 100), random(&mut r, 100)];
    for bad in [
        SharedKernel::new(10).method(MethodSpec::trust_region()),
        SharedKernel::from_spec(Deconvolution::new(10).refine_support(Default::default())),
    ] {
        let e = bad.run(&ok).unwrap_err();
        assert!(matches!(e, SasdError::Unsupported { .. }), "{e}");
        one_line(&e);
    }
    // An option the geometry does not offer is the spec's, not a trace's.
    let frames = vec![random(&mut r, 144), random(&mut r, 144)];
    let e = SharedKernel::new_2d(3, 3)
        .baseline(30.0)
        .run_2d(&frames, 12, 12)
        .unwrap_err();
    assert!(matches!(e, SasdError::Unsupported { .. }), "{e}");
    assert!(matches!(
        SharedLasso::<sasd::conv::Plan1d>::from_traces(Vec::new()),
        Err(SasdError::ZeroDimension { .. })
    ));
}
