//! One kernel shared by many short traces (issue 20, part 1): p AR(2)
//! calcium traces (τ₁ = 0.2 s, τ₂ = 0.03 s at 100 Hz, n₀ = 100) of m
//! samples each, every one a window of a linear convolution a₀ ∗ x_i with
//! Bernoulli spikes x_i (θ = n₀^(−4/5)), its own bias b_i ∈ [0.5, 1.5] and
//! white noise σ = 0.05 — a recording of p neurons that share their
//! indicator's transient.
//!
//! Per seed, the same traces are deconvolved twice with the same settings
//! (linear model, a bias per trace, x ≥ 0, homotopy-iADM then reweighting,
//! the default noise-following λ):
//! * `shared`: `sasd::shared::SharedKernel`, one kernel for all traces;
//! * `independent`: `sasd::pipeline::deconvolve_batch`, one kernel per trace.
//!
//! Printed per seed and mode: the kernel error (LQK+20 §5.1; for the
//! independent solves the mean and the worst over traces), the mean event
//! F1 within ±2 samples (`Deconvolved::events`, aligned to the truth's
//! shift), iterations (independent: the mean), and wall time.
//!
//! ```sh
//! cargo run --release --example shared_kernel -- --seed 1..=5
//! cargo run --release --example shared_kernel -- --quick
//! ```
//! Options: `--p 20 --m 2000 --noise 0.05 --iterations 4000 --json PATH`.

#[path = "common/mod.rs"]
mod common;

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use sasd::conv::Boundary;
use sasd::metrics::{kernel_error, match_spikes};
use sasd::pipeline::{Deconvolved, MethodSpec, align_activation, deconvolve_batch};
use sasd::shared::SharedKernel;
use sasd::synth::{ActivationLaw, Convolution, InstanceSpec, KernelSpec, Shape};
use serde_json::{Value, json};

const USAGE: &str = "usage: shared_kernel [--quick] [--seed N | --seed A..=B] [--json PATH] [--p 20] [--m 2000] \
[--noise 0.05] [--iterations 4000]";

/// Kernel length n₀.
pub const N0: usize = 100;

/// The study's settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// Traces p.
    pub p: usize,
    /// Samples per trace m.
    pub m: usize,
    /// Noise σ.
    pub noise: f64,
    /// Iteration budget of each solve.
    pub iterations: usize,
    /// Seeds, one set of traces each.
    pub seeds: Vec<u64>,
    /// The observation model of the solves (the traces are always windows
    /// of a linear convolution).
    pub boundary: Boundary,
    /// λ (`None`: the default, max(0.1/√n, 2σ̂)).
    pub lambda: Option<f64>,
    /// The method.
    pub method: MethodSpec,
}

impl Options {
    /// Issue 20's acceptance instance: p = 20 traces of m = 2000 samples,
    /// σ = 0.05.
    pub fn acceptance(seeds: Vec<u64>) -> Self {
        Self {
            p: 20,
            m: 2000,
            noise: 0.05,
            iterations: 4000,
            seeds,
            boundary: Boundary::Linear,
            lambda: None,
            method: MethodSpec::homotopy_reweighted_iadm(),
        }
    }

    /// The smoke-test size: 4 traces of 1000 samples, one seed, a short
    /// budget.
    pub fn quick() -> Self {
        Self {
            p: 4,
            m: 1000,
            noise: 0.05,
            iterations: 400,
            seeds: vec![1],
            boundary: Boundary::Linear,
            lambda: None,
            method: MethodSpec::homotopy_reweighted_iadm(),
        }
    }
}

/// p traces: (observations, true kernel, true activations in the linear
/// model's frame, m + n₀ − 1 samples each).
pub struct Traces {
    /// y_i.
    pub traces: Vec<Vec<f64>>,
    /// a₀.
    pub kernel: Vec<f64>,
    /// x_i.
    pub activations: Vec<Vec<f64>>,
}

