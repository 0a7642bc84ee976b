//! The one error type of the program: a message of one line.

use std::fmt;

/// A failed command, said in one line (the program prints it on stderr and
/// exits with status 1).
#[derive(Debug)]
pub struct CliError(String);

impl CliError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Library messages may span lines; the program's contract is one line.
        let mut first = true;
        for line in self.0.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if !first {
                f.write_str("; ")?;
            }
            f.write_str(line)?;
            first = false;
        }
        Ok(())
    }
}

impl std::error::Error for CliError {}

macro_rules! from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for CliError {
            fn from(e: $t) -> Self {
                Self(e.to_string())
            }
        }
    )*};
}

from_display!(
    crate::io::IoError,
    crate::plot::PlotError,
    sasd::SasdError,
    sasd::synth::SynthError,
    sasd::metrics::MetricError
);
