//! Two-block composite problems min ψ(a, x) + λ·g(x), a ∈ M, x ∈ ℝ^m
//! (LQK+20, eq. B.1), what their solvers return, and the two block steps
//! every solver of this family is made of.

use manifold::{InverseRetraction, Manifold, Retraction};

use crate::error::{OptimError, check_len, check_option};
use crate::linesearch::{Armijo, Rounding, line_noise};
use crate::problem::{ProxTrial, Regularizer, TwoBlockSmooth};
use crate::record::Counts;
use crate::solution::Blocks;
use crate::solver::Solver;
use crate::state::State;

/// The problem ψ(a, x) + λ·g(x).
#[derive(Debug, Clone)]
pub struct Composite<S, G> {
    /// The smooth coupling ψ.
    pub smooth: S,
    /// The penalty g.
    pub penalty: G,
    /// The weight λ > 0.
    pub lambda: f64,
}

impl<S: TwoBlockSmooth, G: Regularizer> Composite<S, G> {
    /// Ψ(a, x) = ψ(a, x) + λ·g(x) (fixes a, one x-oracle call).
    pub fn value(&mut self, a: &[f64], x: &[f64]) -> f64 {
        self.smooth.fix_a(a);
        self.smooth.value_x(x) + self.lambda * self.penalty.value(x)
    }

    /// The start of every two-block solver: λ finite and > 0, a on `m`
    /// (`on_manifold`) or merely finite (a projected kernel step), both
    /// blocks of the coupling's lengths, x finite; then Ψ(a, x), counted
    /// in `counts`, refused when not finite.
    pub(crate) fn checked_start<M: Manifold>(
        &mut self,
        m: &M,
        a: &[f64],
        x: &[f64],
        on_manifold: bool,
        counts: &mut Counts,
    ) -> Result<f64, OptimError> {
        check_option(
            "lambda",
            self.lambda > 0.0 && self.lambda.is_finite(),
            "must be finite and > 0",
        )?;
        if on_manifold {
            m.check_point(a, 1e-8)?;
        } else {
            manifold::check_finite(a)?;
        }
        check_len("a0", a, self.smooth.a_len())?;
        check_len("x0", x, self.smooth.x_len())?;
        manifold::check_finite(x)?;
        let cost = self.value(a, x);
        counts.cost += 1;
        if !cost.is_finite() {
            return Err(OptimError::NonFiniteStart { what: "objective" });
        }
        Ok(cost)
    }
}

/// A solver of two-block composite problems that a continuation
/// ([`Homotopy`](crate::Homotopy), [`Reweighting`](crate::Reweighting)) can
/// run in stages.
pub trait CompositeSolver<P>: Solver<P, Iterate = Blocks> {
    /// Starts a new stage from `state.iterate` after the problem changed (λ,
    /// weights): as `init`, but keeping what the solver measured of the
    /// problem (the rounding noise of ψ's values) and the running counts.
    fn restart(&mut self, problem: &mut P, state: &mut State<Blocks>) -> Result<(), OptimError>;
}

/// Backtracking of the proximal-gradient step on x (LQK+20, Alg. 3):
/// x⁺ = prox_{λt·g}(w − t∇ψ_a(w)) accepted when
/// ψ_a(x⁺) ≤ ψ_a(w) + ⟨x⁺ − w, ∇ψ_a(w)⟩ + ‖x⁺ − w‖²/(2t) (eq. B.3), else t ← β·t.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProxBacktracking {
    /// First trial step of the first iteration.
    pub initial_step: f64,
    /// Contraction β ∈ (0, 1); 0.5.
    pub contraction: f64,
    /// Next search starts from t·growth when the first trial was accepted,
    /// else from t (Manopt's memory rule); 2.
    pub growth: f64,
    /// Give up below this step.
    pub min_step: f64,
}

impl Default for ProxBacktracking {
    fn default() -> Self {
        Self {
            initial_step: 1.0,
            contraction: 0.5,
            growth: 2.0,
            min_step: 1e-16,
        }
    }
}

