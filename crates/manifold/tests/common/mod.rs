//! Generic property checks shared by the manifold test binaries.
#![allow(dead_code)]

use manifold::{InverseRetraction, Manifold, Retraction, Vector, VectorTransport};
use rand::SeedableRng;
use rand::rngs::StdRng;

pub fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// A random point and a random tangent vector of norm `len` at it.
pub fn point_and_step<M: Manifold>(m: &M, seed: u64, len: f64) -> (Vector, Vector) {
    let mut r = rng(seed);
    let x = m.random_point(&mut r);
    let v = m.random_tangent(x.as_slice(), &mut r).unwrap() * len;
    (x, v)
}

pub fn retract<M: Manifold, R: Retraction<M>>(m: &M, r: &R, x: &Vector, v: &Vector) -> Vector {
    let mut out = m.zero_tangent();
    r.retract(m, x.as_slice(), v.as_slice(), out.as_mut_slice())
        .unwrap();
    out
}

pub fn rel_err(a: &Vector, b: &Vector) -> f64 {
    (a - b).norm() / b.norm().max(1e-300)
}

/// The retraction's defining properties at (x, v):
/// stays on M (1e-12), R_x(0) = x exactly, dR_x(0) = id (central
/// differences, relative error ≤ 1e-6).
pub fn check_retraction<M: Manifold, R: Retraction<M>>(m: &M, r: &R, x: &Vector, v: &Vector) {
    let y = retract(m, r, x, v);
    m.check_point(y.as_slice(), 1e-12)
        .expect("retraction leaves the manifold");

    let y0 = retract(m, r, x, &m.zero_tangent());
    assert_eq!(y0, *x, "R_x(0) must be x exactly");

    let t = 1e-6;
    let u = v / v.norm();
    let d = (retract(m, r, x, &(&u * t)) - retract(m, r, x, &(&u * -t))) / (2.0 * t);
    let err = rel_err(&d, &u);
    assert!(err <= 1e-6, "dR_x(0)[u] != u: relative error {err:e}");
}

/// R_x^{-1}(R_x(v)) = v (≤ 1e-10 relative) and R_x(R_x^{-1}(y)) = y.
pub fn check_inverse<M: Manifold, R: InverseRetraction<M>>(m: &M, r: &R, x: &Vector, v: &Vector) {
    let y = retract(m, r, x, v);
    let mut w = m.zero_tangent();
    r.inverse_retract(m, x.as_slice(), y.as_slice(), w.as_mut_slice())
        .unwrap();
    let err = rel_err(&w, v);
    assert!(err <= 1e-10, "inverse retraction error {err:e}");
    m.check_tangent(x.as_slice(), w.as_slice(), 1e-12).unwrap();
    let mut z = m.zero_tangent();
    r.inverse_retract(m, x.as_slice(), x.as_slice(), z.as_mut_slice())
        .unwrap();
    assert!(z.norm() <= 1e-14, "R_x^-1(x) = {:e}, not 0", z.norm());
}

/// Transported vectors are tangent at the target; optionally an isometry.
pub fn check_transport<M: Manifold, T: VectorTransport<M>>(
    m: &M,
    t: &T,
    x: &Vector,
    y: &Vector,
    u: &Vector,
    v: &Vector,
    isometry: bool,
) {
    let mut tu = m.zero_tangent();
    let mut tv = m.zero_tangent();
    t.transport(m, x.as_slice(), y.as_slice(), u.as_slice(), tu.as_mut_slice())
        .unwrap();
    t.transport(m, x.as_slice(), y.as_slice(), v.as_slice(), tv.as_mut_slice())
        .unwrap();
    let dev = m.tangent_deviation(y.as_slice(), tu.as_slice());
    assert!(dev <= 1e-12, "transported vector not tangent: {dev:e}");
    if isometry {
        let before = m.inner(x.as_slice(), u.as_slice(), v.as_slice());
        let after = m.inner(y.as_slice(), tu.as_slice(), tv.as_slice());
        // Relative to ‖u‖‖v‖, the size of the rounding: an absolute 1e-12
        // failed at ⟨u, v⟩ ≈ 9.7 after a step of length ≈ 10 (6.6e-11).
        let scale = (m.inner(x.as_slice(), u.as_slice(), u.as_slice())
            * m.inner(x.as_slice(), v.as_slice(), v.as_slice()))
        .sqrt()
        .max(1.0);
        assert!(
            (before - after).abs() <= 1e-10 * scale,
            "inner product changed: {before} -> {after}"
        );
    }
}
