//! The Python a provider image is checked against (`--python 3.12`): the
//! wheel tags that CPython on linux x86_64 accepts and the PEP 508 marker
//! environment its requirements are evaluated in.

use crate::diagnostic::Diagnostic;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use std::collections::HashSet;

/// The newest glibc the manylinux tags are generated for (`manylinux_2_N`);
/// the server images run glibc 2.28 to 2.39, and a newer tag is reported as
/// not fitting rather than guessed.
const NEWEST_GLIBC_MINOR: u32 = 39;

/// CPython `3.minor` on linux x86_64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetPython {
    /// The minor version (12 for 3.12).
    pub minor: u32,
}

impl TargetPython {
    /// Reads `3.12` (also `3.12.4`: the patch level is ignored). The error is
    /// the sentence to print.
    pub fn parse(text: &str) -> Result<TargetPython, String> {
        let mut parts = text.trim().split('.');
        let major = parts.next();
        let minor = parts.next().and_then(|m| m.parse::<u32>().ok());
        let rest_ok = parts.all(|p| p.parse::<u32>().is_ok());
        match (major, minor) {
            (Some("3"), Some(minor)) if rest_ok && minor >= 6 => Ok(TargetPython { minor }),
            _ => Err(format!(
                "--python '{text}' is not a CPython 3 version such as 3.12"
            )),
        }
    }

    /// An optional version field (the playground's request): blank is
    /// none; a bad one is the field's diagnostic.
    pub fn parse_field(text: Option<&str>) -> Result<Option<TargetPython>, Diagnostic> {
        match text.map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => TargetPython::parse(text).map(Some).map_err(|message| {
                Diagnostic::error(
                    "python",
                    message,
                    "give the server's Python as 3.12, or leave it empty",
                )
            }),
        }
    }

    /// `3.12`.
    pub fn version(&self) -> String {
        format!("3.{}", self.minor)
    }

    /// Every `python-abi-platform` tag this CPython accepts on linux x86_64,
    /// in the form [`crate::wheel::WheelName::is_compatible`] compares.
    pub fn supported_tags(&self) -> HashSet<String> {
        let mut platforms: Vec<String> = vec![
            "linux_x86_64".into(),
            "manylinux1_x86_64".into(),
            "manylinux2010_x86_64".into(),
            "manylinux2014_x86_64".into(),
        ];
        platforms.extend((5..=NEWEST_GLIBC_MINOR).map(|n| format!("manylinux_2_{n}_x86_64")));
        let cp = format!("cp3{}", self.minor);
        let mut tags = HashSet::new();
        for platform in &platforms {
            tags.insert(format!("{cp}-{cp}-{platform}"));
            tags.insert(format!("{cp}-none-{platform}"));
            // abi3 wheels built for this or an older CPython 3.
            for older in 2..=self.minor {
                tags.insert(format!("cp3{older}-abi3-{platform}"));
            }
            tags.insert(format!("py3{}-none-{platform}", self.minor));
            tags.insert(format!("py3-none-{platform}"));
        }
        tags.insert(format!("{cp}-none-any"));
        for older in 0..=self.minor {
            tags.insert(format!("py3{older}-none-any"));
        }
        tags.insert("py3-none-any".into());
        tags
    }

    /// The marker environment of CPython 3.minor on linux x86_64.
    pub fn markers(&self) -> MarkerEnvironment {
        let version = self.version();
        let full = format!("{version}.0");
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name: "posix",
            platform_machine: "x86_64",
            platform_python_implementation: "CPython",
            platform_release: "",
            platform_system: "Linux",
            platform_version: "",
            python_full_version: &full,
            python_version: &version,
            sys_platform: "linux",
        })
        .expect("3.N and 3.N.0 are valid versions")
    }
}

/// Whether a platform tag is one a linux x86_64 server can run (any Python).
pub fn platform_fits(platform: &str) -> bool {
    platform == "any"
        || platform == "linux_x86_64"
        || (platform.starts_with("manylinux") && platform.ends_with("_x86_64"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wheel::WheelName;

    #[test]
    fn versions_and_tags() {
        assert_eq!(TargetPython::parse("3.12").unwrap().minor, 12);
        assert_eq!(TargetPython::parse("3.11.4").unwrap().minor, 11);
        for bad in ["2.7", "3", "three", "3.x", ""] {
            assert!(TargetPython::parse(bad).is_err(), "{bad}");
        }
        let tags = TargetPython::parse("3.12").unwrap().supported_tags();
        let fits = |name: &str| WheelName::parse(name).unwrap().is_compatible(&tags);
        assert!(fits("a-1-py3-none-any.whl"));
        assert!(fits(
            "a-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        ));
        assert!(fits("a-1-cp38-abi3-manylinux_2_28_x86_64.whl"));
        assert!(!fits("a-1-cp311-cp311-manylinux_2_17_x86_64.whl"));
        assert!(!fits("a-1-cp312-cp312-macosx_11_0_arm64.whl"));
        assert!(!fits("a-1-cp312-cp312-manylinux_2_17_aarch64.whl"));
        assert!(!fits("a-1-cp313-abi3-linux_x86_64.whl"));
        assert!(platform_fits("manylinux_2_17_x86_64"));
        assert!(!platform_fits("win_amd64"));
    }

    #[test]
    fn markers_are_those_of_linux_x86_64() {
        let env = TargetPython::parse("3.12").unwrap().markers();
        let r = crate::wheel::parse_requirement("x; python_version < '3.12'").unwrap();
        assert!(!r.evaluate_markers(&env, &[]));
        let r = crate::wheel::parse_requirement("x; sys_platform == 'linux'").unwrap();
        assert!(r.evaluate_markers(&env, &[]));
    }
}
