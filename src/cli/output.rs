//! Writing output files all-or-nothing: every file goes to a temporary
//! sibling first and is renamed into place only when all are written, so a
//! failure never leaves a half-written config behind.

use std::path::{Path, PathBuf};

fn temporary_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.llsd-providers-tmp"))
}

/// Writes every `(path, contents)` or none. The error is the sentence to print.
pub fn write_all_or_nothing(files: &[(&Path, &[u8])]) -> Result<(), String> {
    let mut written: Vec<PathBuf> = Vec::new();
    let cleanup = |written: &[PathBuf]| {
        for temp in written {
            let _ = std::fs::remove_file(temp);
        }
    };
    for (path, contents) in files {
        let temp = temporary_sibling(path);
        if let Err(err) = std::fs::write(&temp, contents) {
            cleanup(&written);
            return Err(format!("cannot write {}: {err}", path.display()));
        }
        written.push(temp);
    }
    for ((path, _), temp) in files.iter().zip(&written) {
        if let Err(err) = std::fs::rename(temp, path) {
            cleanup(&written);
            return Err(format!("cannot write {}: {err}", path.display()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_files_are_written() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        write_all_or_nothing(&[(&a, b"A"), (&b, b"B")]).unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "A");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "B");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let bad = dir.path().join("missing-dir/b.yaml");
        let err = write_all_or_nothing(&[(&a, b"A"), (&bad, b"B")]).unwrap_err();
        assert!(err.starts_with("cannot write"), "{err}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
