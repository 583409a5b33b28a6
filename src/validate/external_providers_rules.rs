//! Validation of `extra-providers.yaml` (kind `ExternalProviders`): the
//! header, `providers` keyed by run.yaml API keys, and each entry exactly as
//! run.yaml has it (docs/forward-compatibility.md).

use super::fields::Collector;
use super::rules;
use super::{Checked, typed};
use crate::diagnostic::{field, index};
use crate::extra_providers::{API_VERSION, ExternalProviders, KIND};
use crate::llsd::earlier_use;
use serde_json::Value;

const TOP_FIELDS: &[&str] = &["apiVersion", "kind", "providers"];
const ENTRY_FIELDS: &[&str] = &["provider_id", "provider_type", "module", "config"];

/// Validates an extra-providers.yaml, reporting every violation with its field path.
pub fn check_external_providers(document: &Value) -> Checked<ExternalProviders> {
    let mut c = Collector::default();
    if let Some(root) = c.mapping(document, "") {
        c.unknown_fields(root, TOP_FIELDS, "");
        c.header(root, API_VERSION, KIND);
        match root.get("providers") {
            None => c.error(
                "providers",
                "is required",
                "add `providers:` with the providers by run.yaml API key (`providers: {}` when there are none)",
            ),
            Some(value) => check_providers(&mut c, value),
        }
    }
    typed(document, c)
}

fn check_providers(c: &mut Collector, value: &Value) {
    let Some(apis) = c.mapping(value, "providers") else {
        return;
    };
    let mut ids: Vec<(String, String)> = Vec::new();
    for (key, entries) in apis {
        let path = field("providers", key);
        if let Err(p) = rules::run_yaml_api(key) {
            c.error(&path, p.problem, p.fix);
        }
        let Some(items) = c.list(entries, &path) else {
            continue;
        };
        for (i, item) in items.iter().enumerate() {
            check_entry(c, item, &index(&path, i), &mut ids);
        }
    }
}

fn check_entry(c: &mut Collector, value: &Value, path: &str, ids: &mut Vec<(String, String)>) {
    let Some(entry) = c.mapping(value, path) else {
        return;
    };
    c.unknown_fields(entry, ENTRY_FIELDS, path);
    if let Some(id) = c.required_string(entry, "provider_id", path, "the LLSD's providerId") {
        if let Err(p) = rules::provider_id(id) {
            c.error(&field(path, "provider_id"), p.problem, p.fix);
        }
        ids.push((id.to_string(), path.to_string()));
        let names: Vec<&str> = ids.iter().map(|(id, _)| id.as_str()).collect();
        if let Some(first) = earlier_use(&names, names.len() - 1) {
            c.error(
                &field(path, "provider_id"),
                format!("'{id}' is used twice: by {} and by {path}", ids[first].1),
                "give each provider a unique provider_id; Llama Stack refuses a run.yaml with repeated ids",
            );
        }
    }
    if let Some(kind) = c.required_string(
        entry,
        "provider_type",
        path,
        "remote::<name> or inline::<name>",
    ) && let Err(p) = rules::provider_type(kind)
    {
        c.error(&field(path, "provider_type"), p.problem, p.fix);
    }
    if let Some(module) =
        c.required_string(entry, "module", path, "the provider's Python module path")
        && let Err(p) = rules::python_module(module)
    {
        c.error(&field(path, "module"), p.problem, p.fix);
    }
    rules::check_config(c, entry, path, "the provider's run.yaml config");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn errors(value: &Value) -> Vec<(String, String)> {
        match check_external_providers(value) {
            Ok(_) => vec![],
            Err(diags) => diags.into_iter().map(|d| (d.path, d.problem)).collect(),
        }
    }

    fn valid() -> Value {
        json!({
            "apiVersion": "llamastack.io/v1alpha1",
            "kind": "ExternalProviders",
            "providers": {
                "inference": [{"provider_id": "custom-vllm", "provider_type": "remote::custom-vllm",
                               "module": "my_org.custom_vllm", "config": {"url": "http://vllm:8000"}}],
                "vector_io": [{"provider_id": "pgvector-ext", "provider_type": "remote::pgvector-ext",
                               "module": "pgvector_ext"}]
            }
        })
    }

    #[test]
    fn the_merge_output_and_an_empty_file_are_valid() {
        let (doc, warnings) = check_external_providers(&valid()).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(doc.providers["inference"][0].module, "my_org.custom_vllm");
        let mut empty = valid();
        empty["providers"] = json!({});
        assert!(check_external_providers(&empty).is_ok());
    }

    #[test]
    fn every_violation_with_its_path() {
        let mut v = valid();
        v["providers"]["inferense"] = v["providers"]["inference"].clone();
        v["providers"]["vector_io"][0]["providerId"] = json!("x");
        v["providers"]["inference"][0]["module"] = json!("my-org.vllm");
        v["extra"] = json!(1);
        let found = errors(&v);
        let paths: Vec<&str> = found.iter().map(|(p, _)| p.as_str()).collect();
        assert!(paths.contains(&"extra"), "{found:?}");
        assert!(paths.contains(&"providers.inferense"), "{found:?}");
        assert!(
            paths.contains(&"providers.inference[0].module"),
            "{found:?}"
        );
        assert!(
            paths.contains(&"providers.vector_io[0].providerId"),
            "{found:?}"
        );
        assert!(
            found.iter().any(|(p, m)| p == "providers.inferense[0].provider_id"
                && m == "'custom-vllm' is used twice: by providers.inference[0] and by providers.inferense[0]"),
            "{found:?}"
        );
        assert_eq!(
            errors(&json!({"apiVersion": "llamastack.io/v1alpha1", "kind": "ExternalProviders"})),
            [("providers".to_string(), "is required".to_string())]
        );
    }
}
