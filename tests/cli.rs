//! The `sasd` program end to end: every command on small inputs (outputs
//! exist, parse, and recover the truth within stated bounds) and every bad
//! input of the CLI issue (non-zero exit, one line on stderr, no output).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use npyz::WriterBuilder;
use serde_json::Value;

fn sasd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sasd"))
        .args(args)
        .output()
        .expect("the sasd binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = sasd(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "sasd {args:?} failed: {stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a command that must fail: exit status 1, exactly one line on stderr
/// that contains `needle`.
fn fails(args: &[&str], needle: &str) -> String {
    let out = sasd(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "sasd {args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "one line expected: {stderr}"
    );
    assert!(stderr.contains(needle), "expected '{needle}' in: {stderr}");
    stderr
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-cli-test-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read_npy(p: &Path) -> (Vec<f64>, Vec<u64>) {
    let bytes = fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (npy.into_vec::<f64>().unwrap(), shape)
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(p).unwrap()).unwrap()
}

fn write_npy_f64(p: &Path, data: &[f64], shape: &[u64]) {
    let mut buf = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    fs::write(p, buf).unwrap();
}

#[test]
fn help_is_available_for_every_command() {
    for cmd in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["synth", "--help"],
        vec!["deconv", "--help"],
        vec!["deblur", "--help"],
        vec!["compare", "--help"],
        vec!["landscape", "--help"],
    ] {
        let out = ok(&cmd);
        assert!(out.contains("Usage"), "{cmd:?}: {out}");
    }
}

/// synth → deconv on a small 1-D instance: the files exist and parse, the
/// report's kernel error is small, and the reconstruction fits the data.
#[test]
fn synth_then_deconv_recovers_a_random_kernel() {
    let dir = tmp("deconv1d");
    let data = dir.join("data");
    ok(&[
        "synth",
        "--out",
        s(&data),
        "--size",
        "3000",
        "--kernel-size",
        "20",
        "--seed",
        "3",
        "--bias",
        "1",
    ]);
    let (y, shape) = read_npy(&data.join("data.npy"));
    assert_eq!(shape, vec![3000]);
    let out = dir.join("result");
    let stdout = ok(&[
        "deconv",
        "--boundary",
        "circular",
        s(&data.join("data.npy")),
        "--kernel-size",
        "20",
        "--bias",
        "--truth-kernel",
        s(&data.join("kernel.npy")),
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("kernel error"), "{stdout}");
    let (kernel, kshape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(kshape, vec![20]);
    assert!((kernel.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 1e-9);
    let (x, xshape) = read_npy(&out.join("activation.npy"));
    assert_eq!(xshape, vec![3000]);
    assert!(x.iter().all(|v| v.is_finite()));
    let (r, _) = read_npy(&out.join("reconstruction.npy"));
    let misfit = y.iter().zip(&r).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
    let norm = y.iter().map(|a| a * a).sum::<f64>().sqrt();
    assert!(misfit < 1e-2 * norm, "relative misfit {}", misfit / norm);
    let report = json(&out.join("report.json"));
    let err = report["result"]["kernel_error"].as_f64().unwrap();
    assert!(err < 1e-3, "kernel error {err}");
    assert!(report["result"]["iterations"].as_u64().unwrap() > 0);
    assert!(report["history"].as_array().unwrap().len() > 1);
    for plot in ["fit", "kernel", "activation", "convergence"] {
        for ext in ["png", "svg"] {
            let p = out.join(format!("{plot}.{ext}"));
            assert!(
                fs::metadata(&p).map(|m| m.len() > 100).unwrap_or(false),
                "{}",
                p.display()
            );
        }
    }
    // The input directory is untouched and a second run into the same
    // output is refused without --force, accepted with it.
    fails(
        &[
            "deconv",
            "--boundary",
            "circular",
            s(&data.join("data.npy")),
            "--kernel-size",
            "20",
            "--out",
            s(&out),
        ],
        "--force",
    );
    // The same run again into `out`, with `extra` options.
    let (input, truth) = (data.join("data.npy"), data.join("kernel.npy"));
    let rerun = |extra: &[&str]| {
        let mut args = vec![
            "deconv",
            "--boundary",
            "circular",
            s(&input),
            "--kernel-size",
            "20",
            "--out",
            s(&out),
        ];
        args.extend(["--force", "--quiet", "--bias", "--truth-kernel", s(&truth)]);
        args.extend(extra);
        ok(&args)
    };
    rerun(&["--eta", "0.3"]);
    // A faster continuation (η = 0.3): recorded, as accurate, fewer iterations.
    let fast = json(&out.join("report.json"));
    assert_eq!(fast["parameters"]["eta"].as_f64(), Some(0.3), "{fast}");
    let fast_err = fast["result"]["kernel_error"].as_f64().unwrap();
    assert!(fast_err < 1e-3, "kernel error {fast_err} at η = 0.3");
    let iterations = |r: &serde_json::Value| r["result"]["iterations"].as_u64().unwrap();
    assert!(iterations(&fast) < iterations(&report));
    // The support refinement: recorded with what it did, as accurate.
    rerun(&["--refine-support", "--noise", "0.001"]);
    let refined = json(&out.join("report.json"));
    assert_eq!(refined["parameters"]["refine_support"].as_bool(), Some(true));
    assert_eq!(refined["parameters"]["noise"].as_f64(), Some(0.001));
    assert!(
        refined["result"]["refinement"]["atoms"].as_u64().unwrap() > 0,
        "{refined}"
    );
    let refined_err = refined["result"]["kernel_error"].as_f64().unwrap();
    assert!(refined_err < 1e-3, "kernel error {refined_err} after refinement");
    fails(
        &[
            "deconv",
            "--boundary",
            "circular",
            s(&data.join("data.npy")),
            "--kernel-size",
            "20",
            "--kernels",
            "2",
            "--refine-support",
            "--out",
            s(&dir.join("never")),
        ],
        "--refine-support",
    );
    fails(
        &[
            "deconv",
            "--boundary",
            "circular",
            s(&data.join("data.npy")),
            "--kernel-size",
            "20",
            "--refine-support",
            "--noise",
            "-1",
            "--out",
            s(&dir.join("never")),
        ],
        "--noise",
    );
    assert!(!dir.join("never").exists());
}

/// Bad inputs: one line on stderr, exit status 1, and no output directory.
#[test]
fn bad_inputs_fail_cleanly_without_outputs() {
    let dir = tmp("bad");
    let out = dir.join("out");
    let run = |file: &Path, size: &str, needle: &str| {
        fails(
            &["deconv", s(file), "--kernel-size", size, "--out", s(&out)],
            needle,
        );
        assert!(
            !out.exists() || fs::read_dir(&out).unwrap().next().is_none(),
            "partial outputs left"
        );
    };
    run(&dir.join("missing.npy"), "10", "missing.npy");
    let unknown = dir.join("signal.xyz");
    fs::write(&unknown, "1 2 3").unwrap();
    run(&unknown, "10", "xyz");
    let corrupt = dir.join("corrupt.npy");
    fs::write(&corrupt, b"\x93NUMPY\x01\x00garbage").unwrap();
    run(&corrupt, "10", "corrupt.npy");
    let cube = dir.join("cube.npy");
    write_npy_f64(&cube, &[0.0; 27], &[3, 3, 3]);
    run(&cube, "2", "3-D");
    let nan = dir.join("nan.csv");
    fs::write(&nan, "1.0\n2.0\nNaN\n4.0\n").unwrap();
    run(&nan, "2", "nan.csv");
    let short = dir.join("short.npy");
    write_npy_f64(&short, &[1.0, 2.0, 0.5, 0.1, 0.0, 0.3], &[6]);
    run(&short, "10", "kernel");
    let empty = dir.join("empty.csv");
    fs::write(&empty, "").unwrap();
    run(&empty, "2", "empty.csv");
    // --out equal to the input's directory, which holds files.
    let here = dir.join("here");
    fs::create_dir_all(&here).unwrap();
    let sig = here.join("signal.npy");
    write_npy_f64(
        &sig,
        &(0..500).map(|i| ((i * 7) % 13) as f64).collect::<Vec<_>>(),
        &[500],
    );
    fails(
        &["deconv", s(&sig), "--kernel-size", "5", "--out", s(&here)],
        "not empty",
    );
    assert_eq!(fs::read_dir(&here).unwrap().count(), 1);
    // Even with --force, an input is never overwritten.
    let named = here.join("kernel.npy");
    fs::copy(&sig, &named).unwrap();
    fails(
        &[
            "deconv",
            s(&named),
            "--kernel-size",
            "5",
            "--out",
            s(&here),
            "--force",
        ],
        "input",
    );
    fails(
        &[
            "deconv",
            s(&sig),
            "--kernel-size",
            "5",
            "--lambda",
            "-1",
            "--out",
            s(&out),
        ],
        "lambda",
    );
    fails(
        &[
            "deconv",
            s(&sig),
            "--kernel-size",
            "5",
            "--eta",
            "1.5",
            "--out",
            s(&out),
        ],
        "--eta must lie strictly between 0 and 1",
    );
}

/// 2-D: synth an image, deconvolve it, recover the 8×8 kernel.
#[test]
fn image_deconvolution_recovers_a_2d_kernel() {
    let dir = tmp("deconv2d");
    let data = dir.join("data");
    ok(&[
        "synth",
        "--out",
        s(&data),
        "--size",
        "96x80",
        "--kernel-size",
        "6x5",
        "--theta",
        "0.01",
        "--seed",
        "2",
    ]);
    let out = dir.join("result");
    ok(&[
        "deconv",
        "--boundary",
        "circular",
        s(&data.join("data.npy")),
        "--kernel-size",
        "6x5",
        "--truth-kernel",
        s(&data.join("kernel.npy")),
        "--out",
        s(&out),
        "--quiet",
    ]);
    let (_, kshape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(kshape, vec![6, 5]);
    let (_, xshape) = read_npy(&out.join("activation.npy"));
    assert_eq!(xshape, vec![96, 80]);
    let err = json(&out.join("report.json"))["result"]["kernel_error"]
        .as_f64()
        .unwrap();
    assert!(err < 1e-3, "2-D kernel error {err}");
    assert!(out.join("data.png").is_file() && out.join("kernel.svg").is_file());
}

/// A CSV with two columns is a batch: both are deconvolved, arrays stacked.
#[test]
fn csv_columns_are_a_batch() {
    let dir = tmp("batch");
    let data = dir.join("data");
    ok(&[
        "synth",
        "--out",
        s(&data),
        "--size",
        "2000",
        "--kernel-size",
        "12",
        "--seed",
        "5",
    ]);
    let (y, _) = read_npy(&data.join("data.npy"));
    let csv: String = std::iter::once("first;second\n".to_string())
        .chain((0..y.len()).map(|i| format!("{};{}\n", y[i], y[(i + 11) % y.len()])))
        .collect();
    let file = dir.join("traces.csv");
    fs::write(&file, csv).unwrap();
    let out = dir.join("result");
    ok(&[
        "deconv",
        "--boundary",
        "circular",
        s(&file),
        "--kernel-size",
        "12",
        "--truth-kernel",
        s(&data.join("kernel.npy")),
        "--out",
        s(&out),
        "--quiet",
    ]);
    let (_, kshape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(kshape, vec![2, 12]);
    let (_, xshape) = read_npy(&out.join("activation.npy"));
    assert_eq!(xshape, vec![2, 2000]);
    let report = json(&out.join("report.json"));
    for r in report["batch"].as_array().unwrap() {
        let err = r["kernel_error"].as_f64().unwrap();
        assert!(err < 1e-3, "batch kernel error {err}");
    }
}

/// The main job: both cases recovered, summary printed, files written.
#[test]
fn demo_runs_and_recovers_its_kernels() {
    let dir = tmp("demo");
    let out = dir.join("demo");
    let stdout = ok(&["demo", "--out", s(&out)]);
    assert!(stdout.contains("kernel error"), "{stdout}");
    let random = json(&out.join("random-kernel/report.json"));
    let err = random["result"]["kernel_error"].as_f64().unwrap();
    assert!(err < 1e-5, "§5.2 kernel error {err}");
    let calcium = json(&out.join("calcium/report.json"));
    let err = calcium["result"]["kernel_error"].as_f64().unwrap();
    assert!(err < 5e-2, "calcium kernel error {err}");
    // LQK+20 §6.1.1's target: F1 >= 0.9 within ±2 samples.
    let f1 = calcium["spikes"]["f1"].as_f64().unwrap();
    assert!(f1 >= 0.9, "calcium spike F1 {f1}");
    for case in ["random-kernel", "calcium"] {
        for f in [
            "kernel.npy",
            "activation.npy",
            "fit.png",
            "kernel.svg",
            "convergence.png",
        ] {
            assert!(out.join(case).join(f).is_file(), "{case}/{f}");
        }
    }
    // A second run refuses to overwrite without --force.
    fails(&["demo", "--out", s(&out)], "--force");
}

#[test]
fn compare_writes_its_table_and_plots() {
    let dir = tmp("compare");
    let out = dir.join("cmp");
    let stdout = ok(&[
        "compare",
        "--synthetic",
        "random",
        "--synthetic-bias",
        "0",
        "--methods",
        "homotopy-adm,iadm,two-stage",
        "--max-iterations",
        "1500",
        "--out",
        s(&out),
    ]);
    assert!(
        stdout.contains("homotopy-adm") && stdout.contains("two-stage"),
        "{stdout}"
    );
    let table = json(&out.join("compare.json"));
    let rows = table["methods"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["ffts"].as_u64().unwrap() > 0));
    // The homotopy and the two-stage algorithm recover the §5.2 kernel.
    for r in [&rows[0], &rows[2]] {
        let err = r["kernel_error"].as_f64().unwrap();
        assert!(err < 1e-5, "{}: kernel error {err}", r["method"]);
    }
    for f in ["error_vs_ffts.png", "error_vs_time.svg", "objective_vs_time.png"] {
        assert!(out.join(f).is_file(), "{f}");
    }
}

#[test]
fn landscape_draws_both_marginals() {
    let dir = tmp("landscape");
    let out = dir.join("land");
    ok(&[
        "landscape",
        "--kernel",
        "incoherent",
        "--n0",
        "8",
        "--m",
        "400",
        "--grid",
        "9",
        "--out",
        s(&out),
    ]);
    for f in ["bl-incoherent.png", "abl-incoherent.svg", "landscape.json"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let land = json(&out.join("landscape.json"));
    assert!(land["kernels"][0]["bl_min"].as_f64().unwrap().is_finite());
}

/// `sasd deblur` on a cartoon blurred by a 7×7 Gaussian: the kernel back to
/// 1e-4 (the library test measures 7e-7), the restored image within 10% of
/// the sharp one and closer than the blurred image, every file written; a 1-D input and a
/// kernel too large are refused without output.
#[test]
fn deblur_recovers_a_gaussian_blur_and_restores_the_image() {
    use sasd::synth::{Convolution, Shape, cartoon_image, convolve, gaussian_kernel_2d};
    let dir = tmp("deblur");
    let side = 128;
    let sharp = cartoon_image(side, side, 24, 1).unwrap();
    let g = gaussian_kernel_2d(7, 7, 0.5).unwrap();
    let sum: f64 = g.iter().sum();
    let kernel: Vec<f64> = g.iter().map(|t| t / sum).collect();
    let blurred = convolve(
        &kernel,
        Shape::d2(7, 7),
        &sharp,
        Shape::d2(side, side),
        Convolution::Cyclic,
    )
    .unwrap()
    .0;
    let input = dir.join("blurred.npy");
    write_npy_f64(&input, &blurred, &[side as u64, side as u64]);
    let truth = dir.join("kernel.npy");
    write_npy_f64(&truth, &kernel, &[7, 7]);
    let out = dir.join("result");
    let stdout = ok(&[
        "deblur",
        s(&input),
        "--method",
        "sphere",
        "--kernel-size",
        "7x7",
        "--truth-kernel",
        s(&truth),
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("kernel error"), "{stdout}");
    let report = json(&out.join("report.json"));
    let err = report["result"]["kernel_error"].as_f64().unwrap();
    assert!(err < 1e-4, "kernel error {err}");
    let (k, kshape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(kshape, vec![7, 7]);
    assert!(k.iter().all(|&t| t >= 0.0), "a blur kernel is non-negative");
    let (restored, rshape) = read_npy(&out.join("restored.npy"));
    assert_eq!(rshape, vec![side as u64, side as u64]);
    // Up to the cyclic shift of the kernel window: the best over ±7 pixels.
    let dist = |u: &[f64]| {
        let mut best = f64::INFINITY;
        for di in 0..15 {
            for dj in 0..15 {
                let e: f64 = (0..side * side)
                    .map(|p| {
                        let (i, j) = (p / side, p % side);
                        let q = ((i + side + di - 7) % side) * side + (j + side + dj - 7) % side;
                        (u[q] - sharp[p]).powi(2)
                    })
                    .sum();
                best = best.min(e.sqrt());
            }
        }
        best
    };
    // Measured: relative error 0.07 restored (as with the true kernel,
    // examples/deblur.rs), 0.12 blurred (after its best shift).
    let norm = sharp.iter().map(|t| t * t).sum::<f64>().sqrt();
    let (restored_err, blurred_err) = (dist(&restored) / norm, dist(&blurred) / norm);
    assert!(
        restored_err < 0.1 && restored_err < 0.7 * blurred_err,
        "relative error restored {restored_err} vs blurred {blurred_err}"
    );
    for plot in ["kernel", "blurred"] {
        for ext in ["png", "svg"] {
            let p = out.join(format!("{plot}.{ext}"));
            assert!(
                fs::metadata(&p).map(|m| m.len() > 100).unwrap_or(false),
                "{}",
                p.display()
            );
        }
    }
    // The restored image is a picture file of the image's size (no axes),
    // on the input's grey scale.
    let png = image::open(out.join("restored.png")).unwrap().to_luma16();
    assert_eq!(png.dimensions(), (side as u32, side as u32));
    let lo = restored.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = restored.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let i = restored.iter().position(|&v| v == hi).unwrap();
    let at = |i: usize| png.get_pixel((i % side) as u32, (i / side) as u32).0[0];
    assert!(at(i) >= at(restored.iter().position(|&v| v == lo).unwrap()));
    let signal = dir.join("signal.npy");
    write_npy_f64(&signal, &[1.0; 100], &[100]);
    fails(
        &[
            "deblur",
            s(&signal),
            "--kernel-size",
            "3x3",
            "--out",
            s(&dir.join("no1")),
        ],
        "needs an image",
    );
    fails(
        &[
            "deblur",
            s(&input),
            "--kernel-size",
            "50x50",
            "--out",
            s(&dir.join("no2")),
        ],
        "too large",
    );
    assert!(!dir.join("no1").exists() && !dir.join("no2").exists());
}

/// A drifting, noisy recording (the valid window of a linear convolution,
/// a sine drift 3× the largest spike response, σ = 0.05): `deconv` with its
/// default (linear) model and `--baseline` writes the baseline, the events
/// with their times, and recovers the kernel.
#[test]
fn a_drifting_recording_gives_a_baseline_and_events() {
    use sasd::synth::{ActivationLaw, Convolution, InstanceSpec, KernelSpec, Shape};
    let (n0, m) = (50usize, 6000usize);
    let inst = InstanceSpec::new(KernelSpec::RandomSphere(Shape::d1(n0)), Shape::d1(m))
        .activation(ActivationLaw::BernoulliRademacher, 0.01)
        .convolution(Convolution::Linear)
        .noise(0.05)
        .generate_seeded(2)
        .expect("instance");
    let peak = inst.observation.iter().fold(0.0_f64, |a, t| a.max(t.abs()));
    let y: Vec<f64> = inst.observation[n0 - 1..m]
        .iter()
        .enumerate()
        .map(|(t, v)| v + 1.5 * peak * (std::f64::consts::TAU * t as f64 / 750.0).sin())
        .collect();
    let dir = tmp("recording");
    let (input, kernel, out) = (dir.join("rec.npy"), dir.join("kernel.npy"), dir.join("out"));
    write_npy_f64(&input, &y, &[y.len() as u64]);
    write_npy_f64(&kernel, inst.kernel(), &[n0 as u64]);
    let stdout = ok(&[
        "deconv",
        s(&input),
        "--kernel-size",
        "50",
        "--method",
        "homotopy-reweighted-iadm",
        "--lambda",
        "0.1",
        "--baseline",
        "2.5",
        "--rate",
        "100",
        "--truth-kernel",
        s(&kernel),
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("linear model"), "{stdout}");
    let report = json(&out.join("report.json"));
    let err = report["result"]["kernel_error"].as_f64().expect("kernel error");
    assert!(err <= 1e-2, "kernel error {err}");
    assert_eq!(report["result"]["boundary"], "linear");
    assert_eq!(report["parameters"]["baseline_period_samples"], 250.0);
    let (baseline, bshape) = read_npy(&out.join("baseline.npy"));
    assert_eq!(bshape, vec![y.len() as u64]);
    assert!(baseline.iter().fold(0.0_f64, |a, t| a.max(t.abs())) > peak);
    let (_, xshape) = read_npy(&out.join("activation.npy"));
    assert_eq!(xshape, vec![(y.len() + n0 - 1) as u64]);
    let events = std::fs::read_to_string(out.join("events.csv")).expect("events.csv");
    let mut lines = events.lines();
    assert_eq!(lines.next(), Some("signal,index,time,amplitude,kernel"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let spikes = inst.activation().iter().filter(|v| **v != 0.0).count();
    assert_eq!(report["result"]["events"], rows.len());
    assert!(
        rows.len().abs_diff(spikes) <= spikes / 10,
        "{} events for {spikes} spikes",
        rows.len()
    );
    for r in &rows {
        let (index, time): (f64, f64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        assert!((time - index / 100.0).abs() < 1e-9);
    }
}

/// `--kernel-size auto` on a drifting, noisy recording of a 30-tap random
/// kernel: a size that holds the kernel, the kernel recovered, the probes
/// in report.json and on stdout; and what auto cannot do, refused.
#[test]
fn kernel_size_auto_picks_a_size_that_holds_the_kernel() {
    use sasd::synth::{ActivationLaw, KernelSpec, RecordingSpec, Shape};
    let dir = tmp("auto");
    let r = RecordingSpec::new(
        KernelSpec::RandomSphere(Shape::d1(30)),
        ActivationLaw::BernoulliRademacher,
        0.01,
        6_000,
    )
    .drift(3.0, 900.0)
    .noise(0.05)
    .generate_seeded(3)
    .unwrap();
    let y = dir.join("y.npy");
    write_npy_f64(&y, &r.y, &[r.y.len() as u64]);
    let out = dir.join("out");
    let stdout = ok(&[
        "deconv",
        s(&y),
        "--kernel-size",
        "auto",
        "--baseline",
        "300",
        "--out",
        s(&out),
    ]);
    assert!(stdout.contains("kernel size auto"), "{stdout}");
    let report = json(&out.join("report.json"));
    assert_eq!(report["parameters"]["kernel_size"], "auto");
    let n: usize = report["result"]["kernel_size"].as_str().unwrap().parse().unwrap();
    // The first probe (64) holds the kernel with room to spare, but not
    // twice over: it stands.
    assert!((30..=64).contains(&n), "size {n}: {}", report["result"]);
    let probes = report["result"]["kernel_size_probes"].as_array().unwrap();
    assert_eq!(probes[0]["size"], 64);
    assert_eq!(probes.last().unwrap()["size"], n);
    let (kernel, shape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(shape, vec![n as u64]);
    let err = sasd::metrics::kernel_error(&r.kernel, &kernel).unwrap();
    assert!(err < 1e-2, "kernel error {err}");

    let no = dir.join("no");
    let refuse = |extra: &[&str], needle: &str| {
        let mut args = vec!["deconv", s(&y), "--kernel-size", "auto", "--out", s(&no)];
        args.extend_from_slice(extra);
        fails(&args, needle);
        assert!(!no.exists(), "no output after a refusal");
    };
    refuse(&["--kernels", "2"], "one kernel");
    refuse(&["--truth-kernel", s(&y)], "truth");
    let image = dir.join("image.npy");
    write_npy_f64(&image, &[0.5; 400], &[20, 20]);
    fails(
        &["deconv", s(&image), "--kernel-size", "auto", "--out", s(&no)],
        "one 1-D signal",
    );
    fails(
        &["deconv", s(&y), "--kernel-size", "0", "--out", s(&no)],
        "or auto",
    );
}

/// A long recording with thousands of events: the default support
/// refinement (whose cost grows with the square of the atoms: 611 s for
/// 6,202 on 2·10⁵ samples) is skipped with a note, not run for minutes.
#[test]
fn the_default_refinement_skips_thousands_of_atoms_with_a_note() {
    let dir = tmp("many-atoms");
    let data = dir.join("data");
    // θ = n0^(−3/4) ≈ 0.18 at n0 = 10: about 3,600 spikes in 20,000 samples.
    ok(&[
        "synth",
        "--out",
        s(&data),
        "--size",
        "20000",
        "--kernel-size",
        "10",
        "--linear",
        "--seed",
        "1",
    ]);
    let out = dir.join("out");
    let run = sasd(&[
        "deconv",
        s(&data.join("data.npy")),
        "--kernel-size",
        "10",
        "--out",
        s(&out),
        "--quiet",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(stderr.contains("refinement was skipped"), "{stderr}");
    let report = json(&out.join("report.json"));
    assert!(report["result"]["refinement"].is_null());
    let atoms = read_npy(&out.join("activation.npy"))
        .0
        .iter()
        .filter(|v| **v != 0.0)
        .count();
    assert!(atoms > sasd::pipeline::DEFAULT_REFINE_MAX_ATOMS, "{atoms} atoms");
}
