//! Blind deblurring of photographs: ZLK+19 eq. 28's two blocks (sparse
//! gradient maps, then the shared non-negative kernel, read only from the
//! edges that XJ10's r-map calls useful) alternated over a coarse-to-fine
//! pyramid on a smoothly periodic extension of the image, then a
//! hyper-Laplacian restoration (KF09). See
//! `docs/studies/deblur-collapse.md` for why the single-scale solve of
//! [`Deblur`](super::Deblur) fails on photographs and what each piece buys.

use std::time::{Duration, Instant};

use super::edges::edge_mask;
use super::extend::Frame;
use super::fourier::Fourier;
use super::gradient::check_image;
use super::kernel_step::{clean_kernel, estimate_kernel};
use super::latent::l0_latent;
use super::noise::noise_level;
use super::resample::{resize, resize_kernel};
use super::restore::hyper_laplacian;
use crate::error::{Result, SasdError, check_at_least, check_len};

/// Pyramid ratio between levels (PHSY14, XZJ13).
const RATIO: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// Kernel side at the coarsest level, at most.
const COARSEST_KERNEL: f64 = 5.0;
/// Per-iteration decay of the ℓ⁰ weight and its floor (PHSY14).
const LAMBDA_DECAY: f64 = 1.1;
const LAMBDA_MIN: f64 = 1e-4;
/// Kernel taps below this fraction of the largest are noise (set to 0).
const KERNEL_FLOOR: f64 = 0.05;
/// The r-map threshold of the edges the kernel is read from (XJ10's τ_r;
/// on the vendored photographs 0.3 beat 0.1, 0.2, 0.25, 0.35, 0.4 and 0.45).
const EDGE_THRESHOLD: f64 = 0.3;
/// Ridge of the kernel step, relative to the gradient energy.
const RIDGE: f64 = 1e-3;
/// The noise level assumed at least: 8-bit quantisation, 1/(255·√12).
const NOISE_FLOOR: f64 = 1.0 / (255.0 * 3.464);

/// The builder of a blind deblurring run on a photograph.
///
/// ```no_run
/// use sasd::deblur::BlindDeblur;
/// # let blurred = vec![0.5; 256 * 256];
/// let run = BlindDeblur::new(9, 9).estimate(&blurred, 256, 256)?;
/// let sharp = run.restore(&blurred)?;
/// # Ok::<(), sasd::SasdError>(())
/// ```
#[derive(Debug, Clone)]
pub struct BlindDeblur {
    kernel: (usize, usize),
    lambda: Option<f64>,
    noise: Option<f64>,
    iterations: usize,
    max_side: usize,
    max_levels: usize,
    extend: bool,
    select_edges: bool,
    mean_final: bool,
}

/// The outcome of [`BlindDeblur::estimate`].
#[derive(Debug, Clone)]
pub struct KernelEstimate {
    /// The blur kernel, row-major `k₁ × k₂`, centred at (k₁/2, k₂/2) as in
    /// [`blur_image`](super::blur_image): entries ≥ 0, Σ = 1.
    pub kernel: Vec<f64>,
    /// `(k₁, k₂)`.
    pub kernel_dims: (usize, usize),
    /// The image's `(rows, cols)`.
    pub image_dims: (usize, usize),
    /// The noise standard deviation used (given, or estimated by
    /// [`noise_level`](super::noise_level)), in the image's units.
    pub noise: f64,
    /// Pyramid levels run (coarsest first).
    pub levels: usize,
    /// Wall time of the estimate.
    pub elapsed: Duration,
}

impl BlindDeblur {
    /// A run for a `rows × cols` kernel with the defaults: ℓ⁰ weight
    /// λ₀ = max(6·10⁻³, 60σ̂²) on the image scaled to [0, 1] (σ̂ the noise
    /// level; PHSY14 use 4·10⁻³ on clean images, and at σ = 0.01
    /// 6·10⁻³ gave the best kernels of 2, 4, 6, 8, 16·10⁻³ on the vendored
    /// photographs), decaying by 1.1 per alternation, 5
    /// alternations per pyramid level, the finest level's kernel the mean
    /// of its alternations' kernels, the kernel estimated on at most the
    /// central 1024 × 1024 pixels (512 × 512 was too small for the 37 × 37
    /// kernels of 1024² photographs: line correlation 0.48–0.53 against
    /// 0.69 on the whole image, 0.72–0.75 with the mean kernel).
    pub fn new(rows: usize, cols: usize) -> Self {
        Self {
            kernel: (rows, cols),
            lambda: None,
            noise: None,
            iterations: 5,
            max_side: 1024,
            max_levels: usize::MAX,
            extend: true,
            select_edges: true,
            mean_final: true,
        }
    }

