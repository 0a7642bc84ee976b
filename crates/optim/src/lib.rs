//! Riemannian optimisation solvers and the problem traits they consume.
//!
//! * Problem traits: [`Problem`], [`HessianProblem`], [`TwoBlockSmooth`],
//!   [`Regularizer`].
//! * First order: [`GradientDescent`], [`ConjugateGradient`].
//! * Composite two-block (ψ(a, x) + λ·g(x)): [`InertialAdm`] (ADM, iADM, iPALM),
//!   with the penalties of [`prox`]; [`Homotopy`] and [`Reweighting`] around
//!   any of them.
//! * Second order: [`second_order`] (trust region, curvilinear search, Lanczos).
//! * Derivative checkers: [`check`].
//! * Stopping criteria [`StopCriterion`] (composable values), typed
//!   [`StopReason`]s, per-iteration [`Record`]s and an [`Observer`] that can stop
//!   a run.

pub mod adm;
pub mod check;
pub mod composite;
pub mod conjugate_gradient;
pub mod continuation;
pub mod error;
pub mod gradient_descent;
pub mod linesearch;
pub mod problem;
pub mod prox;
pub mod record;
pub mod result;
mod run;
pub mod second_order;
pub mod stop;

pub use adm::{AUpdate, InertialAdm, KernelSet};
pub use composite::{Composite, CompositeResult, CompositeSolver, ProxBacktracking};
pub use conjugate_gradient::ConjugateGradient;
pub use continuation::{Budget, Homotopy, Reweighting};
pub use error::OptimError;
pub use gradient_descent::GradientDescent;
pub use linesearch::{Accepted, Armijo};
pub use problem::{HessianProblem, Problem, Regularizer, TwoBlockSmooth};
pub use prox::{L1, L2Ball, NonNegative, Reweightable, UnitSphere, WeightedL1};
pub use record::{Control, Counts, NoObserver, Observer, Record};
pub use result::SolverResult;
pub use stop::{Progress, StopCriterion, StopReason};
