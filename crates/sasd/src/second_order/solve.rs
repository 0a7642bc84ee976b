//! One smooth solve by trust region or curvilinear search, through the
//! executor, its records stamped by the recorder.

use manifold::{Euclidean, Manifold, Product, Sphere};
use optim::second_order::{
    CurvilinearOptions, CurvilinearSearch, ExactHessian, LanczosOptions, TrustRegion, TrustRegionOptions,
};
use optim::{Executor, HessianProblem, ManifoldProblem, OptimError, StopCriterion, StopReason};

use super::SecondOrderSolver;
use super::balance::Balanced;
use crate::error::{Result, SasdError};
use crate::objective::HuberLasso;
use crate::trace::{Recorder, RunObserver};

/// Minimises the Huber-smoothed Bilinear Lasso (λ, μ) with kernel length n
/// from the point `p0` = [a; x] (a on S^{n−1}); with `balance`, in the
/// coordinates (a, x/‖y‖) of [`Balanced`]. Returns the solve, its point in
/// the original coordinates, and the FFTs it ran.
pub(crate) fn huber_solve<O: RunObserver>(
    y: &[f64],
    n: usize,
    (lambda, mu): (f64, f64),
    p0: &[f64],
    balance: bool,
    spec: &SolveSpec,
    recorder: &mut Recorder<'_, O>,
) -> Result<(Solved, u64)> {
    let m = y.len();
    let mut f = HuberLasso::new(y, n, lambda, mu)?;
    let product = product(n, m)?;
    let norm_y = y.iter().map(|t| t * t).sum::<f64>().sqrt();
    let solved = if balance && norm_y > 0.0 {
        let mut z0 = p0.to_vec();
        z0[n..].iter_mut().for_each(|t| *t /= norm_y);
        let mut g = Balanced::new(&mut f, n, n + m, norm_y);
        let mut s = solve_smooth(&product, &mut g, &z0, spec, recorder)?;
        s.point[n..].iter_mut().for_each(|t| *t *= norm_y);
        s
    } else {
        solve_smooth(&product, &mut f, p0, spec, recorder)?
    };
    Ok((solved, f.ffts()))
}

/// The lifted length n = 3n₀ − 2, which must be shorter than the m samples
/// (the pipeline has checked the rest of y and n₀).
pub(crate) fn lifted_length(m: usize, n0: usize) -> Result<usize> {
    let n = 3 * n0 - 2;
    if n >= m {
        return Err(SasdError::KernelTooLong {
            kernel: n,
            signal: m,
            axis: 0,
        });
    }
    Ok(n)
}

/// S^{n−1} × ℝ^m.
pub(crate) fn product(n: usize, m: usize) -> Result<Product<Sphere, Euclidean>> {
    let sphere = Sphere::new(n).map_err(OptimError::from)?;
    let line = Euclidean::new(m).map_err(OptimError::from)?;
    Ok(Product::new(sphere, line))
}

/// How to run one smooth solve.
pub(crate) struct SolveSpec {
    pub solver: SecondOrderSolver,
    /// Length of the kernel block at the start of the point.
    pub kernel_len: usize,
    pub eps_gradient: f64,
    pub eps_hessian: f64,
    pub stop: StopCriterion,
    pub seed: u64,
    /// Extras added to every record of this solve (stage, λ).
    pub tags: Vec<(&'static str, f64)>,
}

/// The outcome of one smooth solve, whichever solver ran it.
#[derive(Debug, Clone)]
pub(crate) struct Solved {
    pub point: Vec<f64>,
    pub stop: StopReason,
    pub iterations: usize,
    pub hess_calls: usize,
    pub grad_calls: usize,
    pub cost_calls: usize,
    pub cost: f64,
    pub grad_norm: f64,
    pub lambda_min: Option<f64>,
}

impl Solved {
    /// This solve's final state with the counts of `earlier` added.
    pub fn merged_after(self, earlier: &Solved) -> Solved {
        Solved {
            iterations: self.iterations + earlier.iterations,
            hess_calls: self.hess_calls + earlier.hess_calls,
            grad_calls: self.grad_calls + earlier.grad_calls,
            cost_calls: self.cost_calls + earlier.cost_calls,
            ..self
        }
    }
}

/// Minimises a smooth problem with exact Hessian products on `manifold` from
/// `x0` with the solver of `spec`, until its stop or second-order
/// stationarity (‖grad f‖ ≤ ε_g and λ_min ≥ −ε_H).
pub(crate) fn solve_smooth<M, P, O>(
    manifold: &M,
    problem: &mut P,
    x0: &[f64],
    spec: &SolveSpec,
    recorder: &mut Recorder<'_, O>,
) -> Result<Solved>
where
    M: Manifold,
    P: HessianProblem,
    O: RunObserver,
{
    recorder.begin(spec.tags.clone(), spec.kernel_len);
    let mut oracle = ExactHessian::new(problem);
    let retraction = M::Retraction::default();
    let stop = spec.stop.clone()
        | StopCriterion::SecondOrder {
            gradient: spec.eps_gradient,
            hessian: spec.eps_hessian,
        };
    let problem = ManifoldProblem::new(manifold, &mut oracle);
    let start = x0.to_vec();
    let r = match spec.solver {
        SecondOrderSolver::TrustRegion => {
            let options = TrustRegionOptions {
                eps_gradient: spec.eps_gradient,
                eps_hessian: spec.eps_hessian,
                lanczos: lanczos(),
                seed: spec.seed,
                ..Default::default()
            };
            Executor::new(TrustRegion::new(options, retraction)?, problem)
                .stop(stop)
                .keep_history(false)
                .observe(recorder)
                .run(start)?
        }
        SecondOrderSolver::Curvilinear => {
            let options = CurvilinearOptions {
                eps_gradient: spec.eps_gradient,
                eps_hessian: spec.eps_hessian,
                // Lanczos only near stationarity: far from it the gradient
                // alone gives ample decrease and each Lanczos run costs up to
                // `lanczos().max_iter` Hessian products.
                curvature_below: spec.eps_gradient,
                lanczos: lanczos(),
                seed: spec.seed,
                ..Default::default()
            };
            Executor::new(CurvilinearSearch::new(options, retraction)?, problem)
                .stop(stop)
                .keep_history(false)
                .observe(recorder)
                .run(start)?
        }
    };
    recorder.end(r.counts.work);
    Ok(Solved {
        point: r.iterate,
        stop: r.stop,
        iterations: r.iterations,
        hess_calls: r.counts.hess,
        grad_calls: r.counts.grad,
        cost_calls: r.counts.cost,
        cost: r.cost,
        grad_norm: r.grad_norm.unwrap_or(f64::NAN),
        lambda_min: r.lambda_min,
    })
}

/// Lanczos for the second-order certificate: 50 Krylov vectors at most,
/// residual ≤ 1e-6·‖T‖. Why not optim's default 200 / 1e-10: the Hessians
/// met here have λ_min of order ‖x‖² ≫ ε_H at minimisers (40–120 in the
/// balanced coordinates) or a clearly negative one at saddles, so the sign
/// is settled long before the Ritz value converges to 1e-10, and optim's
/// Lanczos re-diagonalises the k×k tridiagonal matrix at every step (O(k⁴)
/// in all): 100 vectors cost ≈ 100 ms, several times the whole solve on
/// m = 2000. The Ritz value is an upper bound of λ_min, so the certificate
/// is that of a 50-dimensional Krylov space.
fn lanczos() -> LanczosOptions {
    LanczosOptions {
        max_iter: 50,
        tol: 1e-6,
    }
}
