//! Reading input files and standard input, bounded in size.

use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::operation::NamedInput;
use std::io::Read;
use std::path::Path;

/// The display name of an input path (`-` is standard input).
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads at most `limit + 1` bytes, so that an oversized input is reported
/// by the caller's size check without being read whole. The error is the
/// sentence to print.
pub fn read_bounded(path: &Path, limit: usize) -> Result<Vec<u8>, String> {
    let name = display_name(path);
    let limit = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    let result = if path == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        if path.is_dir() {
            return Err(format!(
                "cannot read {name}: it is a directory; pass a file"
            ));
        }
        std::fs::File::open(path).and_then(|file| file.take(limit).read_to_end(&mut bytes))
    };
    match result {
        Ok(_) => Ok(bytes),
        Err(err) => Err(format!("cannot read {name}: {err}")),
    }
}

/// What a path is, read without following a symbolic link.
fn kind_of(path: &Path) -> Option<std::fs::FileType> {
    std::fs::symlink_metadata(path).ok().map(|m| m.file_type())
}

/// A regular file's bytes (at most `limit + 1`, see [`read_bounded`]);
/// `None` when nothing is there. Only a regular file is read: a symbolic
/// link is not followed (its target can be anywhere, and its content would
/// reach messages), a FIFO, socket or device is not opened (it would block
/// or never end). `who` ends the refusal: what writes these files.
pub fn read_regular(path: &Path, limit: usize, who: &str) -> Result<Option<Vec<u8>>, String> {
    let Some(kind) = kind_of(path) else {
        return Ok(None);
    };
    if !kind.is_file() {
        return Err(not_regular(path, kind, who));
    }
    read_bounded(path, limit).map(Some)
}

/// `Ok(true)` for a real directory, `Ok(false)` when nothing is there, the
/// refusal for anything else (a symbolic link to a directory included).
#[cfg(not(target_arch = "wasm32"))]
pub fn real_dir(path: &Path, who: &str) -> Result<bool, String> {
    match kind_of(path) {
        None => Ok(false),
        Some(kind) if kind.is_dir() => Ok(true),
        Some(kind) => Err(not_regular(path, kind, who)),
    }
}

/// Why `path`, of file type `kind`, is not read.
pub fn not_regular(path: &Path, kind: std::fs::FileType, who: &str) -> String {
    let what = if kind.is_symlink() {
        "a symbolic link"
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_file() {
        "a file"
    } else {
        "not a regular file but a FIFO, socket or device"
    };
    format!("cannot read {}: it is {what}; {who}", path.display())
}

/// An input file as the core's operations on files take it: the name its
/// problems are reported under and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    /// The display name (`<stdin>` for `-`), or what the kubectl plugin read.
    pub name: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// Reads `path` (`-`: standard input), bounded by the inputs' limit.
    pub fn read(path: &Path) -> Result<InputFile, String> {
        Ok(InputFile {
            bytes: read_bounded(path, MAX_INPUT_BYTES)?,
            name: display_name(path),
        })
    }

    /// The file as the core's operations name it.
    pub fn named(&self) -> NamedInput<'_> {
        NamedInput {
            name: &self.name,
            bytes: &self.bytes,
        }
    }
}
