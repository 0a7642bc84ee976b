//! Trust region on the Rayleigh quotient: saddle escape with a second-order
//! certificate, superlinear local convergence, the finite-difference Hessian,
//! and the stop hooks.

mod rayleigh_common;

use manifold::{Exponential, Manifold, ParallelTransport, Sphere};
use optim::second_order::{ExactHessian, FiniteDifferenceHessian, TrustRegion, TrustRegionOptions};
use optim::{Control, Executor, ManifoldProblem, State, StopCriterion as S, StopReason};
use rayleigh_common::Rayleigh;

fn options() -> TrustRegionOptions {
    TrustRegionOptions {
        eps_gradient: 1e-11,
        eps_hessian: 1e-8,
        ..Default::default()
    }
}

/// Started exactly at a non-extremal eigenvector (a strict saddle, where the
/// gradient vanishes), the trust region escapes along the negative-curvature
/// direction and reaches the minimiser, certified by λ_min(Hess f) ≥ −1e-8.
#[test]
fn escapes_a_strict_saddle_and_certifies_the_minimiser() {
    let n = 40;
    let mut p = Rayleigh::planted(n, 7);
    let m = Sphere::new(n).unwrap();
    let x0 = p.eigenvector(n / 2);
    let mut oracle = ExactHessian::new(&mut p);
    let tr = TrustRegion::for_manifold(&m, options()).unwrap();
    let res = tr.solve(&m, &mut oracle, &x0).unwrap();
    assert_eq!(res.stop, StopReason::SecondOrderStationary);
    assert_eq!(
        res.history[0].extra("eigenstep"),
        Some(1.0),
        "the first step must use curvature"
    );
    let lambda_min = res.lambda_min.unwrap();
    assert!(lambda_min >= -1e-8, "λ_min = {lambda_min}");
    // At the minimiser Hess f = P(A − λ₁ I)P has smallest eigenvalue λ₂ − λ₁ = 1.
    assert!((lambda_min - 1.0).abs() <= 1e-6, "λ_min = {lambda_min}");
    let err = p.distance_to_minimiser(&res.iterate);
    assert!(err <= 1e-8, "distance to the minimiser {err:e}");
    assert!((res.cost - 0.5).abs() <= 1e-12);
}

/// Near a nondegenerate minimiser the exact-Hessian trust region converges
/// superlinearly: the gradient norm of each accepted step is at most the
/// previous one to the power 1.5 once below 1e-2.
#[test]
fn converges_superlinearly_with_the_exact_hessian() {
    let n = 60;
    let mut p = Rayleigh::planted(n, 3);
    let m = Sphere::new(n).unwrap();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let x0 = m.random_point(&mut rng);
    let mut oracle = ExactHessian::new(&mut p);
    let tr = TrustRegion::for_manifold(&m, options()).unwrap();
    let res = tr.solve(&m, &mut oracle, x0.as_slice()).unwrap();
    assert_eq!(res.stop, StopReason::SecondOrderStationary);
    assert!(p.distance_to_minimiser(&res.iterate) <= 1e-8);
    let grads: Vec<f64> = res
        .history
        .iter()
        .filter(|s| s.extra("accepted") == Some(1.0))
        .map(|s| s.grad_norm.unwrap())
        .collect();
    let tail: Vec<&[f64]> = grads.windows(2).filter(|w| w[0] < 1e-2 && w[1] > 1e-13).collect();
    assert!(
        tail.len() >= 2,
        "too few iterations in the local phase: {grads:?}"
    );
    for w in tail {
        assert!(
            w[1] <= w[0].powf(1.5),
            "not superlinear: {} -> {} in {grads:?}",
            w[0],
            w[1]
        );
    }
}

/// The finite-difference Hessian (gradient at R_x(c·u) transported back)
/// reaches the same minimiser.
#[test]
fn finite_difference_hessian_reaches_the_same_point() {
    let n = 30;
    let mut p = Rayleigh::planted(n, 11);
    let m = Sphere::new(n).unwrap();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(2);
    let x0 = m.random_point(&mut rng);
    let tr = TrustRegion::for_manifold(&m, options()).unwrap();
    let exact = {
        let mut oracle = ExactHessian::new(&mut p);
        tr.solve(&m, &mut oracle, x0.as_slice()).unwrap()
    };
    let mut oracle = FiniteDifferenceHessian::new(&mut p, Exponential, ParallelTransport);
    let fd = tr.solve(&m, &mut oracle, x0.as_slice()).unwrap();
    assert_eq!(fd.stop, StopReason::SecondOrderStationary);
    let gap: f64 = exact
        .iterate
        .iter()
        .zip(&fd.iterate)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        .sqrt();
    assert!(gap <= 1e-8, "exact and FD runs differ by {gap:e}");
    assert!(p.distance_to_minimiser(&fd.iterate) <= 1e-8);
}

