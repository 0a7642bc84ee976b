//! The derivative checkers accept correct derivatives (slopes 2 and 3) and
//! reject a deliberately wrong gradient and Hessian.

mod rayleigh_common;

use manifold::{Manifold, Sphere, Stiefel};
use optim::check::{check_gradient, check_hessian, check_hessian_symmetry};
use optim::{HessianProblem, Problem};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rayleigh_common::Rayleigh;

/// Wraps a problem and corrupts its gradient or Hessian on purpose.
struct Corrupt<P> {
    inner: P,
    grad_error: f64,
    hess_error: f64,
}

impl<P: Problem> Problem for Corrupt<P> {
    fn cost(&mut self, x: &[f64]) -> f64 {
        self.inner.cost(x)
    }
    fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let f = self.inner.cost_grad(x, g);
        // A small relative error in one coordinate.
        g[0] *= 1.0 + self.grad_error;
        f
    }
}

impl<P: HessianProblem> HessianProblem for Corrupt<P> {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.inner.ehess(x, u, out);
        out.iter_mut()
            .zip(u)
            .for_each(|(o, ui)| *o += self.hess_error * ui);
    }
}

/// f(X) = Σ X_ij⁴ on Stiefel: a non-quadratic cost with a curvature term.
struct Quartic;

impl Problem for Quartic {
    fn cost(&mut self, x: &[f64]) -> f64 {
        x.iter().map(|t| t.powi(4)).sum()
    }
    fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        g.iter_mut().zip(x).for_each(|(gi, t)| *gi = 4.0 * t.powi(3));
        self.cost(x)
    }
}

impl HessianProblem for Quartic {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        out.iter_mut()
            .zip(x.iter().zip(u))
            .for_each(|(o, (t, s))| *o = 12.0 * t * t * s);
    }
}

fn point_and_direction<M: Manifold>(m: &M, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = m.random_point(&mut rng);
    let d = m.random_tangent(x.as_slice(), &mut rng).unwrap();
    (x.as_slice().to_vec(), d.as_slice().to_vec())
}

#[test]
fn correct_derivatives_pass_with_the_expected_slopes() {
    let m = Sphere::new(15).unwrap();
    let mut p = Rayleigh::planted(15, 1);
    let (x, d) = point_and_direction(&m, 2);
    let g = check_gradient(&m, &mut p, &x, &d).unwrap();
    assert!(
        g.passed && (g.slope - 2.0).abs() < 0.05,
        "gradient slope {}",
        g.slope
    );
    let h = check_hessian(&m, &mut p, &x, &d).unwrap();
    assert!(
        h.passed && (h.slope - 3.0).abs() < 0.05,
        "Hessian slope {}",
        h.slope
    );

    let st = Stiefel::new(6, 3).unwrap();
    let (x, d) = point_and_direction(&st, 3);
    let g = check_gradient(&st, &mut Quartic, &x, &d).unwrap();
    assert!(
        g.passed && (g.slope - 2.0).abs() < 0.05,
        "Stiefel gradient slope {}",
        g.slope
    );
    let h = check_hessian(&st, &mut Quartic, &x, &d).unwrap();
    assert!(
        h.passed && (h.slope - 3.0).abs() < 0.05,
        "Stiefel Hessian slope {}",
        h.slope
    );
    let (_, e) = point_and_direction(&st, 3);
    let asym = check_hessian_symmetry(&st, &mut Quartic, &x, &d, &e).unwrap();
    assert!(asym <= 1e-12, "asymmetry {asym:e}");
}

