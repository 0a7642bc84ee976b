//! Short-and-sparse deconvolution (SaSD) on top of `manifold` and `optim`:
//! the FFT convolution engine ([`conv`]) and the SaSD / CDL objectives of
//! seeds 003, 002 and 000, each implementing the `optim` problem traits;
//! synthetic data ([`synth`]) and recovery metrics ([`metrics`]).

pub mod conv;
pub mod deblur;
pub mod error;
pub mod landscape;
pub mod metrics;
pub mod objective;
pub mod pipeline;
pub mod refine;
pub mod second_order;
pub mod synth;
pub mod two_stage;

pub use error::{Result, SasdError};
