//! Kernel recovery under the linear observation model, through `optim`
//! directly (homotopy around iADM, LQK+20 Alg. 1 / 6, on the sphere of the
//! lifted kernel n = 3n₀ − 2), release mode, fixed seeds.
//!
//! Data: y is the window of a linear convolution a₀ ∗ x₀ (spikes before and
//! after the window reach into it), as a recording is; x₀ is
//! Bernoulli–Rademacher with θ = n₀^{−3/4} (LQK+20 §5.2), a₀ uniform on the
//! sphere.

use manifold::Sphere;
use optim::{
    Blocks, Executor, Homotopy, HomotopyOptions, InertialAdm, ManifoldProblem, StopCriterion, TwoBlockSmooth,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, Normal};
use sasd::metrics::kernel_error;
use sasd::objective::{BilinearLasso, Boundary, lasso_penalty};
use sasd::pipeline::initial_kernel;
use sasd::synth::{ActivationLaw, Convolution, Shape, activation, convolve, random_sphere_kernel};

/// (a₀, y): y = the m samples [n₀ − 1, n₀ − 1 + m) of a₀ ∗ x₀, x₀ of
/// m + n₀ − 1 entries (every spike that reaches the window).
fn recording(seed: u64, n0: usize, m: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let a0 = random_sphere_kernel(Shape::d1(n0), &mut rng).unwrap();
    let spikes = m + n0 - 1;
    let theta = (n0 as f64).powf(-0.75);
    let x0 = activation(
        ActivationLaw::BernoulliRademacher,
        theta,
        Shape::d1(spikes),
        &mut rng,
    )
    .unwrap();
    let (full, _) = convolve(&a0, Shape::d1(n0), &x0, Shape::d1(spikes), Convolution::Linear).unwrap();
    (a0, full[n0 - 1..n0 - 1 + m].to_vec())
}

/// What one homotopy-iADM run gives back.
struct Run {
    kernel: Vec<f64>,
    iterations: usize,
    ffts: u64,
}

/// Homotopy around iADM from the data-driven start (LQK+20 eq. 3.5, taken
/// from y less the model's initial offset) down to λ*, through `optim`.
fn homotopy_iadm(
    mut psi: BilinearLasso,
    y: &[f64],
    n0: usize,
    lambda_star: f64,
    seed: u64,
    max_iterations: usize,
) -> Run {
    let n = psi.kernel_shape();
    // The start's window comes from y less the initial bias or baseline.
    let detrended: Vec<f64> = match psi.baseline() {
        Some(b) => y.iter().zip(b).map(|(t, s)| t - s).collect(),
        None => y.iter().map(|t| t - psi.bias().unwrap_or(0.0)).collect(),
    };
    let a0 = initial_kernel(&detrended, n0, 0.0, seed).unwrap();
    let x0 = vec![0.0; psi.x_len()];
    // λ₀ = ‖∇_x ψ(a⁽⁰⁾, 0)‖∞ (§4.2.2): x = 0 solves the first stage.
    psi.fix_a(&a0);
    let mut g = vec![0.0; psi.x_len()];
    psi.grad_x(&x0, &mut g);
    let lambda0 = g.iter().fold(0.0_f64, |m, t| m.max(t.abs())).max(lambda_star);
    psi.reset_ffts();
    let penalty = lasso_penalty(psi.x_len(), None, false).unwrap();
    let mut problem = psi.into_composite(lambda_star, penalty).unwrap();
    let sphere = Sphere::new(n).unwrap();
    let options = HomotopyOptions {
        eps_star: Some(0.1 * lambda_star),
        ..HomotopyOptions::new(lambda0, lambda_star)
    };
    let solver = Homotopy::new(InertialAdm::for_manifold(&sphere), options).unwrap();
    let res = Executor::new(solver, ManifoldProblem::new(&sphere, &mut problem))
        .stop(StopCriterion::MaxIterations(max_iterations))
        .keep_history(false)
        .run(Blocks { a: a0, x: x0 })
        .unwrap();
    Run {
        kernel: res.iterate.a,
        iterations: res.iterations,
        ffts: problem.smooth.ffts(),
    }
}

