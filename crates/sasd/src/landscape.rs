//! The optimisation landscape of SaSD near a few shifts of the kernel (seed
//! 003 §3.2, Figs. 4, 5, 7, 9): the Bilinear Lasso marginal
//!
//! φ_BL(a) = min_x ½‖y − a ⊛ x‖² + λ‖x‖₁
//!
//! and the approximate Bilinear Lasso marginal φ_ABL(a) = ½‖y‖² − ½‖S_λ[y ⋆ a]‖²
//! (Zha19; [`Abl`]) over the subsphere S_{0,1,2} = S^{n−1} ∩ span{s₀\[a₀\],
//! s₁\[a₀\], s₂\[a₀\]} of eq. 3.3.
//!
//! The subsphere is drawn through its gnomonic chart: the plane p₀ + p₁ + p₂ = 1
//! of coefficients of the three shifts, laid out so that the shifts sit at the
//! corners of an equilateral triangle, and a point p maps to
//! a(p) = Σ pᵢ sᵢ\[a₀\] / ‖Σ pᵢ sᵢ\[a₀\]‖. Edge midpoints are the symmetric
//! superpositions of two shifts (the saddles of Fig. 4b) and the centre that
//! of all three.

use optim::{Problem, TwoBlockSmooth};
use rayon::prelude::*;

use crate::conv::{Complex64, Plan, Plan1d};
use crate::error::{Result, SasdError, check_at_least, check_finite, check_lambda};
use crate::objective::{Abl, AblEnergy, BilinearLasso};

/// A grid over the gnomonic chart of S_{0,1,2} and the marginals on it.
#[derive(Debug, Clone)]
pub struct Landscape {
    /// Grid points per side.
    pub resolution: usize,
    /// Chart coordinates of the grid: (u, v) of entry (i, j) are
    /// (`u[j]`, `v[i]`).
    pub u: Vec<f64>,
    /// See [`u`](Self::u).
    pub v: Vec<f64>,
    /// Chart coordinates of the three shifts s₀\[a₀\], s₁\[a₀\], s₂\[a₀\].
    pub shifts: [(f64, f64); 3],
    /// φ_BL on the grid, row-major (`resolution` rows of `resolution`), row 0
    /// at the smallest v.
    pub bilinear_lasso: Vec<f64>,
    /// φ_ABL on the grid, row-major.
    pub approximate: Vec<f64>,
}

/// Corners of the chart's triangle: shift k at angle 90° + 120°·k.
fn corner(k: usize) -> (f64, f64) {
    let t = std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * k as f64 / 3.0;
    (t.cos(), t.sin())
}

/// Barycentric coordinates of (u, v) with respect to the corners.
fn barycentric(u: f64, v: f64) -> [f64; 3] {
    let (c0, c1, c2) = (corner(0), corner(1), corner(2));
    let det = (c1.1 - c2.1) * (c0.0 - c2.0) + (c2.0 - c1.0) * (c0.1 - c2.1);
    let p0 = ((c1.1 - c2.1) * (u - c2.0) + (c2.0 - c1.0) * (v - c2.1)) / det;
    let p1 = ((c2.1 - c0.1) * (u - c2.0) + (c0.0 - c2.0) * (v - c2.1)) / det;
    [p0, p1, 1.0 - p0 - p1]
}

