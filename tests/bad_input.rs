//! The battery of issue 19: the `sasd` program on generated bad inputs, one
//! case per class (sizes beyond the limits, input accepted silently,
//! misleading errors, partial output, leftovers, argument errors). Every
//! case asserts exit status 1, exactly one line on stderr, no output left
//! behind, and the input files unchanged; the two valid inputs that used to
//! be refused (float32 TIFF) or to run to the iteration cap (a non-negative
//! image without --bias) are run too.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use npyz::WriterBuilder;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_sasd")
}

fn run(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .output()
        .expect("the sasd binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-battery-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir` with its bytes, to check that inputs are unchanged.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut v: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    v.sort();
    v
}

/// The contract: exit 1, one line on stderr containing every `needle`, `out`
/// absent afterwards, the files of `dir` unchanged.
fn refused(dir: &Path, out: &Path, args: &[&str], needles: &[&str]) -> Output {
    let before = snapshot(dir);
    let o = run(args);
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "sasd {args:?}: {stderr}");
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "sasd {args:?}: one line expected: {stderr}"
    );
    assert!(stderr.starts_with("sasd: error: "), "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "sasd {args:?}: expected '{n}' in: {stderr}");
    }
    assert!(!out.exists(), "sasd {args:?} left {}", out.display());
    assert_eq!(snapshot(dir), before, "sasd {args:?} changed its inputs");
    o
}

fn write_npy(p: &Path, data: &[f64], shape: &[u64]) {
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

/// A sparse spike train convolved with a short kernel, plus 1: a valid signal.
fn signal(m: usize) -> Vec<f64> {
    let k = [1.0, -0.6, 0.3, 0.1, -0.05];
    (0..m)
        .map(|i| {
            1.0 + k
                .iter()
                .enumerate()
                .filter(|(j, _)| ((i + m - j) % m).is_multiple_of(37))
                .map(|(_, a)| a)
                .sum::<f64>()
        })
        .collect()
}

#[test]
fn sizes_beyond_the_limits_are_refused_before_allocating() {
    let dir = tmp("sizes");
    let out = dir.join("out");
    let t = Instant::now();
    for size in ["1000000000000", "3000000000"] {
        refused(
            &dir,
            &out,
            &["synth", "--out", s(&out), "--size", size],
            &["--size", "2^25"],
        );
    }
    // 10^6 kernels × 10^4 samples of activations: refused at once, and no
    // data.npy or kernel.npy left behind.
    refused(
        &dir,
        &out,
        &["synth", "--out", s(&out), "--kernels", "1000000"],
        &["--kernels", "2^25"],
    );
    assert!(t.elapsed() < Duration::from_secs(5), "took {:?}", t.elapsed());

    // 3·6148914691236517206 wraps to 2: no overflow, the size is named.
    let y = dir.join("y.npy");
    write_npy(&y, &signal(500), &[500]);
    refused(
        &dir,
        &out,
        &[
            "deconv",
            s(&y),
            "--kernel-size",
            "6148914691236517206",
            "--out",
            s(&out),
        ],
        &["--kernel-size", "2^25"],
    );
    refused(
        &dir,
        &out,
        &[
            "synth",
            "--out",
            s(&out),
            "--size",
            "1000",
            "--kernel-size",
            "6148914691236517206",
        ],
        &["--kernel-size"],
    );
    refused(
        &dir,
        &out,
        &["landscape", "--grid", "100000", "--out", s(&out)],
        &["--grid"],
    );
    refused(
        &dir,
        &out,
        &["landscape", "--grid", "201", "--m", "100000", "--out", s(&out)],
        &["--grid", "--m"],
    );
}

/// A black 16000×16000 PNG (2 GB decoded): refused from its header, fast.
#[test]
fn a_huge_image_is_refused_from_its_header() {
    let dir = tmp("huge");
    let out = dir.join("out");
    let p = dir.join("black.png");
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, 16_000, 16_000);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().unwrap();
        let mut sw = w.stream_writer().unwrap();
        let row = vec![0u8; 16_000];
        for _ in 0..16_000 {
            std::io::Write::write_all(&mut sw, &row).unwrap();
        }
        sw.finish().unwrap();
    }
    fs::write(&p, &bytes).unwrap();
    let t = Instant::now();
    refused(
        &dir,
        &out,
        &["deconv", s(&p), "--kernel-size", "8x8", "--out", s(&out)],
        &["16000x16000", "2^25"],
    );
    assert!(t.elapsed() < Duration::from_secs(3), "took {:?}", t.elapsed());
}