    /// The initial ℓ⁰ weight λ₀ (on the [0, 1]-scaled image; finite, > 0).
    pub fn lambda(mut self, lambda: f64) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// The noise standard deviation in the image's units (finite, > 0),
    /// instead of the estimate.
    pub fn noise(mut self, sigma: f64) -> Self {
        self.noise = Some(sigma);
        self
    }

    /// Alternations per pyramid level (≥ 1).
    pub fn iterations(mut self, n: usize) -> Self {
        self.iterations = n;
        self
    }

    /// At most this many pyramid levels (≥ 1; 1 estimates at full
    /// resolution only, for studies of what the pyramid buys).
    pub fn max_levels(mut self, levels: usize) -> Self {
        self.max_levels = levels;
        self
    }

    /// Whether the image is extended to a smoothly periodic one before the
    /// FFTs (default true; false treats it as cyclic, for studies).
    pub fn extend_boundary(mut self, extend: bool) -> Self {
        self.extend = extend;
        self
    }

    /// Whether the kernel step reads only the edges that XJ10's r-map
    /// calls useful (default true; false uses every latent gradient, for
    /// studies): r ≥ 0.3 over windows as wide as the kernel, inside the
    /// image (not its periodic extension).
    pub fn select_edges(mut self, select: bool) -> Self {
        self.select_edges = select;
        self
    }

    /// Whether the finest level's kernel is the mean of the kernels of its
    /// alternations, normalised again (default true), rather than the last
    /// alternation's kernel (false, for studies).
    pub fn mean_final_kernel(mut self, mean: bool) -> Self {
        self.mean_final = mean;
        self
    }

    /// Largest side of the central window the kernel is estimated on
    /// (≥ 4 × the kernel side; the restoration uses the whole image).
    pub fn max_side(mut self, side: usize) -> Self {
        self.max_side = side;
        self
    }

    /// The kernel's `(rows, cols)`.
    pub fn kernel_dims(&self) -> (usize, usize) {
        self.kernel
    }

    /// Estimates the blur kernel of a row-major `rows × cols` photograph.
    ///
    /// Errors: an empty, misshapen or non-finite image
    /// ([`SasdError::EmptySignal`], [`SasdError::ShapeMismatch`],
    /// [`SasdError::NonFinite`]); one row or column
    /// ([`SasdError::Unsupported`]: 1-D data); a zero kernel size
    /// ([`SasdError::ZeroDimension`]); a kernel side above a quarter of the
    /// image's ([`SasdError::Unsupported`]); a constant image
    /// ([`SasdError::NoSignal`]); bad options ([`SasdError::InvalidLambda`],
    /// [`SasdError::InvalidParameter`]).
    pub fn estimate(&self, image: &[f64], rows: usize, cols: usize) -> Result<KernelEstimate> {
        let start = Instant::now();
        check_photo(image, rows, cols, self.kernel)?;
        if let Some(l) = self.lambda {
            crate::error::check_lambda(l)?;
        }
        if let Some(s) = self.noise {
            check_at_least("noise", s, f64::MIN_POSITIVE)?;
        }
        check_at_least("iterations", self.iterations as f64, 1.0)?;
        check_at_least("max_levels", self.max_levels as f64, 1.0)?;
        let (k1, k2) = self.kernel;
        check_at_least("max_side", self.max_side as f64, 4.0 * k1.max(k2) as f64)?;
        let (lo, range) = range(image).ok_or(SasdError::NoSignal)?;
        let unit: Vec<f64> = image.iter().map(|v| (v - lo) / range).collect();
        let (window, wdims) = central_window(&unit, (rows, cols), self.max_side);
        let sigma = self
            .noise
            .map(|s| s / range)
            .unwrap_or_else(|| noise_level(&window, wdims))
            .max(NOISE_FLOOR);
        let lambda0 = self.lambda.unwrap_or((6e-3f64).max(60.0 * sigma * sigma));
        let levels = level_count(self.kernel, wdims).min(self.max_levels);
        let mut kernel = vec![1.0];
        let mut kdims = (1, 1);
        for level in (0..levels).rev() {
            let scale = RATIO.powi(level as i32);
            let (ldims, lk) = if level == 0 {
                (wdims, self.kernel)
            } else {
                let side = |n: usize| ((n as f64 * scale).round() as usize).max(1);
                let odd = |k: usize| (((k as f64 * scale).round() as usize) | 1).max(3);
                ((side(wdims.0), side(wdims.1)), (odd(k1), odd(k2)))
            };
            let y = resize(&window, wdims, ldims);
            kernel = resize_kernel(&kernel, kdims, lk);
            kdims = lk;
            kernel = self.level(&y, ldims, kernel, kdims, lambda0, level == 0)?;
        }
        recentre(&mut kernel, kdims);
        Ok(KernelEstimate {
            kernel,
            kernel_dims: kdims,
            image_dims: (rows, cols),
            noise: sigma * range,
            levels,
            elapsed: start.elapsed(),
        })
    }

