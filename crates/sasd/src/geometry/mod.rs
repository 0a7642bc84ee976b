//! Shapes of signals, images and kernels, and the one storage convention of
//! the crate: the leaf every other module builds on (it imports nothing
//! from the crate).
//!
//! A caller holds a 1-D signal as a slice of its length and an image (or a
//! 2-D kernel) as a row-major slice: entry (i, j) of a `rows × cols` array at
//! `i·cols + j`, as image files and most callers store them ([`Shape`]). The
//! convolution engine (`crate::conv`) works column-major. A row-major r×c
//! array is, byte for byte, the column-major c×r array of its transpose, and
//! 2-D convolution commutes with transposition ((Aᵀ ⊛ Xᵀ) = (A ⊛ X)ᵀ). So
//! nothing is ever copied: the engine is handed the transposed *grid*
//! (c, r) of every row-major array (`Shape::grid`) and everything it
//! returns is row-major again. A 1-D signal of length m is the grid (m, 1).
//!
//! The `lifted` module holds what LQK+20 does with shapes: the lift to 3n₀ − 2 per
//! axis (§3, App. C.2), windows of a lifted kernel, the maximal-energy shift
//! correction (App. B.3) and the shifts that keep a product unchanged.

mod lifted;

pub use lifted::max_energy_window;
pub(crate) use lifted::{
    correlate, correlate_adjoint, max_energy_start, normalised_window, shift_scaled, window,
};

/// The engine's column-major grid `(rows, cols)`; 1-D is `(m, 1)`.
pub(crate) type Grid = (usize, usize);

/// The shape of a signal, an activation map, an image or a kernel as the
/// caller holds it: a length, or `rows × cols` stored row-major. A 1-D
/// array used beside a 2-D one is the 1×n row it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A 1-D array of this length.
    D1(usize),
    /// A 2-D array, row-major: entry (i, j) at `i·cols + j`.
    D2 {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
    },
}

impl Shape {
    /// A 1-D array of length `n`.
    pub const fn d1(n: usize) -> Self {
        Shape::D1(n)
    }

    /// A `rows × cols` array, row-major.
    pub const fn d2(rows: usize, cols: usize) -> Self {
        Shape::D2 { rows, cols }
    }

    /// Rows (1 for a 1-D array, the row it is).
    pub const fn rows(self) -> usize {
        match self {
            Shape::D1(_) => 1,
            Shape::D2 { rows, .. } => rows,
        }
    }

    /// Columns (the length of a 1-D array).
    pub const fn cols(self) -> usize {
        match self {
            Shape::D1(n) => n,
            Shape::D2 { cols, .. } => cols,
        }
    }

    /// Entries of an array of this shape (saturating: an absurd shape never
    /// wraps to a small one).
    pub const fn len(self) -> usize {
        self.rows().saturating_mul(self.cols())
    }

    /// Whether the shape holds no entry.
    pub const fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Whether this is a 2-D shape.
    pub const fn is_2d(self) -> bool {
        matches!(self, Shape::D2 { .. })
    }

    /// The same shape as a 2-D one (a 1-D array is a 1×n row).
    pub const fn as_2d(self) -> Shape {
        Shape::d2(self.rows(), self.cols())
    }

    /// Whether each axis of `self` is at most that of `other` (a kernel that
    /// fits inside a signal).
    pub const fn fits_in(self, other: Shape) -> bool {
        self.rows() <= other.rows() && self.cols() <= other.cols()
    }

    /// The lifted kernel shape 3n − 2 along every axis longer than one
    /// (LQK+20 §3, App. C.2): every shift of a length-n₀ kernel that
    /// overlaps a window fits in it whole. Saturating.
    pub const fn lifted(self) -> Shape {
        const fn lift(n: usize) -> usize {
            n.saturating_mul(3).saturating_sub(2)
        }
        match self {
            Shape::D1(n) => Shape::D1(lift(n)),
            Shape::D2 { rows, cols } => Shape::d2(lift(rows), lift(cols)),
        }
    }

    /// Shape of the full linear convolution of arrays of `self` and
    /// `other`: `(r₁ + r₂ − 1) × (c₁ + c₂ − 1)`, 1-D when both are. Both
    /// must be non-empty.
    pub(crate) const fn full(self, other: Shape) -> Shape {
        let (r, c) = (self.rows() + other.rows() - 1, self.cols() + other.cols() - 1);
        match (self, other) {
            (Shape::D1(_), Shape::D1(_)) => Shape::D1(c),
            _ => Shape::d2(r, c),
        }
    }

    /// The engine's column-major grid of a row-major array (transposed).
    pub(crate) const fn grid(self) -> Grid {
        (self.cols(), self.rows())
    }

    /// The caller's shape of an engine grid, in the dimension of `self`.
    pub(crate) const fn like(self, (r, c): Grid) -> Shape {
        match self {
            Shape::D1(_) => Shape::D1(r),
            Shape::D2 { .. } => Shape::d2(c, r),
        }
    }

    /// A grid offset as the caller reads it, `(along rows, along cols)`;
    /// `(s, 0)` in 1-D.
    pub(crate) const fn offset(self, (sr, sc): Grid) -> (usize, usize) {
        match self {
            Shape::D1(_) => (sr, 0),
            Shape::D2 { .. } => (sc, sr),
        }
    }
}

/// 3n − 2 per axis of an engine grid (axes of length 1 stay 1).
pub(crate) fn lift((r, c): Grid) -> Grid {
    (3 * r - 2, 3 * c - 2)
}

/// Flat index of (i, j) on a column-major grid with `rows` rows.
#[inline]
pub(crate) fn at(rows: usize, i: usize, j: usize) -> usize {
    i + j * rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_major_shape_is_the_transposed_grid() {
        let s = Shape::d2(3, 5);
        assert_eq!((s.rows(), s.cols(), s.len()), (3, 5, 15));
        assert_eq!(s.grid(), (5, 3));
        assert_eq!(s.like((14, 7)), Shape::d2(7, 14));
        assert_eq!(s.offset((2, 1)), (1, 2));
        assert_eq!(Shape::d1(9).grid(), (9, 1));
        assert_eq!(Shape::d1(9).as_2d(), Shape::d2(1, 9));
        assert_eq!(Shape::d1(4).lifted(), Shape::d1(10));
        assert_eq!(Shape::d2(1, 4).lifted(), Shape::d2(1, 10));
        assert_eq!(Shape::d1(4).full(Shape::d1(10)), Shape::d1(13));
        assert_eq!(Shape::d1(usize::MAX).lifted(), Shape::d1(usize::MAX - 2));
        assert_eq!(Shape::d2(usize::MAX, 3).len(), usize::MAX);
    }
}