/// n₀ = 30, m = 3000, no noise, λ* = 0.1/√n (LQK+20 §4.2.2): the linear
/// model recovers the kernel to 1e-5 on 3 of 3 seeds (measured 2.0–4.4e-6,
/// 780–1010 iterations, ≈ 13.8 FFTs an iteration).
#[test]
fn linear_model_recovers_the_kernel() {
    let (n0, m) = (30, 3000);
    let n = 3 * n0 - 2;
    let lambda_star = 0.1 / (n as f64).sqrt();
    for seed in [1, 2, 3] {
        let (a0, y) = recording(seed, n0, m);
        let psi = BilinearLasso::new_with(&y, n, Boundary::Linear).unwrap();
        let run = homotopy_iadm(psi, &y, n0, lambda_star, seed, 20_000);
        let err = kernel_error(&a0, &run.kernel).unwrap();
        eprintln!(
            "seed {seed}: kernel error {err:.2e} ({} iterations, {} FFTs)",
            run.iterations, run.ffts
        );
        assert!(err <= 1e-5, "seed {seed}: kernel error {err:e}");
    }
}

/// The circular model on the same linearly generated data is worse: it
/// cannot fit the window's first n₀ − 1 samples (responses of spikes before
/// the recording) and wraps the last spikes' responses onto them. Its error
/// has a floor where the linear model's keeps falling with λ (noiseless
/// data have an exact fit under the linear model only). Measured at
/// λ* = 0.01/√n: linear 2.0–4.5e-8, circular 6.7e-7–2.4e-6 on seeds 1–2
/// (seed 3, 3600 iterations, left out for time: 4.4e-8 vs 1.2e-7); at
/// 0.1/√n the lasso's own bias dominates both (linear 2.0–4.4e-6, circular
/// 4.3e-6–1.9e-5).
#[test]
fn circular_model_on_linear_data_is_worse() {
    let (n0, m) = (30, 3000);
    let n = 3 * n0 - 2;
    let lambda_star = 0.01 / (n as f64).sqrt();
    for seed in [1, 2] {
        let (a0, y) = recording(seed, n0, m);
        let linear = BilinearLasso::new_with(&y, n, Boundary::Linear).unwrap();
        let linear = homotopy_iadm(linear, &y, n0, lambda_star, seed, 20_000);
        let circular = BilinearLasso::new(&y, n).unwrap();
        let circular = homotopy_iadm(circular, &y, n0, lambda_star, seed, 20_000);
        let (el, ec) = (
            kernel_error(&a0, &linear.kernel).unwrap(),
            kernel_error(&a0, &circular.kernel).unwrap(),
        );
        eprintln!(
            "seed {seed}: linear {el:.2e} ({} it, {} FFTs), circular {ec:.2e} ({} it, {} FFTs)",
            linear.iterations, linear.ffts, circular.iterations, circular.ffts
        );
        assert!(el <= 1e-7, "seed {seed}: linear kernel error {el:e}");
        assert!(ec >= 2.0 * el, "seed {seed}: circular {ec:e} vs linear {el:e}");
    }
}

