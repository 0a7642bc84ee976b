//! `sasd compare`: every solver on the same instance, one table and the
//! convergence pictures of LQK+20 Fig. 15 (kernel error against FFT count
//! and against time).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cmd::{self, KernelSize, check_eta, check_lambda};
use crate::error::CliError;
use crate::io::{self, Input};
use crate::limits;
use crate::output::OutDir;
use crate::plot;
use crate::progress::Progress;
use crate::solve::{Data, Method, Settings, Solution, solve};
use crate::{OutArgs, Verbosity};
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

/// Built-in instances.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Synthetic {
    /// LQK+20 §5.2: random kernel n0 = 100, m = 10⁴, θ = n0^(−3/4),
    /// Bernoulli–Rademacher, bias 1, no noise.
    Random,
    /// The same with the coherent Gaussian kernel g_{100,0.5}.
    Gaussian,
}

/// Options of `sasd compare`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("data").required(true).args(["input", "synthetic"])))]
pub struct CompareArgs {
    /// A signal file (.npy, .csv, .txt), instead of a built-in instance.
    input: Option<PathBuf>,
    /// Kernel length n0 (required with INPUT).
    #[arg(long, requires = "input")]
    kernel_size: Option<KernelSize>,
    /// A built-in instance with known truth.
    #[arg(long, value_enum, conflicts_with = "input")]
    synthetic: Option<Synthetic>,
    /// The true kernel of INPUT, for kernel errors.
    #[arg(long, requires = "input")]
    truth_kernel: Option<PathBuf>,
    /// Fit a constant bias (with INPUT; a built-in instance fits one when its
    /// --synthetic-bias is not zero).
    #[arg(long)]
    bias: bool,
    /// The bias of the built-in instance (1 in LQK+20 §5.2; 0 lets the
    /// second-order methods, which fit no bias, join the comparison).
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    synthetic_bias: f64,
    /// λ for the fixed-λ methods and λ* for the homotopies (default: each
    /// method's, see `sasd deconv --help`).
    #[arg(long, allow_negative_numbers = true)]
    lambda: Option<f64>,
    /// Fixed decay of λ per homotopy stage, in (0, 1) (default: adaptive
    /// from 0.9, see `sasd deconv --help`).
    #[arg(long, allow_negative_numbers = true)]
    eta: Option<f64>,
    /// Iteration budget of each solver.
    #[arg(long, default_value_t = 5000, allow_negative_numbers = true)]
    max_iterations: usize,
    /// Seed of the built-in instance and of the initialisation.
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    seed: u64,
    /// Only these methods (default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    methods: Vec<Method>,
    /// Directory for the table and plots.
    #[arg(long, default_value = "sasd-compare")]
    out: PathBuf,
    #[command(flatten)]
    out_args: OutArgs,
}

const FILES: [&str; 7] = [
    "compare.json",
    "error_vs_ffts.png",
    "error_vs_ffts.svg",
    "error_vs_time.png",
    "error_vs_time.svg",
    "objective_vs_time.png",
    "objective_vs_time.svg",
];

