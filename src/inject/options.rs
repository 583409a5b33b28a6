//! Injection options (the Kubewarden policy exposes them as settings).

use crate::diagnostic::Diagnostic;
use serde::{Deserialize, Serialize};

/// Image of the installer binary, sizes and resources of the injected init
/// containers, install mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InjectOptions {
    /// Image carrying this project's CLI (native or `wasmtime` + the WASI module).
    pub merge_image: String,
    /// `sizeLimit` of the shared emptyDir holding the installed packages.
    pub shared_volume_size_limit: String,
    /// Requests and memory limit of every injected init container.
    pub init_container_resources: InitContainerResources,
    /// UID the injected init containers run as (non-root).
    pub run_as_user: i64,
    /// How provider images reach the install step (docs/external-providers.md "Install modes").
    pub install_mode: InstallMode,
    /// Path of the native, statically linked `llsd-providers` inside `mergeImage`:
    /// the install step runs it in the server's own image.
    pub install_binary: String,
}

/// How provider images reach the install step. The value names are part of
/// the contract (inject option and policy setting `installMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum InstallMode {
    /// One `install-provider-{id}` init container per provider copies its
    /// `/lls-provider` tree (needs `sh` and `cp` in provider images); works
    /// on every cluster.
    #[default]
    InitContainers,
    /// Provider images and the merge image are mounted read-only as image
    /// volumes (Kubernetes 1.35+, or 1.33-1.34 with the ImageVolume gate):
    /// provider images may be data-only, and one init container does it all.
    ImageVolume,
}

/// Resources of each injected init container, as Kubernetes quantities: CPU
/// and memory requests, and a memory limit (no CPU limit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct InitContainerResources {
    /// CPU request (default `100m`).
    pub cpu_request: String,
    /// Memory request (default `256Mi`).
    pub memory_request: String,
    /// Memory limit (default `512Mi`).
    pub memory_limit: String,
}

/// A field older options had (see [`InjectOptions::removed_field`]).
pub const REMOVED_MERGE_COMMAND: &str = "mergeCommand";

/// `mergeImage` when the options do not set one: this project's CLI image.
pub const DEFAULT_MERGE_IMAGE: &str = concat!(
    "quay.io/llsd-providers/merge-config:",
    env!("CARGO_PKG_VERSION")
);
/// `installBinary` when the options do not set one: where the merge image
/// carries the static `llsd-providers`.
pub const DEFAULT_INSTALL_BINARY: &str = "/usr/local/bin/llsd-providers";

impl Default for InjectOptions {
    fn default() -> Self {
        InjectOptions {
            merge_image: DEFAULT_MERGE_IMAGE.to_string(),
            shared_volume_size_limit: "2Gi".to_string(),
            init_container_resources: InitContainerResources::default(),
            run_as_user: 1001,
            install_mode: InstallMode::default(),
            install_binary: DEFAULT_INSTALL_BINARY.to_string(),
        }
    }
}

impl Default for InitContainerResources {
    fn default() -> Self {
        InitContainerResources {
            cpu_request: "100m".to_string(),
            memory_request: "256Mi".to_string(),
            memory_limit: "512Mi".to_string(),
        }
    }
}

impl InjectOptions {
    /// What each option holds, for messages about a mistyped one (the one
    /// description every host uses).
    pub const TYPES: &'static str = "mergeImage (an image reference), \
         sharedVolumeSizeLimit (a quantity such as 2Gi), initContainerResources (cpuRequest, memoryRequest, \
         memoryLimit: quantities), runAsUser (an integer UID), installMode (initContainers or imageVolume), \
         installBinary (an absolute path); see docs/external-providers.md";

