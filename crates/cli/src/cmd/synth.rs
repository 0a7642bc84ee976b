//! `sasd synth`: synthetic data with its ground truth.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cmd::KernelSize;
use crate::error::CliError;
use crate::limits;
use crate::output::OutDir;
use crate::{OutArgs, Verbosity};
use sasd::synth::{ActivationLaw, Convolution, InstanceSpec, KernelSpec, Shape, StmMotif};

/// Kernel families of the generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KernelKind {
    /// Uniform on the sphere (incoherent).
    Random,
    /// Gaussian window g_{n0,σ} (coherent, LQK+20 §5), 1-D or 2-D.
    Gaussian,
    /// AR(1) calcium transient, eq. 6.2 (τ = 0.25 s at 100 Hz).
    Ar1,
    /// AR(2) calcium transient, eq. 6.3 (τ₁ = 0.2 s, τ₂ = 0.03 s at 100 Hz).
    Ar2,
    /// STM-like defect motif (2-D only).
    Stm,
}

/// Activation laws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Law {
    /// Bernoulli(θ) spikes of height 1.
    Bernoulli,
    /// Bernoulli(θ) × N(0, 1).
    BernoulliGaussian,
    /// Bernoulli(θ) × ±1.
    BernoulliRademacher,
}

/// Options of `sasd synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Directory for the data and the ground truth.
    #[arg(long)]
    out: PathBuf,
    /// Signal length m, or image size M1xM2 for a 2-D problem.
    #[arg(long, default_value = "10000")]
    size: KernelSize,
    /// Kernel length n0, or N1xN2.
    #[arg(long, default_value = "100")]
    kernel_size: KernelSize,
    /// Kernel family.
    #[arg(long, value_enum, default_value_t = KernelKind::Random)]
    kernel: KernelKind,
    /// Number of kernels (convolutional dictionary learning when > 1).
    #[arg(long, default_value_t = 1, allow_negative_numbers = true)]
    kernels: usize,
    /// Activation law.
    #[arg(long, value_enum, default_value_t = Law::BernoulliRademacher)]
    activation: Law,
    /// Bernoulli rate θ (default n0^(-3/4), n0 the number of kernel entries).
    #[arg(long, allow_negative_numbers = true)]
    theta: Option<f64>,
    /// Standard deviation of additive white Gaussian noise.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    noise: f64,
    /// Constant bias added to the data.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    bias: f64,
    /// Linear (full) convolution instead of cyclic.
    #[arg(long)]
    linear: bool,
    /// Seed of the generator.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    #[command(flatten)]
    out_args: OutArgs,
}

const FILES: [&str; 4] = ["data.npy", "kernel.npy", "activation.npy", "truth.json"];

