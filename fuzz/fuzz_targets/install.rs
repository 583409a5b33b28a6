//! Fuzz target `install`: the install step's reading of a provider tree and
//! unpacking of its wheels — `provider_tree::read_tree` and
//! `unpack::install_wheel_bounded`, the code the init container runs on a
//! provider image it does not trust (issue #24 items 1, 5 and 8).
//!
//! The input (through `arbitrary`) describes a tree on disk: the spec and
//! the `packages/` directory as a regular file, a directory, a FIFO, a
//! symbolic link into the tree, out of it or to `/dev/zero`, or absent; and
//! up to four wheels, each a zip built from arbitrary entries (hostile
//! names among them: `../`, absolute, `\`, `.data/<scheme>/..`, a foreign
//! `.dist-info`), optionally with bytes of the archive overwritten so that
//! its headers lie (sizes, methods, offsets), or raw bytes.
//!
//! Oracles (any failure panics, which libFuzzer reports as a crash):
//! * no panic, no hang (a FIFO is never opened: `-timeout` catches it);
//! * the tree is refused exactly when the spec, `packages/` or a `*.whl`
//!   is there but is not a regular file or directory (the spec is looked
//!   at first); when it is read, it has one wheel per regular `*.whl`;
//! * unpacking writes only inside the target (a sentinel directory beside
//!   it stays empty), only regular files and directories, never a file
//!   larger than the bound whatever the headers declare, and the paths it
//!   returns are the files it wrote;
//! * a successful unpack's RECORD lists every file written with its true
//!   SHA-256 and size;
//! * every error is one non-empty message.
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use libfuzzer_sys::fuzz_target;
use llsd_providers::install::step::{IMAGE_FILES, Step};
use llsd_providers::pipeline::CrdConfig;
use llsd_providers_fs::{provider_tree, unpack};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The per-file bound the unpack is fuzzed with (the real one is 1 GiB).
const MAX_ENTRY: u64 = 64 * 1024;

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq)]
enum Kind {
    Absent,
    File,
    Dir,
    Fifo,
    LinkInside,
    LinkOutside,
    LinkDevZero,
    LinkLoop,
}

