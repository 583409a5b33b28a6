//! What a provider image is checked for: the server's platform
//! (`--platform linux/arm64`: which image of an index is read, which wheel
//! platform tags fit) and its Python (`--python 3.12`: the wheel tags that
//! CPython accepts there and the PEP 508 marker environment its
//! requirements are evaluated in).

use crate::diagnostic::Diagnostic;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use std::collections::HashSet;

/// The newest glibc the manylinux tags are generated for (`manylinux_2_N`);
/// the server images run glibc 2.28 to 2.39, and a newer tag is reported as
/// not fitting rather than guessed.
const NEWEST_GLIBC_MINOR: u32 = 39;

/// The server's platform: the nodes a pod with the image runs on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Platform {
    /// `linux/amd64` (wheels for `x86_64`), the default.
    #[default]
    LinuxAmd64,
    /// `linux/arm64` (wheels for `aarch64`).
    LinuxArm64,
}

impl Platform {
    /// Every platform, in the order they are named.
    pub const ALL: [Platform; 2] = [Platform::LinuxAmd64, Platform::LinuxArm64];

    /// Reads `linux/amd64` or `linux/arm64` (also `linux/arm64/v8`), as OCI
    /// indexes and `--platform` flags name them. The error is the sentence
    /// to print.
    pub fn parse(text: &str) -> Result<Platform, String> {
        match text.trim() {
            "linux/amd64" => Ok(Platform::LinuxAmd64),
            "linux/arm64" | "linux/arm64/v8" => Ok(Platform::LinuxArm64),
            other => Err(format!(
                "--platform '{other}' is not a platform Llama Stack servers run on: use linux/amd64 or linux/arm64"
            )),
        }
    }

    /// `linux/arm64`: the name an OCI index gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "linux/amd64",
            Platform::LinuxArm64 => "linux/arm64",
        }
    }

    /// `arm64`: an OCI platform's `architecture`.
    pub fn architecture(self) -> &'static str {
        &self.as_str()["linux/".len()..]
    }

    /// `aarch64`: the machine in wheel platform tags and `platform_machine`.
    pub fn machine(self) -> &'static str {
        match self {
            Platform::LinuxAmd64 => "x86_64",
            Platform::LinuxArm64 => "aarch64",
        }
    }

    /// Whether a wheel's platform tag runs here (any Python).
    pub fn fits(self, tag: &str) -> bool {
        let machine = self.machine();
        tag == "any"
            || tag.strip_prefix("linux_") == Some(machine)
            || (tag.starts_with("manylinux")
                && tag
                    .strip_suffix(machine)
                    .is_some_and(|rest| rest.ends_with('_')))
    }
}

impl std::fmt::Display for Platform {
    /// `linux aarch64`, as the findings say it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "linux {}", self.machine())
    }
}

/// What an image is checked for: the platform always, the Python when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The server's platform (`--platform`).
    pub platform: Platform,
    /// The server's CPython (`--python`), when given.
    pub python: Option<TargetPython>,
}

impl Target {
    /// The target of optional request fields (the playground's `python`
    /// and `platform`): blank is the default; every bad one is its field's
    /// diagnostic.
    pub fn parse_fields(
        python: Option<&str>,
        platform: Option<&str>,
    ) -> Result<Target, Vec<Diagnostic>> {
        fn given(text: Option<&str>) -> Option<&str> {
            text.map(str::trim).filter(|t| !t.is_empty())
        }
        let python = given(python)
            .map(TargetPython::parse)
            .transpose()
            .map_err(|message| {
                Diagnostic::error(
                    "python",
                    message,
                    "give the server's Python as 3.12, or leave it empty",
                )
            });
        let platform = given(platform)
            .map(Platform::parse)
            .transpose()
            .map_err(|message| {
                Diagnostic::error(
                    "platform",
                    message,
                    "give the nodes' platform as linux/amd64 or linux/arm64, or leave it empty",
                )
            });
        match (python, platform) {
            (Ok(python), Ok(platform)) => Ok(Target {
                platform: platform.unwrap_or_default(),
                python,
            }),
            (python, platform) => Err(python.err().into_iter().chain(platform.err()).collect()),
        }
    }
}

