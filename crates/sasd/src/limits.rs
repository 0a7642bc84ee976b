//! The limits of a run, shared by its solves: an iteration budget and the
//! wall time left of an optional budget for the whole run.

use std::time::{Duration, Instant};

use optim::StopCriterion;

/// Iterations allowed (over all stages of a first-order run, per solve of
/// a second-order one) and the time budget of the whole run from `start`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub iterations: usize,
    pub time_budget: Option<Duration>,
    pub start: Instant,
}

impl Limits {
    /// The criterion of a solve started now with the full iteration budget.
    pub fn stop(&self) -> StopCriterion {
        self.stop_after(self.iterations)
    }

    /// At most `iterations` more, within what is left of the time budget.
    pub fn stop_after(&self, iterations: usize) -> StopCriterion {
        let stop = StopCriterion::MaxIterations(iterations);
        match self.time_budget {
            Some(t) => stop | StopCriterion::TimeBudget(t.saturating_sub(self.start.elapsed())),
            None => stop,
        }
    }
}
