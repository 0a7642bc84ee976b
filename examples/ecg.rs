//! A real recording: one minute of a human electrocardiogram that ships
//! inside the `sasd` crate (`sasd::datasets::ecg`, MIT-BIH record 208,
//! 360 Hz, in mV; `crates/sasd/data/README.md`). Each heartbeat is the
//! kernel, the beat times are the sparse activation, and the baseline
//! wanders by several millivolts: the recording model (linear convolution
//! over the window, a baseline down to a 2 s period, x ≥ 0).
//!
//! Printed: the number of beats a simple R-peak detector finds (the
//! reference: local maxima of the high-passed trace above half its 99.5th
//! percentile, ≥ 0.3 s apart), the events the deconvolution returns (the
//! default rule with runs merged across gaps up to 0.1 s), the
//! beat F1 (an event's R peak, its index plus the kernel's peak offset,
//! within ±8 samples = 22 ms of a reference beat), the kernel's match to
//! the mean beat (|cosine| of the kernel and the mean of the trace's
//! windows aligned the same way, each less its mean), the stop reason,
//! iterations and time. Written to `--out` (default `sasd-ecg`): `ecg.png`
//! (the first 10 s, the fit and the events; the kernel beside the mean
//! beat).
//!
//! ```sh
//! cargo run --release --example ecg
//! cargo run --release --example ecg -- --kernel 150 --baseline 2 --out sasd-ecg
//! cargo run --release --example ecg -- --kernel auto    # the size read from the data
//! cargo run --release --example ecg -- --refine off     # the solve alone
//! ```

mod common;

use std::path::PathBuf;
use std::time::Instant;

use plotters::prelude::*;
use sasd::conv::Boundary;
use sasd::events::EventRule;
use sasd::pipeline::Deconvolution;

const USAGE: &str = "usage: ecg [--kernel N0|auto] [--baseline SECONDS] [--refine on|off] [--out DIR]";

