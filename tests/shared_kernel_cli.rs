//! `sasd deconv traces.csv --shared-kernel`: one kernel for every column of
//! a CSV, written once, with each column's activation and events; and its
//! refusals (one line on stderr, exit status 1).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sasd::metrics::kernel_error;
use sasd::synth::{ActivationLaw, Convolution, KernelSpec, Shape, activation, convolve};
use serde_json::Value;

fn sasd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sasd"))
        .args(args)
        .output()
        .expect("the sasd binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-shared-test-{}-{name}", std::process::id()));
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

/// Four noiseless traces of 300 samples, one random kernel of 12 taps, a
/// bias per trace; written as the columns of a CSV.
fn traces_csv(dir: &Path) -> (PathBuf, Vec<f64>) {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    let a0 = KernelSpec::RandomSphere(Shape::d1(12))
        .generate(&mut rng)
        .unwrap();
    let columns: Vec<Vec<f64>> = (0..4)
        .map(|i| {
            let x = activation(ActivationLaw::BernoulliRademacher, 0.05, Shape::d1(300), &mut rng).unwrap();
            let (y, _) = convolve(&a0, Shape::d1(12), &x, Shape::d1(300), Convolution::Cyclic).unwrap();
            y.iter().map(|v| v + 0.5 * i as f64).collect()
        })
        .collect();
    let csv: String = (0..300)
        .map(|t| {
            let row: Vec<String> = columns.iter().map(|c| format!("{}", c[t])).collect();
            row.join(";") + "\n"
        })
        .collect();
    let file = dir.join("traces.csv");
    fs::write(&file, csv).unwrap();
    (file, a0)
}

#[test]
fn shared_kernel_batch_writes_one_kernel_and_every_column() {
    let dir = tmp("ok");
    let (file, a0) = traces_csv(&dir);
    let out = dir.join("result");
    let run = sasd(&[
        "deconv",
        s(&file),
        "--kernel-size",
        "12",
        "--shared-kernel",
        "--boundary",
        "circular",
        "--bias",
        "--out",
        s(&out),
        "--quiet",
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let (kernel, kshape) = read_npy(&out.join("kernel.npy"));
    assert_eq!(kshape, vec![12], "one kernel");
    let err = kernel_error(&a0, &kernel).unwrap();
    assert!(err < 1e-3, "shared kernel error {err}");
    let (_, xshape) = read_npy(&out.join("activation.npy"));
    assert_eq!(xshape, vec![4, 300]);
    let report: Value = serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["shared_kernel"], true);
    let batch = report["batch"].as_array().unwrap();
    assert_eq!(batch.len(), 4);
    for (i, r) in batch.iter().enumerate() {
        let b = r["bias"].as_f64().unwrap();
        assert!((b - 0.5 * i as f64).abs() < 1e-2, "column {}: bias {b}", i + 1);
    }
    let events = fs::read_to_string(out.join("events.csv")).unwrap();
    let signals: std::collections::BTreeSet<&str> = events
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(signals.len(), 4, "events of every column: {signals:?}");
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn shared_kernel_refusals_are_one_line() {
    let dir = tmp("bad");
    let one = dir.join("one.csv");
    fs::write(
        &one,
        (0..300)
            .map(|t| format!("{}\n", (t as f64 * 0.1).sin()))
            .collect::<String>(),
    )
    .unwrap();
    let (file, _) = traces_csv(&dir);
    for (args, needle) in [
        (
            vec!["deconv", s(&one), "--kernel-size", "12", "--shared-kernel"],
            "several traces",
        ),
        (
            vec![
                "deconv",
                s(&file),
                "--kernel-size",
                "12",
                "--shared-kernel",
                "--refine-support",
            ],
            "does not support",
        ),
        (
            vec!["deconv", s(&file), "--kernel-size", "200", "--shared-kernel"],
            "200",
        ),
    ] {
        let mut args = args;
        let out = dir.join("never");
        args.extend(["--out", s(&out)]);
        let run = sasd(&args);
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert_eq!(run.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(needle), "expected '{needle}' in {stderr}");
        assert!(!out.exists(), "no output after a refusal");
    }
    let _ = fs::remove_dir_all(&dir);
}