impl ProxBacktracking {
    pub(crate) fn validate(&self) -> Result<(), OptimError> {
        use crate::error::check_option;
        let b = self.contraction;
        check_option("x-step contraction", b > 0.0 && b < 1.0, "must lie in (0, 1)")?;
        check_option(
            "x-step growth",
            self.growth >= 1.0 && self.growth.is_finite(),
            "must be >= 1",
        )?;
        let t = self.initial_step;
        check_option(
            "x-step initial_step",
            t > 0.0 && t.is_finite(),
            "must be finite and > 0",
        )
    }
}

/// Outcome of one block step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct BlockStep {
    /// Accepted step size.
    pub step: f64,
    /// ψ at the new block value (the other block fixed).
    pub psi: f64,
    /// Trials of the backtracking (0: no search was needed).
    pub trials: usize,
    /// Whether the next search may start from a larger step (see
    /// [`Accepted::may_grow`](crate::Accepted::may_grow)).
    pub may_grow: bool,
    /// Stationarity measure: ‖G_t(w)‖ for x, ‖grad ψ(z)‖ for a.
    pub residual: f64,
    /// The same vector's largest entry in magnitude (‖·‖∞): the worst
    /// entry's distance from its optimality condition, a measure that does
    /// not grow with the number of entries.
    pub peak: f64,
    /// ‖v⁺ − v‖² (proximal steps; NaN for the a-step, which does not sum it).
    pub moved_sq: f64,
    /// ‖v⁺‖² (proximal steps; NaN for the a-step).
    pub norm_sq: f64,
    /// g(v⁺), when the proximal step's pass summed it.
    pub penalty: Option<f64>,
}

/// The oracles of one block of ψ with the other block held fixed.
pub(crate) trait BlockOracle {
    /// ψ and its gradient in this block.
    fn grad(&mut self, v: &[f64], g: &mut [f64]) -> f64;
    /// ψ.
    fn value(&mut self, v: &[f64]) -> f64;
}

/// The x block (a fixed).
pub(crate) struct XBlock<'a, S>(pub &'a mut S);
/// The a block (x fixed), in the ambient space of a.
pub(crate) struct ABlock<'a, S>(pub &'a mut S);

impl<S: TwoBlockSmooth> BlockOracle for XBlock<'_, S> {
    fn grad(&mut self, v: &[f64], g: &mut [f64]) -> f64 {
        self.0.grad_x(v, g)
    }
    fn value(&mut self, v: &[f64]) -> f64 {
        self.0.value_x(v)
    }
}

impl<S: TwoBlockSmooth> BlockOracle for ABlock<'_, S> {
    fn grad(&mut self, v: &[f64], g: &mut [f64]) -> f64 {
        self.0.grad_a(v, g)
    }
    fn value(&mut self, v: &[f64]) -> f64 {
        self.0.value_a(v)
    }
}

/// Work buffers of the proximal-gradient step, allocated once per solve,
/// and its rounding slack.
#[derive(Debug, Clone)]
pub(crate) struct ProxGradStep {
    w: Vec<f64>,
    grad: Vec<f64>,
    z: Vec<f64>,
    rounding: Rounding,
}

impl ProxGradStep {
    /// Buffers for a block of length m; `noise`: the rounding noise of ψ's
    /// values, `None` to measure it at the first step (see [`rounding_slack`]).
    pub fn new(m: usize, noise: Option<f64>) -> Self {
        Self {
            w: vec![0.0; m],
            grad: vec![0.0; m],
            // Only a penalty whose trial needs scratch gets one (first run).
            z: Vec::new(),
            rounding: Rounding::new(noise),
        }
    }

    /// Readies the step for a new stage with the same block length: the
    /// buffers are kept (a continuation's stages would otherwise hold two
    /// sets at once while the new one is built), the rounding starts over
    /// from `noise`.
    pub fn restart(&mut self, noise: Option<f64>) {
        self.rounding = Rounding::new(noise);
    }

