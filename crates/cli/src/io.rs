//! Reading the user's data files and writing results safely.
//!
//! Inputs are dispatched by extension (case-insensitive): `.npy`, `.csv`/`.txt`,
//! `.png`/`.tif`/`.tiff`. Every failure is an [`IoError`] whose message is one
//! line that names the file and the problem, so the command-line program can
//! print it as is.
//!
//! Outputs are written atomically (a temporary file in the destination
//! directory, then a rename), so a run that is killed never leaves a
//! half-written `kernel.npy` or `report.json` behind under its final name.
//! [`prepare_out_dir`] refuses to write where an output would replace one of the
//! inputs, or into a non-empty directory unless forced.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Extensions accepted by [`read_input`], for error messages and `--help`.
pub const SUPPORTED_EXTENSIONS: &[&str] = &["npy", "csv", "txt", "png", "tif", "tiff"];

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
    fn format(path: &Path, message: impl Into<String>) -> Self {
        IoError::Format {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    fn os(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        IoError::Os {
            path: path.to_path_buf(),
            action,
            source,
        }
    }

    fn out_dir(path: &Path, message: impl Into<String>) -> Self {
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

fn extension_lower(path: &Path) -> Option<String> {
    path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase())
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, IoError> {
    if path.is_dir() {
        return Err(IoError::format(path, "is a directory, not a data file"));
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
        Some("png") | Some("tif") | Some("tiff") => read_image(path),
        _ => Err(IoError::UnsupportedExtension {
            path: path.to_path_buf(),
        }),
    }
}

fn npy_multi_index(mut flat: usize, shape: &[usize]) -> String {
    let mut idx = vec![0usize; shape.len()];
    for (k, &s) in shape.iter().enumerate().rev() {
        if s > 0 {
            idx[k] = flat % s;
            flat /= s;
        }
    }
    let parts: Vec<String> = idx.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(", "))
}

/// Reads a `.npy` file of any number of dimensions into a row-major
/// [`Array`] (Fortran-ordered files are transposed into C order).
///
/// Accepts float32 and float64 (the formats the toolkit documents) and, for
/// convenience, signed/unsigned integers of 1 to 8 bytes; either byte order.
/// Refuses other dtypes, truncated data, empty arrays and non-finite values.
pub fn read_npy(path: &Path) -> Result<Array, IoError> {
    let bytes = read_bytes(path)?;
    let mut rest: &[u8] = &bytes;
    let header = npyz::NpyHeader::from_reader(&mut rest)
        .map_err(|e| IoError::format(path, format!("not a valid .npy file ({e})")))?;
    let shape: Vec<usize> = header
        .shape()
        .iter()
        .map(|&s| usize::try_from(s))
        .collect::<Result<_, _>>()
        .map_err(|_| IoError::format(path, "array shape too large for this machine"))?;
    let n = shape
        .iter()
        .try_fold(1usize, |a, &b| a.checked_mul(b))
        .ok_or_else(|| IoError::format(path, "array shape too large for this machine"))?;
    let npyz::DType::Plain(ts) = header.dtype() else {
        return Err(IoError::format(
            path,
            "structured or nested dtypes are not supported: expected float32 or float64",
        ));
    };
    use npyz::{Endianness, TypeChar};
    let size = ts.size_field() as usize;
    let kind = ts.type_char();
    let supported = matches!(
        (kind, size),
        (TypeChar::Float, 4 | 8) | (TypeChar::Int | TypeChar::Uint, 1 | 2 | 4 | 8)
    );
    if !supported {
        return Err(IoError::format(
            path,
            format!("unsupported dtype '{ts}': expected float32 or float64"),
        ));
    }
    if n == 0 {
        return Err(IoError::format(
            path,
            format!("no data (array of shape {shape:?} is empty)"),
        ));
    }
    let need = n.saturating_mul(size);
    if rest.len() < need {
        return Err(IoError::format(
            path,
            format!(
                "truncated .npy file: shape {shape:?} of '{ts}' needs {need} bytes of data, found {}",
                rest.len()
            ),
        ));
    }
    let big = ts.endianness() == Endianness::Big;
    let mut flat = Vec::with_capacity(n);
    for chunk in rest[..need].chunks_exact(size) {
        flat.push(decode_scalar(chunk, kind, big));
    }
    let data = if header.order() == npyz::Order::Fortran && shape.len() > 1 {
        fortran_to_c(&flat, &shape)
    } else {
        flat
    };
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(IoError::format(
            path,
            format!(
                "non-finite value {} at index {}",
                data[i],
                npy_multi_index(i, &shape)
            ),
        ));
    }
    Ok(Array { data, shape })
}

fn decode_scalar(b: &[u8], kind: npyz::TypeChar, big: bool) -> f64 {
    use npyz::TypeChar;
    macro_rules! num {
        ($t:ty, $n:expr) => {{
            let mut a = [0u8; $n];
            a.copy_from_slice(b);
            (if big {
                <$t>::from_be_bytes(a)
            } else {
                <$t>::from_le_bytes(a)
            }) as f64
        }};
    }
    match (kind, b.len()) {
        (TypeChar::Float, 4) => num!(f32, 4),
        (TypeChar::Float, _) => num!(f64, 8),
        (TypeChar::Int, 1) => num!(i8, 1),
        (TypeChar::Int, 2) => num!(i16, 2),
        (TypeChar::Int, 4) => num!(i32, 4),
        (TypeChar::Int, _) => num!(i64, 8),
        (_, 1) => num!(u8, 1),
        (_, 2) => num!(u16, 2),
        (_, 4) => num!(u32, 4),
        (_, _) => num!(u64, 8),
    }
}

/// Reorders column-major (first index fastest) data into row-major order.
fn fortran_to_c(flat: &[f64], shape: &[usize]) -> Vec<f64> {
    let d = shape.len();
    // Fortran strides: stride[0] = 1, stride[k] = stride[k-1] * shape[k-1].
    let mut fstride = vec![1usize; d];
    for k in 1..d {
        fstride[k] = fstride[k - 1] * shape[k - 1];
    }
    let mut out = Vec::with_capacity(flat.len());
    let mut idx = vec![0usize; d];
    for _ in 0..flat.len() {
        let off: usize = idx.iter().zip(&fstride).map(|(i, s)| i * s).sum();
        out.push(flat[off]);
        // Advance the C-order multi-index (last axis fastest).
        for k in (0..d).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    out
}

/// Parses a text table of numbers into columns.
///
/// - Separators: semicolons if the line has any, else commas if it has any,
///   else runs of whitespace (so `1.5;2` and `1.5, 2` and `1.5 2` all work).
///   With semicolons or commas an empty field is an error.
/// - Blank lines and lines starting with `#` are skipped (numpy's `savetxt`
///   header); a UTF-8 byte-order mark is ignored; fields may be quoted.
/// - The first data line is taken as a header and skipped if any of its
///   fields is not a number.
/// - Every row must have the same number of values (the error gives the line
///   number, counting from 1); at least one row is required ("no data");
///   every value must be finite.
///
/// Returns one vector per column. Errors are one-line messages without the
/// file name (the caller adds it).
pub fn parse_text_table(text: &str) -> Result<Vec<Vec<f64>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut width_line = 0usize;
    let mut seen_first = false;
    for (lineno, line) in text.lines().enumerate().map(|(i, l)| (i + 1, l.trim())) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields = split_fields(line);
        let parsed: Vec<Option<f64>> = fields.iter().map(|f| parse_number(f)).collect();
        if !seen_first {
            seen_first = true;
            if parsed.iter().any(Option::is_none) {
                // A header of column names.
                continue;
            }
        }
        if columns.is_empty() {
            columns = vec![Vec::new(); fields.len()];
            width_line = lineno;
        } else if fields.len() != columns.len() {
            return Err(format!(
                "line {lineno} has {} values, expected {} (as on line {width_line})",
                fields.len(),
                columns.len()
            ));
        }
        for (col, (field, value)) in fields.iter().zip(parsed).enumerate() {
            let v = match value {
                Some(v) => v,
                None if field.is_empty() => {
                    return Err(format!("line {lineno}, column {}: empty value", col + 1));
                }
                None => {
                    return Err(format!(
                        "line {lineno}, column {}: '{field}' is not a number",
                        col + 1
                    ));
                }
            };
            if !v.is_finite() {
                return Err(format!(
                    "non-finite value {v} at line {lineno}, column {}",
                    col + 1
                ));
            }
            columns[col].push(v);
        }
    }
    if columns.is_empty() || columns[0].is_empty() {
        return Err("no data (the file has no rows of numbers)".to_string());
    }
    Ok(columns)
}

