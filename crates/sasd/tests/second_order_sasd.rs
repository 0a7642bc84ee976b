//! Second order on SaSD (issue 6 acceptance, release mode, fixed seeds):
//! trust region and curvilinear search on the Huber-smoothed Bilinear Lasso
//! (ZLK+19, eq. 22) recover a random kernel, n₀ = 50, m = 5·10³,
//! θ = n₀^{−3/4} (LQK+20 §5's rate), to kernel error ≤ 1e-3; the
//! smoothed ABL (ZLK+19 eqs. 25–26) and its derivatives; typed errors on
//! bad input.
//!
//! `cargo test -p sasd --release --test second_order_sasd -- --ignored
//! --nocapture` prints the first- vs second-order figures (homotopy-iADM of
//! `sasd::pipeline` on the same instances).

use manifold::Sphere;
use optim::check::{check_gradient, check_hessian};
use optim::{Control, Problem, Record, StopReason};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};
use sasd::SasdError;
use sasd::metrics::kernel_error;
use sasd::objective::{Abl, AblEnergy};
use sasd::pipeline::{Deconvolution, Deconvolved, MethodSpec};
use sasd::second_order::{SecondOrderSolver, SmoothObjective, SmoothSpec};
use sasd::synth::{ActivationLaw, Instance, InstanceSpec, KernelSpec, Shape};

const N0: usize = 50;
const M: usize = 5_000;

/// y = a₀ ⊛ x₀, a₀ uniform on S^{n₀−1}, x₀ ~ Bernoulli(θ) ⊙ law, cyclic, no
/// noise: BR is LQK+20 §5's law, BG the law of ZLK+19's theory (§2.2).
fn instance(seed: u64, law: ActivationLaw) -> Instance {
    InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(N0)), Shape::d1(M))
        .activation(law, (N0 as f64).powf(-0.75))
        .generate_seeded(seed)
        .expect("valid instance")
}

/// A second-order run of `spec` for kernels of `n0`.
fn second_order(n0: usize, spec: SmoothSpec) -> Deconvolution {
    Deconvolution::new(n0).method(MethodSpec::SecondOrder(spec))
}

/// The certificate's (Hessian products, ‖grad‖, λ_min).
fn cert(out: &Deconvolved) -> (usize, f64, Option<f64>) {
    let c = out.certificate.expect("second-order runs carry a certificate");
    (c.hess_calls, c.grad_norm, c.lambda_min)
}

/// Runs `solver` on the Huber objective (defaults: λ = 0.1, μ = λ/10) and
/// returns the kernel error, checking the second-order certificate.
fn recover(solver: SecondOrderSolver, seed: u64, law: ActivationLaw) -> f64 {
    let inst = instance(seed, law);
    let out = second_order(N0, SmoothSpec::with_solver(solver))
        .seed(seed)
        .run(&inst.observation)
        .expect("run");
    let err = kernel_error(inst.kernel(), out.kernel()).expect("metric");
    let (hess_calls, grad_norm, lambda_min) = cert(&out);
    eprintln!(
        "{solver:?} {law:?} seed {seed}: kernel error {err:.2e}, {} iterations, {} Hessian products, {} FFTs, \
         {:.0} ms, stop {:?}, ‖grad‖ {:.1e}, λ_min {:?}",
        out.iterations,
        hess_calls,
        out.ffts,
        out.elapsed.as_secs_f64() * 1e3,
        out.stop,
        grad_norm,
        lambda_min
    );
    assert_eq!(out.kernel().len(), N0);
    assert_eq!(out.activation().len(), M);
    assert!(out.activation().iter().all(|t| t.is_finite()));
    // A second-order stationary point: ‖grad‖ ≤ 1e-6 and a positive
    // definite Hessian (λ_min > 0: a strict local minimiser).
    assert_eq!(out.stop, StopReason::SecondOrderStationary, "seed {seed}");
    assert!(
        lambda_min.is_some_and(|l| l > 0.0),
        "seed {seed}: λ_min {lambda_min:?}"
    );
    err
}

