//! The unit sphere (any shape, Frobenius norm) and the Oblique manifold
//! (a product of spheres), sharing one implementation over "unit blocks".

use rand::Rng;

use crate::error::{ManifoldError, Result, check_args, check_len, check_vector};
use crate::manifold::{Distance, Manifold, Vector, gaussian_vector};
use crate::retraction::{
    Exponential, InverseRetraction, Normalize, ParallelTransport, Retraction, VectorTransport,
};
use crate::spherical;

/// The unit sphere S^{D−1} = {x ∈ ℝ^{rows×cols} : ‖x‖_F = 1}, D = rows·cols.
///
/// A vector sphere has `cols = 1`; a 2-D kernel on the Frobenius sphere
/// (LQK+20 App. C.2) is stored column-major with its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sphere {
    rows: usize,
    cols: usize,
}

impl Sphere {
    /// S^{n−1} ⊂ ℝ^n. Errors when n = 0.
    pub fn new(n: usize) -> Result<Self> {
        Self::matrix(n, 1)
    }

    /// The Frobenius sphere of rows×cols matrices.
    pub fn matrix(rows: usize, cols: usize) -> Result<Self> {
        if rows == 0 || cols == 0 {
            return Err(ManifoldError::ZeroDimension { what: "sphere size" });
        }
        Ok(Self { rows, cols })
    }

    /// (rows, cols) of the stored matrix.
    pub fn shape(&self) -> (usize, usize) {
        (self.rows, self.cols)
    }

    fn blocks(&self) -> (usize, usize) {
        (self.rows * self.cols, 1)
    }

    fn describe(&self) -> String {
        if self.cols == 1 {
            format!("Sphere(S^{})", self.rows - 1)
        } else {
            format!("Sphere({}x{}, Frobenius)", self.rows, self.cols)
        }
    }
}

/// The Oblique manifold OB(n, N): n×N matrices with unit-norm columns
/// (LQK+20, eq. 4.6 and App. C.1.2), the kernels of convolutional dictionary
/// learning. Each column may itself be a matrix on its Frobenius sphere
/// ([`Oblique::of_matrices`]) for 2-D CDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Oblique {
    block: Sphere,
    count: usize,
}

impl Oblique {
    /// OB(n, N) = (S^{n−1})^N. Errors when n = 0 or N = 0.
    pub fn new(n: usize, count: usize) -> Result<Self> {
        Self::of_matrices(n, 1, count)
    }

    /// N matrices of shape rows×cols, each of unit Frobenius norm, stored one
    /// after the other (each column-major).
    pub fn of_matrices(rows: usize, cols: usize, count: usize) -> Result<Self> {
        if count == 0 {
            return Err(ManifoldError::ZeroDimension {
                what: "number of columns",
            });
        }
        Ok(Self {
            block: Sphere::matrix(rows, cols)?,
            count,
        })
    }

    /// Entries of one column (block).
    pub fn column_len(&self) -> usize {
        self.block.rows * self.block.cols
    }

    /// Number of columns N.
    pub fn count(&self) -> usize {
        self.count
    }

    fn blocks(&self) -> (usize, usize) {
        (self.column_len(), self.count)
    }

    fn describe(&self) -> String {
        let (r, c) = self.block.shape();
        if c == 1 {
            format!("Oblique({r}, {})", self.count)
        } else {
            format!("Oblique({}x({r}x{c}))", self.count)
        }
    }
}

