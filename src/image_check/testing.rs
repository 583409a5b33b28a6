//! Test builders: wheels (zip), a good provider tree, OCI archives (tar).
#![cfg(any(test, feature = "testing"))]

use super::tree::{Entry, Kind, Tree};
use sha2::{Digest, Sha256};
use std::io::Write;

/// A wheel holding `files` and a METADATA with `requires`.
pub fn wheel(name: &str, version: &str, files: &[&str], requires: &[&str]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        zip.start_file(*file, options).unwrap();
        zip.write_all(b"# module\n").unwrap();
    }
    let mut metadata = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        metadata.push_str(&format!("Requires-Dist: {r}\n"));
    }
    let dist = format!("{}-{version}.dist-info", name.replace('-', "_"));
    zip.start_file(format!("{dist}/METADATA"), options).unwrap();
    zip.write_all(metadata.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

pub const SPEC: &str = r"apiVersion: llamastack.io/v1alpha1
kind: ProviderPackage
metadata: {name: acme, version: 1.0.0, vendor: Acme}
spec:
  packageName: acme_provider
  providerType: remote::acme
  api: inference
  wheelPath: packages/acme_provider-1.0.0-py3-none-any.whl
  dependencyWheels: [packages/helper-2.0-py3-none-any.whl]
";

/// A provider image that passes every check.
pub fn good_tree() -> Tree {
    let mut t = Tree::default();
    t.insert("/", Entry::dir(0o755, 0, 0));
    t.insert("/lls-provider", Entry::dir(0o755, 0, 0));
    t.insert("/lls-provider/packages", Entry::dir(0o755, 0, 0));
    t.insert(
        "/lls-provider/lls-provider-spec.yaml",
        Entry::file(SPEC, 0o644, 0, 0),
    );
    t.insert(
        "/lls-provider/packages/acme_provider-1.0.0-py3-none-any.whl",
        Entry::file(
            wheel(
                "acme-provider",
                "1.0.0",
                &["acme_provider/__init__.py"],
                &[
                    "helper>=2",
                    "llama-stack>=0.2",
                    "tomli; python_version < '3.11'",
                ],
            ),
            0o644,
            0,
            0,
        ),
    );
    t.insert(
        "/lls-provider/packages/helper-2.0-py3-none-any.whl",
        Entry::file(wheel("helper", "2.0", &["helper.py"], &[]), 0o644, 0, 0),
    );
    t
}

/// A layer tar of `tree`'s entries (paths without the leading `/`), plus
/// `extra` raw entries (whiteouts).
pub fn layer(tree: &Tree, whiteouts: &[&str]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for w in whiteouts {
        let mut h = tar::Header::new_ustar();
        h.set_size(0);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut h, w, &[][..]).unwrap();
    }
    for (path, entry) in tree.under("/") {
        if path == "/" {
            continue;
        }
        let mut h = tar::Header::new_ustar();
        h.set_mode(entry.mode);
        h.set_uid(entry.uid);
        h.set_gid(entry.gid);
        let name = path.trim_start_matches('/');
        match &entry.kind {
            Kind::Dir => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                builder
                    .append_data(&mut h, format!("{name}/"), &[][..])
                    .unwrap();
            }
            Kind::File(data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(data.len() as u64);
                builder.append_data(&mut h, name, &data[..]).unwrap();
            }
            Kind::Symlink(target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                builder.append_link(&mut h, name, target).unwrap();
            }
            Kind::Other => {}
        }
    }
    builder.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn digest(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An OCI archive with `layers` (already compressed or not) in order.
pub fn archive(layers: &[Vec<u8>]) -> Vec<u8> {
    let mut blobs = Vec::new();
    let manifest = image_blobs("amd64", layers, &mut blobs);
    write_archive(
        &format!(r#"{{"schemaVersion":2,"manifests":[{manifest}]}}"#),
        blobs,
    )
}

/// An OCI archive holding one image index, as `buildah manifest push --all
/// LIST oci-archive:FILE` writes it: index.json names the index, the index
/// names one image per `(architecture, layers)`, each with its platform.
pub fn index_archive(images: &[(&str, Vec<Vec<u8>>)]) -> Vec<u8> {
    let mut blobs = Vec::new();
    let entries: Vec<String> = images
        .iter()
        .map(|(arch, layers)| {
            let manifest = image_blobs(arch, layers, &mut blobs);
            format!(
                r#"{},"platform":{{"architecture":"{arch}","os":"linux"}}}}"#,
                manifest.trim_end_matches('}')
            )
        })
        .collect();
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{}]}}"#,
        entries.join(",")
    );
    let descriptor = format!(
        r#"{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:{}","size":{}}}"#,
        digest(index.as_bytes()),
        index.len()
    );
    blobs.push((digest(index.as_bytes()), index.into_bytes()));
    write_archive(
        &format!(r#"{{"schemaVersion":2,"manifests":[{descriptor}]}}"#),
        blobs,
    )
}

/// The config, manifest and layer blobs of one image (into `blobs`); its
/// manifest's descriptor.
fn image_blobs(arch: &str, layers: &[Vec<u8>], blobs: &mut Vec<(String, Vec<u8>)>) -> String {
    let config = format!(
        r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}}}}"#
    )
    .into_bytes();
    let layer_json: Vec<String> = layers
        .iter()
        .map(|l| {
            let media = if l.starts_with(&[0x1f, 0x8b]) {
                "application/vnd.oci.image.layer.v1.tar+gzip"
            } else {
                "application/vnd.oci.image.layer.v1.tar"
            };
            format!(
                r#"{{"mediaType":"{media}","digest":"sha256:{}","size":{}}}"#,
                digest(l),
                l.len()
            )
        })
        .collect();
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{}","size":{}}},"layers":[{}]}}"#,
        digest(&config),
        config.len(),
        layer_json.join(",")
    );
    let descriptor = format!(
        r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{}","size":{}}}"#,
        digest(manifest.as_bytes()),
        manifest.len()
    );
    blobs.push((digest(&config), config));
    blobs.push((digest(manifest.as_bytes()), manifest.into_bytes()));
    for l in layers {
        blobs.push((digest(l), l.clone()));
    }
    descriptor
}

fn write_archive(index: &str, blobs: Vec<(String, Vec<u8>)>) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        builder.append_data(&mut h, name, data).unwrap();
    };
    add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    add("index.json", index.as_bytes());
    for (hex, data) in &blobs {
        add(&format!("blobs/sha256/{hex}"), data);
    }
    builder.into_inner().unwrap()
}
