//! The CRD schema for the fields this project adds to the operator's
//! `LlamaStackDistribution` CRD, as a JSON patch (RFC 6902) that
//! `kubectl patch --type=json` and kustomize both apply.
//!
//! Entry schemas are generated from the Rust types by `schemars`, then made
//! *structural* as Kubernetes requires: no `$ref`, no `nullable` on optional
//! fields, no `additionalProperties` beside `properties`; `config` keeps
//! unknown fields.

use crate::api::{self, APIS};
use crate::limits::MAX_PROVIDERS_PER_SECTION;
use crate::llsd::{ExternalProviderRef, ExternalProviderStatus};
use crate::status::CONDITION_TYPE;
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// The operator's CRD the patch applies to (`kubectl patch crd …`; docs/crd.md).
pub const CRD_NAME: &str = "llamastackdistributions.llamastack.io";
const SCHEMA_ROOT: &str = "/spec/versions/0/schema/openAPIV3Schema/properties";

/// Message of the CEL rule that keeps ids unique across sections.
pub const UNIQUE_IDS_MESSAGE: &str = "providerId must be unique across all externalProviders sections: \
     each id becomes a run.yaml provider_id and an init container name";

/// The structural schema of `T`, inlined.
fn structural_schema<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::openapi3()
        .with(|settings| {
            settings.inline_subschemas = true;
            settings.meta_schema = None;
        })
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    make_structural(&mut schema);
    schema
}

fn make_structural(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    map.remove("title");
    map.remove("nullable");
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        values.retain(|value| !value.is_null());
    }
    if map.contains_key("properties") || map.contains_key("x-kubernetes-preserve-unknown-fields") {
        map.remove("additionalProperties");
    }
    for value in map.values_mut() {
        match value {
            Value::Object(_) => make_structural(value),
            Value::Array(items) => items.iter_mut().for_each(make_structural),
            _ => {}
        }
    }
}

/// Schema of one section: a list of provider refs keyed by providerId.
fn section_schema(api: &api::Api) -> Value {
    json!({
        "type": "array",
        "description": format!(
            "External providers of the {} API (run.yaml providers.{}).",
            api.run_yaml_key, api.run_yaml_key
        ),
        "maxItems": MAX_PROVIDERS_PER_SECTION,
        "items": structural_schema::<ExternalProviderRef>(),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["providerId"],
    })
}

/// CEL rule: ids unique across all sections. Within a section the list-map
/// keys already enforce it; `maxItems` bounds the rule's estimated cost.
pub fn unique_ids_rule() -> String {
    let ids = APIS
        .iter()
        .map(|api| {
            format!(
                "(has(self.{field}) ? self.{field}.map(p, p.providerId) : [])",
                field = api.crd_field
            )
        })
        .collect::<Vec<_>>()
        .join(" + ");
    format!("({ids}).all(id, ({ids}).exists_one(other, other == id))")
}

/// Schema of `spec.server.externalProviders`.
pub fn external_providers_schema() -> Value {
    let properties: Map<String, Value> = APIS
        .iter()
        .map(|api| (api.crd_field.to_string(), section_schema(api)))
        .collect();
    json!({
        "type": "object",
        "description": "Provider images installed at pod start and merged into the user's run.yaml, \
                        by Llama Stack API. Order: sections in this order, then list order.",
        "properties": properties,
        "x-kubernetes-validations": [{
            "rule": unique_ids_rule(),
            "message": UNIQUE_IDS_MESSAGE,
        }],
    })
}

/// Schema of `status.externalProviders`.
pub fn external_providers_status_schema() -> Value {
    json!({
        "type": "array",
        "description": "Install state of each external provider, in CRD order.",
        "items": structural_schema::<ExternalProviderStatus>(),
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["providerId"],
    })
}

/// The JSON patch adding both fields to the operator's CRD (version 0, `v1alpha1`).
pub fn crd_patch() -> Value {
    json!([
        {
            "op": "add",
            "path": format!("{SCHEMA_ROOT}/spec/properties/server/properties/externalProviders"),
            "value": external_providers_schema(),
        },
        {
            "op": "add",
            "path": format!("{SCHEMA_ROOT}/status/properties/externalProviders"),
            "value": external_providers_status_schema(),
        },
        {
            "op": "add",
            "path": PRINTER_COLUMNS,
            "value": {
                "name": "Providers",
                "type": "string",
                "description": "Whether every external provider is installed and merged (the ExternalProvidersReady condition the status controller keeps).",
                "jsonPath": format!(".status.conditions[?(@.type==\"{CONDITION_TYPE}\")].status"),
            },
        },
        {
            "op": "add",
            "path": PRINTER_COLUMNS,
            "value": {
                "name": "Providers Reason",
                "type": "string",
                "priority": 1,
                "description": "Why the external providers are or are not ready (kubectl get -o wide).",
                "jsonPath": format!(".status.conditions[?(@.type==\"{CONDITION_TYPE}\")].reason"),
            },
        },
    ])
}

