//! `sasd landscape`: heat maps of the Bilinear Lasso and ABL marginals over
//! the subsphere spanned by three shifts of a kernel (LQK+20 Figs. 4, 5, 7,
//! 9; see `sasd::landscape`).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cmd::KernelSize;
use crate::error::CliError;
use crate::limits;
use crate::output::OutDir;
use crate::plot::{self, HeatmapOptions};
use crate::progress::Heartbeat;
use crate::{OutArgs, Verbosity};
use sasd::landscape::landscape;
use sasd::synth::{ActivationLaw, InstanceSpec, KernelSpec, Shape};

/// The kernel of the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Coherence {
    /// Uniform on the sphere: shifts nearly orthogonal (Figs. 5, 7, 9 left).
    Incoherent,
    /// Gaussian window g_{n0,0.5}: adjacent shifts nearly parallel (Fig. 9 right).
    Coherent,
}

/// Options of `sasd landscape`.
#[derive(Debug, Args)]
pub struct LandscapeArgs {
    /// Kernel type (both when omitted).
    #[arg(long, value_enum)]
    kernel: Option<Coherence>,
    /// λ of both marginals (LQK+20 Fig. 9 uses 0.5).
    #[arg(long, default_value_t = 0.5, allow_negative_numbers = true)]
    lambda: f64,
    /// Kernel length n0.
    #[arg(long, default_value_t = 20, allow_negative_numbers = true)]
    n0: usize,
    /// Signal length m.
    #[arg(long, default_value_t = 2000, allow_negative_numbers = true)]
    m: usize,
    /// Grid points per side of the heat map.
    #[arg(long, default_value_t = 41, allow_negative_numbers = true)]
    grid: usize,
    /// Seed of the kernel and activation.
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    seed: u64,
    /// Directory for the pictures.
    #[arg(long, default_value = "sasd-landscape")]
    out: PathBuf,
    #[command(flatten)]
    out_args: OutArgs,
}

/// Runs `sasd landscape`.
pub fn run(args: LandscapeArgs, verbosity: Verbosity) -> Result<(), CliError> {
    crate::cmd::check_lambda(Some(args.lambda))?;
    // Bounded before any work: each grid point is a solve of the marginal
    // over a signal of m samples.
    if !(2..=limits::MAX_GRID).contains(&args.grid) {
        return Err(CliError::new(format!(
            "--grid must lie between 2 and {}, got {}",
            limits::MAX_GRID,
            args.grid
        )));
    }
    let work = args
        .grid
        .checked_mul(args.grid)
        .and_then(|g| g.checked_mul(args.m));
    if work.is_none_or(|w| w > limits::MAX_LANDSCAPE_WORK) {
        return Err(CliError::new(format!(
            "--grid {} with --m {} is {} grid points × samples, more than the {} this command computes (hours of work): lower --grid or --m",
            args.grid,
            args.m,
            work.map_or("too many".into(), |w| w.to_string()),
            limits::MAX_LANDSCAPE_WORK
        )));
    }
    limits::check_kernel(KernelSize::D1(args.n0), KernelSize::D1(args.m))?;
    let kinds = match args.kernel {
        Some(k) => vec![k],
        None => vec![Coherence::Incoherent, Coherence::Coherent],
    };
    let names: Vec<String> = kinds
        .iter()
        .flat_map(|k| {
            let k = format!("{k:?}").to_lowercase();
            ["bl", "abl"]
                .into_iter()
                .flat_map(move |o| ["png", "svg"].map(|e| format!("{o}-{k}.{e}")))
        })
        .chain(["landscape.json".to_string()])
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let out = OutDir::prepare(&args.out, &[], &names, args.out_args.force)?;
    let mut summary = Vec::new();
    let _beat = Heartbeat::start(&format!("landscape on a {0}x{0} grid", args.grid), verbosity);
    for kind in kinds {
        let spec = match kind {
            Coherence::Incoherent => KernelSpec::RandomSphere(Shape::d1(args.n0)),
            Coherence::Coherent => KernelSpec::GaussianWindow {
                n0: args.n0,
                sigma: 0.5,
            },
        };
        let inst = InstanceSpec::new(spec, Shape::d1(args.m))
            .activation(ActivationLaw::BernoulliGaussian, (args.n0 as f64).powf(-0.75))
            .generate_seeded(args.seed)?;
        let extent = 1.25;
        let land = landscape(&inst.observation, inst.kernel(), args.lambda, args.grid, extent)?;
        // Grid points are cell centres; the picture spans the cells' edges.
        let half = extent / (args.grid - 1) as f64;
        let name = format!("{kind:?}").to_lowercase();
        let g = land.resolution;
        for (obj, values, title) in [
            ("bl", &land.bilinear_lasso, "Bilinear Lasso φ_BL"),
            ("abl", &land.approximate, "approximate BL φ_ABL"),
        ] {
            let e = extent;
            let options = HeatmapOptions {
                x_label: "chart coordinate u   (× marks a0, s1[a0], s2[a0])".into(),
                y_label: "chart coordinate v".into(),
                value_label: "objective".into(),
                extent: Some([-e - half, e + half, -e - half, e + half]),
                row0_at_top: false,
                marks: land.shifts.to_vec(),
                ..HeatmapOptions::default()
            };
            plot::plot_heatmap(
                &out.path(&format!("{obj}-{name}")),
                &format!("{title}, {name}, λ = {}", args.lambda),
                values,
                g,
                g,
                &options,
            )?;
        }
        summary.push(json!({
            "kernel": name,
            "shifts_chart_coordinates": land.shifts,
            "bl_min": land.bilinear_lasso.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min),
            "abl_min": land.approximate.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min),
        }));
    }
    out.json(
        "landscape.json",
        &json!({ "lambda": args.lambda, "n0": args.n0, "m": args.m, "grid": args.grid, "seed": args.seed, "kernels": summary }),
    )?;
    out.commit()?;
    if verbosity != Verbosity::Quiet {
        println!("heat maps written to {}", out.dir().display());
    }
    Ok(())
}
