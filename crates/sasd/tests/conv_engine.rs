//! The convolution engine against direct O(mn) sums, and adjointness.

use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sasd::conv::{Complex64, Convolver, HALVES_FROM, Plan, Plan1d, Plan2d, SpectrumCache, Sums};
use std::sync::Mutex;

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

/// A hook's sums for a chunk: its energy (order-sensitive in its last
/// bits), where it starts, its length, and one per chunk.
fn chunk_sums(start: usize, chunk: &[Complex64]) -> Sums {
    let energy = chunk.iter().fold(0.0, |a, z| a + z.norm_sqr());
    [energy, start as f64, chunk.len() as f64, 1.0]
}

/// [`chunk_sums`] over `spec` in the plan's chunks, added in bin order:
/// what every hook's sums must be, bit for bit.
fn bin_order_sums<P: Plan>(plan: &P, spec: &[Complex64]) -> Sums {
    let len = plan.chunk_len();
    let mut acc = Sums::default();
    for (i, chunk) in spec.chunks(len).enumerate() {
        acc.iter_mut()
            .zip(chunk_sums(i * len, chunk))
            .for_each(|(a, s)| *a += s);
    }
    acc
}

/// The chunks a hook was handed, as (start, chunk): they must tile the
/// spectrum without gap or overlap.
fn tiled(seen: Mutex<Vec<(usize, Vec<Complex64>)>>, s: usize) -> Vec<Complex64> {
    let mut seen = seen.into_inner().unwrap();
    seen.sort_by_key(|(start, _)| *start);
    let mut all = Vec::new();
    for (start, chunk) in seen {
        assert_eq!(start, all.len(), "chunks tile the spectrum, no gap");
        all.extend(chunk);
    }
    assert_eq!(all.len(), s);
    all
}

/// The hooks of a plan compute the very transforms of `forward` and
/// `inverse`, bit for bit, hand out every chunk of the spectrum once, add
/// the chunks' sums in bin order, and count their FFTs.
fn check_hooks<P: Plan>(mut plan: P, small: P::Shape, seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let full = plan.shape();
    let s = plan.spectrum_len();
    let bits = |v: &[Complex64]| {
        v.iter()
            .map(|z| (z.re.to_bits(), z.im.to_bits()))
            .collect::<Vec<_>>()
    };
    let sum_bits = |v: Sums| v.map(f64::to_bits);
    let real_bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
    for shape in [full, small] {
        let v = random(&mut rng, P::count(shape));
        let mut want = vec![Complex64::default(); s];
        plan.forward(&v, shape, &mut want);
        let want_sums = sum_bits(bin_order_sums(&plan, &want));

        plan.reset_ffts();
        let mut got = vec![Complex64::default(); s];
        let seen = Mutex::new(Vec::new());
        let sums = plan.forward_visit(&v, shape, &mut got, &|start, chunk| {
            seen.lock().unwrap().push((start, chunk.to_vec()));
            chunk_sums(start, chunk)
        });
        assert_eq!(plan.ffts(), 1);
        assert_eq!(bits(&got), bits(&want));
        assert_eq!(
            bits(&tiled(seen, s)),
            bits(&want),
            "the chunks are the final spectrum"
        );
        assert_eq!(sum_bits(sums), want_sums, "forward_visit: sums in bin order");
        assert_eq!(sum_bits(plan.visit(&want, &chunk_sums)), want_sums, "visit");

        let mut keep = vec![0.0; v.len()];
        let mut got = vec![Complex64::default(); s];
        let sums = plan.forward_keep(&v, shape, &mut keep, &mut got, &chunk_sums);
        assert_eq!(plan.ffts(), 2);
        assert_eq!((bits(&got), real_bits(&keep)), (bits(&want), real_bits(&v)));
        assert_eq!(sum_bits(sums), want_sums, "forward_keep");

        // Inverse of a spectrum written chunk by chunk.
        for out_shape in [full, small] {
            let mut spec = want.clone();
            let mut expect = vec![0.0; P::count(out_shape)];
            plan.inverse(&mut spec, out_shape, &mut expect);
            let mut spec = vec![Complex64::new(f64::NAN, f64::NAN); s];
            let mut out = vec![0.0; P::count(out_shape)];
            let seen = Mutex::new(Vec::new());
            plan.reset_ffts();
            let sums = plan.inverse_fill(&mut spec, out_shape, &mut out, &|start, chunk| {
                chunk.copy_from_slice(&want[start..start + chunk.len()]);
                seen.lock().unwrap().push((start, chunk.to_vec()));
                chunk_sums(start, chunk)
            });
            assert_eq!(bits(&tiled(seen, s)), bits(&want));
            assert_eq!(plan.ffts(), 1);
            assert_eq!(real_bits(&out), real_bits(&expect));
            assert_eq!(sum_bits(sums), want_sums, "inverse_fill");

            // Forward, map, inverse in one sweep: with a map that doubles each
            // chunk, the forward-then-inverse of 2·F(v).
            let mut doubled: Vec<Complex64> = want.iter().map(|z| z * 2.0).collect();
            plan.inverse(&mut doubled, out_shape, &mut expect);
            let mut spec = vec![Complex64::default(); s];
            plan.reset_ffts();
            let sums =
                plan.forward_map_inverse((&v, shape), &mut spec, (&mut out, out_shape), &|start, chunk| {
                    assert_eq!(bits(chunk), bits(&want[start..start + chunk.len()]));
                    let sums = chunk_sums(start, chunk);
                    chunk.iter_mut().for_each(|z| *z *= 2.0);
                    sums
                });
            assert_eq!(plan.ffts(), 2);
            assert_eq!(real_bits(&out), real_bits(&expect));
            assert_eq!(sum_bits(sums), want_sums, "forward_map_inverse");
        }
    }
}

