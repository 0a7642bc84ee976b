//! Truncated conjugate gradient (Steihaug–Toint) for the trust-region
//! subproblem on a tangent space (Absil, Baker & Gallivan 2007, Alg. 2), with
//! Manopt's `trs_tCG` safeguards.

use manifold::Manifold;
use manifold::vecops::{axpy, dot};

/// Why the inner solver stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcgStop {
    /// ⟨δ, Hδ⟩ ≤ 0: the step was extended to the boundary along δ.
    NegativeCurvature,
    /// The next CG iterate left the trust region: the step was cut at the boundary.
    ExceededTrustRegion,
    /// ‖r‖ ≤ κ‖r₀‖ (linear-rate target reached).
    LinearTarget,
    /// ‖r‖ ≤ ‖r₀‖^{1+θ} (superlinear-rate target reached).
    SuperlinearTarget,
    /// The model value went up (numerical trouble): the previous iterate is kept.
    ModelIncreased,
    /// The inner-iteration budget was used up.
    MaxInner,
    /// The gradient was exactly zero: the Newton step is zero.
    ZeroGradient,
}

impl TcgStop {
    /// True when the step ended on the trust-region boundary (the trust
    /// region may then grow).
    pub fn on_boundary(self) -> bool {
        matches!(self, TcgStop::NegativeCurvature | TcgStop::ExceededTrustRegion)
    }
}

/// Options of the inner solver (Manopt's defaults).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TcgOptions {
    /// κ of the linear stopping rule, 0.1.
    pub kappa: f64,
    /// θ of the superlinear stopping rule, 1.0 (quadratic local convergence).
    pub theta: f64,
    /// Inner iterations at most (the manifold's dimension by default).
    pub max_inner: usize,
}

impl TcgOptions {
    /// Manopt's defaults for a manifold of dimension `dim`.
    pub fn for_dim(dim: usize) -> Self {
        Self {
            kappa: 0.1,
            theta: 1.0,
            max_inner: dim.max(1),
        }
    }
}

/// Result of one inner solve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TcgOutcome {
    /// Why it stopped.
    pub stop: TcgStop,
    /// Inner iterations performed.
    pub inner: usize,
    /// Hessian-vector products used.
    pub hess_calls: usize,
    /// Model decrease −m(η) = −(⟨g, η⟩ + ½⟨η, Hη⟩) ≥ 0.
    pub model_decrease: f64,
}

/// Work buffers of tCG, allocated once and reused across outer iterations.
#[derive(Debug, Clone)]
pub struct Tcg {
    eta: Vec<f64>,
    heta: Vec<f64>,
    r: Vec<f64>,
    delta: Vec<f64>,
    hdelta: Vec<f64>,
    new_eta: Vec<f64>,
    new_heta: Vec<f64>,
}

impl Tcg {
    /// Buffers for ambient dimension `d`.
    pub fn new(d: usize) -> Self {
        let z = || vec![0.0; d];
        Self {
            eta: z(),
            heta: z(),
            r: z(),
            delta: z(),
            hdelta: z(),
            new_eta: z(),
            new_heta: z(),
        }
    }

    /// The step η of the last solve.
    pub fn eta(&self) -> &[f64] {
        &self.eta
    }

    /// Hess f(x)\[η\] of the last solve (saves one product in the ρ ratio).
    pub fn heta(&self) -> &[f64] {
        &self.heta
    }

