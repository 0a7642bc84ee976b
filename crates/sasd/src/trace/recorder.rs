//! The stamper of the second-order methods' runs, whose iterate is one
//! vector with the kernel first.

use std::time::Duration;

use optim::{Control, Observer, Record, State};

use super::{FFTS, KERNEL_ERROR, RunObserver, Truth};
use crate::geometry::Shape;

/// Keeps every record of a multi-solve run with running iteration numbers,
/// times and FFT counts (extra [`FFTS`]), the kernel error against a truth
/// (extra [`KERNEL_ERROR`], of the solve's kernel block — the first
/// `kernel_len` entries of the iterate, lifted or not), tags each with its
/// solve's extras, and forwards it to the caller's observer.
pub(crate) struct Recorder<'a, O> {
    inner: &'a mut O,
    history: &'a mut Vec<Record>,
    truth: Option<Truth<'a>>,
    kernel_len: usize,
    iteration_offset: usize,
    time_offset: Duration,
    ffts_offset: u64,
    last: Option<(usize, Duration)>,
    tags: Vec<(&'static str, f64)>,
}

impl<'a, O: RunObserver> Recorder<'a, O> {
    pub fn new(inner: &'a mut O, history: &'a mut Vec<Record>, truth: Option<Truth<'a>>) -> Self {
        Self {
            inner,
            history,
            truth,
            kernel_len: 0,
            iteration_offset: 0,
            time_offset: Duration::ZERO,
            ffts_offset: 0,
            last: None,
            tags: Vec::new(),
        }
    }

    /// Counts `ffts` run outside the solves (a closed-form activation).
    pub fn add_ffts(&mut self, ffts: u64) {
        self.ffts_offset += ffts;
    }

    /// Starts a solve whose records carry `tags` and whose iterate holds a
    /// kernel of `kernel_len` first.
    pub fn begin(&mut self, tags: Vec<(&'static str, f64)>, kernel_len: usize) {
        self.tags = tags;
        self.kernel_len = kernel_len;
        self.last = None;
    }

    /// Continues the counts after a solve that ran `ffts` FFTs.
    pub fn end(&mut self, ffts: u64) {
        if let Some((it, t)) = self.last.take() {
            self.iteration_offset = it;
            self.time_offset = t;
        }
        self.ffts_offset += ffts;
    }
}

impl<O: RunObserver> Observer<Vec<f64>> for Recorder<'_, O> {
    fn observe(&mut self, state: &State<Vec<f64>>) -> Control {
        let mut r = state.record();
        r.iteration += self.iteration_offset;
        r.elapsed += self.time_offset;
        r.extras.extend(self.tags.iter().copied());
        r.extras
            .push((FFTS, (self.ffts_offset + state.counts.work) as f64));
        let len = self.kernel_len.min(state.iterate.len());
        if let Some(truth) = &self.truth
            && truth.due(r.iteration)
            && let Some(e) = truth.error(&state.iterate[..len], Shape::d1(len))
        {
            r.extras.push((KERNEL_ERROR, e));
        }
        self.last = Some((r.iteration, r.elapsed));
        let control = self.inner.observe(&r);
        self.history.push(r);
        control
    }
}
