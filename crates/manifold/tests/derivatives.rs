//! Riemannian gradients and Hessians from Euclidean ones, on every manifold,
//! for three test functions (a quadratic form, ‖x‖₄⁴, a cubic):
//! - the Riemannian gradient is tangent and gives the directional derivative
//!   of f along the retraction; on sphere, oblique and Stiefel it equals its
//!   closed form;
//! - the Riemannian Hessian-vector product matches central differences of the
//!   Riemannian gradient field along the retraction, projected back onto T_x M
//!   (relative error ≤ 1e-5).

mod common;

use common::{rel_err, retract};
use manifold::{
    Euclidean, LqSphere, Manifold, ManifoldError, Oblique, Power, Product, Retraction, Sphere, Stiefel,
    Vector, product,
};
use nalgebra::DMatrix;
use rand::RngExt;

/// A smooth function on the ambient space with its Euclidean derivatives.
trait TestFn {
    fn f(&self, x: &Vector) -> f64;
    fn grad(&self, x: &Vector) -> Vector;
    fn hess(&self, x: &Vector, u: &Vector) -> Vector;
}

/// ½ xᵀ A x with A symmetric.
struct Quadratic(DMatrix<f64>);
/// Σ x_i⁴.
struct Quartic;
/// Σ c_i x_i³.
struct Cubic(Vector);

impl TestFn for Quadratic {
    fn f(&self, x: &Vector) -> f64 {
        0.5 * x.dot(&(&self.0 * x))
    }
    fn grad(&self, x: &Vector) -> Vector {
        &self.0 * x
    }
    fn hess(&self, _x: &Vector, u: &Vector) -> Vector {
        &self.0 * u
    }
}

impl TestFn for Quartic {
    fn f(&self, x: &Vector) -> f64 {
        x.iter().map(|t| t.powi(4)).sum()
    }
    fn grad(&self, x: &Vector) -> Vector {
        x.map(|t| 4.0 * t.powi(3))
    }
    fn hess(&self, x: &Vector, u: &Vector) -> Vector {
        x.zip_map(u, |t, s| 12.0 * t * t * s)
    }
}

impl TestFn for Cubic {
    fn f(&self, x: &Vector) -> f64 {
        x.iter().zip(self.0.iter()).map(|(t, c)| c * t.powi(3)).sum()
    }
    fn grad(&self, x: &Vector) -> Vector {
        x.zip_map(&self.0, |t, c| 3.0 * c * t * t)
    }
    fn hess(&self, x: &Vector, u: &Vector) -> Vector {
        x.zip_map(u, |t, s| t * s).zip_map(&self.0, |ts, c| 6.0 * c * ts)
    }
}

fn rgrad<M: Manifold>(m: &M, f: &dyn TestFn, x: &Vector) -> Vector {
    let mut g = f.grad(x);
    m.egrad_to_rgrad(x.as_slice(), g.as_mut_slice()).unwrap();
    g
}

fn rhess<M: Manifold>(m: &M, f: &dyn TestFn, x: &Vector, u: &Vector) -> Vector {
    let mut h = f.hess(x, u);
    m.ehess_to_rhess(x.as_slice(), f.grad(x).as_slice(), u.as_slice(), h.as_mut_slice())
        .unwrap();
    h
}

fn test_functions(d: usize, seed: u64) -> Vec<Box<dyn TestFn>> {
    let mut r = common::rng(seed);
    let b = DMatrix::from_fn(d, d, |_, _| r.random_range(-1.0..1.0));
    let c = Vector::from_fn(d, |_, _| r.random_range(-1.0..1.0));
    vec![
        Box::new(Quadratic(&b + b.transpose())),
        Box::new(Quartic),
        Box::new(Cubic(c)),
    ]
}

/// Gradient and Hessian consistency of one manifold for the three functions.
fn check_manifold<M: Manifold>(m: &M, seeds: std::ops::Range<u64>) {
    let r = M::Retraction::default();
    for seed in seeds {
        let (x, u) = common::point_and_step(m, seed, 1.0);
        for f in test_functions(m.ambient_dim(), seed) {
            let g = rgrad(m, f.as_ref(), &x);
            m.check_tangent(x.as_slice(), g.as_slice(), 1e-12).unwrap();

            // Directional derivative along the retraction curve.
            let t = 1e-5;
            let fd = (f.f(&retract(m, &r, &x, &(&u * t))) - f.f(&retract(m, &r, &x, &(&u * -t)))) / (2.0 * t);
            let exact = m.inner(x.as_slice(), g.as_slice(), u.as_slice());
            assert!(
                (fd - exact).abs() <= 1e-6 * (1.0 + exact.abs()),
                "{}: directional derivative {fd} vs {exact}",
                m.name()
            );

            // Hessian: derivative of the gradient field, projected onto T_x M.
            let t = 1e-4;
            let mut gp = rgrad(m, f.as_ref(), &retract(m, &r, &x, &(&u * t)));
            let mut gm = rgrad(m, f.as_ref(), &retract(m, &r, &x, &(&u * -t)));
            m.project(x.as_slice(), gp.as_mut_slice()).unwrap();
            m.project(x.as_slice(), gm.as_mut_slice()).unwrap();
            let fd = (gp - gm) / (2.0 * t);
            let h = rhess(m, f.as_ref(), &x, &u);
            m.check_tangent(x.as_slice(), h.as_slice(), 1e-12).unwrap();
            // Mixed relative/absolute: ‖x‖₄⁴ is constant on the ℓ⁴ sphere, where
            // the exact Hessian is zero and a pure relative error is meaningless.
            let err = (&h - &fd).norm() / fd.norm().max(1.0);
            assert!(err <= 1e-5, "{}: Hessian relative error {err:e}", m.name());
        }
    }
}

