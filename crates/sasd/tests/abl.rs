//! The approximate Bilinear Lasso (Zha19): closed form against the
//! minimisation over x, Taylor checks of gradient and Hessian.

use manifold::Sphere;
use optim::Problem;
use optim::check::{check_gradient, check_hessian, check_hessian_symmetry};
use sasd::SasdError;
use sasd::objective::{Abl, AblEnergy};

mod common;
use common::{direct, random, rng, sparse, unit_blocks};

fn soft(t: f64, l: f64) -> f64 {
    t.signum() * (t.abs() - l).max(0.0)
}

#[test]
fn closed_form_is_the_minimum_over_x() {
    let (m, n, lambda) = (150, 11, 0.3);
    let mut r = rng(1);
    let y = random(&mut r, m);
    let a = unit_blocks(&mut r, n, 1);
    let mut abl = Abl::new(&y, n, lambda, AblEnergy::SoftThreshold).unwrap();
    let phi = abl.cost(&a);
    // Ψ̂(a, x) = ½‖x‖² − ⟨a ⊛ x, y⟩ + ½‖y‖² + λ‖x‖₁ at x* = S_λ(y ⋆ a).
    let psi_hat = |x: &[f64]| {
        let ax = direct((&a, (n, 1)), (x, (m, 1)), (m, 1), (m, 1));
        0.5 * x.iter().map(|t| t * t).sum::<f64>() - ax.iter().zip(&y).map(|(p, q)| p * q).sum::<f64>()
            + 0.5 * y.iter().map(|t| t * t).sum::<f64>()
            + lambda * x.iter().map(|t| t.abs()).sum::<f64>()
    };
    let mut x_star = vec![0.0; m];
    abl.activation(&a, &mut x_star);
    // y ⋆ a by direct sums: c_i = Σ_j a_j y_{i+j}.
    let c: Vec<f64> = (0..m)
        .map(|i| (0..n).map(|j| a[j] * y[(i + j) % m]).sum())
        .collect();
    for (xs, ci) in x_star.iter().zip(&c) {
        assert!((xs - soft(*ci, lambda)).abs() < 1e-12);
    }
    assert!((phi - psi_hat(&x_star)).abs() < 1e-10 * phi.abs().max(1.0));
    // x* is the minimiser: perturbations do not go lower.
    for seed in 0..5 {
        let mut x = x_star.clone();
        let d = sparse(&mut rng(seed + 10), m, 0.2);
        x.iter_mut().zip(&d).for_each(|(xi, di)| *xi += 0.01 * di);
        assert!(psi_hat(&x) >= psi_hat(&x_star) - 1e-12);
    }
}

#[test]
fn gradients_and_hessians_pass_the_taylor_checks() {
    let (m, n) = (256, 31);
    let mut r = rng(2);
    let y = random(&mut r, m);
    let sphere = Sphere::new(n).unwrap();
    let a = unit_blocks(&mut r, n, 1);
    let d = random(&mut r, n);
    for energy in [AblEnergy::SoftThreshold, AblEnergy::PseudoHuber] {
        let mut abl = Abl::new(&y, n, 0.2, energy).unwrap();
        let g = check_gradient(&sphere, &mut abl, &a, &d).unwrap();
        eprintln!("ABL {energy:?}: gradient slope {:.3}", g.slope);
        assert!(g.passed, "{energy:?}: gradient slope {}", g.slope);
    }
    let mut smooth = Abl::new(&y, n, 0.2, AblEnergy::PseudoHuber).unwrap();
    let h = check_hessian(&sphere, &mut smooth, &a, &d).unwrap();
    eprintln!(
        "ABL pseudo-Huber: Hessian slope {:.3} (exact: {})",
        h.slope, h.exact
    );
    assert!(h.passed, "Hessian slope {}", h.slope);
    let asym = check_hessian_symmetry(&sphere, &mut smooth, &a, &d, &random(&mut r, n)).unwrap();
    assert!(asym < 1e-10, "asymmetry {asym:e}");
}

#[test]
fn two_dimensional_gradient_and_hessian() {
    let (image, kernel) = ((20, 17), (4, 3));
    let mut r = rng(3);
    let y = random(&mut r, image.0 * image.1);
    let sphere = Sphere::matrix(kernel.0, kernel.1).unwrap();
    let a = unit_blocks(&mut r, 12, 1);
    let d = random(&mut r, 12);
    let mut abl = Abl::new_2d(&y, image, kernel, 0.1, AblEnergy::PseudoHuber).unwrap();
    assert!(check_gradient(&sphere, &mut abl, &a, &d).unwrap().passed);
    assert!(check_hessian(&sphere, &mut abl, &a, &d).unwrap().passed);
}

#[test]
fn bad_input() {
    let y = vec![1.0; 20];
    assert!(matches!(
        Abl::new(&y, 5, 0.0, AblEnergy::PseudoHuber),
        Err(SasdError::InvalidLambda(_))
    ));
    assert!(matches!(
        Abl::new(&y, 20, 0.1, AblEnergy::PseudoHuber),
        Err(SasdError::KernelTooLong { .. })
    ));
    assert!(matches!(
        Abl::new(&[], 2, 0.1, AblEnergy::PseudoHuber),
        Err(SasdError::EmptySignal)
    ));
}
