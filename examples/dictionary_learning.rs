//! Complete dictionary learning over the sphere and the orthogonal group
//! (Qu19, "Dictionary Learning – Complete Case").
//!
//! Y = A₀X₀ with A₀ a random n×n orthogonal matrix and X₀ Bernoulli–Gaussian(θ);
//! preconditioning Ȳ = (YYᵀ/(θp))^{-1/2} Y ∝ A₀X₀; then the columns of A₀ are
//! recovered by
//!   (i)   ℓ⁴ maximisation min_q −‖qᵀȲ‖₄⁴/(4p) over S^{n−1}, with deflation
//!         (each new column sought in the orthogonal complement of the found ones);
//!   (ii)  ℓ⁴ maximisation min_Q −‖QᵀȲ‖₄⁴/(4p) over O(n) = St(n, n) at once;
//!   (iii) smoothed ℓ¹, min_q (1/p)Σ μ·log cosh(qᵀȳ_i/μ) over S^{n−1}, with deflation.
//! All by Riemannian conjugate gradient. A column counts as recovered when
//! |⟨a_i, â_j⟩| ≥ 0.99 under the best signed matching.
//!
//! cargo run --release --example dictionary_learning -- [--seed 1..=5] [--json out.json]
//!     [--n 30] [--theta 0.3] [--p 15000] [--mu 0.1]

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use manifold::{Manifold, Sphere, Stiefel};
use nalgebra::{DMatrix, DVector};
use optim::{ConjugateGradient, Executor, ManifoldProblem, Problem, StopCriterion as S};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use serde_json::json;

const USAGE: &str = "usage: dictionary_learning [--seed N | --seed A..=B] [--json PATH] [--n 30] [--theta 0.3] \
[--p 15000] [--mu 0.1]";

/// The sparsity-promoting cost φ applied entrywise to z = Wᵀ-projected data.
#[derive(Clone, Copy)]
enum Penalty {
    /// φ(z) = −z⁴/4.
    NegativeL4,
    /// φ(z) = μ·log cosh(z/μ), a smooth ℓ¹.
    LogCosh(f64),
}

impl Penalty {
    /// φ(z) and φ'(z).
    fn eval(self, z: f64) -> (f64, f64) {
        match self {
            Penalty::NegativeL4 => (-0.25 * z.powi(4), -z.powi(3)),
            Penalty::LogCosh(mu) => {
                let a = (z / mu).abs();
                // log cosh(a) = a + log(1 + e^{−2a}) − log 2, stable for large a.
                (
                    mu * (a + (-2.0 * a).exp().ln_1p() - std::f64::consts::LN_2),
                    (z / mu).tanh(),
                )
            }
        }
    }
}

/// f(W) = (1/p) Σ_{ij} φ((WᵀY)_{ji}) for W of size k×c (c = 1: the sphere).
struct SparseCost {
    y: DMatrix<f64>,
    cols: usize,
    penalty: Penalty,
}

impl Problem for SparseCost {
    fn cost(&mut self, w: &[f64]) -> f64 {
        let (k, p) = self.y.shape();
        let z = DMatrix::from_column_slice(k, self.cols, w).transpose() * &self.y;
        z.iter().map(|v| self.penalty.eval(*v).0).sum::<f64>() / p as f64
    }

    fn cost_grad(&mut self, w: &[f64], egrad: &mut [f64]) -> f64 {
        let (k, p) = self.y.shape();
        let wm = DMatrix::from_column_slice(k, self.cols, w);
        let mut z = wm.transpose() * &self.y;
        let mut f = 0.0;
        for v in z.iter_mut() {
            let (phi, dphi) = self.penalty.eval(*v);
            f += phi;
            *v = dphi;
        }
        let g = &self.y * z.transpose() / p as f64;
        egrad.copy_from_slice(g.as_slice());
        f / p as f64
    }
}

/// A method: an estimate of A₀ and its iterations.
type Method<'a> = &'a dyn Fn(&mut StdRng) -> (DMatrix<f64>, usize);

struct Instance {
    a0: DMatrix<f64>,
    ybar: DMatrix<f64>,
}

fn instance(n: usize, p: usize, theta: f64, rng: &mut StdRng) -> Instance {
    let mut g = || -> f64 { StandardNormal.sample(&mut *rng) };
    let a0: DMatrix<f64> = DMatrix::from_fn(n, n, |_, _| g()).qr().q();
    let mut x0 = DMatrix::from_fn(n, p, |_, _| g());
    for v in x0.iter_mut() {
        if rng.random::<f64>() >= theta {
            *v = 0.0;
        }
    }
    let y = &a0 * x0;
    let eig = (&y * y.transpose() / (theta * p as f64)).symmetric_eigen();
    let inv_sqrt = &eig.eigenvectors
        * DMatrix::from_diagonal(&eig.eigenvalues.map(|l| 1.0 / l.sqrt()))
        * eig.eigenvectors.transpose();
    Instance {
        a0,
        ybar: inv_sqrt * y,
    }
}

