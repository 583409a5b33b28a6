//! Reading an image from bytes: an OCI archive (a tar holding `oci-layout`,
//! `index.json` and `blobs/sha256/…`) or the files of an OCI layout
//! directory, down to the image's file system: the manifest's layers (tar,
//! or tar+gzip) applied in order, whiteouts (`.wh.NAME`, `.wh..wh..opq`)
//! included (OCI image spec, "Applying changesets").
//!
//! Problems come back as one [`Finding`] naming the blob and the fix.

use super::finding::Finding;
use super::python::Platform;
use super::tree::{Entry, Kind, Tree, normalize};
use crate::limits::MAX_UNPACKED_BYTES;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;

/// Only files under this directory keep their contents in the tree (the
/// checks read nothing else); other files are kept with empty contents.
pub const KEEP_DATA_UNDER: &str = "/lls-provider";

const FIX_SAVE: &str = "save the image as an OCI archive (`buildah push IMAGE oci-archive:provider.oci.tar`, `podman save --format oci-archive`, `skopeo copy … oci-archive:provider.oci.tar`) and pass that file";

/// Reads an OCI archive (the bytes of `oci-archive:` output); of an image
/// index, the image of `platform`.
pub fn read_archive(bytes: &[u8], platform: Platform) -> Result<Tree, Finding> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut archive = tar::Archive::new(bytes);
    let entries = archive
        .entries()
        .map_err(|err| not_a_tar("the archive", &err))?;
    for entry in entries {
        let mut entry = entry.map_err(|err| not_a_tar("the archive", &err))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
        let mut data = Vec::new();
        entry
            .read_to_end(&mut data)
            .map_err(|err| not_a_tar("the archive", &err))?;
        files.insert(name.trim_start_matches('/').to_string(), data);
    }
    if files.contains_key("manifest.json") && !files.contains_key("index.json") {
        return Err(Finding::error(
            "",
            "is a docker-archive (manifest.json, no index.json), not an OCI archive",
            FIX_SAVE,
        ));
    }
    read_layout(&|path: &str| Ok(files.get(path).cloned()), platform)
}

/// Reads one file of an OCI layout by its relative path (`index.json`,
/// `blobs/sha256/HEX`): `Ok(None)` when it is absent, `Err(why)` when it is
/// there but not read (a link, a FIFO, a device, too large), so that the
/// finding names the problem rather than calling the file missing.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<Option<Vec<u8>>, String>;

/// `read(path)`, an unreadable file as a finding.
fn fetch(read: ReadFile, path: &str) -> Result<Option<Vec<u8>>, Finding> {
    read(path).map_err(|why| {
        Finding::error(
            "",
            format!("cannot read {path}: {why}"),
            "an OCI layout holds regular files: save the image again (skopeo copy … oci:DIR, or buildah push … oci:DIR)",
        )
    })
}

/// Reads an OCI layout given a way to read its files by relative path; of
/// an image index, the image of `platform`.
pub fn read_layout(read: ReadFile, platform: Platform) -> Result<Tree, Finding> {
    if fetch(read, "oci-layout")?.is_none() {
        return Err(Finding::error(
            "",
            "is not an OCI image: it has no oci-layout file",
            FIX_SAVE,
        ));
    }
    let index = json_blob(read, "index.json")?;
    let manifest = pick_manifest(read, &index, "index.json", platform, 0)?;
    let layers = manifest
        .get("layers")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Finding::error(
                "",
                "the image manifest has no layers list",
                "rebuild the image; its manifest is not an OCI image manifest",
            )
        })?;
    apply_layers(read, layers)
}

/// The file tree of `layers` (a manifest's list), applied in order within
/// [`MAX_UNPACKED_BYTES`]. Each distinct blob is read and hashed once,
/// however often the list names it (a 52 MB layer listed 200 times was
/// copied and hashed 200 times); every listing still counts against the
/// budget.
fn apply_layers(read: ReadFile, layers: &[Value]) -> Result<Tree, Finding> {
    let mut tree = Tree::default();
    let mut budget = MAX_UNPACKED_BYTES;
    let mut blobs: std::collections::HashMap<&str, Vec<u8>> = std::collections::HashMap::new();
    for layer in layers {
        let digest = layer.get("digest").and_then(Value::as_str).unwrap_or("");
        if !blobs.contains_key(digest) {
            blobs.insert(digest, blob(read, digest)?);
        }
        apply_layer(&mut tree, &blobs[digest], digest, &mut budget)?;
    }
    Ok(tree)
}

