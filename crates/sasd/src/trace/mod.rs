//! The run history: every record of the solver, stamped with the wall time
//! since the run began, the cumulative FFT count and, when a ground truth
//! is known, the kernel error — the axes of LQK+20 Fig. 15 (error vs FFTs)
//! and Figs. 11–14 (vs iterations) — and shown to the caller's
//! [`RunObserver`].
//!
//! The solvers' observers see their state, the iterate and the objective's
//! FFT count (`Counts::work`) included, so the stampers read the kernel and
//! the count from there: nothing spies on the objective. `Historian`
//! stamps the two-block (kernel, activation) runs of the Bilinear Lasso,
//! `Recorder` the single-vector runs of the second-order methods.

mod historian;
mod recorder;

use optim::{Control, NoObserver, Record};

use crate::geometry::Shape;
use crate::metrics::{cdl_kernel_errors_2d, kernel_error_2d};

pub(crate) use historian::Historian;
pub(crate) use recorder::Recorder;

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

/// Ground-truth kernels (each of `shape`, row-major) for the history's
/// kernel error, taken on iteration 1 and every `every`-th.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Truth<'t> {
    pub kernels: &'t [Vec<f64>],
    pub shape: Shape,
    pub every: usize,
}

impl Truth<'_> {
    /// Whether iteration `i` carries a kernel error.
    pub fn due(&self, i: usize) -> bool {
        i == 1 || i.is_multiple_of(self.every.max(1))
    }

    /// Kernel error of the kernels `a` (consecutive blocks of `block`,
    /// lifted or not) against the truth: LQK+20 §5.1's min over shifts and
    /// sign of 1 − |⟨a₀, s_ℓ[a]⟩|, the largest over kernels after the best
    /// matching (metrics).
    pub fn error(&self, a: &[f64], block: Shape) -> Option<f64> {
        let blocks: Vec<&[f64]> = a.chunks_exact(block.len().max(1)).collect();
        if let ([t], [b]) = (self.kernels, blocks.as_slice()) {
            return kernel_error_2d(t, self.shape, b, block).ok();
        }
        cdl_kernel_errors_2d(self.kernels, self.shape, &blocks, block)
            .ok()
            .map(|m| m.max_error())
    }
}