    /// The options' field names, as users write them, in the type's order
    /// (a test holds them equal to the names the type serializes with:
    /// serializing the defaults to read them at run time was 0.6 KB of the
    /// page's gzipped module).
    pub fn field_names() -> &'static [&'static str] {
        &[
            "mergeImage",
            "sharedVolumeSizeLimit",
            "initContainerResources",
            "runAsUser",
            "installMode",
            "installBinary",
        ]
    }

    /// Reads options from a document, every problem at once: a field of the
    /// wrong type or an unknown one names itself, and the well-typed fields
    /// are then value-checked together ([`InjectOptions::check`]).
    pub fn read(value: &serde_json::Value) -> Result<InjectOptions, Vec<Diagnostic>> {
        let (options, problems) = Self::read_fields(value, &[], "an injection option")?;
        if problems.is_empty() {
            Ok(options)
        } else {
            Err(problems)
        }
    }

    /// The options among the fields of `value` (a mapping), with every
    /// problem: `host_fields` are the host's own keys beside the options
    /// (the policy's settings), skipped here; any other unknown key is
    /// reported as not being `what`, with the closest known name. An empty
    /// value (`mergeImage:`, JSON `null`) means the default. `Err` only when
    /// `value` is not a mapping.
    pub fn read_fields(
        value: &serde_json::Value,
        host_fields: &[&str],
        what: &str,
    ) -> Result<(InjectOptions, Vec<Diagnostic>), Vec<Diagnostic>> {
        use serde_json::{Map, Value};
        let map = match value {
            Value::Null => return Ok((InjectOptions::default(), Vec::new())),
            Value::Object(map) => map,
            other => {
                return Err(vec![crate::json::mistyped(
                    "",
                    "a mapping",
                    other,
                    "write the options as `key: value` pairs (docs/external-providers.md), or omit them for the defaults",
                )]);
            }
        };
        let mut problems: Vec<Diagnostic> = Self::removed_field(value).into_iter().collect();
        let option_names = Self::field_names();
        // Each option alone first, so that every type error is reported; the
        // well-typed ones are then value-checked together.
        let mut typed = Map::new();
        for (key, field) in map {
            if field.is_null()
                || key == REMOVED_MERGE_COMMAND
                || host_fields.contains(&key.as_str())
            {
                continue;
            }
            if !option_names.contains(&key.as_str()) {
                problems.push(unknown_field(key, host_fields, what));
                continue;
            }
            let single = Value::Object(Map::from_iter([(key.clone(), field.clone())]));
            match serde_path_to_error::deserialize::<_, InjectOptions>(&single) {
                Ok(_) => {
                    typed.insert(key.clone(), field.clone());
                }
                Err(err) => problems.push(crate::yaml_input::type_mismatch(&err, Self::TYPES)),
            }
        }
        let options = serde_path_to_error::deserialize::<_, InjectOptions>(&Value::Object(typed))
            .unwrap_or_default();
        problems.extend(options.check());
        Ok((options, problems))
    }

    /// The error for a field that options no longer have, when `value` (the
    /// options or the policy settings) still sets one: `mergeCommand` was
    /// used by the merge-only init container, replaced by the install step
    /// (`{installBinary} install … --output …`), which merges itself.
    pub fn removed_field(value: &serde_json::Value) -> Option<Diagnostic> {
        let map = value.as_object()?;
        map.get(REMOVED_MERGE_COMMAND)?;
        let binary = map
            .get("installBinary")
            .and_then(serde_json::Value::as_str)
            .unwrap_or(DEFAULT_INSTALL_BINARY);
        Some(Diagnostic::error(
            REMOVED_MERGE_COMMAND,
            format!(
                "`mergeCommand` was removed: the merge runs inside `{binary} install` (the merge-config init container)"
            ),
            "delete the field",
        ))
    }

    /// Every problem with the options, each naming its field.
    pub fn check(&self) -> Vec<Diagnostic> {
        let mut problems = Vec::new();
        if let Err(p) = crate::validate::rules::image_reference(&self.merge_image) {
            problems.push(Diagnostic::error("mergeImage", p.problem, p.fix));
        }
        let quantities = [
            ("sharedVolumeSizeLimit", &self.shared_volume_size_limit),
            (
                "initContainerResources.cpuRequest",
                &self.init_container_resources.cpu_request,
            ),
            (
                "initContainerResources.memoryRequest",
                &self.init_container_resources.memory_request,
            ),
            (
                "initContainerResources.memoryLimit",
                &self.init_container_resources.memory_limit,
            ),
        ];
        for (field, value) in quantities {
            if !is_quantity(value) {
                problems.push(Diagnostic::error(
                    field,
                    format!("'{value}' is not a Kubernetes quantity"),
                    "write a number with an optional suffix: 100m, 0.5, 256Mi, 2Gi, 1G",
                ));
            }
        }
        let binary_ok = self.install_binary.starts_with('/')
            && !self.install_binary.ends_with('/')
            && !self.install_binary.split('/').any(|part| part == "..")
            && !self.install_binary.contains(char::is_whitespace);
        if !binary_ok {
            problems.push(Diagnostic::error(
                "installBinary",
                format!("'{}' is not an absolute file path", self.install_binary),
                "give the path of the native llsd-providers binary inside mergeImage, e.g. /usr/local/bin/llsd-providers",
            ));
        }
        if self.run_as_user <= 0 {
            problems.push(Diagnostic::error(
                "runAsUser",
                format!("{} is root or negative", self.run_as_user),
                "use a non-root UID such as 1001",
            ));
        }
        problems
    }
}

