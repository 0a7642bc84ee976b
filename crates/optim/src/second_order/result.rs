//! What the second-order solvers return.

use crate::stop::StopReason;

/// Result of a second-order run; `S` is the solver's typed per-step record.
#[derive(Debug, Clone)]
pub struct SecondOrderResult<S> {
    /// Final point.
    pub x: Vec<f64>,
    /// f at the final point.
    pub cost: f64,
    /// ‖grad f‖ at the final point.
    pub grad_norm: f64,
    /// λ_min(Hess f) at the final point (second-order certificate), when
    /// computed there.
    pub lambda_min: Option<f64>,
    /// Why it stopped: [`StopReason::SecondOrderStationary`] when
    /// ‖grad f‖ ≤ ε_g and λ_min(Hess f) ≥ −ε_H.
    pub stop: StopReason,
    /// Outer iterations.
    pub iterations: usize,
    /// Cost evaluations (alone).
    pub cost_calls: usize,
    /// Gradient evaluations.
    pub grad_calls: usize,
    /// Hessian-vector products (inner solver, eigensteps and Lanczos).
    pub hess_calls: usize,
    /// One record per outer iteration.
    pub history: Vec<S>,
}

impl<S> SecondOrderResult<S> {
    /// The state before the first iteration (the initial gradient counted).
    pub(crate) fn start() -> Self {
        Self {
            x: Vec::new(),
            cost: f64::NAN,
            grad_norm: f64::NAN,
            lambda_min: None,
            stop: StopReason::MaxIterations,
            iterations: 0,
            cost_calls: 0,
            grad_calls: 1,
            hess_calls: 0,
            history: Vec::new(),
        }
    }
}
