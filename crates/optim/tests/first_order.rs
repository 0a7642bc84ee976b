//! Riemannian gradient descent and conjugate gradient: the smallest
//! eigenvalue of a random symmetric matrix from the Rayleigh quotient on the
//! sphere; stopping criteria, time budget and observer; exact zero steps.

mod rayleigh_common;

use std::time::Duration;

use manifold::{Manifold, Sphere};
use nalgebra::{DMatrix, DVector, SymmetricEigen};
use optim::{
    Armijo, ConjugateGradient, Control, Executor, GradientDescent, LineSearchOptions, ManifoldProblem,
    Problem, Solution, Solver, State, StopCriterion as S, StopReason,
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

/// Runs `solver` on xᵀAx over `m` from `x0` until `stop`.
fn run<T>(solver: T, m: &Sphere, a: &DMatrix<f64>, x0: &[f64], stop: S) -> Solution<Vec<f64>>
where
    T: for<'a> Solver<ManifoldProblem<'a, Sphere, Quadratic>, Iterate = Vec<f64>>,
{
    let mut f = Quadratic(a.clone());
    Executor::new(solver, ManifoldProblem::new(m, &mut f))
        .stop(stop)
        .run(x0.to_vec())
        .unwrap()
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
    let stop = S::MaxIterations(20_000) | S::GradientNorm(1e-6);
    let res = run(GradientDescent::for_manifold(&m), &m, &a, &start(n, 2), stop);
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
    let res = run(
        ConjugateGradient::for_manifold(&m),
        &m,
        &a,
        &start(n, 2),
        stop.clone(),
    );
    assert_eq!(res.stop, StopReason::GradientNorm);
    let rel = (res.cost - lambda).abs() / lambda.abs();
    assert!(rel <= 1e-8, "relative eigenvalue error {rel:e}");
    let res_gd = run(GradientDescent::for_manifold(&m), &m, &a, &start(n, 2), stop);
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
    let res = run(
        GradientDescent::for_manifold(&m),
        &m,
        &a,
        &x0,
        S::MaxIterations(5),
    );
    assert_eq!(res.iterate.as_slice(), x0.as_slice());
    assert_eq!(res.grad_norm, Some(0.0));
    assert_eq!((res.stop, res.iterations), (StopReason::MaxIterations, 5));
}

#[test]
fn stopping_criteria_time_budget_and_observer_are_honoured() {
    let n = 60;
    let a = random_symmetric(n, 4);
    let m = Sphere::new(n).unwrap();
    let x0 = start(n, 5);
    let run = |stop: S| run(GradientDescent::for_manifold(&m), &m, &a, &x0, stop);
    let r = run(S::MaxIterations(7));
    assert_eq!(
        (r.stop, r.iterations, r.history.len()),
        (StopReason::MaxIterations, 7, 7)
    );
    let r = run(S::MaxIterations(100_000) | S::GradientNorm(1e-3));
    assert_eq!(r.stop, StopReason::GradientNorm);
    assert!(r.grad_norm.unwrap() <= 1e-3 && r.history[r.iterations - 2].grad_norm.unwrap() > 1e-3);
    let r = run(S::MaxIterations(100_000) | S::CostChange(1e-9));
    assert_eq!(r.stop, StopReason::CostChange);
    let r = run(S::MaxIterations(100_000) | S::StepNorm(1e-6));
    assert_eq!(r.stop, StopReason::StepNorm);
    assert!(r.history.last().unwrap().step_norm <= 1e-6);
    // All: both must hold.
    let r = run(S::MaxIterations(100_000) | (S::MaxIterations(3) & S::GradientNorm(1e-2)));
    assert!(r.iterations > 3 && r.grad_norm.unwrap() <= 1e-2);
    let r = run(S::predicate(|p| p.iteration == 11));
    assert_eq!((r.stop, r.iterations), (StopReason::Predicate, 11));
    // The criterion is asked before the first iteration too (as Manopt.jl).
    let r = run(S::TimeBudget(Duration::ZERO));
    assert_eq!((r.stop, r.iterations), (StopReason::TimeBudget, 0));
    // The observer sees every iteration's state, the iterate included.
    let mut seen = 0;
    let mut observer = |state: &State<Vec<f64>>| {
        seen += 1;
        assert!((m.check_point(&state.iterate, 1e-12)).is_ok());
        if state.iteration == 4 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let mut f = Quadratic(a.clone());
    let r = Executor::new(
        GradientDescent::for_manifold(&m),
        ManifoldProblem::new(&m, &mut f),
    )
    .observe(&mut observer)
    .run(x0.clone())
    .unwrap();
    assert_eq!((r.stop, r.iterations, seen), (StopReason::Observer, 4, 4));
}

#[test]
fn bad_starts_are_refused() {
    let m = Sphere::new(3).unwrap();
    let a = DMatrix::identity(3, 3);
    let solver = GradientDescent::for_manifold(&m);
    for x0 in [&[1.0, 1.0, 0.0][..], &[1.0, 0.0], &[f64::NAN, 0.0, 0.0]] {
        assert!(solver.solve(&m, &mut Quadratic(a.clone()), x0).is_err());
    }
}

#[test]
fn invalid_line_search_options_are_refused() {
    let options = LineSearchOptions {
        linesearch: Armijo {
            contraction: 1.0,
            ..Armijo::default()
        },
        initial_step: None,
    };
    // Refused when the solver is built, before any run.
    let err = GradientDescent::new(options, manifold::Exponential).unwrap_err();
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
            ConjugateGradient::for_manifold(&m).solve(&m, &mut TurnsNan(0), &x0)
        } else {
            GradientDescent::for_manifold(&m).solve(&m, &mut TurnsNan(0), &x0)
        }
        .unwrap();
        assert_eq!(res.stop, StopReason::NonFinite);
        assert!(res.iterate.iter().all(|t| t.is_finite()));
        m.check_point(&res.iterate, 1e-12).unwrap();
    }
}

