//! Reading the user's data files and writing results safely.
//!
//! Inputs are dispatched by extension (case-insensitive): `.npy`, `.csv`/`.txt`,
//! `.png`/`.tif`/`.tiff`. Every failure is an [`IoError`] whose message is one
//! line that names the file and the problem, so the command-line program can
//! print it as is.
//!
//! Outputs are written atomically (a temporary file, then a rename), into a
//! [`Staging`] directory that is moved into place when the run succeeds, so
//! a run that fails or is killed never leaves a half-written `kernel.npy`, or
//! `kernel.npy` without its `report.json`, behind. [`Staging::begin`] refuses
//! to write where an output would replace one of the inputs, or into a
//! non-empty directory unless forced, and locks the directory against a
//! second run.

mod atomic;
mod error;
#[cfg(test)]
mod fuzz;
mod npy;
mod out_dir;
mod raster;
mod stream;
mod table;

use std::path::Path;

pub use atomic::{write_atomic, write_grey_png, write_json};
pub use error::IoError;
pub use npy::{read_npy, write_npy};
pub use out_dir::{Staging, clean_up_on_interrupt};
pub use stream::{NpyStream, TextStream};
pub use table::parse_text_table;

/// Extensions accepted by [`read_input`], for error messages and `--help`.
pub const SUPPORTED_EXTENSIONS: &[&str] = &["npy", "csv", "txt", "png", "tif", "tiff"];

/// A dense array of `f64` in row-major (C) order: the element at multi-index
/// `(i0, i1, ..., ik)` is `data[((i0 * shape[1] + i1) * shape[2] + ...) + ik]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// Elements, row-major.
    pub data: Vec<f64>,
    /// Length of each axis; the product equals `data.len()`.
    pub shape: Vec<usize>,
}

impl Array {
    /// A 1-D array of shape `[data.len()]`.
    pub fn vector(data: Vec<f64>) -> Self {
        let n = data.len();
        Array { data, shape: vec![n] }
    }
}

/// A user's data file, as the deconvolution sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// One 1-D signal: a 1-D `.npy`, a one-column CSV, or a CSV with a single
    /// row of several values.
    Signal(Vec<f64>),
    /// Several signals of equal length, one per CSV column (each inner vector
    /// is one column, i.e. one signal).
    Batch(Vec<Vec<f64>>),
    /// A 2-D image in row-major order: a 2-D `.npy` or a PNG/TIFF converted to
    /// luma in `[0, 1]`.
    Image {
        /// Pixels, row-major, `data[r * cols + c]`.
        data: Vec<f64>,
        /// Number of rows (image height).
        rows: usize,
        /// Number of columns (image width).
        cols: usize,
    },
}

impl Input {
    /// The input as an [`Array`] of its natural shape: `[m]` for a signal,
    /// `[m, k]` for a batch of `k` signals (samples in rows, as in the CSV),
    /// `[rows, cols]` for an image. Use it to write e.g. a reconstruction of
    /// the same shape as the input.
    pub fn to_array(&self) -> Array {
        match self {
            Input::Signal(s) => Array::vector(s.clone()),
            Input::Batch(cols) => {
                let m = cols.first().map_or(0, Vec::len);
                let k = cols.len();
                let mut data = Vec::with_capacity(m * k);
                for i in 0..m {
                    data.extend(cols.iter().map(|c| c[i]));
                }
                Array {
                    data,
                    shape: vec![m, k],
                }
            }
            Input::Image { data, rows, cols } => Array {
                data: data.clone(),
                shape: vec![*rows, *cols],
            },
        }
    }

    /// A short human description, e.g. "signal of length 1000",
    /// "3 signals of length 500", "image 64x80 (rows x cols)".
    pub fn describe(&self) -> String {
        match self {
            Input::Signal(s) => format!("signal of length {}", s.len()),
            Input::Batch(c) => format!("{} signals of length {}", c.len(), c.first().map_or(0, Vec::len)),
            Input::Image { rows, cols, .. } => format!("image {rows}x{cols} (rows x cols)"),
        }
    }
}

