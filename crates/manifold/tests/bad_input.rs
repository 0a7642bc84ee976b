//! Bad input gives a typed error, never a panic or a silent NaN.

use manifold::{
    Addition, Distance, Euclidean, Exponential, InverseRetraction, LqSphere, Manifold, ManifoldError as E,
    Normalize, Oblique, ParallelTransport, Polar, Power, PowerOf, Product, ProductOf, Qr, Retraction, Sphere,
    Stiefel, VectorTransport,
};

#[test]
fn zero_dimensions_are_refused() {
    assert!(matches!(Sphere::new(0), Err(E::ZeroDimension { .. })));
    assert!(matches!(Sphere::matrix(3, 0), Err(E::ZeroDimension { .. })));
    assert!(matches!(Oblique::new(3, 0), Err(E::ZeroDimension { .. })));
    assert!(matches!(Oblique::new(0, 2), Err(E::ZeroDimension { .. })));
    assert!(matches!(Euclidean::new(0), Err(E::ZeroDimension { .. })));
    assert!(matches!(Stiefel::new(0, 0), Err(E::ZeroDimension { .. })));
    assert!(matches!(LqSphere::new(0, 3.0), Err(E::ZeroDimension { .. })));
}

#[test]
fn invalid_exponents_and_shapes_are_refused() {
    for q in [1.0, 0.5, -2.0, f64::NAN, f64::INFINITY] {
        assert!(
            matches!(LqSphere::new(4, q), Err(E::InvalidExponent { .. })),
            "q = {q}"
        );
    }
    assert_eq!(Stiefel::new(2, 3), Err(E::TooManyColumns { n: 2, p: 3 }));
}

#[test]
fn wrong_lengths_are_refused_everywhere() {
    let s = Sphere::new(3).unwrap();
    let x = [1.0, 0.0, 0.0];
    let short = [0.0, 1.0];
    let mut out = [0.0; 3];
    let mismatch = E::LengthMismatch {
        expected: 3,
        found: 2,
    };
    assert_eq!(s.project(&x, &mut [0.0, 1.0]), Err(mismatch.clone()));
    assert_eq!(
        Exponential.retract(&s, &x, &short, &mut out),
        Err(mismatch.clone())
    );
    assert_eq!(
        Normalize.inverse_retract(&s, &x, &short, &mut out),
        Err(mismatch.clone())
    );
    assert_eq!(
        ParallelTransport.transport(&s, &x, &x, &short, &mut out),
        Err(mismatch.clone())
    );
    assert_eq!(s.check_point(&short, 1e-12), Err(mismatch.clone()));
    assert_eq!(
        Exponential.retract(&s, &x, &[0.0; 3], &mut [0.0; 2]),
        Err(mismatch),
        "a short output is refused too"
    );
    let st = Stiefel::new(3, 2).unwrap();
    assert!(matches!(
        Polar.retract(&st, &[0.0; 6], &[0.0; 5], &mut [0.0; 6]),
        Err(E::LengthMismatch { .. })
    ));
}

#[test]
fn non_finite_entries_are_refused() {
    let s = Sphere::new(3).unwrap();
    let x = [1.0, 0.0, 0.0];
    let mut out = [0.0; 3];
    assert_eq!(
        s.check_point(&[1.0, f64::NAN, 0.0], 1e-12),
        Err(E::NonFinite { index: 1 })
    );
    assert_eq!(
        Exponential.retract(&s, &x, &[0.0, f64::NAN, 0.0], &mut out),
        Err(E::NonFinite { index: 1 })
    );
    assert_eq!(
        Normalize.retract(&s, &x, &[0.0, f64::INFINITY, 0.0], &mut out),
        Err(E::NonFinite { index: 1 })
    );
    let e = Euclidean::new(2).unwrap();
    assert_eq!(
        Addition.retract(&e, &[0.0, 0.0], &[f64::NAN, 0.0], &mut [0.0; 2]),
        Err(E::NonFinite { index: 0 })
    );
}

#[test]
fn normalising_to_zero_is_refused() {
    let s = Sphere::new(2).unwrap();
    let mut out = [0.0; 2];
    // x + v = 0 (v is not tangent, but the retraction must still not divide by 0).
    assert_eq!(
        Normalize.retract(&s, &[1.0, 0.0], &[-1.0, 0.0], &mut out),
        Err(E::ZeroVector { column: 0 })
    );
    let ob = Oblique::new(2, 2).unwrap();
    let mut out = [0.0; 4];
    assert_eq!(
        Normalize.retract(&ob, &[1.0, 0.0, 0.0, 1.0], &[0.0, 0.0, 0.0, -1.0], &mut out),
        Err(E::ZeroVector { column: 1 })
    );
    let lq = LqSphere::new(2, 3.0).unwrap();
    assert_eq!(
        Normalize.retract(&lq, &[1.0, 0.0], &[-1.0, 0.0], &mut [0.0; 2]),
        Err(E::ZeroVector { column: 0 })
    );
    let st = Stiefel::new(2, 1).unwrap();
    assert!(matches!(
        Qr.retract(&st, &[1.0, 0.0], &[-1.0, 0.0], &mut [0.0; 2]),
        Err(E::Singular { .. })
    ));
    assert!(matches!(
        Polar.retract(&st, &[1.0, 0.0], &[-1.0, 0.0], &mut [0.0; 2]),
        Err(E::Singular { .. })
    ));
}

