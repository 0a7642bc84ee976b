//! The commands of the program, one module each.

pub mod compare;
pub mod deblur;
pub mod deconv;
pub mod demo;
pub mod landscape;
pub mod synth;

use std::str::FromStr;

/// `--lambda`, when given, must be a positive number (checked before any
/// file is read or written).
pub fn check_lambda(lambda: Option<f64>) -> Result<(), crate::error::CliError> {
    match lambda {
        Some(l) if !(l.is_finite() && l > 0.0) => Err(crate::error::CliError::new(format!(
            "--lambda must be a positive number, got {l}"
        ))),
        _ => Ok(()),
    }
}

/// `--eta`, when given, must lie in (0, 1).
pub fn check_eta(eta: Option<f64>) -> Result<(), crate::error::CliError> {
    match eta {
        Some(e) if !(e > 0.0 && e < 1.0) => Err(crate::error::CliError::new(format!(
            "--eta must lie strictly between 0 and 1, got {e}"
        ))),
        _ => Ok(()),
    }
}

/// Whether `method` is one of the second-order methods (trust region,
/// curvilinear, two-stage), which fit one kernel and no bias.
pub fn second_order(method: crate::solve::Method) -> bool {
    use crate::solve::Method;
    matches!(
        method,
        Method::TrustRegion | Method::Curvilinear | Method::TwoStage
    )
}

/// The size of the data as a [`KernelSize`] (samples, or rows × columns),
/// for [`crate::limits::check_kernel`].
pub fn data_size(dims: sasd::pipeline::Shape) -> KernelSize {
    match dims {
        sasd::pipeline::Shape::D1(m) => KernelSize::D1(m),
        sasd::pipeline::Shape::D2 { rows, cols } => KernelSize::D2(rows, cols),
    }
}

/// A size on the command line: `N` (1-D) or `N1xN2` (2-D, rows × columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KernelSize {
    /// One dimension.
    D1(usize),
    /// Rows × columns.
    D2(usize, usize),
}

impl std::fmt::Display for KernelSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KernelSize::D1(n) => write!(f, "{n}"),
            KernelSize::D2(r, c) => write!(f, "{r}x{c}"),
        }
    }
}

impl FromStr for KernelSize {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let positive = |t: &str| match t.trim().parse::<usize>() {
            Ok(v) if v > 0 => Ok(v),
            _ => Err(format!(
                "'{s}' is not a size: expected N or N1xN2 with positive integers"
            )),
        };
        match s.split_once(['x', 'X', '×']) {
            Some((a, b)) => Ok(KernelSize::D2(positive(a)?, positive(b)?)),
            None => Ok(KernelSize::D1(positive(s)?)),
        }
    }
}

/// `--kernel-size` of `deconv`: a size, or `auto` (read from the data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeArg {
    /// The size given.
    Given(KernelSize),
    /// `auto`: `sasd::pipeline::Deconvolution::run_auto_size`.
    Auto,
}

impl FromStr for SizeArg {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(SizeArg::Auto);
        }
        s.parse()
            .map(SizeArg::Given)
            .map_err(|_| format!("'{s}' is not a size: expected N, N1xN2 with positive integers, or auto"))
    }
}

#[cfg(test)]
mod tests {
    use super::{KernelSize, SizeArg};

    #[test]
    fn auto_or_a_size() {
        assert_eq!("auto".parse(), Ok(SizeArg::Auto));
        assert_eq!("150".parse(), Ok(SizeArg::Given(KernelSize::D1(150))));
        let bad = "0".parse::<SizeArg>().unwrap_err();
        assert!(bad.contains("or auto"), "{bad}");
    }

    #[test]
    fn sizes_parse_and_bad_ones_are_refused() {
        assert_eq!("100".parse(), Ok(KernelSize::D1(100)));
        assert_eq!("16x8".parse(), Ok(KernelSize::D2(16, 8)));
        assert_eq!("16×8".parse(), Ok(KernelSize::D2(16, 8)));
        for bad in ["0", "-3", "x4", "4x", "4x0", "a", ""] {
            assert!(bad.parse::<KernelSize>().is_err(), "{bad}");
        }
    }
}
