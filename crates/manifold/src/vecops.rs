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

/// ‖u‖₂, computed with scaling so that it neither overflows nor underflows.
#[inline]
pub fn norm(u: &[f64]) -> f64 {
    let scale = u.iter().fold(0.0_f64, |m, t| m.max(t.abs()));
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
