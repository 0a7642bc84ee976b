//! Least squares on a fixed support: min ½‖c ⊛ x_S + b·1 − y‖² over the
//! kernel c (with the gauge ‖c‖ = 1), the amplitudes x_S and the bias b, by
//! Levenberg–Marquardt on the Gauss–Newton normal equations, solved as an
//! [`Arrow`] system.
//!
//! The normal matrix JᵀJ of r = c ⊛ x_S + b − y has the blocks
//! * atoms i, l: ⟨s_{pᵢ}c, s_{pₗ}c⟩ = R_c(pₗ − pᵢ), the kernel's
//!   autocorrelation, zero unless |pₗ − pᵢ| < L (banded in position order);
//! * kernel taps j, j′: R_x(j − j′), the autocorrelation of the atoms;
//! * tap j, atom i: Σₗ xₗ c[pₗ − pᵢ + j] over the atoms within L of pᵢ;
//! * bias: m, Σx against the taps, Σc against the atoms.
//!
//! The scale (c, x) → (νc, x/ν) is a null direction; the term ρccᵀ (ρ the
//! trace of the kernel block) removes it, and after each step c is
//! normalised and x scaled by the same factor, which leaves c ⊛ x unchanged.

use super::arrow::{Arrow, Slot};
use super::fit::Fit;

/// Steps of Levenberg–Marquardt at most per refit, and damping retries per
/// step.
const MAX_STEPS: usize = 60;
const MAX_RETRIES: usize = 30;

/// Refits kernel, amplitudes and bias on the fit's support; ½‖r‖² never
/// rises. Stops when a step lowers ½‖r‖² by a relative 1e-12 or less, when
/// no damping gives descent, or after [`MAX_STEPS`]. Returns the steps
/// taken.
pub(crate) fn refit(fit: &mut Fit) -> usize {
    let mut damping = 1e-4;
    let mut loss = fit.loss();
    for step in 0..MAX_STEPS {
        if fit.positions.is_empty() {
            return step;
        }
        let system = NormalEquations::assemble(fit);
        let diagonal = system.arrow.diagonal();
        let mut accepted = false;
        for _ in 0..MAX_RETRIES {
            let mut damped = system.arrow.clone();
            // Marquardt's scaling, relative per unknown (every diagonal entry
            // is positive: ‖c‖², Σx² or the sample count), so a refit of
            // y × 2^k is that of y bit for bit, scaled.
            let shift: Vec<f64> = diagonal
                .iter()
                .map(|d| (damping + 1e-14) * d.max(f64::MIN_POSITIVE))
                .collect();
            damped.shift_diagonal(&shift);
            let Some((du, dv)) = damped.solve(&system.rhs_band, &system.rhs_tail) else {
                damping *= 10.0;
                continue;
            };
            let trial = system.apply(fit, &du, &dv);
            let trial_loss = trial.loss();
            if trial_loss < loss {
                let relative = (loss - trial_loss) / loss.max(f64::MIN_POSITIVE);
                *fit = trial;
                loss = trial_loss;
                damping = (damping / 3.0).max(1e-10);
                accepted = true;
                if relative <= 1e-12 {
                    return step + 1;
                }
                break;
            }
            damping *= 10.0;
        }
        if !accepted {
            return step;
        }
    }
    MAX_STEPS
}

/// JᵀJ + ρccᵀ and −Jᵀr in arrow form, with where each unknown lives.
struct NormalEquations {
    arrow: Arrow,
    rhs_band: Vec<f64>,
    rhs_tail: Vec<f64>,
    /// Per atom (in the fit's order), its slot.
    atom_slots: Vec<Slot>,
    /// Tail index of the bias, when fitted; the kernel taps are tail 0..L.
    bias_slot: Option<usize>,
}

