//! Real recordings that ship inside this crate, for examples, tests and
//! first runs without a download (`crates/sasd/data/README.md` gives their
//! sources and licences).

use crate::error::{Result, SasdError};

/// A real recording: samples in physical units and the sampling rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// What it is, in a few words.
    pub name: &'static str,
    /// The samples.
    pub samples: Vec<f64>,
    /// Samples per second.
    pub rate: f64,
    /// The unit of the samples.
    pub unit: &'static str,
}

/// One minute of a real electrocardiogram, 21,600 samples at 360 Hz in
/// millivolts: the first 60 s of SciPy's `electrocardiogram()` (MIT-BIH
/// Arrhythmia Database record 208, lead MLII, ODC-By 1.0; Moody & Mark
/// 2001). Its heartbeats are a kernel repeated at sparse times, with
/// frequent premature ventricular beats of another shape and a baseline
/// wander of several millivolts.
pub fn ecg() -> Result<Recording> {
    const RAW: &[u8] = include_bytes!("../data/ecg_208_60s.npy");
    let bad = |e: std::io::Error| SasdError::Dataset(format!("ecg_208_60s.npy: {e}"));
    let raw: Vec<u16> = npyz::NpyFile::new(RAW).map_err(bad)?.into_vec().map_err(bad)?;
    // SciPy's conversion: 11-bit ADC, zero at 1024, 200 units per mV.
    Ok(Recording {
        name: "ECG, MIT-BIH record 208 (MLII), first 60 s",
        samples: raw.iter().map(|&v| (f64::from(v) - 1024.0) / 200.0).collect(),
        rate: 360.0,
        unit: "mV",
    })
}

/// The photographs that ship inside this crate: 256 × 256 crops of
/// public-domain / CC0 photographs bundled with scikit-image
/// (`crates/sasd/data/images/README.md`), for deblurring tests and first
/// runs. All grey except `coffee-rgb`.
pub const PHOTOGRAPHS: [&str; 6] = ["camera", "astronaut", "coffee", "chelsea", "brick", "coffee-rgb"];

/// A photograph: one channel (grey) or three (R, G, B), each row-major
/// `rows × cols` with values in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Photograph {
    /// Its name in [`PHOTOGRAPHS`].
    pub name: &'static str,
    /// Pixel rows.
    pub rows: usize,
    /// Pixel columns.
    pub cols: usize,
    /// The channels (8-bit values / 255).
    pub channels: Vec<Vec<f64>>,
}

/// One of the [`PHOTOGRAPHS`], decoded.
///
/// Errors: a name not in the list, or a file that does not decode
/// ([`SasdError::Dataset`]).
pub fn photograph(name: &str) -> Result<Photograph> {
    const FILES: [&[u8]; 6] = [
        include_bytes!("../data/images/camera.png"),
        include_bytes!("../data/images/astronaut.png"),
        include_bytes!("../data/images/coffee.png"),
        include_bytes!("../data/images/chelsea.png"),
        include_bytes!("../data/images/brick.png"),
        include_bytes!("../data/images/coffee-rgb.png"),
    ];
    let i = PHOTOGRAPHS.iter().position(|n| *n == name).ok_or_else(|| {
        SasdError::Dataset(format!(
            "no photograph '{name}' (there are {})",
            PHOTOGRAPHS.join(", ")
        ))
    })?;
    let bad = |e: String| SasdError::Dataset(format!("{name}.png: {e}"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(FILES[i]))
        .read_info()
        .map_err(|e| bad(e.to_string()))?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| bad("too large".into()))?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| bad(e.to_string()))?;
    let channels = match (info.color_type, info.bit_depth) {
        (png::ColorType::Grayscale, png::BitDepth::Eight) => 1,
        (png::ColorType::Rgb, png::BitDepth::Eight) => 3,
        other => return Err(bad(format!("unexpected format {other:?}"))),
    };
    let (rows, cols) = (info.height as usize, info.width as usize);
    let pixels = &buf[..rows * cols * channels];
    Ok(Photograph {
        name: PHOTOGRAPHS[i],
        rows,
        cols,
        channels: (0..channels)
            .map(|c| {
                pixels
                    .iter()
                    .skip(c)
                    .step_by(channels)
                    .map(|&v| f64::from(v) / 255.0)
                    .collect()
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ecg_is_a_minute_at_360_hz_in_millivolts() {
        let ecg = ecg().unwrap();
        assert_eq!(ecg.samples.len(), 21_600);
        assert_eq!(ecg.rate, 360.0);
        // SciPy's first samples of electrocardiogram(): −0.245, −0.215, −0.185.
        assert_eq!(&ecg.samples[..3], &[-0.245, -0.215, -0.185]);
        let (lo, hi) = ecg
            .samples
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), v| (l.min(*v), h.max(*v)));
        assert!(lo > -5.0 && hi < 5.0 && hi - lo > 2.0, "range {lo}..{hi} mV");
    }

    #[test]
    fn the_photographs_decode_to_256_squares_in_the_unit_range() {
        for name in PHOTOGRAPHS {
            let p = photograph(name).unwrap();
            assert_eq!((p.rows, p.cols), (256, 256), "{name}");
            assert_eq!(p.channels.len(), if name == "coffee-rgb" { 3 } else { 1 });
            for c in &p.channels {
                assert_eq!(c.len(), 256 * 256);
                let (lo, hi) = c
                    .iter()
                    .fold((1.0f64, 0.0f64), |(l, h), v| (l.min(*v), h.max(*v)));
                // Photographs, not flat fields: they span most of the range.
                assert!(lo >= 0.0 && hi <= 1.0 && hi - lo > 0.5, "{name}: {lo}..{hi}");
            }
        }
        // The channels are de-interleaved: coffee's red and blue differ.
        let rgb = photograph("coffee-rgb").unwrap();
        assert_ne!(rgb.channels[0], rgb.channels[2]);
        assert!(matches!(photograph("lena"), Err(SasdError::Dataset(_))));
    }
}
