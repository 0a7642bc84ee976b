//! Armijo backtracking along a retraction (LQK+20, Alg. 4), with Manopt's
//! memory rule for the first trial step.

use manifold::{Manifold, Retraction};

use crate::error::{OptimError, check_option};
use crate::record::Counts;

/// Backtracking options: accept t when f(R_x(t·d)) ≤ f(x) + c·t·⟨grad f, d⟩,
/// else t ← β·t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Armijo {
    /// Sufficient-decrease constant c (η of LQK+20 Alg. 4); 1e-4 as Manopt.
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
    /// The test allows a rounding slack of 8ε·|f(x)|.
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
        let rounding = Rounding::new(Some(0.0));
        self.search_rounded(
            m, retraction, x, d, f0, slope, t0, &rounding, cost, scratch, out, counts,
        )
    }

    /// [`search`](Self::search) with the rounding slack of `rounding`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn search_rounded<M: Manifold, R: Retraction<M>>(
        &self,
        m: &M,
        retraction: &R,
        x: &[f64],
        d: &[f64],
        f0: f64,
        slope: f64,
        t0: f64,
        rounding: &Rounding,
        cost: &mut impl FnMut(&[f64]) -> f64,
        scratch: &mut [f64],
        out: &mut [f64],
        counts: &mut Counts,
    ) -> Result<Option<Accepted>, OptimError> {
        let slack = rounding.slack(f0);
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
            if f <= bound + slack {
                let may_grow = trials == 1 && rounding.clear_pass(f - bound);
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

/// The rounding slack of the sufficient-decrease tests of one search
/// (LQK+20, Alg. 3 and 4): values that agree to rounding must pass, or
/// rounding alone shrinks the step to nothing near a minimiser and ends the
/// run with a failed search.
///
/// The slack is [`rounding_slack`](crate::composite::rounding_slack)`(f, noise)`
/// = max(8ε·|f|, 2·noise), with `noise` the measured rounding noise of the
/// cost's values ([`line_noise`]) or a caller's figure; 8ε·|f| alone for a
/// cost computed to its own relative precision.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Rounding {
    /// The absolute rounding noise of the values; `None` until measured.
    noise: Option<f64>,
    /// Measure again at the next step (the figure only grows).
    remeasure: bool,
}

impl Rounding {
    /// A caller's noise figure, or `None` to measure it.
    pub fn new(noise: Option<f64>) -> Self {
        Self {
            noise,
            remeasure: false,
        }
    }

    /// The slack of a test from the value `f0`.
    pub fn slack(&self, f0: f64) -> f64 {
        crate::composite::rounding_slack(f0, self.noise())
    }

    /// Whether a trial whose value exceeds its bound by `excess` (≤ 0 when
    /// the test holds exactly) may let the next search start from a longer
    /// step: only if it passed by more than the noise can explain. Growing
    /// on passes that noise alone produces half the time doubled the steps
    /// until their genuine excess reached the slack, and the iterates then
    /// hovered at the noise level instead of converging.
    pub fn clear_pass(&self, excess: f64) -> bool {
        excess <= -crate::composite::NOISE_FACTOR * self.noise()
    }

    /// The noise figure (0 until measured).
    pub fn noise(&self) -> f64 {
        self.noise.unwrap_or(0.0)
    }

    /// The noise figure, `None` until measured.
    pub fn figure(&self) -> Option<f64> {
        self.noise
    }

    /// Whether the next step should measure the noise.
    pub fn wants_measure(&self) -> bool {
        self.noise.is_none() || self.remeasure
    }

    /// Records a measurement (or another block's): the figure only grows.
    pub fn raise(&mut self, noise: f64) {
        self.noise = Some(self.noise().max(noise));
        self.remeasure = false;
    }

    /// Asks for a new measurement at the next step (after a failed search:
    /// one draw of a noise may have come out small).
    pub fn measure_again(&mut self) {
        self.remeasure = true;
    }
}

/// The rounding noise of a cost along a line, from its values at four
/// points: with f₀ = f(p) and `slope` = ⟨∇f(p), u⟩, the values f(p + k·u),
/// k = 1…4, minus f₀ + k·slope, are k²·c plus rounding (c, the curvature,
/// fitted by least squares; exact for a cost quadratic along the line, as a
/// Bilinear Lasso is in each block, and O(‖u‖³) otherwise). Returns the
/// largest residual of the fit.
///
/// f₀ and the slope come from the gradient oracle and the four values from
/// the value oracle, so a disagreement of the two paths (summation order,
/// a fused FFT pass) counts as noise too: it is what the tests compare.
pub(crate) fn line_noise(f0: f64, slope: f64, values: [f64; 4]) -> f64 {
    let r: [f64; 4] = std::array::from_fn(|i| {
        let k = (i + 1) as f64;
        values[i] - f0 - k * slope
    });
    let curvature = (0..4).map(|i| ((i + 1) * (i + 1)) as f64 * r[i]).sum::<f64>() / 354.0;
    let noise = (0..4)
        .map(|i| (r[i] - ((i + 1) * (i + 1)) as f64 * curvature).abs())
        .fold(0.0, f64::max);
    if noise.is_finite() { noise } else { 0.0 }
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
pub(crate) fn smooth_start<M: Manifold, P: crate::problem::Problem + ?Sized>(
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

#[cfg(test)]
mod tests {
    use super::line_noise;

    /// f(p + k·u) = f₀ + k·slope + k²·c exactly: no noise, whatever c.
    #[test]
    fn a_quadratic_along_the_line_has_no_noise() {
        let (f0, slope, c) = (12.5, -0.75, 3.0);
        let values = std::array::from_fn(|i| {
            let k = (i + 1) as f64;
            f0 + k * slope + k * k * c
        });
        assert!(line_noise(f0, slope, values) <= 1e-13);
    }

    /// Errors of ±η on the values come back at the scale of η.
    #[test]
    fn value_errors_are_measured_at_their_scale() {
        let (f0, slope, c, eta) = (12.5, -0.75, 3.0, 1e-9);
        let errors = [eta, -eta, 0.5 * eta, -0.8 * eta];
        let values = std::array::from_fn(|i| {
            let k = (i + 1) as f64;
            f0 + k * slope + k * k * c + errors[i]
        });
        let noise = line_noise(f0, slope, values);
        assert!(noise >= 0.3 * eta && noise <= 2.0 * eta, "{noise:e}");
    }
}
