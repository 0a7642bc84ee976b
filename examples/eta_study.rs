//! Which decay η of the homotopy's λ (LQK+20 Alg. 6, §4.2.2) should be the
//! default (issue 15 item 1): every case runs the pipeline's defaults but
//! for η, over seeds, and prints the final kernel error, the iterations,
//! the stop reason and the wall time per η.
//!
//! Cases (n₀ = 100 unless said):
//! * `s52`: LQK+20 §5.2 — random kernel, m = 10⁴ (`--m`), θ = n₀^(−3/4),
//!   Bernoulli–Rademacher, bias 1, no noise, cyclic model;
//! * `gauss`: the same with the coherent Gaussian g_{100,0.5} (§5.2's
//!   second kernel);
//! * `rec-random`, `rec-ar2`: recordings — a window of a linear
//!   convolution, θ = 0.005, noise σ = 0.05, bias 1, linear model (x ≥ 0
//!   for the AR(2) calcium kernel), with the recording's default
//!   refinement;
//! * `cdl`: three random kernels of 50 taps, m = 10⁴, θ = 0.01 each,
//!   Bernoulli–Rademacher, no noise, cyclic (the error is the worst of
//!   the three after matching);
//! * `2d`: an 8×8 random kernel on a √m × √m image (θ = 64^(−3/4), bias 1,
//!   cyclic; LQK+20 App. C.2).
//!
//! `--etas` takes fixed decays and `adaptive` (the default decay,
//! `optim::AdaptiveDecay`). What it found: `HomotopySpec::eta` (fixed
//! decays) and `AdaptiveDecay` (the default).
//!
//! ```sh
//! cargo run --release --example eta_study -- --seed 1..=5
//! cargo run --release --example eta_study -- --seed 1..=3 --cases s52 --m 100000 --etas 0.9,adaptive
//! ```

mod common;

use std::time::Instant;

use sasd::conv::Boundary;
use sasd::metrics::kernel_error;
use sasd::pipeline::{Deconvolution, HomotopySpec, MethodSpec};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, RecordingSpec, Shape};
use serde_json::json;

const USAGE: &str = "usage: eta_study [--seed N | --seed A..=B] [--json PATH] [--m M] [--etas 0.9,adaptive,0.5,0.3] [--cases s52,gauss,rec-random,rec-ar2,cdl,2d] [--init-seed N]";

/// One case's data and its pipeline spec (η set later).
struct Case {
    y: Vec<f64>,
    /// (rows, cols) of an image.
    image: Option<(usize, usize)>,
    truths: Vec<Vec<f64>>,
    spec: Deconvolution,
}

