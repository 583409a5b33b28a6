//! Wheel file names (PEP 427 / binary distribution format), their tags, and
//! core metadata (`METADATA`: Name, Version, Requires-Dist, Provides-Extra,
//! Requires-Python).

use crate::limits::{
    MAX_MARKER_TERMS, MAX_METADATA_BYTES, MAX_REQUIREMENT_BYTES, MAX_REQUIREMENT_NESTING,
    MAX_WHEEL_TAGS,
};
use pep508_rs::pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, PackageName, Requirement};
use std::collections::HashSet;
use std::str::FromStr;

/// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    /// The name as given, without a directory; compared with `spec.wheelPath`
    /// and shown in messages.
    pub file_name: String,
    /// Normalized (PEP 503: lowercase, `-` for runs of `-_.`).
    pub name: PackageName,
    /// From the file name; not checked against `METADATA`. The resolution
    /// compares this one.
    pub version: Version,
    /// Every `python-abi-platform` triple the name's compressed tag sets expand to.
    pub tags: Vec<String>,
}

impl WheelName {
    /// Takes a bare file name (no directory). A build tag is accepted and
    /// dropped; the error text names the file.
    pub fn parse(file_name: &str) -> Result<WheelName, String> {
        let stem = file_name
            .strip_suffix(".whl")
            .ok_or_else(|| format!("'{file_name}' is not a wheel file name (no .whl suffix)"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) {
            return Err(format!(
                "'{file_name}' is not a wheel file name (expected name-version[-build]-python-abi-platform.whl)"
            ));
        }
        let name = PackageName::from_str(parts[0])
            .map_err(|err| format!("'{file_name}': invalid distribution name: {err}"))?;
        let version = Version::from_str(parts[1])
            .map_err(|err| format!("'{file_name}': invalid version: {err}"))?;
        let n = parts.len();
        let combinations = parts[n - 3..].iter().fold(1usize, |product, part| {
            product.saturating_mul(part.split('.').count())
        });
        if combinations > MAX_WHEEL_TAGS {
            return Err(format!(
                "'{}': its compressed tag sets expand to {combinations} python-abi-platform tags; at most {MAX_WHEEL_TAGS} are read",
                crate::diagnostic::printable(file_name, false)
            ));
        }
        let mut tags = Vec::new();
        for python in parts[n - 3].split('.') {
            for abi in parts[n - 2].split('.') {
                for platform in parts[n - 1].split('.') {
                    tags.push(format!("{python}-{abi}-{platform}"));
                }
            }
        }
        Ok(WheelName {
            file_name: file_name.to_string(),
            name,
            version,
            tags,
        })
    }

    /// Whether one of the wheel's tags is among `supported`.
    pub fn is_compatible(&self, supported: &HashSet<String>) -> bool {
        self.tags.iter().any(|tag| supported.contains(tag))
    }

    /// Refuses `METADATA` that describes another distribution than the file
    /// name (pip refuses such a wheel: its `Name` or `Version` decide what
    /// the server's `importlib.metadata` reports).
    pub fn check_metadata(&self, metadata: &CoreMetadata) -> Result<(), String> {
        if metadata.name != self.name || metadata.version != self.version {
            return Err(format!(
                "its METADATA describes {} {}, but its file name {} {}; pip refuses such a wheel",
                metadata.name, metadata.version, self.name, self.version
            ));
        }
        Ok(())
    }

    /// The tag triples as written in the file name, for messages.
    pub fn tag_text(&self) -> String {
        let stem = self.file_name.trim_end_matches(".whl");
        let parts: Vec<&str> = stem.split('-').collect();
        parts[parts.len().saturating_sub(3)..].join("-")
    }
}

/// The wheel's one top-level `.dist-info` directory, from its member
/// names. Refuses none, and several: another distribution's metadata in a
/// wheel (`PyYAML-1.0.dist-info`) would make `importlib.metadata` in the
/// server report that distribution at this wheel's word. The error reads
/// after the wheel's name.
pub fn dist_info_dir<'a>(members: impl IntoIterator<Item = &'a str>) -> Result<&'a str, String> {
    let mut dirs: Vec<&str> = members
        .into_iter()
        .filter_map(|member| member.split_once('/').map(|(top, _)| top))
        .filter(|top| top.ends_with(".dist-info"))
        .collect();
    dirs.sort_unstable();
    dirs.dedup();
    match dirs.as_slice() {
        [one] => Ok(one),
        [] => Err("has no .dist-info directory".to_string()),
        several => Err(format!(
            "carries the metadata of {} distributions ({}); a wheel holds its own only",
            several.len(),
            crate::diagnostic::printable(&several.join(", "), false)
        )),
    }
}

