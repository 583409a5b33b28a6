//! Writing a wheel into the packages directory, as
//! `pip install --no-deps --target DIR` lays it out: the root and
//! `.data/purelib`, `.data/platlib` into DIR, `.data/scripts` into DIR/bin,
//! `.data/headers` into DIR/include/python/{name}, `.data/data` into DIR;
//! the `.dist-info` gets `INSTALLER` and a `RECORD` of what was written.
//! Console-script launchers are not generated (the server imports packages;
//! it runs no provider scripts).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use llsd_providers::limits::MAX_WHEEL_ENTRY_BYTES;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// The text of the wheel's METADATA (the core's reader, on the file).
pub fn read_metadata(wheel: &Path) -> Result<String, String> {
    let file = std::fs::File::open(wheel)
        .map_err(|err| format!("cannot read {}: {err}", wheel.display()))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|err| format!("is not a valid wheel (zip): {err}"))?;
    llsd_providers::wheel::read_metadata(&mut archive).map(|(_, text)| text)
}

/// Where an archive member goes under `target`; `None` for the members that
/// are rewritten (RECORD and its signatures).
fn destination(
    member: &str,
    dist_info: &str,
    data: &str,
    project: &str,
) -> Result<Option<PathBuf>, String> {
    let path = Path::new(member);
    let safe =
        path.components().all(|c| matches!(c, Component::Normal(_))) && !member.contains('\\');
    if !safe {
        return Err(format!("unsafe path '{member}' in the wheel"));
    }
    if let Some(rest) = member.strip_prefix(&format!("{dist_info}/")) {
        if matches!(rest, "RECORD" | "RECORD.jws" | "RECORD.p7s" | "INSTALLER") {
            return Ok(None);
        }
        return Ok(Some(path.to_path_buf()));
    }
    if let Some(rest) = member.strip_prefix(&format!("{data}/")) {
        let (scheme, inner) = rest.split_once('/').unwrap_or((rest, ""));
        if inner.is_empty() {
            return Err(format!(
                "'{member}': a .data entry must be inside a scheme directory"
            ));
        }
        let base: PathBuf = match scheme {
            "purelib" | "platlib" | "data" => PathBuf::new(),
            "scripts" => PathBuf::from("bin"),
            "headers" => PathBuf::from("include/python").join(project),
            other => return Err(format!("'{member}': unknown .data scheme '{other}'")),
        };
        return Ok(Some(base.join(inner)));
    }
    Ok(Some(path.to_path_buf()))
}

/// Unpacks `wheel` into `target`; returns the paths written, relative to `target`.
pub fn install_wheel(wheel: &Path, target: &Path) -> Result<Vec<PathBuf>, String> {
    install_wheel_bounded(wheel, target, MAX_WHEEL_ENTRY_BYTES)
}

/// `bytes` human-readable for the bound's messages (`1 GiB`, `1000 bytes`).
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{} GiB", bytes >> 30)
    } else {
        format!("{bytes} bytes")
    }
}

/// Streams `entry` into a new file at `path`: at most `max` bytes, counted
/// as they are inflated. Returns the SHA-256 and the length; on any error
/// the partial file is removed.
fn unpack_entry(
    entry: &mut impl Read,
    path: &Path,
    max: u64,
    declared: u64,
) -> Result<(Vec<u8>, u64), String> {
    let mut out = std::fs::File::create(path)
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let mut limited = entry.take(max + 1);
    let result = loop {
        let n = match limited.read(&mut buffer) {
            Ok(0) => break Ok(()),
            Ok(n) => n,
            Err(err) => break Err(format!("cannot be inflated: {err}")),
        };
        total += n as u64;
        if total > max {
            break Err(format!(
                "inflates to more than {} (its zip header declares {}); at most {} is unpacked per file",
                size_text(max),
                size_text(declared),
                size_text(max)
            ));
        }
        hasher.update(&buffer[..n]);
        if let Err(err) = out.write_all(&buffer[..n]) {
            break Err(format!("cannot write {}: {err}", path.display()));
        }
    };
    match result {
        Ok(()) => Ok((hasher.finalize().to_vec(), total)),
        Err(problem) => {
            drop(out);
            let _ = std::fs::remove_file(path);
            Err(problem)
        }
    }
}

