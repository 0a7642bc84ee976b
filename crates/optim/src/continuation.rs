//! Continuation around any composite solver: homotopy in λ (LQK+20,
//! Alg. 6 / Alg. 1) and reweighted ℓ1 (Alg. 7, weights B.7, ε rule after B.9).
//!
//! Both are [`Solver`]s that run their inner solver one iteration at a time
//! through the same [`Executor`]: a stage ends when the
//! inner gradient-mapping norm reaches the stage's precision or the stage
//! has used its iterations; the next stage restarts the inner solver from
//! the current point ([`CompositeSolver::restart`]). The whole run's limits
//! (total iterations, time) are the executor's stopping criterion.

use manifold::Manifold;

use crate::composite::{Composite, CompositeSolver};
use crate::error::{OptimError, check_option};
use crate::executor::Executor;
use crate::problem::{ManifoldProblem, Regularizer, TwoBlockSmooth};
use crate::prox::Reweightable;
use crate::solution::{Blocks, Solution};
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// Where a run of stages stands.
#[derive(Debug, Clone, Default)]
struct Stages {
    /// Index of the current stage.
    stage: usize,
    /// Inner iterations of the current stage.
    iterations: usize,
    /// The current stage has ended; the next iteration starts the next one.
    ended: bool,
}

impl Stages {
    /// After an inner iteration of stage `self.stage` of `count`: whether
    /// the stage ended (precision reached or its iterations used), and
    /// the run's verdict when it was the last.
    fn after(&mut self, grad_norm: Option<f64>, precision: f64, cap: usize, count: usize) -> Step {
        self.iterations += 1;
        let precise = grad_norm.is_some_and(|g| g <= precision);
        if !precise && self.iterations < cap {
            return Step::Continue;
        }
        if self.stage + 1 < count {
            self.ended = true;
            return Step::Continue;
        }
        // The schedule ran out; a final stage stopped by its cap did not reach
        // its precision: say so.
        Step::Finished(if precise {
            StopReason::Completed
        } else {
            StopReason::MaxIterations
        })
    }

    /// Moves to the next stage if the current one ended; returns whether it did.
    fn advance(&mut self) -> bool {
        if !self.ended {
            return false;
        }
        self.stage += 1;
        self.iterations = 0;
        self.ended = false;
        true
    }
}

/// Options of [`Homotopy`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HomotopyOptions {
    /// λ₀ (LQK+20 §4.2.2: ‖ǎ(0) ⋆ y‖∞ for SaSD).
    pub lambda0: f64,
    /// Target λ*.
    pub lambda_star: f64,
    /// Decay η ∈ (0, 1); 0.9.
    pub eta: f64,
    /// Precision factor δ ∈ (0, 1); 0.1.
    pub delta: f64,
    /// Final precision ε*; `None`: δ·λ*.
    pub eps_star: Option<f64>,
    /// Inner iterations per stage at most (1000).
    pub stage_iterations: usize,
}

impl HomotopyOptions {
    /// From λ₀ to λ* with η = 0.9, δ = 0.1, ε* = δ·λ*, 1000 iterations a stage.
    pub fn new(lambda0: f64, lambda_star: f64) -> Self {
        Self {
            lambda0,
            lambda_star,
            eta: 0.9,
            delta: 0.1,
            eps_star: None,
            stage_iterations: 1000,
        }
    }

    fn validate(&self) -> Result<(), OptimError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        check_option("lambda0", ok(self.lambda0), "must be finite and > 0")?;
        check_option("lambda_star", ok(self.lambda_star), "must be finite and > 0")?;
        check_option("eta", self.eta > 0.0 && self.eta < 1.0, "must lie in (0, 1)")?;
        check_option(
            "delta",
            self.delta > 0.0 && self.delta < 1.0,
            "must lie in (0, 1)",
        )?;
        if let Some(e) = self.eps_star {
            check_option("eps_star", ok(e), "must be finite and > 0")?;
        }
        check_option("stage_iterations", self.stage_iterations >= 1, "must be >= 1")
    }
}

/// Homotopy continuation (LQK+20, Alg. 6): solve with λ₀, λ₀η, λ₀η², …
/// to precision ε_k = δ·λ_k (the gradient-mapping norm of the inner solver),
/// warm-starting each stage from the last, then a final round at λ* to
/// precision ε*. K = ⌈log(λ*/λ₀)/log η⌉ stages before the final round.
///
/// Records carry the extras `lambda` and `stage`. The run ends with
/// [`StopReason::Completed`] after the final round, or
/// [`StopReason::MaxIterations`] when the final round used its iterations
/// without reaching ε*. It sets the problem's λ (left at the last stage's).
#[derive(Debug, Clone)]
pub struct Homotopy<S> {
    inner: S,
    options: HomotopyOptions,
    schedule: Vec<f64>,
    stages: Stages,
}

