//! The data of multichannel blind deconvolution, validated, and its
//! preconditioner (Qu19, "Reducing the Problem to Dictionary Learning";
//! QLZ20 §2) in the Fourier domain.
//!
//! Y = [C_{y_1} ⋯ C_{y_p}] is a row of circulant matrices, so
//! YYᵀ = Σ_i C_{y_i} C_{y_i}ᵀ is circulant with eigenvalues Σ_i |ŷ_i[k]|²
//! and (YYᵀ/(np))^{−1/2} is the circulant P with spectrum
//! P̂[k] = (Σ_i |ŷ_i[k]|² / (np))^{−1/2}. With x_i Bernoulli–Gaussian(θ),
//! E|x̂_i[k]|² = θn, so P̂ ≈ 1/(√θ |â|) and C_{y_i}P = C_{x_i}·C_a P, where
//! C_a P ≈ θ^{−1/2}·(an orthogonal circulant): the preconditioned data are
//! sparse codes times an orthogonal dictionary, whose entries have unit
//! variance whatever the scale of y or θ.

use crate::conv::{Complex64, Plan, Plan1d};
use crate::error::{Result, SasdError};

/// Smallest bin power, relative to the largest, that the preconditioner
/// inverts: below it P̂ would amplify rounding by more than 1e12.
const RELATIVE_POWER_FLOOR: f64 = 1e-24;

/// The preconditioned operators W_i = C_{y_i}P of p signals of length n,
/// held as half spectra (with the 1/n of the inverse FFT folded in).
#[derive(Debug, Clone)]
pub struct Preconditioned {
    /// Signal length n.
    pub(crate) n: usize,
    /// Number of signals p.
    pub(crate) p: usize,
    /// P̂ on the half spectrum (real, positive).
    pub(crate) precond: Vec<f64>,
    /// ŷ_i · P̂ / n for every signal, signal after signal (p × (n/2 + 1)).
    pub(crate) filters: Vec<Complex64>,
    /// The factor the signals were divided by (their largest magnitude), so
    /// that activations can be returned in the data's units.
    pub(crate) scale: f64,
}

impl Preconditioned {
    /// Validates p signals of one length n ≥ 2 and builds the preconditioned
    /// operators. Errors: p = 0 ([`SasdError::ZeroDimension`]), an empty or
    /// one-sample signal ([`SasdError::EmptySignal`],
    /// [`SasdError::ZeroDimension`]), signals of different lengths
    /// ([`SasdError::LengthMismatch`]), a NaN or infinity
    /// ([`SasdError::NonFinite`], index into the signals laid end to end),
    /// all-zero data ([`SasdError::NoSignal`]) and a summed power spectrum
    /// that vanishes at some frequency ([`SasdError::VanishingSpectrum`]).
    pub fn new<S: AsRef<[f64]>>(signals: &[S]) -> Result<Self> {
        let (n, p) = check_signals(signals)?;
        let scale = signals
            .iter()
            .flat_map(|s| s.as_ref().iter())
            .fold(0.0_f64, |m, v| m.max(v.abs()));
        if scale == 0.0 {
            return Err(SasdError::NoSignal);
        }
        let mut plan = Plan1d::new(n)?;
        let bins = plan.spectrum_len();
        let mut filters = vec![Complex64::new(0.0, 0.0); p * bins];
        let mut buf = vec![0.0; n];
        let mut power = vec![0.0; bins];
        for (s, spec) in signals.iter().zip(filters.chunks_mut(bins)) {
            buf.iter_mut().zip(s.as_ref()).for_each(|(b, v)| *b = v / scale);
            plan.forward(&buf, n, spec);
            power
                .iter_mut()
                .zip(spec.iter())
                .for_each(|(pw, c)| *pw += c.norm_sqr());
        }
        let max_power = power.iter().fold(0.0_f64, |m, v| m.max(*v));
        if let Some(bin) = power
            .iter()
            .position(|&pw| pw <= max_power * RELATIVE_POWER_FLOOR)
        {
            return Err(SasdError::VanishingSpectrum { bin });
        }
        let norm = (n * p) as f64;
        let precond: Vec<f64> = power.iter().map(|pw| (pw / norm).sqrt().recip()).collect();
        for spec in filters.chunks_mut(bins) {
            spec.iter_mut()
                .zip(&precond)
                .for_each(|(c, d)| *c *= d / n as f64);
        }
        Ok(Self {
            n,
            p,
            precond,
            filters,
            scale,
        })
    }

    /// Signal length n.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether the signals are empty (never: construction refuses them).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Number of signals p.
    pub fn signals(&self) -> usize {
        self.p
    }

    /// Bins of a half spectrum, n/2 + 1.
    pub(crate) fn bins(&self) -> usize {
        self.n / 2 + 1
    }
}

/// (n, p) of a valid set of signals.
fn check_signals<S: AsRef<[f64]>>(signals: &[S]) -> Result<(usize, usize)> {
    let Some(first) = signals.first() else {
        return Err(SasdError::ZeroDimension {
            what: "number of signals p",
        });
    };
    let n = first.as_ref().len();
    if n == 0 {
        return Err(SasdError::EmptySignal);
    }
    if n < 2 {
        return Err(SasdError::ZeroDimension {
            what: "signal length minus one (n >= 2)",
        });
    }
    for (i, s) in signals.iter().enumerate() {
        let s = s.as_ref();
        if s.len() != n {
            return Err(SasdError::LengthMismatch {
                what: "signal",
                expected: n,
                found: s.len(),
            });
        }
        if let Some(j) = s.iter().position(|v| !v.is_finite()) {
            return Err(SasdError::NonFinite {
                what: "signals",
                index: i * n + j,
            });
        }
    }
    Ok((n, signals.len()))
}
