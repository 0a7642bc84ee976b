//! Options of the ADM family: how the a block moves (Riemannian step,
//! projected iPALM step), the presets of LQK+20 and their validation.

use crate::composite::ProxBacktracking;
use crate::error::{OptimError, check_option};
use crate::linesearch::Armijo;

/// How the a block moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AUpdate {
    /// A Riemannian gradient step from z = R_a(−β·R_a^{-1}(a_prev)) with
    /// Armijo backtracking (LQK+20, Alg. 4 and B.5): ADM and iADM.
    Riemannian,
    /// iPALM (Pock & Sabach 2016): a Euclidean step from y = a + β(a − a_prev),
    /// a⁺ = P_C(y − τ∇_aψ(y)), backtracked on the descent lemma at y, with C
    /// the unit sphere or the unit ball (LQK+20's §5.3 baseline uses the
    /// ball: the result may then lie inside the sphere).
    Projected {
        /// The constraint set C.
        set: KernelSet,
        /// Backtracking of τ.
        rule: ProxBacktracking,
    },
    /// iPALM as [`Projected`](Self::Projected) with C = S^{n−1} ∩ ℝⁿ₊, the
    /// non-negative kernels of unit norm of ZLK+19 eq. 28 (blind
    /// deblurring), projected by [`NonNegativeSphere`](crate::prox::NonNegativeSphere).
    ProjectedNonNegative {
        /// Backtracking of τ.
        rule: ProxBacktracking,
    },
}

/// The set an iPALM kernel is projected onto.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelSet {
    /// {‖a‖ = 1}.
    Sphere,
    /// {‖a‖ ≤ 1}.
    Ball,
}

/// Options of [`InertialAdm`](super::InertialAdm); [`iadm`](Self::iadm) (the default),
/// [`adm`](Self::adm) and [`ipalm`](Self::ipalm) are LQK+20's presets.
#[derive(Debug, Clone, PartialEq)]
pub struct InertialAdmOptions {
    /// Momentum β ≥ 0 (finite); 0.9 (LQK+20's range 0.8–0.9); 0 = ADM.
    /// β ≥ 1 is allowed (the safeguard then restarts often).
    pub beta: f64,
    /// The x-step backtracking.
    pub x_step: ProxBacktracking,
    /// The a-step Armijo search; its sufficient-decrease constant is η of
    /// Alg. 4.
    pub a_step: Armijo,
    /// First trial of the first a-step, as a multiple of 1/‖x‖² (1): the
    /// a-block's curvature grows with ‖x‖², so in these units the search
    /// starts at the same place whatever the scale of the data (1/‖x‖² is
    /// 1 for x = 0).
    pub initial_tau: f64,
    /// Riemannian (ADM/iADM) or projected (iPALM) a-step.
    pub a_update: AUpdate,
    /// The absolute rounding noise of ψ's values, for the slack
    /// max(8ε·|ψ|, 2·noise) of the sufficient-decrease and restart tests.
    ///
    /// A least-squares coupling near its noise floor is evaluated from terms
    /// far larger than itself (for SaSD, sums over the data y and its
    /// spectrum), so its rounding error is set by ‖y‖², not by ψ; with a
    /// slack relative to ψ alone, rounding fails the sufficient-decrease
    /// tests, shrinks the steps by orders of magnitude and ends the run with
    /// a failed line search (LQK+20 §6.1.1 calcium data: ψ ≈ 12, ½‖y‖² ≈
    /// 7·10³, values noisy at 10⁻¹¹–10⁻¹⁰).
    ///
    /// `None` (the default): measured at the first step of each block of
    /// each run, from four value calls along the gradient (see
    /// `linesearch::line_noise`), and kept across the stages of a
    /// continuation. For a cost computed to its own precision it comes out
    /// at a few ulps of ψ and the slack is the old 8ε·|ψ|. `Some(0.0)` turns
    /// it off.
    pub value_noise: Option<f64>,
}

impl InertialAdmOptions {
    /// iADM: β = 0.9, Riemannian a-step.
    pub fn iadm() -> Self {
        Self {
            beta: 0.9,
            x_step: ProxBacktracking::default(),
            a_step: Armijo::default(),
            initial_tau: 1.0,
            a_update: AUpdate::Riemannian,
            value_noise: None,
        }
    }

    /// ADM: β = 0.
    pub fn adm() -> Self {
        Self {
            beta: 0.0,
            ..Self::iadm()
        }
    }

    /// iPALM with inertia β = 0.9 and a projected onto `set`.
    pub fn ipalm(set: KernelSet) -> Self {
        Self {
            a_update: AUpdate::Projected {
                set,
                rule: ProxBacktracking::default(),
            },
            ..Self::iadm()
        }
    }

    pub(crate) fn validate(&self) -> Result<(), OptimError> {
        // β may exceed 1 on purpose (to test the safeguard); only its sign and
        // finiteness are required.
        check_option(
            "beta",
            self.beta >= 0.0 && self.beta.is_finite(),
            "must be finite and >= 0",
        )?;
        if let Some(s) = self.value_noise {
            check_option(
                "value_noise",
                s >= 0.0 && s.is_finite(),
                "must be finite and >= 0",
            )?;
        }
        self.x_step.validate()?;
        self.a_step.validate(self.initial_tau)?;
        match self.a_update {
            AUpdate::Riemannian => Ok(()),
            AUpdate::Projected { rule, .. } | AUpdate::ProjectedNonNegative { rule } => rule.validate(),
        }
    }
}

impl Default for InertialAdmOptions {
    fn default() -> Self {
        Self::iadm()
    }
}
