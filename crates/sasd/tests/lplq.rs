//! The ℓ^p–ℓ^q formulation (ZLK+19, eq. 31): values against direct sums,
//! joint Taylor checks on (ℓ^q sphere) × ℝ^m, FFT counts, bad input.

use manifold::{Euclidean, Product};
use optim::TwoBlockSmooth;
use optim::check::check_gradient;
use sasd::SasdError;
use sasd::objective::{BilinearLasso, LpLq};

mod common;
use common::{Joint, direct_model, random, rng, sparse};

#[test]
fn values_and_gradients_for_several_p() {
    let (m, n) = (180, 15);
    let mut r = rng(1);
    let y = random(&mut r, m);
    let x = sparse(&mut r, m, 0.2);
    for (p, q) in [(2.0, 2.0), (3.0, 4.0), (4.0, 3.0), (1.5, 2.0)] {
        let mut f = LpLq::new(&y, n, p, q).unwrap();
        let lq = f.manifold().unwrap();
        let mut a = random(&mut r, n);
        let norm = a.iter().map(|t| t.abs().powf(q)).sum::<f64>().powf(1.0 / q);
        a.iter_mut().for_each(|t| *t /= norm);
        let model = direct_model(&a, (n, 1), &x, (m, 1));
        let want: f64 = y
            .iter()
            .zip(&model)
            .map(|(yi, mi)| (mi - yi).abs().powf(p) / p)
            .sum();
        f.fix_a(&a);
        assert!((f.value_x(&x) - want).abs() <= 1e-11 * want, "p = {p}");
        if p == 2.0 {
            // p = 2 is the Bilinear Lasso without bias.
            let mut bl = BilinearLasso::new(&y, n).unwrap();
            bl.fix_a(&a);
            assert!((bl.value_x(&x) - want).abs() <= 1e-11 * want);
        }
        let product = Product::new(lq, Euclidean::new(m).unwrap());
        let mut joint = Joint { smooth: f, a_len: n };
        let point: Vec<f64> = a.iter().chain(&x).copied().collect();
        let report = check_gradient(&product, &mut joint, &point, &random(&mut r, n + m)).unwrap();
        eprintln!("lp-lq p = {p}, q = {q}: gradient slope {:.3}", report.slope);
        assert!(report.passed, "p = {p}: slope {}", report.slope);
    }
}

#[test]
fn fft_counts() {
    let (m, n) = (100, 7);
    let mut r = rng(2);
    let y = random(&mut r, m);
    let mut f = LpLq::new(&y, n, 3.0, 2.0).unwrap();
    let (a, x, w) = (random(&mut r, n), random(&mut r, m), random(&mut r, m));
    let mut g = vec![0.0; m];
    f.fix_a(&a);
    let start = f.ffts();
    f.value_x(&x);
    assert_eq!(f.ffts() - start, 2);
    f.grad_x(&w, &mut g);
    assert_eq!(f.ffts() - start, 6);
}

#[test]
fn bad_input() {
    let y = vec![1.0; 20];
    assert!(matches!(
        LpLq::new(&y, 4, 0.5, 2.0),
        Err(SasdError::InvalidParameter { name: "p", .. })
    ));
    assert!(matches!(
        LpLq::new(&y, 4, 2.0, 0.9),
        Err(SasdError::InvalidParameter { name: "q", .. })
    ));
    assert!(matches!(
        LpLq::new(&y, 4, f64::NAN, 2.0),
        Err(SasdError::InvalidParameter { .. })
    ));
    assert!(matches!(
        LpLq::new(&y, 20, 2.0, 2.0),
        Err(SasdError::KernelTooLong { .. })
    ));
    let f = LpLq::new(&y, 4, 2.0, 2.0).unwrap();
    assert!(matches!(
        f.into_composite(0.0, sasd::objective::lasso_penalty(20, None, false).unwrap()),
        Err(SasdError::InvalidLambda(_))
    ));
}
