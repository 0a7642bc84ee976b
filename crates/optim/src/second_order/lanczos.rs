//! Lanczos on a tangent space: the smallest eigenvalue of the Riemannian
//! Hessian and its eigenvector, for saddle escape and for the second-order
//! stationarity certificate of the second-order solvers.

use manifold::Manifold;
use manifold::vecops::{axpy, dot, norm, scale};
use nalgebra::{DMatrix, SymmetricEigen};
use rand::Rng;

/// Options of [`smallest_eigenpair`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LanczosOptions {
    /// Krylov dimension at most (capped by the manifold's dimension).
    pub max_iter: usize,
    /// Stop when the residual ‖Hv − θv‖ ≤ tol·max(1, ‖T‖).
    pub tol: f64,
}

impl LanczosOptions {
    /// Checks the options: at least one Krylov vector, a tolerance ≥ 0.
    pub fn validate(&self) -> Result<(), crate::OptimError> {
        crate::error::check_option("lanczos max_iter", self.max_iter >= 1, "must be >= 1")?;
        crate::error::check_option(
            "lanczos tol",
            self.tol >= 0.0 && self.tol.is_finite(),
            "must be finite and >= 0",
        )
    }
}

impl Default for LanczosOptions {
    fn default() -> Self {
        Self {
            max_iter: 200,
            tol: 1e-10,
        }
    }
}

/// An approximate eigenpair (θ, v) of the Riemannian Hessian, v ∈ T_x M unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Eigenpair {
    /// The Ritz value θ ≈ λ_min(Hess f(x)).
    pub value: f64,
    /// The Ritz vector, unit norm, tangent at x.
    pub vector: Vec<f64>,
    /// Residual estimate ‖Hv − θv‖ from the Lanczos recurrence.
    pub residual: f64,
    /// Hessian-vector products used.
    pub hess_calls: usize,
}

/// Smallest eigenpair of the self-adjoint operator `hess` on T_x M by
/// Lanczos with full reorthogonalisation (the Krylov dimension is small next
/// to the ambient one, so the O(k²D) cost buys robustness).
///
/// The start vector is a random tangent vector from `rng`. When the Krylov
/// space becomes invariant before the eigenvalue converges (β_j ≈ 0, as when
/// the start lies in an invariant subspace), Lanczos restarts with a fresh
/// random direction orthogonal to the basis, so an eigenvector of H cannot
/// hide the rest of the spectrum.
pub fn smallest_eigenpair<M, E, H, R>(
    m: &M,
    x: &[f64],
    opts: &LanczosOptions,
    rng: &mut R,
    mut hess: H,
) -> Result<Eigenpair, E>
where
    M: Manifold,
    E: From<manifold::ManifoldError>,
    H: FnMut(&[f64], &mut [f64]) -> Result<(), E>,
    R: Rng + ?Sized,
{
    let d = m.ambient_dim();
    let kmax = opts.max_iter.min(m.dim()).max(1);
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(kmax);
    let mut alphas: Vec<f64> = Vec::with_capacity(kmax);
    let mut betas: Vec<f64> = Vec::with_capacity(kmax);
    let mut w = vec![0.0; d];
    let mut hess_calls = 0;

    let mut q = fresh_direction(m, x, &basis, rng)?;
    loop {
        hess(&q, &mut w)?;
        hess_calls += 1;
        let alpha = dot(&q, &w);
        basis.push(q);
        alphas.push(alpha);
        // Two passes of Gram–Schmidt against the whole basis.
        for _ in 0..2 {
            for b in &basis {
                let c = dot(b, &w);
                axpy(-c, b, &mut w);
            }
        }
        m.project(x, &mut w)?;
        let beta = norm(&w);
        let k = basis.len();
        let (theta, s) = smallest_ritz(&alphas, &betas);
        let t_norm = alphas.iter().chain(&betas).fold(0.0_f64, |a, b| a.max(b.abs()));
        let residual = beta * s[k - 1].abs();
        let converged = residual <= opts.tol * t_norm.max(1.0);
        if converged || k >= kmax {
            let mut v = vec![0.0; d];
            for (si, b) in s.iter().zip(&basis) {
                axpy(*si, b, &mut v);
            }
            m.project(x, &mut v)?;
            let nv = norm(&v);
            scale(1.0 / nv, &mut v);
            return Ok(Eigenpair {
                value: theta,
                vector: v,
                residual,
                hess_calls,
            });
        }
        if beta <= 1e-12 * t_norm.max(1e-300) {
            // Invariant subspace: continue in its orthogonal complement.
            betas.push(0.0);
            q = fresh_direction(m, x, &basis, rng)?;
        } else {
            betas.push(beta);
            scale(1.0 / beta, &mut w);
            q = w.clone();
        }
    }
}

/// A random unit tangent vector orthogonal to `basis`.
fn fresh_direction<M, E, R>(m: &M, x: &[f64], basis: &[Vec<f64>], rng: &mut R) -> Result<Vec<f64>, E>
where
    M: Manifold,
    E: From<manifold::ManifoldError>,
    R: Rng + ?Sized,
{
    let mut q = m.random_tangent(x, rng)?.as_slice().to_vec();
    for _ in 0..2 {
        for b in basis {
            let c = dot(b, &q);
            axpy(-c, b, &mut q);
        }
    }
    m.project(x, &mut q)?;
    let nq = norm(&q);
    scale(1.0 / nq, &mut q);
    Ok(q)
}

/// Smallest eigenpair of the tridiagonal matrix T with diagonal `alphas` and
/// off-diagonal `betas` (|betas| = |alphas| − 1).
fn smallest_ritz(alphas: &[f64], betas: &[f64]) -> (f64, Vec<f64>) {
    let k = alphas.len();
    let t = DMatrix::from_fn(k, k, |i, j| {
        if i == j {
            alphas[i]
        } else if i + 1 == j {
            betas[i]
        } else if j + 1 == i {
            betas[j]
        } else {
            0.0
        }
    });
    let eig = SymmetricEigen::new(t);
    let (imin, _) =
        eig.eigenvalues.iter().enumerate().fold(
            (0, f64::INFINITY),
            |(bi, bv), (i, v)| if *v < bv { (i, *v) } else { (bi, bv) },
        );
    (
        eig.eigenvalues[imin],
        eig.eigenvectors.column(imin).iter().copied().collect(),
    )
}
