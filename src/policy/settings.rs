//! The policy's settings: the injection options plus the supply-chain rules.
//!
//! Settings arrive as JSON from the policy-server (`validate_settings` at
//! load time, and inside every `validate` payload). They are read leniently
//! into a [`serde_json::Value`] first, so that every problem is reported at
//! once, each naming its field and saying why, instead of stopping at the
//! first serde error.

use crate::diagnostic::Diagnostic;
use crate::inject::InjectOptions;
use crate::validate::rules;
use crate::validate::type_name;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The policy's own setting keys (the others are [`InjectOptions`]' fields).
const POLICY_FIELDS: &[&str] = &["allowedRegistries", "requireDigest", "maxProviders"];

/// Largest `maxProviders` accepted: every API section at its per-section limit.
pub const MAX_PROVIDERS_LIMIT: u64 = 1024;

/// Settings of the policy. Every field is optional; the defaults are those of
/// [`Settings::default`] (no registry restriction, tags allowed, no provider
/// limit beyond the CRD's per-section one, the default injection options).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    /// Image and command of merge-config, volume size, init-container resources, UID.
    #[serde(flatten)]
    pub inject: InjectOptions,
    /// Registries (`quay.io`, `registry.example.com:5000`) or registry
    /// prefixes (`registry.example.com/llama-providers`) provider images must
    /// come from. Empty: any registry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_registries: Vec<String>,
    /// Provider images must be pinned by `@sha256:` digest.
    pub require_digest: bool,
    /// Most external providers one LLSD may list, over all sections.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_providers: Option<u64>,
}

impl Settings {
    /// Reads settings from the policy-server's JSON (`null` means defaults),
    /// reporting every problem with the field it concerns.
    pub fn parse(value: &Value) -> Result<Settings, Vec<Diagnostic>> {
        let map = match value {
            Value::Null => return Ok(Settings::default()),
            Value::Object(map) => map,
            other => {
                return Err(vec![Diagnostic::error(
                    "",
                    format!("settings must be a mapping, found {}", type_name(other)),
                    "write the settings as `key: value` pairs (see docs/kubewarden.md), or omit them for the defaults",
                )]);
            }
        };
        let mut problems: Vec<Diagnostic> =
            InjectOptions::removed_field(value).into_iter().collect();
        let mut settings = Settings::default();
        let mut inject_fields = Map::new();
        let option_names = InjectOptions::field_names();
        for (key, value) in map {
            // An empty YAML value (`mergeImage:`) means "use the default".
            if value.is_null() || key == crate::inject::REMOVED_MERGE_COMMAND {
                continue;
            }
            match key.as_str() {
                k if option_names.iter().any(|name| name == k) => {
                    inject_fields.insert(key.clone(), value.clone());
                }
                "allowedRegistries" => {
                    settings.allowed_registries = allowed_registries(value, &mut problems)
                }
                "requireDigest" => match value {
                    Value::Bool(b) => settings.require_digest = *b,
                    other => problems.push(Diagnostic::error(
                        "requireDigest",
                        format!("must be true or false, found {}", type_name(other)),
                        "write `requireDigest: true` to require provider images pinned by @sha256: digest",
                    )),
                },
                "maxProviders" => settings.max_providers = max_providers(value, &mut problems),
                other => problems.push(unknown_field(other)),
            }
        }
        // Each injection option alone first, so that every type error is
        // reported; the well-typed ones are then value-checked together.
        let mut typed = Map::new();
        for (key, value) in inject_fields {
            let single = Value::Object(Map::from_iter([(key.clone(), value.clone())]));
            match serde_path_to_error::deserialize::<_, InjectOptions>(single) {
                Ok(_) => {
                    typed.insert(key, value);
                }
                Err(err) => {
                    let path = err.path().to_string();
                    problems.push(Diagnostic::error(
                        if path == "." { key } else { path },
                        err.inner().to_string(),
                        InjectOptions::TYPES,
                    ));
                }
            }
        }
        if let Ok(options) = serde_json::from_value::<InjectOptions>(Value::Object(typed)) {
            problems.extend(options.check());
            settings.inject = options;
        }
        if problems.is_empty() {
            Ok(settings)
        } else {
            Err(problems)
        }
    }

    /// The settings as the policy-server would pass them (for tests and tools).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

fn unknown_field(key: &str) -> Diagnostic {
    let option_names = InjectOptions::field_names();
    let known: Vec<&str> = option_names
        .iter()
        .map(String::as_str)
        .chain(POLICY_FIELDS.iter().copied())
        .collect();
    let suggestion = known
        .iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&key.to_lowercase(), &k.to_lowercase()),
                *k,
            )
        })
        .filter(|(distance, _)| *distance <= 3)
        .min()
        .map(|(_, k)| k);
    let fix = match suggestion {
        Some(k) => format!("did you mean `{k}`? Settings: {}", known.join(", ")),
        None => format!("remove it; settings are: {}", known.join(", ")),
    };
    Diagnostic::error(key, format!("'{key}' is not a setting of this policy"), fix)
}