/// The landscape of y = a₀ ⊛ x₀ near a₀ and its first two shifts, on a
/// `resolution`² grid over the square [−extent, extent]² of the chart (the
/// triangle of the shifts has circumradius 1; extent 1.2 shows it whole).
///
/// Kernels live in R^n with n = n₀ + 2 (room for the shifts). Each grid
/// point's φ_BL is a Lasso solve (FISTA with step 1/‖â‖²_∞ and adaptive
/// restart, warm-started along the row); rows run in parallel.
///
/// Errors: empty or non-finite data, a₀ empty or zero, n₀ + 2 ≥ m, λ ≤ 0,
/// resolution < 2, extent not positive.
pub fn landscape(y: &[f64], a0: &[f64], lambda: f64, resolution: usize, extent: f64) -> Result<Landscape> {
    check_finite("observation", y)?;
    check_finite("kernel", a0)?;
    check_lambda(lambda)?;
    if a0.iter().all(|v| *v == 0.0) {
        return Err(SasdError::NoSignal);
    }
    if resolution < 2 {
        return Err(SasdError::InvalidParameter {
            name: "resolution",
            value: resolution as f64,
            min: 2.0,
        });
    }
    check_at_least("extent", extent, f64::MIN_POSITIVE)?;
    let n = a0.len() + 2;
    let m = y.len();
    if n >= m {
        return Err(SasdError::KernelTooLong {
            kernel: n,
            signal: m,
            axis: 0,
        });
    }
    let basis: Vec<Vec<f64>> = (0..3)
        .map(|s| {
            let mut b = vec![0.0; n];
            b[s..s + a0.len()].copy_from_slice(a0);
            b
        })
        .collect();
    let axis: Vec<f64> = (0..resolution)
        .map(|i| -extent + 2.0 * extent * i as f64 / (resolution - 1) as f64)
        .collect();
    let point = |u: f64, v: f64| -> Option<Vec<f64>> {
        let p = barycentric(u, v);
        let mut a: Vec<f64> = (0..n).map(|i| (0..3).map(|k| p[k] * basis[k][i]).sum()).collect();
        let norm = a.iter().map(|t| t * t).sum::<f64>().sqrt();
        (norm > 1e-12).then(|| {
            a.iter_mut().for_each(|t| *t /= norm);
            a
        })
    };
    let rows: Vec<Result<(Vec<f64>, Vec<f64>)>> = axis
        .par_iter()
        .map(|&v| {
            let mut bl = BilinearLasso::new(y, n)?;
            let mut abl = Abl::new(y, n, lambda, AblEnergy::SoftThreshold)?;
            let mut plan = Plan1d::new(m)?;
            let mut x = vec![0.0; m];
            let mut row_bl = Vec::with_capacity(resolution);
            let mut row_abl = Vec::with_capacity(resolution);
            for &u in &axis {
                match point(u, v) {
                    Some(a) => {
                        row_bl.push(lasso_marginal(&mut bl, &mut plan, &a, lambda, &mut x));
                        row_abl.push(abl.cost(&a));
                    }
                    None => {
                        row_bl.push(f64::NAN);
                        row_abl.push(f64::NAN);
                    }
                }
            }
            Ok((row_bl, row_abl))
        })
        .collect();
    let mut bilinear_lasso = Vec::with_capacity(resolution * resolution);
    let mut approximate = Vec::with_capacity(resolution * resolution);
    for row in rows {
        let (b, a) = row?;
        bilinear_lasso.extend(b);
        approximate.extend(a);
    }
    Ok(Landscape {
        resolution,
        u: axis.clone(),
        v: axis,
        shifts: [corner(0), corner(1), corner(2)],
        bilinear_lasso,
        approximate,
    })
}