/// A wheel's `NAME.dist-info/METADATA`: its member name and text — the one
/// reader of the installer and check-image. The problem names the member,
/// not the wheel (the caller names it).
pub fn read_metadata<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
) -> Result<(String, String), String> {
    use std::io::Read;
    let member = zip
        .file_names()
        .find(|f| {
            f.strip_suffix(".dist-info/METADATA")
                .is_some_and(|dir| !dir.contains('/'))
        })
        .map(str::to_string)
        .ok_or_else(|| "it has no NAME.dist-info/METADATA".to_string())?;
    let entry = zip
        .by_name(&member)
        .map_err(|err| format!("{member}: {err}"))?;
    let mut text = String::new();
    entry
        .take(MAX_METADATA_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|err| format!("{member}: {err}"))?;
    if text.len() as u64 > MAX_METADATA_BYTES {
        return Err(format!(
            "{member}: is over {} MiB; a wheel's METADATA is a few kilobytes",
            MAX_METADATA_BYTES >> 20
        ));
    }
    Ok((member, text))
}

/// The fields of a distribution's core metadata the resolution needs.
#[derive(Debug, Clone, PartialEq)]
pub struct CoreMetadata {
    /// `Name`, normalized like [`WheelName::name`].
    pub name: PackageName,
    /// `Version`; used in messages (`required by {name} {version}`) only,
    /// the resolution uses the file name's.
    pub version: Version,
    /// Every `Requires-Dist`, markers not evaluated (extras are
    /// `extra == "…"` markers).
    pub requires_dist: Vec<Requirement>,
    /// Every `Provides-Extra`; the resolution does not consult it.
    pub provides_extra: Vec<ExtraName>,
    /// `Requires-Python`; `None` when absent or empty.
    pub requires_python: Option<VersionSpecifiers>,
}

