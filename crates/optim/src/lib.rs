//! Riemannian optimisation solvers and the problem traits they consume.

pub mod problem;
pub mod second_order;

pub use problem::{HessianProblem, Problem, Regularizer, TwoBlockSmooth};
