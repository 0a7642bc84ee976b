//! The convolution engine against direct O(mn) sums, and adjointness.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sasd::conv::{Convolver, Plan, Plan1d, Plan2d};

mod common;
use common::{direct, dot, norm, random};

fn assert_close(got: &[f64], want: &[f64]) {
    let err: f64 = got
        .iter()
        .zip(want)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    assert!(
        err <= 1e-12 * norm(want).max(1e-300),
        "error {err:e}, norm {}",
        norm(want)
    );
}

/// Cyclic convolution of a length-n kernel with a length-m signal, its two
/// adjoints (∇_x-type correlation to length m, ∇_a-type to length n).
fn check_1d(m: usize, n: usize, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (a, x, r) = (random(&mut rng, n), random(&mut rng, m), random(&mut rng, m));
    let mut c = Convolver::cyclic_1d(m).unwrap();
    let mut w = vec![0.0; m];
    c.conv((&a, n), (&x, m), (&mut w, m)).unwrap();
    assert_close(&w, &direct((&a, (n, 1)), (&x, (m, 1)), (m, 1), (m, 1)));
    assert_eq!(c.ffts(), 3);
    // ⟨a ⊛ x, r⟩ = ⟨x, ǎ ⊛ r⟩ = ⟨a, ι*(x̌ ⊛ r)⟩.
    let (mut gx, mut ga) = (vec![0.0; m], vec![0.0; n]);
    c.corr((&a, n), (&r, m), (&mut gx, m)).unwrap();
    c.corr((&x, m), (&r, m), (&mut ga, n)).unwrap();
    let lhs = dot(&w, &r);
    let scale = norm(&w) * norm(&r);
    assert!((lhs - dot(&x, &gx)).abs() <= 1e-12 * scale);
    assert!((lhs - dot(&a, &ga)).abs() <= 1e-12 * scale);
}

fn check_2d((m1, m2): (usize, usize), (n1, n2): (usize, usize), seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (a, x, r) = (
        random(&mut rng, n1 * n2),
        random(&mut rng, m1 * m2),
        random(&mut rng, m1 * m2),
    );
    let mut c = Convolver::cyclic_2d((m1, m2)).unwrap();
    let mut w = vec![0.0; m1 * m2];
    c.conv((&a, (n1, n2)), (&x, (m1, m2)), (&mut w, (m1, m2)))
        .unwrap();
    assert_close(&w, &direct((&a, (n1, n2)), (&x, (m1, m2)), (m1, m2), (m1, m2)));
    let (mut gx, mut ga) = (vec![0.0; m1 * m2], vec![0.0; n1 * n2]);
    c.corr((&a, (n1, n2)), (&r, (m1, m2)), (&mut gx, (m1, m2)))
        .unwrap();
    c.corr((&x, (m1, m2)), (&r, (m1, m2)), (&mut ga, (n1, n2)))
        .unwrap();
    let lhs = dot(&w, &r);
    let scale = norm(&w) * norm(&r);
    assert!((lhs - dot(&x, &gx)).abs() <= 1e-12 * scale);
    assert!((lhs - dot(&a, &ga)).abs() <= 1e-12 * scale);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn cyclic_1d_matches_direct_sum(m in 2usize..300, frac in 0.0f64..1.0, seed in 0u64..1000) {
        let n = 1 + ((m - 1) as f64 * frac) as usize;
        check_1d(m, n.min(m - 1), seed);
    }

    #[test]
    fn cyclic_2d_matches_direct_sum(
        m1 in 2usize..24, m2 in 2usize..24, f1 in 0.0f64..1.0, f2 in 0.0f64..1.0, seed in 0u64..1000,
    ) {
        let n1 = (1 + ((m1 - 1) as f64 * f1) as usize).min(m1 - 1);
        let n2 = (1 + ((m2 - 1) as f64 * f2) as usize).min(m2 - 1);
        check_2d((m1, m2), (n1, n2), seed);
    }

    #[test]
    fn linear_1d_has_no_wraparound(m in 1usize..200, n in 1usize..60, seed in 0u64..1000) {
        let mut rng = StdRng::seed_from_u64(seed);
        let (a, x, r) = (random(&mut rng, n), random(&mut rng, m), random(&mut rng, m + n - 1));
        let mut c = Convolver::linear_1d(m, n).unwrap();
        let len = c.plan().samples();
        prop_assert!(len >= m + n - 1);
        let mut w = vec![0.0; m + n - 1];
        c.conv((&a, n), (&x, m), (&mut w, m + n - 1)).unwrap();
        // The full linear convolution equals the cyclic one on a torus too
        // large to wrap.
        assert_close(&w, &direct((&a, (n, 1)), (&x, (m, 1)), (m + n - 1, 1), (m + n - 1, 1)));
        let mut gx = vec![0.0; m];
        c.corr((&a, n), (&r, m + n - 1), (&mut gx, m)).unwrap();
        prop_assert!((dot(&w, &r) - dot(&x, &gx)).abs() <= 1e-12 * norm(&w) * norm(&r));
    }
}