#[test]
fn zero_steps_are_exact() {
    // The reference MATLAB code computes 0/0 here and returns NaN.
    let s = Sphere::new(3).unwrap();
    let x = [0.6, 0.0, 0.8];
    let mut out = [f64::NAN; 3];
    Exponential.retract(&s, &x, &[0.0; 3], &mut out).unwrap();
    assert_eq!(out, x);
    Normalize.retract(&s, &x, &[0.0; 3], &mut out).unwrap();
    assert_eq!(out, x);
    let mut v = [f64::NAN; 3];
    Exponential.inverse_retract(&s, &x, &x, &mut v).unwrap();
    assert_eq!(v, [0.0; 3]);
}

#[test]
fn undefined_inverses_and_transports_are_refused() {
    let s = Sphere::new(2).unwrap();
    let (x, y) = ([1.0, 0.0], [-1.0, 0.0]);
    let mut out = [0.0; 2];
    assert!(matches!(
        Exponential.inverse_retract(&s, &x, &y, &mut out),
        Err(E::OutsideDomain { .. })
    ));
    assert!(matches!(
        Normalize.inverse_retract(&s, &x, &[0.0, 1.0], &mut out),
        Err(E::OutsideDomain { .. })
    ));
    assert!(matches!(
        ParallelTransport.transport(&s, &x, &y, &[0.0, 1.0], &mut out),
        Err(E::OutsideDomain { .. })
    ));
    let lq = LqSphere::new(2, 4.0).unwrap();
    assert!(matches!(
        Normalize.inverse_retract(&lq, &x, &y, &mut out),
        Err(E::OutsideDomain { .. })
    ));
}

#[test]
fn off_manifold_points_and_non_tangent_vectors_are_reported() {
    let s = Sphere::new(2).unwrap();
    assert!(matches!(
        s.check_point(&[1.0, 1.0], 1e-12),
        Err(E::NotOnManifold { .. })
    ));
    assert!(matches!(
        s.check_tangent(&[1.0, 0.0], &[1.0, 1.0], 1e-12),
        Err(E::NotTangent { .. })
    ));
    let st = Stiefel::new(2, 2).unwrap();
    assert!(matches!(
        st.check_point(&[1.0, 0.0, 1.0, 0.0], 1e-12),
        Err(E::NotOnManifold { .. })
    ));
}

/// Q = [[1, 0], [0, 1], [0, 0]] and a tangent step at it, St(3, 2).
fn stiefel_frame() -> (Stiefel, [f64; 6], [f64; 6]) {
    let st = Stiefel::new(3, 2).unwrap();
    (
        st,
        [1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.3, 0.0, 0.0, -0.2],
    )
}

#[test]
fn stiefel_exponential_and_logarithm_refuse_bad_input() {
    let (st, x, v) = stiefel_frame();
    let mut out = [0.0; 6];
    assert_eq!(
        Exponential.retract(&st, &x, &v[..5], &mut out),
        Err(E::LengthMismatch {
            expected: 6,
            found: 5
        })
    );
    assert_eq!(
        Exponential.retract(&st, &x, &v, &mut [0.0; 7]),
        Err(E::LengthMismatch {
            expected: 6,
            found: 7
        })
    );
    let mut nan = v;
    nan[2] = f64::NAN;
    assert_eq!(
        Exponential.retract(&st, &x, &nan, &mut out),
        Err(E::NonFinite { index: 2 })
    );
    assert!(matches!(
        Exponential.retract(&st, &x, &[0.0, 0.0, 1e7, 0.0, 0.0, 0.0], &mut out),
        Err(E::OutsideDomain { .. })
    ));
    Exponential.retract(&st, &x, &v, &mut out).unwrap();
    let y = out;
    let mut log = [0.0; 6];
    assert_eq!(
        Exponential.inverse_retract(&st, &x, &y[..4], &mut log),
        Err(E::LengthMismatch {
            expected: 6,
            found: 4
        })
    );
    let mut inf = y;
    inf[5] = f64::INFINITY;
    assert_eq!(
        Exponential.inverse_retract(&st, &x, &inf, &mut log),
        Err(E::NonFinite { index: 5 })
    );
    assert_eq!(st.dist(&x, &inf), Err(E::NonFinite { index: 5 }));
    assert_eq!(
        st.dist(&x, &y[..3]),
        Err(E::LengthMismatch {
            expected: 6,
            found: 3
        })
    );
    // Off the manifold, the Newton iteration could not reach its tolerance.
    let mut off = y;
    off[0] += 1e-6;
    assert!(matches!(
        Exponential.inverse_retract(&st, &x, &off, &mut log),
        Err(E::NotOnManifold { .. })
    ));
    // −X: the chord ‖−X − X‖_F = 2√2 is below π but d(X, −X) is not (the
    // columns must turn by π each); Newton starts at P_X(−2X) = 0, where the
    // residual −2X is normal, so it cannot move and says so.
    let far = [-1.0, 0.0, 0.0, 0.0, -1.0, 0.0];
    assert!(matches!(
        Exponential.inverse_retract(&st, &x, &far, &mut log),
        Err(E::NotConverged { iterations: 1, .. })
    ));
    // On O(4), ‖−I − I‖_F = 4 ≥ π: beyond the injectivity radius at once.
    let st4 = Stiefel::new(4, 4).unwrap();
    let id: Vec<f64> = (0..16).map(|k| f64::from(u8::from(k % 5 == 0))).collect();
    let minus_id: Vec<f64> = id.iter().map(|t| -t).collect();
    assert!(matches!(
        Exponential.inverse_retract(&st4, &id, &minus_id, &mut [0.0; 16]),
        Err(E::OutsideDomain { .. })
    ));
    assert!(matches!(st4.dist(&id, &minus_id), Err(E::OutsideDomain { .. })));
}

