//! Atomic writes: a temporary file in the destination directory, flushed,
//! then renamed over the destination (through `tempfile`), so a killed run
//! never leaves a half-written result under its final name.

use std::io::Write;
use std::path::Path;

use super::IoError;

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

/// Writes `value` as pretty-printed JSON followed by a newline, atomically
/// (see [`write_atomic`]).
pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), IoError> {
    let mut bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| IoError::format(path, format!("cannot encode JSON ({e})")))?;
    bytes.push(b'\n');
    write_atomic(path, &bytes)
}

/// Writes `data` (row-major, `rows`×`cols`) as a 16-bit greyscale PNG,
/// atomically: `range.0` black, `range.1` white, values outside clipped. A
/// picture file, not a plot: one pixel per value, no axes.
pub fn write_grey_png(
    path: &Path,
    data: &[f64],
    rows: usize,
    cols: usize,
    range: (f64, f64),
) -> Result<(), IoError> {
    let (lo, hi) = range;
    let span = if hi > lo { hi - lo } else { 1.0 };
    let pixels: Vec<u16> = data
        .iter()
        .map(|&v| {
            let t = if v.is_finite() {
                ((v - lo) / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            (t * 65535.0).round() as u16
        })
        .collect();
    let (w, h) = (
        u32::try_from(cols).map_err(|_| IoError::format(path, "image too wide"))?,
        u32::try_from(rows).map_err(|_| IoError::format(path, "image too tall"))?,
    );
    let img = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_raw(w, h, pixels)
        .ok_or_else(|| IoError::format(path, "image size does not match its data"))?;
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| IoError::format(path, format!("cannot encode PNG ({e})")))?;
    write_atomic(path, &png)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_util::tmp;
    use crate::io::{Array, write_npy};
    use std::fs;

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
}
