//! Derivative checkers (Manopt's `checkgradient`/`checkhessian` in spirit):
//! Taylor remainders along a retraction must fall with slope 2 (gradient) or
//! 3 (Hessian) in a log-log plot; plus Hessian symmetry. Usable from any
//! downstream crate's tests.
//!
//! How a check reads the remainders E(t) = |f(R_x(t·d)) − Σ_k c_k t^k| at 41
//! log-spaced steps t ∈ [1e-8, 1]:
//!
//! * **Rounding floor, measured.** At five steps t ∈ [1e-11, 1e-9] the
//!   Taylor remainder is negligible, so what is left is the rounding noise of
//!   the cost near x. The floor at step t is 10× that noise, scaled by the
//!   growth of the magnitudes |f(R_x(t·d))| + Σ_k |c_k t^k| along the line,
//!   plus 4ε times those magnitudes (the subtraction's own rounding).
//!   Remainders at or below it are noise and never fitted. The floor follows
//!   the cost's scale: for |f| ~ 1e-6 it sits near 1e-21, where the former
//!   fixed floor 1e3·ε·max(|f₀|, 1) ≈ 2e-13 hid most remainders and failed
//!   correct Hessians (issue 18).
//! * **Window** (after Manopt's `identify_linear_piece`): among windows whose
//!   points all lie above their floors, the linear one (RMS residual of the
//!   log-log fit ≤ 0.02 decade) nearest t → 0, trying 2.2-decade windows
//!   first and shorter ones down to one decade; failing any linear window,
//!   the most linear one. The nearest-to-zero rule matters: a slightly wrong
//!   Hessian falls with slope 2 at small t but can look like slope 3 further
//!   out, where the t³ term dominates its error.
//! * **Verdict:** the fitted slope is at least expected − 0.1, or every
//!   remainder is under its floor (an exact model).
//!
//! Measured on the ℓ⁴ dictionary-learning cost on spheres (n ∈ {5, 20, 60},
//! |f| from 1e-12 to 1e8, 1500 random cases): 3 correct Hessians rejected
//! (slopes 2.86–2.89, where a sign change of the remainder leaves one clean
//! decade) and no gradient or Hessian scaled by 1.1 accepted; the fixed floor
//! rejected 500 correct cases and accepted 123 wrong ones.

use manifold::{Manifold, Retraction};

use crate::error::OptimError;
use crate::problem::{HessianProblem, Problem};
use crate::second_order::{ExactHessian, SecondOrderOracle};

/// Verdict of a Taylor check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// Fitted log-log slope of the remainder in the chosen window.
    pub slope: f64,
    /// The slope expected (2 or 3).
    pub expected: f64,
    /// Verdict: slope ≥ expected − 0.1 in the chosen window (see the
    /// [module](self) documentation for how it is chosen), or an exact model. A higher slope is a pass: at a critical point the next Taylor
    /// term can vanish (f(R_x(td)) even in t gives slope 4 for the Hessian
    /// check), while a wrong derivative gives slope 1 or 2.
    pub passed: bool,
    /// Every remainder at or below its rounding floor: the model is exact (f
    /// quadratic along the curve for the Hessian check, linear for the
    /// gradient check).
    pub exact: bool,
    /// Step sizes t (log-spaced in [1e-8, 1]).
    pub steps: Vec<f64>,
    /// Remainders |f(R_x(t·d)) − model(t)|.
    pub errors: Vec<f64>,
    /// Rounding floor of each remainder (see the [module](self) documentation):
    /// remainders at or below it are treated as noise and never fitted.
    pub floor: Vec<f64>,
    /// The rounding noise measured at x: the largest remainder at steps
    /// t ∈ [1e-11, 1e-9], where the Taylor remainder itself is negligible.
    pub noise: f64,
    /// Index range [start, end) of the fitted window in `steps`.
    pub window: (usize, usize),
}

const POINTS: usize = 41;
/// Points of a full fitting window: 12 points = 2.2 decades of t.
const WINDOW: usize = 12;
/// The shortest window fitted when noise leaves no full one: 1 decade.
const MIN_WINDOW: usize = 6;
/// Steps at which the rounding noise is measured (10^-11 … 10^-9): the
/// Taylor remainder there is below 1e-18 times its scale (gradient check)
/// yet the point R_x(t·d) differs from x in its last digits.
const NOISE_STEPS: [f64; 5] = [1e-11, 3.16e-11, 1e-10, 3.16e-10, 1e-9];
/// Safety factor on the measured noise: the floor is this many times the
/// largest remainder seen at the noise steps.
const NOISE_FACTOR: f64 = 10.0;
/// Rounding of the subtraction f − model itself, relative to the magnitudes
/// it subtracts: a few ulps.
const RELATIVE_ROUNDING: f64 = 4.0 * f64::EPSILON;
/// A window is linear when the RMS residual of its log10 fit is below this
/// (a 5 % wobble of the remainders).
const LINEAR_RMS: f64 = 0.02;

