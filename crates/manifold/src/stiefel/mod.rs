//! The Stiefel manifold St(n, p) of orthonormal n×p frames (p = n: the
//! orthogonal group), used by complete dictionary learning (Qu19).
//!
//! Why one file over 500 lines: the manifold, its three retractions (QR,
//! polar, exponential), their inverses and the logarithm share the same
//! n×p matrix views and the `sym`/`skew` helpers below; split, each piece
//! would import all of them from the others. Tests are a third of it.

use nalgebra::{DMatrix, DMatrixView};
use rand::Rng;

use crate::error::{ManifoldError, Result, check_args, check_len};
use crate::manifold::{Manifold, Vector, gaussian_vector};
use crate::retraction::{InverseRetraction, Polar, ProjectionTransport, Qr, Retraction};
use crate::vecops::is_zero;

mod exponential;

/// St(n, p) = {X ∈ ℝ^{n×p} : XᵀX = I_p}, stored column-major, with the metric
/// induced by the Frobenius inner product (the "embedded" metric).
///
/// The retractions factor dense p×p (polar) or n×p (QR) matrices and so
/// allocate; the inverse polar retraction solves a p²×p² linear system and is
/// meant for p up to a few dozen. The exponential map ([`Exponential`](crate::retraction::Exponential)) costs
/// two matrix exponentials of size 2p and p; its inverse, the logarithm, is a
/// Newton iteration whose Jacobian has ~3p²/2 columns, each a matrix
/// exponential of size 4p: O(p⁵) per iteration, also meant for p up to a few
/// dozen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stiefel {
    n: usize,
    p: usize,
}

fn sym(a: &DMatrix<f64>) -> DMatrix<f64> {
    (a + a.transpose()) * 0.5
}

impl Stiefel {
    /// St(n, p); errors when n = 0, p = 0 or p > n.
    pub fn new(n: usize, p: usize) -> Result<Self> {
        if n == 0 || p == 0 {
            return Err(ManifoldError::ZeroDimension { what: "Stiefel size" });
        }
        if p > n {
            return Err(ManifoldError::TooManyColumns { n, p });
        }
        Ok(Self { n, p })
    }

    /// Longest step ‖V‖_F the exponential accepts: the scaling-and-squaring
    /// exponential loses about ‖V‖·ε of accuracy, 1e-10 at this length.
    pub const EXP_MAX_STEP: f64 = 1e6;
    /// Residual tolerance of the logarithm, per unit of ‖Y‖_F = √p:
    /// ‖Exp_X(Log_X Y) − Y‖_F ≤ `LOG_TOL`·√p (plus the points' deviations).
    pub const LOG_TOL: f64 = 1e-12;
    /// Largest deviation ‖XᵀX − I‖_F of an argument of the logarithm.
    pub const LOG_POINT_TOL: f64 = 1e-10;
    /// Lengths ‖Log_X Y‖ below which the tests check that the logarithm
    /// converges and inverts the exponential (0.95π; the logarithm is defined
    /// up to the injectivity radius π).
    pub const LOG_TESTED_RADIUS: f64 = 3.0;

    /// (n, p).
    pub fn shape(&self) -> (usize, usize) {
        (self.n, self.p)
    }

    fn view<'a>(&self, x: &'a [f64]) -> DMatrixView<'a, f64> {
        DMatrixView::from_slice(x, self.n, self.p)
    }

    /// Q·diag(sign(diag R)) from the thin QR of `a`: the unique Q factor with a
    /// positive diagonal in R, continuous in `a`.
    fn q_factor(&self, a: DMatrix<f64>) -> Result<DMatrix<f64>> {
        let qr = a.qr();
        let r = qr.r();
        let mut q = qr.q();
        for j in 0..self.p {
            let d = r[(j, j)];
            if d == 0.0 || !d.is_finite() {
                return Err(ManifoldError::Singular {
                    operation: "the QR retraction",
                });
            }
            if d < 0.0 {
                q.column_mut(j).neg_mut();
            }
        }
        Ok(q)
    }
}

impl Manifold for Stiefel {
    type Retraction = Polar;
    type Transport = ProjectionTransport;

    fn name(&self) -> String {
        format!("Stiefel(St({}, {}))", self.n, self.p)
    }

    fn dim(&self) -> usize {
        self.n * self.p - self.p * (self.p + 1) / 2
    }

    fn ambient_dim(&self) -> usize {
        self.n * self.p
    }

    /// P_X(Z) = Z − X·sym(XᵀZ).
    fn project(&self, x: &[f64], v: &mut [f64]) -> Result<()> {
        check_len(x, self.ambient_dim())?;
        check_len(v, self.ambient_dim())?;
        let xm = self.view(x);
        let s = sym(&(xm.transpose() * DMatrixView::from_slice(v, self.n, self.p)));
        let correction = xm * s;
        v.iter_mut().zip(correction.iter()).for_each(|(a, b)| *a -= b);
        Ok(())
    }

