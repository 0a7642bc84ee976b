//! The Rayleigh quotient f(x) = ½ xᵀAx on the sphere with a planted spectrum,
//! shared by the solver tests.
#![allow(dead_code)]

use nalgebra::{DMatrix, DVector};
use optim::{HessianProblem, Problem};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// f(x) = ½ xᵀAx with A = Q diag(λ) Qᵀ, λ = 1, 2, …, n (distinct, known).
pub struct Rayleigh {
    pub a: DMatrix<f64>,
    pub q: DMatrix<f64>,
    pub eigenvalues: Vec<f64>,
}

impl Rayleigh {
    pub fn planted(n: usize, seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let g = DMatrix::from_fn(n, n, |_, _| StandardNormal.sample(&mut rng));
        let q: DMatrix<f64> = g.qr().q();
        let eigenvalues: Vec<f64> = (1..=n).map(|k| k as f64).collect();
        let a: DMatrix<f64> =
            &q * DMatrix::from_diagonal(&DVector::from_vec(eigenvalues.clone())) * q.transpose();
        let a = (&a + a.transpose()) * 0.5;
        Self { a, q, eigenvalues }
    }

    /// The k-th eigenvector (k = 0 is the minimiser's direction).
    pub fn eigenvector(&self, k: usize) -> Vec<f64> {
        self.q.column(k).iter().copied().collect()
    }

    /// min(‖x − q₀‖, ‖x + q₀‖).
    pub fn distance_to_minimiser(&self, x: &[f64]) -> f64 {
        let q0 = self.q.column(0);
        let x = DVector::from_column_slice(x);
        (&x - q0).norm().min((&x + q0).norm())
    }
}

impl Problem for Rayleigh {
    fn cost(&mut self, x: &[f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        0.5 * x.dot(&(&self.a * &x))
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        let xv = DVector::from_column_slice(x);
        let ax = &self.a * &xv;
        egrad.copy_from_slice(ax.as_slice());
        0.5 * xv.dot(&ax)
    }
}

impl HessianProblem for Rayleigh {
    fn ehess(&mut self, _x: &[f64], u: &[f64], out: &mut [f64]) {
        out.copy_from_slice((&self.a * DVector::from_column_slice(u)).as_slice());
    }
}