/// Trust region, Bernoulli–Rademacher, seeds 1–5: 5 of 5 to ≤ 1e-3.
/// Measured (λ = 0.1, μ = 0.01): 8.3e-4, 1.0e-4, 1.3e-4, 1.2e-4, 1.5e-4 in
/// 80–260 outer iterations and 235–575 Hessian products. The error is the
/// bias of the fixed λ (1.8e-3 on seed 1 at λ = 0.2, 3.0e-4 at λ = 0.05,
/// where seed 5 falls into a spurious minimiser): the two-stage algorithm's
/// continuation removes it (tests/two_stage.rs).
#[test]
fn trust_region_recovers_random_kernels() {
    for seed in 1..=5 {
        let err = recover(
            SecondOrderSolver::TrustRegion,
            seed,
            ActivationLaw::BernoulliRademacher,
        );
        assert!(err <= 1e-3, "seed {seed}: kernel error {err:e}");
    }
}

/// Curvilinear search, Bernoulli–Rademacher, seeds 1–5: 5 of 5 to ≤ 1e-3
/// (the same minimisers as the trust region: 8.3e-4 … 1.5e-4, in 300–700
/// iterations; without the balanced coordinates it needed 3 000–14 000).
#[test]
fn curvilinear_search_recovers_random_kernels() {
    for seed in 1..=5 {
        let err = recover(
            SecondOrderSolver::Curvilinear,
            seed,
            ActivationLaw::BernoulliRademacher,
        );
        assert!(err <= 1e-3, "seed {seed}: kernel error {err:e}");
    }
}

/// Both solvers, Bernoulli–Gaussian (ZLK+19's model), seeds 1–3: 3 of 3
/// to ≤ 1e-3 (measured 4.2e-4, 1.0e-4, 8.7e-5 with the trust region).
#[test]
fn both_solvers_recover_with_bernoulli_gaussian_activations() {
    for solver in [SecondOrderSolver::TrustRegion, SecondOrderSolver::Curvilinear] {
        for seed in 1..=3 {
            let err = recover(solver, seed, ActivationLaw::BernoulliGaussian);
            assert!(err <= 1e-3, "{solver:?} seed {seed}: kernel error {err:e}");
        }
    }
}

/// The smoothed ABL alone, then followed by Zha19's rounding (the Huber
/// Bilinear Lasso from the ABL point). At this θ the ABL is a poor model on
/// the lifted sphere: the minimisers it reaches from the window are
/// certified second-order points of φ̂ with φ̂ below φ̂(a₀), 0.48–0.71 away
/// from a₀ (C_a*C_a ≈ I fails for the narrow-band kernels that maximise
/// ‖y ⋆ a‖). The rounding improves every seed and recovers two of five
/// within the default 500 iterations (measured 8.4e-4, 1.0e-4, 3.2e-1,
/// 3.3e-2, 3.4e-3); the Huber objective from the window recovers all five.
#[test]
fn smooth_abl_needs_its_rounding() {
    let mut good = 0;
    for seed in 1..=5 {
        let inst = instance(seed, ActivationLaw::BernoulliRademacher);
        let run = |rounding: bool| {
            let spec = SmoothSpec {
                objective: SmoothObjective::SmoothAbl { mu: None },
                rounding,
                ..SmoothSpec::default()
            };
            second_order(N0, spec)
                .seed(seed)
                .run(&inst.observation)
                .expect("run")
        };
        let (abl, rounded) = (run(false), run(true));
        let err_abl = kernel_error(inst.kernel(), abl.kernel()).expect("metric");
        let err = kernel_error(inst.kernel(), rounded.kernel()).expect("metric");
        eprintln!(
            "smooth ABL seed {seed}: kernel error {err_abl:.2e} ({} iterations, {} Hessian products, {} FFTs, {:?}); \
             rounded {err:.2e} ({} iterations, {} Hessian products, {} FFTs, {:?})",
            abl.iterations,
            cert(&abl).0,
            abl.ffts,
            abl.stop,
            rounded.iterations,
            cert(&rounded).0,
            rounded.ffts,
            rounded.stop
        );
        assert_eq!(abl.stop, StopReason::SecondOrderStationary, "seed {seed}");
        assert!(
            abl.activation()
                .iter()
                .chain(rounded.activation())
                .all(|t| t.is_finite())
        );
        assert!(rounded.history.iter().any(|r| r.extra("stage") == Some(0.0)));
        assert!(rounded.history.iter().any(|r| r.extra("stage") == Some(1.0)));
        assert!(err < err_abl, "seed {seed}: rounding {err:e} vs ABL {err_abl:e}");
        good += usize::from(err <= 1e-3);
    }
    assert!(good >= 2, "{good} of 5 seeds recovered");
}

