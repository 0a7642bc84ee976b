//! Small BLAS-1 kernels on slices, shared by the manifolds.
//!
//! The manifolds of this crate store points and tangent vectors as flat `f64`
//! slices, so that a product manifold can hand each factor its part without a
//! copy. These helpers keep the loops in one place.

/// ⟨u, v⟩.
#[inline]
pub fn dot(u: &[f64], v: &[f64]) -> f64 {
    debug_assert_eq!(u.len(), v.len());
    u.iter().zip(v).map(|(a, b)| a * b).sum()
}

/// ‖u‖₂, computed with scaling so that it neither overflows nor underflows;
/// NaN when an entry is NaN (`f64::max` alone would drop it).
#[inline]
pub fn norm(u: &[f64]) -> f64 {
    let scale = max_abs(u);
    if scale == 0.0 || !scale.is_finite() {
        return scale;
    }
    let s: f64 = u.iter().map(|t| (t / scale) * (t / scale)).sum();
    scale * s.sqrt()
}

/// y ← y + α·x.
#[inline]
pub fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    y.iter_mut().zip(x).for_each(|(yi, xi)| *yi += alpha * xi);
}

/// u ← α·u.
#[inline]
pub fn scale(alpha: f64, u: &mut [f64]) {
    u.iter_mut().for_each(|t| *t *= alpha);
}

/// out ← α·x + β·y.
#[inline]
pub fn lincomb(alpha: f64, x: &[f64], beta: f64, y: &[f64], out: &mut [f64]) {
    debug_assert_eq!(x.len(), y.len());
    debug_assert_eq!(x.len(), out.len());
    out.iter_mut()
        .zip(x.iter().zip(y))
        .for_each(|(o, (a, b))| *o = alpha * a + beta * b);
}

/// True when every entry is exactly zero: a zero step, which retractions map
/// to the base point bit for bit.
#[inline]
pub fn is_zero(u: &[f64]) -> bool {
    u.iter().all(|t| *t == 0.0)
}

/// max_i |u_i|, NaN when an entry is NaN.
#[inline]
pub fn max_abs(u: &[f64]) -> f64 {
    u.iter().fold(0.0_f64, |m, t| {
        if t.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.max(t.abs())
        }
    })
}