fn unquote(f: &str) -> &str {
    let f = f.trim();
    f.strip_prefix('"')
        .and_then(|g| g.strip_suffix('"'))
        .unwrap_or(f)
        .trim()
}

fn split_fields(line: &str) -> Vec<&str> {
    if line.contains(';') {
        line.split(';').map(unquote).collect()
    } else if line.contains(',') {
        line.split(',').map(unquote).collect()
    } else {
        line.split_whitespace().map(unquote).collect()
    }
}

fn parse_number(field: &str) -> Option<f64> {
    if field.is_empty() {
        return None;
    }
    field.parse::<f64>().ok()
}

fn read_image(path: &Path) -> Result<Input, IoError> {
    let bytes = read_bytes(path)?;
    let format = match extension_lower(path).as_deref() {
        Some("png") => image::ImageFormat::Png,
        _ => image::ImageFormat::Tiff,
    };
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format)
        .with_guessed_format()
        .map_err(|e| IoError::os(path, "cannot read file", e))?;
    let img = reader
        .decode()
        .map_err(|e| IoError::format(path, format!("cannot decode image ({e})")))?;
    let luma = img.to_luma32f();
    let (cols, rows) = (luma.width() as usize, luma.height() as usize);
    if rows == 0 || cols == 0 {
        return Err(IoError::format(path, "no data (image is empty)"));
    }
    let data: Vec<f64> = luma.into_raw().into_iter().map(f64::from).collect();
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        return Err(IoError::format(
            path,
            format!(
                "non-finite value {} at pixel (row {}, column {})",
                data[i],
                i / cols,
                i % cols
            ),
        ));
    }
    Ok(Input::Image { data, rows, cols })
}

