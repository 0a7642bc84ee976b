//! A kernel, a sparse activation (its atoms) and a bias fitted to y, with
//! the residual kept current, and the moves of the support search on it.
//!
//! Model (cyclic, LQK+20 eq. 2.1 with the bias of App. B.3):
//! r = c ⊛ x + b·1 − y with x = Σᵢ xᵢ e_{pᵢ}, i.e. r[(pᵢ + j) mod m] += c_j xᵢ.
//! Every move is evaluated in O(L) per atom from the residual (L the kernel
//! length), never by a full re-convolution.
//!
//! The linear model (a window of a ∗ x, the pipeline's
//! [`Boundary::Linear`](crate::conv::Boundary::Linear)) is the cyclic one on
//! m + L − 1 samples whose first L − 1 are not observed: their residual is
//! held at 0, so every sum over the residual (the loss, the correlations
//! and the refit's right-hand side) covers the window only. The offset is
//! a bias, or a slowly varying baseline (a few DCT terms, as in the
//! pipeline) refitted exactly after every refit of kernel and amplitudes.

use crate::objective::Baseline;

/// The fit. Atoms are kept sorted by position, positions distinct.
#[derive(Debug, Clone)]
pub(crate) struct Fit<'a> {
    pub(crate) y: &'a [f64],
    /// The kernel c (length L; unit norm after every refit).
    pub(crate) kernel: Vec<f64>,
    /// Atom positions, increasing.
    pub(crate) positions: Vec<usize>,
    /// Atom amplitudes.
    pub(crate) amplitudes: Vec<f64>,
    /// The bias b (0 and never changed when not fitted).
    pub(crate) bias: f64,
    /// Whether b is an unknown.
    pub(crate) fit_bias: bool,
    /// Whether amplitudes are constrained to x ≥ 0 (LQK+20 B.11).
    pub(crate) nonnegative: bool,
    /// The first `hidden` samples are not observed (L − 1 under the linear
    /// model, 0 under the cyclic one): their residual stays 0.
    pub(crate) hidden: usize,
    /// The baseline on the observed samples, when one is fitted (then the
    /// bias is not: the baseline's constant term is the bias).
    pub(crate) baseline: Option<Baseline>,
    /// r = c ⊛ x + b (or + the baseline) − y on the observed samples.
    pub(crate) residual: Vec<f64>,
}

impl<'a> Fit<'a> {
    /// The fit of `kernel`, the atoms of the dense activation `x` (its
    /// nonzero entries) and `bias`.
    pub(crate) fn new(
        y: &'a [f64],
        kernel: Vec<f64>,
        x: &[f64],
        bias: Option<f64>,
        nonnegative: bool,
    ) -> Self {
        let positions: Vec<usize> = (0..x.len()).filter(|&p| x[p] != 0.0).collect();
        let amplitudes = positions.iter().map(|&p| x[p]).collect();
        let mut fit = Self {
            y,
            kernel,
            positions,
            amplitudes,
            bias: bias.unwrap_or(0.0),
            fit_bias: bias.is_some(),
            nonnegative,
            hidden: 0,
            baseline: None,
            residual: Vec::new(),
        };
        fit.refresh();
        fit
    }

    /// The fit of the linear model: `y` holds `hidden` unobserved samples
    /// (any values) before the window, and `baseline`, when given, replaces
    /// the bias as the offset (fitted to the window before the first move).
    pub(crate) fn windowed(mut self, hidden: usize, baseline: Option<Baseline>) -> Self {
        self.hidden = hidden;
        if baseline.is_some() {
            self.fit_bias = false;
            self.bias = 0.0;
        }
        self.baseline = baseline;
        self.refresh();
        self.fit_baseline();
        self
    }

