//! The support refinement (`sasd::refine`): exact on an exact solution,
//! harmless on a solved random kernel, typed errors on bad input.

use sasd::SasdError;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, MethodSpec};
use sasd::refine::{SupportRefinement, refine_support};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

fn instance(seed: u64) -> sasd::synth::Instance {
    let n0 = 20;
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(2000))
        .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
        .bias(1.0)
        .generate_seeded(seed)
        .expect("valid instance")
}

/// The truth, lifted to 3n₀ − 2 (kernel in the middle, activation shifted
/// back to match).
fn lifted_truth(inst: &sasd::synth::Instance) -> (Vec<f64>, Vec<f64>) {
    let (n0, m) = (inst.kernel().len(), inst.observation.len());
    let mut lifted = vec![0.0; 3 * n0 - 2];
    lifted[n0 - 1..2 * n0 - 1].copy_from_slice(inst.kernel());
    let x = inst.activation();
    let shifted = (0..m).map(|t| x[(t + n0 - 1) % m]).collect();
    (lifted, shifted)
}

#[test]
fn an_exact_solution_comes_back_exact() {
    let inst = instance(1);
    let (lifted, x) = lifted_truth(&inst);
    let out = refine_support(
        &inst.observation,
        &lifted,
        &x,
        Some(1.0),
        20,
        &SupportRefinement::default(),
    )
    .expect("refine");
    let err = kernel_error(inst.kernel(), &out.kernel).expect("metric");
    assert!(err < 1e-12, "kernel error {err:e}");
    assert!(
        out.report.residual_norm < 1e-9,
        "residual {:e}",
        out.report.residual_norm
    );
    assert!((out.bias.expect("bias") - 1.0).abs() < 1e-10);
    let atoms = inst.activation().iter().filter(|v| **v != 0.0).count();
    assert_eq!(out.report.atoms, atoms);
    // The activation matches the kernel: the true one, shifted by the window.
    assert_eq!(out.shift, 19);
    // max_abs is NaN when an entry is: a NaN never passes for a small error.
    let diff: Vec<f64> = out
        .activation
        .iter()
        .zip(inst.activation())
        .map(|(a, b)| a - b)
        .collect();
    let dx = manifold::vecops::max_abs(&diff);
    assert!(dx < 1e-10, "activation off by {dx:e}");
}

#[test]
fn a_solved_random_kernel_stays_solved() {
    for seed in 1..=3 {
        let inst = instance(seed);
        let run = Deconvolution::new(20)
            .method(MethodSpec::homotopy_iadm())
            .bias(true)
            .seed(seed);
        let plain = run.run(&inst.observation).expect("run");
        let refined = run
            .refine_support(SupportRefinement::default())
            .run(&inst.observation)
            .expect("refined run");
        let before = kernel_error(inst.kernel(), plain.kernel()).expect("metric");
        let after = kernel_error(inst.kernel(), refined.kernel()).expect("metric");
        eprintln!("seed {seed}: {before:.2e} -> {after:.2e}");
        assert!(before < 1e-5, "seed {seed}: the solve itself failed ({before:e})");
        assert!(after <= before.max(1e-12), "seed {seed}: {before:e} -> {after:e}");
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let inst = instance(2);
    let y = &inst.observation;
    let (lifted, x) = lifted_truth(&inst);
    let opts = SupportRefinement::default();
    let run = |y: &[f64], lifted: &[f64], x: &[f64], n0: usize, opts: &SupportRefinement| {
        refine_support(y, lifted, x, None, n0, opts)
    };
    assert!(matches!(
        run(&[], &lifted, &x, 20, &opts),
        Err(SasdError::EmptySignal)
    ));
    let mut nan = y.clone();
    nan[3] = f64::NAN;
    assert!(matches!(
        run(&nan, &lifted, &x, 20, &opts),
        Err(SasdError::NonFinite { index: 3, .. })
    ));
    assert!(matches!(
        run(y, &lifted, &x[1..], 20, &opts),
        Err(SasdError::LengthMismatch { .. })
    ));
    assert!(matches!(
        run(y, &lifted, &vec![0.0; y.len()], 20, &opts),
        Err(SasdError::EmptySupport)
    ));
    assert!(matches!(
        run(y, &lifted, &x, 0, &opts),
        Err(SasdError::ZeroDimension { .. })
    ));
    assert!(matches!(
        run(y, &lifted[..10], &x, 20, &opts),
        Err(SasdError::LengthMismatch { .. })
    ));
    assert!(matches!(
        run(y, &vec![0.0; lifted.len()], &x, 20, &opts),
        Err(SasdError::ZeroDimension { .. })
    ));
    let thresholds = |t: Vec<f64>| SupportRefinement {
        thresholds: t,
        ..SupportRefinement::default()
    };
    assert!(matches!(
        run(y, &lifted, &x, 20, &thresholds(vec![])),
        Err(SasdError::ZeroDimension { .. })
    ));
    for bad in [vec![0.1, -0.05], vec![f64::NAN]] {
        assert!(matches!(
            run(y, &lifted, &x, 20, &thresholds(bad)),
            Err(SasdError::InvalidParameter {
                name: "threshold",
                ..
            })
        ));
    }
    let positive = SupportRefinement {
        nonnegative: true,
        ..SupportRefinement::default()
    };
    assert!(
        matches!(
            run(y, &lifted, &x, 20, &positive),
            Err(SasdError::InvalidParameter { .. })
        ),
        "x ≥ 0 asked of a signed activation"
    );
    let noisy = SupportRefinement {
        noise: -1.0,
        ..SupportRefinement::default()
    };
    assert!(matches!(
        run(y, &lifted, &x, 20, &noisy),
        Err(SasdError::InvalidParameter { name: "noise", .. })
    ));
    // m = 45 < 2L + 1 = 2·(20 + 2·2) + 1.
    let mut short = vec![0.0; 45];
    short[5] = 1.0;
    assert!(matches!(
        run(&y[..45], &lifted, &short, 20, &opts),
        Err(SasdError::KernelTooLong { .. })
    ));
    // What the refinement does not do, said before any solve.
    let refine = || Deconvolution::new(5).refine_support(SupportRefinement::default());
    let image = vec![1.0; 32 * 32];
    for out in [refine().run_2d(&image, 32, 32), refine().kernels(2).run(y)] {
        assert!(matches!(out, Err(SasdError::Unsupported { .. })), "{out:?}");
    }
}
