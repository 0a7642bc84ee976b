//! Typed errors of the manifold crate.

/// Why a manifold operation refused its input.
///
/// Every public operation that takes user data validates it and returns one of
/// these instead of panicking or producing a NaN.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ManifoldError {
    /// A size parameter (n, p, number of columns, ...) was zero.
    #[error("{what} must be positive")]
    ZeroDimension {
        /// Which size was zero.
        what: &'static str,
    },
    /// The exponent of an ℓ^q sphere was not a finite number greater than 1.
    #[error("the l^q sphere needs a finite q > 1, got q = {q}")]
    InvalidExponent {
        /// The exponent given.
        q: f64,
    },
    /// A Stiefel manifold St(n, p) was asked for more columns than rows.
    #[error("the Stiefel manifold St(n, p) needs p <= n, got n = {n}, p = {p}")]
    TooManyColumns {
        /// Rows.
        n: usize,
        /// Columns.
        p: usize,
    },
    /// A vector had the wrong number of entries.
    #[error("vector has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Entries the manifold stores per point.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A vector held a NaN or an infinity.
    #[error("non-finite value at index {index}")]
    NonFinite {
        /// First offending index.
        index: usize,
    },
    /// A zero vector (or column) where a direction or a unit vector was needed.
    #[error("cannot normalise a zero vector (or column {column})")]
    ZeroVector {
        /// The column (0 for vectors) that vanished.
        column: usize,
    },
    /// A point was farther from the manifold than the tolerance.
    #[error("point is off the manifold by {deviation:.3e} (tolerance {tol:.1e})")]
    NotOnManifold {
        /// Measured deviation (manifold specific, e.g. | ‖x‖ − 1 |).
        deviation: f64,
        /// Tolerance asked for.
        tol: f64,
    },
    /// A vector was not in the tangent space within the tolerance.
    #[error("vector is not tangent: deviation {deviation:.3e} (tolerance {tol:.1e})")]
    NotTangent {
        /// Measured deviation (manifold specific, e.g. |⟨x, v⟩|).
        deviation: f64,
        /// Tolerance asked for.
        tol: f64,
    },
    /// An inverse retraction or logarithm was asked for a point it cannot reach
    /// (antipodal points on the sphere, a point behind the tangent plane, ...).
    #[error("{operation} is undefined here: {reason}")]
    OutsideDomain {
        /// The operation.
        operation: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// An iterative operation (the Stiefel logarithm's Newton iteration)
    /// stopped before its residual reached the tolerance.
    #[error(
        "{operation} did not converge: residual {residual:.3e} after {iterations} iterations (tolerance {tol:.1e})"
    )]
    NotConverged {
        /// The operation.
        operation: &'static str,
        /// Iterations taken.
        iterations: usize,
        /// The last residual.
        residual: f64,
        /// The tolerance asked for.
        tol: f64,
    },
    /// A linear system of a retraction or its inverse was singular.
    #[error("singular system in {operation}")]
    Singular {
        /// The operation.
        operation: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, ManifoldError>;

/// Checks that `v` has `expected` entries, all finite.
pub fn check_vector(v: &[f64], expected: usize) -> Result<()> {
    if v.len() != expected {
        return Err(ManifoldError::LengthMismatch {
            expected,
            found: v.len(),
        });
    }
    check_finite(v)
}

/// Checks that every entry of `v` is finite.
pub fn check_finite(v: &[f64]) -> Result<()> {
    match v.iter().position(|t| !t.is_finite()) {
        Some(index) => Err(ManifoldError::NonFinite { index }),
        None => Ok(()),
    }
}

/// Checks that `v` has `expected` entries (no finiteness test, for outputs).
pub fn check_len(v: &[f64], expected: usize) -> Result<()> {
    if v.len() == expected {
        Ok(())
    } else {
        Err(ManifoldError::LengthMismatch {
            expected,
            found: v.len(),
        })
    }
}

/// Validates the arguments of a retraction or transport: every input has
/// `expected` finite entries and the output slice has `expected` entries.
pub fn check_args(expected: usize, inputs: &[&[f64]], out: &[f64]) -> Result<()> {
    for v in inputs {
        check_vector(v, expected)?;
    }
    check_len(out, expected)
}
