//! The two-stage algorithm of ZLK+19 (§3, Algorithm 1, "Nonconvex Sparse
//! Blind Deconvolution"):
//!
//! 1. **Stage I** (§3.1): from a random point, minimise the Huber-smoothed
//!    objective (eq. 22) at λ₀ on the kernel's own sphere S^{n₀−1}. The Huber
//!    smoothing turns the flat region R_{h,0} (eq. 23) of the ℓ¹ objective
//!    into a concave one (eq. 26), so a second-order method leaves it along
//!    negative curvature; the local minimiser found is close to a signed
//!    shift truncation ā = ±ι*s_τ\[a₀\]/‖ι*s_τ\[a₀\]‖ (Theorem 2.1).
//! 2. **Lift** (Fig. 3): zero-pad ā to the higher-dimensional sphere
//!    S^{n−1}, n = 3n₀ − 2, with ā in the middle, so that every shift of a₀
//!    overlapping ā fits.
//! 3. **Stage II** (§3.2): minimise the same objective on S^{n−1} from the
//!    padded ā (Lemma 3.1: it is close enough to a shift of a₀), with
//!    continuation λ_{t+1} = λ_t/β from λ₁ = λ₀ down to λ_min: a large λ
//!    keeps the landscape simple, a small λ makes the minimiser accurate
//!    (Fig. 4).
//!
//! As the paper suggests (§3.2, after Fig. 4), each "argmin φ_λ(a)" is
//! solved over the cross space of (a, x) jointly: the Huber-smoothed
//! Bilinear Lasso ½‖y − a ⊛ x‖² + λh_μ(x) ([`crate::objective::HuberLasso`]),
//! by trust region or curvilinear search, warm-started in both a and x. The
//! Huber width follows λ, μ_t = (μ/λ)·λ_t, so that μ ≪ λ holds at every
//! stage (§3.1). The pipeline then shift-corrects the lifted kernel to
//! length n₀ (LQK+20 App. B.3).
//!
//! ```no_run
//! use sasd::pipeline::{Deconvolution, MethodSpec};
//! # let y = vec![0.0; 2000];
//! let out = Deconvolution::new(20).method(MethodSpec::two_stage()).run(&y)?;
//! let stages = out.two_stage.as_ref().expect("a two-stage run reports its stages");
//! println!("λ schedule {:?}, stop {:?}", stages.schedule, out.stop);
//! # Ok::<(), sasd::SasdError>(())
//! ```

use manifold::{Manifold, Sphere};
use optim::{OptimError, StopCriterion, StopReason};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::error::{Result, SasdError, check_at_least, check_lambda};
use crate::init::RANDOM_INIT_STREAM;
use crate::objective::{Abl, AblEnergy};
use crate::second_order::{
    DEFAULT_MU_RATIO, Limits, SecondOrderSolver, SmoothOutcome, SolveSpec, Solved, huber_solve,
};
use crate::trace::{Recorder, RunObserver};

/// Default λ₀ of stage I and of the first stage-II solve.
pub const DEFAULT_LAMBDA0: f64 = 0.5;

/// Default continuation factor β of Algorithm 1.
pub const DEFAULT_BETA: f64 = 2.0;

