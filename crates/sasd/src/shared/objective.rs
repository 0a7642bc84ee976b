//! The stacked Bilinear Lasso of p traces that share their kernels.

use optim::TwoBlockSmooth;
use rayon::prelude::*;

use crate::conv::{Plan, Plan1d};
use crate::error::{Result, SasdError};
use crate::objective::BilinearLasso;

/// The smooth part of the shared-kernel Bilinear Lasso
///
/// ψ(a, x₁, …, x_p) = Σ_{i=1}^p ½‖y_i − Σ_k a_k ⊛ x_{ik} − b_i‖²
///
/// — the sum over p traces of LQK+20's eq. 3.1 (eq. 4.6 with N kernels,
/// App. C.2 for frames), one kernel block a on the sphere (or OB(n, N))
/// shared by every trace, and one activation block x_i per trace. The
/// x-block of the two-block problem is the concatenation [x₁; …; x_p]
/// (trace after trace, each as [`BilinearLasso`] lays it out), so the
/// penalty λ‖x‖₁ = Σ_i λ‖x_i‖₁ and its prox stay separable and the
/// solvers of `optim` (ADM, iADM, iPALM, homotopy, reweighting) run on it
/// unchanged.
///
/// Each trace keeps its own [`BilinearLasso`] — its FFT plan and cached
/// spectra built once, its observation model (circular or the window of a
/// linear convolution) and its own bias b_i or baseline β_i, fitted in the
/// bias step of every iteration ([`TwoBlockSmooth::refresh`]) exactly as
/// for one trace. The oracles run the traces in parallel (rayon) and add
/// their values and a-gradients in trace order, so a run gives the same
/// bits whatever the number of threads:
///
/// * ∇_{x_i}ψ = ∇_{x_i}ψ_i (the trace's own gradient, written in place);
/// * ∇_a ψ = Σ_i ∇_a ψ_i.
///
/// FFTs per oracle are the sum of the traces' ([`BilinearLasso`]'s
/// table): p times a single trace's. With a fixed a the step size of the
/// x-step is common to all traces, as it should be: the Lipschitz constant
/// of ∇_x ψ is that of the shared kernel's convolution.
#[derive(Debug, Clone)]
pub struct SharedLasso<P: Plan = Plan1d> {
    traces: Vec<BilinearLasso<P>>,
    /// Entries of one trace's x block (N activation maps).
    trace_x: usize,
    /// One a-gradient per trace, summed in order.
    grads: Vec<Vec<f64>>,
    /// One value per trace, summed in order.
    values: Vec<f64>,
    /// One refreshed value per trace.
    refreshed: Vec<Option<f64>>,
}

impl<P: Plan> SharedLasso<P> {
    /// Stacks the per-trace objectives (each built with its own y, bias or
    /// baseline). Errors: no trace ([`SasdError::ZeroDimension`]); traces
    /// whose kernels or activations differ in size, or one with a bias and
    /// another without ([`SasdError::UnequalTraces`]).
    pub fn from_traces(traces: Vec<BilinearLasso<P>>) -> Result<Self> {
        let first = traces.first().ok_or(SasdError::ZeroDimension {
            what: "number of traces",
        })?;
        let (a_len, trace_x, bias) = (first.a_len(), first.x_len(), first.bias().is_some());
        for (trace, t) in traces.iter().enumerate() {
            if t.x_len() != trace_x || t.a_len() != a_len || t.bias().is_some() != bias {
                return Err(SasdError::UnequalTraces {
                    trace,
                    len: t.x_len(),
                    first: trace_x,
                });
            }
        }
        let p = traces.len();
        Ok(Self {
            traces,
            trace_x,
            grads: vec![vec![0.0; a_len]; p],
            values: vec![0.0; p],
            refreshed: vec![None; p],
        })
    }

    /// The per-trace objectives.
    pub fn traces(&self) -> &[BilinearLasso<P>] {
        &self.traces
    }

    /// Number of traces p.
    pub fn len(&self) -> usize {
        self.traces.len()
    }

    /// Whether there is no trace (never, once built).
    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }

    /// Entries of one trace's x block.
    pub fn trace_x_len(&self) -> usize {
        self.trace_x
    }

    /// Each trace's current bias b_i (`None` without one; with a baseline,
    /// its mean).
    pub fn biases(&self) -> Vec<Option<f64>> {
        self.traces.iter().map(BilinearLasso::bias).collect()
    }

    /// Real FFTs of all traces since construction or the last reset.
    pub fn ffts(&self) -> u64 {
        self.traces.iter().map(BilinearLasso::ffts).sum()
    }

    /// Resets every trace's FFT counter.
    pub fn reset_ffts(&mut self) {
        self.traces.iter_mut().for_each(BilinearLasso::reset_ffts);
    }
}

impl<P: Plan> TwoBlockSmooth for SharedLasso<P>
where
    BilinearLasso<P>: TwoBlockSmooth + Send,
{
    fn a_len(&self) -> usize {
        self.traces[0].a_len()
    }

    fn x_len(&self) -> usize {
        self.trace_x * self.traces.len()
    }

    /// Every trace caches Â (N FFTs each).
    fn fix_a(&mut self, a: &[f64]) {
        self.traces.par_iter_mut().for_each(|t| t.fix_a(a));
    }

    /// Σ_i ψ_i(a, x_i).
    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.traces
            .par_iter_mut()
            .zip(x.par_chunks(self.trace_x))
            .zip(self.values.par_iter_mut())
            .for_each(|((t, x), v)| *v = t.value_x(x));
        self.values.iter().sum()
    }

    /// Σ_i ψ_i and every ∇_{x_i}ψ_i in its own stretch of `grad`.
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.traces
            .par_iter_mut()
            .zip(x.par_chunks(self.trace_x))
            .zip(grad.par_chunks_mut(self.trace_x))
            .zip(self.values.par_iter_mut())
            .for_each(|(((t, x), g), v)| *v = t.grad_x(x, g));
        self.values.iter().sum()
    }

    /// Every trace caches its X̂_i.
    fn fix_x(&mut self, x: &[f64]) {
        self.traces
            .par_iter_mut()
            .zip(x.par_chunks(self.trace_x))
            .for_each(|(t, x)| t.fix_x(x));
    }

    /// Σ_i ψ_i(a, x_i).
    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.traces
            .par_iter_mut()
            .zip(self.values.par_iter_mut())
            .for_each(|(t, v)| *v = t.value_a(a));
        self.values.iter().sum()
    }

    /// Σ_i ψ_i and ∇_a ψ = Σ_i ∇_a ψ_i, summed in trace order.
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.traces
            .par_iter_mut()
            .zip(self.grads.par_iter_mut())
            .zip(self.values.par_iter_mut())
            .for_each(|((t, g), v)| *v = t.grad_a(a, g));
        grad.fill(0.0);
        for g in &self.grads {
            grad.iter_mut().zip(g).for_each(|(s, gi)| *s += gi);
        }
        self.values.iter().sum()
    }

    /// Every trace's bias (or baseline) step at (a, x_i) (LQK+20 App. B.3),
    /// then Σ_i ψ_i; `None` without biases.
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        self.traces
            .par_iter_mut()
            .zip(x.par_chunks(self.trace_x))
            .zip(self.refreshed.par_iter_mut())
            .for_each(|((t, x), r)| *r = t.refresh(a, x));
        self.refreshed.iter().copied().sum()
    }

    fn work(&self) -> u64 {
        self.ffts()
    }
}
