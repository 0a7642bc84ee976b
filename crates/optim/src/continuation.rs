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
use crate::kept::Kept;
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
    /// After an inner iteration of stage `self.stage` (`last`: the
    /// schedule's last): whether the stage ended (precision reached or its
    /// iterations used), and the run's verdict when it was the last.
    fn after(&mut self, grad_norm: Option<f64>, precision: f64, cap: usize, last: bool) -> Step {
        self.iterations += 1;
        let precise = grad_norm.is_some_and(|g| g <= precision);
        if !precise && self.iterations < cap {
            return Step::Continue;
        }
        if !last {
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

/// An accelerated stage whose kernels moved more than this many times the
/// aimed movement is undone ([`AdaptiveDecay`]).
const REJECT: f64 = 4.0;

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
    /// A decay that follows the kernel (`None`: every stage decays by η,
    /// LQK+20).
    pub adaptive: Option<AdaptiveDecay>,
}

/// A homotopy whose decay adapts to how far the kernel moves, in the
/// manner of step-size control in path following: after a stage that
/// lowered λ by the factor e^(−s) and moved the kernels (all of block `a`)
/// by d in Euclidean norm, the next stage lowers λ by e^(−s′) with
/// s′ = τ·s/d (the step at which the same sensitivity d/s moves the kernel
/// by τ), at most 2s and kept between the slowest decay η and the fastest
/// η_min. The first decay is η. A stage that was faster than η and moved
/// the kernels by more than 4τ is undone (iterate and λ back to the end of
/// the stage before) and retried at η: a jump of that size is a move to
/// another basin, which the slow decay may avoid. λ then rises for that one
/// stage; records carry every stage, the undone ones included.
///
/// Not part of LQK+20, whose η is fixed: a slow decay is what keeps the
/// kernel in its basin while it still moves (dense, short or coherent
/// data), and costs stages for nothing once it has settled (sparse, long
/// data). Measured on the pipeline's cases (`examples/eta_study.rs`,
/// seeds 1–5, mean iterations fixed η = 0.9 → this default): §5.2 random
/// kernel 455 → 200 (m = 10⁵, seeds 1–3: 484–819 → 265–422), coherent
/// Gaussian 15,493 → 10,216, recordings random 176 → 136 and AR(2) 446 →
/// 355, CDL 469 → 246, with the same kernel errors; the test suite's cases
/// that a fixed η = 0.5 fails (x ≥ 0 at θ = 0.25, a 2,000-sample trace with
/// n₀ = 12, a batch of 200 §5.2 traces) pass.
///
/// With a [`probe`](Self::probe) (off by default), the run first tries
/// the fastest decay: λ₀ is followed by stages at η_min, and if the second
/// of them still moves the kernels by more than the probe's limit, the
/// homotopy starts over from its starting point (λ₀, the inner solver
/// initialised afresh) with the rule above; otherwise every stage decays
/// by η_min. Measured (`docs/studies/homotopy-decay.md`, seeds 1–30, mean
/// iterations without → with a probe of 0.3): §5.2 293 → 156, CDL 603 →
/// 221, recordings 94 → 47 and 482 → 226, 2-D 500 → 141, no failure, and
/// the dense x ≥ 0 test falls back and passes; but on the real ECG
/// (`examples/ecg.rs`, MIT-BIH 208) the refined result falls from 146
/// events, beat F1 0.66 and kernel match 0.902 to 16 events, F1 0.23 and
/// 0.874; and on sparse non-negative activations (`tests/nonnegative.rs`,
/// θ = 0.1, seed 1) it passes but is slower: 3,102 iterations against 384.
/// Hence off until a test tells those cases apart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaptiveDecay {
    /// Fastest decay η_min ∈ (0, η] (default 0.3).
    pub eta_min: f64,
    /// Kernel movement τ > 0 per stage aimed at (default 0.05 on the unit
    /// sphere; 0.1 measured no faster, with more undone stages).
    pub movement: f64,
    /// Start at η_min and keep it unless the second stage at η_min moves
    /// the kernels by more than this (0.3 measured: §5.2 runs move
    /// 0.10–0.13 there, dense ones 0.62–1.07); `None` (the default): start
    /// at η.
    pub probe: Option<f64>,
}

