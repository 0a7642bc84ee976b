//! Validation of observation and kernel shapes, shared by every objective,
//! and the grid each boundary model puts them on ([`Layout`]).

use crate::conv::{Boundary, Plan, Plan1d, Plan2d, Window};
use crate::error::{Result, SasdError, check_finite};

/// Where an objective computes: the plan, y placed on x's grid, x's shape
/// (one map) and the observed window in it.
///
/// Circular: a plan of y's shape, x of y's shape, the window everything.
/// Linear ([`Boundary::Linear`]): a plan of the fast length ≥ m + n − 1 per
/// axis, x of m + n − 1 per axis, y at offset n − 1 per axis.
pub(crate) struct Layout<P: Plan> {
    pub plan: P,
    /// ỹ: y in its window of a zero buffer of x's shape.
    pub y: Vec<f64>,
    pub activation: P::Shape,
    pub window: Window,
}

/// [`Layout`] of a 1-D y and a kernel of length n (validated by [`check_1d`]).
pub(crate) fn layout_1d(y: &[f64], n: usize, boundary: Boundary) -> Result<Layout<Plan1d>> {
    check_1d(y, n)?;
    let m = y.len();
    let full = boundary.activation_len(m, n);
    let window = Window::d1(full, boundary.window_offset(n), m);
    Ok(Layout {
        plan: Plan1d::new(boundary.fft_len(m, n))?,
        y: window.embed(y),
        activation: full,
        window,
    })
}

/// [`Layout`] of an m₁×m₂ image and an n₁×n₂ kernel (validated by
/// [`check_2d`]).
pub(crate) fn layout_2d(
    y: &[f64],
    image: (usize, usize),
    kernel: (usize, usize),
    boundary: Boundary,
) -> Result<Layout<Plan2d>> {
    check_2d(y, image, kernel)?;
    let full = boundary.activation_shape(image, kernel);
    let offset = (boundary.window_offset(kernel.0), boundary.window_offset(kernel.1));
    let window = Window::d2(full, offset, image);
    let fft = (
        boundary.fft_len(image.0, kernel.0),
        boundary.fft_len(image.1, kernel.1),
    );
    Ok(Layout {
        plan: Plan2d::new(fft)?,
        y: window.embed(y),
        activation: full,
        window,
    })
}

/// Checks a 1-D observation y of length m and a kernel length n: y non-empty
/// and finite, 1 ≤ n < m.
pub(crate) fn check_1d(y: &[f64], n: usize) -> Result<()> {
    if y.is_empty() {
        return Err(SasdError::EmptySignal);
    }
    check_finite("y", y)?;
    if n == 0 {
        return Err(SasdError::ZeroDimension {
            what: "kernel length",
        });
    }
    if n >= y.len() {
        return Err(SasdError::KernelTooLong {
            kernel: n,
            signal: y.len(),
            axis: 0,
        });
    }
    Ok(())
}

/// Checks a 2-D observation y of shape m₁×m₂ (column-major) and a kernel
/// shape n₁×n₂: shapes match the data, y finite, 1 ≤ nᵢ ≤ mᵢ on each axis
/// and the kernel smaller than the image.
pub(crate) fn check_2d(y: &[f64], (m1, m2): (usize, usize), (n1, n2): (usize, usize)) -> Result<()> {
    if y.is_empty() {
        return Err(SasdError::EmptySignal);
    }
    if m1.checked_mul(m2) != Some(y.len()) {
        return Err(SasdError::ShapeMismatch {
            what: "y",
            rows: m1,
            cols: m2,
            len: y.len(),
        });
    }
    check_finite("y", y)?;
    if n1 == 0 || n2 == 0 {
        return Err(SasdError::ZeroDimension { what: "kernel shape" });
    }
    for (axis, (n, m)) in [(n1, m1), (n2, m2)].into_iter().enumerate() {
        if n > m || n1 * n2 == m1 * m2 {
            return Err(SasdError::KernelTooLong {
                kernel: n,
                signal: m,
                axis,
            });
        }
    }
    Ok(())
}

/// Checks a count of kernels N ≥ 1.
pub(crate) fn check_kernels(kernels: usize) -> Result<()> {
    if kernels == 0 {
        Err(SasdError::ZeroDimension {
            what: "number of kernels",
        })
    } else {
        Ok(())
    }
}
