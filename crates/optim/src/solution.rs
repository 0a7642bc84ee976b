//! What every solver returns.

use std::time::Duration;

use crate::record::{Counts, Record};
use crate::stop::StopReason;

/// The iterate of a two-block composite solver: a on the manifold, x free.
#[derive(Debug, PartialEq, Default)]
pub struct Blocks {
    /// The manifold block a.
    pub a: Vec<f64>,
    /// The free block x.
    pub x: Vec<f64>,
}

impl Clone for Blocks {
    fn clone(&self) -> Self {
        Self {
            a: self.a.clone(),
            x: self.x.clone(),
        }
    }

    /// Field by field, into the buffers already held: the derived
    /// `clone_from` builds a whole clone first, so a continuation's anchor
    /// (`x` of 10⁷ entries: 80 MB) was allocated anew at every stage, with
    /// both copies alive at the peak.
    fn clone_from(&mut self, source: &Self) {
        self.a.clone_from(&source.a);
        self.x.clone_from(&source.x);
    }
}

/// The outcome of a run of any solver through the
/// [`Executor`](crate::Executor).
#[derive(Debug, Clone)]
pub struct Solution<I> {
    /// Final iterate (the last accepted, finite one).
    pub iterate: I,
    /// Objective at the final iterate.
    pub cost: f64,
    /// Gradient (or gradient-mapping) norm there, when the solver has one.
    pub grad_norm: Option<f64>,
    /// λ_min(Hess f) there (a second-order certificate), when computed.
    pub lambda_min: Option<f64>,
    /// Why the run ended.
    pub stop: StopReason,
    /// Iterations completed.
    pub iterations: usize,
    /// Oracle calls and problem work.
    pub counts: Counts,
    /// One record per iteration (empty when the executor kept none).
    pub history: Vec<Record>,
    /// Wall time.
    pub elapsed: Duration,
}

#[cfg(test)]
mod tests {
    use super::Blocks;

    /// `clone_from` copies into the buffers held (no new allocation when
    /// they are long enough) and gives an equal value.
    #[test]
    fn clone_from_reuses_the_buffers() {
        let source = Blocks {
            a: vec![1.0, 2.0],
            x: vec![3.0; 1000],
        };
        let mut target = Blocks {
            a: vec![0.0; 2],
            x: vec![0.0; 1000],
        };
        let (a, x) = (target.a.as_ptr(), target.x.as_ptr());
        target.clone_from(&source);
        assert_eq!(target, source);
        assert_eq!((target.a.as_ptr(), target.x.as_ptr()), (a, x));
    }
}
