//! Property tests (proptest) of every manifold × retraction × transport:
//! retractions stay on the manifold, fix zero, have identity differential and
//! are inverted by their inverses; transports land in the target tangent
//! space and parallel transport is an isometry; exp/log consistency; the
//! distance is symmetric and matches step lengths. Also the Stiefel
//! exponential and logarithm, product distances and the power manifold.

mod common;

use common::{check_inverse, check_retraction, check_transport, point_and_step, retract};
use manifold::{
    Addition, Distance, Euclidean, Exponential, InverseRetraction, LqSphere, Manifold, Normalize, Oblique,
    ParallelTransport, Polar, Power, PowerOf, Product, ProductOf, ProjectionTransport, Qr, Sphere, Stiefel,
    Vector, product,
};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;

/// Runs the full battery for one manifold and one retraction with an inverse.
fn battery<M: Manifold, R: InverseRetraction<M>>(
    m: &M,
    r: &R,
    seed: u64,
    len: f64,
    isometric_transport: bool,
) {
    let (x, v) = point_and_step(m, seed, len);
    check_retraction(m, r, &x, &v);
    check_inverse(m, r, &x, &v);
    let y = retract(m, r, &x, &v);
    let mut rng = common::rng(seed.wrapping_add(7));
    let u = m.random_tangent(x.as_slice(), &mut rng).unwrap();
    check_transport(m, &ProjectionTransport, &x, &y, &u, &v, false);
    if isometric_transport {
        check_transport(m, &M::Transport::default(), &x, &y, &u, &v, true);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { rng_seed: RngSeed::Fixed(1), ..ProptestConfig::with_cases(64) })]

    #[test]
    fn sphere_exponential(seed in any::<u64>(), n in 2usize..40, len in 1e-3..3.0f64) {
        let m = Sphere::new(n).unwrap();
        battery(&m, &Exponential, seed, len, true);
        check_transport_parallel(&m, seed, len);
    }

    #[test]
    fn sphere_normalize(seed in any::<u64>(), n in 2usize..40, len in 1e-3..10.0f64) {
        battery(&Sphere::new(n).unwrap(), &Normalize, seed, len, true);
    }

    #[test]
    fn frobenius_sphere(seed in any::<u64>(), r in 1usize..8, c in 2usize..8, len in 1e-3..3.0f64) {
        let m = Sphere::matrix(r, c).unwrap();
        battery(&m, &Exponential, seed, len, true);
        battery(&m, &Normalize, seed, len, true);
    }

    #[test]
    fn oblique(seed in any::<u64>(), n in 2usize..20, k in 1usize..6, len in 1e-3..3.0f64) {
        let m = Oblique::new(n, k).unwrap();
        battery(&m, &Exponential, seed, len, true);
        battery(&m, &Normalize, seed, len, true);
        check_transport_parallel(&m, seed, len);
    }

    #[test]
    fn euclidean(seed in any::<u64>(), n in 1usize..40, len in 1e-3..100.0f64) {
        let m = Euclidean::new(n).unwrap();
        battery(&m, &Addition, seed, len, true);
        battery(&m, &Exponential, seed, len, true);
    }

    #[test]
    fn lq_sphere(seed in any::<u64>(), n in 2usize..30, q in 1.2..6.0f64, len in 1e-3..2.0f64) {
        battery(&LqSphere::new(n, q).unwrap(), &Normalize, seed, len, false);
    }

    #[test]
    fn stiefel_polar(seed in any::<u64>(), n in 2usize..9, p in 1usize..9, len in 1e-3..1.0f64) {
        let p = p.min(n);
        battery(&Stiefel::new(n, p).unwrap(), &Polar, seed, len, false);
    }

    #[test]
    fn stiefel_qr(seed in any::<u64>(), n in 2usize..9, p in 1usize..9, len in 1e-3..1.0f64) {
        let m = Stiefel::new(n, p.min(n)).unwrap();
        let (x, v) = point_and_step(&m, seed, len);
        check_retraction(&m, &Qr, &x, &v);
    }

    #[test]
    fn product_sphere_euclidean(seed in any::<u64>(), n in 2usize..20, k in 1usize..20, len in 1e-3..2.0f64) {
        let m = Product::new(Sphere::new(n).unwrap(), Euclidean::new(k).unwrap());
        battery(&m, &ProductOf(Exponential, Addition), seed, len, true);
        battery(&m, &ProductOf(Normalize, Addition), seed, len, true);
    }

    #[test]
    fn sphere_exp_log_and_distance(seed in any::<u64>(), n in 2usize..30, len in 1e-6..3.1f64) {
        let m = Sphere::new(n).unwrap();
        let (x, v) = point_and_step(&m, seed, len);
        let y = retract(&m, &Exponential, &x, &v);
        // d(x, Exp_x(v)) = ‖v‖ below the injectivity radius π.
        let d = m.dist(x.as_slice(), y.as_slice()).unwrap();
        prop_assert!((d - len).abs() <= 1e-12 * len.max(1.0), "dist {d} vs {len}");
        let back = m.dist(y.as_slice(), x.as_slice()).unwrap();
        prop_assert_eq!(d, back);
        // Exp_x(Log_x(y)) = y.
        let mut w = m.zero_tangent();
        Exponential.inverse_retract(&m, x.as_slice(), y.as_slice(), w.as_mut_slice()).unwrap();
        let z = retract(&m, &Exponential, &x, &w);
        prop_assert!((z - &y).norm() <= 1e-12);
    }

    /// Log_x(−x) is undefined (every direction is a shortest geodesic): the
    /// logarithm refuses it, also when rounding leaves −x a few ulps off the
    /// antipode, instead of returning a vector of length π/ε.
    #[test]
    fn sphere_log_refuses_the_antipode(seed in any::<u64>(), n in 2usize..200, wobble in 0.0..4.0f64) {
        let m = Sphere::new(n).unwrap();
        let mut r = common::rng(seed);
        let x = m.random_point(&mut r);
        let mut y = -&x;
        // A perturbation of a few ulps, as rounding leaves it.
        let k = (seed as usize) % n;
        y[k] += wobble * f64::EPSILON * y[k].abs().max(1e-300);
        let mut w = m.zero_tangent();
        let res = Exponential.inverse_retract(&m, x.as_slice(), y.as_slice(), w.as_mut_slice());
        prop_assert!(
            matches!(res, Err(manifold::ManifoldError::OutsideDomain { .. })),
            "Log_x(-x) gave {:?} with |w| = {:e}", res, w.norm()
        );
    }

    #[test]
    fn oblique_distance_symmetry(seed in any::<u64>(), n in 2usize..10, k in 1usize..5) {
        let m = Oblique::new(n, k).unwrap();
        let mut r = common::rng(seed);
        let (x, y) = (m.random_point(&mut r), m.random_point(&mut r));
        let d1 = m.dist(x.as_slice(), y.as_slice()).unwrap();
        let d2 = m.dist(y.as_slice(), x.as_slice()).unwrap();
        prop_assert_eq!(d1, d2);
        prop_assert!(d1 >= 0.0 && d1 <= std::f64::consts::PI * (k as f64).sqrt() + 1e-12);
        prop_assert_eq!(m.dist(x.as_slice(), x.as_slice()).unwrap(), 0.0);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { rng_seed: RngSeed::Fixed(1), ..ProptestConfig::with_cases(48) })]

    /// The full battery for the Stiefel exponential and its Newton logarithm.
    #[test]
    fn stiefel_exponential(seed in any::<u64>(), n in 2usize..9, p in 1usize..9, len in 1e-3..2.5f64) {
        battery(&Stiefel::new(n, p.min(n)).unwrap(), &Exponential, seed, len, false);
    }

    /// Exp stays on St(n, p) to 1e-10 for short and long steps alike.
    #[test]
    fn stiefel_exp_stays_on_the_manifold(seed in any::<u64>(), n in 2usize..12, p in 1usize..12, len in 1e-3..50.0f64) {
        let n = n.max(p);
        let m = Stiefel::new(n, p).unwrap();
        let (x, v) = point_and_step(&m, seed, len);
        let y = retract(&m, &Exponential, &x, &v);
        let dev = m.point_deviation(y.as_slice());
        prop_assert!(dev <= 1e-10, "off St({n}, {p}) by {dev:e} after a step of {len}");
    }

    /// t ↦ Exp_X(tV) is a geodesic of the embedded metric: constant speed ‖V‖
    /// and an acceleration normal to the manifold (P_Y γ'' = 0), which tells
    /// it apart from the canonical metric's geodesics.
    #[test]
    fn stiefel_exp_is_a_geodesic(seed in any::<u64>(), n in 2usize..9, p in 1usize..9, len in 0.1..3.0f64) {
        let m = Stiefel::new(n, p.min(n)).unwrap();
        let (x, v) = point_and_step(&m, seed, len);
        let h = 1e-3;
        let at = |t: f64| retract(&m, &Exponential, &x, &(&v * t));
        let (before, y, after) = (at(1.0 - h), at(1.0), at(1.0 + h));
        let speed = ((&after - &before) / (2.0 * h)).norm();
        prop_assert!((speed - len).abs() <= 1e-5 * len, "speed {speed} vs {len}");
        let mut acc = (&after - &y * 2.0 + &before) / (h * h);
        let acc_norm = acc.norm();
        m.project(y.as_slice(), acc.as_mut_slice()).unwrap();
        prop_assert!(acc.norm() <= 1e-5 * acc_norm.max(len * len), "tangential acceleration {:e}", acc.norm());
    }

    /// log(X, exp(X, V)) = V to 1e-8 below the tested radius; the distance
    /// is ‖V‖, symmetric, and zero at X.
    #[test]
    fn stiefel_log_and_distance(seed in any::<u64>(), n in 2usize..9, p in 1usize..9, len in 1e-6..Stiefel::LOG_TESTED_RADIUS) {
        let m = Stiefel::new(n, p.min(n)).unwrap();
        let (x, v) = point_and_step(&m, seed, len);
        let y = retract(&m, &Exponential, &x, &v);
        let mut w = m.zero_tangent();
        Exponential.inverse_retract(&m, x.as_slice(), y.as_slice(), w.as_mut_slice()).unwrap();
        prop_assert!((&w - &v).norm() <= 1e-8, "log error {:e}", (&w - &v).norm());
        m.check_tangent(x.as_slice(), w.as_slice(), 1e-12).unwrap();
        let d = m.dist(x.as_slice(), y.as_slice()).unwrap();
        let back = m.dist(y.as_slice(), x.as_slice()).unwrap();
        prop_assert!((d - len).abs() <= 1e-8, "dist {d} vs {len}");
        prop_assert!((d - back).abs() <= 1e-10, "dist not symmetric: {d} vs {back}");
        prop_assert_eq!(m.dist(x.as_slice(), x.as_slice()).unwrap(), 0.0);
    }

    /// The product distance is (d₁² + d₂²)^{1/2}: along a product geodesic it
    /// is the step length; symmetric and zero at x.
    #[test]
    fn product_distance(seed in any::<u64>(), n in 2usize..8, p in 1usize..4, k in 1usize..6, len in 1e-4..2.5f64) {
        let m = Product::new(Stiefel::new(n.max(p), p).unwrap(), Sphere::new(k + 1).unwrap());
        let (x, v) = point_and_step(&m, seed, len);
        let y = retract(&m, &ProductOf(Exponential, Exponential), &x, &v);
        let d = m.dist(x.as_slice(), y.as_slice()).unwrap();
        prop_assert!((d - len).abs() <= 1e-10 * len.max(1.0), "dist {d} vs {len}");
        let (x1, x2) = m.split(x.as_slice());
        let (y1, y2) = m.split(y.as_slice());
        let by_parts = m.first.dist(x1, y1).unwrap().hypot(m.second.dist(x2, y2).unwrap());
        prop_assert_eq!(d, by_parts);
        let back = m.dist(y.as_slice(), x.as_slice()).unwrap();
        prop_assert!((d - back).abs() <= 1e-10, "{d} vs {back}");
        prop_assert_eq!(m.dist(x.as_slice(), x.as_slice()).unwrap(), 0.0);

        let e = Product::new(Sphere::new(k + 1).unwrap(), Euclidean::new(n).unwrap());
        let mut r = common::rng(seed);
        let (a, b) = (e.random_point(&mut r), e.random_point(&mut r));
        let (a1, a2) = e.split(a.as_slice());
        let (b1, b2) = e.split(b.as_slice());
        let euclid: f64 = a2.iter().zip(b2).map(|(s, t)| (s - t) * (s - t)).sum();
        let expected = (e.first.dist(a1, b1).unwrap().powi(2) + euclid).sqrt();
        let d = e.dist(a.as_slice(), b.as_slice()).unwrap();
        prop_assert!((d - expected).abs() <= 1e-12 * expected.max(1.0), "{d} vs {expected}");
    }

    /// Sphere^k: the full battery, and it agrees with Oblique(n, k) (the same
    /// manifold written by hand) on projection, Hessian conversion and distance.
    #[test]
    fn power_of_spheres(seed in any::<u64>(), n in 2usize..12, k in 1usize..6, len in 1e-3..3.0f64) {
        let m = Power::new(Sphere::new(n).unwrap(), k).unwrap();
        battery(&m, &PowerOf(Exponential), seed, len, true);
        battery(&m, &PowerOf(Normalize), seed, len, true);
        check_transport_parallel_with(&m, &PowerOf(Exponential), &PowerOf(ParallelTransport), seed, len);
        power_invariants(&m, seed);
        let ob = Oblique::new(n, k).unwrap();
        let mut r = common::rng(seed);
        let (x, y) = (m.random_point(&mut r), m.random_point(&mut r));
        let (g, u) = (manifold::gaussian_vector(n * k, &mut r), m.random_tangent(x.as_slice(), &mut r).unwrap());
        let (mut p1, mut p2) = (g.clone(), g.clone());
        m.project(x.as_slice(), p1.as_mut_slice()).unwrap();
        ob.project(x.as_slice(), p2.as_mut_slice()).unwrap();
        prop_assert!((&p1 - &p2).norm() <= 1e-14 * g.norm());
        let (mut h1, mut h2) = (g.clone(), g.clone());
        m.ehess_to_rhess(x.as_slice(), y.as_slice(), u.as_slice(), h1.as_mut_slice()).unwrap();
        ob.ehess_to_rhess(x.as_slice(), y.as_slice(), u.as_slice(), h2.as_mut_slice()).unwrap();
        prop_assert!((&h1 - &h2).norm() <= 1e-14 * g.norm());
        let (d1, d2) = (m.dist(x.as_slice(), y.as_slice()).unwrap(), ob.dist(x.as_slice(), y.as_slice()).unwrap());
        prop_assert!((d1 - d2).abs() <= 1e-14 * d2.max(1.0), "{d1} vs {d2}");
        prop_assert_eq!(m.dim(), ob.dim());
    }

    /// St(n, p)^k with the polar and exponential retractions; the power's
    /// distance is the step length along its exponential.
    #[test]
    fn power_of_stiefel(seed in any::<u64>(), n in 2usize..7, p in 1usize..4, k in 1usize..4, len in 1e-3..2.0f64) {
        let m = Power::new(Stiefel::new(n.max(p), p).unwrap(), k).unwrap();
        battery(&m, &PowerOf(Polar), seed, len, false);
        battery(&m, &PowerOf(Exponential), seed, len, false);
        power_invariants(&m, seed);
        let (x, v) = point_and_step(&m, seed, len);
        let y = retract(&m, &PowerOf(Exponential), &x, &v);
        let d = m.dist(x.as_slice(), y.as_slice()).unwrap();
        prop_assert!((d - len).abs() <= 1e-10 * len.max(1.0), "dist {d} vs {len}");
    }

    /// A three-factor product from `product!` (nested `Product`s).
    #[test]
    fn nested_product(seed in any::<u64>(), n in 2usize..8, k in 1usize..8, len in 1e-3..2.0f64) {
        let m = product!(Sphere::new(n).unwrap(), Euclidean::new(k).unwrap(), Stiefel::new(n, 2.min(n)).unwrap());
        prop_assert_eq!(m.dim(), (n - 1) + k + m.second.second.dim());
        let r = ProductOf(Normalize, ProductOf(Addition, Polar));
        battery(&m, &r, seed, len, false);
        battery(&m, &ProductOf(Exponential, ProductOf(Exponential, Exponential)), seed, len, false);
        power_invariants(&m, seed);
    }
}

