//! The image gradients of ZLK+19 eq. 27, as cyclic forward differences.

use crate::error::{Result, SasdError, check_finite};

/// The two gradient fields (∇ₓy, ∇ᵧy) of a row-major `rows × cols` image,
/// by cyclic forward differences:
///
/// (∇ₓy)[i, j] = y[i, (j + 1) mod cols] − y[i, j] (along a row),
/// (∇ᵧy)[i, j] = y[(i + 1) mod rows, j] − y[i, j] (down a column).
///
/// Each is the cyclic convolution of y with a two-tap stencil (d ⊛ y with
/// d = δ_{−e} − δ₀), and cyclic convolutions commute, so for y = a ⊛ x
/// (cyclic) eq. 27 holds exactly: ∇ₓ(a ⊛ x) = a ⊛ ∇ₓx, ∇ᵧ(a ⊛ x) = a ⊛ ∇ᵧx.
/// Both fields sum to zero (their DC bin vanishes).
///
/// Errors: an empty image, a shape that does not match the data, a
/// non-finite entry.
pub fn image_gradients(image: &[f64], rows: usize, cols: usize) -> Result<[Vec<f64>; 2]> {
    check_image(image, rows, cols)?;
    Ok([
        difference(image, rows, cols, Axis::X),
        difference(image, rows, cols, Axis::Y),
    ])
}

/// The direction of a forward difference (ZLK+19 eq. 27).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Axis {
    /// x: along a row (the column index j).
    X,
    /// y: down a column (the row index i).
    Y,
}

impl Axis {
    /// The stencil's other tap (+1 at it, −1 at the origin) as a row-major
    /// offset (Δi, Δj): the difference is d ⊛ y with d = δ_{−offset} − δ₀.
    pub(crate) fn offset(self) -> (usize, usize) {
        match self {
            Axis::X => (0, 1),
            Axis::Y => (1, 0),
        }
    }
}

/// y[i + Δi, j + Δj] − y[i, j], indices cyclic.
fn difference(y: &[f64], rows: usize, cols: usize, axis: Axis) -> Vec<f64> {
    let (di, dj) = axis.offset();
    let mut out = vec![0.0; y.len()];
    for i in 0..rows {
        let next = ((i + di) % rows) * cols;
        for j in 0..cols {
            out[i * cols + j] = y[next + (j + dj) % cols] - y[i * cols + j];
        }
    }
    out
}

/// A row-major image: non-empty, rows·cols entries, finite.
pub(crate) fn check_image(image: &[f64], rows: usize, cols: usize) -> Result<()> {
    if image.is_empty() || rows == 0 || cols == 0 {
        return Err(SasdError::EmptySignal);
    }
    if rows.checked_mul(cols) != Some(image.len()) {
        return Err(SasdError::ShapeMismatch {
            what: "image",
            rows,
            cols,
            len: image.len(),
        });
    }
    check_finite("image", image)
}
