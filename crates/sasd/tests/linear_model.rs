//! The linear ("valid") observation model and the DCT baseline on every
//! objective: values against direct sums of the valid convolution, Taylor
//! checks of gradients (and Hessians where offered), the bias and baseline
//! steps, FFT counts, bad input.

use manifold::{Euclidean, Oblique, Product, Sphere};
use optim::check::{check_gradient, check_hessian, check_hessian_symmetry};
use optim::{Problem, TwoBlockSmooth};
use sasd::SasdError;
use sasd::objective::{Abl, AblEnergy, BilinearLasso, BilinearLasso2d, Boundary, HuberLasso, LpLq};

mod common;
use common::{Joint, random, rng, sparse, unit_blocks};

/// Σ_k P_W(a_k ∗ x_k): y_{i} = Σ_j a_{k,j} x_{k, i+n−1−j} per axis, for
/// kernels of shape `kernel` and maps of shape image + kernel − 1
/// (column-major), by direct sums.
fn valid_model(a: &[f64], kernel: (usize, usize), x: &[f64], image: (usize, usize)) -> Vec<f64> {
    let (n1, n2) = kernel;
    let (m1, m2) = image;
    let (r, c) = (m1 + n1 - 1, m2 + n2 - 1);
    let mut out = vec![0.0; m1 * m2];
    for (ak, xk) in a.chunks_exact(n1 * n2).zip(x.chunks_exact(r * c)) {
        for i2 in 0..m2 {
            for i1 in 0..m1 {
                let mut s = 0.0;
                for j2 in 0..n2 {
                    for j1 in 0..n1 {
                        s += ak[j1 + j2 * n1] * xk[(i1 + n1 - 1 - j1) + (i2 + n2 - 1 - j2) * r];
                    }
                }
                out[i1 + i2 * m1] += s;
            }
        }
    }
    out
}

fn half_sq(y: &[f64], model: &[f64], offset: impl Fn(usize) -> f64) -> f64 {
    0.5 * y
        .iter()
        .zip(model)
        .enumerate()
        .map(|(i, (yi, mi))| (yi - mi - offset(i)).powi(2))
        .sum::<f64>()
}

/// Values against the direct valid model and a joint Taylor check on
/// M × ℝ^{N(m+n−1)}.
fn check_linear<M: manifold::Manifold>(
    mut psi: impl TwoBlockSmooth,
    manifold_a: M,
    (y, kernel, image, kernels): (&[f64], (usize, usize), (usize, usize), usize),
    offset: impl Fn(usize) -> f64,
    seed: u64,
) {
    let mut r = rng(seed);
    let a = unit_blocks(&mut r, kernel.0 * kernel.1, kernels);
    let x_len = (image.0 + kernel.0 - 1) * (image.1 + kernel.1 - 1) * kernels;
    assert_eq!(psi.x_len(), x_len);
    let x = sparse(&mut r, x_len, 0.2);
    psi.fix_a(&a);
    let v = psi.value_x(&x);
    let want = half_sq(y, &valid_model(&a, kernel, &x, image), &offset);
    assert!((v - want).abs() <= 1e-11 * want, "value {v} vs direct {want}");
    psi.fix_x(&x);
    assert!((psi.value_a(&a) - want).abs() <= 1e-11 * want);

    let (a_len, x_len) = (psi.a_len(), psi.x_len());
    let product = Product::new(manifold_a, Euclidean::new(x_len).unwrap());
    let mut joint = Joint { smooth: psi, a_len };
    let point: Vec<f64> = a.iter().chain(&x).copied().collect();
    let d = random(&mut r, a_len + x_len);
    let report = check_gradient(&product, &mut joint, &point, &d).unwrap();
    assert!(report.passed, "gradient check failed: slope {}", report.slope);
    assert!((report.slope - 2.0).abs() < 0.1, "slope {}", report.slope);
}

