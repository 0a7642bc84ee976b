//! The exponential map, its inverse (the logarithm) and the geodesic
//! distance of the embedded metric on St(n, p) (EAS98 §2.2.2; Zimmermann &
//! Hüper's Newton iteration for the logarithm, as Manifolds.jl).

use std::f64::consts::PI;

use nalgebra::DMatrix;

use super::{Stiefel, sym};
use crate::error::{ManifoldError, Result, check_args};
use crate::manifold::{Distance, Manifold, Vector};
use crate::retraction::{Exponential, InverseRetraction, Retraction};
use crate::vecops::is_zero;

const EXP_OP: &str = "the Stiefel exponential";
const LOG_OP: &str = "the Stiefel logarithm";
/// Newton iterations of the logarithm before it reports non-convergence.
const LOG_MAX_ITER: usize = 30;
/// Halvings of a Newton step before the logarithm gives up on the direction.
const LOG_MAX_HALVINGS: usize = 30;

fn skew(a: &DMatrix<f64>) -> DMatrix<f64> {
    (a - a.transpose()) * 0.5
}

/// [a b], side by side.
fn hcat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut out = DMatrix::zeros(a.nrows(), a.ncols() + b.ncols());
    out.columns_mut(0, a.ncols()).copy_from(a);
    out.columns_mut(a.ncols(), b.ncols()).copy_from(b);
    out
}

/// [a; b], stacked.
fn vcat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut out = DMatrix::zeros(a.nrows() + b.nrows(), a.ncols());
    out.rows_mut(0, a.nrows()).copy_from(a);
    out.rows_mut(a.nrows(), b.nrows()).copy_from(b);
    out
}

/// The 2p×2p block matrix [[tl, tr], [bl, br]] of p×p blocks.
fn blocks(tl: &DMatrix<f64>, tr: &DMatrix<f64>, bl: &DMatrix<f64>, br: &DMatrix<f64>) -> DMatrix<f64> {
    vcat(&hcat(tl, tr), &hcat(bl, br))
}

/// L(M, E), the Fréchet derivative of the matrix exponential at M in the
/// direction E: the top-right block of exp([[M, E], [0, M]]) (Higham,
/// *Functions of Matrices*, 2008, Thm 3.6).
fn exp_frechet(m: &DMatrix<f64>, e: &DMatrix<f64>) -> DMatrix<f64> {
    let k = m.nrows();
    let z = DMatrix::zeros(k, k);
    blocks(m, e, &z, m).exp().view((0, k), (k, k)).clone_owned()
}

/// The pieces of the geodesic formula at a tangent V of X that the Newton
/// iteration of the logarithm reuses for its Jacobian.
struct Geodesic {
    /// K = [A, −VᵀV; I, A], A = XᵀV.
    k: DMatrix<f64>,
    /// A = XᵀV.
    a: DMatrix<f64>,
    /// [X V].
    xv: DMatrix<f64>,
    /// The first p columns of exp(K).
    phi: DMatrix<f64>,
    /// exp(−A).
    h: DMatrix<f64>,
}

impl Geodesic {
    fn new(x: &DMatrix<f64>, v: &DMatrix<f64>) -> Self {
        let p = x.ncols();
        let a = x.transpose() * v;
        let s = v.transpose() * v;
        let k = blocks(&a, &(-s), &DMatrix::identity(p, p), &a);
        let phi = k.exp().columns(0, p).clone_owned();
        let h = (-&a).exp();
        Self {
            k,
            xv: hcat(x, v),
            a,
            phi,
            h,
        }
    }

    /// Exp_X(V) = [X V]·exp(K)·[exp(−A); 0].
    fn end(&self) -> DMatrix<f64> {
        &self.xv * &self.phi * &self.h
    }

    /// d/dε Exp_X(V + εW) at ε = 0, differentiating each factor of
    /// [X V]·exp(K)[:, :p]·exp(−A): W enters [X V], K (through A and VᵀV) and A.
    fn derivative(&self, x: &DMatrix<f64>, v: &DMatrix<f64>, w: &DMatrix<f64>) -> DMatrix<f64> {
        let p = x.ncols();
        let aw = x.transpose() * w;
        let sw = w.transpose() * v + v.transpose() * w;
        let dk = blocks(&aw, &(-sw), &DMatrix::zeros(p, p), &aw);
        let dphi = exp_frechet(&self.k, &dk).columns(0, p).clone_owned();
        let dh = exp_frechet(&(-&self.a), &(-aw));
        let phi_h = &self.phi * &self.h;
        w * phi_h.rows(p, p) + &self.xv * dphi * &self.h + &self.xv * &self.phi * dh
    }
}