#[test]
fn sphere_hessians() {
    check_manifold(&Sphere::new(12).unwrap(), 0..5);
    check_manifold(&Sphere::matrix(4, 3).unwrap(), 5..10);
}

#[test]
fn oblique_hessians() {
    check_manifold(&Oblique::new(6, 4).unwrap(), 0..5);
}

#[test]
fn euclidean_hessians() {
    check_manifold(&Euclidean::new(9).unwrap(), 0..5);
}

#[test]
fn lq_sphere_hessians() {
    for q in [1.5, 2.0, 3.0, 4.0] {
        check_manifold(&LqSphere::new(10, q).unwrap(), 0..5);
    }
}

#[test]
fn stiefel_hessians() {
    check_manifold(&Stiefel::new(6, 3).unwrap(), 0..5);
    check_manifold(&Stiefel::new(4, 4).unwrap(), 5..10);
}

#[test]
fn product_hessians() {
    check_manifold(
        &Product::new(Sphere::new(5).unwrap(), Euclidean::new(4).unwrap()),
        0..5,
    );
    check_manifold(
        &Product::new(Oblique::new(3, 2).unwrap(), Stiefel::new(4, 2).unwrap()),
        5..10,
    );
}

#[test]
fn power_and_nested_product_hessians() {
    check_manifold(&Power::new(Stiefel::new(4, 2).unwrap(), 3).unwrap(), 0..5);
    check_manifold(&Power::new(LqSphere::new(5, 3.0).unwrap(), 2).unwrap(), 5..10);
    check_manifold(
        &product!(
            Sphere::new(4).unwrap(),
            Euclidean::new(3).unwrap(),
            Stiefel::new(3, 2).unwrap()
        ),
        10..15,
    );
}

/// grad f(x) = Ax − (xᵀAx)x for the Rayleigh quotient ½xᵀAx on the sphere,
/// column by column on the Oblique manifold.
#[test]
fn sphere_and_oblique_gradients_match_closed_form() {
    let (n, k) = (7, 3);
    let m = Oblique::new(n, k).unwrap();
    let mut r = common::rng(11);
    let x = m.random_point(&mut r);
    let b = DMatrix::from_fn(n, n, |_, _| r.random_range(-1.0..1.0));
    let a = &b + b.transpose();
    // f(X) = Σ_j ½ x_jᵀ A x_j, the block-diagonal quadratic.
    let mut egrad = Vector::zeros(n * k);
    let mut expected = Vector::zeros(n * k);
    for j in 0..k {
        let xj = x.rows(j * n, n);
        let axj = &a * xj;
        egrad.rows_mut(j * n, n).copy_from(&axj);
        expected.rows_mut(j * n, n).copy_from(&(&axj - xj * xj.dot(&axj)));
    }
    m.egrad_to_rgrad(x.as_slice(), egrad.as_mut_slice()).unwrap();
    assert!(rel_err(&egrad, &expected) <= 1e-14);
}

/// grad f(X) = AX − X·sym(XᵀAX) for f(X) = ½ tr(XᵀAX) on Stiefel.
#[test]
fn stiefel_gradient_matches_closed_form() {
    let (n, p) = (8, 3);
    let m = Stiefel::new(n, p).unwrap();
    let mut r = common::rng(3);
    let x = m.random_point(&mut r);
    let b = DMatrix::from_fn(n, n, |_, _| r.random_range(-1.0..1.0));
    let a = &b + b.transpose();
    let xm = DMatrix::from_column_slice(n, p, x.as_slice());
    let ax = &a * &xm;
    let xtax = xm.transpose() * &ax;
    let expected = &ax - &xm * ((&xtax + xtax.transpose()) * 0.5);
    let mut g = Vector::from_column_slice(ax.as_slice());
    m.egrad_to_rgrad(x.as_slice(), g.as_mut_slice()).unwrap();
    assert!(rel_err(&g, &Vector::from_column_slice(expected.as_slice())) <= 1e-14);
}

/// For 1 < q < 2 the ℓ^q sphere is not twice differentiable where a coordinate
/// vanishes: the Hessian conversion refuses instead of returning infinities.
#[test]
fn lq_sphere_hessian_refused_at_zero_coordinate_for_q_below_two() {
    let m = LqSphere::new(3, 1.5).unwrap();
    let x = [1.0, 0.0, 0.0];
    let u = [0.0, 1.0, 0.0];
    let mut h = [0.0, 0.5, 0.0];
    let err = m.ehess_to_rhess(&x, &[1.0, 1.0, 1.0], &u, &mut h).unwrap_err();
    assert!(matches!(err, ManifoldError::OutsideDomain { .. }));
    // q = 2 at the same point is the ordinary sphere: defined.
    let m2 = LqSphere::new(3, 2.0).unwrap();
    let mut h = [0.0, 0.5, 0.0];
    m2.ehess_to_rhess(&x, &[1.0, 1.0, 1.0], &u, &mut h).unwrap();
    assert_eq!(h, [0.0, -0.5, 0.0]);
    // Gradient and retraction still work for q < 2.
    let mut y = [0.0; 3];
    manifold::Normalize.retract(&m, &x, &u, &mut y).unwrap();
    m.check_point(&y, 1e-12).unwrap();
}
