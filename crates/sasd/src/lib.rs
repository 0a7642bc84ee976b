//! Short-and-sparse deconvolution (SaSD) on top of `manifold` and `optim`:
//! the FFT convolution engine ([`conv`]) and the SaSD / CDL objectives of
//! LQK+20, Zha19 and ZLK+19, each implementing the `optim` problem traits;
//! synthetic data ([`synth`]) and recovery metrics ([`metrics`]).
//!
//! Papers are cited by short keys (LQK+20, ZLK+19, Zha19, Qu19, ABG07, …)
//! with the equation or algorithm number; `docs/references.md` at the
//! repository root resolves each key to authors, title and venue.

pub mod conv;
pub mod datasets;
pub mod deblur;
pub mod error;
pub mod events;
pub mod geometry;
pub mod init;
pub mod landscape;
mod limits;
pub mod metrics;
pub mod multichannel;
pub mod objective;
pub mod pipeline;
pub mod refine;
pub mod second_order;
pub mod shared;
pub mod synth;
pub mod trace;
pub mod two_stage;

pub use conv::Boundary;
pub use error::{Result, SasdError};
