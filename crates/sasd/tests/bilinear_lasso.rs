//! The Bilinear Lasso (LQK+20, eq. 3.1), its CDL (4.6) and 2-D (C.2)
//! forms: values against direct sums, Taylor checks of both gradients, the
//! bias step, the FFT budget of an ADM / iADM iteration, and bad input.

use manifold::{Euclidean, Exponential, Oblique, Product, Sphere};
use optim::check::check_gradient;
use optim::{
    Blocks, Executor, InertialAdm, InertialAdmOptions, ManifoldProblem, Regularizer, StopCriterion,
    TwoBlockSmooth,
};
use sasd::SasdError;
use sasd::objective::{BilinearLasso, BilinearLasso2d, lasso_penalty};

mod common;
use common::{Joint, direct_model, random, rng, sparse, unit_blocks};

/// ½‖y − Σ a_k ⊛ x_k − b‖² by direct sums.
fn direct_psi(y: &[f64], a: &[f64], kernel: (usize, usize), x: &[f64], image: (usize, usize), b: f64) -> f64 {
    let model = direct_model(a, kernel, x, image);
    0.5 * y
        .iter()
        .zip(&model)
        .map(|(yi, mi)| (yi - mi - b).powi(2))
        .sum::<f64>()
}

/// Value agreement and a joint Taylor check on M × ℝ^{Nm} for one geometry.
fn check_objective<M: manifold::Manifold>(
    mut psi: impl TwoBlockSmooth,
    manifold_a: M,
    y: &[f64],
    kernel: (usize, usize),
    image: (usize, usize),
    kernels: usize,
    seed: u64,
) {
    let mut r = rng(seed);
    let a = unit_blocks(&mut r, kernel.0 * kernel.1, kernels);
    let x = sparse(&mut r, image.0 * image.1 * kernels, 0.2);
    psi.fix_a(&a);
    let v = psi.value_x(&x);
    let want = direct_psi(y, &a, kernel, &x, image, 0.0);
    assert!((v - want).abs() <= 1e-12 * want, "value {v} vs direct {want}");
    psi.fix_x(&x);
    assert!((psi.value_a(&a) - want).abs() <= 1e-12 * want);

    let (a_len, x_len) = (psi.a_len(), psi.x_len());
    let product = Product::new(manifold_a, Euclidean::new(x_len).unwrap());
    let mut joint = Joint { smooth: psi, a_len };
    let point: Vec<f64> = a.iter().chain(&x).copied().collect();
    let d = random(&mut r, a_len + x_len);
    let report = check_gradient(&product, &mut joint, &point, &d).unwrap();
    eprintln!(
        "{}: joint gradient slope {:.3}",
        std::any::type_name::<M>(),
        report.slope
    );
    assert!(report.passed, "gradient check failed: slope {}", report.slope);
    assert!((report.slope - 2.0).abs() < 0.1, "slope {}", report.slope);
}

#[test]
fn sasd_1d_value_and_gradients() {
    let (m, n) = (257, 31); // odd prime signal length
    let y = random(&mut rng(1), m);
    let psi = BilinearLasso::new(&y, n).unwrap();
    check_objective(psi, Sphere::new(n).unwrap(), &y, (n, 1), (m, 1), 1, 2);
}

#[test]
fn cdl_1d_value_and_gradients() {
    let (m, n, k) = (200, 17, 3);
    let y = random(&mut rng(3), m);
    let psi = BilinearLasso::cdl(&y, n, k).unwrap();
    check_objective(psi, Oblique::new(n, k).unwrap(), &y, (n, 1), (m, 1), k, 4);
}

#[test]
fn sasd_2d_value_and_gradients() {
    let (image, kernel) = ((23, 18), (5, 4)); // odd, non-square
    let y = random(&mut rng(5), image.0 * image.1);
    let psi = BilinearLasso2d::new_2d(&y, image, kernel).unwrap();
    check_objective(
        psi,
        Sphere::matrix(kernel.0, kernel.1).unwrap(),
        &y,
        kernel,
        image,
        1,
        6,
    );
}

#[test]
fn cdl_2d_value_and_gradients() {
    let (image, kernel, k) = ((16, 21), (3, 5), 2);
    let y = random(&mut rng(7), image.0 * image.1);
    let psi = BilinearLasso2d::cdl_2d(&y, image, kernel, k).unwrap();
    check_objective(
        psi,
        Oblique::of_matrices(kernel.0, kernel.1, k).unwrap(),
        &y,
        kernel,
        image,
        k,
        8,
    );
}

