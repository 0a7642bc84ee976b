//! The solver trait: an `init` and a `next_iter` that the
//! [`Executor`](crate::Executor) drives (as argmin's `Solver`). Every solver
//! of this crate implements it, and so can a user's.

use crate::error::OptimError;
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// What an iteration ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// An iteration was done; go on unless a criterion or observer stops.
    Continue,
    /// An iteration was done and the solver has finished (a continuation's
    /// schedule is complete): the run stops with this reason unless the
    /// iteration's checks stop it first.
    Finished(StopReason),
    /// No iteration could be done (a failed line search, a non-finite
    /// trial): the run stops with this reason, the state unchanged.
    Halt(StopReason),
}

/// An iterative solver for problems of type `P`.
///
/// The executor calls [`init`](Self::init) once with the state holding the
/// starting iterate, then [`next_iter`](Self::next_iter) until a stopping
/// criterion, an observer or the solver ends the run. Solvers keep their
/// work buffers in `self` (allocated in `init`), so that iterations do not
/// allocate.
pub trait Solver<P> {
    /// The iterate: `Vec<f64>` for smooth solvers, [`Blocks`](crate::Blocks)
    /// for two-block composite ones.
    type Iterate;

    /// Validates the start, evaluates what the first iteration needs, and
    /// fills `state.cost` (and `grad_norm` where the solver has one).
    fn init(&mut self, problem: &mut P, state: &mut State<Self::Iterate>) -> Result<(), OptimError>;

    /// One iteration from `state`: moves the iterate and updates cost,
    /// gradient norm, step, counts and extras.
    fn next_iter(&mut self, problem: &mut P, state: &mut State<Self::Iterate>) -> Result<Step, OptimError>;

    /// The stopping criterion used when the caller gives none.
    fn default_stop(&self) -> StopCriterion;
}
