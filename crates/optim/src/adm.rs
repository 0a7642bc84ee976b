//! Alternating descent (ADM, seed 003 Alg. 2) and its inertial variant
//! (iADM, Alg. 5) for composite two-block problems.

use manifold::{InverseRetraction, Manifold, Vector};

use crate::composite::{
    ABlock, AStep, Composite, CompositeResult, CompositeSolver, ProxBacktracking, ProxGradStep, XBlock,
    rounding_slack,
};
use crate::error::{OptimError, check_len, check_option};
use crate::linesearch::{Armijo, memory_rule};
use crate::problem::{Regularizer, TwoBlockSmooth};
use crate::prox::{L2Ball, NonNegativeSphere, UnitSphere};
use crate::record::{Counts, Observer};
use crate::run::{Run, record};
use crate::stop::{StopCriterion, StopReason};

/// How the a block moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AUpdate {
    /// A Riemannian gradient step from z = R_a(−β·R_a^{-1}(a_prev)) with
    /// Armijo backtracking (seed 003, Alg. 4 and B.5): ADM and iADM.
    Riemannian,
    /// iPALM (Pock & Sabach 2016): a Euclidean step from y = a + β(a − a_prev),
    /// a⁺ = P_C(y − τ∇_aψ(y)), backtracked on the descent lemma at y, with C
    /// the unit sphere or the unit ball (the seed's §5.3 baseline uses the
    /// ball: the result may then lie inside the sphere).
    Projected {
        /// The constraint set C.
        set: KernelSet,
        /// Backtracking of τ.
        rule: ProxBacktracking,
    },
    /// iPALM as [`Projected`](Self::Projected) with C = S^{n−1} ∩ ℝⁿ₊, the
    /// non-negative kernels of unit norm of seed 000 eq. 28 (blind
    /// deblurring), projected by [`NonNegativeSphere`].
    ProjectedNonNegative {
        /// Backtracking of τ.
        rule: ProxBacktracking,
    },
}

/// The set an iPALM kernel is projected onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelSet {
    /// {‖a‖ = 1}.
    Sphere,
    /// {‖a‖ ≤ 1}.
    Ball,
}

/// iADM (seed 003, Alg. 5); with β = 0 it is ADM (Alg. 2); with
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
/// step, which never increases Ψ); the record carries `restart = 1`. Ψ is
/// therefore non-increasing along the run, and only a failed search from the
/// current point itself ends it with [`StopReason::LineSearchFailed`].
///
/// Rounding: the sufficient-decrease and restart tests allow a slack of
/// max(8ε·|ψ|, 2·noise), the noise of ψ's values measured at the first step
/// of each block (see [`value_noise`](Self::value_noise)).
#[derive(Debug, Clone)]
pub struct InertialAdm<R> {
    /// Momentum β ∈ [0, 1); 0.9 (the seed's range 0.8–0.9); 0 = ADM.
    pub beta: f64,
    /// The x-step backtracking.
    pub x_step: ProxBacktracking,
    /// The a-step Armijo search; its sufficient-decrease constant is η of
    /// Alg. 4.
    pub a_step: Armijo,
    /// First trial τ of the first a-step.
    pub initial_tau: f64,
    /// Riemannian (ADM/iADM) or projected (iPALM) a-step.
    pub a_update: AUpdate,
    /// Retraction (with its inverse, for the momentum of B.5).
    pub retraction: R,
    /// The absolute rounding noise of ψ's values, for the slack
    /// max(8ε·|ψ|, 2·noise) of the sufficient-decrease and restart tests.
    ///
    /// A least-squares coupling near its noise floor is evaluated from terms
    /// far larger than itself (for SaSD, sums over the data y and its
    /// spectrum), so its rounding error is set by ‖y‖², not by ψ; with a
    /// slack relative to ψ alone, rounding fails the sufficient-decrease
    /// tests, shrinks the steps by orders of magnitude and ends the run with
    /// a failed line search (seed 003 §6.1.1 calcium data: ψ ≈ 12, ½‖y‖² ≈
    /// 7·10³, values noisy at 10⁻¹¹–10⁻¹⁰).
    ///
    /// `None` (the default): measured at the first step of each block of
    /// each solve, from four value calls along the gradient (see
    /// `linesearch::line_noise`): four value calls per block and solve. For
    /// a cost computed to its own precision it comes out at a few ulps of ψ
    /// and the slack is the old 8ε·|ψ|. `Some(0.0)` turns it off.
    pub value_noise: Option<f64>,
}

