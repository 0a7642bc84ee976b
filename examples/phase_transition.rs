//! The four phase-transition panels of LQK+20 Fig. 10 (§5.1): probability of
//! recovering a0 over kernel length n0 × sparsity θ, with m = 100·n0 and
//! y = a0 ⊛ x0 (no noise, no bias), for
//! (a) an incoherent random kernel (uniform on S^{n0−1}), x0 ~ BR(θ);
//! (b) the coherent Gaussian window g_{n0,0.5}, x0 ~ BR(θ);
//! (c) the incoherent kernel, x0 ~ B(θ) with x ≥ 0 enforced;
//! (d) the coherent kernel, x0 ~ B(θ) with x ≥ 0 enforced.
//! Solver: homotopy-iADM through `sasd::pipeline::Deconvolution` with its
//! default λ; success when min over shifts and sign of 1 − |⟨a0, s_ℓ[a⋆]⟩|
//! is ≤ 1e-2 (the paper's bound). Writes `<out>/phase_transition.svg` and
//! the numbers as JSON.
//!
//! cargo run --release --example phase_transition -- [--quick] [--seed 1..=5]
//!     [--json phase_transition.json] [--out docs/figures]
//!     [--n0 10,20,30,40,50] [--theta 0.01,0.02,0.05,0.1,0.2,0.3] [--iterations 2000]

#[path = "common/mod.rs"]
mod common;
#[path = "common/svg.rs"]
mod svg;

use std::path::{Path, PathBuf};
use std::time::Instant;

use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, HomotopySpec, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};
use serde_json::{Value, json};

const USAGE: &str = "usage: phase_transition [--quick] [--seed N | --seed A..=B] [--json PATH] [--out DIR] \
[--n0 10,20,30,40,50] [--theta 0.01,0.02,0.05,0.1,0.2,0.3] [--iterations 2000]";

/// Success: a kernel error at most this (LQK+20 §5.1).
pub const SUCCESS: f64 = 1e-2;

/// The study's settings.
pub struct Options {
    /// Kernel lengths n0 (rows of a panel).
    pub n0s: Vec<usize>,
    /// Sparsity rates θ (columns).
    pub thetas: Vec<f64>,
    /// Seeds: one instance per seed and cell.
    pub seeds: Vec<u64>,
    /// Iterations per solve at most.
    pub iterations: usize,
    /// Where the figure goes.
    pub out: PathBuf,
}

impl Options {
    /// The smoke-test size: a 2 × 2 grid of small instances, one seed.
    pub fn quick(out: PathBuf) -> Self {
        Self {
            n0s: vec![8, 16],
            thetas: vec![0.05, 0.4],
            seeds: vec![1],
            iterations: 300,
            out,
        }
    }
}

/// A panel of Fig. 10: which kernel, which law, x ≥ 0 or not.
struct Panel {
    name: &'static str,
    coherent: bool,
    law: ActivationLaw,
}

const PANELS: [Panel; 4] = [
    Panel {
        name: "(a) incoherent, BR",
        coherent: false,
        law: ActivationLaw::BernoulliRademacher,
    },
    Panel {
        name: "(b) coherent, BR",
        coherent: true,
        law: ActivationLaw::BernoulliRademacher,
    },
    Panel {
        name: "(c) incoherent, B, x>=0",
        coherent: false,
        law: ActivationLaw::Bernoulli,
    },
    Panel {
        name: "(d) coherent, B, x>=0",
        coherent: true,
        law: ActivationLaw::Bernoulli,
    },
];

