//! Multichannel sparse blind deconvolution with one full-length kernel
//! (Qu19 Example V; QLZ20): how the success rate moves with the number of
//! signals p.
//!
//! For each p and seed: a0 uniform on S^{n−1}, x_i Bernoulli–Gaussian(θ),
//! y_i = a0 ⊛ x_i (cyclic); `sasd::multichannel` solves the preconditioned
//! problem over S^{n−1} with φ = −ℓ⁴ and with φ = Huber (μ = 0.1), by
//! Riemannian gradient descent (RGD) and by the trust region (TR), 3 random
//! starts each, then rounds. A run succeeds when
//! the cyclic kernel error min_{ℓ,±} 1 − |⟨a0, s_ℓ[â]⟩| is ≤ 1e-3; the error of
//! the smooth minimiser before rounding is reported beside it.
//!
//! cargo run --release --example multichannel -- [--quick] [--seed 1..=5]
//!     [--json multichannel.json] [--n 200] [--theta 0.1] [--p 2,5,10,20,50,100] [--starts 3] [--mu 0.1] [--out DIR]

#[path = "common/mod.rs"]
mod common;
#[path = "common/svg.rs"]
mod svg;

use std::path::PathBuf;

use sasd::conv::{Complex64, Plan, Plan1d};
use sasd::multichannel::{
    Method, MultichannelInstance, MultichannelObjective, MultichannelSpec, Preconditioned, Sparsity,
    cyclic_kernel_error, read_off,
};
use sasd::synth::ActivationLaw;
use serde_json::{Value, json};

const USAGE: &str = "usage: multichannel [--quick] [--seed N | --seed A..=B] [--json PATH] [--n 200] \
[--theta 0.1] [--p 2,5,10,20,50,100] [--starts 3] [--mu 0.1] [--out DIR]";

/// Success: a kernel error at most this.
pub const SUCCESS: f64 = 1e-3;

/// One solve's numbers.
#[derive(Clone, Copy)]
struct Run {
    error: f64,
    smooth: f64,
    iterations: usize,
    ffts: u64,
    time: f64,
}

/// The study's settings.
pub struct Options {
    /// Signal (and kernel) length n.
    pub n: usize,
    /// Bernoulli rate θ.
    pub theta: f64,
    /// Numbers of signals p.
    pub ps: Vec<usize>,
    /// Seeds, one instance each.
    pub seeds: Vec<u64>,
    /// Random starts per solve.
    pub starts: usize,
    /// μ of the Huber φ.
    pub mu: f64,
    /// Where the figure `multichannel.svg` goes (none: no figure).
    pub out: Option<PathBuf>,
}

impl Options {
    /// The smoke-test size: n = 64, p ∈ {4, 16}, two seeds.
    pub fn quick() -> Self {
        Self {
            n: 64,
            theta: 0.1,
            ps: vec![4, 16],
            seeds: vec![1, 2],
            starts: 3,
            mu: 0.1,
            out: None,
        }
    }
}

/// max|â| / min|â| over the DFT of a: the condition number of C_a, which
/// the preconditioner must undo.
fn spectral_condition(a: &[f64]) -> Result<f64, sasd::SasdError> {
    let mut plan = Plan1d::new(a.len())?;
    let mut spec = vec![Complex64::new(0.0, 0.0); plan.spectrum_len()];
    plan.forward(a, a.len(), &mut spec);
    let (lo, hi) = spec.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), c| {
        (lo.min(c.norm()), hi.max(c.norm()))
    });
    Ok(hi / lo)
}

