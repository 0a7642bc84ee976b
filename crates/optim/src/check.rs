//! Derivative checkers (Manopt's `checkgradient`/`checkhessian` in spirit):
//! Taylor remainders along a retraction must fall with slope 2 (gradient) or
//! 3 (Hessian) in a log-log plot; plus Hessian symmetry. Usable from any
//! downstream crate's tests.

use manifold::{Manifold, Retraction};

use crate::error::OptimError;
use crate::problem::{HessianProblem, Problem};
use crate::second_order::{ExactHessian, SecondOrderOracle};

/// Verdict of a Taylor check.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckReport {
    /// Fitted log-log slope of the remainder in the best window.
    pub slope: f64,
    /// The slope expected (2 or 3).
    pub expected: f64,
    /// Verdict: slope ≥ expected − 0.1 over a window of 2.4 decades, or an
    /// exact model. A higher slope is a pass: at a critical point the next
    /// Taylor term can vanish (f(R_x(td)) even in t gives slope 4 for the
    /// Hessian check), while a wrong derivative gives slope 1 or 2.
    pub passed: bool,
    /// Every remainder below 1e-12·scale: the model is exact (f quadratic for
    /// the Hessian check, linear for the gradient check).
    pub exact: bool,
    /// Step sizes t (log-spaced in [1e-8, 1]).
    pub steps: Vec<f64>,
    /// Remainders |f(R_x(t·d)) − model(t)|.
    pub errors: Vec<f64>,
    /// Index range [start, end) of the fitted window in `steps`.
    pub window: (usize, usize),
}

const POINTS: usize = 41;
/// Points per fitted window: 12 points = 2.4 decades of t.
const WINDOW: usize = 12;

/// Fits the slope of log(errors) against log(steps) on the window with the
/// smallest residual among windows above the rounding floor.
fn verdict(steps: Vec<f64>, errors: Vec<f64>, expected: f64, floor: f64) -> CheckReport {
    let exact = errors.iter().all(|e| *e <= floor.max(1e-12));
    let mut best: Option<(f64, f64, usize)> = None;
    for start in 0..=steps.len() - WINDOW {
        let idx = start..start + WINDOW;
        if errors[idx.clone()].iter().any(|e| *e <= floor || !e.is_finite()) {
            continue;
        }
        let xs: Vec<f64> = steps[idx.clone()].iter().map(|t| t.log10()).collect();
        let ys: Vec<f64> = errors[idx].iter().map(|e| e.log10()).collect();
        let (mx, my) = (mean(&xs), mean(&ys));
        let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
        let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
        let slope = sxy / sxx;
        let resid: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| (y - my - slope * (x - mx)).powi(2))
            .sum();
        if best.is_none_or(|(_, r, _)| resid < r) {
            best = Some((slope, resid, start));
        }
    }
    let (slope, start) = best.map(|(s, _, i)| (s, i)).unwrap_or((f64::NAN, 0));
    CheckReport {
        slope,
        expected,
        passed: exact || slope >= expected - 0.1,
        exact,
        steps,
        errors,
        window: (start, start + WINDOW),
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

/// Remainders |f(R_x(t·d)) − model(t)| at the log-spaced steps along the
/// manifold's default retraction, and their verdict against `expected`.
fn taylor<M: Manifold>(
    m: &M,
    x: &[f64],
    d: &[f64],
    f0: f64,
    expected: f64,
    model: impl Fn(f64) -> f64,
    mut cost: impl FnMut(&[f64]) -> f64,
) -> Result<CheckReport, OptimError> {
    let retraction = M::Retraction::default();
    let steps = log_steps();
    let (mut y, mut td) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    let mut errors = Vec::with_capacity(steps.len());
    for &t in &steps {
        td.iter_mut().zip(d).for_each(|(a, b)| *a = t * b);
        retraction.retract(m, x, &td, &mut y)?;
        errors.push((cost(&y) - model(t)).abs());
    }
    Ok(verdict(
        steps,
        errors,
        expected,
        1e3 * f64::EPSILON * f0.abs().max(1.0),
    ))
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
    taylor(m, x, &d, f0, 2.0, |t| f0 + t * slope, |y| p.cost(y))
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
    taylor(
        m,
        x,
        &d,
        f0,
        3.0,
        |t| f0 + t * slope + 0.5 * t * t * curvature,
        |y| oracle.cost(m, y),
    )
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
