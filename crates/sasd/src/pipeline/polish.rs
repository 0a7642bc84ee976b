//! The re-centring polish after a homotopy ([`HomotopySpec::recenter`]):
//! this pipeline's own safeguard against shift-truncation minima (LQK+20
//! §3), not a step of Algorithm 1.

use manifold::Oblique;
use optim::{Blocks, Composite, Regularizer, Solution, StopCriterion, StopReason, TwoBlockSmooth};

use super::lasso::solve_from;
use super::method::HomotopySpec;
use super::run::Layout;
use super::{RECENTRED, RunObserver};
use crate::conv::Boundary;
use crate::error::Result;
use crate::geometry::{at, max_energy_start, shift_scaled};
use crate::limits::Limits;
use crate::objective::BilinearLasso;
use crate::trace::Historian;

/// When a kernel of `res` touches the edge of its lifted grid, moves it to
/// the middle and resumes the inner solver at λ* (see
/// [`HomotopySpec::recenter`]); `res` itself otherwise, or when no
/// iteration is left.
pub(super) fn recentre_and_polish<P, G, O>(
    manifold: &Oblique,
    h: &HomotopySpec,
    layout: &Layout,
    res: Solution<Blocks>,
    problem: &mut Composite<BilinearLasso<P>, G>,
    limits: &Limits,
    historian: &mut Historian<'_, O>,
) -> Result<Solution<Blocks>>
where
    BilinearLasso<P>: TwoBlockSmooth,
    P: crate::conv::Plan,
    G: Regularizer,
    O: RunObserver,
{
    let left = limits.iterations.saturating_sub(res.iterations);
    if left == 0 {
        return Ok(res);
    }
    let Some((a1, x1)) = recentre(&res.iterate.a, &res.iterate.x, layout) else {
        return Ok(res);
    };
    let lambda_star = problem.lambda;
    let stop = limits.stop_after(left)
        | StopCriterion::StepNorm(h.step_tolerance)
        | StopCriterion::GradientNorm(h.delta * lambda_star);
    historian.after(res.iterations, problem.smooth.ffts());
    historian.tags = vec![("lambda", lambda_star), (RECENTRED, 1.0)];
    let polish = solve_from(
        manifold,
        Blocks { a: a1, x: x1 },
        h.inner.solver(manifold),
        problem,
        stop,
        historian,
    )?;
    Ok(Solution {
        iterations: res.iterations + polish.iterations,
        stop: match polish.stop {
            StopReason::GradientNorm | StopReason::StepNorm | StopReason::MaxIterations => res.stop,
            other => other,
        },
        ..polish
    })
}

