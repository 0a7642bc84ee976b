//! The product M₁ × M₂ of two manifolds, e.g. S^{n−1} × ℝ^m for a joint
//! (kernel, activation) problem; longer products nest
//! ([`product!`](crate::product!)), and k copies of one manifold form a
//! [`Power`](crate::Power).

use rand::Rng;

use crate::error::{Result, check_args, check_len, check_vector};
use crate::manifold::{Distance, Manifold, Vector};
use crate::retraction::{InverseRetraction, Retraction, VectorTransport};

/// M₁ × M₂ with the product metric; a point is the concatenation [x₁; x₂].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Product<A, B> {
    /// First factor.
    pub first: A,
    /// Second factor.
    pub second: B,
}

impl<A: Manifold, B: Manifold> Product<A, B> {
    /// M₁ × M₂.
    pub fn new(first: A, second: B) -> Self {
        Self { first, second }
    }

    /// Splits a product vector into its two factors' parts.
    pub fn split<'a>(&self, v: &'a [f64]) -> (&'a [f64], &'a [f64]) {
        v.split_at(self.first.ambient_dim())
    }

    /// Splits a mutable product vector into its two factors' parts.
    pub fn split_mut<'a>(&self, v: &'a mut [f64]) -> (&'a mut [f64], &'a mut [f64]) {
        v.split_at_mut(self.first.ambient_dim())
    }
}

/// M₁ × M₂ × … × M_k as right-nested [`Product`]s:
/// `product!(a, b, c)` is `Product::new(a, Product::new(b, c))`, a point is
/// the concatenation [x₁; x₂; x₃], and a strategy for it is the matching
/// nest of [`ProductOf`]s, e.g. `ProductOf(Exponential, ProductOf(Addition, Polar))`.
///
/// ```
/// use manifold::{product, Euclidean, Manifold, Sphere, Stiefel};
/// let m = product!(Sphere::new(3).unwrap(), Euclidean::new(2).unwrap(), Stiefel::new(3, 2).unwrap());
/// assert_eq!(m.ambient_dim(), 3 + 2 + 6);
/// assert_eq!(m.dim(), 2 + 2 + 3);
/// let (sphere_part, rest) = m.split(&[0.0; 11]);
/// assert_eq!((sphere_part.len(), m.second.split(rest).1.len()), (3, 6));
/// ```
#[macro_export]
macro_rules! product {
    ($m:expr $(,)?) => {
        $m
    };
    ($m:expr, $($rest:expr),+ $(,)?) => {
        $crate::Product::new($m, $crate::product!($($rest),+))
    };
}

/// A retraction (or transport) acting factor-wise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProductOf<S1, S2>(pub S1, pub S2);

impl<A: Manifold, B: Manifold> Manifold for Product<A, B> {
    type Retraction = ProductOf<A::Retraction, B::Retraction>;
    type Transport = ProductOf<A::Transport, B::Transport>;

    fn name(&self) -> String {
        format!("{} x {}", self.first.name(), self.second.name())
    }

    fn dim(&self) -> usize {
        self.first.dim() + self.second.dim()
    }

    fn ambient_dim(&self) -> usize {
        self.first.ambient_dim() + self.second.ambient_dim()
    }

    fn inner(&self, x: &[f64], u: &[f64], v: &[f64]) -> f64 {
        let ((x1, x2), (u1, u2), (v1, v2)) = (self.split(x), self.split(u), self.split(v));
        self.first.inner(x1, u1, v1) + self.second.inner(x2, u2, v2)
    }

