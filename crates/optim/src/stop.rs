//! Stopping criteria as values that compose with `|` (any) and `&` (all), as
//! in Manopt.jl, and the typed reasons a run ends with.

use std::fmt;
use std::ops::{BitAnd, BitOr};
use std::sync::Arc;
use std::time::Duration;

/// What a stopping criterion sees after each iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// Iterations completed.
    pub iteration: usize,
    /// Objective after the iteration.
    pub cost: f64,
    /// |cost − previous cost|.
    pub cost_change: f64,
    /// Norm of the (Riemannian, or composite gradient-mapping) gradient, when
    /// the solver has one.
    pub grad_norm: Option<f64>,
    /// Length of the last step (distance between consecutive iterates).
    pub step_norm: f64,
    /// Wall time since the solver started.
    pub elapsed: Duration,
    /// λ_min(Hess f) at the iterate, when a second-order solver computed it.
    pub lambda_min: Option<f64>,
}

impl Progress {
    /// What a criterion sees of a run's state.
    pub fn of<I>(state: &crate::State<I>) -> Self {
        Self {
            iteration: state.iteration,
            cost: state.cost,
            cost_change: state.cost_change(),
            grad_norm: state.grad_norm,
            step_norm: state.step_norm,
            elapsed: state.elapsed,
            lambda_min: state.lambda_min,
        }
    }
}

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// The iteration budget was used up.
    MaxIterations,
    /// The gradient norm fell below its tolerance.
    GradientNorm,
    /// The step fell below its tolerance.
    StepNorm,
    /// The change of the objective fell below its tolerance.
    CostChange,
    /// The time budget was used up.
    TimeBudget,
    /// The user's predicate said stop.
    Predicate,
    /// The observer asked to stop.
    Observer,
    /// An approximate second-order stationary point was reached.
    SecondOrderStationary,
    /// The line search found no acceptable step.
    LineSearchFailed,
    /// The trust-region radius collapsed below machine precision.
    RadiusCollapsed,
    /// The cost or an iterate became non-finite; the last finite iterate is returned.
    NonFinite,
    /// An inner solve (homotopy stage, reweighting round) ended for this
    /// reason and the outer loop has finished its schedule.
    Completed,
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            StopReason::MaxIterations => "maximum iterations reached",
            StopReason::GradientNorm => "gradient norm below tolerance",
            StopReason::StepNorm => "step below tolerance",
            StopReason::CostChange => "cost change below tolerance",
            StopReason::TimeBudget => "time budget used up",
            StopReason::Predicate => "user predicate",
            StopReason::Observer => "stopped by the observer",
            StopReason::SecondOrderStationary => "second-order stationary point",
            StopReason::LineSearchFailed => "line search failed",
            StopReason::RadiusCollapsed => "trust-region radius collapsed",
            StopReason::NonFinite => "non-finite value",
            StopReason::Completed => "schedule completed",
        };
        f.write_str(s)
    }
}

/// A user predicate on the progress.
pub type Predicate = Arc<dyn Fn(&Progress) -> bool + Send + Sync>;

/// A stopping criterion: a value, composable with `|` and `&`.
///
/// ```
/// use optim::StopCriterion as S;
/// use std::time::Duration;
/// let stop = S::MaxIterations(1000) | (S::GradientNorm(1e-8) & S::CostChange(1e-12))
///     | S::TimeBudget(Duration::from_secs(5));
/// ```
#[derive(Clone)]
pub enum StopCriterion {
    /// Stop after this many iterations.
    MaxIterations(usize),
    /// Stop when the gradient norm is ≤ this.
    GradientNorm(f64),
    /// Stop when the step length is ≤ this.
    StepNorm(f64),
    /// Stop when |Δ cost| ≤ this.
    CostChange(f64),
    /// Stop when |Δ cost| ≤ this·|cost|: progress at the rounding level of
    /// the cost, whatever its scale (a gradient tolerance can be out of
    /// reach when |f| is large: ‖grad‖ stalls where f is exact to rounding).
    RelativeCostChange(f64),
    /// Approximate second-order stationarity: ‖grad f‖ ≤ `gradient` and
    /// λ_min(Hess f) ≥ −`hessian` (λ_min from a second-order solver, which
    /// computes it where the gradient is small). Reason:
    /// [`StopReason::SecondOrderStationary`].
    SecondOrder {
        /// ε_g.
        gradient: f64,
        /// ε_H.
        hessian: f64,
    },
    /// Stop when this much wall time has passed.
    TimeBudget(Duration),
    /// Stop when the predicate holds.
    Predicate(Predicate),
    /// Stop when any member says stop (reason: the first that does).
    Any(Vec<StopCriterion>),
    /// Stop when every member says stop (reason: the first member's).
    All(Vec<StopCriterion>),
}

