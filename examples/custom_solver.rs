//! A solver written outside the toolkit, on its public items only: a
//! Riemannian Adam (AMSGrad variant: first moment transported along the
//! iterates, a scalar second moment that never decreases, as Bécigneul &
//! Ganea 2019 do on products of manifolds), run by `optim`'s executor with a
//! stopping criterion and an observer, on the Brockett cost
//! f(X) = tr(XᵀAXN) over the Stiefel manifold St(n, p), N = diag(p, …, 1).
//! Its minimum is Σᵢ Nᵢᵢ·λᵢ(A) with the eigenvalues ascending (Absil,
//! Mahony & Sepulchre 2008, §4.8), so the run can be checked exactly.
//!
//! ```sh
//! cargo run --release --example custom_solver
//! ```

use manifold::{Manifold, Retraction, Stiefel, VectorTransport};
use nalgebra::{DMatrix, SymmetricEigen};
use optim::{
    Control, Executor, ManifoldProblem, OptimError, Problem, Solver, State, Step, StopCriterion, StopReason,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand_distr::{Distribution, StandardNormal};

/// Riemannian AMSGrad: m ← β₁·T(m) + (1 − β₁)·g, v ← max(v, β₂·v + (1 − β₂)·‖g‖²),
/// x ← R_x(−α·m/(√v + ε)).
struct RiemannianAdam<M: Manifold> {
    alpha: f64,
    beta1: f64,
    beta2: f64,
    retraction: M::Retraction,
    transport: M::Transport,
    grad: Vec<f64>,
    moment: Vec<f64>,
    second: f64,
    step: Vec<f64>,
    next: Vec<f64>,
}

impl<M: Manifold> RiemannianAdam<M> {
    fn new(alpha: f64) -> Self {
        Self {
            alpha,
            beta1: 0.9,
            beta2: 0.999,
            retraction: M::Retraction::default(),
            transport: M::Transport::default(),
            grad: Vec::new(),
            moment: Vec::new(),
            second: 0.0,
            step: Vec::new(),
            next: Vec::new(),
        }
    }
}

impl<M: Manifold, P: Problem> Solver<ManifoldProblem<'_, M, P>> for RiemannianAdam<M> {
    type Iterate = Vec<f64>;

    fn init(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<(), OptimError> {
        let (m, x) = (p.manifold, &state.iterate);
        m.check_point(x, 1e-8)?;
        let d = m.ambient_dim();
        self.grad = vec![0.0; d];
        self.moment = vec![0.0; d];
        self.step = vec![0.0; d];
        self.next = vec![0.0; d];
        self.second = 0.0;
        state.cost = p.objective.cost_grad(x, &mut self.grad);
        state.counts.grad += 1;
        m.egrad_to_rgrad(x, &mut self.grad)?;
        state.grad_norm = Some(m.norm(x, &self.grad));
        Ok(())
    }

    fn next_iter(
        &mut self,
        p: &mut ManifoldProblem<'_, M, P>,
        state: &mut State<Vec<f64>>,
    ) -> Result<Step, OptimError> {
        let (m, x) = (p.manifold, &state.iterate);
        let g2 = m.inner(x, &self.grad, &self.grad);
        self.second = self
            .second
            .max(self.beta2 * self.second + (1.0 - self.beta2) * g2);
        let (b1, scale) = (self.beta1, self.alpha / (self.second.sqrt() + 1e-12));
        for ((mo, g), s) in self.moment.iter_mut().zip(&self.grad).zip(&mut self.step) {
            *mo = b1 * *mo + (1.0 - b1) * g;
            *s = -scale * *mo;
        }
        self.retraction.retract(m, x, &self.step, &mut self.next)?;
        state.counts.retract += 1;
        // Move the moment to the new point's tangent space.
        self.transport
            .transport(m, x, &self.next, &self.moment, &mut self.step)?;
        std::mem::swap(&mut self.moment, &mut self.step);
        state.step_norm = scale * m.norm(x, &self.moment);
        state.step_size = scale;
        std::mem::swap(&mut state.iterate, &mut self.next);
        let x = &state.iterate;
        state.cost = p.objective.cost_grad(x, &mut self.grad);
        state.counts.grad += 1;
        if !state.cost.is_finite() {
            return Ok(Step::Halt(StopReason::NonFinite));
        }
        m.egrad_to_rgrad(x, &mut self.grad)?;
        state.grad_norm = Some(m.norm(x, &self.grad));
        Ok(Step::Continue)
    }

    fn default_stop(&self) -> StopCriterion {
        StopCriterion::MaxIterations(10_000) | StopCriterion::GradientNorm(1e-8)
    }
}

/// f(X) = tr(XᵀAXN), X n×p column-major, N = diag(p, …, 1).
struct Brockett {
    a: DMatrix<f64>,
    p: usize,
}

impl Brockett {
    fn weights(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.p).map(|j| (self.p - j) as f64)
    }

    /// Σⱼ Nⱼⱼ·λⱼ(A), eigenvalues ascending: the minimum over St(n, p).
    fn minimum(&self) -> f64 {
        let mut ev: Vec<f64> = SymmetricEigen::new(self.a.clone())
            .eigenvalues
            .iter()
            .copied()
            .collect();
        ev.sort_by(f64::total_cmp);
        self.weights().zip(ev).map(|(w, l)| w * l).sum()
    }
}

