//! Sparse activation maps `x0` with i.i.d. entries `x0_i = ω_i · v_i`,
//! `ω_i ~ B(θ)` (LQK+20 §5 and the notation of its Appendix A).

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use super::{Result, Shape, SynthError, check_param};

/// Law of the amplitude `v_i` of an active entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivationLaw {
    /// `B(θ)`: `x0_i ∈ {0, 1}`, non-negative spikes (LQK+20 Fig. 10c–d and
    /// the calcium spike trains of §6.1.1).
    Bernoulli,
    /// `BG(θ)`: `x0_i = ω_i g_i`, `g_i ~ N(0, 1)`.
    BernoulliGaussian,
    /// `BR(θ)`: `x0_i = ω_i r_i`, `r_i` uniform on `{−1, +1}` (LQK+20 §5.2).
    BernoulliRademacher,
}

/// Draws an activation map of the given shape (1-D length m, or m1 × m2
/// row-major) with i.i.d. entries of the given law and rate
/// `θ = P(x0_i ≠ 0)`, `0 ≤ θ ≤ 1`.
///
/// Entries are drawn in storage order; the amplitude of an entry is drawn only
/// when it is active, right after its Bernoulli draw.
pub fn activation<R: Rng + ?Sized>(
    law: ActivationLaw,
    theta: f64,
    shape: Shape,
    rng: &mut R,
) -> Result<Vec<f64>> {
    check_param(
        "theta",
        theta,
        (0.0..=1.0).contains(&theta),
        "must be a probability in [0, 1]",
    )?;
    if shape.is_empty() {
        return Err(SynthError::EmptyShape { what: "activation" });
    }
    Ok((0..shape.len())
        .map(|_| {
            if !rng.random_bool(theta) {
                return 0.0;
            }
            match law {
                ActivationLaw::Bernoulli => 1.0,
                ActivationLaw::BernoulliGaussian => StandardNormal.sample(rng),
                ActivationLaw::BernoulliRademacher => {
                    if rng.random_bool(0.5) {
                        1.0
                    } else {
                        -1.0
                    }
                }
            }
        })
        .collect())
}
