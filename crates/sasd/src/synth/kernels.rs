//! Ground-truth kernels `a0`, all normalised onto the (Frobenius) unit sphere
//! as in LQK+20 (the Bilinear Lasso constrains `a ∈ S^{n−1}`, so a kernel off
//! the sphere could never be recovered exactly).

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{Result, Shape, SynthError, check_operand, check_param};

/// Scales `v` to unit Euclidean norm, refusing a zero vector.
fn normalised(mut v: Vec<f64>, what: &'static str) -> Result<Vec<f64>> {
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    if !(norm > 0.0 && norm.is_finite()) {
        return Err(SynthError::ZeroKernel { what });
    }
    v.iter_mut().for_each(|x| *x /= norm);
    Ok(v)
}

fn check_len(what: &'static str, n: usize) -> Result<usize> {
    if n == 0 {
        Err(SynthError::EmptyShape { what })
    } else {
        Ok(n)
    }
}

/// A kernel drawn uniformly from the unit sphere `S^{n−1}`, `n = shape.len()`
/// (the incoherent kernels of LQK+20 §5: `a0 ~ Uniform(S^{n0−1})`), as a
/// normalised standard Gaussian vector. 2-D shapes give a uniform point of the
/// Frobenius sphere, row-major.
pub fn random_sphere_kernel<R: Rng + ?Sized>(shape: Shape, rng: &mut R) -> Result<Vec<f64>> {
    check_len("random kernel", shape.len())?;
    let v = (0..shape.len()).map(|_| StandardNormal.sample(rng)).collect();
    normalised(v, "random kernel")
}

/// The Gaussian window of LQK+20 §5, the coherent kernel of the experiments:
///
/// `g_{n0,σ} = P_{S^{n0−1}}( [exp(−(2i − n0 − 1)² / (σ² (n0 − 1)²))]_{i=1..n0} )`,
///
/// i.e. samples of `exp(−t²/σ²)` at `n0` points `t` evenly spaced on `[−1, 1]`,
/// projected (normalised) onto the sphere. The paper uses `σ = 0.5`. Entry `k`
/// (0-based) is the paper's `i = k + 1`. For `n0 = 1` the formula is `0/0`; its
/// limit (the single centre sample) gives `[1]`.
pub fn gaussian_window(n0: usize, sigma: f64) -> Result<Vec<f64>> {
    check_len("Gaussian window", n0)?;
    check_param("sigma", sigma, sigma > 0.0, "must be a finite positive width")?;
    if n0 == 1 {
        return Ok(vec![1.0]);
    }
    let denom = sigma * sigma * ((n0 - 1) as f64).powi(2);
    let v = (1..=n0)
        .map(|i| {
            let t = (2 * i) as f64 - n0 as f64 - 1.0;
            (-t * t / denom).exp()
        })
        .collect();
    normalised(v, "Gaussian window")
}

/// Sample times `t_k = k / f`, `k = 0..n0`, of a kernel sampled at `rate_hz`.
fn sample_times(n0: usize, rate_hz: f64) -> Result<impl Iterator<Item = f64>> {
    check_len("calcium kernel", n0)?;
    check_param(
        "sampling rate",
        rate_hz,
        rate_hz > 0.0,
        "must be a finite positive frequency in Hz",
    )?;
    Ok((0..n0).map(move |k| k as f64 / rate_hz))
}

/// AR(1) calcium transient, LQK+20 eq. (6.2): `a0(t) = exp(−t/τ)`, `t ≥ 0`,
/// sampled at `t_k = k/f` for `k = 0, …, n0 − 1` (τ in seconds, `f = rate_hz`
/// in Hz) and normalised onto `S^{n0−1}`. The paper's §6.1.1 setting is
/// `τ = 0.25 s`, `f = 100 Hz`, `n0 = 100` (one second of transient).
pub fn ar1_kernel(n0: usize, tau: f64, rate_hz: f64) -> Result<Vec<f64>> {
    check_param(
        "tau",
        tau,
        tau > 0.0,
        "must be a finite positive time constant in seconds",
    )?;
    let v = sample_times(n0, rate_hz)?.map(|t| (-t / tau).exp()).collect();
    normalised(v, "AR(1) kernel")
}