#[test]
fn bias_step_is_the_mean_residual_and_costs_no_fft() {
    let (m, n) = (120, 13);
    let mut r = rng(9);
    let y: Vec<f64> = random(&mut r, m).iter().map(|t| t + 2.0).collect();
    let mut psi = BilinearLasso::new(&y, n).unwrap().with_bias();
    assert!((psi.bias().unwrap() - y.iter().sum::<f64>() / m as f64).abs() < 1e-14);
    let a = unit_blocks(&mut r, n, 1);
    let x = sparse(&mut r, m, 0.3);
    // The bias enters values and gradients: check against direct sums.
    psi.fix_a(&a);
    let b0 = psi.bias().unwrap();
    let v = psi.value_x(&x);
    let want = direct_psi(&y, &a, (n, 1), &x, (m, 1), b0);
    assert!((v - want).abs() <= 1e-12 * want);
    psi.fix_x(&x);
    psi.reset_ffts();
    let refreshed = psi.refresh(&a, &x).unwrap();
    assert_eq!(psi.ffts(), 0, "the bias step needs no FFT at the evaluated point");
    let model = direct_model(&a, (n, 1), &x, (m, 1));
    let b = y.iter().zip(&model).map(|(yi, mi)| yi - mi).sum::<f64>() / m as f64;
    assert!((psi.bias().unwrap() - b).abs() < 1e-12);
    let want = direct_psi(&y, &a, (n, 1), &x, (m, 1), b);
    assert!((refreshed - want).abs() <= 1e-12 * want);
    // b minimises ψ over the bias: ψ dropped by exactly m(b₀ − b)²/2.
    assert!((v - refreshed - 0.5 * m as f64 * (b0 - b).powi(2)).abs() <= 1e-10 * v);
    // Gradients with the bias pass the Taylor check too.
    let product = Product::new(Sphere::new(n).unwrap(), Euclidean::new(m).unwrap());
    let mut joint = Joint {
        smooth: psi,
        a_len: n,
    };
    let point: Vec<f64> = a.iter().chain(&x).copied().collect();
    let d = random(&mut r, n + m);
    let report = check_gradient(&product, &mut joint, &point, &d).unwrap();
    assert!(report.passed, "slope {}", report.slope);
}

/// The sequence of oracle calls of one ADM / iADM iteration whose searches
/// accept their first trial costs 6 real FFTs (see `BilinearLasso`'s docs).
#[test]
fn one_iteration_costs_six_ffts() {
    let (m, n) = (300, 22);
    let mut r = rng(11);
    let y = random(&mut r, m);
    let mut psi = BilinearLasso::new(&y, n).unwrap().with_bias();
    let (a, x) = (unit_blocks(&mut r, n, 1), sparse(&mut r, m, 0.1));
    let (w, x_plus) = (sparse(&mut r, m, 0.1), sparse(&mut r, m, 0.1));
    let (z, a_plus) = (unit_blocks(&mut r, n, 1), unit_blocks(&mut r, n, 1));
    let (mut gx, mut ga) = (vec![0.0; m], vec![0.0; n]);
    // Warm start as the solver leaves it: a was the last a-trial.
    psi.fix_x(&x);
    psi.value_a(&a);
    psi.reset_ffts();
    let mut steps = Vec::new();
    let mut tick = |psi: &BilinearLasso, name: &'static str| steps.push((name, psi.ffts()));
    psi.fix_a(&a);
    tick(&psi, "fix_a");
    psi.grad_x(&w, &mut gx);
    tick(&psi, "grad_x");
    psi.value_x(&x_plus);
    tick(&psi, "value_x");
    psi.fix_x(&x_plus);
    tick(&psi, "fix_x");
    psi.grad_a(&z, &mut ga);
    tick(&psi, "grad_a");
    psi.value_a(&a_plus);
    tick(&psi, "value_a");
    psi.refresh(&a_plus, &x_plus);
    tick(&psi, "refresh");
    psi.fix_a(&a_plus);
    tick(&psi, "next fix_a");
    let cumulative: Vec<u64> = steps.iter().map(|s| s.1).collect();
    assert_eq!(cumulative, [0, 2, 3, 3, 5, 6, 6, 6], "{steps:?}");
}

