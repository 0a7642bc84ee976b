//! Riemannian gradient descent and conjugate gradient: the smallest
//! eigenvalue of a random symmetric matrix from the Rayleigh quotient on the
//! sphere; stopping criteria, time budget and observer; exact zero steps.

mod rayleigh_common;

use std::time::Duration;

use manifold::{Manifold, Sphere};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use optim::{
    ConjugateGradient, Control, GradientDescent, NoObserver, Problem, Record, StopCriterion as S, StopReason,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// f(x) = xᵀAx for a dense symmetric A (the minimum on the sphere is λ_min(A)).
struct Quadratic(DMatrix<f64>);

impl Problem for Quadratic {
    fn cost(&mut self, x: &[f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        x.dot(&(&self.0 * &x))
    }
    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        let x = DVector::from_column_slice(x);
        let ax = &self.0 * &x;
        egrad.iter_mut().zip(ax.iter()).for_each(|(g, a)| *g = 2.0 * a);
        x.dot(&ax)
    }
}

fn random_symmetric(n: usize, seed: u64) -> DMatrix<f64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let g = DMatrix::from_fn(n, n, |_, _| -> f64 { StandardNormal.sample(&mut rng) });
    (&g + g.transpose()) * 0.5
}

fn start(n: usize, seed: u64) -> Vec<f64> {
    Sphere::new(n)
        .unwrap()
        .random_point(&mut StdRng::seed_from_u64(seed))
        .as_slice()
        .to_vec()
}

#[test]
fn gradient_descent_finds_the_smallest_eigenvalue() {
    let n = 100;
    let a = random_symmetric(n, 1);
    let lambda = SymmetricEigen::new(a.clone()).eigenvalues.min();
    let m = Sphere::new(n).unwrap();
    let solver =
        GradientDescent::for_manifold(&m).with_stop(S::MaxIterations(20_000) | S::GradientNorm(1e-6));
    let res = solver
        .solve(&m, &mut Quadratic(a), &start(n, 2), &mut NoObserver)
        .unwrap();
    assert_eq!(res.stop, StopReason::GradientNorm);
    let rel = (res.cost - lambda).abs() / lambda.abs();
    assert!(
        rel <= 1e-8,
        "relative eigenvalue error {rel:e} after {} iterations",
        res.iterations
    );
}

#[test]
fn conjugate_gradient_finds_the_smallest_eigenvalue_faster() {
    let n = 100;
    let a = random_symmetric(n, 1);
    let lambda = SymmetricEigen::new(a.clone()).eigenvalues.min();
    let m = Sphere::new(n).unwrap();
    let stop = S::MaxIterations(20_000) | S::GradientNorm(1e-6);
    let cg = ConjugateGradient::for_manifold(&m).with_stop(stop.clone());
    let res = cg
        .solve(&m, &mut Quadratic(a.clone()), &start(n, 2), &mut NoObserver)
        .unwrap();
    assert_eq!(res.stop, StopReason::GradientNorm);
    let rel = (res.cost - lambda).abs() / lambda.abs();
    assert!(rel <= 1e-8, "relative eigenvalue error {rel:e}");
    let gd = GradientDescent::for_manifold(&m).with_stop(stop);
    let res_gd = gd
        .solve(&m, &mut Quadratic(a), &start(n, 2), &mut NoObserver)
        .unwrap();
    assert!(
        res.iterations * 2 < res_gd.iterations,
        "CG {} vs GD {} iterations",
        res.iterations,
        res_gd.iterations
    );
}

/// At an eigenvector the gradient is zero: the step must leave the point
/// unchanged, bit for bit (the reference MATLAB code returns NaN there).
#[test]
fn a_zero_gradient_leaves_the_point_unchanged() {
    let n = 5;
    let m = Sphere::new(n).unwrap();
    let a = DMatrix::from_diagonal(&DVector::from_vec(vec![1.0, 2.0, 3.0, 4.0, 5.0]));
    let x0 = vec![0.0, 0.0, 1.0, 0.0, 0.0];
    let solver = GradientDescent::for_manifold(&m).with_stop(S::MaxIterations(5));
    let res = solver.solve(&m, &mut Quadratic(a), &x0, &mut NoObserver).unwrap();
    assert_eq!(res.x.as_slice(), x0.as_slice());
    assert_eq!(res.grad_norm, 0.0);
    assert_eq!((res.stop, res.iterations), (StopReason::MaxIterations, 5));
}

