//! Per-iteration records, the observers that see a run's state, and oracle
//! counts.

use std::time::Duration;

use crate::state::State;

/// One iteration of any solver, as kept in a run's history: the state
/// without its iterate.
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
    /// Step size accepted by the line search (the a-step τ for two-block
    /// solvers, the radius for the trust region).
    pub step_size: f64,
    /// Wall time since the start of the run.
    pub elapsed: Duration,
    /// The iteration was undone and the momentum restarted (iADM's
    /// safeguard).
    pub restarted: bool,
    /// Solver-specific values: the x-step t, the current λ of a
    /// continuation, the trust-region ratio ρ, ...
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

/// Sees the state after every iteration (the iterate included) and may stop
/// the run. `I` is the solver's iterate type: `Vec<f64>` for smooth solvers,
/// [`Blocks`](crate::Blocks) for two-block composite ones.
pub trait Observer<I> {
    /// Called after each iteration.
    fn observe(&mut self, state: &State<I>) -> Control;
}

impl<I, F: FnMut(&State<I>) -> Control> Observer<I> for F {
    fn observe(&mut self, state: &State<I>) -> Control {
        self(state)
    }
}

/// An observer that watches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;

impl<I> Observer<I> for NoObserver {
    fn observe(&mut self, _state: &State<I>) -> Control {
        Control::Continue
    }
}

/// How many times each oracle was called, and the problem's own work.
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
    /// Momentum restarts (iADM's safeguard).
    pub restarts: usize,
    /// The problem's own count of its expensive operations since the run
    /// began ([`Problem::work`](crate::Problem::work): FFTs for SaSD), 0
    /// when the problem counts none.
    pub work: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.cost += o.cost;
        self.grad += o.grad;
        self.hess += o.hess;
        self.prox += o.prox;
        self.retract += o.retract;
        self.restarts += o.restarts;
        self.work += o.work;
    }
}
