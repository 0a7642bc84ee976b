//! The initial point of the deblurring run on the lifted sphere, in the
//! non-negative orthant (the pipeline's lifting, shift correction and
//! activation shift serve it otherwise).

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::geometry::{Grid, at, lift};

/// How the lifted kernel starts, on S^{n−1} ∩ ℝⁿ₊.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Init {
    /// The uniform n₁×n₂ box in the middle of the lifted kernel (offset
    /// n − 1 per axis, as the zero-padding of LQK+20 eq. 3.5), normalised:
    /// a blur of the kernel's full size with no preferred direction. The
    /// default; it ignores the seed.
    #[default]
    Box,
    /// An n₁×n₂ patch of independent uniform [0, 1) entries in the middle of
    /// the lifted kernel, normalised, from the run's seed: a random point of
    /// the non-negative orthant of the unlifted sphere.
    Random,
}

/// The initial lifted kernel (on `lift(kgrid)`), non-negative, unit norm.
pub(crate) fn initial_kernel(init: Init, kgrid: Grid, seed: u64) -> Vec<f64> {
    let (kr, kc) = kgrid;
    let lgrid = lift(kgrid);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut a = vec![0.0; lgrid.0 * lgrid.1];
    for j in 0..kc {
        for i in 0..kr {
            a[at(lgrid.0, kr - 1 + i, kc - 1 + j)] = match init {
                Init::Box => 1.0,
                // The middle tap is at least ½: the patch never vanishes.
                Init::Random if (i, j) == (kr / 2, kc / 2) => rng.random_range(0.5..1.0),
                Init::Random => rng.random_range(0.0..1.0),
            };
        }
    }
    let norm = a.iter().map(|t| t * t).sum::<f64>().sqrt();
    a.iter_mut().for_each(|t| *t /= norm);
    a
}
