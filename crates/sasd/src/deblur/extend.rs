//! A photograph is not periodic: its cyclic gradients jump across the frame,
//! sharp edges that no blur explains (the study's first cause of the delta).
//! The image is extended to a larger, smoothly periodic one before any FFT,
//! and the answer cropped back (the role of LJ08's boundary extension
//! in PHSY14's code).

use crate::conv::fast_len;

/// Where an image of `rows × cols` sits inside its periodic extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The original size.
    pub(crate) inner: (usize, usize),
    /// The extended size (fast FFT lengths).
    pub(crate) outer: (usize, usize),
    /// Row and column of the original's first pixel in the extension.
    pub(crate) offset: (usize, usize),
}

impl Frame {
    /// An extension by at least `margin` pixels per side, rounded up to
    /// 5-smooth lengths.
    pub(crate) fn new((rows, cols): (usize, usize), margin: usize) -> Self {
        let outer = (fast_len(rows + 2 * margin), fast_len(cols + 2 * margin));
        Self {
            inner: (rows, cols),
            outer,
            offset: ((outer.0 - rows) / 2, (outer.1 - cols) / 2),
        }
    }

    /// No extension: the image is taken as cyclic.
    pub(crate) fn cyclic(inner: (usize, usize)) -> Self {
        Self {
            inner,
            outer: inner,
            offset: (0, 0),
        }
    }

    /// The original window of an extended image.
    pub(crate) fn crop(&self, outer: &[f64]) -> Vec<f64> {
        let (rows, cols) = self.inner;
        let mut out = Vec::with_capacity(rows * cols);
        for i in 0..rows {
            let start = (i + self.offset.0) * self.outer.1 + self.offset.1;
            out.extend_from_slice(&outer[start..start + cols]);
        }
        out
    }

    /// The image placed in the extension, the gap filled along each row and
    /// then along each column by a smooth step from the last pixel back to
    /// the first (cyclically): v(t) = v_end + (v_start − v_end)·s(t),
    /// s(t) = 3t² − 2t³ for t = d/(gap + 1). The result is periodic with no
    /// jump, and its gradients in the gap are at most 1.5·|v_start − v_end|/gap:
    /// nothing a sparse-gradient prior mistakes for an edge.
    pub(crate) fn extend(&self, image: &[f64]) -> Vec<f64> {
        let (rows, cols) = self.inner;
        let (big_r, big_c) = self.outer;
        let (r0, c0) = self.offset;
        let mut out = vec![0.0; big_r * big_c];
        for i in 0..rows {
            let row = &mut out[(i + r0) * big_c..(i + r0 + 1) * big_c];
            row[c0..c0 + cols].copy_from_slice(&image[i * cols..(i + 1) * cols]);
            fill_gap(row, big_c, c0, cols, 1);
        }
        for j in 0..big_c {
            fill_gap(&mut out[j..], big_r, r0, rows, big_c);
        }
        out
    }
}

/// Fills the cyclic gap of a line (stride `stride`, `n` samples of which
/// `len` from `start` are known) with the smooth step of [`Frame::extend`].
fn fill_gap(line: &mut [f64], n: usize, start: usize, len: usize, stride: usize) {
    let gap = n - len;
    if gap == 0 {
        return;
    }
    let first = line[start * stride];
    let last = line[(start + len - 1) * stride];
    for d in 1..=gap {
        let t = d as f64 / (gap + 1) as f64;
        let s = t * t * (3.0 - 2.0 * t);
        let at = (start + len - 1 + d) % n;
        line[at * stride] = last + (first - last) * s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The original comes back, and the extension has no jump larger than
    /// the image's own steps (the wrap-around edge is gone).
    #[test]
    fn extension_is_smooth_and_periodic() {
        let (rows, cols) = (20, 31);
        let img: Vec<f64> = (0..rows * cols)
            .map(|p| ((p / cols) as f64 * 0.3).sin() + (p % cols) as f64 * 0.05)
            .collect();
        let frame = Frame::new((rows, cols), 6);
        assert!(frame.outer.0 >= rows + 12 && frame.outer.1 >= cols + 12);
        let big = frame.extend(&img);
        assert_eq!(frame.crop(&big), img);
        let step = |v: &[f64], (r, c): (usize, usize), cyclic: bool| {
            let mut m: f64 = 0.0;
            for i in 0..r {
                for j in 0..c {
                    if cyclic || (i + 1 < r && j + 1 < c) {
                        let p = v[i * c + j];
                        m = m.max((v[i * c + (j + 1) % c] - p).abs());
                        m = m.max((v[((i + 1) % r) * c + j] - p).abs());
                    }
                }
            }
            m
        };
        let inner = step(&img, (rows, cols), false);
        let outer = step(&big, frame.outer, true);
        assert!(outer <= inner.max(0.35), "{outer} vs {inner}");
        assert!(step(&img, (rows, cols), true) > 1.4, "the wrap-around jump");
    }
}