    /// The alternations of one level on a `dims` image.
    fn level(
        &self,
        y: &[f64],
        dims: (usize, usize),
        mut kernel: Vec<f64>,
        kdims: (usize, usize),
        lambda0: f64,
        finest: bool,
    ) -> Result<Vec<f64>> {
        let frame = if self.extend {
            Frame::new(dims, kdims.0.max(kdims.1))
        } else {
            Frame::cyclic(dims)
        };
        let y = frame.extend(y);
        let mut fourier = Fourier::new(frame.outer.0, frame.outer.1)?;
        let y_hat = fourier.forward(&y);
        let mut lambda = lambda0;
        // XJ10's useful edges: windows as wide as the kernel.
        let side = kdims.0.max(kdims.1);
        let mask = self
            .select_edges
            .then(|| edge_mask(&y, &frame, side / 2, EDGE_THRESHOLD));
        // At the finest level, the sum of the alternations' kernels.
        let mut sum = (finest && self.mean_final).then(|| vec![0.0; kernel.len()]);
        for _ in 0..self.iterations {
            let k_hat = fourier.kernel_spectrum(&kernel, kdims);
            let latent = l0_latent(&mut fourier, &y, &y_hat, &k_hat, lambda);
            let mut next = estimate_kernel(&mut fourier, &latent, &y, kdims, RIDGE, &kernel, mask.as_deref());
            if clean_kernel(&mut next, kdims, KERNEL_FLOOR).is_some() {
                kernel = next;
            }
            if let Some(s) = sum.as_mut() {
                s.iter_mut().zip(&kernel).for_each(|(s, t)| *s += t);
            }
            lambda = (lambda / LAMBDA_DECAY).max(LAMBDA_MIN);
        }
        // Their mean (each Σ = 1), normalised like every kernel (floor,
        // heaviest piece, Σ = 1): the last alternation's least-squares
        // kernel is speckled by the noise of its latent image, and the mean
        // of five raised the kernel correlation at every size measured.
        if let Some(mut mean) = sum
            && clean_kernel(&mut mean, kdims, KERNEL_FLOOR).is_some()
        {
            kernel = mean;
        }
        Ok(kernel)
    }
}

impl KernelEstimate {
    /// The sharp image from this kernel by [`restore_centred`] with the
    /// estimate's noise level: a blind kernel is known up to a shift, and
    /// its centre of mass, not its centre tap, is where the blurred image's
    /// features sit.
    pub fn restore(&self, blurred: &[f64]) -> Result<Vec<f64>> {
        restore_centred(
            blurred,
            self.image_dims,
            &self.kernel,
            self.kernel_dims,
            self.noise,
        )
    }
}

