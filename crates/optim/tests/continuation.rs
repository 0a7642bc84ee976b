//! Homotopy continuation (LQK+20, Alg. 6) and reweighting (Alg. 7) around
//! the composite solvers.

mod composite_common;

use std::time::Duration;

use composite_common::{
    Bilinear, iadm_with_noise, lasso_by_coordinate_descent, weighted_lasso_by_coordinate_descent, x_of,
};
use manifold::{Exponential, Sphere};
use nalgebra::{DMatrix, DVector};
use optim::{
    AdaptiveDecay, Blocks, Composite, Control, Executor, Homotopy, HomotopyOptions, InertialAdm, L1,
    ManifoldProblem, Reweighting, ReweightingOptions, State, StopCriterion as S, StopReason, WeightedL1,
};

fn start() -> Blocks {
    Blocks {
        a: vec![1.0, 0.0],
        x: vec![0.0; 20],
    }
}
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

/// The adaptive decay reaches the same solution in fewer stages (on the
/// Lasso the kernel block stays put, so every stage may decay fast).
#[test]
fn an_adaptive_decay_reaches_the_lasso_solution_in_fewer_stages() {
    let (a, y) = lasso_instance(3);
    let lambda0 = (a.transpose() * &y).amax();
    let lambda_star = 0.05 * lambda0;
    let reference = lasso_by_coordinate_descent(&a, &y, lambda_star);
    let m = Sphere::new(2).unwrap();
    let mut stages = Vec::new();
    for adaptive in [None, Some(AdaptiveDecay::default())] {
        let mut problem = Composite {
            smooth: Bilinear::lasso(a.clone(), y.clone()),
            penalty: L1::default(),
            lambda: lambda0,
        };
        let options = HomotopyOptions {
            eps_star: Some(1e-9),
            stage_iterations: 20_000,
            adaptive,
            ..HomotopyOptions::new(lambda0, lambda_star)
        };
        let homotopy = Homotopy::new(InertialAdm::for_manifold(&m), options).unwrap();
        let res = homotopy.solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20]).unwrap();
        assert_eq!(res.stop, StopReason::Completed);
        let err = (&x_of(&res) - &reference).norm() / reference.norm();
        assert!(err <= 1e-8, "{adaptive:?}: relative error {err:e}");
        assert_eq!(problem.lambda, lambda_star);
        stages.push(res.history.last().unwrap().extra("stage").unwrap() as usize + 1);
    }
    // 30 stages at η = 0.9; the adaptive decay doubles its step to η_min.
    assert_eq!(stages[0], 30);
    assert!(stages[1] <= 8, "adaptive: {} stages", stages[1]);
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
    let options = HomotopyOptions {
        eps_star: Some(1e-9),
        stage_iterations: 20_000,
        ..HomotopyOptions::new(lambda0, lambda_star)
    };
    let homotopy = Homotopy::new(InertialAdm::for_manifold(&m), options).unwrap();
    let schedule = homotopy.schedule().to_vec();
    // K = ⌈log(0.05)/log(0.9)⌉ = 29 stages before the final round at λ*.
    assert_eq!(schedule.len(), 30);
    assert_eq!(*schedule.last().unwrap(), lambda_star);
    assert!(schedule.windows(2).all(|w| w[1] < w[0]));
    let mut seen = Vec::new();
    let mut observer = |st: &State<Blocks>| {
        seen.push(st.extra("lambda").unwrap());
        Control::Continue
    };
    let res = Executor::new(homotopy, ManifoldProblem::new(&m, &mut problem))
        .observe(&mut observer)
        .run(start())
        .unwrap();
    assert_eq!(res.stop, StopReason::Completed);
    let err = (&x_of(&res) - &reference).norm() / reference.norm();
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
    let homotopy = Homotopy::new(InertialAdm::for_manifold(&m), HomotopyOptions::new(10.0, 0.01)).unwrap();
    let run = |problem: &mut Composite<Bilinear, L1>, stop: S| {
        Executor::new(homotopy.clone(), ManifoldProblem::new(&m, problem))
            .stop(stop)
            .run(start())
            .unwrap()
    };
    // The whole run's limits are the executor's criterion.
    let res = run(&mut problem, S::MaxIterations(25));
    assert_eq!((res.stop, res.iterations), (StopReason::MaxIterations, 25));
    let res = run(&mut problem, S::TimeBudget(Duration::ZERO));
    assert_eq!((res.stop, res.iterations), (StopReason::TimeBudget, 0));
    let mut observer = |st: &State<Blocks>| {
        if st.iteration >= 3 {
            Control::Stop
        } else {
            Control::Continue
        }
    };
    let res = Executor::new(homotopy.clone(), ManifoldProblem::new(&m, &mut problem))
        .observe(&mut observer)
        .run(start())
        .unwrap();
    assert_eq!((res.stop, res.iterations), (StopReason::Observer, 3));
    // Invalid options are refused when the solver is built.
    for bad in [
        HomotopyOptions {
            eta: 1.0,
            ..HomotopyOptions::new(10.0, 0.01)
        },
        HomotopyOptions::new(10.0, -1.0),
        HomotopyOptions {
            stage_iterations: 0,
            ..HomotopyOptions::new(10.0, 0.01)
        },
    ] {
        assert!(Homotopy::new(InertialAdm::iadm(Exponential), bad).is_err());
    }
}

