//! The power manifold M^k of k copies of one manifold (k Stiefel frames, k
//! points of an ℓ^q sphere, ...): the n-ary counterpart of
//! [`Product`](crate::Product) when the factors are alike. Unlike factors
//! nest with [`product!`](crate::product!).

use std::slice::{ChunksExact, ChunksExactMut};

use rand::Rng;

use crate::error::{ManifoldError, Result, check_args, check_len, check_vector};
use crate::manifold::{Distance, Manifold, Vector};
use crate::retraction::{InverseRetraction, Retraction, VectorTransport};

/// M^k = M × ⋯ × M (k copies) with the product metric
/// ⟨u, v⟩_x = Σ_i ⟨u_i, v_i⟩_{x_i}.
///
/// A point (or tangent vector) is the concatenation [x₁; …; x_k] of k blocks
/// of length D = `base.ambient_dim()`, so a solver sees one flat vector and
/// each block is handed to the base manifold without a copy. Every operation
/// acts block by block; strategies are wrapped in [`PowerOf`].
///
/// ```
/// use manifold::{Manifold, Power, PowerOf, Retraction, Stiefel, Polar};
/// let m = Power::new(Stiefel::new(4, 2).unwrap(), 3).unwrap();
/// assert_eq!((m.ambient_dim(), m.dim()), (24, 3 * 5));
/// use rand::SeedableRng;
/// let mut rng = rand::rngs::StdRng::seed_from_u64(1);
/// let x = m.random_point(&mut rng);
/// let v = m.random_tangent(x.as_slice(), &mut rng).unwrap();
/// let mut y = m.zero_tangent();
/// PowerOf(Polar).retract(&m, x.as_slice(), v.as_slice(), y.as_mut_slice()).unwrap();
/// assert!(m.point_deviation(y.as_slice()) < 1e-12);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Power<M> {
    base: M,
    count: usize,
}

impl<M: Manifold> Power<M> {
    /// M^k. Errors when k = 0 or when M stores points in zero entries.
    pub fn new(base: M, count: usize) -> Result<Self> {
        if count == 0 {
            return Err(ManifoldError::ZeroDimension {
                what: "number of factors of a power manifold",
            });
        }
        if base.ambient_dim() == 0 {
            return Err(ManifoldError::ZeroDimension {
                what: "ambient dimension of the base manifold",
            });
        }
        Ok(Self { base, count })
    }

    /// The manifold M that is repeated.
    pub fn base(&self) -> &M {
        &self.base
    }

    /// The number k of copies.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Entries D of one block (`base.ambient_dim()`).
    pub fn block_len(&self) -> usize {
        self.base.ambient_dim()
    }

    /// The k blocks of a vector of length k·D (trailing entries of a wrong
    /// length are not visited; the operations check lengths first).
    pub fn blocks<'a>(&self, v: &'a [f64]) -> ChunksExact<'a, f64> {
        v.chunks_exact(self.block_len())
    }

    /// The k blocks of a mutable vector of length k·D.
    pub fn blocks_mut<'a>(&self, v: &'a mut [f64]) -> ChunksExactMut<'a, f64> {
        v.chunks_exact_mut(self.block_len())
    }
}

/// A retraction, its inverse or a vector transport applied block by block on
/// a [`Power`]: (R_x(v))_i = R_{x_i}(v_i).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PowerOf<S>(pub S);

impl<M: Manifold> Manifold for Power<M> {
    type Retraction = PowerOf<M::Retraction>;
    type Transport = PowerOf<M::Transport>;

    fn name(&self) -> String {
        format!("({})^{}", self.base.name(), self.count)
    }

    fn dim(&self) -> usize {
        self.count * self.base.dim()
    }

    fn ambient_dim(&self) -> usize {
        self.count * self.base.ambient_dim()
    }

    fn inner(&self, x: &[f64], u: &[f64], v: &[f64]) -> f64 {
        self.blocks(x)
            .zip(self.blocks(u))
            .zip(self.blocks(v))
            .map(|((xi, ui), vi)| self.base.inner(xi, ui, vi))
            .sum()
    }