/// Parses `METADATA` (RFC 822 style headers; the body after the first blank
/// line is the description and is ignored).
pub fn parse_metadata(text: &str) -> Result<CoreMetadata, String> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            headers.push((key.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let field = |key: &str| {
        headers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let name = field("name").ok_or("METADATA has no Name field")?;
    let name = PackageName::from_str(name).map_err(|err| format!("METADATA Name: {err}"))?;
    let version = field("version").ok_or("METADATA has no Version field")?;
    let version = Version::from_str(version).map_err(|err| format!("METADATA Version: {err}"))?;
    let mut requires_dist = Vec::new();
    let mut provides_extra = Vec::new();
    for (key, value) in &headers {
        match key.as_str() {
            "requires-dist" => requires_dist.push(parse_requirement(value)?),
            "provides-extra" => provides_extra.push(
                ExtraName::from_str(value)
                    .map_err(|err| format!("METADATA Provides-Extra '{value}': {err}"))?,
            ),
            _ => {}
        }
    }
    let requires_python = match field("requires-python") {
        None | Some("") => None,
        Some(text) => Some(
            VersionSpecifiers::from_str(text)
                .map_err(|err| format!("METADATA Requires-Python '{text}': {err}"))?,
        ),
    };
    Ok(CoreMetadata {
        name,
        version,
        requires_dist,
        provides_extra,
        requires_python,
    })
}

/// One PEP 508 requirement (`Requires-Dist` value), refused before parsing
/// when it is larger than [`MAX_REQUIREMENT_BYTES`], has more than
/// [`MAX_MARKER_TERMS`] marker terms or nests parentheses deeper than
/// [`MAX_REQUIREMENT_NESTING`].
pub fn parse_requirement(text: &str) -> Result<Requirement, String> {
    check_requirement_size(text)?;
    check_ascii(text)?;
    check_name_end(text)?;
    Requirement::from_str(text).map_err(|err| format!("invalid requirement '{text}': {err}"))
}

fn check_requirement_size(text: &str) -> Result<(), String> {
    let shown = || {
        let head: String = text.chars().take(80).collect();
        crate::diagnostic::printable(&head, false)
    };
    if text.len() > MAX_REQUIREMENT_BYTES {
        return Err(format!(
            "requirement '{}…' is {} bytes long; at most {MAX_REQUIREMENT_BYTES} are read",
            shown(),
            text.len()
        ));
    }
    let terms = marker_words(text)
        .filter(|word| matches!(*word, "and" | "or"))
        .count();
    if terms > MAX_MARKER_TERMS {
        return Err(format!(
            "requirement '{}…' joins {} marker terms with and/or; at most {MAX_MARKER_TERMS} are read",
            shown(),
            terms + 1
        ));
    }
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for c in text.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_REQUIREMENT_NESTING {
        return Err(format!(
            "requirement '{}…' nests parentheses {deepest} deep; at most {MAX_REQUIREMENT_NESTING} are read",
            shown()
        ));
    }
    Ok(())
}

/// pep508_rs 0.9.2 measures a token after a marker expression in
/// characters and slices the text in bytes, so a non-ASCII character there
/// panics (found by the `requirement` fuzz target). Requirements are ASCII —
/// names, versions, operators and the marker values a Linux server has — so
/// any other character is refused before parsing.
fn check_ascii(text: &str) -> Result<(), String> {
    match text.char_indices().find(|(_, c)| !c.is_ascii()) {
        None => Ok(()),
        Some((at, c)) => Err(format!(
            "invalid requirement '{}': it holds the non-ASCII character {} at byte {at}; a requirement is ASCII (names, versions and marker values)",
            crate::diagnostic::printable(&text.chars().take(80).collect::<String>(), false),
            c.escape_unicode()
        )),
    }
}

/// pep508_rs 0.9.2 panics (`PackageName` / `ExtraName` validation should
/// match PEP 508 parsing) on a name or extra ending in `.`, `-` or `_`
/// followed by anything — `x-;`, `x- >=1`, `x[a.,b]` — found by the
/// `requirement` fuzz target; such a name is refused here first, as PEP 508
/// refuses it.
fn check_name_end(text: &str) -> Result<(), String> {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let rest = text.trim_start();
    let name_end = rest.find(|c| !is_name_char(c)).unwrap_or(rest.len());
    let mut names = vec![("package name", &rest[..name_end])];
    if let Some(extras) = rest[name_end..].trim_start().strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or_default();
        for extra in extras.split(',') {
            let extra = extra.trim_start();
            let end = extra.find(|c| !is_name_char(c)).unwrap_or(extra.len());
            names.push(("extra", &extra[..end]));
        }
    }
    for (what, name) in names {
        if let Some(last @ ('.' | '-' | '_')) = name.chars().last() {
            return Err(format!(
                "invalid requirement '{}': the {what} '{name}' ends with '{last}'; a name ends with a letter or digit",
                crate::diagnostic::printable(&text.chars().take(80).collect::<String>(), false),
            ));
        }
    }
    Ok(())
}

/// The words of a requirement outside its quoted strings, as PEP 508's
/// tokenizer sees them: `extra=="e0"or extra=="e1"` has the word `or`
/// though no space precedes it.
fn marker_words(text: &str) -> impl Iterator<Item = &str> {
    let mut quote = None;
    text.split(move |c: char| match quote {
        Some(open) => {
            if c == open {
                quote = None;
            }
            true
        }
        None => {
            if c == '"' || c == '\'' {
                quote = Some(c);
            }
            !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        }
    })
    .filter(|word| !word.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_with_compressed_tags_and_build_numbers() {
        let w = WheelName::parse("Foo_Bar-1.0.post1-1-py2.py3-none-any.whl").unwrap();
        assert_eq!(w.name.as_ref(), "foo-bar");
        assert_eq!(w.version.to_string(), "1.0.post1");
        assert_eq!(w.tags, ["py2-none-any", "py3-none-any"]);
        assert_eq!(w.tag_text(), "py2.py3-none-any");
        let w = WheelName::parse(
            "numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        )
        .unwrap();
        assert_eq!(w.tags.len(), 2);
        let supported: HashSet<String> = ["cp312-cp312-manylinux_2_17_x86_64".to_string()].into();
        assert!(w.is_compatible(&supported));
        assert!(WheelName::parse("x-1.0.tar.gz").is_err());
        assert!(WheelName::parse("x-1.0-py3.whl").is_err());
    }

    /// Issue #24 items 2 and 3: requirements whose parsing would take
    /// hundreds of MB or overflow the stack are refused before parsing, in
    /// well under a millisecond, with the bound named.
    #[test]
    fn oversized_requirements_are_refused_before_parsing() {
        let terms = |n: usize| {
            let ors: Vec<String> = (0..n).map(|i| format!("extra == \"e{i}\"")).collect();
            format!("x; {}", ors.join(" or "))
        };
        assert!(parse_requirement(&terms(MAX_MARKER_TERMS + 1)).is_ok());
        let error = parse_requirement(&terms(MAX_MARKER_TERMS + 2)).unwrap_err();
        assert!(
            error.contains("joins 66 marker terms with and/or; at most 64"),
            "{error}"
        );
        let error = parse_requirement(&terms(10_000)).unwrap_err();
        assert!(
            error.contains("bytes long; at most 4096 are read"),
            "{error}"
        );
        let nested =
            |n: usize| format!("x; {}python_version > '3'{}", "(".repeat(n), ")".repeat(n));
        assert!(parse_requirement(&nested(MAX_REQUIREMENT_NESTING)).is_ok());
        let error = parse_requirement(&nested(MAX_REQUIREMENT_NESTING + 1)).unwrap_err();
        assert!(
            error.contains("nests parentheses 33 deep; at most 32"),
            "{error}"
        );
        // the 5,000 levels exceed the length bound; 2,000 fit in it
        // and are refused by the depth bound
        assert!(
            parse_requirement(&nested(5_000))
                .unwrap_err()
                .contains("bytes long")
        );
        assert!(
            parse_requirement(&nested(2_000))
                .unwrap_err()
                .contains("nests parentheses 2000 deep")
        );
        // PEP 508 needs no space before `or` after a quoted value; words
        // inside quotes are not terms
        let tight: Vec<String> = (0..200).map(|i| format!("extra==\"e{i}\"")).collect();
        let error = parse_requirement(&format!("x;{}", tight.join("or "))).unwrap_err();
        assert!(error.contains("joins 200 marker terms"), "{error}");
        assert!(parse_requirement("x; extra == 'a or b and c' or extra == \"or\"").is_ok());
        assert_eq!(
            marker_words("x;extra==\"e0\"or(os_name!='and')").collect::<Vec<_>>(),
            ["x", "extra", "or", "os_name"]
        );
        // names pep508_rs 0.9.2 would panic on
        for text in ["x; extra == 'e0'\u{fffd}", "x; os_name == 'a'or'\u{e9}'"] {
            let error = parse_requirement(text).unwrap_err();
            assert!(error.contains("non-ASCII character"), "{error}");
        }
        for text in [
            "x-;",
            "x- >=1",
            "0-;",
            "  a_b. [e]",
            "x.@ file:///x",
            "C0[K3,Z..",
            "x [ a_ ]",
        ] {
            let error = parse_requirement(text).unwrap_err();
            assert!(
                error.contains("a name ends with a letter or digit"),
                "{error}"
            );
        }
        assert!(parse_requirement("x-y.z_1>=1").is_ok());
        assert!(parse_requirement("-x").is_err());
        // the value is shown escaped and cut
        let error = parse_requirement(&format!("\u{1b}[2J{}", "a".repeat(5000))).unwrap_err();
        assert!(!error.contains('\u{1b}') && error.len() < 200, "{error}");
    }

    #[test]
    fn tag_expansion_is_bounded_and_metadata_must_match_the_name() {
        let dots = |n: usize| vec!["x"; n].join(".");
        let ok = format!("a-1.0-{}-{}-{}.whl", dots(8), dots(8), dots(4));
        assert_eq!(WheelName::parse(&ok).unwrap().tags.len(), 256);
        let bad = format!("a-1.0-{}-{}-{}.whl", dots(201), dots(201), dots(201));
        let error = WheelName::parse(&bad).unwrap_err();
        assert!(
            error.ends_with("expand to 8120601 python-abi-platform tags; at most 256 are read"),
            "{error}"
        );
        let name = WheelName::parse("prov_pa-1.0-py3-none-any.whl").unwrap();
        let metadata = |text: &str| parse_metadata(text).unwrap();
        assert!(
            name.check_metadata(&metadata("Name: Prov.PA\nVersion: 1.0\n"))
                .is_ok()
        );
        let error = name
            .check_metadata(&metadata("Name: PyYAML\nVersion: 1.0\n"))
            .unwrap_err();
        assert_eq!(
            error,
            "its METADATA describes pyyaml 1.0, but its file name prov-pa 1.0; pip refuses such a wheel"
        );
        assert!(
            name.check_metadata(&metadata("Name: prov-pa\nVersion: 2.0\n"))
                .is_err()
        );
    }

    #[test]
    fn metadata_fields_and_continuation_lines() {
        let m = parse_metadata(
            "Metadata-Version: 2.1\nName: Alpha_Provider\nVersion: 1.0.0\n\
             Requires-Python: >=3.10\nRequires-Dist: shared==1.0\n\
             Requires-Dist: extra-lib>=2; extra == \"fast\"\nProvides-Extra: fast\n\
             Summary: a long\n  summary\n\nRequires-Dist: not-a-header\n",
        )
        .unwrap();
        assert_eq!(m.name.as_ref(), "alpha-provider");
        assert_eq!(m.requires_dist.len(), 2);
        assert_eq!(m.requires_dist[0].to_string(), "shared==1.0");
        assert_eq!(m.provides_extra[0].as_ref(), "fast");
        assert!(m.requires_python.is_some());
        assert!(parse_metadata("Name: x\n").is_err());
    }
}