#[derive(Arbitrary, Debug)]
enum EntryName {
    Module,
    Init,
    Metadata,
    Record,
    Installer,
    Data(u8),
    Parent,
    Absolute,
    Backslash,
    DataEscape,
    ForeignDistInfo,
    ShadowYaml,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Content {
    Bytes(Vec<u8>),
    /// `n` KiB of one byte, compressed well: large entries from small wheels.
    Repeated(u8, u16),
    Metadata(String),
}

#[derive(Arbitrary, Debug)]
struct Entry {
    name: EntryName,
    content: Content,
    deflated: bool,
    executable: bool,
}

#[derive(Arbitrary, Debug)]
struct WheelInput {
    kind: Kind,
    file_name: Option<String>,
    entries: Vec<Entry>,
    /// `(offset, byte)` written over the finished archive.
    patches: Vec<(u16, u8)>,
    raw: Option<Vec<u8>>,
}

#[derive(Arbitrary, Debug)]
struct Input {
    spec: Kind,
    spec_text: String,
    packages: Kind,
    wheels: Vec<WheelInput>,
}

const PROJECT: &str = "prov_fz";
const DIST_INFO: &str = "prov_fz-1.0.dist-info";

fn entry_name(name: &EntryName) -> String {
    match name {
        EntryName::Module => format!("{PROJECT}/provider.py"),
        EntryName::Init => format!("{PROJECT}/__init__.py"),
        EntryName::Metadata => format!("{DIST_INFO}/METADATA"),
        EntryName::Record => format!("{DIST_INFO}/RECORD"),
        EntryName::Installer => format!("{DIST_INFO}/INSTALLER"),
        EntryName::Data(scheme) => {
            let scheme = ["purelib", "platlib", "scripts", "headers", "data", "other"]
                [usize::from(*scheme) % 6];
            format!("prov_fz-1.0.data/{scheme}/x/y.py")
        }
        EntryName::Parent => "../escaped.py".to_string(),
        EntryName::Absolute => "/tmp/escaped.py".to_string(),
        EntryName::Backslash => "..\\escaped.py".to_string(),
        EntryName::DataEscape => "prov_fz-1.0.data/purelib/../../escaped.py".to_string(),
        EntryName::ForeignDistInfo => "PyYAML-1.0.dist-info/METADATA".to_string(),
        EntryName::ShadowYaml => "yaml/__init__.py".to_string(),
        EntryName::Other(name) => name.clone(),
    }
}

fn content_bytes(content: &Content) -> Vec<u8> {
    match content {
        Content::Bytes(bytes) => bytes.clone(),
        Content::Repeated(byte, kib) => vec![*byte; usize::from(*kib % 512) * 1024],
        Content::Metadata(extra) => {
            format!("Metadata-Version: 2.1\nName: prov-fz\nVersion: 1.0\n{extra}").into_bytes()
        }
    }
}

fn wheel_bytes(wheel: &WheelInput) -> Vec<u8> {
    if let Some(raw) = &wheel.raw {
        return raw.clone();
    }
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in wheel.entries.iter().take(16) {
        let method = if entry.deflated {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .unix_permissions(if entry.executable { 0o755 } else { 0o644 });
        if zip.start_file(entry_name(&entry.name), options).is_err() {
            continue;
        }
        let _ = zip.write_all(&content_bytes(&entry.content));
    }
    let mut bytes = zip.finish().map(|c| c.into_inner()).unwrap_or_default();
    for (offset, byte) in wheel.patches.iter().take(8) {
        if !bytes.is_empty() {
            let at = usize::from(*offset) % bytes.len();
            bytes[at] = *byte;
        }
    }
    bytes
}

fn mkfifo(path: &Path) {
    let path = CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
}

/// Puts `kind` at `path`; `bytes` for a regular file.
fn place(kind: Kind, path: &Path, bytes: &[u8], outside: &Path) {
    use std::os::unix::fs::symlink;
    match kind {
        Kind::Absent => {}
        Kind::File => std::fs::write(path, bytes).unwrap(),
        Kind::Dir => std::fs::create_dir(path).unwrap(),
        Kind::Fifo => mkfifo(path),
        Kind::LinkInside => {
            let sibling = path.with_extension("real");
            std::fs::write(&sibling, bytes).unwrap();
            symlink(sibling.file_name().unwrap(), path).unwrap();
        }
        Kind::LinkOutside => {
            std::fs::write(outside.join("secret"), bytes).unwrap();
            symlink(outside.join("secret"), path).unwrap();
        }
        Kind::LinkDevZero => symlink("/dev/zero", path).unwrap(),
        Kind::LinkLoop => symlink(path.file_name().unwrap(), path).unwrap(),
    }
}

/// Every path under `dir` with its bytes (`None` for a directory);
/// panics on anything but a regular file or a directory.
fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
        let relative = path.strip_prefix(base).unwrap().to_path_buf();
        if kind.is_dir() {
            out.insert(relative, None);
            walk(&path, base, out);
        } else {
            assert!(kind.is_file(), "unpack made {} a {kind:?}", path.display());
            out.insert(relative, Some(std::fs::read(&path).unwrap()));
        }
    }
}

/// `NAME.dist-info/RECORD`, which the installer writes itself.
fn is_record(path: &Path) -> bool {
    path.ends_with("RECORD")
        && path
            .parent()
            .is_some_and(|dir| dir.to_string_lossy().ends_with(".dist-info"))
}

