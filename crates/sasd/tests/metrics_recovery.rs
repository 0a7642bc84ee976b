//! Recovery metrics: exact zeros on the symmetries of SaSD (shift, sign,
//! scale, permutation), hand-computed values elsewhere, typed errors on bad
//! input.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sasd::metrics::{
    MetricError, Sign, SignRule, activation_error, activation_error_2d, cdl_kernel_errors,
    cdl_kernel_errors_2d, kernel_alignment, kernel_alignment_2d, kernel_error, kernel_error_2d, match_spikes,
    spike_scores,
};
use sasd::synth::{Shape, random_sphere_kernel};

fn random_kernel(n: usize, seed: u64) -> Vec<f64> {
    random_sphere_kernel(Shape::d1(n), &mut StdRng::seed_from_u64(seed)).unwrap()
}

/// `v` placed at `offset` inside `len` zeros, times `scale`.
fn embed(v: &[f64], offset: usize, len: usize, scale: f64) -> Vec<f64> {
    let mut out = vec![0.0; len];
    out[offset..offset + v.len()]
        .iter_mut()
        .zip(v)
        .for_each(|(o, x)| *o = scale * x);
    out
}

#[test]
fn shifted_flipped_and_scaled_copies_have_zero_kernel_error() {
    let n0 = 20;
    let a0 = random_kernel(n0, 1);
    // The lifted length 3n0 − 2 of the solver, a0 sitting at offset 5, sign flipped, scaled.
    let a_hat = embed(&a0, 5, 3 * n0 - 2, -3.7);
    let m = kernel_alignment(&a0, &a_hat).unwrap();
    assert!(m.error < 1e-12, "{}", m.error);
    assert_eq!(m.shift, (5, 0));
    assert_eq!(m.sign, Sign::Minus);
    // Length n0 (after shift correction): identical copy.
    assert!(kernel_error(&a0, &a0).unwrap() < 1e-12);
    // An estimate shorter than a0 sitting inside it.
    let long = embed(&a0, 3, n0 + 6, 1.0);
    let m = kernel_alignment(&long, &a0).unwrap();
    assert!(m.error < 1e-12);
    assert_eq!((m.shift, m.sign), ((-3, 0), Sign::Plus));
}

#[test]
fn kernel_error_known_values() {
    // a0 = (3, 4)/5, â = (4, 3)/5: relative shifts give 16/25, 24/25, 9/25 → 1 − 0.96.
    let e = kernel_error(&[3.0, 4.0], &[4.0, 3.0]).unwrap();
    assert!((e - 0.04).abs() < 1e-15, "{e}");
    // (1, 0) against (1, 1)/√2: 1 − 1/√2.
    let e = kernel_error(&[1.0, 0.0], &[1.0, 1.0]).unwrap();
    assert!((e - (1.0 - 0.5f64.sqrt())).abs() < 1e-15);
    // A length-n0 estimate that is a0 shifted by one with its last entry lost:
    // cos = (1 − a_last²)/√(1 − a_last²) = √(1 − a_last²).
    let a0 = random_kernel(10, 4);
    let mut a_hat = vec![0.0; 10];
    a_hat[1..].copy_from_slice(&a0[..9]);
    let expected = 1.0 - (1.0 - a0[9] * a0[9]).sqrt();
    let m = kernel_alignment(&a0, &a_hat).unwrap();
    assert!((m.error - expected).abs() < 1e-14, "{} vs {expected}", m.error);
    assert_eq!(m.shift, (1, 0));
}

#[test]
fn kernel_error_is_invariant_under_shift_and_symmetric() {
    let n0 = 16;
    let a0 = random_kernel(n0, 2);
    // A perturbed estimate, placed at every offset of the lifted window.
    let noise = random_kernel(n0, 3);
    let est: Vec<f64> = a0.iter().zip(&noise).map(|(a, e)| a + 0.3 * e).collect();
    let reference = kernel_error(&a0, &est).unwrap();
    assert!(reference > 1e-3);
    for offset in 0..=2 * n0 - 2 {
        let e = kernel_error(&a0, &embed(&est, offset, 3 * n0 - 2, 1.0)).unwrap();
        assert!(
            (e - reference).abs() < 1e-14,
            "offset {offset}: {e} vs {reference}"
        );
    }
    assert!((kernel_error(&est, &a0).unwrap() - reference).abs() < 1e-14);
}