#[test]
fn bilinear_lasso_1d_and_cdl() {
    let (m, n) = (203, 17);
    let y = random(&mut rng(1), m);
    let psi = BilinearLasso::new_with(&y, n, Boundary::Linear).unwrap();
    assert_eq!(psi.activation_len(), m + n - 1);
    assert_eq!((psi.signal_shape(), psi.boundary()), (m, Boundary::Linear));
    check_linear(psi, Sphere::new(n).unwrap(), (&y, (n, 1), (m, 1), 1), |_| 0.0, 2);
    let b0 = y.iter().sum::<f64>() / m as f64;
    let psi = BilinearLasso::new_with(&y, n, Boundary::Linear)
        .unwrap()
        .with_bias();
    assert!((psi.bias().unwrap() - b0).abs() < 1e-14);
    check_linear(psi, Sphere::new(n).unwrap(), (&y, (n, 1), (m, 1), 1), |_| b0, 3);
    let psi = BilinearLasso::cdl_with(&y, n, 3, Boundary::Linear).unwrap();
    check_linear(
        psi,
        Oblique::new(n, 3).unwrap(),
        (&y, (n, 1), (m, 1), 3),
        |_| 0.0,
        4,
    );
}

#[test]
fn bilinear_lasso_2d_and_cdl_2d() {
    let (image, kernel) = ((19, 14), (4, 5));
    let y = random(&mut rng(5), image.0 * image.1);
    let psi = BilinearLasso2d::new_2d_with(&y, image, kernel, Boundary::Linear)
        .unwrap()
        .with_bias();
    assert_eq!(psi.activation_shape(), (22, 18));
    let b0 = y.iter().sum::<f64>() / y.len() as f64;
    let sphere = Sphere::matrix(kernel.0, kernel.1).unwrap();
    check_linear(psi, sphere, (&y, kernel, image, 1), |_| b0, 6);
    let psi = BilinearLasso2d::cdl_2d_with(&y, image, kernel, 2, Boundary::Linear).unwrap();
    let oblique = Oblique::of_matrices(kernel.0, kernel.1, 2).unwrap();
    check_linear(psi, oblique, (&y, kernel, image, 2), |_| 0.0, 7);
}

/// The baseline enters values and gradients under both models, starts as
/// the fit to y, and its step is the exact minimiser: ψ only drops, and a
/// second step at the same point changes nothing.
#[test]
fn baseline_values_gradients_and_step() {
    let (m, n) = (240, 13);
    let mut r = rng(8);
    let drift: Vec<f64> = (0..m).map(|i| 3.0 * (i as f64 / 50.0).sin()).collect();
    let y: Vec<f64> = random(&mut r, m).iter().zip(&drift).map(|(t, d)| t + d).collect();
    for boundary in [Boundary::Circular, Boundary::Linear] {
        let mut psi = BilinearLasso::new_with(&y, n, boundary)
            .unwrap()
            .with_baseline(60.0)
            .unwrap();
        assert_eq!(psi.baseline_terms(), Some((60.0, 9 + 2)));
        let base0 = psi.baseline().unwrap().to_vec();
        assert_eq!(base0.len(), m);
        // The fit to y follows the drift, not the noise.
        let off: f64 = base0
            .iter()
            .zip(&drift)
            .map(|(b, d)| (b - d).powi(2))
            .sum::<f64>()
            / m as f64;
        assert!(off < 0.05, "mean square distance to the drift {off}");
        let x_len = psi.activation_len();
        let (a, x) = (unit_blocks(&mut r, n, 1), sparse(&mut r, x_len, 0.1));
        psi.fix_a(&a);
        let v = psi.value_x(&x);
        let model = match boundary {
            Boundary::Circular => common::direct_model(&a, (n, 1), &x, (m, 1)),
            Boundary::Linear => valid_model(&a, (n, 1), &x, (m, 1)),
        };
        let want = half_sq(&y, &model, |i| base0[i]);
        assert!((v - want).abs() <= 1e-11 * want, "{boundary:?}: {v} vs {want}");
        psi.fix_x(&x);
        psi.reset_ffts();
        let after = psi.refresh(&a, &x).unwrap();
        assert_eq!(psi.ffts(), 0, "the baseline step at the evaluated point");
        assert!(after <= v, "{after} > {v}");
        let base1 = psi.baseline().unwrap().to_vec();
        assert!((after - half_sq(&y, &model, |i| base1[i])).abs() <= 1e-11 * after);
        assert!((psi.refresh(&a, &x).unwrap() - after).abs() <= 1e-12 * after);
        // Gradients with the baseline on.
        let product = Product::new(Sphere::new(n).unwrap(), Euclidean::new(x_len).unwrap());
        let mut joint = Joint {
            smooth: psi,
            a_len: n,
        };
        let point: Vec<f64> = a.iter().chain(&x).copied().collect();
        let d = random(&mut r, n + x_len);
        let report = check_gradient(&product, &mut joint, &point, &d).unwrap();
        assert!(report.passed, "{boundary:?}: slope {}", report.slope);
    }
    // CDL with a baseline, linear model.
    let psi = BilinearLasso::cdl_with(&y, n, 2, Boundary::Linear)
        .unwrap()
        .with_baseline(60.0)
        .unwrap();
    let base = psi.baseline().unwrap().to_vec();
    check_linear(
        psi,
        Oblique::new(n, 2).unwrap(),
        (&y, (n, 1), (m, 1), 2),
        |i| base[i],
        9,
    );
}

