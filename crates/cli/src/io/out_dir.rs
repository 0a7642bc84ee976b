//! The output directory: created when missing, refused when writing there
//! would replace an input or mix results into a non-empty directory.

use std::path::{Path, PathBuf};

use super::IoError;

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
    use crate::io::test_util::tmp;
    use std::fs;

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
