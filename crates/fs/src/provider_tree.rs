//! Reading a provider's tree — `{sources}/{providerId}/lls-provider/`: its
//! spec and the wheels of its `packages/` directory — as the merge reads its
//! metadata directory: regular files and real directories only, each
//! bounded. In imageVolume mode the tree is the provider image itself, so
//! its author chooses what is there: a link, FIFO or device would be
//! followed into the server's own files, block the step, or never end.

use crate::input::{not_regular, read_regular, real_dir};
use crate::unpack;
use llsd_providers::install::Provider;
use llsd_providers::install::step::{IMAGE_FILES, Step, Stop, read_wheel};
use llsd_providers::limits::MAX_INPUT_BYTES;
use llsd_providers::pipeline::{CrdConfig, SPEC_FILE};
use std::path::{Path, PathBuf};

/// `problem` with the tree's paths as the image has them (`/lls-provider/…`)
/// rather than where the step sees them.
fn in_image(sources: &Path, crd: &CrdConfig, problem: &str) -> String {
    problem.replace(&sources.join(&crd.provider_id).display().to_string(), "")
}

/// The `*.whl` files of a provider's `packages` directory, sorted; none when
/// it is absent. The directory must be a real one and every wheel a regular
/// file (see [`IMAGE_FILES`]).
pub fn wheel_files(packages: &Path) -> Result<Vec<PathBuf>, String> {
    if !real_dir(packages, IMAGE_FILES)? {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(packages)
        .map_err(|err| format!("cannot read {}: {err}", packages.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| format!("cannot read {}: {err}", packages.display()))?;
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "whl") {
            continue;
        }
        let kind = entry
            .file_type()
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        if !kind.is_file() {
            return Err(not_regular(&path, kind, IMAGE_FILES));
        }
        files.push(path);
    }
    files.sort();
    Ok(files)
}

/// Where the provider `id`'s tree is under `sources` (`{id}/lls-provider`).
pub fn tree_dir(sources: &Path, id: &str) -> PathBuf {
    sources.join(id).join("lls-provider")
}

/// The directory of its wheels in a provider's tree.
pub fn packages_dir(tree: &Path) -> PathBuf {
    tree.join("packages")
}

/// One provider's tree: its spec and its wheels, read as regular files and
/// real directories only (as the merge reads its metadata directory): in
/// imageVolume mode the tree is the image itself, and a link, FIFO or
/// device there would be followed into the server's own files, block the
/// step, or never end.
pub fn read_tree(
    sources: &Path,
    crd: &CrdConfig,
    step: &Step,
) -> Result<(Provider, Vec<u8>), Stop> {
    let tree = tree_dir(sources, &crd.provider_id);
    let refused = |problem: String| step.not_image_files(crd, &in_image(sources, crd, &problem));
    let spec = real_dir(&tree, IMAGE_FILES)
        .and_then(|_| read_regular(&tree.join(SPEC_FILE), MAX_INPUT_BYTES, IMAGE_FILES))
        .map_err(refused)?
        .ok_or_else(|| step.missing_spec(crd))?;
    let files = wheel_files(&packages_dir(&tree)).map_err(refused)?;
    if files.is_empty() {
        return Err(step.no_wheels(crd));
    }
    let mut wheels = Vec::new();
    for file in &files {
        let file_name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let wheel = read_wheel(&file_name, unpack::read_metadata(file))
            .map_err(|problem| step.unreadable_wheel(crd, &file_name, &problem))?;
        wheels.push(wheel);
    }
    let provider = Provider {
        id: crd.provider_id.clone(),
        image: crd.image.clone().unwrap_or_else(|| "unknown".to_string()),
        root: String::new(),
        wheels,
    };
    Ok((provider, spec))
}
