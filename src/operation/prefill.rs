//! What can be known about provider images without pulling them (the
//! playground's tabs): the providers an LLSD lists (read leniently, so that
//! tabs exist while the LLSD still has errors) and a plausible
//! `lls-provider-spec.yaml` for each.

use super::texts::tagged;
use crate::api;
use crate::diagnostic::{Input, InputDiagnostic};
use crate::llsd::EXTERNAL_PROVIDERS_POINTER;
use crate::pipeline::ProviderSource;
use crate::yaml_input::read_text;
use serde::Serialize;
use serde_json::Value;

/// One provider entry of an LLSD, as far as it can be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
pub struct ProviderEntry {
    /// The entry's `providerId`.
    pub provider_id: String,
    /// The entry's image (empty when the LLSD gives none).
    pub image: String,
    /// LLSD section (CRD field, e.g. `vectorIo`).
    pub section: String,
    /// run.yaml API key of the section (e.g. `vector_io`).
    pub api: String,
}

impl ProviderEntry {
    /// The entry of a provider the merge read.
    pub fn of(source: &ProviderSource) -> ProviderEntry {
        ProviderEntry {
            provider_id: source.provider_id.clone(),
            image: source.image.clone(),
            section: source.section.crd_field.to_string(),
            api: source.section.run_yaml_key.to_string(),
        }
    }
}

/// The entries of the LLSD `text` (see [`provider_entries`]); only
/// unreadable YAML is an error.
pub fn provider_entries_text(text: &str) -> Result<Vec<ProviderEntry>, Vec<InputDiagnostic>> {
    read_text(text, |value| Ok(provider_entries(value)))
        .map_err(|errors| tagged(Input::Llsd, errors))
}

/// Every entry of `spec.server.externalProviders` in CRD order, read from
/// the raw document: entries without a string `providerId` are skipped,
/// unknown sections too (validation reports both).
pub fn provider_entries(document: &Value) -> Vec<ProviderEntry> {
    let Some(sections) = document
        .pointer(EXTERNAL_PROVIDERS_POINTER)
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let mut entries = Vec::new();
    for api in api::APIS {
        let Some(items) = sections.get(api.crd_field).and_then(Value::as_array) else {
            continue;
        };
        for item in items {
            let Some(provider_id) = item.get("providerId").and_then(Value::as_str) else {
                continue;
            };
            entries.push(ProviderEntry {
                provider_id: provider_id.to_string(),
                image: item
                    .get("image")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                section: api.crd_field.to_string(),
                api: api.run_yaml_key.to_string(),
            });
        }
    }
    entries
}

/// Repository name and tag of an image reference
/// (`registry.example.com/org/custom-vllm:1.0.0@sha256:…` → `custom-vllm`, `1.0.0`).
fn name_and_tag(image: &str) -> (&str, Option<&str>) {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    match last.split_once(':') {
        Some((name, tag)) => (name, Some(tag)),
        None => (last, None),
    }
}

/// A version usable in a wheel file name: the tag when it looks like one.
fn version_from_tag(tag: Option<&str>) -> String {
    let tag = tag.map(|t| t.strip_prefix('v').unwrap_or(t));
    match tag {
        Some(t)
            if t.starts_with(|c: char| c.is_ascii_digit())
                && t.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') =>
        {
            t.to_string()
        }
        _ => "0.1.0".to_string(),
    }
}

/// A Python module name made from a provider id (`custom-vllm` → `custom_vllm`).
fn module_name(provider_id: &str) -> String {
    let mut module: String = provider_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !module.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        module.insert_str(0, "provider_");
    }
    module
}

/// A plausible `lls-provider-spec.yaml` for a provider the LLSD lists: the
/// API of its section, names from its id and image. A comment says that the
/// real file comes from the image.
pub fn default_spec(provider_id: &str, image: &str, section: &str) -> String {
    let api_key = api::by_crd_field(section).map_or("inference", |a| a.run_yaml_key);
    let (name, tag) = name_and_tag(image);
    let name = if name.is_empty() { provider_id } else { name };
    let version = version_from_tag(tag);
    let module = module_name(provider_id);
    let provider_name: String = provider_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let provider_name = if provider_name.is_empty() {
        "provider".to_string()
    } else {
        provider_name
    };
    format!(
        "# /lls-provider/lls-provider-spec.yaml of {image}\n\
         # A browser cannot pull images: this file is a guess from the LLSD entry.\n\
         # Paste the real one from the image (e.g. `crane export IMAGE - | tar -xO lls-provider/lls-provider-spec.yaml`).\n\
         apiVersion: llamastack.io/v1alpha1\n\
         kind: ProviderPackage\n\
         metadata:\n  name: {name}\n  version: {version}\n  vendor: Example Org\n\
         spec:\n  packageName: {module}\n  providerType: remote::{provider_name}\n  api: {api_key}\n  \
         wheelPath: packages/{module}-{version}-py3-none-any.whl\n",
        name = yaml_plain(name),
        version = yaml_plain(&version),
    )
}

/// Quotes a value unless it is a safe plain scalar.
fn yaml_plain(value: &str) -> String {
    let safe = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && value.starts_with(|c: char| c.is_ascii_alphabetic())
        && !matches!(
            value.to_ascii_lowercase().as_str(),
            "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "y" | "n"
        );
    if safe {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::validate_text;
    use serde_json::json;

    #[test]
    fn entries_come_in_crd_order_even_from_invalid_documents() {
        let doc = json!({"spec": {"server": {"externalProviders": {
            "eval": [{"providerId": "e", "image": "r/e:1"}],
            "inference": [{"providerId": "a", "image": "r/a:1"}, {"image": "no-id"}, {"providerId": "b"}],
            "bogus": [{"providerId": "x"}],
            "vectorIo": [{"providerId": "v", "image": "r/v:2"}]
        }}}});
        let ids: Vec<(String, String)> = provider_entries(&doc)
            .into_iter()
            .map(|e| (e.provider_id, e.api))
            .collect();
        assert_eq!(
            ids,
            [
                ("a".into(), "inference".into()),
                ("b".into(), "inference".into()),
                ("v".into(), "vector_io".into()),
                ("e".into(), "eval".into())
            ]
        );
        assert!(provider_entries(&json!("text")).is_empty());
    }

    #[test]
    fn prefilled_specs_are_valid_and_use_the_section_api() {
        for (id, image, section) in [
            (
                "custom-vllm",
                "registry.example.com/llama-providers/custom-vllm:1.0.0",
                "inference",
            ),
            (
                "lmeval",
                "quay.io/trustyai/lmeval@sha256:3f1c3b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a",
                "eval",
            ),
            ("9lives", "r.io/x:latest", "vectorIo"),
            ("p", "", "nonsense"),
        ] {
            let text = default_spec(id, image, section);
            let report = validate_text("spec.yaml", &text);
            assert!(report.valid, "{text}\n{}", report.render_text());
        }
        let text = default_spec("pg", "r.io/org/pgvector:v2.1.0", "vectorIo");
        assert!(text.contains("  api: vector_io\n"), "{text}");
        assert!(text.contains("  version: '2.1.0'\n"), "{text}");
        assert!(text.contains("  name: pgvector\n"), "{text}");
    }

    #[test]
    fn odd_names_are_quoted() {
        assert_eq!(yaml_plain("on"), "'on'");
        assert_eq!(yaml_plain("1.0"), "'1.0'");
        assert_eq!(yaml_plain("custom-vllm"), "custom-vllm");
    }
}
