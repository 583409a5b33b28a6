//! What the merge reads besides its base: the metadata directory (each
//! provider's spec and crd-config, regular files and real directories
//! only) and, for `--copy-base-siblings`, the files next to the base.

use crate::input::{not_regular, read_bounded, read_regular};
use llsd_providers::limits::{MAX_BASE_BYTES, MAX_INPUT_BYTES};
use llsd_providers::pipeline::{CRD_CONFIG_FILE, ProviderDir, SPEC_FILE};
use std::path::{Path, PathBuf};

/// The regular files next to `base` (hidden names, the base itself and the
/// `outputs` — config, extra-providers.yaml, log — excepted), with the paths they get next to the output.
pub fn base_siblings(base: &Path, outputs: [&Path; 3]) -> Result<Vec<(PathBuf, Vec<u8>)>, String> {
    let parent = |p: &Path| {
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };
    let (dir, out_dir) = (parent(base), parent(outputs[0]));
    let taken: Vec<_> = [base, outputs[0], outputs[1], outputs[2]]
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_os_string()))
        .collect();
    let entries =
        std::fs::read_dir(&dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
    let mut siblings = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", dir.display()))?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.')
            || taken.contains(&name)
            || !entry.path().is_file()
        {
            continue;
        }
        let bytes = read_bounded(&entry.path(), MAX_BASE_BYTES)?;
        siblings.push((out_dir.join(&name), bytes));
    }
    siblings.sort();
    Ok(siblings)
}

/// Every non-hidden subdirectory of `dir`, with its two files (`None` when absent).
pub fn read_metadata_dir(dir: &Path) -> Result<Vec<ProviderDir>, String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| format!("cannot read metadata directory {}: {err}", dir.display()))?;
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|err| format!("cannot read metadata directory {}: {err}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // The file type of the entry itself: a symlink is not followed.
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if name.starts_with('.') {
            continue;
        }
        if !is_dir {
            if let Ok(kind) = entry.file_type()
                && kind.is_symlink()
            {
                return Err(not_regular(&entry.path(), kind, METADATA_WRITERS));
            }
            continue;
        }
        dirs.push(ProviderDir {
            spec: read_optional(&entry.path().join(SPEC_FILE))?,
            crd_config: read_optional(&entry.path().join(CRD_CONFIG_FILE))?,
            name,
        });
    }
    dirs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(dirs)
}

/// Who writes the metadata directory, for the refusals of what is not a
/// regular file or directory there.
const METADATA_WRITERS: &str =
    "the install init containers write regular files and directories only";

/// A provider file's bytes; `None` when it does not exist (see
/// [`read_regular`]).
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, String> {
    read_regular(path, MAX_INPUT_BYTES, METADATA_WRITERS)
}
