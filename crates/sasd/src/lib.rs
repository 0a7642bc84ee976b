//! Short-and-sparse deconvolution (SaSD) on top of `manifold` and `optim`:
//! the FFT convolution engine ([`conv`]) and the SaSD / CDL objectives of
//! seeds 003, 002 and 000, each implementing the `optim` problem traits.

pub mod conv;
pub mod error;

pub use error::{Result, SasdError};
