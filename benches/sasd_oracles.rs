//! Oracle work of one ADM / iADM iteration on the Bilinear Lasso (LQK+20,
//! eq. 3.1) against the real FFTs it needs, measured in the same run.
//!
//! * `bl_1d_m<m>`: m = 1e4 and 1e5, n₀ = 100 lifted to n = 3n₀ − 2 = 298.
//! * `bl_2d_512x512`: a 512×512 image, 16×16 kernel.
//!
//! In each group:
//! * `oracles`: fix_a, grad_x(w), value_x(x⁺), fix_x(x⁺), grad_a(z),
//!   value_a(a⁺), refresh (bias) — the calls `optim::InertialAdm` makes when
//!   both searches accept their first trial (6 FFTs, asserted below);
//! * `ffts_plan`: exactly those 6 transforms (4 forward, 2 inverse, on the
//!   same shapes: kernel-shaped ones zero-padded / restricted) through the
//!   engine's plan, nothing else, always on the first iteration's inputs
//!   (which therefore stay in cache);
//! * `ffts_cycled`: the same 6 transforms on the inputs of the iterations in
//!   turn, as `oracles` reads them (same inputs, same plan);
//! * `ffts_raw` (1-D only): 4 forward + 2 inverse full-length realfft calls
//!   on preallocated buffers, no copies (inputs refreshed every 64 rounds so
//!   values stay finite) — the floor.
//!
//! * `fft_1d_m<m>` (m = 2¹⁸ and 10⁶, where a 1-D plan splits each
//!   transform into two half transforms on two threads, `conv::halves`):
//!   one forward and one inverse transform of length m by realfft on one
//!   thread (`realfft`) and by the engine's plan (`plan`).
//!
//! The ratio oracles / ffts_* is the overhead of the objective over its FFTs.
//! After the groups, `ratio` lines give oracles / ffts_plan measured
//! in alternation (the median of 60 paired rounds, with the load average),
//! which is less sensitive to a busy machine than two separate estimates.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use optim::TwoBlockSmooth;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use realfft::RealFftPlanner;
use realfft::num_complex::Complex64;
use sasd::conv::{Plan, Plan1d, Plan2d};
use sasd::objective::BilinearLasso;

fn random(rng: &mut StdRng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
}

fn unit(rng: &mut StdRng, len: usize) -> Vec<f64> {
    let v = random(rng, len);
    let n = v.iter().map(|t| t * t).sum::<f64>().sqrt();
    v.into_iter().map(|t| t / n).collect()
}

fn sparse(rng: &mut StdRng, len: usize) -> Vec<f64> {
    (0..len)
        .map(|_| {
            if rng.random_range(0.0..1.0) < 0.01 {
                rng.random_range(-1.0..1.0)
            } else {
                0.0
            }
        })
        .collect()
}

/// Iterations kept in turn: the objective's caches hold the fixed point and
/// the one before it in each block, so with three iterations in a cycle
/// every trial point is new and every cache hit is one a real run also gets.
const CYCLE: usize = 3;

/// Inputs of `CYCLE` consecutive iterations, chained as in a run (each
/// iteration's fixed a is the previous accepted a⁺).
struct Iterations {
    a: [Vec<f64>; CYCLE],
    w: [Vec<f64>; CYCLE],
    x_plus: [Vec<f64>; CYCLE],
    z: [Vec<f64>; CYCLE],
    gx: Vec<f64>,
    ga: Vec<f64>,
}

impl Iterations {
    fn new(rng: &mut StdRng, a_len: usize, x_len: usize) -> Self {
        Self {
            a: std::array::from_fn(|_| unit(rng, a_len)),
            w: std::array::from_fn(|_| sparse(rng, x_len)),
            x_plus: std::array::from_fn(|_| sparse(rng, x_len)),
            z: std::array::from_fn(|_| unit(rng, a_len)),
            gx: vec![0.0; x_len],
            ga: vec![0.0; a_len],
        }
    }

