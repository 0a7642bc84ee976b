//! Riemannian optimisation solvers and the problem traits they consume.
//!
//! * Problem traits: [`Problem`], [`HessianProblem`], [`TwoBlockSmooth`],
//!   [`Regularizer`].
//! * First order: [`GradientDescent`], [`ConjugateGradient`].
//! * Second order: [`second_order`] (trust region, curvilinear search, Lanczos).
//! * Stopping criteria [`StopCriterion`] (composable values), typed
//!   [`StopReason`]s, per-iteration [`Record`]s and an [`Observer`] that can stop
//!   a run.

pub mod conjugate_gradient;
pub mod error;
pub mod gradient_descent;
pub mod linesearch;
pub mod problem;
pub mod record;
pub mod result;
mod run;
pub mod second_order;
pub mod stop;

pub use conjugate_gradient::ConjugateGradient;
pub use error::OptimError;
pub use gradient_descent::GradientDescent;
pub use linesearch::{Accepted, Armijo};
pub use problem::{HessianProblem, Problem, Regularizer, TwoBlockSmooth};
pub use record::{Control, Counts, NoObserver, Observer, Record};
pub use result::SolverResult;
pub use stop::{Progress, StopCriterion, StopReason};
