//! Problems built from closures, and a decorator that counts oracle calls
//! (Manopt's counting objective): the quick ways to try an objective and to
//! see what a solver asks of it.

use crate::problem::{HessianProblem, Problem, TwoBlockSmooth};
use crate::record::Counts;

/// A smooth problem from closures: `cost(x)`, `grad(x, egrad)` (the
/// Euclidean gradient), and optionally `hess(x, u, out)` (the Euclidean
/// Hessian-vector product, see [`FnProblem::with_hessian`]).
///
/// ```
/// use optim::{FnProblem, Problem};
/// let mut f = FnProblem::new(
///     |x: &[f64]| x.iter().map(|t| t * t).sum(),
///     |x: &[f64], g: &mut [f64]| g.iter_mut().zip(x).for_each(|(g, t)| *g = 2.0 * t),
/// );
/// let mut g = [0.0; 2];
/// assert_eq!(f.cost_grad(&[1.0, 2.0], &mut g), 5.0);
/// assert_eq!(g, [2.0, 4.0]);
/// ```
pub struct FnProblem<C, G, H = ()> {
    cost: C,
    grad: G,
    hess: H,
}

impl<C, G> FnProblem<C, G>
where
    C: FnMut(&[f64]) -> f64,
    G: FnMut(&[f64], &mut [f64]),
{
    /// A problem from a cost and its Euclidean gradient.
    pub fn new(cost: C, grad: G) -> Self {
        Self { cost, grad, hess: () }
    }

    /// The same problem with Euclidean Hessian-vector products.
    pub fn with_hessian<H: FnMut(&[f64], &[f64], &mut [f64])>(self, hess: H) -> FnProblem<C, G, H> {
        FnProblem {
            cost: self.cost,
            grad: self.grad,
            hess,
        }
    }
}

impl<C, G, H> Problem for FnProblem<C, G, H>
where
    C: FnMut(&[f64]) -> f64,
    G: FnMut(&[f64], &mut [f64]),
{
    fn cost(&mut self, x: &[f64]) -> f64 {
        (self.cost)(x)
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        (self.grad)(x, egrad);
        (self.cost)(x)
    }
}

impl<C, G, H> HessianProblem for FnProblem<C, G, H>
where
    C: FnMut(&[f64]) -> f64,
    G: FnMut(&[f64], &mut [f64]),
    H: FnMut(&[f64], &[f64], &mut [f64]),
{
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        (self.hess)(x, u, out)
    }
}

/// Wraps any problem and counts the calls of each of its oracles, leaving
/// the values unchanged: `cost` counts cost and value calls, `grad`
/// gradient calls, `hess` Hessian-vector products.
#[derive(Debug, Clone, Default)]
pub struct Counting<P> {
    inner: P,
    counts: Counts,
}

impl<P> Counting<P> {
    /// Counts the calls made to `inner`.
    pub fn new(inner: P) -> Self {
        Self {
            inner,
            counts: Counts::default(),
        }
    }

    /// The calls so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// The wrapped problem.
    pub fn inner(&self) -> &P {
        &self.inner
    }

    /// The wrapped problem, back.
    pub fn into_inner(self) -> P {
        self.inner
    }
}

impl<P: Problem> Problem for Counting<P> {
    fn cost(&mut self, x: &[f64]) -> f64 {
        self.counts.cost += 1;
        self.inner.cost(x)
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        self.counts.grad += 1;
        self.inner.cost_grad(x, egrad)
    }

    fn work(&self) -> u64 {
        self.inner.work()
    }
}

impl<P: HessianProblem> HessianProblem for Counting<P> {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.counts.hess += 1;
        self.inner.ehess(x, u, out)
    }
}

impl<P: TwoBlockSmooth> TwoBlockSmooth for Counting<P> {
    fn a_len(&self) -> usize {
        self.inner.a_len()
    }
    fn x_len(&self) -> usize {
        self.inner.x_len()
    }
    fn fix_a(&mut self, a: &[f64]) {
        self.inner.fix_a(a)
    }
    fn value_x(&mut self, x: &[f64]) -> f64 {
        self.counts.cost += 1;
        self.inner.value_x(x)
    }
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64 {
        self.counts.grad += 1;
        self.inner.grad_x(x, grad)
    }
    fn fix_x(&mut self, x: &[f64]) {
        self.inner.fix_x(x)
    }
    fn value_a(&mut self, a: &[f64]) -> f64 {
        self.counts.cost += 1;
        self.inner.value_a(a)
    }
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64 {
        self.counts.grad += 1;
        self.inner.grad_a(a, grad)
    }
    fn refresh(&mut self, a: &[f64], x: &[f64]) -> Option<f64> {
        self.inner.refresh(a, x)
    }
    fn work(&self) -> u64 {
        self.inner.work()
    }
}