    /// Iteration i: a = a[i], a⁺ = a[i + 1] (cyclically).
    fn run(&mut self, psi: &mut impl TwoBlockSmooth, i: usize) -> f64 {
        let (a, a_plus) = (&self.a[i], &self.a[(i + 1) % CYCLE]);
        psi.fix_a(a);
        let mut v = psi.grad_x(&self.w[i], &mut self.gx);
        v += psi.value_x(&self.x_plus[i]);
        psi.fix_x(&self.x_plus[i]);
        v += psi.grad_a(&self.z[i], &mut self.ga);
        v += psi.value_a(a_plus);
        v + psi.refresh(a_plus, &self.x_plus[i]).unwrap_or(0.0)
    }
}

/// The 6 transforms of iteration i through `plan`: F(w), F⁻¹ (signal
/// shape), F(x⁺), F(ιz), ι*F⁻¹ (kernel shape), F(ιa⁺).
struct Floor<P: Plan> {
    plan: P,
    kernel: P::Shape,
    spec: Vec<Complex64>,
    full: Vec<f64>,
    small: Vec<f64>,
}

impl<P: Plan> Floor<P> {
    fn run(&mut self, its: &Iterations, i: usize) -> f64 {
        let (signal, kernel, spec) = (self.plan.shape(), self.kernel, &mut self.spec);
        self.plan.forward(&its.w[i], signal, spec);
        self.plan.inverse(spec, signal, &mut self.full);
        self.plan.forward(&its.x_plus[i], signal, spec);
        self.plan.forward(&its.z[i], kernel, spec);
        self.plan.inverse(spec, kernel, &mut self.small);
        self.plan.forward(&its.a[(i + 1) % CYCLE], kernel, spec);
        spec[1].re
    }
}

fn bench_objective<P: Plan>(
    c: &mut Criterion,
    name: &str,
    mut psi: BilinearLasso<P>,
    plan: P,
    kernel: P::Shape,
) {
    let mut rng = StdRng::seed_from_u64(1);
    let (a_len, x_len) = (psi.a_len(), psi.x_len());
    let mut its = Iterations::new(&mut rng, a_len, x_len);
    // Warm up the caches as a run would, then check the budget.
    its.run(&mut psi, CYCLE - 1);
    psi.reset_ffts();
    for i in 0..CYCLE {
        its.run(&mut psi, i);
    }
    assert_eq!(
        psi.ffts(),
        6 * CYCLE as u64,
        "{name}: the iteration must cost 6 FFTs"
    );

    let s = plan.spectrum_len();
    let mut floor = Floor {
        plan,
        kernel,
        spec: vec![Complex64::default(); s],
        full: vec![0.0; x_len],
        small: vec![0.0; a_len],
    };
    let mut group = c.benchmark_group(name);
    group.bench_function("oracles", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % CYCLE;
            black_box(its.run(&mut psi, i))
        })
    });
    group.bench_function("ffts_plan", |b| b.iter(|| black_box(floor.run(&its, 0))));
    group.bench_function("ffts_cycled", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % CYCLE;
            black_box(floor.run(&its, i))
        })
    });
    group.finish();
    paired_ratio(name, &mut psi, &mut its, &mut floor);
}

