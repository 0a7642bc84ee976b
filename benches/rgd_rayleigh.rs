//! Riemannian gradient descent on the Rayleigh quotient f(x) = ½ xᵀAx over
//! the sphere S^{n−1}, n = 1000: time per RGD iteration against the time of
//! one dense matrix-vector product y = Ax, the unit of work of every oracle.
//!
//! `rayleigh_n1000/matvec` times one product; `rayleigh_n1000/rgd_iteration`
//! reports the wall time of a 50-iteration run divided by the iterations it
//! made (set-up, one cost-and-gradient evaluation, is amortised over the 50).
//! The ratio of the two is the cost of an iteration in products; the oracle
//! counts of a run are printed once so the ratio can be read against them.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use manifold::{Manifold, Sphere};
use nalgebra::{DMatrix, DVectorView, DVectorViewMut};
use optim::{Executor, GradientDescent, ManifoldProblem, Problem, StopCriterion};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

const N: usize = 1000;
const ITERATIONS: usize = 50;

/// f(x) = ½ xᵀAx, ∇f(x) = Ax, evaluated without allocating; counts products.
struct Rayleigh {
    a: DMatrix<f64>,
    ax: Vec<f64>,
    products: usize,
}

impl Rayleigh {
    /// A = (G + Gᵀ)/2 with G standard Gaussian.
    fn random(n: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let g = DMatrix::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
        let a = (&g + g.transpose()) * 0.5;
        Self {
            a,
            ax: vec![0.0; n],
            products: 0,
        }
    }

    fn apply(&mut self, x: &[f64]) {
        let n = x.len();
        let xv = DVectorView::from_slice(x, n);
        let mut y = DVectorViewMut::from_slice(&mut self.ax, n);
        y.gemv(1.0, &self.a, &xv, 0.0);
        self.products += 1;
    }
}

impl Problem for Rayleigh {
    fn cost(&mut self, x: &[f64]) -> f64 {
        self.apply(x);
        0.5 * x.iter().zip(&self.ax).map(|(u, v)| u * v).sum::<f64>()
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        self.apply(x);
        egrad.copy_from_slice(&self.ax);
        0.5 * x.iter().zip(&self.ax).map(|(u, v)| u * v).sum::<f64>()
    }
}

fn bench(c: &mut Criterion) {
    let sphere = Sphere::new(N).expect("n > 0");
    let mut problem = Rayleigh::random(N, 7);
    let x0 = sphere.random_point(&mut StdRng::seed_from_u64(8));
    let solver = GradientDescent::for_manifold(&sphere);
    let run_once = |problem: &mut Rayleigh| {
        Executor::new(solver.clone(), ManifoldProblem::new(&sphere, problem))
            .stop(StopCriterion::MaxIterations(ITERATIONS))
            .run(x0.as_slice().to_vec())
            .expect("valid input")
    };

    // One run up front, to report what an iteration costs in oracle calls.
    problem.products = 0;
    let run = run_once(&mut problem);
    eprintln!(
        "rgd_rayleigh: n = {N}, {} iterations ({:?}), {:.2} matrix-vector products per iteration \
         (counts: {:?}), f = {:.6}, ‖grad‖ = {:.3e}",
        run.iterations,
        run.stop,
        problem.products as f64 / run.iterations.max(1) as f64,
        run.counts,
        run.cost,
        run.grad_norm.unwrap_or(f64::NAN),
    );

    let mut group = c.benchmark_group("rayleigh_n1000");
    let x = x0.as_slice().to_vec();
    group.bench_function("matvec", |b| b.iter(|| problem.apply(black_box(&x))));
    group.bench_function("rgd_iteration", |b| {
        b.iter_custom(|runs| {
            let mut total = Duration::ZERO;
            for _ in 0..runs {
                let start = Instant::now();
                let r = black_box(run_once(&mut problem));
                total += start.elapsed() / r.iterations.max(1) as u32;
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