/// Runs the study; returns its JSON (`rows` per run, `summary` per (p, method)).
pub fn run(o: &Options) -> Result<Value, Box<dyn std::error::Error>> {
    let huber = Sparsity::Huber { mu: o.mu };
    let methods = [
        ("l4-RGD", Sparsity::NegativeL4, Method::GradientDescent),
        ("l4-TR", Sparsity::NegativeL4, Method::TrustRegion),
        ("huber-RGD", huber, Method::GradientDescent),
        ("huber-TR", huber, Method::TrustRegion),
    ];
    println!(
        "multichannel: n = {}, theta = {}, success = error <= {SUCCESS:e}",
        o.n, o.theta
    );
    println!(
        "{:>4} {:>4} {:>9} {:>10} {:>10} {:>6} {:>8} {:>9} {:>9}",
        "p", "seed", "alg", "error", "smooth", "iters", "ffts", "time (s)", "cond(C_a)"
    );
    let (mut rows, mut summary) = (Vec::new(), Vec::new());
    for &p in &o.ps {
        let mut per_method: Vec<Vec<Run>> = vec![Vec::new(); methods.len()];
        for &seed in &o.seeds {
            let inst =
                MultichannelInstance::generate(o.n, p, o.theta, ActivationLaw::BernoulliGaussian, seed)?;
            let condition = spectral_condition(&inst.kernel)?;
            for (k, (name, sparsity, method)) in methods.iter().enumerate() {
                let spec = MultichannelSpec::new()
                    .method(*method)
                    .seed(seed)
                    .starts(o.starts)
                    .sparsity(*sparsity);
                // A degenerate draw (an all-zero frequency) is a failure, not a crash.
                let (error, smooth, iterations, ffts, time) = match spec.solve(&inst.signals) {
                    Ok(sol) => {
                        let mut f =
                            MultichannelObjective::new(Preconditioned::new(&inst.signals)?, *sparsity)?;
                        let smooth = read_off(&mut f, &sol.smooth_q)
                            .and_then(|r| cyclic_kernel_error(&inst.kernel, &r.kernel))
                            .map_or(1.0, |a| a.error);
                        let error = cyclic_kernel_error(&inst.kernel, &sol.kernel)?.error;
                        let iterations = sol.starts.iter().map(|s| s.iterations).sum::<usize>();
                        let p_ffts = 2 * p as u64 + 2;
                        let ffts = sol.starts.iter().map(|s| s.ffts).sum::<u64>()
                            + sol.rounding_cg_iterations as u64 * p_ffts;
                        (error, smooth, iterations, ffts, sol.elapsed.as_secs_f64())
                    }
                    Err(e) => {
                        eprintln!("p = {p}, seed {seed}, {name}: {e}");
                        (1.0, 1.0, 0, 0, 0.0)
                    }
                };
                println!(
                    "{p:>4} {seed:>4} {name:>9} {error:>10.2e} {smooth:>10.2e} {iterations:>6} {ffts:>8} {time:>9.3} {condition:>9.1}"
                );
                rows.push(json!({"p": p, "seed": seed, "method": name, "error": error,
                    "smooth_error": smooth, "iterations": iterations, "ffts": ffts, "time_s": time, "kernel_condition": condition}));
                per_method[k].push(Run {
                    error,
                    smooth,
                    iterations,
                    ffts,
                    time,
                });
            }
        }
        for ((name, _, _), runs) in methods.iter().zip(&per_method) {
            let count = runs.len() as f64;
            let rate = |f: &dyn Fn(&Run) -> bool| runs.iter().filter(|r| f(r)).count() as f64 / count;
            let mean = |f: &dyn Fn(&Run) -> f64| runs.iter().map(f).sum::<f64>() / count;
            let s = json!({"p": p, "method": name, "success_rate": rate(&|r| r.error <= SUCCESS),
                "smooth_success_rate": rate(&|r| r.smooth <= SUCCESS), "mean_smooth_error": mean(&|r| r.smooth),
                "mean_iterations": mean(&|r| r.iterations as f64), "mean_ffts": mean(&|r| r.ffts as f64),
                "mean_time_s": mean(&|r| r.time)});
            println!(
                "p = {p:>4} {name:>9}: success {:.2} (smooth minimiser alone {:.2}), mean iterations {:.0}, mean time {:.3} s",
                s["success_rate"].as_f64().unwrap_or(0.0),
                s["smooth_success_rate"].as_f64().unwrap_or(0.0),
                s["mean_iterations"].as_f64().unwrap_or(0.0),
                s["mean_time_s"].as_f64().unwrap_or(0.0)
            );
            summary.push(s);
        }
    }
    if let Some(dir) = &o.out {
        std::fs::create_dir_all(dir)?;
        let curves: Vec<svg::Curve> = methods
            .iter()
            .map(|(name, _, _)| svg::Curve {
                label: name.to_string(),
                points: summary
                    .iter()
                    .filter(|s| s["method"] == *name)
                    .map(|s| {
                        (
                            s["p"].as_f64().unwrap_or(0.0),
                            s["success_rate"].as_f64().unwrap_or(0.0),
                        )
                    })
                    .collect(),
            })
            .collect();
        let title = format!(
            "Multichannel SaSD: success (error <= 1e-3) vs p, n = {}, theta = {}",
            o.n, o.theta
        );
        svg::rate_curves(
            &dir.join("multichannel.svg"),
            &title,
            ("number of signals p", "success rate"),
            &curves,
        )?;
    }
    Ok(
        json!({"n": o.n, "theta": o.theta, "law": "Bernoulli-Gaussian", "starts": o.starts, "huber_mu": o.mu,
        "success_bound": SUCCESS, "ps": o.ps, "seeds": o.seeds, "rows": rows, "summary": summary}),
    )
}

/// Parses the command line and runs.
pub fn main() {
    let args = common::parse(USAGE, &[1, 2, 3, 4, 5]);
    let quick = args.quick;
    let mut o = if quick {
        Options::quick()
    } else {
        Options {
            n: 200,
            theta: 0.1,
            ps: vec![2, 5, 10, 20, 50, 100],
            seeds: args.seeds.clone(),
            starts: 3,
            mu: 0.1,
            out: None,
        }
    };
    o.out = args
        .extra
        .iter()
        .find(|(k, _)| k == "out")
        .map(|(_, v)| PathBuf::from(v));
    o.starts = args.get("starts", o.starts);
    o.mu = args.get("mu", o.mu);
    o.n = args.get("n", o.n);
    o.theta = args.get("theta", o.theta);
    if let Some((_, list)) = args.extra.iter().find(|(k, _)| k == "p") {
        o.ps = list.split(',').filter_map(|v| v.trim().parse().ok()).collect();
    }
    if !quick || std::env::args().any(|a| a.starts_with("--seed")) {
        o.seeds = args.seeds.clone();
    }
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