/// oracles / ffts_plan from 60 rounds that alternate `CYCLE` iterations of
/// each: the median of the per-round ratios, printed with the load average.
fn paired_ratio<P: Plan>(name: &str, psi: &mut BilinearLasso<P>, its: &mut Iterations, floor: &mut Floor<P>) {
    let mut ratios: Vec<f64> = (0..60)
        .map(|_| {
            let start = Instant::now();
            for i in 0..CYCLE {
                black_box(its.run(psi, i));
            }
            let oracles = start.elapsed();
            let start = Instant::now();
            for _ in 0..CYCLE {
                black_box(floor.run(its, 0));
            }
            oracles.as_secs_f64() / start.elapsed().as_secs_f64()
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().take(3).collect::<Vec<_>>().join(" ");
    println!(
        "{name}/ratio oracles/ffts_plan: median {:.3} (quartiles {:.3}–{:.3}), load average {load}",
        ratios[30], ratios[15], ratios[45]
    );
}

/// 4 forward + 2 inverse realfft calls of length m, no copies.
fn bench_raw(c: &mut Criterion, name: &str, m: usize) {
    let mut planner = RealFftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(m), planner.plan_fft_inverse(m));
    let mut scratch = vec![Complex64::default(); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let mut rng = StdRng::seed_from_u64(2);
    let fresh = random(&mut rng, m);
    let mut input = fresh.clone();
    let mut spec = vec![Complex64::default(); m / 2 + 1];
    let mut out = vec![0.0; m];
    let mut group = c.benchmark_group(name);
    group.bench_function("ffts_raw", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for k in 0..iters {
                if k % 64 == 0 {
                    input.copy_from_slice(&fresh);
                }
                let start = Instant::now();
                for _ in 0..2 {
                    fwd.process_with_scratch(&mut input, &mut spec, &mut scratch)
                        .unwrap();
                    spec[0].im = 0.0;
                    spec[m / 2].im = 0.0;
                    inv.process_with_scratch(&mut spec, &mut out, &mut scratch)
                        .unwrap();
                    fwd.process_with_scratch(&mut out, &mut spec, &mut scratch)
                        .unwrap();
                }
                total += start.elapsed();
                // The round trips scale by m: bring the values back.
                input.iter_mut().for_each(|t| *t = t.clamp(-1.0, 1.0));
            }
            total
        })
    });
    group.finish();
}

/// A forward and an inverse transform of length m: realfft on one thread
/// against the engine's plan (two half transforms on two threads from
/// `HALVES_FROM` on).
fn bench_long_1d(c: &mut Criterion, m: usize) {
    let mut planner = RealFftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(m), planner.plan_fft_inverse(m));
    let mut scratch = vec![Complex64::default(); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let v = random(&mut StdRng::seed_from_u64(5), m);
    let (mut buf, mut out) = (v.clone(), vec![0.0; m]);
    let mut spec = vec![Complex64::default(); m / 2 + 1];
    let mut group = c.benchmark_group(format!("fft_1d_m{m}"));
    group.bench_function("realfft", |b| {
        b.iter(|| {
            buf.copy_from_slice(&v);
            fwd.process_with_scratch(&mut buf, &mut spec, &mut scratch)
                .unwrap();
            spec[0].im = 0.0;
            spec[m / 2].im = 0.0;
            inv.process_with_scratch(&mut spec, &mut out, &mut scratch)
                .unwrap();
            black_box(out[0])
        })
    });
    let mut plan = Plan1d::new(m).unwrap();
    group.bench_function("plan", |b| {
        b.iter(|| {
            plan.forward(&v, m, &mut spec);
            plan.inverse(&mut spec, m, &mut out);
            black_box(out[0])
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    for m in [1 << 18, 1_000_000] {
        bench_long_1d(c, m);
    }
    let n = 3 * 100 - 2;
    for m in [10_000, 100_000] {
        let y = random(&mut StdRng::seed_from_u64(3), m);
        let psi = BilinearLasso::new(&y, n).unwrap().with_bias();
        let name = format!("bl_1d_m{m}");
        bench_objective(c, &name, psi, Plan1d::new(m).unwrap(), n);
        bench_raw(c, &name, m);
    }
    let (image, kernel) = ((512, 512), (16, 16));
    let y = random(&mut StdRng::seed_from_u64(4), image.0 * image.1);
    let psi = sasd::objective::BilinearLasso2d::new_2d(&y, image, kernel)
        .unwrap()
        .with_bias();
    bench_objective(c, "bl_2d_512x512", psi, Plan2d::new(image).unwrap(), kernel);
}

criterion_group! {
    name = benches;
    // No plots: they need a system font, which a bare machine may lack.
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