fn allowed_registries(value: &Value, problems: &mut Vec<Diagnostic>) -> Vec<String> {
    let Value::Array(items) = value else {
        problems.push(Diagnostic::error(
            "allowedRegistries",
            format!("must be a list of registries, found {}", type_name(value)),
            "write it as a list, e.g. [quay.io, registry.example.com/llama-providers]",
        ));
        return Vec::new();
    };
    let mut registries = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = format!("allowedRegistries[{i}]");
        match item.as_str() {
            None => problems.push(Diagnostic::error(
                path,
                format!("must be a string, found {}", type_name(item)),
                "write a registry host such as quay.io or a prefix such as registry.example.com/llama-providers",
            )),
            Some(entry) => match registry_entry(entry) {
                Ok(()) => registries.push(entry.to_string()),
                Err((problem, fix)) => problems.push(Diagnostic::error(path, problem, fix)),
            },
        }
    }
    registries
}

fn max_providers(value: &Value, problems: &mut Vec<Diagnostic>) -> Option<u64> {
    match value.as_u64() {
        Some(n) if (1..=MAX_PROVIDERS_LIMIT).contains(&n) => Some(n),
        _ => {
            let shown = match value {
                Value::Number(n) => format!("is {n}"),
                other => format!("is {}", type_name(other)),
            };
            problems.push(Diagnostic::error(
                "maxProviders",
                format!("{shown}, not a whole number from 1 to {MAX_PROVIDERS_LIMIT}"),
                "set the most external providers one LLSD may list, e.g. `maxProviders: 10`, or omit it for no limit",
            ));
            None
        }
    }
}

/// An `allowedRegistries` entry: `host[:port][/path…]`, no scheme, tag or digest.
fn registry_entry(entry: &str) -> Result<(), (String, String)> {
    let fix = "write a registry host (quay.io, registry.example.com:5000) or a repository prefix \
               (registry.example.com/llama-providers), without scheme, tag or digest";
    let fail = |why: &str| Err((format!("'{entry}' {why}"), fix.to_string()));
    if entry.is_empty() {
        return fail("is empty");
    }
    if entry.contains("://") {
        return fail("has a scheme; registries are matched by host name");
    }
    if entry.chars().any(|c| c.is_whitespace()) {
        return fail("contains whitespace");
    }
    if entry.contains('@') {
        return fail("has a digest; list registries, and use requireDigest to require digests");
    }
    let (host, path) = entry.split_once('/').unwrap_or((entry, ""));
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let label_ok = |label: &str| {
        !label.is_empty()
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if !name.split('.').all(label_ok) {
        return fail("does not start with a registry host name");
    }
    if host.contains(':')
        && (port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return fail("has an invalid port");
    }
    if !path.is_empty() || entry.ends_with('/') {
        let segment_ok = |s: &str| {
            !s.is_empty()
                && s.chars().all(|c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
                })
        };
        if !path.split('/').all(segment_ok) {
            return fail(
                "has an invalid repository prefix (lowercase path segments, no empty segment or trailing '/'; a ':tag' is not allowed)",
            );
        }
    }
    Ok(())
}

/// The registry docker.io is known by several names; references say `docker.io`.
fn canonical_registry(host: &str) -> String {
    let host = host.to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => {
            "docker.io".to_string()
        }
        _ => host,
    }
}