impl fmt::Debug for StopCriterion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopCriterion::MaxIterations(n) => write!(f, "MaxIterations({n})"),
            StopCriterion::GradientNorm(t) => write!(f, "GradientNorm({t:e})"),
            StopCriterion::StepNorm(t) => write!(f, "StepNorm({t:e})"),
            StopCriterion::CostChange(t) => write!(f, "CostChange({t:e})"),
            StopCriterion::RelativeCostChange(t) => write!(f, "RelativeCostChange({t:e})"),
            StopCriterion::SecondOrder { gradient, hessian } => {
                write!(
                    f,
                    "SecondOrder {{ gradient: {gradient:e}, hessian: {hessian:e} }}"
                )
            }
            StopCriterion::TimeBudget(d) => write!(f, "TimeBudget({d:?})"),
            StopCriterion::Predicate(_) => write!(f, "Predicate(..)"),
            StopCriterion::Any(v) => f.debug_tuple("Any").field(v).finish(),
            StopCriterion::All(v) => f.debug_tuple("All").field(v).finish(),
        }
    }
}

impl StopCriterion {
    /// A criterion that never fires (the run ends when the solver says so).
    pub fn never() -> Self {
        StopCriterion::Any(Vec::new())
    }

    /// Checks every tolerance: finite and ≥ 0 (a NaN tolerance would never
    /// fire and a negative one never could).
    pub fn validate(&self) -> Result<(), crate::OptimError> {
        let ok = |name: &'static str, t: f64| {
            crate::error::check_option(name, t.is_finite() && t >= 0.0, "must be finite and >= 0")
        };
        match self {
            StopCriterion::GradientNorm(t) => ok("GradientNorm", *t),
            StopCriterion::StepNorm(t) => ok("StepNorm", *t),
            StopCriterion::CostChange(t) => ok("CostChange", *t),
            StopCriterion::RelativeCostChange(t) => ok("RelativeCostChange", *t),
            StopCriterion::SecondOrder { gradient, hessian } => {
                ok("SecondOrder gradient", *gradient)?;
                ok("SecondOrder hessian", *hessian)
            }
            StopCriterion::Any(v) | StopCriterion::All(v) => v.iter().try_for_each(|c| c.validate()),
            StopCriterion::MaxIterations(_) | StopCriterion::TimeBudget(_) | StopCriterion::Predicate(_) => {
                Ok(())
            }
        }
    }

    /// A predicate criterion from a closure.
    pub fn predicate(f: impl Fn(&Progress) -> bool + Send + Sync + 'static) -> Self {
        StopCriterion::Predicate(Arc::new(f))
    }

    /// The reason to stop after an iteration with this progress, if any.
    pub fn check(&self, p: &Progress) -> Option<StopReason> {
        match self {
            StopCriterion::MaxIterations(n) => (p.iteration >= *n).then_some(StopReason::MaxIterations),
            StopCriterion::GradientNorm(t) => {
                p.grad_norm.filter(|g| g <= t).map(|_| StopReason::GradientNorm)
            }
            StopCriterion::StepNorm(t) => (p.step_norm <= *t).then_some(StopReason::StepNorm),
            StopCriterion::CostChange(t) => (p.cost_change <= *t).then_some(StopReason::CostChange),
            StopCriterion::RelativeCostChange(t) => {
                (p.cost_change <= *t * p.cost.abs()).then_some(StopReason::CostChange)
            }
            StopCriterion::SecondOrder { gradient, hessian } => {
                let flat = p.grad_norm.is_some_and(|g| g <= *gradient);
                let convex = p.lambda_min.is_some_and(|l| l >= -*hessian);
                (flat && convex).then_some(StopReason::SecondOrderStationary)
            }
            StopCriterion::TimeBudget(d) => (p.elapsed >= *d).then_some(StopReason::TimeBudget),
            StopCriterion::Predicate(f) => f(p).then_some(StopReason::Predicate),
            StopCriterion::Any(v) => v.iter().find_map(|c| c.check(p)),
            StopCriterion::All(v) => {
                let reasons: Option<Vec<StopReason>> = v.iter().map(|c| c.check(p)).collect();
                reasons.and_then(|r| r.first().copied())
            }
        }
    }

    /// The iteration budget this criterion implies, if it has one that
    /// always applies (used to size histories).
    pub fn max_iterations(&self) -> Option<usize> {
        match self {
            StopCriterion::MaxIterations(n) => Some(*n),
            StopCriterion::Any(v) => v.iter().filter_map(|c| c.max_iterations()).min(),
            StopCriterion::All(v) => v.iter().filter_map(|c| c.max_iterations()).max(),
            _ => None,
        }
    }
}

impl BitOr for StopCriterion {
    type Output = StopCriterion;
    fn bitor(self, rhs: StopCriterion) -> StopCriterion {
        match self {
            StopCriterion::Any(mut v) => {
                v.push(rhs);
                StopCriterion::Any(v)
            }
            lhs => StopCriterion::Any(vec![lhs, rhs]),
        }
    }
}

impl BitAnd for StopCriterion {
    type Output = StopCriterion;
    fn bitand(self, rhs: StopCriterion) -> StopCriterion {
        match self {
            StopCriterion::All(mut v) => {
                v.push(rhs);
                StopCriterion::All(v)
            }
            lhs => StopCriterion::All(vec![lhs, rhs]),
        }
    }
}
