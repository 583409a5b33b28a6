//! Reading a provider image for `check-image`: an OCI archive file, an OCI
//! layout directory, or an unpacked root directory, into what the core's
//! `image_check` reads; then the core's check on it.

use crate::input::read_regular;
use llsd_providers::image_check::oci::KEEP_DATA_UNDER;
use llsd_providers::image_check::{
    Entry, ImageReport, Kind, Target, Tree, check_archive, check_tree, read_layout,
};
use llsd_providers::limits::MAX_ARCHIVE_BYTES;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The report on the image at `path`, checked for `target`; the error
/// is the sentence to print when `path` cannot be read.
pub fn check_image(path: &Path, target: &Target) -> Result<ImageReport, String> {
    let name = path.display().to_string();
    Ok(match read_image(path)? {
        Image::Archive(bytes) => check_archive(&name, &bytes, target),
        Image::Tree(tree) => check_tree(&name, &tree, target),
        Image::Layout(dir) => {
            let read = |relative: &str| read_layout_file(&dir.join(relative));
            match read_layout(&read, target.platform) {
                Ok(tree) => check_tree(&name, &tree, target),
                Err(finding) => ImageReport::new(&name, target, vec![finding]),
            }
        }
    })
}

enum Image {
    Archive(Vec<u8>),
    Layout(PathBuf),
    Tree(Tree),
}

fn read_image(path: &Path) -> Result<Image, String> {
    let name = path.display();
    let metadata = std::fs::metadata(path).map_err(|err| format!("cannot read {name}: {err}"))?;
    if !metadata.is_dir() {
        return read_file(path).map(Image::Archive);
    }
    if path.join("oci-layout").is_file() {
        return Ok(Image::Layout(path.to_path_buf()));
    }
    read_root(path).map(Image::Tree)
}

/// Who writes an OCI layout, for the refusal of what is not a regular file.
const LAYOUT_WRITERS: &str = "image tools write an OCI layout as regular files (a link could point at /dev/zero, a FIFO would block)";

/// One file of an OCI layout directory: absent, read (bounded), or refused
/// with the reason when it is a link, FIFO or device.
fn read_layout_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    let limit = usize::try_from(MAX_ARCHIVE_BYTES).unwrap_or(usize::MAX);
    // the finding names the layout's relative path itself
    let prefix = format!("cannot read {}: ", path.display());
    let read = read_regular(path, limit, LAYOUT_WRITERS)
        .map_err(|e| e.strip_prefix(&prefix).map(str::to_string).unwrap_or(e))?;
    let Some(bytes) = read else {
        return Ok(None);
    };
    if bytes.len() > limit {
        return Err(format!(
            "it is larger than {} MiB; a provider image holds its wheels and metadata only",
            MAX_ARCHIVE_BYTES >> 20
        ));
    }
    Ok(Some(bytes))
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    let name = path.display();
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_ARCHIVE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|err| format!("cannot read {name}: {err}"))?;
    if bytes.len() as u64 > MAX_ARCHIVE_BYTES {
        return Err(format!(
            "cannot read {name}: it is larger than {} MiB; a provider image holds its wheels and metadata only",
            MAX_ARCHIVE_BYTES >> 20
        ));
    }
    Ok(bytes)
}

/// An unpacked root directory: its root and `/lls-provider` (all the checks
/// read), with modes and owners where the host has them.
fn read_root(root: &Path) -> Result<Tree, String> {
    let mut tree = Tree::default();
    let (entry, known) = entry_of(root, false)?;
    tree.modes_known = known;
    tree.insert("/", entry);
    let provider = root.join(KEEP_DATA_UNDER.trim_start_matches('/'));
    if std::fs::symlink_metadata(&provider).is_ok() {
        walk(&provider, KEEP_DATA_UNDER, &mut tree)?;
    }
    Ok(tree)
}

fn walk(path: &Path, image_path: &str, tree: &mut Tree) -> Result<(), String> {
    let (entry, _) = entry_of(path, true)?;
    let is_dir = matches!(entry.kind, Kind::Dir);
    tree.insert(image_path, entry);
    if is_dir {
        let entries = std::fs::read_dir(path)
            .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
        for child in entries {
            let child = child.map_err(|err| format!("cannot read {}: {err}", path.display()))?;
            let name = child.file_name().to_string_lossy().into_owned();
            walk(&child.path(), &format!("{image_path}/{name}"), tree)?;
        }
    }
    Ok(())
}

/// The entry for `path` (contents read when `with_data`), and whether its
/// mode and owner are real.
fn entry_of(path: &Path, with_data: bool) -> Result<(Entry, bool), String> {
    let name = path.display();
    let metadata =
        std::fs::symlink_metadata(path).map_err(|err| format!("cannot read {name}: {err}"))?;
    let kind = if metadata.is_dir() {
        Kind::Dir
    } else if metadata.file_type().is_symlink() {
        let target =
            std::fs::read_link(path).map_err(|err| format!("cannot read {name}: {err}"))?;
        Kind::Symlink(target.to_string_lossy().into_owned())
    } else if metadata.is_file() {
        Kind::File(if with_data {
            read_file(path)?.into()
        } else {
            Default::default()
        })
    } else {
        Kind::Other
    };
    let (mode, uid, gid, known) = owner(&metadata);
    Ok((
        Entry {
            kind,
            mode,
            uid,
            gid,
        },
        known,
    ))
}

#[cfg(unix)]
fn owner(metadata: &std::fs::Metadata) -> (u32, u64, u64, bool) {
    use std::os::unix::fs::MetadataExt;
    (
        metadata.mode() & 0o7777,
        u64::from(metadata.uid()),
        u64::from(metadata.gid()),
        true,
    )
}

/// WASI has no mode bits or owners: world-readable is assumed and the
/// permission check says it did not run.
#[cfg(not(unix))]
fn owner(metadata: &std::fs::Metadata) -> (u32, u64, u64, bool) {
    let mode = if metadata.is_dir() { 0o755 } else { 0o644 };
    (mode, 0, 0, false)
}
