//! Armijo backtracking along a retraction (seed 003, Alg. 4), with Manopt's
//! memory rule for the first trial step.

use manifold::{Manifold, Retraction};

use crate::error::{OptimError, check_option};
use crate::record::Counts;

/// Backtracking options: accept t when f(R_x(t·d)) ≤ f(x) + c·t·⟨grad f, d⟩,
/// else t ← β·t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Armijo {
    /// Sufficient-decrease constant c (η of seed 003 Alg. 4); 1e-4 as Manopt.
    pub sufficient_decrease: f64,
    /// Contraction β ∈ (0, 1); 0.5.
    pub contraction: f64,
    /// Give up below this step.
    pub min_step: f64,
    /// The next search starts from the accepted step times this factor when
    /// the first trial was accepted, and from the accepted step otherwise
    /// (Manopt's adaptive memory rule); 2.
    pub growth: f64,
}

impl Default for Armijo {
    fn default() -> Self {
        Self {
            sufficient_decrease: 1e-4,
            contraction: 0.5,
            min_step: 1e-16,
            growth: 2.0,
        }
    }
}

/// Outcome of one backtracking search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accepted {
    /// Accepted step size t.
    pub step: f64,
    /// f at the new point.
    pub cost: f64,
    /// Trials used.
    pub trials: usize,
    /// Whether the next search may start from a larger step: the first trial
    /// passed the test outright (not only within rounding slack).
    pub may_grow: bool,
}

impl Armijo {
    /// Checks the options: c ∈ (0, 1), β ∈ (0, 1), growth ≥ 1, min_step ≥ 0,
    /// and a positive first step `t0`.
    pub fn validate(&self, t0: f64) -> Result<(), OptimError> {
        let c = self.sufficient_decrease;
        check_option("sufficient_decrease", c > 0.0 && c < 1.0, "must lie in (0, 1)")?;
        let b = self.contraction;
        check_option("contraction", b > 0.0 && b < 1.0, "must lie in (0, 1)")?;
        check_option(
            "growth",
            self.growth >= 1.0 && self.growth.is_finite(),
            "must be finite and >= 1",
        )?;
        check_option("min_step", self.min_step >= 0.0, "must be >= 0")?;
        check_option(
            "initial_step",
            t0 > 0.0 && t0.is_finite(),
            "must be finite and > 0",
        )
    }

    /// Backtracks from t0 along R_x(t·d); `slope` = ⟨grad f(x), d⟩ (< 0 for a
    /// descent direction; 0 accepts the first trial: a zero step). On
    /// success `out` holds the new point; `None` when t fell below `min_step`.
    #[allow(clippy::too_many_arguments)]
    pub fn search<M: Manifold, R: Retraction<M>>(
        &self,
        m: &M,
        retraction: &R,
        x: &[f64],
        d: &[f64],
        f0: f64,
        slope: f64,
        t0: f64,
        cost: &mut impl FnMut(&[f64]) -> f64,
        scratch: &mut [f64],
        out: &mut [f64],
        counts: &mut Counts,
    ) -> Result<Option<Accepted>, OptimError> {
        let mut t = t0;
        let mut trials = 0;
        loop {
            scratch.iter_mut().zip(d).for_each(|(s, di)| *s = t * di);
            retraction.retract(m, x, scratch, out)?;
            counts.retract += 1;
            let f = cost(out);
            counts.cost += 1;
            trials += 1;
            let bound = f0 + self.sufficient_decrease * t * slope;
            // A few ulps of slack keep rounding near a minimiser from shrinking
            // t to nothing; a step accepted only thanks to it does not grow t.
            if f <= bound + crate::composite::rounding_slack(f0) {
                let may_grow = trials == 1 && f <= bound;
                return Ok(Some(Accepted {
                    step: t,
                    cost: f,
                    trials,
                    may_grow,
                }));
            }
            t *= self.contraction;
            if t < self.min_step {
                return Ok(None);
            }
        }
    }

    /// First trial step of the next search (the memory rule).
    pub fn next_initial(&self, accepted: &Accepted) -> f64 {
        memory_rule(accepted.step, accepted.may_grow, self.growth)
    }
}

/// Manopt's adaptive memory rule: the next search starts from step·growth
/// when the first trial was accepted outright, else from the accepted step.
/// Saturates far below overflow.
pub fn memory_rule(step: f64, may_grow: bool, growth: f64) -> f64 {
    if may_grow {
        (step * growth).min(1e150)
    } else {
        step
    }
}

/// The start of a smooth solver: checks x0 and the line-search options, and
/// evaluates f(x0) and the Riemannian gradient into `grad` (one gradient
/// call, counted); a non-finite start is refused.
pub(crate) fn smooth_start<M: Manifold, P: crate::problem::Problem>(
    m: &M,
    p: &mut P,
    x0: &[f64],
    linesearch: &Armijo,
    initial_step: f64,
    grad: &mut [f64],
    counts: &mut Counts,
) -> Result<f64, OptimError> {
    m.check_point(x0, 1e-8)?;
    linesearch.validate(initial_step)?;
    let fx = p.cost_grad(x0, grad);
    counts.grad += 1;
    if !fx.is_finite() {
        return Err(OptimError::NonFiniteStart { what: "cost" });
    }
    if grad.iter().any(|t| !t.is_finite()) {
        return Err(OptimError::NonFiniteStart { what: "gradient" });
    }
    m.egrad_to_rgrad(x0, grad)?;
    Ok(fx)
}
