//! Per-iteration records, the observer that sees them, and oracle counts.

use std::time::Duration;

/// One iteration of any solver.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Iteration number (1-based).
    pub iteration: usize,
    /// Objective after the iteration.
    pub cost: f64,
    /// Gradient (or gradient-mapping) norm, when the solver has one.
    pub grad_norm: Option<f64>,
    /// Length of the step taken.
    pub step_norm: f64,
    /// Step size accepted by the line search (the a-step τ for two-block solvers).
    pub step_size: f64,
    /// Wall time since the start of the run.
    pub elapsed: Duration,
    /// Solver-specific values: the x-step t, a momentum restart (1.0), the
    /// current λ of a continuation, ...
    pub extras: Vec<(&'static str, f64)>,
}

impl Record {
    /// The extra value named `key`, if recorded.
    pub fn extra(&self, key: &str) -> Option<f64> {
        self.extras.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// Whether a run goes on after an observer has seen an iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop now; the run ends with [`StopReason::Observer`](crate::StopReason::Observer).
    Stop,
}

/// Sees every iteration's record and may stop the run.
pub trait Observer {
    /// Called after each iteration.
    fn observe(&mut self, record: &Record) -> Control;
}

impl<F: FnMut(&Record) -> Control> Observer for F {
    fn observe(&mut self, record: &Record) -> Control {
        self(record)
    }
}

/// An observer that watches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl Observer for NoObserver {
    fn observe(&mut self, _record: &Record) -> Control {
        Control::Continue
    }
}

/// How many times each oracle was called.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cost evaluations (alone).
    pub cost: usize,
    /// Gradient evaluations (with their cost).
    pub grad: usize,
    /// Hessian-vector products.
    pub hess: usize,
    /// Proximal operator applications.
    pub prox: usize,
    /// Retractions.
    pub retract: usize,
}
