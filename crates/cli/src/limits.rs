//! The sizes the program accepts, checked before anything is allocated.
//!
//! A signal, an image, a batch or a stack of activations has at most
//! [`MAX_SAMPLES`] values: 2²⁵ = 33,554,432 (a 5792×5792 image, or 93 hours
//! of a trace sampled at 100 Hz). One copy of that is 256 MiB in `f64`, and a
//! solve keeps a dozen such buffers (data, activations, spectra, momentum),
//! which is what a workstation holds. Beyond it the allocator would abort the
//! process ("memory allocation failed", exit 134) minutes into a run; the
//! checks below say so in one line instead, before any work. Every product
//! or `3·n − 2` of sizes given on the command line is computed with checked
//! arithmetic, so a size near `usize::MAX` is refused rather than wrapped.

use crate::cmd::KernelSize;
use crate::error::CliError;

/// The largest number of values in one signal, image, batch or activation
/// stack: 2²⁵.
pub const MAX_SAMPLES: usize = 1 << 25;

/// The largest input file read into memory: 2 GiB (a CSV of [`MAX_SAMPLES`]
/// numbers at 60 characters each).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// The largest `--grid` of `sasd landscape` (201² = 40,401 points, each a
/// solve of the marginal: minutes at the default m = 2000).
pub const MAX_GRID: usize = 201;

/// The largest landscape work `grid² · m` (a few minutes on one core).
pub const MAX_LANDSCAPE_WORK: usize = 100_000_000;

/// The number of entries of a size (`n`, or `n1·n2`), `None` on overflow.
pub fn entries(size: KernelSize) -> Option<usize> {
    match size {
        KernelSize::D1(n) => Some(n),
        KernelSize::D2(r, c) => r.checked_mul(c),
    }
}

/// `count · per` values (e.g. kernels × samples), refused above
/// [`MAX_SAMPLES`] with a message that names `what`.
pub fn check_total(what: &str, count: usize, per: Option<usize>) -> Result<usize, CliError> {
    match per.and_then(|p| p.checked_mul(count)) {
        Some(n) if n <= MAX_SAMPLES => Ok(n),
        n => Err(CliError::new(format!(
            "{what} has {} values, more than the {MAX_SAMPLES} (2^25) this program handles",
            n.map_or_else(|| "too many".to_string(), |n| n.to_string()),
        ))),
    }
}

/// `flag` (a size given on the command line) has at most [`MAX_SAMPLES`]
/// entries.
pub fn check_size(flag: &str, size: KernelSize) -> Result<usize, CliError> {
    check_total(&format!("{flag} {size}"), 1, entries(size))
}

/// The lifted length 3·n − 2 of LQK+20 §3, `None` on overflow or n = 0.
pub fn lifted(n: usize) -> Option<usize> {
    n.checked_mul(3)?.checked_sub(2)
}

/// The kernel size is within [`MAX_SAMPLES`] and its lifted window 3n − 2 per
/// axis is computed without overflow and fits `data` (samples, or rows ×
/// columns): the check the solver repeats, done here first so that a size
/// such as 6148914691236517206 (3n wraps to 2) is refused in these terms.
pub fn check_kernel(size: KernelSize, data: KernelSize) -> Result<(), CliError> {
    check_size("--kernel-size", size)?;
    let too_large = |lifted: String| {
        CliError::new(format!(
            "--kernel-size {size} is too large for data of size {data}: the lifted kernel ({lifted}, 3·n − 2 per axis) must fit in the data"
        ))
    };
    match (size, data) {
        (KernelSize::D1(n), KernelSize::D1(m)) => match lifted(n) {
            Some(l) if l < m => Ok(()),
            l => Err(too_large(l.map_or("overflows".into(), |l| l.to_string()))),
        },
        (KernelSize::D2(n1, n2), KernelSize::D2(m1, m2)) => match (lifted(n1), lifted(n2)) {
            (Some(l1), Some(l2)) if l1 <= m1 && l2 <= m2 => Ok(()),
            (l1, l2) => Err(too_large(match (l1, l2) {
                (Some(l1), Some(l2)) => format!("{l1}x{l2}"),
                _ => "overflows".into(),
            })),
        },
        (KernelSize::D2(..), KernelSize::D1(_)) => {
            Err(CliError::new("a 1-D signal needs a 1-D --kernel-size N"))
        }
        (KernelSize::D1(_), KernelSize::D2(..)) => {
            Err(CliError::new("an image needs a 2-D --kernel-size N1xN2"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked_without_overflow() {
        let d1 = KernelSize::D1;
        // 3·6148914691236517206 wraps to 2 in unchecked arithmetic.
        let e = check_kernel(d1(6_148_914_691_236_517_206), d1(1000)).unwrap_err();
        assert!(e.to_string().contains("2^25"), "{e}");
        let e = check_kernel(d1(400), d1(1000)).unwrap_err();
        assert!(e.to_string().contains("1198"), "{e}");
        check_kernel(d1(100), d1(1000)).unwrap();
        let e = check_kernel(KernelSize::D2(usize::MAX, 2), KernelSize::D2(10, 10)).unwrap_err();
        assert!(e.to_string().contains("too many"), "{e}");
        check_kernel(KernelSize::D2(3, 4), KernelSize::D2(7, 10)).unwrap();
        assert!(check_kernel(KernelSize::D2(3, 4), KernelSize::D2(6, 10)).is_err());
        assert!(check_size("--size", d1(3_000_000_000)).is_err());
        assert!(check_size("--size", d1(MAX_SAMPLES)).is_ok());
        assert!(check_total("the activations", 1_000_000, Some(10_000)).is_err());
        assert_eq!(lifted(0), None);
        assert_eq!(lifted(usize::MAX), None);
    }
}