#[test]
fn wrong_derivatives_are_rejected() {
    let m = Sphere::new(15).unwrap();
    let (x, d) = point_and_direction(&m, 4);
    let mut bad_grad = Corrupt {
        inner: Rayleigh::planted(15, 1),
        grad_error: 1e-3,
        hess_error: 0.0,
    };
    let g = check_gradient(&m, &mut bad_grad, &x, &d).unwrap();
    assert!(!g.passed, "a 0.1% gradient error must fail (slope {})", g.slope);
    assert!(
        (g.slope - 1.0).abs() < 0.2,
        "a wrong gradient gives slope 1, got {}",
        g.slope
    );

    let mut bad_hess = Corrupt {
        inner: Rayleigh::planted(15, 1),
        grad_error: 0.0,
        hess_error: 1e-2,
    };
    let h = check_hessian(&m, &mut bad_hess, &x, &d).unwrap();
    assert!(
        !h.passed && (h.slope - 2.0).abs() < 0.2,
        "a wrong Hessian gives slope 2, got {}",
        h.slope
    );
    // A non-symmetric error: the symmetry check sees it.
    let st = Stiefel::new(5, 2).unwrap();
    let (x, d) = point_and_direction(&st, 5);
    let (_, e) = point_and_direction(&st, 6);
    assert!(check_hessian_symmetry(&st, &mut Quartic, &x, &d, &e).unwrap() <= 1e-12);
    let asym = check_hessian_symmetry(&st, &mut Skew, &x, &d, &e).unwrap();
    assert!(asym > 1e-3, "a non-symmetric Hessian must show: {asym:e}");
}

/// Quartic with a non-symmetric error in its Hessian: out ← out + S·u with
/// S = e₀e₁ᵀ.
struct Skew;

impl Problem for Skew {
    fn cost(&mut self, x: &[f64]) -> f64 {
        Quartic.cost(x)
    }
    fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        Quartic.cost_grad(x, g)
    }
}

impl HessianProblem for Skew {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        Quartic.ehess(x, u, out);
        out[0] += 3.0 * u[1];
    }
}

#[test]
fn exact_models_are_detected() {
    // f(x) = ½xᵀAx on ℝⁿ: the second-order Taylor model is exact.
    let m = manifold::Euclidean::new(10).unwrap();
    let mut p = Rayleigh::planted(10, 2);
    let (x, d) = point_and_direction(&m, 7);
    let h = check_hessian(&m, &mut p, &x, &d).unwrap();
    assert!(h.exact && h.passed);
}

/// At a critical point (an eigenvector) the t³ term of the Hessian check
/// vanishes and the slope is 4: still a pass.
#[test]
fn checks_pass_at_critical_points() {
    let m = Sphere::new(10).unwrap();
    let mut p = Rayleigh::planted(10, 4);
    let x = p.eigenvector(3);
    let (_, d) = point_and_direction(&m, 9);
    let mut d = d;
    m.project(&x, &mut d).unwrap();
    let h = check_hessian(&m, &mut p, &x, &d).unwrap();
    assert!(h.passed, "slope {}", h.slope);
}

/// f(q) = −(1/(4m)) Σ_i (y_iᵀq)⁴ on the sphere: the ℓ⁴ objective of complete
/// dictionary learning (Qu19) over m Bernoulli–Gaussian samples y_i, with
/// the data scaled so that |f| is tiny; `grad_scale` and `hess_scale`
/// corrupt the derivatives on purpose when they differ from 1.
struct L4 {
    y: nalgebra::DMatrix<f64>,
    grad_scale: f64,
    hess_scale: f64,
}

impl L4 {
    /// n×m data, scaled so that |f(q)| = `level` at the given q.
    fn scaled(n: usize, m: usize, seed: u64, q: &[f64], level: f64) -> Self {
        use rand::RngExt;
        use rand_distr::{Distribution, StandardNormal};
        let mut rng = StdRng::seed_from_u64(seed);
        let y = nalgebra::DMatrix::from_fn(n, m, |_, _| {
            let active = rng.random_bool(0.3);
            let g: f64 = StandardNormal.sample(&mut rng);
            if active { g } else { 0.0 }
        });
        let mut l4 = Self {
            y,
            grad_scale: 1.0,
            hess_scale: 1.0,
        };
        let f = l4.cost(q).abs();
        l4.y *= (level / f).powf(0.25);
        l4
    }

    fn correlations(&self, v: &[f64]) -> nalgebra::DVector<f64> {
        self.y.tr_mul(&nalgebra::DVector::from_column_slice(v))
    }
}

