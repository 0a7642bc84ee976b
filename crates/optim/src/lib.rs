//! Riemannian optimisation solvers and the problem traits they consume.

pub mod problem;

pub use problem::{HessianProblem, Problem, Regularizer, TwoBlockSmooth};
