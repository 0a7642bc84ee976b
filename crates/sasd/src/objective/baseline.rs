//! A slowly varying baseline: the least-squares fit of a few low-frequency
//! DCT-II terms and two polynomial terms, the generalisation of the
//! constant bias of LQK+20 App. B.3.

use std::sync::Arc;

use rustdct::{DctPlanner, TransformType2And3};

use crate::error::{Result, SasdError};

/// The baseline β = B c on the m observed samples, with B the DCT-II
/// vectors b_k(i) = cos(πk(i + ½)/m) of period 2m/k ≥ P samples, i.e.
/// k = 0, …, K − 1 with K = ⌊2m/P⌋ + 1 (k = 0 is the constant bias).
///
/// Every DCT-II vector has zero slope at both ends (the even extension),
/// so a drift still rising where the recording stops is fitted badly
/// within a period of the ends, and the misfit comes back as spurious
/// spikes there (measured on AR(2) recordings with a sine drift: 6 of the
/// 12 false events of a run sat in the last 200 samples). So B also holds
/// the ramp i and the parabola i², made orthonormal to the DCT terms and
/// to each other (e₁, e₂): with them the ends' slopes are free.
///
/// The DCT columns are orthogonal and e₁, e₂ orthonormal to them, so the
/// least-squares fit of β to a target t (the residual y − Σ a_k ⊛ x_k on
/// the window) is the projection β = P_D t + Σ e_i⟨e_i, t⟩, P_D t a DCT-II
/// of t with its coefficients K.. set to zero and a DCT-III back (rustdct,
/// planned once; no allocation per fit). This is the exact minimiser of ψ
/// over the baseline, as the bias step is over b.
#[derive(Clone)]
pub(crate) struct Baseline {
    period: f64,
    terms: usize,
    dct: Arc<dyn TransformType2And3<f64>>,
    scratch: Vec<f64>,
    /// e₁, e₂ (those of them not already in the DCT span).
    ends: Vec<Vec<f64>>,
    /// ⟨e_i, t⟩ of the last target.
    end_coefficients: [f64; 2],
    values: Vec<f64>,
}

impl std::fmt::Debug for Baseline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Baseline")
            .field("period", &self.period)
            .field("terms", &self.terms)
            .finish()
    }
}

impl Baseline {
    /// The basis of periods ≥ `period` on `m` samples, for a kernel of
    /// `kernel` samples. Errors: `period` not finite, or shorter than the
    /// kernel (a baseline that fast would absorb the kernel's own response).
    pub fn new(m: usize, period: f64, kernel: usize) -> Result<Self> {
        if !(period.is_finite() && period >= kernel as f64 && period > 0.0) {
            return Err(SasdError::BaselinePeriod { period, kernel });
        }
        let terms = ((2.0 * m as f64 / period).floor() as usize + 1).min(m);
        let dct = DctPlanner::new().plan_dct2(m);
        let mut basis = Self {
            period,
            terms,
            scratch: vec![0.0; dct.get_scratch_len()],
            dct,
            ends: Vec::new(),
            end_coefficients: [0.0; 2],
            values: vec![0.0; m],
        };
        // Gram–Schmidt of the ramp and the parabola (on [−1, 1]) against the
        // DCT terms and each other; a term left with (almost) nothing
        // outside the span is not needed.
        let half = (m as f64 - 1.0).max(1.0) / 2.0;
        for power in [1, 2] {
            let raw: Vec<f64> = (0..m).map(|i| ((i as f64 - half) / half).powi(power)).collect();
            let size = raw.iter().map(|v| v * v).sum::<f64>().sqrt();
            basis.project_dct(raw.iter().copied());
            let mut e: Vec<f64> = raw.iter().zip(&basis.values).map(|(r, p)| r - p).collect();
            for f in &basis.ends {
                let c: f64 = f.iter().zip(&e).map(|(a, b)| a * b).sum();
                e.iter_mut().zip(f).for_each(|(v, f)| *v -= c * f);
            }
            let norm = e.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm > 1e-8 * size {
                e.iter_mut().for_each(|v| *v /= norm);
                basis.ends.push(e);
            }
        }
        basis.values.fill(0.0);
        Ok(basis)
    }

    /// The shortest period P of the basis, in samples.
    pub fn period(&self) -> f64 {
        self.period
    }

    /// The number of basis vectors: K DCT terms (the constant included)
    /// and the end terms (2, or fewer when the DCT terms already hold them).
    pub fn terms(&self) -> usize {
        self.terms + self.ends.len()
    }