#[test]
fn input_that_was_accepted_silently_is_refused() {
    let dir = tmp("silent");
    let out = dir.join("out");
    // Decimal commas: read as two integer columns before.
    let csv = dir.join("commas.csv");
    let text: String = signal(300)
        .iter()
        .map(|v| format!("{}\n", v.to_string().replace('.', ",")))
        .collect();
    fs::write(&csv, text).unwrap();
    refused(
        &dir,
        &out,
        &["deconv", s(&csv), "--kernel-size", "5", "--out", s(&out)],
        &["commas.csv", "decimal commas"],
    );
    // A multi-page TIFF: read as its first page before.
    let tif = dir.join("stack.tif");
    {
        let mut enc = tiff::encoder::TiffEncoder::new(fs::File::create(&tif).unwrap()).unwrap();
        for _ in 0..2 {
            enc.write_image::<tiff::encoder::colortype::Gray8>(32, 32, &[7u8; 1024])
                .unwrap();
        }
    }
    refused(
        &dir,
        &out,
        &["deconv", s(&tif), "--kernel-size", "3x3", "--out", s(&out)],
        &["multi-page TIFF (2 pages)"],
    );
    // compare on an all-zero signal: every method fails, so the run fails.
    let zeros = dir.join("zeros.npy");
    write_npy(&zeros, &[0.0; 1000], &[1000]);
    refused(
        &dir,
        &out,
        &["compare", s(&zeros), "--kernel-size", "10", "--out", s(&out)],
        &["every method failed"],
    );
}

