//! The output directory of a command: checked and locked once before any
//! work (never an input, never a non-empty directory without `--force`, never
//! a directory another run is writing), filled file by file in a hidden
//! staging directory, and moved into place by [`OutDir::commit`] when the
//! whole run has succeeded (see [`io::Staging`]).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde_json::Value;

use crate::error::CliError;
use crate::io::{self, Array};
use crate::plot;
use crate::solve::Solution;
use sasd::metrics::{kernel_alignment, kernel_error};
use sasd::pipeline::{Shape, align_activation};

/// The files a deconvolution writes (data.png/svg for images only).
pub const SOLUTION_FILES: [&str; 16] = [
    "kernel.npy",
    "activation.npy",
    "reconstruction.npy",
    "baseline.npy",
    "events.csv",
    "report.json",
    "fit.png",
    "fit.svg",
    "kernel.png",
    "kernel.svg",
    "activation.png",
    "activation.svg",
    "convergence.png",
    "convergence.svg",
    "data.png",
    "data.svg",
];

/// Samples shown in the fit plot of a 1-D signal.
const FIT_WINDOW: usize = 1000;

/// A checked, locked output directory (or a subdirectory of one) whose
/// files appear when the run commits.
#[derive(Debug, Clone)]
pub struct OutDir {
    stage: Rc<io::Staging>,
    /// Path below the output directory (empty for the directory itself).
    rel: PathBuf,
}

/// The truth of a synthetic problem, for plots.
#[derive(Debug, Clone, Copy)]
pub struct Truth<'a> {
    /// The true kernel a₀.
    pub kernel: &'a [f64],
    /// The true activation x₀, when known.
    pub activation: Option<&'a [f64]>,
}

/// Array shape of a stack of `count` arrays of shape `d` (no leading axis
/// for a single one).
pub fn stacked_shape(count: usize, d: Shape) -> Vec<usize> {
    let mut shape = match d {
        Shape::D1(n) => vec![n],
        Shape::D2 { rows, cols } => vec![rows, cols],
    };
    if count > 1 {
        shape.insert(0, count);
    }
    shape
}

/// The arrays a run writes of one solution, as (file, values, shape):
/// kernel(s), activation(s), the baseline when one was fitted, and the
/// reconstruction (a batch stacks each along a leading axis).
pub fn solution_arrays(s: &Solution) -> Vec<(&'static str, Vec<f64>, Vec<usize>)> {
    let k = s.kernels.len();
    let mut arrays = vec![
        ("kernel.npy", s.kernels.concat(), stacked_shape(k, s.kernel_dims)),
        (
            "activation.npy",
            s.activations.concat(),
            stacked_shape(k, s.activation_dims),
        ),
    ];
    if let Some(b) = &s.baseline {
        arrays.push(("baseline.npy", b.clone(), stacked_shape(1, s.signal_dims)));
    }
    arrays.push((
        "reconstruction.npy",
        s.reconstruction.clone(),
        stacked_shape(1, s.signal_dims),
    ));
    arrays
}

/// The header line of events.csv.
pub const EVENTS_HEADER: &str = "signal,index,time,amplitude,kernel\n";

/// The rows of events.csv for the solution of column `column` (from 1):
/// see [`OutDir::write_events`].
pub fn event_lines(column: usize, s: &Solution, rate: Option<f64>) -> String {
    let mut text = String::new();
    for e in &s.events {
        let index = e.index as i64 - s.origin as i64;
        let time = rate.map(|r| format!("{}", index as f64 / r)).unwrap_or_default();
        text.push_str(&format!(
            "{column},{index},{time},{:e},{}\n",
            e.amplitude, e.kernel
        ));
    }
    text
}

impl OutDir {
    /// Creates `dir` if missing, locks it; refuses a non-empty one unless
    /// `force`, and refuses in any case when one of `outputs` would overwrite
    /// an input.
    pub fn prepare(dir: &Path, inputs: &[&Path], outputs: &[&str], force: bool) -> Result<Self, CliError> {
        Ok(Self {
            stage: Rc::new(io::Staging::begin(dir, inputs, outputs, force)?),
            rel: PathBuf::new(),
        })
    }