/// [`install_wheel`] with another per-file bound: the fuzz target uses a
/// small one, so that lying zip headers are tried against it at fuzzing
/// speed.
pub fn install_wheel_bounded(
    wheel: &Path,
    target: &Path,
    max_entry: u64,
) -> Result<Vec<PathBuf>, String> {
    let file = std::fs::File::open(wheel)
        .map_err(|err| format!("cannot read {}: {err}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|err| format!("{} is not a valid wheel (zip): {err}", wheel.display()))?;
    let dist_info = llsd_providers::wheel::dist_info_dir(archive.file_names())
        .map_err(|problem| format!("{} {problem}", wheel.display()))?
        .to_string();
    let stem = dist_info.trim_end_matches(".dist-info");
    let data = format!("{stem}.data");
    let project = stem.split('-').next().unwrap_or(stem).to_string();
    let mut written = Vec::new();
    let mut record = Record::default();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|err| format!("{}: {err}", wheel.display()))?;
        if entry.is_dir() {
            continue;
        }
        let member = entry.name().to_string();
        let Some(relative) = destination(&member, &dist_info, &data, &project)
            .map_err(|err| format!("{}: {err}", wheel.display()))?
        else {
            continue;
        };
        if entry.size() > max_entry {
            return Err(format!(
                "{}: '{member}' is larger than {} (its zip header declares {}); at most {} is unpacked per file",
                wheel.display(),
                size_text(max_entry),
                size_text(entry.size()),
                size_text(max_entry)
            ));
        }
        let path = target.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        let declared = entry.size();
        let (digest, length) = unpack_entry(&mut entry, &path, max_entry, declared)
            .map_err(|problem| format!("{}: '{member}' {problem}", wheel.display()))?;
        #[cfg(unix)]
        if entry.unix_mode().is_some_and(|m| m & 0o111 != 0) || relative.starts_with("bin") {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        }
        record.file(&relative, &digest, length);
        written.push(relative);
    }
    let installer = Path::new(&dist_info).join("INSTALLER");
    let installer_bytes = b"llsd-providers\n";
    std::fs::write(target.join(&installer), installer_bytes)
        .map_err(|err| format!("cannot write {}: {err}", target.join(&installer).display()))?;
    record.file(
        &installer,
        &Sha256::digest(installer_bytes),
        installer_bytes.len() as u64,
    );
    written.push(installer);
    let record_file = Path::new(&dist_info).join("RECORD");
    record.row([record_path(&record_file), String::new(), String::new()]);
    std::fs::write(target.join(&record_file), record.rows).map_err(|err| {
        format!(
            "cannot write {}: {err}",
            target.join(&record_file).display()
        )
    })?;
    written.push(record_file);
    Ok(written)
}

/// A `RECORD` (PEP 376): CSV rows `path,sha256=<urlsafe b64>,size`, written
/// as Python's csv module writes them (a path holding a comma, a quote or a
/// line break is quoted), one row per line.
#[derive(Default)]
struct Record {
    rows: Vec<u8>,
}

impl Record {
    fn file(&mut self, path: &Path, digest: &[u8], size: u64) {
        self.row([
            record_path(path),
            format!("sha256={}", URL_SAFE_NO_PAD.encode(digest)),
            size.to_string(),
        ]);
    }

    fn row(&mut self, fields: [String; 3]) {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(&mut self.rows);
        // writing to memory cannot fail
        let _ = writer.write_record(&fields);
        let _ = writer.flush();
    }
}