#[test]
fn huber_gradient_and_hessian() {
    let (m, n, lambda, mu) = (150, 11, 0.3, 0.05);
    let mut r = rng(10);
    let y = random(&mut r, m);
    let mut f = HuberLasso::new_with(&y, n, lambda, mu, Boundary::Linear).unwrap();
    let xl = f.activation_len();
    assert_eq!(xl, m + n - 1);
    let a = unit_blocks(&mut r, n, 1);
    // Entries away from the Huber kink |t| = μ (see tests/huber.rs).
    let small = random(&mut r, xl);
    let x: Vec<f64> = sparse(&mut r, xl, 0.2)
        .iter()
        .zip(&small)
        .map(|(s, t)| if *s != 0.0 { s + 0.1 } else { 0.01 * t })
        .collect();
    let p: Vec<f64> = a.iter().chain(&x).copied().collect();
    let half = half_sq(&y, &valid_model(&a, (n, 1), &x, (m, 1)), |_| 0.0);
    let penalty: f64 = x
        .iter()
        .map(|t| {
            if t.abs() <= mu {
                t * t / (2.0 * mu) + mu / 2.0
            } else {
                t.abs()
            }
        })
        .sum();
    let want = half + lambda * penalty;
    assert!((f.cost(&p) - want).abs() <= 1e-11 * want);
    let product = Product::new(Sphere::new(n).unwrap(), Euclidean::new(xl).unwrap());
    let d = random(&mut r, n + xl);
    assert!(check_gradient(&product, &mut f, &p, &d).unwrap().passed);
    let h = check_hessian(&product, &mut f, &p, &d).unwrap();
    assert!(h.passed, "Hessian slope {}", h.slope);
    let asym = check_hessian_symmetry(&product, &mut f, &p, &d, &random(&mut r, n + xl)).unwrap();
    assert!(asym < 1e-10, "asymmetry {asym:e}");

    let (image, kernel) = ((15, 12), (3, 4));
    let y2 = random(&mut r, 180);
    let mut f = HuberLasso::new_2d_with(&y2, image, kernel, 0.2, 0.1, Boundary::Linear).unwrap();
    let xl = f.activation_len();
    assert_eq!(xl, 17 * 15);
    let p: Vec<f64> = unit_blocks(&mut r, 12, 1)
        .into_iter()
        .chain(sparse(&mut r, xl, 0.3))
        .collect();
    let product = Product::new(Sphere::matrix(3, 4).unwrap(), Euclidean::new(xl).unwrap());
    let d = random(&mut r, p.len());
    assert!(check_gradient(&product, &mut f, &p, &d).unwrap().passed);
    assert!(check_hessian(&product, &mut f, &p, &d).unwrap().passed);
}