    /// Approximately minimises m(η) = ⟨g, η⟩ + ½⟨η, H η⟩ over ‖η‖ ≤ Δ in T_x M.
    ///
    /// `hess(u, out)` writes the Riemannian Hessian-vector product at x. Every
    /// inner iterate is re-projected onto T_x M: without it, rounding in long
    /// CG runs drifts the step off the tangent space (a known pitfall of other
    /// toolkits). With no preconditioner, ⟨·,·⟩_P is the metric itself.
    pub fn solve<M, E, H>(
        &mut self,
        m: &M,
        x: &[f64],
        grad: &[f64],
        radius: f64,
        opts: &TcgOptions,
        mut hess: H,
    ) -> Result<TcgOutcome, E>
    where
        M: Manifold,
        E: From<manifold::ManifoldError>,
        H: FnMut(&[f64], &mut [f64]) -> Result<(), E>,
    {
        self.eta.fill(0.0);
        self.heta.fill(0.0);
        self.r.copy_from_slice(grad);
        let mut r_r = m.inner(x, &self.r, &self.r);
        let norm_r0 = r_r.sqrt();
        let mut outcome = TcgOutcome {
            stop: TcgStop::MaxInner,
            inner: 0,
            hess_calls: 0,
            model_decrease: 0.0,
        };
        if norm_r0 == 0.0 {
            outcome.stop = TcgStop::ZeroGradient;
            return Ok(outcome);
        }
        // δ = −r; e_Pe = ⟨η, η⟩, e_Pd = ⟨η, δ⟩, d_Pd = ⟨δ, δ⟩.
        self.delta.iter_mut().zip(&self.r).for_each(|(d, r)| *d = -r);
        let (mut e_pe, mut e_pd, mut d_pd) = (0.0, 0.0, r_r);
        let mut model = 0.0;
        for j in 1..=opts.max_inner {
            outcome.inner = j;
            hess(&self.delta, &mut self.hdelta)?;
            outcome.hess_calls += 1;
            let d_hd = m.inner(x, &self.delta, &self.hdelta);
            let alpha = r_r / d_hd;
            let e_pe_new = e_pe + 2.0 * alpha * e_pd + alpha * alpha * d_pd;
            if d_hd <= 0.0 || e_pe_new >= radius * radius || !alpha.is_finite() {
                // τ ≥ 0 with ‖η + τδ‖ = Δ.
                let tau = (-e_pd + (e_pd * e_pd + d_pd * (radius * radius - e_pe)).max(0.0).sqrt()) / d_pd;
                axpy(tau, &self.delta, &mut self.eta);
                axpy(tau, &self.hdelta, &mut self.heta);
                outcome.stop = if d_hd <= 0.0 {
                    TcgStop::NegativeCurvature
                } else {
                    TcgStop::ExceededTrustRegion
                };
                let m_eta = dot(grad, &self.eta) + 0.5 * dot(&self.eta, &self.heta);
                outcome.model_decrease = -m_eta;
                return Ok(outcome);
            }
            e_pe = e_pe_new;
            self.new_eta.copy_from_slice(&self.eta);
            axpy(alpha, &self.delta, &mut self.new_eta);
            self.new_heta.copy_from_slice(&self.heta);
            axpy(alpha, &self.hdelta, &mut self.new_heta);
            let new_model = m.inner(x, grad, &self.new_eta) + 0.5 * m.inner(x, &self.new_eta, &self.new_heta);
            if new_model >= model {
                outcome.stop = TcgStop::ModelIncreased;
                outcome.model_decrease = -model;
                return Ok(outcome);
            }
            std::mem::swap(&mut self.eta, &mut self.new_eta);
            std::mem::swap(&mut self.heta, &mut self.new_heta);
            model = new_model;

            axpy(alpha, &self.hdelta, &mut self.r);
            m.project(x, &mut self.r)?;
            let r_r_old = r_r;
            r_r = m.inner(x, &self.r, &self.r);
            let norm_r = r_r.sqrt();
            if norm_r <= norm_r0 * norm_r0.powf(opts.theta).min(opts.kappa) {
                outcome.stop = if opts.kappa < norm_r0.powf(opts.theta) {
                    TcgStop::LinearTarget
                } else {
                    TcgStop::SuperlinearTarget
                };
                break;
            }
            let beta = r_r / r_r_old;
            self.delta
                .iter_mut()
                .zip(&self.r)
                .for_each(|(d, r)| *d = -r + beta * *d);
            m.project(x, &mut self.delta)?;
            // Recurrences of Manopt's trs_tCG for ⟨η, δ⟩ and ⟨δ, δ⟩.
            e_pd = beta * (e_pd + alpha * d_pd);
            d_pd = r_r + beta * beta * d_pd;
        }
        outcome.model_decrease = -model;
        Ok(outcome)
    }
}
