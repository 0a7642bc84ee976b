//! What every solver returns.

use std::time::Duration;

use crate::record::{Counts, Record};
use crate::stop::StopReason;

/// The iterate of a two-block composite solver: a on the manifold, x free.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Blocks {
    /// The manifold block a.
    pub a: Vec<f64>,
    /// The free block x.
    pub x: Vec<f64>,
}

/// The outcome of a run of any solver through the
/// [`Executor`](crate::Executor).
#[derive(Debug, Clone)]
pub struct Solution<I> {
    /// Final iterate (the last accepted, finite one).
    pub iterate: I,
    /// Objective at the final iterate.
    pub cost: f64,
    /// Gradient (or gradient-mapping) norm there, when the solver has one.
    pub grad_norm: Option<f64>,
    /// λ_min(Hess f) there (a second-order certificate), when computed.
    pub lambda_min: Option<f64>,
    /// Why the run ended.
    pub stop: StopReason,
    /// Iterations completed.
    pub iterations: usize,
    /// Oracle calls and problem work.
    pub counts: Counts,
    /// One record per iteration (empty when the executor kept none).
    pub history: Vec<Record>,
    /// Wall time.
    pub elapsed: Duration,
}