/// Draws the traces of `seed`.
pub fn traces(o: &Options, seed: u64) -> Traces {
    let kernel = KernelSpec::Ar2 {
        n0: N0,
        tau1: 0.2,
        tau2: 0.03,
        rate_hz: 100.0,
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut ys, mut xs, mut a0) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..o.p {
        let bias = rng.random_range(0.5..1.5);
        let inst = InstanceSpec::new(kernel.clone(), Shape::d1(o.m + N0 - 1))
            .activation(ActivationLaw::Bernoulli, (N0 as f64).powf(-0.8))
            .convolution(Convolution::Linear)
            .bias(bias)
            .noise(o.noise)
            .generate_seeded(1000 * seed + i as u64)
            .expect("valid instance");
        // The valid window of the full convolution: what a recording sees.
        ys.push(inst.observation[N0 - 1..N0 - 1 + o.m].to_vec());
        xs.push(inst.activation().to_vec());
        a0 = inst.kernel().to_vec();
    }
    Traces {
        traces: ys,
        kernel: a0,
        activations: xs,
    }
}

/// The settings of both modes.
pub fn spec(o: &Options, seed: u64) -> SharedKernel {
    let spec = SharedKernel::new(N0)
        .boundary(o.boundary)
        .bias(true)
        .nonnegative(true)
        .method(o.method)
        .max_iterations(o.iterations)
        .seed(seed);
    match o.lambda {
        Some(l) => spec.lambda(l),
        None => spec,
    }
}

/// Event F1 within ±2 samples of a trace's events against its x₀.
pub fn event_f1(out: &Deconvolved, y: &[f64], a0: &[f64], x0: &[f64]) -> f64 {
    let Ok((events, _)) = out.events(y) else {
        return 0.0;
    };
    let mut x = vec![0.0; out.activation_dims.len()];
    for e in &events {
        x[e.index] = e.amplitude;
    }
    let Ok(aligned) = align_activation(a0, out.kernel(), &x) else {
        return 0.0;
    };
    let detected: Vec<usize> = (0..x.len()).filter(|&i| aligned[i] != 0.0).collect();
    let truth: Vec<usize> = (0..x0.len()).filter(|&i| x0[i] != 0.0).collect();
    let s = match_spikes(&truth, &detected, 2);
    if std::env::var_os("SHARED_DEBUG").is_some() {
        eprintln!("P {:.3} R {:.3} F1 {:.3} ({} truth, {} detected)", s.precision, s.recall, s.f1, truth.len(), detected.len());
        let mut fp = Vec::new();
        for &d in &detected {
            let near = truth.iter().map(|&t| t as i64 - d as i64).min_by_key(|v| v.abs()).unwrap_or(999);
            if near.abs() > 2 { fp.push(format!("{d}:{near}:{:.2}", aligned[d])); }
        }
        let mut fneg = Vec::new();
        for &t in &truth {
            let near = detected.iter().map(|&d| d as i64 - t as i64).min_by_key(|v| v.abs()).unwrap_or(999);
            if near.abs() > 2 { fneg.push(format!("{t}:{near}")); }
        }
        eprintln!("  FP {fp:?}\n  FN {fneg:?}");
    }
    s.f1
}

/// One mode's figures on one seed.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    /// Kernel error (independent: mean over traces).
    pub kernel_error: f64,
    /// Worst kernel error over traces (shared: the same).
    pub worst_kernel_error: f64,
    /// Mean event F1 over traces.
    pub f1: f64,
    /// Iterations (independent: mean over traces).
    pub iterations: f64,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Shared and independent figures on one seed.