/// Non-blind restoration of a row-major `rows × cols` image blurred by a
/// known centred kernel (non-negative, Σ > 0; rescaled to Σ = 1) under noise
/// of standard deviation `noise` (image units, > 0): the hyper-Laplacian
/// prior of KF09 (α = 2/3) by half-quadratic splitting on a smoothly
/// periodic extension of the image, cropped back; data weight
/// λ = 0.15/σ² on the image scaled to [0, 1] (1500 at 1 % noise, as KF09's
/// 2000; with estimated kernels 0.15 beat 0.3 and 0.075 on the vendored
/// photographs, the true kernel's best being 0.3).
///
/// Errors: a bad image (empty, shape, non-finite, constant is allowed), a
/// kernel of the wrong length, larger than the image, non-finite, negative
/// or summing to ≤ 0, a noise level not finite and > 0.
pub fn restore(
    blurred: &[f64],
    dims: (usize, usize),
    kernel: &[f64],
    kdims: (usize, usize),
    noise: f64,
) -> Result<Vec<f64>> {
    restore_from(blurred, dims, kernel, kdims, noise, Origin::CentreTap)
}

/// [`restore`] in the frame of the kernel's centre of mass rather than its
/// centre tap (k₁/2, k₂/2): the restored image lies over the blurred one,
/// to a fraction of a pixel, wherever the kernel sits in its window.
///
/// For a blind estimate this is the frame to restore in: the estimate is
/// known up to a shift, and a whole-pixel recentring (what
/// [`BlindDeblur::estimate`] does) leaves its centre of mass up to half a
/// pixel off the centre tap; restoring there shifts the image by that
/// fraction, which cost 0.3–1.0 dB against the sharp image on the
/// vendored photographs (`docs/studies/deblur-collapse.md`, round 6).
/// Blind deblurring codes commonly centre the estimate by its centre of
/// mass before the non-blind step too (PHSY14's code has a step for it).
/// Scored aligned to a fraction of a pixel ([`psnr_subpixel`](super::psnr_subpixel)),
/// the two frames restore equally well.
///
/// Errors: those of [`restore`].
pub fn restore_centred(
    blurred: &[f64],
    dims: (usize, usize),
    kernel: &[f64],
    kdims: (usize, usize),
    noise: f64,
) -> Result<Vec<f64>> {
    restore_from(blurred, dims, kernel, kdims, noise, Origin::CentreOfMass)
}

/// Where a restoration puts the kernel's origin.
#[derive(Clone, Copy, PartialEq)]
enum Origin {
    CentreTap,
    CentreOfMass,
}

fn restore_from(
    blurred: &[f64],
    (rows, cols): (usize, usize),
    kernel: &[f64],
    (k1, k2): (usize, usize),
    noise: f64,
    origin: Origin,
) -> Result<Vec<f64>> {
    check_image(blurred, rows, cols)?;
    check_len("kernel", kernel, k1 * k2)?;
    crate::error::check_finite("kernel", kernel)?;
    for (axis, (k, m)) in [(k1, rows), (k2, cols)].into_iter().enumerate() {
        if k == 0 || k > m {
            return Err(SasdError::KernelTooLong {
                kernel: k,
                signal: m,
                axis,
            });
        }
    }
    if let Some(v) = kernel.iter().find(|t| **t < 0.0) {
        return Err(SasdError::InvalidParameter {
            name: "kernel entry",
            value: *v,
            min: 0.0,
        });
    }
    let sum: f64 = kernel.iter().sum();
    check_at_least("kernel sum", sum, f64::MIN_POSITIVE)?;
    check_at_least("noise", noise, f64::MIN_POSITIVE)?;
    let Some((lo, range)) = range(blurred) else {
        return Ok(blurred.to_vec());
    };
    let unit: Vec<f64> = blurred.iter().map(|v| (v - lo) / range).collect();
    let k: Vec<f64> = kernel.iter().map(|t| t / sum).collect();
    let sigma = (noise / range).max(NOISE_FLOOR);
    let offset = match origin {
        Origin::CentreTap => (0.0, 0.0),
        Origin::CentreOfMass => centre_of_mass(&k, (k1, k2)),
    };
    let sharp = hyper_laplacian(&unit, (rows, cols), &k, (k1, k2), offset, 0.15 / (sigma * sigma))?;
    Ok(sharp.iter().map(|v| v * range + lo).collect())
}

