//! Synthetic short-and-sparse data: kernels, sparse activations and
//! observations `y = Σ_k a_{0k} ⊛ x_{0k} + b·1 + σ·n` (LQK+20, Sections 5–6,
//! eq. 6.1; N > 1 kernels is the CDL model of eq. 4.6).
//!
//! * [`kernels`]: random on the sphere, the Gaussian window `g_{n0,σ}` (§5),
//!   AR(1)/AR(2) calcium transients (eqs. 6.2, 6.3), a 2-D Gaussian and an
//!   STM-like defect motif (§6.2.2).
//! * [`images`]: a piecewise-constant cartoon and a motion-blur line for
//!   blind deblurring (ZLK+19 §4.1).
//! * [`activations`]: Bernoulli, Bernoulli–Gaussian, Bernoulli–Rademacher.
//! * [`convolve`](mod@convolve): exact direct-summation cyclic and linear convolution.
//! * [`instance`]: a specification (builder) that draws a whole [`Instance`].
//! * [`recording`]: a window of a linear convolution with drift and noise,
//!   the model a real recording obeys ([`RecordingSpec`]).
//!
//! Every generator validates its parameters and returns a [`SynthError`];
//! randomness comes only from a caller's [`rand::Rng`] or from a seed.

pub mod activations;
pub mod convolve;
pub mod images;
pub mod instance;
pub mod kernels;
pub mod recording;
mod shape;

pub use crate::geometry::Shape;
pub use activations::{ActivationLaw, activation};
pub use convolve::{Convolution, convolve};
pub use images::{cartoon_image, motion_blur_kernel};
pub use instance::{Instance, InstanceSpec};
pub use kernels::{
    KernelSpec, StmMotif, ar1_kernel, ar2_kernel, gaussian_kernel_2d, gaussian_window, random_sphere_kernel,
};
pub use recording::{Recording, RecordingSpec};
pub(crate) use shape::{Offset, accumulate_pairs};

/// Why a generator refused its parameters.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SynthError {
    /// A size (kernel length, signal length, a dimension) was zero.
    #[error("{what} must have at least one entry")]
    EmptyShape {
        /// Which size was zero.
        what: &'static str,
    },
    /// A real parameter was non-finite or out of its domain.
    #[error("invalid {name} = {value}: {requirement}")]
    InvalidParameter {
        /// Parameter name as in the paper (θ, σ, τ, ...).
        name: &'static str,
        /// Value given.
        value: f64,
        /// What the parameter must satisfy.
        requirement: &'static str,
    },
    /// A kernel larger than the signal it is convolved with cyclically.
    #[error("kernel of shape {kernel:?} does not fit in a signal of shape {signal:?}")]
    KernelTooLarge {
        /// Shape of the kernel.
        kernel: Shape,
        /// Shape of the signal.
        signal: Shape,
    },
    /// A slice did not have as many entries as its declared shape.
    #[error("{what} has {found} entries, its shape needs {expected}")]
    LengthMismatch {
        /// Which operand.
        what: &'static str,
        /// Entries the shape needs.
        expected: usize,
        /// Entries given.
        found: usize,
    },
    /// An operand held a NaN or an infinity.
    #[error("{what} holds a non-finite value")]
    NonFinite {
        /// Which operand.
        what: &'static str,
    },
    /// A kernel that must be normalised onto the sphere was zero.
    #[error("{what} is zero and cannot be normalised onto the sphere")]
    ZeroKernel {
        /// Which kernel.
        what: &'static str,
    },
    /// An instance specification listed no kernel.
    #[error("an instance needs at least one kernel")]
    NoKernel,
}

/// Result of the generators.
pub type Result<T> = std::result::Result<T, SynthError>;

/// Checks that `value` is finite and satisfies `ok`, naming it in the error.
fn check_param(name: &'static str, value: f64, ok: bool, requirement: &'static str) -> Result<f64> {
    if value.is_finite() && ok {
        Ok(value)
    } else {
        Err(SynthError::InvalidParameter {
            name,
            value,
            requirement,
        })
    }
}

/// Checks a slice against its shape and for finite entries.
fn check_operand(what: &'static str, data: &[f64], shape: Shape) -> Result<()> {
    if shape.is_empty() {
        return Err(SynthError::EmptyShape { what });
    }
    if data.len() != shape.len() {
        return Err(SynthError::LengthMismatch {
            what,
            expected: shape.len(),
            found: data.len(),
        });
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(SynthError::NonFinite { what });
    }
    Ok(())
}