/// A key that is neither an option nor one of the host's own fields.
fn unknown_field(key: &str, host_fields: &[&str], what: &str) -> Diagnostic {
    let known: Vec<&str> = InjectOptions::field_names()
        .iter()
        .chain(host_fields)
        .copied()
        .collect();
    let fix = match crate::validate::closest(key, &known) {
        Some(name) => format!("did you mean `{name}`? Known: {}", known.join(", ")),
        None => format!("remove it; known: {}", known.join(", ")),
    };
    Diagnostic::error(key, format!("'{key}' is not {what}"), fix)
}

/// A Kubernetes resource quantity: a decimal number with an optional
/// binary (Ki…Ei), decimal (n, u, m, k, M…E) or exponent suffix.
fn is_quantity(value: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "n", "u", "m", "k", "M", "G", "T", "P", "E", "",
    ];
    let unsigned = value.strip_prefix(['+', '-']).unwrap_or(value);
    let digits_end = unsigned
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(unsigned.len());
    let (number, suffix) = unsigned.split_at(digits_end);
    let number_ok = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffix_ok = SUFFIXES.contains(&suffix)
        || suffix.strip_prefix(['e', 'E']).is_some_and(|exp| {
            let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            !exp.is_empty() && exp.chars().all(|c| c.is_ascii_digit())
        });
    number_ok && suffix_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        assert!(InjectOptions::default().check().is_empty());
    }

    #[test]
    fn quantities() {
        for ok in ["100m", "2Gi", "0.5", "1", "512Mi", "1e3", "1.5G"] {
            assert!(is_quantity(ok), "{ok}");
        }
        for bad in ["", "Gi", "2GB", "2 Gi", "1..2", "abc", "1e", "."] {
            assert!(!is_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn problems_name_their_field() {
        let options: InjectOptions = serde_json::from_value(serde_json::json!({
            "mergeImage": "Bad Image",
            "sharedVolumeSizeLimit": "2GB",
            "initContainerResources": {"memoryLimit": "lots"},
            "runAsUser": 0
        }))
        .unwrap();
        let fields: Vec<String> = options.check().into_iter().map(|d| d.path).collect();
        assert_eq!(
            fields,
            [
                "mergeImage",
                "sharedVolumeSizeLimit",
                "initContainerResources.memoryLimit",
                "runAsUser"
            ]
        );
    }

    #[test]
    fn install_modes_have_their_contract_names() {
        for (text, mode) in [
            ("initContainers", InstallMode::InitContainers),
            ("imageVolume", InstallMode::ImageVolume),
        ] {
            let options: InjectOptions =
                serde_json::from_value(serde_json::json!({ "installMode": text })).unwrap();
            assert_eq!(options.install_mode, mode);
        }
        assert_eq!(
            InjectOptions::default().install_mode,
            InstallMode::InitContainers
        );
        assert!(
            serde_json::from_value::<InjectOptions>(serde_json::json!({"installMode": "volumes"}))
                .is_err()
        );
    }

    #[test]
    fn merge_command_is_refused_as_removed() {
        let err = InjectOptions::read(&serde_json::json!({
            "mergeCommand": ["llsd-providers"],
            "installBinary": "/bin/llsd"
        }))
        .unwrap_err();
        assert_eq!(err.len(), 1);
        assert_eq!(err[0].path, "mergeCommand");
        assert_eq!(
            err[0].problem,
            "`mergeCommand` was removed: the merge runs inside `/bin/llsd install` (the merge-config init container)"
        );
        assert_eq!(err[0].fix, "delete the field");
        assert!(!InjectOptions::field_names().contains(&REMOVED_MERGE_COMMAND));
    }

    #[test]
    fn field_names_are_the_serialized_ones_in_order() {
        let value = serde_json::to_value(InjectOptions::default()).unwrap();
        let serialized: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(InjectOptions::field_names(), serialized);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let err = InjectOptions::read(&serde_json::json!({
            "mergeImg": "x",
            "runAsUser": "root",
            "sharedVolumeSizeLimit": "2GB",
            "installMode": null
        }))
        .unwrap_err();
        let paths: Vec<&str> = err.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["mergeImg", "runAsUser", "sharedVolumeSizeLimit"]);
        assert_eq!(err[0].problem, "'mergeImg' is not an injection option");
        assert!(
            err[0].fix.starts_with("did you mean `mergeImage`?"),
            "{}",
            err[0].fix
        );
    }

    #[test]
    fn host_fields_are_left_to_the_host() {
        let (options, problems) = InjectOptions::read_fields(
            &serde_json::json!({"requireDigest": true, "runAsUser": 2000}),
            &["requireDigest"],
            "a setting",
        )
        .unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(options.run_as_user, 2000);
    }

    #[test]
    fn unknown_option_fields_are_refused() {
        let err = serde_json::from_value::<InjectOptions>(serde_json::json!({"mergeImg": "x"}))
            .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `mergeImg`"),
            "{err}"
        );
    }
}
