//! The ℓ¹ penalty of the Bilinear Lasso, validated.

use optim::WeightedL1;

use crate::error::{Result, SasdError, check_finite, check_len};

/// g(x) = ‖w ⊙ x‖₁ = Σ wᵢ|xᵢ| (LQK+20, eq. 3.1 with the reweighting
/// weights of B.6–B.8; unit weights when `weights` is `None`), plus the
/// indicator of x ≥ 0 when `nonnegative` (App. B.3, whose prox is
/// max(z − ρw, 0)). The solver multiplies it by λ.
///
/// Errors: weights of the wrong length, non-finite or negative.
pub fn lasso_penalty(x_len: usize, weights: Option<&[f64]>, nonnegative: bool) -> Result<WeightedL1> {
    let Some(w) = weights else {
        return Ok(WeightedL1::uniform(nonnegative));
    };
    check_len("weights", w, x_len)?;
    check_finite("weights", w)?;
    if let Some(index) = w.iter().position(|t| *t < 0.0) {
        return Err(SasdError::NegativeWeight {
            index,
            value: w[index],
        });
    }
    Ok(WeightedL1 {
        weights: w.to_vec(),
        nonnegative,
    })
}