/// Implements the manifold, its retractions and transports for a product of
/// unit spheres described by `blocks() -> (block length, count)`.
macro_rules! unit_blocks_manifold {
    ($ty:ty) => {
        impl Manifold for $ty {
            type Retraction = Exponential;
            type Transport = ParallelTransport;

            fn name(&self) -> String {
                self.describe()
            }

            fn dim(&self) -> usize {
                let (b, k) = self.blocks();
                (b - 1) * k
            }

            fn ambient_dim(&self) -> usize {
                let (b, k) = self.blocks();
                b * k
            }

            fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
                let (b, _) = self.blocks();
                check_len(x, self.ambient_dim())?;
                check_len(v, self.ambient_dim())?;
                for (xb, vb) in x.chunks_exact(b).zip(v.chunks_exact_mut(b)) {
                    spherical::project(xb, vb);
                }
                Ok(())
            }

            fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
                let (b, _) = self.blocks();
                check_args(self.ambient_dim(), &[x, egrad, u], hess)?;
                let blocks = x
                    .chunks_exact(b)
                    .zip(egrad.chunks_exact(b))
                    .zip(u.chunks_exact(b));
                for (((xb, gb), ub), hb) in blocks.zip(hess.chunks_exact_mut(b)) {
                    spherical::ehess_to_rhess(xb, gb, ub, hb);
                }
                Ok(())
            }

            fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
                let (b, _) = self.blocks();
                let mut x = gaussian_vector(self.ambient_dim(), rng);
                for (k, xb) in x.as_mut_slice().chunks_exact_mut(b).enumerate() {
                    // A Gaussian block vanishes with probability zero.
                    spherical::normalize(xb, k).expect("Gaussian block is nonzero");
                }
                x
            }

            fn typical_dist(&self) -> f64 {
                std::f64::consts::PI * (self.blocks().1 as f64).sqrt()
            }

            fn point_deviation(&self, x: &[f64]) -> f64 {
                let (b, _) = self.blocks();
                x.chunks_exact(b)
                    .map(|xb| (crate::vecops::norm(xb) - 1.0).abs())
                    .fold(0.0, f64::max)
            }

            fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64 {
                let (b, _) = self.blocks();
                x.chunks_exact(b)
                    .zip(v.chunks_exact(b))
                    .map(|(xb, vb)| crate::vecops::dot(xb, vb).abs())
                    .fold(0.0, f64::max)
            }
        }

        impl Distance for $ty {
            /// d(x, y) = (Σ_k d_S(x_k, y_k)²)^{1/2}, the product-sphere distance.
            fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64> {
                let (b, _) = self.blocks();
                check_vector(x, self.ambient_dim())?;
                check_vector(y, self.ambient_dim())?;
                let s: f64 = x
                    .chunks_exact(b)
                    .zip(y.chunks_exact(b))
                    .map(|(xb, yb)| spherical::dist(xb, yb).powi(2))
                    .sum();
                Ok(s.sqrt())
            }
        }

        impl Retraction<$ty> for Exponential {
            fn retract(&self, m: &$ty, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
                let (b, _) = m.blocks();
                check_args(m.ambient_dim(), &[x, v], out)?;
                let blocks = x.chunks_exact(b).zip(v.chunks_exact(b));
                for (k, ((xb, vb), ob)) in blocks.zip(out.chunks_exact_mut(b)).enumerate() {
                    spherical::exp(xb, vb, ob, k)?;
                }
                Ok(())
            }
        }

        impl InverseRetraction<$ty> for Exponential {
            fn inverse_retract(&self, m: &$ty, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
                let (b, _) = m.blocks();
                check_args(m.ambient_dim(), &[x, y], out)?;
                let blocks = x.chunks_exact(b).zip(y.chunks_exact(b));
                for ((xb, yb), ob) in blocks.zip(out.chunks_exact_mut(b)) {
                    spherical::log(xb, yb, ob)?;
                }
                Ok(())
            }
        }

        impl Retraction<$ty> for Normalize {
            fn retract(&self, m: &$ty, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
                let (b, _) = m.blocks();
                check_args(m.ambient_dim(), &[x, v], out)?;
                let blocks = x.chunks_exact(b).zip(v.chunks_exact(b));
                for (k, ((xb, vb), ob)) in blocks.zip(out.chunks_exact_mut(b)).enumerate() {
                    spherical::normalize_retract(xb, vb, ob, k)?;
                }
                Ok(())
            }
        }

        impl InverseRetraction<$ty> for Normalize {
            fn inverse_retract(&self, m: &$ty, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
                let (b, _) = m.blocks();
                check_args(m.ambient_dim(), &[x, y], out)?;
                let blocks = x.chunks_exact(b).zip(y.chunks_exact(b));
                for ((xb, yb), ob) in blocks.zip(out.chunks_exact_mut(b)) {
                    spherical::inverse_normalize(xb, yb, ob)?;
                }
                Ok(())
            }
        }

        impl VectorTransport<$ty> for ParallelTransport {
            fn transport(&self, m: &$ty, x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
                let (b, _) = m.blocks();
                check_args(m.ambient_dim(), &[x, y, v], out)?;
                let blocks = x
                    .chunks_exact(b)
                    .zip(y.chunks_exact(b))
                    .zip(v.chunks_exact(b));
                for (((xb, yb), vb), ob) in blocks.zip(out.chunks_exact_mut(b)) {
                    spherical::parallel_transport(xb, yb, vb, ob)?;
                }
                Ok(())
            }
        }
    };
}

unit_blocks_manifold!(Sphere);
unit_blocks_manifold!(Oblique);