impl NormalEquations {
    fn assemble(fit: &Fit) -> Self {
        let (m, len) = (fit.m(), fit.kernel.len());
        let (p, x, c) = (&fit.positions, &fit.amplitudes, &fit.kernel);
        let k = p.len();
        // Order the atoms from just after the largest cyclic gap: the band
        // then runs in position order, and only atoms near its start can
        // couple across the wrap with atoms near its end.
        let gap = |i: usize| {
            if k == 1 {
                m
            } else {
                (p[(i + 1) % k] + m - p[i]) % m
            }
        };
        let first = (0..k).max_by_key(|&i| gap(i)).map_or(0, |i| (i + 1) % k);
        let order: Vec<usize> = (0..k).map(|i| (first + i) % k).collect();
        let linear = |i: usize| (p[i] + m - p[first]) % m;
        let span = linear(order[k - 1]);
        let wraps = |i: usize| linear(i) < len && m - span + linear(i) < len;
        let bias_slot = fit.fit_bias.then_some(len);
        let tail_base = len + usize::from(fit.fit_bias);
        let mut atom_slots = vec![Slot::Band(0); k];
        let (mut band, mut tail) = (0, tail_base);
        let mut band_linear = Vec::with_capacity(k);
        for &i in &order {
            if wraps(i) && k > 1 {
                atom_slots[i] = Slot::Tail(tail);
                tail += 1;
            } else {
                atom_slots[i] = Slot::Band(band);
                band_linear.push(linear(i));
                band += 1;
            }
        }
        let mut width = 0;
        let mut j0 = 0;
        for (s, &q) in band_linear.iter().enumerate() {
            while band_linear[j0] + len <= q {
                j0 += 1;
            }
            width = width.max(s - j0);
        }
        let mut arrow = Arrow::zeros(band, width, tail);
        let auto_c: Vec<f64> = (0..len)
            .map(|d| (0..len - d).map(|u| c[u] * c[u + d]).sum())
            .collect();
        let mut auto_x = vec![0.0; len];
        let tap = Slot::Tail;
        for i in 0..k {
            // Pairs (i, l) with l at cyclic distance d ∈ [0, L) after i.
            for step in 0..k {
                let l = (i + step) % k;
                let d = (p[l] + m - p[i]) % m;
                if step > 0 && (l == i || d >= len) {
                    break;
                }
                arrow.add(atom_slots[i], atom_slots[l], auto_c[d]);
                auto_x[d] += x[i] * x[l];
                // Tap j against atom i: x_l c[d + j]; against atom l: x_i c[j − d].
                for j in 0..len - d {
                    arrow.add(tap(j), atom_slots[i], x[l] * c[d + j]);
                }
                if step > 0 {
                    for j in d..len {
                        arrow.add(tap(j), atom_slots[l], x[i] * c[j - d]);
                    }
                }
            }
        }
        let rho = len as f64 * auto_x[0];
        for j in 0..len {
            for jj in 0..=j {
                arrow.add(tap(j), tap(jj), auto_x[j - jj] + rho * c[j] * c[jj]);
            }
        }
        if let Some(b) = bias_slot {
            let (sx, sc): (f64, f64) = (x.iter().sum(), c.iter().sum());
            arrow.add(tap(b), tap(b), fit.observed() as f64);
            (0..len).for_each(|j| arrow.add(tap(j), tap(b), sx));
            atom_slots.iter().for_each(|&s| arrow.add(s, tap(b), sc));
        }
        // Right-hand side −Jᵀr.
        let r = &fit.residual;
        let mut rhs_band = vec![0.0; band];
        let mut rhs_tail = vec![0.0; tail];
        for (j, t) in rhs_tail.iter_mut().enumerate().take(len) {
            *t = -p.iter().zip(x).map(|(&q, &v)| v * r[(q + j) % m]).sum::<f64>();
        }
        if let Some(b) = bias_slot {
            rhs_tail[b] = -r.iter().sum::<f64>();
        }
        for (i, slot) in atom_slots.iter().enumerate() {
            let g = -fit.correlation(p[i]);
            match *slot {
                Slot::Band(s) => rhs_band[s] = g,
                Slot::Tail(s) => rhs_tail[s] = g,
            }
        }
        Self {
            arrow,
            rhs_band,
            rhs_tail,
            atom_slots,
            bias_slot,
        }
    }

