//! Alternating descent (ADM, LQK+20 Alg. 2) and its inertial variant
//! (iADM, Alg. 5) for composite two-block problems.

use manifold::{InverseRetraction, Manifold};

mod options;

pub use options::{AUpdate, InertialAdmOptions, KernelSet};

use crate::composite::{ABlock, AStep, Composite, CompositeSolver, ProxGradStep, XBlock, rounding_slack};
use crate::error::OptimError;
use crate::executor::Executor;
use crate::linesearch::{Rounding, memory_rule};
use crate::problem::{ManifoldProblem, Regularizer, TwoBlockSmooth};
use crate::prox::{L2Ball, NonNegativeSphere, UnitSphere};
use crate::solution::{Blocks, Solution};
use crate::solver::{Solver, Step};
use crate::state::State;
use crate::stop::{StopCriterion, StopReason};

/// iADM (LQK+20, Alg. 5); with β = 0 it is ADM (Alg. 2); with
/// [`AUpdate::Projected`] it is iPALM (Pock & Sabach 2016; the x update of
/// iPALM with equal inertial parameters is iADM's).
///
/// Each iteration: a proximal-gradient step on x from w = x + β(x − x_prev)
/// with a fixed (Alg. 3 backtracking), then a Riemannian gradient step on a
/// from z = R_a(−β·R_a^{-1}(a_prev)) with x fixed (Alg. 4 Armijo), then
/// [`TwoBlockSmooth::refresh`] (the bias step of App. B.3).
///
/// Oracle calls per iteration when both searches accept their first trial:
/// `grad_x`, `value_x`, `grad_a`, `value_a` (one more value call per extra
/// trial); Ψ comes from the last value call and g(x), with no extra oracle.
///
/// Momentum safeguard: iADM does not decrease Ψ monotonically and may diverge
/// for large β (App. B.1.2). When an iteration increases Ψ (or makes it
/// non-finite), or a backtracking from an extrapolated point fails (an
/// overflowing extrapolation, or one from which no step decreases ψ), it is
/// undone and the momentum restarted (the next iteration is a plain ADM
/// step, which never increases Ψ); the state is marked [`restarted`](crate::State::restarted). Ψ is
/// therefore non-increasing along the run, and only a failed search from the
/// current point itself ends it with [`StopReason::LineSearchFailed`].
///
/// Rounding: the sufficient-decrease and restart tests allow a slack of
/// max(8ε·|ψ|, 2·noise), the noise of ψ's values measured at the first step
/// of each block (see [`InertialAdmOptions::value_noise`]).
///
/// Stationarity ([`State::grad_norm`]): max(‖G_t(w)‖∞, ‖grad_a ψ(z)‖/‖x‖),
/// the worst entry of the x-block's gradient mapping and the kernel's
/// Riemannian gradient per unit of ‖x‖. Both are correlations of the
/// residual with unit-norm atoms (shifted kernels for x, the normalised
/// activation for a), so they share the units of y and of λ, and neither
/// grows with the signal's length (x's term is a maximum over entries; the
/// kernel's n entries do not grow with m): a continuation stage ended at
/// δ·λ means the same at every size and every scale of the data. The ℓ2
/// norm of the whole gradient mapping, the test before, grows with √m and,
/// in its kernel part, with ‖x‖ ∝ the data's scale: it stopped firing on
/// long signals and on data in large units (`issues` 14 and 15; measured
/// on 30 seeds each: the §5.2 instance 30/30 recovered either way in 475
/// iterations on average instead of 1,614, x ≥ 0 with θ = 0.25 29/30
/// either way in 3,964 instead of 11,209, 4×4 images 29/30 instead of
/// 30/30 in 331 instead of 579). A plain ‖grad_a‖∞/‖x‖ ends stages earlier
/// still and loses more (26/30 at θ = 0.25).
///
/// Records carry the extra `t` (the x-step). Default stop: 1000 iterations.
#[derive(Debug, Clone)]
pub struct InertialAdm<R> {
    options: InertialAdmOptions,
    retraction: R,
    work: Option<Work>,
}

