//! The run history: every record of the solver, stamped with the wall time
//! since the solve began, the cumulative FFT count and, when a ground truth
//! is known, the kernel error — the axes of seed 003 Fig. 15 (error vs FFTs)
//! and Figs. 11–14 (vs iterations).
//!
//! The solver's observer sees a [`Record`] but not the iterate, and the
//! objective (which knows the FFT count) is borrowed by the solver. So the
//! objective is wrapped in a [`Probe`] that, at the end of every iteration
//! ([`TwoBlockSmooth::refresh`], which ADM, iADM and iPALM call once per
//! iteration with the accepted point, again after a momentum restart),
//! copies the kernel block and the FFT count into a [`Watch`] the
//! [`Historian`] observer reads.

use std::cell::RefCell;
use std::time::Instant;

use optim::{Control, Observer, Record, TwoBlockSmooth};

use crate::conv::Plan;
use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};
use crate::objective::BilinearLasso;
use crate::synth::Shape;

/// Name of the record extra holding the cumulative FFT count.
pub const FFTS: &str = "ffts";
/// Name of the record extra holding the kernel error against the truth
/// (the largest over kernels after the best matching, for CDL).
pub const KERNEL_ERROR: &str = "kernel_error";

/// What the probe last saw: the accepted kernel block and the FFT count.
#[derive(Debug, Default)]
pub(crate) struct Watch {
    pub a: Vec<f64>,
    pub ffts: u64,
}

/// The Bilinear Lasso, unchanged, reporting to a [`Watch`].
pub(crate) struct Probe<'w, P: Plan> {
    pub inner: BilinearLasso<P>,
    pub watch: &'w RefCell<Watch>,
}

impl<P: Plan> TwoBlockSmooth for Probe<'_, P> {
    fn a_len(&self) -> usize {
        self.inner.a_len()
    }
    fn x_len(&self) -> usize {
        self.inner.x_len()
    }
    fn fix_a(&mut self, a: &[f64]) {
        self.inner.fix_a(a)
    }
    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.inner.value_x(x)
    }
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.inner.grad_x(x, grad)
    }
    fn fix_x(&mut self, x: &[f64]) {
        self.inner.fix_x(x)
    }
    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.inner.value_a(a)
    }
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.inner.grad_a(a, grad)
    }
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        let psi = self.inner.refresh(a, x);
        let mut w = self.watch.borrow_mut();
        w.a.clear();
        w.a.extend_from_slice(a);
        w.ffts = self.inner.ffts();
        psi
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
    /// seed 003 §5.1's min over shifts and sign of 1 − |⟨a₀, s_ℓ[a]⟩|, the
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
    pub watch: &'w RefCell<Watch>,
    pub user: &'w mut O,
    pub truth: Option<Truth<'w>>,
    pub every: usize,
    pub start: Instant,
    pub history: Vec<Record>,
    /// Added to the iteration numbers (a later solve continues the count).
    pub offset: usize,
    /// Extras appended to every record (the tags of a later solve).
    pub tags: Vec<(&'static str, f64)>,
}

impl<O: Observer> Observer for Historian<'_, O> {
    fn observe(&mut self, record: &Record) -> Control {
        let mut r = record.clone();
        r.iteration += self.offset;
        r.extras.extend_from_slice(&self.tags);
        // Stages of a homotopy restart their clocks: time from the solve's start.
        r.elapsed = self.start.elapsed();
        let w = self.watch.borrow();
        r.extras.push((FFTS, w.ffts as f64));
        if let Some(truth) = &self.truth
            && (r.iteration == 1 || r.iteration.is_multiple_of(self.every))
            && let Some(e) = truth.error(&w.a)
        {
            r.extras.push((KERNEL_ERROR, e));
        }
        drop(w);
        let control = self.user.observe(&r);
        self.history.push(r);
        control
    }
}
