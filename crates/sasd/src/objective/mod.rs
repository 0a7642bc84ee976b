//! The SaSD objectives, each implementing the `optim` problem traits.
//!
//! * [`BilinearLasso`] (LQK+20, eq. 3.1, with the bias and non-negativity
//!   of App. B.3 and the weights of B.6–B.9) for one kernel or N kernels
//!   (CDL, eq. 4.6, App. C.1.2), in 1-D and 2-D ([`BilinearLasso2d`],
//!   App. C.2): a [`optim::TwoBlockSmooth`] for ADM / iADM.
//! * [`Abl`]: the approximate Bilinear Lasso marginal φ̂(a) (Zha19) in
//!   closed form, and its smooth pseudo-Huber variant with Hessian-vector
//!   products ([`AblEnergy`]): an [`optim::HessianProblem`] on the sphere.
//! * [`HuberLasso`]: ½‖y − a ⊛ x‖² + λh_μ(x) (ZLK+19, eq. 22) on
//!   S^{n−1} × ℝ^m with analytic Hessian-vector products.
//! * [`LpLq`]: (1/p)‖y − a ⊛ x‖_p^p with ‖a‖_q = 1 (ZLK+19, eq. 31), a
//!   [`optim::TwoBlockSmooth`] on the ℓ^q sphere.
//! * [`lasso_penalty`] builds the matching λ·‖w ⊙ x‖₁ (optionally with
//!   x ≥ 0) for [`optim::Composite`].

mod abl;
mod baseline;
mod bilinear_lasso;
mod huber;
mod lplq;
mod penalty;
mod residual;
mod shapes;

pub use crate::conv::Boundary;
pub use abl::{Abl, AblEnergy};
pub(crate) use baseline::Baseline;
pub use bilinear_lasso::{BilinearLasso, BilinearLasso2d};
pub use huber::HuberLasso;
pub use lplq::LpLq;
pub use penalty::lasso_penalty;
