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
}