impl Default for AdaptiveDecay {
    fn default() -> Self {
        Self {
            eta_min: 0.3,
            movement: 0.05,
            probe: None,
        }
    }
}

/// Where the fast start of an adaptive homotopy stands
/// ([`AdaptiveDecay::probe`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// Decaying by η_min; the count of stages ended so far.
    Probing(u8),
    /// The probe passed: every stage decays by η_min.
    Fast,
    /// No probe, or it failed: the movement rule.
    Adaptive,
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
            adaptive: None,
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
        if let Some(a) = self.adaptive {
            check_option(
                "eta_min",
                a.eta_min > 0.0 && a.eta_min <= self.eta,
                "must lie in (0, eta]",
            )?;
            check_option("movement", ok(a.movement), "must be finite and > 0")?;
            if let Some(limit) = a.probe {
                check_option("probe", ok(limit), "must be finite and > 0")?;
            }
        }
        check_option("stage_iterations", self.stage_iterations >= 1, "must be >= 1")
    }
}

/// Homotopy continuation (LQK+20, Alg. 6): solve with λ₀, λ₀η, λ₀η², …
/// to precision ε_k = δ·λ_k (the gradient-mapping norm of the inner solver),
/// warm-starting each stage from the last, then a final round at λ* to
/// precision ε*. K = ⌈log(λ*/λ₀)/log η⌉ stages before the final round; with
/// [`HomotopyOptions::adaptive`], each stage's decay is decided at the end
/// of the one before ([`AdaptiveDecay`]).
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
    /// The iterate and λ at the end of the last accepted stage (adaptive
    /// decay).
    anchor: Anchor,
    anchor_lambda: f64,
    /// The last decay's s = ln(λ_{k−1}/λ_k); 0 before the first.
    log_step: f64,
    start: Start,
    /// The starting iterate, for a start over after a failed probe (x left
    /// empty when it starts at zero, as the pipeline's does: no x-sized
    /// copy).
    origin: Blocks,
}

impl<S> Homotopy<S> {
    /// Homotopy around `inner` with these options.
    pub fn new(inner: S, options: HomotopyOptions) -> Result<Self, OptimError> {
        options.validate()?;
        // An adaptive schedule is decided stage by stage.
        let schedule = match options.adaptive {
            Some(_) => vec![options.lambda0.max(options.lambda_star)],
            None => schedule(&options),
        };
        Ok(Self {
            inner,
            schedule,
            options,
            stages: Stages::default(),
            anchor: Anchor::default(),
            anchor_lambda: 0.0,
            log_step: 0.0,
            start: Start::Adaptive,
            origin: Blocks::default(),
        })
    }

    /// The options.
    pub fn options(&self) -> &HomotopyOptions {
        &self.options
    }

    /// The λ of every stage, final round included; with an adaptive decay,
    /// the stages decided so far (λ₀ before a run).
    pub fn schedule(&self) -> &[f64] {
        &self.schedule
    }

    /// Whether `stage` is the final round (at λ*).
    fn is_last(&self, stage: usize) -> bool {
        self.schedule[stage] <= self.options.lambda_star
    }

    fn precision(&self, stage: usize) -> f64 {
        let o = &self.options;
        if self.is_last(stage) {
            o.eps_star.unwrap_or(o.delta * o.lambda_star)
        } else {
            o.delta * self.schedule[stage]
        }
    }