/// Writes `bytes` to `path` atomically: the bytes go to a temporary file in
/// the same directory (`.<name>.XXXXXX.tmp`), are flushed to disk, and the
/// temporary file is then renamed over `path`. A run killed before the rename
/// leaves `path` untouched (at worst a stray hidden `.tmp` file).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), IoError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| IoError::format(path, "output path has no file name"))?;
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Temporary files are private (0600) by default; results are ordinary
    // files, readable as the umask allows, like those `std::fs::write` makes.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| IoError::os(path, "cannot create temporary file", e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.flush())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| IoError::os(path, "cannot write file", e))?;
    tmp.persist(path)
        .map_err(|e| IoError::os(path, "cannot rename temporary file into place", e.error))?;
    Ok(())
}

/// Encodes an array as `.npy` bytes (little-endian float64, C order, shape as
/// given). Fails when the shape does not match the data length.
pub fn npy_bytes(array: &Array) -> Result<Vec<u8>, String> {
    use npyz::WriterBuilder;
    let n: Option<usize> = array.shape.iter().try_fold(1usize, |a, &b| a.checked_mul(b));
    if n != Some(array.data.len()) {
        return Err(format!(
            "array shape {:?} does not match its {} values",
            array.shape,
            array.data.len()
        ));
    }
    let shape: Vec<u64> = array.shape.iter().map(|&s| s as u64).collect();
    let mut buf = Vec::with_capacity(128 + 8 * array.data.len());
    let mut w = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&shape)
        .writer(&mut buf)
        .begin_nd()
        .map_err(|e| e.to_string())?;
    w.extend(array.data.iter().copied()).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    Ok(buf)
}

/// Writes `array` as a float64 `.npy` file of the array's shape, atomically
/// (see [`write_atomic`]).
pub fn write_npy(path: &Path, array: &Array) -> Result<(), IoError> {
    let bytes = npy_bytes(array).map_err(|m| IoError::format(path, m))?;
    write_atomic(path, &bytes)
}