impl<S> Homotopy<S> {
    /// Homotopy around `inner` with these options.
    pub fn new(inner: S, options: HomotopyOptions) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            inner,
            schedule: schedule(&options),
            options,
            stages: Stages::default(),
        })
    }

    /// The options.
    pub fn options(&self) -> &HomotopyOptions {
        &self.options
    }

    /// The λ of every stage, final round included.
    pub fn schedule(&self) -> &[f64] {
        &self.schedule
    }

    fn precision(&self, stage: usize) -> f64 {
        let o = &self.options;
        if stage + 1 == self.schedule.len() {
            o.eps_star.unwrap_or(o.delta * o.lambda_star)
        } else {
            o.delta * self.schedule[stage]
        }
    }

    /// Runs the schedule on `problem` from (a0, x0) with no other limit and
    /// no observer (use an [`Executor`] for more).
    pub fn solve<M, T, G>(
        &self,
        m: &M,
        problem: &mut Composite<T, G>,
        a0: &[f64],
        x0: &[f64],
    ) -> Result<Solution<Blocks>, OptimError>
    where
        M: Manifold,
        T: TwoBlockSmooth,
        G: Regularizer,
        S: for<'a> CompositeSolver<ManifoldProblem<'a, M, Composite<T, G>>> + Clone,
    {
        run_schedule(self.clone(), m, problem, a0, x0)
    }
}

/// Runs a continuation from (a0, x0) with its default stop (the schedule
/// ends it) and no observer.
fn run_schedule<'a, M, T, G, S>(
    solver: S,
    m: &'a M,
    problem: &'a mut Composite<T, G>,
    a0: &[f64],
    x0: &[f64],
) -> Result<Solution<Blocks>, OptimError>
where
    S: Solver<ManifoldProblem<'a, M, Composite<T, G>>, Iterate = Blocks>,
{
    let start = Blocks {
        a: a0.to_vec(),
        x: x0.to_vec(),
    };
    Executor::new(solver, ManifoldProblem::new(m, problem)).run(start)
}

/// λ₀, λ₀η, … above λ*, then λ*.
fn schedule(o: &HomotopyOptions) -> Vec<f64> {
    let k = ((o.lambda_star / o.lambda0).ln() / o.eta.ln()).ceil().max(0.0) as usize;
    let mut lambdas: Vec<f64> = (0..=k).map(|i| o.lambda0 * o.eta.powi(i as i32)).collect();
    lambdas.retain(|l| *l > o.lambda_star);
    lambdas.push(o.lambda_star);
    lambdas
}

impl<'a, M, T, G, S> Solver<ManifoldProblem<'a, M, Composite<T, G>>> for Homotopy<S>
where
    M: Manifold,
    T: TwoBlockSmooth,
    G: Regularizer,
    S: CompositeSolver<ManifoldProblem<'a, M, Composite<T, G>>>,
{
    type Iterate = Blocks;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'a, M, Composite<T, G>>,
        state: &mut State<Blocks>,
    ) -> Result<(), OptimError> {
        self.stages = Stages::default();
        p.objective.lambda = self.schedule[0];
        self.inner.init(p, state)
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'a, M, Composite<T, G>>,
        state: &mut State<Blocks>,
    ) -> Result<Step, OptimError> {
        if self.stages.advance() {
            p.objective.lambda = self.schedule[self.stages.stage];
            self.inner.restart(p, state)?;
        }
        let step = self.inner.next_iter(p, state)?;
        let k = self.stages.stage;
        state.tag("lambda", self.schedule[k]);
        state.tag("stage", k as f64);
        match step {
            Step::Continue => Ok(self.stages.after(
                state.grad_norm,
                self.precision(k),
                self.options.stage_iterations,
                self.schedule.len(),
            )),
            other => Ok(other),
        }
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::never()
    }
}

/// Options of [`Reweighting`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReweightingOptions {
    /// Rounds (weighted solves), the first with unit weights (≥ 1).
    pub rounds: usize,
    /// i₀ of the ε rule (1-based rank); [`Reweighting::seed_rank`] gives the
    /// seed's ⌈n/log(m/n)⌉.
    pub rank: usize,
    /// Floor of ε relative to the largest |x_i| (10⁻³): the rule's
    /// absolute 10⁻³ for spikes of unit height, and the same in any units.
    pub eps_floor: f64,
    /// Precision of each round (gradient-mapping norm).
    pub precision: f64,
    /// Inner iterations per round at most.
    pub stage_iterations: usize,
}