/// Kernel error of one solve (1 when the solve refuses its instance).
fn one_run(
    panel: &Panel,
    n0: usize,
    theta: f64,
    seed: u64,
    iterations: usize,
) -> Result<f64, sasd::SasdError> {
    let kernel = if panel.coherent {
        KernelSpec::GaussianWindow { n0, sigma: 0.5 }
    } else {
        KernelSpec::RandomSphere(Shape::d1(n0))
    };
    let inst = InstanceSpec::new(kernel, Shape::d1(100 * n0))
        .activation(panel.law, theta)
        .generate_seeded(seed)?;
    let nonnegative = panel.law == ActivationLaw::Bernoulli;
    // The papers' algorithm as published: LQK+20 Alg. 1 with its fixed η.
    let run = Deconvolution::new(n0)
        .method(MethodSpec::Homotopy(HomotopySpec::default().fixed_eta(0.9)))
        .nonnegative(nonnegative)
        .seed(seed)
        .max_iterations(iterations)
        .run(&inst.observation);
    match run {
        Ok(r) => Ok(kernel_error(inst.kernel(), r.kernel()).unwrap_or(1.0)),
        // An instance with no spike, say: a failure of the cell, not of the study.
        Err(_) => Ok(1.0),
    }
}

/// Runs the study, writes the figure; returns the JSON.
pub fn run(o: &Options) -> Result<Value, Box<dyn std::error::Error>> {
    let clock = Instant::now();
    let mut panels_json = Vec::new();
    let mut heatmaps = Vec::new();
    for panel in &PANELS {
        let mut rates = Vec::new();
        let mut errors = Vec::new();
        for &n0 in &o.n0s {
            let (mut row, mut err_row) = (Vec::new(), Vec::new());
            for &theta in &o.thetas {
                let errs: Vec<f64> = o
                    .seeds
                    .iter()
                    .map(|&s| one_run(panel, n0, theta, s, o.iterations))
                    .collect::<Result<_, _>>()?;
                let rate = errs.iter().filter(|e| **e <= SUCCESS).count() as f64 / errs.len() as f64;
                row.push(rate);
                err_row.push(errs);
            }
            println!(
                "{:<26} n0 = {n0:>3}: success {:?}",
                panel.name,
                row.iter().map(|r| format!("{r:.1}")).collect::<Vec<_>>()
            );
            rates.push(row);
            errors.push(err_row);
        }
        panels_json.push(json!({"panel": panel.name, "coherent": panel.coherent,
            "law": format!("{:?}", panel.law), "nonnegative": panel.law == ActivationLaw::Bernoulli,
            "success_rate": rates, "errors": errors}));
        heatmaps.push(svg::Heatmap {
            title: panel.name,
            cols: o.thetas.iter().map(|t| format!("{t}")).collect(),
            rows: o.n0s.iter().map(|n| format!("{n}")).collect(),
            values: rates,
            axes: ("sparsity θ", "kernel length n0"),
        });
    }
    std::fs::create_dir_all(&o.out)?;
    let figure = o.out.join("phase_transition.svg");
    svg::heatmaps(&figure, &heatmaps)?;
    println!(
        "wrote {} ({:.1} s)",
        figure.display(),
        clock.elapsed().as_secs_f64()
    );
    Ok(
        json!({"figure": figure, "m_over_n0": 100, "success_bound": SUCCESS, "method": "homotopy-iADM",
        "n0": o.n0s, "theta": o.thetas, "seeds": o.seeds, "iterations": o.iterations,
        "panels": panels_json, "elapsed_s": clock.elapsed().as_secs_f64()}),
    )
}

fn list<T: std::str::FromStr>(args: &common::Args, key: &str, default: Vec<T>) -> Vec<T> {
    match args.extra.iter().find(|(k, _)| k == key) {
        Some((_, v)) => v.split(',').filter_map(|t| t.trim().parse().ok()).collect(),
        None => default,
    }
}

/// Parses the command line and runs.
pub fn main() {
    let args = common::parse(USAGE, &[1, 2, 3, 4, 5]);
    let out: PathBuf = args.get("out", PathBuf::from("."));
    let mut o = if args.quick {
        Options::quick(out)
    } else {
        Options {
            n0s: vec![10, 20, 30, 40, 50],
            thetas: vec![0.01, 0.02, 0.05, 0.1, 0.2, 0.3],
            seeds: args.seeds.clone(),
            iterations: 2000,
            out,
        }
    };
    o.n0s = list(&args, "n0", o.n0s);
    o.thetas = list(&args, "theta", o.thetas);
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
