//! Provider entries as YAML text, and the two whole documents built from
//! them: `extra-providers.yaml` and the minimal config used without a base.

use serde_json::Value;

use crate::merge::emit;
use crate::merge::provider::ExternalProvider;
use crate::merge::yaml11;

/// The run.yaml entry of `p` as a JSON object, keys in entry order.
fn entry_pairs(p: &ExternalProvider) -> Vec<(String, Value)> {
    let mut pairs = vec![
        (
            "provider_id".to_string(),
            Value::String(p.provider_id.clone()),
        ),
        (
            "provider_type".to_string(),
            Value::String(p.provider_type.clone()),
        ),
        ("module".to_string(), Value::String(p.module.clone())),
    ];
    if let Some(cfg) = &p.config {
        pairs.push(("config".to_string(), Value::Object(cfg.clone())));
    }
    pairs
}

/// Block-style sequence item for `p`, dash at `dash_indent`, `\n` breaks,
/// ending with `\n`.
pub fn entry_block(p: &ExternalProvider, dash_indent: usize) -> String {
    let pairs = entry_pairs(p);
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        let indent = dash_indent + 2;
        if i == 0 {
            out.extend(std::iter::repeat_n(' ', dash_indent));
            out.push_str("- ");
        } else {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(&yaml11::key(k));
        out.push(':');
        emit::write_value_after_key(v, indent, &mut out);
        if !matches!(v, Value::Object(m) if !m.is_empty()) {
            out.push('\n');
        }
    }
    out
}

/// Flow-style mapping for `p`, one line.
pub fn entry_flow(p: &ExternalProvider) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in entry_pairs(p).iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&yaml11::key(k));
        out.push_str(": ");
        out.push_str(&emit::flow(v));
    }
    out.push('}');
    out
}

/// APIs in order of first appearance.
pub fn apis_in_order(providers: &[ExternalProvider]) -> Vec<&str> {
    let mut apis: Vec<&str> = Vec::new();
    for p in providers {
        if !apis.contains(&p.api.as_str()) {
            apis.push(&p.api);
        }
    }
    apis
}

/// Block text of a `providers:` mapping body (sections at `indent`,
/// indentless sequences), each line ending with `\n`.
pub fn providers_body(providers: &[ExternalProvider], indent: usize) -> String {
    let mut out = String::new();
    for api in apis_in_order(providers) {
        out.extend(std::iter::repeat_n(' ', indent));
        out.push_str(&yaml11::key(api));
        out.push_str(":\n");
        for p in providers.iter().filter(|p| p.api == api) {
            out.push_str(&entry_block(p, indent));
        }
    }
    out
}

/// `extra-providers.yaml`: the external providers in run.yaml's shape.
pub fn render_extra_providers(providers: &[ExternalProvider]) -> String {
    let mut out = String::from("apiVersion: llamastack.io/v1alpha1\nkind: ExternalProviders\n");
    if providers.is_empty() {
        out.push_str("providers: {}\n");
    } else {
        out.push_str("providers:\n");
        out.push_str(&providers_body(providers, 2));
    }
    out
}

/// A config llama-stack 0.7 and ogx 1.x accept without a warning when
/// there is no base: `version: '2'` (an int that pydantic also reads from
/// `'2'`), `distro_name` (both deprecate `image_name` in its favour;
/// releases before 0.7 know only `image_name`), the APIs, and the
/// providers.
pub fn render_minimal_config(providers: &[ExternalProvider]) -> String {
    let mut out = String::from("version: '2'\ndistro_name: external-providers\n");
    let apis = apis_in_order(providers);
    if apis.is_empty() {
        out.push_str("apis: []\nproviders: {}\n");
        return out;
    }
    out.push_str("apis:\n");
    for api in &apis {
        out.push_str("- ");
        out.push_str(&yaml11::scalar(api));
        out.push('\n');
    }
    out.push_str("providers:\n");
    out.push_str(&providers_body(providers, 2));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn provider(id: &str, api: &str, config: Option<Value>) -> ExternalProvider {
        ExternalProvider {
            provider_id: id.into(),
            provider_type: format!("remote::{id}"),
            module: format!("mod_{}", id.replace('-', "_")),
            api: api.into(),
            config: config.and_then(|c| c.as_object().cloned()),
            image: format!("registry.example/{id}:1"),
        }
    }

    #[test]
    fn extra_providers_exact() {
        let ps = [
            provider(
                "custom-vllm",
                "inference",
                Some(json!({"url": "http://vllm:8000"})),
            ),
            provider("kv", "vector_io", None),
            provider("second", "inference", Some(json!({}))),
        ];
        assert_eq!(
            render_extra_providers(&ps),
            "apiVersion: llamastack.io/v1alpha1\nkind: ExternalProviders\nproviders:\n  inference:\n  - provider_id: custom-vllm\n    provider_type: remote::custom-vllm\n    module: mod_custom_vllm\n    config:\n      url: http://vllm:8000\n  - provider_id: second\n    provider_type: remote::second\n    module: mod_second\n    config: {}\n  vector_io:\n  - provider_id: kv\n    provider_type: remote::kv\n    module: mod_kv\n"
        );
    }

    #[test]
    fn empty_extra_providers() {
        assert!(render_extra_providers(&[]).ends_with("providers: {}\n"));
    }

    #[test]
    fn minimal_config_lists_apis() {
        let ps = [provider("a", "safety", None)];
        let text = render_minimal_config(&ps);
        assert!(text.starts_with("version: '2'\ndistro_name: external-providers\napis:\n- safety\nproviders:\n  safety:\n  - provider_id: a\n"));
    }

    #[test]
    fn flow_entry_in_key_order() {
        let p = provider("on", "inference", Some(json!({"b": 1, "a": "yes"})));
        assert_eq!(
            entry_flow(&p),
            "{provider_id: \"on\", provider_type: remote::on, module: mod_on, config: {b: 1, a: \"yes\"}}"
        );
    }
}