/// A unit basis of T_E St(p + r, p) at E = [I_p; 0]: tangent vectors are
/// [A; B] with A skew (basis (e_i e_jᵀ − e_j e_iᵀ)/√2, i > j) and B any r×p
/// matrix (basis e_i e_jᵀ); the coordinates are orthonormal for the metric.
fn reduced_basis(p: usize, r: usize, coords: &[f64]) -> DMatrix<f64> {
    let mut w = DMatrix::zeros(p + r, p);
    let mut k = 0;
    for j in 0..p {
        for i in j + 1..p {
            let c = coords[k] * std::f64::consts::FRAC_1_SQRT_2;
            w[(i, j)] += c;
            w[(j, i)] -= c;
            k += 1;
        }
    }
    for j in 0..p {
        for i in 0..r {
            w[(p + i, j)] = coords[k];
            k += 1;
        }
    }
    w
}

/// Gauss–Newton for Exp_E(V) = Ŷ on St(p + r, p), E = [I; 0], from V = `v`,
/// with step halving until the residual ‖Exp_E(V) − Ŷ‖_F decreases.
///
/// It takes at least one step and stops when the residual is at most `tol`
/// and either the last step was below 1e-6·‖V‖ (so, by quadratic
/// convergence, V is accurate to ~1e-12 relative) or the residual is at the
/// rounding floor 16ε√p of the exponential.
fn log_newton(yhat: &DMatrix<f64>, mut v: DMatrix<f64>, tol: f64) -> Result<DMatrix<f64>> {
    let (pr, p) = yhat.shape();
    let r = pr - p;
    let dim = p * (p - 1) / 2 + r * p;
    let floor = 16.0 * f64::EPSILON * (p as f64).sqrt();
    let e = DMatrix::<f64>::identity(pr, p);
    let mut geo = Geodesic::new(&e, &v);
    let mut residual = (geo.end() - yhat).norm();
    let mut last_step = f64::INFINITY;
    let mut coords = vec![0.0; dim];
    for iteration in 0..LOG_MAX_ITER {
        if residual <= tol && (last_step <= 1e-6 * v.norm() || residual <= floor) {
            return Ok(v);
        }
        let mut jac = DMatrix::zeros(pr * p, dim);
        for k in 0..dim {
            coords
                .iter_mut()
                .enumerate()
                .for_each(|(i, c)| *c = f64::from(u8::from(i == k)));
            let w = reduced_basis(p, r, &coords);
            jac.column_mut(k)
                .copy_from_slice(geo.derivative(&e, &v, &w).as_slice());
        }
        let rhs = Vector::from_column_slice((yhat - geo.end()).as_slice());
        let svd = jac.svd(true, true);
        let cutoff = 1e-14 * svd.singular_values.max();
        let step = svd
            .solve(&rhs, cutoff)
            .map_err(|_| ManifoldError::Singular { operation: LOG_OP })?;
        let dv = reduced_basis(p, r, step.as_slice());
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..LOG_MAX_HALVINGS {
            let trial = &v + &dv * t;
            let trial_geo = Geodesic::new(&e, &trial);
            let trial_residual = (trial_geo.end() - yhat).norm();
            if trial_residual < residual {
                last_step = t * dv.norm();
                (v, geo, residual, accepted) = (trial, trial_geo, trial_residual, true);
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            return stalled(iteration + 1, residual, tol, v);
        }
    }
    stalled(LOG_MAX_ITER, residual, tol, v)
}

fn stalled(iterations: usize, residual: f64, tol: f64, v: DMatrix<f64>) -> Result<DMatrix<f64>> {
    if residual <= tol {
        Ok(v)
    } else {
        Err(ManifoldError::NotConverged {
            operation: LOG_OP,
            iterations,
            residual,
            tol,
        })
    }
}

/// The exponential map of the embedded (Euclidean) metric (Edelman, Arias &
/// Smith 1998, Section 2.2.2; Manifolds.jl `exp!` for Stiefel):
///
/// Exp_X(V) = [X V]·exp([A, −S; I, A])·[exp(−A); 0],  A = XᵀV, S = VᵀV,
///
/// with nalgebra's scaling-and-squaring Padé exponential. V is first projected
/// onto T_X St, so that rounding in V cannot push the end point off the
/// manifold; a zero step returns X exactly. Steps longer than
/// [`Stiefel::EXP_MAX_STEP`] are refused ([`ManifoldError::OutsideDomain`]).
impl Retraction<Stiefel> for Exponential {
    fn retract(&self, m: &Stiefel, x: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, v], out)?;
        if is_zero(v) {
            out.copy_from_slice(x);
            return Ok(());
        }
        let xm = m.view(x).clone_owned();
        let mut vm = m.view(v).clone_owned();
        vm -= &xm * sym(&(xm.transpose() * &vm));
        if vm.norm() > Stiefel::EXP_MAX_STEP {
            return Err(ManifoldError::OutsideDomain {
                operation: EXP_OP,
                reason: "the step is longer than EXP_MAX_STEP",
            });
        }
        let y = Geodesic::new(&xm, &vm).end();
        if let Some(index) = y.iter().position(|t| !t.is_finite()) {
            return Err(ManifoldError::NonFinite { index });
        }
        out.copy_from_slice(y.as_slice());
        Ok(())
    }
}

