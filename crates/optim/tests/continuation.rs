//! Homotopy continuation (seed 003, Alg. 6) and reweighting (Alg. 7) around
//! the composite solvers.

mod composite_common;

use std::time::Duration;

use composite_common::{Bilinear, lasso_by_coordinate_descent, weighted_lasso_by_coordinate_descent};
use manifold::Sphere;
use nalgebra::{DMatrix, DVector};
use optim::{
    Budget, Composite, Control, Homotopy, InertialAdm, L1, NoObserver, Record, Reweighting, StopReason,
    WeightedL1,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

fn lasso_instance(seed: u64) -> (DMatrix<f64>, DVector<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    (
        DMatrix::from_fn(30, 20, |_, _| g()),
        DVector::from_fn(30, |_, _| g()),
    )
}

#[test]
fn homotopy_reaches_the_lasso_solution_along_its_schedule() {
    let (a, y) = lasso_instance(3);
    let lambda0 = (a.transpose() * &y).amax();
    let lambda_star = 0.05 * lambda0;
    let reference = lasso_by_coordinate_descent(&a, &y, lambda_star);
    let m = Sphere::new(2).unwrap();
    let mut problem = Composite {
        smooth: Bilinear::lasso(a, y),
        penalty: L1::default(),
        lambda: lambda0,
    };
    let mut homotopy = Homotopy::new(InertialAdm::for_manifold(&m), lambda0, lambda_star);
    homotopy.eps_star = 1e-9;
    homotopy.budget.stage_iterations = 20_000;
    let schedule = homotopy.schedule();
    // K = ⌈log(0.05)/log(0.9)⌉ = 29 stages before the final round at λ*.
    assert_eq!(schedule.len(), 30);
    assert_eq!(*schedule.last().unwrap(), lambda_star);
    assert!(schedule.windows(2).all(|w| w[1] < w[0]));
    let mut seen = Vec::new();
    let mut observer = |r: &Record| {
        seen.push(r.extra("lambda").unwrap());
        Control::Continue
    };
    let res = homotopy
        .solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut observer)
        .unwrap();
    assert_eq!(res.stop, StopReason::Completed);
    let err = (&res.x - &reference).norm() / reference.norm();
    assert!(err <= 1e-8, "relative error {err:e}");
    assert_eq!(problem.lambda, lambda_star);
    assert!(
        seen.windows(2).all(|w| w[1] <= w[0]),
        "λ never increases along the run"
    );
    assert_eq!(seen.len(), res.iterations);
    assert!(res.history.iter().enumerate().all(|(i, r)| r.iteration == i + 1));
}

#[test]
fn homotopy_honours_its_budget_and_the_observer() {
    let (a, y) = lasso_instance(4);
    let m = Sphere::new(2).unwrap();
    let mut problem = Composite {
        smooth: Bilinear::lasso(a, y),
        penalty: L1::default(),
        lambda: 1.0,
    };
    let mut homotopy = Homotopy::new(InertialAdm::for_manifold(&m), 10.0, 0.01);
    homotopy.budget = Budget {
        stage_iterations: 1000,
        total_iterations: 25,
        time: None,
    };
    let res = homotopy
        .solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut NoObserver)
        .unwrap();
    assert!(res.iterations <= 25);
    homotopy.budget = Budget {
        time: Some(Duration::ZERO),
        ..Budget::default()
    };
    let err = homotopy.solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut NoObserver);
    assert!(err.is_err(), "a zero time budget leaves no stage to run");
    homotopy.budget = Budget::default();
    let mut observer = |r: &Record| {
        if r.iteration >= 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let res = homotopy
        .solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut observer)
        .unwrap();
    assert_eq!((res.stop, res.iterations), (StopReason::Observer, 3));
}

#[test]
fn reweighting_uses_rule_b7_and_solves_each_weighted_problem() {
    let rw = Reweighting {
        inner: (),
        rounds: 3,
        rank: 2,
        eps_floor: 1e-3,
        precision: 1e-12,
        budget: Budget::default(),
    };
    let mut w = [0.0; 4];
    // |x| sorted decreasingly: 3, 2, 0.5, 0 → ε = |x|_(2) = 2.
    let eps = rw.weights(&[0.5, -3.0, 0.0, 2.0], &mut w);
    assert_eq!(eps, 2.0);
    assert_eq!(w, [1.0 / 2.5, 1.0 / 5.0, 1.0 / 2.0, 1.0 / 4.0]);
    assert_eq!(rw.weights(&[0.0, 0.0], &mut w[..2]), 1e-3, "ε has a floor");
    assert_eq!(Reweighting::<()>::seed_rank(100, 10_000), 22); // ⌈100/ln 100⌉

    let (a, y) = lasso_instance(5);
    let m = Sphere::new(2).unwrap();
    let lambda = 0.02 * (a.transpose() * &y).amax();
    let mut problem = Composite {
        smooth: Bilinear::lasso(a.clone(), y.clone()),
        penalty: WeightedL1::uniform(20, false),
        lambda,
    };
    let rw = Reweighting {
        inner: InertialAdm::for_manifold(&m),
        rounds: rw.rounds,
        rank: rw.rank,
        eps_floor: rw.eps_floor,
        precision: rw.precision,
        budget: rw.budget,
    };
    let res = rw
        .solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut NoObserver)
        .unwrap();
    assert_eq!(res.stop, StopReason::Completed);
    // The last round solved the Lasso with the final weights.
    let lambdas: Vec<f64> = problem.penalty.weights.iter().map(|w| lambda * w).collect();
    assert!(
        problem.penalty.weights.iter().any(|w| (w - 1.0).abs() > 0.1),
        "weights were updated"
    );
    let reference = weighted_lasso_by_coordinate_descent(&a, &y, &lambdas);
    let err = (&res.x - &reference).norm() / reference.norm();
    assert!(err <= 1e-8, "relative error {err:e}");
    let rounds: Vec<f64> = res.history.iter().map(|r| r.extra("round").unwrap()).collect();
    assert_eq!((rounds[0], *rounds.last().unwrap()), (0.0, 2.0));
}

/// A final round cut by its iteration cap did not reach its precision: the
/// run says MaxIterations, not Completed.
#[test]
fn a_capped_final_round_is_reported() {
    let (a, y) = lasso_instance(6);
    let m = Sphere::new(2).unwrap();
    let mut problem = Composite {
        smooth: Bilinear::lasso(a, y),
        penalty: L1::default(),
        lambda: 1.0,
    };
    let mut homotopy = Homotopy::new(InertialAdm::for_manifold(&m), 10.0, 0.1);
    homotopy.eps_star = 1e-14;
    homotopy.budget.stage_iterations = 3;
    let res = homotopy
        .solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &mut NoObserver)
        .unwrap();
    assert_eq!(res.stop, StopReason::MaxIterations);
}