#[test]
fn stopping_criteria_time_budget_and_observer_are_honoured() {
    let n = 60;
    let a = random_symmetric(n, 4);
    let m = Sphere::new(n).unwrap();
    let x0 = start(n, 5);
    let run = |stop: S| {
        GradientDescent::for_manifold(&m)
            .with_stop(stop)
            .solve(&m, &mut Quadratic(a.clone()), &x0, &mut NoObserver)
            .unwrap()
    };
    let r = run(S::MaxIterations(7));
    assert_eq!(
        (r.stop, r.iterations, r.history.len()),
        (StopReason::MaxIterations, 7, 7)
    );
    let r = run(S::MaxIterations(100_000) | S::GradientNorm(1e-3));
    assert_eq!(r.stop, StopReason::GradientNorm);
    assert!(r.grad_norm <= 1e-3 && r.history[r.iterations - 2].grad_norm.unwrap() > 1e-3);
    let r = run(S::MaxIterations(100_000) | S::CostChange(1e-9));
    assert_eq!(r.stop, StopReason::CostChange);
    let r = run(S::MaxIterations(100_000) | S::StepNorm(1e-6));
    assert_eq!(r.stop, StopReason::StepNorm);
    assert!(r.history.last().unwrap().step_norm <= 1e-6);
    // All: both must hold.
    let r = run(S::MaxIterations(100_000) | (S::MaxIterations(3) & S::GradientNorm(1e-2)));
    assert!(r.iterations > 3 && r.grad_norm <= 1e-2);
    let r = run(S::predicate(|p| p.iteration == 11));
    assert_eq!((r.stop, r.iterations), (StopReason::Predicate, 11));
    let r = run(S::TimeBudget(Duration::ZERO));
    assert_eq!((r.stop, r.iterations), (StopReason::TimeBudget, 1));
    let mut seen = 0;
    let mut observer = |rec: &Record| {
        seen += 1;
        if rec.iteration == 4 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let r = GradientDescent::for_manifold(&m)
        .solve(&m, &mut Quadratic(a.clone()), &x0, &mut observer)
        .unwrap();
    assert_eq!((r.stop, r.iterations, seen), (StopReason::Observer, 4, 4));
}

#[test]
fn bad_starts_are_refused() {
    let m = Sphere::new(3).unwrap();
    let a = DMatrix::identity(3, 3);
    let solver = GradientDescent::for_manifold(&m);
    assert!(
        solver
            .solve(&m, &mut Quadratic(a.clone()), &[1.0, 1.0, 0.0], &mut NoObserver)
            .is_err()
    );
    assert!(
        solver
            .solve(&m, &mut Quadratic(a.clone()), &[1.0, 0.0], &mut NoObserver)
            .is_err()
    );
    assert!(
        solver
            .solve(&m, &mut Quadratic(a), &[f64::NAN, 0.0, 0.0], &mut NoObserver)
            .is_err()
    );
}

#[test]
fn invalid_line_search_options_are_refused() {
    let m = Sphere::new(3).unwrap();
    let mut solver = GradientDescent::for_manifold(&m);
    solver.linesearch.contraction = 1.0;
    let err = solver
        .solve(
            &m,
            &mut Quadratic(DMatrix::identity(3, 3)),
            &[1.0, 0.0, 0.0],
            &mut NoObserver,
        )
        .unwrap_err();
    assert!(matches!(
        err,
        optim::OptimError::InvalidOption {
            name: "contraction",
            ..
        }
    ));
}

/// A gradient that turns NaN mid-run ends the run with `NonFinite` and the
/// last finite iterate, not with an error.
#[test]
fn a_nan_mid_run_is_a_stop_reason() {
    struct TurnsNan(usize);
    impl Problem for TurnsNan {
        fn cost(&mut self, x: &[f64]) -> f64 {
            x[0] * x[0]
        }
        fn cost_grad(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
            self.0 += 1;
            g.iter_mut().for_each(|t| *t = 0.0);
            g[0] = if self.0 > 3 { f64::NAN } else { 2.0 * x[0] };
            x[0] * x[0]
        }
    }
    let m = Sphere::new(3).unwrap();
    let x0 = [0.6, 0.8, 0.0];
    for cg in [false, true] {
        let res = if cg {
            ConjugateGradient::for_manifold(&m).solve(&m, &mut TurnsNan(0), &x0, &mut NoObserver)
        } else {
            GradientDescent::for_manifold(&m).solve(&m, &mut TurnsNan(0), &x0, &mut NoObserver)
        }
        .unwrap();
        assert_eq!(res.stop, StopReason::NonFinite);
        assert!(res.x.iter().all(|t| t.is_finite()));
        m.check_point(res.x.as_slice(), 1e-12).unwrap();
    }
}