#[test]
fn abl_closed_form_gradient_and_hessian() {
    let (m, n, lambda) = (160, 12, 0.25);
    let mut r = rng(11);
    let y = random(&mut r, m);
    let a = unit_blocks(&mut r, n, 1);
    let mut abl = Abl::new_with(&y, n, lambda, AblEnergy::SoftThreshold, Boundary::Linear).unwrap();
    assert_eq!(abl.activation_len(), m + n - 1);
    // c = C_a* y for the valid C_a: c_t = Σ_j a_j y_{t+j−(n−1)} where defined.
    let mut x_star = vec![0.0; m + n - 1];
    abl.activation(&a, &mut x_star);
    for (t, xs) in x_star.iter().enumerate() {
        let c: f64 = (0..n)
            .filter_map(|j| (t + j).checked_sub(n - 1).filter(|i| *i < m).map(|i| a[j] * y[i]))
            .sum();
        let soft = c.signum() * (c.abs() - lambda).max(0.0);
        assert!((xs - soft).abs() < 1e-12, "t = {t}");
    }
    // φ̂(a) = Ψ̂(a, x*) with Ψ̂ = ½‖x‖² − ⟨P_W(a ∗ x), y⟩ + ½‖y‖² + λ‖x‖₁.
    let ax = valid_model(&a, (n, 1), &x_star, (m, 1));
    let psi_hat = 0.5 * x_star.iter().map(|t| t * t).sum::<f64>()
        - ax.iter().zip(&y).map(|(p, q)| p * q).sum::<f64>()
        + 0.5 * y.iter().map(|t| t * t).sum::<f64>()
        + lambda * x_star.iter().map(|t| t.abs()).sum::<f64>();
    assert!((abl.cost(&a) - psi_hat).abs() < 1e-10 * psi_hat.abs());
    let sphere = Sphere::new(n).unwrap();
    let d = random(&mut r, n);
    assert!(check_gradient(&sphere, &mut abl, &a, &d).unwrap().passed);
    let mut smooth = Abl::new_with(&y, n, lambda, AblEnergy::PseudoHuber, Boundary::Linear).unwrap();
    assert!(check_gradient(&sphere, &mut smooth, &a, &d).unwrap().passed);
    assert!(check_hessian(&sphere, &mut smooth, &a, &d).unwrap().passed);

    let (image, kernel) = ((16, 13), (4, 3));
    let y2 = random(&mut r, 16 * 13);
    let sphere = Sphere::matrix(4, 3).unwrap();
    let a2 = unit_blocks(&mut r, 12, 1);
    let d2 = random(&mut r, 12);
    let mut abl =
        Abl::new_2d_with(&y2, image, kernel, 0.1, AblEnergy::PseudoHuber, Boundary::Linear).unwrap();
    assert!(check_gradient(&sphere, &mut abl, &a2, &d2).unwrap().passed);
    assert!(check_hessian(&sphere, &mut abl, &a2, &d2).unwrap().passed);
}

