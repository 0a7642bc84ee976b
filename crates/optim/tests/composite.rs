//! ADM and iADM (seed 003, Alg. 2 and 5): the x-steps solve a convex Lasso to
//! 1e-8, ADM never increases Ψ, and iADM's restart keeps an over-large
//! momentum finite and no worse than the start.

mod composite_common;

use composite_common::{Bilinear, lasso_by_coordinate_descent};
use manifold::{Manifold, Sphere};
use nalgebra::{DMatrix, DVector};
use optim::{Composite, CompositeSolver, InertialAdm, L1, NoObserver, StopCriterion as S, StopReason};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

fn lasso_instance(seed: u64) -> (DMatrix<f64>, DVector<f64>, f64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut g = || -> f64 { StandardNormal.sample(&mut rng) };
    let a = DMatrix::from_fn(30, 20, |_, _| g());
    let y = DVector::from_fn(30, |_, _| g());
    let lambda = 0.2 * (a.transpose() * &y).amax();
    (a, y, lambda)
}

#[test]
fn x_steps_of_adm_and_iadm_solve_the_lasso() {
    let (a, y, lambda) = lasso_instance(1);
    let reference = lasso_by_coordinate_descent(&a, &y, lambda);
    assert!(
        reference.iter().filter(|t| **t != 0.0).count() >= 3,
        "the instance should be nontrivial"
    );
    let m = Sphere::new(2).unwrap();
    let a0 = [1.0, 0.0];
    for beta in [0.0, 0.9] {
        let mut problem = Composite {
            smooth: Bilinear::lasso(a.clone(), y.clone()),
            penalty: L1::default(),
            lambda,
        };
        let solver = InertialAdm::for_manifold(&m).with_beta(beta);
        let stop = S::MaxIterations(20_000) | S::GradientNorm(1e-12);
        let res = solver
            .solve_composite(&m, &mut problem, &a0, &[0.0; 20], &stop, &mut NoObserver)
            .unwrap();
        let err = (&res.x - &reference).norm() / reference.norm();
        assert!(
            err <= 1e-8,
            "β = {beta}: relative error {err:e} after {} iterations",
            res.iterations
        );
        // ∇_a ψ = 0 here: every a-step is an exact zero step.
        assert_eq!(res.a.as_slice(), &a0);
    }
}

