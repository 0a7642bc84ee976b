//! The Huber-smoothed Bilinear Lasso (ZLK+19, eq. 22) on S^{n−1} × ℝ^m:
//! value against direct sums, Taylor checks of gradient and Hessian,
//! symmetry, FFT counts.

use manifold::{Euclidean, Product, Sphere};
use optim::check::{check_gradient, check_hessian, check_hessian_symmetry};
use optim::{HessianProblem, Problem};
use sasd::SasdError;
use sasd::objective::HuberLasso;

mod common;
use common::{direct_model, random, rng, sparse, unit_blocks};

fn huber(t: f64, mu: f64) -> f64 {
    if t.abs() <= mu {
        t * t / (2.0 * mu) + mu / 2.0
    } else {
        t.abs()
    }
}

#[test]
fn value_gradient_hessian_1d() {
    let (m, n, lambda, mu) = (211, 19, 0.3, 0.05);
    let mut r = rng(1);
    let y = random(&mut r, m);
    let mut f = HuberLasso::new(&y, n, lambda, mu).unwrap();
    let a = unit_blocks(&mut r, n, 1);
    // Entries on both sides of the Huber kink |t| = μ, none close to it (h_μ
    // is C¹: its second derivative jumps there, and a Taylor check across a
    // jump sees slope 2).
    let small = random(&mut r, m);
    let x: Vec<f64> = sparse(&mut r, m, 0.2)
        .iter()
        .zip(&small)
        .map(|(s, t)| if *s != 0.0 { s + 0.1 } else { 0.01 * t })
        .collect();
    let p: Vec<f64> = a.iter().chain(&x).copied().collect();
    let model = direct_model(&a, (n, 1), &x, (m, 1));
    let want = 0.5
        * y.iter()
            .zip(&model)
            .map(|(yi, mi)| (yi - mi).powi(2))
            .sum::<f64>()
        + lambda * x.iter().map(|t| huber(*t, mu)).sum::<f64>();
    assert!((f.cost(&p) - want).abs() <= 1e-12 * want);

    let product = Product::new(Sphere::new(n).unwrap(), Euclidean::new(m).unwrap());
    let d = random(&mut r, n + m);
    let g = check_gradient(&product, &mut f, &p, &d).unwrap();
    eprintln!("Huber BL: gradient slope {:.3}", g.slope);
    assert!(g.passed, "gradient slope {}", g.slope);
    let h = check_hessian(&product, &mut f, &p, &d).unwrap();
    eprintln!("Huber BL: Hessian slope {:.3}", h.slope);
    assert!(h.passed, "Hessian slope {}", h.slope);
    let asym = check_hessian_symmetry(&product, &mut f, &p, &d, &random(&mut r, n + m)).unwrap();
    assert!(asym < 1e-10, "asymmetry {asym:e}");

    // 4 FFTs per Hessian-vector product at the point last evaluated.
    let mut out = vec![0.0; n + m];
    let mut g = vec![0.0; n + m];
    f.cost_grad(&p, &mut g);
    let before = f.ffts();
    f.ehess(&p, &d, &mut out);
    assert_eq!(f.ffts() - before, 2 + 2);
}

#[test]
fn value_gradient_hessian_2d() {
    let (image, kernel, lambda, mu) = ((18, 13), (3, 4), 0.2, 0.1);
    let mut r = rng(2);
    let y = random(&mut r, 18 * 13);
    let mut f = HuberLasso::new_2d(&y, image, kernel, lambda, mu).unwrap();
    let a = unit_blocks(&mut r, 12, 1);
    let x = sparse(&mut r, 18 * 13, 0.3);
    let p: Vec<f64> = a.iter().chain(&x).copied().collect();
    let product = Product::new(Sphere::matrix(3, 4).unwrap(), Euclidean::new(18 * 13).unwrap());
    let d = random(&mut r, p.len());
    assert!(check_gradient(&product, &mut f, &p, &d).unwrap().passed);
    assert!(check_hessian(&product, &mut f, &p, &d).unwrap().passed);
}

#[test]
fn bad_input() {
    let y = vec![1.0; 30];
    assert!(matches!(
        HuberLasso::new(&y, 5, 0.1, 0.0),
        Err(SasdError::InvalidParameter { .. })
    ));
    assert!(matches!(
        HuberLasso::new(&y, 5, -1.0, 0.1),
        Err(SasdError::InvalidLambda(_))
    ));
    assert!(matches!(
        HuberLasso::new(&y, 31, 0.1, 0.1),
        Err(SasdError::KernelTooLong { .. })
    ));
}
