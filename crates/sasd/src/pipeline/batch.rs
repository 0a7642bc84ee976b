//! Many independent deconvolutions in parallel (rayon).

use rayon::prelude::*;

use super::{Deconvolution, Deconvolved};
use crate::error::Result;

/// Runs `spec` on every 1-D signal in parallel (rayon's global pool), each
/// with the builder's seed. The results come back in input order, one per
/// signal; a signal that fails (NaN, too short, constant, …) yields its
/// typed error and does not stop the others.
///
/// ```no_run
/// use sasd::pipeline::{Deconvolution, deconvolve_batch};
/// # let traces: Vec<Vec<f64>> = vec![];
/// let spec = Deconvolution::new(50).bias(true);
/// for (i, out) in deconvolve_batch(&spec, &traces).iter().enumerate() {
///     match out {
///         Ok(d) => println!("trace {i}: {} iterations", d.iterations),
///         Err(e) => println!("trace {i}: {e}"),
///     }
/// }
/// ```
pub fn deconvolve_batch(spec: &Deconvolution, signals: &[Vec<f64>]) -> Vec<Result<Deconvolved>> {
    signals.par_iter().map(|y| spec.run(y)).collect()
}

/// [`deconvolve_batch`] for images (row-major, all `rows × cols`, e.g. the
/// frames of a STORM stack, LQK+20 §6.2.1) with a 2-D builder
/// ([`Deconvolution::new_2d`]).
pub fn deconvolve_batch_2d(
    spec: &Deconvolution,
    images: &[Vec<f64>],
    rows: usize,
    cols: usize,
) -> Vec<Result<Deconvolved>> {
    images.par_iter().map(|y| spec.run_2d(y, rows, cols)).collect()
}