/// The options of a two-stage run
/// ([`MethodSpec::TwoStage`](crate::pipeline::MethodSpec)); λ_min is the
/// run's λ (default 0.1/√n, n = 3n₀ − 2).
///
/// Why the defaults: λ₀ = 0.5 is the λ of LQK+20's landscape study of random
/// kernels with ±1 activations (§4, Fig. 9, n₀ = 20), large enough that
/// "a larger λ induces a simpler and smoother function landscape" (ZLK+19
/// §3.2) yet below the activation amplitude, so x*(a) ≠ 0 near a₀ (the
/// flat-region bound of ZLK+19's footnote 7). λ_min = 0.1/√n is LQK+20's
/// homotopy target λ* (§4.2.2). β = 2 halves λ per stage: each
/// warm-started solve then starts close to its minimiser (LQK+20's η = 0.9
/// needs ten times the stages for the same range, and with a second-order
/// inner solver every stage pays a certificate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoStageSpec {
    /// The second-order solver of both stages.
    pub solver: SecondOrderSolver,
    /// λ₀ > 0: stage I's λ and the first of stage II.
    pub lambda0: f64,
    /// β > 1: λ_{t+1} = λ_t/β.
    pub beta: f64,
    /// μ/λ > 0, kept at every stage (ZLK+19 asks μ ≪ λ).
    pub mu_ratio: f64,
    /// δ ≥ 0: an intermediate stage-II solve ends once ‖grad_x f‖ ≲ δ·λ_t
    /// (LQK+20's homotopy precision ε_t = δλ_t, §4.2.2); only the last
    /// solve runs to (ε_g, ε_H) with a second-order certificate.
    pub delta: f64,
    /// ε_g of the certified solves (stage I and the last).
    pub eps_gradient: f64,
    /// ε_H of the certified solves.
    pub eps_hessian: f64,
}

impl Default for TwoStageSpec {
    /// Trust region, λ₀ = [`DEFAULT_LAMBDA0`], β = [`DEFAULT_BETA`],
    /// μ = λ/10 at every stage, δ = 0.1, ε_g = ε_H = 1e-6.
    fn default() -> Self {
        Self {
            solver: SecondOrderSolver::TrustRegion,
            lambda0: DEFAULT_LAMBDA0,
            beta: DEFAULT_BETA,
            mu_ratio: DEFAULT_MU_RATIO,
            delta: 0.1,
            eps_gradient: 1e-6,
            eps_hessian: 1e-6,
        }
    }
}

/// What stage I found and the stage-II schedule of a two-stage run.
#[derive(Debug, Clone, PartialEq)]
pub struct TwoStageReport {
    /// Stage I's kernel ā on S^{n₀−1} (a signed shift truncation of a₀ when
    /// stage I succeeds).
    pub stage_one_kernel: Vec<f64>,
    /// λ of stage I.
    pub lambda0: f64,
    /// The λ of each stage-II solve, in order (the last is λ_min).
    pub schedule: Vec<f64>,
    /// Outer iterations of stage I.
    pub stage_one_iterations: usize,
}

impl TwoStageSpec {
    /// The stage-II schedule λ₀, λ₀/β, … (while > λ_min), then λ_min: the
    /// loop of Algorithm 1 with its last solve at exactly λ_min, so the
    /// final λ is the one asked for.
    pub fn schedule(&self, lambda_min: f64) -> Result<Vec<f64>> {
        let lambda0 = check_lambda(self.lambda0)?;
        if !(self.beta.is_finite() && self.beta > 1.0) {
            return Err(SasdError::InvalidParameter {
                name: "beta",
                value: self.beta,
                min: 1.0 + f64::EPSILON,
            });
        }
        let lambda_min = check_lambda(lambda_min)?;
        let mut out = Vec::new();
        let mut lambda = lambda0;
        while lambda > lambda_min && out.len() < 200 {
            out.push(lambda);
            lambda /= self.beta;
        }
        out.push(lambda_min);
        Ok(out)
    }
}

