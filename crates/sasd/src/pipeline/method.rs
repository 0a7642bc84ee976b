//! What a run solves and how: [`MethodSpec`], one variant per method, each
//! carrying its own options, so that an option of one method cannot be set
//! on another.

use manifold::{Exponential, Oblique};
use optim::{AdaptiveDecay, InertialAdm, KernelSet};

use crate::second_order::{SecondOrderSolver, SmoothSpec};
use crate::two_stage::TwoStageSpec;

/// The first-order solver of the Bilinear Lasso (LQK+20): one step of a
/// schedule, or the whole run at a fixed λ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstOrder {
    /// ADM (LQK+20, Alg. 2).
    Adm,
    /// iADM (Alg. 5, β = 0.9).
    Iadm,
    /// iPALM with the kernel on the unit ball (the §5.3 baseline).
    Ipalm,
}

impl FirstOrder {
    /// The optim solver on the oblique manifold of the kernels.
    pub(crate) fn solver(self, manifold: &Oblique) -> InertialAdm<Exponential> {
        match self {
            FirstOrder::Adm => InertialAdm::adm(Exponential),
            FirstOrder::Iadm => InertialAdm::for_manifold(manifold),
            FirstOrder::Ipalm => InertialAdm::ipalm(Exponential, KernelSet::Ball),
        }
    }
}

/// A fixed-λ first-order solve, the reference setting of LQK+20 §5.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FixedSpec {
    /// The solver.
    pub solver: FirstOrder,
    /// Stop when consecutive iterates are this close (the seed's §5 rule,
    /// 1e-6 there; 1e-10 by default).
    pub step_tolerance: f64,
}

impl FixedSpec {
    /// `solver` with the default step tolerance 1e-10.
    pub fn new(solver: FirstOrder) -> Self {
        Self {
            solver,
            step_tolerance: 1e-10,
        }
    }
}

/// Homotopy continuation in λ (LQK+20 Alg. 6) around a first-order solver,
/// from λ₀ down to the run's λ*.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HomotopySpec {
    /// The inner solver (LQK+20 Alg. 1 uses iADM).
    pub inner: FirstOrder,
    /// Decay η ∈ (0, 1) of λ per stage (default 0.9, LQK+20 §4.2.2): the
    /// decay of every stage with [`adaptive`](Self::adaptive) off, else the
    /// slowest.
    ///
    /// A fixed faster decay loses nothing on the §5.2 random-kernel
    /// instances but fails harder ones. Measured with the stage test in the
    /// data's units (`examples/eta_study.rs`, the pipeline's other defaults,
    /// seeds 1–5, η = 0.9 → 0.5 → 0.3, kernel error and mean iterations):
    /// §5.2 random kernel the same 2–4.5e-7, 455 → 169 → 143 iterations
    /// (m = 10⁵, seeds 1–3: 484–819 → 166–311 at 0.5); the coherent
    /// g_{100,0.5} the same 7.9e-3–3.5e-2, 15,493 → 4,504 → 5,901, two runs
    /// at 0.9 stopped by the 20,000-iteration cap; recordings (linear,
    /// σ = 0.05, refined) random 1.9e-3–3.0e-3, 176 → 46 → 71, AR(2)
    /// 2.9e-3–6.3e-3, 446 → 240 → 223; CDL (three 50-tap kernels)
    /// 5.5e-7–1.3e-6, 469 → 165 → 133; 2-D 8×8 on 128² (seeds 1–3) 443–908
    /// → 147–252 → 94–124. But with η = 0.5 the test suite's harder cases
    /// fail: x ≥ 0 at θ = 0.25 (`tests/nonnegative.rs`) stops at kernel
    /// error 0.14 on seed 4 (4.8e-5 at 0.9), a 2,000-sample batch column
    /// with n₀ = 12 (`tests/cli.rs`) at 0.18, and the support refinement
    /// after a coherent-Gaussian solve ends worse on seed 2 (4.2e-2;
    /// `tests/coherent_gaussian.rs`). The slow decay is what carries dense
    /// and short problems; the adaptive decay keeps it while the kernel
    /// moves and speeds up once it has settled.
    pub eta: f64,
    /// A decay that speeds up from η towards `eta_min` while the kernel
    /// stays put and undoes a fast stage whose kernel jumped (default on:
    /// η_min = 0.3, τ = 0.05; [`AdaptiveDecay`] has the rule and the
    /// measurements). `None`: every stage decays by η, as LQK+20 (`--eta`
    /// on the command line). Nothing to adapt when η ≤ η_min.
    pub adaptive: Option<AdaptiveDecay>,
    /// Precision factor δ ∈ (0, 1) of the stages (default 0.1).
    pub delta: f64,
    /// λ₀ (default `None`: ‖ǎ⁽⁰⁾ ⋆ y‖∞, the largest over kernels, §4.2.2).
    pub lambda0: Option<f64>,
    /// Re-centre and polish (default on).
    /// The lifted domain n = 3n₀ − 2 holds every shift of the kernel whole,
    /// but a solve may still end at a shift pressed against its edge, with
    /// the taps beyond it cut off: a shift-truncation minimum (LQK+20 §3).
    /// When a kernel's maximal-energy window touches the edge of the lifted
    /// kernel (along an axis where it can move), the run moves that kernel
    /// so that the window sits in the middle (entries pushed past the edge
    /// dropped, then renormalised), moves its activation the opposite way so
    /// the product is unchanged, and resumes the inner solver at λ* until
    /// the homotopy's final precision δ·λ* (or the step tolerance), within
    /// what is left of the iteration and time budgets. Its records carry
    /// the extra [`RECENTRED`](super::RECENTRED). Kernels away from the edge
    /// are left alone, and so are runs where none touches it. Not part of
    /// LQK+20's Algorithm 1: it rescues §5.2 runs that end one tap short
    /// (measured on seed 2: kernel error 5.7e-3 → 2.5e-7).
    pub recenter: bool,
    /// Step tolerance of the re-centring polish (default 1e-10).
    pub step_tolerance: f64,
}