    /// The rounding of this block's tests.
    pub fn rounding(&mut self) -> &mut Rounding {
        &mut self.rounding
    }

    /// The noise figure measured or given, `None` until measured.
    pub fn figure(&self) -> Option<f64> {
        self.rounding.figure()
    }

    /// The extrapolated point w = v + β(v − v_prev) of the last
    /// [`run`](Self::run) with β ≠ 0 (‖w − v‖ = β‖v − v_prev‖ once v_prev
    /// has been overwritten).
    pub fn extrapolated(&self) -> &[f64] {
        &self.w
    }

    /// Measures the rounding noise of ψ along −∇ψ(w) from w ([`line_noise`]):
    /// four value calls at steps of 10⁻⁶·max(‖w‖, t0·‖∇ψ(w)‖), so short that
    /// ψ is quadratic along them to rounding, yet long enough to change
    /// every term ψ is summed from (a rounding-level move would repeat the
    /// same roundings and hide the noise).
    /// `scratch` (of the block's length) holds the points evaluated.
    fn calibrate<B: BlockOracle>(
        &mut self,
        block: &mut B,
        psi_w: f64,
        t0: f64,
        counts: &mut Counts,
        scratch: &mut [f64],
    ) {
        let g = manifold::vecops::norm(&self.grad);
        if !(g > 0.0 && g.is_finite()) {
            return;
        }
        let length = 1e-6 * manifold::vecops::norm(&self.w).max(t0 * g);
        let h = length / g;
        let values = std::array::from_fn(|i| {
            let k = (i + 1) as f64 * h;
            scratch
                .iter_mut()
                .zip(self.w.iter().zip(&self.grad))
                .for_each(|(z, (w, gi))| *z = w - k * gi);
            counts.cost += 1;
            block.value(scratch)
        });
        self.rounding.raise(line_noise(psi_w, -h * g * g, values));
    }

    /// One proximal-gradient step on a block from w = v + β(v − v_prev)
    /// (Alg. 5's x update; β = 0 gives Alg. 2's; iPALM's updates of both
    /// blocks with a projection as `penalty`). `prev_out` holds v_prev on
    /// entry (read only when β ≠ 0) and v⁺ on return; `None` (its entries
    /// then unspecified) when the backtracking failed or ψ(w) or its
    /// gradient is not finite (an overflowing extrapolation).
    ///
    /// Why one buffer for v_prev and v⁺: v_prev is dead once w is formed,
    /// and a caller then keeps v, v_prev and w, ∇ here (four vectors of the
    /// block's length, not five: 80 MB fewer for an x of 10⁷ entries); it
    /// moves on by swapping v and `prev_out`.
    #[allow(clippy::too_many_arguments)]
    pub fn run<B: BlockOracle, G: Regularizer>(
        &mut self,
        block: &mut B,
        penalty: &G,
        lambda: f64,
        v: &[f64],
        prev_out: &mut [f64],
        beta: f64,
        t0: f64,
        rule: &ProxBacktracking,
        counts: &mut Counts,
    ) -> Option<BlockStep> {
        // Without momentum the step starts from v itself: no pass to form w.
        let plain = beta == 0.0 && !self.rounding.wants_measure();
        if !plain {
            self.w
                .iter_mut()
                .zip(v.iter().zip(&*prev_out))
                .for_each(|(w, (xi, pi))| *w = xi + beta * (xi - pi));
        }
        let out = prev_out;
        let psi_w = block.grad(if plain { v } else { &self.w }, &mut self.grad);
        counts.grad += 1;
        if !psi_w.is_finite() {
            return None;
        }
        if self.rounding.wants_measure() {
            // Calibration steps along the gradient: it must be finite now
            // (later, each trial's pass checks it).
            if self.grad.iter().any(|g| !g.is_finite()) {
                return None;
            }
            // `out` is free until the first trial writes it.
            self.calibrate(block, psi_w, t0, counts, out);
        }
        if penalty.trial_needs_scratch() && self.z.len() != out.len() {
            self.z = vec![0.0; out.len()];
        }
        let slack = self.rounding.slack(psi_w);
        let w: &[f64] = if plain { v } else { &self.w };
        let mut t = t0;
        let mut trials = 0;
        loop {
            // The trial, its test's sums and the gradient's finiteness in
            // one pass (Regularizer::prox_trial).
            let sums = penalty.prox_trial(w, &self.grad, v, t, lambda * t, &mut self.z, out);
            if !sums.finite {
                return None;
            }
            counts.prox += 1;
            let psi = block.value(out);
            counts.cost += 1;
            trials += 1;
            let ProxTrial { lin, sq, peak, .. } = sums;
            // Slack for rounding: near convergence both sides agree to
            // rounding and the exact test would shrink t to nothing. A step
            // accepted only thanks to the slack does not grow t: growing it on
            // unverifiable tests left iADM oscillating at 1e-8.
            let bound = psi_w + lin + sq / (2.0 * t);
            if psi <= bound + slack {
                return Some(BlockStep {
                    step: t,
                    psi,
                    trials,
                    may_grow: trials == 1 && self.rounding.clear_pass(psi - bound),
                    residual: sq.sqrt() / t,
                    peak: peak / t,
                    moved_sq: sums.moved_sq,
                    norm_sq: sums.norm_sq,
                    penalty: sums.value,
                });
            }
            t *= rule.contraction;
            if t < rule.min_step {
                return None;
            }
        }
    }
}