/// Runs `sasd synth`.
pub fn run(args: SynthArgs, verbosity: Verbosity) -> Result<(), CliError> {
    if let Some(t) = args.theta
        && !(t > 0.0 && t <= 1.0)
    {
        return Err(CliError::new(format!(
            "--theta is a probability and must lie in (0, 1], got {t}"
        )));
    }
    if !(args.noise.is_finite() && args.noise >= 0.0) {
        return Err(CliError::new(format!(
            "--noise must be a number >= 0, got {}",
            args.noise
        )));
    }
    if !args.bias.is_finite() {
        return Err(CliError::new(format!("--bias must be finite, got {}", args.bias)));
    }
    // Before anything is generated: the data, the kernels and the K
    // activations of the size of the data must fit (checked arithmetic).
    let m = limits::check_size("--size", args.size)?;
    limits::check_size("--kernel-size", args.kernel_size)?;
    limits::check_total(
        &format!(
            "--kernels {} × --size {}: the activations",
            args.kernels, args.size
        ),
        args.kernels,
        Some(m),
    )?;
    let (signal, kernel_shape) = match (args.size, args.kernel_size) {
        (KernelSize::D1(m), KernelSize::D1(n0)) => (Shape::d1(m), Shape::d1(n0)),
        (KernelSize::D2(m1, m2), KernelSize::D2(n1, n2)) => (Shape::d2(m1, m2), Shape::d2(n1, n2)),
        _ => {
            return Err(CliError::new(
                "--size and --kernel-size must both be 1-D (N) or both 2-D (N1xN2)",
            ));
        }
    };
    let two_d = kernel_shape.is_2d() || signal.is_2d();
    let spec_of = |kind: KernelKind| -> Result<KernelSpec, CliError> {
        let n0 = kernel_shape.len();
        Ok(match (kind, two_d) {
            (KernelKind::Random, _) => KernelSpec::RandomSphere(kernel_shape),
            (KernelKind::Gaussian, false) => KernelSpec::GaussianWindow { n0, sigma: 0.5 },
            (KernelKind::Gaussian, true) => KernelSpec::Gaussian2d {
                rows: kernel_shape.rows(),
                cols: kernel_shape.cols(),
                sigma: 0.5,
            },
            (KernelKind::Ar1, false) => KernelSpec::Ar1 {
                n0,
                tau: 0.25,
                rate_hz: 100.0,
            },
            (KernelKind::Ar2, false) => KernelSpec::Ar2 {
                n0,
                tau1: 0.2,
                tau2: 0.03,
                rate_hz: 100.0,
            },
            (KernelKind::Stm, true) => {
                KernelSpec::Stm(StmMotif::new(kernel_shape.rows(), kernel_shape.cols()))
            }
            (kind, _) => {
                return Err(CliError::new(format!(
                    "the {kind:?} kernel is {}",
                    if two_d { "1-D only" } else { "2-D only" }
                )));
            }
        })
    };
    if args.kernels == 0 {
        return Err(CliError::new("--kernels must be at least 1"));
    }
    let specs = (0..args.kernels)
        .map(|_| spec_of(args.kernel))
        .collect::<Result<Vec<_>, _>>()?;
    let law = match args.activation {
        Law::Bernoulli => ActivationLaw::Bernoulli,
        Law::BernoulliGaussian => ActivationLaw::BernoulliGaussian,
        Law::BernoulliRademacher => ActivationLaw::BernoulliRademacher,
    };
    let theta = args.theta.unwrap_or((kernel_shape.len() as f64).powf(-0.75));
    let inst = InstanceSpec::new(specs[0].clone(), signal)
        .kernels(specs)
        .activation(law, theta)
        .bias(args.bias)
        .noise(args.noise)
        .convolution(if args.linear {
            Convolution::Linear
        } else {
            Convolution::Cyclic
        })
        .generate_seeded(args.seed)?;
    let out = OutDir::prepare(&args.out, &[], &FILES, args.out_args.force)?;
    // Files are row-major (NumPy's C order), as the generator's arrays.
    let dims = |s: Shape| {
        if two_d {
            vec![s.rows(), s.cols()]
        } else {
            vec![s.len()]
        }
    };
    let stack = |v: &[Vec<f64>], s: Shape| {
        let mut shape = dims(s);
        if v.len() > 1 {
            shape.insert(0, v.len());
        }
        (v.concat(), shape)
    };
    out.npy("data.npy", inst.observation.clone(), dims(inst.observation_shape))?;
    let (k, ks) = stack(&inst.kernels, inst.kernel_shape);
    out.npy("kernel.npy", k, ks.clone())?;
    let (x, xs) = stack(&inst.activations, inst.signal_shape);
    out.npy("activation.npy", x, xs.clone())?;
    let truth = json!({
        "kernel": format!("{:?}", args.kernel).to_lowercase(),
        "kernels": args.kernels,
        "kernel_shape": dims(inst.kernel_shape),
        "signal_shape": dims(inst.signal_shape),
        "observation_shape": dims(inst.observation_shape),
        "activation_law": format!("{:?}", args.activation).to_lowercase(),
        "theta": theta,
        "noise_std": args.noise,
        "bias": args.bias,
        "convolution": if args.linear { "linear" } else { "cyclic" },
        "seed": args.seed,
    });
    out.json("truth.json", &truth)?;
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!(
            "wrote data.npy {:?}, kernel.npy {:?}, activation.npy {:?}, truth.json to {}",
            dims(inst.observation_shape),
            ks,
            xs,
            out.dir().display()
        );
    }
    Ok(())
}
