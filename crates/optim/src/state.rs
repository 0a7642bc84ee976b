//! The state of a run between iterations: what a solver updates, what the
//! executor times and checks, and what observers see (as argmin's
//! `IterState`).

use std::time::Duration;

use crate::record::{Counts, Record};

/// The state of a run after an iteration (or after a solver's `init`).
///
/// A [`Solver`](crate::Solver) writes the iterate and the per-iteration
/// fields in `next_iter`; the [`Executor`](crate::Executor) owns
/// `iteration`, `prev_cost` and `elapsed`, clears `extras` and `restarted`
/// before each iteration, and hands the state to observers and to the
/// stopping criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct State<I> {
    /// The current iterate (the last accepted point).
    pub iterate: I,
    /// Iterations completed (0 after `init`).
    pub iteration: usize,
    /// Objective at the iterate.
    pub cost: f64,
    /// Objective before the last iteration (set by the executor; a solver
    /// that changes the objective between iterations, as a continuation
    /// changing λ, resets it to the new objective's value at the iterate).
    pub prev_cost: f64,
    /// Norm of the Riemannian gradient (or of the gradient mapping) at the
    /// iterate, when the solver has one.
    pub grad_norm: Option<f64>,
    /// λ_min(Hess f) at the iterate, when a second-order solver computed it.
    pub lambda_min: Option<f64>,
    /// Length of the last step (∞ before the first).
    pub step_norm: f64,
    /// Step size of the last step (line-search step, radius, ...).
    pub step_size: f64,
    /// The last iteration was undone and the momentum dropped: the cost did
    /// not change by convergence, so cost-change criteria must not fire.
    pub restarted: bool,
    /// Oracle calls and problem work since the run began.
    pub counts: Counts,
    /// Wall time since the run began.
    pub elapsed: Duration,
    /// Solver-specific values of the last iteration (the x-step t, λ of a
    /// continuation, ρ of the trust region, ...).
    pub extras: Vec<(&'static str, f64)>,
}

impl<I> State<I> {
    /// The state before `init`: the starting iterate, nothing evaluated.
    pub fn new(iterate: I) -> Self {
        Self {
            iterate,
            iteration: 0,
            cost: f64::NAN,
            prev_cost: f64::NAN,
            grad_norm: None,
            lambda_min: None,
            step_norm: f64::INFINITY,
            step_size: f64::NAN,
            restarted: false,
            counts: Counts::default(),
            elapsed: Duration::ZERO,
            extras: Vec::new(),
        }
    }

    /// The extra value named `key`, if the last iteration recorded it.
    pub fn extra(&self, key: &str) -> Option<f64> {
        self.extras.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    /// Records a solver-specific value for this iteration.
    pub fn tag(&mut self, key: &'static str, value: f64) {
        self.extras.push((key, value));
    }

    /// |cost − previous cost|, ∞ after a restart (an undone iteration is no
    /// sign of convergence) or before the first iteration.
    pub fn cost_change(&self) -> f64 {
        if self.restarted || self.iteration == 0 {
            f64::INFINITY
        } else {
            (self.cost - self.prev_cost).abs()
        }
    }

    /// The state as a history record (without the iterate).
    pub fn record(&self) -> Record {
        Record {
            iteration: self.iteration,
            cost: self.cost,
            grad_norm: self.grad_norm,
            step_norm: self.step_norm,
            step_size: self.step_size,
            elapsed: self.elapsed,
            restarted: self.restarted,
            extras: self.extras.clone(),
        }
    }
}
