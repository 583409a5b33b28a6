//! Writing a wheel into the packages directory, as
//! `pip install --no-deps --target DIR` lays it out: the root and
//! `.data/purelib`, `.data/platlib` into DIR, `.data/scripts` into DIR/bin,
//! `.data/headers` into DIR/include/python/{name}, `.data/data` into DIR;
//! the `.dist-info` gets `INSTALLER` and a `RECORD` of what was written.
//! Console-script launchers are not generated (the server imports packages;
//! it runs no provider scripts).

use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Component, Path, PathBuf};

/// The largest file accepted inside a wheel (a safety bound on unpacking).
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// The text of the wheel's `{name}-{version}.dist-info/METADATA`.
pub fn read_metadata(wheel: &Path) -> Result<String, String> {
    let file = std::fs::File::open(wheel)
        .map_err(|err| format!("cannot read {}: {err}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|err| format!("{} is not a valid wheel (zip): {err}", wheel.display()))?;
    let name = archive
        .file_names()
        .find(|n| n.split('/').count() == 2 && n.ends_with(".dist-info/METADATA"))
        .map(str::to_string)
        .ok_or_else(|| format!("{} has no .dist-info/METADATA", wheel.display()))?;
    let mut text = String::new();
    archive
        .by_name(&name)
        .map_err(|err| format!("{}: {err}", wheel.display()))?
        .take(16 * 1024 * 1024)
        .read_to_string(&mut text)
        .map_err(|err| format!("{}: METADATA: {err}", wheel.display()))?;
    Ok(text)
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

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Unpacks `wheel` into `target`; returns the paths written, relative to `target`.
pub fn install_wheel(wheel: &Path, target: &Path) -> Result<Vec<PathBuf>, String> {
    let file = std::fs::File::open(wheel)
        .map_err(|err| format!("cannot read {}: {err}", wheel.display()))?;
    let mut archive = zip::ZipArchive::new(file)
        .map_err(|err| format!("{} is not a valid wheel (zip): {err}", wheel.display()))?;
    let dist_info = archive
        .file_names()
        .filter_map(|n| n.split_once('/').map(|(top, _)| top))
        .find(|top| top.ends_with(".dist-info"))
        .map(str::to_string)
        .ok_or_else(|| format!("{} has no .dist-info directory", wheel.display()))?;
    let stem = dist_info.trim_end_matches(".dist-info");
    let data = format!("{stem}.data");
    let project = stem.split('-').next().unwrap_or(stem).to_string();
    let mut written = Vec::new();
    let mut record = String::new();
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
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(format!(
                "{}: '{member}' is larger than 1 GiB",
                wheel.display()
            ));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut bytes)
            .map_err(|err| format!("{}: '{member}': {err}", wheel.display()))?;
        let path = target.join(&relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|err| format!("cannot create {}: {err}", parent.display()))?;
        }
        std::fs::write(&path, &bytes)
            .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
        #[cfg(unix)]
        if entry.unix_mode().is_some_and(|m| m & 0o111 != 0) || relative.starts_with("bin") {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755));
        }
        record.push_str(&format!(
            "{},sha256={},{}\n",
            record_path(&relative),
            b64url(&Sha256::digest(&bytes)),
            bytes.len()
        ));
        written.push(relative);
    }
    let installer = Path::new(&dist_info).join("INSTALLER");
    let installer_bytes = b"llsd-providers\n";
    std::fs::write(target.join(&installer), installer_bytes)
        .map_err(|err| format!("cannot write {}: {err}", target.join(&installer).display()))?;
    record.push_str(&format!(
        "{},sha256={},{}\n",
        record_path(&installer),
        b64url(&Sha256::digest(installer_bytes)),
        installer_bytes.len()
    ));
    written.push(installer);
    let record_file = Path::new(&dist_info).join("RECORD");
    record.push_str(&format!("{},,\n", record_path(&record_file)));
    std::fs::write(target.join(&record_file), record).map_err(|err| {
        format!(
            "cannot write {}: {err}",
            target.join(&record_file).display()
        )
    })?;
    written.push(record_file);
    Ok(written)
}

fn record_path(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    if text.contains(',') || text.contains('"') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_without_padding() {
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