#[test]
fn stopping_criteria_time_budget_and_observer_are_honoured() {
    let n = 30;
    let mut p = Rayleigh::planted(n, 5);
    let m = Sphere::new(n).unwrap();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
    let x0 = m.random_point(&mut rng);
    let mut oracle = ExactHessian::new(&mut p);
    let tr = TrustRegion::for_manifold(&m, options()).unwrap();
    let mut run = |stop: S| {
        Executor::new(tr.clone(), ManifoldProblem::new(&m, &mut oracle))
            .stop(stop)
            .run(x0.as_slice().to_vec())
            .unwrap()
    };
    let res = run(S::MaxIterations(2));
    assert_eq!((res.stop, res.iterations), (StopReason::MaxIterations, 2));
    // The criterion is asked before the first iteration too (as Manopt.jl).
    let res = run(S::TimeBudget(std::time::Duration::ZERO));
    assert_eq!((res.stop, res.iterations), (StopReason::TimeBudget, 0));
    let res = run(S::GradientNorm(1e-3));
    assert_eq!(res.stop, StopReason::GradientNorm);
    assert!(res.grad_norm.unwrap() <= 1e-3);
    let mut rhos = Vec::new();
    let mut observer = |st: &State<Vec<f64>>| {
        rhos.push(st.extra("rho").unwrap());
        if st.iteration >= 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let res = Executor::new(tr.clone(), ManifoldProblem::new(&m, &mut oracle))
        .observe(&mut observer)
        .run(x0.as_slice().to_vec())
        .unwrap();
    assert_eq!(
        (res.stop, res.iterations, res.history.len()),
        (StopReason::Observer, 3, 3)
    );
    assert_eq!(rhos.len(), 3);
    assert_eq!(Some(rhos[2]), res.history[2].extra("rho"));
    // Options out of range are refused when the solver is built.
    for bad in [
        TrustRegionOptions {
            rho_prime: 2.0,
            ..options()
        },
        TrustRegionOptions {
            kappa: -1.0,
            ..options()
        },
        TrustRegionOptions {
            initial_radius: Some(0.0),
            ..options()
        },
    ] {
        assert!(TrustRegion::for_manifold(&m, bad).is_err());
    }
}

/// The curvilinear search escapes the same kind of saddle through its
/// negative-curvature direction and ends certified at the minimiser.
#[test]
fn curvilinear_search_escapes_a_strict_saddle() {
    use optim::second_order::{CurvilinearOptions, CurvilinearSearch};
    let n = 20;
    let mut p = Rayleigh::planted(n, 9);
    let m = Sphere::new(n).unwrap();
    let x0 = p.eigenvector(n / 2);
    let mut oracle = ExactHessian::new(&mut p);
    let opts = CurvilinearOptions {
        eps_gradient: 1e-11,
        eps_hessian: 1e-8,
        ..Default::default()
    };
    let cs = CurvilinearSearch::for_manifold(&m, opts).unwrap();
    let res = cs.solve(&m, &mut oracle, &x0).unwrap();
    assert_eq!(
        res.stop,
        StopReason::SecondOrderStationary,
        "after {} iterations",
        res.iterations
    );
    let first = &res.history[0];
    assert!(first.extra("negative_curvature") == Some(1.0) && first.extra("lambda_min").unwrap() < -1.0);
    let lambda_min = res.lambda_min.unwrap();
    assert!(
        lambda_min >= -1e-8 && (lambda_min - 1.0).abs() <= 1e-6,
        "λ_min = {lambda_min}"
    );
    let err = p.distance_to_minimiser(&res.iterate);
    assert!(err <= 1e-8, "distance to the minimiser {err:e}");
}

/// An oracle given a point of the wrong length refuses it with a typed
/// error instead of panicking (its buffers are sized from the points).
#[test]
fn exact_hessian_refuses_a_point_of_the_wrong_length() {
    use optim::second_order::SecondOrderOracle;
    let n = 6;
    let mut p = Rayleigh::planted(n, 1);
    let m = Sphere::new(n).unwrap();
    let mut oracle = ExactHessian::new(&mut p);
    let mut g = vec![0.0; n + 1];
    let bad = vec![1.0 / ((n + 1) as f64).sqrt(); n + 1];
    assert!(oracle.cost_rgrad(&m, &bad, &mut g).is_err());
    let x = p_eig(n);
    let mut g = vec![0.0; n];
    let f = oracle.cost_rgrad(&m, &x, &mut g).unwrap();
    assert!(f.is_finite());
    let mut out = vec![0.0; n - 1];
    assert!(oracle.rhess(&m, &x, &g, &mut out).is_err());
}

fn p_eig(n: usize) -> Vec<f64> {
    let mut x = vec![0.0; n];
    x[0] = 1.0;
    x
}