/// Work buffers of the a-step, and its rounding slack.
#[derive(Debug, Clone)]
pub(crate) struct AStep {
    z: Vec<f64>,
    grad: Vec<f64>,
    dir: Vec<f64>,
    scratch: Vec<f64>,
    rounding: Rounding,
}

impl AStep {
    /// Buffers for a block of length n; `noise`: the rounding noise of ψ's
    /// values, `None` to measure it at the first step (see [`rounding_slack`]).
    pub fn new(n: usize, noise: Option<f64>) -> Self {
        Self {
            z: vec![0.0; n],
            grad: vec![0.0; n],
            dir: vec![0.0; n],
            scratch: vec![0.0; n],
            rounding: Rounding::new(noise),
        }
    }

    /// The rounding of this block's tests.
    pub fn rounding(&mut self) -> &mut Rounding {
        &mut self.rounding
    }

    /// The noise figure measured or given, `None` until measured.
    pub fn figure(&self) -> Option<f64> {
        self.rounding.figure()
    }

    /// One Riemannian gradient step with Armijo backtracking (Alg. 4) from
    /// z = R_a(β·v), with x already fixed in `smooth`.
    ///
    /// The inertial term of eq. B.5 is R_{a_prev}^{-1}(a), a vector tangent at
    /// a_prev that B.5 retracts at a; we use v = −R_a^{-1}(a_prev), the same
    /// displacement expressed in T_a M (for the exponential map on the sphere
    /// it is exactly the parallel transport of Log_{a_prev}(a) to a), so that
    /// every retraction receives a tangent vector. β = 0 or a = a_prev gives
    /// z = a exactly. `None` when the search failed or ψ(z) or its gradient
    /// is not finite.
    #[allow(clippy::too_many_arguments)]
    pub fn run<M, R, S>(
        &mut self,
        m: &M,
        retraction: &R,
        smooth: &mut S,
        a: &[f64],
        a_prev: &[f64],
        beta: f64,
        tau0: f64,
        armijo: &Armijo,
        out: &mut [f64],
        counts: &mut Counts,
    ) -> Result<Option<BlockStep>, OptimError>
    where
        M: Manifold,
        R: InverseRetraction<M>,
        S: TwoBlockSmooth,
    {
        if beta == 0.0 || a == a_prev {
            self.z.copy_from_slice(a);
        } else {
            retraction.inverse_retract(m, a, a_prev, &mut self.dir)?;
            self.dir.iter_mut().for_each(|d| *d *= -beta);
            Retraction::retract(retraction, m, a, &self.dir, &mut self.z)?;
            counts.retract += 1;
        }
        if self.z.iter().any(|v| !v.is_finite()) {
            return Ok(None);
        }
        let psi_z = smooth.grad_a(&self.z, &mut self.grad);
        counts.grad += 1;
        if !psi_z.is_finite() || self.grad.iter().any(|g| !g.is_finite()) {
            return Ok(None);
        }
        m.egrad_to_rgrad(&self.z, &mut self.grad)?;
        let g2 = m.inner(&self.z, &self.grad, &self.grad);
        if !g2.is_finite() {
            return Ok(None);
        }
        if g2 == 0.0 {
            // A zero gradient is an exact zero step; τ keeps its value (a
            // search would accept its first trial and the memory rule would
            // double τ forever).
            out.copy_from_slice(&self.z);
            return Ok(Some(BlockStep {
                step: tau0,
                psi: psi_z,
                trials: 0,
                may_grow: false,
                residual: 0.0,
                peak: 0.0,
                moved_sq: f64::NAN,
                norm_sq: f64::NAN,
                penalty: None,
            }));
        }
        self.dir.iter_mut().zip(&self.grad).for_each(|(d, g)| *d = -g);
        if self.rounding.wants_measure() {
            // As ProxGradStep::calibrate, along the tangent −grad ψ(z) in the
            // ambient space (ψ is defined there).
            let g = g2.sqrt();
            let h = 1e-6 * manifold::vecops::norm(&self.z).max(tau0 * g) / g;
            let values = std::array::from_fn(|i| {
                let k = (i + 1) as f64 * h;
                self.scratch
                    .iter_mut()
                    .zip(self.z.iter().zip(&self.dir))
                    .for_each(|(p, (z, d))| *p = z + k * d);
                counts.cost += 1;
                smooth.value_a(&self.scratch)
            });
            self.rounding.raise(line_noise(psi_z, -h * g2, values));
        }
        let accepted = armijo.search_rounded(
            m,
            retraction,
            &self.z,
            &self.dir,
            psi_z,
            -g2,
            tau0,
            &self.rounding,
            &mut |b| smooth.value_a(b),
            &mut self.scratch,
            out,
            counts,
        )?;
        Ok(accepted.map(|acc| BlockStep {
            step: acc.step,
            psi: acc.cost,
            trials: acc.trials,
            may_grow: acc.may_grow,
            residual: g2.sqrt(),
            peak: self.grad.iter().fold(0.0_f64, |p, g| p.max(g.abs())),
            moved_sq: f64::NAN,
            norm_sq: f64::NAN,
            penalty: None,
        }))
    }
}

