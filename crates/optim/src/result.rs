//! What a smooth solver returns.

use std::time::Duration;

use manifold::Vector;

use crate::record::{Counts, Record};
use crate::stop::StopReason;

/// The outcome of a run of a smooth solver (gradient descent, conjugate
/// gradient).
#[derive(Debug, Clone)]
pub struct SolverResult {
    /// Final point (the last finite iterate).
    pub x: Vector,
    /// f at `x`.
    pub cost: f64,
    /// ‖grad f(x)‖.
    pub grad_norm: f64,
    /// Why the run ended.
    pub stop: StopReason,
    /// Iterations completed.
    pub iterations: usize,
    /// Oracle calls.
    pub counts: Counts,
    /// One record per iteration.
    pub history: Vec<Record>,
    /// Wall time.
    pub elapsed: Duration,
}