/// CPython `3.minor` (on the [`Target`]'s platform).
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

    /// `3.12`.
    pub fn version(&self) -> String {
        format!("3.{}", self.minor)
    }

    /// Every `python-abi-platform` tag this CPython accepts on `platform`,
    /// in the form [`crate::wheel::WheelName::is_compatible`] compares.
    pub fn supported_tags(&self, platform: Platform) -> HashSet<String> {
        let machine = platform.machine();
        let mut platforms: Vec<String> = vec![
            format!("linux_{machine}"),
            format!("manylinux2014_{machine}"),
        ];
        if platform == Platform::LinuxAmd64 {
            // the legacy aliases were only ever defined for x86 (PEP 513, 571)
            platforms.push("manylinux1_x86_64".into());
            platforms.push("manylinux2010_x86_64".into());
        }
        platforms.extend((5..=NEWEST_GLIBC_MINOR).map(|n| format!("manylinux_2_{n}_{machine}")));
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

    /// The marker environment of CPython 3.minor on `platform`.
    pub fn markers(&self, platform: Platform) -> MarkerEnvironment {
        let version = self.version();
        let full = format!("{version}.0");
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: "cpython",
            implementation_version: &full,
            os_name: "posix",
            platform_machine: platform.machine(),
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
        let tags = TargetPython::parse("3.12")
            .unwrap()
            .supported_tags(Platform::LinuxAmd64);
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
        assert!(Platform::LinuxAmd64.fits("manylinux_2_17_x86_64"));
        assert!(!Platform::LinuxAmd64.fits("win_amd64"));
        assert!(!Platform::LinuxAmd64.fits("manylinux_2_17_aarch64"));
    }

    #[test]
    fn request_fields_are_read_with_every_problem_named() {
        let target = Target::parse_fields(Some(" 3.13 "), Some("linux/arm64")).unwrap();
        assert_eq!(target.platform, Platform::LinuxArm64);
        assert_eq!(target.python.map(|p| p.minor), Some(13));
        assert_eq!(Target::parse_fields(Some(""), None), Ok(Target::default()));
        let problems = Target::parse_fields(Some("2.7"), Some("windows/amd64")).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(fields, ["python", "platform"]);
    }

    #[test]
    fn arm64_takes_aarch64_wheels_and_markers() {
        let arm = Platform::parse("linux/arm64").unwrap();
        assert_eq!(Platform::parse("linux/arm64/v8"), Ok(arm));
        assert_eq!((arm.as_str(), arm.architecture()), ("linux/arm64", "arm64"));
        assert_eq!(arm.to_string(), "linux aarch64");
        let err = Platform::parse("linux/s390x").unwrap_err();
        assert!(err.contains("use linux/amd64 or linux/arm64"), "{err}");
        let tags = TargetPython::parse("3.12").unwrap().supported_tags(arm);
        let fits = |name: &str| WheelName::parse(name).unwrap().is_compatible(&tags);
        assert!(fits(
            "a-1-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
        ));
        assert!(fits("a-1-py3-none-any.whl"));
        assert!(!fits("a-1-cp312-cp312-manylinux_2_17_x86_64.whl"));
        assert!(!fits("a-1-cp312-cp312-manylinux1_aarch64.whl"));
        assert!(arm.fits("linux_aarch64") && arm.fits("manylinux_2_28_aarch64"));
        assert!(!arm.fits("manylinux_2_28_x86_64") && !arm.fits("musllinux_1_2_aarch64"));
        let env = TargetPython::parse("3.12").unwrap().markers(arm);
        let r = crate::wheel::parse_requirement("x; platform_machine == 'aarch64'").unwrap();
        assert!(r.evaluate_markers(&env, &[]));
    }

    #[test]
    fn markers_are_those_of_linux_x86_64() {
        let env = TargetPython::parse("3.12")
            .unwrap()
            .markers(Platform::LinuxAmd64);
        let r = crate::wheel::parse_requirement("x; python_version < '3.12'").unwrap();
        assert!(!r.evaluate_markers(&env, &[]));
        let r = crate::wheel::parse_requirement("x; sys_platform == 'linux'").unwrap();
        assert!(r.evaluate_markers(&env, &[]));
    }
}