#[test]
fn plan_hooks_are_the_plain_transforms() {
    for (k, &(m, n)) in [(100usize, 7usize), (101, 13), (2, 1), (97, 96)]
        .iter()
        .enumerate()
    {
        check_hooks(Plan1d::new(m).unwrap(), n, k as u64);
    }
    for (k, &(m, n)) in [
        ((16usize, 16usize), (3usize, 4usize)),
        ((31, 17), (5, 3)),
        ((30, 27), (30, 9)),
        ((9, 40), (2, 17)),
        ((1, 12), (1, 3)),
    ]
    .iter()
    .enumerate()
    {
        check_hooks(Plan2d::new(m).unwrap(), n, 10 + k as u64);
        check_hooks(Plan2d::with_threads(m, 3).unwrap(), n, 10 + k as u64);
    }
}

/// Long 1-D transforms run as two half transforms on two threads, their
/// hooks on chunks shared among the threads: they still match the direct
/// sums and their adjoints, their hooks see the plain transforms, and one
/// thread gives the same bits (transforms and hook sums) as three.
#[test]
fn long_1d_transforms_in_halves() {
    check_1d(HALVES_FROM, 9, 1);
    check_hooks(Plan1d::new(HALVES_FROM).unwrap(), 1000, 2);
    let m = HALVES_FROM + 40;
    let mut rng = StdRng::seed_from_u64(4);
    let v = random(&mut rng, m - 3);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let mut plan = Plan1d::new(m).unwrap();
            let mut spec = vec![Complex64::default(); plan.spectrum_len()];
            plan.forward(&v, v.len(), &mut spec);
            let mut back = vec![0.0; v.len()];
            plan.inverse(&mut spec.clone(), v.len(), &mut back);
            (spec, back.iter().map(|t| t.to_bits()).collect::<Vec<_>>())
        })
    };
    let (spec, back) = run(1);
    assert!(
        run(3) == (spec, back.clone()),
        "the thread count changed the bits"
    );
    let back: Vec<f64> = back.into_iter().map(f64::from_bits).collect();
    let restored: Vec<f64> = back.iter().map(|t| t / m as f64).collect();
    assert_close(&restored, &v);
}

/// Shared among threads, a 2-D plan computes the same bits as on one: its
/// transforms, and the spectrum its hooks hand out, for 2, 3 and 5 shares
/// of the columns and rows (uneven splits, zero-padded operands).
#[test]
fn threads_do_not_change_the_bits() {
    let mut rng = StdRng::seed_from_u64(3);
    for (full, small) in [
        ((64usize, 75usize), (10usize, 33usize)),
        ((33, 130), (33, 7)),
        ((2, 9), (1, 9)),
    ] {
        let mut one = Plan2d::with_threads(full, 1).unwrap();
        for threads in [2, 3, 5] {
            let mut many = Plan2d::with_threads(full, threads).unwrap();
            for shape in [full, small] {
                let v = random(&mut rng, shape.0 * shape.1);
                let s = one.spectrum_len();
                let (mut a, mut b) = (vec![Complex64::default(); s], vec![Complex64::default(); s]);
                one.forward(&v, shape, &mut a);
                many.forward(&v, shape, &mut b);
                assert!(a == b, "forward {full:?} {shape:?} {threads}");
                let (mut x, mut y) = (vec![0.0; shape.0 * shape.1], vec![0.0; shape.0 * shape.1]);
                one.inverse(&mut a.clone(), shape, &mut x);
                many.inverse(&mut b.clone(), shape, &mut y);
                let bits = |v: &[f64]| v.iter().map(|t| t.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&x), bits(&y), "inverse {full:?} {shape:?} {threads}");
                // The narrow row-buffer path, on one thread and shared.
                let map = |start: usize, chunk: &mut [Complex64]| {
                    let sums = chunk_sums(start, chunk);
                    chunk.iter_mut().for_each(|z| *z *= 0.5);
                    sums
                };
                let s1 = one.forward_map_inverse((&v, shape), &mut a, (&mut x, shape), &map);
                let s2 = many.forward_map_inverse((&v, shape), &mut b, (&mut y, shape), &map);
                assert_eq!(
                    (bits(&x), s1.map(f64::to_bits)),
                    (bits(&y), s2.map(f64::to_bits)),
                    "forward_map_inverse {full:?} {shape:?} {threads}"
                );
            }
        }
    }
}

#[test]
fn spectrum_cache_recognises_its_vector_by_value() {
    let mut plan = Plan1d::new(40).unwrap();
    let mut cache = SpectrumCache::new(&plan, 40, 1);
    assert!(cache.holds(&[0.0; 40]), "starts at zero");
    assert!(cache.holds(&[-0.0; 40]), "f64 equality: -0 = 0");
    assert!(!cache.holds(&[0.0; 39]));
    let mut rng = StdRng::seed_from_u64(4);
    let mut v = random(&mut rng, 40);
    cache.update(&mut plan, &v);
    assert_eq!(plan.ffts(), 1);
    assert!(cache.holds(&v));
    cache.update(&mut plan, &v);
    assert_eq!(plan.ffts(), 1, "no FFT for the vector held");
    for i in [0, 15, 16, 39] {
        let keep = v[i];
        v[i] += 1e-300;
        assert_eq!(cache.holds(&v), v[i] == keep, "entry {i}");
        v[i] = keep;
    }
    v[39] = f64::NAN;
    cache.update(&mut plan, &v);
    assert!(!cache.holds(&v), "a NaN never matches");
}