/// min_x ½‖y − a ⊛ x‖² + λ‖x‖₁ by FISTA with adaptive restart (O'Donoghue
/// and Candès: the momentum restarts when it points uphill) from the warm
/// start `x` (updated in place), to a relative step of 1e-6 or 500
/// iterations: a heat map needs three digits, not the last one.
fn lasso_marginal(bl: &mut BilinearLasso, plan: &mut Plan1d, a: &[f64], lambda: f64, x: &mut [f64]) -> f64 {
    let m = x.len();
    let mut spec = vec![Complex64::default(); plan.spectrum_len()];
    plan.forward(a, a.len(), &mut spec);
    let lip = spec
        .iter()
        .map(|c| c.norm_sqr())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    bl.fix_a(a);
    let mut z = x.to_vec();
    let mut g = vec![0.0; m];
    let mut t = 1.0_f64;
    for _ in 0..500 {
        bl.grad_x(&z, &mut g);
        let (mut change, mut size, mut uphill) = (0.0, 0.0, 0.0);
        for i in 0..m {
            let w = z[i] - g[i] / lip;
            let s = w.signum() * (w.abs() - lambda / lip).max(0.0);
            let d = s - x[i];
            change += d * d;
            size += s * s;
            uphill += (z[i] - s) * d;
            g[i] = d;
            x[i] = s;
        }
        if uphill > 0.0 {
            t = 1.0;
        }
        let t_next = 0.5 * (1.0 + (1.0 + 4.0 * t * t).sqrt());
        let beta = (t - 1.0) / t_next;
        for i in 0..m {
            z[i] = x[i] + beta * g[i];
        }
        t = t_next;
        if change.sqrt() <= 1e-6 * (1.0 + size.sqrt()) {
            break;
        }
    }
    bl.value_x(x) + lambda * x.iter().map(|t| t.abs()).sum::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_corners_are_the_shifts_and_edge_midpoints_their_superpositions() {
        for k in 0..3 {
            let (u, v) = corner(k);
            let p = barycentric(u, v);
            for (j, pj) in p.iter().enumerate() {
                assert!((pj - f64::from(u8::from(j == k))).abs() < 1e-12);
            }
        }
        let (a, b) = (corner(0), corner(1));
        let p = barycentric(0.5 * (a.0 + b.0), 0.5 * (a.1 + b.1));
        assert!((p[0] - 0.5).abs() < 1e-12 && (p[1] - 0.5).abs() < 1e-12 && p[2].abs() < 1e-12);
    }

    /// LQK+20 Fig. 5/9 (incoherent kernel): the minima of φ_BL and φ_ABL
    /// inside the circle through the shifts sit at the shifts of a₀, and the symmetric
    /// superposition of all three (the centre) is higher.
    #[test]
    fn minima_sit_at_the_shifts_of_an_incoherent_kernel() {
        use crate::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
        // The instance of Fig. 9: n₀ = 20, m = 2000, θ = n₀^(−3/4), λ = 0.5.
        let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(20)), Shape::d1(2000))
            .activation(ActivationLaw::BernoulliGaussian, 20f64.powf(-0.75))
            .generate_seeded(0)
            .unwrap();
        let g = 17;
        let land = landscape(&inst.observation, inst.kernel(), 0.5, g, 1.2).unwrap();
        let spacing = 2.4 / (g - 1) as f64;
        for values in [&land.bilinear_lasso, &land.approximate] {
            // Inside the circle through the shifts (the chart's far corners
            // mix in negative multiples of the shifts, another region).
            let inside = |i: usize| land.u[i % g].hypot(land.v[i / g]) <= 1.1;
            let best = (0..g * g)
                .filter(|&i| inside(i))
                .min_by(|&i, &j| values[i].total_cmp(&values[j]))
                .unwrap();
            let (u, v) = (land.u[best % g], land.v[best / g]);
            let near = land
                .shifts
                .iter()
                .map(|&(su, sv)| ((u - su).powi(2) + (v - sv).powi(2)).sqrt())
                .fold(f64::INFINITY, f64::min);
            assert!(
                near <= 1.5 * spacing,
                "minimum at ({u}, {v}), {near} from the nearest shift"
            );
            let centre = values[(g / 2) * g + g / 2];
            assert!(
                centre > values[best] + 1e-3 * values[best].abs(),
                "centre {centre} vs min {}",
                values[best]
            );
        }
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let y = vec![1.0; 100];
        assert!(landscape(&y, &[1.0, 0.5], 0.0, 5, 1.0).is_err());
        assert!(landscape(&y, &[0.0, 0.0], 0.5, 5, 1.0).is_err());
        assert!(landscape(&y, &[1.0; 99], 0.5, 5, 1.0).is_err());
        assert!(landscape(&y, &[1.0, 0.5], 0.5, 1, 1.0).is_err());
        assert!(landscape(&[f64::NAN; 10], &[1.0], 0.5, 5, 1.0).is_err());
    }
}
