//! The phase-retrieval objective and its data (Qu19, "Generalized Phase
//! Retrieval"; Sun, Qu & Wright 2018).

use nalgebra::{DMatrix, DVector};
use optim::{HessianProblem, Problem};
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// Real (x ∈ ℝ^n) or complex (x ∈ ℂ^n ≅ ℝ^{2n}) measurements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Real,
    Complex,
}

impl Field {
    /// Real linear forms per measurement: |a* x|² is a sum of this many squares.
    pub fn k(self) -> usize {
        match self {
            Field::Real => 1,
            Field::Complex => 2,
        }
    }
}

/// Generalized phase retrieval (Qu19): y = |A x*| and
/// f(ξ) = 1/(4m) Σ_i (y_i² − |a_i* x|²)² over ℝ^n, or over ℂ^n ≅ ℝ^{2n}.
///
/// Both fields are one real formulation: measurement i is a group of k real
/// linear forms (k = 1 real; k = 2 complex, Re and Im of a_i* x as functions of
/// ξ = [Re x; Im x]), stacked as the rows of B, so |a_i* x|² = ‖B_i ξ‖².
/// With r_i = ‖B_i ξ‖² − y_i² and s_i = ⟨B_i ξ, B_i u⟩ (repeated over the k rows):
///   ∇f(ξ)     = (1/m) Bᵀ (r ⊙ Bξ),
///   ∇²f(ξ)[u] = (1/m) Bᵀ (r ⊙ Bu + 2 s ⊙ Bξ).
pub struct PhaseRetrieval {
    pub b: DMatrix<f64>,
    pub k: usize,
    pub y2: Vec<f64>,
    /// Bξ and r at the last point a gradient was asked for, reused by the
    /// Hessian-vector products, which all come at that point.
    at: Vec<f64>,
    bx: DVector<f64>,
    r: Vec<f64>,
    bu: DVector<f64>,
    work: DVector<f64>,
}

/// A planted instance: the operator, the measurements and the truth.
pub struct Instance {
    pub problem: PhaseRetrieval,
    pub truth: DVector<f64>,
}

impl PhaseRetrieval {
    fn new(b: DMatrix<f64>, k: usize, y2: Vec<f64>) -> Self {
        let (rows, d) = b.shape();
        Self {
            b,
            k,
            y2,
            at: vec![f64::NAN; d],
            bx: DVector::zeros(rows),
            r: vec![0.0; rows / k],
            bu: DVector::zeros(rows),
            work: DVector::zeros(rows),
        }
    }

    /// Number of measurements m.
    pub fn m(&self) -> usize {
        self.y2.len()
    }

    /// Caches Bξ and the residuals r at ξ (once per point).
    fn evaluate_at(&mut self, x: &[f64]) {
        if self.at.as_slice() == x {
            return;
        }
        self.at.copy_from_slice(x);
        self.bx.gemv(1.0, &self.b, &DVector::from_column_slice(x), 0.0);
        for (i, r) in self.r.iter_mut().enumerate() {
            let q: f64 = self.bx.rows(i * self.k, self.k).norm_squared();
            *r = q - self.y2[i];
        }
    }

    /// out ← (1/m) Bᵀ work.
    fn back_project(&self, out: &mut [f64]) {
        let mut o = DVector::from_column_slice(out);
        o.gemv_tr(1.0 / self.m() as f64, &self.b, &self.work, 0.0);
        out.copy_from_slice(o.as_slice());
    }

    /// Draws y = |A x*| with A standard Gaussian (complex: CN(0, 1) entries)
    /// and x* uniform on the unit sphere of ℝ^n or ℂ^n.
    pub fn planted<R: Rng + ?Sized>(n: usize, m: usize, field: Field, rng: &mut R) -> Instance {
        let k = field.k();
        let d = n * k;
        let mut g = || -> f64 { StandardNormal.sample(&mut *rng) };
        let mut truth = DVector::from_fn(d, |_, _| g());
        truth /= truth.norm();
        let b = match field {
            Field::Real => DMatrix::from_fn(m, n, |_, _| g()),
            Field::Complex => {
                // a = α + iβ with α, β ~ N(0, 1/2): Re(a* x) = αᵀu + βᵀv and
                // Im(a* x) = αᵀv − βᵀu for x = u + iv.
                let s = std::f64::consts::FRAC_1_SQRT_2;
                let mut b = DMatrix::zeros(2 * m, 2 * n);
                for i in 0..m {
                    for j in 0..n {
                        let (alpha, beta) = (s * g(), s * g());
                        b[(2 * i, j)] = alpha;
                        b[(2 * i, n + j)] = beta;
                        b[(2 * i + 1, j)] = -beta;
                        b[(2 * i + 1, n + j)] = alpha;
                    }
                }
                b
            }
        };
        let bx = &b * &truth;
        let y2 = (0..m).map(|i| bx.rows(i * k, k).norm_squared()).collect();
        Instance {
            problem: PhaseRetrieval::new(b, k, y2),
            truth,
        }
    }
}