fn case(name: &str, m: usize, seed: u64) -> Case {
    let n0 = 100;
    let theta = (n0 as f64).powf(-0.75);
    let circular = |kernel: KernelSpec| {
        let inst = InstanceSpec::new(kernel, Shape::d1(m))
            .activation(ActivationLaw::BernoulliRademacher, theta)
            .bias(1.0)
            .generate_seeded(seed)
            .expect("instance");
        Case {
            y: inst.observation.clone(),
            image: None,
            truths: vec![inst.kernel().to_vec()],
            spec: Deconvolution::new(n0).bias(true),
        }
    };
    let recording = |kernel: KernelSpec, law, nonnegative| {
        let r = RecordingSpec::new(kernel, law, 0.005, m)
            .noise(0.05)
            .generate_seeded(seed)
            .expect("recording");
        Case {
            y: r.y.iter().map(|v| v + 1.0).collect(),
            image: None,
            truths: vec![r.kernel],
            spec: Deconvolution::new(n0)
                .boundary(Boundary::Linear)
                .bias(true)
                .nonnegative(nonnegative),
        }
    };
    match name {
        "s52" => circular(KernelSpec::RandomSphere(Shape::d1(n0))),
        "gauss" => circular(KernelSpec::GaussianWindow { n0, sigma: 0.5 }),
        "rec-random" => recording(
            KernelSpec::RandomSphere(Shape::d1(n0)),
            ActivationLaw::BernoulliRademacher,
            false,
        ),
        "rec-ar2" => recording(
            KernelSpec::Ar2 {
                n0,
                tau1: 0.2,
                tau2: 0.03,
                rate_hz: 100.0,
            },
            ActivationLaw::Bernoulli,
            true,
        ),
        "cdl" => {
            let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(50)), Shape::d1(m))
                .kernels(vec![KernelSpec::RandomSphere(Shape::d1(50)); 3])
                .activation(ActivationLaw::BernoulliRademacher, 0.01)
                .generate_seeded(seed)
                .expect("instance");
            Case {
                y: inst.observation.clone(),
                image: None,
                truths: inst.kernels.clone(),
                spec: Deconvolution::new(50).kernels(3),
            }
        }
        "2d" => {
            let side = (m as f64).sqrt().round() as usize;
            let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d2(8, 8)), Shape::d2(side, side))
                .activation(ActivationLaw::BernoulliRademacher, 64f64.powf(-0.75))
                .bias(1.0)
                .generate_seeded(seed)
                .expect("instance");
            Case {
                y: inst.observation.clone(),
                image: Some((side, side)),
                truths: vec![inst.kernel().to_vec()],
                spec: Deconvolution::new_2d(8, 8).bias(true),
            }
        }
        other => {
            eprintln!("error: unknown case '{other}'\n{USAGE}");
            std::process::exit(2)
        }
    }
}

fn main() {
    let args = common::parse(USAGE, &[1, 2, 3, 4, 5]);
    let m: usize = args.get("m", 10_000);
    // The pipeline's seed (of its random start); 0: the instance's.
    let init_seed: u64 = args.get("init-seed", 0);
    // A fixed η, or None: the adaptive default.
    let etas: Vec<Option<f64>> = args
        .get::<String>("etas", "0.9,adaptive,0.5,0.3".into())
        .split(',')
        .map(|e| match e.trim() {
            "adaptive" => None,
            e => Some(e.parse().expect("eta")),
        })
        .collect();
    let cases: String = args.get("cases", "s52,gauss,rec-random,rec-ar2,cdl".into());
    let mut rows = Vec::new();
    println!("case         eta  seed  kernel error  iterations  stop                time [s]");
    for name in cases.split(',') {
        for &seed in &args.seeds {
            let c = case(name, m, seed);
            for &eta in &etas {
                let label = eta.map_or("adapt".to_string(), |e| e.to_string());
                let spec = c
                    .spec
                    .clone()
                    .method(MethodSpec::Homotopy(match eta {
                        Some(eta) => HomotopySpec::default().fixed_eta(eta),
                        None => HomotopySpec::default(),
                    }))
                    // The final errors only: no shift search in the history
                    // (it would count in the wall time).
                    .truth_kernels(c.truths.clone())
                    .truth_every(usize::MAX)
                    .seed(if init_seed > 0 { init_seed } else { seed });
                let start = Instant::now();
                let out = match c.image {
                    Some((rows, cols)) => spec.run_2d(&c.y, rows, cols),
                    None => spec.run(&c.y),
                }
                .unwrap_or_else(|e| panic!("{name} seed {seed}: {e}"));
                let seconds = start.elapsed().as_secs_f64();
                // The worst kernel after matching (the pipeline's), else one by one.
                let err = out
                    .max_truth_error()
                    .unwrap_or_else(|| kernel_error(&c.truths[0], out.kernel()).expect("metric"));
                println!(
                    "{name:<10} {label:>5} {seed:>5}  {err:>12.2e}  {:>10}  {:<18} {seconds:>8.2}",
                    out.iterations,
                    out.stop.to_string()
                );
                rows.push(
                    json!({"case": name, "eta": label, "seed": seed, "kernel_error": err,
                    "iterations": out.iterations, "stop": out.stop.to_string(), "seconds": seconds}),
                );
            }
        }
    }
    if let Some(path) = &args.json {
        common::write_json(path, &json!({"m": m, "runs": rows}));
    }
}