/// Where |f| is large the default ‖grad‖ ≤ 1e-6 can be out of reach (the
/// gradient stalls at the rounding level of f): the default stop also ends
/// a run whose cost no longer changes beyond rounding, with f at the
/// minimum to ~1e-11 relative (f itself is exact to ~1e-14 here), instead of running to the iteration cap.
#[test]
fn the_default_stop_ends_a_run_stalled_at_rounding() {
    let n = 50;
    let a = random_symmetric(n, 3) * 30.0 - DMatrix::identity(n, n) * 10.0;
    let lambda = SymmetricEigen::new(a.clone()).eigenvalues.min();
    assert!(lambda.abs() > 50.0);
    let m = Sphere::new(n).unwrap();
    let res = GradientDescent::for_manifold(&m)
        .solve(&m, &mut Quadratic(a), &start(n, 4))
        .unwrap();
    assert_ne!(
        res.stop,
        StopReason::MaxIterations,
        "{} iterations",
        res.iterations
    );
    let rel = (res.cost - lambda).abs() / lambda.abs();
    assert!(rel <= 1e-11, "relative error {rel:e}, stop {:?}", res.stop);
}

/// The counting decorator sees exactly the oracle calls the solver reports,
/// and leaves the run unchanged (same iterate, bit for bit).
#[test]
fn counting_sees_the_calls_the_solver_reports() {
    let n = 30;
    let a = random_symmetric(n, 6);
    let m = Sphere::new(n).unwrap();
    let x0 = start(n, 7);
    let stop = S::MaxIterations(50);
    let plain = run(GradientDescent::for_manifold(&m), &m, &a, &x0, stop.clone());
    let mut counted = optim::Counting::new(Quadratic(a.clone()));
    let res = Executor::new(
        GradientDescent::for_manifold(&m),
        ManifoldProblem::new(&m, &mut counted),
    )
    .stop(stop)
    .run(x0.clone())
    .unwrap();
    let c = counted.counts();
    assert_eq!((c.cost, c.grad), (res.counts.cost, res.counts.grad));
    assert!(c.grad == 51 && c.cost >= 50, "{c:?}");
    assert_eq!(res.iterate, plain.iterate);
}