    /// The directory where the results will be (for messages).
    pub fn dir(&self) -> PathBuf {
        self.stage.out().join(&self.rel)
    }

    /// A subdirectory (for commands with several runs), committed with its
    /// parent.
    pub fn sub(&self, name: &str) -> Result<Self, CliError> {
        let rel = self.rel.join(name);
        let staged = self.stage.staging().join(&rel);
        std::fs::create_dir_all(&staged)
            .map_err(|e| CliError::new(format!("{}: cannot create directory: {e}", staged.display())))?;
        Ok(Self {
            stage: Rc::clone(&self.stage),
            rel,
        })
    }

    /// Where to write the output file `name` until the commit.
    pub fn path(&self, name: &str) -> PathBuf {
        self.stage.staging().join(&self.rel).join(name)
    }

    /// Moves every file written so far into the output directory: the run
    /// has succeeded. Without it, the files are discarded.
    pub fn commit(&self) -> Result<(), CliError> {
        self.stage.commit()?;
        Ok(())
    }

    /// Writes an `.npy` array.
    pub fn npy(&self, name: &str, data: Vec<f64>, shape: Vec<usize>) -> Result<(), CliError> {
        io::write_npy(&self.path(name), &Array { data, shape })?;
        Ok(())
    }

    /// Writes a JSON document.
    pub fn json(&self, name: &str, value: &Value) -> Result<(), CliError> {
        io::write_json(&self.path(name), value)?;
        Ok(())
    }

    /// Writes the arrays of one solution ([`solution_arrays`]); a batch
    /// streams them instead (`cmd::deconv::batch`).
    pub fn write_arrays(&self, s: &Solution) -> Result<(), CliError> {
        for (name, data, shape) in solution_arrays(s) {
            self.npy(name, data, shape)?;
        }
        Ok(())
    }

    /// Writes events.csv of one solution: one row per event (`signal` is
    /// the 1-based column of a batch, 1 here), `index` the sample of the
    /// data (negative for an event just before the window, under the
    /// linear model; the row-major pixel of an image), `time` = index / rate
    /// in seconds when the rate is known, `amplitude` the event's weight on
    /// its unit-norm kernel, `kernel` which kernel (0-based).
    pub fn write_events(&self, s: &Solution, rate: Option<f64>) -> Result<(), CliError> {
        let text = format!("{EVENTS_HEADER}{}", event_lines(1, s, rate));
        // Through the same synced writer as every other output.
        io::write_atomic(&self.path("events.csv"), text.as_bytes())?;
        Ok(())
    }