    /// Appends the next stage's λ of an adaptive decay from the iterate at
    /// the end of the current stage ([`AdaptiveDecay`]); an accelerated
    /// stage whose kernels jumped is undone, a failed probe starts the run
    /// over. Returns whether the inner solver must start afresh (the start
    /// over) rather than carry its state into the next stage.
    fn decide_next(&mut self, adaptive: AdaptiveDecay, iterate: &mut Blocks) -> bool {
        let o = &self.options;
        let (slowest, fastest) = (-o.eta.ln(), -adaptive.eta_min.ln());
        let moved = iterate
            .a
            .iter()
            .zip(&self.anchor.a)
            .map(|(p, q)| (p - q) * (p - q))
            .sum::<f64>()
            .sqrt();
        match (self.start, adaptive.probe) {
            (Start::Probing(2), Some(limit)) if moved > limit => {
                iterate.a.clone_from(&self.origin.a);
                if self.origin.x.is_empty() {
                    iterate.x.fill(0.0);
                } else {
                    iterate.x.clone_from(&self.origin.x);
                }
                self.start = Start::Adaptive;
                self.anchor_at_start(iterate);
                // λ₀ again: no decay from the anchor.
                self.push_from_anchor(0.0);
                return true;
            }
            (Start::Probing(ended), _) => {
                self.start = if ended == 2 {
                    Start::Fast
                } else {
                    Start::Probing(ended + 1)
                };
                self.push_decay(fastest, iterate);
                return false;
            }
            (Start::Fast, _) => {
                self.push_decay(fastest, iterate);
                return false;
            }
            (Start::Adaptive, _) => {}
        }
        let accelerated = self.log_step > slowest * (1.0 + 1e-12);
        let rejected = accelerated && moved > REJECT * adaptive.movement;
        let s = if rejected {
            self.anchor.restore(iterate);
            slowest
        } else if self.log_step > 0.0 {
            // moved = 0 gives +∞, capped by the doubling.
            (adaptive.movement * self.log_step / moved).min(2.0 * self.log_step)
        } else {
            slowest
        };
        let s = s.clamp(slowest, fastest);
        if rejected {
            self.push_from_anchor(s);
        } else {
            self.push_decay(s, iterate);
        }
        false
    }

    /// Accepts the stage just ended as the anchor and appends the next λ,
    /// lower by e^(−s).
    fn push_decay(&mut self, s: f64, iterate: &Blocks) {
        self.anchor.set(iterate);
        self.anchor_lambda = self.schedule[self.stages.stage];
        self.push_from_anchor(s);
    }

    /// Appends the anchor's λ lowered by e^(−s) (not below λ*) as the next
    /// stage's, s the decay taken.
    fn push_from_anchor(&mut self, s: f64) {
        self.log_step = s;
        let next = self.anchor_lambda * (-s).exp();
        self.schedule.push(next.max(self.options.lambda_star));
    }

    /// Anchors the adaptive decay at the homotopy's start: `iterate` at λ₀,
    /// no decay taken yet.
    fn anchor_at_start(&mut self, iterate: &Blocks) {
        self.anchor.set(iterate);
        self.anchor_lambda = self.schedule[0];
        self.log_step = 0.0;
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
        if let Some(adaptive) = self.options.adaptive {
            self.schedule.truncate(1);
            self.anchor_at_start(&state.iterate);
            self.start = if adaptive.probe.is_some() {
                Start::Probing(0)
            } else {
                Start::Adaptive
            };
            self.origin.a.clone_from(&state.iterate.a);
            self.origin.x.clear();
            if adaptive.probe.is_some() && state.iterate.x.iter().any(|v| *v != 0.0) {
                self.origin.x.clone_from(&state.iterate.x);
            }
        }
        p.objective.lambda = self.schedule[0];
        self.inner.init(p, state)
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'a, M, Composite<T, G>>,
        state: &mut State<Blocks>,
    ) -> Result<Step, OptimError> {
        let mut afresh = false;
        if self.stages.ended
            && let Some(adaptive) = self.options.adaptive
        {
            afresh = self.decide_next(adaptive, &mut state.iterate);
        }
        if self.stages.advance() {
            p.objective.lambda = self.schedule[self.stages.stage];
            if afresh {
                self.inner.init(p, state)?;
            } else {
                self.inner.restart(p, state)?;
            }
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
                self.is_last(k),
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
                self.stages.stage + 1 == self.options.rounds,
            )),
            other => Ok(other),
        }
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::never()
    }
}

/// The iterate at the end of the last accepted stage, x kept as its
/// nonzero entries ([`Kept`]): it is read back only when a stage is
/// undone, and a stage's x is mostly exact zeros, where a plain copy held
/// one more x-sized buffer for the whole run (76 MiB at 10⁷ samples).
#[derive(Debug, Clone, Default)]
struct Anchor {
    a: Vec<f64>,
    x: Kept,
}