pub fn compare(o: &Options, seed: u64) -> sasd::Result<(Figures, Figures)> {
    let t = traces(o, seed);
    let spec = spec(o, seed);
    let clock = Instant::now();
    let shared = spec.run(&t.traces)?;
    let seconds = clock.elapsed().as_secs_f64();
    let err = kernel_error(&t.kernel, shared.kernel()).unwrap_or(1.0);
    let f1 = mean(shared
        .traces
        .iter()
        .zip(&t.traces)
        .zip(&t.activations)
        .map(|((d, y), x0)| event_f1(d, y, &t.kernel, x0)));
    let shared = Figures {
        kernel_error: err,
        worst_kernel_error: err,
        f1,
        iterations: shared.iterations as f64,
        seconds,
    };
    let clock = Instant::now();
    let alone = deconvolve_batch(spec.spec(), &t.traces);
    let seconds = clock.elapsed().as_secs_f64();
    let mut errors = Vec::new();
    let (mut f1s, mut iterations) = (Vec::new(), Vec::new());
    for ((out, y), x0) in alone.iter().zip(&t.traces).zip(&t.activations) {
        match out {
            Ok(d) => {
                errors.push(kernel_error(&t.kernel, d.kernel()).unwrap_or(1.0));
                f1s.push(event_f1(d, y, &t.kernel, x0));
                iterations.push(d.iterations as f64);
            }
            // A trace the single solve refuses counts as lost.
            Err(_) => {
                errors.push(1.0);
                f1s.push(0.0);
            }
        }
    }
    let independent = Figures {
        kernel_error: mean(errors.iter().copied()),
        worst_kernel_error: errors.iter().copied().fold(0.0, f64::max),
        f1: mean(f1s.into_iter()),
        iterations: mean(iterations.into_iter()),
        seconds,
    };
    Ok((shared, independent))
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (sum, count) = v.fold((0.0, 0usize), |(s, c), x| (s + x, c + 1));
    if count == 0 { f64::NAN } else { sum / count as f64 }
}

/// Runs every seed, prints the table and returns the numbers as JSON.
pub fn run(o: &Options) -> sasd::Result<Value> {
    println!(
        "{} AR(2) traces of {} samples, sigma = {}, linear model, bias per trace, x >= 0, homotopy-iADM + reweighting",
        o.p, o.m, o.noise
    );
    println!(
        "{:>4} {:<12} {:>10} {:>10} {:>7} {:>10} {:>8}",
        "seed", "mode", "kernel err", "worst", "F1", "iterations", "time [s]"
    );
    let mut rows = Vec::new();
    for &seed in &o.seeds {
        let (shared, independent) = compare(o, seed)?;
        for (mode, f) in [("shared", shared), ("independent", independent)] {
            println!(
                "{seed:>4} {mode:<12} {:>10.2e} {:>10.2e} {:>7.3} {:>10.0} {:>8.2}",
                f.kernel_error, f.worst_kernel_error, f.f1, f.iterations, f.seconds
            );
            rows.push(json!({
                "seed": seed, "mode": mode, "kernel_error": f.kernel_error,
                "worst_kernel_error": f.worst_kernel_error, "f1": f.f1,
                "iterations": f.iterations, "seconds": f.seconds,
            }));
        }
    }
    Ok(json!({"p": o.p, "m": o.m, "n0": N0, "noise": o.noise, "iterations": o.iterations, "rows": rows}))
}

pub fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    let mut o = if args.quick {
        Options::quick()
    } else {
        Options::acceptance(args.seeds.clone())
    };
    if !args.quick || std::env::args().any(|a| a.starts_with("--seed")) {
        o.seeds = args.seeds.clone();
    }
    o.p = args.get("p", o.p);
    o.m = args.get("m", o.m);
    o.noise = args.get("noise", o.noise);
    o.iterations = args.get("iterations", o.iterations);
    let lambda: f64 = args.get("lambda", 0.0);
    o.lambda = (lambda > 0.0).then_some(lambda);
    if args.get("circular", false) {
        o.boundary = Boundary::Circular;
    }
    o.method = match args.get("method", String::from("homotopy-reweighted")).as_str() {
        "homotopy" => MethodSpec::homotopy_iadm(),
        "reweighted" => MethodSpec::reweighted_iadm(),
        _ => MethodSpec::homotopy_reweighted_iadm(),
    };
    match run(&o) {
        Ok(value) => {
            if let Some(path) = &args.json {
                common::write_json(path, &value);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