    fn norm(&self, x: &[f64], u: &[f64]) -> f64 {
        let ((x1, x2), (u1, u2)) = (self.split(x), self.split(u));
        self.first.norm(x1, u1).hypot(self.second.norm(x2, u2))
    }

    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
        check_len(x, self.ambient_dim())?;
        check_len(v, self.ambient_dim())?;
        let ((x1, x2), (v1, v2)) = (self.split(x), self.split_mut(v));
        self.first.project(x1, v1)?;
        self.second.project(x2, v2)
    }

    fn egrad_to_rgrad(&self, x: &[f64], egrad: &mut [f64]) -> Result<()> {
        check_len(x, self.ambient_dim())?;
        check_len(egrad, self.ambient_dim())?;
        let ((x1, x2), (g1, g2)) = (self.split(x), self.split_mut(egrad));
        self.first.egrad_to_rgrad(x1, g1)?;
        self.second.egrad_to_rgrad(x2, g2)
    }

    /// The product is a Riemannian product, so the Hessian converts blockwise:
    /// a cross term ∂²f/∂x₁∂x₂ is already inside the Euclidean product `hess`.
    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
        check_args(self.ambient_dim(), &[x, egrad, u], hess)?;
        let ((x1, x2), (g1, g2), (u1, u2)) = (self.split(x), self.split(egrad), self.split(u));
        let (h1, h2) = self.split_mut(hess);
        self.first.ehess_to_rhess(x1, g1, u1, h1)?;
        self.second.ehess_to_rhess(x2, g2, u2, h2)
    }

    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
        let a = self.first.random_point(rng);
        let b = self.second.random_point(rng);
        Vector::from_iterator(self.ambient_dim(), a.iter().chain(b.iter()).copied())
    }

    fn typical_dist(&self) -> f64 {
        self.first.typical_dist().hypot(self.second.typical_dist())
    }

    fn point_deviation(&self, x: &[f64]) -> f64 {
        let (x1, x2) = self.split(x);
        self.first
            .point_deviation(x1)
            .max(self.second.point_deviation(x2))
    }

    fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64 {
        let ((x1, x2), (v1, v2)) = (self.split(x), self.split(v));
        self.first
            .tangent_deviation(x1, v1)
            .max(self.second.tangent_deviation(x2, v2))
    }
}

/// d((x₁, x₂), (y₁, y₂)) = (d₁(x₁, y₁)² + d₂(x₂, y₂)²)^{1/2}, the geodesic
/// distance of the Riemannian product (geodesics of a product are pairs of
/// geodesics).
impl<A: Distance, B: Distance> Distance for Product<A, B> {
    fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        check_vector(x, self.ambient_dim())?;
        check_vector(y, self.ambient_dim())?;
        let ((x1, x2), (y1, y2)) = (self.split(x), self.split(y));
        Ok(self.first.dist(x1, y1)?.hypot(self.second.dist(x2, y2)?))
    }
}

impl<A, B, R1, R2> Retraction<Product<A, B>> for ProductOf<R1, R2>
where
    A: Manifold,
    B: Manifold,
    R1: Retraction<A>,
    R2: Retraction<B>,
{
    fn retract(&self, m: &Product<A, B>, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, v], out)?;
        let ((x1, x2), (v1, v2), (o1, o2)) = (m.split(x), m.split(v), m.split_mut(out));
        self.0.retract(&m.first, x1, v1, o1)?;
        self.1.retract(&m.second, x2, v2, o2)
    }
}

impl<A, B, R1, R2> InverseRetraction<Product<A, B>> for ProductOf<R1, R2>
where
    A: Manifold,
    B: Manifold,
    R1: InverseRetraction<A>,
    R2: InverseRetraction<B>,
{
    fn inverse_retract(&self, m: &Product<A, B>, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y], out)?;
        let ((x1, x2), (y1, y2), (o1, o2)) = (m.split(x), m.split(y), m.split_mut(out));
        self.0.inverse_retract(&m.first, x1, y1, o1)?;
        self.1.inverse_retract(&m.second, x2, y2, o2)
    }
}

impl<A, B, T1, T2> VectorTransport<Product<A, B>> for ProductOf<T1, T2>
where
    A: Manifold,
    B: Manifold,
    T1: VectorTransport<A>,
    T2: VectorTransport<B>,
{
    fn transport(&self, m: &Product<A, B>, x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y, v], out)?;
        let ((x1, x2), (y1, y2), (v1, v2)) = (m.split(x), m.split(y), m.split(v));
        let (o1, o2) = m.split_mut(out);
        self.0.transport(&m.first, x1, y1, v1, o1)?;
        self.1.transport(&m.second, x2, y2, v2, o2)
    }
}
