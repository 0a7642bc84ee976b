//! Retractions, their inverses and vector transports as small strategy types.
//!
//! A strategy is a unit struct implementing [`Retraction<M>`] (and
//! [`InverseRetraction<M>`] where an inverse exists) or [`VectorTransport<M>`]
//! for the manifolds it makes sense on; each manifold names its default with
//! [`Manifold::Retraction`] and [`Manifold::Transport`].
//!
//! | strategy | manifolds | inverse |
//! |---|---|---|
//! | [`Exponential`] | Sphere, Oblique, Euclidean, Stiefel | the logarithm (Newton on Stiefel) |
//! | [`Normalize`] | Sphere, Oblique, ℓ^q sphere | closed form |
//! | [`Polar`] | Stiefel | Lyapunov solve |
//! | [`Qr`] | Stiefel | — |
//! | [`Addition`] | Euclidean | subtraction |
//!
//! Every retraction maps a zero step to the base point exactly (no 0/0).

use std::fmt;

use crate::error::Result;
use crate::manifold::Manifold;

/// A retraction R: T M → M, R_x(0) = x, dR_x(0) = id.
pub trait Retraction<M: Manifold>: fmt::Debug + Clone + Send + Sync {
    /// out ← R_x(v), for a point x and a tangent vector v at x.
    fn retract(&self, m: &M, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()>;
}

/// A retraction with an inverse R_x^{-1}(y) on a neighbourhood of x.
pub trait InverseRetraction<M: Manifold>: Retraction<M> {
    /// out ← R_x^{-1}(y), the tangent vector at x that the retraction maps to y.
    fn inverse_retract(&self, m: &M, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()>;
}

/// A vector transport T_{x→y}: T_x M → T_y M.
pub trait VectorTransport<M: Manifold>: fmt::Debug + Clone + Send + Sync {
    /// out ← T_{x→y}(v).
    fn transport(&self, m: &M, x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()>;
}

/// The exponential map and its inverse, the logarithm (LQK+20, eq. C.1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exponential;

/// Radial normalisation R_x(v) = (x + v)/‖x + v‖: the metric projection on
/// spheres (Frobenius on matrices, per column on Oblique, ℓ^q on the ℓ^q sphere).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Normalize;

/// Polar retraction on Stiefel, R_X(V) = (X + V)(I + VᵀV)^{-1/2}.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polar;

/// QR retraction on Stiefel, R_X(V) = qf(X + V) (Q with diag(R) > 0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Qr;

/// R_x(v) = x + v on a Euclidean space; its inverse is y − x.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Addition;

/// Transport by orthogonal projection onto the target tangent space,
/// T_{x→y}(v) = P_y(v): available on every manifold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectionTransport;

/// Parallel transport along the minimising geodesic from x to y; an isometry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParallelTransport;

impl<M: Manifold> VectorTransport<M> for ProjectionTransport {
    fn transport(&self, m: &M, _x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        crate::error::check_len(out, v.len())?;
        out.copy_from_slice(v);
        m.project(y, out)
    }
}
