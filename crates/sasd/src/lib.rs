//! sasd

pub mod metrics;
pub mod synth;
