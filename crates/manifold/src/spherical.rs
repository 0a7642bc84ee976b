//! Unit-sphere kernels on one block (a vector, a matrix under the Frobenius
//! norm, or one column of an Oblique point). [`Sphere`](crate::Sphere) is one
//! block, [`Oblique`](crate::Oblique) is N blocks; both call these.

use crate::error::{ManifoldError, Result};
use crate::vecops::{axpy, dot, is_zero, lincomb, norm, scale};

/// v ← v − ⟨x, v⟩ x  (P_{x⊥}, LQK+20 App. C.1; ‖x‖ = 1).
pub fn project(x: &[f64], v: &mut [f64]) {
    let c = dot(x, v);
    axpy(-c, x, v);
}

/// hess ← P_x(hess) − ⟨x, ∇f⟩ u: the sphere's Weingarten term is −⟨x, ∇f⟩ u.
pub fn ehess_to_rhess(x: &[f64], egrad: &[f64], u: &[f64], hess: &mut [f64]) {
    project(x, hess);
    axpy(-dot(x, egrad), u, hess);
}

/// out ← x/‖x‖, refusing a zero (or non-finite) block.
pub fn normalize(out: &mut [f64], block: usize) -> Result<()> {
    let n = norm(out);
    if n == 0.0 {
        return Err(ManifoldError::ZeroVector { column: block });
    }
    if !n.is_finite() {
        return Err(ManifoldError::NonFinite { index: block });
    }
    scale(1.0 / n, out);
    Ok(())
}

/// Exp_x(v) = cos‖v‖·x + sin‖v‖·v/‖v‖ (LQK+20, eq. C.1); exactly x when v = 0.
pub fn exp(x: &[f64], v: &[f64], out: &mut [f64], block: usize) -> Result<()> {
    let t = norm(v);
    if t == 0.0 {
        out.copy_from_slice(x);
        return Ok(());
    }
    lincomb(t.cos(), x, t.sin() / t, v, out);
    // Rounding leaves ‖out‖ = 1 + O(eps·t); renormalising keeps iterates on the
    // sphere to machine precision over thousands of steps.
    normalize(out, block)
}

/// ‖P_{x⊥}y‖ per √n below which [`log`] takes y for the antipode −x: 64 ulps,
/// well above the rounding of y − ⟨x, y⟩x (a few ulps per entry) and far
/// below any separation at which the geodesic's direction is meaningful.
pub const ANTIPODE_TOLERANCE: f64 = 64.0 * f64::EPSILON;

/// Log_x(y) = α/sin α · P_{x⊥} y with α = arccos⟨x, y⟩ (LQK+20, eq. C.1).
///
/// α is computed as atan2(‖P_{x⊥}y‖, ⟨x, y⟩), which stays accurate for nearby
/// points where arccos loses half the digits. Undefined at the antipode: a
/// y within rounding of −x (‖P_{x⊥}y‖ at most [`ANTIPODE_TOLERANCE`]·√n,
/// ⟨x, y⟩ < 0) is refused, since P_{x⊥}y is then rounding noise and its
/// direction, scaled to length π, would be an arbitrary answer.
pub fn log(x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
    let c = dot(x, y);
    lincomb(1.0, y, -c, x, out);
    let s = norm(out);
    // y − ⟨x, y⟩x of y = −x is not 0 in floating point but O(ε) per entry.
    let noise = ANTIPODE_TOLERANCE * (x.len() as f64).sqrt().max(1.0);
    if s == 0.0 && c > 0.0 {
        return Ok(());
    }
    if s == 0.0 || (c < 0.0 && s <= noise) {
        return Err(ManifoldError::OutsideDomain {
            operation: "the sphere's logarithm",
            reason: "the two points are antipodal",
        });
    }
    scale(s.atan2(c) / s, out);
    Ok(())
}

/// R_x(v) = (x + v)/‖x + v‖.
pub fn normalize_retract(x: &[f64], v: &[f64], out: &mut [f64], block: usize) -> Result<()> {
    if is_zero(v) {
        out.copy_from_slice(x);
        return Ok(());
    }
    lincomb(1.0, x, 1.0, v, out);
    normalize(out, block)
}

/// Inverse of the normalisation: v = y/⟨x, y⟩ − x, defined for ⟨x, y⟩ > 0.
pub fn inverse_normalize(x: &[f64], y: &[f64], out: &mut [f64]) -> Result<()> {
    let c = dot(x, y);
    if c <= 0.0 || !c.is_finite() {
        return Err(ManifoldError::OutsideDomain {
            operation: "the inverse of the normalisation retraction",
            reason: "the target is not in the open hemisphere around the base point",
        });
    }
    lincomb(1.0 / c, y, -1.0, x, out);
    Ok(())
}

/// Parallel transport along the geodesic from x to y:
/// P(v) = v − ⟨y, v⟩/(1 + ⟨x, y⟩) · (x + y), an isometry T_x → T_y.
pub fn parallel_transport(x: &[f64], y: &[f64], v: &[f64], out: &mut [f64]) -> Result<()> {
    let c = 1.0 + dot(x, y);
    if c <= f64::EPSILON {
        return Err(ManifoldError::OutsideDomain {
            operation: "parallel transport on the sphere",
            reason: "the two points are antipodal, the geodesic is not unique",
        });
    }
    let k = dot(y, v) / c;
    out.copy_from_slice(v);
    axpy(-k, x, out);
    axpy(-k, y, out);
    Ok(())
}

/// Geodesic distance 2·asin(‖x − y‖/2): accurate for near and far points alike.
pub fn dist(x: &[f64], y: &[f64]) -> f64 {
    let d2: f64 = x.iter().zip(y).map(|(a, b)| (a - b) * (a - b)).sum();
    2.0 * (0.5 * d2.sqrt()).min(1.0).asin()
}
