//! The one indexing routine that both the generators (convolution) and the
//! metrics (shift search) are built on.
//!
//! Arrays have a [`Shape`] (row-major, as the caller holds them) and are
//! walked on its engine grid (`Shape::grid`, column-major, the transpose):
//! a 1-D signal of length n is the grid n × 1, so every operation here is
//! written once.

use crate::geometry::Shape;

/// How the coordinates of the two operands combine in [`accumulate_pairs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offset {
    /// `out[p + j] += u[p]·v[j]`: convolution `u ∗ v`.
    Sum,
    /// `out[j − p] += u[p]·v[j]`: cross-correlation, `out[d] = Σ_p u[p]·v[p + d]`.
    Difference,
}

/// Adds `u[p]·v[j]` into `out[(p ± j) mod out_shape]` for every pair of
/// coordinates, each dimension taken modulo the corresponding dimension of
/// `out_shape`.
///
/// This one routine is direct-summation cyclic convolution (`Sum`, output of
/// the signal's shape), linear convolution (`Sum`, output of the full shape, so
/// the modulo never wraps) and cyclic cross-correlation (`Difference`). Zeros of
/// `u` are skipped, so its cost is O(nnz(u) · len(v)): pass the sparser operand
/// as `u`.
///
/// Preconditions (checked by the public callers): slice lengths match their
/// shapes, and `out_shape` is non-empty.
pub(crate) fn accumulate_pairs(
    u: &[f64],
    u_shape: Shape,
    v: &[f64],
    v_shape: Shape,
    out: &mut [f64],
    out_shape: Shape,
    offset: Offset,
) {
    debug_assert_eq!(u.len(), u_shape.len());
    debug_assert_eq!(v.len(), v_shape.len());
    debug_assert_eq!(out.len(), out_shape.len());
    let (or, oc) = out_shape.grid();
    let ((ur, _), (vr, vc)) = (u_shape.grid(), v_shape.grid());
    for (p, &up) in u.iter().enumerate() {
        if up == 0.0 {
            continue;
        }
        let (pr, pc) = (p % ur, p / ur);
        // Precompute the per-dimension base so the inner loop is an add and a compare.
        let (row_base, col_base) = match offset {
            Offset::Sum => (pr % or, pc % oc),
            Offset::Difference => ((or - pr % or) % or, (oc - pc % oc) % oc),
        };
        for jc in 0..vc {
            let c = (col_base + jc) % oc;
            let column = &v[jc * vr..(jc + 1) * vr];
            let out_column = &mut out[c * or..(c + 1) * or];
            let mut r = row_base;
            for &vj in column {
                out_column[r] += up * vj;
                r += 1;
                if r == or {
                    r = 0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sum_is_cyclic_convolution_and_difference_is_correlation() {
        let u = [1.0, 0.0, 2.0];
        let v = [1.0, 10.0];
        let mut conv = [0.0; 3];
        accumulate_pairs(
            &u,
            Shape::d1(3),
            &v,
            Shape::d1(2),
            &mut conv,
            Shape::d1(3),
            Offset::Sum,
        );
        // y[k] = Σ_j v[j] u[k − j mod 3]
        assert_eq!(conv, [1.0 + 20.0, 10.0, 2.0]);
        let mut corr = [0.0; 3];
        accumulate_pairs(
            &u,
            Shape::d1(3),
            &v,
            Shape::d1(2),
            &mut corr,
            Shape::d1(3),
            Offset::Difference,
        );
        // c[d] = Σ_p u[p] v[(p + d) mod 3], v zero-padded to 3
        assert_eq!(corr, [1.0, 10.0 + 2.0, 20.0]);
    }
}
