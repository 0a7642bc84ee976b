//! The output directory of a run: checked, locked, and filled all at once.
//!
//! [`Staging::begin`] checks the directory (never an input, never a
//! non-empty directory without force), creates it if missing, takes an
//! exclusive lock on it (a second run into the same directory fails at once
//! instead of silently overwriting the first) and opens a hidden staging
//! directory inside it. The run writes every file there; [`Staging::commit`]
//! then moves them into place in one sweep of renames. A run that fails, on
//! a solver error or a full disk alike, drops the staging directory and any
//! directory it created: its outputs appear all together or not at all, and
//! a failed run leaves no empty `--out` behind. A staging directory left by
//! a killed run is removed by the next run that locks the directory.

use std::cell::Cell;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::IoError;

/// Name prefix of staging directories (hidden, ignored by the emptiness
/// check, removed when stale).
const STAGING_PREFIX: &str = ".sasd-staging-";

/// The staging directories (and the directories their runs created) alive
/// in this process: what [`clean_up_on_interrupt`] removes when the run is
/// interrupted or terminated.
static LIVE: Mutex<Vec<(PathBuf, Vec<PathBuf>)>> = Mutex::new(Vec::new());

/// Removes what a run's staging left behind: the staging directory, then
/// the (empty) directories the run created, deepest first.
fn remove_staged(staging: &Path, created: &[PathBuf]) {
    let _ = std::fs::remove_dir_all(staging);
    for d in created {
        // Only empty directories go: never what another process put there.
        let _ = std::fs::remove_dir(d);
    }
}

/// On Ctrl-C, SIGTERM or SIGHUP: remove every live staging directory and
/// the directories its run created, say so in one line, exit 130. Without
/// it a killed run left its hidden staging directory (removed only by the
/// next run into the same `--out`). SIGKILL cannot be caught; the next run
/// still cleans up after it.
pub fn clean_up_on_interrupt() {
    // A second handler cannot be installed (tests call main's setup once);
    // failing to install leaves the next run's clean-up as the fallback.
    let _ = ctrlc::set_handler(|| {
        if let Ok(live) = LIVE.lock() {
            for (staging, created) in live.iter() {
                remove_staged(staging, created);
            }
        }
        eprintln!("interrupted: nothing written");
        std::process::exit(130);
    });
}

/// An output directory being written: see the module documentation.
#[derive(Debug)]
pub struct Staging {
    out: PathBuf,
    staging: PathBuf,
    /// Directories this run created (`out` and missing parents), deepest
    /// first: removed again if the run fails.
    created: Vec<PathBuf>,
    committed: Cell<bool>,
    /// Held for the life of the run; the OS releases it when the process
    /// ends, however it ends.
    _lock: File,
}

impl Staging {
    /// Makes `out` ready to receive the files named in `outputs` (plain names
    /// such as `kernel.npy`, or `case/kernel.npy` for subdirectories).
    ///
    /// In this order:
    /// 1. refuses, even with `force`, when any `out/<name>` is the same file
    ///    as one of `inputs` (paths compared after canonicalisation, so `./x`,
    ///    `../d/x` and symbolic links are caught), or is a directory;
    /// 2. refuses when `out` exists but is not a directory;
    /// 3. creates `out` (and its parents) if missing;
    /// 4. locks `out`, or fails when another run holds the lock;
    /// 5. refuses a non-empty directory unless `force` (after the lock, so
    ///    two runs cannot both find it empty);
    /// 6. creates the hidden staging directory inside it.
    ///
    /// Read and validate the inputs before calling this, so a bad input
    /// leaves no directory behind.
    pub fn begin(out: &Path, inputs: &[&Path], outputs: &[&str], force: bool) -> Result<Self, IoError> {
        check_outputs(out, inputs, outputs)?;
        let mut created = Vec::new();
        if out.exists() {
            if !out.is_dir() {
                return Err(IoError::out_dir(out, "exists and is not a directory"));
            }
        } else {
            let mut missing = out.to_path_buf();
            while !missing.as_os_str().is_empty() && !missing.exists() {
                created.push(missing.clone());
                missing = missing.parent().map(Path::to_path_buf).unwrap_or_default();
            }
            std::fs::create_dir_all(out)
                .map_err(|e| IoError::os(out, "cannot create output directory", e))?;
        }
        let cleanup = |created: &[PathBuf]| {
            for d in created {
                let _ = std::fs::remove_dir(d);
            }
        };
        let lock = match lock_dir(out) {
            Ok(lock) => lock,
            Err(e) => {
                cleanup(&created);
                return Err(e);
            }
        };
        let prepared = (|| {
            remove_stale_staging(out);
            let mut entries =
                std::fs::read_dir(out).map_err(|e| IoError::os(out, "cannot list directory", e))?;
            if !force && entries.any(|e| e.is_ok_and(|e| !is_lock_file(&e.file_name()))) {
                return Err(IoError::out_dir(
                    out,
                    "output directory is not empty (use --force to write into it)",
                ));
            }
            tempfile::Builder::new()
                .prefix(STAGING_PREFIX)
                .tempdir_in(out)
                .map(tempfile::TempDir::keep)
                .map_err(|e| IoError::os(out, "cannot create a staging directory in", e))
        })();
        match prepared {
            Ok(staging) => {
                if let Ok(mut live) = LIVE.lock() {
                    live.push((staging.clone(), created.clone()));
                }
                Ok(Self {
                    out: out.to_path_buf(),
                    staging,
                    created,
                    committed: Cell::new(false),
                    _lock: lock,
                })
            }
            Err(e) => {
                cleanup(&created);
                Err(e)
            }
        }
    }

