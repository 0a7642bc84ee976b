//! What second-order solvers need from a problem: the cost, the Riemannian
//! gradient and Riemannian Hessian-vector products, either exact (from a
//! [`HessianProblem`]) or by finite differences of the gradient (from any
//! [`Problem`]).

use manifold::{Manifold, ManifoldError, Retraction, VectorTransport};

use crate::problem::{HessianProblem, Problem};

/// Cost, Riemannian gradient and Riemannian Hessian-vector products.
pub trait SecondOrderOracle<M: Manifold> {
    /// f(x).
    fn cost(&mut self, m: &M, x: &[f64]) -> f64;

    /// f(x) and grad f(x) into `rgrad`; readies Hessian products at x.
    fn cost_rgrad(&mut self, m: &M, x: &[f64], rgrad: &mut [f64]) -> Result<f64, ManifoldError>;

    /// Hess f(x)\[u\] into `out`, for the x of the last `cost_rgrad` call.
    fn rhess(&mut self, m: &M, x: &[f64], u: &[f64], out: &mut [f64]) -> Result<(), ManifoldError>;

    /// The problem's own running count of its expensive operations
    /// ([`Problem::work`]); 0 by default.
    fn work(&self) -> u64 {
        0
    }
}

/// Exact Riemannian Hessian: Hess f(x)\[u\] = P_x ∇²f(x)\[u\] + Weingarten term
/// (`Manifold::ehess_to_rhess`), with the Euclidean gradient kept from the
/// last `cost_rgrad` call.
///
/// Its buffer is sized from the points it is given (once: a solver's points
/// all have the manifold's ambient length), so no dimension can be passed
/// wrong; a point of the wrong length is refused by the manifold.
#[derive(Debug)]
pub struct ExactHessian<'a, P> {
    problem: &'a mut P,
    egrad: Vec<f64>,
}

impl<'a, P: HessianProblem> ExactHessian<'a, P> {
    /// Wraps a problem with Euclidean Hessian-vector products.
    pub fn new(problem: &'a mut P) -> Self {
        Self {
            problem,
            egrad: Vec::new(),
        }
    }
}

/// Checks that `x` has the manifold's ambient length and sizes `buf` to it.
fn fit<M: Manifold>(m: &M, x: &[f64], buf: &mut Vec<f64>) -> Result<(), ManifoldError> {
    manifold::check_len(x, m.ambient_dim())?;
    buf.resize(x.len(), 0.0);
    Ok(())
}

impl<M: Manifold, P: HessianProblem> SecondOrderOracle<M> for ExactHessian<'_, P> {
    fn cost(&mut self, _m: &M, x: &[f64]) -> f64 {
        self.problem.cost(x)
    }

    fn cost_rgrad(&mut self, m: &M, x: &[f64], rgrad: &mut [f64]) -> Result<f64, ManifoldError> {
        fit(m, x, &mut self.egrad)?;
        manifold::check_len(rgrad, x.len())?;
        let f = self.problem.cost_grad(x, &mut self.egrad);
        rgrad.copy_from_slice(&self.egrad);
        m.egrad_to_rgrad(x, rgrad)?;
        Ok(f)
    }

    fn rhess(&mut self, m: &M, x: &[f64], u: &[f64], out: &mut [f64]) -> Result<(), ManifoldError> {
        if self.egrad.len() != x.len() {
            // No gradient was taken at a point of this length: take it now.
            fit(m, x, &mut self.egrad)?;
            self.problem.cost_grad(x, &mut self.egrad);
        }
        manifold::check_len(u, x.len())?;
        manifold::check_len(out, x.len())?;
        self.problem.ehess(x, u, out);
        m.ehess_to_rhess(x, &self.egrad, u, out)
    }

    fn work(&self) -> u64 {
        self.problem.work()
    }
}

/// Hessian by finite differences of the Riemannian gradient, as Manopt's
/// `getHessianFD`: Hess f(x)\[u\] ≈ (T_{y→x} grad f(y) − grad f(x))/c with
/// y = R_x(c·u) and c = 2^-14/‖u‖; exactly 0 for u = 0. Costs one gradient
/// per product; accurate to O(c) for smooth f.
#[derive(Debug)]
pub struct FiniteDifferenceHessian<'a, P, R, T> {
    problem: &'a mut P,
    retraction: R,
    transport: T,
    grad_x: Vec<f64>,
    y: Vec<f64>,
    step: Vec<f64>,
    grad_y: Vec<f64>,
}

impl<'a, P: Problem, R, T> FiniteDifferenceHessian<'a, P, R, T> {
    /// Wraps any smooth problem; `retraction` and `transport` should be the
    /// ones of the solver (a manifold's defaults: `M::Retraction::default()`,
    /// `M::Transport::default()`). Buffers are sized from the points given.
    pub fn new(problem: &'a mut P, retraction: R, transport: T) -> Self {
        Self {
            problem,
            retraction,
            transport,
            grad_x: Vec::new(),
            y: Vec::new(),
            step: Vec::new(),
            grad_y: Vec::new(),
        }
    }
}

impl<M, P, R, T> SecondOrderOracle<M> for FiniteDifferenceHessian<'_, P, R, T>
where
    M: Manifold,
    P: Problem,
    R: Retraction<M>,
    T: VectorTransport<M>,
{
    fn cost(&mut self, _m: &M, x: &[f64]) -> f64 {
        self.problem.cost(x)
    }

    fn cost_rgrad(&mut self, m: &M, x: &[f64], rgrad: &mut [f64]) -> Result<f64, ManifoldError> {
        for buf in [&mut self.grad_x, &mut self.y, &mut self.step, &mut self.grad_y] {
            fit(m, x, buf)?;
        }
        manifold::check_len(rgrad, x.len())?;
        let f = self.problem.cost_grad(x, rgrad);
        m.egrad_to_rgrad(x, rgrad)?;
        self.grad_x.copy_from_slice(rgrad);
        Ok(f)
    }

    fn rhess(&mut self, m: &M, x: &[f64], u: &[f64], out: &mut [f64]) -> Result<(), ManifoldError> {
        if self.grad_x.len() != x.len() {
            // No gradient was taken at a point of this length: take it now.
            let mut g = vec![0.0; x.len()];
            self.cost_rgrad(m, x, &mut g)?;
        }
        manifold::check_len(u, x.len())?;
        manifold::check_len(out, x.len())?;
        let norm_u = m.norm(x, u);
        if norm_u == 0.0 {
            out.fill(0.0);
            return Ok(());
        }
        let c = 2f64.powi(-14) / norm_u;
        self.step.iter_mut().zip(u).for_each(|(s, ui)| *s = c * ui);
        self.retraction.retract(m, x, &self.step, &mut self.y)?;
        self.problem.cost_grad(&self.y, &mut self.grad_y);
        m.egrad_to_rgrad(&self.y, &mut self.grad_y)?;
        self.transport.transport(m, &self.y, x, &self.grad_y, out)?;
        out.iter_mut()
            .zip(&self.grad_x)
            .for_each(|(o, g)| *o = (*o - g) / c);
        Ok(())
    }

    fn work(&self) -> u64 {
        self.problem.work()
    }
}