impl<R> InertialAdm<R> {
    /// iADM with β = 0.9 and this retraction.
    pub fn new(retraction: R) -> Self {
        Self {
            beta: 0.9,
            x_step: ProxBacktracking::default(),
            a_step: Armijo::default(),
            initial_tau: 1.0,
            a_update: AUpdate::Riemannian,
            retraction,
            value_noise: None,
        }
    }

    /// iPALM with inertia β = 0.9 and a projected onto `set`.
    pub fn ipalm(retraction: R, set: KernelSet) -> Self {
        Self {
            a_update: AUpdate::Projected {
                set,
                rule: ProxBacktracking::default(),
            },
            ..Self::new(retraction)
        }
    }

    /// ADM (β = 0).
    pub fn adm(retraction: R) -> Self {
        Self {
            beta: 0.0,
            ..Self::new(retraction)
        }
    }

    /// iADM with the manifold's default retraction.
    pub fn for_manifold<M: Manifold<Retraction = R>>(_m: &M) -> Self
    where
        R: Default,
    {
        Self::new(R::default())
    }

    /// The same solver with momentum β.
    pub fn with_beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// The same solver with a fixed [`value_noise`](Self::value_noise).
    pub fn with_value_noise(mut self, noise: f64) -> Self {
        self.value_noise = Some(noise);
        self
    }
}

impl<M: Manifold, R: InverseRetraction<M>> CompositeSolver<M> for InertialAdm<R> {
    fn solve_composite<S, G, O>(
        &self,
        m: &M,
        problem: &mut Composite<S, G>,
        a0: &[f64],
        x0: &[f64],
        stop: &StopCriterion,
        observer: &mut O,
    ) -> Result<CompositeResult, OptimError>
    where
        S: TwoBlockSmooth,
        G: Regularizer,
        O: Observer,
    {
        self.solve_composite_with_noise(m, problem, a0, x0, stop, observer, None)
    }