/// An index's manifest for `platform`, following nested indexes; an index
/// whose entries name no platform (one image pushed alone) gives its first.
fn pick_manifest(
    read: ReadFile,
    index: &Value,
    what: &str,
    platform: Platform,
    depth: usize,
) -> Result<Value, Finding> {
    let manifests = index
        .get("manifests")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            Finding::error(
                "",
                format!("{what} lists no manifest"),
                "rebuild the image; an OCI archive's index.json names the image manifest",
            )
        })?;
    let named = |m: &Value| {
        let field = |key: &str| {
            m.pointer(&format!("/platform/{key}"))
                .and_then(Value::as_str)
        };
        Some(format!("{}/{}", field("os")?, field("architecture")?))
    };
    let listed: Vec<String> = manifests.iter().filter_map(named).collect();
    let chosen = match manifests
        .iter()
        .find(|m| named(m).as_deref() == Some(platform.as_str()))
    {
        Some(chosen) => chosen,
        None if listed.is_empty() => &manifests[0],
        None => {
            let others = Platform::ALL
                .iter()
                .filter(|p| listed.iter().any(|l| l == p.as_str()))
                .map(|p| format!("--platform {}", p.as_str()))
                .collect::<Vec<_>>();
            let check_other = match others.as_slice() {
                [] => String::new(),
                some => format!(", or check the image it has with {}", some.join(" or ")),
            };
            return Err(Finding::error(
                "",
                format!(
                    "{what} has no {} image: it lists {}",
                    platform.as_str(),
                    listed.join(", ")
                ),
                format!(
                    "build the image for {} too (buildah build --platform {} --manifest LIST …, then buildah manifest push --all LIST oci-archive:FILE){check_other}",
                    platform.as_str(),
                    platform.as_str()
                ),
            ));
        }
    };
    let digest = chosen.get("digest").and_then(Value::as_str).unwrap_or("");
    let value = json_blob(read, &blob_path(digest)?)?;
    if value.get("manifests").is_some() && depth < 4 {
        return pick_manifest(
            read,
            &value,
            &format!("the index {digest}"),
            platform,
            depth + 1,
        );
    }
    Ok(value)
}

fn blob_path(digest: &str) -> Result<String, Finding> {
    match digest.split_once(':') {
        Some(("sha256", hex)) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Ok(format!("blobs/sha256/{hex}"))
        }
        _ => Err(Finding::error(
            "",
            format!("'{digest}' is not a sha256 digest this tool can read"),
            "rebuild the image with sha256 digests (the default of buildah, podman and skopeo)",
        )),
    }
}

fn blob(read: ReadFile, digest: &str) -> Result<Vec<u8>, Finding> {
    let path = blob_path(digest)?;
    let data = fetch(read, &path)?.ok_or_else(|| {
        Finding::error(
            "",
            format!("blob {path} is missing"),
            "the archive is incomplete: save the image again",
        )
    })?;
    let actual: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let actual = format!("sha256:{actual}");
    if actual != digest {
        return Err(Finding::error(
            "",
            format!("blob {path} does not match its digest (its content hashes to {actual})"),
            "the archive is corrupt: save the image again",
        ));
    }
    Ok(data)
}

fn json_blob(read: ReadFile, path: &str) -> Result<Value, Finding> {
    let data = if path == "index.json" {
        fetch(read, path)?.ok_or_else(|| {
            Finding::error("", "is not an OCI image: it has no index.json", FIX_SAVE)
        })?
    } else {
        let digest = format!("sha256:{}", path.trim_start_matches("blobs/sha256/"));
        blob(read, &digest)?
    };
    serde_json::from_slice(&data).map_err(|err| {
        Finding::error(
            "",
            format!("{path} is not valid JSON: {err}"),
            "the archive is corrupt: save the image again",
        )
    })
}

fn not_a_tar(what: &str, err: &std::io::Error) -> Finding {
    Finding::error("", format!("{what} is not a readable tar: {err}"), FIX_SAVE)
}