/// Points are valid, the projection is idempotent and lands in the tangent
/// space, and the default retraction stays on the manifold, to 1e-10.
fn power_invariants<M: Manifold>(m: &M, seed: u64) {
    let mut r = common::rng(seed ^ 0x5eed);
    let x = m.random_point(&mut r);
    m.check_point(x.as_slice(), 1e-10).unwrap();
    let mut once: Vector = manifold::gaussian_vector(m.ambient_dim(), &mut r);
    m.project(x.as_slice(), once.as_mut_slice()).unwrap();
    m.check_tangent(x.as_slice(), once.as_slice(), 1e-10).unwrap();
    let mut twice = once.clone();
    m.project(x.as_slice(), twice.as_mut_slice()).unwrap();
    assert!(
        (&twice - &once).norm() <= 1e-10 * once.norm().max(1.0),
        "projection is not idempotent"
    );
    let y = retract(m, &M::Retraction::default(), &x, &(once * 0.7));
    m.check_point(y.as_slice(), 1e-10).unwrap();
}

/// Parallel transport along the geodesic t ↦ Exp_x(t v) maps the velocity at
/// x to the velocity at the end point: P(v) = d/dt Exp_x(t v) at t = 1.
fn check_transport_parallel<M>(m: &M, seed: u64, len: f64)
where
    M: Manifold,
    Exponential: InverseRetraction<M>,
    ParallelTransport: manifold::VectorTransport<M>,
{
    check_transport_parallel_with(m, &Exponential, &ParallelTransport, seed, len);
}

/// [`check_transport_parallel`] for any pair of exponential map and parallel
/// transport strategies (e.g. their block-wise versions on a power manifold).
fn check_transport_parallel_with<M, E, T>(m: &M, exp: &E, parallel: &T, seed: u64, len: f64)
where
    M: Manifold,
    E: manifold::Retraction<M>,
    T: manifold::VectorTransport<M>,
{
    let (x, v) = point_and_step(m, seed, len.min(3.0));
    let y = retract(m, exp, &x, &v);
    let mut pv = m.zero_tangent();
    parallel
        .transport(m, x.as_slice(), y.as_slice(), v.as_slice(), pv.as_mut_slice())
        .unwrap();
    let h = 1e-6;
    let velocity =
        (retract(m, exp, &x, &(&v * (1.0 + h))) - retract(m, exp, &x, &(&v * (1.0 - h)))) / (2.0 * h);
    let err = (pv - &velocity).norm() / velocity.norm();
    assert!(
        err <= 1e-6,
        "parallel transport is not the geodesic's velocity: {err:e}"
    );
}
