//! The one loop every solver runs through: timing, history, observers,
//! non-finite guard and stopping criteria (as argmin's `Executor`).

use std::time::Instant;

use crate::error::OptimError;
use crate::record::{Control, Observer, Record};
use crate::solution::Solution;
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{Progress, StopCriterion, StopReason};

/// Runs a [`Solver`] on a problem: `Executor::new(solver, problem)`, then
/// optionally [`stop`](Self::stop), [`observe`](Self::observe) and
/// [`keep_history`](Self::keep_history), then [`run`](Self::run).
///
/// After `init` and after every iteration, in this order: the wall time is
/// stamped, the record kept, a non-finite cost ends the run
/// ([`StopReason::NonFinite`], the solvers keep the last finite iterate),
/// the observers see the state (any may stop the run), then the criterion
/// is asked, then the solver's own verdict ([`Step::Finished`]) applies.
/// After `init` only the non-finite guard and the criterion are checked
/// (observers see iterations, not the start): a start that already
/// satisfies the criterion ends the run with no iteration.
pub struct Executor<'o, S: Solver<P>, P> {
    solver: S,
    problem: P,
    stop: Option<StopCriterion>,
    observers: Vec<&'o mut dyn Observer<S::Iterate>>,
    keep_history: bool,
}

impl<'o, S: Solver<P>, P> Executor<'o, S, P> {
    /// An executor with the solver's default criterion, no observer, and a
    /// history kept.
    pub fn new(solver: S, problem: P) -> Self {
        Self {
            solver,
            problem,
            stop: None,
            observers: Vec::new(),
            keep_history: true,
        }
    }

    /// Replaces the solver's default stopping criterion.
    pub fn stop(mut self, stop: StopCriterion) -> Self {
        self.stop = Some(stop);
        self
    }

    /// Adds an observer; it stays the caller's, to be read after the run.
    pub fn observe(mut self, observer: &'o mut dyn Observer<S::Iterate>) -> Self {
        self.observers.push(observer);
        self
    }

    /// Whether to keep one [`Record`] per iteration in the solution.
    pub fn keep_history(mut self, keep: bool) -> Self {
        self.keep_history = keep;
        self
    }

    /// Runs from `start`.
    pub fn run(mut self, start: S::Iterate) -> Result<Solution<S::Iterate>, OptimError> {
        let stop = self.stop.take().unwrap_or_else(|| self.solver.default_stop());
        stop.validate()?;
        let clock = Instant::now();
        let mut state = State::new(start);
        self.solver.init(&mut self.problem, &mut state)?;
        state.prev_cost = state.cost;
        let capacity = stop.max_iterations().unwrap_or(256).min(1 << 16);
        let mut history: Vec<Record> = Vec::with_capacity(if self.keep_history { capacity } else { 0 });
        let mut reason = self.check(&stop, &mut state, clock, None);
        while reason.is_none() {
            state.prev_cost = state.cost;
            state.extras.clear();
            state.restarted = false;
            let verdict = match self.solver.next_iter(&mut self.problem, &mut state)? {
                Step::Halt(r) => {
                    reason = Some(r);
                    break;
                }
                Step::Continue => None,
                Step::Finished(r) => Some(r),
            };
            state.iteration += 1;
            state.elapsed = clock.elapsed();
            if self.keep_history {
                history.push(state.record());
            }
            reason = self.check(&stop, &mut state, clock, verdict);
        }
        let stop = reason.unwrap_or(StopReason::Completed);
        Ok(Solution {
            cost: state.cost,
            grad_norm: state.grad_norm,
            lambda_min: state.lambda_min,
            stop,
            iterations: state.iteration,
            counts: state.counts,
            history,
            elapsed: clock.elapsed(),
            iterate: state.iterate,
        })
    }

    /// The checks after `init` or an iteration, in the documented order.
    fn check(
        &mut self,
        stop: &StopCriterion,
        state: &mut State<S::Iterate>,
        clock: Instant,
        verdict: Option<StopReason>,
    ) -> Option<StopReason> {
        state.elapsed = clock.elapsed();
        if !state.cost.is_finite() {
            return Some(StopReason::NonFinite);
        }
        let mut halt = false;
        for o in self.observers.iter_mut().filter(|_| state.iteration > 0) {
            halt |= o.observe(state) == Control::Stop;
        }
        if halt {
            return Some(StopReason::Observer);
        }
        stop.check(&Progress::of(state)).or(verdict)
    }
}