/// Two runs into one directory: the second finds it locked (here the test
/// holds the lock, as a running `sasd` would) and fails at once.
#[test]
fn a_second_run_into_a_locked_directory_fails() {
    let dir = tmp("lock");
    let out = dir.join("out");
    fs::create_dir(&out).unwrap();
    let y = dir.join("y.npy");
    write_npy(&y, &signal(500), &[500]);
    let holder = fs::File::open(&out).unwrap();
    holder.try_lock().unwrap();
    let o = run(&["deconv", s(&y), "--kernel-size", "5", "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("another sasd run"), "{stderr}");
    assert_eq!(fs::read_dir(&out).unwrap().count(), 0, "nothing written");
    drop(holder);
    // A child that another test forked while `holder` was open shares its
    // lock until it execs (measured: 1 run in 6 failed here): wait for it.
    let probe = fs::File::open(&out).unwrap();
    let start = std::time::Instant::now();
    while probe.try_lock().is_err() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    drop(probe);
    let o = run(&[
        "deconv",
        s(&y),
        "--kernel-size",
        "5",
        "--out",
        s(&out),
        "-q",
        "--bias",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.join("report.json").is_file());
}

#[test]
fn argument_errors_are_one_line_with_exit_1() {
    let dir = tmp("args");
    let out = dir.join("out");
    refused(
        &dir,
        &out,
        &["synth", "--out", s(&out), "--theta", "-0.5"],
        &["--theta", "(0, 1]", "-0.5"],
    );
    refused(
        &dir,
        &out,
        &["synth", "--out", s(&out), "--kernels", "-3"],
        &["--kernels"],
    );
    refused(
        &dir,
        &out,
        &["deconv", "x.npy", "--out", s(&out)],
        &["--kernel-size"],
    );
    refused(&dir, &out, &["deconv", "--bogus"], &["--bogus"]);
    refused(&dir, &out, &["frobnicate"], &["frobnicate"]);
    refused(&dir, &out, &[], &["a command is required"]);
    refused(
        &dir,
        &out,
        &[
            "deconv",
            "x.npy",
            "--kernel-size",
            "5",
            "--eta",
            "-0.5",
            "--out",
            s(&out),
        ],
        &["--eta must lie strictly between 0 and 1"],
    );
    let o = run(&["deconv", "--help"]);
    assert!(o.status.success());
}

/// A solver error after the output directory was prepared leaves nothing.
#[test]
fn solver_errors_leave_no_output_directory() {
    let dir = tmp("solver");
    let out = dir.join("a/b/out");
    let flat = dir.join("flat.npy");
    write_npy(&flat, &[0.0; 800], &[800]);
    refused(
        &dir,
        &out,
        &["deconv", s(&flat), "--kernel-size", "10", "--out", s(&out)],
        &[],
    );
    assert!(
        !dir.join("a").exists(),
        "parents created for --out are removed too"
    );
}

/// A write that fails mid-run (a file-size limit makes the large
/// activation.npy fail with EFBIG, as a full disk would): no output at all,
/// although kernel.npy was written first.
#[cfg(target_os = "linux")]
#[test]
fn a_failed_write_leaves_no_partial_output() {
    let dir = tmp("write");
    let out = dir.join("out");
    let y = dir.join("y.npy");
    write_npy(&y, &signal(6000), &[6000]);
    let before = snapshot(&dir);
    let script = r#"trap "" XFSZ; ulimit -f 16; exec "$0" "$@""#;
    let o = Command::new("sh")
        .args(["-c", script, bin()])
        .args(["deconv", s(&y), "--kernel-size", "5", "--bias", "--out", s(&out)])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(!out.exists(), "partial outputs left");
    assert_eq!(snapshot(&dir), before);
}

/// Valid input that was refused (float32 TIFF) is read, and a non-negative
/// image gets the offset by default (without it the solve ran to the cap).
#[test]
fn a_float32_tiff_image_is_deconvolved_with_its_offset() {
    let dir = tmp("tiff32");
    let (rows, cols) = (40usize, 36usize);
    let k = [[0.5f32, 0.3, 0.1], [0.3, 0.2, 0.05], [0.1, 0.05, 0.0]];
    let mut img = vec![0.2f32; rows * cols];
    for (r, c) in [(5usize, 7usize), (20, 3), (31, 25), (12, 30), (27, 14)] {
        for (i, row) in k.iter().enumerate() {
            for (j, v) in row.iter().enumerate() {
                img[((r + i) % rows) * cols + (c + j) % cols] += v;
            }
        }
    }
    let p = dir.join("cells.tif");
    {
        let mut enc = tiff::encoder::TiffEncoder::new(fs::File::create(&p).unwrap()).unwrap();
        enc.write_image::<tiff::encoder::colortype::Gray32Float>(cols as u32, rows as u32, &img)
            .unwrap();
    }
    let out = dir.join("out");
    let o = run(&[
        "deconv",
        s(&p),
        "--kernel-size",
        "3x3",
        "--max-iterations",
        "300",
        "--out",
        s(&out),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("offset b is fitted"), "{stdout}");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["parameters"]["bias"], true);
    assert_eq!(report["input"]["shape"], serde_json::json!([rows, cols]));
    let b = report["result"]["bias"].as_f64().unwrap();
    assert!(b.is_finite(), "bias {b}");
}

/// A run terminated mid-solve (SIGTERM, as `kill` sends, or Ctrl-C) removes
/// its staging directory and the `--out` it created, says so in one line
/// and exits 130.
#[cfg(unix)]
#[test]
fn a_terminated_run_leaves_nothing_behind() {
    let dir = tmp("terminated");
    let input = dir.join("y.npy");
    write_npy(&input, &signal(100_000), &[100_000]);
    let out = dir.join("new/out");
    let child = Command::new(bin())
        .args([
            "deconv",
            s(&input),
            "--kernel-size",
            "100",
            "--max-iterations",
            "1000000",
            "--lambda",
            "1e-6",
            "--out",
            s(&out),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait for the staging directory, then terminate.
    let start = Instant::now();
    let staged = || {
        fs::read_dir(&out)
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with(".sasd-staging"))
            })
            .unwrap_or(false)
    };
    while !staged() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no staging directory appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.lines().last().is_some_and(|l| l.contains("interrupted")),
        "{stderr}"
    );
    assert!(!dir.join("new").exists(), "the run's directories are gone");
    assert!(input.exists());
}

/// A CSV batch streams its columns' arrays into the staging directory as
/// their rounds end (16 columns a round on 2 threads): a column that fails
/// in a later round still leaves nothing behind, and the one error line
/// names it.
#[test]
fn a_batch_whose_late_column_fails_writes_nothing() {
    let dir = tmp("batch-late-failure");
    let out = dir.join("out");
    let (m, columns, bad) = (300, 40, 37);
    let y = signal(m);
    let mut text = String::new();
    for i in 0..m {
        let row: Vec<String> = (0..columns)
            .map(|c| {
                // Every column its own shift of the signal; column `bad` all zeros.
                let v = if c + 1 == bad { 0.0 } else { y[(i + 7 * c) % m] };
                format!("{v}")
            })
            .collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    let csv = dir.join("batch.csv");
    fs::write(&csv, text).unwrap();
    refused(
        &dir,
        &out,
        &[
            "deconv",
            s(&csv),
            "--kernel-size",
            "5",
            "--no-refine",
            "--out",
            s(&out),
        ],
        &["1 of 40 signals failed", &format!("column {bad}")],
    );
}