#[test]
fn product_and_power_refuse_bad_input() {
    let m = Product::new(Sphere::new(2).unwrap(), Euclidean::new(2).unwrap());
    let x = [1.0, 0.0, 3.0, 4.0];
    assert_eq!(
        m.dist(&x, &x[..3]),
        Err(E::LengthMismatch {
            expected: 4,
            found: 3
        })
    );
    assert_eq!(
        m.dist(&x, &[1.0, 0.0, f64::NAN, 0.0]),
        Err(E::NonFinite { index: 2 })
    );
    // A factor's own refusal comes through.
    let st = Product::new(Stiefel::new(2, 2).unwrap(), Sphere::new(2).unwrap());
    let y = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    let minus = [-1.0, 0.0, 0.0, -1.0, 1.0, 0.0];
    assert!(matches!(st.dist(&y, &minus), Err(E::NotConverged { .. })));
    assert!(matches!(
        ProductOf(Exponential, Exponential).inverse_retract(&st, &y, &minus, &mut [0.0; 6]),
        Err(E::NotConverged { .. })
    ));

    assert!(matches!(
        Power::new(Sphere::new(3).unwrap(), 0),
        Err(E::ZeroDimension { .. })
    ));
    let p = Power::new(Sphere::new(2).unwrap(), 3).unwrap();
    let x = [1.0, 0.0, 0.0, 1.0, -1.0, 0.0];
    let mut out = [0.0; 6];
    let mismatch = E::LengthMismatch {
        expected: 6,
        found: 5,
    };
    assert_eq!(p.project(&x, &mut [0.0; 5]), Err(mismatch.clone()));
    assert_eq!(p.egrad_to_rgrad(&x[..5], &mut [0.0; 6]), Err(mismatch.clone()));
    assert_eq!(p.ehess_to_rhess(&x, &x, &x[..5], &mut out), Err(mismatch.clone()));
    assert_eq!(
        PowerOf(Exponential).retract(&p, &x, &[0.0; 5], &mut out),
        Err(mismatch.clone())
    );
    assert_eq!(
        PowerOf(Normalize).inverse_retract(&p, &x, &x, &mut [0.0; 5]),
        Err(mismatch.clone())
    );
    assert_eq!(
        PowerOf(ParallelTransport).transport(&p, &x, &x, &[0.0; 5], &mut out),
        Err(mismatch.clone())
    );
    assert_eq!(p.dist(&x, &x[..5]), Err(mismatch.clone()));
    assert_eq!(p.check_point(&x[..5], 1e-12), Err(mismatch));
    let mut nan = [0.0; 6];
    nan[4] = f64::NAN;
    assert_eq!(
        PowerOf(Exponential).retract(&p, &x, &nan, &mut out),
        Err(E::NonFinite { index: 4 })
    );
    assert_eq!(p.dist(&x, &nan), Err(E::NonFinite { index: 4 }));
    assert_eq!(p.check_point(&nan, 1e-12), Err(E::NonFinite { index: 4 }));
    // A block's own refusal comes through: antipodal third blocks.
    let antipodal = [1.0, 0.0, 0.0, 1.0, 1.0, 0.0];
    assert!(matches!(
        PowerOf(Exponential).inverse_retract(&p, &x, &antipodal, &mut out),
        Err(E::OutsideDomain { .. })
    ));
    assert!(matches!(
        p.check_point(&[1.0, 0.0, 0.0, 2.0, 1.0, 0.0], 1e-12),
        Err(E::NotOnManifold { .. })
    ));
}