impl Problem for Brockett {
    fn cost(&mut self, x: &[f64]) -> f64 {
        let n = self.a.nrows();
        let x = DMatrix::from_column_slice(n, self.p, x);
        let ax = &self.a * &x;
        self.weights()
            .enumerate()
            .map(|(j, w)| w * x.column(j).dot(&ax.column(j)))
            .sum()
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        let n = self.a.nrows();
        let xm = DMatrix::from_column_slice(n, self.p, x);
        let ax = &self.a * &xm;
        let mut f = 0.0;
        for (j, w) in self.weights().enumerate() {
            f += w * xm.column(j).dot(&ax.column(j));
            for i in 0..n {
                egrad[j * n + i] = 2.0 * w * ax[(i, j)];
            }
        }
        f
    }
}

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (n, p) = (12, 4);
    let mut rng = StdRng::seed_from_u64(7);
    let g = DMatrix::from_fn(n, n, |_, _| -> f64 { StandardNormal.sample(&mut rng) });
    let mut cost = Brockett {
        a: (&g + g.transpose()) * 0.5,
        p,
    };
    let f_star = cost.minimum();
    let stiefel = Stiefel::new(n, p)?;
    let x0 = stiefel.random_point(&mut rng).as_slice().to_vec();

    // The observer sees the state, the iterate included: here it checks that
    // every iterate stays on the manifold and keeps the gap every 500 steps.
    let mut trace = Vec::new();
    let mut off_manifold = 0;
    let mut observer = |state: &State<Vec<f64>>| {
        if stiefel.check_point(&state.iterate, 1e-10).is_err() {
            off_manifold += 1;
        }
        if state.iteration.is_multiple_of(500) {
            trace.push((state.iteration, state.cost - f_star));
        }
        Control::Continue
    };
    let stop = StopCriterion::MaxIterations(20_000)
        | StopCriterion::predicate(move |progress| progress.cost - f_star <= 1e-11);
    let solution = Executor::new(
        RiemannianAdam::<Stiefel>::new(0.05),
        ManifoldProblem::new(&stiefel, &mut cost),
    )
    .stop(stop)
    .observe(&mut observer)
    .run(x0)?;

    for (k, gap) in &trace {
        println!("iteration {k:>6}: f − f* = {gap:.3e}");
    }
    let gap = solution.cost - f_star;
    println!(
        "Riemannian Adam on the Brockett cost, St({n}, {p}): f − f* = {gap:.2e} after {} iterations \
         ({:?}, {:.1} ms, {} gradients), {off_manifold} iterates off the manifold",
        solution.iterations,
        solution.stop,
        solution.elapsed.as_secs_f64() * 1e3,
        solution.counts.grad,
    );
    if gap > 1e-10 || off_manifold > 0 {
        return Err(format!("not solved: f − f* = {gap:.2e}").into());
    }
    Ok(())
}