/// Runs `sasd compare`.
pub fn run(args: CompareArgs, verbosity: Verbosity) -> Result<(), CliError> {
    check_lambda(args.lambda)?;
    check_eta(args.eta)?;
    let (y, n0, truth, bias, source) = match (&args.input, args.synthetic) {
        (Some(path), _) => {
            let Some(KernelSize::D1(n0)) = args.kernel_size else {
                return Err(CliError::new(
                    "compare needs --kernel-size N (1-D) with an input file",
                ));
            };
            let Input::Signal(y) = io::read_input(path)? else {
                return Err(CliError::new(format!(
                    "{}: compare takes one 1-D signal",
                    path.display()
                )));
            };
            limits::check_kernel(KernelSize::D1(n0), KernelSize::D1(y.len()))?;
            let truth = match &args.truth_kernel {
                Some(p) => match io::read_input(p)? {
                    Input::Signal(k) => Some(k),
                    _ => {
                        return Err(CliError::new(format!(
                            "{}: the true kernel must be 1-D",
                            p.display()
                        )));
                    }
                },
                None => None,
            };
            (
                y,
                n0,
                truth,
                args.bias,
                json!({ "path": path.display().to_string() }),
            )
        }
        (None, Some(kind)) => {
            let n0 = 100;
            let spec = match kind {
                Synthetic::Random => KernelSpec::RandomSphere(Shape::d1(n0)),
                Synthetic::Gaussian => KernelSpec::GaussianWindow { n0, sigma: 0.5 },
            };
            let inst = InstanceSpec::new(spec, Shape::d1(10_000))
                .activation(ActivationLaw::BernoulliRademacher, (n0 as f64).powf(-0.75))
                .bias(args.synthetic_bias)
                .generate_seeded(args.seed)?;
            let source = json!({
                "synthetic": format!("{kind:?}").to_lowercase(),
                "seed": args.seed,
                "bias": args.synthetic_bias,
            });
            let fit_bias = args.synthetic_bias != 0.0;
            (
                inst.observation.clone(),
                n0,
                Some(inst.kernel().to_vec()),
                fit_bias,
                source,
            )
        }
        (None, None) => return Err(CliError::new("give an INPUT file or --synthetic")),
    };
    let mut inputs = Vec::new();
    inputs.extend(args.input.as_deref());
    inputs.extend(args.truth_kernel.as_deref());
    let out = OutDir::prepare(&args.out, &inputs, &FILES, args.out_args.force)?;
    let methods = if args.methods.is_empty() {
        Method::ALL.to_vec()
    } else {
        args.methods.clone()
    };
    let mut rows: Vec<(Method, Result<Solution, CliError>)> = Vec::new();
    for method in methods {
        if bias && cmd::second_order(method) {
            // Said in the terms of this command, not deconv's flags.
            let why = if args.input.is_some() {
                "skipped: it fits no bias (run compare without --bias to include it)"
            } else {
                "skipped: it fits no bias and this instance has one (--synthetic-bias 0 includes it)"
            };
            rows.push((method, Err(CliError::new(why))));
            continue;
        }
        let settings = Settings {
            kernel: KernelSize::D1(n0),
            kernels: 1,
            method,
            lambda: args.lambda,
            eta: args.eta,
            bias,
            nonnegative: false,
            seed: args.seed,
            max_iterations: args.max_iterations,
            refine_support: None,
            no_refine: false,
            truth: truth.clone().map(|t| vec![t]),
            // Synthetic data are cyclic.
            boundary: Some(sasd::conv::Boundary::Circular),
            baseline: None,
            auto_size: false,
        };
        let mut progress = Progress::new(method.name(), args.max_iterations, verbosity);
        let result = solve(Data::Signal(&y), &settings, &mut progress);
        progress.finish();
        rows.push((method, result));
    }
    if verbosity != Verbosity::Quiet {
        print_table(&rows);
    }
    let ok: Vec<&Solution> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    if ok.is_empty() {
        let reasons: Vec<String> = rows
            .iter()
            .filter_map(|(m, r)| r.as_ref().err().map(|e| format!("{}: {e}", m.name())))
            .collect();
        return Err(CliError::new(format!(
            "every method failed, nothing written ({})",
            reasons.join("; ")
        )));
    }
    write_plots(&out, &ok, truth.is_some())?;
    let table: Vec<_> = rows
        .iter()
        .map(|(m, r)| match r {
            Ok(s) => json!({
                "method": m.name(),
                "seconds": s.elapsed.as_secs_f64(),
                "iterations": s.iterations,
                "ffts": s.ffts,
                "final_objective": s.history.last().map(|h| h.cost),
                "kernel_error": s.kernel_error,
                "stop_reason": s.stop.to_string(),
            }),
            Err(e) => json!({ "method": m.name(), "error": e.to_string() }),
        })
        .collect();
    out.json(
        "compare.json",
        &json!({ "input": source, "kernel_size": n0, "bias": bias, "lambda": args.lambda, "eta": args.eta, "max_iterations": args.max_iterations, "methods": table }),
    )?;
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!("table and plots in {}", out.dir().display());
    }
    Ok(())
}

