//! Continuation around any composite solver: homotopy in λ (seed 003,
//! Alg. 6 / Alg. 1) and reweighted ℓ1 (Alg. 7, weights B.7, ε rule after B.9).

use std::time::{Duration, Instant};

use manifold::Manifold;

use crate::composite::{Composite, CompositeResult, CompositeSolver};
use crate::error::{OptimError, check_option};
use crate::problem::{Regularizer, TwoBlockSmooth};
use crate::prox::Reweightable;
use crate::record::{Control, Counts, Observer, Record};
use crate::stop::{StopCriterion, StopReason};

/// Global limits of a continuation run, shared by its stages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Inner iterations per stage at most.
    pub stage_iterations: usize,
    /// Iterations over all stages at most.
    pub total_iterations: usize,
    /// Wall time over all stages at most.
    pub time: Option<Duration>,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            stage_iterations: 1000,
            total_iterations: usize::MAX,
            time: None,
        }
    }
}

/// Forwards a stage's records to the user's observer with the stage's tags
/// appended (λ, the stage number) and the iteration counted over all stages.
struct Tagged<'a, O> {
    observer: &'a mut O,
    tags: [(&'static str, f64); 2],
    offset: usize,
}

impl<O: Observer> Observer for Tagged<'_, O> {
    fn observe(&mut self, record: &Record) -> Control {
        let mut r = record.clone();
        r.iteration += self.offset;
        r.extras.extend(self.tags);
        self.observer.observe(&r)
    }
}

/// Accumulates the stages of a continuation into one result, warm-starting
/// each stage from the last.
struct Stages {
    start: Instant,
    counts: Counts,
    history: Vec<Record>,
    iterations: usize,
    restarts: usize,
    a: Vec<f64>,
    x: Vec<f64>,
    last: Option<CompositeResult>,
    /// The rounding noise of ψ's values measured by an earlier stage: the
    /// later ones start from it instead of measuring again.
    noise: Option<f64>,
}

impl Stages {
    fn new(a0: &[f64], x0: &[f64]) -> Self {
        Self {
            start: Instant::now(),
            counts: Counts::default(),
            history: Vec::new(),
            iterations: 0,
            restarts: 0,
            a: a0.to_vec(),
            x: x0.to_vec(),
            last: None,
            noise: None,
        }
    }