/// Buffers and memory of a run.
#[derive(Debug, Clone)]
struct Work {
    a_prev: Vec<f64>,
    a_new: Vec<f64>,
    /// x_prev, and x⁺ once the x-step has formed w from it
    /// ([`ProxGradStep::run`]).
    x_prev: Vec<f64>,
    x_step: ProxGradStep,
    a_step: AStep,
    a_proj: ProxGradStep,
    /// The next x-step and a-step trial sizes (τ NaN until the first
    /// a-step sets it from ‖x‖).
    t: f64,
    tau: f64,
    /// A failed search from the current point was retried with the noise
    /// measured again, and nothing was accepted since.
    stalled: bool,
    /// Whether (a, x) ≠ (a_prev, x_prev): false at the start and after a
    /// restart (prev = current), else whether the last accepted step moved.
    /// While it is false the steps run without momentum (β = 0) and x_prev
    /// is not read, so a restart does not copy x into it (a pass over x
    /// per restart; iADM restarts on ~40 % of its iterations on §5.2).
    /// Kept as a flag: comparing the blocks costs a pass over x and x_prev
    /// every iteration (4 MB for a 512×512 map).
    moved: bool,
    /// ‖x‖ of the current x (from the x-step's pass; kept across restarts,
    /// which leave x as it is).
    x_norm: f64,
    work0: u64,
}

impl Work {
    /// The noise figure the blocks measured (the largest), if any.
    fn measured(&self) -> Option<f64> {
        [&self.x_step, &self.a_proj]
            .into_iter()
            .map(|s| s.figure())
            .chain([self.a_step.figure()])
            .flatten()
            .reduce(f64::max)
    }
}

impl<R> InertialAdm<R> {
    /// The solver with these options and this retraction (with its inverse,
    /// for the momentum of B.5).
    pub fn new(options: InertialAdmOptions, retraction: R) -> Result<Self, OptimError> {
        options.validate()?;
        Ok(Self {
            options,
            retraction,
            work: None,
        })
    }

    /// A preset (valid by construction).
    fn preset(options: InertialAdmOptions, retraction: R) -> Self {
        Self {
            options,
            retraction,
            work: None,
        }
    }

    /// iADM with β = 0.9 and this retraction.
    pub fn iadm(retraction: R) -> Self {
        Self::preset(InertialAdmOptions::iadm(), retraction)
    }

    /// iPALM with inertia β = 0.9 and a projected onto `set`.
    pub fn ipalm(retraction: R, set: KernelSet) -> Self {
        Self::preset(InertialAdmOptions::ipalm(set), retraction)
    }

    /// ADM (β = 0).
    pub fn adm(retraction: R) -> Self {
        Self::preset(InertialAdmOptions::adm(), retraction)
    }

    /// iADM with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M) -> Self
    where
        R: Default,
    {
        Self::iadm(R::default())
    }

    /// The options.
    pub fn options(&self) -> &InertialAdmOptions {
        &self.options
    }

    /// The rounding noise of ψ's values the last run measured (the largest
    /// over the blocks) or was given; `None` before a run.
    pub fn value_noise(&self) -> Option<f64> {
        self.work.as_ref().and_then(Work::measured)
    }

    /// Solves `problem` on `m` from (a0, x0) with the default stop and no
    /// observer (use an [`Executor`] for more).
    pub fn solve<M, S, G>(
        &self,
        m: &M,
        problem: &mut Composite<S, G>,
        a0: &[f64],
        x0: &[f64],
    ) -> Result<Solution<Blocks>, OptimError>
    where
        M: Manifold,
        R: InverseRetraction<M> + Clone,
        S: TwoBlockSmooth,
        G: Regularizer,
    {
        let start = Blocks {
            a: a0.to_vec(),
            x: x0.to_vec(),
        };
        Executor::new(self.clone(), ManifoldProblem::new(m, problem)).run(start)
    }

