//! The run history: every record of the solver, stamped with the wall time
//! since the solve began, the cumulative FFT count and, when a ground truth
//! is known, the kernel error — the axes of LQK+20 Fig. 15 (error vs FFTs)
//! and Figs. 11–14 (vs iterations).
//!
//! The solver's observers see its state, the iterate and the objective's
//! FFT count (`Counts::work`) included, so the [`Historian`] reads the
//! kernel block and the count from there: nothing spies on the objective.

use std::time::Instant;

use optim::{Blocks, Control, NoObserver, Observer, Record, State};

use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};
use crate::synth::Shape;

/// Name of the record extra holding the cumulative FFT count.
pub const FFTS: &str = "ffts";
/// Name of the record extra holding the kernel error against the truth
/// (the largest over kernels after the best matching, for CDL).
pub const KERNEL_ERROR: &str = "kernel_error";

/// Sees every record of a deconvolution run (with the [`FFTS`] extra and,
/// when a truth is set, [`KERNEL_ERROR`]) and may stop the run. Closures
/// `FnMut(&Record) -> Control` are run observers, and so is
/// [`optim::NoObserver`].
pub trait RunObserver {
    /// Called after each iteration.
    fn observe(&mut self, record: &Record) -> Control;
}

impl<F: FnMut(&Record) -> Control> RunObserver for F {
    fn observe(&mut self, record: &Record) -> Control {
        self(record)
    }
}

impl RunObserver for NoObserver {
    fn observe(&mut self, _record: &Record) -> Control {
        Control::Continue
    }
}

/// Ground-truth kernels on the engine grid, for the history's errors.
pub(crate) struct Truth<'t> {
    pub kernels: &'t [Vec<f64>],
    pub shape: Shape,
    pub lifted: Shape,
}

impl Truth<'_> {
    /// Kernel error of the lifted kernels `a` (blocks) against the truth:
    /// LQK+20 §5.1's min over shifts and sign of 1 − |⟨a₀, s_ℓ[a]⟩|, the
    /// largest over kernels after the best matching (metrics).
    pub fn error(&self, a: &[f64]) -> Option<f64> {
        let blocks: Vec<&[f64]> = a.chunks_exact(self.lifted.len()).collect();
        if let ([t], [b]) = (self.kernels, blocks.as_slice()) {
            return kernel_error_2d(t, self.shape, b, self.lifted).ok();
        }
        cdl_kernel_errors_2d(self.kernels, self.shape, &blocks, self.lifted)
            .ok()
            .map(|m| m.max_error())
    }
}

/// Stamps and keeps every record, then shows it to the caller's observer.
pub(crate) struct Historian<'w, O> {
    pub user: &'w mut O,
    pub truth: Option<Truth<'w>>,
    pub every: usize,
    pub start: Instant,
    pub history: Vec<Record>,
    /// Added to the iteration numbers (a later solve continues the count).
    pub offset: usize,
    /// Added to the FFT counts (the FFTs of earlier solves).
    pub ffts_offset: u64,
    /// Extras appended to every record (the tags of a later solve).
    pub tags: Vec<(&'static str, f64)>,
}

impl<O: RunObserver> Historian<'_, O> {
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
        // Stages of a run restart their clocks: time from the solve's start.
        r.elapsed = self.start.elapsed();
        r.extras
            .push((FFTS, (self.ffts_offset + state.counts.work) as f64));
        if let Some(truth) = &self.truth
            && (r.iteration == 1 || r.iteration.is_multiple_of(self.every))
            && let Some(e) = truth.error(&state.iterate.a)
        {
            r.extras.push((KERNEL_ERROR, e));
        }
        let control = self.user.observe(&r);
        self.history.push(r);
        control
    }
}