/// Writes `value` as pretty-printed JSON followed by a newline, atomically
/// (see [`write_atomic`]).
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), IoError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| IoError::format(path, format!("cannot encode JSON ({e})")))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Makes `out` ready to receive the files named in `outputs` (plain file
/// names such as `kernel.npy`, `kernel.png`; see [`SOLUTION_FILES`](crate::output::SOLUTION_FILES)).
///
/// In this order:
/// 1. refuses, even with `force`, when any `out/<name>` is the same file as
///    one of `inputs` (paths compared after canonicalisation, so `./x`, `../d/x`
///    and symbolic links are caught);
/// 2. refuses when `out` exists but is not a directory;
/// 3. refuses an existing non-empty directory unless `force`;
/// 4. creates `out` (and its parents) if missing.
///
/// Read and validate the inputs before calling this, so a bad input leaves no
/// directory behind.
pub fn prepare_out_dir(out: &Path, inputs: &[&Path], outputs: &[&str], force: bool) -> Result<(), IoError> {
    let inputs_canon: Vec<(PathBuf, &Path)> = inputs
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok().map(|c| (c, *p)))
        .collect();
    if out.exists() {
        let out_canon =
            std::fs::canonicalize(out).map_err(|e| IoError::os(out, "cannot resolve output directory", e))?;
        for name in outputs {
            let candidate = out.join(name);
            let canon = match std::fs::canonicalize(&candidate) {
                Ok(c) => c,
                Err(_) => out_canon.join(name),
            };
            if let Some((_, input)) = inputs_canon.iter().find(|(c, _)| *c == canon) {
                return Err(IoError::out_dir(
                    &candidate,
                    format!(
                        "refusing to overwrite the input file {} (choose another output directory)",
                        input.display()
                    ),
                ));
            }
        }
        if !out.is_dir() {
            return Err(IoError::out_dir(out, "exists and is not a directory"));
        }
        let mut entries = std::fs::read_dir(out).map_err(|e| IoError::os(out, "cannot list directory", e))?;
        if !force && entries.next().is_some() {
            return Err(IoError::out_dir(
                out,
                "output directory is not empty (use --force to write into it)",
            ));
        }
    } else {
        std::fs::create_dir_all(out).map_err(|e| IoError::os(out, "cannot create output directory", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tmp() -> tempfile::TempDir {
        tempfile::tempdir().unwrap()
    }

    fn err_msg(r: Result<Input, IoError>) -> String {
        let e = r.expect_err("expected an error");
        let m = e.to_string();
        assert!(!m.contains('\n'), "message must be one line: {m}");
        m
    }

    /// Writes a raw .npy file with an arbitrary header (dtype, order, shape).
    fn raw_npy(path: &Path, descr: &str, fortran: bool, shape: &[usize], data: &[u8]) {
        let shape_str = match shape.len() {
            1 => format!("({},)", shape[0]),
            _ => format!(
                "({})",
                shape
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let fo = if fortran { "True" } else { "False" };
        let mut h = format!("{{'descr': '{descr}', 'fortran_order': {fo}, 'shape': {shape_str}, }}");
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(' ');
        }
        h.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        b.extend_from_slice(data);
        fs::write(path, b).unwrap();
    }

    #[test]
    fn npy_f64_round_trip_1d_and_2d() {
        let d = tmp();
        let p = d.path().join("s.npy");
        let v: Vec<f64> = (0..7).map(|i| i as f64 * 0.5 - 1.0).collect();
        write_npy(&p, &Array::vector(v.clone())).unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(v.clone()));
        assert_eq!(read_npy(&p).unwrap(), Array::vector(v));

        let img: Vec<f64> = (0..12).map(|i| i as f64).collect();
        let p2 = d.path().join("IMG.NPY");
        write_npy(
            &p2,
            &Array {
                data: img.clone(),
                shape: vec![3, 4],
            },
        )
        .unwrap();
        assert_eq!(
            read_input(&p2).unwrap(),
            Input::Image {
                data: img,
                rows: 3,
                cols: 4
            }
        );
        // 3-D arrays round-trip through read_npy (kernel stacks K×n1×n2).
        let p3 = d.path().join("k.npy");
        let a3 = Array {
            data: (0..24).map(f64::from).collect(),
            shape: vec![2, 3, 4],
        };
        write_npy(&p3, &a3).unwrap();
        assert_eq!(read_npy(&p3).unwrap(), a3);
    }

    #[test]
    fn npy_f32_written_by_npyz_is_read() {
        let d = tmp();
        let p = d.path().join("f32.npy");
        let v: Vec<f32> = vec![1.5, -2.25, 3.0, 0.125];
        npyz::to_file_1d(&p, v.iter().copied()).unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Signal(v.iter().map(|&x| f64::from(x)).collect())
        );
    }

    #[test]
    fn npy_big_endian_and_fortran_order() {
        let d = tmp();
        let p = d.path().join("be.npy");
        let vals = [1.0f64, 2.0, -3.5];
        let bytes: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
        raw_npy(&p, ">f8", false, &[3], &bytes);
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vals.to_vec()));

        // Fortran-ordered 2x3 matrix [[1,2,3],[4,5,6]] stored column by column.
        let p = d.path().join("f.npy");
        let colmajor = [1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0];
        let bytes: Vec<u8> = colmajor.iter().flat_map(|v| v.to_le_bytes()).collect();
        raw_npy(&p, "<f4", true, &[2, 3], &bytes);
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Image {
                data: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
                rows: 2,
                cols: 3
            }
        );
    }

    #[test]
    fn npy_errors() {
        let d = tmp();
        // 3-D through read_input.
        let p = d.path().join("cube.npy");
        write_npy(
            &p,
            &Array {
                data: vec![0.0; 8],
                shape: vec![2, 2, 2],
            },
        )
        .unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("3-D arrays are not supported"), "{m}");
        assert!(m.contains("cube.npy"), "{m}");

        // Truncated data.
        let p = d.path().join("trunc.npy");
        write_npy(&p, &Array::vector(vec![1.0; 100])).unwrap();
        let b = fs::read(&p).unwrap();
        fs::write(&p, &b[..b.len() - 13]).unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("truncated"), "{m}");

        // Truncated inside the header, and garbage.
        fs::write(&p, &b[..20]).unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("not a valid .npy file"), "{m}");
        fs::write(&p, b"hello, world").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("not a valid .npy file"), "{m}");

        // NaN names the index.
        let p = d.path().join("nan.npy");
        write_npy(
            &p,
            &Array {
                data: vec![0.0, 1.0, 2.0, f64::NAN],
                shape: vec![2, 2],
            },
        )
        .unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("non-finite") && m.contains("[1, 1]"), "{m}");

        // Unsupported dtype and empty array.
        let p = d.path().join("c.npy");
        raw_npy(&p, "<c16", false, &[1], &[0u8; 16]);
        let m = err_msg(read_input(&p));
        assert!(m.contains("unsupported dtype"), "{m}");
        let p = d.path().join("e.npy");
        raw_npy(&p, "<f8", false, &[0], &[]);
        let m = err_msg(read_input(&p));
        assert!(m.contains("no data"), "{m}");
    }

    #[test]
    fn csv_variants() {
        let d = tmp();
        let p = d.path().join("a.csv");
        fs::write(&p, "1\n2.5\n-3e-1\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vec![1.0, 2.5, -0.3]));

        fs::write(&p, "\u{feff}x,y\r\n1,2\r\n3,4\r\n\r\n5,6\r\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 3.0, 5.0], vec![2.0, 4.0, 6.0]])
        );

        let p = d.path().join("b.TXT");
        fs::write(&p, "# a b\n1;2\n3 ;4\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 3.0], vec![2.0, 4.0]])
        );
        fs::write(&p, "  1.0   2.0\t3.0\n4 5 6\n").unwrap();
        assert_eq!(
            read_input(&p).unwrap(),
            Input::Batch(vec![vec![1.0, 4.0], vec![2.0, 5.0], vec![3.0, 6.0]])
        );
        // A single row is one signal.
        fs::write(&p, "1, 2, 3, 4\n").unwrap();
        assert_eq!(read_input(&p).unwrap(), Input::Signal(vec![1.0, 2.0, 3.0, 4.0]));
        // Batch back to an array keeps the CSV layout.
        let b = Input::Batch(vec![vec![1.0, 3.0], vec![2.0, 4.0]]);
        assert_eq!(b.to_array().shape, vec![2, 2]);
        assert_eq!(b.to_array().data, vec![1.0, 2.0, 3.0, 4.0]);
    }

    #[test]
    fn csv_errors() {
        let d = tmp();
        let p = d.path().join("r.csv");
        fs::write(&p, "a,b\n1,2\n3,4\n5\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("line 4 has 1 values, expected 2"), "{m}");
        assert!(m.starts_with(&p.display().to_string()), "{m}");

        fs::write(&p, "").unwrap();
        assert!(err_msg(read_input(&p)).contains("no data"));
        fs::write(&p, "signal\n\n").unwrap();
        assert!(err_msg(read_input(&p)).contains("no data"));

        fs::write(&p, "1\n2\nNaN\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("non-finite") && m.contains("line 3"), "{m}");
        fs::write(&p, "1,2\n2,inf\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("line 2, column 2"), "{m}");

        fs::write(&p, "1,2\n3,x\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("'x' is not a number"), "{m}");
        fs::write(&p, "1,2\n3,\n").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("empty value"), "{m}");
    }

    #[test]
    fn png_grayscale_and_colour() {
        let d = tmp();
        let p = d.path().join("g.png");
        let img = image::GrayImage::from_fn(5, 3, |x, y| image::Luma([(x * 50 + y) as u8]));
        img.save(&p).unwrap();
        match read_input(&p).unwrap() {
            Input::Image { data, rows, cols } => {
                assert_eq!((rows, cols), (3, 5));
                assert!((data[4] - 200.0 / 255.0).abs() < 1e-6);
                assert!((data[5] - 1.0 / 255.0).abs() < 1e-6);
                assert!(data.iter().all(|v| (0.0..=1.0).contains(v)));
            }
            other => panic!("expected an image, got {other:?}"),
        }
        let p = d.path().join("c.PNG");
        let img = image::RgbImage::from_pixel(4, 2, image::Rgb([255, 255, 255]));
        img.save_with_format(&p, image::ImageFormat::Png).unwrap();
        match read_input(&p).unwrap() {
            Input::Image { data, rows, cols } => {
                assert_eq!((rows, cols), (2, 4));
                assert!(data.iter().all(|v| (v - 1.0).abs() < 1e-6));
            }
            other => panic!("expected an image, got {other:?}"),
        }
        fs::write(&p, b"not a png").unwrap();
        let m = err_msg(read_input(&p));
        assert!(m.contains("cannot decode image"), "{m}");
    }

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

    #[test]
    fn atomic_writes_leave_no_temporary_file() {
        let d = tmp();
        let p = d.path().join("report.json");
        write_json(&p, &serde_json::json!({"a": 1, "b": [1.5, 2.0]})).unwrap();
        // Overwrite in place.
        write_json(&p, &serde_json::json!({"a": 2})).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&fs::read(&p).unwrap()).unwrap();
        assert_eq!(back["a"], 2);
        write_npy(&d.path().join("k.npy"), &Array::vector(vec![1.0, 2.0])).unwrap();
        let mut names: Vec<String> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["k.npy", "report.json"]);
        // Same permissions as a file written directly (not the 0600 of temporaries).
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let plain = d.path().join("plain");
            fs::write(&plain, "x").unwrap();
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&p), mode(&plain));
            fs::remove_file(&plain).unwrap();
        }
        // Shape mismatch is an error and writes nothing.
        let bad = Array {
            data: vec![1.0; 3],
            shape: vec![2, 2],
        };
        let e = write_npy(&d.path().join("bad.npy"), &bad).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        assert!(!d.path().join("bad.npy").exists());
        // Writing into a missing directory fails with the OS reason.
        let e = write_json(&d.path().join("nope/r.json"), &serde_json::json!(1)).unwrap_err();
        assert!(e.to_string().contains("cannot create temporary file"), "{e}");
    }

    #[test]
    fn out_dir_rules() {
        let d = tmp();
        let outs: &[&str] = &[
            "kernel.npy",
            "activation.npy",
            "reconstruction.npy",
            "report.json",
        ];
        // Missing directory is created (with parents).
        let out = d.path().join("a/b");
        prepare_out_dir(&out, &[], outs, false).unwrap();
        assert!(out.is_dir());
        // Empty existing directory is fine.
        prepare_out_dir(&out, &[], outs, false).unwrap();
        // Non-empty refused without force, accepted with it.
        fs::write(out.join("old.txt"), "x").unwrap();
        let e = prepare_out_dir(&out, &[], outs, false).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        prepare_out_dir(&out, &[], outs, true).unwrap();
        // An input that an output would overwrite is refused even with force,
        // also when named through a different relative path.
        let input = out.join("kernel.npy");
        fs::write(&input, "x").unwrap();
        let odd = out.join("..").join("b");
        for force in [false, true] {
            let e = prepare_out_dir(&odd, &[input.as_path()], outs, force).unwrap_err();
            let m = e.to_string();
            assert!(m.contains("refusing to overwrite the input"), "{m}");
            assert!(!m.contains('\n'));
        }
        // Input in the directory under another name: allowed with force only.
        let input2 = out.join("signal.npy");
        fs::write(&input2, "x").unwrap();
        fs::remove_file(&input).unwrap();
        assert!(prepare_out_dir(&out, &[input2.as_path()], outs, false).is_err());
        prepare_out_dir(&out, &[input2.as_path()], outs, true).unwrap();
        // A symbolic link named like an output that points at the input.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&input2, out.join("report.json")).unwrap();
            assert!(prepare_out_dir(&out, &[input2.as_path()], outs, true).is_err());
        }
        // A file in place of the directory.
        let f = d.path().join("file");
        fs::write(&f, "x").unwrap();
        let e = prepare_out_dir(&f, &[], outs, true).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
    }
}
