//! Typed errors of the `sasd` crate: every constructor validates its input and
//! returns one of these instead of panicking or producing a NaN later.

/// Why a convolution plan or an objective refused its input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SasdError {
    /// The observation y (or a signal) had no entries.
    #[error("the observation is empty")]
    EmptySignal,
    /// A size parameter (number of kernels, kernel length) was zero.
    #[error("{what} must be positive")]
    ZeroDimension {
        /// Which size was zero.
        what: &'static str,
    },
    /// A NaN or an infinity in user data.
    #[error("{what} holds a non-finite value at index {index}")]
    NonFinite {
        /// Which input.
        what: &'static str,
        /// First offending index.
        index: usize,
    },
    /// The kernel is not shorter than the signal along some axis.
    #[error("kernel length {kernel} along axis {axis} must be smaller than the signal length {signal}")]
    KernelTooLong {
        /// Kernel length along the axis.
        kernel: usize,
        /// Signal length along the axis.
        signal: usize,
        /// The axis (0 for 1-D signals and for the rows of images).
        axis: usize,
    },
    /// λ was not a finite positive number.
    #[error("lambda must be finite and > 0, got {0}")]
    InvalidLambda(f64),
    /// An exponent (p, q) or a smoothing parameter outside its range.
    #[error("{name} must be finite and >= {min}, got {value}")]
    InvalidParameter {
        /// The parameter's name.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The smallest value allowed.
        min: f64,
    },
    /// A vector had the wrong number of entries.
    #[error("{what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// Entries expected.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// A 2-D shape that does not match its data (rows × cols ≠ length).
    #[error("{what}: shape {rows}x{cols} does not match {len} entries")]
    ShapeMismatch {
        /// Which input.
        what: &'static str,
        /// Rows claimed.
        rows: usize,
        /// Columns claimed.
        cols: usize,
        /// Entries given.
        len: usize,
    },
    /// A weight of the ℓ¹ penalty was negative.
    #[error("weight {index} is negative ({value})")]
    NegativeWeight {
        /// Index of the weight.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// The observation (after removing its mean when a bias is fitted) is
    /// zero everywhere: there is nothing to deconvolve.
    #[error("the observation carries no signal (it is constant)")]
    NoSignal,
    /// The observation's largest magnitude lies outside the range the
    /// solvers work in (sums of squares would overflow or underflow).
    #[error(
        "the observation's largest magnitude {max_abs:e} is outside [{min:e}, {max:e}]: rescale the data (e.g. divide by its maximum)"
    )]
    BadScale {
        /// max |y|.
        max_abs: f64,
        /// Smallest supported max |y|.
        min: f64,
        /// Largest supported max |y|.
        max: f64,
    },
    /// λ at or above λ_max = ‖∇ₓψ(a⁽⁰⁾, 0)‖∞, where the zero activation
    /// solves the Lasso: the run would return nothing.
    #[error(
        "lambda = {lambda:e} is at or above lambda_max = {lambda_max:e}, where the activation is zero; choose a smaller lambda (or leave it to the default)"
    )]
    LambdaTooLarge {
        /// The λ asked for.
        lambda: f64,
        /// λ_max of the initial kernel.
        lambda_max: f64,
    },
    /// More kernel entries than samples: the model cannot be identified.
    #[error(
        "{kernels} kernels of {kernel_len} entries hold more unknowns than the {signal} samples of the observation"
    )]
    TooManyKernels {
        /// Number of kernels N.
        kernels: usize,
        /// Entries of each kernel.
        kernel_len: usize,
        /// Samples of the observation.
        signal: usize,
    },
    /// An activation with no nonzero entry where a support is needed (the
    /// support refinement starts from one).
    #[error("the activation has no nonzero entry: there is no support to refine")]
    EmptySupport,
    /// The chosen method does not offer an option the run asks for (the
    /// second-order methods fit one 1-D kernel, without bias or x ≥ 0).
    #[error("{method} does not support {feature}")]
    Unsupported {
        /// The method.
        method: &'static str,
        /// What it was asked to do.
        feature: &'static str,
    },
    /// A baseline period (in samples) that is not finite, not positive, or
    /// shorter than the kernel.
    #[error(
        "baseline period {period} must be finite and at least the kernel length {kernel} samples \
         (a faster baseline would absorb the kernel; choose several kernel lengths, e.g. 10)"
    )]
    BaselinePeriod {
        /// The period given, in samples.
        period: f64,
        /// The kernel length it was compared with.
        kernel: usize,
    },
    /// The signals' summed power spectrum Σ_i |ŷ_i\[k\]|² vanishes at some
    /// frequency: the multichannel preconditioner (Σ_i C_{y_i}ᵀC_{y_i})^{−1/2}
    /// does not exist (QLZ20 §2 assumes an invertible kernel).
    #[error(
        "the signals have no power at frequency bin {bin}: the kernel is not invertible there, so the preconditioner does not exist"
    )]
    VanishingSpectrum {
        /// The first such bin of the half spectrum.
        bin: usize,
    },
    /// The traces of a shared-kernel run differ in length (or in the
    /// options their objectives were built with).
    #[error(
        "trace {trace} has {len} entries where trace 0 has {first}: a shared kernel needs traces of one length"
    )]
    UnequalTraces {
        /// Index of the first trace that differs from trace 0.
        trace: usize,
        /// Its entries.
        len: usize,
        /// Trace 0's entries.
        first: usize,
    },
    /// One trace of a shared-kernel run refused (non-finite values, a
    /// constant trace, ...).
    #[error("trace {trace}: {error}")]
    InTrace {
        /// Index of the trace.
        trace: usize,
        /// What was wrong with it.
        error: Box<SasdError>,
    },
    /// A solver refused its input or options.
    #[error(transparent)]
    Optim(#[from] optim::OptimError),
    /// A dataset shipped with the crate could not be read (a broken build).
    #[error("shipped dataset unreadable: {0}")]
    Dataset(String),
    /// A direct convolution refused its shapes (see [`crate::synth::SynthError`]).
    #[error(transparent)]
    Synth(#[from] crate::synth::SynthError),
}

/// Result alias of the crate.
pub type Result<T> = std::result::Result<T, SasdError>;

/// Fails on the first non-finite entry of `v`.
pub fn check_finite(what: &'static str, v: &[f64]) -> Result<()> {
    match v.iter().position(|t| !t.is_finite()) {
        Some(index) => Err(SasdError::NonFinite { what, index }),
        None => Ok(()),
    }
}

/// Fails unless `v` has `expected` entries.
pub fn check_len(what: &'static str, v: &[f64], expected: usize) -> Result<()> {
    if v.len() == expected {
        Ok(())
    } else {
        Err(SasdError::LengthMismatch {
            what,
            expected,
            found: v.len(),
        })
    }
}

/// Fails unless λ is finite and positive.
pub fn check_lambda(lambda: f64) -> Result<f64> {
    if lambda.is_finite() && lambda > 0.0 {
        Ok(lambda)
    } else {
        Err(SasdError::InvalidLambda(lambda))
    }
}

/// Fails unless `value` is finite and ≥ `min`.
pub fn check_at_least(name: &'static str, value: f64, min: f64) -> Result<f64> {
    if value.is_finite() && value >= min {
        Ok(value)
    } else {
        Err(SasdError::InvalidParameter { name, value, min })
    }
}