#[test]
fn two_d_kernel_error_uses_two_d_shifts() {
    let shape = Shape::d2(5, 4);
    let a0 = random_sphere_kernel(shape, &mut StdRng::seed_from_u64(6)).unwrap();
    // −a0 placed at (2, 3) in a 9 × 8 window, row-major.
    let big = Shape::d2(9, 8);
    let mut a_hat = vec![0.0; big.len()];
    for r in 0..5 {
        for c in 0..4 {
            a_hat[(r + 2) * 8 + (c + 3)] = -a0[r * 4 + c];
        }
    }
    let m = kernel_alignment_2d(&a0, shape, &a_hat, big).unwrap();
    assert!(m.error < 1e-12);
    assert_eq!((m.shift, m.sign), ((2, 3), Sign::Minus));
    // Independent random kernels are far apart at every 2-D shift.
    let other = random_sphere_kernel(shape, &mut StdRng::seed_from_u64(7)).unwrap();
    let e2 = kernel_error_2d(&a0, shape, &other, shape).unwrap();
    assert!(e2 > 0.1);
    // 1-D data through the 2-D function agrees with the 1-D function.
    let (u, v) = (random_kernel(7, 8), random_kernel(12, 9));
    assert_eq!(
        kernel_error(&u, &v).unwrap(),
        kernel_error_2d(&u, Shape::d1(7), &v, Shape::d1(12)).unwrap()
    );
}

#[test]
fn activation_error_over_cyclic_shifts_and_signs() {
    let m = 200;
    let mut rng = StdRng::seed_from_u64(10);
    let x0: Vec<f64> = (0..m)
        .map(|_| {
            if rng.random_bool(0.05) {
                rng.random_range(0.5..2.0)
            } else {
                0.0
            }
        })
        .collect();
    // x̂ = −s_7[x0], x̂[i] = −x0[i − 7]: undone by ℓ = −7 ≡ 193 and sign −1.
    let x_hat: Vec<f64> = (0..m).map(|i| -x0[(i + m - 7) % m]).collect();
    for rule in [SignRule::Fixed(Sign::Minus), SignRule::Best] {
        let e = activation_error(&x0, &x_hat, rule).unwrap();
        assert!(e.absolute < 1e-14);
        assert_eq!((e.shift, e.sign), ((193, 0), Sign::Minus));
    }
    // The paper's metric keeps the sign: the flipped estimate is far.
    let e = activation_error(&x0, &x_hat, SignRule::Fixed(Sign::Plus)).unwrap();
    assert!(e.relative > 0.9);
    // Hand case: x0 = e_0, x̂ = 0.5·e_1 → best ℓ = −1, ‖x0 − 0.5 x0‖ = 0.5.
    let e = activation_error(
        &[1.0, 0.0, 0.0, 0.0],
        &[0.0, 0.5, 0.0, 0.0],
        SignRule::Fixed(Sign::Plus),
    )
    .unwrap();
    assert!((e.absolute - 0.5).abs() < 1e-15 && (e.relative - 0.5).abs() < 1e-15);
    assert_eq!(e.shift, (3, 0));
    // x0 = (3, 4), x̂ = 0: relative error 1.
    let e = activation_error(&[3.0, 4.0], &[0.0, 0.0], SignRule::Best).unwrap();
    assert_eq!((e.absolute, e.relative), (5.0, 1.0));
    // 2-D: a shift by (1, 2) on a 4 × 5 grid.
    let shape = Shape::d2(4, 5);
    let x0: Vec<f64> = (0..20)
        .map(|i| if i % 7 == 0 { i as f64 + 1.0 } else { 0.0 })
        .collect();
    let mut x_hat = vec![0.0; 20];
    for r in 0..4 {
        for c in 0..5 {
            x_hat[((r + 1) % 4) * 5 + (c + 2) % 5] = x0[r * 5 + c];
        }
    }
    let e = activation_error_2d(&x0, &x_hat, shape, SignRule::Fixed(Sign::Plus)).unwrap();
    assert!(e.absolute < 1e-14);
    assert_eq!(e.shift, (3, 3));
}

#[test]
fn exact_spikes_score_one() {
    let x0: Vec<f64> = (0..100).map(|i| if i % 9 == 3 { 1.0 } else { 0.0 }).collect();
    let s = spike_scores(&x0, &x0, 0.5, 0).unwrap();
    assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
    assert_eq!(s.true_positives, 11);
}

#[test]
fn spike_scores_with_misses_false_alarms_and_jitter() {
    // Truth at 10, 20, 30, 45; tolerance ±2.
    let mut x0 = vec![0.0; 60];
    for t in [10, 20, 30, 45] {
        x0[t] = 1.0;
    }
    let mut x_hat = vec![0.0; 60];
    x_hat[12] = 0.9; // jitter +2 (edge of the window): hit for 10
    x_hat[23] = 0.8; // jitter +3 for 20: outside, so 20 is missed and 23 is a false alarm
    x_hat[30] = 1.0; // exact: hit for 30
    x_hat[31] = 0.6; // a second detection near 30: one-to-one, so a false alarm
    x_hat[50] = 0.7; // false alarm
    x_hat[40] = 0.05; // below the threshold: not a detection
    x_hat[46] = -0.9; // magnitude counts: hit for 45
    let s = spike_scores(&x0, &x_hat, 0.1, 2).unwrap();
    assert_eq!(
        (s.true_positives, s.false_positives, s.false_negatives),
        (3, 3, 1)
    );
    assert!((s.precision - 0.5).abs() < 1e-15);
    assert!((s.recall - 0.75).abs() < 1e-15);
    assert!((s.f1 - 0.6).abs() < 1e-15);
    // The matching is maximum, not nearest-first: 11 is nearest to 12, but using
    // it for 12 would leave 10 unmatched.
    let s = match_spikes(&[10, 12], &[11, 13], 1);
    assert_eq!((s.true_positives, s.f1), (2, 1.0));
    // Degenerate cases stay finite.
    let s = match_spikes(&[], &[], 3);
    assert_eq!((s.precision, s.recall, s.f1), (1.0, 1.0, 1.0));
    let s = match_spikes(&[5], &[], 3);
    assert_eq!((s.precision, s.recall, s.f1), (1.0, 0.0, 0.0));
}

