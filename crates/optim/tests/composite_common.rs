//! Small two-block test problems.
#![allow(dead_code)]

use nalgebra::{DMatrix, DVector};
use optim::TwoBlockSmooth;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// ψ(a, x) = ½‖y − (Σ_j a_j M_j) x‖², bilinear like a convolution.
pub struct Bilinear {
    pub ms: Vec<DMatrix<f64>>,
    pub y: DVector<f64>,
    op: DMatrix<f64>,
    xf: DVector<f64>,
}

impl Bilinear {
    pub fn random(k: usize, rows: usize, cols: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
        let ms = (0..k).map(|_| DMatrix::from_fn(rows, cols, |_, _| g())).collect();
        let y = DVector::from_fn(rows, |_, _| g());
        Self {
            ms,
            y,
            op: DMatrix::zeros(rows, cols),
            xf: DVector::zeros(cols),
        }
    }

    /// A problem independent of a: ψ = ½‖y − A x‖² (the Lasso in x).
    pub fn lasso(a: DMatrix<f64>, y: DVector<f64>) -> Self {
        let (rows, cols) = a.shape();
        Self {
            ms: vec![a],
            y,
            op: DMatrix::zeros(rows, cols),
            xf: DVector::zeros(cols),
        }
    }

    fn operator(&self, a: &[f64]) -> DMatrix<f64> {
        if self.ms.len() == 1 {
            return self.ms[0].clone();
        }
        self.ms.iter().zip(a).fold(
            DMatrix::zeros(self.y.len(), self.ms[0].ncols()),
            |acc, (mj, aj)| acc + mj * *aj,
        )
    }

    fn residual(&self, op: &DMatrix<f64>, x: &[f64]) -> DVector<f64> {
        op * DVector::from_column_slice(x) - &self.y
    }
}

impl TwoBlockSmooth for Bilinear {
    fn a_len(&self) -> usize {
        self.ms.len().max(2)
    }
    fn x_len(&self) -> usize {
        self.ms[0].ncols()
    }
    fn fix_a(&mut self, a: &[f64]) {
        self.op = self.operator(a);
    }
    fn value_x(&mut self, x: &[f64]) -> f64 {
        0.5 * self.residual(&self.op, x).norm_squared()
    }
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        let r = self.residual(&self.op, x);
        grad.copy_from_slice((self.op.transpose() * &r).as_slice());
        0.5 * r.norm_squared()
    }
    fn fix_x(&mut self, x: &[f64]) {
        self.xf = DVector::from_column_slice(x);
    }
    fn value_a(&mut self, a: &[f64]) -> f64 {
        let op = self.operator(a);
        0.5 * self.residual(&op, self.xf.as_slice()).norm_squared()
    }
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        let op = self.operator(a);
        let r = self.residual(&op, self.xf.as_slice());
        grad.fill(0.0);
        if self.ms.len() > 1 {
            for (g, mj) in grad.iter_mut().zip(&self.ms) {
                *g = (mj * &self.xf).dot(&r);
            }
        }
        0.5 * r.norm_squared()
    }
}

/// The Lasso min ½‖y − Ax‖² + λ‖x‖₁ by cyclic coordinate descent, run to
/// machine precision: an answer independent of the solvers under test.
pub fn lasso_by_coordinate_descent(a: &DMatrix<f64>, y: &DVector<f64>, lambda: f64) -> DVector<f64> {
    weighted_lasso_by_coordinate_descent(a, y, &vec![lambda; a.ncols()])
}

/// min ½‖y − Ax‖² + Σ λ_i|x_i| by cyclic coordinate descent.
pub fn weighted_lasso_by_coordinate_descent(
    a: &DMatrix<f64>,
    y: &DVector<f64>,
    lambdas: &[f64],
) -> DVector<f64> {
    let n = a.ncols();
    let mut x: DVector<f64> = DVector::zeros(n);
    let mut r = y.clone();
    let col_sq: Vec<f64> = (0..n).map(|j| a.column(j).norm_squared()).collect();
    for _ in 0..100_000 {
        let mut change: f64 = 0.0;
        for j in 0..n {
            let rho: f64 = a.column(j).dot(&r) + col_sq[j] * x[j];
            let new = rho.signum() * (rho.abs() - lambdas[j]).max(0.0) / col_sq[j];
            let d = new - x[j];
            if d != 0.0 {
                r.axpy(-d, &a.column(j), 1.0);
                x[j] = new;
                change = change.max(d.abs());
            }
        }
        if change < 1e-15 {
            break;
        }
    }
    x
}

use manifold::{Exponential, Sphere};
use optim::{
    Blocks, Composite, Executor, InertialAdm, InertialAdmOptions, ManifoldProblem, NoObserver, OptimError,
    Solution, Solver, StopCriterion,
};

/// Runs a composite solver through the executor until `stop`.
pub trait RunComposite<B, G> {
    fn solve_composite(
        &self,
        m: &Sphere,
        problem: &mut Composite<B, G>,
        a0: &[f64],
        x0: &[f64],
        stop: &StopCriterion,
        observer: &mut NoObserver,
    ) -> Result<Solution<Blocks>, OptimError>;
}

impl<T, B, G> RunComposite<B, G> for T
where
    T: Clone + for<'a> Solver<ManifoldProblem<'a, Sphere, Composite<B, G>>, Iterate = Blocks>,
{
    fn solve_composite(
        &self,
        m: &Sphere,
        problem: &mut Composite<B, G>,
        a0: &[f64],
        x0: &[f64],
        stop: &StopCriterion,
        observer: &mut NoObserver,
    ) -> Result<Solution<Blocks>, OptimError> {
        let start = Blocks {
            a: a0.to_vec(),
            x: x0.to_vec(),
        };
        Executor::new(self.clone(), ManifoldProblem::new(m, problem))
            .stop(stop.clone())
            .observe(observer)
            .run(start)
    }
}

/// iADM with momentum β.
pub fn iadm(beta: f64) -> InertialAdm<Exponential> {
    InertialAdm::new(
        InertialAdmOptions {
            beta,
            ..InertialAdmOptions::iadm()
        },
        Exponential,
    )
    .unwrap()
}

/// iADM with a fixed value-noise figure.
pub fn iadm_with_noise(noise: f64) -> InertialAdm<Exponential> {
    InertialAdm::new(
        InertialAdmOptions {
            value_noise: Some(noise),
            ..InertialAdmOptions::iadm()
        },
        Exponential,
    )
    .unwrap()
}

/// The x block as a vector.
pub fn x_of(res: &Solution<Blocks>) -> DVector<f64> {
    DVector::from_column_slice(&res.iterate.x)
}
