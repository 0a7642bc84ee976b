//! Generalized phase retrieval (Qu19): y = |A x*| with real Gaussian A
//! (n = 64) and complex Gaussian A (n = 32, solved on ℝ^{2n}), from
//! f(x) = 1/(4m) Σ (y_i² − |a_iᵀx|²)².
//!
//! Methods: the Riemannian trust region (here on ℝ^n, with the exact Hessian)
//! from a random start (Sun, Qu & Wright 2018), gradient descent from a random
//! start, and Wirtinger flow from the spectral start (Candès, Li &
//! Soltanolkotabi 2015). Success: relative error after the best global
//! sign/phase ≤ 1e-6.
//!
//! Random starts are random directions at `--start-scale` (default 0.01)
//! times the data's scale √mean(y²) ≈ ‖x*‖. Near the origin the Hessian is
//! −(1/m)Σ y_i² a_i a_iᵀ, whose most negative direction is the spectral
//! direction, so the trust region's negative-curvature steps find the
//! spectral initialisation by themselves (the strict-saddle picture of
//! Sun, Qu & Wright). From starts at the data scale (`--start-scale 1`) it
//! lands in spurious local minima more often at small m/n (see the README's
//! figures).
//!
//! cargo run --release --example phase_retrieval -- [--seed 1] [--json out.json] [--trials 20]

#[path = "../common/mod.rs"]
mod common;
mod problem;

use std::time::Instant;

use manifold::{Euclidean, Manifold};
use nalgebra::DVector;
use optim::second_order::{ExactHessian, TrustRegion, TrustRegionOptions};
use optim::{Executor, GradientDescent, ManifoldProblem, StopCriterion as S};
use problem::{Field, PhaseRetrieval, relative_error};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::json;

const USAGE: &str = "usage: phase_retrieval [--seed N] [--json PATH] [--trials 20] [--start-scale 0.01]";
const RATIOS: [usize; 6] = [2, 3, 4, 5, 6, 8];
const SUCCESS: f64 = 1e-6;

/// One run: (relative error, seconds, iterations).
type Outcome = (f64, f64, usize);

/// A method: solves the problem in place, returns the point and its iterations.
type Method<'a> = &'a mut dyn FnMut(&mut PhaseRetrieval) -> (DVector<f64>, usize);

/// A random direction at `fraction` of the norm the data suggest
/// (‖x*‖² ≈ mean(y²)).
fn random_start(p: &PhaseRetrieval, d: usize, fraction: f64, rng: &mut StdRng) -> DVector<f64> {
    let g = Euclidean::new(d).expect("d > 0").random_point(rng);
    let scale = (p.y2.iter().sum::<f64>() / p.m() as f64).sqrt();
    &g / g.norm() * (fraction * scale)
}

fn trust_region(p: &mut PhaseRetrieval, x0: &DVector<f64>) -> (DVector<f64>, usize) {
    let d = x0.len();
    let m = Euclidean::new(d).expect("d > 0");
    let options = TrustRegionOptions {
        eps_gradient: 1e-10,
        eps_hessian: 1e-8,
        ..Default::default()
    };
    let stop = S::MaxIterations(500)
        | S::SecondOrder {
            gradient: options.eps_gradient,
            hessian: options.eps_hessian,
        };
    let tr = TrustRegion::for_manifold(&m, options).expect("valid options");
    let mut oracle = ExactHessian::new(p);
    let res = Executor::new(tr, ManifoldProblem::new(&m, &mut oracle))
        .stop(stop)
        .run(x0.as_slice().to_vec())
        .expect("valid start");
    (DVector::from_vec(res.iterate), res.iterations)
}

fn gradient_descent(p: &mut PhaseRetrieval, x0: &DVector<f64>) -> (DVector<f64>, usize) {
    let m = Euclidean::new(x0.len()).expect("d > 0");
    let gd = GradientDescent::for_manifold(&m);
    let res = Executor::new(gd, ManifoldProblem::new(&m, p))
        .stop(S::MaxIterations(5000) | S::GradientNorm(1e-10))
        .run(x0.as_slice().to_vec())
        .expect("valid start");
    (DVector::from_vec(res.iterate), res.iterations)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() { f64::NAN } else { v[v.len() / 2] }
}

fn main() {
    let args = common::parse(USAGE, &[1]);
    let trials: usize = args.get("trials", 20);
    let start_scale: f64 = args.get("start-scale", 0.01);
    let seed = args.seeds[0];
    println!(
        "phase retrieval: {trials} trials per cell, starts at {start_scale} x data scale, \
         success = relative error <= {SUCCESS:e}"
    );
    println!(
        "{:<8} {:>4} {:<18} {:>8} {:>12} {:>11}",
        "field", "m/n", "method", "success", "median time", "median iter"
    );
    let mut rows = Vec::new();
    for (field, n) in [(Field::Real, 64), (Field::Complex, 32)] {
        for ratio in RATIOS {
            let mut outcomes: [Vec<Outcome>; 3] = Default::default();
            for trial in 0..trials {
                let mut rng = StdRng::seed_from_u64(
                    seed.wrapping_mul(1_000_003)
                        .wrapping_add((ratio * 1000 + trial) as u64),
                );
                let mut inst = PhaseRetrieval::planted(n, ratio * n, field, &mut rng);
                let d = inst.truth.len();
                let x0 = random_start(&inst.problem, d, start_scale, &mut rng);
                let runs: [Method; 3] = [
                    &mut |p| trust_region(p, &x0),
                    &mut |p| gradient_descent(p, &x0),
                    &mut |p| problem::wirtinger_flow(p, 1e-10, 5000),
                ];
                for (k, run) in runs.into_iter().enumerate() {
                    let start = Instant::now();
                    let (x, iterations) = run(&mut inst.problem);
                    let time = start.elapsed().as_secs_f64();
                    outcomes[k].push((relative_error(&x, &inst.truth, field), time, iterations));
                }
            }
            for (name, runs) in ["trust region", "gradient descent", "Wirtinger flow"]
                .iter()
                .zip(&outcomes)
            {
                let ok = runs.iter().filter(|r| r.0 <= SUCCESS).count();
                let mut times: Vec<f64> = runs.iter().map(|r| r.1).collect();
                let mut iters: Vec<f64> = runs.iter().map(|r| r.2 as f64).collect();
                let (t, it) = (median(&mut times), median(&mut iters));
                let field_name = format!("{field:?}");
                println!(
                    "{field_name:<8} {ratio:>4} {name:<18} {ok:>5}/{trials:<2} {:>10.2}ms {it:>11}",
                    t * 1e3
                );
                rows.push(
                    json!({"field": field_name, "n": n, "m_over_n": ratio, "method": name,
                    "successes": ok, "trials": trials, "median_time_s": t, "median_iterations": it}),
                );
            }
        }
    }
    if let Some(path) = &args.json {
        common::write_json(
            path,
            &json!({"seed": seed, "success_threshold": SUCCESS, "cells": rows}),
        );
    }
}