    /// A fixed [`value_noise`](Self::value_noise) takes precedence over
    /// `noise`.
    fn solve_composite_with_noise<S, G, O>(
        &self,
        m: &M,
        problem: &mut Composite<S, G>,
        a0: &[f64],
        x0: &[f64],
        stop: &StopCriterion,
        observer: &mut O,
        noise: Option<f64>,
    ) -> Result<CompositeResult, OptimError>
    where
        S: TwoBlockSmooth,
        G: Regularizer,
        O: Observer,
    {
        let given = noise.filter(|v| v.is_finite() && *v >= 0.0);
        // β may exceed 1 on purpose (to test the safeguard); only its sign and
        // finiteness are required.
        check_option(
            "beta",
            self.beta >= 0.0 && self.beta.is_finite(),
            "must be finite and >= 0",
        )?;
        check_option(
            "lambda",
            problem.lambda > 0.0 && problem.lambda.is_finite(),
            "must be finite and > 0",
        )?;
        if let Some(s) = self.value_noise {
            check_option(
                "value_noise",
                s >= 0.0 && s.is_finite(),
                "must be finite and >= 0",
            )?;
        }
        self.x_step.validate()?;
        self.a_step.validate(self.initial_tau)?;
        match self.a_update {
            AUpdate::Riemannian => m.check_point(a0, 1e-8)?,
            AUpdate::Projected { rule, .. } | AUpdate::ProjectedNonNegative { rule } => {
                rule.validate()?;
                manifold::check_finite(a0)?;
            }
        }
        check_len("a0", a0, problem.smooth.a_len())?;
        check_len("x0", x0, problem.smooth.x_len())?;
        manifold::check_finite(x0)?;
        let (n, len_x) = (a0.len(), x0.len());
        let mut counts = Counts::default();
        let (mut a, mut a_prev, mut a_new) = (a0.to_vec(), a0.to_vec(), vec![0.0; n]);
        let (mut x, mut x_prev, mut x_new) = (x0.to_vec(), x0.to_vec(), vec![0.0; len_x]);
        let mut cost = problem.value(&a, &x);
        counts.cost += 1;
        if !cost.is_finite() {
            return Err(OptimError::NonFiniteStart { what: "objective" });
        }
        let noise = self.value_noise.or(given);
        let (mut x_step, mut a_step, mut a_proj) = (
            ProxGradStep::new(len_x, noise),
            AStep::new(n, noise),
            ProxGradStep::new(n, noise),
        );
        let mut run = Run::new(stop, observer, cost);
        let (mut t, mut tau) = (self.x_step.initial_step, self.initial_tau);
        let (mut iteration, mut restarts) = (0, 0);
        // A failed search from the current point was retried with the noise
        // measured again, and nothing was accepted since.
        let mut stalled = false;
        // Whether (a, x) ≠ (a_prev, x_prev): false at the start and after a
        // restart (prev = current), else whether the last accepted step moved.
        // Kept as a flag: comparing the blocks costs a pass over x and x_prev
        // every iteration (4 MB for a 512×512 map).
        let mut moved = false;
        let stop = loop {
            // A step without momentum (the first, or the one after a restart)
            // is an ADM step.
            let had_momentum = self.beta > 0.0 && moved;
            problem.smooth.fix_a(&a);
            let xs = x_step.run(
                &mut XBlock(&mut problem.smooth),
                &problem.penalty,
                problem.lambda,
                &x,
                &x_prev,
                self.beta,
                t,
                &self.x_step,
                &mut x_new,
                &mut counts,
            );
            let a_moved = match xs {
                None => None,
                Some(_) => {
                    problem.smooth.fix_x(&x_new);
                    match self.a_update {
                        AUpdate::Riemannian => a_step.run(
                            m,
                            &self.retraction,
                            &mut problem.smooth,
                            &a,
                            &a_prev,
                            self.beta,
                            tau,
                            &self.a_step,
                            &mut a_new,
                            &mut counts,
                        )?,
                        AUpdate::Projected { set, rule } => {
                            let mut block = ABlock(&mut problem.smooth);
                            let (a, ap, out, c) = (&a, &a_prev, &mut a_new, &mut counts);
                            let beta = self.beta;
                            match set {
                                KernelSet::Sphere => {
                                    a_proj.run(&mut block, &UnitSphere, 1.0, a, ap, beta, tau, &rule, out, c)
                                }
                                KernelSet::Ball => a_proj.run(
                                    &mut block,
                                    &L2Ball { radius: 1.0 },
                                    1.0,
                                    a,
                                    ap,
                                    beta,
                                    tau,
                                    &rule,
                                    out,
                                    c,
                                ),
                            }
                        }
                        AUpdate::ProjectedNonNegative { rule } => a_proj.run(
                            &mut ABlock(&mut problem.smooth),
                            &NonNegativeSphere,
                            1.0,
                            &a,
                            &a_prev,
                            self.beta,
                            tau,
                            &rule,
                            &mut a_new,
                            &mut counts,
                        ),
                    }
                }
            };
            let (Some(xs), Some(as_)) = (xs, a_moved) else {
                if !had_momentum {
                    // From the current point itself: the noise figure may have
                    // come out small; measure it again and retry once.
                    if stalled || self.value_noise.is_some() {
                        break StopReason::LineSearchFailed;
                    }
                    stalled = true;
                    for r in [x_step.rounding(), a_step.rounding(), a_proj.rounding()] {
                        r.measure_again();
                    }
                    continue;
                }
                // A search from an extrapolated point failed: restart, as for
                // an increase. Nothing was accepted, so (a, x) and the state
                // of the coupling (its bias) are those of the kept point.
                restarts += 1;
                iteration += 1;
                let dropped = self.beta * (sq_dist(&a, &a_prev) + sq_dist(&x, &x_prev)).sqrt();
                a_prev.copy_from_slice(&a);
                x_prev.copy_from_slice(&x);
                moved = false;
                // The length of the extrapolation dropped, as for an undone
                // step: a StepNorm criterion must not read it as convergence.
                let step = if dropped.is_finite() { dropped } else { f64::MAX };
                let mut rec = record(iteration, cost, None, step, tau);
                rec.extras.extend([("t", t), ("restart", 1.0)]);
                if let Some(reason) = run.end_iteration(rec) {
                    break reason;
                }
                continue;
            };
            // The blocks measure the noise of the same values: each search
            // uses the larger figure (one draw of a noise can come out small).
            let noise = share_noise([x_step.rounding(), a_step.rounding(), a_proj.rounding()]);
            stalled = false;
            let psi = problem.smooth.refresh(&a_new, &x_new).unwrap_or(as_.psi);
            let new_cost = psi + problem.lambda * problem.penalty.value(&x_new);
            t = memory_rule(xs.step, xs.may_grow, self.x_step.growth);
            tau = memory_rule(as_.step, as_.may_grow, self.a_step.growth);
            iteration += 1;
            // Increases at rounding level are noise near a minimiser, and an
            // ADM step never increases Ψ beyond it: reverting either would
            // stall the run.
            let increased = new_cost.is_nan() || new_cost > cost + rounding_slack(cost, noise);
            let restart = had_momentum && increased;
            // On a restart this is the length of the step that was undone, so
            // a StepNorm criterion never mistakes a restart for convergence.
            let step_norm = (sq_dist(&a, &a_new) + sq_dist(&x, &x_new)).sqrt();
            if restart {
                // Undo the iteration and drop the momentum; refresh restores
                // any closed-form variable (the bias) of the kept point.
                restarts += 1;
                a_prev.copy_from_slice(&a);
                x_prev.copy_from_slice(&x);
                moved = false;
                problem.smooth.refresh(&a, &x);
            } else {
                if !new_cost.is_finite() {
                    break StopReason::NonFinite;
                }
                std::mem::swap(&mut a_prev, &mut a);
                std::mem::swap(&mut a, &mut a_new);
                std::mem::swap(&mut x_prev, &mut x);
                std::mem::swap(&mut x, &mut x_new);
                cost = new_cost;
                // As `a != a_prev || x != x_prev` entry by entry (a NaN
                // distance counts as a move, as a NaN entry compares unequal).
                moved = step_norm != 0.0;
            }
            let residual = xs.residual.hypot(as_.residual);
            let mut rec = record(iteration, cost, Some(residual), step_norm, as_.step);
            rec.extras
                .extend([("t", xs.step), ("restart", f64::from(u8::from(restart)))]);
            if let Some(reason) = run.end_iteration(rec) {
                break reason;
            }
        };
        let measured = [x_step.rounding(), a_step.rounding(), a_proj.rounding()]
            .iter()
            .filter_map(|r| r.figure())
            .fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))));
        Ok(CompositeResult {
            a: Vector::from_vec(a),
            x: Vector::from_vec(x),
            cost,
            stop,
            iterations: iteration,
            counts,
            elapsed: run.elapsed(),
            history: run.history,
            restarts,
            value_noise: measured,
        })
    }
}

/// Raises every block's noise figure to the largest; returns it.
fn share_noise<const N: usize>(mut blocks: [&mut crate::linesearch::Rounding; N]) -> f64 {
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