/// The logarithm Log_X(Y) of the embedded metric: the tangent V of smallest
/// norm with Exp_X(V) = Y. There is no closed form for this metric; it is
/// computed by Gauss–Newton on Exp_X(V) = Y.
///
/// * Reduction: with Q̂ an orthonormal basis of r = min(p, n − p) normal
///   directions containing the columns of (I − XXᵀ)Y, both X and Y lie in the
///   span of W = [X Q̂], and frames in that span form a totally geodesic
///   St(p + r, p) (the fixed points of the isometry Y ↦ (2WWᵀ − I)Y), so the
///   iteration runs on Ŷ = WᵀY at E = [I; 0], where V = [A; B] with A skew.
/// * Start: V₀ = P_X(Y − X) = X·skew(XᵀY) + (I − XXᵀ)Y, which equals the
///   logarithm up to O(‖V‖³) since the geodesic's acceleration is normal.
/// * Step: the exact Jacobian (Fréchet derivatives of the matrix exponential),
///   a least-squares solve by SVD, halved until the residual decreases.
/// * Tolerance: stops when ‖Exp_X(V) − Y‖_F ≤ [`Stiefel::LOG_TOL`]·√p plus
///   the points' deviations from the manifold, and the last step was below
///   1e-6·‖V‖ or the residual is at the rounding floor (measured: V to
///   ~1e-15 absolute); [`ManifoldError::NotConverged`] after 30 iterations or
///   when no halving decreases the residual (e.g. Y = −X, where the start is
///   0 and the residual is normal).
/// * Domain: d(X, Y) < π, the injectivity radius of the Euclidean Stiefel
///   manifold (Zimmermann & Stoye 2024), where the logarithm is unique. A
///   target with ‖Y − X‖_F ≥ π (so d(X, Y) ≥ π) or a solution with ‖V‖ ≥ π is
///   [`ManifoldError::OutsideDomain`]; the tests check convergence for
///   ‖V‖ ≤ [`Stiefel::LOG_TESTED_RADIUS`] (0.95π). Points off the manifold
///   by more than [`Stiefel::LOG_POINT_TOL`] are
///   [`ManifoldError::NotOnManifold`].
impl InverseRetraction<Stiefel> for Exponential {
    fn inverse_retract(&self, m: &Stiefel, x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
        check_args(m.ambient_dim(), &[x, y], out)?;
        if x == y {
            out.fill(0.0);
            return Ok(());
        }
        let (dx, dy) = (m.point_deviation(x), m.point_deviation(y));
        for deviation in [dx, dy] {
            if deviation > Stiefel::LOG_POINT_TOL {
                return Err(ManifoldError::NotOnManifold {
                    deviation,
                    tol: Stiefel::LOG_POINT_TOL,
                });
            }
        }
        let (n, p) = (m.n, m.p);
        let (xm, ym) = (m.view(x).clone_owned(), m.view(y).clone_owned());
        if (&ym - &xm).norm() >= PI {
            return Err(ManifoldError::OutsideDomain {
                operation: LOG_OP,
                reason: "||Y - X||_F >= pi, so d(X, Y) is at least the injectivity radius pi",
            });
        }
        let xty = xm.transpose() * &ym;
        let r = p.min(n - p);
        // The thin Q of [X, (I − XXᵀ)Y] has orthonormal columns whose first p
        // span X; the next r span the normal part of Y, even when it is rank
        // deficient, and are orthogonal to X.
        let q = if r == 0 {
            DMatrix::zeros(n, 0)
        } else {
            let normal = &ym - &xm * &xty;
            hcat(&xm, &normal).qr().q().columns(p, r).clone_owned()
        };
        let b = q.transpose() * &ym;
        let yhat = vcat(&xty, &b);
        let v0 = vcat(&skew(&xty), &b);
        let tol = Stiefel::LOG_TOL * (p as f64).sqrt() + dx + dy;
        let vr = log_newton(&yhat, v0, tol)?;
        let v = &xm * vr.rows(0, p) + &q * vr.rows(p, r);
        if v.norm().is_nan() || v.norm() >= PI {
            return Err(ManifoldError::OutsideDomain {
                operation: LOG_OP,
                reason: "the geodesic found is longer than the injectivity radius pi",
            });
        }
        out.copy_from_slice(v.as_slice());
        Ok(())
    }
}

/// d(X, Y) = ‖Log_X(Y)‖_F, with the logarithm's domain (d < π) and tolerance.
impl Distance for Stiefel {
    fn dist(&self, x: &[f64], y: &[f64]) -> Result<f64> {
        let mut v = vec![0.0; self.ambient_dim()];
        Exponential.inverse_retract(self, x, y, &mut v)?;
        Ok(crate::vecops::norm(&v))
    }
}
