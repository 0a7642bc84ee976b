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

/// Signals per thread that [`deconvolve_batch_streamed`] solves between two
/// hand-overs: enough that the slowest solve of a round keeps the other
/// threads idle only briefly (solve times of one batch vary by a few ×),
/// few enough that a round's results take little memory.
const ROUND_PER_THREAD: usize = 8;

/// [`deconvolve_batch`] that hands each result to `sink`, in input order,
/// as soon as its round is done, instead of returning them all: the batch
/// holds one round of results at a time (eight per thread of
/// rayon's pool), so `sink` can write each to disk and a batch of any
/// length runs in the memory of a few traces. `sink` runs on the calling
/// thread; the first error it returns stops the batch (after the round in
/// flight) and is returned.
///
/// ```no_run
/// use sasd::pipeline::{Deconvolution, deconvolve_batch_streamed};
/// # let traces: Vec<Vec<f64>> = vec![];
/// let spec = Deconvolution::new(50).bias(true);
/// deconvolve_batch_streamed(&spec, &traces, |i, out| {
///     match out {
///         Ok(d) => println!("trace {i}: {} iterations", d.iterations),
///         Err(e) => println!("trace {i}: {e}"),
///     }
///     Ok::<(), std::io::Error>(())
/// })
/// .expect("sink");
/// ```
pub fn deconvolve_batch_streamed<E>(
    spec: &Deconvolution,
    signals: &[Vec<f64>],
    mut sink: impl FnMut(usize, Result<Deconvolved>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let round = ROUND_PER_THREAD * rayon::current_num_threads().max(1);
    for (r, part) in signals.chunks(round).enumerate() {
        let results: Vec<Result<Deconvolved>> = part.par_iter().map(|y| spec.run(y)).collect();
        for (i, out) in results.into_iter().enumerate() {
            sink(r * round + i, out)?;
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

    fn traces(count: usize) -> Vec<Vec<f64>> {
        (0..count as u64)
            .map(|seed| {
                InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(8)), Shape::d1(400))
                    .activation(ActivationLaw::BernoulliRademacher, 0.05)
                    .generate_seeded(seed + 1)
                    .expect("instance")
                    .observation
            })
            .collect()
    }

    /// The streamed batch hands over every result once, in input order,
    /// equal to the collected batch's; a failing signal yields its error in
    /// its place; the sink's first error stops the batch.
    #[test]
    fn streamed_results_come_in_order_and_equal_the_batch() {
        let mut signals = traces(2 * ROUND_PER_THREAD * rayon::current_num_threads() + 3);
        signals[5] = vec![f64::NAN; 400];
        let spec = Deconvolution::new(8).max_iterations(200);
        let collected = deconvolve_batch(&spec, &signals);
        let mut seen = Vec::new();
        deconvolve_batch_streamed(&spec, &signals, |i, out| {
            match (&out, &collected[i]) {
                (Ok(a), Ok(b)) => assert_eq!(a.kernels, b.kernels, "trace {i}"),
                (Err(_), Err(_)) => {}
                _ => panic!("trace {i}: streamed and collected differ"),
            }
            seen.push(i);
            Ok::<(), ()>(())
        })
        .expect("no sink error");
        assert_eq!(seen, (0..signals.len()).collect::<Vec<_>>());
        assert!(collected[5].is_err());

        let mut calls = 0;
        let stopped = deconvolve_batch_streamed(&spec, &signals, |i, _| {
            calls += 1;
            if i == 2 { Err(i) } else { Ok(()) }
        });
        assert_eq!((stopped, calls), (Err(2), 3));
    }
}
