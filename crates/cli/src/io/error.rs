//! The one error type of [`crate::io`].

use std::fmt;
use std::path::{Path, PathBuf};

use super::SUPPORTED_EXTENSIONS;

/// Any failure of reading an input, writing an output, or preparing the output
/// directory. `Display` gives one line: `<path>: <problem>`.
#[derive(Debug)]
pub enum IoError {
    /// The operating system refused an operation on the file (missing file,
    /// permission denied, disk full, ...).
    Os {
        /// File or directory concerned.
        path: PathBuf,
        /// What we were doing, e.g. "cannot read file".
        action: &'static str,
        /// The OS reason.
        source: std::io::Error,
    },
    /// The file was read but its content is not usable data.
    Format {
        /// File concerned.
        path: PathBuf,
        /// The problem, e.g. "line 7 has 2 values, expected 3".
        message: String,
    },
    /// The extension is not one of [`SUPPORTED_EXTENSIONS`].
    UnsupportedExtension {
        /// File concerned.
        path: PathBuf,
    },
    /// The output directory cannot be used (non-empty without force, would
    /// overwrite an input, is a file, ...).
    OutDir {
        /// Output directory or the offending output file.
        path: PathBuf,
        /// The problem.
        message: String,
    },
}

impl IoError {
    pub(super) fn format(path: &Path, message: impl Into<String>) -> Self {
        IoError::Format {
            path: path.to_path_buf(),
            message: one_line(&message.into()),
        }
    }

    pub(super) fn os(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        IoError::Os {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    pub(super) fn out_dir(path: &Path, message: impl Into<String>) -> Self {
        IoError::OutDir {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// The file or directory the error is about.
    pub fn path(&self) -> &Path {
        match self {
            IoError::Os { path, .. }
            | IoError::Format { path, .. }
            | IoError::UnsupportedExtension { path }
            | IoError::OutDir { path, .. } => path,
        }
    }
}

/// A decoder's message on one line: some (npyz's header parser) draw a
/// caret diagram over several lines.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = self.path().display();
        match self {
            IoError::Os { action, source, .. } => write!(f, "{p}: {action}: {source}"),
            IoError::Format { message, .. } | IoError::OutDir { message, .. } => {
                write!(f, "{p}: {message}")
            }
            IoError::UnsupportedExtension { path } => {
                let list = SUPPORTED_EXTENSIONS
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match path.extension() {
                    Some(ext) => write!(
                        f,
                        "{p}: unsupported file extension '.{}' (supported: {list})",
                        ext.to_string_lossy()
                    ),
                    None => write!(f, "{p}: file has no extension (supported: {list})"),
                }
            }
        }
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IoError::Os { source, .. } => Some(source),
            _ => None,
        }
    }
}
