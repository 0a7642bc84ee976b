//! The problem traits every solver consumes: the contract between `optim`
//! and the plug-in crates (`sasd`, examples).
//!
//! Oracles take `&mut self` so that an objective can own scratch buffers and
//! caches (FFT plans, spectra of a fixed operand) and count its work without
//! interior mutability. They return plain `f64`: an objective validates its
//! data when it is built, and a solver treats a non-finite value as a stop
//! reason, never as an answer.

/// A smooth cost f on a manifold M ⊂ ℝ^D, given through its Euclidean
/// derivatives at points of M (the manifold converts them to Riemannian ones).
pub trait Problem {
    /// f(x).
    fn cost(&mut self, x: &[f64]) -> f64;

    /// f(x) and the Euclidean gradient ∇f(x) written into `egrad`; computed
    /// together because they share work (a residual, a spectrum).
    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64;

    /// The problem's own running count of its expensive operations (FFTs
    /// for SaSD), reported in [`Counts::work`](crate::Counts::work); 0 by
    /// default.
    fn work(&self) -> u64 {
        0
    }
}

/// A problem posed on a manifold: what the smooth and composite solvers of
/// this crate take through the [`Executor`](crate::Executor). `objective`
/// is a [`Problem`], a second-order oracle or a
/// [`Composite`](crate::Composite).
#[derive(Debug)]
pub struct ManifoldProblem<'a, M, F: ?Sized> {
    /// The manifold.
    pub manifold: &'a M,
    /// The objective.
    pub objective: &'a mut F,
}

impl<'a, M, F: ?Sized> ManifoldProblem<'a, M, F> {
    /// Poses `objective` on `manifold`.
    pub fn new(manifold: &'a M, objective: &'a mut F) -> Self {
        Self { manifold, objective }
    }
}

/// A [`Problem`] that also offers Euclidean Hessian-vector products.
pub trait HessianProblem: Problem {
    /// ∇²f(x)\[u\] written into `out`, for a tangent vector u at x.
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]);
}

/// The smooth coupling ψ(a, x) of a two-block composite problem
/// min ψ(a, x) + λ·g(x), a ∈ M, x ∈ ℝ^m (LQK+20, eq. B.1).
///
/// Block solvers (ADM, iADM, iPALM) alternate: they call [`fix_a`](Self::fix_a)
/// and then several x-oracles with that a held fixed, then
/// [`fix_x`](Self::fix_x) and several a-oracles. Between a `fix_*` call and the
/// next, an implementation may cache anything that depends only on the fixed
/// block (the spectrum of a, say), so each trial point of a backtracking
/// search costs as little as possible.
pub trait TwoBlockSmooth {
    /// Length of the a block (the manifold's ambient dimension).
    fn a_len(&self) -> usize;

    /// Length of the x block.
    fn x_len(&self) -> usize;

    /// Holds a fixed for the following x-block oracles.
    fn fix_a(&mut self, a: &[f64]);

    /// ψ(a, x) for the fixed a.
    fn value_x(&mut self, x: &[f64]) -> f64;

    /// ψ(a, x) and ∇_x ψ(a, x) (into `grad`) for the fixed a.
    fn grad_x(&mut self, x: &[f64], grad: &mut [f64]) -> f64;

    /// Holds x fixed for the following a-block oracles.
    fn fix_x(&mut self, x: &[f64]);

    /// ψ(a, x) for the fixed x.
    fn value_a(&mut self, a: &[f64]) -> f64;

    /// ψ(a, x) and the Euclidean ∇_a ψ(a, x) (into `grad`) for the fixed x.
    fn grad_a(&mut self, a: &[f64], grad: &mut [f64]) -> f64;

    /// Called once per outer iteration, after both blocks moved. A coupling
    /// with extra variables minimised in closed form (the bias b of LQK+20,
    /// App. B.3: b = ⟨1, y − a⊛x⟩/m) updates them here and returns the new
    /// ψ(a, x); the default has none and returns `None`.
    fn refresh(&mut self, _a: &[f64], _x: &[f64]) -> Option<f64> {
        None
    }

    /// The coupling's own running count of its expensive operations (FFTs
    /// for SaSD), reported in [`Counts::work`](crate::Counts::work); 0 by
    /// default.
    fn work(&self) -> u64 {
        0
    }
}

