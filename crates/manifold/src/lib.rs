//! Riemannian manifolds for nonconvex optimisation: the geometry layer of the
//! SaSD toolkit.
//!
//! A [`Manifold`] supplies inner products, tangent projections and the
//! conversion of Euclidean gradients and Hessian-vector products to
//! Riemannian ones; [`retraction`] holds the retractions, their inverses and
//! the vector transports as small strategy types. Points and tangent vectors
//! are flat `f64` slices (column-major for matrix manifolds). Manifolds
//! combine as a [`Product`] of two (longer products nest, [`product!`]) or a
//! [`Power`] of k copies of one; each has a [`Distance`] when its factors do.
//!
//! ```
//! use manifold::{Manifold, Retraction, Exponential, Sphere, Vector};
//! let s = Sphere::new(3).unwrap();
//! let x = Vector::from_vec(vec![1.0, 0.0, 0.0]);
//! let mut g = Vector::from_vec(vec![1.0, 2.0, 0.0]); // a Euclidean gradient
//! s.egrad_to_rgrad(x.as_slice(), g.as_mut_slice()).unwrap();
//! assert_eq!(g.as_slice(), &[0.0, 2.0, 0.0]);
//! let mut y = Vector::zeros(3);
//! Exponential.retract(&s, x.as_slice(), (-0.1 * &g).as_slice(), y.as_mut_slice()).unwrap();
//! assert!((y.norm() - 1.0).abs() < 1e-15);
//! ```
//!
//! Papers are cited by short keys (LQK+20, ZLK+19, Zha19, Qu19, ABG07, …)
//! with the equation or algorithm number; `docs/references.md` at the
//! repository root resolves each key to authors, title and venue.

mod error;
mod euclidean;
mod lq_sphere;
mod manifold;
mod power;
mod product;
pub mod retraction;
mod sphere;
mod spherical;
mod stiefel;
pub mod vecops;

pub use error::{ManifoldError, Result, check_finite, check_len, check_vector};
pub use euclidean::Euclidean;
pub use lq_sphere::LqSphere;
pub use manifold::{Distance, Manifold, Vector, gaussian_vector};
pub use power::{Power, PowerOf};
pub use product::{Product, ProductOf};
pub use retraction::{
    Addition, Exponential, InverseRetraction, Normalize, ParallelTransport, Polar, ProjectionTransport, Qr,
    Retraction, VectorTransport,
};
pub use sphere::{Oblique, Sphere};
pub use stiefel::Stiefel;
