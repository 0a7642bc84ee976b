//! Data-driven vs random initialisation (LQK+20 §5.2, Figs. 11–12): ADM and
//! iADM from the data-driven window a⁽⁰⁾ of eq. 3.5 ("DD") and from a point
//! uniform on the sphere ("randn", `Init::Random`), on an incoherent random
//! kernel (Fig. 11) and on the coherent Gaussian window g_{n0,0.5} (Fig. 12);
//! n0 = 100, m = 10⁴, θ = n0^(−3/4), x0 ~ BR(θ), unknown bias b = 1, no noise.
//! Runs through `sasd::pipeline::Deconvolution` with the truth kernel, so
//! the history carries the kernel error (every 5th iteration). Writes
//! `<out>/init_comparison_{incoherent,coherent}.svg` (kernel error against
//! iteration, first seed) and JSON of every run.
//!
//! cargo run --release --example init_comparison -- [--quick] [--seed 1..=3]
//!     [--json init_comparison.json] [--out docs/figures] [--iterations 1000]

#[path = "common/mod.rs"]
mod common;
#[path = "common/svg.rs"]
mod svg;

use std::path::{Path, PathBuf};

use sasd::init::Init;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
use sasd::trace::KERNEL_ERROR;
use serde_json::{Value, json};

const USAGE: &str = "usage: init_comparison [--quick] [--seed N | --seed A..=B] [--json PATH] [--out DIR] \
[--n0 100] [--iterations 1000]";

/// The study's settings.
pub struct Options {
    /// Kernel length n0 (m = 100·n0).
    pub n0: usize,
    /// Iterations per run.
    pub iterations: usize,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Where the figures go.
    pub out: PathBuf,
}

impl Options {
    /// The smoke-test size: n0 = 20, 150 iterations, one seed.
    pub fn quick(out: PathBuf) -> Self {
        Self {
            n0: 20,
            iterations: 150,
            seeds: vec![1],
            out,
        }
    }
}

/// Runs the study, writes the figures; returns the JSON.
pub fn run(o: &Options) -> Result<Value, Box<dyn std::error::Error>> {
    let n0 = o.n0;
    let theta = (n0 as f64).powf(-0.75);
    let variants: [(&str, MethodSpec, Init); 4] = [
        ("ADM-DD", MethodSpec::adm(), Init::Window),
        ("ADM-randn", MethodSpec::adm(), Init::Random),
        ("iADM-DD", MethodSpec::iadm(), Init::Window),
        ("iADM-randn", MethodSpec::iadm(), Init::Random),
    ];
    let mut rows = Vec::new();
    std::fs::create_dir_all(&o.out)?;
    println!(
        "{:<11} {:<10} {:>4} {:>11} {:>6} {:>8} {:>9}",
        "kernel", "method", "seed", "error", "iters", "ffts", "time (s)"
    );
    for (kind, coherent) in [("incoherent", false), ("coherent", true)] {
        let mut curves = Vec::new();
        for &seed in &o.seeds {
            let kernel = if coherent {
                KernelSpec::GaussianWindow { n0, sigma: 0.5 }
            } else {
                KernelSpec::RandomSphere(Shape::d1(n0))
            };
            let inst = InstanceSpec::new(kernel, Shape::d1(100 * n0))
                .activation(ActivationLaw::BernoulliRademacher, theta)
                .bias(1.0)
                .generate_seeded(seed)?;
            for (name, method, init) in &variants {
                let r = Deconvolution::new(n0)
                    .method(*method)
                    .init(*init)
                    .bias(true)
                    .seed(seed)
                    .max_iterations(o.iterations)
                    .truth_kernel(inst.kernel().to_vec())
                    .truth_every(5)
                    .run(&inst.observation)?;
                let error = kernel_error(inst.kernel(), r.kernel())?;
                let trace: Vec<(f64, f64)> = r
                    .history
                    .iter()
                    .filter_map(|h| h.extra(KERNEL_ERROR).map(|e| (h.iteration as f64, e)))
                    .collect();
                let costs: Vec<f64> = r.history.iter().map(|h| h.cost).collect();
                // First recorded iteration with kernel error ≤ 1e-2 (LQK+20 §5.1's bound).
                let hit = trace.iter().find(|(_, e)| *e <= 1e-2).map(|(i, _)| *i as usize);
                println!(
                    "{kind:<11} {name:<10} {seed:>4} {error:>11.2e} {:>6} {:>8} {:>9.2}",
                    r.iterations,
                    r.ffts,
                    r.elapsed.as_secs_f64()
                );
                if seed == o.seeds[0] {
                    curves.push(svg::Curve {
                        label: name.to_string(),
                        points: trace.clone(),
                    });
                }
                rows.push(
                    json!({"kernel": kind, "method": name, "seed": seed, "error": error,
                    "iterations": r.iterations, "ffts": r.ffts, "time_s": r.elapsed.as_secs_f64(),
                    "first_iteration_below_1e-2": hit, "final_cost": costs.last(),
                    "kernel_error_trace": trace}),
                );
            }
        }
        let title = format!(
            "LQK+20 Fig. {}: {kind} kernel, n0 = {n0}, m = {}",
            if coherent { 12 } else { 11 },
            100 * n0
        );
        svg::log_curves(
            &o.out.join(format!("init_comparison_{kind}.svg")),
            &title,
            ("iteration", "kernel error (shift-corrected)"),
            &curves,
        )?;
    }
    Ok(
        json!({"n0": n0, "m": 100 * n0, "theta": theta, "bias": 1.0, "iterations": o.iterations,
        "seeds": o.seeds, "runs": rows}),
    )
}

/// Parses the command line and runs.
pub fn main() {
    let args = common::parse(USAGE, &[1, 2, 3]);
    let out: PathBuf = args.get("out", PathBuf::from("."));
    let mut o = if args.quick {
        Options::quick(out)
    } else {
        Options {
            n0: 100,
            iterations: 1000,
            seeds: args.seeds.clone(),
            out,
        }
    };
    o.n0 = args.get("n0", o.n0);
    o.iterations = args.get("iterations", o.iterations);
    if std::env::args().any(|a| a.starts_with("--seed")) {
        o.seeds = args.seeds.clone();
    }
    match run(&o) {
        Ok(v) => {
            if let Some(path) = &args.json {
                common::write_json(Path::new(path), &v);
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
