//! Trust region per outer iteration: on the Rayleigh quotient (n = 1000) and
//! on real phase retrieval (n = 256, m = 6n). Each benchmark runs a fixed
//! number of outer iterations from a fixed start; the Hessian-vector products
//! per outer iteration are printed once beside criterion's timings.

#[path = "../examples/phase_retrieval/problem.rs"]
#[allow(dead_code)]
mod problem;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use manifold::{Euclidean, Manifold, Sphere};
use nalgebra::{DMatrix, DVector};
use optim::second_order::{ExactHessian, TrustRegion, TrustRegionOptions};
use optim::{Executor, HessianProblem, ManifoldProblem, Problem, StopCriterion};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

const OUTER: usize = 5;

/// f(x) = ½xᵀAx, dense symmetric A.
struct Rayleigh(DMatrix<f64>);

impl Problem for Rayleigh {
    fn cost(&mut self, x: &[f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        0.5 * x.dot(&(&self.0 * &x))
    }
    fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        let ax = &self.0 * &x;
        g.copy_from_slice(ax.as_slice());
        0.5 * x.dot(&ax)
    }
}

impl HessianProblem for Rayleigh {
    fn ehess(&mut self, _x: &[f64], u: &[f64], out: &mut [f64]) {
        out.copy_from_slice((&self.0 * DVector::from_column_slice(u)).as_slice());
    }
}

fn run<M: Manifold, P: HessianProblem>(m: &M, p: &mut P, x0: &[f64]) -> (usize, usize) {
    let tr = TrustRegion::for_manifold(m, TrustRegionOptions::default()).expect("valid options");
    let mut oracle = ExactHessian::new(p);
    let res = Executor::new(tr, ManifoldProblem::new(m, &mut oracle))
        .stop(StopCriterion::MaxIterations(OUTER))
        .run(x0.to_vec())
        .expect("valid start");
    (res.iterations, res.counts.hess)
}

fn bench(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    let n = 1000;
    let g = DMatrix::from_fn(n, n, |_, _| -> f64 { StandardNormal.sample(&mut rng) });
    let mut rayleigh = Rayleigh((&g + g.transpose()) * 0.5);
    let sphere = Sphere::new(n).unwrap();
    let x0 = sphere.random_point(&mut rng);
    let (iters, hess) = run(&sphere, &mut rayleigh, x0.as_slice());
    eprintln!(
        "rayleigh n={n}: {} Hessian-vector products per outer iteration",
        hess as f64 / iters as f64
    );
    let v = DVector::from_fn(n, |i, _| i as f64);
    c.bench_function("matvec_1000", |b| {
        b.iter(|| black_box(&rayleigh.0 * black_box(&v)))
    });
    c.bench_function(&format!("tr_rayleigh_1000_{OUTER}_outer"), |b| {
        b.iter(|| run(&sphere, &mut rayleigh, black_box(x0.as_slice())))
    });

    let n = 256;
    let mut inst = problem::PhaseRetrieval::planted(n, 6 * n, problem::Field::Real, &mut rng);
    let space = Euclidean::new(n).unwrap();
    let x0 = space.random_point(&mut rng) / (n as f64).sqrt();
    let (iters, hess) = run(&space, &mut inst.problem, x0.as_slice());
    eprintln!(
        "phase retrieval n={n} m=6n: {} Hessian-vector products per outer iteration",
        hess as f64 / iters as f64
    );
    c.bench_function(&format!("tr_phase_retrieval_256_{OUTER}_outer"), |b| {
        b.iter(|| run(&space, &mut inst.problem, black_box(x0.as_slice())))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