/// The same budget inside `optim::InertialAdm`: at most 2 FFTs for the
/// starting value, 2 per gradient call and 1 per value call, and nothing
/// else (momentum restarts and bias steps included); an oracle at the point
/// held fixed is free, so plain ADM (w = x, z = a) needs about 4 per
/// iteration and iADM about 6.
#[test]
fn iadm_run_fft_count_matches_the_budget() {
    let (m, n0) = (600, 8);
    let n = 3 * n0 - 2;
    let mut r = rng(12);
    let a0 = unit_blocks(&mut r, n0, 1);
    let x0 = sparse(&mut r, m, 0.05);
    let y: Vec<f64> = direct_model(&a0, (n0, 1), &x0, (m, 1))
        .iter()
        .map(|t| t + 0.5)
        .collect();
    for (beta, band) in [(0.0, 4.0..=4.0), (0.9, 5.5..=6.0)] {
        let psi = BilinearLasso::new(&y, n).unwrap().with_bias();
        let penalty = lasso_penalty(m, None, false).unwrap();
        let mut problem = psi.into_composite(0.1, penalty).unwrap();
        let sphere = Sphere::new(n).unwrap();
        let a_init = unit_blocks(&mut r, n, 1);
        // Not zero: the caches start at the zero vector, whose spectrum is free.
        let x_init = sparse(&mut r, m, 0.05);
        problem.smooth.reset_ffts();
        let options = InertialAdmOptions {
            beta,
            ..InertialAdmOptions::iadm()
        };
        let solver = InertialAdm::new(options, Exponential).unwrap();
        let start = Blocks { a: a_init, x: x_init };
        let result = Executor::new(solver, ManifoldProblem::new(&sphere, &mut problem))
            .stop(StopCriterion::MaxIterations(40))
            .run(start)
            .unwrap();
        let c = result.counts;
        let ffts = problem.smooth.ffts();
        assert_eq!(c.work, ffts, "the run reports the objective's FFTs");
        assert!(
            ffts <= 2 + 2 * c.grad as u64 + (c.cost as u64 - 1),
            "beta {beta}: {ffts} FFTs, {c:?}"
        );
        // One FFT per backtracking trial beyond the first of each search.
        let extra_trials = (c.cost - 1 - 2 * result.iterations) as u64;
        let per_iteration = (ffts - 2 - extra_trials) as f64 / result.iterations as f64;
        assert!(
            band.contains(&per_iteration),
            "beta {beta}: {per_iteration} FFTs per iteration"
        );
        assert!(result.cost < result.history[0].cost);
    }
}

/// Values and gradients do not depend on the path that computed them: a
/// new point (fused sweep), the last point evaluated and the point held
/// fixed (cached spectra) give the same bits, in 1-D and 2-D, with a bias.
#[test]
fn cached_and_fused_paths_give_the_same_bits() {
    fn check(mut psi: impl TwoBlockSmooth, kernels: usize, seed: u64) {
        let mut r = rng(seed);
        let (na, nx) = (psi.a_len(), psi.x_len());
        let (a, x, w) = (
            unit_blocks(&mut r, na / kernels, kernels),
            sparse(&mut r, nx, 0.2),
            sparse(&mut r, nx, 0.2),
        );
        let z = unit_blocks(&mut r, na / kernels, kernels);
        let bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
        let (mut g1, mut g2) = (vec![0.0; nx], vec![0.0; nx]);
        psi.fix_a(&a);
        psi.fix_x(&x);
        let fresh = psi.grad_x(&w, &mut g1);
        let value_fresh = psi.value_x(&w);
        let cached = psi.grad_x(&w, &mut g2);
        assert_eq!(fresh.to_bits(), cached.to_bits());
        assert_eq!(fresh.to_bits(), value_fresh.to_bits());
        assert_eq!(bits(&g1), bits(&g2));
        psi.fix_x(&w);
        let fixed = psi.grad_x(&w, &mut g2);
        assert_eq!((fixed.to_bits(), bits(&g2)), (fresh.to_bits(), bits(&g1)));
        assert_eq!(psi.value_x(&w).to_bits(), fresh.to_bits());

        let (mut h1, mut h2) = (vec![0.0; na], vec![0.0; na]);
        let fresh = psi.grad_a(&z, &mut h1);
        let value_fresh = psi.value_a(&z);
        let cached = psi.grad_a(&z, &mut h2);
        assert_eq!(fresh.to_bits(), cached.to_bits());
        assert_eq!(fresh.to_bits(), value_fresh.to_bits());
        assert_eq!(bits(&h1), bits(&h2));
        psi.fix_a(&z);
        let fixed = psi.grad_a(&z, &mut h2);
        assert_eq!((fixed.to_bits(), bits(&h2)), (fresh.to_bits(), bits(&h1)));
    }
    let mut r = rng(14);
    let y = random(&mut r, 301);
    check(BilinearLasso::new(&y, 23).unwrap().with_bias(), 1, 1);
    check(BilinearLasso::new(&y, 23).unwrap(), 1, 2);
    check(BilinearLasso::cdl(&y, 23, 2).unwrap().with_bias(), 2, 3);
    let y2 = random(&mut r, 24 * 17);
    check(
        BilinearLasso2d::new_2d(&y2, (24, 17), (5, 4))
            .unwrap()
            .with_bias(),
        1,
        4,
    );
    check(BilinearLasso2d::cdl_2d(&y2, (24, 17), (5, 4), 2).unwrap(), 2, 5);
}