fn gaussian(rng: &mut StdRng, n: usize) -> Vec<f64> {
    (0..n).map(|_| StandardNormal.sample(rng)).collect()
}

/// The Huber-μ ABL energy (AblEnergy::Huber): Taylor slopes of gradient and
/// Hessian on the sphere, and eq. (26) exactly where |y ⋆ a| ≤ λ + μ
/// everywhere: φ̂(a) = ½‖y‖² + mλμ/2 − μ/(2(λ + μ))‖y ⋆ a‖².
#[test]
fn huber_abl_derivatives_and_concave_flat_region() {
    let (m, n) = (101, 11);
    let mut rng = StdRng::seed_from_u64(11);
    let y = gaussian(&mut rng, m);
    let sphere = Sphere::new(n).unwrap();
    let mut a = gaussian(&mut rng, n);
    let na = a.iter().map(|t| t * t).sum::<f64>().sqrt();
    a.iter_mut().for_each(|t| *t /= na);
    let d = gaussian(&mut rng, n);
    // c = y ⋆ a by direct sums.
    let c: Vec<f64> = (0..m)
        .map(|l| (0..n).map(|j| a[j] * y[(l + j) % m]).sum::<f64>())
        .collect();

    // E is C¹ with a jump of E″ at |t| = λ + μ: put the kink in the widest
    // gap between the middle |cᵢ| so that the Taylor steps cross it only
    // beyond their fitting window, and exercise both pieces of E.
    let mut abs: Vec<f64> = c.iter().map(|t| t.abs()).collect();
    abs.sort_by(f64::total_cmp);
    let (lo, hi) = (m / 4, 3 * m / 4);
    let k = (lo..hi)
        .max_by(|&i, &j| (abs[i + 1] - abs[i]).total_cmp(&(abs[j + 1] - abs[j])))
        .unwrap();
    let kink = 0.5 * (abs[k] + abs[k + 1]);
    let mu = 0.2 * kink;
    let mut f = Abl::new(&y, n, kink - mu, AblEnergy::Huber { mu }).unwrap();
    let g = check_gradient(&sphere, &mut f, &a, &d).unwrap();
    assert!(g.passed, "gradient slope {}", g.slope);
    let h = check_hessian(&sphere, &mut f, &a, &d).unwrap();
    assert!(h.passed, "Hessian slope {}", h.slope);

    // λ above ‖c‖∞: the point lies in R_{h,0} (eq. 23).
    let (lambda, mu) = (1.01 * abs[m - 1], 0.05);
    let mut flat = Abl::new(&y, n, lambda, AblEnergy::Huber { mu }).unwrap();
    let c2 = c.iter().map(|t| t * t).sum::<f64>();
    let y2 = y.iter().map(|t| t * t).sum::<f64>();
    let want = 0.5 * y2 + m as f64 * lambda * mu / 2.0 - mu / (2.0 * (lambda + mu)) * c2;
    let got = flat.cost(&a);
    assert!((got - want).abs() <= 1e-10 * want.abs(), "{got} vs {want}");
}