/// A path as RECORD names it: relative, with `/`.
fn record_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deflated entry of `size` zero bytes in a wheel whose zip headers
    /// (local and central) declare `declared` bytes instead.
    fn lying_wheel(dir: &Path, size: usize, declared: u32) -> PathBuf {
        let path = dir.join("liar-1.0-py3-none-any.whl");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("liar-1.0.dist-info/METADATA", deflated)
            .unwrap();
        zip.write_all(b"Metadata-Version: 2.1\nName: liar\nVersion: 1.0\n")
            .unwrap();
        zip.start_file("liar/big.bin", deflated).unwrap();
        zip.write_all(&vec![0u8; size]).unwrap();
        zip.finish().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let size = (size as u32).to_le_bytes();
        // every header that declares the real size gets the lie (local file
        // header: uncompressed size at +22; central directory: at +24)
        for (signature, offset) in [(0x04034b50u32, 22), (0x02014b50u32, 24)] {
            let sig = signature.to_le_bytes();
            let starts: Vec<usize> = (0..bytes.len() - 4)
                .filter(|&i| bytes[i..i + 4] == sig)
                .collect();
            for start in starts {
                let field = start + offset;
                if bytes[field..field + 4] == size {
                    bytes[field..field + 4].copy_from_slice(&declared.to_le_bytes());
                }
            }
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Issue #24 item 1: the bound holds on the bytes inflated, whatever the
    /// header says, and what was written of the entry is removed.
    #[test]
    fn an_entry_is_bounded_by_what_it_inflates_to_not_by_its_header() {
        let dir = tempfile::tempdir().unwrap();
        let wheel = lying_wheel(dir.path(), 100_000, 1_000);
        let target = dir.path().join("target");
        let error = install_wheel_bounded(&wheel, &target, 10_000).unwrap_err();
        assert!(
            error.ends_with(
                "'liar/big.bin' inflates to more than 10000 bytes (its zip header declares 1000 bytes); at most 10000 bytes is unpacked per file"
            ),
            "{error}"
        );
        assert!(!target.join("liar/big.bin").exists());
        // an honest header over the bound is refused before anything is read
        let honest = lying_wheel(dir.path(), 100_000, 100_000);
        let error = install_wheel_bounded(&honest, &target, 10_000).unwrap_err();
        assert!(
            error.contains("'liar/big.bin' is larger than 10000 bytes"),
            "{error}"
        );
        // within the bound it is written whole, RECORD with the real size
        let written = install_wheel_bounded(&honest, &target, 100_000).unwrap();
        assert!(written.contains(&PathBuf::from("liar/big.bin")));
        assert_eq!(
            std::fs::metadata(target.join("liar/big.bin"))
                .unwrap()
                .len(),
            100_000
        );
        let record = std::fs::read_to_string(target.join("liar-1.0.dist-info/RECORD")).unwrap();
        assert!(record.contains("liar/big.bin,sha256="), "{record}");
        assert!(record.contains(",100000\n"), "{record}");
    }

    /// `dir/file_name`: a zip of `entries` (name, text), stored as given.
    fn zipped_wheel(dir: &Path, file_name: &str, entries: &[(&str, &str)]) -> PathBuf {
        let path = dir.join(file_name);
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default();
        for (name, text) in entries {
            zip.start_file(*name, options).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    /// Issue #24 item 8: a wheel that also ships another distribution's
    /// `.dist-info` (`PyYAML-1.0.dist-info`) is refused before anything is
    /// written: the server's `importlib.metadata.version('PyYAML')` would
    /// answer 1.0.
    #[test]
    fn a_foreign_dist_info_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = zipped_wheel(
            dir.path(),
            "prov-1.0-py3-none-any.whl",
            &[
                ("prov-1.0.dist-info/METADATA", "Name: prov\nVersion: 1.0\n"),
                ("prov/__init__.py", ""),
                (
                    "PyYAML-1.0.dist-info/METADATA",
                    "Name: PyYAML\nVersion: 1.0\n",
                ),
            ],
        );
        let target = dir.path().join("target");
        let error = install_wheel(&path, &target).unwrap_err();
        assert!(
            error.ends_with(
                "carries the metadata of 2 distributions (PyYAML-1.0.dist-info, prov-1.0.dist-info); a wheel holds its own only"
            ),
            "{error}"
        );
        assert!(!target.exists());
    }

    /// RECORD is CSV: a path with a line break, a comma or a quote is
    /// quoted as Python's csv module quotes it, so the file still reads
    /// back one row per file (found by the `install` fuzz target: a wheel
    /// entry named "\n" split its row in two).
    #[test]
    fn record_quotes_what_csv_quotes() {
        let dir = tempfile::tempdir().unwrap();
        let path = zipped_wheel(
            dir.path(),
            "odd-1.0-py3-none-any.whl",
            &[
                ("odd-1.0.dist-info/METADATA", "x"),
                ("odd/a\nb.py", "x"),
                ("odd/x,y.py", "x"),
                ("odd/q\"q.py", "x"),
                ("odd/plain.py", "x"),
            ],
        );
        let target = dir.path().join("target");
        install_wheel(&path, &target).unwrap();
        let record = std::fs::read(target.join("odd-1.0.dist-info/RECORD")).unwrap();
        let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(record.as_slice())
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        let paths: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(
            paths,
            [
                "odd-1.0.dist-info/METADATA",
                "odd/a\nb.py",
                "odd/x,y.py",
                "odd/q\"q.py",
                "odd/plain.py",
                "odd-1.0.dist-info/INSTALLER",
                "odd-1.0.dist-info/RECORD"
            ]
        );
        assert!(rows.iter().all(|r| r.len() == 3));
        let text = String::from_utf8(record).unwrap();
        assert!(text.contains("\n\"odd/a\nb.py\",sha256="), "{text}");
        assert!(text.contains("\nodd/plain.py,sha256="), "{text}");
        assert!(text.ends_with("odd-1.0.dist-info/RECORD,,\n"), "{text}");
    }

    /// RECORD's hashes: the engine is urlsafe base64 without padding.
    #[test]
    fn base64url_without_padding() {
        let b64url = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
        assert_eq!(b64url(b""), "");
        assert_eq!(b64url(b"f"), "Zg");
        assert_eq!(b64url(b"fo"), "Zm8");
        assert_eq!(b64url(b"foo"), "Zm9v");
        assert_eq!(b64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn destinations_follow_the_target_scheme() {
        let d = |m: &str| destination(m, "a-1.dist-info", "a-1.data", "a");
        assert_eq!(d("a/x.py").unwrap(), Some(PathBuf::from("a/x.py")));
        assert_eq!(
            d("a-1.data/purelib/b/y.py").unwrap(),
            Some(PathBuf::from("b/y.py"))
        );
        assert_eq!(
            d("a-1.data/scripts/run").unwrap(),
            Some(PathBuf::from("bin/run"))
        );
        assert_eq!(
            d("a-1.data/headers/h.h").unwrap(),
            Some(PathBuf::from("include/python/a/h.h"))
        );
        assert_eq!(d("a-1.dist-info/RECORD").unwrap(), None);
        assert!(d("../evil").is_err());
        assert!(d("/etc/passwd").is_err());
        assert!(d("a-1.data/weird/x").is_err());
    }
}