impl HomotopySpec {
    /// Homotopy around `inner` with LQK+20's η = 0.9 as the slowest decay of
    /// the adaptive one, δ = 0.1, automatic λ₀, re-centring on.
    pub fn new(inner: FirstOrder) -> Self {
        Self {
            inner,
            eta: 0.9,
            adaptive: Some(AdaptiveDecay::default()),
            delta: 0.1,
            lambda0: None,
            recenter: true,
            step_tolerance: 1e-10,
        }
    }

    /// Every stage decays by `eta` (LQK+20's schedule; seed 003 uses 0.9).
    pub fn fixed_eta(self, eta: f64) -> Self {
        Self {
            eta,
            adaptive: None,
            ..self
        }
    }
}

impl Default for HomotopySpec {
    /// Homotopy-iADM, LQK+20's Algorithm 1.
    fn default() -> Self {
        Self::new(FirstOrder::Iadm)
    }
}

/// Reweighted ℓ¹ (LQK+20 Alg. 7) around iADM at the run's λ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReweightedSpec {
    /// Rounds (default 4), each with an equal share of the iterations.
    pub rounds: usize,
}

impl Default for ReweightedSpec {
    fn default() -> Self {
        Self { rounds: 4 }
    }
}

/// The method of a run: the Bilinear Lasso by a first-order schedule
/// (LQK+20), or a smoothed objective by a second-order solver (ZLK+19,
/// Zha19). The default is LQK+20's Algorithm 1, homotopy-iADM.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MethodSpec {
    /// ADM, iADM or iPALM at a fixed λ.
    Fixed(FixedSpec),
    /// Homotopy continuation (Alg. 6) down to λ*.
    Homotopy(HomotopySpec),
    /// Reweighted ℓ¹ (Alg. 7) around iADM at a fixed λ, for noisy data
    /// (default λ = max(0.1/√n, 2σ̂), σ̂ the [`noise_level`](super::noise_level) of y).
    Reweighted(ReweightedSpec),
    /// A homotopy down to λ, then the reweighting rounds of Alg. 7 from its
    /// solution: the homotopy brings the kernel into the basin of the truth
    /// at a sparse activation, the rounds then remove the ℓ¹ shrinkage. Not
    /// an algorithm of LQK+20 but its two parts in sequence; on the §6.1.1
    /// calcium trace it recovers the seeds where a reweighting from the
    /// window falls into a basin that loses the kernel's slow tail (10 of 10
    /// against 8 of 10, `tests/calcium.rs`). The homotopy's re-centring is
    /// not used.
    HomotopyReweighted(HomotopySpec, ReweightedSpec),
    /// Trust region or curvilinear search on a smoothed objective at a fixed
    /// λ ([`crate::second_order`]). 1-D, one kernel, no bias, no x ≥ 0.
    SecondOrder(SmoothSpec),
    /// The two-stage algorithm of ZLK+19 (Algorithm 1,
    /// [`crate::two_stage`]) down to λ_min = the run's λ. 1-D, one kernel,
    /// no bias, no x ≥ 0; stage I starts at random, so the only
    /// initialisation is the default [`Init::Window`](crate::init::Init).
    TwoStage(TwoStageSpec),
}