/// A convex, possibly nonsmooth penalty g with a cheap proximal operator.
pub trait Regularizer {
    /// g(x).
    fn value(&self, x: &[f64]) -> f64;

    /// prox_g^ρ(z) = argmin_u ρ·g(u) + ½‖u − z‖² written into `out` (LQK+20, App. B.1.1).
    fn prox(&self, z: &[f64], rho: f64, out: &mut [f64]);

    /// Whether [`prox_trial`](Self::prox_trial) writes its `z` argument
    /// (the default does); a penalty whose pass needs no scratch says
    /// `false`, and the solver then holds no buffer for it (8 MB per 10⁶
    /// entries of x).
    fn trial_needs_scratch(&self) -> bool {
        true
    }

    /// One trial of the proximal-gradient step (LQK+20, Alg. 3):
    /// u = prox_g^ρ(w − t·∇) written into `out`, with the sums its
    /// acceptance test (eq. B.3) and the solver's bookkeeping need
    /// ([`ProxTrial`]); `v` is the block's current value (for ‖u − v‖²);
    /// `z` is scratch of x's length, or empty when
    /// [`trial_needs_scratch`](Self::trial_needs_scratch) is false.
    ///
    /// The default forms z = w − t·∇ in `z`, calls [`prox`](Self::prox) and
    /// sums in a second pass ([`ProxTrial::sums`]). Separable penalties
    /// override it to do all in one pass over memory: on a signal of 10⁶
    /// samples each pass is 8 MB read from memory, and each running sum a
    /// chain of dependent additions.
    #[allow(clippy::too_many_arguments)]
    fn prox_trial(
        &self,
        w: &[f64],
        grad: &[f64],
        v: &[f64],
        t: f64,
        rho: f64,
        z: &mut [f64],
        out: &mut [f64],
    ) -> ProxTrial {
        let mut finite = true;
        for ((zi, wi), gi) in z.iter_mut().zip(w).zip(grad) {
            *zi = wi - t * gi;
            finite &= gi.is_finite();
        }
        self.prox(z, rho, out);
        ProxTrial::sums(w, grad, v, out, finite)
    }
}

/// The sums over one proximal-gradient trial u = prox_g^ρ(w − t·∇) that
/// [`Regularizer::prox_trial`] returns, each a plain running sum in entry
/// order (so a fused pass and the default give the same bits).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProxTrial {
    /// ⟨u − w, ∇⟩ (eq. B.3's linear term).
    pub lin: f64,
    /// ‖u − w‖² (eq. B.3's quadratic term).
    pub sq: f64,
    /// ‖u − w‖∞ (the gradient mapping's worst entry, times t).
    pub peak: f64,
    /// Whether every entry of ∇ is finite.
    pub finite: bool,
    /// ‖u − v‖², v the block's current value (the step's length).
    pub moved_sq: f64,
    /// ‖u‖².
    pub norm_sq: f64,
    /// g(u), when the pass computed it (else the caller calls
    /// [`Regularizer::value`]).
    pub value: Option<f64>,
}

impl ProxTrial {
    /// The sums of a trial `u` from `w` along `grad`, v the current value
    /// (the default [`Regularizer::prox_trial`]'s second pass).
    pub fn sums(w: &[f64], grad: &[f64], v: &[f64], u: &[f64], finite: bool) -> Self {
        let mut s = Self::start(finite);
        for (((ui, wi), gi), vi) in u.iter().zip(w).zip(grad).zip(v) {
            s.add(*ui, *wi, *gi, *vi);
        }
        s
    }

    /// Zero sums.
    #[inline(always)]
    pub fn start(finite: bool) -> Self {
        Self {
            lin: 0.0,
            sq: 0.0,
            peak: 0.0,
            finite,
            moved_sq: 0.0,
            norm_sq: 0.0,
            value: None,
        }
    }

    /// Adds entry (u, w, ∇, v) to the sums.
    #[inline(always)]
    pub fn add(&mut self, u: f64, w: f64, g: f64, v: f64) {
        let d = u - w;
        self.lin += d * g;
        self.sq += d * d;
        self.peak = self.peak.max(d.abs());
        let m = v - u;
        self.moved_sq += m * m;
        self.norm_sq += u * u;
    }
}
