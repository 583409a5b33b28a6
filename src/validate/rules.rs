//! Checks of single values: each returns the problem and the fix.

use crate::contract::install_container;
use crate::limits::{MAX_CONFIG_KEY_CHARS, MAX_PROVIDER_ID_LEN};
use oci_spec::distribution::{ParseError, Reference};

// The reference grammar without the regex engine (see reference.rs).
mod reference;

/// What is wrong with a value, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong, naming the value; becomes [`Diagnostic::problem`](crate::diagnostic::Diagnostic::problem).
    pub problem: String,
    /// How to fix it; becomes [`Diagnostic::fix`](crate::diagnostic::Diagnostic::fix).
    pub fix: String,
}

impl Problem {
    /// The problem and its fix in one sentence: `PROBLEM; fix: FIX`.
    pub fn sentence(&self) -> String {
        format!("{}; fix: {}", self.problem, self.fix)
    }
}

fn problem(problem: impl Into<String>, fix: impl Into<String>) -> Problem {
    Problem {
        problem: problem.into(),
        fix: fix.into(),
    }
}

/// A run.yaml API key (`vector_io`); the LLSD section name (`vectorIo`) and
/// near misses get a fix naming the key meant.
pub fn run_yaml_api(key: &str) -> Result<(), Problem> {
    if crate::api::by_run_yaml_key(key).is_some() {
        return Ok(());
    }
    let fix = match crate::api::by_crd_field(key) {
        Some(known) => format!(
            "use the run.yaml key `{}`; `{}` is the LLSD section name",
            known.run_yaml_key, known.crd_field
        ),
        None => {
            let keys: Vec<&str> = crate::api::APIS.iter().map(|a| a.run_yaml_key).collect();
            match super::fields::closest(key, &keys) {
                Some(suggestion) => format!(
                    "did you mean `{suggestion}`? Known APIs: {}",
                    crate::api::run_yaml_key_list()
                ),
                None => format!("use one of: {}", crate::api::run_yaml_key_list()),
            }
        }
    };
    Err(problem(
        format!("'{key}' is not a Llama Stack API this project knows"),
        fix,
    ))
}

/// A providerId: a DNS-1123 label of at most 46 characters, so that
/// `install-provider-{id}` is a valid container name.
pub fn provider_id(id: &str) -> Result<(), Problem> {
    let shown = crate::diagnostic::printable(id, false);
    if id.len() > MAX_PROVIDER_ID_LEN {
        return Err(problem(
            format!(
                "'{shown}' is {} characters long; at most {MAX_PROVIDER_ID_LEN} are allowed",
                id.len()
            ),
            format!(
                "shorten it: the init container `{}` must fit Kubernetes' 63-character name limit",
                install_container("<id>")
            ),
        ));
    }
    if !is_dns_label(id) {
        let suggestion = dns_label_suggestion(id);
        let fix = if suggestion.is_empty() {
            "use lowercase letters, digits and '-', starting and ending with a letter or digit"
                .to_string()
        } else {
            format!(
                "use lowercase letters, digits and '-', starting and ending with a letter or digit, e.g. '{suggestion}'"
            )
        };
        return Err(problem(format!("'{shown}' is not a DNS-1123 label"), fix));
    }
    Ok(())
}

/// Whether `s` has a DNS-1123 label's characters: lowercase letters,
/// digits and '-', starting and ending with a letter or digit (its length
/// is the caller's rule).
fn is_dns_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    let alphanumeric =
        |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    bytes
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && alphanumeric(bytes.first())
        && alphanumeric(bytes.last())
}

const NAME_CHARACTERS: &str =
    "lowercase letters, digits and '-', starting and ending with a letter or digit";

/// A Kubernetes namespace: a DNS-1123 label of at most 63 characters.
pub fn namespace(value: &str) -> Result<(), Problem> {
    if value.len() <= 63 && is_dns_label(value) {
        return Ok(());
    }
    Err(problem(
        format!(
            "'{}' is not a Kubernetes namespace",
            crate::diagnostic::printable(value, false)
        ),
        format!("a namespace is at most 63 {NAME_CHARACTERS}; `kubectl get namespaces` lists them"),
    ))
}