#[test]
fn reweighting_uses_rule_b7_and_solves_each_weighted_problem() {
    let options = ReweightingOptions {
        rounds: 3,
        rank: 2,
        eps_floor: 1e-3,
        precision: 1e-12,
        stage_iterations: 1000,
    };
    let rw = Reweighting::new((), options).unwrap();
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
        penalty: WeightedL1::uniform(false),
        lambda,
    };
    let rw = Reweighting::new(InertialAdm::for_manifold(&m), options).unwrap();
    let res = rw.solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20]).unwrap();
    assert_eq!(res.stop, StopReason::Completed);
    // The last round solved the Lasso with the final weights.
    let lambdas: Vec<f64> = problem.penalty.weights.iter().map(|w| lambda * w).collect();
    assert!(
        problem.penalty.weights.iter().any(|w| (w - 1.0).abs() > 0.1),
        "weights were updated"
    );
    let reference = weighted_lasso_by_coordinate_descent(&a, &y, &lambdas);
    let err = (&x_of(&res) - &reference).norm() / reference.norm();
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
    let options = HomotopyOptions {
        eps_star: Some(1e-14),
        stage_iterations: 3,
        ..HomotopyOptions::new(10.0, 0.1)
    };
    let homotopy = Homotopy::new(InertialAdm::for_manifold(&m), options).unwrap();
    let res = homotopy.solve(&m, &mut problem, &[1.0, 0.0], &[0.0; 20]).unwrap();
    assert_eq!(res.stop, StopReason::MaxIterations);
}

/// A coupling whose value oracles carry an absolute rounding noise of ±η (a
/// deterministic function of the point, as rounding is) and whose gradients
/// are exact: an FFT objective near its noise floor (LQK+20 §6.1.1).
struct Noisy {
    inner: Bilinear,
    eta: f64,
}

impl Noisy {
    fn noise(&self, v: &[f64]) -> f64 {
        let h = v.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, t| {
            (h ^ t.to_bits()).wrapping_mul(0x0100_0000_01b3)
        });
        self.eta * ((h >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
    }
}

impl optim::TwoBlockSmooth for Noisy {
    fn a_len(&self) -> usize {
        self.inner.a_len()
    }
    fn x_len(&self) -> usize {
        self.inner.x_len()
    }
    fn fix_a(&mut self, a: &[f64]) {
        self.inner.fix_a(a)
    }
    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.inner.value_x(x) + self.noise(x)
    }
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.inner.grad_x(x, grad)
    }
    fn fix_x(&mut self, x: &[f64]) {
        self.inner.fix_x(x)
    }
    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.inner.value_a(a) + self.noise(a)
    }
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.inner.grad_a(a, grad)
    }
}

/// Reweighting on values noisy at η = 1e-9 with exact gradients: every
/// round runs, as the measured noise keeps rounding from failing the
/// searches. With the noise figure forced to 0 (a slack relative to ψ
/// alone) some rounds end with a failed search, and with them the schedule.
#[test]
fn reweighting_runs_every_round_on_noisy_values() {
    use manifold::Manifold;
    let m = Sphere::new(4).unwrap();
    let mut cut_short = 0;
    for seed in 0..5 {
        for measured in [true, false] {
            let a0 = m
                .random_point(&mut StdRng::seed_from_u64(seed))
                .as_slice()
                .to_vec();
            let mut problem = Composite {
                smooth: Noisy {
                    inner: Bilinear::random(4, 25, 15, seed),
                    eta: 1e-9,
                },
                penalty: WeightedL1::uniform(false),
                lambda: 0.1,
            };
            let inner = if measured {
                InertialAdm::for_manifold(&m)
            } else {
                iadm_with_noise(0.0)
            };
            let options = ReweightingOptions {
                rounds: 4,
                rank: 3,
                eps_floor: 1e-3,
                precision: 1e-6,
                stage_iterations: 3000,
            };
            let rw = Reweighting::new(inner, options).unwrap();
            let res = rw.solve(&m, &mut problem, &a0, &[0.0; 15]).unwrap();
            let last_round = res.history.last().unwrap().extra("round").unwrap();
            if measured {
                assert_ne!(res.stop, StopReason::LineSearchFailed, "seed {seed}");
                assert_eq!(last_round, 3.0, "seed {seed}");
            } else if res.stop == StopReason::LineSearchFailed && last_round < 3.0 {
                cut_short += 1;
            }
        }
    }
    assert!(
        cut_short >= 1,
        "the slack relative to ψ alone should fail on some seed"
    );
}