/// Least-squares slope and RMS residual of log10(errors) against log10(steps)
/// on `range`.
fn fit(steps: &[f64], errors: &[f64], range: std::ops::Range<usize>) -> (f64, f64) {
    let xs: Vec<f64> = steps[range.clone()].iter().map(|t| t.log10()).collect();
    let ys: Vec<f64> = errors[range].iter().map(|e| e.log10()).collect();
    let (mx, my) = (mean(&xs), mean(&ys));
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let slope = sxy / sxx;
    let resid: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (y - my - slope * (x - mx)).powi(2))
        .sum();
    (slope, (resid / xs.len() as f64).sqrt())
}

/// Chooses the window and fits its slope, in the spirit of Manopt's
/// `identify_linear_piece`: among windows whose remainders all lie above
/// their floors, the one nearest t → 0 that is linear (RMS residual ≤ 0.02
/// decade), since the Taylor slope is an asymptotic statement about small t
/// and higher-order terms only bend the curve at larger t; when no window is
/// that linear, the most linear one (Manopt's choice). Full windows span 2.2
/// decades; shorter ones down to one decade are tried before the fallback.
fn verdict(steps: Vec<f64>, errors: Vec<f64>, floor: Vec<f64>, noise: f64, expected: f64) -> CheckReport {
    let exact = errors.iter().zip(&floor).all(|(e, f)| e <= f);
    let above: Vec<bool> = errors
        .iter()
        .zip(&floor)
        .map(|(e, f)| e.is_finite() && e > f)
        .collect();
    let candidates = |len: usize| -> Vec<(f64, f64, usize)> {
        (0..=steps.len() - len)
            .filter(|&start| above[start..start + len].iter().all(|a| *a))
            .map(|start| {
                let (slope, rms) = fit(&steps, &errors, start..start + len);
                (slope, rms, start)
            })
            .collect()
    };
    // The longest windows first; at each length the linear window nearest
    // t → 0. Failing any linear window, the most linear of the longest.
    let mut chosen: Option<(f64, usize, usize)> = None;
    let mut fallback: Option<(f64, f64, usize, usize)> = None;
    for len in (MIN_WINDOW..=WINDOW).rev() {
        let found = candidates(len);
        if let Some(&(slope, _, start)) = found.iter().find(|(_, rms, _)| *rms <= LINEAR_RMS) {
            chosen = Some((slope, start, start + len));
            break;
        }
        if fallback.is_none() {
            fallback = found
                .iter()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|&(slope, rms, start)| (slope, rms, start, start + len));
        }
    }
    let chosen = chosen.or(fallback.map(|(slope, _, a, b)| (slope, a, b)));
    let (slope, window) = chosen.map_or((f64::NAN, (0, 0)), |(s, a, b)| (s, (a, b)));
    CheckReport {
        slope,
        expected,
        passed: exact || slope >= expected - 0.1,
        exact,
        steps,
        errors,
        floor,
        noise,
        window,
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn log_steps() -> Vec<f64> {
    (0..POINTS)
        .map(|i| 10f64.powf(-8.0 + 8.0 * i as f64 / (POINTS - 1) as f64))
        .collect()
}

/// Remainders |f(R_x(t·d)) − Σ_k c_k t^k| along the manifold's default
/// retraction at the log-spaced steps, their measured rounding floors (see
/// the module documentation) and the verdict against `expected`.
fn taylor<M: Manifold>(
    m: &M,
    x: &[f64],
    d: &[f64],
    coefficients: &[f64],
    expected: f64,
    mut cost: impl FnMut(&[f64]) -> f64,
) -> Result<CheckReport, OptimError> {
    let retraction = M::Retraction::default();
    let (mut y, mut td) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut remainder = |t: f64| -> Result<(f64, f64), OptimError> {
        td.iter_mut().zip(d).for_each(|(a, b)| *a = t * b);
        retraction.retract(m, x, &td, &mut y)?;
        let f = cost(&y);
        let (mut model, mut magnitude, mut power) = (0.0, f.abs(), 1.0);
        for c in coefficients {
            model += c * power;
            magnitude += (c * power).abs();
            power *= t;
        }
        Ok(((f - model).abs(), magnitude))
    };
    let (mut noise, mut base_magnitude) = (0.0_f64, 0.0_f64);
    for t in NOISE_STEPS {
        let (e, magnitude) = remainder(t)?;
        // A NaN here must not vanish in f64::max: it makes every floor NaN,
        // so no remainder counts as above it and the check fails.
        noise = if e.is_nan() { f64::NAN } else { noise.max(e) };
        base_magnitude = base_magnitude.max(magnitude);
    }
    let steps = log_steps();
    let (mut errors, mut floor) = (Vec::with_capacity(POINTS), Vec::with_capacity(POINTS));
    for &t in &steps {
        let (e, magnitude) = remainder(t)?;
        errors.push(e);
        let growth = if base_magnitude > 0.0 && magnitude > base_magnitude {
            magnitude / base_magnitude
        } else {
            1.0
        };
        floor.push(NOISE_FACTOR * noise * growth + RELATIVE_ROUNDING * magnitude);
    }
    Ok(verdict(steps, errors, floor, noise, expected))
}

fn check_direction<M: Manifold>(m: &M, x: &[f64], d: &[f64]) -> Result<Vec<f64>, OptimError> {
    m.check_point(x, 1e-8)?;
    manifold::check_vector(d, m.ambient_dim())?;
    let mut d = d.to_vec();
    m.project(x, &mut d)?;
    let nd = m.norm(x, &d);
    if nd == 0.0 {
        return Err(manifold::ManifoldError::ZeroVector { column: 0 }.into());
    }
    d.iter_mut().for_each(|t| *t /= nd);
    Ok(d)
}

/// Gradient check at x along d (projected onto T_x M and normalised), with
/// the manifold's default retraction: E(t) = |f(R_x(t·d)) − f(x) − t⟨grad f, d⟩|
/// should fall as t².
pub fn check_gradient<M: Manifold, P: Problem>(
    m: &M,
    p: &mut P,
    x: &[f64],
    d: &[f64],
) -> Result<CheckReport, OptimError> {
    let d = check_direction(m, x, d)?;
    let mut g = vec![0.0; x.len()];
    let f0 = p.cost_grad(x, &mut g);
    m.egrad_to_rgrad(x, &mut g)?;
    let slope = m.inner(x, &g, &d);
    taylor(m, x, &d, &[f0, slope], 2.0, |y| p.cost(y))
}

/// Hessian check at x along d with the manifold's default retraction:
/// E(t) = |f(R_x(t·d)) − f(x) − t⟨grad f, d⟩ − ½t²⟨d, Hess f\[d\]⟩| should fall
/// as t³. Needs a second-order retraction (the defaults of Sphere, Oblique,
/// Stiefel and Euclidean are; the ℓ^q normalisation is not, unless grad f(x) = 0).
pub fn check_hessian<M: Manifold, P: HessianProblem>(
    m: &M,
    p: &mut P,
    x: &[f64],
    d: &[f64],
) -> Result<CheckReport, OptimError> {
    let d = check_direction(m, x, d)?;
    let n = x.len();
    let mut oracle = ExactHessian::new(p);
    let mut g = vec![0.0; n];
    let f0 = oracle.cost_rgrad(m, x, &mut g)?;
    let mut hd = vec![0.0; n];
    oracle.rhess(m, x, &d, &mut hd)?;
    let (slope, curvature) = (m.inner(x, &g, &d), m.inner(x, &d, &hd));
    taylor(m, x, &d, &[f0, slope, 0.5 * curvature], 3.0, |y| {
        oracle.cost(m, y)
    })
}

/// Relative asymmetry |⟨u, Hess f\[v\]⟩ − ⟨Hess f\[u\], v⟩| / max(|·|, |·|) of the
/// Riemannian Hessian at x for tangent u, v (projected onto T_x M first).
pub fn check_hessian_symmetry<M: Manifold, P: HessianProblem>(
    m: &M,
    p: &mut P,
    x: &[f64],
    u: &[f64],
    v: &[f64],
) -> Result<f64, OptimError> {
    let (u, v) = (check_direction(m, x, u)?, check_direction(m, x, v)?);
    let n = x.len();
    let mut oracle = ExactHessian::new(p);
    let mut g = vec![0.0; n];
    oracle.cost_rgrad(m, x, &mut g)?;
    let (mut hu, mut hv) = (vec![0.0; n], vec![0.0; n]);
    oracle.rhess(m, x, &u, &mut hu)?;
    oracle.rhess(m, x, &v, &mut hv)?;
    let (a, b) = (m.inner(x, &u, &hv), m.inner(x, &hu, &v));
    let scale = a.abs().max(b.abs());
    Ok(if scale == 0.0 { 0.0 } else { (a - b).abs() / scale })
}