#[test]
fn iadm_with_an_over_large_momentum_stays_finite_and_no_worse() {
    let m = Sphere::new(4).unwrap();
    for seed in 0..5 {
        let mut problem = Composite {
            smooth: Bilinear::random(4, 25, 15, seed),
            penalty: L1::default(),
            lambda: 0.1,
        };
        let a0 = m
            .random_point(&mut StdRng::seed_from_u64(seed))
            .as_slice()
            .to_vec();
        let x0 = vec![0.0; 15];
        let start = problem.value(&a0, &x0);
        let solver = InertialAdm::for_manifold(&m).with_beta(1.5);
        let res = solver
            .solve_composite(
                &m,
                &mut problem,
                &a0,
                &x0,
                &S::MaxIterations(300),
                &mut NoObserver,
            )
            .unwrap();
        assert!(res.cost.is_finite() && res.x.iter().all(|t| t.is_finite()));
        assert!(res.cost <= start, "seed {seed}: {} > {start}", res.cost);
        assert!(res.restarts > 0, "β = 1.5 should trigger the safeguard");
        let flagged = res
            .history
            .iter()
            .filter(|r| r.extra("restart") == Some(1.0))
            .count();
        assert_eq!(flagged, res.restarts);
        assert_eq!(res.stop, StopReason::MaxIterations);
        m.check_point(res.a.as_slice(), 1e-12).unwrap();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// ADM (β = 0) decreases Ψ at every iteration.
    #[test]
    fn adm_decreases_the_objective_monotonically(
        seed in any::<u64>(), k in 2usize..5, rows in 5usize..20, cols in 3usize..12, lambda in 0.01..1.0f64,
    ) {
        let m = Sphere::new(k).unwrap();
        let mut problem = Composite { smooth: Bilinear::random(k, rows, cols, seed), penalty: L1::default(), lambda };
        let a0 = m.random_point(&mut StdRng::seed_from_u64(seed)).as_slice().to_vec();
        let x0 = vec![0.0; cols];
        let start = problem.value(&a0, &x0);
        let solver = InertialAdm::adm(manifold::Exponential);
        let res = solver.solve_composite(&m, &mut problem, &a0, &x0, &S::MaxIterations(60), &mut NoObserver).unwrap();
        let mut prev = start;
        for r in &res.history {
            prop_assert!(r.cost <= prev * (1.0 + 1e-12) + 1e-14, "Ψ rose from {prev} to {}", r.cost);
            prev = r.cost;
        }
        prop_assert_eq!(res.restarts, 0);
    }
}

#[test]
fn ipalm_solves_the_lasso_and_keeps_a_in_its_set() {
    use optim::KernelSet;
    let (a, y, lambda) = lasso_instance(2);
    let reference = lasso_by_coordinate_descent(&a, &y, lambda);
    let m = Sphere::new(2).unwrap();
    for set in [KernelSet::Sphere, KernelSet::Ball] {
        let mut problem = Composite {
            smooth: Bilinear::lasso(a.clone(), y.clone()),
            penalty: L1::default(),
            lambda,
        };
        let solver = InertialAdm::ipalm(manifold::Exponential, set);
        let stop = S::MaxIterations(20_000) | S::GradientNorm(1e-12);
        let res = solver
            .solve_composite(&m, &mut problem, &[1.0, 0.0], &[0.0; 20], &stop, &mut NoObserver)
            .unwrap();
        let err = (&res.x - &reference).norm() / reference.norm();
        assert!(err <= 1e-8, "{set:?}: relative error {err:e}");
    }
    for (seed, set) in [(0, KernelSet::Sphere), (1, KernelSet::Ball)] {
        let m = Sphere::new(4).unwrap();
        let mut problem = Composite {
            smooth: Bilinear::random(4, 25, 15, seed),
            penalty: L1::default(),
            lambda: 0.1,
        };
        let a0 = m
            .random_point(&mut StdRng::seed_from_u64(seed))
            .as_slice()
            .to_vec();
        let start = problem.value(&a0, &[0.0; 15]);
        let solver = InertialAdm::ipalm(manifold::Exponential, set);
        let res = solver
            .solve_composite(
                &m,
                &mut problem,
                &a0,
                &[0.0; 15],
                &S::MaxIterations(300),
                &mut NoObserver,
            )
            .unwrap();
        assert!(res.cost <= start && res.cost.is_finite());
        let na = res.a.norm();
        match set {
            KernelSet::Sphere => assert!((na - 1.0).abs() <= 1e-12),
            KernelSet::Ball => assert!(na <= 1.0 + 1e-12),
        }
    }
}

/// A restart undoes its iteration: a cost-change or step criterion must not
/// read it as convergence.
#[test]
fn a_restart_is_not_mistaken_for_convergence() {
    let m = Sphere::new(4).unwrap();
    for seed in 0..5 {
        let mut problem = Composite {
            smooth: Bilinear::random(4, 25, 15, seed),
            penalty: L1::default(),
            lambda: 0.1,
        };
        let a0 = m
            .random_point(&mut StdRng::seed_from_u64(seed))
            .as_slice()
            .to_vec();
        let stop = S::MaxIterations(300) | S::CostChange(1e-14) | S::StepNorm(1e-14);
        let res = InertialAdm::for_manifold(&m)
            .with_beta(1.5)
            .solve_composite(&m, &mut problem, &a0, &[0.0; 15], &stop, &mut NoObserver)
            .unwrap();
        assert!(res.restarts > 0);
        let last = res.history.last().unwrap();
        if res.stop != StopReason::MaxIterations {
            assert_ne!(
                last.extra("restart"),
                Some(1.0),
                "seed {seed}: {:?} fired on a restart",
                res.stop
            );
        }
    }
}
