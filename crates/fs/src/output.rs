//! Writing output files all-or-nothing: every destination is checked
//! before anything is written (a directory, a missing parent, two outputs
//! naming the same file, through `..` or symlinked directories too); every
//! file then goes to a temporary sibling and is renamed into place only
//! when all are written; a rename that still fails (a file of another user
//! in a sticky directory) puts back every file already replaced. A failure
//! never leaves a half-written set of outputs behind.

use std::path::{Path, PathBuf};

fn temporary_sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.llsd-providers-{what}"))
}

/// Where `path` would be written: its parent directory resolved
/// (symlinks, `..`) and its file name. The error is the sentence to print.
fn destination(path: &Path) -> Result<PathBuf, String> {
    let shown = path.display();
    let Some(name) = path.file_name() else {
        return Err(format!(
            "cannot write {shown}: it names no file; pass a file path"
        ));
    };
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let parent = resolve_dir(parent).map_err(|err| {
        format!(
            "cannot write {shown}: its directory {} cannot be used: {err}",
            parent.display()
        )
    })?;
    if !parent.is_dir() {
        return Err(format!(
            "cannot write {shown}: {} is not a directory",
            parent.display()
        ));
    }
    let resolved = parent.join(name);
    if let Ok(meta) = std::fs::metadata(&resolved)
        && meta.is_dir()
    {
        return Err(format!(
            "cannot write {shown}: it is a directory; pass a file path"
        ));
    }
    Ok(resolved)
}

/// `dir` with symlinks and `..` resolved; where the platform cannot
/// (WASI), `.` and `..` resolved by name, after checking that it exists.
fn resolve_dir(dir: &Path) -> std::io::Result<PathBuf> {
    match std::fs::canonicalize(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::Unsupported => {
            std::fs::metadata(dir)?;
            let mut out = PathBuf::new();
            for part in dir.components() {
                match part {
                    std::path::Component::CurDir => {}
                    std::path::Component::ParentDir if out.file_name().is_some() => {
                        out.pop();
                    }
                    other => out.push(other),
                }
            }
            Ok(out)
        }
        other => other,
    }
}

/// Checks every destination before the first write: each names a file in
/// an existing directory, none is a directory, and no two are the same
/// file. The error is the sentence to print.
pub fn check_destinations(paths: &[&Path]) -> Result<(), String> {
    let mut seen: Vec<(PathBuf, &Path)> = Vec::with_capacity(paths.len());
    for path in paths {
        let resolved = destination(path)?;
        // Two names of one file: the same resolved path, or two hard
        // links / a symlink to a file that is already named.
        let same_file = |(other, _): &&(PathBuf, &Path)| {
            *other == resolved || same_existing_file(other, &resolved)
        };
        if let Some((_, first)) = seen.iter().find(same_file) {
            return Err(format!(
                "{} and {} are the same file; pass a different path for each output",
                first.display(),
                path.display()
            ));
        }
        seen.push((resolved, path));
    }
    Ok(())
}

#[cfg(unix)]
fn same_existing_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_existing_file(_: &Path, _: &Path) -> bool {
    false
}

/// Writes every `(path, contents)` or none. The error is the sentence to print.
pub fn write_all_or_nothing(files: &[(&Path, &[u8])]) -> Result<(), String> {
    let paths: Vec<&Path> = files.iter().map(|(path, _)| *path).collect();
    check_destinations(&paths)?;
    let mut temps: Vec<PathBuf> = Vec::new();
    let remove_all = |list: &[PathBuf]| {
        for temp in list {
            let _ = std::fs::remove_file(temp);
        }
    };
    for (path, contents) in files {
        let temp = temporary_sibling(path, "tmp");
        if let Err(err) = std::fs::write(&temp, contents) {
            remove_all(&temps);
            let _ = std::fs::remove_file(&temp);
            return Err(format!("cannot write {}: {err}", path.display()));
        }
        temps.push(temp);
    }
    // Each replaced file, with where its previous content was moved.
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let roll_back = |done: &[(&Path, Option<PathBuf>)]| {
        for (path, backup) in done.iter().rev() {
            match backup {
                Some(backup) => {
                    let _ = std::fs::rename(backup, path);
                }
                None => {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
    };
    for ((path, _), temp) in files.iter().zip(&temps) {
        // Moving the old file aside is where a file that cannot be
        // replaced fails, before its content is touched.
        let backup = if std::fs::symlink_metadata(path).is_ok() {
            let backup = temporary_sibling(path, "old");
            if let Err(err) = std::fs::rename(path, &backup) {
                roll_back(&done);
                remove_all(&temps);
                return Err(format!("cannot write {}: {err}", path.display()));
            }
            Some(backup)
        } else {
            None
        };
        if let Err(err) = std::fs::rename(temp, path) {
            if let Some(backup) = &backup {
                let _ = std::fs::rename(backup, path);
            }
            roll_back(&done);
            remove_all(&temps);
            return Err(format!("cannot write {}: {err}", path.display()));
        }
        done.push((path, backup));
    }
    for (_, backup) in done {
        if let Some(backup) = backup {
            let _ = std::fs::remove_file(backup);
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
        std::fs::write(&b, "old").unwrap();
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

    #[test]
    fn a_directory_destination_is_refused_before_any_write() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.yaml");
        let err = write_all_or_nothing(&[(&a, b"A"), (dir.path(), b"B")]).unwrap_err();
        assert!(
            err.ends_with("it is a directory; pass a file path"),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn aliasing_destinations_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let a = dir.path().join("a.yaml");
        let via_dots = dir.path().join("sub/../a.yaml");
        let err = write_all_or_nothing(&[(&a, b"A"), (&via_dots, b"B")]).unwrap_err();
        assert!(err.contains("are the same file"), "{err}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(dir.path(), &link).unwrap();
            let via_link = link.join("a.yaml");
            let err = write_all_or_nothing(&[(&a, b"A"), (&via_link, b"B")]).unwrap_err();
            assert!(err.contains("are the same file"), "{err}");
        }
        assert!(!a.exists());
    }

    #[test]
    fn a_rename_that_fails_puts_back_what_was_replaced() {
        // A file that cannot be replaced (another user's, in a sticky
        // directory) fails when it is moved aside; a non-empty directory
        // where it would go fails the same way, even for root.
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        std::fs::write(&a, "old A").unwrap();
        std::fs::write(&b, "old B").unwrap();
        let blocker = dir.path().join(".b.yaml.llsd-providers-old");
        std::fs::create_dir(&blocker).unwrap();
        std::fs::write(blocker.join("x"), "").unwrap();
        let err = write_all_or_nothing(&[(&a, b"A"), (&b, b"B")]).unwrap_err();
        assert!(err.starts_with("cannot write"), "{err}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old A");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "old B");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }
}