/// Slack for comparing two values of a cost that agree to rounding:
/// max(8ε·|f|, 2·noise), `noise` the measured absolute rounding noise of the
/// values (see [`InertialAdm::value_noise`](crate::InertialAdm::value_noise)).
///
/// 8ε·|f| is enough for a cost computed to its own relative precision. A
/// least-squares coupling ψ = ½‖y − A(a)x‖² evaluated through sums over the
/// data carries an absolute error set by ‖y‖², which stays put while ψ
/// shrinks towards the noise floor (LQK+20 §6.1.1: ψ ≈ 12 against
/// ½‖y‖² ≈ 7·10³, values noisy at 10⁻¹¹–10⁻¹⁰): a slack relative to ψ alone
/// then lets rounding fail the sufficient-decrease tests, ratchet the step
/// sizes down by orders of magnitude and end the run with a failed search.
pub(crate) fn rounding_slack(f: f64, noise: f64) -> f64 {
    (8.0 * f64::EPSILON * f.abs()).max(NOISE_FACTOR * noise)
}

/// The slack in units of the measured noise: a difference of two noisy
/// values spreads about √2 times one value's, and the measured figure (the
/// largest residual of a four-point fit) about 1.5 times a value's spread.
pub(crate) const NOISE_FACTOR: f64 = 2.0;
