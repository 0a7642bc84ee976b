//! `sasd deblur` on photographs (issue 16): a blurred, noisy grey PNG gives
//! its kernel back and a sharper 8-bit PNG; an RGB PNG gives one kernel and a
//! 16-bit RGB TIFF; bad input is one line on stderr.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rand::SeedableRng;
use rand_distr::{Distribution, Normal};
use sasd::deblur::{Edges, blur_image, kernel_correlation, motion_path_kernel, psnr};

const SIDE: usize = 256;

fn sasd(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sasd"))
        .args(args)
        .output()
        .expect("the sasd binary runs")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sasd-deblur-cli-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The blurred channels (reflecting boundaries, σ = 0.01) of a vendored photo.
fn blurred(bytes: &[u8], kernel: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
    let img = image::load_from_memory(bytes).unwrap();
    let c = usize::from(img.color().channel_count()).min(3);
    let rgb = img.to_rgb32f();
    let sharp: Vec<Vec<f64>> = (0..c)
        .map(|ch| rgb.pixels().map(|p| f64::from(p.0[ch])).collect())
        .collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let normal = Normal::new(0.0, 0.01).unwrap();
    let blurred = sharp
        .iter()
        .map(|x| {
            let mut y = blur_image(x, (SIDE, SIDE), kernel, (9, 9), Edges::Reflect).unwrap();
            y.iter_mut()
                .for_each(|v| *v = (*v + normal.sample(&mut rng)).clamp(0.0, 1.0));
            y
        })
        .collect();
    (sharp, blurred)
}

fn quantise(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

#[test]
fn deblur_a_grey_and_a_colour_photograph() {
    let dir = tmp("photo");
    let kernel = motion_path_kernel(9, &[(1.5, 1.0), (6.5, 7.5)]).unwrap();
    let (sharp, y) = blurred(include_bytes!("../crates/sasd/data/images/camera.png"), &kernel);
    let input = dir.join("blurred.png");
    image::GrayImage::from_fn(SIDE as u32, SIDE as u32, |x, r| {
        image::Luma([quantise(y[0][r as usize * SIDE + x as usize])])
    })
    .save(&input)
    .unwrap();
    let out = dir.join("grey");
    let run = sasd(&["deblur", s(&input), "--kernel-size", "9x9", "--out", s(&out)]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let bytes = fs::read(out.join("kernel.npy")).unwrap();
    let k: Vec<f64> = npyz::NpyFile::new(&bytes[..]).unwrap().into_vec().unwrap();
    let corr = kernel_correlation(&k, (9, 9), &kernel, (9, 9)).unwrap();
    assert!(corr >= 0.85, "correlation {corr}");
    let restored = image::open(out.join("restored.png")).unwrap();
    assert_eq!(
        restored.color(),
        image::ColorType::L8,
        "an 8-bit input gives an 8-bit output"
    );
    let restored: Vec<f64> = restored
        .to_luma32f()
        .pixels()
        .map(|p| f64::from(p.0[0]))
        .collect();
    let q = |v: &[f64]| psnr(v, &sharp[0], (SIDE, SIDE), 1.0, 9, 4).unwrap();
    let gain = q(&restored) - q(&y[0]);
    assert!(gain >= 2.5, "gain {gain} dB");
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["result"]["method"], "photo");

    let (_, y) = blurred(
        include_bytes!("../crates/sasd/data/images/coffee-rgb.png"),
        &kernel,
    );
    let input = dir.join("blurred-rgb.png");
    image::RgbImage::from_fn(SIDE as u32, SIDE as u32, |x, r| {
        let p = r as usize * SIDE + x as usize;
        image::Rgb([quantise(y[0][p]), quantise(y[1][p]), quantise(y[2][p])])
    })
    .save(&input)
    .unwrap();
    let out = dir.join("rgb");
    let run = sasd(&[
        "deblur",
        s(&input),
        "--kernel-size",
        "9x9",
        "--format",
        "tiff",
        "--bit-depth",
        "16",
        "--out",
        s(&out),
    ]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let tif = image::open(out.join("restored.tif")).unwrap();
    assert_eq!(tif.color(), image::ColorType::Rgb16);
    assert_eq!((tif.width(), tif.height()), (SIDE as u32, SIDE as u32));
    let bytes = fs::read(out.join("restored.npy")).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    assert_eq!(npy.shape(), &[SIDE as u64, SIDE as u64, 3]);

    // Bad input: one line, no output directory.
    let constant = dir.join("constant.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([90]))
        .save(&constant)
        .unwrap();
    let line = dir.join("line.png");
    image::GrayImage::from_pixel(64, 1, image::Luma([90]))
        .save(&line)
        .unwrap();
    for (file, k, needle) in [
        (&constant, "5x5", "constant"),
        (&input, "70x70", "too large"),
        (&line, "1x3", "1-D"),
    ] {
        let o = dir.join(format!("bad-{k}"));
        let run = sasd(&["deblur", s(file), "--kernel-size", k, "--out", s(&o)]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(1), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains(needle), "expected '{needle}' in {err}");
        assert!(!o.exists());
    }
}