impl Problem for PhaseRetrieval {
    fn cost(&mut self, x: &[f64]) -> f64 {
        self.evaluate_at(x);
        self.r.iter().map(|r| r * r).sum::<f64>() / (4.0 * self.m() as f64)
    }

    fn cost_grad(&mut self, x: &[f64], egrad: &mut [f64]) -> f64 {
        let f = self.cost(x);
        for (row, w) in self.work.iter_mut().enumerate() {
            *w = self.r[row / self.k] * self.bx[row];
        }
        self.back_project(egrad);
        f
    }
}

impl HessianProblem for PhaseRetrieval {
    fn ehess(&mut self, x: &[f64], u: &[f64], out: &mut [f64]) {
        self.evaluate_at(x);
        self.bu.gemv(1.0, &self.b, &DVector::from_column_slice(u), 0.0);
        let k = self.k;
        for i in 0..self.m() {
            let s: f64 = self.bx.rows(i * k, k).dot(&self.bu.rows(i * k, k));
            for row in i * k..(i + 1) * k {
                self.work[row] = self.r[i] * self.bu[row] + 2.0 * s * self.bx[row];
            }
        }
        self.back_project(out);
    }
}

/// Relative error after the best global sign (real) or phase (complex):
/// min_φ ‖x − e^{iφ} x*‖ / ‖x*‖.
pub fn relative_error(x: &DVector<f64>, truth: &DVector<f64>, field: Field) -> f64 {
    match field {
        Field::Real => (x - truth).norm().min((x + truth).norm()) / truth.norm(),
        Field::Complex => {
            let n = x.len() / 2;
            let (xu, xv) = (x.rows(0, n), x.rows(n, n));
            let (tu, tv) = (truth.rows(0, n), truth.rows(n, n));
            // ⟨x*, x⟩_ℂ = Σ conj(t) x; the best phase aligns x with it.
            let re = tu.dot(&xu) + tv.dot(&xv);
            let im = tu.dot(&xv) - tv.dot(&xu);
            let c = re.hypot(im);
            let d2 = x.norm_squared() + truth.norm_squared() - 2.0 * c;
            d2.max(0.0).sqrt() / truth.norm()
        }
    }
}

/// Spectral initialisation (Candès, Li & Soltanolkotabi 2015): the leading
/// eigenvector of Y = (1/m) Σ y_i² B_iᵀB_i (the real form of (1/m) Σ y_i² a_i a_i*),
/// scaled to ‖x‖² ≈ mean(y²) (E|a* x|² = ‖x‖² for standard Gaussian a).
pub fn spectral_init(p: &PhaseRetrieval) -> DVector<f64> {
    let k = p.k;
    let mut weighted = p.b.clone();
    for (row, mut r) in weighted.row_iter_mut().enumerate() {
        r *= p.y2[row / k] / p.m() as f64;
    }
    let y = p.b.transpose() * weighted;
    let eig = y.symmetric_eigen();
    let imax = eig.eigenvalues.imax();
    let scale = (p.y2.iter().sum::<f64>() / p.m() as f64).sqrt();
    eig.eigenvectors.column(imax) * scale
}

/// Wirtinger flow: z ← z − (μ_τ/‖z₀‖²)·∇f(z) with μ_τ = min(1 − e^{−τ/τ₀}, μ_max),
/// τ₀ = 330, μ_max = 0.2 (Candès, Li & Soltanolkotabi 2015, Sec. 2.3); our
/// real gradient of f = 1/(4m)Σ(·)² equals their Wirtinger gradient of
/// 1/(2m)Σ(·)². Stops when ‖∇f‖ ≤ `tol` or after `max_iter` steps; returns
/// the point and the number of steps.
pub fn wirtinger_flow(p: &mut PhaseRetrieval, tol: f64, max_iter: usize) -> (DVector<f64>, usize) {
    let mut z = spectral_init(p);
    let z0_sq = z.norm_squared();
    let mut g = DVector::zeros(z.len());
    for tau in 1..=max_iter {
        p.cost_grad(z.as_slice(), g.as_mut_slice());
        if g.norm() <= tol {
            return (z, tau - 1);
        }
        let mu = (1.0 - (-(tau as f64) / 330.0).exp()).min(0.2);
        z.axpy(-mu / z0_sq, &g, 1.0);
    }
    (z, max_iter)
}