    /// Validates the start, evaluates Ψ there and readies the buffers;
    /// `noise`: the rounding-noise figure to start from (a later stage's),
    /// `None` to measure it.
    fn start<M, S, G>(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
        noise: Option<f64>,
    ) -> Result<(), OptimError>
    where
        M: Manifold,
        S: TwoBlockSmooth,
        G: Regularizer,
    {
        let problem = &mut *p.objective;
        let Blocks { a: a0, x: x0 } = &state.iterate;
        // A later stage (`restart`) continues the count of the first and
        // keeps its step sizes: a restart drops the momentum, and the
        // blocks' curvatures have not changed with λ.
        let (work0, t, tau) = match &self.work {
            Some(w) => (w.work0, w.t, w.tau),
            None => (problem.smooth.work(), self.options.x_step.initial_step, f64::NAN),
        };
        let on_sphere = matches!(self.options.a_update, AUpdate::Riemannian);
        let cost = problem.checked_start(p.manifold, a0, x0, on_sphere, &mut state.counts)?;
        let (n, len_x) = (a0.len(), x0.len());
        let noise = self.options.value_noise.or(noise);
        if let Some(w) = self
            .work
            .as_mut()
            .filter(|w| w.a_new.len() == n && w.x_prev.len() == len_x)
        {
            // A later stage: the same buffers, no momentum (x_prev is not
            // read while `moved` is false, so it is not copied). Building a
            // new Work would hold two sets of x-sized buffers at the peak.
            w.a_prev.copy_from_slice(a0);
            w.x_step.restart(noise);
            w.a_step = AStep::new(n, noise);
            w.a_proj.restart(noise);
            (w.t, w.tau, w.stalled, w.moved) = (t, tau, false, false);
            w.x_norm = manifold::vecops::norm(x0);
            state.cost = cost;
            state.prev_cost = cost;
            state.grad_norm = None;
            return Ok(());
        }
        self.work = None;
        self.work = Some(Work {
            a_prev: a0.clone(),
            a_new: vec![0.0; n],
            x_prev: x0.clone(),
            x_step: ProxGradStep::new(len_x, noise),
            a_step: AStep::new(n, noise),
            a_proj: ProxGradStep::new(n, noise),
            t,
            tau,
            stalled: false,
            moved: false,
            x_norm: manifold::vecops::norm(x0),
            work0,
        });
        state.cost = cost;
        state.prev_cost = cost;
        state.grad_norm = None;
        Ok(())
    }
}