/// The point moved by the re-centring: every kernel block whose
/// maximal-energy window touches the edge of the lifted grid (along an axis
/// longer than the kernel) is shifted, without wrap-around, so that the
/// window starts at n − 1 (the middle), and renormalised; its activation is
/// shifted back and scaled to keep the product (cyclically under the
/// circular model, zero-filled under the linear one). `None` when no block
/// touches the edge.
fn recentre(a: &[f64], x: &[f64], layout: &Layout) -> Option<(Vec<f64>, Vec<f64>)> {
    let (lgrid, kgrid, (r, c)) = (layout.lgrid, layout.kgrid, layout.xgrid);
    let ((lr, lc), (kr, kc)) = (lgrid, kgrid);
    let n = lr * lc;
    let m = r * c;
    let touches = |s: usize, l: usize, k: usize| l > k && (s == 0 || s == l - k);
    let (mut a1, mut x1) = (a.to_vec(), x.to_vec());
    let mut moved = false;
    for (k, block) in a.chunks_exact(n).enumerate() {
        let (sr, sc) = max_energy_start(block, lgrid, kgrid);
        if !(touches(sr, lr, kr) || touches(sc, lc, kc)) {
            continue;
        }
        // New index = old + (target − start) per axis.
        let (dr, dc) = ((kr - 1) as isize - sr as isize, (kc - 1) as isize - sc as isize);
        let out = &mut a1[k * n..(k + 1) * n];
        out.iter_mut().for_each(|t| *t = 0.0);
        for j in 0..lc {
            for i in 0..lr {
                let (ti, tj) = (i as isize + dr, j as isize + dc);
                if (0..lr as isize).contains(&ti) && (0..lc as isize).contains(&tj) {
                    out[at(lr, ti as usize, tj as usize)] = block[at(lr, i, j)];
                }
            }
        }
        let norm = out.iter().map(|t| t * t).sum::<f64>().sqrt();
        if !(norm > 0.0 && norm.is_finite()) {
            return None;
        }
        out.iter_mut().for_each(|t| *t /= norm);
        // x₁ = norm · s_{−d}[x], i.e. x₁[t] = norm · x[t + d].
        let xk = &x[k * m..(k + 1) * m];
        let moved_x = match layout.boundary {
            // shift_scaled moves forward by (−d mod m).
            Boundary::Circular => {
                let back = (
                    dr.rem_euclid(r as isize) as usize,
                    dc.rem_euclid(c as isize) as usize,
                );
                shift_scaled(xk, (r, c), ((r - back.0) % r, (c - back.1) % c), norm)
            }
            Boundary::Linear => {
                let mut out = vec![0.0; m];
                for j in 0..c {
                    for i in 0..r {
                        let (si, sj) = (i as isize + dr, j as isize + dc);
                        if (0..r as isize).contains(&si) && (0..c as isize).contains(&sj) {
                            out[at(r, i, j)] = norm * xk[at(r, si as usize, sj as usize)];
                        }
                    }
                }
                out
            }
        };
        x1[k * m..(k + 1) * m].copy_from_slice(&moved_x);
        moved = true;
    }
    moved.then_some((a1, x1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cyclic convolution of a (zero-padded) with x, length m.
    fn conv(a: &[f64], x: &[f64]) -> Vec<f64> {
        let m = x.len();
        (0..m)
            .map(|i| a.iter().enumerate().map(|(j, aj)| aj * x[(i + m - j) % m]).sum())
            .collect()
    }

    #[test]
    fn recentring_moves_an_edge_kernel_to_the_middle_and_keeps_the_product() {
        // n₀ = 4, lifted n = 10; the kernel sits at the right edge (start 6).
        let mut a = vec![0.0; 10];
        a[6..].copy_from_slice(&[0.5, -0.5, 0.5, 0.5]);
        let x: Vec<f64> = (0..30)
            .map(|i| if i % 7 == 2 { 1.0 + i as f64 } else { 0.0 })
            .collect();
        let layout = |boundary, xgrid| Layout {
            signal: crate::geometry::Shape::d1(30),
            kernel: crate::geometry::Shape::d1(4),
            grid: (30, 1),
            kgrid: (4, 1),
            lgrid: (10, 1),
            xgrid,
            boundary,
            count: 1,
        };
        let circular = layout(Boundary::Circular, (30, 1));
        let (a1, x1) = recentre(&a, &x, &circular).expect("touches the edge");
        assert_eq!(a1[3..7], [0.5, -0.5, 0.5, 0.5]);
        assert!(a1[..3].iter().chain(&a1[7..]).all(|t| *t == 0.0));
        let (before, after) = (conv(&a, &x), conv(&a1, &x1));
        assert!(before.iter().zip(&after).all(|(u, v)| (u - v).abs() < 1e-12));
        // A kernel in the middle is left alone.
        assert!(recentre(&a1, &x1, &circular).is_none());
        // Linear model: x has m + n − 1 = 39 entries; the valid window of the
        // product (entries n − 1 .. n − 1 + m of the full convolution) is kept.
        let x: Vec<f64> = (0..39)
            .map(|i| {
                if i % 7 == 2 && (8..30).contains(&i) {
                    1.0 + i as f64
                } else {
                    0.0
                }
            })
            .collect();
        let linear = layout(Boundary::Linear, (39, 1));
        let (a1, x1) = recentre(&a, &x, &linear).expect("touches the edge");
        let valid = |a: &[f64], x: &[f64]| -> Vec<f64> {
            (9..39)
                .map(|t| (0..10).filter(|&j| t >= j).map(|j| a[j] * x[t - j]).sum())
                .collect()
        };
        let (before, after) = (valid(&a, &x), valid(&a1, &x1));
        assert!(before.iter().zip(&after).all(|(u, v)| (u - v).abs() < 1e-12));
    }
}
