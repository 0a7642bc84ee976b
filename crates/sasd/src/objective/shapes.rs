//! Validation of observation and kernel shapes, shared by every objective.

use crate::error::{Result, SasdError, check_finite};

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
