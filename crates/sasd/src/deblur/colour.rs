//! Colour photographs: one kernel from the luminance (the blur of a camera
//! is the same in every channel), every channel restored with it.

use super::photo::{BlindDeblur, KernelEstimate, check_photo, restore_centred};
use crate::error::{Result, SasdError};

/// Rec. 601 luma weights of (R, G, B).
const LUMA: [f64; 3] = [0.299, 0.587, 0.114];

/// The outcome of [`BlindDeblur::run`]: the kernel and the restored
/// channels.
#[derive(Debug, Clone)]
pub struct PhotoDeblurred {
    /// The kernel, estimated from the luminance.
    pub estimate: KernelEstimate,
    /// The restored channels, in the input's order and units.
    pub channels: Vec<Vec<f64>>,
}

/// The luminance of `channels` (each row-major, all of one length): Rec. 601
/// luma Y = 0.299R + 0.587G + 0.114B for three channels, the mean otherwise.
///
/// Errors: no channel ([`SasdError::ZeroDimension`]), channels of different
/// lengths ([`SasdError::LengthMismatch`]).
pub fn luminance(channels: &[&[f64]]) -> Result<Vec<f64>> {
    let first = channels
        .first()
        .ok_or(SasdError::ZeroDimension { what: "channels" })?;
    if let Some(c) = channels.iter().find(|c| c.len() != first.len()) {
        return Err(SasdError::LengthMismatch {
            what: "colour channel",
            expected: first.len(),
            found: c.len(),
        });
    }
    let weights: Vec<f64> = if channels.len() == 3 {
        LUMA.to_vec()
    } else {
        vec![1.0 / channels.len() as f64; channels.len()]
    };
    Ok((0..first.len())
        .map(|p| channels.iter().zip(&weights).map(|(c, w)| w * c[p]).sum())
        .collect())
}

impl BlindDeblur {
    /// Blind deblurring of a grey (one channel) or colour (three, RGB)
    /// photograph of `rows × cols`: [`estimate`](Self::estimate) on the
    /// [`luminance`], then [`restore_centred`] of every channel with that kernel and
    /// the luminance's noise level.
    ///
    /// Errors: those of [`luminance`] and [`estimate`](Self::estimate) (a
    /// channel that is not a finite `rows × cols` image included).
    pub fn run(&self, channels: &[&[f64]], rows: usize, cols: usize) -> Result<PhotoDeblurred> {
        let luma = luminance(channels)?;
        for c in channels {
            check_photo(c, rows, cols, self.kernel_dims())?;
        }
        let estimate = self.estimate(&luma, rows, cols)?;
        let channels = channels
            .iter()
            .map(|c| {
                restore_centred(
                    c,
                    (rows, cols),
                    &estimate.kernel,
                    estimate.kernel_dims,
                    estimate.noise,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(PhotoDeblurred { estimate, channels })
    }
}