/// Greedy signed matching of estimated columns to true ones: (recovered, worst).
fn score(a0: &DMatrix<f64>, est: &DMatrix<f64>) -> (usize, f64) {
    let c = (a0.transpose() * est).abs();
    let n = a0.ncols();
    let (mut row_free, mut col_free) = (vec![true; n], vec![true; n]);
    let mut matched = Vec::with_capacity(n);
    for _ in 0..n {
        let mut best = (0, 0, -1.0);
        for i in (0..n).filter(|i| row_free[*i]) {
            for j in (0..n).filter(|j| col_free[*j]) {
                if c[(i, j)] > best.2 {
                    best = (i, j, c[(i, j)]);
                }
            }
        }
        row_free[best.0] = false;
        col_free[best.1] = false;
        matched.push(best.2);
    }
    let recovered = matched.iter().filter(|v| **v >= 0.99).count();
    (recovered, matched.iter().copied().fold(f64::INFINITY, f64::min))
}

fn stop() -> S {
    S::MaxIterations(1000) | S::GradientNorm(1e-6)
}

/// Columns one at a time over shrinking spheres (deflation by orthogonal
/// complement): returns the estimate and the total iterations.
fn deflation(inst: &Instance, penalty: Penalty, rng: &mut StdRng) -> (DMatrix<f64>, usize) {
    let n = inst.a0.nrows();
    let mut basis = DMatrix::<f64>::identity(n, n);
    let mut est = DMatrix::zeros(n, n);
    let mut iterations = 0;
    for col in 0..n {
        let k = n - col;
        let w = if k == 1 {
            DVector::from_element(1, 1.0)
        } else {
            let sphere = Sphere::new(k).expect("k >= 1");
            let mut cost = SparseCost {
                y: basis.transpose() * &inst.ybar,
                cols: 1,
                penalty,
            };
            let w0 = sphere.random_point(rng);
            let cg = ConjugateGradient::for_manifold(&sphere);
            let res = Executor::new(cg, ManifoldProblem::new(&sphere, &mut cost))
                .stop(stop())
                .run(w0.as_slice().to_vec())
                .expect("valid start");
            iterations += res.iterations;
            DVector::from_vec(res.iterate)
        };
        est.set_column(col, &(&basis * &w));
        if k > 1 {
            basis = &basis * complement(&w);
        }
    }
    (est, iterations)
}

/// An orthonormal basis (k×(k−1)) of w^⊥ ⊂ ℝ^k from a Householder reflection.
fn complement(w: &DVector<f64>) -> DMatrix<f64> {
    let k = w.len();
    // v = w + sign(w₀)‖w‖e₁ avoids cancellation; H = I − 2vvᵀ/‖v‖² maps w to
    // ∓‖w‖e₁, so its other columns span w^⊥.
    let mut v = w.clone();
    v[0] += if w[0] >= 0.0 { 1.0 } else { -1.0 } * w.norm();
    let h = DMatrix::<f64>::identity(k, k) - &v * v.transpose() * (2.0 / v.norm_squared());
    h.columns(1, k - 1).into_owned()
}

fn orthogonal_group(inst: &Instance, rng: &mut StdRng) -> (DMatrix<f64>, usize) {
    let n = inst.a0.nrows();
    let st = Stiefel::new(n, n).expect("n >= 1");
    let mut cost = SparseCost {
        y: inst.ybar.clone(),
        cols: n,
        penalty: Penalty::NegativeL4,
    };
    let q0 = st.random_point(rng);
    let cg = ConjugateGradient::for_manifold(&st);
    let res = Executor::new(cg, ManifoldProblem::new(&st, &mut cost))
        .stop(stop())
        .run(q0.as_slice().to_vec())
        .expect("valid start");
    (DMatrix::from_column_slice(n, n, &res.iterate), res.iterations)
}

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3, 4, 5]);
    let n: usize = args.get("n", 30);
    let theta: f64 = args.get("theta", 0.3);
    let p: usize = args.get("p", 15_000);
    let mu: f64 = args.get("mu", 0.1);
    println!("complete dictionary learning: n = {n}, theta = {theta}, p = {p}, mu = {mu}");
    println!(
        "{:>4}  {:<22} {:>9} {:>8} {:>9} {:>6}",
        "seed", "method", "recovered", "worst", "time (s)", "iters"
    );
    let mut rows = Vec::new();
    for &seed in &args.seeds {
        let mut rng = StdRng::seed_from_u64(seed);
        let inst = instance(n, p, theta, &mut rng);
        let methods: [(&str, Method); 3] = [
            ("(i) l4 sphere+deflation", &|r| {
                deflation(&inst, Penalty::NegativeL4, r)
            }),
            ("(ii) l4 orthogonal group", &|r| orthogonal_group(&inst, r)),
            ("(iii) log-cosh sphere", &|r| {
                deflation(&inst, Penalty::LogCosh(mu), r)
            }),
        ];
        for (name, method) in methods {
            let start = Instant::now();
            let (est, iterations) = method(&mut rng);
            let time = start.elapsed().as_secs_f64();
            let (recovered, worst) = score(&inst.a0, &est);
            println!("{seed:>4}  {name:<22} {recovered:>6}/{n:<2} {worst:>8.4} {time:>9.3} {iterations:>6}");
            rows.push(
                json!({"seed": seed, "method": name, "recovered": recovered, "n": n,
                "worst_correlation": worst, "time_s": time, "iterations": iterations}),
            );
        }
    }
    if let Some(path) = &args.json {
        common::write_json(
            path,
            &json!({"n": n, "theta": theta, "p": p, "mu": mu, "runs": rows}),
        );
    }
}