/// The name of a Kubernetes object such as an LLSD or a Deployment: a
/// DNS-1123 subdomain (labels joined by '.', at most 253 characters).
pub fn object_name(value: &str) -> Result<(), Problem> {
    if value.len() <= 253 && value.split('.').all(is_dns_label) {
        return Ok(());
    }
    Err(problem(
        format!(
            "'{}' is not a Kubernetes object name",
            crate::diagnostic::printable(value, false)
        ),
        format!(
            "a name is at most 253 {NAME_CHARACTERS}, and '.'; `kubectl get llsd -A` lists the LlamaStackDistributions"
        ),
    ))
}

/// A namespace given as a command-line argument: the value, or the problem
/// and its fix in one sentence (what clap prints). Checked before any
/// kubectl or API call, so that it can never read as an option.
pub fn namespace_argument(value: &str) -> Result<String, String> {
    namespace(value)
        .map(|()| value.to_string())
        .map_err(|p| p.sentence())
}

/// An object name given as a command-line argument (see [`namespace_argument`]).
pub fn object_name_argument(value: &str) -> Result<String, String> {
    object_name(value)
        .map(|()| value.to_string())
        .map_err(|p| p.sentence())
}

fn dns_label_suggestion(id: &str) -> String {
    let mapped: String = super::fields::ascii_lowercase(id)
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                c
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = mapped.trim_matches('-');
    trimmed
        .chars()
        .take(MAX_PROVIDER_ID_LEN)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// A container image reference: `[registry/]repository[:tag][@digest]`.
pub fn image_reference(image: &str) -> Result<Reference, Problem> {
    let example =
        "write it as registry.example.com/org/provider:1.0 or …/provider@sha256:<64 hex digits>";
    if image.trim() != image {
        return Err(problem(
            format!("'{image}' has leading or trailing whitespace"),
            "remove the whitespace around the image reference",
        ));
    }
    if let Some((_, digest)) = image.split_once('@') {
        let (algorithm, hex) = digest.split_once(':').unwrap_or((digest, ""));
        let expected = match algorithm {
            "sha256" => 64,
            "sha384" => 96,
            "sha512" => 128,
            _ => 0,
        };
        if expected == 0 || hex.len() != expected || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(problem(
                format!("'{image}' has an invalid digest '{digest}'"),
                "pin the image as …@sha256:<64 hex digits>, e.g. the digest `crane digest` or `skopeo inspect` prints",
            ));
        }
    }
    reference::parse(image).map_err(|err| {
        let what = match err {
            ParseError::NameContainsUppercase => "repository names must be lowercase".to_string(),
            ParseError::DigestInvalidLength => "the digest has the wrong length".to_string(),
            ParseError::DigestUnsupported => {
                "the digest algorithm is not sha256, sha384 or sha512".to_string()
            }
            ParseError::DigestInvalidFormat => "the digest is malformed".to_string(),
            ParseError::NameTooLong => {
                "the repository name is longer than 255 characters".to_string()
            }
            ParseError::TagInvalidFormat => "the tag is malformed".to_string(),
            ParseError::NameEmpty => "it is empty".to_string(),
            ParseError::ReferenceInvalidFormat if image.chars().any(|c| c.is_ascii_uppercase()) => {
                "it contains uppercase letters, which repository names may not".to_string()
            }
            ParseError::ReferenceInvalidFormat => {
                "it does not follow the image reference grammar".to_string()
            }
        };
        problem(
            format!("'{image}' is not a valid image reference: {what}"),
            example,
        )
    })
}