/// AR(2) calcium transient, LQK+20 eq. (6.3):
/// `a0(t) = exp(−t/τ1) − exp(−t/τ2)`, `t ≥ 0`, `τ1 > τ2 > 0` (decay and rise
/// time in seconds), sampled at `t_k = k/f`, `k = 0, …, n0 − 1`, normalised.
/// The first sample is 0 (the transient rises from rest), so `n0 ≥ 2` is
/// needed. Paper setting (§6.1.1): `τ1 = 0.2 s`, `τ2 = 0.03 s`, 100 Hz,
/// `n0 = 100`.
pub fn ar2_kernel(n0: usize, tau1: f64, tau2: f64, rate_hz: f64) -> Result<Vec<f64>> {
    check_param(
        "tau2",
        tau2,
        tau2 > 0.0,
        "must be a finite positive rise time in seconds",
    )?;
    check_param(
        "tau1",
        tau1,
        tau1 > tau2,
        "must be a finite decay time larger than tau2",
    )?;
    let v = sample_times(n0, rate_hz)?
        .map(|t| (-t / tau1).exp() - (-t / tau2).exp())
        .collect();
    normalised(v, "AR(2) kernel")
}

/// 2-D Gaussian kernel: the separable product `g_{rows,σ} ⊗ g_{cols,σ}` of two
/// seed-003 §5 windows, `A[r, c] = g_{rows,σ}[r] · g_{cols,σ}[c]`, row-major.
///
/// Keeping the paper's relative width (σ is measured in half-widths of the
/// support, so `σ = 0.5` puts `e^{−4}` at the border in each direction) makes
/// the 2-D coherent kernel the exact analogue of the 1-D one. The product of
/// two unit vectors has unit Frobenius norm, so no further normalisation.
pub fn gaussian_kernel_2d(rows: usize, cols: usize, sigma: f64) -> Result<Vec<f64>> {
    let g_rows = gaussian_window(rows, sigma)?;
    let g_cols = gaussian_window(cols, sigma)?;
    Ok(g_rows
        .iter()
        .flat_map(|&gr| g_cols.iter().map(move |&gc| gr * gc))
        .collect())
}

/// An STM-like 2-D defect motif (LQK+20 §6.2.2, Figure 29: dopant defects
/// in an STM image of a Co-doped NaFeAs lattice).
///
/// Such defects appear as a bright dimer ("dumbbell") with a two-fold
/// symmetry set by the lattice, surrounded by a halo of alternating bright and
/// dark rings (the Friedel-like oscillation of the electron density around an
/// impurity). The motif, with `ρ` the distance to the centre of the window and
/// `u` the unit vector at angle `angle` from the row axis, is
///
/// `M(p) = G(p − s·u) + G(p + s·u) + ripple · exp(−ρ²/(2d²)) · cos(2πρ/λ)`,
/// `G(q) = exp(−|q|²/(2w²))`,
///
/// normalised onto the Frobenius sphere. The signed halo gives a kernel of
/// both signs (unlike a PSF) and the dimer is only two-fold symmetric (unlike a
/// Gaussian spot): the features that set the paper's STM motifs apart from
/// the microscopy PSFs. It is a phenomenological shape, not a physical model.
#[derive(Debug, Clone, PartialEq)]
pub struct StmMotif {
    /// Rows of the motif.
    pub rows: usize,
    /// Columns of the motif.
    pub cols: usize,
    /// Half the distance between the two lobes, `s` (pixels).
    pub separation: f64,
    /// Width of each lobe, `w` (pixels).
    pub lobe_width: f64,
    /// Amplitude of the oscillating halo relative to a lobe.
    pub ripple: f64,
    /// Wavelength of the halo, `λ` (pixels).
    pub wavelength: f64,
    /// Decay length of the halo envelope, `d` (pixels).
    pub decay: f64,
    /// Orientation of the dimer axis, radians from the row axis.
    pub angle: f64,
}

impl StmMotif {
    /// Defaults scaled to the window: `s = n/6`, `w = n/10`, `λ = n/3`,
    /// `d = n/3`, ripple 0.5, angle π/4 (`n = min(rows, cols)`), so that the
    /// motif decays to a few percent at the border of the window.
    pub fn new(rows: usize, cols: usize) -> Self {
        let n = rows.min(cols).max(1) as f64;
        Self {
            rows,
            cols,
            separation: n / 6.0,
            lobe_width: n / 10.0,
            ripple: 0.5,
            wavelength: n / 3.0,
            decay: n / 3.0,
            angle: std::f64::consts::FRAC_PI_4,
        }
    }

    /// Shape of the motif.
    pub fn shape(&self) -> Shape {
        Shape::d2(self.rows, self.cols)
    }

