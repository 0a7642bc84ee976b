//! Riemannian optimisation solvers, the problem traits they consume, and the
//! one loop they all run through.
//!
//! * Problem traits: [`Problem`], [`HessianProblem`], [`TwoBlockSmooth`],
//!   [`Regularizer`]; a problem posed on a manifold: [`ManifoldProblem`];
//!   quick ones from closures: [`FnProblem`]; call counting: [`Counting`].
//! * The core (as argmin's): a [`Solver`] (`init`, `next_iter`) updates a
//!   [`State`]; the [`Executor`] owns the loop, timing, history, observers
//!   ([`Observer`], which see the state, iterate included) and stopping
//!   ([`StopCriterion`], composable values; typed [`StopReason`]s); every
//!   run returns one [`Solution`]. A user's solver written on these public
//!   items runs exactly as the crate's do (`examples/custom_solver.rs`).
//! * First order: [`GradientDescent`], [`ConjugateGradient`].
//! * Composite two-block (ψ(a, x) + λ·g(x)): [`InertialAdm`] (ADM, iADM, iPALM),
//!   with the penalties of [`prox`]; [`Homotopy`] and [`Reweighting`] around
//!   any [`CompositeSolver`]; the baselines of LQK+20 §5.3,
//!   [`AlternatingMinimization`] and [`Admm`].
//! * Second order: [`second_order`] (trust region, curvilinear search, Lanczos).
//! * Derivative checkers: [`check`].
//!
//! Papers are cited by short keys (LQK+20, ZLK+19, Zha19, Qu19, ABG07, …)
//! with the equation or algorithm number; `docs/references.md` at the
//! repository root resolves each key to authors, title and venue.

pub mod adm;
pub mod admm;
pub mod alternating;
pub mod check;
pub mod composite;
pub mod conjugate_gradient;
pub mod continuation;
pub mod counting;
pub mod error;
pub mod executor;
pub mod gradient_descent;
pub mod kept;
pub mod linesearch;
pub mod problem;
pub mod prox;
pub mod record;
pub mod second_order;
pub mod solution;
pub mod solver;
pub mod state;
pub mod stop;

pub use adm::{AUpdate, InertialAdm, InertialAdmOptions, KernelSet};
pub use admm::{Admm, AdmmOptions};
pub use alternating::{AlternatingMinimization, AlternatingOptions};
pub use composite::{Composite, CompositeSolver, ProxBacktracking};
pub use conjugate_gradient::ConjugateGradient;
pub use continuation::{AdaptiveDecay, Homotopy, HomotopyOptions, Reweighting, ReweightingOptions};
pub use counting::{Counting, FnProblem};
pub use error::OptimError;
pub use executor::Executor;
pub use gradient_descent::{GradientDescent, LineSearchOptions};
pub use kept::Kept;
pub use linesearch::{Accepted, Armijo};
pub use problem::{HessianProblem, ManifoldProblem, Problem, ProxTrial, Regularizer, TwoBlockSmooth};
pub use prox::{L1, L2Ball, NonNegative, Reweightable, UnitSphere, WeightedL1};
pub use record::{Control, Counts, NoObserver, Observer, Record};
pub use solution::{Blocks, Solution};
pub use solver::{Solver, Step};
pub use state::State;
pub use stop::{Progress, StopCriterion, StopReason};
