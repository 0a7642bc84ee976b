//! Synthetic data: kernels match the formulas of LQK+20 (§5, eqs. 6.2–6.3)
//! at hand-computed samples, activations have the requested sparsity, and
//! observations are exactly `a0 ⊛ x0 + b·1` (+ noise of the requested level).

use rand::SeedableRng;
use rand::rngs::StdRng;
use sasd::synth::{
    ActivationLaw, Convolution, InstanceSpec, KernelSpec, Shape, StmMotif, SynthError, activation,
    ar1_kernel, ar2_kernel, convolve, gaussian_kernel_2d, gaussian_window, random_sphere_kernel,
};

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn assert_close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tol {tol})");
}

#[test]
fn gaussian_window_matches_the_formula_of_section_5() {
    // n0 = 5, σ = 0.5: exponents (2i − 6)² / (0.25 · 16) = 4, 1, 0, 1, 4.
    let g = gaussian_window(5, 0.5).unwrap();
    let raw = [(-4f64).exp(), (-1f64).exp(), 1.0, (-1f64).exp(), (-4f64).exp()];
    let scale = norm(&raw);
    for (gi, ri) in g.iter().zip(raw) {
        assert_close(*gi, ri / scale, 1e-15);
    }
    // The paper's coherent kernel g_{100, 0.5}: unit norm, symmetric, peak in the middle.
    let g = gaussian_window(100, 0.5).unwrap();
    assert_close(norm(&g), 1.0, 1e-14);
    assert!(g.iter().zip(g.iter().rev()).all(|(a, b)| (a - b).abs() < 1e-15));
    // i = 1 has (2i − n0 − 1)² = 99², i = 50 has 1.
    assert_close(g[0] / g[49], (-4f64).exp() / (-4.0 / 99f64.powi(2)).exp(), 1e-12);
    assert_eq!(gaussian_window(1, 0.5).unwrap(), vec![1.0]);
}

#[test]
fn ar1_kernel_is_a_sampled_normalised_exponential() {
    // τ = 0.25 s at 100 Hz: a[k] ∝ exp(−k/25); ‖·‖² = (1 − e^{−8}) / (1 − e^{−0.08}).
    let a = ar1_kernel(100, 0.25, 100.0).unwrap();
    assert_close(norm(&a), 1.0, 1e-14);
    let scale = ((1.0 - (-8f64).exp()) / (1.0 - (-0.08f64).exp())).sqrt();
    assert_close(a[0], 1.0 / scale, 1e-14);
    assert_close(a[10], (-0.4f64).exp() / scale, 1e-14);
    assert_close(a[99], (-3.96f64).exp() / scale, 1e-14);
}

#[test]
fn ar2_kernel_is_a_difference_of_exponentials_peaking_at_sample_7() {
    // τ1 = 0.2 s, τ2 = 0.03 s, 100 Hz: a[k] ∝ e^{−k/20} − e^{−k/3}. The continuous
    // peak is at ln(τ1/τ2)·τ1τ2/(τ1 − τ2) = 0.0670 s; f(6) = 0.60548 < f(7) = 0.60772.
    let a = ar2_kernel(100, 0.2, 0.03, 100.0).unwrap();
    assert_close(norm(&a), 1.0, 1e-14);
    assert_eq!(a[0], 0.0);
    let f = |k: f64| (-k / 20.0).exp() - (-k / 3.0).exp();
    assert_close(a[10] / a[1], f(10.0) / f(1.0), 1e-13);
    let peak = (0..100).max_by(|&i, &j| a[i].total_cmp(&a[j])).unwrap();
    assert_eq!(peak, 7);
    assert!(a.iter().all(|&v| v >= 0.0));
}

#[test]
fn two_d_gaussian_is_the_outer_product_of_windows_row_major() {
    let (rows, cols) = (4, 6);
    let k = gaussian_kernel_2d(rows, cols, 0.5).unwrap();
    let (gr, gc) = (
        gaussian_window(rows, 0.5).unwrap(),
        gaussian_window(cols, 0.5).unwrap(),
    );
    assert_eq!(k.len(), rows * cols);
    assert_close(norm(&k), 1.0, 1e-14);
    for r in 0..rows {
        for c in 0..cols {
            assert_close(k[r * cols + c], gr[r] * gc[c], 1e-15);
        }
    }
}

