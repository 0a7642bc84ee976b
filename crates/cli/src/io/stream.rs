//! Output files written piece by piece as a batch's results arrive, into
//! the staging directory (which the run's commit moves into place, or
//! discards: the whole-or-nothing rule holds for the directory, not the
//! file).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use npyz::{NpyWriter, WriterBuilder};

use super::IoError;

/// A buffered file whose contents are flushed and synced by
/// [`finish`](Self::finish).
#[derive(Debug)]
pub struct TextStream {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl TextStream {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> Result<Self, IoError> {
        let file = File::create(path).map_err(|e| IoError::os(path, "cannot create file", e))?;
        Ok(Self {
            path: path.to_path_buf(),
            writer: BufWriter::new(file),
        })
    }

    /// Appends `text`.
    pub fn write(&mut self, text: &str) -> Result<(), IoError> {
        self.writer
            .write_all(text.as_bytes())
            .map_err(|e| IoError::os(&self.path, "cannot write file", e))
    }

    /// Flushes and syncs the file.
    pub fn finish(self) -> Result<(), IoError> {
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|e| IoError::os(&path, "cannot write file", e.into_error()))?;
        file.sync_all()
            .map_err(|e| IoError::os(&path, "cannot write file", e))
    }
}

/// A float64 `.npy` file of a shape fixed at creation, filled in C order
/// by [`push`](Self::push) (a batch's stacked arrays, one signal at a
/// time); [`finish`](Self::finish) fails unless every value was given.
pub struct NpyStream {
    path: PathBuf,
    /// A second handle on the file, to sync it once npyz has let go.
    file: File,
    writer: NpyWriter<f64, BufWriter<File>>,
}

impl std::fmt::Debug for NpyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyStream").field("path", &self.path).finish()
    }
}

impl NpyStream {
    /// Creates `path` with the header of a `shape` array.
    pub fn create(path: &Path, shape: &[usize]) -> Result<Self, IoError> {
        let os = |e| IoError::os(path, "cannot create file", e);
        let file = File::create(path).map_err(os)?;
        let sync = file.try_clone().map_err(os)?;
        let shape: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
        let writer = npyz::WriteOptions::<f64>::new()
            .default_dtype()
            .shape(&shape)
            .writer(BufWriter::new(file))
            .begin_nd()
            .map_err(|e| IoError::os(path, "cannot write file", e))?;
        Ok(Self {
            path: path.to_path_buf(),
            file: sync,
            writer,
        })
    }

    /// Appends `values` (the next ones in C order).
    pub fn push(&mut self, values: &[f64]) -> Result<(), IoError> {
        self.writer
            .extend(values.iter().copied())
            .map_err(|e| IoError::os(&self.path, "cannot write file", e))
    }

    /// Checks that the shape is filled, flushes and syncs the file.
    pub fn finish(self) -> Result<(), IoError> {
        let path = self.path;
        self.writer
            .finish()
            .map_err(|e| IoError::format(&path, format!("incomplete array: {e}")))?;
        self.file
            .sync_all()
            .map_err(|e| IoError::os(&path, "cannot write file", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::read_npy;
    use crate::io::test_util::tmp;

    #[test]
    fn a_streamed_array_reads_back_with_its_shape() {
        let dir = tmp();
        let path = dir.path().join("a.npy");
        let mut s = NpyStream::create(&path, &[2, 3]).expect("create");
        s.push(&[1.0, 2.0, 3.0]).expect("push");
        s.push(&[4.0, 5.0, 6.0]).expect("push");
        s.finish().expect("finish");
        let a = read_npy(&path).expect("read");
        assert_eq!(a.shape, vec![2, 3]);
        assert_eq!(a.data, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }

    #[test]
    fn an_unfilled_array_is_an_error() {
        let dir = tmp();
        let path = dir.path().join("a.npy");
        let mut s = NpyStream::create(&path, &[2, 3]).expect("create");
        s.push(&[1.0, 2.0, 3.0]).expect("push");
        let e = s.finish().expect_err("3 of 6 values");
        assert!(e.to_string().contains("incomplete"), "{e}");
    }

    #[test]
    fn text_is_written_and_synced() {
        let dir = tmp();
        let path = dir.path().join("t.csv");
        let mut s = TextStream::create(&path).expect("create");
        s.write("a,b\n").expect("write");
        s.write("1,2\n").expect("write");
        s.finish().expect("finish");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "a,b\n1,2\n");
    }
}
