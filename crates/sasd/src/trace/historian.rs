//! The stamper of the Bilinear Lasso's two-block runs.

use std::time::Instant;

use optim::{Blocks, Control, Observer, State};

use super::{FFTS, KERNEL_ERROR, RunObserver, Truth};
use crate::geometry::Shape;

/// Stamps and keeps every record of a run of one or more solves over
/// (kernel, activation) blocks, then shows it to the caller's observer.
pub(crate) struct Historian<'w, O> {
    pub user: &'w mut O,
    pub truth: Option<Truth<'w>>,
    /// Shape of one kernel block of the iterate (the lifted kernel).
    pub block: Shape,
    pub start: Instant,
    pub history: Vec<optim::Record>,
    /// Added to the iteration numbers (a later solve continues the count).
    pub offset: usize,
    /// Added to the FFT counts (the FFTs of earlier solves).
    pub ffts_offset: u64,
    /// Extras appended to every record (the tags of a later solve).
    pub tags: Vec<(&'static str, f64)>,
}

impl<'w, O: RunObserver> Historian<'w, O> {
    /// A history that starts now, for kernel blocks of `block`.
    pub fn new(user: &'w mut O, truth: Option<Truth<'w>>, block: Shape) -> Self {
        Self {
            user,
            truth,
            block,
            start: Instant::now(),
            history: Vec::new(),
            offset: 0,
            ffts_offset: 0,
            tags: Vec::new(),
        }
    }

    /// Continues the counts after a solve of `iterations` iterations and
    /// `ffts` FFTs.
    pub fn after(&mut self, iterations: usize, ffts: u64) {
        self.offset += iterations;
        self.ffts_offset += ffts;
    }
}

impl<O: RunObserver> Observer<Blocks> for Historian<'_, O> {
    fn observe(&mut self, state: &State<Blocks>) -> Control {
        let mut r = state.record();
        r.iteration += self.offset;
        r.extras.extend_from_slice(&self.tags);
        // Stages of a run restart their clocks: time from the run's start.
        r.elapsed = self.start.elapsed();
        r.extras
            .push((FFTS, (self.ffts_offset + state.counts.work) as f64));
        if let Some(truth) = &self.truth
            && truth.due(r.iteration)
            && let Some(e) = truth.error(&state.iterate.a, self.block)
        {
            r.extras.push((KERNEL_ERROR, e));
        }
        let control = self.user.observe(&r);
        self.history.push(r);
        control
    }
}