/// A drift whose swing is ≥ 3× the largest spike response and whose
/// period is ≥ 10 kernel lengths, plus noise σ = 0.05: the baseline (period
/// 10 n₀) recovers the kernel (measured 1.3–1.7e-3 on seeds 1–3, 525–710
/// iterations); the constant bias alone does not (0.80–0.92 at its
/// 700-iteration cap, still 0.30–0.41 after 10–19k iterations uncapped:
/// the kernel explains the drift).
#[test]
fn baseline_recovers_the_kernel_under_drift_where_the_bias_fails() {
    let (n0, m) = (30, 3000);
    let n = 3 * n0 - 2;
    let sigma = 0.05;
    // At λ ≪ σ the activation fits the noise (tests/calcium.rs): λ* = 2σ.
    let lambda_star = (0.1 / (n as f64).sqrt()).max(2.0 * sigma);
    for seed in [1, 2, 3] {
        let (a0, clean) = recording(seed, n0, m);
        let peak = clean.iter().fold(0.0_f64, |p, t| p.max(t.abs()));
        // Swing 2·A = 3.5·peak, periods 40 n₀ and 17 n₀.
        let amp = 1.75 * peak;
        let mut rng = StdRng::seed_from_u64(100 + seed);
        let noise = Normal::new(0.0, sigma).unwrap();
        let tau = std::f64::consts::TAU;
        let y: Vec<f64> = clean
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let s = i as f64;
                let drift = amp
                    * (0.7 * (tau * s / (40.0 * n0 as f64)).sin()
                        + 0.3 * (tau * s / (17.0 * n0 as f64) + 1.0).cos());
                t + drift + noise.sample(&mut rng)
            })
            .collect();
        let swing = y
            .iter()
            .zip(&clean)
            .map(|(t, c)| t - c)
            .fold((f64::MAX, f64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
        assert!(swing.1 - swing.0 >= 3.0 * peak);

        let with_baseline = BilinearLasso::new_with(&y, n, Boundary::Linear)
            .unwrap()
            .with_baseline(10.0 * n0 as f64)
            .unwrap();
        let base = homotopy_iadm(with_baseline, &y, n0, lambda_star, seed, 20_000);
        let with_bias = BilinearLasso::new_with(&y, n, Boundary::Linear)
            .unwrap()
            .with_bias();
        // Capped: without a baseline the run wanders for 10–19k iterations
        // and ends no better (measured 0.30–0.41 uncapped).
        let bias = homotopy_iadm(with_bias, &y, n0, lambda_star, seed, 700);
        let (eb, ec) = (
            kernel_error(&a0, &base.kernel).unwrap(),
            kernel_error(&a0, &bias.kernel).unwrap(),
        );
        eprintln!(
            "seed {seed}: baseline {eb:.2e} ({} it, {} FFTs), bias only {ec:.2e} ({} it)",
            base.iterations, base.ffts, bias.iterations
        );
        assert!(eb <= 1e-2, "seed {seed}: kernel error with baseline {eb:e}");
        assert!(ec >= 0.1, "seed {seed}: the bias alone reached {ec:e}");
    }
}

/// ADM, iADM and iPALM (LQK+20 Alg. 2, 5; PS16) at a fixed λ = 0.05 with
/// their Lipschitz backtracking: each run ends with a lower objective than
/// it started, stops for a reason other than a failed line search or a
/// non-finite value, and recovers the kernel (seed 1, 600 iterations).
#[test]
fn adm_iadm_and_ipalm_converge_under_the_linear_model() {
    use manifold::Exponential;
    use optim::{KernelSet, StopReason};
    let (n0, m) = (30, 3000);
    let n = 3 * n0 - 2;
    let (a_true, y) = recording(1, n0, m);
    let a0 = initial_kernel(&y, n0, 0.0, 1).unwrap();
    let sphere = Sphere::new(n).unwrap();
    for (name, solver) in [
        ("ADM", InertialAdm::adm(Exponential)),
        ("iADM", InertialAdm::iadm(Exponential)),
        ("iPALM", InertialAdm::ipalm(Exponential, KernelSet::Ball)),
    ] {
        let psi = BilinearLasso::new_with(&y, n, Boundary::Linear)
            .unwrap()
            .with_bias();
        let x0 = vec![0.0; psi.x_len()];
        let penalty = lasso_penalty(psi.x_len(), None, false).unwrap();
        let mut problem = psi.into_composite(0.05, penalty).unwrap();
        let res = Executor::new(solver, ManifoldProblem::new(&sphere, &mut problem))
            .stop(StopCriterion::MaxIterations(600))
            .run(Blocks { a: a0.clone(), x: x0 })
            .unwrap();
        let err = kernel_error(&a_true, &res.iterate.a).unwrap();
        eprintln!(
            "{name}: kernel error {err:.2e}, cost {:.4e} -> {:.4e}, {} iterations, stop {:?}",
            res.history[0].cost, res.cost, res.iterations, res.stop
        );
        assert!(res.cost < res.history[0].cost, "{name}");
        assert!(
            !matches!(res.stop, StopReason::LineSearchFailed | StopReason::NonFinite),
            "{name}: {:?}",
            res.stop
        );
        assert!(err <= 1e-3, "{name}: kernel error {err:e}");
    }
}
