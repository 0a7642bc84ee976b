//! The [`Manifold`] trait: the geometry every solver of the workspace consumes.

use std::fmt;

use rand::Rng;

use crate::error::{ManifoldError, Result, check_len, check_vector};
use crate::retraction::{InverseRetraction, VectorTransport};
use crate::vecops;

/// Storage of points and tangent vectors: one flat column-major vector.
///
/// Matrix manifolds (Oblique n×N, Stiefel n×p, a 2-D kernel on the Frobenius
/// sphere) store their matrices column by column and know their own shape.
pub type Vector = nalgebra::DVector<f64>;

/// A Riemannian submanifold of a Euclidean space ℝ^D, D = [`Manifold::ambient_dim`].
///
/// Points and tangent vectors are passed as flat slices of length D so that a
/// [`Product`](crate::Product) can hand each factor its part without copying,
/// and so that a solver can keep them in preallocated buffers. Every manifold
/// of this crate carries the metric induced by the Euclidean inner product of
/// ℝ^D (the defaults of [`inner`](Self::inner) and [`norm`](Self::norm)).
///
/// Operations that write a vector do so in place or into an `out` slice:
/// nothing allocates, except the random generators and the Stiefel
/// retractions (dense p×p factorisations).
///
/// Validation: every method that takes vectors checks their lengths and
/// returns [`ManifoldError::LengthMismatch`]; [`check_point`](Self::check_point)
/// and [`check_tangent`](Self::check_tangent) also reject non-finite entries
/// and vectors off the manifold, and are what solvers call on user input.
/// [`inner`](Self::inner) and [`norm`](Self::norm) are the exception: they
/// assume tangent vectors of equal length, as produced by the other methods.
pub trait Manifold: fmt::Debug + Send + Sync + Sized {
    /// The retraction solvers use unless told otherwise; it has an inverse so
    /// that momentum methods (iADM) can run on any manifold.
    type Retraction: InverseRetraction<Self> + Default;
    /// The vector transport solvers use unless told otherwise.
    type Transport: VectorTransport<Self> + Default;

    /// A short human-readable name, e.g. `Sphere(S^99)`.
    fn name(&self) -> String;

    /// Intrinsic dimension (the number of degrees of freedom).
    fn dim(&self) -> usize;

    /// Length D of the flat vectors that store points and tangent vectors.
    fn ambient_dim(&self) -> usize;

    /// Riemannian metric ⟨u, v⟩_x (the Euclidean one for every manifold here).
    fn inner(&self, _x: &[f64], u: &[f64], v: &[f64]) -> f64 {
        vecops::dot(u, v)
    }

    /// Norm of a tangent vector, ‖u‖_x.
    fn norm(&self, _x: &[f64], u: &[f64]) -> f64 {
        vecops::norm(u)
    }

    /// Orthogonal projection of an ambient vector onto T_x M, in place.
    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()>;

    /// Euclidean gradient ∇f(x) → Riemannian gradient grad f(x), in place.
    ///
    /// For a Riemannian submanifold with the induced metric this is the
    /// tangent projection (LQK+20, App. C.1: grad ψ = P_{a⊥} ∇ψ).
    fn egrad_to_rgrad(&self, x: &[f64], egrad: &mut [f64]) -> Result<()> {
        self.project(x, egrad)
    }

    /// Euclidean Hessian-vector product → Riemannian one, in place.
    ///
    /// On entry `hess` holds ∇²f(x)\[u\] for a tangent u; on exit it holds
    /// Hess f(x)\[u\] = P_x(∇²f(x)\[u\]) + 𝔚_x(u, P_x^⊥ ∇f(x)), the second term
    /// being the Weingarten map (curvature) of the embedding, which is why
    /// the Euclidean gradient `egrad` is needed.
    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()>;

    /// A random point, drawn from a distribution that is invariant under the
    /// manifold's symmetries where there is one (uniform on spheres, Haar on
    /// Stiefel), standard Gaussian on Euclidean spaces.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector;

    /// A random unit-norm tangent vector at x (Gaussian, projected, normalised).
    fn random_tangent<R: Rng + ?Sized>(&self, x: &[f64], rng: &mut R) -> Result<Vector> {
        check_len(x, self.ambient_dim())?;
        let mut v = gaussian_vector(self.ambient_dim(), rng);
        self.project(x, v.as_mut_slice())?;
        let nv = self.norm(x, v.as_slice());
        if nv == 0.0 {
            return Err(ManifoldError::ZeroVector { column: 0 });
        }
        v /= nv;
        Ok(v)
    }

    /// The zero tangent vector.
    fn zero_tangent(&self) -> Vector {
        Vector::zeros(self.ambient_dim())
    }

    /// A typical distance on the manifold: the trust-region solver's Δ̄.
    fn typical_dist(&self) -> f64;

    /// How far x is from the manifold (0 on it), e.g. | ‖x‖ − 1 | on the sphere.
    fn point_deviation(&self, x: &[f64]) -> f64;

    /// How far v is from T_x M (0 when tangent), e.g. |⟨x, v⟩| on the sphere.
    fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64;

    /// Validates a point: length, finite entries, on the manifold within `tol`.
    fn check_point(&self, x: &[f64], tol: f64) -> Result<()> {
        check_vector(x, self.ambient_dim())?;
        let deviation = self.point_deviation(x);
        if deviation <= tol {
            Ok(())
        } else {
            Err(ManifoldError::NotOnManifold { deviation, tol })
        }
    }

    /// Validates a tangent vector at a valid point x.
    fn check_tangent(&self, x: &[f64], v: &[f64], tol: f64) -> Result<()> {
        check_vector(x, self.ambient_dim())?;
        check_vector(v, self.ambient_dim())?;
        let deviation = self.tangent_deviation(x, v);
        if deviation <= tol {
            Ok(())
        } else {
            Err(ManifoldError::NotTangent { deviation, tol })
        }
    }
}

/// Manifolds with a closed-form geodesic distance.
pub trait Distance: Manifold {
    /// Geodesic distance between two points.
    fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64>;
}

/// A standard Gaussian vector of length n.
pub fn gaussian_vector<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vector {
    use rand_distr::{Distribution, StandardNormal};
    Vector::from_fn(n, |_, _| StandardNormal.sample(rng))
}