#[test]
fn cdl_matching_recovers_the_permutation() {
    let n0 = 12;
    for (n, seed) in [(3usize, 20u64), (8, 21), (11, 22)] {
        let truth: Vec<Vec<f64>> = (0..n).map(|k| random_kernel(n0, seed * 100 + k as u64)).collect();
        let mut rng = StdRng::seed_from_u64(seed);
        // A random permutation (Fisher–Yates); estimate perm[k] is a signed shift of truth k.
        let mut perm: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            perm.swap(i, rng.random_range(0..=i));
        }
        let mut estimates = vec![Vec::new(); n];
        for k in 0..n {
            let noise = random_kernel(n0, 999 + k as u64);
            let noisy: Vec<f64> = truth[k].iter().zip(&noise).map(|(a, e)| a + 1e-3 * e).collect();
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            estimates[perm[k]] = embed(&noisy, k % 5, 3 * n0 - 2, sign);
        }
        let matched = cdl_kernel_errors(&truth, &estimates).unwrap();
        assert_eq!(matched.assignment, perm, "N = {n}");
        assert!(matched.max_error() < 1e-5, "N = {n}: {:?}", matched.errors);
    }
    // 2-D: two 3 × 3 kernels swapped.
    let shape = Shape::d2(3, 3);
    let truth: Vec<Vec<f64>> = (0..2)
        .map(|k| random_sphere_kernel(shape, &mut StdRng::seed_from_u64(k)).unwrap())
        .collect();
    let estimates = vec![truth[1].clone(), truth[0].clone()];
    let matched = cdl_kernel_errors_2d(&truth, shape, &estimates, shape).unwrap();
    assert_eq!(matched.assignment, vec![1, 0]);
    assert!(matched.max_error() < 1e-12);
}

#[test]
fn bad_input_is_a_typed_error() {
    let a = [1.0, 2.0];
    assert!(matches!(kernel_error(&[], &a), Err(MetricError::Empty { .. })));
    assert!(matches!(
        kernel_error(&a, &[f64::NAN, 1.0]),
        Err(MetricError::NonFinite { .. })
    ));
    assert!(matches!(
        kernel_error(&a, &[0.0, 0.0]),
        Err(MetricError::ZeroVector { .. })
    ));
    assert!(matches!(
        kernel_error_2d(&a, Shape::d2(2, 2), &a, Shape::d1(2)),
        Err(MetricError::LengthMismatch { .. })
    ));
    assert!(matches!(
        activation_error(&a, &[1.0], SignRule::Best),
        Err(MetricError::LengthMismatch { .. })
    ));
    assert!(matches!(
        activation_error(&[0.0, 0.0], &a, SignRule::Best),
        Err(MetricError::ZeroVector { .. })
    ));
    assert!(matches!(
        spike_scores(&a, &a, -1.0, 1),
        Err(MetricError::InvalidParameter { .. })
    ));
    assert!(matches!(
        spike_scores(&a, &a, f64::NAN, 1),
        Err(MetricError::InvalidParameter { .. })
    ));
    assert!(matches!(
        spike_scores(&a, &[1.0, f64::INFINITY], 0.5, 1),
        Err(MetricError::NonFinite { .. })
    ));
    let none: Vec<Vec<f64>> = vec![];
    assert!(matches!(
        cdl_kernel_errors(&none, &none),
        Err(MetricError::Empty { .. })
    ));
    assert!(matches!(
        cdl_kernel_errors(&[a], &[a, a]),
        Err(MetricError::LengthMismatch { .. })
    ));
    // Huge or tiny but finite entries neither overflow nor give a NaN.
    let e = kernel_error(&[1e300, 1e300], &[1e300, -1e300]).unwrap();
    assert!((e - 0.5).abs() < 1e-15, "{e}");
    // Both shifts are orthogonal: ‖(0, 2e300)‖ = 2e300, relative √2.
    let e = activation_error(&[1e300, 1e300], &[1e300, -1e300], SignRule::Best).unwrap();
    assert!(
        (e.relative - 2f64.sqrt()).abs() < 1e-15 && (e.absolute / 2e300 - 1.0).abs() < 1e-15,
        "{e:?}"
    );
}