impl ReweightingOptions {
    fn validate(&self) -> Result<(), OptimError> {
        check_option("rounds", self.rounds >= 1, "must be >= 1")?;
        check_option("eps_floor", self.eps_floor > 0.0, "must be > 0")?;
        check_option("precision", self.precision > 0.0, "must be > 0")?;
        check_option("stage_iterations", self.stage_iterations >= 1, "must be >= 1")
    }
}

/// Reweighted ℓ1 (LQK+20, Alg. 7): solve with weights w, then
/// w_i ← 1/(|x_i| + ε) (B.7) with ε = max(|x|_(i₀), 10⁻³·‖x‖∞), |x|_(i)
/// the magnitudes sorted in decreasing order (the rule after B.9, its floor
/// 10⁻³ taken relative to the largest spike so that it means the same in
/// any units), warm-starting each round from the last.
///
/// Records carry the extras `round` and `lambda`. The penalty's weights are
/// reset to 1 at the start and left at the last round's.
#[derive(Debug, Clone)]
pub struct Reweighting<S> {
    inner: S,
    options: ReweightingOptions,
    stages: Stages,
    weights: Vec<f64>,
}

impl<S> Reweighting<S> {
    /// Reweighting around `inner` with these options.
    pub fn new(inner: S, options: ReweightingOptions) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            inner,
            options,
            stages: Stages::default(),
            weights: Vec::new(),
        })
    }

    /// The options.
    pub fn options(&self) -> &ReweightingOptions {
        &self.options
    }

    /// i₀ = ⌈n/ln(m/n)⌉ for kernel length n and signal length m (LQK+20,
    /// after B.9), at least 1.
    pub fn seed_rank(n: usize, m: usize) -> usize {
        let r = (n as f64 / (m as f64 / n as f64).ln()).ceil();
        if r.is_finite() && r >= 1.0 { r as usize } else { 1 }
    }

    /// ε = max(|x|_(i₀), floor·‖x‖∞) and the weights 1/(|x_i| + ε) into
    /// `w` (ε = floor for x = 0).
    pub fn weights(&self, x: &[f64], w: &mut [f64]) -> f64 {
        let mut mags: Vec<f64> = x.iter().map(|t| t.abs()).collect();
        let peak = mags.iter().fold(0.0_f64, |p, m| p.max(*m));
        let i = self.options.rank.clamp(1, mags.len()) - 1;
        let (_, kth, _) = mags.select_nth_unstable_by(i, |a, b| b.total_cmp(a));
        let floor = self.options.eps_floor * if peak > 0.0 { peak } else { 1.0 };
        let eps = kth.max(floor);
        w.iter_mut()
            .zip(x)
            .for_each(|(wi, xi)| *wi = 1.0 / (xi.abs() + eps));
        eps
    }

    /// Runs the rounds on `problem` from (a0, x0) with no other limit and no
    /// observer (use an [`Executor`] for more).
    pub fn solve<M, T, G>(
        &self,
        m: &M,
        problem: &mut Composite<T, G>,
        a0: &[f64],
        x0: &[f64],
    ) -> Result<Solution<Blocks>, OptimError>
    where
        M: Manifold,
        T: TwoBlockSmooth,
        G: Reweightable,
        S: for<'a> CompositeSolver<ManifoldProblem<'a, M, Composite<T, G>>> + Clone,
    {
        run_schedule(self.clone(), m, problem, a0, x0)
    }
}

impl<'a, M, T, G, S> Solver<ManifoldProblem<'a, M, Composite<T, G>>> for Reweighting<S>
where
    M: Manifold,
    T: TwoBlockSmooth,
    G: Reweightable,
    S: CompositeSolver<ManifoldProblem<'a, M, Composite<T, G>>>,
{
    type Iterate = Blocks;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'a, M, Composite<T, G>>,
        state: &mut State<Blocks>,
    ) -> Result<(), OptimError> {
        self.stages = Stages::default();
        self.weights = vec![1.0; state.iterate.x.len()];
        p.objective.penalty.set_weights(&self.weights);
        self.inner.init(p, state)
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'a, M, Composite<T, G>>,
        state: &mut State<Blocks>,
    ) -> Result<Step, OptimError> {
        if self.stages.advance() {
            let mut w = std::mem::take(&mut self.weights);
            self.weights(&state.iterate.x, &mut w);
            p.objective.penalty.set_weights(&w);
            self.weights = w;
            self.inner.restart(p, state)?;
        }
        let step = self.inner.next_iter(p, state)?;
        state.tag("round", self.stages.stage as f64);
        state.tag("lambda", p.objective.lambda);
        match step {
            Step::Continue => Ok(self.stages.after(
                state.grad_norm,
                self.options.precision,
                self.options.stage_iterations,
                self.options.rounds,
            )),
            other => Ok(other),
        }
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::never()
    }
}