    /// Hess f(X)\[U\] = P_X(∇²f(X)\[U\] − U·sym(Xᵀ∇f(X))).
    fn ehess_to_rhess(&self, x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) -> Result<()> {
        check_args(self.ambient_dim(), &[x, egrad, u], hess)?;
        let s = sym(&(self.view(x).transpose() * self.view(egrad)));
        let correction = self.view(u) * s;
        hess.iter_mut().zip(correction.iter()).for_each(|(a, b)| *a -= b);
        self.project(x, hess)
    }

    fn random_point<R: Rng + ?Sized>(&self, rng: &mut R) -> Vector {
        let g = gaussian_vector(self.ambient_dim(), rng);
        let a = DMatrix::from_column_slice(self.n, self.p, g.as_slice());
        // A Gaussian matrix has full rank with probability one; the sign fix
        // makes the distribution Haar.
        let q = self.q_factor(a).expect("Gaussian matrix has full rank");
        Vector::from_column_slice(q.as_slice())
    }

    fn typical_dist(&self) -> f64 {
        (self.p as f64).sqrt()
    }

    /// ‖XᵀX − I‖_F.
    fn point_deviation(&self, x: &[f64]) -> f64 {
        let xm = self.view(x);
        (xm.transpose() * xm - DMatrix::<f64>::identity(self.p, self.p)).norm()
    }

    /// ‖sym(XᵀV)‖_F.
    fn tangent_deviation(&self, x: &[f64], v: &[f64]) -> f64 {
        sym(&(self.view(x).transpose() * self.view(v))).norm()
    }
}

/// Polar retraction R_X(V) = (X + V)·G^{-1/2}, G = (X + V)ᵀ(X + V) (= I + VᵀV
/// for tangent V): the orthonormal polar factor of X + V.
///
/// G^{-1/2} comes from the symmetric eigendecomposition of the p×p matrix G,
/// which is close to I for moderate steps and so is computed to full accuracy
/// (nalgebra's SVD of X + V lost up to 1e-5 relative accuracy on some 3×3
/// inputs in our property tests).
impl Retraction<Stiefel> for Polar {
    fn retract(&self, m: &Stiefel, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, v], out)?;
        if is_zero(v) {
            out.copy_from_slice(x);
            return Ok(());
        }
        let a = m.view(x) + m.view(v);
        let eig = (a.transpose() * &a).symmetric_eigen();
        if eig.eigenvalues.iter().any(|l| *l <= 0.0 || !l.is_finite()) {
            return Err(ManifoldError::Singular {
                operation: "the polar retraction",
            });
        }
        let q = &eig.eigenvectors;
        let inv_sqrt = q * DMatrix::from_diagonal(&eig.eigenvalues.map(|l| 1.0 / l.sqrt())) * q.transpose();
        out.copy_from_slice((a * inv_sqrt).as_slice());
        Ok(())
    }
}

/// Inverse polar retraction: X + V = Y·S with S symmetric positive definite and
/// V tangent, i.e. XᵀV + VᵀX = 0, which is the Lyapunov equation
/// (XᵀY)·S + S·(XᵀY)ᵀ = 2I; it is solved as a p²×p² linear system
/// (I⊗A + A⊗I)·vec S = vec 2I, then V = Y·S − X.
impl InverseRetraction<Stiefel> for Polar {
    fn inverse_retract(&self, m: &Stiefel, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y], out)?;
        let p = m.p;
        let ym = m.view(y);
        let a = m.view(x).transpose() * ym;
        let id = DMatrix::<f64>::identity(p, p);
        let k = id.kronecker(&a) + a.kronecker(&id);
        let rhs = Vector::from_column_slice((&id * 2.0).as_slice());
        let singular = ManifoldError::Singular {
            operation: "the inverse polar retraction",
        };
        let s = k.lu().solve(&rhs).ok_or(singular.clone())?;
        let s = sym(&DMatrix::from_column_slice(p, p, s.as_slice()));
        if s.clone().cholesky().is_none() {
            return Err(ManifoldError::OutsideDomain {
                operation: "the inverse polar retraction",
                reason: "the target is not the polar factor of any X + V",
            });
        }
        let v = ym * s - m.view(x);
        if v.iter().any(|t| !t.is_finite()) {
            return Err(singular);
        }
        out.copy_from_slice(v.as_slice());
        Ok(())
    }
}

/// QR retraction R_X(V) = qf(X + V).
impl Retraction<Stiefel> for Qr {
    fn retract(&self, m: &Stiefel, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, v], out)?;
        if is_zero(v) {
            out.copy_from_slice(x);
            return Ok(());
        }
        let q = m.q_factor(m.view(x) + m.view(v))?;
        out.copy_from_slice(q.as_slice());
        Ok(())
    }
}
