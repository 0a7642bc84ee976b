//! Cost of the observation models on a long recording: time and real FFTs
//! per iADM iteration (LQK+20 Alg. 5) of the Bilinear Lasso under the
//! circular model, the linear ("valid") model, and either with the DCT
//! baseline, on the same data; and the time of one real FFT at the lengths
//! the linear model could use (the unpadded m + n − 1 against the 5-smooth
//! length it pads to).
//!
//! Data: m = 10⁵ samples of a linear convolution a₀ ∗ x₀ (a₀ on the sphere,
//! n₀ = 100, lifted n = 3n₀ − 2; x₀ Bernoulli–Rademacher, θ = n₀^{−3/4}).
//! Each model runs the same number of iADM iterations at λ = 0.1/√n from
//! the same data-driven start; the time per iteration is the run's wall
//! time over its iterations (median of `--repeats` runs).
//!
//! Measured here (2 shared cores, so times move by ~30% with the load;
//! the ratios hold): real FFT pair 0.85 ms at m = 10⁵, 10.4 ms at the
//! unpadded m + n − 1 = 100297, 1.1 ms at fast_len = 101250; per iADM
//! iteration, circular + bias 6.7–9.6 ms and 7.1 FFTs, linear + bias
//! 14.1–19.2 ms and 14.2 FFTs, linear + baseline (K = 201 DCT terms)
//! 23.8–25.9 ms and 14.3 FFTs (the DCT-II/III pair of the baseline step,
//! 4.3 ms at this length, is the difference).
//!
//! ```sh
//! cargo run --release --example linear_boundary
//! cargo run --release --example linear_boundary -- --m 20000 --iterations 300
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use manifold::Sphere;
use optim::{Blocks, Executor, InertialAdm, ManifoldProblem, StopCriterion, TwoBlockSmooth};
use rand::SeedableRng;
use rand::rngs::StdRng;
use realfft::RealFftPlanner;
use sasd::conv::fast_len;
use sasd::objective::{BilinearLasso, Boundary, lasso_penalty};
use sasd::pipeline::initial_kernel;
use sasd::synth::{ActivationLaw, Convolution, Shape, activation, convolve, random_sphere_kernel};

const USAGE: &str = "usage: linear_boundary [--m M] [--n0 N0] [--iterations K] [--repeats R]";

fn arg(args: &[String], name: &str, default: usize) -> usize {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{USAGE}")),
        None => default,
    }
}

/// Median time of one forward + one inverse real FFT of length `len`.
fn fft_pair(len: usize, reps: usize) -> Duration {
    let mut planner = RealFftPlanner::<f64>::new();
    let (fwd, inv) = (planner.plan_fft_forward(len), planner.plan_fft_inverse(len));
    let mut x: Vec<f64> = (0..len).map(|i| ((i * 7919) % 101) as f64 - 50.0).collect();
    let mut spec = fwd.make_output_vec();
    let (mut s1, mut s2) = (fwd.make_scratch_vec(), inv.make_scratch_vec());
    let mut times: Vec<Duration> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            fwd.process_with_scratch(&mut x, &mut spec, &mut s1)
                .expect("lengths");
            spec[0].im = 0.0;
            if len.is_multiple_of(2) {
                spec[len / 2].im = 0.0;
            }
            inv.process_with_scratch(&mut spec, &mut x, &mut s2)
                .expect("lengths");
            x.iter_mut().for_each(|v| *v /= len as f64);
            black_box(&x);
            t.elapsed()
        })
        .collect();
    times.sort();
    times[reps / 2]
}

/// Time per iteration and FFTs per iteration of `iterations` iADM steps.
fn per_iteration(mut psi: BilinearLasso, a0: &[f64], iterations: usize) -> (Duration, f64, f64) {
    let n = psi.kernel_shape();
    let lambda = 0.1 / (n as f64).sqrt();
    let x0 = vec![0.0; psi.x_len()];
    let penalty = lasso_penalty(psi.x_len(), None, false).expect("penalty");
    psi.reset_ffts();
    let mut problem = psi.into_composite(lambda, penalty).expect("composite");
    let sphere = Sphere::new(n).expect("sphere");
    let start = Instant::now();
    let res = Executor::new(
        InertialAdm::for_manifold(&sphere),
        ManifoldProblem::new(&sphere, &mut problem),
    )
    .stop(StopCriterion::MaxIterations(iterations))
    .keep_history(false)
    .run(Blocks {
        a: a0.to_vec(),
        x: x0,
    })
    .expect("run");
    let elapsed = start.elapsed();
    let k = res.iterations.max(1);
    (
        elapsed / k as u32,
        problem.smooth.ffts() as f64 / k as f64,
        res.cost,
    )
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    let m = arg(&args, "--m", 100_000);
    let n0 = arg(&args, "--n0", 100);
    let iterations = arg(&args, "--iterations", 200);
    let repeats = arg(&args, "--repeats", 3).max(1);
    let n = 3 * n0 - 2;

    let mut rng = StdRng::seed_from_u64(1);
    let a_true = random_sphere_kernel(Shape::d1(n0), &mut rng).expect("kernel");
    let spikes = m + n0 - 1;
    let theta = (n0 as f64).powf(-0.75);
    let x_true = activation(
        ActivationLaw::BernoulliRademacher,
        theta,
        Shape::d1(spikes),
        &mut rng,
    )
    .expect("x");
    let (full, _) = convolve(
        &a_true,
        Shape::d1(n0),
        &x_true,
        Shape::d1(spikes),
        Convolution::Linear,
    )
    .expect("y");
    let y = full[n0 - 1..n0 - 1 + m].to_vec();
    let a0 = initial_kernel(&y, n0, 0.0, 1).expect("start");

    println!("m = {m}, n0 = {n0}, lifted n = {n}, {iterations} iADM iterations, median of {repeats}");
    let unpadded = m + n - 1;
    let padded = fast_len(unpadded);
    let reps = 201;
    for (what, len) in [("m", m), ("m + n - 1", unpadded), ("fast_len(m + n - 1)", padded)] {
        let t = fft_pair(len, reps);
        println!(
            "  one real FFT pair at {what:>20} = {len:>7}: {:>8.1} us",
            t.as_secs_f64() * 1e6
        );
    }
    println!(
        "  {:<28} {:>10} {:>12} {:>10} {:>14}",
        "model", "x length", "ms / iter", "FFTs/iter", "cost at end"
    );
    let period = 10.0 * n0 as f64;
    let build = |boundary: Boundary, baseline: bool| {
        let psi = BilinearLasso::new_with(&y, n, boundary).expect("objective");
        if baseline {
            psi.with_baseline(period).expect("baseline")
        } else {
            psi.with_bias()
        }
    };
    for (name, boundary, baseline) in [
        ("circular + bias", Boundary::Circular, false),
        ("linear + bias", Boundary::Linear, false),
        ("circular + baseline 10 n0", Boundary::Circular, true),
        ("linear + baseline 10 n0", Boundary::Linear, true),
    ] {
        let mut runs: Vec<(Duration, f64, f64)> = (0..repeats)
            .map(|_| per_iteration(build(boundary, baseline), &a0, iterations))
            .collect();
        runs.sort_by_key(|r| r.0);
        let (t, ffts, cost) = runs[repeats / 2];
        let x_len = build(boundary, baseline).activation_len();
        println!(
            "  {name:<28} {x_len:>10} {:>12.3} {ffts:>10.2} {cost:>14.6e}",
            t.as_secs_f64() * 1e3
        );
    }
}
