//! Reading input files and standard input, bounded in size.

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