/// The checks every photograph passes: a finite 2-D image, a kernel at most
/// a quarter of each side.
pub(crate) fn check_photo(image: &[f64], rows: usize, cols: usize, (k1, k2): (usize, usize)) -> Result<()> {
    check_image(image, rows, cols)?;
    if rows < 2 || cols < 2 {
        return Err(SasdError::Unsupported {
            method: "blind deblurring",
            feature: "1-D data (an image needs at least 2 rows and 2 columns)",
        });
    }
    if k1 == 0 || k2 == 0 {
        return Err(SasdError::ZeroDimension { what: "kernel size" });
    }
    if 4 * k1 > rows || 4 * k2 > cols {
        return Err(SasdError::Unsupported {
            method: "blind deblurring",
            feature: "a kernel larger than a quarter of the image (use a smaller kernel or a larger image)",
        });
    }
    Ok(())
}

/// (min, max − min), `None` for a constant image.
fn range(v: &[f64]) -> Option<(f64, f64)> {
    let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &t| {
        (l.min(t), h.max(t))
    });
    (hi > lo).then_some((lo, hi - lo))
}

/// The central window of at most `side × side` pixels.
fn central_window(v: &[f64], (rows, cols): (usize, usize), side: usize) -> (Vec<f64>, (usize, usize)) {
    let (r, c) = (rows.min(side), cols.min(side));
    let (r0, c0) = ((rows - r) / 2, (cols - c) / 2);
    let mut out = Vec::with_capacity(r * c);
    for i in r0..r0 + r {
        out.extend_from_slice(&v[i * cols + c0..i * cols + c0 + c]);
    }
    (out, (r, c))
}

/// Levels until the kernel's larger side is at most [`COARSEST_KERNEL`] or
/// the image's smaller side would drop below 32 pixels.
fn level_count((k1, k2): (usize, usize), (rows, cols): (usize, usize)) -> usize {
    let mut levels = 1;
    let mut scale = 1.0;
    while k1.max(k2) as f64 * scale > COARSEST_KERNEL && rows.min(cols) as f64 * scale * RATIO >= 32.0 {
        scale *= RATIO;
        levels += 1;
    }
    levels
}

/// The centre of mass of a kernel with Σ = 1, in pixels from its centre
/// tap (k₁/2, k₂/2), (rows, columns).
fn centre_of_mass(k: &[f64], (k1, k2): (usize, usize)) -> (f64, f64) {
    let (mut ci, mut cj) = (0.0, 0.0);
    for (p, t) in k.iter().enumerate() {
        ci += (p / k2) as f64 * t;
        cj += (p % k2) as f64 * t;
    }
    (ci - (k1 / 2) as f64, cj - (k2 / 2) as f64)
}

/// Moves the kernel by whole pixels so its centre of mass is as near the
/// window's centre as the support allows (a blind kernel is known up to a
/// shift; a centred one restores the image in place).
fn recentre(k: &mut [f64], (k1, k2): (usize, usize)) {
    let (ci, cj) = centre_of_mass(k, (k1, k2));
    let rows: Vec<usize> = (0..k1)
        .filter(|&a| k[a * k2..(a + 1) * k2].iter().any(|t| *t > 0.0))
        .collect();
    let cols: Vec<usize> = (0..k2)
        .filter(|&b| (0..k1).any(|a| k[a * k2 + b] > 0.0))
        .collect();
    let (Some(&r0), Some(&r1), Some(&c0), Some(&c1)) = (rows.first(), rows.last(), cols.first(), cols.last())
    else {
        return;
    };
    let di = (-ci.round() as isize).clamp(-(r0 as isize), (k1 - 1 - r1) as isize);
    let dj = (-cj.round() as isize).clamp(-(c0 as isize), (k2 - 1 - c1) as isize);
    if di == 0 && dj == 0 {
        return;
    }
    let old = k.to_vec();
    k.iter_mut().for_each(|t| *t = 0.0);
    for a in r0..=r1 {
        for b in c0..=c1 {
            let (na, nb) = ((a as isize + di) as usize, (b as isize + dj) as usize);
            k[na * k2 + nb] = old[a * k2 + b];
        }
    }
}
