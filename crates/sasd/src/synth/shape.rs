//! Shapes of 1-D and 2-D signals and the one indexing routine that both the
//! generators (convolution) and the metrics (shift search) are built on.
//!
//! A 1-D signal of length n is the 2-D signal n × 1, so every operation here is
//! written once. Storage is column-major, as in the rest of the workspace:
//! entry (r, c) of an `rows × cols` array lives at `r + c·rows`.

/// Shape of a stored signal: `rows × cols`, column-major; 1-D signals have one
/// column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Shape {
    rows: usize,
    cols: usize,
}

impl Shape {
    /// A 1-D signal of length `n` (stored as `n × 1`).
    pub const fn d1(n: usize) -> Self {
        Self { rows: n, cols: 1 }
    }

    /// A 2-D signal of `rows × cols` entries, column-major.
    pub const fn d2(rows: usize, cols: usize) -> Self {
        Self { rows, cols }
    }

    /// Number of rows (the length of a 1-D signal).
    pub const fn rows(self) -> usize {
        self.rows
    }

    /// Number of columns (1 for a 1-D signal).
    pub const fn cols(self) -> usize {
        self.cols
    }

    /// Number of stored entries, `rows · cols`.
    pub const fn len(self) -> usize {
        self.rows * self.cols
    }

    /// Whether the shape holds no entry.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Whether each dimension of `self` is at most that of `other` (a kernel
    /// that fits inside a signal).
    pub const fn fits_in(self, other: Shape) -> bool {
        self.rows <= other.rows && self.cols <= other.cols
    }

    /// Shape of the full linear convolution (or of the zero-padded common
    /// length for a shift search) of two signals: `(r₁ + r₂ − 1) × (c₁ + c₂ − 1)`.
    /// Both shapes must be non-empty.
    pub(crate) const fn full(self, other: Shape) -> Shape {
        Shape::d2(self.rows + other.rows - 1, self.cols + other.cols - 1)
    }
}

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
    let (or, oc) = (out_shape.rows, out_shape.cols);
    for (p, &up) in u.iter().enumerate() {
        if up == 0.0 {
            continue;
        }
        let (pr, pc) = (p % u_shape.rows, p / u_shape.rows);
        // Precompute the per-dimension base so the inner loop is an add and a compare.
        let (row_base, col_base) = match offset {
            Offset::Sum => (pr % or, pc % oc),
            Offset::Difference => ((or - pr % or) % or, (oc - pc % oc) % oc),
        };
        for jc in 0..v_shape.cols {
            let c = (col_base + jc) % oc;
            let column = &v[jc * v_shape.rows..(jc + 1) * v_shape.rows];
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
