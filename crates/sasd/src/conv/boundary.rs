//! The observation model at the edges of the recording: circular or linear
//! ("valid") convolution, and the window of a linear model's output that
//! the data observe.

use std::ops::Range;

use super::fast_len;

/// How the observation y (m samples per axis) relates to the kernel a
/// (n per axis) and the activation x.
///
/// * `Circular`: y = a ⊛ x, the cyclic convolution of length m (LQK+20
///   eq. 1.1; the papers' synthetic instances). x has m samples per axis.
/// * `Linear`: y is the window of the linear convolution a ∗ x that every
///   kernel tap sees, the "valid" model of a recording window:
///
///   y_i = Σ_{j=0}^{n−1} a_j x_{i+n−1−j},   0 ≤ i < m,
///
///   so x has m + n − 1 samples per axis; x_t is a spike at time t − (n − 1)
///   of y's clock (the first n − 1 entries are spikes before the recording
///   started whose response reaches into it). Nothing wraps around: a spike
///   near the end of the recording does not leak into its beginning.
///
/// The linear model runs on the same FFT engine as the circular one: a
/// cyclic plan of any length L ≥ m + n − 1 per axis (the padded length is
/// free, so [`fast_len`] picks a 5-smooth one) holds x zero-padded, and the
/// residual is taken on the window [n − 1, n − 1 + m) of the cyclic output
/// only. For such L the window never sees a wrapped term, so this masked
/// cyclic model *is* the valid model; the L − (m + n − 1) cyclic entries of
/// x that never touch the window are simply not stored (in a masked model
/// that stores them, as sporco's, they get zero gradient and stay 0 under
/// the ℓ¹ prox).
///
/// Why the valid layout rather than a mask over all L entries, measured
/// with `examples/linear_boundary.rs` (m = 10⁵, n = 298): both run the same
/// transforms — 2 per value and 4 per gradient, 14.2 per iADM iteration
/// against 7.1 for the circular model, about 2× its time — so the cost does
/// not decide; what the mask adds is L − (m + n − 1) dead entries of x
/// (953 here) in every prox and momentum step, and an x whose length and
/// index origin depend on the FFT length chosen. The valid layout keeps x
/// at m + n − 1 with entry t at time t − (n − 1), whatever L. What the
/// measurement does decide is L itself: the unpadded m + n − 1 = 100297
/// (a large prime factor: Bluestein) costs 10.4 ms per real FFT pair
/// against 1.1 ms at fast_len = 101250, so the plan is always padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Boundary {
    /// Cyclic convolution of the signal's length (the default; every
    /// existing constructor builds this model).
    #[default]
    Circular,
    /// Linear ("valid") convolution over a recording window.
    Linear,
}

impl Boundary {
    /// Samples of x along an axis where y has `m` and the kernel `n`: m
    /// (circular) or m + n − 1 (linear).
    pub fn activation_len(self, m: usize, n: usize) -> usize {
        match self {
            Self::Circular => m,
            Self::Linear => m + n.max(1) - 1,
        }
    }

    /// [`activation_len`](Self::activation_len) along both axes of an image.
    pub fn activation_shape(self, (m1, m2): (usize, usize), (n1, n2): (usize, usize)) -> (usize, usize) {
        (self.activation_len(m1, n1), self.activation_len(m2, n2))
    }

    /// The FFT length along an axis: m (circular), or the smallest 5-smooth
    /// length ≥ m + n − 1 (linear; [`fast_len`]).
    pub fn fft_len(self, m: usize, n: usize) -> usize {
        match self {
            Self::Circular => m,
            Self::Linear => fast_len(m + n.max(1) - 1),
        }
    }

    /// Where the observed window starts inside x's grid along an axis: 0
    /// (circular) or n − 1 (linear).
    pub fn window_offset(self, n: usize) -> usize {
        match self {
            Self::Circular => 0,
            Self::Linear => n.max(1) - 1,
        }
    }
}

/// The observed samples inside a buffer of x's shape (column-major), as
/// runs of contiguous entries in order; the runs' entries, concatenated,
/// are y's entries in y's own (column-major) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    runs: Vec<Range<usize>>,
    /// Entries of the whole buffer.
    len: usize,
    /// Entries observed (y's length).
    observed: usize,
}

impl Window {
    /// The window of `inner` samples starting at `offset` in a signal of
    /// `full` samples.
    pub fn d1(full: usize, offset: usize, inner: usize) -> Self {
        Self::d2((full, 1), (offset, 0), (inner, 1))
    }

    /// The `inner` = (r, c) block at `offset` = (r₀, c₀) of a column-major
    /// `full` grid: one run per column.
    pub fn d2(full: (usize, usize), offset: (usize, usize), inner: (usize, usize)) -> Self {
        debug_assert!(offset.0 + inner.0 <= full.0 && offset.1 + inner.1 <= full.1);
        let runs = (offset.1..offset.1 + inner.1)
            .map(|j| {
                let start = j * full.0 + offset.0;
                start..start + inner.0
            })
            .collect();
        Self {
            runs,
            len: full.0 * full.1,
            observed: inner.0 * inner.1,
        }
    }

    /// The runs, in y's order.
    pub fn runs(&self) -> &[Range<usize>] {
        &self.runs
    }

    /// Entries of the whole buffer.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Entries observed.
    pub fn observed(&self) -> usize {
        self.observed
    }

    /// Whether the window is the whole buffer (circular model): nothing to
    /// mask.
    pub fn is_full(&self) -> bool {
        self.observed == self.len
    }

    /// y (of the window's entries) placed in a zero buffer of the full shape.
    pub fn embed(&self, y: &[f64]) -> Vec<f64> {
        let mut out = vec![0.0; self.len];
        let mut at = 0;
        for run in &self.runs {
            out[run.clone()].copy_from_slice(&y[at..at + run.len()]);
            at += run.len();
        }
        out
    }

    /// Sets every entry of `buf` outside the window to zero.
    pub fn mask(&self, buf: &mut [f64]) {
        if self.is_full() {
            return;
        }
        let mut from = 0;
        for run in &self.runs {
            buf[from..run.start].fill(0.0);
            from = run.end;
        }
        buf[from..].fill(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_windows() {
        assert_eq!(Boundary::Circular.activation_len(100, 7), 100);
        assert_eq!(Boundary::Linear.activation_len(100, 7), 106);
        assert_eq!(Boundary::Linear.fft_len(100, 7), 108);
        assert_eq!(Boundary::Linear.window_offset(7), 6);
        assert_eq!(Boundary::Linear.activation_shape((10, 8), (3, 2)), (12, 9));
        let w = Window::d2((5, 4), (1, 2), (3, 2));
        assert_eq!(w.runs(), &[11..14, 16..19]);
        let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut buf = w.embed(&y);
        assert_eq!(buf[11..14], [1.0, 2.0, 3.0]);
        assert_eq!(buf.iter().sum::<f64>(), 21.0);
        buf.iter_mut().for_each(|t| *t += 1.0);
        w.mask(&mut buf);
        assert_eq!(buf.iter().sum::<f64>(), 27.0);
        assert!(Window::d1(9, 0, 9).is_full());
    }
}