fn check_unpack(wheel: &Path, root: &Path) {
    let target = root.join("target");
    let beside = root.join("beside");
    std::fs::create_dir_all(&target).unwrap();
    std::fs::create_dir_all(&beside).unwrap();
    let result = unpack::install_wheel_bounded(wheel, &target, MAX_ENTRY);
    assert_eq!(
        std::fs::read_dir(&beside).unwrap().count(),
        0,
        "unpack wrote outside its target"
    );
    let mut files = BTreeMap::new();
    walk(&target, &target, &mut files);
    for (path, bytes) in &files {
        if let Some(bytes) = bytes {
            assert!(
                bytes.len() as u64 <= MAX_ENTRY || is_record(path),
                "{} holds {} bytes, over the bound",
                path.display(),
                bytes.len()
            );
        }
    }
    match result {
        Err(problem) => assert!(!problem.trim().is_empty()),
        Ok(written) => {
            let on_disk: Vec<&PathBuf> = files
                .iter()
                .filter_map(|(path, bytes)| bytes.as_ref().map(|_| path))
                .collect();
            for path in &written {
                assert!(
                    path.components()
                        .all(|c| matches!(c, std::path::Component::Normal(_))),
                    "returned path {} is not inside the target",
                    path.display()
                );
                assert!(files.contains_key(path), "{} was not written", path.display());
            }
            for path in &on_disk {
                assert!(written.contains(path), "{} is not in the result", path.display());
            }
            // the installer's RECORD is the last file it writes (a wheel
            // entry elsewhere may be called RECORD too)
            let record_path = written.last().unwrap();
            assert!(
                is_record(record_path),
                "the last file written is {}",
                record_path.display()
            );
            let record = files[record_path].clone().unwrap();
            // RECORD is CSV (PEP 376): read it as a CSV reader does
            let mut listed = BTreeMap::new();
            for row in csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(record.as_slice())
                .records()
            {
                let row = row.unwrap_or_else(|err| panic!("RECORD is not CSV: {err}"));
                assert_eq!(row.len(), 3, "RECORD row {row:?}");
                listed.insert(PathBuf::from(&row[0]), format!("{},{}", &row[1], &row[2]));
            }
            let record = String::from_utf8_lossy(&record);
            for path in on_disk {
                let hash_size = &listed
                    .get(path)
                    .unwrap_or_else(|| panic!("{} is not in RECORD:\n{record}", path.display()));
                if path == record_path {
                    assert_eq!(hash_size.as_str(), ",");
                    continue;
                }
                let bytes = files[path].as_ref().unwrap();
                let expected = format!("sha256={},{}", URL_SAFE_NO_PAD.encode(Sha256::digest(bytes)), bytes.len());
                assert_eq!(hash_size, &&expected, "RECORD is wrong for {}", path.display());
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let dir = tempfile::tempdir().unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    let sources = dir.path().join("sources");
    let tree = sources.join("p1").join("lls-provider");
    std::fs::create_dir_all(&tree).unwrap();
    place(input.spec, &tree.join("lls-provider-spec.yaml"), input.spec_text.as_bytes(), &outside);
    let packages = tree.join("packages");
    // read_tree's order: the spec (refused, or missing), then `packages/`
    // and its wheels (refused, or none), then each wheel's METADATA
    let spec_refused = !matches!(input.spec, Kind::Absent | Kind::File);
    let mut refused = false;
    let mut regular_wheels = 0;
    let mut wheel_paths = Vec::new();
    match input.packages {
        Kind::Dir => {
            std::fs::create_dir(&packages).unwrap();
            for (i, wheel) in input.wheels.iter().take(4).enumerate() {
                let name = match &wheel.file_name {
                    Some(name) if !name.is_empty() && !name.contains(['/', '\0']) && name.len() < 200 => {
                        format!("{i}{name}")
                    }
                    _ => format!("prov_fz-1.{i}-py3-none-any.whl"),
                };
                let path = packages.join(&name);
                if path.exists() {
                    continue;
                }
                let is_wheel = name.ends_with(".whl");
                let bytes = wheel_bytes(wheel);
                place(wheel.kind, &path, &bytes, &outside);
                if is_wheel {
                    match wheel.kind {
                        Kind::Absent => {}
                        Kind::File => {
                            regular_wheels += 1;
                            wheel_paths.push(path);
                        }
                        _ => refused = true,
                    }
                }
            }
        }
        Kind::Absent => {}
        other => {
            place(other, &packages, b"", &outside);
            refused = true;
        }
    }
    let crd = CrdConfig {
        provider_id: "p1".to_string(),
        api: "inference".to_string(),
        image: Some("example.com/p:1".to_string()),
        config: None,
    };
    let step = Step {
        init_container: "merge-config",
    };
    let spec_present = input.spec != Kind::Absent;
    match provider_tree::read_tree(&sources, &crd, &step) {
        Ok((provider, spec)) => {
            assert!(
                !refused && !spec_refused,
                "a tree with a link, FIFO or device was read"
            );
            assert!(spec_present && regular_wheels > 0);
            assert_eq!(spec, input.spec_text.as_bytes());
            assert_eq!(provider.wheels.len(), regular_wheels);
        }
        Err(stop) => {
            let expected = if spec_refused {
                IMAGE_FILES
            } else if !spec_present {
                "Missing /lls-provider/lls-provider-spec.yaml"
            } else if refused {
                IMAGE_FILES
            } else if regular_wheels == 0 {
                "No wheels (*.whl)"
            } else {
                "Cannot read wheel"
            };
            assert!(
                stop.summary.contains(expected) || stop.details.contains(expected),
                "expected '{expected}':\n{}",
                stop.details
            );
            assert!(
                !stop.details.contains(&*outside.to_string_lossy()),
                "the message shows a path out of the tree: {}",
                stop.details
            );
        }
    }
    for (i, wheel) in wheel_paths.iter().enumerate() {
        let root = dir.path().join(format!("unpack{i}"));
        check_unpack(wheel, &root);
    }
});