    /// The fit after the step (du, dv), kernel renormalised.
    fn apply<'a>(&self, fit: &Fit<'a>, du: &[f64], dv: &[f64]) -> Fit<'a> {
        let mut next = fit.clone();
        for (j, c) in next.kernel.iter_mut().enumerate() {
            *c += dv[j];
        }
        let norm = next.kernel.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            next.kernel.iter_mut().for_each(|c| *c /= norm);
        }
        for (a, slot) in next.amplitudes.iter_mut().zip(&self.atom_slots) {
            let delta = match *slot {
                Slot::Band(s) => du[s],
                Slot::Tail(s) => dv[s],
            };
            *a = (*a + delta) * norm;
        }
        if let Some(b) = self.bias_slot {
            next.bias += dv[b];
        }
        if next.nonnegative {
            // Projected step: atoms pushed below zero leave the support (the
            // trial is still accepted only if ½‖r‖² drops).
            let pairs = next
                .positions
                .iter()
                .copied()
                .zip(next.amplitudes.iter().map(|a| a.max(0.0)))
                .collect();
            next.set_pairs(pairs);
        }
        next.refresh();
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refine::fit::cyclic_model;

    /// Atoms at both ends (coupled across the wrap) and a close pair.
    const SPARSE: [(usize, f64); 5] = [(1, 1.0), (30, -0.7), (33, 1.1), (50, 0.9), (76, -1.0)];

    /// Atoms every 7th sample: no gap as long as the kernel (9), so some
    /// couple across the wrap and go to the dense tail.
    fn every_seventh() -> Vec<(usize, f64)> {
        (0..12)
            .map(|i| (7 * i, if i % 2 == 0 { 1.0 } else { -0.6 }))
            .collect()
    }

    /// y = c ⊛ x + b on m = 80 for the atoms `atoms`.
    fn instance(bias: f64, atoms: &[(usize, f64)]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let m = 80;
        let mut kernel: Vec<f64> = (0..9)
            .map(|j| (-((j as f64 - 3.0) / 2.5).powi(2)).exp())
            .collect();
        let norm = kernel.iter().map(|v| v * v).sum::<f64>().sqrt();
        kernel.iter_mut().for_each(|c| *c /= norm);
        let mut x = vec![0.0; m];
        for &(p, v) in atoms {
            x[p] = v;
        }
        (cyclic_model(&kernel, &x, bias), kernel, x)
    }

    #[test]
    fn refit_on_the_true_support_recovers_kernel_amplitudes_and_bias() {
        let dense = every_seventh();
        for (bias, atoms) in [
            (None, &SPARSE[..]),
            (Some(0.4), &SPARSE[..]),
            (Some(0.4), &dense[..]),
        ] {
            let (y, kernel, x) = instance(bias.unwrap_or(0.0), atoms);
            let mut start = kernel.clone();
            start
                .iter_mut()
                .enumerate()
                .for_each(|(j, c)| *c += 0.05 * ((j * 7 % 5) as f64 - 2.0));
            let norm = start.iter().map(|v| v * v).sum::<f64>().sqrt();
            start.iter_mut().for_each(|c| *c /= norm);
            let wrong: Vec<f64> = x.iter().map(|v| 0.8 * v).collect();
            let mut fit = Fit::new(&y, start, &wrong, bias.map(|_| 0.0), false);
            let steps = refit(&mut fit);
            assert!(
                steps > 0 && fit.loss() < 1e-24,
                "loss {} after {steps}",
                fit.loss()
            );
            let err = crate::refine::max_diff(&fit.kernel, &kernel);
            assert!(err < 1e-10, "kernel error {err}");
            let xerr = crate::refine::max_diff(&fit.dense(), &x);
            assert!(xerr < 1e-10, "amplitude error {xerr}");
            assert!((fit.bias - bias.unwrap_or(0.0)).abs() < 1e-10);
            assert!((fit.kernel_norm_sq() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn the_normal_matrix_is_jtj_plus_the_gauge() {
        for atoms in [SPARSE.to_vec(), every_seventh()] {
            normal_matrix_check(&atoms);
        }
    }

    fn normal_matrix_check(atoms: &[(usize, f64)]) {
        // Column by column: J e_u from the residual's change.
        let (y, kernel, x) = instance(0.4, atoms);
        let mut xs = x.clone();
        xs[31] = 0.3;
        xs[78] = 0.2;
        let fit = Fit::new(&y, kernel, &xs, Some(0.2), false);
        let eq = NormalEquations::assemble(&fit);
        let wraps = eq
            .atom_slots
            .iter()
            .filter(|s| matches!(s, Slot::Tail(_)))
            .count();
        assert_eq!(
            wraps > 0,
            atoms.len() == 12,
            "wrap atoms only in the dense instance"
        );
        let (band, dim) = (eq.rhs_band.len(), eq.arrow.dim());
        let zero = vec![0.0; dim];
        let column = |u: usize| {
            let mut e = zero.clone();
            e[u] = 1.0;
            // Undo the normalisation: compare r(θ + e) − r(θ) of the raw step.
            let mut moved = fit.clone();
            for (j, c) in moved.kernel.iter_mut().enumerate() {
                *c += e[band + j];
            }
            for (a, s) in moved.amplitudes.iter_mut().zip(&eq.atom_slots) {
                *a += match *s {
                    Slot::Band(i) => e[i],
                    Slot::Tail(i) => e[band + i],
                };
            }
            if let Some(b) = eq.bias_slot {
                moved.bias += e[band + b];
            }
            moved.refresh();
            // r is bilinear: r(θ + e) − r(θ) = J e exactly for one unknown.
            moved
                .residual
                .iter()
                .zip(&fit.residual)
                .map(|(a, b)| a - b)
                .collect::<Vec<f64>>()
        };
        let cols: Vec<Vec<f64>> = (0..dim).map(column).collect();
        let len = fit.kernel.len();
        let rho = len as f64 * fit.amplitudes.iter().map(|v| v * v).sum::<f64>();
        let gauge = |u: usize| {
            if u >= band && u - band < len {
                fit.kernel[u - band]
            } else {
                0.0
            }
        };
        // Solve with the arrow, multiply back with the dense JᵀJ + ρccᵀ.
        let rhs: Vec<f64> = (0..dim).map(|u| (u as f64 * 0.37).sin()).collect();
        let (du, dv) = eq.arrow.solve(&rhs[..band], &rhs[band..]).expect("SPD");
        let sol: Vec<f64> = du.into_iter().chain(dv).collect();
        for u in 0..dim {
            let back: f64 = (0..dim)
                .map(|v| {
                    let jtj: f64 = cols[u].iter().zip(&cols[v]).map(|(a, b)| a * b).sum();
                    (jtj + rho * gauge(u) * gauge(v)) * sol[v]
                })
                .sum();
            assert!((back - rhs[u]).abs() < 1e-9, "row {u}: {back} vs {}", rhs[u]);
        }
    }
}