/// The extension in lower case, so `DATA.NPY` reads like `data.npy`.
fn extension_lower(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// The whole file; a directory is a format error rather than an OS one, and
/// a file larger than [`MAX_FILE_BYTES`](crate::limits::MAX_FILE_BYTES) is
/// refused before it is read.
fn read_bytes(path: &Path) -> Result<Vec<u8>, IoError> {
    if path.is_dir() {
        return Err(IoError::format(path, "is a directory, not a data file"));
    }
    let limit = crate::limits::MAX_FILE_BYTES;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > limit
    {
        return Err(IoError::format(
            path,
            format!(
                "the file has {} bytes, more than the {limit} (2 GiB) this program reads",
                meta.len()
            ),
        ));
    }
    std::fs::read(path).map_err(|e| IoError::os(path, "cannot read file", e))
}

/// Reads a data file, choosing the format from the extension
/// (case-insensitive):
///
/// - `.npy`: float32/float64 (integer types are converted too), either byte
///   order, C or Fortran order; 1-D → [`Input::Signal`], 2-D →
///   [`Input::Image`]; 0-D and 3-D or more are refused.
/// - `.csv`/`.txt`: see [`parse_text_table`]; one column → [`Input::Signal`],
///   several columns → [`Input::Batch`] (a single row of several values is
///   taken as one signal).
/// - `.png`/`.tif`/`.tiff`: grayscale, or colour converted to luma, scaled to
///   `[0, 1]` → [`Input::Image`].
///
/// Every value must be finite; the error names the first offending index.
pub fn read_input(path: &Path) -> Result<Input, IoError> {
    let ext = extension_lower(path);
    match ext.as_deref() {
        Some("npy") => {
            let a = read_npy(path)?;
            match a.shape.len() {
                0 => Err(IoError::format(
                    path,
                    "0-D (scalar) arrays are not supported: expected a 1-D signal or a 2-D image",
                )),
                1 => Ok(Input::Signal(a.data)),
                2 => Ok(Input::Image {
                    data: a.data,
                    rows: a.shape[0],
                    cols: a.shape[1],
                }),
                d => Err(IoError::format(
                    path,
                    format!(
                        "{d}-D arrays are not supported (shape {:?}): expected a 1-D signal or a 2-D image",
                        a.shape
                    ),
                )),
            }
        }
        Some("csv") | Some("txt") => {
            let bytes = read_bytes(path)?;
            let text = std::str::from_utf8(&bytes)
                .map_err(|e| IoError::format(path, format!("is not valid UTF-8 text ({e})")))?;
            let columns = parse_text_table(text).map_err(|m| IoError::format(path, m))?;
            if columns.len() == 1 {
                Ok(Input::Signal(columns.into_iter().next().unwrap_or_default()))
            } else if columns[0].len() == 1 {
                // One row of several values: a signal written as a row.
                Ok(Input::Signal(columns.into_iter().map(|c| c[0]).collect()))
            } else {
                Ok(Input::Batch(columns))
            }
        }
        Some("png") | Some("tif") | Some("tiff") => raster::read_image(path),
        _ => Err(IoError::UnsupportedExtension {
            path: path.to_path_buf(),
        }),
    }
}

#[cfg(test)]
pub(crate) mod test_util {
    use super::{Input, IoError};

    pub(crate) fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    /// A valid PNG of `width`×`height` black 8-bit grey pixels, small on
    /// disk (rows of zeros deflate a thousandfold).
    pub(crate) fn huge_png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        let mut w = enc.write_header().unwrap();
        let mut s = w.stream_writer().unwrap();
        let row = vec![0u8; width as usize];
        for _ in 0..height {
            std::io::Write::write_all(&mut s, &row).unwrap();
        }
        s.finish().unwrap();
        drop(w);
        out
    }

    pub(crate) fn err_msg(r: Result<Input, IoError>) -> String {
        let e = r.expect_err("expected an error");
        let m = e.to_string();
        assert!(!m.contains('\n'), "message must be one line: {m}");
        m
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::{err_msg, tmp};
    use super::*;
    use std::fs;

    #[test]
    fn unknown_extension_and_missing_file() {
        let d = tmp();
        let p = d.path().join("x.mat");
        fs::write(&p, "1").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("unsupported file extension '.mat'"), "{m}");
        assert!(m.contains(".npy, .csv, .txt, .png, .tif, .tiff"), "{m}");
        let m = err_msg(read_input(&d.path().join("noext")));
        assert!(m.contains("no extension"), "{m}");
        let m = err_msg(read_input(&d.path().join("missing.csv")));
        assert!(m.contains("missing.csv") && m.contains("cannot read file"), "{m}");
        assert!(m.contains("No such file"), "{m}");
    }
}