#[test]
fn lplq_values_and_gradients() {
    let (m, n) = (170, 14);
    let mut r = rng(12);
    let y = random(&mut r, m);
    for (p, q) in [(2.0, 2.0), (3.0, 4.0), (1.5, 2.0)] {
        let mut f = LpLq::new_with(&y, n, p, q, Boundary::Linear).unwrap();
        assert_eq!(f.activation_len(), m + n - 1);
        let lq = f.manifold().unwrap();
        let mut a = random(&mut r, n);
        let norm = a.iter().map(|t| t.abs().powf(q)).sum::<f64>().powf(1.0 / q);
        a.iter_mut().for_each(|t| *t /= norm);
        let x = sparse(&mut r, m + n - 1, 0.2);
        let model = valid_model(&a, (n, 1), &x, (m, 1));
        let want: f64 = y
            .iter()
            .zip(&model)
            .map(|(yi, mi)| (mi - yi).abs().powf(p) / p)
            .sum();
        f.fix_a(&a);
        assert!((f.value_x(&x) - want).abs() <= 1e-11 * want, "p = {p}");
        let product = Product::new(lq, Euclidean::new(m + n - 1).unwrap());
        let mut joint = Joint { smooth: f, a_len: n };
        let point: Vec<f64> = a.iter().chain(&x).copied().collect();
        let report = check_gradient(&product, &mut joint, &point, &random(&mut r, n + m + n - 1)).unwrap();
        assert!(report.passed, "p = {p}: slope {}", report.slope);
    }
}

/// The oracle sequence of one ADM / iADM iteration whose searches accept
/// their first trial: 12 real FFTs of the padded length under the linear
/// model (value 2, gradient 4), the bias step free.
#[test]
fn one_linear_iteration_costs_twelve_ffts() {
    let (m, n) = (300, 22);
    let mut r = rng(13);
    let y = random(&mut r, m);
    let mut psi = BilinearLasso::new_with(&y, n, Boundary::Linear)
        .unwrap()
        .with_bias();
    let xl = m + n - 1;
    let (a, x) = (unit_blocks(&mut r, n, 1), sparse(&mut r, xl, 0.1));
    let (w, x_plus) = (sparse(&mut r, xl, 0.1), sparse(&mut r, xl, 0.1));
    let (z, a_plus) = (unit_blocks(&mut r, n, 1), unit_blocks(&mut r, n, 1));
    let (mut gx, mut ga) = (vec![0.0; xl], vec![0.0; n]);
    psi.fix_x(&x);
    psi.value_a(&a);
    psi.reset_ffts();
    let mut steps = Vec::new();
    psi.fix_a(&a);
    steps.push(psi.ffts());
    psi.grad_x(&w, &mut gx);
    steps.push(psi.ffts());
    psi.value_x(&x_plus);
    steps.push(psi.ffts());
    psi.fix_x(&x_plus);
    steps.push(psi.ffts());
    psi.grad_a(&z, &mut ga);
    steps.push(psi.ffts());
    psi.value_a(&a_plus);
    steps.push(psi.ffts());
    psi.refresh(&a_plus, &x_plus);
    steps.push(psi.ffts());
    psi.fix_a(&a_plus);
    steps.push(psi.ffts());
    assert_eq!(steps, [0, 4, 6, 6, 10, 12, 12, 12]);
}

#[test]
fn bad_input_gives_typed_errors() {
    let y = vec![1.0; 60];
    let psi = BilinearLasso::new_with(&y, 8, Boundary::Linear).unwrap();
    for period in [0.0, -10.0, f64::NAN, f64::INFINITY, 7.0] {
        let err = psi.clone().with_baseline(period).unwrap_err();
        assert!(
            matches!(err, SasdError::BaselinePeriod { kernel: 8, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("kernel length 8"));
    }
    assert!(BilinearLasso::new_with(&y, 60, Boundary::Linear).is_err());
    assert!(matches!(
        BilinearLasso::new_with(&[], 3, Boundary::Linear),
        Err(SasdError::EmptySignal)
    ));
    assert!(matches!(
        BilinearLasso2d::new_2d_with(&y, (7, 7), (2, 2), Boundary::Linear),
        Err(SasdError::ShapeMismatch { .. })
    ));
    assert!(matches!(
        HuberLasso::new_with(&y, 5, 0.1, 0.0, Boundary::Linear),
        Err(SasdError::InvalidParameter { .. })
    ));
    assert!(matches!(
        LpLq::new_with(&y, 5, 0.5, 2.0, Boundary::Linear),
        Err(SasdError::InvalidParameter { .. })
    ));
}