    /// Refits the baseline (when there is one) to y − c ⊛ x on the window:
    /// its exact least-squares fit, so ½‖r‖² never rises.
    pub(crate) fn fit_baseline(&mut self) {
        let hidden = self.hidden;
        let Some(baseline) = self.baseline.as_mut() else {
            return;
        };
        // y − c ⊛ x = offset − r on the window.
        let old = baseline.values().to_vec();
        baseline.fit(old.iter().zip(&self.residual[hidden..]).map(|(b, r)| b - r));
        for ((r, o), n) in self.residual[hidden..]
            .iter_mut()
            .zip(&old)
            .zip(baseline.values())
        {
            *r += n - o;
        }
    }

    /// The offset at sample t of the window.
    fn offset(&self, t: usize) -> f64 {
        self.baseline.as_ref().map_or(self.bias, |b| b.values()[t])
    }

    /// Observed samples: m − hidden.
    pub(crate) fn observed(&self) -> usize {
        self.m() - self.hidden
    }

    /// Signal length m.
    pub(crate) fn m(&self) -> usize {
        self.y.len()
    }

    /// Recomputes the residual from scratch (O(kL + m)).
    pub(crate) fn refresh(&mut self) {
        let hidden = self.hidden;
        self.residual = (0..self.m())
            .map(|t| {
                if t < hidden {
                    0.0
                } else {
                    self.offset(t - hidden) - self.y[t]
                }
            })
            .collect();
        for i in 0..self.positions.len() {
            let (p, v) = (self.positions[i], self.amplitudes[i]);
            self.place(p, v);
        }
    }

    /// ½‖r‖².
    pub(crate) fn loss(&self) -> f64 {
        0.5 * self.residual.iter().map(|v| v * v).sum::<f64>()
    }

    /// ‖c‖².
    pub(crate) fn kernel_norm_sq(&self) -> f64 {
        self.kernel.iter().map(|v| v * v).sum()
    }

    /// ⟨c, r[q..q+L]⟩ = ∂(½‖r‖²)/∂x_q.
    pub(crate) fn correlation(&self, q: usize) -> f64 {
        let m = self.m();
        self.kernel
            .iter()
            .enumerate()
            .map(|(j, c)| c * self.residual[(q + j) % m])
            .sum()
    }

    /// The part of a correlation ⟨c, r⟩ an atom can use: all of it, or with
    /// x ≥ 0 only a negative one (the best amplitude −⟨c, r⟩/‖c‖² must be
    /// positive; otherwise no atom there lowers ½‖r‖²).
    fn usable(&self, correlation: f64) -> f64 {
        if self.nonnegative {
            correlation.min(0.0)
        } else {
            correlation
        }
    }

    /// r += c·v placed at q (on the observed samples).
    fn place(&mut self, q: usize, v: f64) {
        let m = self.m();
        for (j, c) in self.kernel.iter().enumerate() {
            let t = (q + j) % m;
            if t >= self.hidden {
                self.residual[t] += c * v;
            }
        }
    }

    /// The atoms as a dense activation of length m.
    pub(crate) fn dense(&self) -> Vec<f64> {
        let mut x = vec![0.0; self.m()];
        for (&p, &v) in self.positions.iter().zip(&self.amplitudes) {
            x[p] = v;
        }
        x
    }

    /// Replaces the atoms by the nonzero entries of a dense activation.
    fn set_dense(&mut self, x: &[f64]) {
        self.positions = (0..x.len()).filter(|&p| x[p] != 0.0).collect();
        self.amplitudes = self.positions.iter().map(|&p| x[p]).collect();
    }

