//! The pipeline on the papers' own experiments (release mode; fixed seeds).
//!
//! LQK+20 §5.2 instance: n₀ = 100, m = 10⁴, θ = n₀^{−3/4}, Bernoulli–
//! Rademacher activations, bias b = 1, no noise, random kernel on the sphere.

use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, FirstOrder, FixedSpec, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

fn section_5_2(seed: u64) -> sasd::synth::Instance {
    let n0 = 100;
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(10_000))
        .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
        .bias(1.0)
        .generate_seeded(seed)
        .expect("valid instance")
}

#[test]
fn homotopy_iadm_recovers_a_random_kernel_to_1e_5_on_5_of_5_seeds() {
    for seed in 1..=5 {
        let inst = section_5_2(seed);
        let out = Deconvolution::new(100)
            .method(MethodSpec::homotopy_iadm())
            .bias(true)
            .seed(seed)
            .run(&inst.observation)
            .expect("run");
        let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
        eprintln!(
            "seed {seed}: kernel error {err:.2e}, {} iterations, {} FFTs, {:.0} ms, bias {:?}, stop {:?}",
            out.iterations,
            out.ffts,
            out.elapsed.as_secs_f64() * 1e3,
            out.bias,
            out.stop
        );
        assert!(err <= 1e-5, "seed {seed}: kernel error {err:e}");
        assert!(
            (out.bias.unwrap() - 1.0).abs() <= 1e-3,
            "seed {seed}: bias {:?}",
            out.bias
        );
    }
}

/// Plain iADM and ADM at a well-chosen fixed λ = 0.05 (five times the
/// reference's 1e-2), 1000 iterations: kernel error ≤ 1e-3 on at least 4 of
/// 5 seeds (measured: ≈ 2e-5 on seeds 1–3).
#[test]
fn iadm_and_adm_at_a_fixed_lambda_recover_most_seeds() {
    for solver in [FirstOrder::Iadm, FirstOrder::Adm] {
        let method = MethodSpec::Fixed(FixedSpec {
            solver,
            step_tolerance: 1e-6,
        });
        let mut good = 0;
        for seed in 1..=5 {
            let inst = section_5_2(seed);
            let out = Deconvolution::new(100)
                .method(method)
                .lambda(0.05)
                .bias(true)
                .seed(seed)
                .max_iterations(1000)
                .run(&inst.observation)
                .expect("run");
            let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
            eprintln!(
                "{method:?} seed {seed}: kernel error {err:.2e} after {} iterations",
                out.iterations
            );
            good += usize::from(err <= 1e-3);
        }
        assert!(good >= 4, "{method:?}: only {good} of 5 seeds reached 1e-3");
    }
}

/// Bad input: a typed error, never a panic or NaN output.
#[test]
fn edge_cases_give_typed_errors() {
    use sasd::SasdError;
    let run = |y: &[f64], n0: usize| Deconvolution::new(n0).bias(true).run(y);
    assert!(matches!(run(&[0.0; 500], 10), Err(SasdError::NoSignal)), "y ≡ 0");
    assert!(
        matches!(run(&[3.0; 500], 10), Err(SasdError::NoSignal)),
        "y constant with a bias"
    );
    let mut y = vec![1.0; 500];
    y[7] = f64::NAN;
    assert!(matches!(run(&y, 10), Err(SasdError::NonFinite { index: 7, .. })));
    assert!(matches!(run(&[], 10), Err(SasdError::EmptySignal)));
    assert!(matches!(
        run(&[1.0, 2.0, 3.0], 0),
        Err(SasdError::ZeroDimension { .. })
    ));
    let y: Vec<f64> = (0..50).map(|i| (i as f64).sin()).collect();
    assert!(
        matches!(run(&y, 50), Err(SasdError::KernelTooLong { .. })),
        "n0 >= m"
    );
    assert!(
        matches!(run(&y, 20), Err(SasdError::KernelTooLong { .. })),
        "3n0 - 2 > m"
    );
    let out = Deconvolution::new(5).lambda(-1.0).run(&y);
    assert!(matches!(out, Err(SasdError::InvalidLambda(_))));
}

/// The other initialisations (B.10 power step, random on the sphere) and
/// Algorithm 8's shift correction on seed 1 of the §5.2 instance.
#[test]
fn power_step_random_init_and_algorithm_8_on_seed_1() {
    use sasd::pipeline::{Init, ShiftCorrection};
    let inst = section_5_2(1);
    let base = || Deconvolution::new(100).bias(true).seed(1);
    let max_energy = base().run(&inst.observation).expect("run");
    for (name, init) in [("power step", Init::POWER_STEP), ("random", Init::Random)] {
        let out = base().init(init).run(&inst.observation).expect("run");
        let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
        eprintln!(
            "{name}: kernel error {err:.2e}, {} iterations, {:.0} ms",
            out.iterations,
            out.elapsed.as_secs_f64() * 1e3
        );
        assert!(err <= 1e-5, "{name}: kernel error {err:e}");
    }
    // Noiseless: the best reconstruction is the maximal-energy window.
    let alg8 = base()
        .shift_correction(ShiftCorrection::ReconstructionError)
        .run(&inst.observation)
        .expect("run");
    eprintln!(
        "shifts: max energy {:?}, Algorithm 8 {:?}",
        max_energy.shifts, alg8.shifts
    );
    assert_eq!(alg8.shifts, max_energy.shifts);
    assert_eq!(alg8.kernel(), max_energy.kernel());
    assert_eq!(alg8.activation(), max_energy.activation());
}