impl<M, S, G, R> Solver<ManifoldProblem<'_, M, Composite<S, G>>> for InertialAdm<R>
where
    M: Manifold,
    S: TwoBlockSmooth,
    G: Regularizer,
    R: InverseRetraction<M>,
{
    type Iterate = Blocks;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
    ) -> Result<(), OptimError> {
        self.work = None;
        self.start(p, state, None)
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
    ) -> Result<Step, OptimError> {
        let o = &self.options;
        let m = p.manifold;
        let problem = &mut *p.objective;
        let w = self.work.as_mut().expect("init runs before next_iter");
        let Blocks { a, x } = &mut state.iterate;
        let cost = state.cost;
        loop {
            // A step without momentum (the first, or the one after a restart)
            // is an ADM step.
            let had_momentum = o.beta > 0.0 && w.moved;
            let beta = if had_momentum { o.beta } else { 0.0 };
            problem.smooth.fix_a(a);
            let xs = w.x_step.run(
                &mut XBlock(&mut problem.smooth),
                &problem.penalty,
                problem.lambda,
                x,
                &mut w.x_prev,
                beta,
                w.t,
                &o.x_step,
                &mut state.counts,
            );
            let a_moved = match xs {
                None => None,
                Some(xs) => {
                    problem.smooth.fix_x(&w.x_prev);
                    if w.tau.is_nan() {
                        // The a-block's curvature is ‖x‖²-sized: the first
                        // search starts at initial_tau/‖x‖², at the same
                        // place in any units of the data. While x = 0 the
                        // a-gradient is zero and τ stays unset.
                        let q = xs.norm_sq;
                        if q > 0.0 {
                            w.tau = o.initial_tau / q;
                        }
                    }
                    let (ap, out, c) = (&w.a_prev, &mut w.a_new, &mut state.counts);
                    let tau = if w.tau.is_nan() { o.initial_tau } else { w.tau };
                    match o.a_update {
                        AUpdate::Riemannian => w.a_step.run(
                            m,
                            &self.retraction,
                            &mut problem.smooth,
                            a,
                            ap,
                            beta,
                            tau,
                            &o.a_step,
                            out,
                            c,
                        )?,
                        AUpdate::Projected { set, rule } => {
                            // The projected step reads a_prev from the
                            // buffer it writes a⁺ into (a few entries).
                            out.copy_from_slice(ap);
                            let mut block = ABlock(&mut problem.smooth);
                            match set {
                                KernelSet::Sphere => {
                                    w.a_proj
                                        .run(&mut block, &UnitSphere, 1.0, a, out, beta, tau, &rule, c)
                                }
                                KernelSet::Ball => w.a_proj.run(
                                    &mut block,
                                    &L2Ball { radius: 1.0 },
                                    1.0,
                                    a,
                                    out,
                                    beta,
                                    tau,
                                    &rule,
                                    c,
                                ),
                            }
                        }
                        AUpdate::ProjectedNonNegative { rule } => {
                            out.copy_from_slice(ap);
                            w.a_proj.run(
                                &mut ABlock(&mut problem.smooth),
                                &NonNegativeSphere,
                                1.0,
                                a,
                                out,
                                beta,
                                tau,
                                &rule,
                                c,
                            )
                        }
                    }
                }
            };
            state.counts.work = problem.smooth.work().saturating_sub(w.work0);
            let (Some(xs), Some(as_)) = (xs, a_moved) else {
                if !had_momentum {
                    // From the current point itself: the noise figure may have
                    // come out small; measure it again and retry once.
                    if w.stalled || o.value_noise.is_some() {
                        return Ok(Step::Halt(StopReason::LineSearchFailed));
                    }
                    w.stalled = true;
                    for r in [w.x_step.rounding(), w.a_step.rounding(), w.a_proj.rounding()] {
                        r.measure_again();
                    }
                    continue;
                }
                // A search from an extrapolated point failed: restart, as for
                // an increase. Nothing was accepted, so (a, x) and the state
                // of the coupling (its bias) are those of the kept point.
                state.counts.restarts += 1;
                // x_prev may hold a trial by now; w − x = β(x − x_prev).
                let dropped =
                    (o.beta * o.beta * sq_dist(a, &w.a_prev) + sq_dist(x, w.x_step.extrapolated())).sqrt();
                w.a_prev.copy_from_slice(a);
                w.moved = false;
                // The length of the extrapolation dropped, as for an undone
                // step: a StepNorm criterion must not read it as convergence.
                state.step_norm = if dropped.is_finite() { dropped } else { f64::MAX };
                state.step_size = w.tau;
                state.grad_norm = None;
                state.restarted = true;
                state.tag("t", w.t);
                return Ok(Step::Continue);
            };
            // The blocks measure the noise of the same values: each search
            // uses the larger figure (one draw of a noise can come out small).
            let noise = share_noise([w.x_step.rounding(), w.a_step.rounding(), w.a_proj.rounding()]);
            w.stalled = false;
            let psi = problem.smooth.refresh(&w.a_new, &w.x_prev).unwrap_or(as_.psi);
            // g(x⁺) from the x-step's pass where it summed it.
            let g = xs.penalty.unwrap_or_else(|| problem.penalty.value(&w.x_prev));
            let new_cost = psi + problem.lambda * g;
            w.t = memory_rule(xs.step, xs.may_grow, o.x_step.growth);
            if !w.tau.is_nan() {
                w.tau = memory_rule(as_.step, as_.may_grow, o.a_step.growth);
            }
            // Increases at rounding level are noise near a minimiser, and an
            // ADM step never increases Ψ beyond it: reverting either would
            // stall the run.
            let increased = new_cost.is_nan() || new_cost > cost + rounding_slack(cost, noise);
            let restart = had_momentum && increased;
            // On a restart this is the length of the step that was undone, so
            // a StepNorm criterion never mistakes a restart for convergence.
            let step_norm = (sq_dist(a, &w.a_new) + xs.moved_sq).sqrt();
            if restart {
                // Undo the iteration and drop the momentum; refresh restores
                // any closed-form variable (the bias) of the kept point.
                state.counts.restarts += 1;
                w.a_prev.copy_from_slice(a);
                w.moved = false;
                problem.smooth.refresh(a, x);
                state.counts.work = problem.smooth.work().saturating_sub(w.work0);
                state.restarted = true;
            } else {
                if !new_cost.is_finite() {
                    return Ok(Step::Halt(StopReason::NonFinite));
                }
                std::mem::swap(&mut w.a_prev, a);
                std::mem::swap(a, &mut w.a_new);
                // x_prev holds x⁺: x moves on, x_prev keeps the old x.
                std::mem::swap(&mut w.x_prev, x);
                state.cost = new_cost;
                // As `a != a_prev || x != x_prev` entry by entry (a NaN
                // distance counts as a move, as a NaN entry compares unequal).
                w.moved = step_norm != 0.0;
            }
            // ‖x⁺‖ from the x-step's pass (a plain sum of squares: it may
            // differ from the scaled norm in the last bits; it only scales
            // the stationarity measure and the first τ), unless out of range;
            // an undone step leaves x and its norm as they were.
            if !restart {
                w.x_norm = if xs.norm_sq.is_finite() && xs.norm_sq >= f64::MIN_POSITIVE {
                    xs.norm_sq.sqrt()
                } else {
                    manifold::vecops::norm(x)
                };
            }
            let x_norm = w.x_norm;
            // ∇_a ψ = −r ⋆ x vanishes with x: a zero x is a zero a-term.
            let a_term = if x_norm > 0.0 { as_.residual / x_norm } else { 0.0 };
            state.grad_norm = Some(xs.peak.max(a_term));
            state.step_norm = step_norm;
            state.step_size = as_.step;
            state.tag("t", xs.step);
            return Ok(Step::Continue);
        }
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(1000)
    }
}

impl<M, S, G, R> CompositeSolver<ManifoldProblem<'_, M, Composite<S, G>>> for InertialAdm<R>
where
    M: Manifold,
    S: TwoBlockSmooth,
    G: Regularizer,
    R: InverseRetraction<M>,
{
    fn restart(
        &mut self,
        p: &mut ManifoldProblem<'_, M, Composite<S, G>>,
        state: &mut State<Blocks>,
    ) -> Result<(), OptimError> {
        let noise = self.work.as_ref().and_then(Work::measured);
        self.start(p, state, noise)
    }
}

/// Raises every block's noise figure to the largest; returns it.
fn share_noise<const N: usize>(mut blocks: [&mut Rounding; N]) -> f64 {
    let noise = blocks.iter().map(|r| r.noise()).fold(0.0, f64::max);
    for r in &mut blocks {
        if !r.wants_measure() {
            r.raise(noise);
        }
    }
    noise
}

fn sq_dist(u: &[f64], v: &[f64]) -> f64 {
    u.iter().zip(v).map(|(a, b)| (a - b) * (a - b)).sum()
}