    /// Replaces the atoms by (position, amplitude) pairs in any order
    /// (amplitudes at equal positions are summed; zero ones are no atoms).
    pub(crate) fn set_pairs(&mut self, mut pairs: Vec<(usize, f64)>) {
        pairs.sort_by_key(|p| p.0);
        pairs.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 += later.1;
            }
            same
        });
        pairs.retain(|p| p.1 != 0.0);
        self.positions = pairs.iter().map(|p| p.0).collect();
        self.amplitudes = pairs.iter().map(|p| p.1).collect();
    }

    /// Coordinate descent on the Lasso in x, ½‖r‖² + λ‖x‖₁ with the kernel
    /// and bias fixed (and x ≥ 0 when constrained), from the current atoms: a full sweep over all m
    /// positions every fifth sweep, the active set in between; stops after
    /// a full sweep that changes no entry by more than 1e-9, or after
    /// `sweeps`. Returns the sweeps done.
    pub(crate) fn lasso(&mut self, lambda: f64, sweeps: usize) -> usize {
        let cc = self.kernel_norm_sq();
        let mut x = self.dense();
        let mut done = 0;
        for s in 0..sweeps {
            done = s + 1;
            let full = s % 5 == 0;
            let mut largest = 0.0_f64;
            for (q, xq) in x.iter_mut().enumerate() {
                let old = *xq;
                if !full && old == 0.0 {
                    continue;
                }
                let u = old * cc - self.correlation(q);
                let v = if u > lambda {
                    (u - lambda) / cc
                } else if u < -lambda && !self.nonnegative {
                    (u + lambda) / cc
                } else {
                    0.0
                };
                if v != old {
                    largest = largest.max((v - old).abs());
                    self.place(q, v - old);
                    *xq = v;
                }
            }
            if full && largest <= 1e-9 * x.iter().fold(0.0_f64, |a, v| a.max(v.abs())) {
                break;
            }
        }
        self.set_dense(&x);
        done
    }

    /// Merges every run of same-sign atoms with gaps of at most `gap` into
    /// one atom at their amplitude-weighted centroid carrying their summed
    /// amplitude: the Lasso spreads one spike of a smooth kernel over a few
    /// neighbouring samples (docs/studies/coherent-gaussian.md).
    pub(crate) fn merge(&mut self, gap: usize) {
        let m = self.m();
        let (p, a) = (&self.positions, &self.amplitudes);
        let mut pairs = Vec::with_capacity(p.len());
        let mut i = 0;
        while i < p.len() {
            let mut j = i;
            while j + 1 < p.len() && p[j + 1] - p[j] <= gap && a[j + 1].signum() == a[i].signum() {
                j += 1;
            }
            let weight: f64 = a[i..=j].iter().map(|v| v.abs()).sum();
            let centroid = (i..=j).map(|l| a[l].abs() * p[l] as f64).sum::<f64>() / weight;
            pairs.push((centroid.round() as usize % m, a[i..=j].iter().sum()));
            i = j + 1;
        }
        self.set_pairs(pairs);
        self.refresh();
    }

    /// Removes, smallest first, every atom whose removal raises ½‖r‖² by
    /// less than κ (the ℓ⁰ energy ½‖r‖² + κ·#atoms drops). Returns the count.
    pub(crate) fn prune(&mut self, kappa: f64) -> usize {
        let cc = self.kernel_norm_sq();
        let mut order: Vec<usize> = (0..self.positions.len()).collect();
        order.sort_by(|&i, &j| self.amplitudes[i].abs().total_cmp(&self.amplitudes[j].abs()));
        let mut keep = vec![true; order.len()];
        for i in order {
            let (p, v) = (self.positions[i], self.amplitudes[i]);
            // ½‖r − c v‖² − ½‖r‖² = ½v²‖c‖² − v⟨c, r⟩
            let raise = 0.5 * v * v * cc - v * self.correlation(p);
            if raise < kappa {
                self.place(p, -v);
                keep[i] = false;
            }
        }
        let removed = keep.iter().filter(|k| !**k).count();
        let mut k = keep.iter();
        self.positions.retain(|_| *k.next().unwrap_or(&true));
        let mut k = keep.iter();
        self.amplitudes.retain(|_| *k.next().unwrap_or(&true));
        removed
    }

    /// Moves each atom in turn to the free position within ±`window` and the
    /// amplitude that minimise ½‖r‖² with everything else fixed (the current
    /// position, refitted, is a candidate, so ½‖r‖² never rises); up to
    /// three passes. Returns the number of moves to a new position.
    pub(crate) fn relocate(&mut self, window: usize) -> usize {
        let m = self.m();
        let cc = self.kernel_norm_sq();
        let mut taken = vec![false; m];
        self.positions.iter().for_each(|&p| taken[p] = true);
        let mut moved = 0;
        for _ in 0..3 {
            let mut pass = 0;
            for i in 0..self.positions.len() {
                let p = self.positions[i];
                self.place(p, -self.amplitudes[i]);
                taken[p] = false;
                // The gain of an atom at q with its best amplitude is ⟨c, r⟩²/‖c‖².
                // With x ≥ 0 only negative correlations count; an atom left
                // with none gets amplitude 0 and is dropped.
                let (mut best_q, mut best_c) = (p, self.usable(self.correlation(p)));
                for q in (0..=2 * window).map(|o| (p + m + o - window) % m) {
                    if taken[q] || q == p {
                        continue;
                    }
                    let c = self.usable(self.correlation(q));
                    if c.abs() > best_c.abs() * (1.0 + 1e-12) {
                        (best_q, best_c) = (q, c);
                    }
                }
                let v = -best_c / cc;
                self.place(best_q, v);
                taken[best_q] = true;
                pass += usize::from(best_q != p);
                self.positions[i] = best_q;
                self.amplitudes[i] = v;
            }
            moved += pass;
            if pass == 0 {
                break;
            }
        }
        let pairs = self
            .positions
            .iter()
            .copied()
            .zip(self.amplitudes.iter().copied())
            .collect();
        self.set_pairs(pairs);
        moved
    }

    /// Adds atoms, at most `cap`, at the free local maxima of |⟨c, r⟩|,
    /// largest first, each only while its gain ⟨c, r⟩²/(2‖c‖²) (with the
    /// residual updated after every addition) exceeds κ. Returns the count.
    pub(crate) fn add(&mut self, kappa: f64, cap: usize) -> usize {
        let m = self.m();
        let cc = self.kernel_norm_sq();
        let mut taken = vec![false; m];
        self.positions.iter().for_each(|&p| taken[p] = true);
        let corr: Vec<f64> = (0..m).map(|q| self.usable(self.correlation(q)).abs()).collect();
        let threshold = (2.0 * kappa * cc).sqrt();
        let mut candidates: Vec<usize> = (0..m)
            .filter(|&q| {
                !taken[q]
                    && corr[q] > threshold
                    && corr[q] >= corr[(q + m - 1) % m]
                    && corr[q] >= corr[(q + 1) % m]
            })
            .collect();
        candidates.sort_by(|&a, &b| corr[b].total_cmp(&corr[a]));
        let mut added = Vec::new();
        for q in candidates {
            if added.len() == cap {
                break;
            }
            let c = self.usable(self.correlation(q));
            if c * c / (2.0 * cc) > kappa {
                self.place(q, -c / cc);
                added.push((q, -c / cc));
            }
        }
        let count = added.len();
        let mut pairs: Vec<(usize, f64)> = self
            .positions
            .iter()
            .copied()
            .zip(self.amplitudes.iter().copied())
            .collect();
        pairs.extend(added);
        self.set_pairs(pairs);
        count
    }
}

