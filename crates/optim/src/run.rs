//! Bookkeeping shared by every solver loop: wall time, records, the observer
//! and the stopping criterion, in one place.

use std::time::Instant;

use crate::record::{Control, Observer, Record};
use crate::stop::{Progress, StopCriterion, StopReason};

/// The state of one run between iterations.
pub(crate) struct Run<'a, O: Observer> {
    start: Instant,
    stop: &'a StopCriterion,
    observer: &'a mut O,
    prev_cost: f64,
    pub history: Vec<Record>,
}

impl<'a, O: Observer> Run<'a, O> {
    pub fn new(stop: &'a StopCriterion, observer: &'a mut O, initial_cost: f64) -> Self {
        let capacity = stop.max_iterations().unwrap_or(256).min(1 << 16);
        Self {
            start: Instant::now(),
            stop,
            observer,
            prev_cost: initial_cost,
            history: Vec::with_capacity(capacity),
        }
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.start.elapsed()
    }

    /// Records an iteration, shows it to the observer and asks the criterion;
    /// returns why to stop, if the run should.
    pub fn end_iteration(&mut self, mut record: Record) -> Option<StopReason> {
        record.elapsed = self.start.elapsed();
        // An undone iteration (iADM's restart) changed nothing by design; it
        // must not read as a converged cost.
        let undone = record.extra("restart") == Some(1.0);
        let progress = Progress {
            iteration: record.iteration,
            cost: record.cost,
            cost_change: if undone {
                f64::INFINITY
            } else {
                (record.cost - self.prev_cost).abs()
            },
            grad_norm: record.grad_norm,
            step_norm: record.step_norm,
            elapsed: record.elapsed,
        };
        self.prev_cost = record.cost;
        let control = self.observer.observe(&record);
        self.history.push(record);
        if !progress.cost.is_finite() {
            return Some(StopReason::NonFinite);
        }
        if control == Control::Stop {
            return Some(StopReason::Observer);
        }
        self.stop.check(&progress)
    }
}

/// A record with the common fields filled and no extras.
pub(crate) fn record(
    iteration: usize,
    cost: f64,
    grad_norm: Option<f64>,
    step_norm: f64,
    step_size: f64,
) -> Record {
    Record {
        iteration,
        cost,
        grad_norm,
        step_norm,
        step_size,
        elapsed: Default::default(),
        extras: Vec::new(),
    }
}
