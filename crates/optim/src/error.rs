//! Typed errors of the solvers.

use manifold::ManifoldError;

/// Why a solver refused to run or could not continue.
///
/// Divergence and non-finite values met during a run are not errors: they end
/// the run with a [`StopReason`](crate::StopReason) and the last finite iterate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OptimError {
    /// A manifold operation refused its input (off-manifold start, wrong
    /// length, antipodal points, ...).
    #[error(transparent)]
    Manifold(#[from] ManifoldError),
    /// A solver option is out of its range.
    #[error("invalid option {name}: {reason}")]
    InvalidOption {
        /// The option.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A vector had the wrong length.
    #[error("{what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Which vector.
        what: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// The starting point's cost or gradient is not finite.
    #[error("the {what} at the starting point is not finite")]
    NonFiniteStart {
        /// Cost or gradient.
        what: &'static str,
    },
}

/// Checks a length.
#[allow(dead_code)] // used by the composite solvers
pub(crate) fn check_len(what: &'static str, v: &[f64], expected: usize) -> Result<(), OptimError> {
    if v.len() == expected {
        Ok(())
    } else {
        Err(OptimError::LengthMismatch {
            what,
            expected,
            found: v.len(),
        })
    }
}

/// Checks that an option lies in its range.
pub(crate) fn check_option(name: &'static str, ok: bool, reason: &str) -> Result<(), OptimError> {
    if ok {
        Ok(())
    } else {
        Err(OptimError::InvalidOption {
            name,
            reason: reason.to_string(),
        })
    }
}