/// Runs Algorithm 1 on y for a kernel of length n₀ lifted to n, down to
/// λ_min; the records carry the extras `stage` (0 or 1) and `lambda`, and
/// the kernel error of ā in stage I, of the lifted kernel in stage II.
pub(crate) fn run<O: RunObserver>(
    spec: &TwoStageSpec,
    y: &[f64],
    (n0, n): (usize, usize),
    lambda_min: f64,
    seed: u64,
    limits: Limits,
    recorder: &mut Recorder<'_, O>,
) -> Result<(SmoothOutcome, TwoStageReport)> {
    let m = y.len();
    let schedule = spec.schedule(lambda_min)?;
    let lambda0 = spec.lambda0;
    let ratio = check_at_least("mu ratio", spec.mu_ratio, f64::MIN_POSITIVE)?;
    let delta = check_at_least("delta", spec.delta, 0.0)?;
    if y.iter().all(|t| *t == 0.0) {
        return Err(SasdError::NoSignal);
    }
    // The balanced coordinates scale gradients by ‖y‖ (second_order's
    // `Balanced`): the stage tolerance δλ_t on ‖grad_x f‖ reads δλ_t‖y‖.
    let norm_y = y.iter().map(|t| t * t).sum::<f64>().sqrt();

    // Stage I: random a on S^{n₀−1}, x = S_λ₀(y ⋆ a) (the ABL minimiser).
    let sphere = Sphere::new(n0).map_err(OptimError::from)?;
    // A stream of its own: the synthetic generators draw a random kernel
    // from StdRng::seed_from_u64(seed), and the same stream here would
    // start stage I at the truth whenever the run's seed is the data's.
    let mut rng = StdRng::seed_from_u64(seed ^ RANDOM_INIT_STREAM);
    let a_start = sphere.random_point(&mut rng);
    let mut p = a_start.as_slice().to_vec();
    p.resize(n0 + m, 0.0);
    let mut abl = Abl::new(y, n0, lambda0, AblEnergy::SoftThreshold)?;
    abl.activation(a_start.as_slice(), &mut p[n0..]);
    let mut ffts = abl.ffts();
    recorder.add_ffts(ffts);
    let certified = |stage: f64, lambda: f64| SolveSpec {
        solver: spec.solver,
        kernel_len: if stage == 0.0 { n0 } else { n },
        eps_gradient: spec.eps_gradient,
        eps_hessian: spec.eps_hessian,
        stop: limits.stop(),
        seed,
        tags: vec![("stage", stage), ("lambda", lambda)],
    };
    let (one, f1) = huber_solve(
        y,
        n0,
        (lambda0, ratio * lambda0),
        &p,
        true,
        &certified(0.0, lambda0),
        recorder,
    )?;
    ffts += f1;
    let stage_one_kernel = one.point[..n0].to_vec();
    let stage_one_iterations = one.iterations;
    let mut total = one.clone();

    // Lift: ā in the middle of S^{n−1}; a ⊛ x is kept by shifting x back
    // by the same n₀ − 1 samples.
    let mut point = vec![0.0; n + m];
    point[n0 - 1..2 * n0 - 1].copy_from_slice(&stage_one_kernel);
    let x1 = &one.point[n0..];
    for (j, v) in point[n..].iter_mut().enumerate() {
        *v = x1[(j + n0 - 1) % m];
    }

    // Stage II: continuation in λ.
    let mut last = one;
    let stop_early = matches!(last.stop, StopReason::Observer | StopReason::TimeBudget);
    let mut mu = ratio * lambda0;
    if !stop_early {
        for (t, &lambda) in schedule.iter().enumerate() {
            mu = ratio * lambda;
            let solve = if t + 1 == schedule.len() {
                certified(1.0, lambda)
            } else {
                SolveSpec {
                    // ε_g below reach: the stage ends on the gradient
                    // criterion, without a Lanczos certificate.
                    eps_gradient: 0.0,
                    stop: limits.stop() | StopCriterion::GradientNorm(delta * lambda * norm_y),
                    ..certified(1.0, lambda)
                }
            };
            let (s, f) = huber_solve(y, n, (lambda, mu), &point, true, &solve, recorder)?;
            ffts += f;
            point.copy_from_slice(&s.point);
            total = add_counts(&total, &s);
            last = s;
            if matches!(last.stop, StopReason::Observer | StopReason::TimeBudget) {
                break;
            }
        }
    }
    let lambda = schedule.last().copied().unwrap_or(lambda0);
    // The last solve's state, with the counts of all solves.
    let solved = Solved {
        point,
        stop: last.stop,
        cost: last.cost,
        grad_norm: last.grad_norm,
        lambda_min: last.lambda_min,
        ..total
    };
    Ok((
        SmoothOutcome {
            lambda,
            mu,
            solved,
            ffts,
        },
        TwoStageReport {
            stage_one_kernel,
            lambda0,
            schedule,
            stage_one_iterations,
        },
    ))
}

/// `earlier`'s counts plus `next`'s.
fn add_counts(earlier: &Solved, next: &Solved) -> Solved {
    next.clone().merged_after(earlier)
}
