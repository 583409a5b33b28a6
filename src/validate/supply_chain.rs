//! Supply-chain rules over an LLSD's external providers, as a cluster
//! administrator sets them (the Kubewarden policy's settings
//! `allowedRegistries`, `requireDigest`, `maxProviders`).
//!
//! Walks the untyped document, so that it reports alongside the LLSD's
//! validation even when that finds the LLSD invalid. Images the validation
//! cannot parse are left to its report.

use super::rules;
use crate::diagnostic::{Diagnostic, index};
use crate::json::mistyped;
use crate::limits::MAX_PROVIDERS_LIMIT;
use crate::llsd::{EXTERNAL_PROVIDERS_PATH, EXTERNAL_PROVIDERS_POINTER};
use oci_spec::distribution::Reference;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The rules; the defaults restrict nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SupplyChainRules {
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

impl SupplyChainRules {
    /// The rules' field names, as users write them.
    pub const FIELDS: &'static [&'static str] =
        &["allowedRegistries", "requireDigest", "maxProviders"];

    /// Reads the rules' fields of `settings` (a mapping; other keys are not
    /// looked at), pushing every problem, each naming its field. An empty
    /// value means the default.
    pub fn read_fields(settings: &Value, problems: &mut Vec<Diagnostic>) -> SupplyChainRules {
        let mut rules = SupplyChainRules::default();
        let field = |key: &str| settings.get(key).filter(|value| !value.is_null());
        if let Some(value) = field("allowedRegistries") {
            rules.allowed_registries = allowed_registries(value, problems);
        }
        match field("requireDigest") {
            None => {}
            Some(Value::Bool(b)) => rules.require_digest = *b,
            Some(other) => problems.push(mistyped(
                "requireDigest",
                "true or false",
                other,
                "write `requireDigest: true` to require provider images pinned by @sha256: digest",
            )),
        }
        if let Some(value) = field("maxProviders") {
            rules.max_providers = max_providers(value, problems);
        }
        rules
    }
}

/// Every supply-chain violation of `llsd`, in document order.
pub fn check(llsd: &Value, rules: &SupplyChainRules) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    let Some(sections) = llsd
        .pointer(EXTERNAL_PROVIDERS_POINTER)
        .and_then(Value::as_object)
    else {
        return problems;
    };
    // Without registry or digest rules no image needs parsing.
    let image_rules = !rules.allowed_registries.is_empty() || rules.require_digest;
    let mut count = 0usize;
    for (section, items) in sections {
        let Some(items) = items.as_array() else {
            continue;
        };
        count += items.len();
        if !image_rules {
            continue;
        }
        for (i, item) in items.iter().enumerate() {
            let Some(image) = item.get("image").and_then(Value::as_str) else {
                continue;
            };
            let path = format!("{EXTERNAL_PROVIDERS_PATH}.{section}[{i}].image");
            let Ok(reference) = rules::image_reference(image) else {
                continue;
            };
            if !rules.allowed_registries.is_empty()
                && !registry_allowed(&reference, &rules.allowed_registries)
            {
                problems.push(Diagnostic::error(
                    &path,
                    format!(
                        "'{image}' comes from registry '{}', which the policy's allowedRegistries ({}) does not list",
                        reference.registry(),
                        rules.allowed_registries.join(", ")
                    ),
                    "push the provider image to an allowed registry and reference it there, \
                     or ask the cluster administrator to add its registry to allowedRegistries",
                ));
            }
            if rules.require_digest && !pinned_by_sha256(&reference) {
                problems.push(Diagnostic::error(
                    &path,
                    format!("'{image}' is not pinned by a sha256 digest, which the policy's requireDigest demands"),
                    format!(
                        "reference the image as {}/{}@sha256:<64 hex digits>; `crane digest {image}` or \
                         `skopeo inspect docker://{image}` prints the digest",
                        reference.registry(),
                        reference.repository()
                    ),
                ));
            }
        }
    }
    if let Some(max) = rules.max_providers
        && count as u64 > max
    {
        problems.push(Diagnostic::error(
                EXTERNAL_PROVIDERS_PATH,
                format!("lists {count} providers; the policy's maxProviders allows at most {max}"),
                "remove providers this distribution does not need, or ask the cluster administrator to raise maxProviders",
            ));
    }
    problems
}

fn allowed_registries(value: &Value, problems: &mut Vec<Diagnostic>) -> Vec<String> {
    let Value::Array(items) = value else {
        problems.push(mistyped(
            "allowedRegistries",
            "a list of registries",
            value,
            "write it as a list, e.g. [quay.io, registry.example.com/llama-providers]",
        ));
        return Vec::new();
    };
    let mut registries = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let path = index("allowedRegistries", i);
        match item.as_str() {
            None => problems.push(mistyped(
                &path,
                "a string",
                item,
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
                other => format!("is {}", super::type_name(other)),
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
pub fn registry_allowed(reference: &Reference, allowed: &[String]) -> bool {
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
pub fn pinned_by_sha256(reference: &Reference) -> bool {
    reference.digest().is_some_and(|d| d.starts_with("sha256:"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn llsd(images: &[&str]) -> Value {
        let items: Vec<Value> = images
            .iter()
            .enumerate()
            .map(|(i, image)| json!({"providerId": format!("p{i}"), "image": image}))
            .collect();
        json!({"spec": {"server": {"externalProviders": {"inference": items}}}})
    }

    #[test]
    fn no_settings_no_problems() {
        assert!(
            check(
                &llsd(&["docker.io/x/y:1", "z"]),
                &SupplyChainRules::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn every_rule_reports_with_the_image_path() {
        let settings = SupplyChainRules {
            allowed_registries: vec!["quay.io".into()],
            require_digest: true,
            max_providers: Some(1),
        };
        let digest = format!("quay.io/org/b@sha256:{}", "b".repeat(64));
        let problems = check(
            &llsd(&["docker.io/org/a:1", &digest, "NOT VALID"]),
            &settings,
        );
        let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "spec.server.externalProviders.inference[0].image",
                "spec.server.externalProviders.inference[0].image",
                "spec.server.externalProviders",
            ]
        );
        assert!(problems[0].problem.contains("registry 'docker.io'"));
        assert!(problems[1].fix.contains("docker.io/org/a@sha256:"));
        assert!(problems[2].problem.contains("lists 3 providers"));
    }

    #[test]
    fn registries_match_by_host_and_path_prefix() {
        let allowed = vec![
            "quay.io".to_string(),
            "registry.example.com/llama-providers".to_string(),
            "index.docker.io/library".to_string(),
        ];
        let ok = |image: &str| registry_allowed(&rules::image_reference(image).unwrap(), &allowed);
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
        assert!(pinned_by_sha256(&rules::image_reference(&pinned).unwrap()));
        assert!(!pinned_by_sha256(
            &rules::image_reference("r.io/a:1").unwrap()
        ));
        let sha512 = format!("r.io/a@sha512:{}", "a".repeat(128));
        assert!(!pinned_by_sha256(&rules::image_reference(&sha512).unwrap()));
    }
}
