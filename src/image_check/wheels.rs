//! The wheels: the spec's `wheelPath` and `dependencyWheels` exist, every
//! wheel in `packages/` is listed (the install step installs them all),
//! each is a readable wheel whose tags and `Requires-Python` fit the
//! server's Python.

use super::finding::Finding;
use super::python::Target;
use super::tree::{Kind, Tree};
use crate::provider_package::ProviderPackage;
use crate::wheel::{CoreMetadata, WheelName, dist_info_dir, parse_metadata, read_metadata};
use std::io::Cursor;

/// Where wheels live in the image.
pub const PACKAGES_DIR: &str = "/lls-provider/packages";

/// A wheel of the image, opened.
#[derive(Debug, Clone)]
pub struct Wheel {
    /// Its path in the image (`/lls-provider/packages/x-1.0-py3-none-any.whl`).
    pub path: String,
    /// Its parsed file name.
    pub name: WheelName,
    /// The paths inside the zip.
    pub files: Vec<String>,
    /// Its core metadata.
    pub metadata: CoreMetadata,
}

/// The absolute image path of a spec path (relative to /lls-provider).
pub fn image_path(relative: &str) -> String {
    super::tree::normalize(&format!("/lls-provider/{relative}"))
}

/// Checks the declared and shipped wheels and opens the readable ones.
pub fn check_wheels(
    tree: &Tree,
    spec: Option<&ProviderPackage>,
    target: &Target,
    findings: &mut Vec<Finding>,
) -> Vec<Wheel> {
    let shipped: Vec<String> = tree
        .children(PACKAGES_DIR)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".whl"))
        .map(|(name, _)| format!("{PACKAGES_DIR}/{name}"))
        .collect();
    if tree.resolve(PACKAGES_DIR).is_none() {
        findings.push(Finding::error(
            PACKAGES_DIR,
            "is missing",
            "COPY the provider's wheels to /lls-provider/packages/ in the Containerfile",
        ));
    } else if shipped.is_empty() {
        findings.push(Finding::error(
            PACKAGES_DIR,
            "holds no .whl file",
            "build the provider's wheel (pip wheel --no-deps -w packages .) and COPY packages/ to /lls-provider/packages/",
        ));
    }
    if let Some(spec) = spec {
        let declared: Vec<(&str, String)> =
            std::iter::once(("spec.wheelPath", &spec.spec.wheel_path))
                .chain(
                    spec.spec
                        .dependency_wheels
                        .iter()
                        .map(|w| ("spec.dependencyWheels", w)),
                )
                .map(|(field, w)| (field, image_path(w)))
                .collect();
        for (field, path) in &declared {
            if tree.resolve(path).is_none() {
                findings.push(Finding::error(
                    path.clone(),
                    format!("is missing, yet the spec's {field} names it"),
                    format!(
                        "COPY the wheel into /lls-provider/packages/ or correct {field} in lls-provider-spec.yaml (the wheels shipped: {})",
                        list(&shipped)
                    ),
                ));
            }
        }
        for path in &shipped {
            if !declared.iter().any(|(_, d)| d == path) {
                findings.push(Finding::error(
                    path.clone(),
                    "is not listed in lls-provider-spec.yaml, yet the install step installs every wheel in packages/",
                    "add it to spec.dependencyWheels, or remove it from the image",
                ));
            }
        }
    }
    let mut wheels = Vec::new();
    for path in &shipped {
        if let Some(wheel) = open_wheel(tree, path, findings) {
            check_tags(&wheel, target, findings);
            wheels.push(wheel);
        }
    }
    wheels
}

fn list(paths: &[String]) -> String {
    if paths.is_empty() {
        return "none".to_string();
    }
    paths
        .iter()
        .map(|p| p.trim_start_matches("/lls-provider/"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Opens the wheel at `path`: its name, its file list, its METADATA.
fn open_wheel(tree: &Tree, path: &str, findings: &mut Vec<Finding>) -> Option<Wheel> {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    let name = match WheelName::parse(file_name) {
        Ok(name) => name,
        Err(message) => {
            findings.push(Finding::error(
                path,
                message,
                "name the wheel as pip wheel does: name-version-python-abi-platform.whl",
            ));
            return None;
        }
    };
    let data = match tree.resolve(path).map(|(_, e)| &e.kind) {
        Some(Kind::File(data)) => data,
        _ => {
            findings.push(Finding::error(
                path,
                "is not a regular file",
                "COPY the wheel file itself into /lls-provider/packages/",
            ));
            return None;
        }
    };
    let unreadable = |err: String| {
        Finding::error(
            path,
            format!("is not a readable wheel: {err}"),
            "rebuild the wheel (pip wheel --no-deps) and COPY it again",
        )
    };
    let mut zip = match zip::ZipArchive::new(Cursor::new(&data[..])) {
        Ok(zip) => zip,
        Err(err) => {
            findings.push(unreadable(err.to_string()));
            return None;
        }
    };
    let files: Vec<String> = zip.file_names().map(str::to_string).collect();
    if let Err(problem) = dist_info_dir(files.iter().map(String::as_str)) {
        findings.push(Finding::error(
            path,
            problem,
            "build the wheel with pip wheel from the provider's own project",
        ));
        return None;
    }
    let (member, text) = match read_metadata(&mut zip) {
        Ok(read) => read,
        Err(err) => {
            findings.push(unreadable(err));
            return None;
        }
    };
    match parse_metadata(&text).and_then(|metadata| {
        name.check_metadata(&metadata)?;
        Ok(metadata)
    }) {
        Ok(metadata) => Some(Wheel {
            path: path.to_string(),
            name,
            files,
            metadata,
        }),
        Err(err) => {
            findings.push(unreadable(format!("{member}: {err}")));
            None
        }
    }
}

fn check_tags(wheel: &Wheel, target: &Target, findings: &mut Vec<Finding>) {
    let tags = wheel.name.tag_text();
    let platform = target.platform;
    match &target.python {
        Some(python) => {
            if !wheel.name.is_compatible(&python.supported_tags(platform)) {
                findings.push(Finding::error(
                    wheel.path.clone(),
                    format!(
                        "is tagged {tags}, which CPython {} on {platform} does not install",
                        python.version()
                    ),
                    format!(
                        "build the wheel with Python {} on {platform} (or as a pure-Python py3-none-any wheel)",
                        python.version()
                    ),
                ));
            }
            let full = pep508_rs::pep440_rs::Version::new([3, u64::from(python.minor), 0]);
            if let Some(requires) = &wheel.metadata.requires_python
                && !requires.contains(&full)
            {
                findings.push(Finding::error(
                        wheel.path.clone(),
                        format!(
                            "requires Python {requires} (METADATA Requires-Python), so Python {} does not install it",
                            python.version()
                        ),
                        format!(
                            "ship a version of {} that supports Python {}, or loosen requires-python in its pyproject.toml",
                            wheel.name.name,
                            python.version()
                        ),
                    ));
            }
        }
        None => {
            let fits = wheel
                .name
                .tags
                .iter()
                .any(|t| t.rsplit('-').next().is_some_and(|tag| platform.fits(tag)));
            if !fits {
                findings.push(Finding::error(
                    wheel.path.clone(),
                    format!("is tagged {tags}, for a platform other than {platform}"),
                    format!(
                        "build the wheel on {platform} (manylinux) or as a pure-Python py3-none-any wheel"
                    ),
                ));
            }
        }
    }
}