    /// Runs one stage from the current point, tagging its records; returns
    /// why the continuation must stop, if it must.
    #[allow(clippy::too_many_arguments)]
    fn stage<M, S, T, G, O>(
        &mut self,
        inner: &S,
        m: &M,
        problem: &mut Composite<T, G>,
        stop: &StopCriterion,
        tags: [(&'static str, f64); 2],
        observer: &mut O,
    ) -> Result<Option<StopReason>, OptimError>
    where
        M: Manifold,
        S: CompositeSolver<M>,
        T: TwoBlockSmooth,
        G: Regularizer,
        O: Observer,
    {
        let mut tagged = Tagged {
            observer,
            tags,
            offset: self.iterations,
        };
        let mut res =
            inner.solve_composite_with_noise(m, problem, &self.a, &self.x, stop, &mut tagged, self.noise)?;
        self.noise = res.value_noise.or(self.noise);
        self.absorb(&mut res, tags);
        self.a.copy_from_slice(res.a.as_slice());
        self.x.copy_from_slice(res.x.as_slice());
        let reason = outer_stop(res.stop);
        self.last = Some(res);
        Ok(reason)
    }

    /// The stopping criterion of the next stage: its own precision, within
    /// the budget left; `None` when the budget is spent.
    fn stage_stop(&self, budget: &Budget, precision: f64) -> Option<StopCriterion> {
        let left = budget.total_iterations.saturating_sub(self.iterations);
        let mut stop = StopCriterion::GradientNorm(precision)
            | StopCriterion::MaxIterations(budget.stage_iterations.min(left));
        if let Some(t) = budget.time {
            let remaining = t.saturating_sub(self.start.elapsed());
            if remaining.is_zero() {
                return None;
            }
            stop = stop | StopCriterion::TimeBudget(remaining);
        }
        (left > 0).then_some(stop)
    }

    fn absorb(&mut self, res: &mut CompositeResult, tags: [(&'static str, f64); 2]) {
        for mut r in res.history.drain(..) {
            r.iteration += self.iterations;
            r.extras.extend(tags);
            self.history.push(r);
        }
        self.iterations += res.iterations;
        self.restarts += res.restarts;
        let c = &res.counts;
        self.counts.cost += c.cost;
        self.counts.grad += c.grad;
        self.counts.hess += c.hess;
        self.counts.prox += c.prox;
        self.counts.retract += c.retract;
    }

    fn finish(self, stop: StopReason) -> Result<CompositeResult, OptimError> {
        let last = self.last.ok_or(OptimError::InvalidOption {
            name: "budget",
            reason: "leaves no iteration for the first stage".into(),
        })?;
        Ok(CompositeResult {
            iterations: self.iterations,
            counts: self.counts,
            history: self.history,
            elapsed: self.start.elapsed(),
            restarts: self.restarts,
            // The schedule ran out, but a final round stopped by its cap did
            // not reach its precision: say so.
            stop: if stop == StopReason::Completed && last.stop == StopReason::MaxIterations {
                StopReason::MaxIterations
            } else {
                stop
            },
            ..last
        })
    }
}

/// Why a continuation stops after a stage, if it must: the observer, a
/// failure, or the spent budget (a stage that merely hit its precision or its
/// per-stage iteration cap lets the schedule go on).
fn outer_stop(inner: StopReason) -> Option<StopReason> {
    match inner {
        StopReason::GradientNorm | StopReason::MaxIterations => None,
        other => Some(other),
    }
}

/// Homotopy continuation (seed 003, Alg. 6): solve with λ₀, λ₀η, λ₀η², …
/// to precision ε_k = δ·λ_k (the gradient-mapping norm of the inner solver),
/// warm-starting each stage from the last, then a final round at λ* to
/// precision ε*. K = ⌈log(λ*/λ₀)/log η⌉ stages before the final round.
#[derive(Debug, Clone)]
pub struct Homotopy<S> {
    /// The composite solver of each stage.
    pub inner: S,
    /// λ₀ (seed 003 §4.2.2: ‖ǎ(0) ⋆ y‖∞ for SaSD).
    pub lambda0: f64,
    /// Target λ*.
    pub lambda_star: f64,
    /// Decay η ∈ (0, 1); 0.9.
    pub eta: f64,
    /// Precision factor δ ∈ (0, 1); 0.1.
    pub delta: f64,
    /// Final precision ε*.
    pub eps_star: f64,
    /// Limits over the whole run.
    pub budget: Budget,
}

impl<S> Homotopy<S> {
    /// Homotopy from λ₀ to λ* with η = 0.9, δ = 0.1, ε* = δ·λ*.
    pub fn new(inner: S, lambda0: f64, lambda_star: f64) -> Self {
        Self {
            inner,
            lambda0,
            lambda_star,
            eta: 0.9,
            delta: 0.1,
            eps_star: 0.1 * lambda_star,
            budget: Budget::default(),
        }
    }

    /// The λ of every stage, final round included.
    pub fn schedule(&self) -> Vec<f64> {
        let k = ((self.lambda_star / self.lambda0).ln() / self.eta.ln())
            .ceil()
            .max(0.0) as usize;
        let mut lambdas: Vec<f64> = (0..=k).map(|i| self.lambda0 * self.eta.powi(i as i32)).collect();
        lambdas.retain(|l| *l > self.lambda_star);
        lambdas.push(self.lambda_star);
        lambdas
    }

    /// Runs the schedule on `problem` (its λ is overwritten, left at λ*).
    pub fn solve<M, T, G, O>(
        &self,
        m: &M,
        problem: &mut Composite<T, G>,
        a0: &[f64],
        x0: &[f64],
        observer: &mut O,
    ) -> Result<CompositeResult, OptimError>
    where
        M: Manifold,
        S: CompositeSolver<M>,
        T: TwoBlockSmooth,
        G: Regularizer,
        O: Observer,
    {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        check_option("lambda0", ok(self.lambda0), "must be finite and > 0")?;
        check_option("lambda_star", ok(self.lambda_star), "must be finite and > 0")?;
        check_option("eta", self.eta > 0.0 && self.eta < 1.0, "must lie in (0, 1)")?;
        check_option(
            "delta",
            self.delta > 0.0 && self.delta < 1.0,
            "must lie in (0, 1)",
        )?;
        check_option("eps_star", ok(self.eps_star), "must be finite and > 0")?;
        let schedule = self.schedule();
        let mut stages = Stages::new(a0, x0);
        let mut stop = StopReason::Completed;
        for (k, &lambda) in schedule.iter().enumerate() {
            let precision = if k + 1 == schedule.len() {
                self.eps_star
            } else {
                self.delta * lambda
            };
            let Some(stage_stop) = stages.stage_stop(&self.budget, precision) else {
                stop = StopReason::MaxIterations;
                break;
            };
            problem.lambda = lambda;
            let tags = [("lambda", lambda), ("stage", k as f64)];
            if let Some(reason) = stages.stage(&self.inner, m, problem, &stage_stop, tags, observer)? {
                stop = reason;
                break;
            }
        }
        stages.finish(stop)
    }
}

/// Reweighted ℓ1 (seed 003, Alg. 7): solve with weights w, then
/// w_i ← 1/(|x_i| + ε) (B.7) with ε = max(|x|_(i₀), 10⁻³), |x|_(i) the
/// magnitudes sorted in decreasing order (the rule after B.9), warm-starting
/// each round from the last.
#[derive(Debug, Clone)]
pub struct Reweighting<S> {
    /// The composite solver of each round.
    pub inner: S,
    /// Rounds (weighted solves), the first with unit weights.
    pub rounds: usize,
    /// i₀ of the ε rule (1-based rank); [`Reweighting::seed_rank`] gives the
    /// seed's ⌈n/log(m/n)⌉.
    pub rank: usize,
    /// Floor of ε (10⁻³).
    pub eps_floor: f64,
    /// Precision of each round (gradient-mapping norm).
    pub precision: f64,
    /// Limits over the whole run.
    pub budget: Budget,
}

impl<S> Reweighting<S> {
    /// i₀ = ⌈n/ln(m/n)⌉ for kernel length n and signal length m (seed 003,
    /// after B.9), at least 1.
    pub fn seed_rank(n: usize, m: usize) -> usize {
        let r = (n as f64 / (m as f64 / n as f64).ln()).ceil();
        if r.is_finite() && r >= 1.0 { r as usize } else { 1 }
    }

    /// ε = max(|x|_(i₀), floor) and the weights 1/(|x_i| + ε) into `w`.
    pub fn weights(&self, x: &[f64], w: &mut [f64]) -> f64 {
        let mut mags: Vec<f64> = x.iter().map(|t| t.abs()).collect();
        let i = self.rank.clamp(1, mags.len()) - 1;
        let (_, kth, _) = mags.select_nth_unstable_by(i, |a, b| b.total_cmp(a));
        let eps = kth.max(self.eps_floor);
        w.iter_mut()
            .zip(x)
            .for_each(|(wi, xi)| *wi = 1.0 / (xi.abs() + eps));
        eps
    }

    /// Runs the rounds; the penalty's weights are reset to 1 first and left
    /// at the last round's.
    pub fn solve<M, T, G, O>(
        &self,
        m: &M,
        problem: &mut Composite<T, G>,
        a0: &[f64],
        x0: &[f64],
        observer: &mut O,
    ) -> Result<CompositeResult, OptimError>
    where
        M: Manifold,
        S: CompositeSolver<M>,
        T: TwoBlockSmooth,
        G: Reweightable,
        O: Observer,
    {
        check_option("rounds", self.rounds >= 1, "must be >= 1")?;
        check_option("eps_floor", self.eps_floor > 0.0, "must be > 0")?;
        check_option("precision", self.precision > 0.0, "must be > 0")?;
        let mut w = vec![1.0; x0.len()];
        problem.penalty.set_weights(&w);
        let mut stages = Stages::new(a0, x0);
        let mut stop = StopReason::Completed;
        for round in 0..self.rounds {
            let Some(stage_stop) = stages.stage_stop(&self.budget, self.precision) else {
                stop = StopReason::MaxIterations;
                break;
            };
            let tags = [("round", round as f64), ("lambda", problem.lambda)];
            if let Some(reason) = stages.stage(&self.inner, m, problem, &stage_stop, tags, observer)? {
                stop = reason;
                break;
            }
            if round + 1 < self.rounds {
                self.weights(&stages.x, &mut w);
                problem.penalty.set_weights(&w);
            }
        }
        stages.finish(stop)
    }
}