fn print_table(rows: &[(Method, Result<Solution, CliError>)]) {
    // The widest name sets the first column ("homotopy-reweighted-iadm" is 24).
    let w = rows.iter().map(|(m, _)| m.name().len()).max().unwrap_or(6).max(6);
    println!(
        "{:<w$} {:>9} {:>10} {:>10} {:>15} {:>12}  stop",
        "method", "time [s]", "iterations", "FFTs", "objective", "kernel err"
    );
    for (m, r) in rows {
        match r {
            Ok(s) => println!(
                "{:<w$} {:>9.3} {:>10} {:>10} {:>15.8e} {:>12}  {}",
                m.name(),
                s.elapsed.as_secs_f64(),
                s.iterations,
                s.ffts,
                s.history.last().map_or(f64::NAN, |h| h.cost),
                s.kernel_error.map_or("-".to_string(), |e| format!("{e:.2e}")),
                s.stop
            ),
            Err(e) => {
                let e = e.to_string();
                let e = if e.starts_with("skipped") {
                    e
                } else {
                    format!("failed: {e}")
                };
                println!("{:<w$} {e}", m.name());
            }
        }
    }
}

fn write_plots(out: &OutDir, solutions: &[&Solution], has_truth: bool) -> Result<(), CliError> {
    type Curve = (&'static str, Vec<(f64, f64)>);
    let curves = |f: &dyn Fn(&crate::solve::HistoryPoint) -> Option<(f64, f64)>| -> Vec<Curve> {
        solutions
            .iter()
            .map(|s| (s.method.name(), s.history.iter().filter_map(f).collect()))
            .collect()
    };
    let draw = |stem: &str, title: &str, x: &str, y: &str, c: Vec<Curve>| -> Result<(), CliError> {
        let refs: Vec<(&str, &[(f64, f64)])> = c.iter().map(|(n, v)| (*n, v.as_slice())).collect();
        plot::plot_convergence(&out.path(stem), title, x, y, &refs, true)?;
        Ok(())
    };
    // The methods minimise different objectives (the Bilinear Lasso at its
    // λ, the Huber-smoothed one at another), so each curve is the gap to its
    // own best value: every run reaches ~0 there, whether or not it found the
    // kernel. The picture says when each run settled; the legend carries the
    // final kernel error, which says whether it settled on the truth.
    let names: Vec<String> = solutions
        .iter()
        .map(|s| match s.kernel_error {
            Some(e) => format!("{} (final kernel error {e:.1e})", s.method.name()),
            None => s.method.name().to_string(),
        })
        .collect();
    let gaps: Vec<(&str, Vec<(f64, f64)>)> = solutions
        .iter()
        .zip(&names)
        .map(|(s, name)| {
            let best = s.history.iter().map(|h| h.cost).fold(f64::INFINITY, f64::min);
            (
                name.as_str(),
                s.history.iter().map(|h| (h.seconds, h.cost - best)).collect(),
            )
        })
        .collect();
    let refs: Vec<(&str, &[(f64, f64)])> = gaps.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    plot::plot_convergence(
        &out.path("objective_vs_time"),
        "Each run's objective minus its own final value (settling, not accuracy)",
        "time [s]",
        "objective − own best",
        &refs,
        true,
    )?;
    if has_truth {
        draw(
            "error_vs_ffts",
            "Kernel error against FFT count",
            "real FFTs",
            "kernel error",
            curves(&|h| Some((h.ffts? as f64, h.kernel_error?))),
        )?;
        draw(
            "error_vs_time",
            "Kernel error against time",
            "time [s]",
            "kernel error",
            curves(&|h| Some((h.seconds, h.kernel_error?))),
        )?;
    }
    Ok(())
}