impl Anchor {
    /// Keeps `iterate` (allocates when x's length changes: the first time).
    fn set(&mut self, iterate: &Blocks) {
        self.a.clone_from(&iterate.a);
        self.x.keep(&iterate.x);
    }

    /// Writes the anchor into `iterate`.
    fn restore(&self, iterate: &mut Blocks) {
        iterate.a.clone_from(&self.a);
        iterate.x.resize(self.x.len(), 0.0);
        self.x.restore(&mut iterate.x);
    }

    /// The anchor as blocks.
    #[cfg(test)]
    fn blocks(&self) -> Blocks {
        let mut out = Blocks::default();
        self.restore(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SLOWEST: f64 = 0.9;

    /// An adaptive homotopy from λ₀ = 1 at the end of stage `stage` (λ as
    /// given) after a decay e^(−log_step), its anchor a = (1, 0), x = 0.5.
    fn at_stage_end(lambda: f64, log_step: f64) -> Homotopy<()> {
        let options = HomotopyOptions {
            adaptive: Some(AdaptiveDecay::default()),
            ..HomotopyOptions::new(1.0, 1e-3)
        };
        let mut h = Homotopy::new((), options).unwrap();
        assert_eq!(h.schedule(), &[1.0], "decided stage by stage");
        h.anchor.set(&Blocks {
            a: vec![1.0, 0.0],
            x: vec![0.5; 3],
        });
        h.anchor_lambda = lambda / (-log_step).exp();
        h.schedule = vec![h.anchor_lambda, lambda];
        h.stages.stage = 1;
        h.log_step = log_step;
        h
    }

    /// The kernel moved by `d` from the anchor (a stays on the circle).
    fn moved(d: f64) -> Blocks {
        let angle = 2.0 * (d / 2.0).asin();
        Blocks {
            a: vec![angle.cos(), angle.sin()],
            x: vec![0.25; 3],
        }
    }

    fn last_decay(h: &Homotopy<()>) -> f64 {
        let n = h.schedule.len();
        h.schedule[n - 1] / h.schedule[n - 2]
    }

    #[test]
    fn the_first_decay_is_the_slowest() {
        let mut h = at_stage_end(1.0, 0.0);
        h.schedule.truncate(1);
        h.stages.stage = 0;
        h.decide_next(AdaptiveDecay::default(), &mut moved(1.0));
        assert!((last_decay(&h) - SLOWEST).abs() < 1e-15);
    }

    #[test]
    fn a_settled_kernel_doubles_the_step_up_to_the_fastest_decay() {
        let s = -SLOWEST.ln();
        let mut h = at_stage_end(0.5, s);
        let mut it = moved(1e-3);
        h.decide_next(AdaptiveDecay::default(), &mut it);
        assert!((last_decay(&h) - (-2.0 * s).exp()).abs() < 1e-14, "doubled");
        assert_eq!(it, moved(1e-3), "kept");
        let mut h = at_stage_end(0.5, 1.0);
        h.decide_next(AdaptiveDecay::default(), &mut moved(1e-6));
        assert!((last_decay(&h) - 0.3).abs() < 1e-14, "η_min");
    }

    #[test]
    fn the_step_aims_at_the_movement() {
        // Moved 0.1 at s = 0.5: s' = 0.05·0.5/0.1 = 0.25.
        let mut h = at_stage_end(0.5, 0.5);
        h.decide_next(AdaptiveDecay::default(), &mut moved(0.1));
        assert!((last_decay(&h) - (-0.25_f64).exp()).abs() < 1e-12);
        // A large move at the slowest decay is the paper's schedule: kept.
        let mut h = at_stage_end(0.5, -SLOWEST.ln());
        let mut it = moved(1.0);
        h.decide_next(AdaptiveDecay::default(), &mut it);
        assert!((last_decay(&h) - SLOWEST).abs() < 1e-14);
        assert_eq!(it, moved(1.0));
        assert_eq!(h.anchor.blocks(), moved(1.0));
    }

    #[test]
    fn a_jump_after_a_fast_decay_is_undone_and_retried_slowly() {
        let mut h = at_stage_end(0.25, 2.0_f64.ln());
        let anchor = h.anchor.blocks();
        let mut it = moved(0.3);
        h.decide_next(AdaptiveDecay::default(), &mut it);
        assert_eq!(it, anchor, "back to the end of the stage before");
        assert_eq!(h.schedule.last(), Some(&(0.5 * SLOWEST)));
        assert_eq!(h.log_step, -SLOWEST.ln());
        // Just under 4τ = 0.2 it stands.
        let mut h = at_stage_end(0.25, 2.0_f64.ln());
        let mut it = moved(0.19);
        h.decide_next(AdaptiveDecay::default(), &mut it);
        assert_eq!(it, moved(0.19));
    }

    #[test]
    fn the_final_round_is_at_lambda_star() {
        let mut h = at_stage_end(1.5e-3, 1.0);
        h.decide_next(AdaptiveDecay::default(), &mut moved(1e-6));
        assert_eq!(h.schedule.last(), Some(&1e-3));
        assert!(h.is_last(2));
    }

    #[test]
    fn eta_min_must_not_exceed_eta() {
        let options = HomotopyOptions {
            adaptive: Some(AdaptiveDecay {
                eta_min: 0.95,
                ..AdaptiveDecay::default()
            }),
            ..HomotopyOptions::new(1.0, 1e-3)
        };
        assert!(Homotopy::new((), options).is_err());
        let options = HomotopyOptions {
            adaptive: Some(AdaptiveDecay {
                probe: Some(f64::NAN),
                ..AdaptiveDecay::default()
            }),
            ..HomotopyOptions::new(1.0, 1e-3)
        };
        assert!(Homotopy::new((), options).is_err());
    }

    /// The default decay with a probe of 0.3.
    fn with_probe() -> AdaptiveDecay {
        AdaptiveDecay {
            probe: Some(0.3),
            ..AdaptiveDecay::default()
        }
    }

    /// At the end of the second stage at η_min (λ = 0.09 from λ₀ = 1), its
    /// start (a = (0, 1), x = 0) kept as the origin.
    fn probing() -> Homotopy<()> {
        let mut h = at_stage_end(0.09, -0.3_f64.ln());
        h.schedule = vec![1.0, 0.3, 0.09];
        h.stages.stage = 2;
        h.start = Start::Probing(2);
        h.origin = Blocks {
            a: vec![0.0, 1.0],
            x: Vec::new(),
        };
        h
    }

    #[test]
    fn the_probe_decays_by_eta_min_until_a_stage_moves() {
        let mut h = at_stage_end(1.0, 0.0);
        h.schedule.truncate(1);
        h.stages.stage = 0;
        h.start = Start::Probing(0);
        for k in 0..2 {
            assert!(!h.decide_next(with_probe(), &mut moved(0.9)));
            assert!((last_decay(&h) - 0.3).abs() < 1e-12, "stage {k}");
            h.stages.stage += 1;
        }
        assert_eq!(h.start, Start::Probing(2));
        // A settled kernel passes: η_min from then on, whatever it moves.
        let mut h = probing();
        assert!(!h.decide_next(with_probe(), &mut moved(0.1)));
        assert_eq!(h.start, Start::Fast);
        assert!((last_decay(&h) - 0.3).abs() < 1e-12);
        h.stages.stage += 1;
        assert!(!h.decide_next(with_probe(), &mut moved(0.9)));
        assert!((last_decay(&h) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn a_failed_probe_starts_over_from_the_origin_with_the_slow_rule() {
        let mut h = probing();
        let mut iterate = moved(0.5);
        assert!(h.decide_next(with_probe(), &mut iterate), "inner afresh");
        assert_eq!(iterate.a, vec![0.0, 1.0]);
        assert_eq!(iterate.x, vec![0.0; 3], "an empty origin x is zero");
        assert_eq!(h.start, Start::Adaptive);
        assert_eq!(h.schedule.last(), Some(&1.0), "λ₀ again");
        assert_eq!(h.log_step, 0.0);
        // The stage at λ₀ is followed by the slowest decay, as from the start.
        h.stages.stage = h.schedule.len() - 1;
        assert!(!h.decide_next(with_probe(), &mut moved(0.0)));
        assert!((last_decay(&h) - SLOWEST).abs() < 1e-12);
    }
}