fn main() {
    let args = common::parse(USAGE, &[1]);
    // `auto`: the size read from the data (`Deconvolution::run_auto_size`).
    let size: String = args.get("kernel", "150".to_string());
    let period_s: f64 = args.get("baseline", 2.0);
    let out: PathBuf = args.get("out", PathBuf::from("sasd-ecg"));
    let ecg = sasd::datasets::ecg().unwrap_or_else(|e| fail(&e.to_string()));
    let y = &ecg.samples;
    let beats = r_peaks(y, ecg.rate);

    let start = Instant::now();
    let mut spec = Deconvolution::new(size.parse().unwrap_or(1))
        .boundary(Boundary::Linear)
        .baseline(period_s * ecg.rate)
        .nonnegative(true);
    if args.get::<String>("refine", "on".into()) == "off" {
        spec = spec.no_refinement();
    }
    let result = if size == "auto" {
        spec.run_auto_size(y).map(|(out, probes)| {
            let steps: Vec<String> = probes.iter().map(ToString::to_string).collect();
            println!(
                "kernel size auto: {} (runs at {})",
                out.kernel_dims.len(),
                steps.join(", ")
            );
            out
        })
    } else if size.parse::<usize>().is_ok() {
        spec.run(y)
    } else {
        fail(&format!("--kernel must be a length or 'auto', got '{size}'"))
    }
    .unwrap_or_else(|e| fail(&e.to_string()));
    let n0 = result.kernel_dims.len();
    let seconds = start.elapsed().as_secs_f64();
    if let Some(atoms) = spec.refinement_skipped_for_size(&result) {
        println!("note: the default refinement was skipped ({atoms} atoms)");
    }
    // One heartbeat is one event: nonzeros closer than 0.1 s (a QRS
    // complex) merge, where the default rule merges adjacent samples only
    // (it keeps close spikes of a spike train apart).
    let rule = EventRule {
        merge_gap: (0.1 * ecg.rate) as usize,
        ..EventRule::default()
    };
    let (events, sigma) = result
        .events_with(y, &rule)
        .unwrap_or_else(|e| fail(&e.to_string()));

    let kernel = result.kernel();
    let peak = argmax_abs(kernel);
    // An event's index is its kernel's first tap on the activation's clock;
    // the beat's R peak is `peak` taps later, on y's clock after `origin`.
    let r_of = |index: usize| (index + peak) as i64 - result.origin() as i64;
    let detected: Vec<i64> = events.iter().map(|e| r_of(e.index)).collect();
    let f1 = beat_f1(&detected, &beats, 8);
    let mean_beat = mean_window(y, &beats, peak, n0);
    let matched = cosine(&mean_beat, kernel).abs();

    println!("{}: {} samples at {} Hz", ecg.name, y.len(), ecg.rate);
    println!("reference beats (R-peak detector): {}", beats.len());
    println!(
        "events: {} (noise σ̂ = {sigma:.3} {}), beat F1 {f1:.3} (±8 samples)",
        events.len(),
        ecg.unit
    );
    println!("kernel match to the mean beat: {matched:.3}");
    println!(
        "λ = {:.3e}, stop {:?}, {} iterations, {} FFTs, {seconds:.1} s",
        result.lambda, result.stop, result.iterations, result.ffts
    );
    let fit = result.reconstruction().unwrap_or_else(|e| fail(&e.to_string()));
    if let Err(e) = plot(&out, y, &fit, &detected, ecg.rate, kernel, &mean_beat) {
        fail(&format!("cannot write {}: {e}", out.display()));
    }
    println!("wrote {}", out.join("ecg.png").display());
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// R peaks: local maxima of y less its 0.5 s moving average, above half
/// the 99.5th percentile of that, at least 0.3 s apart (the larger kept).
fn r_peaks(y: &[f64], rate: f64) -> Vec<i64> {
    let half = (0.25 * rate) as usize;
    let hp: Vec<f64> = (0..y.len())
        .map(|i| {
            let (lo, hi) = (i.saturating_sub(half), (i + half + 1).min(y.len()));
            y[i] - y[lo..hi].iter().sum::<f64>() / (hi - lo) as f64
        })
        .collect();
    let mut sorted = hp.clone();
    sorted.sort_by(f64::total_cmp);
    let threshold = 0.5 * sorted[(0.995 * (sorted.len() - 1) as f64) as usize];
    let gap = (0.3 * rate) as usize;
    let mut peaks: Vec<usize> = Vec::new();
    for i in 1..hp.len() - 1 {
        if hp[i] > threshold && hp[i] >= hp[i - 1] && hp[i] >= hp[i + 1] {
            match peaks.last_mut() {
                Some(last) if i - *last < gap => {
                    if hp[i] > hp[*last] {
                        *last = i;
                    }
                }
                _ => peaks.push(i),
            }
        }
    }
    peaks.into_iter().map(|p| p as i64).collect()
}

/// F1 of detections against references, each matched at most once within
/// ±`tol` samples.
fn beat_f1(detected: &[i64], reference: &[i64], tol: i64) -> f64 {
    let mut used = vec![false; reference.len()];
    let mut hits = 0;
    for d in detected {
        if let Some(j) = (0..reference.len()).find(|&j| !used[j] && (reference[j] - d).abs() <= tol) {
            used[j] = true;
            hits += 1;
        }
    }
    let (p, r) = (
        hits as f64 / detected.len().max(1) as f64,
        hits as f64 / reference.len().max(1) as f64,
    );
    if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 }
}

fn argmax_abs(v: &[f64]) -> usize {
    (0..v.len())
        .max_by(|&i, &j| v[i].abs().total_cmp(&v[j].abs()))
        .unwrap_or(0)
}