    /// The current baseline (m entries).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Makes the baseline the least-squares fit to `target` (m entries).
    pub fn fit(&mut self, target: impl Iterator<Item = f64>) {
        self.project_dct(target);
        for (e, c) in self.ends.iter().zip(self.end_coefficients) {
            self.values.iter_mut().zip(e).for_each(|(v, e)| *v += c * e);
        }
    }

    /// values = P_D t; the coefficients ⟨e_i, t⟩ are read from t first (the
    /// transforms work in place).
    fn project_dct(&mut self, target: impl Iterator<Item = f64>) {
        let m = self.values.len();
        for (v, t) in self.values.iter_mut().zip(target) {
            *v = t;
        }
        for (c, e) in self.end_coefficients.iter_mut().zip(&self.ends) {
            *c = e.iter().zip(&self.values).map(|(a, b)| a * b).sum();
        }
        self.dct
            .process_dct2_with_scratch(&mut self.values, &mut self.scratch);
        self.values[self.terms..].fill(0.0);
        // rustdct's DCT-III undoes its DCT-II up to the factor m/2.
        self.dct
            .process_dct3_with_scratch(&mut self.values, &mut self.scratch);
        let scale = 2.0 / m as f64;
        self.values.iter_mut().for_each(|v| *v *= scale);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fit is the orthogonal projection onto the K lowest DCT-II
    /// vectors, the ramp and the parabola: it reproduces their combinations
    /// exactly, and what it leaves of any target is orthogonal to all of
    /// them.
    #[test]
    fn fit_is_the_projection_onto_the_low_frequencies_and_the_end_terms() {
        let m = 300;
        let mut b = Baseline::new(m, 100.0, 10).unwrap();
        assert_eq!(b.terms(), 7 + 2);
        let basis =
            |k: usize, i: usize| (std::f64::consts::PI * k as f64 * (i as f64 + 0.5) / m as f64).cos();
        let ramp = |i: usize| i as f64 / m as f64;
        let low: Vec<f64> = (0..m)
            .map(|i| 2.0 - 0.7 * basis(1, i) + 0.3 * basis(6, i) + 1.5 * ramp(i) - 0.8 * ramp(i).powi(2))
            .collect();
        b.fit(low.iter().copied());
        for (v, t) in b.values().iter().zip(&low) {
            assert!((v - t).abs() < 1e-12, "{v} vs {t}");
        }
        // A drift still rising at the end (a sine), plus fast terms.
        let target: Vec<f64> = (0..m)
            .map(|i| (i as f64 / 70.0).sin() + basis(7, i) - 0.5 * basis(40, i))
            .collect();
        b.fit(target.iter().copied());
        let left: Vec<f64> = target.iter().zip(b.values()).map(|(t, v)| t - v).collect();
        let columns = (0..7)
            .map(|k| (0..m).map(|i| basis(k, i)).collect::<Vec<f64>>())
            .chain([
                (0..m).map(ramp).collect(),
                (0..m).map(|i| ramp(i).powi(2)).collect(),
            ]);
        for column in columns {
            let dot: f64 = column.iter().zip(&left).map(|(a, b)| a * b).sum();
            assert!(dot.abs() < 1e-10, "residual not orthogonal: {dot}");
        }
    }

    /// A drift that still rises at the ends: the DCT terms alone (K = 21)
    /// leave a misfit of 0.126 there (0.024 inside, numpy's lstsq); with
    /// the end terms it is 1.5e-3.
    #[test]
    fn the_end_terms_fit_a_drift_that_still_rises_at_the_end() {
        let m = 2000;
        let mut b = Baseline::new(m, 200.0, 10).unwrap();
        let drift: Vec<f64> = (0..m).map(|i| (i as f64 / 150.0 + 0.3).sin()).collect();
        b.fit(drift.iter().copied());
        let misfit = |range: std::ops::Range<usize>| {
            range
                .map(|i| (drift[i] - b.values()[i]).abs())
                .fold(0.0_f64, f64::max)
        };
        assert!(misfit(0..m) < 2e-3, "misfit {}", misfit(0..m));
    }

    #[test]
    fn bad_periods_are_refused() {
        for p in [0.0, -5.0, f64::NAN, f64::INFINITY, 9.5] {
            assert!(matches!(
                Baseline::new(100, p, 10),
                Err(SasdError::BaselinePeriod { .. })
            ));
        }
        assert_eq!(Baseline::new(100, 1e9, 10).unwrap().terms(), 3);
    }
}