#[test]
fn stm_motif_is_a_signed_point_symmetric_dimer() {
    let motif = StmMotif::new(15, 15);
    let m = motif.generate().unwrap();
    assert_close(norm(&m), 1.0, 1e-14);
    // Two-fold (point) symmetry about the centre: reversing the column-major storage.
    assert!(m.iter().zip(m.iter().rev()).all(|(a, b)| (a - b).abs() < 1e-14));
    // A signed halo around the bright lobes.
    assert!(m.iter().any(|&v| v < -0.01) && m.iter().any(|&v| v > 0.1));
    // Not rotationally symmetric: the two lobes lie on the diagonal (angle π/4),
    // so the diagonal beats the anti-diagonal at the lobe distance.
    let at = |r: usize, c: usize| m[r + 15 * c];
    assert!(at(9, 9) > at(9, 5) + 0.05);
    // Invalid parameters are refused.
    let bad = StmMotif {
        wavelength: 0.0,
        ..motif
    };
    assert!(matches!(bad.generate(), Err(SynthError::InvalidParameter { .. })));
}

#[test]
fn random_kernels_are_unit_and_reproducible() {
    let draw = |seed| random_sphere_kernel(Shape::d2(8, 8), &mut StdRng::seed_from_u64(seed)).unwrap();
    let (a, b, c) = (draw(1), draw(1), draw(2));
    assert_close(norm(&a), 1.0, 1e-14);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn activation_sparsity_is_theta_within_a_binomial_bound() {
    let (m, theta) = (100_000usize, 0.05);
    // Five standard deviations of Binomial(m, θ): fails with probability < 1e-6.
    let bound = 5.0 * (m as f64 * theta * (1.0 - theta)).sqrt();
    let mut rng = StdRng::seed_from_u64(11);
    for law in [
        ActivationLaw::Bernoulli,
        ActivationLaw::BernoulliGaussian,
        ActivationLaw::BernoulliRademacher,
    ] {
        for shape in [Shape::d1(m), Shape::d2(250, 400)] {
            let x = activation(law, theta, shape, &mut rng).unwrap();
            assert_eq!(x.len(), m);
            let nnz = x.iter().filter(|v| **v != 0.0).count();
            assert!((nnz as f64 - theta * m as f64).abs() < bound, "{law:?}: {nnz}");
            match law {
                ActivationLaw::Bernoulli => assert!(x.iter().all(|&v| v == 0.0 || v == 1.0)),
                ActivationLaw::BernoulliRademacher => {
                    assert!(x.iter().all(|&v| v == 0.0 || v.abs() == 1.0));
                    let plus = x.iter().filter(|v| **v == 1.0).count() as f64;
                    assert!((plus - nnz as f64 / 2.0).abs() < 5.0 * (nnz as f64 / 4.0).sqrt());
                }
                ActivationLaw::BernoulliGaussian => {
                    // Non-zero amplitudes are N(0, 1): second moment 1 within ~5 standard errors.
                    let second = x.iter().map(|v| v * v).sum::<f64>() / nnz as f64;
                    assert!((second - 1.0).abs() < 5.0 * (2.0 / nnz as f64).sqrt(), "{second}");
                }
            }
        }
    }
    assert!(matches!(
        activation(ActivationLaw::Bernoulli, 1.5, Shape::d1(10), &mut rng),
        Err(SynthError::InvalidParameter { .. })
    ));
}

/// Textbook 2-D convolution, written independently of the library:
/// `y[k1, k2] = Σ a[j1, j2] x[k1 − j1, k2 − j2]`, cyclic or with zero outside.
fn naive(a: &[f64], sa: Shape, x: &[f64], sx: Shape, cyclic: bool) -> Vec<f64> {
    // A row-major r×c array is the column-major c×r one: walk the transposes.
    let (sa, sx) = (Shape::d2(sa.cols(), sa.rows()), Shape::d2(sx.cols(), sx.rows()));
    let (or, oc) = if cyclic {
        (sx.rows(), sx.cols())
    } else {
        (sx.rows() + sa.rows() - 1, sx.cols() + sa.cols() - 1)
    };
    let mut y = vec![0.0; or * oc];
    for k2 in 0..oc {
        for k1 in 0..or {
            for j2 in 0..sa.cols() {
                for j1 in 0..sa.rows() {
                    let (i1, i2) = (k1 as isize - j1 as isize, k2 as isize - j2 as isize);
                    let (i1, i2) = if cyclic {
                        (
                            i1.rem_euclid(sx.rows() as isize),
                            i2.rem_euclid(sx.cols() as isize),
                        )
                    } else if i1 < 0 || i2 < 0 || i1 >= sx.rows() as isize || i2 >= sx.cols() as isize {
                        continue;
                    } else {
                        (i1, i2)
                    };
                    y[k1 + k2 * or] += a[j1 + j2 * sa.rows()] * x[i1 as usize + i2 as usize * sx.rows()];
                }
            }
        }
    }
    y
}

#[test]
fn observation_is_the_direct_convolution_plus_bias() {
    let cases = [
        (KernelSpec::RandomSphere(Shape::d1(7)), Shape::d1(50)),
        (
            KernelSpec::Ar2 {
                n0: 10,
                tau1: 0.2,
                tau2: 0.03,
                rate_hz: 100.0,
            },
            Shape::d1(40),
        ),
        (KernelSpec::RandomSphere(Shape::d2(3, 4)), Shape::d2(9, 11)),
        (KernelSpec::Stm(StmMotif::new(5, 5)), Shape::d2(12, 10)),
    ];
    for (kernel, signal) in cases {
        for model in [Convolution::Cyclic, Convolution::Linear] {
            let inst = InstanceSpec::new(kernel.clone(), signal)
                .activation(ActivationLaw::BernoulliGaussian, 0.2)
                .bias(1.5)
                .convolution(model)
                .generate_seeded(5)
                .unwrap();
            let expected = naive(
                inst.kernel(),
                inst.kernel_shape,
                inst.activation(),
                signal,
                model == Convolution::Cyclic,
            );
            assert_eq!(inst.observation.len(), expected.len());
            assert_eq!(inst.observation_shape.len(), expected.len());
            for (y, e) in inst.observation.iter().zip(&expected) {
                assert_close(*y, e + 1.5, 1e-13);
            }
            assert!(inst.activation().iter().any(|v| *v != 0.0));
        }
    }
    // Hand-computed 1-D cyclic case: a = [1, 2], x = [0, 0, 1, 0, 0, 3] (m = 6).
    let (y, shape) = convolve(
        &[1.0, 2.0],
        Shape::d1(2),
        &[0.0, 0.0, 1.0, 0.0, 0.0, 3.0],
        Shape::d1(6),
        Convolution::Cyclic,
    )
    .unwrap();
    assert_eq!(shape, Shape::d1(6));
    assert_eq!(y, vec![6.0, 0.0, 1.0, 2.0, 0.0, 3.0]);
    let (y, shape) = convolve(
        &[1.0, 2.0],
        Shape::d1(2),
        &[0.0, 0.0, 1.0, 0.0, 0.0, 3.0],
        Shape::d1(6),
        Convolution::Linear,
    )
    .unwrap();
    assert_eq!(shape, Shape::d1(7));
    assert_eq!(y, vec![0.0, 0.0, 1.0, 2.0, 0.0, 3.0, 6.0]);
}

#[test]
fn noise_has_the_requested_level_and_seeds_reproduce() {
    let spec = InstanceSpec::new(
        KernelSpec::Ar1 {
            n0: 100,
            tau: 0.25,
            rate_hz: 100.0,
        },
        Shape::d1(10_000),
    )
    .activation(ActivationLaw::Bernoulli, 100f64.powf(-0.8))
    .bias(1.0)
    .noise(5e-2);
    let inst = spec.generate_seeded(42).unwrap();
    assert_eq!(inst.seed, Some(42));
    let residual: Vec<f64> = inst
        .observation
        .iter()
        .zip(&inst.clean)
        .map(|(y, c)| y - c - 1.0)
        .collect();
    let mean = residual.iter().sum::<f64>() / residual.len() as f64;
    let std = (residual.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / residual.len() as f64).sqrt();
    // Standard error of the sample std is σ/√(2m) = 3.5e-4; allow 5 of them.
    assert_close(std, 5e-2, 5.0 * 5e-2 / (2.0 * 1e4f64).sqrt());
    assert_close(mean, 0.0, 5.0 * 5e-2 / 100.0);
    assert_eq!(spec.generate_seeded(42).unwrap(), inst);
    assert_ne!(spec.generate_seeded(43).unwrap().observation, inst.observation);
    // A caller RNG gives the same data as the same seed, without recording a seed.
    let via_rng = spec.generate(&mut StdRng::seed_from_u64(42)).unwrap();
    assert_eq!(via_rng.observation, inst.observation);
    assert_eq!(via_rng.seed, None);
}

#[test]
fn cdl_instance_sums_one_convolution_per_kernel() {
    let kernels = vec![KernelSpec::RandomSphere(Shape::d1(6)); 3];
    let inst = InstanceSpec::new(kernels[0].clone(), Shape::d1(60))
        .kernels(kernels)
        .activation(ActivationLaw::BernoulliRademacher, 0.1)
        .generate_seeded(9)
        .unwrap();
    assert_eq!(inst.kernels.len(), 3);
    assert_eq!(inst.activations.len(), 3);
    assert_ne!(inst.kernels[0], inst.kernels[1]);
    let mut expected = vec![0.0; 60];
    for (a, x) in inst.kernels.iter().zip(&inst.activations) {
        let part = naive(a, Shape::d1(6), x, Shape::d1(60), true);
        expected.iter_mut().zip(part).for_each(|(e, p)| *e += p);
    }
    for (y, e) in inst.observation.iter().zip(&expected) {
        assert_close(*y, *e, 1e-13);
    }
}

/// A specification and a test of the error it must produce.
type ErrorCase = (InstanceSpec, fn(&SynthError) -> bool);

#[test]
fn bad_specifications_are_typed_errors() {
    let random = |n| KernelSpec::RandomSphere(Shape::d1(n));
    let cases: Vec<ErrorCase> = vec![
        (InstanceSpec::new(random(20), Shape::d1(10)), |e| {
            matches!(e, SynthError::KernelTooLarge { .. })
        }),
        (InstanceSpec::new(random(0), Shape::d1(10)), |e| {
            matches!(e, SynthError::EmptyShape { .. })
        }),
        (InstanceSpec::new(random(3), Shape::d1(0)), |e| {
            matches!(e, SynthError::EmptyShape { .. })
        }),
        (InstanceSpec::new(random(3), Shape::d1(10)).noise(-1.0), |e| {
            matches!(e, SynthError::InvalidParameter { .. })
        }),
        (InstanceSpec::new(random(3), Shape::d1(10)).bias(f64::NAN), |e| {
            matches!(e, SynthError::InvalidParameter { .. })
        }),
        (InstanceSpec::new(random(3), Shape::d1(10)).kernels(vec![]), |e| {
            matches!(e, SynthError::NoKernel)
        }),
        (
            InstanceSpec::new(random(3), Shape::d1(10)).kernels(vec![random(3), random(4)]),
            |e| matches!(e, SynthError::LengthMismatch { .. }),
        ),
        (
            InstanceSpec::new(
                KernelSpec::Given {
                    data: vec![0.0; 3],
                    shape: Shape::d1(3),
                },
                Shape::d1(10),
            ),
            |e| matches!(e, SynthError::ZeroKernel { .. }),
        ),
        (
            InstanceSpec::new(
                KernelSpec::Given {
                    data: vec![1.0, f64::INFINITY],
                    shape: Shape::d1(2),
                },
                Shape::d1(10),
            ),
            |e| matches!(e, SynthError::NonFinite { .. }),
        ),
    ];
    for (spec, expected) in cases {
        let err = spec.generate_seeded(0).unwrap_err();
        assert!(expected(&err), "{spec:?} gave {err:?}");
    }
    assert!(matches!(
        ar2_kernel(10, 0.03, 0.2, 100.0),
        Err(SynthError::InvalidParameter { .. })
    ));
    assert!(matches!(
        ar2_kernel(1, 0.2, 0.03, 100.0),
        Err(SynthError::ZeroKernel { .. })
    ));
    assert!(matches!(
        ar1_kernel(10, 0.25, 0.0),
        Err(SynthError::InvalidParameter { .. })
    ));
    assert!(matches!(
        gaussian_window(10, f64::NAN),
        Err(SynthError::InvalidParameter { .. })
    ));
    assert!(matches!(
        convolve(&[1.0], Shape::d1(2), &[1.0], Shape::d1(1), Convolution::Linear),
        Err(SynthError::LengthMismatch { .. })
    ));
    // A linear model accepts a kernel longer than the signal.
    let (y, shape) = convolve(
        &[1.0, 1.0, 1.0],
        Shape::d1(3),
        &[2.0],
        Shape::d1(1),
        Convolution::Linear,
    )
    .unwrap();
    assert_eq!((y, shape), (vec![2.0, 2.0, 2.0], Shape::d1(3)));
}