    /// Samples and normalises the motif, row-major.
    pub fn generate(&self) -> Result<Vec<f64>> {
        check_len("STM motif", self.shape().len())?;
        let positive = "must be a finite positive length in pixels";
        check_param(
            "separation",
            self.separation,
            self.separation >= 0.0,
            "must be finite and >= 0",
        )?;
        check_param("lobe width", self.lobe_width, self.lobe_width > 0.0, positive)?;
        check_param("wavelength", self.wavelength, self.wavelength > 0.0, positive)?;
        check_param("decay", self.decay, self.decay > 0.0, positive)?;
        check_param("ripple", self.ripple, true, "must be finite")?;
        check_param("angle", self.angle, true, "must be finite")?;
        let (cr, cc) = ((self.rows - 1) as f64 / 2.0, (self.cols - 1) as f64 / 2.0);
        let (ur, uc) = (
            self.angle.cos() * self.separation,
            self.angle.sin() * self.separation,
        );
        let lobe = |dr: f64, dc: f64| (-(dr * dr + dc * dc) / (2.0 * self.lobe_width.powi(2))).exp();
        let tau = std::f64::consts::TAU;
        let v = (0..self.rows)
            .flat_map(|r| (0..self.cols).map(move |c| (r as f64 - cr, c as f64 - cc)))
            .map(|(dr, dc)| {
                let rho = (dr * dr + dc * dc).sqrt();
                let halo =
                    (-rho * rho / (2.0 * self.decay.powi(2))).exp() * (tau * rho / self.wavelength).cos();
                lobe(dr - ur, dc - uc) + lobe(dr + ur, dc + uc) + self.ripple * halo
            })
            .collect();
        normalised(v, "STM motif")
    }
}

/// Which ground-truth kernel an [`Instance`](super::Instance) uses.
#[derive(Debug, Clone, PartialEq)]
pub enum KernelSpec {
    /// [`random_sphere_kernel`] of the given shape (a fresh draw per kernel).
    RandomSphere(Shape),
    /// [`gaussian_window`] `g_{n0,σ}`.
    GaussianWindow {
        /// Length.
        n0: usize,
        /// Relative width σ (0.5 in LQK+20 §5).
        sigma: f64,
    },
    /// [`ar1_kernel`], eq. (6.2).
    Ar1 {
        /// Length in samples.
        n0: usize,
        /// Decay time τ in seconds.
        tau: f64,
        /// Sampling rate in Hz.
        rate_hz: f64,
    },
    /// [`ar2_kernel`], eq. (6.3).
    Ar2 {
        /// Length in samples.
        n0: usize,
        /// Decay time τ1 in seconds.
        tau1: f64,
        /// Rise time τ2 < τ1 in seconds.
        tau2: f64,
        /// Sampling rate in Hz.
        rate_hz: f64,
    },
    /// [`gaussian_kernel_2d`].
    Gaussian2d {
        /// Rows.
        rows: usize,
        /// Columns.
        cols: usize,
        /// Relative width σ.
        sigma: f64,
    },
    /// An [`StmMotif`].
    Stm(StmMotif),
    /// A caller's kernel, normalised onto the sphere when the instance is drawn.
    Given {
        /// Entries, row-major.
        data: Vec<f64>,
        /// Shape.
        shape: Shape,
    },
}

impl KernelSpec {
    /// Shape of the kernel this specification produces.
    pub fn shape(&self) -> Shape {
        match self {
            Self::RandomSphere(shape) | Self::Given { shape, .. } => *shape,
            Self::GaussianWindow { n0, .. } | Self::Ar1 { n0, .. } | Self::Ar2 { n0, .. } => Shape::d1(*n0),
            Self::Gaussian2d { rows, cols, .. } => Shape::d2(*rows, *cols),
            Self::Stm(motif) => motif.shape(),
        }
    }

    /// Produces the kernel; only [`KernelSpec::RandomSphere`] draws from `rng`.
    pub fn generate<R: Rng + ?Sized>(&self, rng: &mut R) -> Result<Vec<f64>> {
        match self {
            Self::RandomSphere(shape) => random_sphere_kernel(*shape, rng),
            Self::GaussianWindow { n0, sigma } => gaussian_window(*n0, *sigma),
            Self::Ar1 { n0, tau, rate_hz } => ar1_kernel(*n0, *tau, *rate_hz),
            Self::Ar2 {
                n0,
                tau1,
                tau2,
                rate_hz,
            } => ar2_kernel(*n0, *tau1, *tau2, *rate_hz),
            Self::Gaussian2d { rows, cols, sigma } => gaussian_kernel_2d(*rows, *cols, *sigma),
            Self::Stm(motif) => motif.generate(),
            Self::Given { data, shape } => {
                check_operand("given kernel", data, *shape)?;
                normalised(data.clone(), "given kernel")
            }
        }
    }
}