/// Whether `image` (a valid reference) comes from one of `allowed`. An entry
/// without a path matches the registry; with a path it matches that
/// repository or anything below it.
pub fn registry_allowed(reference: &oci_spec::distribution::Reference, allowed: &[String]) -> bool {
    let registry = canonical_registry(reference.registry());
    let repository = reference.repository();
    allowed.iter().any(|entry| {
        let (host, prefix) = entry.split_once('/').unwrap_or((entry, ""));
        canonical_registry(host) == registry
            && (prefix.is_empty()
                || repository == prefix
                || repository
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/')))
    })
}

/// Whether the reference is pinned by a sha256 digest.
pub fn pinned_by_sha256(reference: &oci_spec::distribution::Reference) -> bool {
    reference.digest().is_some_and(|d| d.starts_with("sha256:"))
}

/// Parses an image the core accepts; `None` when the core reports it.
pub fn reference(image: &str) -> Option<oci_spec::distribution::Reference> {
    rules::image_reference(image).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(value: Value) -> Vec<String> {
        Settings::parse(&value)
            .unwrap_err()
            .into_iter()
            .map(|d| d.path)
            .collect()
    }

    #[test]
    fn null_and_empty_settings_are_the_defaults() {
        assert_eq!(Settings::parse(&Value::Null).unwrap(), Settings::default());
        assert_eq!(Settings::parse(&json!({})).unwrap(), Settings::default());
        assert_eq!(
            Settings::parse(&json!({"mergeImage": null, "maxProviders": null})).unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn every_setting_is_read() {
        let settings = Settings::parse(&json!({
            "mergeImage": "quay.io/org/merge@sha256:".to_string() + &"a".repeat(64),
            "sharedVolumeSizeLimit": "4Gi",
            "initContainerResources": {"cpuRequest": "50m", "memoryRequest": "128Mi", "memoryLimit": "1Gi"},
            "runAsUser": 2000,
            "allowedRegistries": ["quay.io", "registry.example.com:5000/llama-providers", "docker.io/library"],
            "requireDigest": true,
            "maxProviders": 10
        }))
        .unwrap();
        assert_eq!(settings.inject.shared_volume_size_limit, "4Gi");
        assert_eq!(settings.inject.init_container_resources.memory_limit, "1Gi");
        assert_eq!(settings.inject.run_as_user, 2000);
        assert_eq!(settings.allowed_registries.len(), 3);
        assert!(settings.require_digest);
        assert_eq!(settings.max_providers, Some(10));
        // and the serialized form reads back the same
        assert_eq!(Settings::parse(&settings.to_value()).unwrap(), settings);
    }

    #[test]
    fn every_problem_names_its_field() {
        let p = paths(json!({
            "mergeImage": "Not An Image",
            "allowedRegistries": ["https://quay.io", 7, "quay.io/Org", "quay.io:x", "ok.io/"],
            "requireDigest": "yes",
            "maxProviders": 0,
            "maxProvider": 3,
            "sharedVolumeSizeLimit": "2GB",
        }));
        assert_eq!(
            p,
            [
                "allowedRegistries[0]",
                "allowedRegistries[1]",
                "allowedRegistries[2]",
                "allowedRegistries[3]",
                "allowedRegistries[4]",
                "requireDigest",
                "maxProviders",
                "maxProvider",
                "mergeImage",
                "sharedVolumeSizeLimit",
            ]
        );
    }

    #[test]
    fn type_errors_in_injection_options_carry_their_path() {
        let problems =
            Settings::parse(&json!({"initContainerResources": {"cpu": "1"}})).unwrap_err();
        assert_eq!(problems[0].path, "initContainerResources.cpu");
        assert!(
            problems[0].problem.contains("unknown field `cpu`"),
            "{}",
            problems[0].problem
        );
        let problems = Settings::parse(&json!({"mergeCommand": "llsd-providers"})).unwrap_err();
        assert_eq!(problems[0].path, "mergeCommand");
        assert!(
            problems[0]
                .problem
                .starts_with("`mergeCommand` was removed"),
            "{}",
            problems[0].problem
        );
        let problems = Settings::parse(&json!([1, 2])).unwrap_err();
        assert!(problems[0].problem.contains("must be a mapping"));
    }

    #[test]
    fn unknown_settings_suggest_the_closest() {
        let problems = Settings::parse(&json!({"allowedRegistry": ["quay.io"]})).unwrap_err();
        assert!(
            problems[0].fix.contains("did you mean `allowedRegistries`"),
            "{}",
            problems[0].fix
        );
    }

    #[test]
    fn registries_match_by_host_and_path_prefix() {
        let allowed = vec![
            "quay.io".to_string(),
            "registry.example.com/llama-providers".to_string(),
            "index.docker.io/library".to_string(),
        ];
        let ok = |image: &str| registry_allowed(&reference(image).unwrap(), &allowed);
        assert!(ok("quay.io/any/thing:1"));
        assert!(ok("registry.example.com/llama-providers/vllm:1"));
        assert!(ok("registry.example.com/llama-providers/team/vllm:1"));
        assert!(!ok("registry.example.com/llama-providers-evil/vllm:1"));
        assert!(!ok("registry.example.com/other/vllm:1"));
        assert!(
            ok("nginx:1"),
            "official images live under docker.io/library"
        );
        assert!(!ok("someone/nginx:1"));
        assert!(!ok("quay.io.evil.com/x:1"));
    }

    #[test]
    fn digests() {
        let pinned = format!("r.io/a@sha256:{}", "a".repeat(64));
        assert!(pinned_by_sha256(&reference(&pinned).unwrap()));
        assert!(!pinned_by_sha256(&reference("r.io/a:1").unwrap()));
        let sha512 = format!("r.io/a@sha512:{}", "a".repeat(128));
        assert!(!pinned_by_sha256(&reference(&sha512).unwrap()));
    }
}