/// The mean of the n0-sample windows of y whose `peak`-th sample is a
/// beat, each less its mean.
fn mean_window(y: &[f64], beats: &[i64], peak: usize, n0: usize) -> Vec<f64> {
    let mut mean = vec![0.0; n0];
    let mut count = 0.0_f64;
    for &b in beats {
        let s = b - peak as i64;
        if s < 0 || s as usize + n0 > y.len() {
            continue;
        }
        let w = &y[s as usize..s as usize + n0];
        let mu = w.iter().sum::<f64>() / n0 as f64;
        mean.iter_mut().zip(w).for_each(|(m, v)| *m += v - mu);
        count += 1.0;
    }
    mean.iter_mut().for_each(|m| *m /= count.max(1.0));
    mean
}

fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(u, v)| u * v).sum();
    let na = a.iter().map(|u| u * u).sum::<f64>().sqrt();
    let nb = b.iter().map(|v| v * v).sum::<f64>().sqrt();
    dot / (na * nb).max(f64::MIN_POSITIVE)
}

/// The first 10 s with the fit and the events; the kernel beside the mean
/// beat (scaled to the kernel's norm).
fn plot(
    out: &std::path::Path,
    y: &[f64],
    fit: &[f64],
    events: &[i64],
    rate: f64,
    kernel: &[f64],
    mean_beat: &[f64],
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(out)?;
    // plotters draws text with a registered font; the CLI's (DejaVu Sans,
    // embedded by the `dejavu` crate).
    let bad = |_| "the embedded DejaVu font is invalid";
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular()).map_err(bad)?;
    let path = out.join("ecg.png");
    let root = BitMapBackend::new(&path, (1400, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = root.split_horizontally(1000);
    let shown = ((10.0 * rate) as usize).min(y.len());
    let (lo, hi) = y[..shown]
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
    let mut chart = ChartBuilder::on(&left)
        .caption("ECG (first 10 s), fit and events", ("sans-serif", 22))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..shown as f64 / rate, lo - 0.2..hi + 0.2)?;
    chart.configure_mesh().x_desc("s").y_desc("mV").draw()?;
    let series = |v: &[f64]| (0..shown).map(|i| (i as f64 / rate, v[i])).collect::<Vec<_>>();
    chart.draw_series(LineSeries::new(series(y), BLACK.stroke_width(1)))?;
    chart.draw_series(LineSeries::new(series(fit), RED.stroke_width(1)))?;
    chart.draw_series(
        events
            .iter()
            .filter(|&&e| e >= 0 && (e as usize) < shown)
            .map(|&e| TriangleMarker::new((e as f64 / rate, hi + 0.1), 6, BLUE.filled())),
    )?;
    let scale = kernel.iter().map(|v| v * v).sum::<f64>().sqrt()
        / mean_beat
            .iter()
            .map(|v| v * v)
            .sum::<f64>()
            .sqrt()
            .max(f64::MIN_POSITIVE);
    let sign = if cosine(kernel, mean_beat) < 0.0 {
        -1.0
    } else {
        1.0
    };
    let (klo, khi) = kernel
        .iter()
        .chain(mean_beat.iter())
        .fold((0.0_f64, 0.0_f64), |(l, h), v| {
            (l.min(v * scale.max(1.0)), h.max(v * scale.max(1.0)))
        });
    let mut kchart = ChartBuilder::on(&right)
        .caption("kernel (red) vs mean beat (black)", ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(50)
        .build_cartesian_2d(0.0..kernel.len() as f64 / rate, klo - 0.05..khi + 0.05)?;
    kchart.configure_mesh().x_desc("s").draw()?;
    let t = |i: usize| i as f64 / rate;
    kchart.draw_series(LineSeries::new(
        mean_beat.iter().enumerate().map(|(i, v)| (t(i), v * scale)),
        BLACK.stroke_width(2),
    ))?;
    kchart.draw_series(LineSeries::new(
        kernel.iter().enumerate().map(|(i, v)| (t(i), sign * v)),
        RED.stroke_width(2),
    ))?;
    root.present()?;
    Ok(())
}