impl Default for MethodSpec {
    fn default() -> Self {
        MethodSpec::Homotopy(HomotopySpec::default())
    }
}

impl MethodSpec {
    /// ADM at a fixed λ.
    pub fn adm() -> Self {
        MethodSpec::Fixed(FixedSpec::new(FirstOrder::Adm))
    }
    /// iADM at a fixed λ.
    pub fn iadm() -> Self {
        MethodSpec::Fixed(FixedSpec::new(FirstOrder::Iadm))
    }
    /// iPALM at a fixed λ.
    pub fn ipalm() -> Self {
        MethodSpec::Fixed(FixedSpec::new(FirstOrder::Ipalm))
    }
    /// Homotopy around ADM.
    pub fn homotopy_adm() -> Self {
        MethodSpec::Homotopy(HomotopySpec::new(FirstOrder::Adm))
    }
    /// Homotopy around iADM (the default).
    pub fn homotopy_iadm() -> Self {
        MethodSpec::Homotopy(HomotopySpec::default())
    }
    /// Reweighting around iADM with 4 rounds.
    pub fn reweighted_iadm() -> Self {
        MethodSpec::Reweighted(ReweightedSpec::default())
    }
    /// Homotopy-iADM, then 4 reweighting rounds.
    pub fn homotopy_reweighted_iadm() -> Self {
        MethodSpec::HomotopyReweighted(HomotopySpec::default(), ReweightedSpec::default())
    }
    /// Trust region on the Huber-smoothed Bilinear Lasso.
    pub fn trust_region() -> Self {
        MethodSpec::SecondOrder(SmoothSpec::with_solver(SecondOrderSolver::TrustRegion))
    }
    /// Curvilinear search on the Huber-smoothed Bilinear Lasso.
    pub fn curvilinear() -> Self {
        MethodSpec::SecondOrder(SmoothSpec::with_solver(SecondOrderSolver::Curvilinear))
    }
    /// ZLK+19's two-stage algorithm with its defaults.
    pub fn two_stage() -> Self {
        MethodSpec::TwoStage(TwoStageSpec::default())
    }

    /// Whether the method runs a second-order solver on a smoothed objective.
    pub fn is_second_order(&self) -> bool {
        matches!(self, MethodSpec::SecondOrder(_) | MethodSpec::TwoStage(_))
    }

    /// What the method is called in errors.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            MethodSpec::SecondOrder(s) => match s.solver {
                SecondOrderSolver::TrustRegion => "the trust region",
                SecondOrderSolver::Curvilinear => "the curvilinear search",
            },
            MethodSpec::TwoStage(_) => "the two-stage algorithm",
            _ => "the Bilinear Lasso methods",
        }
    }
}