    /// Writes the four pictures of one solution: fit, kernel(s),
    /// activation(s) and convergence, each as PNG and SVG.
    pub fn write_plots(&self, y: &[f64], s: &Solution, truth: Option<Truth<'_>>) -> Result<(), CliError> {
        let stem = |name: &str| self.path(name);
        match s.signal_dims {
            Shape::D1(_) => self.plots_1d(y, s, truth)?,
            Shape::D2 { rows, cols } => {
                let gray = plot::HeatmapOptions {
                    colormap: plot::Colormap::Gray,
                    ..plot::HeatmapOptions::default()
                };
                plot::plot_heatmap(&stem("data"), "Data y", y, rows, cols, &gray)?;
                plot::plot_heatmap(
                    &stem("fit"),
                    "Reconstruction a ⊛ x + b",
                    &s.reconstruction,
                    rows,
                    cols,
                    &gray,
                )?;
                let (kr, kc) = match s.kernel_dims {
                    Shape::D2 { rows, cols } => (rows, cols),
                    Shape::D1(n) => (1, n),
                };
                // Kernels side by side, one column of gap between them.
                let k = s.kernels.len();
                let width = k * (kc + 1) - 1;
                let mut tiled = vec![f64::NAN; kr * width];
                for (j, a) in s.kernels.iter().enumerate() {
                    for r in 0..kr {
                        tiled[r * width + j * (kc + 1)..][..kc].copy_from_slice(&a[r * kc..][..kc]);
                    }
                }
                plot::plot_image(&stem("kernel"), "Recovered kernel(s)", &tiled, kr, width)?;
                plot::plot_image(
                    &stem("activation"),
                    "Activation map (kernel 1)",
                    &s.activations[0],
                    rows,
                    cols,
                )?;
            }
        }
        let objective: Vec<(f64, f64)> = s.history.iter().map(|h| (h.iteration as f64, h.cost)).collect();
        let error: Vec<(f64, f64)> = s
            .history
            .iter()
            .filter_map(|h| Some((h.iteration as f64, h.kernel_error?)))
            .collect();
        // The solver tracks the lifted kernel (3n0 − 2 entries) against the
        // truth; the printed error is the final kernel's, after the shift
        // correction: both are shown, each named for what it is.
        let final_error: Vec<(f64, f64)> = s
            .kernel_error
            .filter(|_| !error.is_empty())
            .map(|e| (s.iterations as f64, e))
            .into_iter()
            .collect();
        let mut curves = vec![("objective", objective.as_slice())];
        if !error.is_empty() {
            curves.push((
                "kernel error of the lifted kernel (during the solve)",
                error.as_slice(),
            ));
            curves.push((
                "kernel error of the final kernel (after shift correction)",
                final_error.as_slice(),
            ));
        }
        plot::plot_convergence(
            &stem("convergence"),
            &format!("Convergence of {}", s.method.name()),
            "iteration",
            "value (log scale)",
            &curves,
            true,
        )?;
        Ok(())
    }

    fn plots_1d(&self, y: &[f64], s: &Solution, truth: Option<Truth<'_>>) -> Result<(), CliError> {
        let stem = |name: &str| self.path(name);
        // A whole long trace is a solid band: show a window where the samples
        // can be told apart.
        let w = y.len().min(FIT_WINDOW);
        let title = if w < y.len() {
            format!(
                "Data and reconstruction a ⊛ x + b (first {w} of {} samples)",
                y.len()
            )
        } else {
            "Data and reconstruction a ⊛ x + b".to_string()
        };
        let mut fit: Vec<(&str, &[f64])> =
            vec![("data y", &y[..w]), ("reconstruction", &s.reconstruction[..w])];
        if let Some(b) = &s.baseline {
            fit.push(("baseline", &b[..w]));
        }
        plot::plot_signals(&stem("fit"), &title, &fit)?;
        match truth.filter(|_| s.kernels.len() == 1) {
            Some(t) => {
                let (kernel, activation) = align_to_truth(t.kernel, &s.kernels[0], &s.activations[0])?;
                plot::plot_signals(
                    &stem("kernel"),
                    "Kernel (recovered, aligned to the truth's shift and sign)",
                    &[("true kernel", t.kernel), ("recovered kernel", &kernel)],
                )?;
                match t.activation {
                    Some(x0) => plot::plot_stems(
                        &stem("activation"),
                        "Activation (recovered, aligned to the truth)",
                        &[("true activation", x0), ("recovered activation", &activation)],
                    )?,
                    None => plot::plot_stems(
                        &stem("activation"),
                        "Recovered activation",
                        &[("activation", &activation)],
                    )?,
                }
            }
            None => {
                let names: Vec<String> = (1..=s.kernels.len()).map(|k| format!("kernel {k}")).collect();
                let series: Vec<(&str, &[f64])> = names
                    .iter()
                    .zip(&s.kernels)
                    .map(|(n, k)| (n.as_str(), k.as_slice()))
                    .collect();
                plot::plot_signals(&stem("kernel"), "Recovered kernel(s)", &series)?;
                // The events of events.csv, drawn over the activation they
                // were read from (rings over its dots).
                let marks: Vec<Vec<f64>> = s
                    .activations
                    .iter()
                    .enumerate()
                    .map(|(k, x)| {
                        let mut v = vec![0.0; x.len()];
                        for e in s.events.iter().filter(|e| e.kernel == k) {
                            if let Some(slot) = v.get_mut(e.index) {
                                *slot = e.amplitude;
                            }
                        }
                        v
                    })
                    .collect();
                let names: Vec<String> = (1..=s.kernels.len())
                    .flat_map(|k| [format!("activation {k}"), format!("events {k} (events.csv)")])
                    .collect();
                let series: Vec<(&str, &[f64])> = names
                    .iter()
                    .zip(s.activations.iter().zip(&marks).flat_map(|(x, m)| [x, m]))
                    .map(|(n, x)| (n.as_str(), x.as_slice()))
                    .collect();
                plot::plot_stems(&stem("activation"), "Recovered activation(s) and events", &series)?;
            }
        }
        Ok(())
    }
}