/// Every record carries the cumulative FFT count and the time since the
/// start of the solve; with a truth, the kernel error on iteration 1 and
/// every k-th (LQK+20 Fig. 15's axes).
#[test]
fn history_carries_ffts_time_and_truth_errors() {
    use sasd::pipeline::{FFTS, KERNEL_ERROR};
    let inst = section_5_2(4);
    let mut seen = 0usize;
    let mut observer = |r: &optim::Record| {
        seen += 1;
        assert!(r.extra(FFTS).is_some());
        optim::Control::Continue
    };
    let out = Deconvolution::new(100)
        .bias(true)
        .seed(4)
        .truth_kernel(inst.kernel().to_vec())
        .truth_every(10)
        .run_observed(&inst.observation, &mut observer)
        .expect("run");
    assert_eq!(seen, out.iterations);
    assert_eq!(out.history.len(), out.iterations);
    let ffts: Vec<f64> = out.history.iter().map(|r| r.extra(FFTS).expect("ffts")).collect();
    assert!(ffts.windows(2).all(|w| w[0] <= w[1]), "FFT count decreased");
    assert_eq!(*ffts.last().unwrap(), out.ffts as f64);
    assert!(out.history.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));
    assert!(out.history.last().unwrap().elapsed <= out.elapsed);
    let errors: Vec<(usize, f64)> = out
        .history
        .iter()
        .filter_map(|r| r.extra(KERNEL_ERROR).map(|e| (r.iteration, e)))
        .collect();
    assert!(errors.iter().all(|&(i, _)| i == 1 || i % 10 == 0));
    assert_eq!(errors.len(), 1 + out.iterations / 10);
    let (first, last) = (errors[0].1, errors.last().unwrap().1);
    eprintln!(
        "kernel error {first:.2e} at iteration 1, {last:.2e} at {}, final (shift-corrected) {:?}",
        errors.last().unwrap().0,
        out.truth_errors
    );
    assert!(first > 1e-2 && last < 1e-5);
    assert!(out.truth_errors.unwrap()[0] <= 1e-5);
}

/// Spike scores after undoing the shift and sign the kernel came back with.
#[test]
fn aligned_spike_scores_undo_the_kernel_shift() {
    use sasd::metrics::spike_scores;
    use sasd::pipeline::aligned_spike_scores;
    let inst = section_5_2(3);
    let out = Deconvolution::new(100)
        .bias(true)
        .seed(3)
        .run(&inst.observation)
        .expect("run");
    let (k, x) = (out.kernel(), out.activation());
    let aligned = aligned_spike_scores(inst.kernel(), inst.activation(), k, x, 0.5, 0).expect("scores");
    assert_eq!(aligned.f1, 1.0, "{aligned:?}");
    // The same pair moved by 7 samples (s_7 on the kernel, s_{−7} on the
    // activation) explains y equally well; only the aligned score sees that.
    let mut moved_k = vec![0.0; 7];
    moved_k.extend_from_slice(k);
    let moved_x: Vec<f64> = (0..x.len()).map(|i| x[(i + 7) % x.len()]).collect();
    let plain = spike_scores(inst.activation(), &moved_x, 0.5, 0).expect("scores");
    let aligned =
        aligned_spike_scores(inst.kernel(), inst.activation(), &moved_k, &moved_x, 0.5, 0).expect("scores");
    eprintln!(
        "moved by 7: plain F1 {:.3}, aligned F1 {:.3}",
        plain.f1, aligned.f1
    );
    assert!(plain.f1 < 0.1);
    assert_eq!(aligned.f1, 1.0);
}

/// A run is a function of its inputs: the same spec on the same data gives
/// the same kernel, iterations and FFT count, whatever ran before it in the
/// process.
#[test]
fn identical_runs_give_identical_results() {
    let inst = section_5_2(4);
    let spec = Deconvolution::new(100).bias(true).seed(4);
    let first = spec.run(&inst.observation).expect("run");
    let other = Deconvolution::new(100)
        .method(MethodSpec::homotopy_adm())
        .seed(9)
        .run(&inst.observation)
        .expect("run");
    let again = spec.run(&inst.observation).expect("run");
    assert_ne!(other.iterations, first.iterations);
    assert_eq!(first.kernel(), again.kernel());
    assert_eq!(first.activation(), again.activation());
    assert_eq!((first.iterations, first.ffts), (again.iterations, again.ffts));
}