/// Bad input: a typed error, never a panic.
#[test]
fn bad_input_gives_typed_errors() {
    let y: Vec<f64> = (0..200).map(|i| ((i * 7919) % 13) as f64 - 6.0).collect();
    let run = |b: Deconvolution, y: &[f64]| b.run(y).map(|_| ());
    let new = || second_order(5, SmoothSpec::default());
    assert_eq!(run(new(), &[]), Err(SasdError::EmptySignal));
    let mut nan = y.clone();
    nan[17] = f64::NAN;
    assert!(matches!(
        run(new(), &nan),
        Err(SasdError::NonFinite { index: 17, .. })
    ));
    // n₀ ≥ m, and n₀ < m but the lifted 3n₀ − 2 ≥ m.
    assert!(matches!(
        run(second_order(200, SmoothSpec::default()), &y),
        Err(SasdError::KernelTooLong { kernel: 200, .. })
    ));
    assert!(matches!(
        run(second_order(80, SmoothSpec::default()), &y),
        Err(SasdError::KernelTooLong { kernel: 238, .. })
    ));
    assert!(matches!(
        run(second_order(0, SmoothSpec::default()), &y),
        Err(SasdError::ZeroDimension { .. })
    ));
    for lambda in [0.0, -1.0, f64::NAN] {
        assert!(matches!(
            run(new().lambda(lambda), &y),
            Err(SasdError::InvalidLambda(_))
        ));
    }
    for mu in [0.0, -0.1, f64::INFINITY] {
        for objective in [
            SmoothObjective::Huber { mu: Some(mu) },
            SmoothObjective::SmoothAbl { mu: Some(mu) },
        ] {
            assert!(matches!(
                run(
                    second_order(
                        5,
                        SmoothSpec {
                            objective,
                            ..SmoothSpec::default()
                        }
                    ),
                    &y
                ),
                Err(SasdError::InvalidParameter { name: "mu", .. })
            ));
        }
    }
    assert_eq!(run(new(), &[0.0; 200]), Err(SasdError::NoSignal));
    assert!(matches!(
        Abl::new(&y, 5, 0.1, AblEnergy::Huber { mu: 0.0 }),
        Err(SasdError::InvalidParameter { name: "mu", .. })
    ));
}

/// The observer sees every iteration, tagged with its stage and λ, and can
/// stop the run: the result is then flagged, with a finite kernel.
#[test]
fn observer_sees_and_stops_the_run() {
    let inst = instance(1, ActivationLaw::BernoulliRademacher);
    let mut seen = 0;
    let mut stop_at_3 = |r: &Record| {
        seen += 1;
        assert_eq!(r.extra("lambda"), Some(0.1));
        if r.iteration >= 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let out = second_order(N0, SmoothSpec::default())
        .run_observed(&inst.observation, &mut stop_at_3)
        .expect("run");
    assert_eq!(out.stop, StopReason::Observer);
    assert_eq!(seen, 3);
    assert_eq!(out.history.len(), 3);
    assert!(out.kernel().iter().all(|t| t.is_finite()));
}

/// A zero time budget ends the run before its first iteration (the
/// executor asks the criterion at the start too), flagged, with a finite
/// answer (the initial point, shift-corrected).
#[test]
fn time_budget_is_a_stop_reason() {
    let inst = instance(2, ActivationLaw::BernoulliRademacher);
    for solver in [SecondOrderSolver::TrustRegion, SecondOrderSolver::Curvilinear] {
        let out = second_order(N0, SmoothSpec::with_solver(solver))
            .time_budget(std::time::Duration::ZERO)
            .run(&inst.observation)
            .expect("run");
        assert_eq!(out.stop, StopReason::TimeBudget);
        assert_eq!(out.iterations, 0);
        assert!(out.kernel().iter().chain(out.activation()).all(|t| t.is_finite()));
    }
}

/// First- vs second-order figures on the same instances (printed; run with
/// `--ignored --nocapture`).
#[test]
#[ignore = "figures for the notes, not an acceptance test"]
fn figures_first_vs_second_order() {
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
