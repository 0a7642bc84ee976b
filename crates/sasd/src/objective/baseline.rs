//! A slowly varying baseline: the least-squares fit of a few low-frequency
//! DCT-II terms, the generalisation of the constant bias of LQK+20 App. B.3.

use std::sync::Arc;

use rustdct::{DctPlanner, TransformType2And3};

use crate::error::{Result, SasdError};

/// The baseline β = B c on the m observed samples, with B the DCT-II
/// vectors b_k(i) = cos(πk(i + ½)/m) of period 2m/k ≥ P samples, i.e.
/// k = 0, …, K − 1 with K = ⌊2m/P⌋ + 1 (k = 0 is the constant bias).
///
/// The columns of B are orthogonal, so the least-squares fit of β to a
/// target t (the residual y − Σ a_k ⊛ x_k on the window) is the projection
/// β = B(BᵀB)⁻¹Bᵀt: a DCT-II of t, its coefficients K.. set to zero, a
/// DCT-III back (rustdct, planned once; no allocation per fit). This is the
/// exact minimiser of ψ over the baseline, as the bias step is over b.
#[derive(Clone)]
pub(crate) struct Baseline {
    period: f64,
    terms: usize,
    dct: Arc<dyn TransformType2And3<f64>>,
    scratch: Vec<f64>,
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
        Ok(Self {
            period,
            terms,
            scratch: vec![0.0; dct.get_scratch_len()],
            dct,
            values: vec![0.0; m],
        })
    }

    /// The shortest period P of the basis, in samples.
    pub fn period(&self) -> f64 {
        self.period
    }

    /// K, the number of DCT terms (the constant included).
    pub fn terms(&self) -> usize {
        self.terms
    }

    /// The current baseline (m entries).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Makes the baseline the least-squares fit to `target` (m entries).
    pub fn fit(&mut self, target: impl Iterator<Item = f64>) {
        let m = self.values.len();
        for (v, t) in self.values.iter_mut().zip(target) {
            *v = t;
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
    /// vectors: it reproduces their combinations exactly and removes
    /// anything orthogonal to them.
    #[test]
    fn fit_is_the_projection_onto_the_low_frequencies() {
        let m = 300;
        let mut b = Baseline::new(m, 100.0, 10).unwrap();
        assert_eq!(b.terms(), 7);
        let basis =
            |k: usize, i: usize| (std::f64::consts::PI * k as f64 * (i as f64 + 0.5) / m as f64).cos();
        let low: Vec<f64> = (0..m)
            .map(|i| 2.0 - 0.7 * basis(1, i) + 0.3 * basis(6, i))
            .collect();
        b.fit(low.iter().copied());
        for (v, t) in b.values().iter().zip(&low) {
            assert!((v - t).abs() < 1e-12, "{v} vs {t}");
        }
        let high: Vec<f64> = (0..m).map(|i| basis(7, i) - 0.5 * basis(40, i)).collect();
        b.fit(high.iter().zip(&low).map(|(h, l)| h + l));
        for (v, t) in b.values().iter().zip(&low) {
            assert!((v - t).abs() < 1e-12);
        }
    }

    #[test]
    fn bad_periods_are_refused() {
        for p in [0.0, -5.0, f64::NAN, f64::INFINITY, 9.5] {
            assert!(matches!(
                Baseline::new(100, p, 10),
                Err(SasdError::BaselinePeriod { .. })
            ));
        }
        assert_eq!(Baseline::new(100, 1e9, 10).unwrap().terms(), 1);
    }
}