/// ADM's iteration (β = 0: the x-gradient at x itself, the a-gradient at a
/// itself) costs 4 FFTs.
#[test]
fn one_adm_iteration_costs_four_ffts() {
    let (m, n) = (300, 22);
    let mut r = rng(13);
    let y = random(&mut r, m);
    let mut psi = BilinearLasso::new(&y, n).unwrap();
    let (a, x, x_plus, a_plus) = (
        unit_blocks(&mut r, n, 1),
        sparse(&mut r, m, 0.1),
        sparse(&mut r, m, 0.1),
        unit_blocks(&mut r, n, 1),
    );
    let (mut gx, mut ga) = (vec![0.0; m], vec![0.0; n]);
    psi.fix_x(&x);
    psi.value_a(&a);
    psi.reset_ffts();
    psi.fix_a(&a);
    psi.grad_x(&x, &mut gx);
    psi.value_x(&x_plus);
    psi.fix_x(&x_plus);
    psi.grad_a(&a, &mut ga);
    psi.value_a(&a_plus);
    psi.fix_a(&a_plus);
    assert_eq!(psi.ffts(), 4);
}

#[test]
fn weights_and_nonnegativity_shape_the_penalty() {
    let w = [0.5, 2.0, 0.0];
    let p = lasso_penalty(3, Some(&w), true).unwrap();
    assert_eq!(p.value(&[1.0, -1.0, 3.0]), f64::INFINITY);
    assert_eq!(p.value(&[1.0, 1.0, 3.0]), 2.5);
    let mut out = [0.0; 3];
    p.prox(&[1.0, 1.0, -1.0], 0.4, &mut out);
    for (o, want) in out.iter().zip([0.8, 0.2, 0.0]) {
        assert!((o - want).abs() < 1e-15);
    }
}

#[test]
fn bad_input_gives_typed_errors() {
    let y = vec![1.0; 50];
    assert_eq!(BilinearLasso::new(&[], 3).unwrap_err(), SasdError::EmptySignal);
    assert!(matches!(
        BilinearLasso::new(&y, 50),
        Err(SasdError::KernelTooLong { .. })
    ));
    assert!(matches!(
        BilinearLasso::new(&y, 0),
        Err(SasdError::ZeroDimension { .. })
    ));
    assert!(matches!(
        BilinearLasso::cdl(&y, 5, 0),
        Err(SasdError::ZeroDimension { .. })
    ));
    let mut bad = y.clone();
    bad[7] = f64::NAN;
    assert!(matches!(
        BilinearLasso::new(&bad, 5),
        Err(SasdError::NonFinite { index: 7, .. })
    ));
    assert!(matches!(
        BilinearLasso2d::new_2d(&y, (7, 7), (2, 2)),
        Err(SasdError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        BilinearLasso2d::new_2d(&y, (10, 5), (3, 6)),
        Err(SasdError::KernelTooLong { axis: 1, .. })
    ));
    let psi = BilinearLasso::new(&y, 5).unwrap();
    let pen = lasso_penalty(50, None, false).unwrap();
    assert!(matches!(
        psi.clone().into_composite(0.0, pen.clone()),
        Err(SasdError::InvalidLambda(_))
    ));
    assert!(matches!(
        psi.clone().into_composite(f64::NAN, pen),
        Err(SasdError::InvalidLambda(_))
    ));
    assert!(matches!(
        lasso_penalty(50, Some(&[1.0; 49]), false),
        Err(SasdError::LengthMismatch { .. })
    ));
    let mut w = vec![1.0; 50];
    w[3] = -1.0;
    assert!(matches!(
        lasso_penalty(50, Some(&w), false),
        Err(SasdError::NegativeWeight { index: 3, .. })
    ));
    assert!(psi.with_bias_value(f64::INFINITY).is_err());
}