/// An importable Python module path: dotted identifiers, none a keyword.
pub fn python_module(name: &str) -> Result<(), Problem> {
    const KEYWORDS: &[&str] = &[
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    let fix = "use the importable module path of the provider package, e.g. my_org.custom_vllm \
               (letters, digits and '_', dot-separated, not starting with a digit)";
    for part in name.split('.') {
        let mut chars = part.chars();
        let valid_start = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_start || !valid_rest {
            let why = if part.is_empty() {
                "has an empty component".to_string()
            } else {
                format!("component '{part}' is not a Python identifier")
            };
            return Err(problem(
                format!("'{name}' is not an importable Python module path: {why}"),
                fix,
            ));
        }
        if KEYWORDS.contains(&part) {
            return Err(problem(
                format!(
                    "'{name}' is not an importable Python module path: '{part}' is a Python keyword"
                ),
                fix,
            ));
        }
    }
    Ok(())
}

/// A provider type as llama-stack spells it: `remote::name` or `inline::name`,
/// where name may hold `_`, `-`, `.` and further `::` parts
/// (`inline::sqlite_vec`, `remote::hf::endpoint`).
pub fn provider_type(value: &str) -> Result<(), Problem> {
    let fix = "write it as remote::<name> or inline::<name>, e.g. remote::custom-vllm, \
               inline::sqlite_vec or remote::hf::endpoint";
    let mut parts = value.split("::");
    let kind = parts.next().unwrap_or_default();
    if kind != "remote" && kind != "inline" {
        return Err(problem(
            format!("'{value}' must start with 'remote::' or 'inline::'"),
            fix,
        ));
    }
    let names: Vec<&str> = parts.collect();
    if names.is_empty() {
        return Err(problem(
            format!("'{value}' has no provider name after '{kind}'"),
            fix,
        ));
    }
    for name in names {
        let mut chars = name.chars();
        let valid_start = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        let valid_rest = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !valid_start || !valid_rest {
            return Err(problem(
                format!(
                    "'{value}' has an invalid name part '{name}': names use letters, digits, '_', '-' and '.', starting with a letter or digit"
                ),
                fix,
            ));
        }
    }
    Ok(())
}

/// An entry's optional `config`: a mapping whose values can be carried
/// ([`config_value`], at most 10 reported), every problem pushed to `c`.
/// `becomes` (what the config is for) goes in the fix for a config that is
/// not a mapping.
pub(super) fn check_config(
    c: &mut super::fields::Collector,
    entry: &serde_json::Map<String, serde_json::Value>,
    path: &str,
    becomes: &str,
) {
    let Some(config) = entry.get("config") else {
        return;
    };
    let at = crate::diagnostic::field(path, "config");
    if !config.is_object() {
        let fix = format!("write config as `key: value` pairs ({becomes}), or remove it");
        c.mistyped(&at, "a mapping", config, &fix);
    }
    for (at, p) in config_value(config, &at, 10) {
        c.error(&at, p.problem, p.fix);
    }
}

/// What of a provider `config` cannot be carried into run.yaml exactly
/// (docs/contracts.md, "Values carried into run.yaml"): a key longer
/// than [`MAX_CONFIG_KEY_CHARS`]. Every string (control characters, NEL,
/// line separators included) and every JSON number is carried exactly;
/// infinities, NaN and integers beyond 64 bits are refused when the YAML
/// is read ([`crate::yaml_input::load_documents`]), as JSON cannot hold them.
/// Returns the field path and problem of at most `limit` offenders.
pub fn config_value(value: &serde_json::Value, path: &str, limit: usize) -> Vec<(String, Problem)> {
    use serde_json::Value;
    let mut found = Vec::new();
    // Explicit stack: depth is bounded by the readers, but stay iterative.
    let mut stack: Vec<(String, &Value)> = vec![(path.to_string(), value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, inner) in map.iter().rev() {
                    let chars = key.chars().count();
                    if chars > MAX_CONFIG_KEY_CHARS && found.len() < limit {
                        let start: String = key.chars().take(20).collect();
                        found.push((
                            path.clone(),
                            problem(
                                format!(
                                    "has a key of {chars} characters ('{}…'); at most {MAX_CONFIG_KEY_CHARS} are allowed",
                                    start.escape_debug()
                                ),
                                "shorten the key; run.yaml keys are configuration names, and YAML readers refuse keys over 1024 characters",
                            ),
                        ));
                    }
                    // only containers hold keys to check: scalars need no path
                    if inner.is_object() || inner.is_array() {
                        stack.push((crate::diagnostic::field(&path, key), inner));
                    }
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate().rev() {
                    if inner.is_object() || inner.is_array() {
                        stack.push((crate::diagnostic::index(&path, i), inner));
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// A wheel path inside the image, relative to `/lls-provider`:
/// `packages/<name>-<version>-<python>-<abi>-<platform>.whl`.
pub fn wheel_path(path: &str) -> Result<(), Problem> {
    let fix =
        "give the path relative to /lls-provider, e.g. packages/my_provider-1.0.0-py3-none-any.whl";
    if path.starts_with('/') {
        return Err(problem(format!("'{path}' is absolute"), fix));
    }
    if path
        .split('/')
        .any(|part| part == ".." || part == "." || part.is_empty())
    {
        return Err(problem(
            format!(
                "'{path}' has an empty, '.' or '..' component; wheels must stay inside /lls-provider/packages"
            ),
            fix,
        ));
    }
    if !path.starts_with("packages/") {
        return Err(problem(format!("'{path}' is not under packages/"), fix));
    }
    let file = path.rsplit('/').next().unwrap_or(path);
    let Some(stem) = file.strip_suffix(".whl") else {
        return Err(problem(format!("'{path}' is not a .whl file"), fix));
    };
    let fields = stem.split('-').count();
    if !(5..=6).contains(&fields) || stem.split('-').any(str::is_empty) {
        return Err(problem(
            format!(
                "'{file}' is not a wheel file name (name-version[-build]-python-abi-platform.whl)"
            ),
            "use the file name `pip wheel` produced, unchanged",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_names_and_namespaces() {
        for ok in ["a", "llsd-1", "my.llsd", "a.b-c.d", &"a".repeat(253)] {
            assert_eq!(object_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-n",
            "--server=https://x",
            "A",
            "a..b",
            ".a",
            "a.",
            "a_b",
            &"a".repeat(254),
        ] {
            assert!(object_name(bad).is_err(), "{bad}");
        }
        for ok in ["default", "kube-system", &"a".repeat(63)] {
            assert_eq!(namespace(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-nkube-system", "a.b", "A", &"a".repeat(64)] {
            assert!(namespace(bad).is_err(), "{bad}");
        }
        let problem = object_name("a\u{1b}[2J").unwrap_err().problem;
        assert!(!problem.contains('\u{1b}'), "{problem}");
    }

    #[test]
    fn provider_ids() {
        for ok in ["a", "custom-vllm", "x1", "1x", &"a".repeat(46)] {
            assert!(provider_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "Custom",
            "a_b",
            "a.b",
            "a b",
            "ä",
            &"a".repeat(47),
        ] {
            assert!(provider_id(bad).is_err(), "{bad}");
        }
        let err = provider_id("Custom_VLLM").unwrap_err();
        assert!(err.fix.contains("'custom-vllm'"), "{}", err.fix);
        assert!(
            provider_id(&"a".repeat(47))
                .unwrap_err()
                .problem
                .contains("47 characters")
        );
    }

    #[test]
    fn image_references() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for ok in [
            "nginx".to_string(),
            "quay.io/org/p:1.0".to_string(),
            "localhost:5000/p".to_string(),
            format!("registry.example.com/org/p@{digest}"),
            format!("registry.example.com/org/p:1.0@{digest}"),
        ] {
            assert!(image_reference(&ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "Quay.io/Org/P",
            "p:",
            "p@sha256:abc",
            "p::1",
            " p",
            "p:tag with space",
            "p@md5:abcd",
        ] {
            assert!(image_reference(bad).is_err(), "{bad}");
        }
        assert!(
            image_reference("quay.io/Org/p")
                .unwrap_err()
                .problem
                .contains("uppercase")
        );
        assert!(
            image_reference("p@sha256:abc")
                .unwrap_err()
                .problem
                .contains("invalid digest 'sha256:abc'")
        );
    }

    #[test]
    fn python_modules() {
        for ok in ["custom_vllm", "my_org.custom_vllm", "_private.x1"] {
            assert!(python_module(ok).is_ok(), "{ok}");
        }
        for bad in ["", "my-org", "1abc", "a..b", "a.", "my_org.class", "a b"] {
            assert!(python_module(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn provider_types_accept_what_real_providers_use() {
        for ok in [
            "remote::custom-vllm",
            "inline::sqlite_vec",
            "remote::trustyai_lmeval",
            "remote::hf::endpoint",
            "inline::meta-reference",
            "remote::model-context-protocol",
            "remote::vllm",
        ] {
            assert!(provider_type(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "vllm",
            "remote",
            "remote::",
            "remote:vllm",
            "cloud::vllm",
            "remote::a b",
            "remote::hf::",
            "remote::-x",
            "REMOTE::x",
            "remote::x;rm -rf",
        ] {
            assert!(provider_type(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wheel_paths() {
        for ok in [
            "packages/custom_vllm-1.0.0-py3-none-any.whl",
            "packages/deps/httpx-0.27.0-1-py3-none-any.whl",
        ] {
            assert!(wheel_path(ok).is_ok(), "{ok}");
        }
        for bad in [
            "/lls-provider/packages/a-1-py3-none-any.whl",
            "packages/../etc/a-1-py3-none-any.whl",
            "wheels/a-1-py3-none-any.whl",
            "packages/a-1.tar.gz",
            "packages/a.whl",
            "packages//a-1-py3-none-any.whl",
        ] {
            assert!(wheel_path(bad).is_err(), "{bad}");
        }
    }
}