impl Problem for L4 {
    fn cost(&mut self, q: &[f64]) -> f64 {
        let z = self.correlations(q);
        -z.iter().map(|t| t.powi(4)).sum::<f64>() / (4.0 * self.y.ncols() as f64)
    }
    fn cost_grad(&mut self, q: &[f64], g: &mut [f64]) -> f64 {
        let z = self.correlations(q);
        let m = self.y.ncols() as f64;
        let grad = &self.y * z.map(|t| t.powi(3)) * (-self.grad_scale / m);
        g.copy_from_slice(grad.as_slice());
        -z.iter().map(|t| t.powi(4)).sum::<f64>() / (4.0 * m)
    }
}

impl HessianProblem for L4 {
    fn ehess(&mut self, q: &[f64], u: &[f64], out: &mut [f64]) {
        let (z, w) = (self.correlations(q), self.correlations(u));
        let m = self.y.ncols() as f64;
        let h = &self.y * z.zip_map(&w, |a, b| a * a * b) * (-3.0 * self.hess_scale / m);
        out.copy_from_slice(h.as_slice());
    }
}

/// Issue 18: with |f| ~ 1e-6..1e-4 the old rounding floor 1e3·ε·max(|f₀|, 1)
/// hid most of the Taylor remainders and failed correct Hessians. The floor
/// now follows the measured noise: correct derivatives pass on 40 cases,
/// while a Hessian scaled by 1.1 and a gradient scaled by 1.1 still fail.
#[test]
fn tiny_costs_pass_and_wrong_derivatives_still_fail() {
    let (n, m) = (20, 200);
    let sphere = Sphere::new(n).unwrap();
    let (mut rejected, mut bad_hess_passed, mut bad_grad_passed) = (Vec::new(), Vec::new(), Vec::new());
    let mut lowest = (f64::INFINITY, f64::INFINITY);
    for seed in 0..40u64 {
        let (x, d) = point_and_direction(&sphere, 1000 + seed);
        // log10 |f| spread over [-6, -4].
        let level = 10f64.powf(-6.0 + 2.0 * seed as f64 / 39.0);
        let mut f = L4::scaled(n, m, seed, &x, level);
        assert!((f.cost(&x).abs() / level - 1.0).abs() < 1e-12);
        let g = check_gradient(&sphere, &mut f, &x, &d).unwrap();
        let h = check_hessian(&sphere, &mut f, &x, &d).unwrap();
        // The floor follows the cost's scale (the fixed one was ≈ 2e-13).
        assert!(
            h.floor[0] <= 1e-12 * level && h.noise <= 1e-13 * level,
            "seed {seed}: floor {:e}, noise {:e} for |f| = {level:e}",
            h.floor[0],
            h.noise
        );
        lowest = (lowest.0.min(g.slope), lowest.1.min(h.slope));
        if !g.passed || !h.passed {
            rejected.push((seed, g.slope, h.slope));
        }
        f.hess_scale = 1.1;
        let bad = check_hessian(&sphere, &mut f, &x, &d).unwrap();
        if bad.passed {
            bad_hess_passed.push((seed, bad.slope));
        }
        f.hess_scale = 1.0;
        f.grad_scale = 1.1;
        let bad = check_gradient(&sphere, &mut f, &x, &d).unwrap();
        if bad.passed {
            bad_grad_passed.push((seed, bad.slope));
        }
    }
    eprintln!(
        "l4, 40 cases: lowest slopes {:.3} (gradient), {:.3} (Hessian); correct rejected {}, \
         wrong Hessian passed {}, wrong gradient passed {}",
        lowest.0,
        lowest.1,
        rejected.len(),
        bad_hess_passed.len(),
        bad_grad_passed.len()
    );
    assert!(
        rejected.is_empty(),
        "correct derivatives failed (seed, slopes): {rejected:?}"
    );
    assert!(
        bad_hess_passed.is_empty(),
        "a Hessian scaled by 1.1 passed: {bad_hess_passed:?}"
    );
    assert!(
        bad_grad_passed.is_empty(),
        "a gradient scaled by 1.1 passed: {bad_grad_passed:?}"
    );
}