    /// ‖u‖ = (Σ_i ‖u_i‖²)^{1/2}, accumulated with `hypot` so that it neither
    /// overflows nor underflows.
    fn norm(&self, x: &[f64], u: &[f64]) -> f64 {
        self.blocks(x)
            .zip(self.blocks(u))
            .map(|(xi, ui)| self.base.norm(xi, ui))
            .fold(0.0, f64::hypot)
    }

    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
        check_len(x, self.ambient_dim())?;
        check_len(v, self.ambient_dim())?;
        let b = self.block_len();
        for (xi, vi) in x.chunks_exact(b).zip(v.chunks_exact_mut(b)) {
            self.base.project(xi, vi)?;
        }
        Ok(())
    }

    fn egrad_to_rgrad(&self, x: &[f64], egrad: &mut [f64]) -> Result<()> {
        check_len(x, self.ambient_dim())?;
        check_len(egrad, self.ambient_dim())?;
        let b = self.block_len();
        for (xi, gi) in x.chunks_exact(b).zip(egrad.chunks_exact_mut(b)) {
            self.base.egrad_to_rgrad(xi, gi)?;
        }
        Ok(())
    }

    /// Blockwise, as for [`Product`](crate::Product): cross terms between
    /// blocks are already in the Euclidean product `hess`, and the curvature
    /// (Weingarten) term of each block needs only that block's gradient.
    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
        check_args(self.ambient_dim(), &[x, egrad, u], hess)?;
        let b = self.block_len();
        let blocks = x
            .chunks_exact(b)
            .zip(egrad.chunks_exact(b))
            .zip(u.chunks_exact(b));
        for (((xi, gi), ui), hi) in blocks.zip(hess.chunks_exact_mut(b)) {
            self.base.ehess_to_rhess(xi, gi, ui, hi)?;
        }
        Ok(())
    }

    /// k independent draws from the base manifold's distribution.
    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
        let mut x = Vector::zeros(self.ambient_dim());
        let b = self.block_len();
        for xi in x.as_mut_slice().chunks_exact_mut(b) {
            xi.copy_from_slice(self.base.random_point(rng).as_slice());
        }
        x
    }

    /// √k times the base manifold's typical distance.
    fn typical_dist(&self) -> f64 {
        (self.count as f64).sqrt() * self.base.typical_dist()
    }

    /// The largest deviation of a block.
    fn point_deviation(&self, x: &[f64]) -> f64 {
        self.blocks(x)
            .map(|xi| self.base.point_deviation(xi))
            .fold(0.0, f64::max)
    }

    /// The largest deviation of a block.
    fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64 {
        self.blocks(x)
            .zip(self.blocks(v))
            .map(|(xi, vi)| self.base.tangent_deviation(xi, vi))
            .fold(0.0, f64::max)
    }
}

/// d(x, y) = (Σ_i d(x_i, y_i)²)^{1/2}, the geodesic distance of the
/// Riemannian product.
impl<M: Distance> Distance for Power<M> {
    fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        check_vector(x, self.ambient_dim())?;
        check_vector(y, self.ambient_dim())?;
        let mut d = 0.0_f64;
        for (xi, yi) in self.blocks(x).zip(self.blocks(y)) {
            d = d.hypot(self.base.dist(xi, yi)?);
        }
        Ok(d)
    }
}

impl<M: Manifold, R: Retraction<M>> Retraction<Power<M>> for PowerOf<R> {
    fn retract(&self, m: &Power<M>, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, v], out)?;
        let b = m.block_len();
        let blocks = x.chunks_exact(b).zip(v.chunks_exact(b));
        for ((xi, vi), oi) in blocks.zip(out.chunks_exact_mut(b)) {
            self.0.retract(&m.base, xi, vi, oi)?;
        }
        Ok(())
    }
}

impl<M: Manifold, R: InverseRetraction<M>> InverseRetraction<Power<M>> for PowerOf<R> {
    fn inverse_retract(&self, m: &Power<M>, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y], out)?;
        let b = m.block_len();
        let blocks = x.chunks_exact(b).zip(y.chunks_exact(b));
        for ((xi, yi), oi) in blocks.zip(out.chunks_exact_mut(b)) {
            self.0.inverse_retract(&m.base, xi, yi, oi)?;
        }
        Ok(())
    }
}

impl<M: Manifold, T: VectorTransport<M>> VectorTransport<Power<M>> for PowerOf<T> {
    fn transport(&self, m: &Power<M>, x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y, v], out)?;
        let b = m.block_len();
        let blocks = x.chunks_exact(b).zip(y.chunks_exact(b)).zip(v.chunks_exact(b));
        for (((xi, yi), vi), oi) in blocks.zip(out.chunks_exact_mut(b)) {
            self.0.transport(&m.base, xi, yi, vi, oi)?;
        }
        Ok(())
    }
}