/// Appends to the served version's printer columns (the operator's CRD has
/// five; `-` needs the list to exist, and appends after them).
const PRINTER_COLUMNS: &str = "/spec/versions/0/additionalPrinterColumns/-";

/// The patch as the YAML file checked into `deploy/crd/`, written by the
/// merge's YAML writer.
pub fn crd_patch_yaml() -> String {
    let patch = crd_patch();
    let body = crate::merge::yaml_sequence_document(patch.as_array().map_or(&[], Vec::as_slice));
    format!(
        "# JSON patch (RFC 6902) for the CustomResourceDefinition {CRD_NAME}:\n\
         # adds spec.server.externalProviders, status.externalProviders and the\n\
         # Providers printer columns (apply once per CRD install: the columns\n\
         # are appended).\n\
         # Generated by `llsd-providers crd`; do not edit by hand.\n{body}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(value: &Value, visit: &mut dyn FnMut(&Map<String, Value>)) {
        match value {
            Value::Object(map) => {
                visit(map);
                map.values().for_each(|v| walk(v, visit));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, visit)),
            _ => {}
        }
    }

    #[test]
    #[ignore = "prints the patch for inspection"]
    fn print_patch() {
        println!("{}", crd_patch_yaml());
    }

    #[test]
    fn the_patch_file_reads_back_as_the_patch() {
        let documents = crate::yaml_input::load_documents(&crd_patch_yaml()).unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0].value, crd_patch());
    }

    #[test]
    fn the_printer_columns_read_the_summary_condition_of_the_served_version() {
        let patch = crd_patch();
        let columns: Vec<&Value> = patch
            .as_array()
            .unwrap()
            .iter()
            .filter(|op| op["path"] == "/spec/versions/0/additionalPrinterColumns/-")
            .collect();
        assert_eq!(columns.len(), 2);
        assert_eq!(columns[0]["value"]["name"], "Providers");
        assert_eq!(
            columns[0]["value"]["jsonPath"],
            ".status.conditions[?(@.type==\"ExternalProvidersReady\")].status"
        );
        assert_eq!(columns[1]["value"]["priority"], 1);
    }

    #[test]
    fn schema_is_structural() {
        walk(&crd_patch(), &mut |map| {
            assert!(!map.contains_key("$ref"), "{map:?}");
            assert!(!map.contains_key("nullable"), "{map:?}");
            assert!(!map.contains_key("$schema"), "{map:?}");
            assert!(
                !(map.contains_key("properties") && map.contains_key("additionalProperties")),
                "{map:?}"
            );
            if let Some(Value::String(t)) = map.get("type") {
                assert!(
                    ["object", "array", "string", "integer", "number", "boolean"]
                        .contains(&t.as_str())
                );
            }
        });
    }

    #[test]
    fn entry_schema_carries_the_rules() {
        let schema = external_providers_schema();
        let entry = &schema["properties"]["inference"]["items"];
        let id = &entry["properties"]["providerId"];
        assert_eq!(id["maxLength"], 46);
        assert_eq!(id["pattern"], crate::llsd::PROVIDER_ID_PATTERN);
        assert_eq!(
            entry["properties"]["imagePullPolicy"]["enum"],
            json!(["Always", "Never", "IfNotPresent"])
        );
        assert_eq!(
            entry["properties"]["config"]["x-kubernetes-preserve-unknown-fields"],
            true
        );
        assert_eq!(entry["properties"]["config"]["type"], "object");
        assert_eq!(entry["required"], json!(["providerId", "image"]));
        let sections: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
        assert_eq!(sections.len(), APIS.len());
    }

    #[test]
    fn cel_rule_names_every_section() {
        let rule = unique_ids_rule();
        for api in APIS {
            assert_eq!(
                rule.matches(&format!("has(self.{})", api.crd_field))
                    .count(),
                2
            );
        }
    }
}