    /// The final output directory.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Where the run writes its files until [`commit`](Self::commit).
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Moves every staged file into the output directory (subdirectories
    /// merged), then removes the staging directory. Every file has been
    /// written and synced before the first rename.
    pub fn commit(&self) -> Result<(), IoError> {
        move_tree(&self.staging, &self.out)?;
        self.forget();
        let _ = std::fs::remove_dir_all(&self.staging);
        self.committed.set(true);
        Ok(())
    }

    /// Takes this run out of what an interrupt removes.
    fn forget(&self) {
        if let Ok(mut live) = LIVE.lock() {
            live.retain(|(s, _)| s != &self.staging);
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed.get() {
            self.forget();
            remove_staged(&self.staging, &self.created);
        }
    }
}

/// Step 1 of [`Staging::begin`].
fn check_outputs(out: &Path, inputs: &[&Path], outputs: &[&str]) -> Result<(), IoError> {
    if !out.exists() {
        return Ok(());
    }
    let inputs_canon: Vec<(PathBuf, &Path)> = inputs
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok().map(|c| (c, *p)))
        .collect();
    let out_canon =
        std::fs::canonicalize(out).map_err(|e| IoError::os(out, "cannot resolve output directory", e))?;
    for name in outputs {
        let candidate = out.join(name);
        let canon = std::fs::canonicalize(&candidate).unwrap_or_else(|_| out_canon.join(name));
        if let Some((_, input)) = inputs_canon.iter().find(|(c, _)| *c == canon) {
            return Err(IoError::out_dir(
                &candidate,
                format!(
                    "refusing to overwrite the input file {} (choose another output directory)",
                    input.display()
                ),
            ));
        }
        if name.contains('.') && candidate.is_dir() {
            return Err(IoError::out_dir(
                &candidate,
                "is a directory where the run writes a file (remove it or choose another output directory)",
            ));
        }
    }
    Ok(())
}

/// Whether a directory entry is the lock file of [`lock_dir`] (non-Unix).
fn is_lock_file(name: &std::ffi::OsStr) -> bool {
    name == ".sasd.lock"
}

/// An exclusive advisory lock on `dir` (std's `File::try_lock`, flock(2) on
/// Unix): on the directory itself on Unix, so no file is left behind; on a
/// `.sasd.lock` file inside it elsewhere.
fn lock_dir(dir: &Path) -> Result<File, IoError> {
    #[cfg(unix)]
    let file = File::open(dir);
    #[cfg(not(unix))]
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".sasd.lock"));
    let file = file.map_err(|e| IoError::os(dir, "cannot open output directory to lock it", e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(IoError::out_dir(
            dir,
            "another sasd run is writing into this directory (it holds the lock): wait for it to finish or choose another --out",
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(IoError::os(dir, "cannot lock output directory", e)),
    }
}

/// Removes staging directories of runs that were killed (we hold the lock,
/// so no live run owns them).
fn remove_stale_staging(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Renames every entry of `from` into `to`, merging into existing
/// subdirectories and replacing existing files.
fn move_tree(from: &Path, to: &Path) -> Result<(), IoError> {
    let entries = std::fs::read_dir(from).map_err(|e| IoError::os(from, "cannot list directory", e))?;
    for e in entries {
        let e = e.map_err(|e| IoError::os(from, "cannot list directory", e))?;
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().is_ok_and(|t| t.is_dir()) && dst.is_dir() {
            move_tree(&src, &dst)?;
        } else {
            std::fs::rename(&src, &dst).map_err(|e| IoError::os(&dst, "cannot move result into place", e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::test_util::tmp;
    use crate::io::write_atomic;
    use std::fs;

    const OUTS: &[&str] = &[
        "kernel.npy",
        "activation.npy",
        "reconstruction.npy",
        "report.json",
    ];

    fn names(d: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn out_dir_rules() {
        let d = tmp();
        // Missing directory is created (with parents), and removed again
        // with them when the run ends without a commit.
        let out = d.path().join("a/b");
        drop(Staging::begin(&out, &[], OUTS, false).unwrap());
        assert!(!d.path().join("a").exists());
        // Empty existing directory is fine, and stays.
        fs::create_dir_all(&out).unwrap();
        drop(Staging::begin(&out, &[], OUTS, false).unwrap());
        assert!(out.is_dir() && names(&out).is_empty());
        // Non-empty refused without force, accepted with it.
        fs::write(out.join("old.txt"), "x").unwrap();
        let e = Staging::begin(&out, &[], OUTS, false).unwrap_err();
        assert!(e.to_string().contains("not empty"), "{e}");
        drop(Staging::begin(&out, &[], OUTS, true).unwrap());
        // An input that an output would overwrite is refused even with force,
        // also when named through a different relative path.
        let input = out.join("kernel.npy");
        fs::write(&input, "x").unwrap();
        let odd = out.join("..").join("b");
        for force in [false, true] {
            let e = Staging::begin(&odd, &[input.as_path()], OUTS, force).unwrap_err();
            let m = e.to_string();
            assert!(m.contains("refusing to overwrite the input"), "{m}");
            assert!(!m.contains('\n'));
        }
        // Input in the directory under another name: allowed with force only.
        let input2 = out.join("signal.npy");
        fs::write(&input2, "x").unwrap();
        fs::remove_file(&input).unwrap();
        assert!(Staging::begin(&out, &[input2.as_path()], OUTS, false).is_err());
        drop(Staging::begin(&out, &[input2.as_path()], OUTS, true).unwrap());
        // A symbolic link named like an output that points at the input.
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&input2, out.join("report.json")).unwrap();
            assert!(Staging::begin(&out, &[input2.as_path()], OUTS, true).is_err());
            fs::remove_file(out.join("report.json")).unwrap();
        }
        // A directory where a file goes.
        fs::create_dir(out.join("report.json")).unwrap();
        let e = Staging::begin(&out, &[], OUTS, true).unwrap_err();
        assert!(e.to_string().contains("is a directory"), "{e}");
        // A file in place of the directory.
        let f = d.path().join("file");
        fs::write(&f, "x").unwrap();
        let e = Staging::begin(&f, &[], OUTS, true).unwrap_err();
        assert!(e.to_string().contains("not a directory"), "{e}");
    }

    /// Outputs appear on commit only; a failed write (a directory in the
    /// way of a rename, as a full disk fails a write) leaves nothing.
    #[test]
    fn all_outputs_or_none() {
        let d = tmp();
        let out = d.path().join("out");
        let st = Staging::begin(&out, &[], OUTS, false).unwrap();
        write_atomic(&st.staging().join("kernel.npy"), b"k").unwrap();
        fs::create_dir(st.staging().join("case")).unwrap();
        write_atomic(&st.staging().join("case/report.json"), b"{}").unwrap();
        assert_eq!(names(&out).len(), 1, "only the hidden staging directory");
        st.commit().unwrap();
        drop(st);
        assert_eq!(names(&out), vec!["case", "kernel.npy"]);
        assert_eq!(names(&out.join("case")), vec!["report.json"]);

        let out2 = d.path().join("out2");
        let st = Staging::begin(&out2, &[], OUTS, false).unwrap();
        write_atomic(&st.staging().join("kernel.npy"), b"k").unwrap();
        fs::create_dir(st.staging().join("report.json")).unwrap();
        assert!(write_atomic(&st.staging().join("report.json"), b"{}").is_err());
        drop(st);
        assert!(!out2.exists(), "a failed run leaves no --out behind");

        // With --force into an existing directory, a failure keeps it as it was.
        let st = Staging::begin(&out, &[], OUTS, true).unwrap();
        write_atomic(&st.staging().join("kernel.npy"), b"new").unwrap();
        drop(st);
        assert_eq!(fs::read(out.join("kernel.npy")).unwrap(), b"k");
        assert_eq!(names(&out), vec!["case", "kernel.npy"]);
    }

    #[test]
    fn a_second_run_into_the_same_directory_is_refused() {
        let d = tmp();
        let out = d.path().join("out");
        let first = Staging::begin(&out, &[], OUTS, false).unwrap();
        let e = Staging::begin(&out, &[], OUTS, true).unwrap_err();
        assert!(e.to_string().contains("another sasd run"), "{e}");
        // The refused run did not remove the directory the first one made.
        assert!(out.is_dir());
        first.commit().unwrap();
        drop(first);
        drop(Staging::begin(&out, &[], OUTS, false).unwrap());
    }

    #[test]
    fn stale_staging_of_a_killed_run_is_removed() {
        let d = tmp();
        let out = d.path().join("out");
        fs::create_dir_all(out.join(".sasd-staging-dead")).unwrap();
        fs::write(out.join(".sasd-staging-dead/kernel.npy"), "x").unwrap();
        let st = Staging::begin(&out, &[], OUTS, false).unwrap();
        assert!(!out.join(".sasd-staging-dead").exists());
        st.commit().unwrap();
    }
}