/// Applies one layer (tar or tar+gzip, told apart by the gzip magic bytes)
/// to `tree`: its whiteouts first, then its entries.
pub fn apply_layer(
    tree: &mut Tree,
    blob: &[u8],
    digest: &str,
    budget: &mut u64,
) -> Result<(), Finding> {
    let what = format!("layer {digest}");
    let first = *budget == MAX_UNPACKED_BYTES;
    if blob.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Err(Finding::error(
            "",
            format!("{what} is zstd-compressed, which this tool does not read"),
            "build or push the image with gzip or uncompressed layers (buildah push --compression-format gzip)",
        ));
    }
    let limit = budget.saturating_add(1);
    let reader: Box<dyn Read + '_> = if blob.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::GzDecoder::new(blob).take(limit))
    } else {
        Box::new(blob.take(limit))
    };
    let mut counted = Counted {
        inner: reader,
        read: 0,
    };
    let mut entries: Vec<(String, Entry)> = Vec::new();
    // Bytes a hard link names: they count against the budget as unpacked
    // ones (40 links to a 50 MB file in a 60 KB archive made 2.1 GB when
    // each copied them; the tree now shares them, and the budget still
    // counts each link as a runtime's unpacking would be asked to).
    let mut linked_bytes = 0u64;
    let mut opaque: Vec<String> = Vec::new();
    let mut whiteouts: Vec<String> = Vec::new();
    let mut failure: Option<std::io::Error> = None;
    'read: {
        let mut archive = tar::Archive::new(&mut counted);
        let iter = match archive.entries() {
            Ok(iter) => iter,
            Err(err) => {
                failure = Some(err);
                break 'read;
            }
        };
        for entry in iter {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    failure = Some(err);
                    break 'read;
                }
            };
            let path = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
            let dir = if dir.is_empty() { "/" } else { dir };
            if name == ".wh..wh..opq" {
                opaque.push(dir.to_string());
                continue;
            }
            if let Some(hidden) = name.strip_prefix(".wh.") {
                whiteouts.push(normalize(&format!("{dir}/{hidden}")));
                continue;
            }
            let header = entry.header();
            let mode = header.mode().unwrap_or(0) & 0o7777;
            let uid = header.uid().unwrap_or(0);
            let gid = header.gid().unwrap_or(0);
            let kind_type = header.entry_type();
            let kind = if kind_type.is_dir() {
                Kind::Dir
            } else if kind_type.is_symlink() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
                    .unwrap_or_default();
                Kind::Symlink(target)
            } else if kind_type.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|b| normalize(&String::from_utf8_lossy(&b)))
                    .unwrap_or_default();
                let linked = entries
                    .iter()
                    .rev()
                    .find(|(p, _)| *p == target)
                    .map(|(_, e)| &e.kind)
                    .or_else(|| tree.get(&target).map(|e| &e.kind));
                if let Some(Kind::File(data)) = linked {
                    linked_bytes = linked_bytes.saturating_add(data.len() as u64);
                    // stop copying as soon as the links alone pass the
                    // budget; with the layer's own bytes it is checked below
                    if linked_bytes > *budget {
                        return Err(too_large(&what, first));
                    }
                }
                linked.cloned().unwrap_or(Kind::Other)
            } else if kind_type.is_file() || kind_type.is_contiguous() {
                let mut data = Vec::new();
                if path.starts_with(&format!("{KEEP_DATA_UNDER}/"))
                    && let Err(err) = entry.read_to_end(&mut data)
                {
                    failure = Some(err);
                    break 'read;
                }
                Kind::File(data.into())
            } else if kind_type.is_pax_global_extensions() {
                continue;
            } else {
                Kind::Other
            };
            entries.push((
                path,
                Entry {
                    kind,
                    mode,
                    uid,
                    gid,
                },
            ));
        }
    }
    let unpacked = counted.read.saturating_add(linked_bytes);
    if unpacked > *budget {
        return Err(too_large(&what, first));
    }
    if let Some(err) = failure {
        return Err(not_a_tar(&what, &err));
    }
    *budget -= unpacked;
    for dir in opaque {
        tree.clear_dir(&dir);
    }
    for path in whiteouts {
        tree.remove_all(&path);
    }
    for (path, entry) in entries {
        if path == "/" {
            continue;
        }
        if !matches!(entry.kind, Kind::Dir) {
            // A file replacing a directory hides what the directory held.
            tree.remove_all(&path);
        }
        tree.insert(&path, entry);
    }
    Ok(())
}

/// The budget ran out in `what`; `first` when no earlier layer used any
/// of it (otherwise the total is what is too large, not this layer: a
/// layer listed 200 times is small alone).
fn too_large(what: &str, first: bool) -> Finding {
    let problem = if first {
        format!(
            "{what} unpacks to more than {} MiB",
            MAX_UNPACKED_BYTES >> 20
        )
    } else {
        format!(
            "the image's layers unpack to more than {} MiB in all (the total passed it in {what}; a layer listed again counts again)",
            MAX_UNPACKED_BYTES >> 20
        )
    };
    Finding::error(
        "",
        problem,
        "keep the provider image to its data (/lls-provider); a provider image needs no base image",
    )
}

/// Counts the bytes read through it (the layer's unpacked size).
struct Counted<R> {
    inner: R,
    read: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