/// c ⊛ x + b·1 (cyclic) by direct sums: the model the tests build their
/// observations from, independent of [`Fit`].
#[cfg(test)]
pub(crate) fn cyclic_model(kernel: &[f64], x: &[f64], bias: f64) -> Vec<f64> {
    let m = x.len();
    let mut y = vec![bias; m];
    for (p, &v) in x.iter().enumerate() {
        for (j, c) in kernel.iter().enumerate() {
            y[(p + j) % m] += c * v;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = c ⊛ x + b for a short kernel and a few atoms (one across the wrap).
    fn instance() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let m = 60;
        let kernel = vec![0.5, 0.7, 0.5, 0.1];
        let mut x = vec![0.0; m];
        x[3] = 1.0;
        x[20] = -0.8;
        x[22] = 0.6;
        x[58] = 1.2;
        (cyclic_model(&kernel, &x, 0.3), kernel, x)
    }

    #[test]
    fn the_truth_has_zero_residual_and_moves_keep_it() {
        let (y, kernel, x) = instance();
        let mut fit = Fit::new(&y, kernel, &x, Some(0.3), false);
        assert!(fit.loss() < 1e-28);
        assert_eq!(fit.prune(1e-3), 0);
        assert_eq!(fit.relocate(2), 0);
        assert_eq!(fit.add(1e-6, 10), 0);
        assert!(fit.loss() < 1e-28);
        let err = crate::refine::max_diff(&fit.dense(), &x);
        assert!(err < 1e-12, "amplitudes moved by {err}");
    }

    #[test]
    fn moves_lower_the_l0_energy() {
        let (y, kernel, x) = instance();
        // A wrong support: one atom off by one, one missing, one spurious.
        let mut wrong = x.clone();
        wrong[3] = 0.0;
        wrong[4] = 1.0;
        wrong[22] = 0.0;
        wrong[40] = 0.01;
        let kappa = 1e-3;
        let energy = |f: &Fit| f.loss() + kappa * f.positions.len() as f64;
        let mut fit = Fit::new(&y, kernel, &wrong, Some(0.3), false);
        let mut last = energy(&fit);
        assert_eq!(fit.prune(kappa), 1, "the spurious atom goes");
        assert!(energy(&fit) < last);
        last = energy(&fit);
        assert!(fit.relocate(2) >= 1);
        assert!(energy(&fit) <= last);
        last = energy(&fit);
        assert!(fit.add(kappa, 5) >= 1);
        assert!(energy(&fit) < last);
        let mut check = fit.clone();
        check.refresh();
        assert!((check.loss() - fit.loss()).abs() < 1e-12, "residual kept current");
    }

    #[test]
    fn with_x_nonnegative_no_move_makes_a_negative_atom() {
        let (y, kernel, x) = instance();
        // x holds one negative atom (−0.8 at 20): it can only be missed.
        let mut positive = x.clone();
        positive[20] = 0.3;
        let mut fit = Fit::new(&y, kernel, &positive, Some(0.3), true);
        fit.relocate(2);
        fit.add(1e-6, 10);
        fit.lasso(1e-3, 20);
        assert!(fit.amplitudes.iter().all(|&v| v > 0.0), "{:?}", fit.amplitudes);
        assert!(
            !fit.positions.contains(&20),
            "the atom that wanted to turn negative left"
        );
        let mut check = fit.clone();
        check.refresh();
        assert!((check.loss() - fit.loss()).abs() < 1e-12, "residual kept current");
        crate::refine::refit::refit(&mut fit);
        assert!(fit.amplitudes.iter().all(|&v| v > 0.0));
    }

    #[test]
    fn lasso_and_merge_turn_a_spread_spike_into_one_atom() {
        let (y, kernel, x) = instance();
        let mut fit = Fit::new(&y, kernel, &vec![0.0; x.len()], Some(0.3), false);
        fit.lasso(1e-3, 200);
        fit.merge(2);
        let mut p = fit.positions.clone();
        p.sort_unstable();
        assert!(p.contains(&3) && p.contains(&58), "{p:?}");
        let mut spread = vec![0.0; x.len()];
        spread[9] = 0.4;
        spread[10] = 0.5;
        spread[11] = 0.1;
        spread[13] = -0.2;
        let mut f2 = Fit::new(&y, vec![1.0], &spread, None, false);
        f2.merge(2);
        assert_eq!(f2.positions, vec![10, 13]);
        assert!((f2.amplitudes[0] - 1.0).abs() < 1e-15 && f2.amplitudes[1] == -0.2);
    }
}