impl OutDir {
    /// Redraws `kernel.png`/`.svg` with the true kernels, for the cases the
    /// one-kernel 1-D picture of [`write_plots`](Self::write_plots) does not
    /// cover: several kernels (each recovered kernel aligned to the truth it
    /// matches best, both drawn) and images (recovered kernels in the top
    /// row, true ones below).
    pub fn kernels_vs_truth(&self, s: &Solution, truths: &[Vec<f64>]) -> Result<(), CliError> {
        match s.kernel_dims {
            Shape::D1(_) if s.kernels.len() > 1 => {
                let mut names = Vec::new();
                let mut curves: Vec<Vec<f64>> = Vec::new();
                for (j, (a, x)) in s.kernels.iter().zip(&s.activations).enumerate() {
                    let best = truths
                        .iter()
                        .enumerate()
                        .filter_map(|(i, t)| Some((i, kernel_error(t, a).ok()?)))
                        .min_by(|p, q| p.1.total_cmp(&q.1));
                    if let Some((i, _)) = best {
                        names.push(format!("true kernel {}", i + 1));
                        curves.push(truths[i].clone());
                        names.push(format!("kernel {} (aligned to true {})", j + 1, i + 1));
                        curves.push(align_to_truth(&truths[i], a, x)?.0);
                    }
                }
                let series: Vec<(&str, &[f64])> = names
                    .iter()
                    .zip(&curves)
                    .map(|(n, c)| (n.as_str(), c.as_slice()))
                    .collect();
                plot::plot_signals(
                    &self.path("kernel"),
                    "Recovered kernels and the truths they match",
                    &series,
                )?;
            }
            Shape::D2 { rows: kr, cols: kc } => {
                let k = s.kernels.len().max(truths.len());
                let width = k * (kc + 1) - 1;
                let mut tiled = vec![f64::NAN; (2 * kr + 1) * width];
                for (row0, set) in [(0, &s.kernels), (kr + 1, &truths.to_vec())] {
                    for (j, a) in set.iter().enumerate() {
                        for r in 0..kr {
                            tiled[(row0 + r) * width + j * (kc + 1)..][..kc]
                                .copy_from_slice(&a[r * kc..][..kc]);
                        }
                    }
                }
                plot::plot_image(
                    &self.path("kernel"),
                    "Recovered kernel(s) (top) and truth (bottom, not aligned)",
                    &tiled,
                    2 * kr + 1,
                    width,
                )?;
            }
            Shape::D1(_) => {}
        }
        Ok(())
    }
}

/// The recovered kernel and activation moved onto the truth's shift and sign
/// (LQK+20 §5.1: â ≈ σ·s_d\[a₀\] pairs with x₀ ≈ σ·s_d\[x̂\]), so that plots
/// overlay them. The kernel is cut to the truth's window.
pub fn align_to_truth(
    a0: &[f64],
    kernel: &[f64],
    activation: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), CliError> {
    let al = kernel_alignment(a0, kernel)?;
    let sign = al.sign.value();
    let aligned_kernel = (0..a0.len() as isize)
        .map(|i| {
            let j = i + al.shift.0;
            usize::try_from(j)
                .ok()
                .and_then(|j| kernel.get(j))
                .map_or(0.0, |v| sign * v)
        })
        .collect();
    Ok((aligned_kernel, align_activation(a0, kernel, activation)?))
}
