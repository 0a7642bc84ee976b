//! Shapes of signals and kernels, and the one storage convention of the
//! pipeline.
//!
//! The convolution engine stores images column-major (`crate::conv`); the
//! pipeline takes and returns images row-major, as image files and most
//! callers hold them. A row-major r×c array is, byte for byte, the
//! column-major c×r array of its transpose, and 2-D convolution commutes with
//! transposition ((Aᵀ ⊛ Xᵀ) = (A ⊛ X)ᵀ). So the pipeline never copies: it
//! hands the engine the transposed *grid* (c, r) of every row-major array and
//! everything it returns is row-major again. A 1-D signal of length m is the
//! grid (m, 1).

use crate::conv::{Plan, Plan1d, Plan2d};
use crate::error::Result;
use crate::objective::{BilinearLasso, BilinearLasso2d};

/// Internal column-major grid `(rows, cols)` of the engine; 1-D is `(m, 1)`.
pub(crate) type Grid = (usize, usize);

/// The shape of a signal, an activation map or a kernel as the caller sees
/// it: a length, or `rows × cols` stored row-major.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dims {
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

impl Dims {
    /// Entries of an array of this shape.
    pub fn len(self) -> usize {
        match self {
            Dims::D1(n) => n,
            Dims::D2 { rows, cols } => rows * cols,
        }
    }

    /// Whether the shape holds no entry.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// Whether this is a 2-D shape.
    pub fn is_2d(self) -> bool {
        matches!(self, Dims::D2 { .. })
    }

    /// The engine's column-major grid of a row-major array (transposed).
    pub(crate) fn grid(self) -> Grid {
        match self {
            Dims::D1(n) => (n, 1),
            Dims::D2 { rows, cols } => (cols, rows),
        }
    }

    /// The caller's shape of an engine grid, in the geometry of `self`.
    pub(crate) fn like(self, (r, c): Grid) -> Dims {
        match self {
            Dims::D1(_) => Dims::D1(r),
            Dims::D2 { .. } => Dims::D2 { rows: c, cols: r },
        }
    }

    /// The lifted kernel shape 3n − 2 along every axis (LQK+20 §3,
    /// App. C.2): every shift of a length-n₀ kernel that overlaps a window
    /// fits in it whole.
    pub fn lifted(self) -> Dims {
        let lift = |n: usize| (3 * n).saturating_sub(2);
        match self {
            Dims::D1(n) => Dims::D1(lift(n)),
            Dims::D2 { rows, cols } => Dims::D2 {
                rows: lift(rows),
                cols: lift(cols),
            },
        }
    }
}

/// A grid offset, reported to the caller as `(along rows, along cols)`;
/// `(s, 0)` in 1-D.
pub(crate) fn user_offset(dims: Dims, (sr, sc): Grid) -> (usize, usize) {
    match dims {
        Dims::D1(_) => (sr, 0),
        Dims::D2 { .. } => (sc, sr),
    }
}

/// The engine plan and Bilinear Lasso of one geometry, so that the run is
/// written once for 1-D and 2-D.
pub(crate) trait GridPlan: Plan + Sized {
    /// The plan's shape of a grid.
    fn shape_of(grid: Grid) -> Self::Shape;
    /// A plan of the signal's grid.
    fn for_grid(grid: Grid) -> Result<Self>;
    /// The CDL Bilinear Lasso (LQK+20 eq. 4.6, App. C.2) with `kernels`
    /// kernels of the lifted grid (validates the shapes and y).
    fn objective(y: &[f64], grid: Grid, lifted: Grid, kernels: usize) -> Result<BilinearLasso<Self>>;
}

impl GridPlan for Plan1d {
    fn shape_of((r, _): Grid) -> usize {
        r
    }
    fn for_grid((r, _): Grid) -> Result<Self> {
        Plan1d::new(r)
    }
    fn objective(y: &[f64], _grid: Grid, (n, _): Grid, kernels: usize) -> Result<BilinearLasso<Self>> {
        BilinearLasso::cdl(y, n, kernels)
    }
}

impl GridPlan for Plan2d {
    fn shape_of(grid: Grid) -> (usize, usize) {
        grid
    }
    fn for_grid(grid: Grid) -> Result<Self> {
        Plan2d::new(grid)
    }
    fn objective(y: &[f64], grid: Grid, lifted: Grid, kernels: usize) -> Result<BilinearLasso<Self>> {
        BilinearLasso2d::cdl_2d(y, grid, lifted, kernels)
    }
}

/// Flat index of (i, j) on a column-major grid with `rows` rows.
#[inline]
pub(crate) fn at(rows: usize, i: usize, j: usize) -> usize {
    i + j * rows
}

/// c_ℓ = Σ_j a_j (y_{ℓ+j} − offset) for every ℓ of the signal grid, indices
/// cyclic per axis: the correlation ǎ ⊛ (y − offset·1) of LQK+20 App. A
/// with a (on `kgrid`) zero-padded to the signal. Direct O(m·n) summation,
/// in the same order as the 1-D formula of [`initial_lambda`](super::initial_lambda).
pub(crate) fn correlate(y: &[f64], (r, c): Grid, a: &[f64], (kr, kc): Grid, offset: f64) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for lc in 0..c {
        for lr in 0..r {
            out[at(r, lr, lc)] = (0..kc)
                .flat_map(|jc| (0..kr).map(move |jr| (jr, jc)))
                .map(|(jr, jc)| a[at(kr, jr, jc)] * (y[at(r, (lr + jr) % r, (lc + jc) % c)] - offset))
                .sum::<f64>();
        }
    }
    out
}

/// The adjoint of [`correlate`] in a: out_j = Σ_ℓ v_ℓ (y_{ℓ+j} − offset) for
/// j on `kgrid` (ι*(v̌ ⊛ y) of LQK+20 App. A); zeros of v are skipped.
pub(crate) fn correlate_adjoint(y: &[f64], (r, c): Grid, v: &[f64], (kr, kc): Grid, offset: f64) -> Vec<f64> {
    let mut out = vec![0.0; kr * kc];
    for (l, &vl) in v.iter().enumerate() {
        if vl == 0.0 {
            continue;
        }
        let (lr, lc) = (l % r, l / r);
        for jc in 0..kc {
            let col = (lc + jc) % c;
            for jr in 0..kr {
                out[at(kr, jr, jc)] += vl * (y[at(r, (lr + jr) % r, col)] - offset);
            }
        }
    }
    out
}

/// The `kgrid` window of `lifted` (on `lgrid`) starting at `start`.
pub(crate) fn window(lifted: &[f64], (lr, _): Grid, (sr, sc): Grid, (kr, kc): Grid) -> Vec<f64> {
    (0..kc)
        .flat_map(|j| (0..kr).map(move |i| lifted[at(lr, sr + i, sc + j)]))
        .collect()
}

/// out_i = scale · x_{i − shift}, cyclic per axis: the activation that keeps
/// the product unchanged when its kernel moves by −shift and is divided by
/// `scale`.
pub(crate) fn shift_scaled(x: &[f64], (r, c): Grid, (sr, sc): Grid, scale: f64) -> Vec<f64> {
    let mut out = vec![0.0; r * c];
    for j in 0..c {
        let src_j = (j + c - sc % c) % c;
        for i in 0..r {
            out[at(r, i, j)] = scale * x[at(r, (i + r - sr % r) % r, src_j)];
        }
    }
    out
}