#[test]
fn prime_and_odd_sizes() {
    for (k, &(m, n)) in [(97, 13), (101, 100), (1009, 298), (211, 1), (2, 1), (255, 77)]
        .iter()
        .enumerate()
    {
        check_1d(m, n, k as u64);
    }
    for (k, &(m, n)) in [
        ((31, 17), (5, 3)),
        ((13, 29), (12, 1)),
        ((64, 15), (7, 9)),
        ((3, 2), (1, 1)),
    ]
    .iter()
    .enumerate()
    {
        check_2d(m, n, k as u64);
    }
}

#[test]
fn linear_2d_has_no_wraparound() {
    let mut rng = StdRng::seed_from_u64(7);
    let ((m1, m2), (n1, n2)) = ((23, 11), (5, 4));
    let (o1, o2) = (m1 + n1 - 1, m2 + n2 - 1);
    let (a, x) = (random(&mut rng, n1 * n2), random(&mut rng, m1 * m2));
    let mut c = Convolver::linear_2d((m1, m2), (n1, n2)).unwrap();
    assert_eq!(c.plan().shape(), (27, 15));
    let mut w = vec![0.0; o1 * o2];
    c.conv((&a, (n1, n2)), (&x, (m1, m2)), (&mut w, (o1, o2)))
        .unwrap();
    assert_close(&w, &direct((&a, (n1, n2)), (&x, (m1, m2)), (o1, o2), (o1, o2)));
}

#[test]
fn parseval_matches_the_direct_norm() {
    let mut rng = StdRng::seed_from_u64(3);
    for m in [7usize, 8, 100, 101] {
        let v = random(&mut rng, m);
        let mut p = Plan1d::new(m).unwrap();
        let mut s = vec![Default::default(); p.spectrum_len()];
        p.forward(&v, m, &mut s);
        let got = sasd::conv::parseval_norm_sq(&p, &s);
        assert!((got - dot(&v, &v)).abs() <= 1e-13 * dot(&v, &v));
    }
    for shape in [(7usize, 5usize), (8, 6), (9, 4), (16, 16)] {
        let v = random(&mut rng, shape.0 * shape.1);
        let mut p = Plan2d::new(shape).unwrap();
        let mut s = vec![Default::default(); p.spectrum_len()];
        p.forward(&v, shape, &mut s);
        let got = sasd::conv::parseval_norm_sq(&p, &s);
        assert!((got - dot(&v, &v)).abs() <= 1e-13 * dot(&v, &v));
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(Convolver::cyclic_1d(0).is_err());
    assert!(Convolver::cyclic_2d((4, 0)).is_err());
    let mut c = Convolver::cyclic_1d(8).unwrap();
    let mut w = vec![0.0; 8];
    // Kernel longer than the plan, wrong buffer length, non-finite entry.
    assert!(c.conv((&[1.0; 9], 9), (&[1.0; 8], 8), (&mut w, 8)).is_err());
    assert!(c.conv((&[1.0; 3], 4), (&[1.0; 8], 8), (&mut w, 8)).is_err());
    assert!(c.conv((&[f64::NAN; 3], 3), (&[1.0; 8], 8), (&mut w, 8)).is_err());
    assert_eq!(c.ffts(), 0);
}
